/*
 * detect.c - mppd --detect PORT: which protocol does the inverter on PORT
 * speak, and which model is it?
 *
 * Sends queries only, never a setter: the protocol-id queries of every
 * family (QPI with and without CRC, ^P005PI with CRC, ^P003PI, ^P005PI
 * without CRC), then the model queries of the family that answered (QMN
 * and QGMN, ^P003DM and ^P003MD, ^P005ID).  Serial ports are tried at the
 * given baud, else at 2400 then 9600; hidraw ports have no baud.  Prints
 * the protocol to configure and a configuration section ready to paste
 * (docs/protocols.md, "Detecting the protocol").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "crc.h"
#include "port.h"
#include "proto.h"
#include "sbuf.h"

#define DETECT_TIMEOUT_MS	1200

/* One protocol-id probe: how the request is framed, what answers it. */
enum probe_kind { PR_PI30, PR_PLAIN, PR_PI18, PR_PI17, PR_PI18LVX };

struct probe {
	enum probe_kind	 kind;
	const char	*what;		/* for the "tried" list */
};

static const struct probe probes[] = {
	{ PR_PI30, "QPI with CRC (PI30 family)" },
	{ PR_PLAIN, "QPI without CRC (PI16)" },
	{ PR_PI18, "^P005PI with CRC (PI18)" },
	{ PR_PI17, "^P003PI (PI17)" },
	{ PR_PI18LVX, "^P005PI without CRC (PI18LVX)" },
};

/* Request bytes of a query text in the probe's framing. */
static size_t
frame(enum probe_kind k, const char *cmd, uint8_t *buf, size_t cap)
{
	size_t n = strlen(cmd), h = 0;
	char head[16];

	if (n + 16 > cap)
		return 0;
	head[0] = '\0';
	if (k == PR_PI17)
		snprintf(head, sizeof(head), "^P%03zu", n + 1);
	else if (k == PR_PI18 || k == PR_PI18LVX)
		snprintf(head, sizeof(head), "^P%03zu", n + 3);
	h = strlen(head);
	memcpy(buf, head, h);
	memcpy(buf + h, cmd, n);
	n += h;
	if (k == PR_PI30 || k == PR_PI18) {
		crc_pi(buf, n, buf + n);
		n += 2;
	}
	buf[n++] = '\r';
	return n;
}

/*
 * The text of a reply: "(" + text + CRC + CR, or "^Dnnn" + text + CRC +
 * CR.  Returns 0 with the text in out, -1 when the bytes are no reply.
 */
static int
reply_text(const struct port_reply *r, char *out, size_t outsz)
{
	const uint8_t *s = r->reply;
	size_t n = r->len, b;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n >= 3 && s[0] == '(')
		b = 1;
	else if (n >= 7 && s[0] == '^' && s[1] == 'D')
		b = 5;
	else
		return -1;
	if (n < b + 2)
		return -1;
	n -= 2;		/* the CRC */
	if (n - b >= outsz)
		n = b + outsz - 1;
	for (size_t i = b; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return -1;
	memcpy(out, s + b, n - b);
	out[n - b] = '\0';
	return strcmp(out, "NAK") == 0 ? -1 : 0;
}

/* One query; 0 with the reply text, -1 (and why, appended to tried). */
static int
ask(struct port *p, enum probe_kind k, const char *cmd, const char *label,
    int baud, struct sbuf *tried, char *out, size_t outsz)
{
	struct port_reply *r = xmalloc(sizeof(*r));
	uint8_t req[64];
	size_t n = frame(k, cmd, req, sizeof(req));
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (n > 0 && port_transact(p, cmd, req, n, DETECT_TIMEOUT_MS, r) == 0 &&
	    reply_text(r, out, outsz) == 0)
		rc = 0;
	if (tried != NULL) {
		sbuf_printf(tried, "  %s", label);
		if (baud > 0)
			sbuf_printf(tried, " at %d baud", baud);
		if (r->err[0] != '\0')
			sbuf_printf(tried, ": %s\n", r->err);
		else if (rc == 0)
			sbuf_printf(tried, ": \"%s\"\n", out);
		else if (r->len == 0)
			sbuf_printf(tried, ": no reply\n");
		else
			sbuf_printf(tried, ": %zu bytes that are no answer\n",
			    r->len);
	}
	free(r);
	return rc;
}

