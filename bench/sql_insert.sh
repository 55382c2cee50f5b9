#!/usr/bin/env bash
# sql_insert benchmark: file -> sql_insert of ROWS small rows (batching 1,000) into PostgreSQL,
# against `psql \copy` of the same rows into the same server in the same run (the baseline: the
# fastest way PostgreSQL's own client loads a file). Prints rows/s of each and the ratio.
# Target (issue 7): sql_insert >= 0.5 of the copy's rows/s. plugctl's own CPU time is printed
# too: on a shared machine the wall-clock figures move with the other load.
#
# Uses the server of tests/services/postgres.sh (started here, and stopped again, when it is not
# running already).
# Usage: bench/sql_insert.sh [BUILD_DIR] [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROWS=${2:-1000000}
RUNS=${3:-3}
PLUGCTL=$(realpath "$BUILD/plugctl")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/plugctl-bench.XXXXXX")
STARTED=""
cleanup() {
  rm -rf "$WORK"
  if [ -n "$STARTED" ]; then tests/services/postgres.sh stop; fi
}
trap cleanup EXIT

if ! tests/services/postgres.sh status >/dev/null 2>&1; then
  tests/services/postgres.sh start
  STARTED=1
fi
DSN=$(sed -n 's/^POSTGRES_DSN=//p' "${PLUGCTL_SERVICES_DIR:-.services}/postgres.env")
PSQL=(psql "$DSN" -XAtq -v ON_ERROR_STOP=1)

# The same rows twice: JSON lines for plugctl, tab-separated text for \copy.
awk -v n="$ROWS" 'BEGIN {
  for (i = 0; i < n; i++) {
    printf "{\"id\":%d,\"name\":\"user-%d\",\"score\":%d.5}\n", i, i, i % 1000 > "'"$WORK"'/rows.jsonl"
    printf "%d\tuser-%d\t%d.5\n", i, i, i % 1000 > "'"$WORK"'/rows.tsv"
  }
}'

cat > "$WORK/insert.yaml" <<YAML
input:
  file:
    paths: [ $WORK/rows.jsonl ]
output:
  sql_insert:
    driver: postgres
    dsn: "$DSN"
    table: bench_plugctl
    columns: [ id, name, score ]
    args_mapping: root = [ this.id, this.name, this.score ]
    batching:
      count: 1000
logger:
  level: WARN
YAML

reset_tables() {
  "${PSQL[@]}" -c "DROP TABLE IF EXISTS bench_copy, bench_plugctl" \
    -c "CREATE TABLE bench_copy (id bigint, name text, score double precision) WITH (autovacuum_enabled = off)" \
    -c "CREATE TABLE bench_plugctl (id bigint, name text, score double precision) WITH (autovacuum_enabled = off)"
}

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
copy_times=() ; plugctl_times=() ; plugctl_cpu=()
for _ in $(seq 1 "$RUNS"); do
  reset_tables
  # Each load starts from a checkpoint, without autovacuum on the bench tables: neither pays for
  # the other's leftovers.
  "${PSQL[@]}" -c "CHECKPOINT"
  t0=$(now)
  "${PSQL[@]}" -c "\\copy bench_copy FROM '$WORK/rows.tsv'"
  t1=$(now)
  "${PSQL[@]}" -c "CHECKPOINT"
  t2=$(now)
  /usr/bin/time -f '%U %S' -o "$WORK/cpu" "$PLUGCTL" run "$WORK/insert.yaml"
  t3=$(now)
  plugctl_cpu+=("$(awk '{ printf "%.2f", $1 + $2 }' "$WORK/cpu")")
  copy_times+=("$(calc "$t1 - $t0")")
  plugctl_times+=("$(calc "$t3 - $t2")")
  for t in bench_copy bench_plugctl; do
    got=$("${PSQL[@]}" -c "SELECT count(*) FROM $t")
    [ "$got" = "$ROWS" ] || { echo "$t holds $got rows, expected $ROWS" >&2; exit 1; }
  done
  diff <("${PSQL[@]}" -c "SELECT md5(string_agg(id || name || score, ',' ORDER BY id)) FROM bench_copy") \
       <("${PSQL[@]}" -c "SELECT md5(string_agg(id || name || score, ',' ORDER BY id)) FROM bench_plugctl") \
    >/dev/null || { echo "the tables differ" >&2; exit 1; }
done
"${PSQL[@]}" -c "DROP TABLE bench_copy, bench_plugctl"

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
copy_s=$(median "${copy_times[@]}")
plugctl_s=$(median "${plugctl_times[@]}")
copy_rate=$(calc "$ROWS / $copy_s")
plugctl_rate=$(calc "$ROWS / $plugctl_s")
echo "sql_insert: $ROWS rows of 3 columns, batching 1000; median of $RUNS runs"
printf '  psql \\copy (baseline):  %8.2f s  %10.0f rows/s\n' "$copy_s" "$copy_rate"
printf '  file -> sql_insert:     %8.2f s  %10.0f rows/s  (plugctl CPU %s s)\n' "$plugctl_s" "$plugctl_rate" "$(median "${plugctl_cpu[@]}")"
# Each run loads with \copy and then with plugctl back to back: the ratio of each pair is the
# figure least moved by the other jobs on the machine; the median of those is the result.
ratios=()
for k in "${!copy_times[@]}"; do ratios+=("$(calc "${copy_times[$k]} / ${plugctl_times[$k]}")"); done
printf '  ratio sql_insert / copy: %.2f (median of the runs'"'"' paired ratios: %s; target >= 0.50)\n' \
  "$(median "${ratios[@]}")" "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')"
