# Shared by package_test.sh and vendor_plugin_test.sh (sourced, bash): checks that a plugctl
# loads the example vendor plugin (examples/vendor-plugin, libplugctl-acme.so) and that list,
# plugins, lint, create and run all use it.

# has TEXT GREP_ARGS...: grep on a string (a here-string: `echo | grep -q` can fail under
# pipefail when grep exits before echo has written everything).
has() {
  local text="$1"
  shift
  grep "$@" <<<"$text" >/dev/null
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo "--- $*"; }

# Configures and builds examples/vendor-plugin into BUILD_DIR with extra cmake arguments; checks
# that find_package(plugctl) resolved to EXPECTED_DIR (the plugctl_DIR it must use).
build_vendor_plugin() {
  local src="$1" build_dir="$2" expected_dir="$3"
  shift 3
  local gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$src/examples/vendor-plugin" -B "$build_dir" "${gen[@]}" "${launcher[@]}" \
    -DCMAKE_BUILD_TYPE=Release "$@" >"$build_dir.configure.log" 2>&1 ||
    { cat "$build_dir.configure.log"; fail "configuring examples/vendor-plugin failed"; }
  local found
  found=$(sed -n 's/^plugctl_DIR:PATH=//p' "$build_dir/CMakeCache.txt")
  [ "$(readlink -f "$found")" = "$(readlink -f "$expected_dir")" ] ||
    fail "find_package(plugctl) used '$found', expected '$expected_dir'"
  cmake --build "$build_dir" >"$build_dir.build.log" 2>&1 ||
    { cat "$build_dir.build.log"; fail "building examples/vendor-plugin failed"; }
  [ -f "$build_dir/plugins/libplugctl-acme.so" ] ||
    fail "no $build_dir/plugins/libplugctl-acme.so after the build"
  # Only the entry point is exported (plugctl_add_plugin's version script).
  local exported
  exported=$(nm -D --defined-only "$build_dir/plugins/libplugctl-acme.so" | awk '{ print $3 }' |
    grep -v '^$' | sort -u | tr '\n' ' ')
  [ "$exported" = "plugctl_plugin_entry_v1 " ] ||
    fail "libplugctl-acme.so exports more than the entry point: $exported"
}

