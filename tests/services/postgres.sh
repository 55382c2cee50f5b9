#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the sql plugin's tests and benchmark.
#
#   tests/services/postgres.sh start    installs PostgreSQL when missing (Debian `postgresql`),
#                                       initialises a cluster in a temp dir, starts it on a free
#                                       port of 127.0.0.1 and writes the state file
#   tests/services/postgres.sh stop     stops the cluster and removes its dir and the state file
#   tests/services/postgres.sh pause    stops the server, keeping its data (tests of outages)
#   tests/services/postgres.sh resume   starts it again on the same port
#   tests/services/postgres.sh status   prints the state file, exit 1 when not running
#
# The state file (default <repo>/.services/postgres.env, override with PLUGCTL_SERVICES_DIR) is a
# shell fragment the tests read:
#   POSTGRES_DSN=postgres://postgres@127.0.0.1:PORT/plugctl?sslmode=disable
#   POSTGRES_PORT, POSTGRES_DIR (cluster dir), POSTGRES_BIN (server binaries), POSTGRES_SOCKET
#
# PostgreSQL refuses to run as root: when run as root, the server runs as the unprivileged
# `postgres` user (created by the Debian package) through runuser.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
STATE_DIR="${PLUGCTL_SERVICES_DIR:-$ROOT/.services}"
STATE="$STATE_DIR/postgres.env"
DB=plugctl

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

install_server() {
  if find_bin >/dev/null && command -v psql >/dev/null; then return 0; fi
  log "installing the Debian postgresql package"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    postgresql postgresql-client >/dev/null
  # The package starts a system cluster on 5432; the tests do not use it.
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
      $sudo pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true
    done
  fi
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  log "no free port found"
  return 1
}

server_start() { # dir port bin
  as_owner "$3/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-p $2 -k $1 -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
}

running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  . "$STATE"
  "$POSTGRES_BIN/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" 2>/dev/null
}

start() {
  if running; then
    log "already running: $POSTGRES_DSN"
    return 0
  fi
  [ -f "$STATE" ] && stop
  install_server
  local bin dir port attempt
  bin="$(find_bin)"
  dir="$(mktemp -d /tmp/plugctl-pg.XXXXXX)"
  chmod 0755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /bin/false postgres
    chown postgres: "$dir"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  for attempt in 1 2 3 4 5; do
    port="$(pick_port)"
    if server_start "$dir" "$port" "$bin"; then break; fi
    log "start on port $port failed (attempt $attempt): $(tail -n 3 "$dir/server.log" 2>/dev/null)"
    port=""
  done
  if [ -z "$port" ]; then log "could not start PostgreSQL"; return 1; fi
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE $DB" >/dev/null
  mkdir -p "$STATE_DIR"
  cat >"$STATE" <<STATE_EOF
POSTGRES_DSN=postgres://postgres@127.0.0.1:$port/$DB?sslmode=disable
POSTGRES_PORT=$port
POSTGRES_DIR=$dir
POSTGRES_BIN=$bin
POSTGRES_SOCKET=$dir
STATE_EOF
  log "running on 127.0.0.1:$port (cluster $dir, state $STATE)"
}

stop() {
  [ -f "$STATE" ] || return 0
  # shellcheck disable=SC1090
  . "$STATE"
  if [ -d "$POSTGRES_DIR/data" ]; then
    as_owner "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$POSTGRES_DIR" in /tmp/plugctl-pg.*) rm -rf "$POSTGRES_DIR" ;; esac
  rm -f "$STATE"
  log "stopped"
}

pause() {
  # shellcheck disable=SC1090
  . "$STATE"
  as_owner "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -m fast -w stop >/dev/null
}

resume() {
  # shellcheck disable=SC1090
  . "$STATE"
  server_start "$POSTGRES_DIR" "$POSTGRES_PORT" "$POSTGRES_BIN"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  pause) pause ;;
  resume) resume ;;
  status) if running; then cat "$STATE"; else echo "postgres.sh: not running" >&2; exit 1; fi ;;
  *) echo "usage: $0 start|stop|pause|resume|status" >&2; exit 2 ;;
esac
