#!/usr/bin/env bash
# tools/bench_reporting.sh — issue 9's figures for the reporting service: Sở Nội vụ's consolidated
# report for the whole synthetic country against the same figures in hand-written SQL, measured
# in the same run on the same throwaway PostgreSQL, and the service's peak RSS (printed, never
# asserted):
#   1. the synthetic country of tools/org_bench (~145,000 units at 34 provinces, with its history:
#      commune mergers 2020, district consolidations 2024, end of the district level 2025) in
#      schema bench_orgs;
#   2. org_registry_server on it, staffing_server (schema bench_staffing) and tasks_server
#      (bench_tasks), local mode;
#   3. staffing as tools/bench_staffing.sh loads it: quotas 2015–2025 for every unit (SQL straight
#      into the tables, tools/staffing_bench_quotas.sql) and a reduction target through the API
#      (base 2015, target 2021, 10 %, every category);
#   4. tasks as tools/bench_tasks.sh loads them: TASKS tasks (50,000) with progress and changes
#      (SQL, tools/tasks_bench_tasks.sql), then tasks_server restarted so it builds its standing
#      index;
#   5. reporting_server (schema bench_reporting, local mode) pointed at the three, and a
#      whole-country regime through the API (submitters: the province committees under root 0,
#      direct children only; scope 0; every plan; the target; yearly from 1/1, submissions before
#      25/11, the consolidated report on 1/12, so 2021's data date is 2021-12-01; first year 2018);
#   6. RUNS runs, each: a build of 2021 (StartReportBuild, reuse_existing false, a fresh request
#      id; timed until GetReportBuild, polled every 50 ms, says done; the snapshot read back),
#      then the hand-written SQL for the same figures, one psql after another (one client, as
#      the build is one), each part timed and summed:
#        registry  tools/reporting_bench_org.sql: counts by kind on the first day, the data
#                  date and 31/12 of the base year, the period's changes with names, who reports
#                  and where each stands;
#        reduction tools/staffing_bench_reduction.sql (root 0, 2021, the target, as of the data
#                  date): the quota's reduction per category and the units behind;
#        tasks     tools/tasks_bench_counts.sql (per lead by timeliness) and
#                  tools/tasks_bench_overdue_rows.sql (the overdue list's rows, sent);
#        streamlining tools/reporting_bench_streamlining.sql: people by policy, the year and
#                  since the base year;
#      medians of RUNS, the ratio, the snapshot's size, and the figures compared (counts by
#      kind, changes, submitters; each category's baseline/current/…; every lead's line, totals
#      by timeliness, cancelled; the overdue list's count and id sum; streamlining by policy);
#   7. where the service's time goes: the time each build stage was seen (its `stage` field), the
#      build's reads made one by one outside it (reporting_bench --profile_reads), and the SQL
#      every service ran for one more build (pg_stat_statements);
#   8. peak RSS (VmHWM) of reporting_server, and of the registry, staffing and tasks.
# A build that ends FAILED (or CANCELLED) does not stop the script: its stage, error and time
# until then are printed, the ratio is then a lower bound against the SQL of what it got
# through, and the figures are compared from the answers of the build's reads made alone
# (step 7). On 2026-11-30 every whole-country build failed in its tasks stage: assemble.cc asks
# ListTasks for unit_id = scope = 0 with include_subunits, which tasks refuses (INVALID_ARGUMENT
# "unit_id: name the unit whose tasks to list").
# NO SQL TWIN, in the service's time only: the deputies against the caps (staffing evaluates the
# rules per province: ListDeputyCapViolations x provinces), the staff by headcount (the ACTUAL
# measure: a second ComputeReduction), the per-unit quota rows the snapshot keeps (the SQL
# computes them but sends the category lines only), the tasks by status, the scorecard, the
# manifest, and storing the snapshot (serialization, SHA-256, the row). The data as loaded has
# no leadership posts, cap rules, headcounts, streamlining cases or submissions: those sections
# are read and come back empty (the SQL's streamlining part is timed all the same).
# Usage: tools/bench_reporting.sh [PROVINCES (34)] [RUNS (3)] [TASKS (50000)]. Needs a build in
# $TINHGON_BUILD_DIR (default build) with org_bench, staffing_bench (target; health waits),
# reporting_bench, org_registry_server, staffing_server, tasks_server and reporting_server.
# Loopback only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TG_LOG_TAG=bench_reporting
# shellcheck source=deploy/local/pg.sh
source "$ROOT/deploy/local/pg.sh"
# shellcheck source=tools/bench_lib.sh
source "$ROOT/tools/bench_lib.sh"
BUILD=${TINHGON_BUILD_DIR:-$ROOT/build}
PROVINCES=${1:-34}
RUNS=${2:-3}
TASKS=${3:-50000}
YEAR=2021
BASE_YEAR=2015
TODAY=2026-06-01  # the services' fixed today
tg_bench_require "$BUILD" tools/org_bench tools/staffing_bench tools/reporting_bench \
  services/org_registry/org_registry_server services/staffing/staffing_server \
  services/tasks/tasks_server services/reporting/reporting_server
