#!/bin/sh
# run_conf.sh CASE_DIR MPPD_BIN - one fixture of the add-on's options ->
# mpp-solar.conf mapping (dist/ha-addon/mppd/mpp-solar-conf.sh):
#   CASE_DIR/options.json  /data/options.json as the Supervisor writes it
#   CASE_DIR/mqtt.json     the broker the Supervisor's MQTT service gives
#   CASE_DIR/expected.conf the configuration written, which mppd must accept
#                          (mppd --check-config), or
#   CASE_DIR/expected.err  the message when the options are refused (exit 1)
set -eu
case_dir=$1
mppd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
map=$top/dist/ha-addon/mppd/mpp-solar-conf.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

set +e
"$map" "$case_dir/options.json" "$case_dir/mqtt.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
if [ -f "$case_dir/expected.err" ]; then
	want="mppd add-on: invalid options: $(cat "$case_dir/expected.err")"
	if [ "$rc" -ne 1 ] || [ "$(cat "$tmp/err")" != "$want" ]; then
		echo "FAIL: expected exit 1 and: $want" >&2
		echo "got exit $rc and:" >&2
		cat "$tmp/err" "$tmp/out" >&2
		exit 1
	fi
	echo "refused as expected: $want"
	exit 0
fi
if [ "$rc" -ne 0 ]; then
	echo "FAIL: the mapping exited $rc:" >&2
	cat "$tmp/err" >&2
	exit 1
fi
if ! diff -u "$case_dir/expected.conf" "$tmp/out"; then
	echo "FAIL: the configuration differs from expected.conf" >&2
	exit 1
fi
chmod 600 "$tmp/out"
if ! "$mppd" -C "$tmp/out" --check-config >"$tmp/check" 2>&1; then
	echo "FAIL: mppd refuses the configuration:" >&2
	cat "$tmp/check" >&2
	exit 1
fi
echo "written as expected and accepted by mppd --check-config"
