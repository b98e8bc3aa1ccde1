#!/bin/sh
# Issue #16: mixed directions in one book. An English chapter (the corpus's bisheng.en.md,
# `direction: horizontal`) between two Chinese ones in a vertical book: its pages are set
# horizontally in the PDF (positions read back with mutool stext), its XHTML is horizontal in
# the EPUB, the book's page order and the other chapters stay vertical, and the build says so.
. tests/typeset-lib.sh
C=$CORPUS
[ -f "$C/bisheng.en.md" ] || { echo "no corpus"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
set -- "$C/kongyiji.zh-Hans.md" "$C/bisheng.en.md" "$C/taoyuanming.zh-Hant.txt"
bad=0
# the build says so in a note: information, not a warning, so --fail-if-warnings passes
"$BIN" "$@" --direction vertical --fail-if-warnings -o "$tmp/b.pdf" 2> "$tmp/err" || { echo "FAIL pdf"; cat "$tmp/err"; exit 1; }
grep -q "bisheng.en.md: note: chapter '.*' is set horizontally in this vertical book" "$tmp/err" ||
  { echo "FAIL the build does not say the English chapter is horizontal:"; cat "$tmp/err"; bad=1; }
! grep -q "warning" "$tmp/err" || { echo "FAIL a warning:"; cat "$tmp/err"; bad=1; }
"$BIN" layout "$@" --direction vertical > "$tmp/d.json" 2> /dev/null || { echo "FAIL layout"; exit 1; }
# every rule of typeset_check.py on the whole book, each page by its own direction
{ echo '{"chapters": ['; "$BIN" dump "$1"; echo ,; "$BIN" dump "$2"; echo ,; "$BIN" dump "$3"; echo ']}'; } > "$tmp/src.json" 2> /dev/null
python3 tests/typeset_check.py "$tmp/d.json" "$tmp/src.json" --tree > "$tmp/out" || { echo "FAIL typeset_check:"; cat "$tmp/out"; bad=1; }
mutool draw -F stext -o "$tmp/s.xml" "$tmp/b.pdf" 2> /dev/null || { echo "FAIL mutool"; exit 1; }
python3 - "$tmp/d.json" "$tmp/s.xml" <<'PY' || bad=1
import json, sys
import xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1], encoding="utf-8"))
fails = []
if d["direction"] != "vertical":
    fails.append("the book is %s" % d["direction"])
dirs = [p["direction"] for p in d["pages"]]
text = ["".join(g["c"] for l in p["lines"] for g in l["glyphs"]) for p in d["pages"]]
# the English chapter: from its first page to the last one with its running head
sh = [i for i, t in enumerate(text) if "Sheng" in t]
en = list(range(sh[0], max(i for i, p in enumerate(d["pages"]) if "Bi Sheng" in p["head"] or i == sh[0]) + 1)) if sh else []
if not en:
    fails.append("no page holds the English chapter")
for i, p in enumerate(d["pages"]):
    want = "horizontal" if i in en else "vertical"
    if p["lines"] and p["direction"] != want:
        fails.append("page %d is %s, want %s" % (p["number"], p["direction"], want))
# in the dump, the English lines run across the page and the Chinese ones down it
for i in en[:2]:
    for l in d["pages"][i]["lines"]:
        ys = {round(g["y"], 2) for g in l["glyphs"] if "ruby" not in g and "mark" not in g}
        if len(ys) > 1:
            fails.append("page %d: an English line has %d baselines" % (d["pages"][i]["number"], len(ys)))
# read back from the PDF: physical pages = the dump's pages after the front matter (contents)
root = ET.parse(sys.argv[2]).getroot()
pages = root.findall("page")
front = len(pages) - len(d["pages"])
def lines_of(pg):
    for line in pg.iter("line"):
        chars = [(c.get("c"), float(c.get("x")), float(c.get("y"))) for c in line.iter("char")]
        yield line.get("dir"), chars
