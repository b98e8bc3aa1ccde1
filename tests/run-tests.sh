#!/bin/sh
# Runs every test: the cmocka unit binaries in $BUILD/tests and every tests/t-*.sh script
# (each script is one test; exit 0 passes, 77 skips). Ends with the summary line
# "N passed, N failed".
BUILD=${BUILD:-build/cc}
BIN=${BIN:-$BUILD/bisheng}
CORPUS=${CORPUS:-../shared/corpus}
export BUILD BIN CORPUS
# Cairo 1.16 leaks inside cairo_surface_finish: tests/lsan.supp suppresses it (by library,
# since the fast unwinder stops inside libcairo; the slow one makes malloc-heavy tests crawl).
[ "$SANITIZE" = 1 ] && export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
pass=0 fail=0 skip=0 failed=""
log=$(mktemp -d)
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if "$t" > "$log/$name.out" 2>&1; then
    pass=$((pass + 1)); echo "PASS: $name"
  else
    fail=$((fail + 1)); failed="$failed $name"; echo "FAIL: $name"; cat "$log/$name.out"
  fi
done
for t in tests/t-*.sh; do
  [ -f "$t" ] || continue
  name=$(basename "$t" .sh)
  timeout 600 sh "$t" > "$log/$name.out" 2>&1
  rc=$?
  if [ $rc = 0 ]; then
    pass=$((pass + 1)); echo "PASS: $name"
  elif [ $rc = 77 ]; then
    skip=$((skip + 1)); echo "SKIP: $name"; tail -n 3 "$log/$name.out"
  else
    fail=$((fail + 1)); failed="$failed $name"; echo "FAIL: $name"; tail -n 40 "$log/$name.out"
  fi
done
rm -rf "$log"
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
