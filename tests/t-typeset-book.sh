#!/bin/sh
# A book of several articles: each chapter starts a new page, on a recto (odd page; a blank
# page without folio fills the gap, §7.4/§7.5), opening with its title; every other page has
# its folio; the typography checks hold for the whole book.
. tests/typeset-lib.sh
a=$CORPUS/taoyuanming.zh-Hant.txt b=$CORPUS/seed-article.txt
tt_read "$a" "$b" || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for d in vertical horizontal; do
  "$BIN" layout "$a" "$b" --direction $d > "$tmp/book.json" || exit 1
  python3 - "$tmp/book.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
pages = d["pages"]
starts = [p["number"] for p in pages if p["lines"] and "".join(g["c"] for g in p["lines"][0]["glyphs"]).startswith(("桃花源", "美俄峯會"))]
assert starts[0] == 1 and len(starts) == 2, starts
assert starts[1] % 2 == 1, "chapter 2 starts on page %d" % starts[1]
for p in pages:
    if p["lines"]:
        assert p["folio"] == str(p["number"]), p["number"]
    else:
        assert p["folio"] == "", "blank page %d has a folio" % p["number"]
PY
  "$BIN" dump "$a" > "$tmp/a.json"; "$BIN" dump "$b" > "$tmp/b.json"
  python3 -c "
import json,sys
a=json.load(open('$tmp/a.json')); b=json.load(open('$tmp/b.json'))
json.dump({'chapters':[a,b]}, open('$tmp/src.json','w'))"
  python3 tests/typeset_check.py "$tmp/book.json" "$tmp/src.json" --tree || exit 1
done
# --no-recto-chapters: no blank pages, chapter 2 right after chapter 1; running heads (§7.5)
# only off chapter openings
"$BIN" layout "$a" "$b" --no-recto-chapters --title 書名 > "$tmp/nr.json" || exit 1
python3 - "$tmp/nr.json" <<'PY' || exit 1
import json, sys
pages = json.load(open(sys.argv[1]))["pages"]
assert all(p["lines"] for p in pages), "a blank page without --recto-chapters"
opening = [p["number"] for p in pages if "".join(g["c"] for g in p["lines"][0]["glyphs"]).startswith(("桃花源", "美俄峯會"))]
assert len(opening) == 2, opening
for p in pages:
    if p["number"] in opening:
        assert p["head"] == "", p["number"]
    elif p["number"] % 2 == 0:
        assert p["head"] == "書名", (p["number"], p["head"])
    else:
        assert p["head"] and p["head"] != "書名", (p["number"], p["head"])
PY
# a book mixing languages: each chapter gets its own regional face and rules
j=$CORPUS/yume-juya.ja.txt s=$CORPUS/ah-q.zh-Hans.txt
tt_read "$j" "$s" || exit 1
"$BIN" layout "$j" "$s" "$a" --direction vertical > "$tmp/mix.json" || exit 1
python3 - "$tmp/mix.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
want = {"ja": 0, "zh-Hans": 2, "zh-Hant": 3}
n = 0
for p in d["pages"]:
    for l in p["lines"]:
        for g in l["glyphs"]:
            # Latin letters are set in the Latin face (#13); every CJK glyph in its region's face
            if "CJK" in g["font"]:
                n += 1
                assert g["index"] == want[p["lang"]], (p["number"], p["lang"], g)
assert n > 1000, n
PY
"$BIN" dump "$j" > "$tmp/1.json"; "$BIN" dump "$s" > "$tmp/2.json"; "$BIN" dump "$a" > "$tmp/3.json"
python3 -c "
import json
json.dump({'chapters':[json.load(open('$tmp/%d.json' % i)) for i in (1,2,3)]}, open('$tmp/src.json','w'))"
python3 tests/typeset_check.py "$tmp/mix.json" "$tmp/src.json" --tree || exit 1
exit 0
