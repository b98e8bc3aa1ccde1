#!/bin/sh
# Issue #15: tagged PDF. A book of the corpus in three languages, both directions: the
# structure tree read back with qpdf (pdf_struct_check.py) has the Document, the contents
# first, a Sect per chapter in order with /Lang where it differs from the book's, every
# heading in order, the paragraphs, lists, block quotes, tables, captioned figures with /Alt,
# marked content under each; the catalog names the language,
# /MarkInfo and /DisplayDocTitle. qpdf --check finds nothing wrong.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
TESTS=$(cd "$(dirname "$0")" && pwd)
command -v qpdf > /dev/null || { echo "no qpdf"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
arts="seed-article.txt ah-q.zh-Hans.txt kongyiji.zh-Hans.md yume-juya.ja.txt bisheng.en.md"
set --
for f in $arts; do
  "$BIN" dump "$CORPUS/$f" > "$T/$f.json" || fail "dump $f"
  set -- "$@" "$CORPUS/$f"
done
for d in vertical horizontal; do
  "$BIN" "$@" --direction $d -o "$T/b.pdf" 2> /dev/null || { fail "$d: book"; continue; }
  qpdf --check "$T/b.pdf" > "$T/q" 2>&1 || { fail "$d: qpdf --check"; tail -3 "$T/q"; }
  python3 "$TESTS/pdf_struct_check.py" "$T/b.pdf" zh-Hant 1 $(for f in $arts; do echo "$T/$f.json"; done) > "$T/out" || fail "$d: structure"
  sed "s/^/$d: /" "$T/out"
  pdfinfo "$T/b.pdf" | grep -q '^Tagged: *yes' || fail "$d: pdfinfo does not call it tagged"
done
# a single article: no contents, its language in the catalog
"$BIN" "$CORPUS/yume-juya.ja.txt" --direction vertical -o "$T/s.pdf" 2> /dev/null || fail "single"
python3 "$TESTS/pdf_struct_check.py" "$T/s.pdf" ja 0 "$T/yume-juya.ja.txt.json" > "$T/out" || fail "single: structure"
sed "s/^/single: /" "$T/out"
[ $fails = 0 ] && echo "tags ok"
[ $fails = 0 ]
