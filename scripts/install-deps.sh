#!/usr/bin/env bash
# Installs the Debian packages Redress needs to build, run and test.
# Idempotent: packages already present are skipped, so a second run costs a dpkg query.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkgconf ccache
  libboost1.81-dev libssl-dev
  nlohmann-json3-dev libsimdjson-dev libsqlite3-dev sqlite3 libkainjow-mustache-dev
  libpq-dev postgresql-15 haproxy libjemalloc-dev
  libhowardhinnant-date-dev tzdata
  libspdlog-dev libfmt-dev libcli11-dev libsodium-dev
  libtomlplusplus-dev
  zlib1g-dev libcsv-dev libzip-dev liblz4-dev
  libvmime-dev libgumbo-dev libcurl4-openssl-dev python3-aiosmtpd
  clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format wrk valgrind curl jq python3
  chromium
  weasyprint
)

# The web console's build (scripts/build-web.sh: Vite) and its browser tests need Node.js 20.19
# or newer with npm; Debian 12's own nodejs is too old, so it is not installed from here.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  node_version="$(node --version)"
  IFS=. read -r node_major node_minor _ <<<"${node_version#v}"
  if [ "${node_major:-0}" -lt 20 ] || { [ "$node_major" -eq 20 ] && [ "${node_minor:-0}" -lt 19 ]; }; then
    echo "install-deps: Node.js ${node_version} is too old for the web console build: install" \
         "Node.js 20.19 or newer (with npm)." >&2
  fi
else
  echo "install-deps: node and npm are missing: install Node.js 20.19 or newer (with npm) to" \
       "build the web console (scripts/build-web.sh) and run its browser tests." >&2
fi

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
