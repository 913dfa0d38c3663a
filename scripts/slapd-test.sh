#!/usr/bin/env bash
# A throw-away OpenLDAP server for tests that fetch CRLs over ldap://, made with Debian's slapd.
#
#   scripts/slapd-test.sh start DIR              creates (first time) and starts a server in DIR; prints ONLY
#                                                its URL on stdout: ldap://127.0.0.1:PORT
#   scripts/slapd-test.sh put-crl DIR CN FILE    stores the DER CRL in FILE as certificateRevocationList;binary
#                                                of the entry cn=CN,dc=medsign,dc=test (created or replaced);
#                                                prints the entry's DN
#   scripts/slapd-test.sh stop DIR               stops it; DIR is left for the caller to remove
#   scripts/slapd-test.sh url DIR                prints the URL of a running server
#
# The server runs as the calling user (root in CI is fine: the port is unprivileged), listens on 127.0.0.1
# only, with an mdb database under DIR and anonymous read access. Never use this for real data.
# Everything but the URL / DN goes to stderr. Exit status: 0 ok, 1 failure, 2 usage, 3 slapd not installed.
set -euo pipefail

SLAPD=${SLAPD:-/usr/sbin/slapd}
SUFFIX="dc=medsign,dc=test"
ROOTDN="cn=admin,$SUFFIX"
ROOTPW="medsign-test"

die() { echo "slapd-test: $*" >&2; exit 1; }
usage() { echo "usage: $0 start|stop|url DIR | put-crl DIR CN FILE" >&2; exit 2; }

[ $# -ge 2 ] || usage
cmd=$1
case "$cmd" in
  start) [ $# -eq 2 ] || usage; mkdir -p "$2" || die "cannot create $2" ;;
  stop | url) [ $# -eq 2 ] || usage; [ -d "$2" ] || die "no such directory: $2" ;;
  put-crl) [ $# -eq 4 ] || usage; [ -d "$2" ] || die "no such directory: $2" ;;
  *) usage ;;
esac
DIR=$(cd "$2" && pwd -P)
PORTFILE=$DIR/port
PIDFILE=$DIR/slapd.pid

[ -x "$SLAPD" ] || { echo "slapd-test: slapd not found at $SLAPD (apt-get install slapd ldap-utils)" >&2; exit 3; }
command -v ldapadd >/dev/null || { echo "slapd-test: ldapadd not found (apt-get install ldap-utils)" >&2; exit 3; }

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
url() { echo "ldap://127.0.0.1:$(cat "$PORTFILE")"; }

free_port() {
  local p _
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

write_config() {
  mkdir -p "$DIR/db"
  cat >"$DIR/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $PIDFILE
argsfile $DIR/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 104857600
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw $ROOTPW
directory $DIR/db
access to * by * read
EOF
}

start() {
  if running; then url; return 0; fi
  [ -f "$DIR/slapd.conf" ] || write_config
  local port attempt ok=""
  for attempt in 1 2 3 4 5; do
    port=$(free_port) || die "no free port found"
    if "$SLAPD" -f "$DIR/slapd.conf" -h "ldap://127.0.0.1:$port/" >"$DIR/slapd.log" 2>&1; then
      for _ in $(seq 1 100); do
        if ldapsearch -x -H "ldap://127.0.0.1:$port" -b "" -s base -LLL >/dev/null 2>&1; then ok=1; break; fi
        sleep 0.05
      done
    fi
    if [ -n "$ok" ]; then echo "$port" >"$PORTFILE"; break; fi
    echo "slapd-test: start on port $port failed (attempt $attempt)" >&2
    tail -n 5 "$DIR/slapd.log" >&2 || true
    if running; then kill "$(cat "$PIDFILE")" 2>/dev/null || true; fi
  done
  [ -n "$ok" ] || die "slapd did not start; see $DIR/slapd.log"
  if ! ldapsearch -x -H "$(url)" -b "$SUFFIX" -s base -LLL >/dev/null 2>&1; then
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: medsign\no: MedSign test\n' "$SUFFIX" |
      ldapadd -x -H "$(url)" -D "$ROOTDN" -w "$ROOTPW" >&2 || die "cannot create $SUFFIX"
  fi
  url
}

put_crl() {
  running || die "no server running in $DIR"
  local cn=$1 file=$2 dn
  [ -f "$file" ] || die "no such file: $file"
  file=$(cd "$(dirname "$file")" && pwd -P)/$(basename "$file")
  dn="cn=$cn,$SUFFIX"
  if ldapsearch -x -H "$(url)" -b "$dn" -s base -LLL dn >/dev/null 2>&1; then
    printf 'dn: %s\nchangetype: modify\nreplace: certificateRevocationList;binary\ncertificateRevocationList;binary:< file://%s\n' \
      "$dn" "$file" | ldapmodify -x -H "$(url)" -D "$ROOTDN" -w "$ROOTPW" >&2 || die "ldapmodify failed"
  else
    printf 'dn: %s\nobjectClass: cRLDistributionPoint\ncn: %s\ncertificateRevocationList;binary:< file://%s\n' \
      "$dn" "$cn" "$file" | ldapadd -x -H "$(url)" -D "$ROOTDN" -w "$ROOTPW" >&2 || die "ldapadd failed"
  fi
  echo "$dn"
}

stop() {
  if running; then
    local pid
    pid=$(cat "$PIDFILE")
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
    die "slapd (pid $pid) did not stop"
  else
    echo "slapd-test: no server running in $DIR" >&2
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  url) running || die "no server running in $DIR"; url ;;
  put-crl) put_crl "$3" "$4" ;;
esac
