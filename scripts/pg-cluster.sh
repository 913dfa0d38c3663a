#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for tests and benchmarks, made with Debian's initdb/pg_ctl.
#
#   scripts/pg-cluster.sh start DIR   creates (first time) and starts a cluster in DIR; prints ONLY the
#                                     connection URL on stdout: postgresql://postgres@127.0.0.1:PORT/medsign_test
#   scripts/pg-cluster.sh stop DIR    stops it (fast shutdown); DIR is left for the caller to remove
#   scripts/pg-cluster.sh url DIR     prints the URL of a running cluster
#
# The server listens on 127.0.0.1 on a free port and on a unix socket in DIR, with trust authentication
# (loopback only: never use this for real data). Run as root (as CI does), the server runs as the `postgres`
# system user through runuser, and DIR is handed to that user. Everything but the URL goes to stderr.
# Exit status: 0 ok, 1 failure, 2 usage.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DBNAME=medsign_test

die() { echo "pg-cluster: $*" >&2; exit 1; }
usage() { echo "usage: $0 start|stop|url DIR" >&2; exit 2; }

[ $# -eq 2 ] || usage
cmd=$1
case "$cmd" in
  start) mkdir -p "$2" || die "cannot create $2" ;;
  stop | url) [ -d "$2" ] || die "no such directory: $2" ;;
  *) usage ;;
esac
DIR=$(cd "$2" && pwd -P)
DATA=$DIR/data
SOCK=$DIR/sock
LOG=$DIR/server.log
PORTFILE=$DIR/port

[ -x "$PGBIN/pg_ctl" ] || die "PostgreSQL binaries not found in $PGBIN (apt-get install postgresql-15)"

as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root but there is no postgres system user"
  as_pg=(runuser -u postgres --)
fi
pg() { "${as_pg[@]}" "$@"; }

running() { [ -f "$DATA/postmaster.pid" ] && pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
url() { echo "postgresql://postgres@127.0.0.1:$(cat "$PORTFILE")/$DBNAME"; }

# A port nothing listens on now (checked with bash's /dev/tcp); pg_ctl start is retried if one races us.
free_port() {
  local p _
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

start() {
  if running; then url; return 0; fi
  if [ -n "${as_pg[*]}" ]; then
    chown -R postgres: "$DIR" || die "cannot chown $DIR to postgres"
    pg test -x "$DIR" || die "user postgres cannot reach $DIR (a parent directory is not searchable); use e.g. /tmp"
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >&2 \
      || die "initdb failed"
  fi
  # A unix socket path is limited to 107 bytes; fall back to TCP only when DIR is too deep.
  local sockdir=$SOCK
  if [ $(( ${#SOCK} + 20 )) -gt 107 ]; then
    echo "pg-cluster: $DIR is too long for a unix socket; listening on TCP only" >&2
    sockdir=""
  else
    pg mkdir -p "$SOCK"
  fi
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port) || die "no free port found"
    if pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$sockdir'" start >&2; then
      echo "$port" | pg tee "$PORTFILE" >/dev/null
      break
    fi
    echo "pg-cluster: start on port $port failed (attempt $attempt); log:" >&2
    tail -n 5 "$LOG" >&2 || true
    port=""
  done
  [ -n "$port" ] || die "the server did not start; see $LOG"
  local have
  have=$(pg "$PGBIN/psql" -X -q -A -t -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'" 2>/dev/null || true)
  if [ "$have" != "1" ]; then
    pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DBNAME" >&2 || die "createdb $DBNAME failed"
  fi
  url
}

stop() {
  if running; then
    pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2 || die "pg_ctl stop failed"
  else
    echo "pg-cluster: no server running in $DIR" >&2
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  url) running || die "no server running in $DIR"; url ;;
  *) usage ;;
esac
