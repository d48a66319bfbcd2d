#!/usr/bin/env bash
# PostgreSQL (tracker store) and Redis (lock store) for the scale-out profile, from Debian's
# packages, with their data in this project (var/pg, var/redis), on loopback only.
#
#   scripts/services.sh start [pg|redis]    install the packages if missing, init, start
#   scripts/services.sh stop [pg|redis]
#   scripts/services.sh status [pg|redis]   exit 0 only if every named service is running
#   scripts/services.sh env                 the BACKSTOP_* variables endpoints.scaled.yml reads
#
# Settings (environment, defaults in brackets): BACKSTOP_SERVICES_DIR [var] where pg/ and
# redis/ live; BACKSTOP_PG_HOST [127.0.0.1], BACKSTOP_PG_PORT [5433], BACKSTOP_PG_DB [backstop],
# BACKSTOP_PG_USER [backstop], BACKSTOP_PG_PASSWORD [backstop]; BACKSTOP_REDIS_HOST [127.0.0.1],
# BACKSTOP_REDIS_PORT [6380], BACKSTOP_REDIS_DB [1]; BACKSTOP_ACTION_URL
# [http://127.0.0.1:${ACTION_PORT:-5055}/webhook] (only printed by `env`).
# The database and its user are created on first start; the password is (re)set on every start.
# PostgreSQL refuses to run as root: as root it runs as the `postgres` user, which owns var/pg.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

