/*
 * sample_result.h - the QPIGS-like result the output text tests format
 * (test_out_text2.c, test_prom_style.c): floats, ints, a non-ASCII unit,
 * a string, and the entries every decoded result starts with.
 *
 * Included by one test program at a time, so it is static inline.
 */
#ifndef MPPD_SAMPLE_RESULT_H
#define MPPD_SAMPLE_RESULT_H

#include "result.h"

static inline void
sample_qpigs(struct result *r)
{
	result_init(r);
	result_set_plain(r, "_command", "QPIGS");
	result_set_plain(r, "_command_description",
	    "General Status Parameters inquiry");
	result_set_str(r, "raw_response", "(000.0 ...\r", "");
	result_set(r, "AC Input Voltage", val_float(0.0), "V", EX_ABSENT,
	    NULL, 0);
	result_set(r, "Inverter Heat Sink Temperature", val_int(69),
	    "\xc2\xb0" "C", EX_ABSENT, NULL, 0);
	result_set(r, "PV-Input/Power", val_int(856), "W", EX_ABSENT, NULL, 0);
	result_set_str(r, "Device Mode", "Battery", "");
}

/* Its prom text as mpp-solar writes it (unnamed device, no dev). */
#define SAMPLE_QPIGS_PROM \
    "machine_role{role=\"mpp_solar\"} 1\n" \
    "mpp_solar_ac_input_voltage{inverter=\"mpp_solar\",device=\"None\"," \
    "cmd=\"QPIGS\"} 0.0\n" \
    "mpp_solar_inverter_heat_sink_temperature{inverter=\"mpp_solar\"," \
    "device=\"None\",cmd=\"QPIGS\"} 69\n" \
    "mpp_solar_pvinput_power{inverter=\"mpp_solar\",device=\"None\"," \
    "cmd=\"QPIGS\"} 856\n" \
    "mpp_solar_device_mode{inverter=\"mpp_solar\",device=\"None\"," \
    "cmd=\"QPIGS\",myStr=\"Battery\"} 1\n"

#endif
