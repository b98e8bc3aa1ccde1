#!/bin/sh
# Exit status 3 is an internal failure (a library under us broke), not the user's fault: a shim
# preloaded over Cairo makes every PDF surface an error surface. Nothing is left behind and an
# existing output is not touched.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "$CORPUS" && pwd)
command -v cc >/dev/null && pkg-config --exists cairo || { echo "skip: no cc or cairo"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
here=$(pwd)
cc -shared -fPIC $(pkg-config --cflags cairo) -o "$T/shim.so" "$here/tests/shim/cairo-fail.c" || exit 1
cd "$T" || exit 1
# the sanitizer runtime must come first unless told not to check
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

LD_PRELOAD="$T/shim.so${LD_PRELOAD:+ $LD_PRELOAD}" "$BIN" "$CORPUS/seed-article.txt" -o book.pdf 2> err.txt
rc=$?
[ $rc = 3 ] || fail "conversion: exit $rc, wanted 3"
# the failure names the output it concerns (issue #20)
[ "$(head -n 1 err.txt)" = "book.pdf: cairo: invalid value for an input cairo_format_t" ] ||
  fail "conversion: stderr: $(cat err.txt)"
[ ! -e book.pdf ] || fail "conversion left book.pdf behind"
[ -z "$(ls -A | grep -v -e '^err.txt$' -e '^shim.so$')" ] || fail "leftovers: $(ls -A)"

# bisheng build: the EPUB output still builds, the PDF fails with 3, its old file stays
cp "$CORPUS/seed-article.txt" a.txt
printf 'title: T\narticles: [a.txt]\noutputs:\n  - {name: epub, file: o.epub}\n  - {name: pdf, file: o.pdf}\n' > book.yaml
echo 'old' > o.pdf
LD_PRELOAD="$T/shim.so${LD_PRELOAD:+ $LD_PRELOAD}" "$BIN" build -q -j 1 book.yaml 2> err.txt
rc=$?
[ $rc = 3 ] || fail "build: exit $rc, wanted 3"
[ "$(cat err.txt)" = "bisheng: o.pdf: cairo: invalid value for an input cairo_format_t" ] ||
  fail "build: stderr: $(cat err.txt)"
[ "$(cat o.pdf)" = old ] || fail "build replaced the old o.pdf"
[ -s o.epub ] || fail "build did not write the EPUB"
[ -z "$(ls -A | grep -v -e '^err.txt$' -e '^shim.so$' -e '^a.txt$' -e '^book.yaml$' -e '^o\.' -e '^\.o\.epub\.bisheng$')" ] ||
  fail "build leftovers: $(ls -A)"

[ $fails = 0 ] || exit 1
echo "internal failures exit 3 and leave nothing behind"
