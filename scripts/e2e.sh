#!/usr/bin/env bash
# End-to-end tests of the web console: a real `medsign serve` on free ports with a fresh data dir, driven by
# Debian's Chromium through playwright-core (tests/e2e, node --test). Screenshots go to build/e2e-screenshots/
# (E2E_SHOTS_DIR to change). E2E_TESTS picks test files, e.g. E2E_TESTS=ca.test.mjs (default: every *.test.mjs).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${MEDSIGN_BIN:-$ROOT/build/bin/medsign}
unset MEDSIGN_BIN # the server's config loader refuses MEDSIGN_* variables that name no configuration key
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
SHOTS=${E2E_SHOTS_DIR:-$ROOT/build/e2e-screenshots}
case "$SHOTS" in /*) ;; *) SHOTS=$ROOT/$SHOTS ;; esac
TESTS=${E2E_TESTS:-$(cd tests/e2e && ls *.test.mjs | tr '\n' ' ')}

[ -x "$BIN" ] || { echo "e2e: $BIN is missing (make build)"; exit 1; }
[ -x "$CHROMIUM" ] || { echo "e2e: $CHROMIUM is missing (apt-get install chromium fonts-noto-cjk)"; exit 1; }
bash scripts/build-web.sh >/dev/null
if [ ! -d tests/e2e/node_modules/playwright-core ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund >/dev/null)
fi

TMP=$(mktemp -d /tmp/medsign-e2e.XXXXXX)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
while [ "$HTTPS_PORT" = "$HTTP_PORT" ]; do HTTPS_PORT=$(free_port); done
# The socket transports too, so a server already running on the default ports does not stop this one.
read -r TSA_PORT SVS_PORT SNTP_PORT < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

"$BIN" init --data "$TMP/data" >"$TMP/init.out"
pw_of() { awk -v u="$1" '$1 == u && /password:/ { for (i = 1; i < NF; i++) if ($i == "password:") print $(i + 1) }' "$TMP/init.out"; }
SYSADMIN_PW=$(pw_of sysadmin)
AUDITADMIN_PW=$(pw_of auditadmin)
[ -n "$SYSADMIN_PW" ] && [ -n "$AUDITADMIN_PW" ] || { echo "e2e: no one-time passwords in init output"; cat "$TMP/init.out"; exit 1; }

HEARTBEAT_S=3
GRACE_S=2
MEDSIGN_SERVER_HTTP_PORT=$HTTP_PORT MEDSIGN_SERVER_HTTPS_PORT=$HTTPS_PORT \
MEDSIGN_TSA_TCP_PORT=$TSA_PORT MEDSIGN_TSA_UDP_PORT=$TSA_PORT MEDSIGN_SVS_TCP_PORT=$SVS_PORT MEDSIGN_SVS_UDP_PORT=$SVS_PORT \
MEDSIGN_TIME_SNTP_PORT=$SNTP_PORT \
MEDSIGN_SECURITY_HEARTBEAT_INTERVAL_S=$HEARTBEAT_S MEDSIGN_SECURITY_HEARTBEAT_GRACE_S=$GRACE_S \
MEDSIGN_SERVER_WEB_ROOT="$ROOT/web/console/dist" \
  "$BIN" serve --data "$TMP/data" >"$TMP/serve.log" 2>&1 &
SERVER_PID=$!

BASE=http://127.0.0.1:$HTTP_PORT
for _ in $(seq 100); do
  curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "e2e: server exited"; cat "$TMP/serve.log"; exit 1; }
  sleep 0.1
done
curl -sf "$BASE/healthz" >/dev/null || { echo "e2e: server not healthy"; tail -20 "$TMP/serve.log"; exit 1; }

rm -rf "$SHOTS"
mkdir -p "$SHOTS" "$TMP/downloads"
set +e
(cd tests/e2e && E2E_BASE_URL=$BASE E2E_DATA="$TMP/data" E2E_TMP="$TMP/downloads" E2E_SHOTS="$SHOTS" \
  E2E_SYSADMIN_PW=$SYSADMIN_PW E2E_AUDITADMIN_PW=$AUDITADMIN_PW E2E_HEARTBEAT_S=$HEARTBEAT_S E2E_GRACE_S=$GRACE_S \
  E2E_MEDSIGN_BIN="$BIN" CHROMIUM=$CHROMIUM node --test --test-concurrency=1 --test-reporter=spec $TESTS)
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "e2e: server log tail:"
  tail -20 "$TMP/serve.log"
fi
echo "e2e: screenshots in ${SHOTS#$ROOT/}/ ($(ls "$SHOTS" | wc -l) files)"
exit $rc
