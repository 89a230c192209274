#!/bin/sh
# setup.sh - install every Debian package mppd needs to build, test and run
# its demo.  Idempotent; run as root on Debian 12 (bookworm).
set -eu

PACKAGES="build-essential cmake pkg-config
libmosquitto-dev libpcre2-dev libcjson-dev libinih-dev libssl-dev
libsystemd-dev libcmocka-dev
mosquitto mosquitto-clients socat ser2net openssl
clang libclang-rt-14-dev valgrind
libcurl4-openssl-dev libpq-dev
python3 prometheus prometheus-pushgateway postgresql postgresql-client
python3-pytest python3-paho-mqtt python3-serial"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "setup: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages:$missing" >&2
	echo "setup: run as root (or: sudo $0)" >&2
	exit 1
fi

echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
# The mosquitto package enables a system broker; tests start their own on
# free loopback ports and never need it.  The same holds for the
# prometheus, prometheus-pushgateway and postgresql packages: the tests
# start their own Pushgateway and PostgreSQL (as user nobody when run as
# root, since postgres refuses root) in temporary directories.
