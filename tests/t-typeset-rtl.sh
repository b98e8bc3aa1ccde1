#!/bin/sh
# Right-to-left blocks (UAX #9; README "Right-to-left text"), read from the layout dump:
# - horizontal: an Arabic list's lines keep their indent on the right, the start side, with
#   the bullet (the Western • in a book that is not CJK) rightmost at an odd level; a
#   quotation's indent is on the right too; a paragraph runs from the right edge;
# - a ・ or 。 inside an Arabic paragraph keeps the level UAX #9 gives it (N1), not 0;
# - vertical: an all-Arabic heading starts at the column head like every other line (the
#   column runs top to bottom whatever its script), not at its foot;
# - a PDF of an Arabic article warns of no missing glyph (the title was once shaped in the
#   CJK face for the folio subset and reported missing there);
# - the Chinese bullet stays ・, one em on the grid.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bad=0
cat > "$tmp/ar.md" <<'EOF'
---
title: مقالة تجريبية
lang: ar
---
# مقدمة

هذا نص عربي للتجربة، يحتوي على أرقام 1234 وكلمات إنجليزية English words في الوسط. الكتابة من اليمين إلى اليسار، وهذا سطر آخر طويل بما يكفي ليلتف إلى سطر ثان في الصفحة.

> اقتباس قصير هنا، وهو طويل بما يكفي ليلتف إلى سطر ثان في الصفحة حتى نرى الهامش من الجهتين معا.

- عنصر أول
- عنصر ثان・ونقطة。
EOF
cat > "$tmp/zh.md" <<'EOF'
---
title: 清單
lang: zh-Hant
---
- 第一項
- 第二項
EOF
for d in horizontal vertical; do
  "$BIN" layout "$tmp/ar.md" --direction $d > "$tmp/ar-$d.json" 2> "$tmp/err" ||
    { echo "FAIL layout $d"; cat "$tmp/err"; bad=1; }
done
"$BIN" layout "$tmp/zh.md" > "$tmp/zh.json" 2> /dev/null || { echo "FAIL layout zh"; bad=1; }
"$BIN" "$tmp/ar.md" -o "$tmp/ar.pdf" 2> "$tmp/err" || { echo "FAIL pdf"; bad=1; }
if grep -q 'missing glyph' "$tmp/err"; then
  echo "FAIL a missing glyph reported for an Arabic article:"; cat "$tmp/err"; bad=1
fi
python3 - "$tmp/ar-horizontal.json" "$tmp/ar-vertical.json" "$tmp/zh.json" <<'PY' || bad=1
import json, sys
fails = []
h = json.load(open(sys.argv[1], encoding="utf-8"))
em, eps = h["size"], 0.05
lines = [l for p in h["pages"] for l in p["lines"] if l["glyphs"]]
area = h["pages"][0]["area"]
left, right = area["x"], area["x"] + area["width"]
def edges(l):
    return (min(g["x"] for g in l["glyphs"]),
            max(g["x"] + g["adv"] for g in l["glyphs"]))
def text(l):
    return "".join(g["c"] for g in l["glyphs"])
items = [l for l in lines if any(g["c"] == "•" for g in l["glyphs"])]
if len(items) != 2:
    fails.append("%d list lines with a • bullet, not 2" % len(items))
for l in items:
    lo, hi = edges(l)
    b = next(g for g in l["glyphs"] if g["c"] == "•")
    if abs(hi - (right - 2 * em)) > eps:
        fails.append("list line %r ends at %.2f, not 2 em from the right edge (%.2f)"
                     % (text(l), hi, right - 2 * em))
    if b["x"] + b["adv"] < hi - eps or b["level"] % 2 != 1:
        fails.append("the bullet of %r is not rightmost at an odd level (x %.2f, level %d)"
                     % (text(l), b["x"], b["level"]))
for c in "・。":
    g = [g for l in items for g in l["glyphs"] if g["c"] == c]
    if not g or g[0]["level"] % 2 != 1:
        fails.append("%s in an Arabic item: level %s, not odd" % (c, g[0]["level"] if g else None))
quote = [l for l in lines if text(l).startswith("اقتباس") or
         (l.get("para") and any(text(k).startswith("اقتباس") and k.get("para") == l.get("para")
                                for k in lines))]
if len(quote) < 2:
    fails.append("the quotation is %d line(s), not 2 or more" % len(quote))
for l in quote:
    lo, hi = edges(l)
    if hi > right - 2 * em + eps or lo < left - eps:
        fails.append("quotation line %r spans %.2f..%.2f, not inside its right-hand indent"
                     % (text(l)[:12], lo, hi))
body = [l for l in lines if l["kind"] == "body" and text(l).startswith("هذا")]
if not body or abs(edges(body[0])[1] - right) > eps:
    fails.append("the first paragraph does not start at the right edge")
v = json.load(open(sys.argv[2], encoding="utf-8"))
for p in v["pages"]:
    top = p["area"]["y"]
    for l in p["lines"]:
        if l["kind"] == "heading" and l["glyphs"] and l.get("slot") is not None:
            ys = [g["y"] for g in l["glyphs"]]
            if min(ys) - top > 4.5 * v["size"]:
                fails.append("vertical heading %r starts %.1f pt below the column head"
                             % (text(l), min(ys) - top))
z = json.load(open(sys.argv[3], encoding="utf-8"))
marks = [l["glyphs"][0]["c"] for p in z["pages"] for l in p["lines"]
         if l["kind"] == "body" and l["glyphs"]]
if marks != ["・", "・"]:
    fails.append("Chinese list bullets %r, not ・" % marks)
for f in fails:
    print("FAIL", f)
if not fails:
    print("rtl blocks ok: %d list lines, %d quotation lines" % (len(items), len(quote)))
sys.exit(1 if fails else 0)
PY
exit $bad
