#!/bin/sh
# demo.sh - the whole system on one machine: installs what is missing,
# builds, starts a private mosquitto on a free loopback port and a simulated
# inverter (mppd-sim), runs mppd, shows live telemetry, sends POP02 over
# MQTT and shows its JSON acknowledgement, prints the web page's URL and a
# few of its Prometheus metrics, then stops everything it started by PID.
# Non-interactive; DEMO_SECONDS (default 20) bounds the telemetry part.
# DEMO_SCREENSHOT=file.png also saves a headless Chromium screenshot of the
# page (DEMO_WEB_SECONDS, default 0, keeps mppd running that long first so
# the chart has points).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target mppd mppd-sim >/dev/null
MPPD=$ROOT/build/mppd
SIM=$ROOT/build/mppd-sim

WORK=$(mktemp -d /tmp/mppd-demo-XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# A private broker on a free loopback port: try ports until one binds.
i=0
PORT=""
while [ $i -lt 20 ]; do
	cand=$(( 20000 + ( $$ * 7 + i * 131 ) % 30000 ))
	printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' \
		"$cand" > "$WORK/mosquitto.conf"
	/usr/sbin/mosquitto -c "$WORK/mosquitto.conf" >"$WORK/broker.log" 2>&1 &
	bpid=$!
	sleep 0.3
	if kill -0 "$bpid" 2>/dev/null; then
		PORT=$cand
		PIDS="$PIDS $bpid"
		break
	fi
	i=$((i + 1))
done
[ -n "$PORT" ] || { echo "demo: no free port for mosquitto" >&2; exit 1; }
echo "demo: mosquitto (pid $bpid) on 127.0.0.1:$PORT"

"$SIM" --link "$WORK/inverter" --protocol PI30 --baud 9600 >"$WORK/sim.log" 2>&1 &
PIDS="$PIDS $!"
n=0
while [ ! -e "$WORK/inverter" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
echo "demo: mppd-sim (pid $!) on $WORK/inverter"

# The web page's port: the first candidate nothing answers on.
HTTP=""
i=0
while [ $i -lt 20 ]; do
	cand=$(( 20000 + ( $$ * 11 + i * 173 + 7 ) % 30000 ))
	if [ "$cand" != "$PORT" ] && ! curl -s -o /dev/null "http://127.0.0.1:$cand/"; then
		HTTP=$cand
		break
	fi
	i=$((i + 1))
done
[ -n "$HTTP" ] || { echo "demo: no free port for the web page" >&2; exit 1; }

sed -e "s|@PORT@|$PORT|" -e "s|@LINK@|$WORK/inverter|" -e "s|@HTTP@|$HTTP|" \
	examples/mppd-demo.conf.in > "$WORK/mppd.conf"
echo "demo: configuration"
"$MPPD" -C "$WORK/mppd.conf" --check-config | sed 's/^/    /'

mosquitto_sub -h 127.0.0.1 -p "$PORT" -v -t 'homeassistant/sensor/+/state' \
	-t 'demo/#' >"$WORK/telemetry.log" 2>&1 &
PIDS="$PIDS $!"
"$MPPD" -C "$WORK/mppd.conf" --daemon -I 2>"$WORK/mppd.log" &
MPPD_PID=$!
PIDS="$PIDS $MPPD_PID"
echo "demo: mppd (pid $MPPD_PID) running; live telemetry:"

SECS=${DEMO_SECONDS:-20}
n=0
while [ $n -lt "$SECS" ] && ! grep -q 'battery_voltage/state' "$WORK/telemetry.log"; do
	sleep 1; n=$((n + 1))
done
grep -E 'state ' "$WORK/telemetry.log" | head -25 | sed 's/^/    /'

echo "demo: sending POP02 (output source priority: SBU first) to demo/inverter/cmd"
mosquitto_sub -h 127.0.0.1 -p "$PORT" -C 1 -W 15 -t 'demo/inverter/cmd_response' \
	>"$WORK/response.log" 2>&1 &
SUB=$!
sleep 0.3
mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t demo/inverter/cmd -m POP02
wait "$SUB" || true
echo "demo: acknowledgement:"
sed 's/^/    /' "$WORK/response.log"
grep -q '"POP": \["ACK", ""\]' "$WORK/response.log" || {
	echo "demo: FAILED: no ACK for POP02" >&2
	sed 's/^/    mppd: /' "$WORK/mppd.log" >&2
	exit 1
}

echo "demo: asking QPIRI: the simulator now reports SBU first"
mosquitto_sub -h 127.0.0.1 -p "$PORT" -C 1 -W 15 -t 'demo/inverter/cmd_response' \
	-R >"$WORK/qpiri.log" 2>&1 &
SUB=$!
sleep 0.3
mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t demo/inverter/cmd -m QPIRI
wait "$SUB" || true
grep -o '"Output Source Priority": \[[^]]*\]' "$WORK/qpiri.log" | sed 's/^/    /'

URL="http://127.0.0.1:$HTTP/"
echo "demo: web page: $URL  (Prometheus: ${URL}metrics, JSON: ${URL}api/devices)"
curl -s "${URL}metrics" | grep -E '^mppd_(device_up|polls_total|pv_input_power_watts|battery_voltage_volts)' \
	| sed 's/^/    /'
if [ -n "${DEMO_SCREENSHOT:-}" ]; then
	sleep "${DEMO_WEB_SECONDS:-0}"
	chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$WORK/chromium" --hide-scrollbars \
		--window-size="${DEMO_SCREENSHOT_SIZE:-430,1100}" \
		--virtual-time-budget=5000 --screenshot="$DEMO_SCREENSHOT" "$URL" \
		>/dev/null 2>&1 && echo "demo: screenshot of the page in $DEMO_SCREENSHOT"
fi

kill "$MPPD_PID"
wait "$MPPD_PID" || true
PIDS=$(echo "$PIDS" | sed "s/ $MPPD_PID//")
echo "demo: mppd stopped cleanly; done"
