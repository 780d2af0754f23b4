#!/usr/bin/env bash
# tools/bench_staffing.sh — issue 7's figures for the staffing service, each against a baseline
# measured in the same run on the same throwaway PostgreSQL (printed, never asserted):
#   1. the synthetic country of tools/org_bench (~145,000 units at 34 provinces) with its history
#      through the registry's change path (commune mergers 2020, district consolidations 2024,
#      end of the district level 2025), in schema bench_orgs;
#   2. org_registry_server on it and staffing_server on a fresh schema bench_staffing, both in
#      local mode (no trust secret, loopback);
#   3. quotas for 2015–2025 for every unit existing on 31/12 of each year (~1.6 M quotas, each
#      with one version, at 34 provinces), written with SQL straight into bench_staffing's tables —
#      bypassing the API's checks on purpose, to load them in well under a minute
#      (tools/staffing_bench_quotas.sql says how the counts are made) — and a reduction target
#      through the API (base 2015, target 2021, 10 %, every category);
#   4. the reduction report for the whole country (ComputeReduction unit_id 0, year 2021, the
#      target) over gRPC, vs the equivalent hand-written SQL (tools/staffing_bench_reduction.sql)
#      run with psql on the same cluster; medians of RUNS runs each; both answers printed and
#      compared line by line;
#   5. the staffing service's peak RSS (VmHWM) after the runs, and the registry's;
#   6. where the service's time goes, from one more call: the registry calls it makes (timed
#      alone by staffing_bench --profile_registry), the SQL both services ran for it
#      (pg_stat_statements), and the rest (in process: lineage trace, covering, the answer).
#      BENCH_STAFFING_PERF=1 also samples the staffing process with perf during that call.
# Usage: tools/bench_staffing.sh [PROVINCES (34)] [RUNS (3)]. Needs a build in
# $TINHGON_BUILD_DIR (default build) with the targets org_bench, staffing_bench,
# org_registry_server and staffing_server. Loopback only; every call has a deadline.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TG_LOG_TAG=bench_staffing
# shellcheck source=deploy/local/pg.sh
source "$ROOT/deploy/local/pg.sh"
# shellcheck source=tools/bench_lib.sh
source "$ROOT/tools/bench_lib.sh"
BUILD=${TINHGON_BUILD_DIR:-$ROOT/build}
PROVINCES=${1:-34}
RUNS=${2:-3}
YEAR=2021
BASE_YEAR=2015
TODAY=2026-06-01  # the services' fixed today: as_of = 31/12 of YEAR
AS_OF=$YEAR-12-31
tg_bench_require "$BUILD" tools/org_bench tools/staffing_bench services/org_registry/org_registry_server \
  services/staffing/staffing_server
BEGAN=$(date +%s)

REGISTRY_PID=
STAFFING_PID=
# pg_stat_statements is loaded for the profiling step only: it tracks nothing until then.
tg_bench_cluster staffing $'shared_preload_libraries = \'pg_stat_statements\'\npg_stat_statements.track = none'

echo "== staffing benchmark: $PROVINCES provinces, $RUNS runs, $(nproc) cores, $(date -u +%FT%TZ)"

# 1. The country and its history (org_bench measures the registry too: only its counts shown).
tg_bench_country "$PROVINCES"

# 2. The services, local mode.
"${PSQL[@]}" -c "SET client_min_messages = warning" \
  -c "DROP SCHEMA IF EXISTS bench_staffing CASCADE; CREATE SCHEMA bench_staffing"
RPORT=$(tg_free_port)
tg_bench_start REGISTRY_PID "$TMP/registry.log" "$RPORT" services/org_registry/org_registry_server \
  --db="$DB" --schema=bench_orgs --workers=2 --trust_secret=
SPORT=$(tg_free_port)
tg_bench_start STAFFING_PID "$TMP/staffing.log" "$SPORT" services/staffing/staffing_server \
  --db="$DB" --schema=bench_staffing --workers=2 --org_registry="127.0.0.1:$RPORT" --trust_secret= \
  --today="$TODAY"

