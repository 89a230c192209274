# mpp-solar-conf.jq - the add-on's options and the Supervisor's MQTT
# service turned into an mpp-solar.conf (see mppd.conf(5)).
# Input (jq -n): $opts[0] = /data/options.json, $mqtt[0] = the MQTT service:
#   {"host": "core-mosquitto", "port": 1883, "ssl": false,
#    "username": "addons", "password": "..."}
# Output: the configuration text.  A value that cannot be written safely
# stops with error("...") naming the option.
#
# The file is read like Python's configparser: values are trimmed, '%'
# starts an interpolation (so it is written as '%%'), a line break would
# start a new key or section (so control characters are refused).

def fail(where; msg): error("\(where): \(msg)");

# A value as it is written after "key = ".
def val(where):
  if type == "boolean" then (if . then "true" else "false" end)
  elif type == "number" then tostring
  elif type == "string" then
    if (explode | any(. < 32 or . == 127)) then fail(where; "control characters (line breaks, tabs) are not allowed")
    else (sub("^\\s+"; "") | sub("\\s+$"; "") | gsub("%"; "%%"))
    end
  else fail(where; "expected a string, number or boolean")
  end;

# A secret is never trimmed: surrounding blanks would be lost silently.
def secret(where):
  if type == "string" and test("^\\s|\\s$") then fail(where; "leading or trailing blanks cannot be kept in the configuration file")
  else val(where)
  end;

def present: . != null and (type != "string" or test("\\S"));

def line(key; v): "\(key) = \(v)";

$opts[0] as $o
| $mqtt[0] as $m
| ($o.devices // []) as $devs
| if ($devs | length) == 0 then fail("devices"; "add at least one device") else . end
| [ $devs[] | .name ] as $names
| if ($names | unique | length) != ($names | length) then fail("devices"; "device names must be unique") else . end
| if ($m.host | present | not) then fail("mqtt"; "the MQTT service gave no broker host") else . end
| [
    "# Written by the mppd add-on at start from its options and the MQTT",
    "# service of the Supervisor; changes here are overwritten.",
    "[SETUP]",
    line("pause"; ($o.pause // 60) | val("pause")),
    line("mqtt_broker"; $m.host | val("mqtt host")),
    line("mqtt_port"; ($m.port // 1883) | val("mqtt port")),
    (if ($m.username | present) then line("mqtt_user"; $m.username | val("mqtt username")) else empty end),
    (if ($m.password | present) then line("mqtt_pass"; $m.password | secret("mqtt password")) else empty end),
    (if $m.ssl == true then line("mqtt_tls_ca"; "/etc/ssl/certs/ca-certificates.crt") else empty end),
    (if ($o.mqtt_hostname | present) then line("mqtt_hostname"; $o.mqtt_hostname | val("mqtt_hostname")) else empty end),
    ( $devs | to_entries[] | .key as $i | .value as $d | "devices[\($i)]" as $w
      | ($d.name // "") as $n
      | if ($n | test("^[A-Za-z0-9_-]{1,64}$") | not) then fail("\($w).name"; "use 1 to 64 letters, digits, '_' or '-' (it is an MQTT topic level)")
        elif ($n == "SETUP" or $n == "DEFAULT") then fail("\($w).name"; "'\($n)' is a reserved section name")
        else . end
      | if ($d.port | present | not) then fail("\($w).port"; "missing") else . end
      | if ($d.commands | present | not) then fail("\($w).commands"; "missing (e.g. QPIGS#QPIRI)") else . end
      | "",
        "[\($n)]",
        line("protocol"; ($d.protocol // "PI30") | val("\($w).protocol")),
        line("port"; $d.port | val("\($w).port")),
        line("command"; $d.commands | val("\($w).commands")),
        line("outputs"; (if ($d.outputs | present) then $d.outputs else "hassd_mqtt" end) | val("\($w).outputs")),
        (if ($d.allowed_commands | present) then line("mqtt_allowed_cmds"; $d.allowed_commands | val("\($w).allowed_commands")) else empty end),
        (if $d.hass_controls == true then line("hass_controls"; "true") else empty end),
        (if $d.hass_energy == true then line("hass_energy"; "true") else empty end)
    )
  ]
| join("\n")
