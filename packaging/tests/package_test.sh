#!/usr/bin/env bash
# ctest package_install: the OS packages, built from the existing build tree and installed on
# this machine.
#  1. cpack builds plugctl + plugctl-dev as .deb and as .rpm (into a temporary directory);
#  2. the .rpm files hold exactly the files of the .deb files (dpkg-deb -c vs rpm -qlp), and the
#     expected layout; their metadata: conffile, maintainer scripts, dependencies;
#  3. dpkg -i both .deb files: the plugctl user exists, /usr/bin/plugctl finds the bundled
#     plugins in /usr/lib/plugctl/plugins, the default config lints and runs as that user, the
#     man page renders, the systemd unit verifies (systemd-analyze verify: the unit cannot be
#     started here, systemd is not PID 1);
#  4. examples/vendor-plugin builds against the installed plugctl-dev (find_package(plugctl),
#     and plain pkg-config), its .so goes into /usr/lib/plugctl/plugins, and plugctl list,
#     plugins, lint, create and run use it;
#  5. always, also on failure: the vendor .so is removed and both packages purged; nothing of
#     them may remain (/usr/bin/plugctl, /usr/lib/plugctl, /etc/plugctl, the plugctl user).
# Needs root (or sudo without a password), dpkg, and rpmbuild (Debian's `rpm` package).
# Usage: package_test.sh SOURCE_DIR BUILD_DIR CPACK_COMMAND
set -euo pipefail
SRC=$(readlink -f "$1")
BUILD=$(readlink -f "$2")
CPACK=$3
. "$SRC/packaging/tests/vendor_checks.sh"

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n "$0" "$@"
  fi
  fail "package_test must run as root (it installs the built .deb files with dpkg -i and purges them)"
fi
for tool in dpkg dpkg-deb rpm rpmbuild cmake pkg-config nm setpriv flock; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing (scripts/install-deps.sh installs it)"
done
[ -x "$BUILD/plugctl" ] || fail "no $BUILD/plugctl: build first (ninja -C build)"
[ -f "$BUILD/packaging/plugctl.1.gz" ] || fail "no man page in $BUILD/packaging: build all first (ninja -C build)"

# One run at a time on this machine (several checkouts may run their tests at once).
exec 9>/var/lock/plugctl-package-test.lock
flock -w 900 9 || fail "another package test holds /var/lock/plugctl-package-test.lock"

MARKER=/var/tmp/plugctl-package-test.installed
VENDOR_SO=/usr/lib/plugctl/plugins/libplugctl-acme.so
installed() { # any state but absent or not-installed (config-files counts)
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [ -n "$status" ] && [[ "$status" != *not-installed ]]
}

if installed plugctl || installed plugctl-dev; then
  if [ -f "$MARKER" ]; then
    echo "package_test: purging packages left by an interrupted run"
    rm -f "$VENDOR_SO"
    dpkg --purge plugctl-dev plugctl >/dev/null
  else
    fail "a plugctl package is installed on this machine and this test did not install it; the" \
      "test installs and purges its own, so remove it first: dpkg --purge plugctl-dev plugctl"
  fi
fi
rm -f "$MARKER"
for p in /usr/bin/plugctl /usr/lib/plugctl /etc/plugctl /usr/include/plugctl; do
  [ ! -e "$p" ] || fail "$p exists and belongs to no package (a manual install?): remove it first"
done
getent passwd plugctl >/dev/null && fail "a 'plugctl' user exists outside the package: remove it first"

WORK=$(mktemp -d /tmp/plugctl-package-test.XXXXXX)
chmod 755 "$WORK"

