#!/usr/bin/env bash
# tools/registry_model.sh — the org registry's model-based test (services/org_registry/
# registry_model_pgtest.cc) over many seeds: random histories of changes applied through the
# use case on PostgreSQL, every answer and read checked against the model of the rules. Prints
# the seeds run, the operations (accepted, refused), the checks that held, the failures (each
# with its seed and minimal sequence of operations) and the time taken. Not part of tests/run
# (ctest runs the 6 default seeds).
#
# Usage: tools/registry_model.sh [SEEDS (200)] [OPS per seed (150)] [FIRST SEED (1)]
# Needs $TINHGON_BUILD_DIR (default build) with the target org_registry_model_pgtest. Uses the
# PostgreSQL in TINHGON_TEST_PG when set (e.g. the dev cluster), else a throwaway cluster on a
# free port, removed on exit (as tests/run does; run as root). Exits 1 when a seed failed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TG_LOG_TAG=registry_model
# shellcheck source=deploy/local/pg.sh
source "$ROOT/deploy/local/pg.sh"
BUILD=${TINHGON_BUILD_DIR:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
SEEDS=${1:-200}
OPS=${2:-150}
FIRST=${3:-1}
BIN=$BUILD/services/org_registry/org_registry_model_pgtest
[[ -x $BIN ]] || tg_die "$BIN is missing: cmake --build $BUILD -j2 --target org_registry_model_pgtest"
[[ $SEEDS =~ ^[0-9]+$ && $OPS =~ ^[0-9]+$ && $FIRST =~ ^-?[0-9]+$ ]] || tg_die "usage: $0 [SEEDS] [OPS] [FIRST_SEED]"

PG_TMP=
LOG=$(mktemp /tmp/registry-model.XXXXXX)
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local rc=$?
  if [[ -n $PG_TMP ]]; then
    tg_pg_stop "$PG_TMP/data" || true
    rm -rf "$PG_TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z ${TINHGON_TEST_PG:-} ]]; then
  [[ $EUID -eq 0 ]] || tg_die "run as root (PostgreSQL is started as user postgres), or set TINHGON_TEST_PG"
  PG_TMP=$(mktemp -d /tmp/tinhgon-model-pg.XXXXXX)
  chmod 755 "$PG_TMP"
  PG_PORT=$(tg_free_port) || tg_die "no free port"
  TINHGON_PG_EXTRA_CONF=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off' \
    tg_pg_init "$PG_TMP/data" "$PG_PORT"
  tg_pg_start "$PG_TMP/data"
  tg_pg_bootstrap "$PG_PORT" "$PG_TMP/pgpass"
  TINHGON_TEST_PG=$(tg_pg_superuser_conninfo "$PG_PORT")
fi
export TINHGON_TEST_PG TINHGON_REQUIRE_PG=1
export TINHGON_MODEL_SEEDS=$SEEDS TINHGON_MODEL_OPS=$OPS TINHGON_MODEL_SEED_BASE=$FIRST

tg_log "seeds $FIRST..$((FIRST + SEEDS - 1)), $OPS operations each; log $LOG"
started=$(date +%s.%N)
rc=0
"$BIN" --gtest_brief=1 >"$LOG" 2>&1 || rc=$?
ended=$(date +%s.%N)

awk -v wall="$(echo "$ended - $started" | bc)" -v ops_each="$OPS" '
  /^\[registry-model\] seed=[0-9-]+ ops=/ {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    seeds++; ops += v["ops"]; valid += v["valid"]; invalid += v["invalid"]
    checks += v["checks"]; ms += v["ms"]
    if (v["ms"] > slowest) { slowest = v["ms"]; slowest_seed = v["seed"] }
    if (v["failed"] > 0) { failed++; bad = bad " " v["seed"] }
  }
  END {
    printf "seeds run      %d (%d operations each, after the two provinces)\n", seeds, ops_each
    printf "operations     %d: %d accepted, %d refused\n", ops, valid, invalid
    printf "checks held    %d\n", checks
    printf "failures       %d%s\n", failed, failed ? " (seeds:" bad ")" : ""
    if (seeds) printf "time           %.1f s wall; %.2f s a seed (mean, not counting shrinking), slowest %.2f s (seed %s)\n", wall, ms / seeds / 1000, slowest / 1000, slowest_seed
  }' "$LOG"

if [[ $rc -ne 0 ]]; then
  # Each failure: the mismatch, then the minimal sequence of operations that reproduces it.
  awk '/: Failure$/ { show = 1; next } /^\[  FAILED  \]/ { if (show) print ""; show = 0 } show' "$LOG"
  if ! grep -q '^\[registry-model\] seed=' "$LOG"; then tail -n 30 "$LOG"; fi
  tg_log "failed (exit $rc); the whole output is in $LOG"
  exit 1
fi
rm -f "$LOG"
