#!/usr/bin/python3
"""Reads a tagged PDF's page contents back and checks what is an artifact (#15).

usage: pdf_artifact_check.py PDF

- every text shown and every path painted is inside the structure's marked content (an MCID)
  or inside an /Artifact (images may stand outside both, see pdftext.c);
- the text of the artifacts alone (pdftotext of a copy without the structure's text) holds
  each body page's folio, and no line of it (a running head, a folio) is also a line of the
  structure's text on that page (pdftotext of a copy without the artifacts' text): running
  heads and folios are never inside a structure element;
- black is DeviceGray: no "0 0 0 rg" / "0 0 0 RG" is left, and "g" sets the text's colour;
- the marked contents of each page have the MCIDs 0, 1, 2... in order, none inside another,
  and they are those of the structure elements that name the page (/Pg, /K): pdftext.c makes
  them from draw.c's colours, which Cairo writes only before what it draws (a line of spaces
  draws nothing)."""
import json
import os
import re
import subprocess
import sys
import tempfile

pdf = sys.argv[1]
fails = []
T = tempfile.mkdtemp()
qdf = os.path.join(T, "q.pdf")
subprocess.run(["qpdf", "--qdf", "--object-streams=disable", pdf, qdf], check=True)
data = open(qdf, "rb").read()

SPACE = b" \n\r\t\f\0"
DELIM = b"()<>[]{}/%"
SHOW = {b"Tj", b"TJ", b"'", b'"'}
PAINT = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"sh"}


def ops(c):
    """(operands start, operator start, operator end, operator) for each operator of c."""
    i, n, start = 0, len(c), None
    while i < n:
        ch = c[i:i + 1]
        if ch in SPACE:
            i += 1
            continue
        if start is None:
            start = i
        if ch == b"(":
            nest = 0
            while i < n:
                if c[i:i + 1] == b"\\":
                    i += 1
                elif c[i:i + 1] == b"(":
                    nest += 1
                elif c[i:i + 1] == b")":
                    nest -= 1
                    if nest == 0:
                        break
                i += 1
            i += 1
            continue
        if ch in (b"<", b">"):
            if c[i + 1:i + 2] == ch:
                i += 2
            elif ch == b"<":
                i = c.index(b">", i) + 1
            else:
                i += 1
            continue
        if ch in DELIM and ch != b"/":
            i += 1
            continue
        j = i + 1
        while j < n and c[j:j + 1] not in SPACE and c[j:j + 1] not in DELIM:
            j += 1
        tok = c[i:j]
        if ch != b"/" and not re.match(rb"[-+.0-9]", tok) and tok not in (b"true", b"false", b"null"):
            yield start, i, j, tok
            start = None
        i = j


def pages():
    """(start, end) of each page's content stream data in the qdf file, in page order."""
    out = []
    for m in re.finditer(rb"%% Contents for page (\d+)\n", data):
        s = data.index(b"stream\n", m.end()) + 7
        e = data.index(b"\nendstream", s)
        out.append((s, e))
    return out


def variant(drop, name):
    """A copy where the text shown inside marked content of kind `drop` is left out."""
    buf, at = [], 0
    for pi, (s, e) in enumerate(pages()):
        c = data[s:e]
        buf.append(data[at:s])
        stack, keep, cut = [], [], 0
        for o, p, q, op in ops(c):
            if op in (b"BDC", b"BMC"):
                stack.append("mcid" if b"/MCID" in c[o:p] else
                             "art" if c[o:p].startswith(b"/Artifact") else "other")
            elif op == b"EMC" and stack:
                stack.pop()
            elif op in SHOW and drop in stack:
                keep.append(c[cut:o])
                cut = q
        keep.append(c[cut:])
        buf.append(b"".join(keep))
        at = e
    buf.append(data[at:])
    path = os.path.join(T, name + ".pdf")
    open(path + ".raw", "wb").write(b"".join(buf))
    subprocess.run(["fix-qdf", path + ".raw"], stdout=open(path, "wb"), check=True)
    return path


def page_texts(path):
    t = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True,
                       check=True).stdout.decode("utf-8")
    return t.split("\f")


