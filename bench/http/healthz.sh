#!/usr/bin/env bash
# /healthz requests/s under HTTP/1.1 keep-alive load (wrk), and one authenticated-size JSON route for scale.
# Usage: bench/http/healthz.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
BUILD=${1:-build}
SECS=${2:-10}
BIN=$BUILD/bin/medsign
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
DIR=$(mktemp -d /tmp/medsign-bench-http.XXXXXX)
PORT=$((30000 + RANDOM % 20000))
"$BIN" init --data "$DIR" >/dev/null
MEDSIGN_SERVER_HTTP_PORT=$PORT MEDSIGN_SERVER_HTTPS_ENABLED=false MEDSIGN_LOG_LEVEL=warn \
  "$BIN" serve --data "$DIR" >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "# medsign serve on 127.0.0.1:$PORT, $(nproc) cores; wrk and the server share the machine"
for conns in 16 64; do
  echo "## GET /healthz, keep-alive, $conns connections, ${SECS}s"
  wrk -t2 -c"$conns" -d"${SECS}s" --latency "http://127.0.0.1:$PORT/healthz" | grep -E "Requests/sec|Latency|99%"
done
echo "## GET /api/v1/errors (JSON body of ~4 KB), keep-alive, 64 connections, ${SECS}s"
wrk -t2 -c64 -d"${SECS}s" "http://127.0.0.1:$PORT/api/v1/errors" | grep -E "Requests/sec|Latency"
