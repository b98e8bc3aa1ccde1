#!/bin/sh
# An error inside zip_close keeps the chapter's own message (issue #14): the EPUB writer plans
# every file before libzip writes the container, and reads a chapter's image again when libzip
# asks for it. A preloaded shim (tests/shim/vanish.c) removes the image between the two reads.
# The build exits 1 naming the article's file:line (not a libzip message), and leaves no book
# and no temporary behind; an existing book is not touched. The unit test test_epub
# (test_late_image_error) also replaces the image with other files at that moment.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "$CORPUS" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cc -shared -fPIC -o "$T/vanish.so" tests/shim/vanish.c -ldl || exit 1
cd "$T" || exit 1
# the sanitizer runtime must come first unless told not to check
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir src
printf '# 甲\n\n正文。\n' > src/a.md
printf '# 乙\n\n正文。\n\n![印章](p.png)\n\n後文。\n' > src/b.md
# the second of three chapters: its page is made on the writer's producer thread
printf '# 丙\n\n正文。\n' > src/c.md

# the CLI: exit 1, the article's file:line, nothing left
cp "$CORPUS/images/seal.png" src/p.png
BS_VANISH=p.png LD_PRELOAD="$T/vanish.so${LD_PRELOAD:+ $LD_PRELOAD}" "$BIN" src/a.md src/b.md src/c.md -o book.epub 2> err.txt
rc=$?
[ $rc = 1 ] || fail "cli: exit $rc, wanted 1"
[ "$(cat err.txt)" = "src/b.md:5: cannot read image 'p.png': cannot open: No such file or directory" ] ||
  fail "cli: stderr: $(cat err.txt)"
[ ! -e src/p.png ] || fail "cli: the shim did not remove the image"
[ ! -e book.epub ] || fail "cli: book.epub left behind"
[ -z "$(ls -A | grep -v -e '^vanish.so$' -e '^err.txt$' -e '^src$')" ] || fail "cli leftovers: $(ls -A)"

# an existing book stays as it was
cp "$CORPUS/images/seal.png" src/p.png
echo old > book.epub
BS_VANISH=p.png LD_PRELOAD="$T/vanish.so${LD_PRELOAD:+ $LD_PRELOAD}" "$BIN" src/a.md src/b.md src/c.md -o book.epub 2> err.txt
[ $? = 1 ] || fail "over an old book: exit status"
[ "$(cat book.epub)" = old ] || fail "the old book.epub was replaced"
rm -f book.epub

# -o -: nothing on standard output
cp "$CORPUS/images/seal.png" src/p.png
BS_VANISH=p.png LD_PRELOAD="$T/vanish.so${LD_PRELOAD:+ $LD_PRELOAD}" "$BIN" src/a.md src/b.md src/c.md -t epub -o - > out.epub 2> err.txt
[ $? = 1 ] || fail "-o -: exit status"
[ ! -s out.epub ] || fail "-o -: $(wc -c < out.epub) bytes written to standard output"
rm -f out.epub

# bisheng build: the output fails with the same message, no file and no temporary in out/
cp "$CORPUS/images/seal.png" src/p.png
printf 'title: 書\nlang: zh-Hant\narticles: [src/a.md, src/b.md, src/c.md]\noutputs:\n  - {name: epub, file: out/book.epub}\n' > book.yaml
BS_VANISH=p.png LD_PRELOAD="$T/vanish.so${LD_PRELOAD:+ $LD_PRELOAD}" "$BIN" build -q -j 1 book.yaml 2> err.txt
rc=$?
[ $rc = 1 ] || fail "build: exit $rc, wanted 1"
grep -q "src/b.md:5: cannot read image 'p.png': cannot open: No such file or directory" err.txt ||
  fail "build: stderr: $(cat err.txt)"
grep -qi libzip err.txt && fail "build: a libzip message: $(cat err.txt)"
[ -z "$(ls -A out 2>/dev/null)" ] || fail "build leftovers in out/: $(ls -A out)"

# and without the shim the same book builds
cp "$CORPUS/images/seal.png" src/p.png
"$BIN" src/a.md src/b.md src/c.md -q -o book.epub || fail "the book without the shim"
unzip -l book.epub | grep -q 'EPUB/images/img0001.png' || fail "the image is not in the book"
[ $fails = 0 ] && echo "ok"
[ $fails = 0 ]