# check_vendor_plugin SRC WORK EXPECTED_SO PLUGCTL [global plugctl args...]
check_vendor_plugin() {
  local src="$1" work="$2" expected_so="$3"
  shift 3
  local pc=("$@") out
  mkdir -p "$work"

  step "plugctl plugins: acme is loaded from $expected_so"
  out=$("${pc[@]}" plugins 2>&1) || { echo "$out"; fail "plugctl plugins failed"; }
  has "$(grep -F "$expected_so" <<<"$out")" -w acme ||
    { echo "$out"; fail "plugctl plugins does not show acme from $expected_so"; }
  has "$out" -iE 'acme.*(fail|error)' && { echo "$out"; fail "acme failed to load"; }

  step "plugctl list: the vendor components beside the bundled ones"
  out=$("${pc[@]}" list processor) || fail "plugctl list processor failed"
  has "$out" -w acme_redact || { echo "$out"; fail "list processor lacks acme_redact"; }
  out=$("${pc[@]}" list output) || fail "plugctl list output failed"
  has "$out" -w acme_rotating_file ||
    { echo "$out"; fail "list output lacks acme_rotating_file"; }
  has "$out" -w file || { echo "$out"; fail "list output lacks the bundled file output"; }
  out=$("${pc[@]}" list --format json) || fail "plugctl list --format json failed"
  has "$out" '"acme_redact"' || fail "list --format json lacks acme_redact"

  step "plugctl lint: the example config is clean, mistakes are named"
  "${pc[@]}" lint "$src/examples/vendor-plugin/examples/redact_to_rotating.yaml" ||
    fail "lint of examples/vendor-plugin/examples/redact_to_rotating.yaml reported errors"
  cat >"$work/bad.yaml" <<'YAML'
input:
  generate:
    count: 1
    mapping: root = "x"
pipeline:
  processors:
    - acme_redact:
        patternz: [ 'x' ]
output:
  acme_rotating_file:
    max_bytes: 10
YAML
  local rc=0
  out=$("${pc[@]}" lint "$work/bad.yaml" 2>&1) || rc=$?
  [ "$rc" -eq 1 ] || { echo "$out"; fail "lint of a bad vendor config exited $rc, expected 1"; }
  has "$out" 'patternz' || { echo "$out"; fail "lint does not name the misspelt field"; }
  has "$out" 'patterns' || { echo "$out"; fail "lint does not suggest 'patterns'"; }
  has "$out" 'path' || { echo "$out"; fail "lint does not name the missing 'path'"; }

  step "plugctl create: a skeleton from the vendor specs, whose vendor parts lint clean"
  "${pc[@]}" create generate/acme_redact/acme_rotating_file >"$work/skeleton.yaml" ||
    fail "plugctl create generate/acme_redact/acme_rotating_file failed"
  grep -q 'path: /var/lib/plugctl/events.log' "$work/skeleton.yaml" ||
    { cat "$work/skeleton.yaml"; fail "the skeleton lacks acme_rotating_file's example path"; }
  grep -q 'replacement: "\[REDACTED\]"' "$work/skeleton.yaml" ||
    { cat "$work/skeleton.yaml"; fail "the skeleton lacks acme_redact's default replacement"; }
  # (the generate input's empty mapping in a skeleton is the core's business, not checked here)
  out=$("${pc[@]}" lint "$work/skeleton.yaml" 2>&1) || true
  has "$out" acme_ && { echo "$out"; fail "the skeleton's acme parts do not lint clean"; }

  step "plugctl run: generate -> acme_redact -> acme_rotating_file"
  local run_dir="$work/run"
  rm -rf "$run_dir" && mkdir -p "$run_dir"
  cp "$src/examples/vendor-plugin/examples/redact_to_rotating.yaml" "$run_dir/"
  (cd "$run_dir" && timeout 60 "${pc[@]}" run redact_to_rotating.yaml) >"$work/run.log" 2>&1 ||
    { cat "$work/run.log"; fail "plugctl run of the vendor pipeline failed"; }
  [ -f "$run_dir/signups.log.1" ] || fail "the output did not rotate (no signups.log.1)"
  local f
  for f in "$run_dir"/signups.log*; do
    [ "$(stat -c %s "$f")" -le 4096 ] || fail "$f is larger than max_bytes (4096)"
  done
  cat "$run_dir"/signups.log* >"$work/all.jsonl"
  [ "$(wc -l <"$work/all.jsonl")" -eq 200 ] ||
    fail "expected 200 lines across signups.log*, got $(wc -l <"$work/all.jsonl")"
  [ "$(grep -o '"id":[0-9]*' "$work/all.jsonl" | sort -u | wc -l)" -eq 200 ] ||
    fail "the 200 ids are not all there exactly once"
  grep -q '@' "$work/all.jsonl" && fail "an e-mail address was not redacted"
  grep -qE '4111' "$work/all.jsonl" && fail "a card number was not redacted"
  [ "$(grep -c '"redactions":2[,}]' "$work/all.jsonl")" -eq 200 ] ||
    { head -3 "$work/all.jsonl"; fail "not every line records 2 redactions"; }

  step "plugctl run: a pattern that does not compile is refused, naming the field"
  cat >"$work/badpattern.yaml" <<'YAML'
input:
  generate:
    count: 1
    mapping: root = "x"
pipeline:
  processors:
    - acme_redact:
        patterns: [ 'ok', '(unclosed' ]
output:
  drop: {}
YAML
  rc=0
  out=$(cd "$work" && timeout 30 "${pc[@]}" run badpattern.yaml 2>&1) || rc=$?
  [ "$rc" -ne 0 ] || { echo "$out"; fail "a bad pattern did not stop plugctl run"; }
  has "$out" 'patterns/1' || { echo "$out"; fail "the error does not name /patterns/1"; }
}
