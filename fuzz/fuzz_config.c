/*
 * fuzz_config.c - configuration loading: any bytes as a config file through
 * the programs' loader (every layer's checks), then --check-config's
 * printer on what loaded.  The file lives in a memfd so
 * the fuzzer does no disk I/O.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "app_config.h"
#include "config.h"
#include "log.h"
#include "proto.h"
#include "sbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	log_init("fuzz", LOG_LVL_ERROR);
	return proto_init();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct sbuf err = SBUF_INIT;
	struct cli_mqtt cli;
	char path[64];
	FILE *devnull;
	int fd;

	if (size > 1 << 20)
		return 0;
	fd = memfd_create("mppd-fuzz.conf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&cli, 0, sizeof(cli));
	cli.broker = "localhost";
	cli.port = 1883;
	if (app_config_load(path, &cli, &c, &err) == 0) {
		if ((devnull = fopen("/dev/null", "w")) != NULL) {
			config_print(devnull, &c);
			fclose(devnull);
		}
		config_free(&c);
	}
	sbuf_free(&err);
	close(fd);
	return 0;
}
