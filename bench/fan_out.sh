#!/usr/bin/env bash
# Fan-out benchmark: one file input to 3 file outputs through a `broker` with pattern fan_out,
# against the same input to a single file output in the same run (the machine is shared and
# noisy, so the ratio is the figure that matters). Prints messages/s, peak RSS and the ratio.
# Target (issue 4): fan_out to 3 outputs >= 0.6 of the single output's messages/s.
#
# Usage: bench/fan_out.sh [BUILD_DIR] [LINES] [RUNS]
set -euo pipefail
BUILD=${1:-build}
LINES=${2:-5000000}
RUNS=${3:-3}
PLUGCTL=$(realpath "$BUILD/plugctl")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/plugctl-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

line=$(printf 'x%.0s' $(seq 1 99))  # 99 bytes + newline = 100
{ yes "$line" || true; } | head -n "$LINES" > "$WORK/in.txt"

cat > "$WORK/single.yaml" <<YAML
input:
  file:
    paths: [ $WORK/in.txt ]
output:
  file:
    path: $WORK/out0.txt
logger:
  level: WARN
YAML

cat > "$WORK/fan_out.yaml" <<YAML
input:
  file:
    paths: [ $WORK/in.txt ]
output:
  broker:
    pattern: fan_out
    outputs:
      - file:
          path: $WORK/out0.txt
      - file:
          path: $WORK/out1.txt
      - file:
          path: $WORK/out2.txt
logger:
  level: WARN
YAML

median_of() {  # config outputs: runs it RUNS times, checks the outputs, prints "seconds peak_kib"
  local cfg=$1 outs=$2 results=()
  for _ in $(seq 1 "$RUNS"); do
    rm -f "$WORK"/out*.txt
    results+=("$(/usr/bin/time -f '%e %M' -o "$WORK/time" "$PLUGCTL" run "$cfg" && cat "$WORK/time")")
    for i in $(seq 0 $((outs - 1))); do
      cmp -s "$WORK/in.txt" "$WORK/out$i.txt" || { echo "out$i.txt differs from the input" >&2; exit 1; }
    done
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

echo "input: $LINES lines of 100 bytes; median of $RUNS runs"
read -r one_s one_k < <(median_of "$WORK/single.yaml" 1)
read -r fan_s fan_k < <(median_of "$WORK/fan_out.yaml" 3)
awk -v s="$one_s" -v k="$one_k" -v lines="$LINES" 'BEGIN {
  printf "%-28s %7.2f s %12.0f msg/s  peak RSS %6.1f MiB\n", "file -> 1 file output", s, lines / s, k / 1024 }'
awk -v s="$fan_s" -v k="$fan_k" -v b="$one_s" -v lines="$LINES" 'BEGIN {
  printf "%-28s %7.2f s %12.0f msg/s  peak RSS %6.1f MiB  ratio %.2f of one output (target >= 0.6)\n",
    "file -> fan_out to 3 files", s, lines / s, k / 1024, b / s }'
