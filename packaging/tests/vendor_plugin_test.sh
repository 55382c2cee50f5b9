#!/usr/bin/env bash
# ctest vendor_plugin_prefix: builds examples/vendor-plugin, as a vendor would, against
#  1. the build tree (CMAKE_PREFIX_PATH=<build>: its plugctl-config.cmake), and
#  2. an install tree of the dev component only (cmake --install --component dev --prefix P),
#     which is what the plugctl-dev package holds (also checked: its plugctl.pc),
# then checks that build/plugctl loads it and that list, lint, create and run use it.
# Needs no root. Usage: vendor_plugin_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
SRC=$(readlink -f "$1")
BUILD=$(readlink -f "$2")
. "$SRC/packaging/tests/vendor_checks.sh"

[ -x "$BUILD/plugctl" ] || fail "no $BUILD/plugctl: build plugctl first"
WORK=$(mktemp -d /tmp/plugctl-vendor-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
unset PLUGCTL_PLUGIN_PATH CMAKE_PREFIX_PATH

step "build tree: find_package(plugctl) with CMAKE_PREFIX_PATH=$BUILD"
build_vendor_plugin "$SRC" "$WORK/bt" "$BUILD" -DCMAKE_PREFIX_PATH="$BUILD"
check_vendor_plugin "$SRC" "$WORK/bt-checks" "$WORK/bt/plugins/libplugctl-acme.so" \
  "$BUILD/plugctl" --plugins-dir "$WORK/bt/plugins"

step "install tree: cmake --install --component dev --prefix $WORK/prefix"
cmake --install "$BUILD" --component dev --prefix "$WORK/prefix" >"$WORK/install.log" ||
  { cat "$WORK/install.log"; fail "cmake --install --component dev failed"; }
(cd "$WORK/prefix" && find . -type f | sed 's|^\.||' | sort) >"$WORK/dev-files"
cat >"$WORK/dev-expected" <<'LIST'
/include/plugctl/compat/v1.0/plugctl/plugctl.h
/include/plugctl/compat/v1.1/plugctl/http.h
/include/plugctl/compat/v1.1/plugctl/plugctl.h
/include/plugctl/http.h
/include/plugctl/plugctl.h
/include/plugctl/sdk.hpp
/share/cmake/plugctl/plugctl-config-version.cmake
/share/cmake/plugctl/plugctl-config.cmake
/share/cmake/plugctl/plugctl-targets.cmake
/share/cmake/plugctl/plugctl_plugin.cmake
/share/cmake/plugctl/plugin.map
/share/pkgconfig/plugctl.pc
LIST
diff -u "$WORK/dev-expected" "$WORK/dev-files" || fail "the dev component holds other files"

step "plugctl.pc names the install prefix"
export PKG_CONFIG_PATH="$WORK/prefix/share/pkgconfig"
cflags=$(pkg-config --cflags plugctl)
[ "${cflags% }" = "-I$WORK/prefix/include" ] || fail "pkg-config --cflags plugctl: $cflags"
[ -f "$(pkg-config --variable=version_script plugctl)" ] ||
  fail "pkg-config version_script $(pkg-config --variable=version_script plugctl) is missing"
[ "$(pkg-config --variable=plugindir plugctl)" = "$WORK/prefix/lib/plugctl/plugins" ] ||
  fail "pkg-config plugindir: $(pkg-config --variable=plugindir plugctl)"
unset PKG_CONFIG_PATH

step "install tree: find_package(plugctl) with CMAKE_PREFIX_PATH=$WORK/prefix"
build_vendor_plugin "$SRC" "$WORK/it" "$WORK/prefix/share/cmake/plugctl" \
  -DCMAKE_PREFIX_PATH="$WORK/prefix"
out=$("$BUILD/plugctl" --plugins-dir "$WORK/it/plugins" list processor)
has "$out" -w acme_redact || { echo "$out"; fail "the install-tree build does not load"; }

step "install tree: a plain-C project, against the frozen ABI 1.0 header (plugctl::abi_v1_0)"
mkdir -p "$WORK/cproj"
cat >"$WORK/cproj/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(c_vendor LANGUAGES C)
find_package(plugctl REQUIRED)
find_package(Threads REQUIRED)
plugctl_add_plugin(cvendor SOURCES $SRC/tests/plugins/c_plugin.c C ABI plugctl::abi_v1_0
  DEPS Threads::Threads)
target_compile_definitions(plugctl-plugin-cvendor PRIVATE C_PLUGIN_NAME="cvendor")
target_compile_options(plugctl-plugin-cvendor PRIVATE -Wall -Wextra -pedantic -Werror)
CMAKE
cmake -S "$WORK/cproj" -B "$WORK/cproj-build" -G "Unix Makefiles" -DCMAKE_PREFIX_PATH="$WORK/prefix" \
  >"$WORK/cproj.log" 2>&1 && cmake --build "$WORK/cproj-build" >>"$WORK/cproj.log" 2>&1 ||
  { cat "$WORK/cproj.log"; fail "the C plugin does not build against plugctl::abi_v1_0"; }
grep -q "$WORK/prefix/include/plugctl/compat/v1.0" "$WORK/cproj-build/CMakeFiles/plugctl-plugin-cvendor.dir/flags.make" ||
  fail "the C plugin was not compiled against include/plugctl/compat/v1.0"
out=$("$BUILD/plugctl" --plugins-dir "$WORK/cproj-build/plugins" plugins)
has "$(grep -w cvendor <<<"$out")" -w loaded || { echo "$out"; fail "the C plugin does not load"; }

echo "vendor_plugin_test: OK"
