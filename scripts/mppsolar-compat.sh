#!/bin/sh
# mppsolar-compat.sh - runs mpp-solar's own program-running integration
# tests (its tests/integration: the tests that run `poetry run mpp-solar
# ...`) against mppd, through a stand-in `poetry` whose `run PROG ARGS`
# executes mppd (installed as mpp-solar, mppsolar and jkbms) with ARGS.
#
# usage: scripts/mppsolar-compat.sh MPP_SOLAR_CHECKOUT [MPPD]
#
# The checkout is a clone of the mpp-solar repository (not part of this
# repository).  Its test modules import its package, so Debian's
# python3-pytest, python3-paho-mqtt and python3-serial are needed.  Tests
# of protocols mppd does not have fail until they land (see
# docs/compatibility.md); tests/compat/test_mppsolar_cli.py restates the
# same cases and skips those.
set -eu

src=${1:?usage: $0 MPP_SOLAR_CHECKOUT [MPPD]}
mppd=${2:-$(dirname "$0")/../build/mppd}
mppd=$(cd "$(dirname "$mppd")" && pwd)/$(basename "$mppd")
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT INT TERM
for p in mpp-solar mppsolar jkbms; do
	ln -s "$mppd" "$bin/$p"
done
cat >"$bin/poetry" <<'STANDIN'
#!/bin/sh
[ "$1" = run ] && shift
exec "$@"
STANDIN
chmod 755 "$bin/poetry"

cd "$src"
PATH=$bin:$PATH PYTHONPATH=$src /usr/bin/python3 -m pytest -q -p no:cacheprovider \
    tests/integration/test_cmd_mppsolar.py \
    tests/integration/test_cmd_mppsolar_pi30revo.py \
    tests/integration/test_protocol_pi16.py \
    tests/integration/test_protocol_pi17.py \
    tests/integration/test_protocol_pi17m058.py \
    tests/integration/test_protocol_pi18.py \
    tests/integration/test_protocol_pi30.py \
    tests/integration/test_protocol_pi30max.py \
    tests/integration/test_protocol_pi30mst.py \
    -k 'test_run_mppsolar or test_mppsolar_mqtt or query_commands or getdevice_id'
