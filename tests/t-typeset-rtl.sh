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
# - the Chinese bullet stays ・, one em on the grid;
# - a book in Arabic turns right to left: the PDF says /Direction /R2L and page 1 is a left
#   page (its folio on the left); its contents are headed in Arabic, each Arabic entry set from
#   the right with its page number at the left edge and the leader between; the EPUB's
#   chapter and nav say dir="rtl", the spine turns rtl, and a Latin paragraph in the Arabic
#   chapter takes dir="auto" (else it would be set from the right); an English book's
#   contents are headed "Contents".
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
# a book: two Arabic articles (one with an English paragraph) and the English corpus article
cp "$tmp/ar.md" "$tmp/ar2.md"
printf '\nThis paragraph is English inside an Arabic chapter.\n' >> "$tmp/ar2.md"
"$BIN" "$tmp/ar.md" "$tmp/ar2.md" -o "$tmp/book.pdf" 2> "$tmp/err" || { echo "FAIL book pdf"; cat "$tmp/err"; bad=1; }
"$BIN" "$tmp/ar.md" "$tmp/ar2.md" -o "$tmp/book.epub" 2> "$tmp/err" || { echo "FAIL book epub"; cat "$tmp/err"; bad=1; }
"$BIN" "$CORPUS/bisheng.en.md" "$CORPUS/bisheng.en.md" -o "$tmp/en.pdf" 2> /dev/null || { echo "FAIL en pdf"; bad=1; }
pdftotext -f 1 -l 1 "$tmp/en.pdf" - | head -3 | grep -q '^Contents$' ||
  { echo "FAIL an English book's contents are not headed Contents"; bad=1; }
qpdf --json "$tmp/book.pdf" > "$tmp/book.json" 2> /dev/null
grep -q '"/Direction": "/R2L"' "$tmp/book.json" || { echo "FAIL the Arabic book is not /R2L"; bad=1; }
pdftotext -bbox "$tmp/book.pdf" "$tmp/bbox.html" 2> /dev/null || { echo "FAIL pdftotext"; bad=1; }
pdftotext -f 1 -l 1 "$tmp/book.pdf" - | grep -q 'المحتويات' ||
  { echo "FAIL the Arabic book's contents are not headed المحتويات"; bad=1; }
mkdir -p "$tmp/x" && (cd "$tmp/x" && unzip -q ../book.epub) || bad=1
python3 - "$tmp/bbox.html" "$tmp/x" <<'PY' || bad=1
import glob, re, sys
fails = []
pages = re.split(r"<page ", open(sys.argv[1], encoding="utf-8").read())[1:]
def words(p):
    return [(float(a), float(b), float(c), w) for a, b, c, w in
            re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]*)</word>', p)]
toc = words(pages[0])
rows = {}
for x0, y, x1, w in toc:
    rows.setdefault(round(y), []).append((x0, x1, w))
entries = [sorted(r) for y, r in sorted(rows.items()) if any(w.isdigit() for _, _, w in r)]
if len(entries) < 2:
    fails.append("%d contents entries with a number" % len(entries))
right = max(x1 for r in entries for _, x1, _ in r)
for r in entries:
    num = [e for e in r if e[2].isdigit()]
    if not num or num[0] != r[0]:
        fails.append("an Arabic entry's number is not leftmost: %r" % [w for *_, w in r])
    elif any(e[0] < num[0][1] + 20 for e in r[1:]):
        fails.append("an Arabic entry's text runs into its number's leader: %r" % r)
if entries and entries[0][-1][1] < right - 0.5:
    fails.append("the first entry does not end at the right edge")
# the first body page (page 1) is a left page: its folio at the left of the type area
body = [p for p in pages[1:] if words(p)]
foot = [(x0, w) for x0, y, x1, w in words(body[0]) if y > 500 and w.isdigit()]
if not foot or foot[0][1] != "1" or foot[0][0] > 100:
    fails.append("page 1's folio is not at the left: %r" % foot)
x = sys.argv[2]
opf = open(glob.glob(x + "/EPUB/content.opf")[0], encoding="utf-8").read()
if 'page-progression-direction="rtl"' not in opf:
    fails.append("the Arabic EPUB's spine does not turn rtl")
nav = open(glob.glob(x + "/EPUB/nav.xhtml")[0], encoding="utf-8").read()
if not re.search(r'<html[^>]* dir="rtl"', nav) or "المحتويات" not in nav:
    fails.append("the nav is not rtl or not headed المحتويات")
for f in sorted(glob.glob(x + "/EPUB/text/c*.xhtml")):
    t = open(f, encoding="utf-8").read()
    if not re.search(r'<html[^>]* dir="rtl"', t):
        fails.append("%s: html without dir=rtl" % f.split("/")[-1])
    for m in re.finditer(r"<p([^>]*)>([^<]*English[^<]*)</p>", t):
        if 'dir="auto"' not in m.group(1):
            fails.append("the English paragraph of an Arabic chapter lacks dir=auto")
for f in fails:
    print("FAIL", f)
if not fails:
    print("rtl book ok: %d contents entries" % len(entries))
sys.exit(1 if fails else 0)
PY
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
