/*
 * oneshot.c - a single pass over every device and command (CLI runs and
 * -C without --daemon).  MQTT messages are delivered before we exit: the
 * reference drops them all (docs/compatibility.md, "Deliberate differences").
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "device.h"
#include "log.h"
#include "mqtt_conn.h"
#include "result.h"
#include "sbuf.h"

/* How long a one-shot run waits for its messages to reach the broker. */
#define ONESHOT_FLUSH_MS	10000

int
app_oneshot(struct config *c, int cli_mode, const char *cli_tag)
{
	struct conn_registry *reg = conn_registry_new(1);
	struct app_out *outs = xcalloc((size_t)c->ndevs + 1, sizeof(*outs));
	int status = 0, lost;

	for (int i = 0; i < c->ndevs; i++) {
		if (app_out_init(&outs[i], c, &c->devs[i], reg, cli_mode) < 0)
			status = 1;
		outs[i].cli_tag = cli_tag;
	}
	if (status == 0)
		conn_registry_start(reg);
	for (int i = 0; i < c->ndevs && status == 0; i++) {
		struct device *d = device_new(&c->devs[i]);
		for (int k = 0; k < c->devs[i].ncommands; k++) {
			struct result r;
			result_init(&r);
			device_run(d, c->devs[i].commands[k], &r);
			app_emit(&outs[i], c->devs[i].commands[k], &r);
			result_free(&r);
		}
		device_free(d);
	}
	lost = conn_registry_stop(reg, ONESHOT_FLUSH_MS);
	if (lost > 0) {
		log_error("%d MQTT message(s) could not be delivered", lost);
		status = 1;
	}
	conn_registry_free(reg);
	for (int i = 0; i < c->ndevs; i++) {
		/* A sink that failed (logged) fails the run too. */
		if (outs[i].sink_failures > 0)
			status = 1;
		app_out_free(&outs[i]);
	}
	free(outs);
	return status;
}
