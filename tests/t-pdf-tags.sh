#!/bin/sh
# Issue #15: tagged PDF. A book of the corpus in three languages, both directions: the
# structure tree read back with qpdf (pdf_struct_check.py) has the Document, the contents
# first, a Sect per chapter in order with /Lang where it differs from the book's, every
# heading in order, the paragraphs, lists, block quotes, tables, captioned figures with /Alt,
# marked content under each, footnotes as Note, table cells as TH/TD, paragraphs in another
# language with their /Lang (tags/langs.zh-Hant.html); the catalog names the language,
# /MarkInfo and /DisplayDocTitle. qpdf --check finds nothing wrong. pdf_artifact_check.py reads
# the page contents back: everything drawn is tagged or an /Artifact, running heads and folios
# are artifacts and never in the structure's text, black is DeviceGray ("0 g", not RGB).
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
TESTS=$(cd "$(dirname "$0")" && pwd)
command -v qpdf > /dev/null && command -v fix-qdf > /dev/null || { echo "no qpdf"; exit 1; }
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
  "$BIN" "$@" --direction $d --crop-marks -o "$T/b.pdf" 2> /dev/null || { fail "$d: book"; continue; }
  qpdf --check "$T/b.pdf" > "$T/q" 2>&1 || { fail "$d: qpdf --check"; tail -3 "$T/q"; }
  python3 "$TESTS/pdf_struct_check.py" "$T/b.pdf" zh-Hant 1 $(for f in $arts; do echo "$T/$f.json"; done) > "$T/out" || fail "$d: structure"
  sed "s/^/$d: /" "$T/out"
  pdfinfo "$T/b.pdf" | grep -q '^Tagged: *yes' || fail "$d: pdfinfo does not call it tagged"
  python3 "$TESTS/pdf_artifact_check.py" "$T/b.pdf" > "$T/out" || fail "$d: artifacts"
  sed "s/^/$d: /" "$T/out"
done
# a single article: no contents, its language in the catalog
"$BIN" "$CORPUS/yume-juya.ja.txt" --direction vertical -o "$T/s.pdf" 2> /dev/null || fail "single"
python3 "$TESTS/pdf_struct_check.py" "$T/s.pdf" ja 0 "$T/yume-juya.ja.txt.json" > "$T/out" || fail "single: structure"
sed "s/^/single: /" "$T/out"
# #19: marked contents come from draw.c's colours, which Cairo writes only before what it
# draws: paragraphs of spaces alone (drawn as nothing) keep their MCIDs in order, and a figure
# after a paragraph ends the paragraph's marked content (pdf_artifact_check.py, part 3)
mkdir -p "$T/blank/images"
cp "$CORPUS/images/seal.png" "$T/blank/images/"
printf -- '---\ntitle: 空白\nlang: zh-Hant\n---\n\n第一段文字。\n\n\302\240\302\240\n\n\343\200\200\343\200\200\n\n第二段文字。\n\n![印](images/seal.png)\n\n\343\200\200\n\n最後。\n' > "$T/blank/b.md"
for d in vertical horizontal; do
  "$BIN" "$T/blank/b.md" --direction $d -o "$T/k.pdf" 2> /dev/null || { fail "blank $d"; continue; }
  python3 "$TESTS/pdf_artifact_check.py" "$T/k.pdf" > "$T/out" || fail "blank $d: marked content"
  sed "s/^/blank $d: /" "$T/out"
done
# paragraphs in other languages than their chapter's (an English quotation, an Arabic
# paragraph in a Chinese article) name theirs
"$BIN" dump "$TESTS/tags/langs.zh-Hant.html" > "$T/langs.json" || fail "dump langs"
for d in vertical horizontal; do
  "$BIN" "$TESTS/tags/langs.zh-Hant.html" --direction $d -o "$T/l.pdf" 2> /dev/null || { fail "langs $d"; continue; }
  python3 "$TESTS/pdf_struct_check.py" "$T/l.pdf" zh-Hant-TW 0 "$T/langs.json" > "$T/out" || fail "langs $d: structure"
  sed "s/^/langs $d: /" "$T/out"
done
[ $fails = 0 ] && echo "tags ok"
[ $fails = 0 ]
