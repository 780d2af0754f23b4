#!/usr/bin/env bash
# tools/bench_gateway.sh — point reads (GetOrgUnit) through the gateway vs straight to the org
# registry vs `pgbench -S -M prepared`, on one throwaway PostgreSQL, in one run. Not a test.
#
#   tools/bench_gateway.sh            (after a build; TINHGON_BUILD_DIR, default build)
#
# Each round runs the three loads one after the other; three rounds; then the medians and the
# ratios. The load generator is tools/grpc_load (closed loop, N calls in flight over loopback,
# counting gRPC status codes itself). Calls straight to the registry carry a principal signed
# for each call with the trust secret, as the gateway signs it. The gateway runs with its access log off
# and no rate limit (the figures are for the proxy path, not for stderr).
# Environment: BENCH_SECONDS (10), BENCH_CONCURRENCY (32), BENCH_ROUNDS (3), BENCH_PGBENCH_CLIENTS (8).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TG_LOG_TAG=bench_gateway
# shellcheck source=deploy/local/pg.sh
source "$ROOT/deploy/local/pg.sh"
[[ $EUID -eq 0 ]] || tg_die "run as root (PostgreSQL is started as user postgres)"
BUILD_DIR=${TINHGON_BUILD_DIR:-$ROOT/build}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
SECS=${BENCH_SECONDS:-10}
CONC=${BENCH_CONCURRENCY:-32}
ROUNDS=${BENCH_ROUNDS:-3}
PGB_CLIENTS=${BENCH_PGBENCH_CLIENTS:-8}
ORG=$BUILD_DIR/services/org_registry/org_registry_server
GW=$BUILD_DIR/services/gateway/gateway_server
LOAD=$BUILD_DIR/tools/grpc_load
SEED=$BUILD_DIR/tools/seed_loader
for b in "$ORG" "$GW" "$LOAD" "$SEED"; do [[ -x $b ]] || tg_die "missing $b: build first"; done

TMP=$(mktemp -d /tmp/tinhgon-bench-gw.XXXXXX)
chmod 755 "$TMP"
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local rc=$? p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  tg_pg_stop "$TMP/data" || true
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
PG_PORT=$(tg_free_port)
TINHGON_PG_EXTRA_CONF=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off' \
  tg_pg_init "$TMP/data" "$PG_PORT"
tg_pg_start "$TMP/data"
tg_pg_bootstrap "$PG_PORT" "$TMP/pgpass"
SU=$(tg_pg_superuser_conninfo "$PG_PORT")
SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
ORG_ADDR=127.0.0.1:$(tg_free_port)
GW_ADDR=127.0.0.1:$(tg_free_port)

wait_healthy() {
  local i
  for ((i = 0; i < 100; i++)); do
    "$SEED" --target="$1" --health >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  tg_die "$1 not healthy"
}

TINHGON_TRUST_SECRET=$SECRET "$ORG" --listen="$ORG_ADDR" --db="$SU" --schema=orgs --workers=8 \
  >"$TMP/org.log" 2>&1 &
pids+=($!)
wait_healthy "$ORG_ADDR"
TINHGON_TRUST_SECRET=$SECRET "$SEED" --target="$ORG_ADDR" --file="$ROOT/data/lam_dong/units.tsv" \
  >"$TMP/seed.log" 2>&1 || { cat "$TMP/seed.log"; tg_die "seed failed"; }
MAX_ID=$(psql -X -qtA "$SU" -c "SELECT max(id) FROM orgs.unit")
TINHGON_TRUST_SECRET=$SECRET "$GW" --listen="$GW_ADDR" --db="$SU" --schema=gateway \
  --org_registry="$ORG_ADDR" --metrics_listen= --access_log=false --rate_limit_qps=0 \
  --bootstrap_admin_token_file="$TMP/admin_token" >"$TMP/gw.log" 2>&1 &
pids+=($!)
wait_healthy "$GW_ADDR"
TOKEN=$(<"$TMP/admin_token")

# pgbench's own tables, in a database of their own on the same cluster.
tg_psql "$PG_PORT" postgres -c "CREATE DATABASE bench" >/dev/null
pgbench -q -i -s 10 "$(tg_pg_superuser_conninfo "$PG_PORT" bench)" >/dev/null 2>&1

METHOD=/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit
load() {  # load TARGET [grpc_load flags...]
  local target=$1
  shift
  "$LOAD" --target="$target" --method="$METHOD" --request='id: 1' --vary_field=id --vary_min=1 \
    --vary_max="$MAX_ID" --concurrency="$CONC" --channels=2 --seconds="$SECS" "$@"
}

tg_log "units 1..$MAX_ID; $ROUNDS rounds of ${SECS}s; $CONC calls in flight; pgbench -c $PGB_CLIENTS"
: >"$TMP/results"
for ((r = 1; r <= ROUNDS; r++)); do
  g=$(load "$GW_ADDR" --metadata="authorization:Bearer $TOKEN")
  echo "round $r gateway: $g"
  # Straight to the registry: each call signed for itself (subject bench, role admin), as the
  # gateway signs it.
  d=$(TINHGON_TRUST_SECRET=$SECRET load "$ORG_ADDR" --sign)
  echo "round $r direct:  $d"
  p=$(pgbench -n -S -M prepared -c "$PGB_CLIENTS" -j 2 -T "$SECS" \
    "$(tg_pg_superuser_conninfo "$PG_PORT" bench)" 2>&1)
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$p" | head -n1)
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$p")
  echo "round $r pgbench -S -M prepared: tps=$tps latency_avg_ms=$lat"
  for kind in gateway direct; do
    line=$([[ $kind == gateway ]] && echo "$g" || echo "$d")
    grep -q 'codes={0:[0-9]*}$' <<<"$line" || tg_log "WARNING: $kind round $r had non-OK codes: $line"
    echo "$kind $(sed -n 's/.*calls_per_s=\([0-9.]*\).*p50_ms=\([0-9.]*\).*p99_ms=\([0-9.]*\).*/\1 \2 \3/p' <<<"$line")" >>"$TMP/results"
  done
  echo "pgbench $tps 0 0" >>"$TMP/results"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
col() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$TMP/results" | median; }
gw_qps=$(col gateway 2); gw_p50=$(col gateway 3); gw_p99=$(col gateway 4)
d_qps=$(col direct 2); d_p50=$(col direct 3); d_p99=$(col direct 4)
pg_tps=$(col pgbench 2)
echo
echo "medians of $ROUNDS rounds (GetOrgUnit of random units 1..$MAX_ID, $CONC in flight, ${SECS}s each):"
printf '  %-26s %10s calls/s  p50 %7s ms  p99 %7s ms\n' "through the gateway" "$gw_qps" "$gw_p50" "$gw_p99"
printf '  %-26s %10s calls/s  p50 %7s ms  p99 %7s ms\n' "straight to org registry" "$d_qps" "$d_p50" "$d_p99"
printf '  %-26s %10.0f tps\n' "pgbench -S -M prepared" "$pg_tps"
awk -v g="$gw_qps" -v d="$d_qps" -v p="$pg_tps" 'BEGIN {
  printf "  ratios: gateway/direct %.2f  direct/pgbench %.2f  gateway/pgbench %.2f\n", g / d, d / p, g / p }'