across = down = 0
for i, p in enumerate(d["pages"]):
    if not p["lines"] or front + i >= len(pages):
        continue
    if i not in en:
        # upright CJK in a vertical PDF: one char per stext line; a column is a run of
        # characters in drawing order sharing x with y growing
        run = []
        allc = [c for _, chars in lines_of(pages[front + i]) for c in chars if 0x4E00 <= ord(c[0]) <= 0x9FFF]
        for c in allc + [("", -1, -1)]:
            if run and abs(c[1] - run[-1][1]) < 0.01 and c[2] > run[-1][2]:
                run.append(c)
                continue
            if len(run) >= 4:
                down += 1
            run = [c]
        continue
    for dirn, chars in lines_of(pages[front + i]):
        if len(chars) < 4:
            continue
        xs = [c[1] for c in chars]
        ys = [c[2] for c in chars]
        # a horizontal line: one baseline, x growing
        if max(ys) - min(ys) < 0.01 and xs == sorted(xs) and xs[-1] - xs[0] > 20:
            across += 1
        elif dirn != "1 0":
            fails.append("page %d: a line runs %s in the English chapter" % (p["number"], dirn))
if across < 20:
    fails.append("only %d horizontal lines read back from the English chapter's pages" % across)
if down < 20:
    fails.append("only %d vertical columns read back from the Chinese chapters" % down)
for f in fails:
    print("FAIL " + f)
print("pdf: %d English pages, %d lines across, %d columns down" % (len(en), across, down))
sys.exit(1 if fails else 0)
PY
# the English chapter in the dump: its pages name its language; its paragraphs take a Latin
# indent (1 em, none right after a heading or title), never the Chinese 2 em (§7.7)
python3 - "$tmp/d.json" <<'PY' || bad=1
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
fails = []
en = [p for p in d["pages"] if p["direction"] == "horizontal" and p["lines"]]
if not en or any(p["lang"] != "en" for p in en):
    fails.append("the English pages say lang %s" % sorted({p["lang"] for p in en}))
starts = [round(l["glyphs"][0]["p"] / l["size"], 2) for p in en for l in p["lines"]
          if l["kind"] == "body" and l["first"] and l["glyphs"] and l["glyphs"][0]["c"].isalpha()]
if not starts or any(s not in (0, 1) for s in starts) or 1 not in starts or 0 not in starts:
    fails.append("English paragraph indents %s (want 1 em, 0 after a heading)" % sorted(set(starts)))
for f in fails:
    print("FAIL " + f)
print("English pages: %d, paragraph indents %s" % (len(en), sorted(set(starts))))
sys.exit(1 if fails else 0)
PY
# links from the contents point where the outline does, on the English chapter's horizontal
# pages too (its headings are lines, not columns)
python3 - "$tmp/b.pdf" <<'PY' || bad=1
import json, subprocess, sys
d = json.loads(subprocess.run(["qpdf", "--json=1", "--json-key=objects", "--json-key=outlines",
                               "--json-key=pages", sys.argv[1]], capture_output=True, text=True).stdout)
objs = d["objects"]
def flat(o):
    for e in o:
        yield e
        yield from flat(e["kids"])
ents = list(flat(d["outlines"]))
outl = {(e["dest"][0], round(e["dest"][2], 1), round(e["dest"][3], 1)) for e in ents}
first = min(e["destpageposfrom1"] for e in ents)
links, bad = 0, []
for pg in d["pages"][:first - 1]:  # the front matter: the contents
    for a in objs[pg["object"]].get("/Annots", []):
        v = objs[a] if isinstance(a, str) else a
        dst = v.get("/Dest")
        if v.get("/Subtype") == "/Link" and isinstance(dst, list):
            links += 1
            if (dst[0], round(dst[2], 1), round(dst[3], 1)) not in outl:
                bad.append(dst)
if links < 10 or bad:
    print("FAIL %d contents links, %d not where the outline points: %s" % (links, len(bad), bad[:3]))
