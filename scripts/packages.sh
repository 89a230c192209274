#!/bin/sh
# packages.sh - build what users install, and check it:
#   deb     the Debian packages (dpkg-buildpackage -b), then lintian
#   addon   the Home Assistant add-on: options -> mpp-solar.conf fixtures and
#           the Supervisor's schema rules (scripts/ha-addon-check.py)
#   image   the container image (dist/container/Containerfile) with buildah in
#           chroot isolation, on a Debian base bootstrapped with mmdebstrap
#           (cached as build-pkg/base-bookworm.tar); then mppd --version in it
#   deb_install  the .debs installed with apt in a container of that Debian
#           base: not enabled or started, mppd --version prints the package
#           version, conffile 0600; then purged: nothing of it is left
#   addon_image  the add-on's Dockerfile built the same way (BUILD_FROM: that
#           Debian base, source: this tree), then inside it the add-on's
#           mapping on a fixture and mppd --check-config on the result
# Usage: scripts/packages.sh [deb] [addon] [image] [deb_install] [addon_image]
#        (default: all five)
# Run as root on Debian 12 (scripts/setup.sh installs the tools).
# Everything it writes goes under build-pkg/.  Each step prints its duration.
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
scripts/setup.sh --packaging
OUT=$TOP/build-pkg
mkdir -p "$OUT"
STEPS=${*:-deb addon image deb_install addon_image}

