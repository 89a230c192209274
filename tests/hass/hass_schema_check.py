#!/usr/bin/python3
"""hass_schema_check.py - checks MQTT discovery configs against Home
Assistant's MQTT discovery rules, as far as they concern what mppd
publishes.  Our own encoding of those rules (voluptuous, as Home Assistant
itself uses), not Home Assistant's code.

Rules encoded: Home Assistant 2025.5 (home-assistant/core as stored in
late April 2025: homeassistant/const.py says 2025.5.0b6), from
homeassistant/components/mqtt/ (abbreviations.py, discovery.py, schemas.py,
config.py, util.py, sensor.py, binary_sensor.py, select.py, number.py,
switch.py, button.py) and homeassistant/components/sensor/const.py.

Input: files named on the command line, or stdin; one message a line,
either "TOPIC<TAB>PAYLOAD" or mosquitto_sub -v output ("TOPIC PAYLOAD").
Lines whose topic is not <prefix>/.../config are ignored (states); when a
topic comes more than once, its last payload counts (as a retained message
would); an empty payload removes the config.

What it checks, per config:
  - the discovery topic: <prefix>/<component>/[<node_id>/]<object_id>/config
    with node_id and object_id of [a-zA-Z0-9_-] only (else HA ignores it),
    and a component HA's MQTT integration knows;
  - the payload: a JSON object (UTF-8);
  - abbreviations expanded (top level, device, origin, availability
    entries) and the "~" topic base substituted, as HA does, before:
  - the platform's discovery schema, for sensor, binary_sensor, select,
    number, switch and button: required keys (state_topic for sensors,
    command_topic for select/number/switch/button), every known key's type
    (strings, booleans as HA's cv.boolean reads them, positive integers,
    QoS 0-2, icons "prefix:name", Jinja templates that parse), MQTT topic
    rules (subscribe and publish topics, wildcard placement, no control
    characters), the device block (known keys only, at least one identifier
    or connection, connections as pairs), origin (name required), the
    availability block (availability_topic and availability are exclusive,
    each entry needs a topic, availability_mode all/any/latest), entity
    category config/diagnostic;
  - sensor: device_class and state_class from HA's lists; unit of
    measurement allowed for the device class (DEVICE_CLASS_UNITS; no unit is
    an error where the class needs one); measurement_angle needs degrees;
    options only with device class enum, non-empty, without state class or
    unit; last_reset_value_template only with state class total;
    entity_category config refused (HA will not add such a sensor);
  - binary_sensor: device class from HA's list; entity_category config
    refused;
  - number: device class from HA's list, min < max, step >= 0.001, mode
    auto/box/slider;
  - select: options a non-empty list of strings;
  - switch, button: device class from HA's lists;
  - across configs: a unique_id used twice in one component (HA keeps only
    the first entity).
Warnings (exit 0 unless --strict):
  - keys the platform schema does not know (HA drops them silently);
  - a sensor state class HA calls impossible for its device class
    (DEVICE_CLASS_STATE_CLASSES; HA logs a warning at run time);
  - a number unit not valid for its device class (HA logs a warning);
  - duplicate select options; an entity name that starts with its device's
    name (HA strips it and logs).
Not covered: other platforms (the checker fails on them rather than pass
them unchecked), device-based discovery (homeassistant/device/...),
anything about state payloads (numeric states, option values), Jinja
filters and functions that exist only in HA (templates are only parsed),
and the entity registry beyond unique_id clashes.

Exit status: 0 all configs valid, 1 a config failed (or, with --strict, a
warning), 2 usage or input error (no configs at all, unless --allow-empty).
"""

import argparse
import json
import re
import sys

import voluptuous as vol

try:
    import jinja2
except ImportError:  # templates are then only checked to be strings
    jinja2 = None

# ---- discovery: topics, abbreviations --------------------------------

# Every component HA's MQTT integration accepts in a discovery topic.
HA_COMPONENTS = {
    "alarm_control_panel", "binary_sensor", "button", "camera", "climate",
    "cover", "date", "datetime", "device", "device_automation",
    "device_tracker", "event", "fan", "humidifier", "image", "lawn_mower",
    "light", "lock", "notify", "number", "scene", "select", "sensor", "siren",
    "switch", "tag", "text", "time", "update", "vacuum", "valve",
    "water_heater",
}

