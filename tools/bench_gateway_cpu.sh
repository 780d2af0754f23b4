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
# shellcheck source=tools/bench_lib.sh
source "$ROOT/tools/bench_lib.sh"
BUILD=${TINHGON_BUILD_DIR:-$ROOT/build}
PROVINCES=${1:-4}
SECS=${2:-8}
CONC=${3:-64}
tg_bench_require "$BUILD" tools/org_bench tools/grpc_load tools/staffing_bench \
  services/org_registry/org_registry_server services/gateway/gateway_server
tg_bench_cluster cpu
"$BUILD/tools/org_bench" --db="$DB" --provinces="$PROVINCES" --reps=1 --ids_file="$TMP/ids" \
  --schema=cpu_orgs >/dev/null 2>&1
read -r FIRST LAST <"$TMP/ids"
SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
RPORT=$(tg_free_port)
REG=
TINHGON_TRUST_SECRET=$SECRET tg_bench_start REG "$TMP/registry.log" "$RPORT" \
  services/org_registry/org_registry_server --db="$DB" --schema=cpu_orgs --workers=8 \
  --read_from_memory=true
"${PSQL[@]}" -c "SET client_min_messages = warning" -c "CREATE SCHEMA cpu_gw"
GPORT=$(tg_free_port)
GW=
TINHGON_TRUST_SECRET=$SECRET tg_bench_start GW "$TMP/gateway.log" "$GPORT" \
  services/gateway/gateway_server --db="$DB" --schema=cpu_gw --org_registry="127.0.0.1:$RPORT" \
  --metrics_listen= --access_log=false --rate_limit_qps=0 --bootstrap_admin_token_file="$TMP/token"
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
