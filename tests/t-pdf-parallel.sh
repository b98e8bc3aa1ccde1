#!/bin/sh
# Chapters laid out in parallel threads (#7 `-j N`): the PDF is byte for byte the same with
# -j 1 and -j 4 (under SOURCE_DATE_EPOCH), for the corpus collection in both directions built
# with `bisheng build` and for a book of corpus articles converted directly; warnings come
# in the same order with the same text; an error in a middle chapter is the same error.
. tests/typeset-lib.sh
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "$CORPUS" && pwd)
[ -f "$CORPUS/collection.yaml" ] || exit 77
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
SOURCE_DATE_EPOCH=1700000000; export SOURCE_DATE_EPOCH
bad=0
cp -r "$CORPUS" "$tmp/c"
for o in print-vertical print-horizontal; do
  for j in 1 4; do
    (cd "$tmp/c" && "$BIN" build -q --force collection.yaml --only $o -j $j) 2> "$tmp/err" ||
      { cat "$tmp/err"; exit 1; }
    mkdir -p "$tmp/j$j"; cp "$tmp/c"/out/*.pdf "$tmp/j$j/"
  done
done
# both outputs at once with -j 4: two threads each for the chapters
(cd "$tmp/c" && "$BIN" build -q --force collection.yaml --only print-vertical \
  --only print-horizontal -j 4) 2> "$tmp/err" || { cat "$tmp/err"; exit 1; }
for f in collection-vertical-a5.pdf collection-horizontal-a4.pdf; do
  [ -s "$tmp/j1/$f" ] || { echo "no $f"; bad=1; continue; }
  cmp -s "$tmp/j1/$f" "$tmp/j4/$f" || { echo "FAIL: $f differs between -j 1 and -j 4"; bad=1; }
  cmp -s "$tmp/j1/$f" "$tmp/c/out/$f" || { echo "FAIL: $f differs with two outputs at once"; bad=1; }
done

# direct conversion: a book of corpus articles; --font names a family that does not exist, so
# each region's fallback warns (once per book), in chapter order
# bisheng's own lines only: what a sanitizer report adds after its ===== line is dropped
ours() { sed -n '/^=\{20,\}$/q;p' "$1" | grep -v '^$'; }
# Under SANITIZE=1, a --font family looked up in the system configuration leaves fontconfig's
# default configuration behind at exit, which LeakSanitizer reports (main has it too): leaks
# are not checked for those runs.
nolsan() { if [ "$SANITIZE" = 1 ]; then LSAN_OPTIONS="$LSAN_OPTIONS:detect_leaks=0" "$@"; else "$@"; fi; }
# a chapter with characters no face has (private use): missing-glyph warnings between the
# chapters' fallback warnings
printf '# 私用\n\n正文\356\200\200字，又一個\356\200\201。\n' > "$tmp/pua.md"
set -- "$CORPUS/seed-article.txt" "$CORPUS/yume-juya.ja.txt" "$CORPUS/kongyiji.zh-Hans.md" \
  "$CORPUS/taoyuanming.zh-Hant.txt" "$CORPUS/shishuo.zh-Hant.html" "$CORPUS/ah-q.zh-Hans.txt" \
  "$CORPUS/yume-juya-5.ja.md" "$CORPUS/bisheng.en.md"
tt_read "$@" || exit 1
set -- "$1" "$tmp/pua.md" "$2" "$3" "$4" "$5" "$tmp/pua.md" "$6" "$7" "$8"
for d in vertical horizontal; do
  for j in 1 2 4; do
    nolsan "$BIN" "$@" --direction $d --font "No Such Family Bisheng" -j $j -o "$tmp/$d-$j.pdf" \
      2> "$tmp/$d-$j.err" || { echo "no PDF $d -j $j"; cat "$tmp/$d-$j.err"; bad=1; }
  done
  for j in 2 4; do
    cmp -s "$tmp/$d-1.pdf" "$tmp/$d-$j.pdf" || { echo "FAIL: $d PDF differs with -j $j"; bad=1; }
    ours "$tmp/$d-1.err" > "$tmp/a"; ours "$tmp/$d-$j.err" > "$tmp/b"
    cmp -s "$tmp/a" "$tmp/b" || { echo "FAIL: $d warnings differ with -j $j"; diff "$tmp/a" "$tmp/b"; bad=1; }
  done
  # one fallback warning per region the book sets (zh-Hant, ja, zh-Hans), not per chapter
  n=$(grep -c "No Such Family Bisheng" "$tmp/$d-1.err")
  [ "$n" -eq 3 ] || { echo "FAIL: $d: $n fallback warnings, expected 3"; cat "$tmp/$d-1.err"; bad=1; }
  # the two private-use characters of both pua.md chapters: one summary line for the face
  n=$(grep -c "missing glyph" "$tmp/$d-1.err")
  grep -q "pua.md:3: warning: missing glyphs in [^:]* for 2 characters: U+E000 U+E001$" "$tmp/$d-1.err" &&
    [ "$n" = 1 ] || { echo "FAIL: $d: not one missing-glyph summary line"; cat "$tmp/$d-1.err"; bad=1; }
done

# an error in the third chapter of five: the same message and exit status whatever -j
printf '# 圖\n\n正文。\n\n![圖](no-such-image-bisheng.png)\n' > "$tmp/bad.md"
for j in 1 4; do
  "$BIN" "$CORPUS/seed-article.txt" "$CORPUS/taoyuanming.zh-Hant.txt" "$tmp/bad.md" \
    "$CORPUS/shishuo.zh-Hant.html" "$CORPUS/kongyiji.zh-Hans.md" -j $j -o "$tmp/bad-$j.pdf" \
    2> "$tmp/bad-$j.err"
  echo $? > "$tmp/bad-$j.rc"
done
[ "$(cat "$tmp/bad-1.rc")" != 0 ] || { echo "FAIL: a missing image did not fail"; bad=1; }
cmp -s "$tmp/bad-1.rc" "$tmp/bad-4.rc" || { echo "FAIL: exit status differs"; bad=1; }
ours "$tmp/bad-1.err" > "$tmp/a"; ours "$tmp/bad-4.err" > "$tmp/b"
[ -s "$tmp/a" ] && cmp -s "$tmp/a" "$tmp/b" || { echo "FAIL: error differs"; diff "$tmp/a" "$tmp/b"; bad=1; }
grep -q "no-such-image-bisheng.png" "$tmp/bad-1.err" || { echo "FAIL: error text"; cat "$tmp/bad-1.err"; bad=1; }
[ ! -e "$tmp/bad-4.pdf" ] || { echo "FAIL: a failed build left a PDF"; bad=1; }
exit $bad
