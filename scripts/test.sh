#!/usr/bin/env bash
# `make test`: builds the web assets, Release and ASan+UBSan, runs every tier (unit, contract,
# api, e2e in Chromium, crash, multinode) on Release and unit, contract and api (but for the
# bench suite) on the sanitizer build, then prints the time of each step and one closing line
# "N passed, N failed". Exit status is non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
# Paths relative to the checkout, so a fresh clone reuses what ccache compiled for another.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
# The sanitizer build has line tables (-g1); without this ccache would key them on the build
# directory and never share them between clones.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
LOGDIR=${LOGDIR:-build-logs}
mkdir -p "$LOGDIR"

passed=0
failed=0
skipped=0
status=0
# What failed, repeated just before the closing line: CI shows the end of the output.
failures=()
# The end of each failed test's own output, printed with that list for the same reason.
failure_tails=()
# How long each step took, printed at the end: CI has a budget, and this says where it goes.
timings=()
step_started=$SECONDS
timed() {  # name: the time since the last step ended, recorded under `name`
  timings+=("$(printf '%5d s  %s' $((SECONDS - step_started)) "$1")")
  step_started=$SECONDS
}

# The last $2 lines a failed test printed, from a ctest log run with --output-on-failure:
# what follows the test's "***Failed" (or "***Timeout", "***Exception") line, up to the next
# test's line or ctest's summary.
failed_output_tail() {  # log, lines, test number
  awk -v n="$3" '
    $0 ~ ("Test +#" n ": ") && /\*\*\*|Failed|Timeout/ { on = 1; next }
    on && (/^ *Start +[0-9]+: / || /^[0-9]+\/[0-9]+ Test +#/ || /tests passed, /) { exit }
    on { print }
  ' "$1" | tail -n "$2"
}

build() {  # dir, cmake's settings... [-- the targets to build; all without]
  local dir=$1
  shift
  local settings=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    settings+=("$1")
    shift
  done
  [ $# -gt 0 ] && shift
  local targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  cmake -S . -B "$dir" -G Ninja "${settings[@]}" >/dev/null || return 1
  cmake --build "$dir" -j "$JOBS" "${targets[@]}" || return 1
}

run_ctest() {  # dir, label regex, name[, label regex of tests to leave out]
  local dir=$1 labels=$2 name=$3 without=${4:-}
  local log="$LOGDIR/ctest-$name.log"
  local select=(-L "$labels")
  [ -n "$without" ] && select+=(-LE "$without")
  echo "== $name: ctest ${select[*]} in $dir"
  (cd "$dir" && ctest "${select[@]}" --output-on-failure -j "$JOBS" --timeout 900) 2>&1 | tee "$log"
  local line
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "!! $name: ctest printed no summary"
    failures+=("$name: ctest printed no summary")
    failed=$((failed + 1))
    status=1
    return
  fi
  local total fails skips
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  fails=$(sed -E 's/.*, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  skips=$(grep -c '(Skipped)$' "$log" || true)
  passed=$((passed + total - fails - skips))
  failed=$((failed + fails))
  skipped=$((skipped + skips))
  if [ "$fails" -ne 0 ]; then
    status=1
    local t
    while IFS= read -r t; do
      failures+=("$name: $t")
      failure_tails+=("== $name: $t, the end of its output:"
                      "$(failed_output_tail "$log" 40 "${t%% *}")")
    done < <(sed -n '/The following tests FAILED:/,/^$/p' "$log" | grep -E '^[[:space:]]+[0-9]+ - ' |
             sed -E 's/^[[:space:]]+//')
  fi
}

echo "== building the web assets"
if ! bash scripts/build-web.sh; then
  echo "!! web build failed"
  failures+=("web build")
  failed=$((failed + 1))
  status=1
fi
timed "web assets"

echo "== building Release"
if build build -DCMAKE_BUILD_TYPE=Release; then
  timed "Release build"
  run_ctest build 'lint|unit|contract|api|e2e|crash|multinode' release
  timed "Release tests"
else
  timed "Release build (failed)"
  echo "!! Release build failed"
  failures+=("Release build")
  failed=$((failed + 1))
  status=1
fi

# Fuzz tier: the mail parsing path under libFuzzer (clang), corpus replayed, then 30 s.
echo "== fuzz: scripts/fuzz.sh 30"
if bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}" 2>&1 | tee "$LOGDIR/fuzz.log"; then
  passed=$((passed + 1))
else
  echo "!! fuzz failed"
  failures+=("fuzz: see $LOGDIR/fuzz.log")
  failed=$((failed + 1))
  status=1
fi
timed "fuzz (clang build, corpus, ${FUZZ_SECONDS:-30} s)"

echo "== building ASan+UBSan"
# Without the benchmark programs and the shortened bench suite (label bench), which the Release
# build runs: under the sanitizers it took 75 s of a 7-minute tier, alone, for a harness whose
# server code the api tier covers there.
if build build-asan -DCMAKE_BUILD_TYPE=Debug -DREDRESS_SANITIZE=ON -- redress unit_tests contract_tests; then
  timed "ASan+UBSan build"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_ctest build-asan 'unit|contract|api' asan bench
  timed "ASan+UBSan tests"
else
  timed "ASan+UBSan build (failed)"
  echo "!! sanitizer build failed"
  failures+=("sanitizer build")
  failed=$((failed + 1))
  status=1
fi

echo "== time by step ($SECONDS s in all):"
printf '%s\n' "${timings[@]}"
if [ ${#failures[@]} -gt 0 ]; then
  if [ ${#failure_tails[@]} -gt 0 ]; then
    printf '%s\n' "${failure_tails[@]}"
  fi
  echo "== failed:"
  printf '!! %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
