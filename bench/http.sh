#!/usr/bin/env bash
# HTTP benchmarks (issue 6), all on 127.0.0.1:
#  1. http_server -> drop, loaded by wrk (64 connections, 2 threads, DURATION): requests/s, p99
#     latency and plugctl's peak RSS; once on a listener of its own and once sharing the
#     service's server. Baseline in the same run: wrk against /ping of the same process's
#     server (the Beast server with no pipeline behind it). Target: >= 40,000 requests/s.
#  2. http_client output (max_in_flight 64: at most 64 connections and 64 batches in flight)
#     sending MESSAGES messages (generated in batches of 64, one request each) to a plugctl
#     http_server -> drop: requests/s. Baseline in the same run: wrk with 64 connections
#     against that same server (what it takes from a dedicated load generator).
# The machine is shared and noisy, so the ratios are the figures to compare between runs.
#
# Usage: bench/http.sh [BUILD_DIR] [DURATION] [MESSAGES]
set -euo pipefail
BUILD=${1:-build}
DURATION=${2:-30s}
MESSAGES=${3:-200000}
PLUGCTL=$(realpath "$BUILD/plugctl")
PLUGINS=$(realpath "$BUILD/plugins")
command -v wrk >/dev/null || { echo "wrk is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/plugctl-http-bench.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { # a port nothing answers on, from the ephemeral range's neighbourhood
  local p
  while :; do
    p=$(( 20000 + RANDOM % 20000 ))
    (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
wait_http() { # url status
  for _ in $(seq 1 200); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)
    [ "$code" = "$2" ] && return 0
    sleep 0.05
  done
  echo "no answer $2 from $1" >&2
  exit 1
}
start_plugctl() { # name yaml -> pid in $LAST_PID
  printf '%s' "$2" > "$WORK/$1.yaml"
  "$PLUGCTL" --plugins-dir "$PLUGINS" run "$WORK/$1.yaml" 2> "$WORK/$1.err" &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}
stop_plugctl() { # pid
  kill -TERM "$1"
  wait "$1" || true
}
peak_rss_mib() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 100)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

# run_wrk url [script] -> "rps p99_ms errors"
run_wrk() {
  local args=(-t2 -c64 -d"$DURATION" --latency)
  [ -n "${2:-}" ] && args+=(-s "$2")
  wrk "${args[@]}" "$1" > "$WORK/wrk.out" 2>&1
  awk '
    /Requests\/sec/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); p = v / 1000 }
               else if (v ~ /ms$/) { sub(/ms$/, "", v); p = v }
               else if (v ~ /s$/) { sub(/s$/, "", v); p = v * 1000 } }
    /Non-2xx or 3xx responses/ { err += $5 }
    /Socket errors/ { err += 0 }
    END { printf "%.0f %.2f %d\n", rps, p, err }' "$WORK/wrk.out"
}

report() { # name rps p99 errors rss baseline_rps baseline_name ("-": not measured)
  awk -v n="$1" -v r="$2" -v p="$3" -v e="$4" -v m="$5" -v b="$6" -v bn="$7" 'BEGIN {
    printf "%-44s %9.0f req/s  p99 %7s ms  non-2xx %3s  peak RSS %6s MiB  %5.1f%% of %s\n",
      n, r, p, e, m, 100 * r / b, bn }'
}

echo "wrk: 2 threads, 64 connections, $DURATION per run; 100-byte POST bodies"

# --- 1. http_server -> drop -------------------------------------------------------------------
SP=$(free_port); OP=$(free_port)
start_plugctl server "http:
  address: 127.0.0.1:$SP
input:
  http_server:
    address: 127.0.0.1:$OP
    path: /post
output:
  drop: {}
logger:
  level: WARN
"
SERVER=$LAST_PID
wait_http "http://127.0.0.1:$SP/ready" 200
read -r ping_rps ping_p99 ping_err < <(run_wrk "http://127.0.0.1:$SP/ping")
read -r own_rps own_p99 own_err < <(run_wrk "http://127.0.0.1:$OP/post" "$WORK/post.lua")
own_rss=$(peak_rss_mib "$SERVER")
stop_plugctl "$SERVER"

SP=$(free_port)
start_plugctl shared "http:
  address: 127.0.0.1:$SP
input:
  http_server:
    path: /post
output:
  drop: {}
logger:
  level: WARN
"
SHARED=$LAST_PID
wait_http "http://127.0.0.1:$SP/ready" 200
read -r shared_rps shared_p99 shared_err < <(run_wrk "http://127.0.0.1:$SP/post" "$WORK/post.lua")
shared_rss=$(peak_rss_mib "$SHARED")
stop_plugctl "$SHARED"

report "GET /ping (baseline: server, no pipeline)" "$ping_rps" "$ping_p99" "$ping_err" "-" "$ping_rps" "/ping"
report "http_server -> drop (own address)" "$own_rps" "$own_p99" "$own_err" "$own_rss" "$ping_rps" "/ping"
report "http_server -> drop (service's server)" "$shared_rps" "$shared_p99" "$shared_err" "$shared_rss" "$ping_rps" "/ping"

# --- 2. http_client output -> http_server -> drop ------------------------------------------------
TP=$(free_port)
start_plugctl target "http:
  enabled: false
input:
  http_server:
    address: 127.0.0.1:$TP
    path: /post
output:
  drop: {}
logger:
  level: WARN
"
TARGET=$LAST_PID
wait_http "http://127.0.0.1:$TP/post" 405
read -r base_rps base_p99 base_err < <(run_wrk "http://127.0.0.1:$TP/post" "$WORK/post.lua")
cat > "$WORK/client.yaml" <<YAML
http:
  enabled: false
input:
  generate:
    mapping: root = "$(printf 'x%.0s' $(seq 1 100))"
    count: $MESSAGES
    interval: 0s
    batch_size: 64
output:
  http_client:
    url: http://127.0.0.1:$TP/post
    max_in_flight: 64
logger:
  level: WARN
YAML
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$WORK/client.time" "$PLUGCTL" --plugins-dir "$PLUGINS" run "$WORK/client.yaml" 2> "$WORK/client.err"
end=$(date +%s.%N)
client_rss=$(awk '{ printf "%.1f", $1 / 1024 }' "$WORK/client.time")
client_rps=$(awk -v n="$MESSAGES" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')
stop_plugctl "$TARGET"
report "wrk -> http_server (baseline)" "$base_rps" "$base_p99" "$base_err" "-" "$base_rps" "wrk"
report "http_client ($MESSAGES msgs, max_in_flight 64)" "$client_rps" "-" "-" "$client_rss" "$base_rps" "wrk"
