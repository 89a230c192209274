#!/bin/sh
# setup.sh - install every Debian package mppd needs to build, test and run
# its demo, and the npm packages of the broker-cluster tests
# (tests/cluster, from its package-lock.json).  Idempotent; run as root on
# Debian 12 (bookworm).
#   scripts/setup.sh --packaging   also the tools of scripts/packages.sh
#                                  (dpkg-buildpackage, lintian, buildah,
#                                  mmdebstrap)
set -eu
cd "$(dirname "$0")/.."

# nodejs, redis-server and haproxy: the cluster tests (two aedes broker
# nodes sharing a redis-server, behind haproxy; tests/integration/test_cluster.c).
PACKAGES="build-essential cmake pkg-config
libmosquitto-dev libpcre2-dev libcjson-dev libinih-dev libssl-dev
libsystemd-dev libcmocka-dev libmicrohttpd-dev
mosquitto mosquitto-clients socat ser2net openssl
clang libclang-rt-14-dev valgrind
nodejs redis-server haproxy
jq python3 python3-yaml python3-voluptuous python3-jinja2
prometheus chromium curl
libcurl4-openssl-dev libpq-dev prometheus-pushgateway postgresql
postgresql-client python3-pytest python3-paho-mqtt python3-serial"
# Debian's nodejs comes without npm; a Node.js that brings its own npm
# (e.g. NodeSource's) conflicts with Debian's npm package.
if ! command -v npm >/dev/null 2>&1; then
	PACKAGES="$PACKAGES npm"
fi
if [ "${1:-}" = "--packaging" ]; then
	PACKAGES="$PACKAGES debhelper dpkg-dev fakeroot lintian buildah mmdebstrap git"
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "setup: all packages present"
elif [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages:$missing" >&2
	echo "setup: run as root (or: sudo $0)" >&2
	exit 1
else
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
	# The mosquitto, redis-server and haproxy packages enable system
	# services; tests start their own on free loopback ports and never
	# need them.  Likewise prometheus is there for promtool (the tests
	# check /metrics and prom_file's files with it), not its server, and
	# the tests of the prom_push and postgres outputs start their own
	# Pushgateway and PostgreSQL (as user nobody when run as root, since
	# postgres refuses root) in temporary directories.  python3-pytest,
	# -paho-mqtt and -serial: scripts/mppsolar-compat.sh.
fi

# The aedes broker for the tests, exactly the versions of the lock file
# (installed again when the lock file changed since).
stamp=tests/cluster/node_modules/.mppd-installed-lock
if ! cmp -s tests/cluster/package-lock.json "$stamp" 2>/dev/null; then
	echo "setup: npm ci in tests/cluster"
	npm ci --prefix tests/cluster --no-audit --no-fund
	cp tests/cluster/package-lock.json "$stamp"
fi
