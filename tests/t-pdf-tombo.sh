#!/bin/sh
# Issue #15 print details: --crop-marks=japanese (manifest: crop-marks: japanese) draws
# トンボ: besides the corner marks on the trim lines, marks on the bleed lines and a centre
# mark outside the middle of each edge; the page, TrimBox and BleedBox are those of corner
# marks. Checked on the rendered page: the margin outside the middle of the top edge is empty
# with corner marks and inked with Japanese ones.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
"$BIN" "$CORPUS/seed-article.txt" --bleed 3mm --crop-marks -o "$T/c.pdf" || fail "corner marks"
"$BIN" "$CORPUS/seed-article.txt" --bleed 3mm --crop-marks=japanese -o "$T/j.pdf" || fail "japanese marks"
"$BIN" "$CORPUS/seed-article.txt" --crop-marks=western -o "$T/x.pdf" 2> "$T/err" && fail "--crop-marks=western accepted"
grep -q "corner or japanese" "$T/err" || fail "no usage error: $(cat "$T/err")"
for b in MediaBox TrimBox BleedBox; do
  [ "$(pdfinfo -box "$T/c.pdf" | grep "^$b")" = "$(pdfinfo -box "$T/j.pdf" | grep "^$b")" ] || fail "$b differs"
done
# ink in a strip above the top edge's middle (the trim starts 11 mm in: 3 mm bleed + 8 mm)
ink() {
  w=$(pdfinfo "$1" | sed -n 's/^Page size: *\([0-9.]*\).*/\1/p')
  pdftoppm -gray -r 72 -f 1 -l 1 -x "$(python3 -c "print(int($w / 2 - 10))")" -y 2 -W 20 -H 18 "$1" "$T/s"
  python3 - "$T"/s*.pgm <<'P'
import sys
d = open(sys.argv[1], "rb").read()
parts = d.split(b"\n", 3)
print(sum(1 for b in parts[3] if b < 128))
P
  rm -f "$T"/s*.pgm
}
[ "$(ink "$T/c.pdf")" = 0 ] || fail "corner marks drew something above the top edge's middle"
[ "$(ink "$T/j.pdf")" -gt 0 ] || fail "no centre mark above the top edge"
cp "$CORPUS/seed-article.txt" "$T/a.txt"
cat > "$T/book.yaml" <<Y
title: T
articles: [a.txt]
outputs: [{name: p, file: m.pdf, bleed: 3mm, crop-marks: japanese}]
Y
(cd "$T" && "$BIN" build -q book.yaml) || fail "manifest crop-marks: japanese"
[ "$(ink "$T/m.pdf")" -gt 0 ] || fail "manifest: no centre mark"
[ $fails = 0 ] && echo "tombo ok"
[ $fails = 0 ]
