#!/usr/bin/python3
"""Checks the content features of a bisheng layout dump: ruby and figures (issue #5).

usage: content_check.py ruby DUMP.json [--expect-pad N] [--expect-overhang N] [--expect-spread N]
       content_check.py figures DUMP.json [--count N] [--caption SRC=TEXT]
       content_check.py notes DUMP.json [--count N]
       content_check.py links QPDF.json DUMP.json
       content_check.py mkpng OUT.png WIDTH HEIGHT

ruby:    every annotation sits on the line of its base, which is never split (one unit); its
         size is half the base's; it is centred on its base (unless held inside the type area
         at a line edge); it touches the base's em box over it (horizontal) or right of it
         (vertical); it overhangs a neighbour by at most one annotation character and only
         when that neighbour is kana or punctuation, else it stays clear of it. The --expect
         options ask for at least N rubies padded / overhanging / spread 1:2:1.
figures: every figure box lies inside the type area of its page, is not enlarged beyond
         1 px = 0.75 pt, keeps its aspect ratio, fits its band of whole line slots (G1), and is
         followed on the same page by its caption line when it has one.
notes:   marks are 0.6 em, superscript (horizontal) or against the column's right edge
         (vertical), never start a line, each has its note, which opens with the mark's text;
         horizontal notes sit at the page foot under a rule, on the mark's page unless that
         page is full, in order; vertical notes follow the chapter under 註/注.
links:   every mark links to its note's page, every note back to its first mark's page.
Prints one line per failure; exits 1 on any."""
import json
import struct
import sys
import zlib

TOL = 0.02
SMALL = set("ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ")
fails = []


def fail(msg):
    fails.append(msg)


def is_kana(ch):
    o = ord(ch)
    return 0x3041 <= o <= 0x30FF and ch != "ー"


def is_ideo(ch):
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def span(gl):
    return min(g["p"] for g in gl), max(g["p"] + g["adv"] for g in gl)


