#!/bin/sh
# The corpus collection built with `bisheng build` (both PDF outputs): the manifest's parts
# become part title pages without folio or running head; the contents and the outline nest
# each part's chapters under it, with the page each chapter opens on; the first page is the
# book's title page.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
[ -f "$CORPUS/collection.yaml" ] || exit 77
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp -r "$CORPUS" "$T/c"
cd "$T/c" || exit 1
"$BIN" build -q collection.yaml --only print-vertical --only print-horizontal 2> err.txt ||
  { cat err.txt; exit 1; }
bad=0
for f in out/collection-vertical-a5.pdf out/collection-horizontal-a4.pdf; do
  qpdf --check "$f" > /dev/null 2>&1 || { echo "qpdf --check $f"; bad=1; }
  qpdf --json "$f" > q.json || { bad=1; continue; }
  python3 - q.json "$f" <<'PY' || { echo "FAIL $f"; bad=1; }
import json, subprocess, sys
q = json.load(open(sys.argv[1])); pdf = sys.argv[2]
def text(p):
    return "".join(subprocess.run(["pdftotext", "-raw", "-f", str(p), "-l", str(p), pdf, "-"],
                                  capture_output=True, text=True).stdout.split())
outl = q["outlines"]
parts = [(o["title"], o["destpageposfrom1"], [k["title"] for k in o["kids"]]) for o in outl]
assert [p[0] for p in parts] == ["中文", "日本語", "English"], parts
assert [len(p[2]) for p in parts] == [5, 4, 1], parts
assert text(1).startswith("東亞散文試印本"), text(1)[:30]
for title, page, kids in parts:
    # the part page holds its title and nothing else: no folio, no running head
    assert text(page) == title, (title, page, text(page))
# the contents list the parts, each before its chapters, and give each chapter the number of
# the page it opens on (the page label of its outline entry's target: front matter is i, ii …)
toc = "".join(text(p["pageposfrom1"]) for p in q["pages"] if p["label"].get("/S") == "/r")
label = {p["pageposfrom1"]: p["label"] for p in q["pages"]}
at = 0
numbered = 0
for o in outl:
    for item in [o] + o["kids"]:
        t = "".join(item["title"].split())
        k = toc.find(t, at)
        assert k >= 0, ("contents lack", t)
        k += len(t)
        num = ""
        while k < len(toc) and toc[k].isdigit():
            num += toc[k]
            k += 1
        at = k
        if item is o:
            continue  # a part's page has no folio
        lab = label[item["destpageposfrom1"]]
        assert num and lab.get("/S") == "/D" and int(num) == lab.get("/St"), (t, num, lab)
        numbered += 1
assert numbered == 10, numbered
print("ok", len(parts), "parts,", numbered, "chapter page numbers")
PY
done
exit $bad
