#!/usr/bin/env bash
# tools/bench_org.sh — the org registry's figures, each against a baseline measured in the same
# run on the same throwaway PostgreSQL (nothing here is a pass/fail test):
#   1. bulk load of a synthetic country: registry import vs bare COPY of the same rows;
#   2. history through the change path (mergers, consolidations, end of the district level);
#   3. as-of subtree of a province and of the country, and the country's counts, vs the bare
#      recursive SQL, each from PostgreSQL and from memory (store/memory_org_store.h), with the
#      snapshot's build time and size;
#   4. point reads: GetOrgUnit over gRPC (grpc_load counting statuses) from a registry reading
#      PostgreSQL (--read_from_memory=false) and from one reading memory, straight and through
#      the gateway, vs `pgbench -S -M prepared` on the same cluster; medians of RUNS runs; the
#      memory registry's RSS with the country loaded;
#   5. bulk import over the API: the same country as a file, loaded by seed_loader in one
#      ImportOrgUnits call through the gateway (bearer token) into a second registry (trust
#      secret set), vs Registry::Import in process of the same rows (a file names every row by
#      a code, so here every row has one); with the registry's and the gateway's peak memory.
#      BENCH_ORG_IMPORT_ONLY=1 runs this step alone.
# Usage: tools/bench_org.sh [PROVINCES (34)] [RUNS (3)] [SECONDS (10)]. Needs a build in
# $TINHGON_BUILD_DIR (default build) with the targets org_bench, grpc_load, seed_loader and
# org_registry_server. Loopback only; every load is bounded in time.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TG_LOG_TAG=bench_org
# shellcheck source=deploy/local/pg.sh
source "$ROOT/deploy/local/pg.sh"
BUILD=${TINHGON_BUILD_DIR:-$ROOT/build}
PROVINCES=${1:-34}
RUNS=${2:-3}
SECONDS_EACH=${3:-10}
for t in tools/org_bench tools/grpc_load tools/seed_loader services/org_registry/org_registry_server \
  services/gateway/gateway_server; do
  [[ -x $BUILD/$t ]] || tg_die "$BUILD/$t is missing: cmake --build $BUILD -j2"
done

TMP=$(mktemp -d /tmp/tinhgon-bench.XXXXXX)
chmod 755 "$TMP"
SERVER_PID=
MEMORY_PID=
SIGNED_PID=
IMPORT_PID=
GATEWAY_PID=
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [[ -n $MEMORY_PID ]] && kill "$MEMORY_PID" 2>/dev/null && wait "$MEMORY_PID" 2>/dev/null
  [[ -n $SIGNED_PID ]] && kill "$SIGNED_PID" 2>/dev/null && wait "$SIGNED_PID" 2>/dev/null
  [[ -n $IMPORT_PID ]] && kill "$IMPORT_PID" 2>/dev/null && wait "$IMPORT_PID" 2>/dev/null
  [[ -n $GATEWAY_PID ]] && kill "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null
  tg_pg_stop "$TMP/data" || true
  rm -rf "$TMP"
}
trap cleanup EXIT
PORT=$(tg_free_port)
TINHGON_PG_EXTRA_CONF=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 1GB\nmax_connections = 200' \
  tg_pg_init "$TMP/data" "$PORT"
tg_pg_start "$TMP/data"
tg_pg_bootstrap "$PORT" "$TMP/pgpass"
DB=$(tg_pg_superuser_conninfo "$PORT")

echo "== org registry benchmark: $PROVINCES provinces, $(nproc) cores, $(date -u +%FT%TZ)"
if [[ ${BENCH_ORG_IMPORT_ONLY:-0} != 1 ]]; then
"$BUILD/tools/org_bench" --db="$DB" --provinces="$PROVINCES" --reps=5 --ids_file="$TMP/ids" 2>/dev/null
read -r FIRST LAST <"$TMP/ids"

wait_healthy() {
  local _
  for _ in $(seq 1 300); do
    "$BUILD/tools/seed_loader" --target="$1" --health >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  tg_die "$1 not healthy"
}
# The straight calls go to registries in local mode (no trust secret, nothing signed), as this
# figure always was; the gateway calls a third registry, reading memory, that trusts its secret.
SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
GPORT=$(tg_free_port)
"$BUILD/services/org_registry/org_registry_server" \
  --listen="127.0.0.1:$GPORT" --db="$DB" --schema=bench_orgs --workers=8 \
  --read_from_memory=false 2>"$TMP/server.log" &
