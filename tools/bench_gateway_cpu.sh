#!/usr/bin/env bash
# tools/bench_gateway_cpu.sh — where a point read's CPU goes: GetOrgUnit loaded through the
# gateway and straight to the registry (reading memory, trust secret set, as deployed), with
# the CPU time each process used per OK call (client, gateway, registry; /proc/PID/stat and
# the client's rusage) and the context switches per call. Not a test; figures for issue 10.
# Usage: tools/bench_gateway_cpu.sh [PROVINCES (4)] [SECONDS (8)] [IN_FLIGHT (64)]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TG_LOG_TAG=bench_gateway_cpu
# shellcheck source=deploy/local/pg.sh
source "$ROOT/deploy/local/pg.sh"
BUILD=${TINHGON_BUILD_DIR:-$ROOT/build}
PROVINCES=${1:-4}
SECS=${2:-8}
CONC=${3:-64}
for t in tools/org_bench tools/grpc_load tools/seed_loader services/org_registry/org_registry_server \
  services/gateway/gateway_server; do
  [[ -x $BUILD/$t ]] || tg_die "$BUILD/$t is missing: cmake --build $BUILD -j2"
done
TMP=$(mktemp -d /tmp/tinhgon-bench-cpu.XXXXXX)
chmod 755 "$TMP"
REG=
GW=
cleanup() {
  [[ -n $GW ]] && kill "$GW" 2>/dev/null && wait "$GW" 2>/dev/null
  [[ -n $REG ]] && kill "$REG" 2>/dev/null && wait "$REG" 2>/dev/null
  tg_pg_stop "$TMP/data" || true
  rm -rf "$TMP"
}
trap cleanup EXIT
PORT=$(tg_free_port)
TINHGON_PG_EXTRA_CONF=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off' tg_pg_init "$TMP/data" "$PORT"
tg_pg_start "$TMP/data"
tg_pg_bootstrap "$PORT" "$TMP/pgpass"
DB=$(tg_pg_superuser_conninfo "$PORT")
"$BUILD/tools/org_bench" --db="$DB" --provinces="$PROVINCES" --reps=1 --ids_file="$TMP/ids" \
  --schema=cpu_orgs >/dev/null 2>&1
read -r FIRST LAST <"$TMP/ids"
SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
RPORT=$(tg_free_port)
TINHGON_TRUST_SECRET=$SECRET "$BUILD/services/org_registry/org_registry_server" \
  --listen="127.0.0.1:$RPORT" --db="$DB" --schema=cpu_orgs --workers=8 --read_from_memory=true \
  2>"$TMP/registry.log" &
REG=$!
"$TINHGON_PG_BIN/psql" -X -q "$DB" -c "DROP SCHEMA IF EXISTS cpu_gw CASCADE; CREATE SCHEMA cpu_gw"
GPORT=$(tg_free_port)
TINHGON_TRUST_SECRET=$SECRET "$BUILD/services/gateway/gateway_server" --listen="127.0.0.1:$GPORT" \
  --db="$DB" --schema=cpu_gw --org_registry="127.0.0.1:$RPORT" --metrics_listen= \
  --access_log=false --rate_limit_qps=0 --bootstrap_admin_token_file="$TMP/token" 2>"$TMP/gateway.log" &
GW=$!
for _ in $(seq 1 150); do
  "$BUILD/tools/seed_loader" --target="127.0.0.1:$GPORT" --health >/dev/null 2>&1 && break
  sleep 0.2
done
TOKEN=$(<"$TMP/token")

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() {
  local t s=0
  for t in /proc/"$1"/task/*; do
    s=$((s + $(awk '/ctxt_switches/ {a += $2} END {print a}' "$t/status")))
  done
  echo "$s"
}
hz=$(getconf CLK_TCK)
# run LABEL TARGET [grpc_load flags...]
run() {
  local label=$1 target=$2
  shift 2
  local r0 g0 rs0 gs0 out
  r0=$(ticks "$REG"); g0=$(ticks "$GW"); rs0=$(switches "$REG"); gs0=$(switches "$GW")
  out=$( { /usr/bin/time -f 'client_cpu=%U %S' "$BUILD/tools/grpc_load" --target="$target" \
    --method=/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit --request='id: 1' --vary_field=id \
    --vary_min="$FIRST" --vary_max="$LAST" --concurrency="$CONC" --seconds="$SECS" "$@"; } 2>&1 || true)
  awk -v label="$label" -v out="$out" -v s="$SECS" -v hz="$hz" \
    -v r=$(($(ticks "$REG") - r0)) -v g=$(($(ticks "$GW") - g0)) \
    -v rs=$(($(switches "$REG") - rs0)) -v gs=$(($(switches "$GW") - gs0)) 'BEGIN {
    ok = out; sub(/.*ok_per_s=/, "", ok); sub(/ .*/, "", ok)
    cu = out; sub(/.*client_cpu=/, "", cu); split(cu, c, " ")
    n = ok * s
    printf "%s: %.0f OK calls/s; CPU per call: client %.0f us, gateway %.0f us, registry %.0f us; context switches per call: gateway %.2f, registry %.2f\n",
      label, ok, (c[1] + c[2]) * 1e6 / n, g * 1e6 / hz / n, r * 1e6 / hz / n, gs / n, rs / n }'
}
echo "== gateway CPU per call: $PROVINCES provinces, $CONC in flight, $(nproc) cores, $(date -u +%FT%TZ)"
run "through the gateway" "127.0.0.1:$GPORT" --metadata="authorization:Bearer $TOKEN"
TINHGON_TRUST_SECRET=$SECRET run "straight to the registry (signed)" "127.0.0.1:$RPORT" --sign
