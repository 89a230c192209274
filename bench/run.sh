#!/bin/sh
# bench/run.sh - every benchmark of BENCHMARKS.md's targets, one command:
#
#     bench/run.sh
#
# Builds mppd (Release) into build-bench and the benchmark programs into
# build-bench/bench, starts two private mosquitto brokers on free loopback
# ports (one with the stock settings, one with set_tcp_nodelay true), runs
# every benchmark, prints the figures next to the targets and the machine
# they ran on, and stops every process it started, by PID.  Not part of the
# test suite: it never fails because a figure misses its target (exit 0
# when it could measure).  Bounded: 4 to 7 minutes, never more than 10
# (BENCH_BUDGET).
#
# Environment:
#   BENCH_BUILD_DIR  build directory (default build-bench)
#   BENCH_NO_BUILD=1 use the mppd, mppd-sim and libmppdcore.a already in
#                    BENCH_BUILD_DIR (e.g. a patched tree's build)
#   BENCH_ONLY       space-separated subset of: cycle rtt serial load mem
#                    start http (default: all)
#   BENCH_QUICK=1    fewer iterations (a smoke run, about a minute)
#   MPP_SOLAR_DIR    a checkout of mpp-solar (package mppsolar): the same
#                    scenarios run on it too, and the ratios are printed
#   MPP_SOLAR_PYTHON its interpreter (default /usr/bin/python3, which needs
#                    Debian's python3-paho-mqtt and python3-serial)
#   BENCH_KEEP=1     keep the work directory (logs, configs, callgrind out)
#   BENCH_RESULTS    also copy the raw RESULT lines to this file
#   BENCH_BUDGET     seconds after which remaining programs are skipped
#                    (default 570: the whole run stays under 10 minutes)
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
ONLY=${BENCH_ONLY:-"cycle rtt serial load mem start http"}
QUICK=${BENCH_QUICK:-0}
PY=${MPP_SOLAR_PYTHON:-/usr/bin/python3}
REF=${MPP_SOLAR_DIR:-}
T_START=$(date +%s)

WORK=$(mktemp -d /tmp/mppd-bench-XXXXXX)
RESULTS=$WORK/results.txt
: > "$RESULTS"
PIDS=""

# Stops one process we started: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "bench: pid $1 ignored SIGTERM: SIGKILL" >&2
		kill -9 "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
	PIDS=$(echo " $PIDS " | sed "s/ $1 / /")
}

