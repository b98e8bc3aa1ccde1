#!/bin/sh
# A book PDF from several corpus articles, both directions (#5): contents with the final page
# numbers and links, outline of chapters and headings, running heads (§7.5), page labels;
# the layout dump agrees with the PDF; --bleed and --crop-marks give /TrimBox and /BleedBox.
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
set -- "$CORPUS/seed-article.txt" "$CORPUS/taoyuanming.zh-Hant.txt" "$CORPUS/kongyiji.zh-Hans.md" \
  "$CORPUS/yume-juya.ja.txt" "$CORPUS/shishuo.zh-Hant.html"
tt_read "$@" || exit 1
i=0
for f; do i=$((i + 1)); "$BIN" dump "$f" > "$tmp/src$i.json" || exit 1; done
title=東亞散文試印本
bad=0
for d in vertical horizontal; do
  "$BIN" "$@" --title "$title" --direction $d -o "$tmp/$d.pdf" || { echo "no PDF $d"; exit 1; }
  "$BIN" layout "$@" --title "$title" --direction $d > "$tmp/$d.json" || exit 1
  qpdf --check "$tmp/$d.pdf" > "$tmp/check" 2>&1 || { echo "qpdf --check $d"; cat "$tmp/check"; bad=1; }
  # fonts are subset before drawing from the book's characters: a glyph outside the subset
  # would embed the face a second time
  # (name, encoding): Cairo sets the Latin glyphs of a TrueType face apart as a WinAnsi subset
  dup=$(pdffonts "$tmp/$d.pdf" | tail -n +3 | awk '{ sub(/^[A-Z]+\+/, "", $1); print $1, $(NF-5) }' | sort | uniq -d)
  [ -z "$dup" ] || { echo "$d: fonts embedded twice: $dup"; bad=1; }
  qpdf --json "$tmp/$d.pdf" > "$tmp/q.json" || { echo "qpdf --json $d"; bad=1; continue; }
  n=$(pdfinfo "$tmp/$d.pdf" | awk '/^Pages:/ { print $2 }')
  mkdir -p "$tmp/raw$d"
  p=1; while [ $p -le $n ]; do
    pdftotext -raw -f $p -l $p "$tmp/$d.pdf" "$tmp/raw$d/p$p.txt"; p=$((p + 1))
  done
  python3 tests/pdf_book_check.py "$tmp/q.json" "$tmp/$d.json" "$tmp/raw$d" "$title" \
    "$tmp"/src1.json "$tmp"/src2.json "$tmp"/src3.json "$tmp"/src4.json "$tmp"/src5.json \
    > "$tmp/out" || { echo "FAIL $d:"; cat "$tmp/out"; bad=1; }
done
# --no-toc: no front pages, body from the first page
"$BIN" "$@" --no-toc -o "$tmp/n.pdf" || exit 1
qpdf --json "$tmp/n.pdf" | python3 -c '
import json, sys
d = json.load(sys.stdin)
l = d["pages"][0]["label"]
sys.exit(0 if l.get("/S") == "/D" and l.get("/St") == 1 else 1)' || { echo "--no-toc still has front pages"; bad=1; }
# print: the trimmed page is A5 inside a page grown by the bleed and the crop marks' room
"$BIN" "$1" --bleed 3mm --crop-marks -o "$tmp/b.pdf" || exit 1
qpdf --check "$tmp/b.pdf" > /dev/null 2>&1 || { echo "qpdf --check bleed"; bad=1; }
qpdf --json "$tmp/b.pdf" | python3 -c '
import json, sys
d = json.load(sys.stdin)
objs = d["qpdf"][1]
mm = 72 / 25.4
for p in d["pages"]:
    o = objs["obj:" + p["object"]]["value"]
    t, b, m = o["/TrimBox"], o["/BleedBox"], o["/MediaBox"]
    assert abs((t[2] - t[0]) - 148 * mm) < 0.01 and abs((t[3] - t[1]) - 210 * mm) < 0.01, t
    assert abs(t[0] - b[0] - 3 * mm) < 0.01 and abs(b[2] - t[2] - 3 * mm) < 0.01, (t, b)
    assert m[0] < b[0] and m[2] > b[2] and m[3] > b[3], (m, b)
' || { echo "trim/bleed boxes wrong"; bad=1; }
"$BIN" "$1" --bleed 5mm -o "$tmp/c.pdf" || exit 1
pdfinfo -box "$tmp/c.pdf" | grep -q '^TrimBox: *14.17' || { echo "bleed 5mm: TrimBox not at 5mm"; pdfinfo -box "$tmp/c.pdf"; bad=1; }
"$BIN" "$1" --bleed 30mm -o "$tmp/x.pdf" 2> /dev/null && { echo "--bleed 30mm accepted"; bad=1; }
exit $bad