TOPIC_RE = re.compile(
    r"(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?"
    r"(?P<object_id>[a-zA-Z0-9_-]+)/config$")

# Abbreviation -> full key, for the keys of the platforms checked here.
ABBREV = {
    "act_t": "action_topic", "avty": "availability",
    "avty_mode": "availability_mode", "avty_t": "availability_topic",
    "avty_tpl": "availability_template", "cmd_t": "command_topic",
    "cmd_tpl": "command_template", "dev": "device", "dev_cla": "device_class",
    "e": "encoding", "en": "enabled_by_default", "ent_cat": "entity_category",
    "ent_pic": "entity_picture", "exp_aft": "expire_after",
    "frc_upd": "force_update", "ic": "icon",
    "json_attr_t": "json_attributes_topic",
    "json_attr_tpl": "json_attributes_template",
    "lrst_val_tpl": "last_reset_value_template", "max": "max", "min": "min",
    "mode": "mode", "name": "name", "o": "origin", "obj_id": "object_id",
    "off_dly": "off_delay", "ops": "options", "opt": "optimistic",
    "pl_avail": "payload_available", "pl_not_avail": "payload_not_available",
    "pl_off": "payload_off", "pl_on": "payload_on", "pl_prs": "payload_press",
    "pl_rst": "payload_reset", "qos": "qos", "ret": "retain",
    "stat_cla": "state_class", "stat_off": "state_off", "stat_on": "state_on",
    "stat_t": "state_topic", "stat_tpl": "state_template",
    "stat_val_tpl": "state_value_template", "step": "step",
    "sug_dsp_prc": "suggested_display_precision", "t": "topic",
    "uniq_id": "unique_id", "unit_of_meas": "unit_of_measurement",
    "val_tpl": "value_template",
}
DEVICE_ABBREV = {
    "cns": "connections", "cu": "configuration_url", "ids": "identifiers",
    "name": "name", "mf": "manufacturer", "mdl": "model", "mdl_id": "model_id",
    "hw": "hw_version", "sw": "sw_version", "sa": "suggested_area",
    "sn": "serial_number", "via_device": "via_device",
}
ORIGIN_ABBREV = {"name": "name", "sw": "sw_version", "url": "support_url"}


def expand(d, table):
    if isinstance(d, dict):
        for short in [k for k in d if k in table and table[k] != k]:
            d[table[short]] = d.pop(short)


def expand_all(p):
    expand(p, ABBREV)
    if isinstance(p.get("origin"), dict):
        expand(p["origin"], ORIGIN_ABBREV)
    if isinstance(p.get("device"), dict):
        expand(p["device"], DEVICE_ABBREV)
    av = p.get("availability")
    for a in (av if isinstance(av, list) else [av]):
        expand(a, ABBREV)


def substitute_base(p):
    base = p.pop("~", None)
    if base is None:
        return
    base = str(base)

    def sub(v):
        if v.startswith("~"):
            v = base + v[1:]
        if v.endswith("~"):
            v = v[:-1] + base
        return v

    for k, v in list(p.items()):
        if isinstance(v, str) and v and k.endswith("topic"):
            p[k] = sub(v)
    av = p.get("availability")
    for a in (av if isinstance(av, list) else [av]):
        if isinstance(a, dict) and isinstance(a.get("topic"), str) and a["topic"]:
            a["topic"] = sub(a["topic"])

# ---- value validators (the meaning of HA's config_validation) ---------


def string(v):
    """A string; numbers and booleans are turned into one (not lists,
    objects or null)."""
    if v is None or isinstance(v, (list, dict)):
        raise vol.Invalid("expected a string")
    return str(v)


