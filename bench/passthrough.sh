#!/usr/bin/env bash
# Passthrough benchmark: 10,000,000 lines of 100 bytes through plugctl, stdin -> stdout and
# file -> file, against `cat` on the same input in the same run (the machine is shared and noisy,
# so the ratio is the figure that matters). Prints messages/s, peak RSS and the ratios.
# Targets (issue 2): >= 25% of cat's throughput, peak RSS < 64 MiB.
#
# Usage: bench/passthrough.sh [BUILD_DIR] [LINES] [RUNS]
set -euo pipefail
BUILD=${1:-build}
LINES=${2:-10000000}
RUNS=${3:-3}
PLUGCTL=$(realpath "$BUILD/plugctl")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/plugctl-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

line=$(printf 'x%.0s' $(seq 1 99))  # 99 bytes + newline = 100
{ yes "$line" || true; } | head -n "$LINES" > "$WORK/in.txt"
bytes=$(stat -c %s "$WORK/in.txt")

cat > "$WORK/file.yaml" <<YAML
input:
  file:
    paths: [ $WORK/in.txt ]
output:
  file:
    path: $WORK/out.txt
logger:
  level: WARN
YAML

# median_of "cmd": runs it RUNS times, prints "seconds peak_kib" of the median run.
median_of() {
  local cmd=$1 results=()
  for _ in $(seq 1 "$RUNS"); do
    rm -f "$WORK/out.txt"
    sync
    results+=("$(/usr/bin/time -f '%e %M' -o "$WORK/time" bash -c "$cmd" && cat "$WORK/time")")
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

check() {
  cmp -s "$WORK/in.txt" "$WORK/out.txt" || { echo "output differs from input" >&2; exit 1; }
}

report() {  # name seconds kib baseline_seconds baseline_name
  awk -v n="$1" -v s="$2" -v k="$3" -v b="$4" -v bn="$5" -v lines="$LINES" -v bytes="$bytes" 'BEGIN {
    printf "%-34s %7.2f s %12.0f msg/s %8.1f MiB/s  peak RSS %6.1f MiB  %5.1f%% of %s\n",
      n, s, lines / s, bytes / s / 1048576, k / 1024, 100 * b / s, bn }'
}

echo "input: $LINES lines, $bytes bytes; median of $RUNS runs"
read -r cat_s cat_k < <(median_of "cat '$WORK/in.txt' > '$WORK/out.txt'"); check
read -r catsync_s catsync_k < <(median_of "cat '$WORK/in.txt' > '$WORK/out.txt' && sync '$WORK/out.txt'"); check
read -r pipe_s pipe_k < <(median_of "cat '$WORK/in.txt' | cat > '$WORK/out.txt'"); check
read -r ss_s ss_k < <(median_of "cat '$WORK/in.txt' | '$PLUGCTL' 2>/dev/null > '$WORK/out.txt'"); check
read -r ff_s ff_k < <(median_of "'$PLUGCTL' run '$WORK/file.yaml'"); check

report "cat file > file" "$cat_s" "$cat_k" "$cat_s" "cat"
report "cat file > file && sync" "$catsync_s" "$catsync_k" "$cat_s" "cat"
report "cat | cat > file" "$pipe_s" "$pipe_k" "$pipe_s" "cat|cat"
report "plugctl stdin -> stdout (cat|plugctl)" "$ss_s" "$ss_k" "$pipe_s" "cat|cat"
report "plugctl file -> file (fdatasync)" "$ff_s" "$ff_k" "$cat_s" "cat"
awk -v f="$ff_s" -v c="$catsync_s" 'BEGIN { printf "%-34s %5.1f%% of cat + sync\n", "plugctl file -> file", 100 * c / f }'
