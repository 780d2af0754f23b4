#!/usr/bin/env bash
# tools/bench_vn_country.sh — the real country's figures (issue 10), on a throwaway PostgreSQL,
# through the gateway (bearer token), as an administrator would run it:
#   1. the GSO list of 1/3/2025 (10,806 units) as two seed_loader files (tools/vn_admin seed
#      --since: the 9,879 units the 2021 list shows alike, established 1/2/2021; the other 927 on
#      1/3/2025), each loaded in one ImportOrgUnits call;
#   2. the 1 July 2025 reform replayed through the change API (tools/vn_admin reform): ~2,960
#      changes, one call each, one after another;
#   3. the same replay again: every request answered from its idempotency record, nothing
#      written — the baseline of the call path alone (gateway, registry, one database read), so
#      the ratio says what the changes themselves cost;
#   4. the registry's peak RSS (VmHWM) with the real country and its reform, and its RSS at rest.
# RUNS runs, each in fresh schemas with its own registry and gateway; medians printed. Goal: the
# whole country loaded and replayed in under 5 minutes on 2 cores. Nothing here is asserted.
# Usage: tools/bench_vn_country.sh [RUNS (1)]. Needs a build in $TINHGON_BUILD_DIR (default
# build) with vn_admin, seed_loader, staffing_bench (health waits), org_registry_server and
# gateway_server. Loopback only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TG_LOG_TAG=bench_vn_country
# shellcheck source=deploy/local/pg.sh
source "$ROOT/deploy/local/pg.sh"
# shellcheck source=tools/bench_lib.sh
source "$ROOT/tools/bench_lib.sh"
BUILD=${TINHGON_BUILD_DIR:-$ROOT/build}
RUNS=${1:-1}
tg_bench_require "$BUILD" tools/vn_admin tools/seed_loader tools/staffing_bench \
  services/org_registry/org_registry_server services/gateway/gateway_server
tg_bench_cluster vn
echo "== real country benchmark: $RUNS run(s), $(nproc) cores, $(date -u +%FT%TZ)"

"$BUILD/tools/vn_admin" seed --units="$ROOT/data/vn_admin/units-2025-03-01.tsv" --date=2025-03-01 \
  --out="$TMP/country.tsv" --since="$ROOT/data/vn_admin/units-2021-02-01.tsv" \
  --since_date=2021-02-01 --out_since="$TMP/country-2021.tsv" 2>/dev/null
SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
loads=() replays=() again=() peaks=() rests=() totals=()
for run in $(seq 1 "$RUNS"); do
  "${PSQL[@]}" -c "SET client_min_messages = warning" \
    -c "CREATE SCHEMA vn_$run" -c "CREATE SCHEMA vn_gw_$run"
  RPORT=$(tg_free_port)
  REGISTRY_PID=
  TINHGON_TRUST_SECRET=$SECRET tg_bench_start REGISTRY_PID "$TMP/registry-$run.log" "$RPORT" \
    services/org_registry/org_registry_server --db="$DB" --schema="vn_$run" --workers=4 \
    --today=2026-11-30
  GPORT=$(tg_free_port)
  GATEWAY_PID=
  TINHGON_TRUST_SECRET=$SECRET tg_bench_start GATEWAY_PID "$TMP/gateway-$run.log" "$GPORT" \
    services/gateway/gateway_server --db="$DB" --schema="vn_gw_$run" \
    --org_registry="127.0.0.1:$RPORT" --metrics_listen= --rate_limit_qps=0 \
    --bootstrap_admin_token_file="$TMP/admin_token_$run"
  export TINHGON_TOKEN
  TINHGON_TOKEN=$(<"$TMP/admin_token_$run")
  t0=$(now_ms)
  for f in "$TMP/country-2021.tsv" "$TMP/country.tsv"; do
    "$BUILD/tools/seed_loader" --target="127.0.0.1:$GPORT" --file="$f" \
      --deadline_ms=600000 | tail -n 1 | cut -c1-160
  done
  t1=$(now_ms)
  loaded=$("${PSQL[@]}" -At -c "SELECT count(*) FROM vn_$run.change_event")
  "$BUILD/tools/vn_admin" reform --date=2025-07-01 --target="127.0.0.1:$GPORT" \
    --data="$ROOT/data/vn_admin" 2>"$TMP/reform-$run.err" | sed 's/^/  /'
  t2=$(now_ms)
  "$BUILD/tools/vn_admin" reform --date=2025-07-01 --target="127.0.0.1:$GPORT" \
    --data="$ROOT/data/vn_admin" >/dev/null 2>&1
  t3=$(now_ms)
  changes=$(($("${PSQL[@]}" -At -c "SELECT count(*) FROM vn_$run.change_event") - loaded))
  loads+=($((t1 - t0))) replays+=($((t2 - t1))) again+=($((t3 - t2))) totals+=($((t2 - t0)))
  peaks+=("$(vm "$REGISTRY_PID" VmHWM)") rests+=("$(vm "$REGISTRY_PID" VmRSS)")
  echo "run $run: load $((t1 - t0)) ms, reform $((t2 - t1)) ms ($changes changes), again $((t3 - t2)) ms, registry VmHWM ${peaks[-1]} KiB, VmRSS ${rests[-1]} KiB"
  kill "$GATEWAY_PID" "$REGISTRY_PID" 2>/dev/null || true
  wait "$GATEWAY_PID" "$REGISTRY_PID" 2>/dev/null || true
done

load=$(printf '%s\n' "${loads[@]}" | median)
replay=$(printf '%s\n' "${replays[@]}" | median)
base=$(printf '%s\n' "${again[@]}" | median)
total=$(printf '%s\n' "${totals[@]}" | median)
echo "== medians of $RUNS run(s)"
echo "load of 10,806 units (two ImportOrgUnits calls through the gateway): $load ms"
awk -v r="$replay" -v b="$base" -v n="$changes" 'BEGIN {
  printf "reform replayed: %d ms, %.1f ms a change; the same requests answered again (baseline): %d ms, %.1f ms a call; ratio %.1f\n", r, r / n, b, b / n, r / b }'
awk -v t="$total" 'BEGIN { printf "whole country loaded and replayed: %.1f s (goal: under 300 s)\n", t / 1000 }'
echo "registry peak RSS $(printf '%s\n' "${peaks[@]}" | median) KiB, at rest $(printf '%s\n' "${rests[@]}" | median) KiB"