def boolean(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        s = v.lower().strip()
        if s in ("1", "true", "yes", "on", "enable"):
            return True
        if s in ("0", "false", "no", "off", "disable"):
            return False
    elif isinstance(v, (int, float)):
        return v != 0
    raise vol.Invalid("invalid boolean value %r" % (v,))


def positive_int(v):
    if isinstance(v, bool):
        v = int(v)
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise vol.Invalid("expected an integer, got %r" % (v,))
    if n < 0:
        raise vol.Invalid("must be at least 0, got %d" % n)
    return n


def qos(v):
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise vol.Invalid("invalid QoS %r" % (v,))
    if n not in (0, 1, 2):
        raise vol.Invalid("QoS must be 0, 1 or 2, got %r" % (v,))
    return n


def icon(v):
    v = string(v)
    if ":" not in v:
        raise vol.Invalid("icons must be of the form 'prefix:name', got %r" % v)
    return v


def template(v):
    if v is None or isinstance(v, (list, dict)):
        raise vol.Invalid("template value should be a string")
    v = str(v)
    if jinja2 is not None:
        try:
            jinja2.Environment().parse(v)
        except jinja2.TemplateSyntaxError as exc:
            raise vol.Invalid("invalid template (%s): %r" % (exc, v))
    return v


def url(v):
    v = string(v)
    if not re.match(r"^(https?://[^\s/]+|homeassistant://)\S*$", v):
        raise vol.Invalid("invalid url %r" % v)
    return v


def ensure_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def lower_in(choices, what):
    """One of choices, case-insensitively; null allowed (HA's
    vol.Any(..., None) around its class schemas)."""
    def check(v):
        if v is None:
            return None
        if not isinstance(v, str):
            raise vol.Invalid("%s must be a string, got %r" % (what, v))
        if v.lower() not in choices:
            raise vol.Invalid("%r is not a valid %s" % (v, what))
        return v.lower()
    return check


def _topic(v):
    if not isinstance(v, str):
        v = string(v)
    raw = v.encode("utf-8", "surrogatepass")
    if not raw:
        raise vol.Invalid("MQTT topic must not be empty")
    if len(raw) > 65535:
        raise vol.Invalid("MQTT topic longer than 65535 bytes")
    for c in v:
        if c == "\0":
            raise vol.Invalid("MQTT topic contains a null character")
        if c <= "\u001f" or "\u007f" <= c <= "\u009f":
            raise vol.Invalid("MQTT topic contains a control character")
        if "\ufdd0" <= c <= "\ufdef" or (ord(c) & 0xFFFF) in (0xFFFE, 0xFFFF):
            raise vol.Invalid("MQTT topic contains a non-character")
    return v


def subscribe_topic(v):
    v = _topic(v)
    for i, c in enumerate(v):
        if c == "+" and ((i > 0 and v[i - 1] != "/") or
                         (i < len(v) - 1 and v[i + 1] != "/")):
            raise vol.Invalid("'+' must occupy a whole topic level: %r" % v)
    i = v.find("#")
    if i != -1:
        if i != len(v) - 1:
            raise vol.Invalid("'#' must be the last character: %r" % v)
        if len(v) > 1 and v[i - 1] != "/":
            raise vol.Invalid("'#' must follow a '/': %r" % v)
    return v


def publish_topic(v):
    v = _topic(v)
    if "+" in v or "#" in v:
        raise vol.Invalid("a publish topic must not contain wildcards: %r" % v)
    return v

# ---- Home Assistant's classes and units (2025.5) ------------------------

SENSOR_CLASSES = {
    "date", "enum", "timestamp", "apparent_power", "aqi", "area",
    "atmospheric_pressure", "battery", "blood_glucose_concentration",
    "carbon_monoxide", "carbon_dioxide", "conductivity", "current",
    "data_rate", "data_size", "distance", "duration", "energy",
    "energy_distance", "energy_storage", "frequency", "gas", "humidity",
    "illuminance", "irradiance", "moisture", "monetary", "nitrogen_dioxide",
    "nitrogen_monoxide", "nitrous_oxide", "ozone", "ph", "pm1", "pm10",
    "pm25", "power_factor", "power", "precipitation",
    "precipitation_intensity", "pressure", "reactive_power",
    "signal_strength", "sound_pressure", "speed", "sulphur_dioxide",
    "temperature", "volatile_organic_compounds",
    "volatile_organic_compounds_parts", "voltage", "volume",
    "volume_storage", "volume_flow_rate", "water", "weight",
    "wind_direction", "wind_speed",
}
NUMBER_CLASSES = SENSOR_CLASSES - {"date", "enum", "timestamp"}
STATE_CLASSES = {"measurement", "measurement_angle", "total",
                 "total_increasing"}
BINARY_SENSOR_CLASSES = {
    "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity",
    "door", "garage_door", "gas", "heat", "light", "lock", "moisture",
    "motion", "moving", "occupancy", "opening", "plug", "power", "presence",
    "problem", "running", "safety", "smoke", "sound", "tamper", "update",
    "vibration", "window",
}
SWITCH_CLASSES = {"outlet", "switch"}
BUTTON_CLASSES = {"identify", "restart", "update"}
ENTITY_CATEGORIES = {"config", "diagnostic"}

_ENERGY = {"J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh",
           "cal", "kcal", "Mcal", "Gcal"}
_PRESSURE = {"Pa", "hPa", "kPa", "bar", "cbar", "mbar", "mmHg", "inHg",
             "inH₂O", "psi"}
_VOLUME = {"L", "mL", "gal", "fl. oz.", "m³", "ft³", "CCF"}
_FLUX = {"in/d", "in/h", "mm/d", "mm/h"}
_SPEED = {"Beaufort", "ft/s", "in/s", "km/h", "kn", "m/s", "mph", "mm/s"}
_UG_M3 = {"µg/m³"}
_RATE = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", "B/s", "kB/s", "MB/s",
         "GB/s", "KiB/s", "MiB/s", "GiB/s"}
