#!/usr/bin/python3
"""Reads a PDF's structure tree back with `qpdf --json` and checks it against the articles'
tree dumps (#15).

usage: pdf_struct_check.py PDF BOOK_LANG TOC(0|1) DUMP.json...   (one dump per chapter)

The catalog has /Lang, /MarkInfo << /Marked true >> and /ViewerPreferences with
/DisplayDocTitle; the tree is Document → [TOC of TOCI] Sect per chapter in order, a chapter in
another language than the book's has its /Lang; each chapter's headings are there in order
(its title H1, a heading of level n Hn+1), as many P as it has paragraphs at least, its lists
(L of LI), block quotes, paragraphs, headings and inline
text (a Span) in another language with their /Lang, tables (Table of TR of TH and TD, as many as the rows' cells) and
captioned figures (Figure with /Alt), and every
P and H holds marked content (a Span with an MCID on a page), each footnote is a Note."""
import json
import subprocess
import sys

pdf, book_lang, toc = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
dumps = [json.load(open(p, encoding="utf-8")) for p in sys.argv[4:]]
q = json.loads(subprocess.run(["qpdf", "--json=2", "--json-key=qpdf", pdf],
                              capture_output=True, check=True).stdout)["qpdf"][1]


def get(ref):
    v = q["obj:" + ref]["value"]
    return v


def deref(v):
    return get(v) if isinstance(v, str) and v.endswith(" R") else v


def kids(e):
    k = e.get("/K", [])
    return k if isinstance(k, list) else [k]


fails = []
cat = get(q["trailer"]["value"]["/Root"])
if cat.get("/Lang") != "u:" + book_lang:
    fails.append("catalog /Lang %r, wanted %r" % (cat.get("/Lang"), book_lang))
if deref(cat.get("/MarkInfo", {})).get("/Marked") is not True:
    fails.append("no /MarkInfo << /Marked true >>")
if deref(cat.get("/ViewerPreferences", {})).get("/DisplayDocTitle") is not True:
    fails.append("no /DisplayDocTitle true")
root = get(cat["/StructTreeRoot"])
docs = [get(k) for k in kids(root)]
if len(docs) != 1 or docs[0]["/S"] != "/Document":
    sys.exit("the structure tree's root is not one Document: %r" % [d.get("/S") for d in docs])
secs = [get(k) for k in kids(docs[0])]
if toc:
    if not secs or secs[0]["/S"] != "/TOC":
        fails.append("the contents are not the Document's first element")
    elif not any(get(k)["/S"] == "/TOCI" for k in kids(secs[0])):
        fails.append("the TOC has no TOCI")
    secs = secs[1:]
if [s["/S"] for s in secs] != ["/Sect"] * len(dumps):
    fails.append("sections %r, wanted %d Sect" % ([s["/S"] for s in secs], len(dumps)))


def walk(e, out, lang=None):
    s = e["/S"][1:]
    lang = e.get("/Lang", lang)
    out.append((s, e, lang))
    for k in kids(e):
        if isinstance(k, str) and k.endswith(" R"):
            ke = get(k)
            if ke.get("/Type") == "/StructElem" or "/S" in ke:
                walk(ke, out, lang)


CONTAINERS = {"list": "L", "item": "LI", "block_quote": "BlockQuote", "table": "Table",
              "table_row": "TR", "footnote_definition": "Note"}


def inline_langs(ns, plang, langs):
    """Inline text in another language than its paragraph's: ("Span", lang) in order."""
    for n in ns:
        if not isinstance(n, dict):
            continue
        if n.get("lang") and plang and n["lang"].lower() != plang.lower():
            langs.append(("Span", "u:" + n["lang"]))
        inline_langs(n.get("children", []), plang, langs)


def blocks(bs, out, langs=None, lang=None):
    """The elements the tree's blocks make, in order; `langs` gets (element, language) for
    each paragraph and heading whose language is not its chapter's."""
    for b in bs:
        t = b.get("type")
        blang = b.get("lang") or lang or DOC_LANG
        if t in ("paragraph", "heading") and b.get("lang") and langs is not None:
            langs.append(("P" if t == "paragraph" else "H", "u:" + b["lang"]))
        if t in ("paragraph", "heading") and langs is not None:
            inline_langs(b.get("children", []), blang, langs)
        if t in CONTAINERS:
            out.append((CONTAINERS[t], 0))
        if t == "table_cell":
            out.append(("TH" if b.get("header") else "TD", 0))
        if t == "figure" and (b.get("caption") or b.get("credit")):
            out.append(("Figure", 0))
        if t == "heading":
            out.append(("H", min(b.get("level", 1) + 1, 6)))
        elif t == "paragraph":
            out.append(("P", 0))
        for k in ("blocks", "children", "items"):
            if isinstance(b.get(k), list):
                blocks([x for x in b[k] if isinstance(x, dict)], out, langs, blang)


