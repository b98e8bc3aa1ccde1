#!/usr/bin/python3
"""Text extraction of a PDF against its layout dump (#15).

usage: pdf_text_check.py DUMP.json PDF [--mutool]

Vertical: every paragraph's piece on a page (its lines' glyphs in logical order, ruby readings
left out) must come out of `pdftotext` (no -raw) inside one line of that page's text: running
text in reading order, no newline between two characters of a column, no ruby reading spliced
in. Horizontal: every line must come out whole. Then 20 phrases of 6-12 characters from the middle of pieces
are searched for on their page. With --mutool the same is asked of `mutool draw -F txt`."""
import json
import re
import subprocess
import sys
import unicodedata

dump = json.load(open(sys.argv[1], encoding="utf-8"))
pdf = sys.argv[2]
tools = ["pdftotext"] + (["mutool"] if "--mutool" in sys.argv else [])
vertical = dump["direction"] == "vertical"


def norm(s):
    # NFKC: one glyph has one ToUnicode entry (the upright full-width Q of 'Q' and 'Ｑ')
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


pieces = []  # (page index, text)
for pi, page in enumerate(dump["pages"]):
    cur, key = [], None
    for line in page["lines"]:
        text = "".join(g["c"] for g in line["glyphs"] if "ruby" not in g)
        k = line["para"] if vertical else id(line)
        if k != key and cur:
            pieces.append((pi, "".join(cur)))
            cur = []
        key = k
        cur.append(text)
    if cur:
        pieces.append((pi, "".join(cur)))
pieces = [(p, norm(t)) for p, t in pieces if norm(t)]


def page_text(tool, n):
    if tool == "pdftotext":
        cmd = ["pdftotext", "-enc", "UTF-8", "-f", str(n), "-l", str(n), pdf, "-"]
    else:
        cmd = ["mutool", "draw", "-q", "-F", "txt", "-o", "-", pdf, str(n)]
    out = subprocess.run(cmd, capture_output=True).stdout.decode("utf-8", "replace")
    lines = [norm(l) for l in out.split("\n")]
    # horizontal lines are lines of the output too, but the extractor's own layout analysis
    # may join neighbours (a caption beside its figure, table cells): the page as one string
    return lines if vertical else ["".join(lines)]


fails = 0
for tool in tools:
    pages = {}
    bad = 0
    for pi, text in pieces:
        if pi not in pages:
            pages[pi] = page_text(tool, pi + 1)
        if not any(text in l for l in pages[pi]):
            bad += 1
            if bad <= 5:
                print("%s page %d: not one running line: %s" % (tool, pi + 1, text[:40]))
    # 20 phrases of 6-12 characters from the middle of the longest pieces, found on their page
    cands = sorted((p for p in pieces if len(p[1]) >= 14), key=lambda p: -len(p[1]))
    step = max(1, len(cands) // 20)
    phrases = []
    for i, (pi, text) in enumerate(cands[::step][:20]):
        n = 6 + i % 7
        mid = len(text) // 2 - n // 2
        phrases.append((pi, text[mid:mid + n]))
    missing = [ph for pi, ph in phrases if not any(ph in l for l in pages[pi])]
    for ph in missing[:5]:
        print("%s: phrase %s not found on its page" % (tool, ph))
    print("%s: %d of %d pieces as running text, %d of %d phrases found" %
          (tool, len(pieces) - bad, len(pieces), len(phrases) - len(missing), len(phrases)))
    if bad or missing or len(phrases) < min(20, len(cands)):
        fails += 1
sys.exit(1 if fails else 0)