def ruby(dump, args):
    vertical = dump["direction"] == "vertical"
    seen = {}
    stats = {"pad": 0, "overhang": 0, "spread": 0, "total": 0}
    for page in dump["pages"]:
        for li, line in enumerate(page["lines"]):
            where = "page %d line %d" % (page["number"], li + 1)
            body = [g for g in line["glyphs"] if "ruby" not in g]
            ids = {g["ruby"] for g in line["glyphs"] if "ruby" in g}
            for rid in ids:
                if rid in seen:
                    fail("%s: ruby %d drawn on two lines" % (where, rid))
                seen[rid] = where
                stats["total"] += 1
                ann = [g for g in line["glyphs"] if g.get("ruby") == rid]
                base = [g for g in body if g.get("rb") == rid]
                if not base:
                    fail("%s: ruby %d has no base on its line" % (where, rid))
                    continue
                text = "".join(g["c"] for g in ann)
                btext = "".join(g["c"] for g in base)
                size = line["size"]
                for g in ann:
                    if abs(g["size"] - size / 2) > TOL:
                        fail("%s: ruby %s size %.3f, base %.3f" % (where, text, g["size"], size))
                rs = size / 2
                lo, hi = span(ann)
                blo, bhi = span(base)
                at_edge = lo < TOL or hi > line["measure"] - TOL
                # jukugo ruby (one reading per character of a word, #16): a reading may move
                # over the spare room of the characters beside it, which are bases too
                k0, k1 = body.index(base[0]), body.index(base[-1])
                jukugo = any(0 <= k < len(body) and body[k].get("rb") not in (None, rid)
                             for k in (k0 - 1, k1 + 1))
                if not at_edge and not jukugo and abs((lo + hi) / 2 - (blo + bhi) / 2) > TOL:
                    fail("%s: ruby %s centred at %.3f, base %s at %.3f" % (where, text, (lo + hi) / 2, btext, (blo + bhi) / 2))
                # the side: over the base's em box, or right of the column
                for g in ann:
                    b = base[0]
                    # glyphs that sit off their em box's centre by design: small kana,
                    # zhuyin tone marks
                    if not (is_kana(g["c"][0]) or is_ideo(g["c"][0])) or g["c"][0] in SMALL:
                        continue
                    if vertical:
                        # the annotation column's left edge is the base column's right edge
                        axis_base = b["x"] + size / 2
                        if g["x"] < axis_base + size / 2 - TOL or g["x"] > axis_base + size / 2 + rs:
                            fail("%s: ruby %s x %.3f not right of the column (axis %.3f)" % (where, g["c"], g["x"], axis_base))
                    else:
                        top = b["y"] - 0.88 * size
                        if abs(g["y"] + 0.12 * rs - top) > TOL:
                            fail("%s: ruby %s baseline %.3f, base em-box top %.3f" % (where, g["c"], g["y"], top))
                # no split: every base glyph of this ruby on this line
                # (checked globally below); overhang rules
                i0 = body.index(base[0])
                i1 = body.index(base[-1])
                prev = body[i0 - 1] if i0 > 0 else None
                nxt = body[i1 + 1] if i1 + 1 < len(body) else None
                if blo - lo > TOL:
                    stats["overhang"] += 1
                    # over the neighbour (the room the base was given is not overhang)
                    edge = prev["p"] + prev["adv"] if prev and "rb" not in prev else (lo if not prev else blo)
                    if edge - lo > rs + TOL:
                        fail("%s: ruby %s overhangs %.3f before its base" % (where, text, edge - lo))
                    if prev and prev["p"] + prev["adv"] > lo + TOL and "rb" not in prev and not (is_kana(prev["c"][0]) or not is_ideo(prev["c"][0])):
                        fail("%s: ruby %s overhangs the ideograph %s" % (where, text, prev["c"]))
                if hi - bhi > TOL:
                    edge = nxt["p"] if nxt and "rb" not in nxt else (hi if not nxt else bhi)
                    if hi - edge > rs + TOL:
                        fail("%s: ruby %s overhangs %.3f after its base" % (where, text, hi - edge))
                    if nxt and nxt["p"] < hi - TOL and "rb" not in nxt and not (is_kana(nxt["c"][0]) or not is_ideo(nxt["c"][0])):
                        fail("%s: ruby %s overhangs the ideograph %s" % (where, text, nxt["c"]))
                if prev and is_ideo(prev["c"][0]) and hi - lo > bhi - blo + TOL and blo - (prev["p"] + prev["adv"]) > TOL:
                    stats["pad"] += 1
                if len(ann) >= 2 and hi - lo < bhi - blo - TOL:
                    stats["spread"] += 1
                    gaps = [b2["p"] - (a["p"] + a["adv"]) for a, b2 in zip(ann, ann[1:])]
                    edge = lo - blo
                    if any(abs(gp - 2 * edge) > TOL for gp in gaps) or abs((bhi - hi) - edge) > TOL:
                        fail("%s: ruby %s over %s not spread 1:2:1 (edge %.3f, gaps %s)" % (where, text, btext, edge, gaps))
    # a base never splits: every glyph that names a ruby is on that ruby's line
    for page in dump["pages"]:
        for li, line in enumerate(page["lines"]):
            where = "page %d line %d" % (page["number"], li + 1)
            for g in line["glyphs"]:
                if "rb" in g and seen.get(g["rb"]) != where:
                    fail("%s: base glyph %s of ruby %d is not on its annotation's line (%s)" % (where, g["c"], g["rb"], seen.get(g["rb"])))
    for key in ("pad", "overhang", "spread"):
        opt = "--expect-" + key
        if opt in args and stats[key] < int(args[args.index(opt) + 1]):
            fail("only %d rubies with %s" % (stats[key], key))
    if "--count" in args and stats["total"] != int(args[args.index("--count") + 1]):
        fail("%d rubies in the layout, want %s" % (stats["total"], args[args.index("--count") + 1]))
    return "%d rubies (%d padded, %d overhanging, %d spread)" % (stats["total"], stats["pad"], stats["overhang"], stats["spread"])


