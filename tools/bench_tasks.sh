#!/usr/bin/env bash
# tools/bench_tasks.sh — issue 8's figures for the tasks service, each against a baseline measured
# in the same run on the same throwaway PostgreSQL (printed, never asserted):
#   1. the synthetic country of tools/org_bench (~145,000 units at 34 provinces, with its
#      history) in schema bench_orgs, plus the Lâm Đồng sample units (data/lam_dong/units.tsv);
#   2. org_registry_server on it and tasks_server on a fresh schema bench_tasks, local mode;
#   3. TASKS tasks (50,000) with progress and changes, written with SQL straight into
#      bench_tasks (tools/tasks_bench_tasks.sql says how and why);
#   4. the whole country's overdue list as of AS_OF over gRPC (every page) vs the hand-written
#      SQL (tools/tasks_bench_overdue.sql: computed, one line sent; and
#      tools/tasks_bench_overdue_rows.sql: the same list's rows sent, as the API does), and the
#      per-lead counts by timeliness (CountTasks by_lead) vs tools/tasks_bench_counts.sql;
#      medians of RUNS; the answers compared;
#   5. the import of the seed plan (data/plans/ke-hoach-lam-dong-nq18.txt) as a dry run against
#      the Lâm Đồng units: time per plan;
#   6. the tasks service's peak RSS.
# Lists and counts read the standing index (services/tasks/store/migrations/002): the tasks of
# step 3 bypass the API, so the service is restarted after it and builds their index (timed).
# Usage: tools/bench_tasks.sh [PROVINCES (34)] [RUNS (3)] [TASKS (50000)]. Needs a build in
# $TINHGON_BUILD_DIR (default build) with org_bench, staffing_bench (health waits), tasks_bench,
# seed_loader, org_registry_server and tasks_server. Loopback only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TG_LOG_TAG=bench_tasks
# shellcheck source=deploy/local/pg.sh
source "$ROOT/deploy/local/pg.sh"
# shellcheck source=tools/bench_lib.sh
source "$ROOT/tools/bench_lib.sh"
BUILD=${TINHGON_BUILD_DIR:-$ROOT/build}
PROVINCES=${1:-34}
RUNS=${2:-3}
TASKS=${3:-50000}
AS_OF=2021-12-31
TODAY=2026-06-01
tg_bench_require "$BUILD" tools/org_bench tools/staffing_bench tools/tasks_bench tools/seed_loader \
  services/org_registry/org_registry_server services/tasks/tasks_server
BEGAN=$(date +%s)

TASKS_PID=
tg_bench_cluster tasks

echo "== tasks benchmark: $PROVINCES provinces, $TASKS tasks, $RUNS runs, $(nproc) cores, $(date -u +%FT%TZ)"

# 1. The country and its history; the Lâm Đồng units beside it.
t0=$(now_ms)
"$BUILD/tools/org_bench" --db="$DB" --provinces="$PROVINCES" --reps=1 >"$TMP/org_bench.out" 2>"$TMP/org_bench.err" ||
  { cat "$TMP/org_bench.err" >&2; tg_die "org_bench failed"; }
grep -E '^(synthetic country|stored):' "$TMP/org_bench.out" | sed 's/^/org_bench: /'
echo "country loaded in $((($(now_ms) - t0) / 1000)) s"

# 2. The services, local mode.
"${PSQL[@]}" -c "SET client_min_messages = warning" \
  -c "DROP SCHEMA IF EXISTS bench_tasks CASCADE; CREATE SCHEMA bench_tasks"
RPORT=$(tg_free_port)
tg_bench_start REGISTRY_PID "$TMP/registry.log" "$RPORT" services/org_registry/org_registry_server \
  --db="$DB" --schema=bench_orgs --workers=2 --trust_secret=
LD_ID=$("$BUILD/tools/seed_loader" --target="127.0.0.1:$RPORT" --file="$ROOT/data/lam_dong/units.tsv" |
  awk '$2 == "68" { for (i = 3; i <= NF; i++) if ($i ~ /^id=/) { print substr($i, 4); exit } }')
[[ -n $LD_ID ]] || tg_die "the Lâm Đồng units did not load"
TPORT=$(tg_free_port)
start_tasks() {  # the tasks service on $TPORT, its log appended to $TMP/tasks.log; waits for it
  tg_bench_start TASKS_PID "$TMP/tasks.log" "$TPORT" services/tasks/tasks_server --db="$DB" \
    --schema=bench_tasks --workers=2 --org_registry="127.0.0.1:$RPORT" --trust_secret= \
    --today="$TODAY"
}
start_tasks