_SIZE = {"bit", "kbit", "Mbit", "Gbit", "B", "kB", "MB", "GB", "TB", "PB",
         "EB", "ZB", "YB", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB",
         "YiB"}

# Device class -> the units HA accepts (None: no unit).  Classes missing
# here (date, enum, timestamp, monetary) accept any unit at this stage.
DEVICE_CLASS_UNITS = {
    "apparent_power": {"VA"},
    "aqi": {None},
    "area": {"m²", "cm²", "km²", "mm²", "in²", "ft²", "yd²", "mi²", "ac",
             "ha"},
    "atmospheric_pressure": _PRESSURE,
    "battery": {"%"},
    "blood_glucose_concentration": {"mg/dL", "mmol/L"},
    "carbon_monoxide": {"ppm"},
    "carbon_dioxide": {"ppm"},
    "conductivity": {"S/cm", "mS/cm", "µS/cm"},
    "current": {"A", "mA"},
    "data_rate": _RATE,
    "data_size": _SIZE,
    "distance": {"km", "m", "cm", "mm", "mi", "nmi", "yd", "in", "ft"},
    "duration": {"d", "h", "min", "s", "ms", "µs"},
    "energy": _ENERGY,
    "energy_distance": {"kWh/100km", "mi/kWh", "km/kWh"},
    "energy_storage": _ENERGY,
    "frequency": {"Hz", "kHz", "MHz", "GHz"},
    "gas": {"CCF", "ft³", "m³", "L"},
    "humidity": {"%"},
    "illuminance": {"lx"},
    "irradiance": {"W/m²", "BTU/(h⋅ft²)"},
    "moisture": {"%"},
    "nitrogen_dioxide": _UG_M3,
    "nitrogen_monoxide": _UG_M3,
    "nitrous_oxide": _UG_M3,
    "ozone": _UG_M3,
    "ph": {None},
    "pm1": _UG_M3,
    "pm10": _UG_M3,
    "pm25": _UG_M3,
    "power_factor": {"%", None},
    "power": {"mW", "W", "kW", "MW", "GW", "TW"},
    "precipitation": {"cm", "in", "mm"},
    "precipitation_intensity": _FLUX,
    "pressure": _PRESSURE,
    "reactive_power": {"var", "kvar"},
    "signal_strength": {"dB", "dBm"},
    "sound_pressure": {"dB", "dBA"},
    "speed": _SPEED | _FLUX,
    "sulphur_dioxide": _UG_M3,
    "temperature": {"°C", "°F", "K"},
    "volatile_organic_compounds": _UG_M3,
    "volatile_organic_compounds_parts": {"ppb", "ppm"},
    "voltage": {"µV", "mV", "V", "kV", "MV"},
    "volume": _VOLUME,
    "volume_flow_rate": {"m³/h", "m³/s", "ft³/min", "L/h", "L/min", "L/s",
                         "gal/min", "mL/s"},
    "volume_storage": _VOLUME,
    "water": {"CCF", "ft³", "m³", "gal", "L"},
    "weight": {"kg", "g", "mg", "µg", "oz", "lb", "st"},
    "wind_direction": {"°"},
    "wind_speed": _SPEED,
}
STATE_CLASS_UNITS = {"measurement_angle": {"°"}}
# Units HA rewrites before comparing (Greek mu to the micro sign).
AMBIGUOUS_UNITS = {"\u03bcs": "µs", "\u03bcV": "µV", "\u03bcS/cm": "µS/cm",
                   "\u03bcg": "µg", "\u03bcg/m³": "µg/m³"}