# 1. every text and path is tagged or an artifact; black is grey
grey = 0
for pi, (s, e) in enumerate(pages()):
    c = data[s:e]
    stack = []
    for o, p, q, op in ops(c):
        if op in (b"BDC", b"BMC"):
            stack.append("mcid" if b"/MCID" in c[o:p] else
                         "art" if c[o:p].startswith(b"/Artifact") else "other")
        elif op == b"EMC" and stack:
            stack.pop()
        elif (op in SHOW or op in PAINT) and "mcid" not in stack and "art" not in stack:
            fails.append("page %d: %s outside the structure and the artifacts" % (pi + 1, op.decode()))
            break
        elif op in (b"rg", b"RG") and c[o:p].split() == [b"0", b"0", b"0"]:
            fails.append("page %d: black as RGB (%s)" % (pi + 1, c[o:q].decode()))
            break
        elif op == b"g":
            grey += 1
if not grey:
    fails.append("no DeviceGray colour in the page contents")

# 2. the artifacts' text against the structure's, page by page
labels = {}
q = json.loads(subprocess.run(["qpdf", "--json", pdf], capture_output=True, check=True).stdout)

# 3. the marked contents against the structure elements
page_of = {p["object"]: i for i, p in enumerate(q["pages"])}
named = {}
for v in q["qpdf"][1].values():
    v = v.get("value") if isinstance(v, dict) else None
    if isinstance(v, dict) and v.get("/Type") == "/StructElem" and isinstance(v.get("/K"), int):
        named.setdefault(page_of.get(v.get("/Pg"), -1), []).append(v["/K"])
for pi, (s, e) in enumerate(pages()):
    c = data[s:e]
    mcids, depth = [], 0
    for o, p, q_, op in ops(c):
        if op == b"BDC" and b"/MCID" in c[o:p]:
            if depth:
                fails.append("page %d: a marked content inside another" % (pi + 1))
            depth += 1
            mcids.append(int(re.search(rb"/MCID (\d+)", c[o:p]).group(1)))
        elif op == b"BMC" and depth:
            depth += 1
        elif op == b"EMC" and depth:
            depth -= 1
    if mcids != list(range(len(mcids))):
        fails.append("page %d: MCIDs %r, not 0, 1, 2..." % (pi + 1, mcids[:12]))
    if sorted(named.get(pi, [])) != mcids:
        fails.append("page %d: the structure names MCIDs %r, the contents have %r"
                     % (pi + 1, sorted(named.get(pi, []))[:12], mcids[:12]))
if -1 in named:
    fails.append("%d structure elements name no page of the file" % len(named[-1]))
for pl in q.get("pagelabels", []):
    labels[pl["index"]] = pl["label"]  # {"/S": "/D", "/St": 1}
arts = page_texts(variant("mcid", "art"))
struct = page_texts(variant("art", "struct"))
nlab = 0
lab_style, lab_start, lab_first = None, 1, 0
for pi in range(len(pages())):
    if pi in labels:
        lab_style = labels[pi].get("/S")
        lab_start = labels[pi].get("/St", 1)
        lab_first = pi
    a = [x.strip() for x in arts[pi].split("\n") if x.strip()]
    st = set(x.strip() for x in struct[pi].split("\n") if x.strip())
    for line in a:
        if (len(line) > 1 or line.isdigit()) and line in st:
            fails.append("page %d: %r is an artifact and in the structure" % (pi + 1, line))
    if lab_style == "/D" and struct[pi].strip():
        folio = str(lab_start + pi - lab_first)
        if folio in "".join(a) or folio in " ".join(a):
            nlab += 1
        else:
            fails.append("page %d: its folio %s is not an artifact (artifacts: %r)" % (pi + 1, folio, a))
if not nlab:
    fails.append("no folio found among the artifacts")
for f in fails[:20]:
    print("FAIL:", f)
print("artifacts: %d pages, %d folios, %s" % (len(pages()), nlab, "ok" if not fails else "%d problems" % len(fails)))
sys.exit(1 if fails else 0)