cleanup() {
	for p in $PIDS; do
		stop_pid "$p"
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
# Runs a benchmark program, showing its lines and keeping its RESULT lines.
# Every program gets at most what is left of the 9.5-minute budget.
run() {
	left=$(( T_START + ${BENCH_BUDGET:-570} - $(date +%s) ))
	if [ "$left" -le 0 ]; then
		say "bench: time budget spent: $(basename "$1") skipped"
		return 0
	fi
	timeout "$left" "$@" > "$WORK/out.txt" 2>&1 ||
		say "bench: $(basename "$1") exited with $? (124: out of time)"
	grep -v '^RESULT ' "$WORK/out.txt" | sed 's/^/  /' || true
	grep '^RESULT ' "$WORK/out.txt" >> "$RESULTS" || true
}
# res NAME KEY: a figure from the results.
res() {
	awk -v n="$1" -v k="$2" '$1 == "RESULT" && $2 == n {
		for (i = 3; i <= NF; i++) { split($i, a, "="); if (a[1] == k) v = a[2] } }
		END { print v }' "$RESULTS"
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# ---------------------------------------------------------------- machine
section "machine"
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MOSQ_VER=$(/usr/sbin/mosquitto -h 2>/dev/null | awk '/^mosquitto version/ { print $3; exit }')
LIBMOSQ_VER=$(pkg-config --modversion libmosquitto 2>/dev/null || echo "?")
say "  host:      $(uname -srm)"
say "  cpu:       ${CPU:-unknown}, $(nproc) online CPU(s)"
say "  memory:    $(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
say "  os:        $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
say "  compiler:  $(cc --version | head -1)"
say "  mosquitto: ${MOSQ_VER:-?} (broker), libmosquitto $LIBMOSQ_VER"
say "  valgrind:  $(valgrind --version 2>/dev/null || echo none)"
say "  date:      $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' + local changes in src/')"

# ---------------------------------------------------------------- build
section "build"
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
	cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPPD_TESTS=OFF \
		> "$WORK/build.log" 2>&1 &&
	cmake --build "$BUILD" -j"$(nproc)" --target mppd mppd-sim mppdcore \
		>> "$WORK/build.log" 2>&1 || {
		cat "$WORK/build.log" >&2
		exit 1
	}
fi
cmake -S bench -B "$BUILD/bench" -DMPPD_BUILD_DIR="$BUILD" \
	-DCMAKE_BUILD_TYPE=Release > "$WORK/build-bench.log" 2>&1 &&
cmake --build "$BUILD/bench" -j"$(nproc)" >> "$WORK/build-bench.log" 2>&1 || {
	cat "$WORK/build-bench.log" >&2
	exit 1
}
MPPD=$BUILD/mppd
SIM=$BUILD/mppd-sim
B=$BUILD/bench
say "  mppd:      $MPPD ($(grep -s '^CMAKE_BUILD_TYPE' "$BUILD/CMakeCache.txt" | cut -d= -f2))"
say "  programs:  $B"

# ---------------------------------------------------------------- brokers
# start_broker NAME EXTRA-CONFIG-LINE: sets BROKER_PORT and BROKER_PID.
start_broker() {
	i=0
	BROKER_PORT=""
	while [ $i -lt 30 ]; do
		cand=$(( 20000 + ( $$ * 13 + i * 137 + ${#1} * 1009 ) % 40000 ))
		{
			printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$cand"
			# A 4,000-command burst queues more QoS 1 messages per
			# client than the default 1000 (the broker would drop them).
			printf 'persistence false\nmax_queued_messages 20000\n%s\n' "$2"
		} > "$WORK/$1.conf"
		/usr/sbin/mosquitto -c "$WORK/$1.conf" > "$WORK/$1.log" 2>&1 &
		BROKER_PID=$!
		sleep 0.3
		if kill -0 "$BROKER_PID" 2>/dev/null; then
			BROKER_PORT=$cand
			PIDS="$PIDS $BROKER_PID"
			return 0
		fi
		wait "$BROKER_PID" 2>/dev/null || true
		i=$((i + 1))
	done
	echo "bench: no free port for mosquitto ($1)" >&2
	exit 1
}
section "brokers"
start_broker broker "# stock settings"
PORT=$BROKER_PORT
say "  stock:     mosquitto pid $BROKER_PID on 127.0.0.1:$PORT (default settings but max_queued_messages)"
start_broker broker-nodelay "set_tcp_nodelay true"
PORT_ND=$BROKER_PORT
say "  nodelay:   mosquitto pid $BROKER_PID on 127.0.0.1:$PORT_ND (set_tcp_nodelay true)"

# ---------------------------------------------------------------- helpers
# gen_conf FILE PORT HOSTNAME NDEV PAUSE PORTSPEC COMMANDS [EXTRA]: an
# mpp-solar style configuration with NDEV devices dev0..devN-1.
gen_conf() {
	{
		printf '[SETUP]\npause = %s\nmqtt_broker = 127.0.0.1\n' "$5"
		printf 'mqtt_port = %s\nmqtt_hostname = %s\n' "$2" "$3"
		k=0
		while [ $k -lt "$4" ]; do
			printf '\n[dev%d]\nprotocol = PI30\n%s\n' "$k" "$6"
			printf 'command = %s\noutputs = hassd_mqtt\n' "$7"
			printf 'mqtt_allowed_cmds = POP0[0-2],QPI,QPIGS,QPIRI\n%s\n' "${8:-}"
			k=$((k + 1))
		done
	} > "$1"
}
MPPD_ENV=""	# environment for the next start_mppd
# start_mppd NAME CONF PORT HOSTNAME: sets DPID; waits until the daemon
# has published "online".
start_mppd() {
	# shellcheck disable=SC2086
	env $MPPD_ENV "$MPPD" -C "$2" --daemon > "$WORK/$1.log" 2>&1 &
	DPID=$!
	PIDS="$PIDS $DPID"
	wait_online "$3" "$4"
}
# wait_online PORT HOSTNAME: the daemon's status topic says online.
wait_online() {
	timeout 10 mosquitto_sub -h 127.0.0.1 -p "$1" -t "$2/mppd/status" -C 1 \
		-W 10 > /dev/null 2>&1 || say "bench: $2 did not come online in 10 s"
}
# mem LABEL PID: memory and threads of a process (kB).
mem() {
	awk -v l="$1" '
		/^VmHWM:/ { hwm = $2 } /^VmRSS:/ { rss = $2 } /^RssAnon:/ { an = $2 }
		/^RssFile:/ { fi = $2 } /^Threads:/ { th = $2 }
		FILENAME ~ /rollup/ && /^Pss:/ { pss = $2 }
		FILENAME ~ /rollup/ && /^Private_(Clean|Dirty):/ { uss += $2 }
		END { printf "RESULT mem_%s vmhwm_kb=%d vmrss_kb=%d rss_anon_kb=%d " \
		    "rss_file_kb=%d pss_kb=%d uss_kb=%d threads=%d\n",
		    l, hwm, rss, an, fi, pss, uss, th }' \
		"/proc/$2/status" "/proc/$2/smaps_rollup" >> "$RESULTS"
	awk -v l="$1" '$1 == "RESULT" && $2 == "mem_" l {
		for (i = 3; i <= NF; i++) { split($i, a, "="); v[a[1]] = a[2] }
		printf "  %s: VmHWM %.2f MB (anonymous %.2f MB, file-backed %.2f MB), " \
		    "PSS %.2f MB, private %.2f MB, %d threads\n", l,
		    v["vmhwm_kb"] / 1024, v["rss_anon_kb"] / 1024,
		    v["rss_file_kb"] / 1024, v["pss_kb"] / 1024,
		    v["uss_kb"] / 1024, v["threads"] }' "$RESULTS"
}
# cpu_ns PID: CPU time of every thread of a process, in ns.
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		awk '{ s += $1 } END { printf "%.0f", s }'
}
ref_available() {
	[ -n "$REF" ] || return 1
	[ -d "$REF/mppsolar" ] || { say "  MPP_SOLAR_DIR=$REF has no mppsolar package"; return 1; }
	"$PY" -c 'import paho.mqtt.client, serial' 2>/dev/null || {
		say "  $PY lacks paho-mqtt or pyserial (apt-get install python3-paho-mqtt python3-serial)"
		return 1
	}
}
# start_ref NAME CONF: mpp-solar's daemon; sets RPID.
REF_CODE='import sys; sys.argv[0] = "mpp-solar"; from mppsolar import main; main()'
start_ref() {
	PYTHONPATH=$REF "$PY" -c "$REF_CODE" -C "$2" --daemon \
		--pidfile "$WORK/$1.pid" > "$WORK/$1.log" 2>&1 &
	RPID=$!
	PIDS="$PIDS $RPID"
}
REFHOST=$(hostname | cut -d. -f1)
[ -n "$REFHOST" ] || REFHOST=mppsolar
REF_OK=0
if ref_available; then REF_OK=1; fi

if [ "$QUICK" = 1 ]; then
	N_RTT=300; N_LOAD=4000; N_START=5; N_CYCLE=2000; N_SERIAL=3; N_LOAD_IR=1000
else
	N_RTT=2000; N_LOAD=20000; N_START=20; N_CYCLE=20000; N_SERIAL=8; N_LOAD_IR=4000
fi

# ---------------------------------------------------------------- cycle
if want cycle; then
	section "CPU per poll cycle (PI30 QPIGS + QPIRI, hassd_mqtt output, test port, no network)"
	run "$B/poll_cycle" -n "$N_CYCLE"
	if command -v valgrind > /dev/null; then
		valgrind --tool=callgrind --toggle-collect=run_cycles \
			--callgrind-out-file="$WORK/callgrind.out" \
			"$B/poll_cycle" -n 200 --quiet > "$WORK/cg.txt" 2>&1 || true
		IR=$(awk '/^summary:|^totals:/ { print $2; exit }' "$WORK/callgrind.out" 2>/dev/null)
		if [ -n "$IR" ]; then
			echo "RESULT poll_cycle_ir ir_per_cycle=$(calc %.0f "$IR / 200")" >> "$RESULTS"
			say "  callgrind: $(calc %.0f "$IR / 200") instructions per cycle (200 cycles, $IR Ir)"
			say "  callgrind: most expensive functions (self, % of the cycle):"
			callgrind_annotate "$WORK/callgrind.out" 2>/dev/null |
				awk '/^ *[0-9,]+ +\( *[0-9.]+%\)/ && !/PROGRAM TOTALS/ {
					if (++n > 10) exit
					pct = $0; sub(/^[^(]*\( */, "", pct); sub(/%\).*/, "", pct)
					fn = $0; sub(/^.*%\) +/, "", fn); sub(/ \[.*$/, "", fn)
					sub(/^.*:/, "", fn)
					printf "    %6s %%  %s\n", pct, fn }'
		fi
	else
		say "  valgrind not installed: no instruction count"
	fi
fi

# ---------------------------------------------------------------- rtt
if want rtt; then
	section "command round trip through a local broker (test port, $N_RTT commands, one at a time)"
	H=bench-rtt-$$
	gen_conf "$WORK/rtt.conf" "$PORT" "$H" 1 60 "port = test1" "QPIGS#QPIRI"
	start_mppd mppd-rtt "$WORK/rtt.conf" "$PORT" "$H"
	run "$B/mqtt_rtt" -b "$PORT" -t "$H/dev0/cmd" -c POP02 -n "$N_RTT" --name rtt
	RTT_PID=$DPID
	H2=bench-rttnd-$$
	gen_conf "$WORK/rttnd.conf" "$PORT_ND" "$H2" 1 60 "port = test1" "QPIGS#QPIRI"
	start_mppd mppd-rttnd "$WORK/rttnd.conf" "$PORT_ND" "$H2"
	run "$B/mqtt_rtt" -b "$PORT_ND" -t "$H2/dev0/cmd" -c POP02 -n "$N_RTT" --name rtt_nodelay
	stop_pid "$DPID"
	stop_pid "$RTT_PID"
	if [ "$REF_OK" = 1 ]; then
		say "  mpp-solar (plain commands, $((N_RTT / 10)) of them):"
		gen_conf "$WORK/ref-rtt.conf" "$PORT" "$REFHOST" 1 60 "port = test1" "QPIGS#QPIRI"
		start_ref ref-rtt "$WORK/ref-rtt.conf"
		sleep 3
		run "$B/mqtt_rtt" -b "$PORT" -t "$REFHOST/dev0/cmd" -c POP02 -n $((N_RTT / 10)) \
			-w 5 --plain --name ref_rtt
		stop_pid "$RPID"
	fi
fi

# ---------------------------------------------------------------- serial
if want serial; then
	section "2400-baud serial round trip through mppd-sim (QPIGS)"
	"$SIM" --link "$WORK/inverter" --protocol PI30 --baud 2400 > "$WORK/sim.log" 2>&1 &
	SIM_PID=$!
	PIDS="$PIDS $SIM_PID"
	n=0
	while [ ! -e "$WORK/inverter" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	say "  device layer alone (device_run, $N_SERIAL commands):"
	run "$B/serial_rtt" --port "$WORK/inverter" --baud 2400 -c QPIGS -n "$N_SERIAL"
	WIRE=$(res serial_rtt wire_us)
	# The same exchange through network serial bridges on loopback in
	# front of the simulator: socat (raw TCP) and ser2net (RFC 2217).
	if command -v socat > /dev/null; then
		NP=$(( 20000 + ( $$ * 17 ) % 40000 ))
		socat TCP-LISTEN:$NP,bind=127.0.0.1,reuseaddr \
			"FILE:$WORK/inverter,raw,echo=0" > "$WORK/socat.log" 2>&1 &
		SOCAT_PID=$!
		PIDS="$PIDS $SOCAT_PID"
		sleep 0.3
		say "  through socat, raw TCP (device_run, $N_SERIAL commands):"
		run "$B/serial_rtt" --port "tcp://127.0.0.1:$NP" --porttype tcp \
			--name tcp_rtt --baud 2400 -c QPIGS -n "$N_SERIAL"
		stop_pid "$SOCAT_PID"
	fi
	if [ -x /usr/sbin/ser2net ]; then
		NP=$(( 20000 + ( $$ * 19 + 7 ) % 40000 ))
		printf 'connection: &con0\n  accepter: telnet(rfc2217),tcp,127.0.0.1,%s\n  connector: serialdev,%s,9600n81,local\n' \
			"$NP" "$WORK/inverter" > "$WORK/ser2net.yaml"
		/usr/sbin/ser2net -n -u -c "$WORK/ser2net.yaml" -P "$WORK/ser2net.pid" \
			> "$WORK/ser2net.log" 2>&1 &
		S2N_PID=$!
		PIDS="$PIDS $S2N_PID"
		sleep 0.5
		say "  through ser2net, RFC 2217 (device_run, $N_SERIAL commands):"
		run "$B/serial_rtt" --port "rfc2217://127.0.0.1:$NP" --porttype rfc2217 \
			--name rfc2217_rtt --baud 2400 -c QPIGS -n "$N_SERIAL"
		stop_pid "$S2N_PID"
	fi
	H=bench-sim-$$
	gen_conf "$WORK/sim.conf" "$PORT" "$H" 1 60 \
		"port = $WORK/inverter
porttype = serial
baud = 2400" "QPIGS"
	start_mppd mppd-sim "$WORK/sim.conf" "$PORT" "$H"
	say "  whole daemon, MQTT command to answer ($N_SERIAL commands):"
	run "$B/mqtt_rtt" -b "$PORT" -t "$H/dev0/cmd" -c QPIGS -n "$N_SERIAL" -w 2 \
		--wire-us "${WIRE:-0}" --name sim_rtt
	stop_pid "$DPID"
	if [ "$REF_OK" = 1 ]; then
		say "  mpp-solar, MQTT command to answer ($N_SERIAL commands):"
		gen_conf "$WORK/ref-sim.conf" "$PORT" "$REFHOST" 1 60 \
			"port = $WORK/inverter
porttype = serial
baud = 2400" "QPIGS"
		start_ref ref-sim "$WORK/ref-sim.conf"
		sleep 4
		run "$B/mqtt_rtt" -b "$PORT" -t "$REFHOST/dev0/cmd" -c QPIGS -n "$N_SERIAL" \
			-w 1 --plain --timeout-ms 10000 --wire-us "${WIRE:-0}" --name ref_sim_rtt
		stop_pid "$RPID"
	fi
	stop_pid "$SIM_PID"
fi

# ---------------------------------------------------------------- load
if want load; then
	section "sustained commands: 64 devices on one connection, 8 in flight per device"
	H=bench-load-$$
	gen_conf "$WORK/load.conf" "$PORT" "$H" 64 60 "port = test1" "QPIGS#QPIRI"
	start_mppd mppd-load "$WORK/load.conf" "$PORT" "$H"
	sleep 0.5
	C0=$(cpu_ns "$DPID")
	run "$B/mqtt_load" -b "$PORT" --prefix "$H" -d 64 -n "$N_LOAD" -w 8 -c POP02 --name load
	C1=$(cpu_ns "$DPID")
	N=$(res load commands)
	[ -n "$N" ] && [ "$N" -gt 0 ] &&
		say "  mppd CPU: $(calc %.1f "($C1 - $C0) / $N / 1000") us per command (all threads)"
	echo "RESULT load_cpu us_per_cmd=$(calc %.1f "($C1 - $C0) / ${N:-1} / 1000")" >> "$RESULTS"
	mem load_64_after_commands "$DPID"
	stop_pid "$DPID"
	if command -v valgrind > /dev/null && command -v callgrind_control > /dev/null; then
		# The same load with mppd under callgrind, counted from the
		# first command to the last answer (all threads): instructions
		# per command, which the machine's load does not change.
		H=bench-loadir-$$
		gen_conf "$WORK/loadir.conf" "$PORT" "$H" 64 60 "port = test1" "QPIGS#QPIRI"
		valgrind --tool=callgrind --instr-atstart=no \
			--callgrind-out-file="$WORK/callgrind-load.out" \
			"$MPPD" -C "$WORK/loadir.conf" --daemon > "$WORK/mppd-loadir.log" 2>&1 &
		DPID=$!
		PIDS="$PIDS $DPID"
		timeout 60 mosquitto_sub -h 127.0.0.1 -p "$PORT" -t "$H/mppd/status" \
			-C 1 -W 60 > /dev/null 2>&1 || say "bench: $H did not come online in 60 s"
		sleep 5	# the first cycles, spread over a second, done
		callgrind_control -i on "$DPID" > /dev/null 2>&1
		run "$B/mqtt_load" -b "$PORT" --prefix "$H" -d 64 -n "$N_LOAD_IR" -w 8 \
			-c POP02 --name load_ir
		callgrind_control -i off "$DPID" > /dev/null 2>&1
		stop_pid "$DPID"
		IR=$(awk '/^totals:/ { print $2; exit }' "$WORK/callgrind-load.out" 2>/dev/null)
		N=$(res load_ir commands)
		if [ -n "$IR" ] && [ -n "$N" ] && [ "$N" -gt 0 ]; then
			echo "RESULT load_ir ir_per_cmd=$(calc %.0f "$IR / $N")" >> "$RESULTS"
			say "  callgrind: $(calc %.0f "$IR / $N") instructions per command (all threads, $N commands, $IR Ir)"
		fi
	else
		say "  valgrind not installed: no instruction count per command"
	fi
	if [ "$REF_OK" = 1 ]; then
		say "  mpp-solar (64 devices, plain commands, 1 in flight per device, 1280 commands):"
		gen_conf "$WORK/ref-load.conf" "$PORT" "$REFHOST" 64 600 "port = test1" "QPI"
		start_ref ref-load "$WORK/ref-load.conf"
		sleep 6
		run "$B/mqtt_load" -b "$PORT" --prefix "$REFHOST" -d 64 -n 1280 -c POP02 \
			--plain --idle-ms 5000 --name ref_load
		stop_pid "$RPID"
	fi
fi

# ---------------------------------------------------------------- mem
if want mem; then
	section "memory and threads, N devices on one broker (pause = 1, after cycles and a command burst)"
	for n in 1 16 64 256; do
		H=bench-mem$n-$$
		gen_conf "$WORK/mem$n.conf" "$PORT" "$H" "$n" 1 "port = test0" "QPIGS#QPIRI"
		start_mppd mppd-mem$n "$WORK/mem$n.conf" "$PORT" "$H"
		if [ "$n" = 64 ]; then
			# Telemetry rate and the daemon's CPU per poll cycle with
			# the network included: cycles counted on one field.
			C0=$(cpu_ns "$DPID")
			run "$B/mqtt_count" -b "$PORT" -f 'homeassistant/#' \
				--suffix _ac_input_voltage/state --warmup-ms 0 \
				--duration-ms 4000 --name telemetry_64
			C1=$(cpu_ns "$DPID")
			CYC=$(res telemetry_64 suffixed)
			[ -n "$CYC" ] && [ "$CYC" -gt 0 ] &&
				echo "RESULT daemon_cycle cpu_us_per_cycle=$(calc %.1f "($C1 - $C0) / $CYC / 1000") cycles=$CYC" >> "$RESULTS" &&
				say "  mppd CPU per poll cycle, network included: $(res daemon_cycle cpu_us_per_cycle) us ($CYC cycles of 64 devices)"
		else
			sleep 3
		fi
		run "$B/mqtt_load" -b "$PORT" --prefix "$H" -d "$n" -n $((n * 16)) -w 4 \
			-c POP02 --name burst_$n
		sleep 0.5
		mem "$n" "$DPID"
		if [ "$n" = 256 ]; then
			run "$B/mqtt_count" -b "$PORT" -f 'homeassistant/#' \
				--warmup-ms 500 --duration-ms 3000 --name telemetry_256
		fi
		stop_pid "$DPID"
	done
	# glibc's per-thread cache (tcache) keeps freed blocks in every worker
	# thread: the same runs without it.
	for n in 1 64; do
		H=bench-memnt$n-$$
		gen_conf "$WORK/memnt$n.conf" "$PORT" "$H" "$n" 1 "port = test0" "QPIGS#QPIRI"
		MPPD_ENV=GLIBC_TUNABLES=glibc.malloc.tcache_count=0
		start_mppd mppd-memnt$n "$WORK/memnt$n.conf" "$PORT" "$H"
		MPPD_ENV=
		sleep 3
		run "$B/mqtt_load" -b "$PORT" --prefix "$H" -d "$n" -n $((n * 16)) -w 4 \
			-c POP02 --name burst_nt_$n
		sleep 0.5
		mem "${n}_no_tcache" "$DPID"
		stop_pid "$DPID"
	done
	if [ "$REF_OK" = 1 ]; then
		for n in 1 64; do
			gen_conf "$WORK/ref-mem$n.conf" "$PORT" "$REFHOST" "$n" 1 "port = test0" "QPIGS#QPIRI"
			start_ref ref-mem$n "$WORK/ref-mem$n.conf"
			sleep 6
			mem ref_$n "$RPID"
			stop_pid "$RPID"
		done
	fi
fi

# ---------------------------------------------------------------- start
if want start; then
	section "start to first publish (fork+exec to the first telemetry message, $N_START runs)"
	H=bench-start-$$
	gen_conf "$WORK/start.conf" "$PORT" "$H" 1 60 "port = test0" "QPIGS#QPIRI"
	run "$B/first_publish" -b "$PORT" -f 'homeassistant/#' -r "$N_START" \
		--log "$WORK/start.log" --name start -- "$MPPD" -C "$WORK/start.conf" --daemon
	if [ "$REF_OK" = 1 ]; then
		gen_conf "$WORK/ref-start.conf" "$PORT" "$REFHOST" 1 60 "port = test0" "QPIGS#QPIRI"
		export PYTHONPATH="$REF"
		run "$B/first_publish" -b "$PORT" -f 'homeassistant/#' -r 5 --timeout-ms 20000 \
			--log "$WORK/ref-start.log" --name ref_start -- "$PY" -c "$REF_CODE" \
			-C "$WORK/ref-start.conf" --daemon --pidfile "$WORK/ref-start.pid"
		unset PYTHONPATH
	fi
fi

# ---------------------------------------------------------------- http
if want http; then
	section "web server: 10,000 requests (memory of the daemon, poll cycle during requests)"
	N_HTTP=10000
	[ "$QUICK" = 1 ] && N_HTTP=2000
	H=bench-http-$$
	HP=$("$B/http_load" --free-port)
	gen_conf "$WORK/http.conf" "$PORT" "$H" 4 1 "port = test0" "QPIGS#QPIRI"
	sed -i "s/^\[SETUP\]\$/[SETUP]\nhttp_listen = 127.0.0.1:$HP/" "$WORK/http.conf"
	start_mppd mppd-http "$WORK/http.conf" "$PORT" "$H"
	sleep 2
	run "$B/http_load" --port "$HP" --pid "$DPID" -n "$N_HTTP"
	stop_pid "$DPID"
	run "$B/http_load" --inproc -n "$N_HTTP"
fi

# ---------------------------------------------------------------- summary
section "summary (the targets of BENCHMARKS.md)"
# row FIGURE VALUE TARGET VERDICT [REFERENCE]
row() { printf '  %-44s %-24s %-14s %-5s %s\n' "$1" "$2" "$3" "$4" "${5:-}"; }
ok() { awk "BEGIN { exit !($1) }" && echo met || echo MISS; }
ms() { [ -n "$1" ] && calc %.3f "$1 / 1000" || echo "-"; }
row "figure" "mppd" "target" "" "mpp-solar (ratio)"
if [ -n "$(res rtt p50_us)" ]; then
	P50=$(res rtt p50_us); P99=$(res rtt p99_us)
	RR=""
	[ -n "$(res ref_rtt p50_us)" ] && RR="$(ms "$(res ref_rtt p50_us)") / $(ms "$(res ref_rtt p99_us)") ms ($(calc %.0f "$(res ref_rtt p50_us) / $P50")x)"
	row "round trip p50 / p99, stock broker" "$(ms "$P50") / $(ms "$P99") ms" "< 1 / < 3 ms" \
		"$(ok "$P50 < 1000 && $P99 < 3000")" "$RR"
fi
if [ -n "$(res rtt_nodelay p50_us)" ]; then
	P50=$(res rtt_nodelay p50_us); P99=$(res rtt_nodelay p99_us)
	row "round trip p50 / p99, set_tcp_nodelay broker" "$(ms "$P50") / $(ms "$P99") ms" "< 1 / < 3 ms" \
		"$(ok "$P50 < 1000 && $P99 < 3000")"
fi
if [ -n "$(res mem_1 vmhwm_kb)" ]; then
	M1=$(res mem_1 vmhwm_kb); M64=$(res mem_64 vmhwm_kb)
	Q1=$(res mem_1 pss_kb); Q64=$(res mem_64 pss_kb)
	RR=""
	[ -n "$(res mem_ref_1 pss_kb)" ] && RR="$(calc %.1f "$(res mem_ref_1 pss_kb) / 1024") / $(calc %.1f "$(res mem_ref_64 pss_kb) / 1024") MB ($(calc %.1f "$(res mem_ref_1 pss_kb) / $Q1")x)"
	row "PSS, 1 / 64 devices" "$(calc %.2f "$Q1 / 1024") / $(calc %.2f "$Q64 / 1024") MB" "< 1.5 / < 4 MB" \
		"$(ok "$Q1 < 1536 && $Q64 < 4096")" "$RR"
	row "PSS per further device, 1->64 / 64->256" "$(calc %.1f "($Q64 - $Q1) / 63") / $(calc %.1f "($(res mem_256 pss_kb) - $Q64) / 192") kB" "< 32 kB" \
		"$(ok "($Q64 - $Q1) / 63 < 32")"
	[ -n "$(res mem_1_no_tcache pss_kb)" ] &&
		row "PSS, 1 / 64, GLIBC_TUNABLES tcache_count=0" "$(calc %.2f "$(res mem_1_no_tcache pss_kb) / 1024") / $(calc %.2f "$(res mem_64_no_tcache pss_kb) / 1024") MB" "< 1.5 / < 4 MB" \
			"$(ok "$(res mem_1_no_tcache pss_kb) < 1536 && $(res mem_64_no_tcache pss_kb) < 4096")"
	row "VmHWM, 1 / 64 devices" "$(calc %.2f "$M1 / 1024") / $(calc %.2f "$M64 / 1024") MB" "-" ""
	U1=$(res mem_1 uss_kb); U64=$(res mem_64 uss_kb)
	row "private memory (USS), 1 / 64 devices" "$(calc %.2f "$U1 / 1024") / $(calc %.2f "$U64 / 1024") MB" "-" ""
	[ -n "$(res mem_1_no_tcache vmhwm_kb)" ] &&
		row "VmHWM, 1 / 64, GLIBC_TUNABLES tcache_count=0" "$(calc %.2f "$(res mem_1_no_tcache vmhwm_kb) / 1024") / $(calc %.2f "$(res mem_64_no_tcache vmhwm_kb) / 1024") MB" "-" ""
	row "PSS / VmHWM, 16 / 256 devices" "$(calc %.2f "$(res mem_16 pss_kb) / 1024") / $(calc %.2f "$(res mem_256 pss_kb) / 1024"); $(calc %.2f "$(res mem_16 vmhwm_kb) / 1024") / $(calc %.2f "$(res mem_256 vmhwm_kb) / 1024") MB" "-" ""
	row "threads, 1 / 16 / 64 / 256 devices" "$(res mem_1 threads) / $(res mem_16 threads) / $(res mem_64 threads) / $(res mem_256 threads)" "-" ""
fi
if [ -n "$(res start p50_us)" ]; then
	S=$(res start p50_us)
	RR=""
	[ -n "$(res ref_start p50_us)" ] && RR="$(ms "$(res ref_start p50_us)") ms ($(calc %.0f "$(res ref_start p50_us) / $S")x)"
	row "start to first publish, p50 (max)" "$(ms "$S") ($(ms "$(res start max_us)")) ms" "< 50 ms" \
		"$(ok "$(res start max_us) < 50000")" "$RR"
fi
if [ -n "$(res load per_s)" ]; then
	L=$(res load per_s); LOST=$(( $(res load lost) + $(res load errors) ))
	RR=""
	if [ -n "$(res ref_load per_s)" ]; then
		RR="$(res ref_load per_s)/s, $(( $(res ref_load lost) + $(res ref_load errors) )) lost"
		[ "$(res ref_load per_s)" != 0 ] && RR="$RR ($(calc %.0f "$L / $(res ref_load per_s)")x)"
	fi
	D=$(res load dups)
	row "sustained commands, 64 devices" "$L/s, $LOST lost, $D twice" "> 10000/s, 0, 0" \
		"$(ok "$L > 10000 && $LOST == 0 && $D == 0")" "$RR"
	# On a test port every execution gives one answer: executed per sent.
	row "commands executed per command sent (load)" "$(calc %.4f "($(res load commands) - $(res load lost) - $(res load errors) + $D) / $(res load commands)")" "1.000" \
		"$(ok "$LOST == 0 && $D == 0")"
fi
if [ -n "$(res sim_rtt overhead_p50_pct)" ]; then
	O=$(res sim_rtt overhead_p50_pct)
	RR=""
	[ -n "$(res ref_sim_rtt overhead_p50_pct)" ] && RR="+$(res ref_sim_rtt overhead_p50_pct) %"
	row "2400 baud: MQTT round trip over wire time" "+$O % (p50)" "< 2 %" "$(ok "$O < 2")" "$RR"
	row "2400 baud: device layer over wire time" "+$(res serial_rtt overhead_p50_pct) % (p50)" "-" ""
fi
if [ -n "$(res tcp_rtt overhead_p50_pct)" ]; then
	row "2400 baud through socat (tcp://) over wire" "+$(res tcp_rtt overhead_p50_pct) % (p50)" "-" ""
fi
if [ -n "$(res rfc2217_rtt overhead_p50_pct)" ]; then
	O=$(res rfc2217_rtt overhead_p50_pct)
	row "2400 baud through ser2net (rfc2217://)" "+$O % (p50)" "< 5 %" "$(ok "$O < 5")"
fi
if [ -n "$(res poll_cycle cpu_us_per_cycle)" ]; then
	C=$(res poll_cycle cpu_us_per_cycle)
	row "CPU per poll cycle (decode + hassd, no network)" "$C us" "< 50 us" "$(ok "$C < 50")"
	[ -n "$(res poll_cycle_ir ir_per_cycle)" ] &&
		row "  instructions per poll cycle (callgrind)" "$(res poll_cycle_ir ir_per_cycle)" "-" ""
	[ -n "$(res daemon_cycle cpu_us_per_cycle)" ] &&
		row "CPU per poll cycle, daemon with MQTT" "$(res daemon_cycle cpu_us_per_cycle) us" "-" ""
fi
if [ -n "$(res http_requests rss_growth_kb)" ]; then
	G=$(res http_requests rss_growth_kb); G2=$(res http_requests rss_growth2_kb)
	row "VmRSS growth, 10,000 HTTP requests, 30,000 more" "+$G kB, then +$G2 kB" "flat" \
		"$(ok "$G2 <= 64")"
	row "HTTP request, p50 / p99" "$(ms "$(res http_requests p50_us)") / $(ms "$(res http_requests p99_us)") ms" "-" ""
fi
if [ -n "$(res http_cycle_idle p50_us)" ]; then
	I=$(res http_cycle_idle p50_us); L=$(res http_cycle_loaded p50_us)
	row "poll cycle p50 without / during requests" "$I / $L us" "same" \
		"$(ok "$L < $I * 1.25 + 2")"
	row "  hstore_poll p50 / p99 without requests" "$(res http_store_idle p50_us) / $(res http_store_idle p99_us) us" "-" ""
	row "  hstore_poll p50 / p99 during requests" "$(res http_store_loaded p50_us) / $(res http_store_loaded p99_us) us" "-" ""
fi
[ -n "$(res telemetry_64 per_s)" ] &&
	row "telemetry, 64 devices, pause 1" "$(res telemetry_64 per_s) msg/s" "-" ""
[ -n "$(res telemetry_256 per_s)" ] &&
	row "telemetry, 256 devices, pause 1" "$(res telemetry_256 per_s) msg/s" "-" ""
if [ -n "${BENCH_RESULTS:-}" ]; then
	cp "$RESULTS" "$BENCH_RESULTS"
	say "  raw figures: $BENCH_RESULTS"
fi
say ""
say "bench: done in $(( $(date +%s) - T_START )) s"