def figures(dump, args):
    vertical = dump["direction"] == "vertical"
    a = dump["area"]
    pitch = dump["pitch"]
    size = dump["size"]
    gap = pitch - size
    n = 0
    for page in dump["pages"]:
        lines = page["lines"]
        for li, line in enumerate(lines):
            if "figure" not in line:
                continue
            n += 1
            f = line["figure"]
            where = "page %d figure %s" % (page["number"], f["src"])
            if line["kind"] != "figure":
                fail("%s: line kind %s" % (where, line["kind"]))
            x, y, w, h = f["x"], f["y"], f["width"], f["height"]
            if x < a["x"] - TOL or y < a["y"] - TOL or x + w > a["x"] + a["width"] + TOL or y + h > a["y"] + a["height"] + TOL:
                fail("%s: box %.2f,%.2f %.2fx%.2f outside the type area" % (where, x, y, w, h))
            pw, ph = f["px"]
            if w > pw * 0.75 + TOL or h > ph * 0.75 + TOL:
                fail("%s: enlarged to %.2fx%.2f from %dx%d px" % (where, w, h, pw, ph))
            if abs(w / h - pw / ph) > 0.01 * pw / ph:
                fail("%s: aspect %.4f, image %.4f" % (where, w / h, pw / ph))
            band = line["slots"] * pitch - gap
            k = line["slot"]
            if vertical:
                right = a["x"] + a["width"] - k * pitch
                if w > band + TOL or x < right - band - TOL or x + w > right + TOL:
                    fail("%s: %.2f wide, outside its band of %d columns" % (where, w, line["slots"]))
            else:
                top = a["y"] + k * pitch
                if h > band + TOL or y < top - TOL or y + h > top + band + TOL:
                    fail("%s: %.2f high, outside its band of %d lines" % (where, h, line["slots"]))
            if li + 1 < len(lines):
                nxt = lines[li + 1]
                want = nxt["slot"] == k + line["slots"]
                if not want:
                    fail("%s: the next line is in slot %d, want %d" % (where, nxt["slot"], k + line["slots"]))
            if "--caption" in args:
                cap = args[args.index("--caption") + 1]
                if f["src"] == cap.split("=")[0]:
                    if li + 1 >= len(lines) or "".join(g["c"] for g in lines[li + 1]["glyphs"]) != cap.split("=")[1]:
                        fail("%s: caption not right after it on its page" % where)
    if "--count" in args and n != int(args[args.index("--count") + 1]):
        fail("%d figures, want %s" % (n, args[args.index("--count") + 1]))
    return "%d figures" % n


def notes(dump, args):
    # a book may mix directions (#16): each page follows its chapter's
    def pv(page):
        return page.get("direction", dump["direction"]) == "vertical"
    size = dump["size"]
    nlines = dump["lines"]
    marks = {}   # id -> (page index, line index, text)
    opens = {}   # id -> (page index, line index)
    order = []
    for pi, page in enumerate(dump["pages"]):
        vertical = pv(page)
        lines = page["lines"]
        body_end = None
        first_note = None
        for li, line in enumerate(lines):
            where = "page %d slot %d" % (page["number"], line["slot"])
            gl = line["glyphs"]
            if line["kind"] == "note":
                if first_note is None:
                    first_note = li
                if "note" in line:
                    opens[line["note"]] = (pi, li)
                    order.append(line["note"])
                continue
            if first_note is not None and not vertical:
                fail("%s: body line after the page's notes" % where)
            body_end = line["slot"] + line["slots"]
            if gl and "mark" in gl[0] and not line["first"]:
                fail("%s: a line starts with a note mark" % where)
            for g in gl:
                if "mark" not in g:
                    continue
                marks.setdefault(g["mark"], (pi, li, g["c"]))
                small = g["size"]
                ls = line["size"]  # a heading's mark is 0.6 of the heading's size
                if abs(small - 0.6 * ls) > TOL:
                    fail("%s: mark %s size %.3f" % (where, g["c"], small))
                if vertical:
                    if abs(g["x"] + small - (line["x"] + ls / 2)) > TOL:
                        fail("%s: mark %s not against the column's right edge" % (where, g["c"]))
                elif abs(g["y"] - (line["y"] + 0.88 * small)) > TOL:
                    fail("%s: mark %s baseline %.3f, want %.3f (superscript)" % (where, g["c"], g["y"], line["y"] + 0.88 * small))
        if first_note is not None and not vertical:
            nl = [l for l in lines if l["kind"] == "note"]
            if not lines[first_note].get("rule"):
                fail("page %d: no rule over the notes" % page["number"])
            if nl[-1]["slot"] + nl[-1]["slots"] != page.get("rows", nlines):
                fail("page %d: notes end in slot %d, not at the foot" % (page["number"], nl[-1]["slot"]))
            for a, b in zip(nl, nl[1:]):
                if b["slot"] != a["slot"] + a["slots"]:
                    fail("page %d: a gap between note lines" % page["number"])
            if body_end is not None and body_end > nl[0]["slot"]:
                fail("page %d: body and notes overlap" % page["number"])
    if order != sorted(order):
        fail("notes out of order: %s" % order)
    for nid, (pi, li, text) in marks.items():
        if nid not in opens:
            fail("mark %s (%d) has no note" % (text, nid))
            continue
        npi, nli = opens[nid]
        first = "".join(g["c"] for g in dump["pages"][npi]["lines"][nli]["glyphs"])
        if not first.startswith(text):
            fail("note %d opens with %r, its mark is %r" % (nid, first[:4], text))
        if pv(dump["pages"][pi]):
            continue
        if npi < pi:
            fail("note %d on page %d before its mark" % (nid, npi + 1))
        elif npi > pi:
            # only when the mark's page has no room left: its notes reach its body
            mp = dump["pages"][pi]["lines"]
            nl = [l for l in mp if l["kind"] == "note"]
            be = max(l["slot"] + l["slots"] for l in mp if l["kind"] != "note")
            if nl and nl[0]["slot"] > be:
                fail("note %d moved to page %d although page %d had room" % (nid, npi + 1, pi + 1))
    if opens:
        # each vertical chapter's notes come last in it (a new chapter opens a new page),
        # under 註/注
        prev = None
        last_head = None
        for page in dump["pages"]:
            if not pv(page):
                prev = None
                continue
            for li, l in enumerate(page["lines"]):
                if l["kind"] == "heading":
                    last_head = "".join(g["c"] for g in l["glyphs"])
                if l["kind"] == "note" and (prev is None or prev[1]["kind"] != "note") and last_head not in ("註", "注"):
                    fail("page %d: notes without a 註/注 heading" % page["number"])
                if prev and prev[1]["kind"] == "note" and l["kind"] not in ("note", "blank") and prev[0] is page:
                    fail("page %d: text after the chapter's notes" % page["number"])
                prev = (page, l)
    if "--count" in args and len(opens) != int(args[args.index("--count") + 1]):
        fail("%d notes, want %s" % (len(opens), args[args.index("--count") + 1]))
    return "%d marks, %d notes" % (len(marks), len(opens))


