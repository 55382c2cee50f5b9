#!/usr/bin/env bash
# Starts and stops the services and tools the tests need; each lives in tests/services/.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  start)
    tests/services/cue.sh start
    tests/services/postgres.sh start
    tests/services/kafka.sh start
    ;;
  stop)
    tests/services/postgres.sh stop || true
    tests/services/cue.sh stop
    tests/services/kafka.sh stop || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
