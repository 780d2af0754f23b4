#!/usr/bin/env bash
# tests/e2e/pg_cluster.sh start|stop|start-again DIR [PORT]
#                         standby|standby-stop|standby-start DIR [PORT]
# A throwaway PostgreSQL of a test's own (deploy/local/pg.sh), for tests that stop and start the
# database (pg_restart.test.js) or read its streaming replica (reporting_standby.test.js).
# `start` initialises DIR, starts it on PORT, creates the database and prints its superuser
# conninfo; `stop` stops it (fast); `start-again` starts it as it was. `standby` makes a hot
# standby of the running cluster in DIR (pg_basebackup, streaming), starts it on PORT and prints
# its conninfo; `standby-stop` and `standby-start` stop and start it.
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
    # The superuser may stream the WAL to a standby, over loopback as for everything else.
    echo "host    replication  postgres  127.0.0.1/32  trust" |
      tg_pg_as_postgres tee -a "$dir/data/pg_hba.conf" >/dev/null
    tg_pg_start "$dir/data" >&2
    tg_pg_bootstrap "$port" "$dir/pgpass" >&2
    tg_pg_superuser_conninfo "$port"
    ;;
  stop) tg_pg_stop "$dir/data" >&2 ;;
  start-again) tg_pg_start "$dir/data" >&2 ;;
  standby)
    port=$3
    primary=$(tg_pg_port "$dir/data")
    tg_pg_prepare_dir "$dir/standby" || tg_die "user postgres cannot reach $dir/standby"
    # -R: standby.signal and primary_conninfo; -X stream: the WAL of the copy comes with it.
    tg_pg_as_postgres "$TINHGON_PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres \
      -D "$dir/standby" -R -X stream -c fast >&2
    rm -f "$dir/standby/server.log"
    tg_pg_init "$dir/standby" "$port" >&2  # its own port (the copy carries the primary's)
    tg_pg_start "$dir/standby" >&2
    tg_pg_superuser_conninfo "$port"
    ;;
  standby-stop) tg_pg_stop "$dir/standby" >&2 ;;
  standby-start) tg_pg_start "$dir/standby" >&2 ;;
  *) tg_die "usage: pg_cluster.sh start|stop|start-again|standby|standby-stop|standby-start DIR [PORT]" ;;
esac
