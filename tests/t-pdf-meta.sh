#!/bin/sh
# PDF metadata and viewer settings: title, author, creator "bisheng VERSION", creation date from
# SOURCE_DATE_EPOCH; vertical books turn right to left (§7.4: /ViewerPreferences /Direction
# /R2L and /PageLayout /TwoPageRight, added by an incremental update qpdf accepts); horizontal
# books do not; page labels are the folios.
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
f=$CORPUS/seed-article.txt
tt_read "$f" || exit 1
export SOURCE_DATE_EPOCH=1700000000
bad=0
for d in vertical horizontal; do
  "$BIN" "$f" --direction $d -o "$tmp/$d.pdf" || { echo "no PDF"; exit 1; }
  qpdf --check "$tmp/$d.pdf" > "$tmp/check" 2>&1 || { echo "qpdf --check $d"; cat "$tmp/check"; bad=1; }
  pdfinfo "$tmp/$d.pdf" > "$tmp/info"
  grep -q '^Title: *美俄峯會後俄烏戰爭及歐洲安全走向$' "$tmp/info" || { echo "title $d"; bad=1; }
  grep -q '^Author: *徐秉君$' "$tmp/info" || { echo "author $d"; bad=1; }
  grep -q "^Creator: *bisheng $("$BIN" --version | cut -d' ' -f2)\$" "$tmp/info" || { echo "creator $d"; bad=1; }
  grep -q '^CreationDate: *Tue Nov 14 22:13:20 2023 UTC$' "$tmp/info" || { echo "date $d"; cat "$tmp/info"; bad=1; }
  qpdf --json "$tmp/$d.pdf" > "$tmp/j" 2>/dev/null
  if [ $d = vertical ]; then
    python3 - "$tmp/j" <<'PY' || { echo "vertical PDF lacks R2L viewer preferences"; bad=1; }
import json, sys
d = json.load(open(sys.argv[1]))
objs = d.get("objects") or d.get("qpdf", [{}, {}])[1]
cat = [v.get("value", v) for v in objs.values() if isinstance(v, dict) and isinstance(v.get("value", v), dict) and v.get("value", v).get("/Type") == "/Catalog"]
ok = any(c.get("/ViewerPreferences", {}).get("/Direction") == "/R2L" and c.get("/PageLayout") == "/TwoPageRight" for c in cat)
sys.exit(0 if ok else 1)
PY
  else
    grep -q 'R2L' "$tmp/j" && { echo "horizontal PDF says R2L"; bad=1; }
  fi
done
pdftotext -f 2 -l 2 -raw "$tmp/horizontal.pdf" - | tail -n 2 | grep -qx '2' || { echo "folio 2 missing on page 2"; bad=1; }
exit $bad
