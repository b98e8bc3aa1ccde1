#!/bin/sh
# External links are clickable (#5): every link of the document with an http(s) target becomes
# a /Link annotation with that /URI, and its rectangle covers the link's text on the page
# (pdftotext cropped to the rectangle gives the text back), both directions; relative links
# (from saved web pages) are not.
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bad=0
n=0
for f in "$CORPUS"/bisheng.en.md "$CORPUS"/kongyiji.zh-Hans.md "$CORPUS"/yume-juya-5.ja.md; do
  tt_read "$f" || { bad=1; continue; }
  "$BIN" dump "$f" > "$tmp/src.json" || exit 1
  for d in horizontal vertical; do
    n=$((n + 1))
    "$BIN" "$f" --direction $d -o "$tmp/a.pdf" || { echo "no PDF $f $d"; bad=1; continue; }
    qpdf --json "$tmp/a.pdf" > "$tmp/q.json" || { echo "qpdf $f $d"; bad=1; continue; }
    python3 - "$tmp/q.json" "$tmp/src.json" "$tmp/a.pdf" $d <<'PY' || { echo "FAIL $f $d"; bad=1; }
import json, subprocess, sys
q = json.load(open(sys.argv[1])); src = json.load(open(sys.argv[2]))
pdf, direction = sys.argv[3], sys.argv[4]
want = []
def walk(n):
    if n.get("type") == "link" and n.get("href", "").startswith("http"):
        want.append((n["href"], "".join(k.get("text", k.get("literal", "")) for k in n.get("children", []))))
    for k in n.get("blocks", []) + n.get("children", []):
        walk(k)
walk(src)
assert want, "no links in the source"
objs = q["qpdf"][1]
found = {}
for p in q["pages"]:
    po = objs["obj:" + p["object"]]["value"]
    h = po["/MediaBox"][3]
    for a in po.get("/Annots", []):
        av = objs["obj:" + a]["value"]
        uri = (av.get("/A") or {}).get("/URI", "")
        if uri.startswith("u:"):
            uri = uri[2:]
        x0, y0, x1, y1 = av["/Rect"]
        # the text under the rectangle, a little enlarged
        txt = subprocess.run(["pdftotext", "-f", str(p["pageposfrom1"]), "-l", str(p["pageposfrom1"]),
                              "-x", str(int(x0 - 1)), "-y", str(int(h - y1 - 1)), "-W", str(int(x1 - x0 + 3)),
                              "-H", str(int(y1 - y0 + 3)), "-raw", pdf, "-"], capture_output=True, text=True).stdout
        found.setdefault(uri, "")
        found[uri] += "".join(txt.split())
for href, text in want:
    assert href in found, ("no annotation for", href, list(found))
    t = "".join(text.split())
    head = t[:4]
    assert head in found[href], (href, t, found[href][:80])
print("%d links ok" % len(want))
PY
  done
done
# a link relative to a saved web page leads nowhere from a PDF: no annotation
f=$CORPUS/shishuo.zh-Hant.html
if tt_read "$f" || { bad=1; false; }; then
  "$BIN" "$f" -o "$tmp/r.pdf" || exit 1
  qpdf --json "$tmp/r.pdf" | grep -q '/URI' && { echo "relative link made clickable"; bad=1; }
fi
exit $bad
