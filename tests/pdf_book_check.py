#!/usr/bin/python3
"""Checks a book PDF against the documents it was made from (#5), reading the PDF back:
the first page is the title page; the outline lists every chapter title and heading; the contents (front pages, labelled i, ii, …)
give for each entry the page label of the page its link and outline entry lead to; each chapter
title opens its page; each contents entry is a link to that page; the running heads of the
layout dump are on the pages they belong to, and none on chapter openings and blank pages.

usage: pdf_book_check.py QPDF.json LAYOUT.json RAWDIR BOOKTITLE SRC.json...
RAWDIR holds p<N>.txt = `pdftotext -raw -f N -l N` for every page N."""
import json
import sys

q = json.load(open(sys.argv[1], encoding="utf-8"))
lay = json.load(open(sys.argv[2], encoding="utf-8"))
rawdir, book_title = sys.argv[3], sys.argv[4]
srcs = [json.load(open(f, encoding="utf-8")) for f in sys.argv[5:]]
vertical = lay["direction"] == "vertical"
fails = []


def norm(s):
    s = "".join(ch for ch in s if not ch.isspace())
    return s.translate(str.maketrans("“”‘’", "「」『』")) if vertical else s


def text_of(n):
    if n.get("type") in ("text", "code"):
        return n.get("text", n.get("literal", ""))
    return "".join(text_of(k) for k in n.get("children", []))


nheadings = 0


def headings(n, out):
    for k in n.get("blocks", []) + n.get("children", []):
        if k.get("type") == "heading":
            out.append((k.get("level"), text_of(k)))
        else:
            headings(k, out)
    return out


def raw(p):
    return norm(open("%s/p%d.txt" % (rawdir, p), encoding="utf-8").read())


pages = q["pages"]
label = {p["pageposfrom1"]: p["label"] for p in pages}
objects = q["qpdf"][1]
# the outline, flattened in order
flat = []


def walk(items, depth):
    for it in items:
        flat.append((depth, it["title"], it.get("destpageposfrom1")))
        walk(it["kids"], depth + 1)


walk(q["outlines"], 0)
tops = [t for d, t, p in flat if d == 0]
# every chapter title is a top-level outline item, every heading somewhere below it
want_titles = [s.get("meta", {}).get("title") or "" for s in srcs]
if [norm(t) for t in tops] != [norm(t) for t in want_titles]:
    fails.append("outline chapters %r, want %r" % (tops, want_titles))
have = [norm(t) for d, t, p in flat]
for s, title in zip(srcs, want_titles):
    for lv, h in headings(s, []):
        if lv == 1 and norm(h) == norm(title):
            continue
        nheadings += 1
        if norm(h) not in have:
            fails.append("outline lacks heading %r" % h)
if nheadings < len(srcs):
    fails.append("only %d headings in the sources" % nheadings)
# chapter titles open their pages; nothing of the running heads there
for d, t, p in flat:
    if d == 0:
        if not p or not raw(p).startswith(norm(t)):
            fails.append("chapter %r does not open page %s" % (t, p))
# the contents: front pages labelled in lower-case roman
front = [p["pageposfrom1"] for p in pages if p["label"].get("/S") == "/r"]
body = [p for p in pages if p["label"].get("/S") == "/D"]
if not front:
    fails.append("no contents pages")
elif book_title and not raw(front[0]).startswith(norm(book_title)):
    fails.append("the first page is not the title page: %r" % raw(front[0])[:40])
if not body or body[0]["label"].get("/St") != 1 or len(front) % 2:
    fails.append("body pages must start at 1 after an even number of front pages")
toc = "".join(raw(p) for p in front)
at = 0
entries = 0
for d, t, p in flat:
    if d > 2:
        continue
    k = toc.find(norm(t), at)
    if k < 0:
        if d == 0:
            fails.append("contents lack chapter %r" % t)
        continue
    k += len(norm(t))
    num = ""
    while k < len(toc) and toc[k].isdigit():
        num += toc[k]
        k += 1
    at = k
    entries += 1
    lab = label.get(p, {})
    if not num or lab.get("/S") != "/D" or int(num) != lab.get("/St"):
        fails.append("contents give page %r for %r, its page is labelled %r" % (num, t, lab))
if entries < len(tops):
    fails.append("only %d contents entries" % entries)
# contents entries are links to the pages the outline points to
targets = {p["object"]: p["pageposfrom1"] for p in pages}
links = []
for p in front:
    po = objects["obj:" + pages[p - 1]["object"]]["value"]
    for a in po.get("/Annots", []):
        av = objects["obj:" + a]["value"]
        if av.get("/Subtype") == "/Link" and isinstance(av.get("/Dest"), list):
            links.append(targets.get(av["/Dest"][0]))
chapter_pages = [p for d, t, p in flat if d == 0]
for cp in chapter_pages:
    if cp not in links:
        fails.append("no contents link to page %s" % cp)
# running heads: the dump says which page carries which; the PDF page text has them
nfront = len(front)
for pg in lay["pages"]:
    n = pg["number"]
    text = raw(n + nfront)
    if not pg["lines"] or any(l["first"] and l["kind"] == "heading" and l["size"] > lay["size"] * 1.5 for l in pg["lines"][:1]):
        if pg["head"]:
            fails.append("page %d: a running head on a chapter opening or blank page" % n)
        if book_title and norm(book_title) in text:
            fails.append("page %d: the book title on an opening or blank page" % n)
        continue
    if n % 2 == 0 and pg["head"] != book_title:
        fails.append("page %d: running head %r, want the book title" % (n, pg["head"]))
    if n % 2 == 1 and not pg["head"]:
        fails.append("page %d: no running head" % n)
    if pg["head"] and norm(pg["head"].rstrip("…")) not in text:
        fails.append("page %d: running head %r not in the PDF text" % (n, pg["head"]))
for f in fails[:30]:
    print(f)
print("%d outline items, %d contents entries, %d links, %d failures" % (len(flat), entries, len(links), len(fails)))
sys.exit(1 if fails else 0)
