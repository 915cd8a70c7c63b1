#!/usr/bin/env bash
# Installs what pinot-export needs on Debian 12 (apt packages; npm test tools from package-lock.json).
# Idempotent: skips what is already installed. Run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
  libthrift-dev libboost-dev libroaring-dev libsnappy-dev libzstd-dev liblz4-dev zlib1g-dev libarchive-dev
  libcli11-dev nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libspdlog-dev libcpp-httplib-dev libavro-dev
  zookeeper libzookeeper-mt-dev
  libgtest-dev libgmock-dev libbenchmark-dev nodejs npm
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere (e.g. a preinstalled Node.js); don't fight it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
pkgs=()
for p in "${missing[@]}"; do [ -n "$p" ] && pkgs+=("$p"); done
if [ ${#pkgs[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
if [ ! -d node_modules/hyparquet ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (test tools)"
  npm ci --no-audit --no-fund --loglevel=error
fi
