#!/bin/sh
# Issue #16 item 6: ruby at the ends of lines and jukugo ruby, both directions, from the
# layout dump on a 20-character grid (tests/content/ruby-edge.ja.txt puts long readings on
# bases that end a line after a kanji and start one before a kanji, where the neighbour the
# reading would overhang is on another line). JLREQ §3.3: a reading stays inside the measure
# and never overhangs a kanji; at a line end or start it stays within its base's own room.
# Jukugo ruby (JLREQ §3.3.6): readings given one per character (｜東《とう》｜京《きょう》)
# stay over their own characters, in order, without overlapping, and the word keeps no gap;
# also as the Markdown and HTML readers give it (<ruby>東<rt>とう</rt>京<rt>きょう</rt></ruby>,
# <ruby><rb>東</rb><rb>京</rb><rt>とう</rt><rt>きょう</rt></ruby>).
# Every other rule of typeset_check.py holds on the same layouts.
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
R=tests/content/ruby-edge.ja.txt
bad=0
# the same jukugo as the Markdown and HTML readers give it (<ruby> with one <rt> per
# character), mid-line and at a line end
printf -- '---\nlang: ja\n---\n\n一二三四五六七八九十一二三四五六<ruby>東<rt>とう</rt>京<rt>きょう</rt></ruby>の話。\n\n今日は<ruby>東<rt>とう</rt>京<rt>きょう</rt></ruby>の話です。\n' > "$tmp/j.md"
printf '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>t</title></head><body><article><h1>t</h1><p>今日は<ruby>東<rt>とう</rt>京<rt>きょう</rt></ruby>の話です。</p></article></body></html>\n' > "$tmp/j.html"
# and HTML's other form, bases in <rb> and their readings after them (<rb>東</rb><rb>京</rb>
# <rt>とう</rt><rt>きょう</rt>: the i-th reading over the i-th base)
printf '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>t</title></head><body><article><h1>t</h1><p>今日は<ruby><rb>東</rb><rb>京</rb><rp>（</rp><rt>とう</rt><rt>きょう</rt><rp>）</rp></ruby>の話です。</p></article></body></html>\n' > "$tmp/k.html"
for input in "$R:2:2:3" "$tmp/j.md:1:0:2" "$tmp/j.html:0:0:1" "$tmp/k.html:0:0:1"; do
R=${input%%:*}; want=${input#*:}
"$BIN" dump "$R" > "$tmp/src.json" || { echo "FAIL dump $R"; exit 1; }
for d in horizontal vertical; do
  "$BIN" layout "$R" --grid 20x12 --direction $d > "$tmp/d.json" || { echo "FAIL layout $d"; bad=1; continue; }
  python3 tests/typeset_check.py "$tmp/d.json" "$tmp/src.json" --tree > "$tmp/out" ||
    { echo "FAIL typeset_check $d:"; cat "$tmp/out"; bad=1; }
  # and every ruby rule of content_check.py (sizes, sides, overhang only onto kana)
  python3 tests/content_check.py ruby "$tmp/d.json" > "$tmp/out" ||
    { echo "FAIL content_check $d:"; cat "$tmp/out"; bad=1; }
  python3 - "$tmp/d.json" "$d $(basename "$R")" $want <<'PY' || bad=1
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
TOL = 0.01
fails = []
ends = starts = jukugo = 0
def ideo(ch):
    return 0x4E00 <= ord(ch[0]) <= 0x9FFF
for page in d["pages"]:
    for li, line in enumerate(page["lines"]):
        where = "page %d line %d" % (page["number"], li + 1)
        body = [g for g in line["glyphs"] if "ruby" not in g]
        ann = [g for g in line["glyphs"] if "ruby" in g]
        size, m = line["size"], line["measure"]
        for g in ann:
            if g["p"] < -TOL or g["p"] + g["adv"] > m + TOL:
                fails.append("%s: reading %s at %.2f-%.2f outside the measure %.2f" % (where, g["c"], g["p"], g["p"] + g["adv"], m))
        for rid in sorted({g["ruby"] for g in ann}):
            a = [g for g in ann if g["ruby"] == rid]
            b = [g for g in body if g.get("rb") == rid]
            lo, hi = min(g["p"] for g in a), max(g["p"] + g["adv"] for g in a)
            blo, bhi = min(g["p"] for g in b), max(g["p"] + g["adv"] for g in b)
            i0, i1 = body.index(b[0]), body.index(b[-1])
            prev = body[i0 - 1] if i0 else None
            nxt = body[i1 + 1] if i1 + 1 < len(body) else None
            # never over a kanji that is not a base of the same word
            if prev and ideo(prev["c"]) and "rb" not in prev and lo < prev["p"] + prev["adv"] - TOL:
                fails.append("%s: %s overhangs the kanji %s before it" % (where, "".join(g["c"] for g in a), prev["c"]))
            if nxt and ideo(nxt["c"]) and "rb" not in nxt and hi > nxt["p"] + TOL:
                fails.append("%s: %s overhangs the kanji %s after it" % (where, "".join(g["c"] for g in a), nxt["c"]))
            if not nxt and bhi > m - size:  # the base ends the line (the column's foot)
                ends += hi - lo > bhi - blo + TOL
                if hi > m + TOL:
                    fails.append("%s: %s runs past the line end" % (where, "".join(g["c"] for g in a)))
            if not prev:                    # the base starts the line
                starts += hi - lo > bhi - blo + TOL
                if lo < -TOL:
                    fails.append("%s: %s starts before the line" % (where, "".join(g["c"] for g in a)))
        # jukugo: 東 and 京, each with its own reading, side by side
        for x, y in zip(body, body[1:]):
            if x["c"] == "東" and y["c"] == "京" and "rb" in x and "rb" in y and x["rb"] != y["rb"]:
                ra = [g for g in ann if g["ruby"] == x["rb"]]
                rb = [g for g in ann if g["ruby"] == y["rb"]]
                ta, tb = "".join(g["c"] for g in ra), "".join(g["c"] for g in rb)
                alo, ahi = min(g["p"] for g in ra), max(g["p"] + g["adv"] for g in ra)
                blo, bhi = min(g["p"] for g in rb), max(g["p"] + g["adv"] for g in rb)
                if (ta, tb) != ("とう", "きょう"):
                    fails.append("%s: jukugo readings %s %s" % (where, ta, tb))
                if abs(y["p"] - (x["p"] + x["adv"])) > TOL:
                    fails.append("%s: a gap of %.2f inside 東京" % (where, y["p"] - x["p"] - x["adv"]))
                if ahi > blo + TOL:
                    fails.append("%s: とう and きょう overlap" % where)
                for (lo, hi), g in (((alo, ahi), x), ((blo, bhi), y)):
                    if not (lo < g["p"] + g["adv"] - TOL and hi > g["p"] + TOL):
                        fails.append("%s: the reading of %s is not over it" % (where, g["c"]))
                    if abs((lo + hi) / 2 - (g["p"] + g["adv"] / 2)) > size / 4 + TOL:
                        fails.append("%s: the reading of %s is %.2f em off its centre" % (where, g["c"], ((lo + hi) / 2 - g["p"] - g["adv"] / 2) / size))
                jukugo += 1
want = [int(x) for x in sys.argv[3].split(":")]
if ends < want[0] or starts < want[1] or jukugo < want[2]:
    fails.append("only %d long readings at a line end, %d at a line start, %d jukugo" % (ends, starts, jukugo))
for f in fails:
    print("FAIL %s %s" % (sys.argv[2], f))
print("%s: %d long readings ending a line, %d starting one, %d jukugo, %d failures" % (sys.argv[2], ends, starts, jukugo, len(fails)))
sys.exit(1 if fails else 0)
PY
done
done
exit $bad
