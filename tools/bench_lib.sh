# tools/bench_lib.sh — what the tools/bench_*.sh scripts share; sourced after deploy/local/pg.sh:
#   tg_bench_require BUILD REL...        dies naming the cmake target of a missing binary
#   tg_bench_cluster NAME [EXTRA_CONF]   a throwaway PostgreSQL in a fresh folder under /tmp
#                                        (fsync off; EXTRA_CONF appended), bootstrapped; sets
#                                        TMP, PORT, DB (superuser conninfo) and PSQL (an array);
#                                        on exit the servers tracked are stopped, then the
#                                        cluster, and the folder is removed
#   tg_bench_track PID                   a server to stop (kill, wait) on exit, newest first
#   tg_bench_start VAR LOG PORT REL ARGS...  starts $BUILD/REL on 127.0.0.1:PORT in the
#                                        background (stderr appended to LOG), tracked; waits
#                                        until it answers health checks; VAR = its pid
#   tg_bench_country PROVINCES           the synthetic country with its history (tools/org_bench)
#                                        in schema bench_orgs of $DB, its counts printed
#   median                               the median of the numbers on stdin, one a line
#   now_ms                               milliseconds since the epoch
#   vm PID KEY                           a /proc/PID/status value in KiB (VmRSS, VmHWM)
# shellcheck shell=bash

TG_BENCH_PIDS=()

tg_bench_require() {
  local build=$1 rel
  shift
  for rel in "$@"; do
    [[ -x $build/$rel ]] || tg_die "$build/$rel is missing: cmake --build $build -j2 --target $(basename "$rel")"
  done
}

tg_bench_track() { TG_BENCH_PIDS+=("$1"); }

# shellcheck disable=SC2317  # called by the EXIT trap
tg_bench_cleanup() {
  local i pid
  for ((i = ${#TG_BENCH_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${TG_BENCH_PIDS[i]}
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  [[ -n ${TMP:-} ]] && { tg_pg_stop "$TMP/data" || true; rm -rf "$TMP"; }
}

tg_bench_cluster() {
  local name=$1 extra=${2:-}
  TMP=$(mktemp -d "/tmp/tinhgon-bench-$name.XXXXXX")
  chmod 755 "$TMP"
  trap tg_bench_cleanup EXIT
  PORT=$(tg_free_port)
  TINHGON_PG_EXTRA_CONF=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 1GB\nmax_connections = 200'"${extra:+$'\n'$extra}" \
    tg_pg_init "$TMP/data" "$PORT"
  tg_pg_start "$TMP/data"
  tg_pg_bootstrap "$PORT" "$TMP/pgpass"
  DB=$(tg_pg_superuser_conninfo "$PORT")
  # shellcheck disable=SC2034  # for the scripts that source this
  PSQL=("$TINHGON_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$DB")
}

tg_bench_start() {
  local var=$1 log=$2 port=$3 rel=$4 pid
  shift 4
  : "${BUILD:?the script sets BUILD}"
  "$BUILD/$rel" --listen="127.0.0.1:$port" "$@" 2>>"$log" &
  pid=$!
  tg_bench_track "$pid"
  printf -v "$var" '%s' "$pid"
  "$BUILD/tools/staffing_bench" --wait="127.0.0.1:$port" || { cat "$log" >&2; exit 1; }
}

tg_bench_country() {
  local t0
  t0=$(now_ms)
  "$BUILD/tools/org_bench" --db="$DB" --provinces="$1" --reps=1 >"$TMP/org_bench.out" 2>"$TMP/org_bench.err" ||
    { cat "$TMP/org_bench.err" >&2; tg_die "org_bench failed"; }
  grep -E '^(synthetic country|history|stored):' "$TMP/org_bench.out" | sed 's/^/org_bench: /'
  echo "country and history loaded in $((($(now_ms) - t0) / 1000)) s"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
vm() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
