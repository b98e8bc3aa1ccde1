#!/bin/sh
# #5: every article of a collection opens with its full heading block: title (bold Hei, a
# three-line band), subtitle (bold Hei, a two-line band), byline (authors, affiliation), and
# source and date in small type, then a blank line; in both directions, each chapter of a
# book made of corpus articles, read from the layout dump and checked against the metadata.
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
set -- "$CORPUS/kongyiji.zh-Hans.md" "$CORPUS/shishuo.zh-Hant.html" "$CORPUS/seed-article.txt" \
  "$CORPUS/kumo-no-ito.aozora.txt"
tt_read "$@" || exit 1
i=0
for f; do i=$((i + 1)); "$BIN" dump "$f" > "$tmp/src$i.json" || exit 1; done
bad=0
for d in vertical horizontal; do
  "$BIN" layout "$@" --direction $d > "$tmp/l.json" || exit 1
  python3 - "$tmp/l.json" "$tmp"/src1.json "$tmp"/src2.json "$tmp"/src3.json "$tmp"/src4.json \
    <<'PY' || { echo "FAIL $d"; bad=1; }
import json, sys
lay = json.load(open(sys.argv[1]))
metas = [json.load(open(f))["meta"] for f in sys.argv[2:]]
def squash(s): return "".join(s.split())
def text(l): return squash("".join(g["c"] for g in l["glyphs"]))
# chapter openings: pages whose first line is a three-slot heading, after the front matter
opens = [p for p in lay["pages"] if p["lines"] and p["lines"][0]["kind"] == "heading"
         and p["lines"][0]["slots"] == 3 and p.get("opening", True)]
heads = [text(p["lines"][0]) for p in opens]
seen = 0
for m in metas:
    title = squash(m["title"])
    ps = [p for p in opens if text(p["lines"][0]) == title]
    assert ps, ("no opening for", title, heads)
    ls = ps[0]["lines"]
    k = 1
    if m.get("subtitle"):
        l = ls[k]; k += 1
        assert l["kind"] == "heading" and l["slots"] == 2, l["kind"]
        assert text(l) == squash(m["subtitle"]), (text(l), m["subtitle"])
        assert all(g["bold"] and "Sans" in g["font"] for g in l["glyphs"]), "subtitle face"
        assert l["size"] < ls[0]["size"], "subtitle smaller than the title"
    if m.get("authors") or m.get("affiliation"):
        l = ls[k]; k += 1
        assert l["kind"] == "body", l["kind"]
        assert text(l).startswith(squash(m["authors"][0])), (text(l), m["authors"])
    src = squash(m.get("source", "")); date = squash(m.get("date", ""))
    if src or date:
        # the small line may wrap: gather the small lines
        t = ""
        while k < len(ls) and ls[k]["kind"] == "small":
            t += text(ls[k]); k += 1
        assert t == src + date, (t, src, date)
        assert all(l["size"] < 10 for l in ls[k - 1:k]), "small type"
        seen += 1
    assert ls[k]["kind"] == "blank", ("no blank line after the block", ls[k]["kind"])
assert seen == 3, seen  # kongyiji (date), shishuo (source, date), seed (source)
print("ok")
PY
done
exit $bad