SERVER_PID=$!
wait_healthy "127.0.0.1:$GPORT"
MPORT=$(tg_free_port)
mem_started=$(date +%s.%N)
"$BUILD/services/org_registry/org_registry_server" \
  --listen="127.0.0.1:$MPORT" --db="$DB" --schema=bench_orgs --workers=8 \
  --read_from_memory=true 2>"$TMP/memory-server.log" &
MEMORY_PID=$!
wait_healthy "127.0.0.1:$MPORT"
mem_ready=$(date +%s.%N)
SPORT=$(tg_free_port)
TINHGON_TRUST_SECRET=$SECRET "$BUILD/services/org_registry/org_registry_server" \
  --listen="127.0.0.1:$SPORT" --db="$DB" --schema=bench_orgs --workers=8 \
  --read_from_memory=true 2>"$TMP/signed-server.log" &
SIGNED_PID=$!
wait_healthy "127.0.0.1:$SPORT"
mem_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$MEMORY_PID/status")
pg_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
grep -h "reads from memory" "$TMP/memory-server.log" || true
"$TINHGON_PG_BIN/psql" -X -q "$DB" -c "DROP SCHEMA IF EXISTS bench_gw CASCADE; CREATE SCHEMA bench_gw"
WPORT=$(tg_free_port)
TINHGON_TRUST_SECRET=$SECRET "$BUILD/services/gateway/gateway_server" --listen="127.0.0.1:$WPORT" \
  --db="$DB" --schema=bench_gw --org_registry="127.0.0.1:$SPORT" --metrics_listen= \
  --access_log=false --rate_limit_qps=0 --bootstrap_admin_token_file="$TMP/gw_token" \
  2>"$TMP/gateway.log" &
GATEWAY_PID=$!
wait_healthy "127.0.0.1:$WPORT"
TOKEN=$(<"$TMP/gw_token")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
load() {  # load TARGET [grpc_load flags...]
  local target=$1
  shift
  "$BUILD/tools/grpc_load" --target="$target" \
    --method=/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit --request='id: 1' \
    --vary_field=id --vary_min="$FIRST" --vary_max="$LAST" --concurrency=64 \
    --seconds="$SECONDS_EACH" "$@" || true
}
PGB=$TINHGON_PG_BIN/pgbench
"$PGB" -i -q -s 10 -h 127.0.0.1 -p "$PORT" -U postgres tinhgon >/dev/null 2>&1
: >"$TMP/points"
for r in $(seq 1 "$RUNS"); do
  line=$(load "127.0.0.1:$GPORT")
  echo "grpc GetOrgUnit from PostgreSQL run $r: $line"
  echo "pg $line" >>"$TMP/points"
  line=$(load "127.0.0.1:$MPORT")
  echo "grpc GetOrgUnit from memory run $r: $line"
  echo "memory $line" >>"$TMP/points"
  line=$(load "127.0.0.1:$WPORT" --metadata="authorization:Bearer $TOKEN")
  echo "grpc GetOrgUnit from memory through the gateway (64 in flight, as straight) run $r: $line"
  echo "gateway $line" >>"$TMP/points"
  tps=$("$PGB" -S -M prepared -c 16 -j 2 -T "$SECONDS_EACH" -h 127.0.0.1 -p "$PORT" -U postgres tinhgon 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n1)
  echo "pgbench -S -M prepared run $r: tps=$tps"
  echo "pgbench ok_per_s=$tps p50_ms=0 p99_ms=0" >>"$TMP/points"
done
mem_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$MEMORY_PID/status")
mem_rss_after=$(awk '/^VmRSS/ {print $2}' "/proc/$MEMORY_PID/status")
pg_hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
med() {  # med KIND FIELD
  grep "^$1 " "$TMP/points" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p" | median
}
pg_med=$(med pgbench ok_per_s)
for kind in pg memory gateway; do
  awk -v k="$kind" -v g="$(med "$kind" ok_per_s)" -v a="$(med "$kind" p50_ms)" \
    -v b="$(med "$kind" p99_ms)" -v p="$pg_med" -v n="$RUNS" 'BEGIN {
    what = k == "pg" ? "from PostgreSQL, straight" : k == "memory" ? "from memory, straight" : "from memory, through the gateway"
    printf "point reads (median of %d): GetOrgUnit %s %.0f OK calls/s (p50 %.2f ms, p99 %.2f ms); pgbench -S -M prepared %.0f tps; ratio %.2f\n", n, what, g, a, b, p, g / p }'
