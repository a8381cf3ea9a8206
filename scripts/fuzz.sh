#!/usr/bin/env bash
# Builds the libFuzzer target of the mail parsing path with clang (tests/fuzz), replays the
# corpus in the repository (tests/fuzz/corpus/mail), then fuzzes for SECONDS (default 60).
# New inputs go to a temporary folder, never into the repository. Exit status non-zero on a
# crash, a leak, a timeout or undefined behaviour; the reproducer's path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_FUZZ=${1:-60}
CXX_BIN=$(command -v clang++ || command -v clang++-14 || true)
if [ -z "$CXX_BIN" ]; then
  echo "fuzz: clang++ is missing (scripts/install-deps.sh installs clang)" >&2
  exit 1
fi
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
cmake -S tests/fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER="$CXX_BIN" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "${JOBS:-$(nproc)}"
FUZZER=build-fuzz/mail_parse_fuzz
CORPUS=tests/fuzz/corpus/mail
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
echo "== fuzz: replaying $(ls "$CORPUS" | wc -l) corpus inputs"
"$FUZZER" -runs=0 "$CORPUS" 2>&1 | tail -3
echo "== fuzz: $SECONDS_TO_FUZZ s"
cp "$CORPUS"/* "$WORK"/
if ! "$FUZZER" "$WORK" -dict=tests/fuzz/mail.dict -max_total_time="$SECONDS_TO_FUZZ" \
     -max_len=65536 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$WORK/" \
     -print_final_stats=1 >"$WORK/fuzz.log" 2>&1; then
  tail -40 "$WORK/fuzz.log"
  mkdir -p build-fuzz/artifacts
  cp "$WORK"/crash-* "$WORK"/leak-* "$WORK"/timeout-* build-fuzz/artifacts/ 2>/dev/null || true
  echo "fuzz: FAILED; reproducers in build-fuzz/artifacts" >&2
  exit 1
fi
grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$WORK/fuzz.log" || true
echo "fuzz: passed"
