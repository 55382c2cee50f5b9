#!/usr/bin/env bash
# Starts and stops the services the tests need: one line per service script, each taking
# start|stop (the Kafka and PostgreSQL integration tests add theirs here).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  start | stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
tests/services/kafka.sh "$1"