_M = {"measurement"}
_T = {"total", "total_increasing"}
_ALL = STATE_CLASSES
# Device class -> the state classes HA does not warn about.
DEVICE_CLASS_STATE_CLASSES = {
    "apparent_power": _M, "aqi": _M, "area": _ALL,
    "atmospheric_pressure": _M, "battery": _M,
    "blood_glucose_concentration": _M, "carbon_monoxide": _M,
    "carbon_dioxide": _M, "conductivity": _M, "current": _M,
    "data_rate": _M, "data_size": _ALL, "date": set(), "distance": _ALL,
    "duration": _ALL, "energy": _T, "energy_distance": _M,
    "energy_storage": _M, "enum": set(), "frequency": _M, "gas": _T,
    "humidity": _M, "illuminance": _M, "irradiance": _M, "moisture": _M,
    "monetary": {"total"}, "nitrogen_dioxide": _M, "nitrogen_monoxide": _M,
    "nitrous_oxide": _M, "ozone": _M, "ph": _M, "pm1": _M, "pm10": _M,
    "pm25": _M, "power_factor": _M, "power": _M, "precipitation": _ALL,
    "precipitation_intensity": _M, "pressure": _M, "reactive_power": _M,
    "signal_strength": _M, "sound_pressure": _M, "speed": _M,
    "sulphur_dioxide": _M, "temperature": _M, "timestamp": set(),
    "volatile_organic_compounds": _M,
    "volatile_organic_compounds_parts": _M, "voltage": _M, "volume": _T,
    "volume_storage": _M, "volume_flow_rate": _M, "water": _T,
    "weight": {"measurement", "total", "total_increasing"},
    "wind_direction": {"measurement_angle"}, "wind_speed": _M,
}

# ---- schemas ---------------------------------------------------------


def device_identified(d):
    if d.get("identifiers") or d.get("connections"):
        return d
    raise vol.Invalid("device must have at least one of 'identifiers' "
                      "and 'connections'")


DEVICE = vol.All(vol.Schema({
    vol.Optional("identifiers"): vol.All(ensure_list, [string]),
    vol.Optional("connections"): vol.All(
        ensure_list, [vol.All(vol.Length(min=2, max=2), [string])]),
    vol.Optional("manufacturer"): string,
    vol.Optional("model"): string,
    vol.Optional("model_id"): string,
    vol.Optional("name"): string,
    vol.Optional("hw_version"): string,
    vol.Optional("serial_number"): string,
    vol.Optional("sw_version"): string,
    vol.Optional("via_device"): string,
    vol.Optional("suggested_area"): string,
    vol.Optional("configuration_url"): url,
}), device_identified)

ORIGIN = vol.Schema({
    vol.Required("name"): string,
    vol.Optional("sw_version"): string,
    vol.Optional("support_url"): url,
})

