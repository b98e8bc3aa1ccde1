#!/bin/sh
# Punctuation (cjk-typography.md §2, §3.3) in zh-Hant, zh-Hans and ja, both directions, read
# back from the layout dump:
# - P1: every closing bracket followed by ：；？！，。、 (and 〉： in a heading) takes 1.5 em
#   where both marks are full width;
# - §3.3 / JLREQ: ：；in vertical per the regional face (TC upright, SC vert, JP rotated ：);
# - P4: ・·‧ are ½ em in zh-Hans, 1 em (ink centred) in TW/HK and Japan, both directions.
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/in.md" <<'PY'
import sys
opens = "「『（〔【《〈〖［｛〘｟“‘〝"
closes = "」』）〕】》〉〗］｝〙｠”’〞"
marks = "：；？！，。、"
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("# 讀〈書〉：序\n\n")
    for o, c in zip(opens, closes):
        for m in marks:
            f.write("甲%s乙%s%s丙\n\n" % (o, c, m))
    f.write("甲〝乙〟，丙\n\n瑪麗·居禮、安・卡列尼娜與陶‧潛\n")
PY
bad=0
for lang in zh-Hant zh-Hans ja; do
  for d in horizontal vertical; do
    "$BIN" layout "$tmp/in.md" --lang $lang --direction $d > "$tmp/d.json" 2> "$tmp/err" ||
      { echo "FAIL layout $lang $d"; cat "$tmp/err"; bad=1; continue; }
    python3 - "$tmp/d.json" $lang $d "$tmp/colons" <<'PY' || bad=1
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
lang, vertical = sys.argv[2], sys.argv[3] == "vertical"
em = d["size"]
TOL = 0.01
CLOSE = set("」』）〕】》〉〗］｝〙｠”’〞〟")
MARKS = set("：；？！，。、")
fails, pairs, colons, dots = [], 0, 0, 0
for page in d["pages"]:
    for line in page["lines"]:
        gl = [g for g in line["glyphs"] if "ruby" not in g]
        size = line["size"]
        for a, b in zip(gl, gl[1:]):
            if a["c"] in CLOSE and b["c"] in MARKS:
                pairs += 1
                tot = a["adv"] + b["adv"]
                full = a["adv"] > 0.9 * size or a.get("halved")
                if full and abs(tot - 1.5 * size) > TOL:
                    fails.append("P1 %s%s take %.2f em" % (a["c"], b["c"], tot / size))
                elif not full and tot > 1.5 * size + TOL:
                    fails.append("P1 %s%s (proportional %s) take %.2f em" % (a["c"], b["c"], a["c"], tot / size))
        for g in gl:
            if g["c"] in "：；" and line["kind"] == "body":
                colons += 1
                with open(sys.argv[4], "a") as f:
                    f.write("%s %s %s %d\n" % (lang, sys.argv[3], g["c"], g["gid"]))
            if g["c"] in "・·‧":
                dots += 1
                want = 0.5 if lang == "zh-Hans" else 1.0
                if abs(g["adv"] - want * size) > TOL:
                    fails.append("P4 %s is %.2f em, want %.2f" % (g["c"], g["adv"] / size, want))
if pairs < (14 if lang == "ja" else 15) * 7:  # ja: 《乙》 is Aozora ruby markup
    fails.append("only %d closing-bracket pairs found" % pairs)
if dots != 3:
    fails.append("%d middle dots found, want 3" % dots)
for f in fails[:30]:
    print("FAIL %s %s: %s" % (lang, sys.argv[3], f))
print("%s %s: %d pairs, %d failures" % (lang, sys.argv[3], pairs, len(fails)))
sys.exit(1 if fails else 0)
PY
  done
done
# §3.3 [verified] table: in vertical, TC keeps ：；(centred, upright), SC substitutes both, JP
# substitutes ： (the rotated Japanese colon, JLREQ) and keeps ；
python3 - "$tmp/colons" <<'PY' || bad=1
import sys
gids = {}
for l in open(sys.argv[1], encoding="utf-8"):
    lang, d, ch, gid = l.split()
    gids.setdefault((lang, ch, d), set()).add(int(gid))
want = {("zh-Hant", "："): False, ("zh-Hant", "；"): False, ("zh-Hans", "："): True,
        ("zh-Hans", "；"): True, ("ja", "："): True, ("ja", "；"): False}
bad = 0
for (lang, ch), subst in want.items():
    h, v = gids.get((lang, ch, "horizontal")), gids.get((lang, ch, "vertical"))
    if not h or not v or len(h) != 1 or len(v) != 1:
        print("FAIL %s %s: gids %s / %s" % (lang, ch, h, v)); bad = 1
    elif (h != v) != subst:
        print("FAIL %s vertical %s is gid %s (horizontal %s): want %s" % (
            lang, ch, v, h, "the vert form" if subst else "the horizontal glyph upright"))
        bad = 1
print("colon and semicolon in three regions: %s" % ("ok" if not bad else "FAIL"))
sys.exit(bad)
PY
exit $bad
