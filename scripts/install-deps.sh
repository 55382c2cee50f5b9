#!/usr/bin/env bash
# Installs the Debian 12 packages plugctl needs to build and test, skipping those present.
# Usage: scripts/install-deps.sh   (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang-format time
  libboost1.81-dev libboost-json1.81-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev prometheus-cpp-dev libcli11-dev
  libcurl4-openssl-dev librdkafka-dev libpq-dev libssl-dev libre2-dev libhowardhinnant-date-dev
  libxxhash-dev zlib1g-dev libzstd-dev liblz4-dev libsnappy-dev tzdata
  libgoogle-perftools-dev
  maven default-jre-headless iproute2 kcat
  libgtest-dev libgmock-dev libbenchmark-dev abigail-tools
  # tests of the docs site and the schema: headless Chromium, a JSON Schema validator
  chromium python3-jsonschema python3-yaml
  # packaging and its tests
  rpm file dpkg-dev man-db bsdextrautils systemd
  # the HTTP plugin's benchmark and TLS tests
  wrk openssl
  # the SQL plugin's tests: a throw-away PostgreSQL server
  postgresql postgresql-client
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
