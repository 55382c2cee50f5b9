#!/usr/bin/env bash
# Starts and stops the services the tests need. The foundation needs none; the Kafka and
# PostgreSQL integration tests add theirs here.
set -euo pipefail
case "${1:-}" in
  start) echo "test-services: nothing to start" ;;
  stop) ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
"$(dirname "$0")/../tests/services/postgres.sh" "$1"