def links(qpdf_json, dump_path):
    """Every mark links to its note's page and every note back to its mark's page."""
    j = json.load(open(qpdf_json))
    dump = json.load(open(dump_path))
    objs = j["qpdf"][1] if "qpdf" in j else j["objects"]

    def obj(ref):
        o = objs.get("obj:" + ref) or objs.get(ref)
        return o.get("value", o) if isinstance(o, dict) else o
    kids = [p["object"] for p in j["pages"]]
    # pages before the dump's first (a book's contents) come first in the file
    front = len(kids) - len(dump["pages"])
    got = []
    for i, ref in enumerate(kids):
        for a in obj(ref).get("/Annots", []):
            ao = obj(a)
            if ao.get("/Subtype") == "/Link" and "/Dest" in ao:
                if i >= front:  # the contents' own links are not ours
                    got.append((i + 1 - front, kids.index(ao["/Dest"][0]) + 1 - front))
    want = []
    mark_page, note_page = {}, {}
    for p in dump["pages"]:
        for l in p["lines"]:
            if "note" in l:
                note_page[l["note"]] = p["number"]
            for g in l["glyphs"]:
                if "mark" in g:
                    mark_page.setdefault(g["mark"], p["number"])
    for p in dump["pages"]:
        for l in p["lines"]:
            seen = set()
            for g in l["glyphs"]:
                if "mark" in g and g["mark"] not in seen and g["mark"] in note_page:
                    seen.add(g["mark"])
                    want.append((p["number"], note_page[g["mark"]]))
            if "note" in l and l["note"] in mark_page:
                want.append((p["number"], mark_page[l["note"]]))
    if sorted(got) != sorted(want):
        fail("links (from page, to page): got %s, want %s" % (sorted(got), sorted(want)))
    return "%d links" % len(got)


def mkpng(path, w, h):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 255 // w, y * 255 // h, 128)) for y in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    if sys.argv[1] == "mkpng":
        mkpng(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    if sys.argv[1] == "links":
        summary = links(sys.argv[2], sys.argv[3])
    else:
        dump = json.load(open(sys.argv[2], encoding="utf-8"))
        summary = {"ruby": ruby, "figures": figures, "notes": notes}[sys.argv[1]](dump, sys.argv[3:])
    for f in fails[:40]:
        print(f)
    print("%s, %d failures" % (summary, len(fails)))
    sys.exit(1 if fails else 0)


main()
