#!/usr/bin/env bash
# End to end: `plugctl run` with stdin -> mapping -> stdout over generated ~1 KiB JSON documents,
# with 1 and 2 pipeline threads: messages/s and peak RSS. Target: >= 250,000 messages/s with 2
# threads. Usage: bench/bloblang_e2e.sh [BUILD_DIR] [DOCS]
set -euo pipefail
BUILD=${1:-build}
DOCS=${2:-1000000}
PLUGCTL=$(realpath "$BUILD/plugctl")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/plugctl-blbench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

python3 - "$DOCS" > "$WORK/in.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
notes = "".join(f"note number {k} for document, " for k in range(25))
base = [json.dumps({"id": i, "user": {"name": f"User Name {i}", "email": f"User{i}@Example.COM",
        "roles": ["admin", "dev"]}, "price": 10 + i % 90 + 0.5, "quantity": i % 25,
        "status": "A" if i % 3 == 0 else "I", "created_at": f"2024-03-0{1 + i % 9}T10:20:30Z",
        "tags": ["a", "b", "c", "d"], "address": {"city": "Lisbon", "zip": "1000-001",
        "street": f"Rua Augusta {i}"}, "notes": notes,
        "extra": {"k1": 1, "k2": [1, 2, 3], "k3": {"x": True}}}, separators=(",", ":"))
        for i in range(1000)]
out = sys.stdout
for i in range(n):
    out.write(base[i % 1000]); out.write("\n")
PY

for threads in 1 2; do
  cat > "$WORK/c.yaml" <<YAML
pipeline:
  threads: $threads
  processors:
    - mapping: |
        root.id = this.id
        root.user_name = this.user.name.uppercase()
        root.email = this.user.email.lowercase()
        root.total = this.price * this.quantity
        root.discounted = (this.price * 0.9).round()
        root.status = match this.status {
          "A" => "active"
          "I" => "inactive"
          _ => "unknown"
        }
        root.created = this.created_at.ts_format("2006-01-02")
        root.tags = this.tags.join(",")
        root.address = {"city": this.address.city, "zip": this.address.zip}
        root.is_big = this.quantity > 10
logger:
  level: WARN
YAML
  /usr/bin/time -f '%e %M' -o "$WORK/time" "$PLUGCTL" run "$WORK/c.yaml" < "$WORK/in.jsonl" > "$WORK/out.jsonl"
  read -r secs kib < "$WORK/time"
  lines=$(wc -l < "$WORK/out.jsonl")
  awk -v t="$threads" -v s="$secs" -v k="$kib" -v n="$DOCS" -v l="$lines" 'BEGIN {
    printf "plugctl run, stdin -> mapping -> stdout, %d thread(s): %d docs in %.2f s = %.0f msg/s, peak RSS %.1f MiB (%d lines out)\n",
      t, n, s, n / s, k / 1024, l }'
done
