#!/usr/bin/env bash
# Builds the web assets (staff console, portal script and stylesheet) into web/dist with Vite.
# The `redress` binary embeds web/dist (scripts/embed_web.py), so run this before CMake.
#
#   scripts/build-web.sh
#
# Installs the npm packages from package-lock.json (`npm ci`) when node_modules is missing or
# older than the lock file. Needs Node.js 20.19 or newer and npm.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "build-web: Node.js (>= 20.19) and npm are needed to build the web console;" \
       "install them (e.g. the nodejs package from a Node.js 20+ source) and retry." >&2
  exit 1
fi
version="$(node --version)"  # v20.19.2
IFS=. read -r major minor _ <<<"${version#v}"
if [ "${major:-0}" -lt 20 ] || { [ "$major" -eq 20 ] && [ "${minor:-0}" -lt 19 ]; }; then
  echo "build-web: Node.js ${version} is too old: the web build (Vite) needs Node.js 20.19" \
       "or newer." >&2
  exit 1
fi

stamp=node_modules/.redress-npm-ci
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "build-web: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

npx --no-install vite build --config web/vite.config.js --logLevel warn

# The pages' Content-Security-Policy forbids inline scripts and styles: refuse a build that
# has any (a <script> without src, a <style> element or a style="" attribute).
if grep -En '<script(>| [^>]*>)[^<]|<style|style="' web/dist/*.html >&2; then
  echo "build-web: web/dist has inline scripts or styles, which the CSP blocks" >&2
  exit 1
fi
test -f web/dist/.vite/manifest.json
echo "build-web: web/dist built" >&2
