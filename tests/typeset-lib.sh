# Shared by tests/t-typeset-*.sh and tests/t-pdf-*.sh (sourced, not a test itself).
# Under SANITIZE=1: Cairo 1.16 leaks inside cairo_surface_finish (tests/lsan.supp); the full
# unwinder is needed for LeakSanitizer to see that frame in a library built without frame pointers.
[ "$SANITIZE" = 1 ] && export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:fast_unwind_on_malloc=0"
# tt_layout FILE DIR OUT.json  and  tt_pdf FILE DIR OUT.pdf  use the bisheng binary when its
# readers handle FILE, else (plain text only) the test driver build/…/tests/test_typeset,
# which builds the tree itself. tt_source FILE OUT writes what typeset_check.py compares with
# and echoes the matching flag (--tree or nothing).
DRIVER=$BUILD/tests/test_typeset
tt_reader_ok() { "$BIN" dump "$1" > /dev/null 2>&1; }
tt_usable() { tt_reader_ok "$1" || case $1 in *.txt) [ -x "$DRIVER" ];; *) false;; esac; }
tt_layout() {
  if tt_reader_ok "$1"; then "$BIN" layout "$1" --direction "$2" > "$3"
  else
    if [ "$2" = vertical ]; then "$DRIVER" --layout "$1" --vertical > "$3"
    else "$DRIVER" --layout "$1" > "$3"; fi
  fi
}
tt_pdf() {
  if tt_reader_ok "$1"; then "$BIN" "$1" --direction "$2" -o "$3"
  else
    if [ "$2" = vertical ]; then "$DRIVER" --pdf "$1" "$3" --vertical
    else "$DRIVER" --pdf "$1" "$3"; fi
  fi
}
tt_source() {
  if tt_reader_ok "$1"; then "$BIN" dump "$1" > "$2"; echo --tree
  else cp "$1" "$2"; fi
}
tt_articles() {
  for f in "$CORPUS"/*.txt "$CORPUS"/*.md "$CORPUS"/*.html; do
    [ -f "$f" ] && tt_usable "$f" && echo "$f"
  done
}