BEGAN=$(date +%s)

REGISTRY_PID=
STAFFING_PID=
TASKS_PID=
REPORTING_PID=
# pg_stat_statements is loaded for the profiling step only: it tracks nothing until then.
tg_bench_cluster reporting $'shared_preload_libraries = \'pg_stat_statements\'\npg_stat_statements.track = none'

echo "== reporting benchmark: $PROVINCES provinces, $TASKS tasks, $RUNS runs, $(nproc) cores, $(date -u +%FT%TZ)"

# 1. The country and its history (org_bench measures the registry too: only its counts shown).
tg_bench_country "$PROVINCES"

# 2. The registry, staffing and tasks, local mode.
"${PSQL[@]}" -c "SET client_min_messages = warning" \
  -c "DROP SCHEMA IF EXISTS bench_staffing CASCADE; CREATE SCHEMA bench_staffing" \
  -c "DROP SCHEMA IF EXISTS bench_tasks CASCADE; CREATE SCHEMA bench_tasks" \
  -c "DROP SCHEMA IF EXISTS bench_reporting CASCADE; CREATE SCHEMA bench_reporting"
RPORT=$(tg_free_port)
tg_bench_start REGISTRY_PID "$TMP/registry.log" "$RPORT" services/org_registry/org_registry_server \
  --db="$DB" --schema=bench_orgs --workers=2 --trust_secret=
SPORT=$(tg_free_port)
tg_bench_start STAFFING_PID "$TMP/staffing.log" "$SPORT" services/staffing/staffing_server \
  --db="$DB" --schema=bench_staffing --workers=2 --org_registry="127.0.0.1:$RPORT" --trust_secret= \
  --today="$TODAY"
TPORT=$(tg_free_port)
start_tasks() {  # the tasks service on $TPORT, its log appended to $TMP/tasks.log; waits for it
  tg_bench_start TASKS_PID "$TMP/tasks.log" "$TPORT" services/tasks/tasks_server --db="$DB" \
    --schema=bench_tasks --workers=2 --org_registry="127.0.0.1:$RPORT" --trust_secret= \
    --today="$TODAY"
}
start_tasks

# 3. Staffing: quotas (SQL, bypassing the API on purpose) and the target (through the API).
t0=$(now_ms)
"${PSQL[@]}" -tA -f "$ROOT/tools/staffing_bench_quotas.sql" | sed '/^$/d'
echo "quotas written in $((($(now_ms) - t0) / 1000)) s (SQL straight into the tables, no API checks)"
SCOPE=$("${PSQL[@]}" -tA -c "SELECT unit_id FROM bench_orgs.unit_version WHERE code = 'P1' LIMIT 1")
TARGET_ID=$("$BUILD/tools/staffing_bench" --staffing="127.0.0.1:$SPORT" --create_target \
  --scope_unit="$SCOPE" | sed -n 's/^target_id=//p')
[[ -n $TARGET_ID ]] || tg_die "the target was not created"
echo "target $TARGET_ID: base $BASE_YEAR, target 2021, 1000 bp, every category (scope: province P1, unit $SCOPE)"

# 4. Tasks (SQL, bypassing the API on purpose); the restart builds their standing index.
t0=$(now_ms)
"${PSQL[@]}" -tA -v tasks="$TASKS" -f "$ROOT/tools/tasks_bench_tasks.sql" | sed '/^$/d'
echo "tasks written in $((($(now_ms) - t0) / 1000)) s (SQL straight into the tables, no API checks)"
kill "$TASKS_PID"
wait "$TASKS_PID" 2>/dev/null || true
t0=$(now_ms)
start_tasks
echo "tasks_server restarted, standing index built in $(($(now_ms) - t0)) ms ($(grep -o 'rebuilt for [0-9]* tasks in [0-9]* ms' "$TMP/tasks.log" | tail -n 1))"

