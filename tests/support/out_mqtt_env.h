/*
 * out_mqtt_env.h - the fixture shared by the *_mqtt processors' tests
 * (test_out_mqtt.c, test_out_hass_mqtt.c): results built by hand with the
 * golden vectors' values, a publisher that captures every message, and
 * checks of the whole capture text, directly and through the "screen"
 * debug publisher.
 *
 * Included by one test program at a time, so everything is static (and
 * inline, so a program that does not use a helper gets no warning).
 */
#ifndef MPPD_OUT_MQTT_ENV_H
#define MPPD_OUT_MQTT_ENV_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "proto.h"
#include "pub_rec.h"
#include "result.h"
#include "sbuf.h"
#include "testmain.h"

/* ---- results built by hand, values as in the golden vectors ---- */

static const struct result_kv x_current[] = {
	{ "icon", "mdi:solar-power" }, { "device-class", "current" } };
static const struct result_kv x_voltage[] = {
	{ "icon", "mdi:solar-power" }, { "device-class", "voltage" } };
static const struct result_kv x_power[] = {
	{ "icon", "mdi:solar-power" }, { "device-class", "power" },
	{ "state_class", "measurement" } };

static inline void
head(struct result *r, const char *cmd, const char *desc)
{
	result_init(r);
	result_set_plain(r, "_command", cmd);
	result_set_plain(r, "_command_description", desc);
}

/* PI30MAX QPIGS2 (test0): the example of docs/compatibility.md. */
static inline void
mk_qpigs2(struct result *r)
{
	head(r, "QPIGS2", "General Status Parameters inquiry 2");
	result_set_str(r, "raw_response", "(03.1 327.3 01026 \xc3\x89\xc2\x8b\r",
	    "");
	result_set(r, "PV2 Input Current", val_float(3.1), "A", EX_DICT,
	    x_current, 2);
	result_set(r, "PV2 Input Voltage", val_float(327.3), "V", EX_DICT,
	    x_voltage, 2);
	result_set(r, "PV2 Charging Power", val_int(1026), "W", EX_DICT,
	    x_power, 3);
}

static inline void
mk_qmod(struct result *r)
{
	head(r, "QMOD", "Mode inquiry");
	result_set_str(r, "Device Mode", "Standby", "");
}

static inline void
mk_qflag(struct result *r)
{
	head(r, "QFLAG", "Flag Status inquiry");
	result_set_str(r, "raw_response", "(EakxyDbjuvz/)\r", "");
	result_set_str(r, "Buzzer", "enabled", "");
	result_set_str(r, "Overload Bypass", "disabled", "");
}

/* A few PI30 QPIGS rows: %, a non-ASCII unit, bools. */
static inline void
mk_qpigs(struct result *r)
{
	head(r, "QPIGS", "General Status Parameters inquiry");
	result_set(r, "Battery Capacity", val_int(100), "%", EX_ABSENT,
	    NULL, 0);
	result_set(r, "Inverter Heat Sink Temperature", val_int(69),
	    "\xc2\xb0" "C", EX_ABSENT, NULL, 0);
	result_set(r, "Is Load On", val_int(1), "bool", EX_ABSENT, NULL, 0);
	result_set(r, "Is Charging to Float", val_int(0), "bool", EX_ABSENT,
	    NULL, 0);
}

static inline void
mk_qet(struct result *r)
{
	head(r, "QET", "Total PV Generated Energy Inquiry");
	result_set(r, "Total PV Generated Energy", val_int(238800), "Wh",
	    EX_ABSENT, NULL, 0);
}

/* ---- capturing publisher (pub_rec.h) ---- */

/* "topic payload\n" per message, as mosquitto_sub -v prints them. */
static inline char *
cap_text(const struct pub_rec *c)
{
	struct sbuf s = SBUF_INIT;

	for (int i = 0; i < c->n; i++)
		sbuf_printf(&s, "%s %s\n", c->m[i].topic, c->m[i].payload);
	return sbuf_steal(&s);
}

static inline struct out_opts
opts(const char *tag)
{
	struct out_opts o;

	memset(&o, 0, sizeof(o));
	o.tag = tag;
	return o;
}

/* Runs processor name on r and checks the whole capture text. */
static inline void
check(const char *name, const struct result *r, const struct out_opts *o,
    const char *want)
{
	struct pub_rec c = { 0 };
	char *got;

	assert_int_equal(output_mqtt(name, r, o, pub_rec_fn, &c), 0);
	got = cap_text(&c);
	assert_string_equal(got, want);
	free(got);
	pub_rec_free(&c);
}

/* The same through the "screen" debug publisher. */
static inline void
check_screen(const char *name, const struct result *r,
    const struct out_opts *o, const char *want)
{
	struct sbuf s = SBUF_INIT;

	assert_int_equal(output_mqtt(name, r, o, output_screen_publisher, &s),
	    0);
	assert_string_equal(sbuf_str(&s), want);
	sbuf_free(&s);
}

static inline void *
re(const char *pat)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    0, &err, &off, NULL);

	assert_non_null(c);
	return c;
}

#define SCR "mqtt debug output only as broker name is 'screen' - "

#endif