: "${BACKSTOP_SERVICES_DIR:=var}"
[[ $BACKSTOP_SERVICES_DIR == /* ]] || BACKSTOP_SERVICES_DIR=$ROOT/$BACKSTOP_SERVICES_DIR
: "${BACKSTOP_PG_HOST:=127.0.0.1}" "${BACKSTOP_PG_PORT:=5433}" "${BACKSTOP_PG_DB:=backstop}"
: "${BACKSTOP_PG_USER:=backstop}" "${BACKSTOP_PG_PASSWORD:=backstop}"
: "${BACKSTOP_REDIS_HOST:=127.0.0.1}" "${BACKSTOP_REDIS_PORT:=6380}" "${BACKSTOP_REDIS_DB:=1}"
: "${BACKSTOP_ACTION_URL:=http://127.0.0.1:${ACTION_PORT:-5055}/webhook}"

PG_DIR=$BACKSTOP_SERVICES_DIR/pg
PGDATA=$PG_DIR/data
PG_SOCKETS=$PG_DIR/run
PG_LOG=$PG_DIR/postgres.log
REDIS_DIR=$BACKSTOP_SERVICES_DIR/redis
REDIS_PID=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log

say() { echo "services: $*"; }
die() { echo "services: $*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------------------
pg_bin() { find /usr/lib/postgresql/*/bin -maxdepth 0 -type d 2>/dev/null | sort -V | tail -1; }

install_packages() {  # packages the scale-out profile needs that are not installed yet
  local missing=()
  [[ -n $(pg_bin) ]] || missing+=(postgresql)
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  ((${#missing[@]})) || return 0
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing Debian packages ${missing[*]}: install them as root (apt-get install -y ${missing[*]})"
    sudo=(sudo)
  fi
  say "installing ${missing[*]} (apt-get)"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [[ -n $(pg_bin) ]] || die "postgresql installed but no /usr/lib/postgresql/*/bin found"
}

# --- PostgreSQL ------------------------------------------------------------------------------
PG_OS_USER=$(id -un)
((EUID != 0)) || PG_OS_USER=${BACKSTOP_PG_OS_USER:-postgres}
as_pg() { if ((EUID == 0)); then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi; }

pg_running() { [[ -f $PGDATA/PG_VERSION ]] && as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

pg_psql() {  # SQL on stdin, as the superuser over the private Unix socket
  as_pg "$(pg_bin)/psql" -X -q -h "$PG_SOCKETS" -p "$BACKSTOP_PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -v user="$BACKSTOP_PG_USER" -v db="$BACKSTOP_PG_DB" -v pw="$BACKSTOP_PG_PASSWORD" "$@"
}

pg_start() {
  local bin
  bin=$(pg_bin)
  if ((EUID == 0)); then
    id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash "$PG_OS_USER"
  fi
  mkdir -p "$PG_DIR"
  if ((EUID == 0)) && [[ $(stat -c %U "$PG_DIR") != "$PG_OS_USER" ]]; then
    chown -R "$PG_OS_USER:" "$PG_DIR"
  fi
  as_pg test -w "$PG_DIR" ||
    die "user $PG_OS_USER cannot write $PG_DIR (every folder above it must be searchable by that user)"
  if pg_running; then
    say "PostgreSQL already running on $BACKSTOP_PG_HOST:$BACKSTOP_PG_PORT ($PGDATA)"
  else
    as_pg mkdir -p "$PG_SOCKETS"
    as_pg chmod 700 "$PG_SOCKETS"  # only the server's user reaches the trusted local socket
    ((${#PG_SOCKETS} + 20 < 107)) || die "socket path too long: $PG_SOCKETS (set BACKSTOP_SERVICES_DIR)"
    if [[ ! -f $PGDATA/PG_VERSION ]]; then
      say "creating the PostgreSQL cluster in $PGDATA"
      as_pg "$bin/initdb" -D "$PGDATA" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 ||
        die "initdb failed; see $PG_DIR/initdb.log"
    fi
    # Settings on the command line, so a changed port or folder applies to an existing cluster.
    as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 60 start -o "-c listen_addresses=$BACKSTOP_PG_HOST \
-c port=$BACKSTOP_PG_PORT -c unix_socket_directories=$PG_SOCKETS -c max_connections=200" >/dev/null ||
      die "PostgreSQL did not start; see $PG_LOG"
    say "PostgreSQL running on $BACKSTOP_PG_HOST:$BACKSTOP_PG_PORT (data $PGDATA, log $PG_LOG)"
  fi
  # Create the user and database if missing; (re)set the password from the environment.
  pg_psql <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'pw';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
}

pg_stop() {
  if pg_running; then
    as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
    say "PostgreSQL stopped"
  else
    say "PostgreSQL not running"
  fi
}

# --- Redis -----------------------------------------------------------------------------------
redis_running() { [[ -f $REDIS_PID ]] && kill -0 "$(cat "$REDIS_PID")" 2>/dev/null; }

redis_start() {
  if redis_running; then
    say "Redis already running on $BACKSTOP_REDIS_HOST:$BACKSTOP_REDIS_PORT"
    return
  fi
  mkdir -p "$REDIS_DIR"
  # The lock store keeps only short-lived tickets: no snapshots, so a restart never brings
  # back locks of requests that died with a Rasa instance.
  redis-server --bind "$BACKSTOP_REDIS_HOST" --port "$BACKSTOP_REDIS_PORT" --protected-mode yes \
    --dir "$REDIS_DIR" --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --daemonize yes \
    --save '' --appendonly no
  for _ in $(seq 1 60); do
    [[ $(redis-cli -h "$BACKSTOP_REDIS_HOST" -p "$BACKSTOP_REDIS_PORT" ping 2>/dev/null) == PONG ]] && {
      say "Redis running on $BACKSTOP_REDIS_HOST:$BACKSTOP_REDIS_PORT (log $REDIS_LOG)"
      return
    }
    sleep 0.5
  done
  die "Redis did not start; see $REDIS_LOG"
}

redis_stop() {
  if redis_running; then
    local pid
    pid=$(cat "$REDIS_PID")
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    say "Redis stopped"
  else
    say "Redis not running"
  fi
}

# --- commands --------------------------------------------------------------------------------
cmd=${1:-status}
which=${2:-all}
case $which in all | pg | redis) ;; *) die "unknown service '$which' (pg or redis)" ;; esac
want() { [[ $which == all || $which == "$1" ]]; }

case $cmd in
  start)
    install_packages
    if want pg; then pg_start; fi
    if want redis; then redis_start; fi
    ;;
  stop)
    if want redis; then redis_stop; fi
    if want pg; then
      if [[ -n $(pg_bin) ]]; then pg_stop; else say "PostgreSQL not installed"; fi
    fi
    ;;
  status)
    rc=0
    if want pg; then
      if [[ -n $(pg_bin) ]] && pg_running; then
        say "PostgreSQL running on $BACKSTOP_PG_HOST:$BACKSTOP_PG_PORT ($PGDATA)"
      else
        say "PostgreSQL stopped"; rc=3
      fi
    fi
    if want redis; then
      if redis_running; then say "Redis running on $BACKSTOP_REDIS_HOST:$BACKSTOP_REDIS_PORT"; else say "Redis stopped"; rc=3; fi
    fi
    exit $rc
    ;;
  env)
    for var in BACKSTOP_PG_HOST BACKSTOP_PG_PORT BACKSTOP_PG_DB BACKSTOP_PG_USER BACKSTOP_PG_PASSWORD \
      BACKSTOP_REDIS_HOST BACKSTOP_REDIS_PORT BACKSTOP_REDIS_DB BACKSTOP_ACTION_URL; do
      printf 'export %s=%q\n' "$var" "${!var}"
    done
    ;;
  *) die "usage: $0 {start|stop|status|env} [pg|redis]" ;;
esac