COMMON = {
    # availability (single topic, or a list; exclusive)
    vol.Exclusive("availability_topic", "availability"): subscribe_topic,
    vol.Optional("availability_template"): template,
    vol.Optional("payload_available"): string,
    vol.Optional("payload_not_available"): string,
    vol.Optional("availability_mode"): vol.All(
        string, vol.In(["all", "any", "latest"])),
    vol.Exclusive("availability", "availability"): vol.All(ensure_list, [{
        vol.Required("topic"): subscribe_topic,
        vol.Optional("payload_available"): string,
        vol.Optional("payload_not_available"): string,
        vol.Optional("value_template"): template,
    }]),
    # the entity
    vol.Optional("device"): DEVICE,
    vol.Optional("origin"): ORIGIN,
    vol.Optional("enabled_by_default"): boolean,
    vol.Optional("entity_category"): vol.In(sorted(ENTITY_CATEGORIES)),
    vol.Optional("entity_picture"): url,
    vol.Optional("icon"): icon,
    vol.Optional("json_attributes_topic"): subscribe_topic,
    vol.Optional("json_attributes_template"): template,
    vol.Optional("object_id"): string,
    vol.Optional("default_entity_id"): string,
    vol.Optional("unique_id"): string,
    vol.Optional("name"): vol.Any(string, None),
    # every MQTT entity
    vol.Optional("qos"): qos,
    vol.Optional("encoding"): string,
}
READ = {
    vol.Required("state_topic"): subscribe_topic,
    vol.Optional("value_template"): template,
}
WRITE = {
    vol.Required("command_topic"): publish_topic,
    vol.Optional("optimistic"): boolean,
    vol.Optional("retain"): boolean,
    vol.Optional("state_topic"): subscribe_topic,
}


def schema(*parts):
    keys = {}
    for p in parts:
        keys.update(p)
    return vol.Schema(keys, extra=vol.REMOVE_EXTRA)


SENSOR = schema(COMMON, READ, {
    vol.Optional("device_class"):
        lower_in(SENSOR_CLASSES, "sensor device class"),
    vol.Optional("expire_after"): positive_int,
    vol.Optional("force_update"): boolean,
    vol.Optional("last_reset_value_template"): template,
    vol.Optional("options"): vol.All(ensure_list, [string]),
    vol.Optional("suggested_display_precision"): positive_int,
    vol.Optional("state_class"): lower_in(STATE_CLASSES, "state class"),
    vol.Optional("unit_of_measurement"): vol.Any(string, None),
})
BINARY_SENSOR = schema(COMMON, READ, {
    vol.Optional("device_class"):
        lower_in(BINARY_SENSOR_CLASSES, "binary_sensor device class"),
    vol.Optional("expire_after"): positive_int,
    vol.Optional("force_update"): boolean,
    vol.Optional("off_delay"): positive_int,
    vol.Optional("payload_off"): string,
    vol.Optional("payload_on"): string,
})
SELECT = schema(COMMON, WRITE, {
    vol.Optional("command_template"): template,
    vol.Required("options"): vol.All(ensure_list, [string]),
    vol.Optional("value_template"): template,
})
NUMBER = schema(COMMON, WRITE, {
    vol.Optional("command_template"): template,
    vol.Optional("device_class"):
        lower_in(NUMBER_CLASSES, "number device class"),
    vol.Optional("max", default=100.0): vol.Coerce(float),
    vol.Optional("min", default=0.0): vol.Coerce(float),
    vol.Optional("mode"): vol.In(["auto", "box", "slider"]),
    vol.Optional("payload_reset"): string,
    vol.Optional("step"): vol.All(vol.Coerce(float), vol.Range(min=1e-3)),
    vol.Optional("unit_of_measurement"): vol.Any(string, None),
    vol.Optional("value_template"): template,
})
SWITCH = schema(COMMON, WRITE, {
    vol.Optional("device_class"):
        lower_in(SWITCH_CLASSES, "switch device class"),
    vol.Optional("payload_off"): string,
    vol.Optional("payload_on"): string,
    vol.Optional("state_off"): string,
    vol.Optional("state_on"): string,
    vol.Optional("value_template"): template,
})
BUTTON = schema(COMMON, {
    vol.Required("command_topic"): publish_topic,
    vol.Optional("command_template"): template,
    vol.Optional("device_class"):
        lower_in(BUTTON_CLASSES, "button device class"),
    vol.Optional("payload_press"): string,
    vol.Optional("retain"): boolean,
})

# ---- what the schemas leave to validator functions -------------------


