#!/bin/bash
# run_sh.sh CASE_DIR - the add-on's start script (dist/ha-addon/mppd/run.sh)
# without a Supervisor: bashio's functions answer from CASE_DIR/mqtt.json
# (the MQTT service) and CASE_DIR/options.json, and a stand-in mppd records
# how it was started.  Asserts: mppd is exec'd with -C <data>/mpp-solar.conf
# --daemon (--debug when the option is set), that file is CASE_DIR's
# expected.conf with mode 0600, STATE_DIRECTORY is <data>/state, and the
# service's answers leave no file behind.  A case with expected.err must
# stop with bashio::exit.nok and never start mppd, printing that message
# (or run_sh.err's, when run.sh itself stops first).
set -euo pipefail
case_dir=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/bin"
cp "$case_dir/options.json" "$tmp/data/options.json"

cat > "$tmp/bin/mppd" <<'STUB'
#!/bin/sh
if [ "$1" = "--version" ]; then echo "mppd 0.1.0"; exit 0; fi
printf '%s\n' "$@" > "$MPPD_TEST_OUT/args"
printf '%s\n' "$STATE_DIRECTORY" > "$MPPD_TEST_OUT/state"
exit 0
STUB
chmod +x "$tmp/bin/mppd"

cat > "$tmp/bashio.sh" <<'STUB'
bashio::services.available() { [ "$(jq -r .host "$MPPD_TEST_CASE/mqtt.json")" != "" ]; }
bashio::services() { jq -r --arg k "$2" '.[$k]' "$MPPD_TEST_CASE/mqtt.json"; }
bashio::config.true() { [ "$(jq -r --arg k "$1" '.[$k]' "$MPPD_ADDON_DATA/options.json")" = "true" ]; }
bashio::log.info() { echo "INFO: $*"; }
bashio::exit.nok() { echo "FATAL: $*" >&2; exit 1; }
STUB

set +e
MPPD_TEST_CASE=$case_dir MPPD_TEST_OUT=$tmp MPPD_ADDON_DATA=$tmp/data \
	MPPD_ADDON_LIB=$top/dist/ha-addon/mppd PATH="$tmp/bin:$PATH" \
	bash -c 'source "$1"; source "$2"' run.sh "$tmp/bashio.sh" \
	"$top/dist/ha-addon/mppd/run.sh" > "$tmp/log" 2>&1
rc=$?
set -e
cat "$tmp/log"
fail() { echo "FAIL: $*" >&2; exit 1; }
left=""
for f in "$tmp"/data/* "$tmp"/data/.[!.]*; do
	[ -e "$f" ] || continue
	case ${f##*/} in
	options.json | mpp-solar.conf | state) ;;
	*) left="$left ${f##*/}" ;;
	esac
done
[ -z "$left" ] || fail "files left in /data:$left"
if [ -f "$case_dir/expected.err" ]; then
	[ "$rc" -ne 0 ] || fail "run.sh succeeded"
	[ ! -f "$tmp/args" ] || fail "mppd was started"
	msg=$case_dir/expected.err
	[ ! -f "$case_dir/run_sh.err" ] || msg=$case_dir/run_sh.err
	grep -qF "$(cat "$msg")" "$tmp/log" || fail "no message: $(cat "$msg")"
	echo "refused, mppd not started"
	exit 0
fi
[ "$rc" -eq 0 ] || fail "run.sh exited $rc"
want="-C
$tmp/data/mpp-solar.conf
--daemon"
if [ "$(jq -r .debug "$case_dir/options.json")" = "true" ]; then
	want="$want
--debug"
fi
[ "$(cat "$tmp/args")" = "$want" ] || fail "mppd started with: $(cat "$tmp/args")"
[ "$(cat "$tmp/state")" = "$tmp/data/state" ] || fail "STATE_DIRECTORY: $(cat "$tmp/state")"
[ -d "$tmp/data/state" ] || fail "no state directory"
diff -u "$case_dir/expected.conf" "$tmp/data/mpp-solar.conf" || fail "configuration differs"
[ "$(stat -c %a "$tmp/data/mpp-solar.conf")" = 600 ] || fail "configuration mode is not 0600"
echo "run.sh started mppd -C <data>/mpp-solar.conf --daemon with the expected configuration"