# 5. The reporting service and the whole-country regime.
PPORT=$(tg_free_port)
tg_bench_start REPORTING_PID "$TMP/reporting.log" "$PPORT" services/reporting/reporting_server \
  --db="$DB" --schema=bench_reporting --workers=2 --org_registry="127.0.0.1:$RPORT" \
  --staffing="127.0.0.1:$SPORT" --tasks="127.0.0.1:$TPORT" --trust_secret= --today="$TODAY"
COLLECTOR=$("${PSQL[@]}" -tA -c "SELECT unit_id FROM bench_orgs.unit_version WHERE code = 'P1.S1' LIMIT 1")
"$BUILD/tools/reporting_bench" --reporting="127.0.0.1:$PPORT" --create_regime \
  --collector_id="$COLLECTOR" --target_id="$TARGET_ID" --year="$YEAR" >"$TMP/regime.out" ||
  { cat "$TMP/regime.out"; tail -n 20 "$TMP/reporting.log" >&2; tg_die "the regime was not created"; }
REGIME_ID=$(sed -n 's/^regime_id=//p' "$TMP/regime.out")
IFS='|' read -r _ FIRST_DAY LAST_DAY DATA_DATE DUE CONSOLIDATED < <(grep '^period|' "$TMP/regime.out")
[[ -n $REGIME_ID && -n $DATA_DATE ]] || tg_die "the regime or its period did not come back"
echo "regime $REGIME_ID (collector: P1.S1, unit $COLLECTOR; targets: $TARGET_ID): period $YEAR $FIRST_DAY..$LAST_DAY, data date $DATA_DATE, submissions due by $DUE, consolidated by $CONSOLIDATED"
grep '^period ' "$TMP/regime.out"
rss_before=$(vm "$REPORTING_PID" VmRSS)

# 6. The runs: a build, then the hand-written SQL.
SQL_PARTS=(registry reduction tasks_counts tasks_overdue streamlining)
sql_part() {  # $1 part: runs it once with psql (JIT off), output in $TMP/sql.$1.out, prints its ms
  local file args=()
  case $1 in
    registry) file=reporting_bench_org.sql
      args=(-v first_day="$FIRST_DAY" -v as_of="$DATA_DATE" -v base_end="$BASE_YEAR-12-31"
        -v due="$DUE" -v regime_id="$REGIME_ID" -v year="$YEAR") ;;
    reduction) file=staffing_bench_reduction.sql
      args=(-v root=0 -v year="$YEAR" -v base_year="$BASE_YEAR" -v as_of="$DATA_DATE"
        -v target_id="$TARGET_ID") ;;
    tasks_counts) file=tasks_bench_counts.sql; args=(-v as_of="$DATA_DATE") ;;
    tasks_overdue) file=tasks_bench_overdue_rows.sql; args=(-v as_of="$DATA_DATE") ;;
    streamlining) file=reporting_bench_streamlining.sql
      args=(-v as_of="$DATA_DATE" -v base_year="$BASE_YEAR" -v year="$YEAR") ;;
  esac
  local t
  t=$(now_ms)
  PGOPTIONS='-c jit=off' "${PSQL[@]}" -tA "${args[@]}" -f "$ROOT/tools/$file" >"$TMP/sql.$1.out"
  echo $(($(now_ms) - t))
}
svc_ms=()
sql_ms=()
sql_before_overdue=()  # the SQL without the overdue list's part: the twin of what a build that
                       # failed on the overdue list got through
