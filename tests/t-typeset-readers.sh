#!/bin/sh
# What readers see in the PDF (issue #14 part 2; t-epub-nav has the EPUB's side), read from the
# layout dump in both directions:
# - one indent, never two: a paragraph whose text starts with U+3000 (Aozora Bunko keeps it)
#   carries its own indent, so the typesetter adds none; other paragraphs get the automatic
#   one (1 em in Japanese), and the plain-text reader drops a leading U+3000;
# - Markdown footnote marks are numbers (1, 2), not the source's labels (zhihu, hui);
# - the title once: a Markdown heading or an HTML <h1> repeating the title is not set again.
BUILD=${BUILD:-build/cc}
BIN=${BIN:-$BUILD/bisheng}
CORPUS=${CORPUS:-../shared/corpus}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
long=どの段落も一行に収まらないように長く書いてあるので、二行目からは字下げのない行になります。
printf '題\n\n　一つ目の段落。%s%s\n二つ目の段落。%s%s\n' $long $long $long $long > "$tmp/u.txt"
fail=0
for dir in horizontal vertical; do
  "$BIN" layout "$CORPUS/kumo-no-ito.aozora.txt" --direction $dir > "$tmp/k-$dir.json" || fail=1
  "$BIN" layout "$tmp/u.txt" --direction $dir > "$tmp/u-$dir.json" || fail=1
done
for f in kongyiji.zh-Hans.md yume-juya-4.ja.html; do
  for dir in horizontal vertical; do
    "$BIN" layout "$CORPUS/$f" --direction $dir > "$tmp/$f-$dir.json" || fail=1
  done
done
[ $fail = 0 ] || { echo "FAIL: layout"; exit 1; }
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
bad = []
for name in ("k", "u"):
    for d in ("horizontal", "vertical"):
        t = json.load(open("%s/%s-%s.json" % (tmp, name, d)))
        axis = "x" if d == "horizontal" else "y"
        own = auto = 0
        for pg in t["pages"]:
            body = [l for l in pg["lines"] if l["kind"] == "body" and l["glyphs"]]
            # paragraphs of two lines or more on this page (not the title block's single lines)
            many = {l["para"] for l in body if not l["first"]}
            body = [l for l in body if l["para"] in many]
            # where a line's text starts without any indent: a paragraph's second line
            rest = [l["glyphs"][0][axis] - l[axis] for l in body if not l["first"] and not l["indent"]]
            if not rest:
                continue
            base = min(rest)
            for l in body:
                if not l["first"] or l["indent"]:
                    continue
                off = l["glyphs"][0][axis] - l[axis] - base
                if l["glyphs"][0]["c"] == "\u3000":
                    own += 1
                    if abs(off) > 0.01:
                        bad.append("%s %s p%d: a U+3000 paragraph indented %.2f pt more" % (name, d, pg["number"], off))
                else:
                    auto += 1
                    if abs(off - l["size"]) > 0.01:
                        bad.append("%s %s p%d: a paragraph indented %.2f pt, want 1 em" % (name, d, pg["number"], off))
        if name == "k" and own < 10:
            bad.append("kumo %s: only %d paragraphs open with U+3000" % (d, own))
        if name == "u" and (own or auto != 2):
            bad.append("u.txt %s: %d paragraphs keep U+3000, %d indented (want 0, 2)" % (d, own, auto))
for d in ("horizontal", "vertical"):
    t = json.load(open("%s/kongyiji.zh-Hans.md-%s.json" % (tmp, d)))
    marks = [g["mark"] for p in t["pages"] for l in p["lines"] for g in l["glyphs"] if g.get("mark")]
    text = "".join(g["c"] for p in t["pages"] for l in p["lines"] for g in l["glyphs"])
    if marks[:2] != [1, 2] or "zhihu" in text or "hui" in text:
        bad.append("kongyiji %s: note marks %r" % (d, marks[:4]))
    for f, title in (("kongyiji.zh-Hans.md", "孔乙己"), ("yume-juya-4.ja.html", "夢十夜\u3000第四夜")):
        t = json.load(open("%s/%s-%s.json" % (tmp, f, d)))
        heads = ["".join(g["c"] for g in l["glyphs"]) for p in t["pages"] for l in p["lines"]
                 if l["kind"] == "heading"]
        if heads.count(title) != 1:
            bad.append("%s %s: the title set %d times as a heading: %r" % (f, d, heads.count(title), heads[:4]))
print("\n".join(bad[:20]) if bad else "ok")
sys.exit(1 if bad else 0)
PY
