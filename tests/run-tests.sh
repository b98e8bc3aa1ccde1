#!/bin/sh
# Runs every test: the cmocka unit binaries in $BUILD/tests and every tests/t-*.sh script
# (each script is one test; exit 0 passes, 77 skips). Ends with the summary line
# "N passed, N failed". A skip fails the run: `make check` installs everything the tests need
# (make deps), so a test that skips has found something missing and tested nothing.
# ALLOW_SKIP=1 lets skips pass on a machine without some tool (never in CI). Each test's time
# is printed after it, so where `make check` spends its time is in its log.
BUILD=${BUILD:-build/cc}
BIN=${BIN:-$BUILD/bisheng}
CORPUS=${CORPUS:-../shared/corpus}
export BUILD BIN CORPUS
# Cairo 1.16 leaks inside cairo_surface_finish: tests/lsan.supp suppresses it (by library,
# since the fast unwinder stops inside libcairo; the slow one makes malloc-heavy tests crawl).
[ "$SANITIZE" = 1 ] && export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
pass=0 fail=0 skip=0 failed="" skipped=""
log=$(mktemp -d)
# Every EPUB a test builds is kept for the last test, t-epub-ace, which checks them all with
# DAISY Ace and epubcheck in one run: the preloaded $BUILD/shim/keep-epub.so copies each file
# renamed to *.epub into $BS_CHECK_EPUBS/TEST/ (tests/shim/keep-epub.c). A test that preloads
# a shim of its own puts it before this one. Not under valgrind, where t-epub-ace is not run.
BS_CHECK_EPUBS=$PWD/$BUILD/check-epubs
rm -rf "$BS_CHECK_EPUBS"
keep=
if [ "$VALGRIND" != 1 ]; then
  keep=$PWD/$BUILD/shim/keep-epub.so
  [ -f "$keep" ] || { echo "missing $keep: make tests-build"; exit 1; }
  mkdir -p "$BS_CHECK_EPUBS"
  export BS_CHECK_EPUBS
  # the sanitizer runtime need not come first for a preloaded library this small
  [ "$SANITIZE" = 1 ] && ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0
fi
# run TEST COMMAND...: COMMAND with the shim preloaded, its EPUBs kept under TEST's name
# test_manifest_write links fake writers that put placeholder bytes in its *.epub files: not
# books, so not kept
keeping() {
  name=$1; shift
  if [ -n "$keep" ] && [ "$name" != test_manifest_write ]; then
    mkdir -p "$BS_CHECK_EPUBS/$name"
    BS_KEEP_EPUBS=$BS_CHECK_EPUBS/$name LD_PRELOAD="$keep${LD_PRELOAD:+ $LD_PRELOAD}" "$@"
  else
    "$@"
  fi
}
# VALGRIND=1: the CLI scripts run with BIN pointing at a wrapper that runs bisheng under
# valgrind (memcheck; definite leaks are errors; tests/valgrind.supp holds the known noise of
# the libraries under us). Each process logs to its own file, and a script with any non-empty
# log fails even when the script itself passed (a script expecting exit 1 must not hide an
# error). The unit tests are left to SANITIZE=1. Skipped (VALGRIND_SKIP): scripts that do not
# run the binary (abi, layering, install, epubcheck on the unit test's fixtures), the benchmark,
# the fuzz replays (their own binaries; SANITIZE=1 runs them), the 50 MB and 20 MB inputs of
# t-pathological and t-read-html-bad (beyond their hang guards under valgrind),
# t-pdf-corpus (8 minutes; the same PDFs are typeset by t-typeset-corpus), t-epub-ace (Chromium;
# its books are built by t-epub-corpus too), and t-build-memory (it measures bisheng's peak RSS,
# which under valgrind is valgrind's; its streamed builds are those of t-build-errors).
VALGRIND_SKIP="t-bench t-fuzz-replay t-pathological t-abi t-layering t-install t-epub-epubcheck t-epub-ace t-pdf-corpus t-read-html-bad t-build-memory"
if [ "$VALGRIND" = 1 ]; then
  command -v valgrind > /dev/null || { echo "VALGRIND=1 needs valgrind (apt-get install valgrind)"; exit 1; }
  real=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
  mkdir -p "$log/vg"
  {
    echo '#!/bin/sh'
    echo "exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\"
    echo "  --show-leak-kinds=definite --num-callers=30 --suppressions='$PWD/tests/valgrind.supp' \\"
    echo "  --log-file='$log/vg/%p.log' '$real' \"\$@\""
  } > "$log/bisheng"
  chmod +x "$log/bisheng"
  BIN=$log/bisheng
fi
for t in "$BUILD"/tests/test_*; do
  [ "$VALGRIND" = 1 ] && break
  [ -x "$t" ] || continue
  name=$(basename "$t")
  start=$(date +%s)
  if keeping "$name" "$t" > "$log/$name.out" 2>&1; then
    pass=$((pass + 1)); echo "PASS: $name ($(( $(date +%s) - start ))s)"
  else
    fail=$((fail + 1)); failed="$failed $name"; echo "FAIL: $name"; cat "$log/$name.out"
  fi
done
# t-epub-ace comes last: it checks the EPUBs every other test built
for t in $(ls tests/t-*.sh | grep -v '/t-epub-ace\.sh$') tests/t-epub-ace.sh; do
  [ -f "$t" ] || continue
  name=$(basename "$t" .sh)
  if [ "$VALGRIND" = 1 ] && echo " $VALGRIND_SKIP " | grep -q " $name "; then
    skip=$((skip + 1)); echo "SKIP: $name (not run under valgrind)"; continue
  fi
  start=$(date +%s)
  # the hang guard: 10 minutes, 90 for DAISY Ace and epubcheck on every EPUB the tests built
  # (about 150 distinct books, 2,700 documents: on the shared 2-core machine at load 10, Ace
  # took 24 minutes and epubcheck about as long)
  limit=600
  [ "$name" = t-epub-ace ] && limit=5400
  if [ "$name" = t-epub-ace ]; then
    timeout $limit sh "$t" > "$log/$name.out" 2>&1
  else
    keeping "$name" timeout $limit sh "$t" > "$log/$name.out" 2>&1
  fi
  rc=$?
  if [ "$VALGRIND" = 1 ]; then
    for v in "$log"/vg/*.log; do
      [ -s "$v" ] || continue
      { echo "valgrind found errors:"; cat "$v"; } >> "$log/$name.out"; rc=99
    done
    rm -f "$log"/vg/*.log
    echo "  ($name took $(( $(date +%s) - start ))s under valgrind)"
  fi
  if [ $rc = 0 ]; then
    pass=$((pass + 1)); echo "PASS: $name ($(( $(date +%s) - start ))s)"
  elif [ $rc = 77 ]; then
    skip=$((skip + 1)); skipped="$skipped $name"; echo "SKIP: $name"; tail -n 3 "$log/$name.out"
  else
    fail=$((fail + 1)); failed="$failed $name"; echo "FAIL: $name"; tail -n 40 "$log/$name.out"
  fi
done
rm -rf "$log"
if [ -n "$skipped" ] && [ "$ALLOW_SKIP" != 1 ]; then
  fail=$((fail + skip)); failed="$failed$skipped"
  echo "skipped tests count as failed (ALLOW_SKIP=1 to let them pass):$skipped"
fi
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
