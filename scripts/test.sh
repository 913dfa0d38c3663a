#!/usr/bin/env bash
# Runs every test layer against the builds made by `make test`:
#   unit (Release) · unit under ASan+UBSan (Debug) · API + CLI + interop on SQLite and on a throw-away
#   PostgreSQL cluster · fuzz smoke runs. Prints one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
passed=0
failed=0
failures=()

step() {  # step NAME COMMAND...
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}

step "unit (release)" ctest --test-dir build -L unit --output-on-failure -j 2
step "unit (asan+ubsan)" env ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j 2

# Constant-time check of SM2 secret paths (ctgrind: secrets marked undefined under memcheck).
if [ -x build/bin/unit_sm2 ] && command -v valgrind >/dev/null; then
  step "sm2 constant-time (valgrind)" valgrind -q --error-exitcode=1 build/bin/unit_sm2 --gtest_filter='Sm2ConstantTime.*'
fi

if ctest --test-dir build -N -L api | grep -q "Total Tests: [1-9]"; then
  step "api (sqlite)" env MEDSIGN_TEST_DATABASE=sqlite ctest --test-dir build -L api --output-on-failure
  PGTMP=$(mktemp -d /tmp/medsign-pg.XXXXXX)
  if url=$(bash scripts/pg-cluster.sh start "$PGTMP"); then
    step "api (postgresql)" env MEDSIGN_TEST_DATABASE=postgres MEDSIGN_TEST_PG_URL="$url" \
      ctest --test-dir build -L api --output-on-failure
    bash scripts/pg-cluster.sh stop "$PGTMP"
  else
    failed=$((failed + 1)); failures+=("postgresql cluster start")
  fi
  rm -rf "$PGTMP"
fi

if [ -x scripts/e2e.sh ] && [ -d web/console/dist ]; then
  step "e2e (chromium)" bash scripts/e2e.sh
fi

if [ -d build-fuzz/bin ]; then
  for f in build-fuzz/bin/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    corpus="tests/fuzz/corpus/${name#fuzz_}"
    mkdir -p /tmp/medsign-fuzz/$name
    step "fuzz smoke $name" env LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp "$f" -max_total_time=${FUZZ_SECONDS:-20} -rss_limit_mb=2048 \
      /tmp/medsign-fuzz/$name $( [ -d "$corpus" ] && echo "$corpus" )
  done
fi

echo
if ((failed)); then
  echo "failed steps: ${failures[*]}"
fi
echo "tests: $passed passed, $failed failed"
((failed == 0))
