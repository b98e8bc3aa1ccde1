#!/usr/bin/env python3
"""#13: checks one PDF made from tests/scripts/NAME.md, read back with independent tools.

usage: scripts_check.py NAME.md OUT.pdf STDERR DIRECTION

- no missing-glyph warning; no .notdef glyph drawn (glyph ids from `mutool trace`);
- the source text comes back in logical order from `pdftotext -raw` (content order, with
  Cairo's /ActualText for multi-glyph clusters and emoji; plain `pdftotext` puts the words
  of a right-to-left run inside a left-to-right line in visual order);
- each script in its own face (the font of each glyph's span);
- Arabic: letters placed right to left (positions), a repeated letter joined (three forms);
- emoji: drawn as images of at least 72 px per em, their text extractable.
"""
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET

src, pdf, errf, direction = sys.argv[1:5]
fails = []


def fail(msg):
    fails.append(msg)


text = open(src, encoding="utf-8").read()
body = text.split("---", 2)[2] if text.startswith("---") else text
title = re.search(r"^title:\s*(.*)$", text, re.M).group(1).strip()
paras = [p.strip() for p in body.split("\n\n") if p.strip()]

err = open(errf, encoding="utf-8").read()
if "missing glyph" in err:
    fail("missing-glyph warnings:\n" + err)

trace = subprocess.run(["mutool", "trace", pdf], capture_output=True, text=True).stdout
glyphs = []  # (font, unicode, glyph id, x, y) in content order
for m in re.finditer(r'<span font="([^"]*)"[^>]*>(.*?)</span>', trace, re.S):
    font = m.group(1)
    for g in re.finditer(r'<g unicode="([^"]*)" glyph="(\d+)" x="([-\d.]+)" y="([-\d.]+)"',
                         m.group(2)):
        u = g.group(1)
        u = re.sub(r"&#x([0-9A-Fa-f]+);", lambda h: chr(int(h.group(1), 16)), u)
        u = u.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        glyphs.append((font, u, int(g.group(2)), float(g.group(3)), float(g.group(4))))
if not glyphs:
    fail("no glyphs read back")
for f, u, gid, x, y in glyphs:
    if gid == 0:
        fail(f".notdef drawn for {u!r} in {f}")

# logical order: content order, white space aside; compatibility forms folded (extraction
# gives Thai SARA AM as its two glyphs' characters; readers set full-width punctuation)
def norm(t):
    t = unicodedata.normalize("NFKC", t).replace("。", ".").replace("、", ",")
    return re.sub(r"[\s\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", t)  # poppler's RLE…PDF


flat = norm(subprocess.run(["pdftotext", "-raw", pdf, "-"], capture_output=True,
                           text=True).stdout)
for p in [title] + paras:
    want = norm(p)
    if want not in flat:
        fail(f"text not read back in logical order: {p!r}\n  got: {flat[:300]!r}")

# each script in its face
FACES = [
    ("Arabic", r"[\u0600-\u06FF]", ["NotoNaskhArabic"]),
    ("Hebrew", r"[\u0590-\u05FF]", ["NotoSerifHebrew"]),
    ("Thai", r"[\u0E00-\u0E7F]", ["NotoSerifThai"]),
    ("Devanagari", r"[\u0900-\u097F]", ["NotoSerifDevanagari"]),
    ("Greek", r"[\u0370-\u03FF\u1F00-\u1FFF]", ["NotoSerif-", "NotoSans-"]),
    ("Cyrillic", r"[\u0400-\u04FF]", ["NotoSerif-", "NotoSans-"]),
    # L1: a single letter, an acronym or digits stand upright in the CJK face in vertical
    ("Latin", r"[A-Za-z]", ["NotoSerif-", "NotoSans-"] + (["CJK"] if direction == "vertical" else [])),
    ("Hangul", r"[\uAC00-\uD7AF]", ["CJKkr"]),
    ("Ext-B Han", r"[\U00020000-\U0002A6DF]", ["HanaMin"]),
]
seen = set()
for f, u, gid, x, y in glyphs:
    for name, rx, faces in FACES:
        if u and re.match(rx, u[0]):
            seen.add(name)
            if not any(k in f for k in faces):
                fail(f"{name} {u!r} drawn in {f}, want {faces}")
for name, rx, faces in FACES:
    if re.search(rx, body) and name not in seen:
        fail(f"no {name} glyph read back")

# right to left: the letters of one Arabic word, in content (logical) order, go left (or up
# the column in vertical text, where the run lies sideways)
for word in re.findall(r"[\u0600-\u06FF]{3,}", body):
    run = [g for g in glyphs if g[1] and g[1][0] in word]
    for i in range(len(glyphs) - len(word) + 1):
        seq = glyphs[i:i + len(word)]
        if "".join(g[1] for g in seq) == word:
            pos = [g[3] if direction == "horizontal" else g[4] for g in seq]
            # the two letters of a ligature (lam-alef) share their glyph's position
            if any(b > a for a, b in zip(pos, pos[1:])) or pos[-1] >= pos[0]:
                fail(f"{word!r} not placed right to left: {pos}")
            if len(set(word)) == 1 and len({g[2] for g in seq}) < 3:
                fail(f"{word!r} not joined: glyphs {[g[2] for g in seq]}")
            break
    else:
        fail(f"{word!r} not found as one run of glyphs")

# emoji: images of at least 72 px per em, the text read back
EMOJI = r"[\U0001F000-\U0001FFFF\u2600-\u27BF]"
if re.search(EMOJI, body):
    size = 10.5
    imgs = subprocess.run(["pdfimages", "-list", pdf], capture_output=True, text=True).stdout
    rows = [l.split() for l in imgs.splitlines()[2:] if l.split() and l.split()[2] == "image"]
    if len(rows) < len(set(re.findall(EMOJI + r"\S*", body))) - 1:
        fail(f"too few emoji images: {len(rows)}")
    for r in rows:
        ppi = float(r[12])
        if ppi * size / 72 < 72:
            fail(f"emoji image at {ppi * size / 72:.0f} px per em")

if fails:
    print("\n".join(fails))
    sys.exit(1)
print(f"ok: {len(glyphs)} glyphs, scripts {sorted(seen)}")
