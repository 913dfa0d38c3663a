#!/usr/bin/env bash
# Builds the web console (web/console/dist), which `medsign serve` serves at /.
# Quick when nothing changed: skips when dist is newer than every source file.
set -euo pipefail
cd "$(dirname "$0")/../web/console"

stamp=dist/index.html
if [ -f "$stamp" ] && [ -d node_modules ]; then
  newer=$(find src public index.html package.json package-lock.json vite.config.ts tsconfig.json scripts \
               ../../api/openapi.yaml -newer "$stamp" -print -quit 2>/dev/null || true)
  if [ -z "$newer" ]; then
    echo "web console: up to date (web/console/dist)"
    exit 0
  fi
fi

if [ -f package-lock.json ]; then
  # npm ci wipes node_modules; only needed when the lock changed since the last install.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
else
  npm install --no-audit --no-fund
fi
npm run build