print("contents: %d links, each where the outline points" % links)
sys.exit(1 if links < 10 or bad else 0)
PY
# the EPUB: the English chapter's XHTML is horizontal, the others vertical, pages turn rtl
"$BIN" "$@" --direction vertical --fail-if-warnings -o "$tmp/b.epub" 2> "$tmp/err" || { echo "FAIL epub"; cat "$tmp/err"; exit 1; }
grep -q "bisheng.en.md: note: chapter '.*' is set horizontally" "$tmp/err" || { echo "FAIL epub: no note"; bad=1; }
! grep -q "warning" "$tmp/err" || { echo "FAIL epub: a warning:"; cat "$tmp/err"; bad=1; }
# bisheng build: each output's notes in the --json report apart from its warnings, printed in
# both the one-process (-j 1) and the forked (-j 2) builds, and --fail-if-warnings passes
mkdir "$tmp/m" && cp "$@" "$tmp/m/" && cp -r "$C/images" "$tmp/m/"
printf 'title: 混排\nlang: zh-Hans\ndirection: vertical\narticles:\n  - kongyiji.zh-Hans.md\n  - bisheng.en.md\noutputs:\n  - name: epub\n    file: b.epub\n  - name: pdf\n    file: b.pdf\n' > "$tmp/m/book.yaml"
for j in 1 2; do
  rm -f "$tmp/m/b.epub" "$tmp/m/b.pdf" "$tmp/m/.b."*
  "$BIN" build -j $j --json --fail-if-warnings "$tmp/m/book.yaml" > "$tmp/r.json" 2> "$tmp/err" ||
    { echo "FAIL build -j $j:"; cat "$tmp/err"; bad=1; continue; }
  [ "$(grep -c "bisheng.en.md: note: chapter '.*' is set horizontally in this vertical book" "$tmp/err")" = 2 ] ||
    { echo "FAIL build -j $j: not one note per output:"; cat "$tmp/err"; bad=1; }
  python3 - "$tmp/r.json" <<'PY' || { echo "FAIL build -j $j --json"; bad=1; }
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "ok" and not r["warnings"], r
for o in r["outputs"]:
    assert not o["warnings"], o
    assert len(o["notes"]) == 1 and "is set horizontally" in o["notes"][0]["message"], o
PY
done
mkdir "$tmp/x" && (cd "$tmp/x" && unzip -q ../b.epub) || { echo "FAIL unzip"; exit 1; }
grep -q 'page-progression-direction="rtl"' "$tmp/x/EPUB/content.opf" || { echo "FAIL epub: not rtl"; bad=1; }
nh=0 nv=0
for x in "$tmp"/x/EPUB/text/c*.xhtml; do
  if grep -q "Bi Sheng" "$x"; then
    grep -q 'href="../css/horizontal.css"' "$x" && ! grep -q 'vertical.css' "$x" || { echo "FAIL $(basename "$x"): English chapter not horizontal"; bad=1; }
    nh=$((nh + 1))
  else
    grep -q 'href="../css/vertical.css"' "$x" || { echo "FAIL $(basename "$x"): Chinese chapter not vertical"; bad=1; }
    nv=$((nv + 1))
  fi
done
[ $nh = 1 ] && [ $nv = 2 ] || { echo "FAIL epub: $nh horizontal and $nv vertical chapters"; bad=1; }
grep -q "writing-mode: vertical-rl" "$tmp/x/EPUB/css/vertical.css" || { echo "FAIL vertical.css"; bad=1; }
! grep -q "writing-mode: vertical" "$tmp/x/EPUB/css/horizontal.css" || { echo "FAIL horizontal.css is vertical"; bad=1; }
# one article on its own: the command line's direction still holds
"$BIN" "$C/bisheng.en.md" --direction vertical -q -o "$tmp/one.pdf" && "$BIN" layout "$C/bisheng.en.md" --direction vertical -q |
  python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(any(p["direction"] != "vertical" for p in d["pages"]))' ||
  { echo "FAIL a single article does not follow --direction"; bad=1; }
echo "epub: $nh horizontal, $nv vertical chapters"
exit $bad
