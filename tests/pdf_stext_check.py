#!/usr/bin/python3
"""Spot-checks a PDF against its layout dump with `mutool draw -F stext` (§12.2): every
character mutool reports on the pages checked must sit at the origin the dump gives for that
character (within 0.05 pt: Cairo writes text positions with limited precision), and sideways runs must come out with dir="0 1".

usage: pdf_stext_check.py DUMP.json STEXT.xml PAGES"""
import html
import json
import re
import sys
import unicodedata


def fold(c):
    # one glyph has one ToUnicode entry: the upright full-width Q of 'Q' and of 'Ｑ' share it
    return unicodedata.normalize("NFKC", c)

dump = json.load(open(sys.argv[1], encoding="utf-8"))
stext = open(sys.argv[2], encoding="utf-8").read()
npages = int(sys.argv[3])
fails = 0
checked = 0
pages = re.split(r"<page ", stext)[1:]
for pno, (page, dpage) in enumerate(zip(pages, dump["pages"][:npages])):
    chars = []
    for line in re.finditer(r'<line [^>]*dir="([^"]*)"[^>]*>(.*?)</line>', page, re.S):
        for ch in re.finditer(r'<char [^>]*x="([^"]*)" y="([^"]*)"[^>]*c="([^"]*)"', line.group(2)):
            chars.append((float(ch.group(1)), float(ch.group(2)), fold(html.unescape(ch.group(3))), line.group(1)))
    want = [(g["x"], g["y"], fold(g["c"]), g["o"]) for l in dpage["lines"] for g in l["glyphs"]
            if len(g["c"]) == 1 and not g["c"].isspace()]
    byc = {}
    for c in chars:
        byc.setdefault(c[2], []).append(c)
    for x, y, c, o in want:
        cands = byc.get(c, [])
        hit = [k for k in cands if abs(k[0] - x) < 0.05 and abs(k[1] - y) < 0.05]
        checked += 1
        if not hit:
            fails += 1
            if fails < 20:
                print("page %d: %s expected at (%.3f, %.3f), mutool has %s" % (
                    pno + 1, c, x, y, sorted((round(k[0], 3), round(k[1], 3)) for k in cands if abs(k[1] - y) < 1 or abs(k[0] - x) < 1)[:4]))
            continue
        if o == "sideways" and hit[0][3] != "0 1":
            fails += 1
            print("page %d: sideways %s has dir %s" % (pno + 1, c, hit[0][3]))
print("%d characters checked, %d failures" % (checked, fails))
sys.exit(1 if fails or not checked else 0)
