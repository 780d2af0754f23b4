# shellcheck shell=bash
# deploy/local/pg.sh — a bash library (source it; it runs nothing by itself) shared by
# deploy/local/up, deploy/local/down, tests/run and .ci/run:
#   - the Debian packages the project needs, and installing them;
#   - a private PostgreSQL 15 cluster in a folder: init, start, stop, wait, bootstrap.
#
# The cluster listens on 127.0.0.1 only and has no Unix socket (unix_socket_directories = ''),
# so long checkout paths never hit the ~107-byte socket path limit. Authentication:
#   host all postgres 127.0.0.1/32 trust          (the superuser, for bootstrap and tests)
#   host all all      127.0.0.1/32 scram-sha-256  (the services' login roles)
# `trust` lets any local user connect as superuser: this is a developer/test cluster, never a
# production one.
#
# PostgreSQL refuses to run as root, so every server-side command runs as the `postgres` user
# (created by the postgresql-common package), which must be able to reach the data folder.

TINHGON_PG_BIN=${TINHGON_PG_BIN:-/usr/lib/postgresql/15/bin}
# One schema and one login role (tinhgon_<schema>) per service.
TINHGON_SCHEMAS=(orgs staffing tasks reporting gateway)
TINHGON_DB=tinhgon

# Keep in step with the README and docs/architecture.md.
TINHGON_APT_PACKAGES=(
  cmake g++ pkg-config libssl-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libpqxx-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev prometheus-cpp-dev
  libxlsxwriter-dev libjemalloc-dev
  postgresql-15 postgresql-contrib
  nghttp2-client
  clang libclang-rt-14-dev
  python3-openpyxl python3-yaml chromium
)

tg_log() { printf '[%s] %s\n' "${TG_LOG_TAG:-tinhgon}" "$*" >&2; }
tg_die() { tg_log "ERROR: $*"; exit 1; }

