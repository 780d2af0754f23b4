#!/usr/bin/env bash
# tests/e2e/pg_cluster.sh start|stop|start-again DIR [PORT]: a throwaway PostgreSQL of a test's
# own (deploy/local/pg.sh), for tests that stop and start the database (pg_restart.test.js).
# `start` initialises DIR, starts it on PORT, creates the database and prints its superuser
# conninfo; `stop` stops it (fast); `start-again` starts it as it was.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TG_LOG_TAG=pg_cluster
# shellcheck source=deploy/local/pg.sh
source "$ROOT/deploy/local/pg.sh"
cmd=$1
dir=$2
case $cmd in
  start)
    port=$3
    mkdir -p "$dir"
    chmod 755 "$dir"
    TINHGON_PG_EXTRA_CONF=$'fsync = off\nsynchronous_commit = off\nfull_page_writes = off' \
      tg_pg_init "$dir/data" "$port" >&2
    tg_pg_start "$dir/data" >&2
    tg_pg_bootstrap "$port" "$dir/pgpass" >&2
    tg_pg_superuser_conninfo "$port"
    ;;
  stop) tg_pg_stop "$dir/data" >&2 ;;
  start-again) tg_pg_start "$dir/data" >&2 ;;
  *) tg_die "usage: pg_cluster.sh start|stop|start-again DIR [PORT]" ;;
esac