# 3. The tasks (SQL, bypassing the API on purpose).
t0=$(now_ms)
"${PSQL[@]}" -tA -v tasks="$TASKS" -f "$ROOT/tools/tasks_bench_tasks.sql" | sed '/^$/d'
echo "tasks written in $((($(now_ms) - t0) / 1000)) s (SQL straight into the tables, no API checks)"
# Rows written around the API have no standing index yet: the service builds it when it starts.
kill "$TASKS_PID"
wait "$TASKS_PID" 2>/dev/null || true
t0=$(now_ms)
start_tasks
echo "standing index built at start in $(($(now_ms) - t0)) ms ($(grep -o 'rebuilt for [0-9]* tasks in [0-9]* ms' "$TMP/tasks.log" | tail -n 1)); rows: $("${PSQL[@]}" -tA -c 'SELECT count(*) FROM bench_tasks.task_standing')"
rss_before=$(awk '/^VmRSS/ {print $2}' "/proc/$TASKS_PID/status")

# 4. Overdue list and per-lead counts: the service vs the hand-written SQL.
sql_runs() {  # $1 file, $2 label: runs it RUNS times, prints the times, leaves the answer in $TMP/sql.out
  local ms=()
  for r in $(seq 1 "$RUNS"); do
    local t
    t=$(now_ms)
    PGOPTIONS='-c jit=off' "${PSQL[@]}" -tA -v as_of="$AS_OF" -f "$ROOT/tools/$1" >"$TMP/sql.out"
    ms+=($(($(now_ms) - t)))
    echo "hand-written SQL $2 run $r: ${ms[-1]} ms (psql, jit off)"
  done
  printf '%s\n' "${ms[@]}" | median >"$TMP/sql.median"
}
compare() {  # $1 label: the service's answer lines against the SQL's
  sed -n 's/^answer|//p' "$TMP/service.out" >"$TMP/a.svc"
  sed '/^$/d' "$TMP/sql.out" >"$TMP/a.sql"
  if cmp -s "$TMP/a.svc" "$TMP/a.sql"; then
    echo "$1 answers: identical ($(wc -l <"$TMP/a.sql") lines)"
  else
    echo "$1 answers: DIFFERENT"
    diff "$TMP/a.svc" "$TMP/a.sql" | head -n 20 | sed 's/^/  /' || true
  fi
}
"$BUILD/tools/tasks_bench" --tasks="127.0.0.1:$TPORT" --overdue --as_of="$AS_OF" --runs="$RUNS" \
  >"$TMP/service.out" || { cat "$TMP/service.out"; tail -n 20 "$TMP/tasks.log" >&2; tg_die "overdue list failed"; }
grep -v '^answer|' "$TMP/service.out"
ov_svc=$(sed -n 's/^service overdue median: \([0-9]*\) ms/\1/p' "$TMP/service.out")
sql_runs tasks_bench_overdue_rows.sql "overdue list with its rows"
ov_rows_sql=$(<"$TMP/sql.median")
sql_runs tasks_bench_overdue.sql "overdue"
ov_sql=$(<"$TMP/sql.median")
compare "overdue list"
grep '^answer|overdue' "$TMP/service.out" | sed 's/^answer|/  service: /'

"$BUILD/tools/tasks_bench" --tasks="127.0.0.1:$TPORT" --counts --as_of="$AS_OF" --runs="$RUNS" \
  >"$TMP/service.out" || { cat "$TMP/service.out"; tail -n 20 "$TMP/tasks.log" >&2; tg_die "counts failed"; }
grep -v '^answer|' "$TMP/service.out"
ct_svc=$(sed -n 's/^service counts median: \([0-9]*\) ms/\1/p' "$TMP/service.out")
sql_runs tasks_bench_counts.sql "counts"
ct_sql=$(<"$TMP/sql.median")
compare "per-lead counts"

# 5. The seed plan's import, dry runs.
"$BUILD/tools/tasks_bench" --tasks="127.0.0.1:$TPORT" --import="$ROOT/data/plans/ke-hoach-lam-dong-nq18.txt" \
  --issuer_id="$LD_ID" --runs=$((RUNS * 2 - 1)) | tee "$TMP/import.out"
imp=$(sed -n 's/^import (dry run) per plan median: \([0-9]*\) ms/\1/p' "$TMP/import.out")

# 6. Memory.
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$TASKS_PID/status")
rss_after=$(awk '/^VmRSS/ {print $2}' "/proc/$TASKS_PID/status")
awk -v b="$rss_before" -v a="$rss_after" -v p="$peak" 'BEGIN {
  printf "memory: tasks_server RSS %.0f MiB before the runs, %.0f MiB after, peak (VmHWM) %.0f MiB\n", b / 1024, a / 1024, p / 1024 }'

awk -v os="$ov_svc" -v oq="$ov_sql" -v orq="$ov_rows_sql" -v cs="$ct_svc" -v cq="$ct_sql" -v i="$imp" -v n="$TASKS" \
  -v u="$RUNS" -v secs="$(($(date +%s) - BEGAN))" 'BEGIN {
  printf "summary: %d tasks, medians of %d: overdue list service %d ms vs SQL %d ms (ratio %.2f, goal <= 2) and vs SQL sending the rows %d ms (ratio %.2f); per-lead counts service %d ms vs SQL %d ms (ratio %.2f, goal <= 2); seed plan import %d ms per plan (dry run); script %d s\n", n, u, os, oq, os / oq, orq, os / orq, cs, cq, cs / cq, i, secs }'