cleanup() {
  local rc=$?
  set +e
  rm -f "$VENDOR_SO"
  if [ -f "$MARKER" ] || installed plugctl || installed plugctl-dev; then
    if ! dpkg --purge plugctl-dev plugctl >"$WORK/purge.log" 2>&1; then
      cat "$WORK/purge.log"
      echo "FAIL: dpkg --purge plugctl-dev plugctl failed" >&2
      rc=1
    fi
    local left
    for left in /usr/bin/plugctl /usr/lib/plugctl /etc/plugctl /usr/include/plugctl \
      /usr/share/cmake/plugctl /usr/lib/systemd/system/plugctl.service /var/lib/plugctl; do
      if [ -e "$left" ]; then
        echo "FAIL: $left is still there after dpkg --purge" >&2
        rc=1
      fi
    done
    if getent passwd plugctl >/dev/null || getent group plugctl >/dev/null; then
      echo "FAIL: the plugctl user or group is still there after dpkg --purge" >&2
      rc=1
    fi
    installed plugctl && { echo "FAIL: plugctl is still installed" >&2; rc=1; }
  fi
  rm -f "$MARKER"
  rm -rf "$WORK"
  [ "$rc" -eq 0 ] && echo "package_test: OK (packages purged)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# --- 1. packages ----------------------------------------------------------------------------
step "cpack -G 'DEB;RPM' from $BUILD"
"$CPACK" -G "DEB;RPM" --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkgs" >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log"; fail "cpack failed"; }
one() { # the single file matching a glob
  local m=("$@")
  [ ${#m[@]} -eq 1 ] && [ -f "${m[0]}" ] || fail "expected one package, found: ${m[*]}"
  echo "${m[0]}"
}
DEB=$(one "$WORK"/pkgs/plugctl_*.deb)
DEB_DEV=$(one "$WORK"/pkgs/plugctl-dev_*_all.deb)
RPM=$(one "$WORK"/pkgs/plugctl-[0-9]*.rpm)
RPM_DEV=$(one "$WORK"/pkgs/plugctl-devel-[0-9]*.noarch.rpm)
ls -l "$WORK/pkgs"/*.deb "$WORK/pkgs"/*.rpm

# --- 2. layout and metadata -------------------------------------------------------------------
deb_files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' | sort; }
rpm_files() { rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$1" | awk '$1 !~ /^d/ { print $2 }' | sort; }

step "layout: the .rpm files hold the same files as the .deb files"
deb_files "$DEB" >"$WORK/deb.files"
deb_files "$DEB_DEV" >"$WORK/deb-dev.files"
rpm_files "$RPM" >"$WORK/rpm.files"
rpm_files "$RPM_DEV" >"$WORK/rpm-dev.files"
diff -u "$WORK/deb.files" "$WORK/rpm.files" || fail "plugctl: dpkg-deb -c and rpm -qlp differ"
diff -u "$WORK/deb-dev.files" "$WORK/rpm-dev.files" || fail "plugctl-dev: dpkg-deb -c and rpm -qlp differ"
has "$(rpm -qlp "$RPM")" -x /usr/lib/plugctl/plugins || fail "the rpm does not own /usr/lib/plugctl/plugins"

step "layout: what each package holds"
cat >"$WORK/expected.files" <<'LIST'
/etc/plugctl/config.yaml
/usr/bin/plugctl
/usr/lib/systemd/system/plugctl.service
/usr/share/man/man1/plugctl.1.gz
LIST
for so in "$BUILD"/plugins/libplugctl-*.so; do # every bundled plugin of this build
  echo "/usr/lib/plugctl/plugins/$(basename "$so")" >>"$WORK/expected.files"
done
sort -o "$WORK/expected.files" "$WORK/expected.files"
grep -q libplugctl-file.so "$WORK/expected.files" || fail "the build has no file plugin"
diff -u "$WORK/expected.files" "$WORK/deb.files" || fail "the plugctl package holds other files"
cat >"$WORK/expected-dev.files" <<'LIST'
/usr/include/plugctl/compat/v1.0/plugctl/plugctl.h
/usr/include/plugctl/compat/v1.1/plugctl/http.h
/usr/include/plugctl/compat/v1.1/plugctl/plugctl.h
/usr/include/plugctl/http.h
/usr/include/plugctl/plugctl.h
/usr/include/plugctl/sdk.hpp
/usr/share/cmake/plugctl/plugctl-config-version.cmake
/usr/share/cmake/plugctl/plugctl-config.cmake
/usr/share/cmake/plugctl/plugctl-targets.cmake
/usr/share/cmake/plugctl/plugctl_plugin.cmake
/usr/share/cmake/plugctl/plugin.map
/usr/share/pkgconfig/plugctl.pc
LIST
diff -u "$WORK/expected-dev.files" "$WORK/deb-dev.files" || fail "plugctl-dev holds other files"

step "metadata: .deb conffile, maintainer scripts, dependencies"
dpkg-deb -e "$DEB" "$WORK/ctrl"
[ "$(cat "$WORK/ctrl/conffiles")" = /etc/plugctl/config.yaml ] || fail "conffiles: $(cat "$WORK/ctrl/conffiles")"
for s in postinst prerm postrm; do [ -x "$WORK/ctrl/$s" ] || fail "the .deb has no executable $s"; done
depends=$(dpkg-deb -f "$DEB" Depends)
echo "Depends: $depends"
has "$depends" libyaml-cpp || fail "Depends lacks the shared libraries (dpkg-shlibdeps)"
has "$depends" -w passwd || fail "Depends lacks passwd (useradd in postinst)"
[ "$(dpkg-deb -f "$DEB_DEV" Architecture)" = all ] || fail "plugctl-dev is not Architecture: all"
has "$(dpkg-deb -f "$DEB_DEV" Depends)" '^plugctl (= ' || fail "plugctl-dev does not depend on plugctl (= version)"

step "metadata: .rpm config file, scriptlets, requirements"
[ "$(rpm -qp --configfiles "$RPM")" = /etc/plugctl/config.yaml ] || fail "rpm config files: $(rpm -qp --configfiles "$RPM")"
rpm -qp --scripts "$RPM" >"$WORK/rpm.scripts"
grep -q 'preinstall scriptlet' "$WORK/rpm.scripts" && grep -q 'useradd --system' "$WORK/rpm.scripts" ||
  fail "the rpm does not create the plugctl user in %pre"
grep -q 'preuninstall scriptlet' "$WORK/rpm.scripts" || fail "the rpm has no %preun"
has "$(rpm -qp --requires "$RPM")" libyaml-cpp || fail "the rpm does not require its shared libraries"
has "$(rpm -qp --requires "$RPM_DEV")" '^plugctl = ' || fail "plugctl-devel does not require plugctl = version"

# --- 3. install --------------------------------------------------------------------------------
step "dpkg -i $(basename "$DEB") $(basename "$DEB_DEV")"
touch "$MARKER"
dpkg -i "$DEB" "$DEB_DEV" >"$WORK/dpkg-i.log" 2>&1 || { cat "$WORK/dpkg-i.log"; fail "dpkg -i failed"; }
[ "$(getent passwd plugctl | cut -d: -f7)" = /usr/sbin/nologin ] || fail "no plugctl system user with a nologin shell"
[ "$(stat -c %U "/var/lib/plugctl")" = plugctl ] || fail "/var/lib/plugctl is not owned by plugctl"

PLUGCTL=/usr/bin/plugctl
unset PLUGCTL_PLUGIN_PATH
# Runs a command as the service user, as the unit does (setpriv execs it: signals reach it).
AS_PLUGCTL=(setpriv --reuid=plugctl --regid=plugctl --init-groups --)
step "$PLUGCTL version, plugins, list: the bundled plugins from /usr/lib/plugctl/plugins"
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$BUILD/CPackConfig.cmake")
has "$($PLUGCTL version)" -x "plugctl $version" || fail "plugctl version does not say $version"
out=$($PLUGCTL plugins)
echo "$out"
has "$(grep -F /usr/lib/plugctl/plugins/libplugctl-file.so <<<"$out")" -w file ||
  fail "plugctl plugins does not show the file plugin from /usr/lib/plugctl/plugins"
out=$($PLUGCTL list)
has "$(grep -E '^ *input' <<<"$out")" -w file || { echo "$out"; fail "plugctl list lacks input file"; }
has "$(grep -E '^ *output' <<<"$out")" -w file || { echo "$out"; fail "plugctl list lacks output file"; }

step "the default config lints, and runs as the plugctl user as the unit runs it"
$PLUGCTL lint /etc/plugctl/config.yaml || fail "the default config has lint errors"
rc=0
(cd /var/lib/plugctl && timeout --preserve-status -s TERM 3 \
  "${AS_PLUGCTL[@]}" $PLUGCTL run /etc/plugctl/config.yaml) >"$WORK/service.out" 2>"$WORK/service.err" || rc=$?
grep -q '"message":"plugctl is running"' "$WORK/service.out" ||
  { cat "$WORK/service.out" "$WORK/service.err"; fail "the default pipeline did not print its heartbeat"; }
[ "$rc" -eq 0 ] || { cat "$WORK/service.err"; fail "plugctl run did not stop cleanly on SIGTERM (exit $rc)"; }

step "a pipeline through the bundled file plugin (the Homebrew formula's test)"
printf 'hello\npackage\n' >"$WORK/in.txt"
cat >"$WORK/pipeline.yaml" <<YAML
input:
  file:
    paths: [ $WORK/in.txt ]
pipeline:
  processors:
    - mapping: root = content().uppercase()
output:
  file:
    path: $WORK/out.txt
YAML
$PLUGCTL lint "$WORK/pipeline.yaml" || fail "lint of the file pipeline reported errors"
timeout 30 $PLUGCTL run "$WORK/pipeline.yaml" >"$WORK/pipeline.log" 2>&1 ||
  { cat "$WORK/pipeline.log"; fail "plugctl run of the file pipeline failed"; }
[ "$(cat "$WORK/out.txt")" = "$(printf 'HELLO\nPACKAGE')" ] || fail "out.txt: $(cat "$WORK/out.txt")"
printf 'input:\n  file:\n    pathz: [ in.txt ]\noutput:\n  stdout: {}\n' >"$WORK/bad.yaml"
rc=0
out=$($PLUGCTL lint "$WORK/bad.yaml" 2>&1) || rc=$?
[ "$rc" -eq 1 ] && has "$out" pathz || { echo "$out"; fail "lint of a misspelt file field: exit $rc"; }

step "man plugctl"
MAN_PAGE=/usr/share/man/man1/plugctl.1.gz
if grep -rqs '^path-exclude=/usr/share/man' /etc/dpkg/dpkg.cfg.d; then
  # A slim image where dpkg skips man pages: read the page from the package instead.
  echo "dpkg excludes /usr/share/man here: checking the man page from the .deb"
  dpkg-deb -x "$DEB" "$WORK/deb-root"
  MAN_PAGE="$WORK/deb-root/usr/share/man/man1/plugctl.1.gz"
else
  [ "$(man -w plugctl)" = "$MAN_PAGE" ] || fail "man -w plugctl: $(man -w plugctl)"
fi
MANWIDTH=100 man -l "$MAN_PAGE" 2>"$WORK/man.err" | col -b >"$WORK/man.txt"
[ ! -s "$WORK/man.err" ] || { cat "$WORK/man.err"; fail "the man page renders with warnings"; }
for want in 'plugctl - declarative stream processor' 'plugctl run' 'plugctl lint' '--plugins-dir' \
  'PLUGCTL_PLUGIN_PATH' '/usr/lib/plugctl/plugins'; do
  grep -qF -- "$want" "$WORK/man.txt" || fail "the man page lacks '$want'"
done

step "systemd unit"
UNIT=/usr/lib/systemd/system/plugctl.service
grep -qx 'ExecStart=/usr/bin/plugctl run /etc/plugctl/config.yaml' "$UNIT" || fail "unit: wrong ExecStart"
grep -qx 'User=plugctl' "$UNIT" || fail "unit: not run as User=plugctl"
if command -v systemd-analyze >/dev/null; then
  # Offline checks of the installed unit: syntax, the binary, man:plugctl(1). Starting it is not
  # possible here (no systemd as PID 1).
  systemd-analyze verify "$UNIT" >"$WORK/verify.log" 2>&1 || { cat "$WORK/verify.log"; fail "systemd-analyze verify failed"; }
  [ ! -s "$WORK/verify.log" ] || { cat "$WORK/verify.log"; fail "systemd-analyze verify warns"; }
else
  echo "systemd-analyze is not installed: only the unit's content was checked"
fi

# --- 4. a vendor plugin against the installed plugctl-dev ----------------------------------------
step "pkg-config plugctl: build the vendor plugin without CMake"
[ "$(pkg-config --modversion plugctl)" = "$version" ] || fail "pkg-config --modversion plugctl"
[ "$(pkg-config --variable=plugindir plugctl)" = /usr/lib/plugctl/plugins ] || fail "pkg-config plugindir"
mkdir -p "$WORK/pc"
# shellcheck disable=SC2046
c++ -std=c++20 -O1 -shared -fPIC -fvisibility=hidden $(pkg-config --cflags plugctl) \
  -Wl,--version-script="$(pkg-config --variable=version_script plugctl)" -Wl,-z,defs \
  -DACME_VERSION='"1.2.0"' -o "$WORK/pc/libplugctl-acme.so" "$SRC"/examples/vendor-plugin/src/*.cpp ||
  fail "building the vendor plugin with pkg-config flags failed"
has "$($PLUGCTL --plugins-dir "$WORK/pc" list processor)" -w acme_redact ||
  fail "the pkg-config build of the vendor plugin does not load"

step "find_package(plugctl) from /usr: build examples/vendor-plugin"
(unset CMAKE_PREFIX_PATH; build_vendor_plugin "$SRC" "$WORK/acme-build" /usr/share/cmake/plugctl)
install -m 0644 "$WORK/acme-build/plugins/libplugctl-acme.so" "$VENDOR_SO"
check_vendor_plugin "$SRC" "$WORK/checks" "$VENDOR_SO" $PLUGCTL

step "plugctl docs and schema document the vendor plugin like the bundled ones"
$PLUGCTL docs --out "$WORK/site" >"$WORK/docs.log" 2>&1 || { cat "$WORK/docs.log"; fail "plugctl docs failed"; }
for page in processors/acme_redact.html outputs/acme_rotating_file.html outputs/file.html; do
  [ -s "$WORK/site/$page" ] || fail "the docs site lacks $page"
done
grep -q 'href="processors/acme_redact.html"' "$WORK/site/index.html" || fail "the docs index lacks acme_redact"
grep -q 'id="plugin-acme"' "$WORK/site/plugins.html" || fail "the plugins page lacks the acme plugin"
$PLUGCTL schema >"$WORK/schema.json" || fail "plugctl schema failed"
grep -q '"acme_rotating_file"' "$WORK/schema.json" || fail "the schema lacks acme_rotating_file"

step "the service user runs the vendor pipeline too"
mkdir -p "$WORK/svc" && cp "$SRC/examples/vendor-plugin/examples/redact_to_rotating.yaml" "$WORK/svc/"
chown -R plugctl:plugctl "$WORK/svc"
(cd "$WORK/svc" && timeout 60 "${AS_PLUGCTL[@]}" $PLUGCTL run redact_to_rotating.yaml) >"$WORK/svc.log" 2>&1 ||
  { cat "$WORK/svc.log"; fail "plugctl run as the plugctl user failed"; }
[ "$(cat "$WORK"/svc/signups.log* | wc -l)" -eq 200 ] || fail "the service user's run did not write 200 lines"