# 3. Quotas (SQL, bypassing the API on purpose) and the target (through the API).
t0=$(now_ms)
"${PSQL[@]}" -tA -f "$ROOT/tools/staffing_bench_quotas.sql" | sed '/^$/d'
echo "quotas written in $((($(now_ms) - t0) / 1000)) s (SQL straight into the tables, no API checks)"
SCOPE=$("${PSQL[@]}" -tA -c "SELECT unit_id FROM bench_orgs.unit_version WHERE code = 'P1' LIMIT 1")
TARGET_ID=$("$BUILD/tools/staffing_bench" --staffing="127.0.0.1:$SPORT" --create_target \
  --scope_unit="$SCOPE" | sed -n 's/^target_id=//p')
[[ -n $TARGET_ID ]] || tg_die "the target was not created"
echo "target $TARGET_ID: base $BASE_YEAR, target 2021, 1000 bp, every category (scope: province P1, unit $SCOPE)"
rss_before=$(awk '/^VmRSS/ {print $2}' "/proc/$STAFFING_PID/status")

# 4. The report over gRPC vs the hand-written SQL.
"$BUILD/tools/staffing_bench" --staffing="127.0.0.1:$SPORT" --unit_id=0 --year="$YEAR" \
  --base_year="$BASE_YEAR" --target_id="$TARGET_ID" --runs="$RUNS" --deadline_s=600 \
  >"$TMP/service.out" || { cat "$TMP/service.out"; tail -n 20 "$TMP/staffing.log" >&2; tg_die "ComputeReduction failed"; }
grep -v '^figure|' "$TMP/service.out"
svc_med=$(sed -n 's/^service median: \([0-9]*\) ms/\1/p' "$TMP/service.out")
sql_args=(-v root=0 -v year="$YEAR" -v base_year="$BASE_YEAR" -v as_of="$AS_OF"
  -v target_id="$TARGET_ID" -tA)
# JIT off for the baseline: PostgreSQL 15's default would compile this long statement for
# seconds whatever the data size (printed once below, for the record).
sql_ms=()
for r in $(seq 1 "$RUNS"); do
  t0=$(now_ms)
  PGOPTIONS='-c jit=off' "${PSQL[@]}" "${sql_args[@]}" -f "$ROOT/tools/staffing_bench_reduction.sql" \
    >"$TMP/sql.out"
  ms=$(($(now_ms) - t0))
  echo "hand-written SQL run $r: $ms ms (psql, jit off)"
  sql_ms+=("$ms")
done
sql_med=$(printf '%s\n' "${sql_ms[@]}" | median)
t0=$(now_ms)
"${PSQL[@]}" "${sql_args[@]}" -f "$ROOT/tools/staffing_bench_reduction.sql" >/dev/null
echo "hand-written SQL once with the cluster's default jit = on: $(($(now_ms) - t0)) ms (not in the median)"
echo "answers (service | hand-written SQL):"
grep '^figure|' "$TMP/service.out" | cut -d'|' -f2- >"$TMP/service.fig"
cut -d'|' -f2- "$TMP/sql.out" | sed '/^$/d' >"$TMP/sql.fig"
paste -d'\t' "$TMP/service.fig" "$TMP/sql.fig" | awk -F'\t' '{printf "  %-60s | %s\n", $1, $2}'
if cmp -s "$TMP/service.fig" "$TMP/sql.fig"; then
  SAME="identical"
else
  SAME="DIFFERENT"
  echo "the answers differ (category|baseline|current|reduced|bp|required|met|shortfall):"
  diff "$TMP/service.fig" "$TMP/sql.fig" | sed 's/^/  /' || true
fi
echo "answers: $SAME"

# 5. Peak memory after the runs.
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$STAFFING_PID/status")
rss_after=$(awk '/^VmRSS/ {print $2}' "/proc/$STAFFING_PID/status")
reg_peak=$(awk '/^VmHWM/ {print $2}' "/proc/$REGISTRY_PID/status")
awk -v b="$rss_before" -v a="$rss_after" -v p="$peak" -v r="$reg_peak" 'BEGIN {
  printf "memory: staffing_server RSS %.0f MiB before the runs, %.0f MiB after, peak (VmHWM) %.0f MiB; org_registry_server peak %.0f MiB\n", b / 1024, a / 1024, p / 1024, r / 1024 }'