FAILED=0
FAILURE=
: >"$TMP/stages"
for r in $(seq 1 "$RUNS"); do
  rc=0
  "$BUILD/tools/reporting_bench" --reporting="127.0.0.1:$PPORT" --build --regime_id="$REGIME_ID" \
    --year="$YEAR" --poll_ms=50 --run="$r" >"$TMP/build.out" || rc=$?
  if [[ $rc == 3 ]]; then  # the build ended FAILED or CANCELLED: said, and the run goes on
    FAILED=$((FAILED + 1))
    FAILURE=$(sed -n 's/^service build run [0-9]*: //p' "$TMP/build.out")
  elif [[ $rc != 0 ]]; then
    cat "$TMP/build.out"
    tail -n 30 "$TMP/reporting.log" >&2
    tg_die "the build could not be run"
  else
    cp "$TMP/build.out" "$TMP/build.ok"
  fi
  grep -E '^(service build|snapshot)' "$TMP/build.out"
  grep '^stage|' "$TMP/build.out" >>"$TMP/stages"
  svc_ms+=("$(sed -En 's/^service build run [0-9]+: ([A-Z]+ after )?([0-9]+) ms.*/\2/p' "$TMP/build.out")")
  parts=""
  total=0
  for part in "${SQL_PARTS[@]}"; do
    ms=$(sql_part "$part")
    echo "$ms" >>"$TMP/sql.$part.ms"
    parts+="${parts:+, }$part $ms"
    total=$((total + ms))
    if [[ $part == tasks_overdue ]]; then overdue_ms=$ms; fi
  done
  sql_ms+=("$total")
  sql_before_overdue+=("$((total - overdue_ms))")
  echo "hand-written SQL run $r: $total ms (psql one part after another, jit off: $parts)"
done
svc_med=$(printf '%s\n' "${svc_ms[@]}" | median)
sql_med=$(printf '%s\n' "${sql_ms[@]}" | median)
sql_part_med=$(printf '%s\n' "${sql_before_overdue[@]}" | median)
if ((FAILED > 0)); then
  echo "service build: $FAILED of $RUNS builds did not succeed; the last: $FAILURE"
  echo "service build: median $svc_med ms until done or failed (runs: ${svc_ms[*]} ms)"
else
  echo "service build: median $svc_med ms (runs: ${svc_ms[*]} ms)"
fi
echo "hand-written SQL: median $sql_med ms (runs: ${sql_ms[*]} ms); each part's median: $(
  for part in "${SQL_PARTS[@]}"; do printf '%s %s ms; ' "$part" "$(median <"$TMP/sql.$part.ms")"; done)"
echo "time in each build stage as polled every 50 ms (its stage field; a shorter stage may go unseen, its time then counted in the one before), median of $RUNS runs:"
awk -F'|' '!(($3 "|" $4) in seen) {seen[$3 "|" $4] = 1; print $3 "|" $4}' "$TMP/stages" | sort -t'|' -k1,1n |
  while IFS='|' read -r pct stage; do
    vals=$(awk -F'|' -v p="$pct" -v s="$stage" '$3 == p && $4 == s {printf " %s", $5}' "$TMP/stages")
    printf '  %3s%% %-55s %6s ms  (runs:%s)\n' "$pct" "$stage" "$(tr ' ' '\n' <<<"$vals" | sed '/^$/d' | median)" "$vals"
  done
echo "NOT in the SQL (no twin; in the service's time only): deputies against the caps (ListDeputyCapViolations per province), staff by headcount (ComputeReduction ACTUAL), the per-unit quota rows kept in the snapshot (the SQL sends category lines), tasks by status, the scorecard, the manifest, storing the snapshot; the data has no posts, cap rules, headcounts, streamlining cases or submissions"

# 7. Where the service's time goes: the build's reads one by one (their answers are the
# figures compared below when no build succeeded), then (after the figures) the SQL of one more build.
echo "where the time goes: the build's reads, each made alone (the build's requests and page sizes):"
"$BUILD/tools/reporting_bench" --profile_reads --registry="127.0.0.1:$RPORT" \
  --staffing="127.0.0.1:$SPORT" --tasks="127.0.0.1:$TPORT" --target_id="$TARGET_ID" \
  --year="$YEAR" --base_year="$BASE_YEAR" --first_day="$FIRST_DAY" --as_of="$DATA_DATE" \
  --reporting="127.0.0.1:$PPORT" --regime_id="$REGIME_ID" >"$TMP/reads.out" ||
  { cat "$TMP/reads.out"; tg_die "the reads failed"; }
awk -F'|' '/^read\|/ {printf "  %6d ms  %s: %s\n", $3, $2, $4}' "$TMP/reads.out"
reads_ms=$(sed -n 's/^reads total: \([0-9]*\) ms/\1/p' "$TMP/reads.out")
echo "  reads summed: $reads_ms ms against the build's median $svc_med ms (until it ended); the rest (assembly in process, storing the snapshot, the poll's 50 ms) ~$((svc_med > reads_ms ? svc_med - reads_ms : 0)) ms"