def post_sensor(c, warn):
    if "last_reset_value_template" in c and c.get("state_class") != "total":
        raise vol.Invalid("last_reset_value_template needs state class "
                          "'total', got %r" % c.get("state_class"))
    unit = c.get("unit_of_measurement")
    if unit is not None and not unit.strip():
        c.pop("unit_of_measurement")
        unit = None
    dc = c.get("device_class")
    sc = c.get("state_class")
    if c.get("options") is not None:
        if not c["options"]:
            raise vol.Invalid("an empty options list is not allowed")
        if sc or unit:
            raise vol.Invalid("options are not allowed together with "
                              "state_class or unit_of_measurement")
        if dc != "enum":
            raise vol.Invalid("options need device class 'enum', got %r" % dc)
    if sc in STATE_CLASS_UNITS and unit not in STATE_CLASS_UNITS[sc]:
        raise vol.Invalid("unit of measurement %r is not valid with state "
                          "class %r" % (unit, sc))
    if unit is not None:
        unit = AMBIGUOUS_UNITS.get(unit, unit)
    if unit is not None and dc in DEVICE_CLASS_UNITS and \
            unit not in DEVICE_CLASS_UNITS[dc]:
        raise vol.Invalid("unit of measurement %r is not valid with device "
                          "class %r (HA accepts %s)" %
                          (unit, dc, units_text(DEVICE_CLASS_UNITS[dc])))
    if unit is None and dc in DEVICE_CLASS_UNITS and \
            None not in DEVICE_CLASS_UNITS[dc]:
        # HA's discovery check returns early without a unit; the sensor
        # entity then logs that no unit is not valid for the class.
        warn("device class %r without a unit of measurement (HA accepts %s)"
             % (dc, units_text(DEVICE_CLASS_UNITS[dc])))
    if c.get("entity_category") == "config":
        raise vol.Invalid("entity_category 'config' is not allowed for a "
                          "sensor (HA will not add the entity)")
    if sc and dc in DEVICE_CLASS_STATE_CLASSES and \
            sc not in DEVICE_CLASS_STATE_CLASSES[dc]:
        warn("state class %r is impossible for device class %r (HA logs a "
             "warning; expected %s)" %
             (sc, dc, units_text(DEVICE_CLASS_STATE_CLASSES[dc])))


def post_binary_sensor(c, warn):
    if c.get("entity_category") == "config":
        raise vol.Invalid("entity_category 'config' is not allowed for a "
                          "binary_sensor (HA will not add the entity)")


def post_number(c, warn):
    if c["min"] >= c["max"]:
        raise vol.Invalid("'max' must be > 'min' (min %g, max %g)" %
                          (c["min"], c["max"]))
    dc, unit = c.get("device_class"), c.get("unit_of_measurement")
    if dc in DEVICE_CLASS_UNITS and unit not in DEVICE_CLASS_UNITS[dc]:
        warn("number unit %r is not valid for device class %r (HA logs a "
             "warning)" % (unit, dc))


def post_select(c, warn):
    if not c["options"]:
        raise vol.Invalid("a select needs at least one option")
    if len(set(c["options"])) != len(c["options"]):
        warn("duplicate select options")


def units_text(units):
    return ", ".join(sorted("no unit" if u is None else repr(u)
                            for u in units))


PLATFORMS = {
    "sensor": (SENSOR, post_sensor),
    "binary_sensor": (BINARY_SENSOR, post_binary_sensor),
    "select": (SELECT, post_select),
    "number": (NUMBER, post_number),
    "switch": (SWITCH, None),
    "button": (BUTTON, None),
}


def schema_keys(s):
    return {str(k) for k in s.schema}

# ---- driver ------------------------------------------------------------


def fmt_invalid(exc):
    errs = exc.errors if isinstance(exc, vol.MultipleInvalid) else [exc]
    out = []
    for e in errs:
        path = ".".join(str(p) for p in e.path)
        msg = e.msg
        if msg == "extra keys not allowed" and path:
            msg = "key not allowed here"
        if msg == "required key not provided":
            msg = "required key missing"
        out.append("%s: %s" % (path, msg) if path else msg)
    return "; ".join(out)


