#!/bin/sh
# One indent, never two (issue #14 part 2, the PDF's side; t-epub-nav has the EPUB's): a
# paragraph whose text starts with U+3000 (Aozora Bunko keeps it) carries its own indent, so the
# typesetter adds none; other paragraphs get the automatic one (1 em in Japanese), and the
# plain-text reader drops a leading U+3000. Read from the layout dump, both directions.
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
print("\n".join(bad[:20]) if bad else "ok")
sys.exit(1 if bad else 0)
PY