# The figures, compared (the last snapshot against the last run's SQL).
sed -n 's/^lead|/tasks|lead|/p' "$TMP/sql.tasks_counts.out" >"$TMP/sql.leads"
{
  grep '^org|' "$TMP/sql.registry.out"
  grep '^figure|' "$TMP/sql.reduction.out"
  cat "$TMP/sql.leads"
  awk -F'|' '{a += $4; b += $5; c += $6; d += $7; t += $8}
    END {print "tasks|timeliness|" a "|" b "|" c "|" d; print "tasks|total|" t "|cancelled|" t - a - b - c - d}' "$TMP/sql.leads"
  awk -F'|' 'NF > 1 {n++; s += $1} END {print "tasks|overdue|" n + 0 "|" s + 0}' "$TMP/sql.tasks_overdue.out"
  grep '^streamlining|' "$TMP/sql.streamlining.out"
} >"$TMP/sql.fig"
SAME=identical
compare() {  # $1 label, $2 pattern, $3 1 = print both sides; the service's lines in $TMP/svc.fig
  grep -E "$2" "$TMP/svc.fig" >"$TMP/a" || true
  grep -E "$2" "$TMP/sql.fig" >"$TMP/b" || true
  if cmp -s "$TMP/a" "$TMP/b"; then
    echo "$1: identical ($(wc -l <"$TMP/a") lines)"
  else
    echo "$1: DIFFERENT (service | SQL)"
    SAME=DIFFERENT
  fi
  if [[ $3 == 1 ]] || ! cmp -s "$TMP/a" "$TMP/b"; then
    paste -d'\t' "$TMP/a" "$TMP/b" | head -n 30 | awk -F'\t' '{printf "  %-58s | %s\n", $1, $2}'
  fi
}
snap_mb=none
if [[ -s $TMP/build.ok ]]; then
  grep -E '^(org|figure|tasks|streamlining)\|' "$TMP/build.ok" >"$TMP/svc.fig"
  snap_mb=$(sed -n 's/^snapshot [0-9]* read back.*: \([0-9.]*\) MB stored.*/\1/p' "$TMP/build.ok")
  echo "figures, the last snapshot against the last SQL run:"
else
  grep -E '^(org|figure|tasks|streamlining)\|' "$TMP/reads.out" >"$TMP/svc.fig"
  echo "figures: no build succeeded, so no snapshot: the answers of the build's reads above (and GetReportPeriod for who reports) against the last SQL run:"
fi
compare "counts by kind (kind|first day|data date), since 31/12/$BASE_YEAR, changes (n|id sum), submitters (n|on time|late|missing|not yet due)" '^org\|' 1
compare "quota reduction (category|baseline|current|reduced|bp|required|met|shortfall)" '^figure\|' 1
compare "tasks per lead (id|on time|late|within|overdue|total)" '^tasks\|lead\|' 0
compare "tasks by timeliness (on time|late|within|overdue), total and cancelled; overdue list (n|id sum)" '^tasks\|(timeliness|total|overdue)\|' 1
compare "streamlining by policy (in $YEAR|since $((BASE_YEAR + 1)))" '^streamlining\|' 1
if [[ -s $TMP/build.ok ]]; then
  echo "without a SQL twin (not compared):"
  sed -n 's/^info|/  /p' "$TMP/build.ok"
fi

# 7, continued: the SQL every service ran during one more build.
"${PSQL[@]}" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
  -c "ALTER SYSTEM SET pg_stat_statements.track = 'top'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
"${PSQL[@]}" -c "SELECT pg_stat_statements_reset()" >/dev/null
rc=0
"$BUILD/tools/reporting_bench" --reporting="127.0.0.1:$PPORT" --build --regime_id="$REGIME_ID" \
  --year="$YEAR" --poll_ms=50 --run=0 >"$TMP/profile.out" || rc=$?
[[ $rc == 0 || $rc == 3 ]] ||
  { cat "$TMP/profile.out"; tail -n 30 "$TMP/reporting.log" >&2; tg_die "the profiled build could not be run"; }
