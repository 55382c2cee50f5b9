#!/usr/bin/env bash
# Runs every benchmark and prints its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
bench/passthrough.sh "$BUILD" "${LINES:-10000000}" "${RUNS:-3}"
