#!/usr/bin/env bash
# tools/fuzz.sh — builds the libFuzzer targets of tests/fuzz (clang, ASan+UBSan, in build-fuzz)
# and fuzzes each one, starting from a copy of its seed corpus tests/fuzz/corpus/<name>/ (the
# copy lives in a temporary folder: the seed corpus in git is never written to).
#
#   tools/fuzz.sh            1,000,000 runs per target
#   tools/fuzz.sh 20000      20,000 runs per target
#   tools/fuzz.sh 30s        30 seconds per target
#
# Prints one line per target: name, executions, wall-clock seconds, executions per second, and
# "ok" or "CRASH <artifact>" (the input that failed, kept under build-fuzz/fuzz-artifacts/<name>/
# with the fuzzer's log beside it). Exits 1 when a target crashed (or failed to run), 2 on bad
# usage. Executions are those of libFuzzer's final "Done N runs in S second(s)" line (after a
# crash, the last "#N" status line: a lower bound).
#
# The build holds the shared build lock (TINHGON_BUILD_LOCK, default /tmp/tg-build.lock; set
# it empty when the caller already holds it, or there is none): the machine's cores are
# shared by whoever builds on it. The runs themselves do not hold it. Needs clang++ and libclang-rt-14-dev (libFuzzer).
# Environment: TINHGON_FUZZ_BUILD_DIR (build-fuzz), TINHGON_JOBS (2), TINHGON_FUZZ_TARGETS
# (names to run, space-separated; default: every tests/fuzz/fuzz_<name>.cc).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${TINHGON_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
JOBS=${TINHGON_JOBS:-2}
LOCK=${TINHGON_BUILD_LOCK-/tmp/tg-build.lock}

log() { printf '[fuzz] %s\n' "$*" >&2; }
usage() {
  echo "usage: tools/fuzz.sh [RUNS | SECONDSs]   e.g. tools/fuzz.sh 1000000, tools/fuzz.sh 30s" >&2
  exit 2
}

(($# <= 1)) || usage
arg=${1:-1000000}
if [[ $arg =~ ^[0-9]+$ ]] && ((arg > 0)); then
  limit=(-runs="$arg")
elif [[ $arg =~ ^([0-9]+)s$ ]] && ((BASH_REMATCH[1] > 0)); then
  limit=(-max_total_time="${BASH_REMATCH[1]}")
else
  usage
fi

if [[ -n ${TINHGON_FUZZ_TARGETS:-} ]]; then
  read -r -a names <<<"$TINHGON_FUZZ_TARGETS"
else
  names=()
  for f in "$ROOT"/tests/fuzz/fuzz_*.cc; do
    n=$(basename "$f" .cc)
    names+=("${n#fuzz_}")
  done
fi
((${#names[@]} > 0)) || { log "no fuzz targets in tests/fuzz"; exit 1; }

if [[ -n $LOCK ]]; then
  exec 9>>"$LOCK"
  if ! flock -n 9; then
    log "waiting for the build lock $LOCK"
    flock 9
  fi
fi

# 1. Configure and build (only the fuzz targets and what they link).
mkdir -p "$BUILD_DIR"
log "configuring $BUILD_DIR"
if ! cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_CXX_COMPILER=clang++ -DTINHGON_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD_DIR/fuzz-configure.log" 2>&1; then
  cat "$BUILD_DIR/fuzz-configure.log" >&2
  log "configure failed"
  exit 1
fi
log "building ${names[*]/#/fuzz_}"
targets=()
for n in "${names[@]}"; do targets+=(--target "fuzz_$n"); done
if ! cmake --build "$BUILD_DIR" -j "$JOBS" "${targets[@]}" >"$BUILD_DIR/fuzz-build.log" 2>&1; then
  tail -n 60 "$BUILD_DIR/fuzz-build.log" >&2
  log "build failed (full log: $BUILD_DIR/fuzz-build.log)"
  exit 1
fi
# The lock guards builds only: fuzzing itself must not keep everyone else from building.
if [[ -n $LOCK ]]; then exec 9>&-; fi

# 2. Fuzz each target from a temporary copy of its seed corpus.
TMP=$(mktemp -d /tmp/tinhgon-fuzz.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ARTIFACTS=$BUILD_DIR/fuzz-artifacts
failed=0
printf '%-12s %12s %9s %9s  %s\n' target executions seconds exec/s result
for n in "${names[@]}"; do
  bin=$BUILD_DIR/tests/fuzz/fuzz_$n
  work=$TMP/$n
  art=$ARTIFACTS/$n
  mkdir -p "$work/corpus" "$art"
  if [[ -d $ROOT/tests/fuzz/corpus/$n ]]; then
    cp -r "$ROOT/tests/fuzz/corpus/$n/." "$work/corpus/"
  fi
  start=$(date +%s.%N)
  rc=0
  (cd "$work" && "$bin" "${limit[@]}" -timeout=30 -artifact_prefix="$art/" -print_final_stats=1 \
    corpus >"$work/log" 2>&1) 9>&- || rc=$?
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  execs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$work/log" | tail -n 1)
  if [[ -z $execs ]]; then
    execs=$(sed -n 's/^#\([0-9]*\)[[:space:]].*/\1/p' "$work/log" | tail -n 1)
  fi
  execs=${execs:-0}
  rate=$(awk -v n="$execs" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
  if ((rc == 0)); then
    result=ok
  else
    failed=1
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -n 1)
    cp "$work/log" "$art/log"
    if [[ -n $artifact ]]; then
      result="CRASH $artifact (log: $art/log)"
    else
      result="FAILED (exit $rc; log: $art/log)"
    fi
  fi
  printf '%-12s %12s %9s %9s  %s\n' "$n" "$execs" "$secs" "$rate" "$result"
done
exit "$failed"