# 6. Where the service's time goes: one more call with the statements tracked, and the
# registry calls alone.
"$BUILD/tools/staffing_bench" --registry="127.0.0.1:$RPORT" --profile_registry --unit_id=0 --year="$YEAR" \
  --base_year="$BASE_YEAR" --deadline_s=600 | tee "$TMP/registry.out"
reg_ms=$(sed -n 's/^registry .* in \([0-9]*\) ms$/\1/p; s/^registry .*, \([0-9]*\) ms$/\1/p' "$TMP/registry.out" |
  awk '{s += $1} END {print s + 0}')
"${PSQL[@]}" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
  -c "ALTER SYSTEM SET pg_stat_statements.track = 'top'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
"${PSQL[@]}" -c "SELECT pg_stat_statements_reset()" >/dev/null
PERF_PID=
if [[ ${BENCH_STAFFING_PERF:-0} == 1 ]] && command -v perf >/dev/null 2>&1; then
  perf record -F 499 -g -p "$STAFFING_PID" -o "$TMP/perf.data" >/dev/null 2>&1 &
  PERF_PID=$!
  sleep 1
fi
"$BUILD/tools/staffing_bench" --staffing="127.0.0.1:$SPORT" --unit_id=0 --year="$YEAR" \
  --base_year="$BASE_YEAR" --target_id="$TARGET_ID" --runs=1 --deadline_s=600 >"$TMP/profile.out"
if [[ -n $PERF_PID ]]; then
  kill -INT "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
fi
prof_ms=$(sed -n 's/^service median: \([0-9]*\) ms/\1/p' "$TMP/profile.out")
"${PSQL[@]}" -tA -F'|' -c "
  SELECT CASE WHEN query ILIKE '%quota%' OR query ILIKE '%reduction_target%' THEN 'staffing'
              ELSE 'registry' END AS who,
         round(sum(total_exec_time))::bigint, sum(calls), sum(rows)
  FROM pg_stat_statements
  WHERE query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE '%pg_reload_conf%'
    AND query NOT ILIKE '%ALTER SYSTEM%'
  GROUP BY 1 ORDER BY 1" >"$TMP/statements.out"
"${PSQL[@]}" -tA -F'|' -c "
  SELECT round(total_exec_time)::bigint, calls, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 90)
  FROM pg_stat_statements
  WHERE query NOT ILIKE '%pg_stat_statements%' AND total_exec_time >= 5
  ORDER BY total_exec_time DESC LIMIT 6" | sed 's/^/  statement ms|calls|rows|text: /'
st_ms=$(awk -F'|' '$1 == "staffing" {print $2}' "$TMP/statements.out")
rg_sql_ms=$(awk -F'|' '$1 == "registry" {print $2}' "$TMP/statements.out")
awk -v t="$prof_ms" -v r="${reg_ms:-0}" -v s="${st_ms:-0}" -v q="${rg_sql_ms:-0}" 'BEGIN {
  rest = t - r - s; if (rest < 0) rest = 0
  printf "profile (one more call, %d ms): registry calls %d ms (%.0f%%; their SQL %d ms of it), staffing store SQL %d ms (%.0f%%), the rest in process (trace, covering, the answer) ~%d ms (%.0f%%)\n", t, r, 100 * r / t, q, s, 100 * s / t, rest, 100 * rest / t }'
if [[ -n $PERF_PID && -s $TMP/perf.data ]]; then
  echo "perf, staffing_server during that call (self time, top symbols):"
  perf report -i "$TMP/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
    grep -E '^ +[0-9.]+%' | sed -n '1,15p' | sed -e 's/[ -]*$//' -e 's/^ */  /'
fi

awk -v s="$svc_med" -v q="$sql_med" -v p="$peak" -v n="$PROVINCES" -v u="$RUNS" -v same="$SAME" \
  -v secs="$(($(date +%s) - BEGAN))" 'BEGIN {
  printf "summary: whole-country reduction report (%d provinces, median of %d): service %d ms, hand-written SQL %d ms, ratio %.2f (goal <= 2); staffing peak RSS %.0f MiB (goal <= 512); answers %s; script %d s\n", n, u, s, q, s / q, p / 1024, same, secs }'
