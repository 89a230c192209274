#!/bin/sh
# mpp-solar-conf.sh OPTIONS_JSON MQTT_JSON - writes the mpp-solar.conf the
# add-on's options and the Supervisor's MQTT service describe to standard
# output (mpp-solar-conf.jq next to this script, or MPPD_CONF_JQ).
# Exit 1 with a message naming the option when a value cannot be written.
set -eu
if [ $# -ne 2 ]; then
	echo "usage: $0 OPTIONS_JSON MQTT_JSON" >&2
	exit 2
fi
jqprog=${MPPD_CONF_JQ:-$(dirname "$0")/mpp-solar-conf.jq}
if ! out=$(jq -r -n --slurpfile opts "$1" --slurpfile mqtt "$2" -f "$jqprog" 2>&1); then
	# jq: error (at <unknown>): devices[0].name: ...
	printf 'mppd add-on: invalid options: %s\n' \
		"$(printf '%s\n' "$out" | sed -n 's/^jq: error[^:]*: //p;t;p' | head -n 5)" >&2
	exit 1
fi
printf '%s\n' "$out"