/* The protocol to configure and the model, from the family that answered. */
static const char *
identify(struct port *p, enum probe_kind k, const char *pid, char *model,
    size_t msz)
{
	char a[128], b[128];

	model[0] = '\0';
	switch (k) {
	case PR_PI30:
	case PR_PLAIN:
		if (strcmp(pid, "PI16") == 0) {
			if (ask(p, k, "QGMN", "QGMN", 0, NULL, a, sizeof(a)) == 0)
				snprintf(model, msz, "general model %s", a);
			return "PI16";
		}
		if (ask(p, k, "QMN", "QMN", 0, NULL, a, sizeof(a)) < 0)
			a[0] = '\0';
		if (ask(p, k, "QGMN", "QGMN", 0, NULL, b, sizeof(b)) < 0)
			b[0] = '\0';
		snprintf(model, msz, "%s%s%s%s", a, a[0] && b[0] ? ", " : "",
		    b[0] ? "general model " : "", b);
		if (strcmp(pid, "PI41") == 0)
			return "PI41";
		/* Only what the reference's definitions name: PI30M044 is
		 * the Axpert Max 7.2k (model name MKS2-7200, general model
		 * 044); the MAX models answer with MAX in their name. */
		if (strcmp(b, "044") == 0 && strncmp(a, "MKS2-7200", 9) == 0)
			return "PI30M044";
		if (strstr(a, "MAX") != NULL)
			return "PI30MAX";
		return "PI30";
	case PR_PI17:
		if (ask(p, k, "MD", "MD", 0, NULL, a, sizeof(a)) < 0)
			a[0] = '\0';
		a[strcspn(a, ",")] = '\0';	/* the machine number */
		if (ask(p, k, "DM", "DM", 0, NULL, b, sizeof(b)) < 0)
			b[0] = '\0';
		snprintf(model, msz, "%s%s%s%s", b[0] ? "model code " : "", b,
		    a[0] && b[0] ? ", machine number " : a[0] ?
		    "machine number " : "", a);
		return strcmp(b, "058") == 0 ? "PI17M058" : "PI17";
	case PR_PI18:
	case PR_PI18LVX:
		/* PI18 has no model query: the serial number identifies it. */
		if (ask(p, k, "ID", "ID", 0, NULL, a, sizeof(a)) == 0)
			snprintf(model, msz, "serial number %s", a);
		return k == PR_PI18LVX ? "PI18LVX" : "PI18";
	}
	return NULL;
}

/* The protocol-id answer of a probe, if it is one ("PI30", "18"). */
static int
pid_fits(enum probe_kind k, const char *text)
{
	if (k == PR_PI30 || k == PR_PLAIN)
		return strncmp(text, "PI", 2) == 0;
	return strcmp(text, k == PR_PI17 ? "17" : "18") == 0;
}

static const char *
default_commands(const char *proto)
{
	if (strncmp(proto, "PI17", 4) == 0 || strncmp(proto, "PI18", 4) == 0)
		return "GS#PIRI";
	return "QPIGS#QPIRI";
}

int
app_detect(const char *path, const char *porttype, int baud)
{
	enum port_type t = port_detect(path, porttype);
	int bauds[2] = { 2400, 9600 }, nb = 2;
	struct sbuf tried = SBUF_INIT;

	if (t == PORT_NONE || t == PORT_TEST) {
		fprintf(stderr, "mppd: --detect: %s is no serial or hidraw port "
		    "(--porttype serial or hidraw names its type)\n", path);
		return 2;
	}
	if (baud > 0) {
		bauds[0] = baud;
		nb = 1;
	}
	if (t == PORT_HIDRAW)
		nb = 1;		/* hidraw has no baud */
	for (int bi = 0; bi < nb; bi++) {
		struct port_opts po;
		struct port *p;
		int shown = t == PORT_HIDRAW ? 0 : bauds[bi];

		memset(&po, 0, sizeof(po));
		po.path = path;
		po.baud = bauds[bi];
		/* PI18's frame rule reads "(...CR" and "^Dnnn..." replies alike
		 * (a PI17/PI18 CRC may hold a CR). */
		po.proto = proto_find("PI18");
		po.frame_len = proto_frame_len;
		p = port_new(t, &po);
		for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
			char text[128], model[256];
			const char *proto;

			if (ask(p, probes[k].kind, probes[k].kind <= PR_PLAIN ?
			    "QPI" : "PI", probes[k].what, shown, &tried, text,
			    sizeof(text)) < 0)
				continue;
			if (!pid_fits(probes[k].kind, text))
				continue;
			proto = identify(p, probes[k].kind, text, model,
			    sizeof(model));
			port_free(p);
			printf("Protocol: %s (the device reports protocol %s)\n",
			    proto, text);
			printf("Model: %s\n", model[0] ? model : "not reported");
			printf("Port: %s (%s%s)\n\n", path, port_type_name(t),
			    shown ? "" : ", no baud");
			printf("Configuration section for mpp-solar.conf:\n\n");
			printf("[inverter]\nport = %s\n", path);
			if (porttype != NULL && porttype[0] != '\0')
				printf("porttype = %s\n", porttype);
			printf("protocol = %s\n", proto);
			if (shown)
				printf("baud = %d\n", shown);
			printf("command = %s\n", default_commands(proto));
			printf("outputs = screen\n");
			sbuf_free(&tried);
			return 0;
		}
		port_free(p);
	}
	fprintf(stderr, "mppd: --detect: no inverter protocol answered on %s. "
	    "Tried:\n%s", path, sbuf_str(&tried));
	sbuf_free(&tried);
	return 1;
}
