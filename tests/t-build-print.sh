#!/bin/sh
# bisheng build: the PDF's print options as manifest keys (toc, recto-chapters, bleed,
# crop-marks), a changed option rebuilds the output, and keep-going turns a bad image in a PDF
# into a warning with the caption kept.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export SOURCE_DATE_EPOCH=1700000000
cp "$CORPUS/seed-article.txt" a.txt
cp "$CORPUS/taoyuanming.zh-Hant.txt" b.txt
cat > book.yaml <<'Y'
title: 印刷測試
articles: [a.txt, b.txt]
outputs:
  - {name: plain, file: plain.pdf, direction: horizontal}
  - {name: print, file: print.pdf, direction: horizontal, bleed: 3mm, crop-marks: true, toc: false, recto-chapters: false}
Y
"$BIN" build -q -j 1 book.yaml || fail "build"
box() { pdfinfo -box "$1" | sed -n "s/^$2: *//p" | tr -s ' '; }
# A5 is 419.53 x 595.28 pt; a 3 mm bleed is 8.50 pt each side
[ "$(box plain.pdf TrimBox)" = "$(box plain.pdf MediaBox)" ] || fail "plain.pdf has a trim box of its own"
trim=$(box print.pdf TrimBox) bleed=$(box print.pdf BleedBox) media=$(box print.pdf MediaBox)
python3 - "$trim" "$bleed" "$media" <<'P' || fail "print.pdf boxes: trim $trim, bleed $bleed, media $media"
import sys
t, b, m = ([float(x) for x in a.split()] for a in sys.argv[1:4])
assert abs((t[2] - t[0]) - 419.53) < 0.05 and abs((t[3] - t[1]) - 595.28) < 0.05, t
assert all(abs(d - 8.504) < 0.05 for d in (t[0] - b[0], t[1] - b[1], b[2] - t[2], b[3] - t[3])), (t, b)
assert m[2] - m[0] > b[2] - b[0] and m[3] - m[1] > b[3] - b[1], "no room for crop marks"
P
# toc: false, recto-chapters: false: no contents page, no blank page before chapter 2
pdftotext -f 1 -l 3 plain.pdf - | grep -q '目錄' || fail "plain.pdf has no contents"
pdftotext print.pdf - | grep -q '目錄' && fail "print.pdf has contents despite toc: false"
np=$(pdfinfo plain.pdf | sed -n 's/^Pages: *//p') pp=$(pdfinfo print.pdf | sed -n 's/^Pages: *//p')
[ "$pp" -lt "$np" ] || fail "print.pdf ($pp pages) is not shorter than plain.pdf ($np)"

# a changed print option rebuilds just that output
sed -i 's/bleed: 3mm/bleed: 5mm/' book.yaml
"$BIN" build --json -j 1 book.yaml > r.json 2> err.txt || fail "rebuild: $(cat err.txt)"
python3 -c '
import json
r = json.load(open("r.json"))
assert [o["status"] for o in r["outputs"]] == ["unchanged", "written"], r["outputs"]
' || fail "a changed bleed did not rebuild only its output"

# keep-going in a PDF: a missing image is a warning and its caption stays
mkdir -p md
printf '# 圖\n\n正文。\n\n![說明文字](images/none.png)\n\n正文。\n' > md/f.md
printf 'title: T\narticles: [md/f.md]\noutputs:\n  - {name: p, file: f.pdf}\n' > strict.yaml
"$BIN" build -q strict.yaml 2> err.txt && fail "a missing image built without keep-going"
grep -q "md/f.md:5: cannot read image 'images/none.png'" err.txt || fail "error: $(cat err.txt)"
[ ! -e f.pdf ] || fail "f.pdf left behind"
printf 'title: T\nkeep-going: true\narticles: [md/f.md]\noutputs:\n  - {name: p, file: f.pdf}\n' > kg.yaml
"$BIN" build kg.yaml 2> err.txt || fail "keep-going build failed: $(cat err.txt)"
grep -q "warning: cannot read image 'images/none.png'" err.txt || fail "no warning: $(cat err.txt)"
pdftotext f.pdf - | grep -q '說明文字' || fail "the caption is not in f.pdf"

[ $fails = 0 ] || exit 1
echo "print options, rebuilds and keep-going in PDFs"