for i, (sec, dump) in enumerate(zip(secs, dumps)):
    lang = dump.get("meta", {}).get("lang") or book_lang
    DOC_LANG = lang
    want = None if lang == book_lang else "u:" + lang
    if sec.get("/Lang") != want:
        fails.append("chapter %d: /Lang %r, wanted %r" % (i + 1, sec.get("/Lang"), want))
    els = []
    for k in kids(sec):
        walk(get(k), els)
    els = [(s, e) for s, e, l in els]
    els_lang = []
    for k in kids(sec):
        walk(get(k), els_lang)
    heads = [int(s[1]) for s, e in els if len(s) == 2 and s[0] == "H" and s[1].isdigit()]
    tb, tl = [], []
    blocks(dump.get("blocks", []), tb, tl)
    # every paragraph and heading in another language than its chapter's names it (/Lang on
    # the element or an ancestor below the section), in order
    got_l = []
    for s, e, l in els_lang:
        x = None
        if (s == "P" or (s[0] == "H" and s[1:].isdigit())) and l:
            x = ("H" if s[0] == "H" else s, l)
        elif s == "Span" and e.get("/Lang"):
            x = ("Span", e["/Lang"])
        if x and not (x[0] == "Span" and got_l and got_l[-1] == x):  # a Span split by a page
            got_l.append(x)
    want_l = [x for x in tl if x[0] == "Span" or x[1].lower() != "u:" + lang.lower()]
    if want_l != got_l:
        fails.append("chapter %d: paragraphs in other languages %r, wanted %r" %
                     (i + 1, got_l, want_l))
    want_heads = [1] + [lv for t, lv in tb if t == "H"]
    if heads != want_heads:
        fails.append("chapter %d: headings %r, wanted %r" % (i + 1, heads, want_heads))
    nps = sum(1 for s, e in els if s == "P")
    if nps < sum(1 for t, lv in tb if t == "P"):
        fails.append("chapter %d: %d P for %d paragraphs" % (i + 1, nps, sum(1 for t, lv in tb if t == "P")))
    for t in sorted(set(CONTAINERS.values())) + ["Figure", "TH", "TD"]:
        got, want_n = sum(1 for s, e in els if s == t), sum(1 for k, lv in tb if k == t)
        if got != want_n:
            fails.append("chapter %d: %d %s, wanted %d" % (i + 1, got, t, want_n))
    for s, e in els:
        if s == "Figure" and not str(e.get("/Alt", "")).strip("u: "):
            fails.append("chapter %d: a Figure without /Alt" % (i + 1))
        if s == "LI" and not any(get(k)["/S"] in ("/P", "/L") for k in kids(e)):
            fails.append("chapter %d: an LI without a P" % (i + 1))
        if s == "TR" and [get(k)["/S"] for k in kids(e)] != sorted(
                [get(k)["/S"] for k in kids(e)], key=lambda x: x != "/TH") or (
                s == "TR" and not all(get(k)["/S"] in ("/TH", "/TD") for k in kids(e))):
            fails.append("chapter %d: a TR holding %r" % (i + 1, [get(k)["/S"] for k in kids(e)]))
        if s in ("P", "TD", "TH") or s[0] == "H":
            # its marked content: its own (a horizontal paragraph on one page) or its Spans'
            own = isinstance(e.get("/K"), int) and "/Pg" in e
            spans = [get(k) for k in kids(e) if isinstance(k, str) and k.endswith(" R")]
            if not own and (not spans or not all(isinstance(sp.get("/K"), int) and "/Pg" in sp
                                                 for sp in spans)):
                fails.append("chapter %d: a %s without marked content" % (i + 1, s))
                break
for f in fails:
    print("FAIL:", f)
print("structure: %d sections, %s" % (len(secs), "ok" if not fails else "%d problems" % len(fails)))
sys.exit(1 if fails else 0)