prof_ms=$(sed -En 's/^service build run [0-9]+: ([A-Z]+ after )?([0-9]+) ms.*/\2/p' "$TMP/profile.out")
prof_end=
[[ $rc == 3 ]] && prof_end=", ended $(sed -En 's/^service build run [0-9]+: ([A-Z]+) after.*/\1/p' "$TMP/profile.out")"
who="CASE WHEN query ~* '(quota|headcount|reduction_target|leadership_post|deputy_cap|streamlining_)' THEN 'staffing'
          WHEN query ~* '(task|progress_update|\\mplan\\M)' THEN 'tasks'
          WHEN query ~* '(snapshot|\\mbuild\\M|regime|submission)' THEN 'reporting'
          ELSE 'registry' END"
echo "SQL the services ran during one more build ($prof_ms ms$prof_end), pg_stat_statements (ms|calls|rows):"
"${PSQL[@]}" -tA -F'|' -c "
  SELECT $who, round(sum(total_exec_time))::bigint, sum(calls), sum(rows)
  FROM pg_stat_statements
  WHERE query !~* '(pg_stat_statements|pg_reload_conf|ALTER SYSTEM)'
  GROUP BY 1 ORDER BY 2 DESC" | sed 's/^/  by service (told by the tables a statement names): /'
"${PSQL[@]}" -tA -F'|' -c "
  SELECT round(total_exec_time)::bigint, calls, rows, $who,
         left(regexp_replace(query, '\s+', ' ', 'g'), 100)
  FROM pg_stat_statements
  WHERE query !~* '(pg_stat_statements|pg_reload_conf|ALTER SYSTEM)' AND total_exec_time >= 5
  ORDER BY total_exec_time DESC LIMIT 10" | sed 's/^/  statement ms|calls|rows|service|text: /'
echo "reporting_server's log (last lines):"
tail -n 5 "$TMP/reporting.log" | cut -c1-200 | sed 's/^/  /'

# 8. Memory.
peak=$(vm "$REPORTING_PID" VmHWM)
rss_after=$(vm "$REPORTING_PID" VmRSS)
awk -v b="$rss_before" -v a="$rss_after" -v p="$peak" -v r="$(vm "$REGISTRY_PID" VmHWM)" \
  -v s="$(vm "$STAFFING_PID" VmHWM)" -v t="$(vm "$TASKS_PID" VmHWM)" 'BEGIN {
  printf "memory: reporting_server RSS %.0f MiB before the builds, %.0f MiB after, peak (VmHWM) %.0f MiB; peaks of org_registry_server %.0f MiB, staffing_server %.0f MiB, tasks_server %.0f MiB\n", b / 1024, a / 1024, p / 1024, r / 1024, s / 1024, t / 1024 }'

if ((FAILED > 0)); then
  awk -v s="$svc_med" -v q="$sql_med" -v qp="$sql_part_med" -v p="$peak" -v n="$PROVINCES" \
    -v k="$TASKS" -v u="$RUNS" -v f="$FAILED" -v y="$YEAR" -v secs="$(($(date +%s) - BEGAN))" 'BEGIN {
    printf "summary: whole-country consolidated report %d (%d provinces, %d tasks, %d runs): the build FAILED in %d of %d runs, after a median %d ms; up to there against the hand-written SQL of the same reads (all but the overdue list) %d ms, ratio >= %.2f (a lower bound: the overdue list, the scorecard and storing were not reached; goal <= 2); the whole SQL %d ms; reporting peak RSS %.0f MiB (goal <= 512; no snapshot built); script %d s\n", y, n, k, u, f, u, s, qp, s / qp, q, p / 1024, secs }'
else
  awk -v s="$svc_med" -v q="$sql_med" -v p="$peak" -v n="$PROVINCES" -v k="$TASKS" -v u="$RUNS" \
    -v mb="$snap_mb" -v same="$SAME" -v y="$YEAR" -v secs="$(($(date +%s) - BEGAN))" 'BEGIN {
    printf "summary: whole-country consolidated report %d (%d provinces, %d tasks, median of %d): service build %d ms vs hand-written SQL %d ms (the parts with a twin), ratio %.2f (goal <= 2); snapshot %.1f MB; reporting peak RSS %.0f MiB (goal <= 512); figures compared: %s; script %d s\n", y, n, k, u, s, q, s / q, mb, p / 1024, same, secs }'
fi
