#!/usr/bin/env bash
# Installs the Debian packages Redress needs to build, run and test.
# Idempotent: packages already present are skipped, so a second run costs a dpkg query.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkgconf ccache
  libboost1.81-dev libssl-dev
  nlohmann-json3-dev libsqlite3-dev sqlite3 libkainjow-mustache-dev
  libhowardhinnant-date-dev tzdata
  libspdlog-dev libfmt-dev libcli11-dev libsodium-dev
  libtomlplusplus-dev
  zlib1g-dev libcsv-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format wrk curl jq python3
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
