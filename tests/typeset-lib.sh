# Shared by tests/t-typeset-*.sh and tests/t-pdf-*.sh (sourced, not a test itself).
# Under SANITIZE=1: Cairo 1.16 leaks inside cairo_surface_finish (tests/lsan.supp); the full
# unwinder is needed for LeakSanitizer to see that frame in a library built without frame pointers.
[ "$SANITIZE" = 1 ] && export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
# DRIVER: the unit test binary that lays out a plain-text file without the readers (test cases
# of the typesetter alone).
DRIVER=$BUILD/tests/test_typeset
# tt_read FILE...: every file must be readable; a reader failure is the test's failure (its
# error is printed), never a reason to leave the article out.
tt_read() {
  for f; do
    "$BIN" dump "$f" > /dev/null 2> "${TMPDIR:-/tmp}/tt_read.$$" && continue
    echo "FAIL: the reader cannot read $f:" >&2; cat "${TMPDIR:-/tmp}/tt_read.$$" >&2
    rm -f "${TMPDIR:-/tmp}/tt_read.$$"; return 1
  done
  rm -f "${TMPDIR:-/tmp}/tt_read.$$"
}
# tt_layout FILE DIR OUT.json, tt_pdf FILE DIR OUT.pdf, tt_source FILE OUT (the tree that
# typeset_check.py compares with; echoes its flag, --tree).
tt_layout() { "$BIN" layout "$1" --direction "$2" > "$3"; }
tt_pdf() { "$BIN" "$1" --direction "$2" -o "$3"; }
tt_source() { "$BIN" dump "$1" > "$2" && echo --tree; }
# tt_articles: every corpus article, one a line; fails (after printing the reader's error) when
# the corpus is missing or any article cannot be read. Use as: arts=$(tt_articles) || exit 1
tt_articles() {
  n=0
  for f in "$CORPUS"/*.txt "$CORPUS"/*.md "$CORPUS"/*.html; do
    [ -f "$f" ] || continue
    tt_read "$f" || return 1
    echo "$f"; n=$((n + 1))
  done
  [ $n -gt 0 ] || { echo "FAIL: no corpus articles in $CORPUS" >&2; return 1; }
}
