#!/bin/sh
# test.sh - set up, build with warnings as errors, and run the whole test
# suite.  Usage: scripts/test.sh [build-dir]
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD=${1:-build}
cmake -S . -B "$BUILD" -DMPPD_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD" -j"$(nproc)"
# Here (and so in CI) a missing part of the broker-cluster tests is a
# failure, not a skipped case.
MPPD_REQUIRE_CLUSTER=1 ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)"
