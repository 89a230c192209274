/*
 * hass_profiles.c - the settings entities each family offers (PI30, PI17,
 * PI18): option names come from the protocol's own rows, arguments are
 * checked against its patterns by hass_settings.c; only the queries and
 * the command formats are written here.
 */
#include <string.h>

#include "family.h"
#include "hass_profiles.h"
#include "proto.h"

static const struct sel_def pi30_sels[] = {
	{ "output_source_priority", "Output Source Priority", "POP",
	  "Output Source Priority", "mdi:home-lightning-bolt-outline", OPT_ROW,
	  "%s%02d" },
	{ "charger_source_priority", "Charger Source Priority", "PCP",
	  "Charger Source Priority", "mdi:battery-charging-outline", OPT_ROW,
	  "%s%02d" },
	{ "battery_type", "Battery Type", "PBT", "Battery Type",
	  "mdi:car-battery", OPT_ROW, "%s%02d" },
	{ "max_charging_current", "Max Charging Current", "MCHGC",
	  "Max Charging Current", "mdi:current-dc", OPT_CHG, NULL },
	{ "max_utility_charging_current", "Max Utility Charging Current",
	  "MUCHGC", "Max AC Charging Current", "mdi:transmission-tower", OPT_UCHG,
	  NULL },
};

/* PI18: one digit per option; PCP, MCHGC and MUCHGC name the unit of a
 * parallel stack first (unit 0). */
static const struct sel_def pi18_sels[] = {
	{ "output_source_priority", "Output Source Priority", "POP",
	  "Output source priority", "mdi:home-lightning-bolt-outline", OPT_ROW,
	  "%s%d" },
	{ "charger_source_priority", "Charger Source Priority", "PCP",
	  "Charger source priority", "mdi:battery-charging-outline", OPT_ROW,
	  "%s0,%d" },
	{ "solar_power_priority", "Solar Power Priority", "PSP",
	  "Solar power priority", "mdi:solar-power", OPT_ROW, "%s%d" },
	{ "battery_type", "Battery Type", "PBT", "Battery Type",
	  "mdi:car-battery", OPT_ROW, "%s%d" },
	{ "max_charging_current", "Max Charging Current", "MCHGC",
	  "Max charging current", "mdi:current-dc", OPT_CHG, "%s0,%03d" },
	{ "max_utility_charging_current", "Max Utility Charging Current",
	  "MUCHGC", "Max AC charging current", "mdi:transmission-tower", OPT_UCHG,
	  "%s0,%03d" },
};

/* PI17: the solar energy distribution of its HECS reply. */
static const struct sel_def pi17_sels[] = {
	{ "solar_energy_distribution_priority",
	  "Solar Energy Distribution Priority", "SEP",
	  "Solar Energy Distribution Priority", "mdi:solar-power", OPT_KEYED,
	  "%s%s" },
};


static const struct sw_def pi17_sws[] = {
	{ "solar_charge_battery", "Solar Charge Battery",
	  "Solar charge battery", "EDA1", "EDA0", "mdi:solar-power" },
	{ "ac_charge_battery", "AC Charge Battery", "AC charge battery",
	  "EDB1", "EDB0", "mdi:transmission-tower" },
	{ "feed_power_to_utility", "Feed Power to Utility",
	  "Feed power to utility", "EDC1", "EDC0",
	  "mdi:transmission-tower-import" },
	{ "battery_to_loads_solar_normal",
	  "Battery Discharge to Loads (Solar Normal)",
	  "Battery discharge to loads when solar input normal", "EDD1", "EDD0",
	  "mdi:battery-arrow-down" },
	{ "battery_to_loads_solar_loss",
	  "Battery Discharge to Loads (Solar Loss)",
	  "Battery discharge to loads when solar input loss", "EDE1", "EDE0",
	  "mdi:battery-arrow-down" },
	{ "battery_to_grid_solar_normal",
	  "Battery Discharge to Grid (Solar Normal)",
	  "Battery discharge to feed grid when solar input normal", "EDF1",
	  "EDF0", "mdi:battery-arrow-down-outline" },
	{ "battery_to_grid_solar_loss",
	  "Battery Discharge to Grid (Solar Loss)",
	  "Battery discharge to feed grid when solar input loss", "EDG1",
	  "EDG0", "mdi:battery-arrow-down-outline" },
};

/*
 * Numbers: ranges of a 48 V unit from the protocol's help texts, scaled for
 * 12 V and 24 V units.  PBDV takes 48-58 V or 00.0, "battery full": that
 * one value is a switch of its own (hass_settings.c, build_full_switch), so
 * the number offers only voltages the inverter accepts.
 */
static const struct num_def pi30_nums[] = {
	{ "battery_recharge_voltage", "Battery Recharge Voltage", "PBCV",
	  "Battery Recharge Voltage", 44.0, 51.0, 0 },
	{ "battery_redischarge_voltage", "Battery Redischarge Voltage", "PBDV",
	  "Battery Redischarge Voltage", 48.0, 58.0, 0 },
	{ "battery_cut_off_voltage", "Battery Cut-off Voltage", "PSDV",
	  "Battery Under Voltage", 40.0, 48.0, 0 },
	{ "battery_bulk_charging_voltage", "Battery Bulk Charging Voltage",
	  "PCVV", "Battery Bulk Charge Voltage", 48.0, 58.4, 0 },
	{ "battery_float_charging_voltage", "Battery Float Charging Voltage",
	  "PBFT", "Battery Float Charge Voltage", 48.0, 58.4, 0 },
};

/* PI18 MCHGV and BUCD set two voltages in one command: HA's number sends
 * one value, so they stay commands (docs/protocols.md). */
static const struct num_def pi18_nums[] = {
	{ "battery_cut_off_voltage", "Battery Cut-off Voltage", "PSDV",
	  "Battery under voltage", 40.0, 48.0, 1 },
};


#define N(a)	(sizeof(a) / sizeof((a)[0]))

static const struct hc_profile profiles[] = {
	{ "PI30", { "QPIRI", "QFLAG", "QMCHGCR", "QMUCHGCR" },
	  pi30_sels, N(pi30_sels), pi30_nums, N(pi30_nums), NULL, 0 },
	{ "PI17", { "HECS", NULL, NULL, NULL },
	  pi17_sels, N(pi17_sels), NULL, 0, pi17_sws, N(pi17_sws) },
	{ "PI18", { "PIRI", NULL, "MCHGCR", "MUCHGCR" },
	  pi18_sels, N(pi18_sels), pi18_nums, N(pi18_nums), NULL, 0 },
};

const struct hc_profile *
hc_profile_of(const struct pi_proto *p)
{
	if (p == NULL || p->family == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].family, p->family->name) == 0)
			return &profiles[i];
	return NULL;
}

const char *
hc_query(const struct pi_proto *p, enum hc_query q)
{
	const struct hc_profile *pr = hc_profile_of(p);

	return pr != NULL && q >= 0 && q < HC_NQUERY ? pr->query[q] : NULL;
}