# tg_apt_install [--update]: installs whatever of TINHGON_APT_PACKAGES is missing (nothing, and
# no apt at all, when everything is present), plus nodejs+npm from Debian when `node` is absent
# (a node from elsewhere, e.g. NodeSource, is kept as it is). --update always runs apt-get
# update first; without it, update runs only when something must be installed.
tg_apt_install() {
  local force_update=0
  [[ ${1:-} == --update ]] && force_update=1
  local missing=() p
  for p in "${TINHGON_APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
      missing+=("$p")
    fi
  done
  if ! command -v node >/dev/null 2>&1; then
    missing+=(nodejs npm)
  elif ! command -v npm >/dev/null 2>&1; then
    missing+=(npm)
  fi
  if ((force_update == 0 && ${#missing[@]} == 0)); then
    tg_log "all packages present; skipping apt-get"
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  tg_log "apt-get update"
  apt-get update -q >&2
  if ((${#missing[@]} > 0)); then
    tg_log "apt-get install ${missing[*]}"
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}

# tg_pg_as_postgres CMD...: runs CMD as the postgres user. Paths given must be absolute.
# From / : the caller's folder may be closed to postgres (a checkout under /root).
tg_pg_as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# tg_pg_can_reach DIR: true when the postgres user can enter DIR (x on every parent) and
# write in it. DIR must exist.
tg_pg_can_reach() { tg_pg_as_postgres test -x "$1" -a -w "$1" 2>/dev/null; }

# tg_pg_prepare_dir DIR: creates DIR (parents as root, mode 755) owned by postgres, mode 700.
# Returns 1 when postgres still cannot reach it (a parent without x for others, e.g. /root).
tg_pg_prepare_dir() {
  local dir=$1
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  tg_pg_can_reach "$dir"
}

# tg_pg_init DATADIR PORT: creates a cluster in DATADIR unless one is there, then (re)writes its
# connection settings (port, listen address, no socket) and pg_hba.conf. DATADIR's parent must
# exist and be reachable by postgres. Extra server settings may be given in TINHGON_PG_EXTRA_CONF
# (lines of postgresql.conf), e.g. fsync = off for throwaway test clusters.
tg_pg_init() {
  local data=$1 port=$2
  [[ -n $data && -n $port ]] || tg_die "tg_pg_init DATADIR PORT"
  if [[ ! -s $data/PG_VERSION ]]; then
    tg_pg_prepare_dir "$data" || tg_die "user postgres cannot reach $data (check x bits on its parents)"
    tg_log "initdb $data"
    # --auth trust only until pg_hba.conf is rewritten below, before the first start.
    tg_pg_as_postgres "$TINHGON_PG_BIN/initdb" -D "$data" -U postgres --encoding=UTF8 \
      --locale=C.UTF-8 --auth=trust >"$data.initdb.log" 2>&1 ||
      { cat "$data.initdb.log" >&2; tg_die "initdb failed"; }
    rm -f "$data.initdb.log"
    printf "\n# Tinh Gọn: connection settings are kept in tinhgon.conf\ninclude_if_exists = 'tinhgon.conf'\n" \
      >>"$data/postgresql.conf"
  fi
  tg_pg_as_postgres tee "$data/tinhgon.conf" >/dev/null <<EOF
# Written by deploy/local/pg.sh (tg_pg_init); rewritten on every init/up.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 200
password_encryption = 'scram-sha-256'
${TINHGON_PG_EXTRA_CONF:-}
EOF
  tg_pg_as_postgres tee "$data/pg_hba.conf" >/dev/null <<'EOF'
# Written by deploy/local/pg.sh. TCP on loopback only; there is no Unix socket.
# TYPE  DATABASE  USER      ADDRESS        METHOD
host    all       postgres  127.0.0.1/32   trust
host    all       all       127.0.0.1/32   scram-sha-256
EOF
}

# tg_pg_port DATADIR: the port the cluster is configured with (empty when unknown).
tg_pg_port() { sed -n "s/^port = \([0-9]*\)$/\1/p" "$1/tinhgon.conf" 2>/dev/null | tail -n1; }

tg_pg_running() {
  [[ -s $1/PG_VERSION ]] && tg_pg_as_postgres "$TINHGON_PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# tg_pg_wait_ready PORT [SECONDS]: waits until the server accepts connections.
tg_pg_wait_ready() {
  local port=$1 secs=${2:-30} i
  for ((i = 0; i < secs * 5; i++)); do
    if "$TINHGON_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; then
      return 0
    fi
    sleep 0.2
  done
  tg_log "PostgreSQL on 127.0.0.1:$port not ready after ${secs}s"
  return 1
}

# tg_pg_start DATADIR: starts the cluster (no-op when it runs) and waits until it accepts
# connections. The server log is DATADIR/server.log.
tg_pg_start() {
  local data=$1 port
  port=$(tg_pg_port "$data")
  if tg_pg_running "$data"; then
    tg_log "PostgreSQL already running ($data, port $port)"
  else
    tg_log "starting PostgreSQL ($data, 127.0.0.1:$port)"
    if ! tg_pg_as_postgres "$TINHGON_PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      start >/dev/null; then
      tail -n 30 "$data/server.log" >&2 || true
      tg_die "PostgreSQL did not start (log: $data/server.log)"
    fi
  fi
  tg_pg_wait_ready "$port" 30
}

# tg_pg_stop DATADIR: fast shutdown; no-op when the cluster is not running.
tg_pg_stop() {
  local data=$1
  if tg_pg_running "$data"; then
    tg_log "stopping PostgreSQL ($data)"
    tg_pg_as_postgres "$TINHGON_PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
  fi
}

# tg_pg_superuser_conninfo PORT [DB]
tg_pg_superuser_conninfo() { echo "host=127.0.0.1 port=$1 dbname=${2:-$TINHGON_DB} user=postgres"; }

# tg_psql PORT DB ARGS...: psql as the superuser, stopping at the first error.
tg_psql() {
  local port=$1 db=$2
  shift 2
  PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 \
    "$(tg_pg_superuser_conninfo "$port" "$db")" "$@"
}

# tg_pg_ensure_pgpass FILE: FILE is a libpq password file (mode 600) with one line per service
# role: 127.0.0.1:*:tinhgon:tinhgon_<schema>:<password>. Passwords are generated once; roles
# already in the file keep theirs. Services read it with passfile=FILE in their conninfo, so a
# password never appears in a command line.
tg_pg_ensure_pgpass() {
  local file=$1 s role pw
  mkdir -p "$(dirname "$file")"
  (umask 077 && touch "$file")
  chmod 600 "$file"
  for s in "${TINHGON_SCHEMAS[@]}"; do
    role=tinhgon_$s
    if ! grep -q "^127\.0\.0\.1:\*:$TINHGON_DB:$role:" "$file"; then
      pw=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
      printf '127.0.0.1:*:%s:%s:%s\n' "$TINHGON_DB" "$role" "$pw" >>"$file"
    fi
  done
}

# tg_pg_password FILE ROLE: the role's password from the password file.
tg_pg_password() { awk -F: -v r="$2" '$4 == r { print $5; exit }' "$1"; }

# tg_pg_bootstrap PORT PGPASS: idempotently creates database tinhgon, the extensions (in public,
# as superuser: the services' roles may not create extensions), and for each service schema its
# login role, with the password from PGPASS (created if missing), owning its schema, with
# search_path "<schema>, public". Nothing is granted on other schemas; public keeps PostgreSQL
# 15's defaults (USAGE for everyone, CREATE for nobody), which the extensions' functions need.
tg_pg_bootstrap() {
  local port=$1 pgpass=$2 s role pw
  tg_pg_ensure_pgpass "$pgpass"
  if [[ -z $(tg_psql "$port" postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$TINHGON_DB'") ]]; then
    tg_log "creating database $TINHGON_DB"
    tg_psql "$port" postgres -c "CREATE DATABASE $TINHGON_DB ENCODING 'UTF8' TEMPLATE template0"
  fi
  {
    echo "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;"
    echo "CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;"
    echo "CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;"
    for s in "${TINHGON_SCHEMAS[@]}"; do
      role=tinhgon_$s
      pw=$(tg_pg_password "$pgpass" "$role")
      [[ $pw =~ ^[0-9a-f]+$ ]] || tg_die "bad password for $role in $pgpass"
      cat <<EOF
SELECT format('CREATE ROLE %I LOGIN', '$role')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') \gexec
ALTER ROLE $role WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$pw';
CREATE SCHEMA IF NOT EXISTS $s AUTHORIZATION $role;
ALTER SCHEMA $s OWNER TO $role;
ALTER ROLE $role SET search_path = $s, public;
EOF
    done
  } | tg_psql "$port" "$TINHGON_DB" -f - >/dev/null
  tg_log "bootstrapped database $TINHGON_DB on 127.0.0.1:$port (schemas: ${TINHGON_SCHEMAS[*]})"
}

# tg_pg_service_conninfo PORT SCHEMA PGPASS: the libpq conninfo a service connects with.
tg_pg_service_conninfo() {
  echo "host=127.0.0.1 port=$1 dbname=$TINHGON_DB user=tinhgon_$2 passfile=$3"
}

# tg_free_port: a TCP port on 127.0.0.1 nobody listens on right now.
# Ports come from below the kernel's ephemeral range (32768 up), where outgoing connections take
# their local ports: a port that is only the local end of a connection accepts nothing, yet
# cannot be bound. A port is free when nothing listens on it and no socket uses it.
tg_free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
    if command -v ss >/dev/null 2>&1 && ss -Htan "( sport = :$p )" 2>/dev/null | grep -q .; then
      continue
    fi
    echo "$p"
    return 0
  done
  return 1
}

# --- background services started by deploy/local/up ---------------------------------------

# tg_pidfile_pid PIDFILE EXE_NAME: prints the pid recorded in PIDFILE when that process is alive
# and runs a binary named EXE_NAME (a recycled pid of another program is ignored).
tg_pidfile_pid() {
  local pidfile=$1 exe=$2 pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ $(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)") == "$exe"* ]] || return 1
  echo "$pid"
}

# tg_stop_service PIDFILE EXE_NAME LABEL: SIGTERM, up to 15 s for a graceful stop, then SIGKILL.
tg_stop_service() {
  local pidfile=$1 exe=$2 label=$3 pid i
  if pid=$(tg_pidfile_pid "$pidfile" "$exe"); then
    tg_log "stopping $label (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 75; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      tg_log "$label did not stop in 15s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}
