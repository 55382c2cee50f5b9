#!/usr/bin/env bash
# Runs every benchmark and prints its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
bench/passthrough.sh "$BUILD" "${LINES:-10000000}" "${RUNS:-3}"
"$BUILD/bench/plugctl_bloblang_bench" "${DOCS:-1000000}"
bench/bloblang_e2e.sh "$BUILD" "${DOCS:-1000000}"
bench/fan_out.sh "$BUILD" "${FAN_LINES:-5000000}" "${RUNS:-3}"
bench/sql_insert.sh "$BUILD" "${SQL_ROWS:-1000000}" "${RUNS:-3}"
bench/kafka.sh "$BUILD" "${KAFKA_RECORDS:-1000000}" "${KAFKA_RUNS:-1}"
