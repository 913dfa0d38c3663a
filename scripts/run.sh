#!/usr/bin/env bash
# make run: initialise the data dir on first start, then run the whole platform in the foreground.
set -euo pipefail
BIN=$1
DATA=$2
if [ ! -e "$DATA/medsign.toml" ]; then
  "$BIN" init --data "$DATA"
fi
exec "$BIN" serve --data "$DATA"