done
awk -v s="$mem_started" -v e="$mem_ready" -v r="$mem_rss" -v h="$mem_hwm" -v a="$mem_rss_after" \
  -v p="$pg_rss" -v q="$pg_hwm" 'BEGIN {
  printf "registry memory: reading from memory, ready in %.1f s, RSS %.0f MiB when ready, %.0f MiB after the loads (peak %.0f MiB); reading PostgreSQL, RSS %.0f MiB (peak %.0f MiB)\n", e - s, r / 1024, a / 1024, h / 1024, p / 1024, q / 1024 }'
kill "$GATEWAY_PID" "$MEMORY_PID" "$SIGNED_PID" &&
  wait "$GATEWAY_PID" "$MEMORY_PID" "$SIGNED_PID" 2>/dev/null || true
GATEWAY_PID=
MEMORY_PID=
SIGNED_PID=

fi  # BENCH_ORG_IMPORT_ONLY

# 5. Bulk import over the API: seed_loader streams the country to a fresh server in one call;
# the baseline is the in-process import of the same rows (every row coded, as in the file).
"$BUILD/tools/org_bench" --provinces="$PROVINCES" --write_tsv="$TMP/country.tsv"
inproc=$("$BUILD/tools/org_bench" --db="$DB" --provinces="$PROVINCES" --code_every_row \
  --import_only --schema=bench_import_inproc --copy_schema=bench_import_copy 2>/dev/null |
  sed -n 's/^bulk load: registry import \([0-9]*\) ms.*/\1/p')
"$TINHGON_PG_BIN/psql" -X -q "$DB" -c "DROP SCHEMA IF EXISTS bench_import CASCADE; CREATE SCHEMA bench_import; DROP SCHEMA IF EXISTS bench_import_gw CASCADE; CREATE SCHEMA bench_import_gw"
SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
IPORT=$(tg_free_port)
TINHGON_TRUST_SECRET=$SECRET "$BUILD/services/org_registry/org_registry_server" \
  --listen="127.0.0.1:$IPORT" --db="$DB" --schema=bench_import --workers=2 \
  2>"$TMP/import-server.log" &
IMPORT_PID=$!
for _ in $(seq 1 100); do
  "$BUILD/tools/seed_loader" --target="127.0.0.1:$IPORT" --health >/dev/null 2>&1 && break
  sleep 0.2
done
WPORT=$(tg_free_port)
TINHGON_TRUST_SECRET=$SECRET "$BUILD/services/gateway/gateway_server" --listen="127.0.0.1:$WPORT" \
  --db="$DB" --schema=bench_import_gw --org_registry="127.0.0.1:$IPORT" --metrics_listen= \
  --rate_limit_qps=0 --bootstrap_admin_token_file="$TMP/admin_token" 2>"$TMP/import-gateway.log" &
GATEWAY_PID=$!
for _ in $(seq 1 100); do
  "$BUILD/tools/seed_loader" --target="127.0.0.1:$WPORT" --health >/dev/null 2>&1 && break
  sleep 0.2
done
rss_before=$(awk '/^VmRSS/ {print $2}' "/proc/$IMPORT_PID/status")
started=$(date +%s.%N)
TINHGON_TOKEN=$(<"$TMP/admin_token") "$BUILD/tools/seed_loader" --target="127.0.0.1:$WPORT" \
  --file="$TMP/country.tsv" --deadline_ms=600000 | tail -n1
ended=$(date +%s.%N)
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$IMPORT_PID/status")
gw_peak=$(awk '/^VmHWM/ {print $2}' "/proc/$GATEWAY_PID/status")
kill "$GATEWAY_PID" && wait "$GATEWAY_PID" 2>/dev/null || true
GATEWAY_PID=
kill "$IMPORT_PID" && wait "$IMPORT_PID" 2>/dev/null || true
IMPORT_PID=
rows=$(($(wc -l <"$TMP/country.tsv") - 1))
awk -v s="$started" -v e="$ended" -v n="$rows" -v b="$rss_before" -v p="$peak" -v i="$inproc" \
  -v g="$gw_peak" -v f="$(stat -c %s "$TMP/country.tsv")" 'BEGIN {
  printf "bulk import over the API: %d rows (%.1f MB of TSV) by seed_loader in one ImportOrgUnits call through the gateway: %.1f s (%.0f units/s); registry RSS %.0f MB before, peak %.0f MB; gateway peak %.0f MB; Registry::Import in process, same rows: %.1f s; ratio %.2f\n", n, f / 1e6, e - s, n / (e - s), b / 1024, p / 1024, g / 1024, i / 1000, (e - s) / (i / 1000) }'
