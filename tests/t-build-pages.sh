#!/bin/sh
# bisheng build counts pages from the PDF writer's own count (the contents' pages and blank
# rectos included), not by scanning the file: the progress line, the --json report and the
# change record (sidecar) must all equal pdfinfo's count, on a book of more than 50 pages whose
# incremental update rewrites every page object.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
command -v pdfinfo > /dev/null || { echo "no pdfinfo"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export SOURCE_DATE_EPOCH=1700000000
for f in seed-article.txt taoyuanming.zh-Hant.txt ah-q.zh-Hans.txt kongyiji.zh-Hans.md \
         yume-juya.ja.txt kumo-no-ito.aozora.txt; do
  cp "$CORPUS/$f" .
done
mkdir images && cp "$CORPUS/images/"* images/
cat > book.yaml <<'Y'
title: 頁數
articles: [seed-article.txt, taoyuanming.zh-Hant.txt, ah-q.zh-Hans.txt, kongyiji.zh-Hans.md,
           yume-juya.ja.txt, kumo-no-ito.aozora.txt, seed-article.txt, ah-q.zh-Hans.txt]
outputs:
  - {name: v, file: v.pdf, direction: vertical, paper: B6, bleed: 3mm, crop-marks: true}
  - {name: h, file: h.pdf, direction: horizontal, paper: B6}
Y
"$BIN" build --json -j 1 book.yaml > r.json 2> err.txt || { cat err.txt; fail "build"; }
for o in v h; do
  n=$(pdfinfo $o.pdf | sed -n 's/^Pages: *//p')
  [ "${n:-0}" -gt 50 ] || fail "$o.pdf has ${n:-no} pages, wanted a book of more than 50"
  j=$(python3 -c "import json,sys; print([o['pages'] for o in json.load(open('r.json'))['outputs'] if o['name']=='$o'][0])")
  [ "$j" = "$n" ] || fail "$o: --json says $j pages, pdfinfo $n"
  s=$(sed -n 's/.* pages \([0-9]*\).*/\1/p' .$o.pdf.bisheng)
  [ "$s" = "$n" ] || fail "$o: the change record says $s pages, pdfinfo $n"
  grep -q "^bisheng: $o: .*, $n pages, " err.txt || fail "$o: no progress line with $n pages: $(grep "^bisheng: $o:" err.txt)"
done
# an unchanged rebuild reports the recorded count
"$BIN" build --json -j 1 book.yaml > r2.json 2> /dev/null || fail "rebuild"
python3 - r.json r2.json <<'P' || fail "the skipped outputs report other page counts"
import json, sys
a, b = (json.load(open(p))["outputs"] for p in sys.argv[1:3])
assert [o["pages"] for o in a] == [o["pages"] for o in b], (a, b)
assert all(o["status"] == "unchanged" for o in b), b
P
[ $fails = 0 ] && echo "page counts ok"
[ $fails = 0 ]
