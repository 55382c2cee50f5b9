#!/usr/bin/env bash
# Kafka benchmark (issue 5): kafka -> kafka through plugctl against a kcat pipe over the same
# data on the same broker, in the same run (the machine is shared and noisy: the ratio is the
# figure that matters). 1,000,000 records of 256 bytes in a 4-partition topic are copied to
# another topic:
#   baseline: kcat -C -e ... | kcat -P ...   (Debian's kcat, librdkafka defaults)
#   plugctl:  input kafka (consumer group, commits) -> output kafka (idempotent, defaults)
# Prints records/s and peak RSS of each, and the ratio. Target: plugctl >= 0.8 of the kcat pipe.
#
# Starts a broker of its own (tests/services/kafka.sh with a temporary KAFKA_STATE_DIR), with
# topic auto-creation at 4 partitions, and stops it at the end.
#
# Usage: bench/kafka.sh [BUILD_DIR] [RECORDS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
N=${2:-1000000}
RUNS=${3:-1}
PLUGCTL=$(realpath "$BUILD/plugctl")
command -v kcat >/dev/null || { echo "kcat not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/plugctl-kafka-bench.XXXXXX")
export KAFKA_STATE_DIR="$WORK/broker"
export KAFKA_EXTRA_PROPERTIES=$'auto.create.topics.enable=true\nnum.partitions=4'
cleanup() {
  tests/services/kafka.sh stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
tests/services/kafka.sh start
# shellcheck disable=SC1091
. "$KAFKA_STATE_DIR/kafka.env"
B=$KAFKA_ADDRESS

# The records: 255 bytes + the newline kcat splits on = 256-byte values.
line=$(printf 'x%.0s' $(seq 1 247))
{ seq -f '%08g' 1 "$N" | sed "s/\$/$line/"; } > "$WORK/data.txt"
kcat -P -b "$B" -t src -X linger.ms=20 -l "$WORK/data.txt"

end_offsets() { # topic -> sum of the end offsets of its 4 partitions
  local sum=0 o
  for p in 0 1 2 3; do
    o=$(kcat -b "$B" -Q -t "$1:$p:-1" 2>/dev/null | awk '{print $NF}')
    sum=$((sum + ${o:-0}))
  done
  echo "$sum"
}
[ "$(end_offsets src)" -eq "$N" ] || { echo "source topic has $(end_offsets src) records, expected $N" >&2; exit 1; }

now() { date +%s.%N; }

run_kcat() { # target topic -> "seconds peak_kib"
  local t0 t1
  t0=$(now)
  /usr/bin/time -f '%M' -o "$WORK/rss.c" kcat -C -b "$B" -t src -o beginning -e -q -f '%s\n' |
    /usr/bin/time -f '%M' -o "$WORK/rss.p" kcat -P -b "$B" -t "$1"
  t1=$(now)
  [ "$(end_offsets "$1")" -ge "$N" ] || { echo "kcat pipe copied $(end_offsets "$1") of $N" >&2; exit 1; }
  echo "$(echo "$t1 - $t0" | bc) $(( $(cat "$WORK/rss.c") + $(cat "$WORK/rss.p") ))"
}

run_plugctl() { # target topic, group -> "seconds peak_kib"
  cat > "$WORK/p.yaml" <<YAML
input:
  kafka:
    addresses: [ "$B" ]
    topics: [ src ]
    consumer_group: $2
output:
  kafka:
    addresses: [ "$B" ]
    topic: $1
logger:
  level: WARN
YAML
  local t0 t1 pid
  t0=$(now)
  /usr/bin/time -f '%M' -o "$WORK/rss.pl" "$PLUGCTL" run "$WORK/p.yaml" &
  pid=$!
  local limit=$((SECONDS + 600))
  while [ "$(end_offsets "$1")" -lt "$N" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "plugctl exited early" >&2; exit 1; }
    if [ $SECONDS -ge $limit ]; then
      pkill -KILL -P "$pid" 2>/dev/null || true
      echo "plugctl copied $(end_offsets "$1") of $N records in 600 s" >&2
      exit 1
    fi
    sleep 0.05
  done
  t1=$(now)
  pkill -TERM -P "$pid" 2>/dev/null || true # /usr/bin/time's child: plugctl
  wait "$pid" || true
  echo "$(echo "$t1 - $t0" | bc) $(cat "$WORK/rss.pl")"
}

median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }

echo "kafka -> kafka: $N records of 256 bytes, 4 partitions, Apache Kafka $KAFKA_VERSION on $B; median of $RUNS run(s)"
kres=(); pres=()
for r in $(seq 1 "$RUNS"); do
  kres+=("$(run_kcat "kcat-$r")")
  pres+=("$(run_plugctl "plugctl-$r" "bench-$r")")
done
read -r ks krss < <(printf '%s\n' "${kres[@]}" | median)
read -r ps prss < <(printf '%s\n' "${pres[@]}" | median)
krate=$(echo "$N / $ks" | bc)
prate=$(echo "$N / $ps" | bc)
printf '  kcat -C | kcat -P : %6.2f s  %9d records/s  peak RSS %6d KiB (both processes)\n' "$ks" "$krate" "$krss"
printf '  plugctl           : %6.2f s  %9d records/s  peak RSS %6d KiB\n' "$ps" "$prate" "$prss"
printf '  ratio plugctl / kcat pipe: %.2f (target >= 0.80)\n' "$(echo "scale=4; $prate / $krate" | bc)"
