#!/bin/sh
# E4: titles and headings are set in bold Hei (Noto Sans CJK, the document's regional face),
# body text in the Serif (Song/Ming) face, in both directions; Latin letters and digits in the
# matching Latin face (L6, #13: Noto Sans bold in headings, Noto Serif in the body).
. tests/typeset-lib.sh
f=$CORPUS/kongyiji.zh-Hans.md
tt_read "$f" || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for d in vertical horizontal; do
  "$BIN" layout "$f" --direction $d > "$tmp/l.json" || exit 1
  python3 - "$tmp/l.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
heads = body = 0
for p in d["pages"]:
    for l in p["lines"]:
        for g in l["glyphs"]:
            # Latin words lie sideways in vertical text; upright and TCY letters are CJK
            latin = g["c"].isascii() and (
                g["o"] == "sideways" or d["direction"] == "horizontal")
            if l["kind"] == "heading":
                want = "Noto Sans" if latin else "Noto Sans CJK SC"
                assert g["font"] == want and g["bold"], (l["kind"], g)
                heads += 1
            elif l["kind"] == "body" and not g["bold"] and "Mono" not in g["font"]:
                assert g["font"] == ("Noto Serif" if latin else "Noto Serif CJK SC"), g
                body += 1
assert heads > 10 and body > 100, (heads, body)
PY
done
exit 0