# Debian's own mirrors, as on the host (scripts/setup.sh and apt use them).
MIRROR=${MPPD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${MPPD_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
IMAGE=${MPPD_IMAGE:-localhost/mppd:latest}
BASE_IMAGE=localhost/debian:bookworm-slim

say() { printf '== %s\n' "$*"; }
now() { date +%s; }

# Source tree as committed plus the working tree's changes, without build
# directories: a copy, so that dpkg-buildpackage writes nothing in the tree.
copy_source() {
	rm -rf "$1"
	mkdir -p "$1"
	git ls-files -z --cached --others --exclude-standard |
		(cd "$TOP" && xargs -0 tar cf - --no-recursion --ignore-failed-read) |
		tar xf - -C "$1"
}

step_deb() {
	ver=$(dpkg-parsechangelog -S Version)
	dir=$OUT/deb
	rm -rf "$dir"
	copy_source "$dir/mppd-${ver%-*}"
	(cd "$dir/mppd-${ver%-*}" &&
		DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
		dpkg-buildpackage -us -uc -b)
	ls "$dir"/*.deb
	changes=$(ls "$dir"/mppd_*.changes)
	# No error and no warning is accepted; info tags are printed.
	lintian --fail-on error,warning --display-info "$changes"
	dpkg-deb -x "$dir"/mppd_*.deb "$dir/root"
	"$dir/root/usr/bin/mppd" --version | grep -Fx "mppd $ver"
}

# The same checks as the addon.* CTest entries, with the packaged mppd.
step_addon() {
	mppd=${MPPD_BIN:-$OUT/deb/root/usr/bin/mppd}
	[ -x "$mppd" ] || { echo "no $mppd: run the deb step first" >&2; exit 1; }
	/usr/bin/python3 scripts/ha-addon-check.py .
	sed -n 's/^def case_\([a-z0-9_]*\).*/\1/p' tests/addon/check_rejects.py |
	while read -r c; do
		/usr/bin/python3 tests/addon/check_rejects.py "$c" >/dev/null
	done
	echo "ha-addon-check rejects every broken copy (tests/addon/check_rejects.py)"
	for d in tests/addon/conf/*/; do
		sh tests/addon/run_conf.sh "$d" "$mppd" >/dev/null
		bash tests/addon/run_sh.sh "$d" >/dev/null
	done
	echo "options -> mpp-solar.conf and run.sh: every fixture in tests/addon/conf"
}

# The base: mmdebstrap's minbase bookworm with the same Debian mirrors the
# host uses, imported into buildah's local storage as $BASE_IMAGE.
base_image() {
	tar=$OUT/base-bookworm.tar
	if [ ! -s "$tar" ]; then
		mmdebstrap --variant=minbase --format=tar --aptopt='Acquire::Languages "none"' \
			--dpkgopt='path-exclude=/usr/share/doc/*' \
			--dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			bookworm "$tar.tmp" \
			"deb $MIRROR bookworm main" \
			"deb $MIRROR bookworm-updates main" \
			"deb $SECURITY bookworm-security main"
		mv "$tar.tmp" "$tar"
		buildah rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true
	fi
	if ! buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
		ctr=$(buildah from scratch)
		buildah add "$ctr" "$tar" /
		buildah config --cmd /bin/bash "$ctr"
		buildah commit --rm "$ctr" "$BASE_IMAGE"
	fi
}

step_image() {
	base_image
	buildah build --isolation chroot --layers \
		--build-arg BASE="$BASE_IMAGE" \
		-f dist/container/Containerfile -t "$IMAGE" .
	ctr=$(buildah from "$IMAGE")
	trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
	buildah run --isolation chroot "$ctr" -- mppd --version
	buildah run --isolation chroot "$ctr" -- id
	# A poll of the canned-reply port: the runtime libraries are complete.
	buildah run --isolation chroot "$ctr" -- mppd -p test -P PI30 -c QPIGS -o json |
		grep -q '"ac_output_voltage"'
	echo "image: mppd polls the test port as user mppd"
	buildah rm "$ctr" >/dev/null
	trap - EXIT
}

# What a purge must leave as it was (apt's and dpkg's own records aside).
SNAPSHOT='find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
	-o -path /tmp -o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/cache \
	-o -path /var/log/apt -o -path /var/log/dpkg.log -o -path /debs \) -prune \
	-o -print | sort'

step_deb_install() {
	base_image
	ver=$(dpkg-parsechangelog -S Version)
	ctr=$(buildah from "$BASE_IMAGE")
	trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
	buildah copy "$ctr" "$OUT/deb/mppd_${ver}_$(dpkg --print-architecture).deb" \
		"$OUT/deb/mppd-tools_${ver}_$(dpkg --print-architecture).deb" /debs/ >/dev/null
	buildah run --isolation chroot "$ctr" -- sh -euc "
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		$SNAPSHOT > /tmp/before
		apt-get install -y -qq /debs/*.deb >/dev/null
		mppd --version | grep -Fx 'mppd $ver'
		mppd-sim --help >/dev/null
		test ! -e /etc/systemd/system/multi-user.target.wants/mppd.service
		test \"\$(stat -c %a /etc/mpp-solar/mpp-solar.conf)\" = 600
		echo 'installed: mppd --version ok, unit not enabled, conffile 0600'
		# What the running service would have written.
		mkdir -p /var/lib/private/mppd /var/log/private/mppd
		touch /var/lib/private/mppd/state /var/log/private/mppd/mppd.log
		ln -s private/mppd /var/lib/mppd
		ln -s private/mppd /var/log/mppd
		apt-get purge -y -qq mppd mppd-tools >/dev/null
		apt-get autoremove --purge -y -qq >/dev/null
		$SNAPSHOT > /tmp/after
		if ! diff /tmp/before /tmp/after; then
			echo 'purge left these behind (>) or removed these (<)' >&2
			exit 1
		fi
		echo 'purged: nothing left behind'
	"
	buildah rm "$ctr" >/dev/null
	trap - EXIT
}

# The add-on's Dockerfile fetches mppd's source with git: here from a
# one-commit repository of this tree, mounted into the build.
step_addon_image() {
	base_image
	src=$OUT/addon-src
	copy_source "$src"
	git -C "$src" init -q
	git -C "$src" add -A
	# A fixed date: the same tree gives the same commit (and layer cache).
	GIT_AUTHOR_DATE="1700000000 +0000" GIT_COMMITTER_DATE="1700000000 +0000" \
	git -C "$src" -c user.name=packages -c user.email=packages@localhost \
		commit -q -m "source of the add-on test build"
	# MPPD_REF is the commit itself, so a changed tree misses the layer cache.
	git -C "$src" config uploadpack.allowAnySHA1InWant true
	buildah build --isolation chroot --layers \
		--build-arg BUILD_FROM="$BASE_IMAGE" \
		--build-arg MPPD_REPOSITORY=file:///mppd-src \
		--build-arg MPPD_REF="$(git -C "$src" rev-parse HEAD)" \
		-v "$src:/mppd-src:ro" \
		-f dist/ha-addon/mppd/Dockerfile -t localhost/mppd-addon:test \
		dist/ha-addon/mppd
	ctr=$(buildah from localhost/mppd-addon:test)
	trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
	buildah copy "$ctr" tests/addon/conf/default /fixture >/dev/null
	buildah run --isolation chroot "$ctr" -- mppd --version
	buildah run --isolation chroot "$ctr" -- sh -c \
		'umask 077; /usr/lib/mppd/mpp-solar-conf.sh /fixture/options.json \
			/fixture/mqtt.json > /tmp/mpp-solar.conf &&
		 cmp /tmp/mpp-solar.conf /fixture/expected.conf &&
		 mppd -C /tmp/mpp-solar.conf --check-config >/dev/null &&
		 echo "add-on image: options -> mpp-solar.conf accepted by mppd"'
	buildah rm "$ctr" >/dev/null
	trap - EXIT
}

for s in $STEPS; do
	say "$s"
	t0=$(now)
	"step_$s"
	say "$s: done in $(($(now) - t0)) s"
done