def check_one(topic, payload, prefix, warn):
    """Validates one config; returns (component, unique_id) or raises
    vol.Invalid."""
    rest = topic[len(prefix) + 1:]
    m = TOPIC_RE.fullmatch(rest)
    if m is None:
        raise vol.Invalid("discovery topic not of the form <prefix>/<component>"
                          "/[<node_id>/]<object_id>/config with ids of "
                          "[a-zA-Z0-9_-] only (HA ignores it)")
    comp = m.group("component")
    if comp not in HA_COMPONENTS:
        raise vol.Invalid("component %r is not an HA MQTT platform" % comp)
    if comp not in PLATFORMS:
        raise vol.Invalid("component %r: this checker has no rules for it "
                          "(add them before publishing it)" % comp)
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise vol.Invalid("payload is not UTF-8")
    try:
        p = json.loads(text)
    except ValueError as exc:
        raise vol.Invalid("payload is not JSON (%s)" % exc)
    if not isinstance(p, dict):
        raise vol.Invalid("payload is not a JSON object")
    if not p:
        return comp, None   # "{}" removes the config, as an empty payload
    expand_all(p)
    substitute_base(p)
    sch, post = PLATFORMS[comp]
    extra = sorted(set(p) - schema_keys(sch) - {"platform"})
    if extra:
        warn("keys %s are not part of the %s schema (HA drops them)" %
             (", ".join(extra), comp))
    try:
        c = sch(p)
    except vol.Invalid as exc:
        raise vol.Invalid(fmt_invalid(exc))
    if post is not None:
        post(c, warn)
    dev = c.get("device") or {}
    name, dname = c.get("name"), dev.get("name")
    if isinstance(name, str) and dname and name != dname and \
            name.lower().startswith(dname.lower() + " "):
        warn("entity name %r starts with the device name %r (HA strips it "
             "and logs)" % (name, dname))
    return comp, c.get("unique_id")


def read_messages(stream, prefix, msgs):
    for raw in stream:
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        sep = line.find(b"\t")
        if sep < 0:
            sep = line.find(b" ")
        topic = (line if sep < 0 else line[:sep]).decode("utf-8", "replace")
        payload = b"" if sep < 0 else line[sep + 1:]
        if not topic.startswith(prefix + "/") or not topic.endswith("/config"):
            continue
        msgs.pop(topic, None)   # keep the arrival order of the last one
        msgs[topic] = payload


def main(argv):
    ap = argparse.ArgumentParser(
        description="Check Home Assistant MQTT discovery configs "
                    "(HA 2025.5 rules).")
    ap.add_argument("files", nargs="*", help="input files (default stdin)")
    ap.add_argument("--prefix", default="homeassistant",
                    help="discovery prefix (default homeassistant)")
    ap.add_argument("--strict", action="store_true",
                    help="warnings fail too")
    ap.add_argument("--allow-empty", action="store_true",
                    help="no configs at all is not an error")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="print failures and warnings only")
    a = ap.parse_args(argv)

    msgs = {}
    try:
        if a.files:
            for f in a.files:
                with open(f, "rb") as fh:
                    read_messages(fh, a.prefix, msgs)
        else:
            read_messages(sys.stdin.buffer, a.prefix, msgs)
    except OSError as exc:
        print("hass_schema_check: %s" % exc, file=sys.stderr)
        return 2

    failed = warned = checked = 0
    seen = {}
    per_comp = {}
    for topic, payload in msgs.items():
        if not payload.strip():
            continue        # removed
        checked += 1
        warnings = []
        m = TOPIC_RE.fullmatch(topic[len(a.prefix) + 1:])
        if m is not None:
            comp = m.group("component")
            per_comp[comp] = per_comp.get(comp, 0) + 1
        try:
            comp, uid = check_one(topic, payload, a.prefix, warnings.append)
            if uid is not None:
                other = seen.setdefault((comp, uid), topic)
                if other != topic:
                    raise vol.Invalid("unique_id %r already used by %s (HA "
                                      "keeps only one entity)" % (uid, other))
        except vol.Invalid as exc:
            failed += 1
            print("FAIL %s: %s" % (topic, exc.msg if hasattr(exc, "msg")
                                   else exc))
            print("     payload: %s" % payload.decode("utf-8", "replace"))
        for w in warnings:
            warned += 1
            print("WARN %s: %s" % (topic, w))
    if not a.quiet or failed or warned:
        comps = ", ".join("%s %d" % kv for kv in sorted(per_comp.items()))
        print("hass_schema_check: %d configs (%s), %d failed, %d warnings "
              "(HA 2025.5 rules)" % (checked, comps or "none", failed, warned))
    if checked == 0 and not a.allow_empty:
        print("hass_schema_check: no discovery configs in the input",
              file=sys.stderr)
        return 2
    if failed or (a.strict and warned):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
