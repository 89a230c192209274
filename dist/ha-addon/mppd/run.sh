#!/usr/bin/with-contenv bashio
# shellcheck shell=bash
# The add-on's start: the options (/data/options.json) and the broker of
# the Supervisor's MQTT service become /data/mpp-solar.conf
# (mpp-solar-conf.sh), then mppd runs in the foreground.
set -euo pipefail
umask 077	# the broker password passes through files
# Overridable for tests (tests/addon/run_sh.sh) only.
data=${MPPD_ADDON_DATA:-/data}
lib=${MPPD_ADDON_LIB:-/usr/lib/mppd}

if ! bashio::services.available mqtt; then
	bashio::exit.nok "No MQTT broker: install and start the Mosquitto broker add-on"
fi

# bashio prints "null" for a field the service does not have.
svc() {
	local v
	v=$(bashio::services mqtt "$1")
	[ "$v" = "null" ] && v=""
	printf '%s' "$v"
}
jq -n --arg host "$(svc host)" --arg port "$(svc port)" --arg ssl "$(svc ssl)" \
	--arg username "$(svc username)" --arg password "$(svc password)" \
	'{host: $host, port: (if $port == "" then 1883 else ($port | tonumber) end),
	  ssl: ($ssl == "true"), username: $username, password: $password}' \
	> "$data/mqtt.json"

if ! "$lib/mpp-solar-conf.sh" "$data/options.json" "$data/mqtt.json" \
	> "$data/mpp-solar.conf.new"; then
	rm -f "$data/mqtt.json" "$data/mpp-solar.conf.new"
	bashio::exit.nok "Fix the add-on's options (see above)"
fi
rm -f "$data/mqtt.json"
mv "$data/mpp-solar.conf.new" "$data/mpp-solar.conf"
bashio::log.info "mppd $(mppd --version | cut -d' ' -f2): broker $(svc host):$(svc port)"

# State that must survive restarts, where systemd would put it.
mkdir -p "$data/state"
export STATE_DIRECTORY="$data/state"

args=(-C "$data/mpp-solar.conf" --daemon)
if bashio::config.true debug; then
	args+=(--debug)
fi
exec mppd "${args[@]}"
