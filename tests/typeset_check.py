#!/usr/bin/python3
"""Typography checks on a bisheng layout dump (cjk-typography.md §12.1).

usage: typeset_check.py DUMP.json SOURCE [--tree] [--vnum-sideways] [--pdf-text FILE]

SOURCE is the plain-text file the test driver built its tree from, or with --tree the
`bisheng dump` JSON of the document. With --pdf-text, the `pdftotext -raw` output must also
contain every presented character in order (§0.9).

Checks K1/K2 (line-start/end prohibitions), K7 (no line longer than the measure; only one of
、。，． may hang, and only on a line the layout marks `hang`), K8 (full lines fill the measure),
K9 (no one-character paragraph-final line, no widow at a page head, headings kept with two
lines of their paragraph), G1 (upright CJK glyphs on the grid), V2 (vertical forms equal HarfBuzz's TTB output via hb-shape), V3
(no “”‘’ upright in vertical zh-Hant), L1 (Latin and digits in vertical), L6 and S1
(horizontal; beside a number at most ¼ em on justified lines with other gaps, K8), P1 (adjacent brackets take 1.5 em) and that the dump holds every character of
the source in order. Prints one line per failure; exits 1 on any."""
import ctypes
import json
import subprocess
import sys
import unicodedata

NOT_START = set("」』）〕】》〉〗］｝〙｠”’〞〟、。，．：；！？‼⁇⁈⁉·‧・～〜–‐゠％‰°℃′″￠…⋯‥—⸺")
NOT_START_JA = set("ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々〻ゝゞヽヾー")
NOT_END = set("「『（〔【《〈〖［｛〘｟“‘〝＄￥￡＃№")
OPEN = set("「『（〔【《〈〖［｛〘｟“‘〝")
CLOSE = set("」』）〕】》〉〗］｝〙｠”’〞〟")
VERT_CHECK = OPEN | CLOSE | set("、。，．：；！？…—～")
TOL = 0.01
HANG = set("、。，．")  # K7: the only marks that may hang (burasage), one at most
HANG_MAX = 1.0        # em: the most a preset lets a mark hang past the line end
FONT_DIR = "/usr/share/fonts/opentype/noto/"

fails = []


def fail(msg):
    fails.append(msg)


def is_cjk_letter(ch):
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3040 <= o <= 0x30FF
            or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF)


class HarfBuzz:
    """HarfBuzz through ctypes (hb-shape is not in Debian's libharfbuzz-dev): the reference
    shaping of one character, independent of bisheng's own code."""

    class Info(ctypes.Structure):
        _fields_ = [("codepoint", ctypes.c_uint32), ("mask", ctypes.c_uint32),
                    ("cluster", ctypes.c_uint32), ("v1", ctypes.c_uint32), ("v2", ctypes.c_uint32)]

    def __init__(self):
        hb = ctypes.CDLL("libharfbuzz.so.0")
        for name, res in (("hb_blob_create_from_file", ctypes.c_void_p),
                          ("hb_face_create", ctypes.c_void_p), ("hb_font_create", ctypes.c_void_p),
                          ("hb_buffer_create", ctypes.c_void_p),
                          ("hb_language_from_string", ctypes.c_void_p),
                          ("hb_buffer_get_glyph_infos", ctypes.POINTER(self.Info))):
            getattr(hb, name).restype = res
        hb.hb_face_create.argtypes = [ctypes.c_void_p, ctypes.c_uint]
        hb.hb_font_create.argtypes = [ctypes.c_void_p]
        for name in ("hb_buffer_add_utf8", "hb_buffer_set_direction", "hb_buffer_set_script",
                     "hb_buffer_set_language", "hb_shape", "hb_buffer_get_glyph_infos",
                     "hb_buffer_clear_contents"):
            getattr(hb, name).argtypes = None
        self.hb = hb
        self.fonts = {}
        self.buf = ctypes.c_void_p(hb.hb_buffer_create())

    def gid(self, path, index, ch, vertical, lang):
        hb = self.hb
        key = (path, index)
        if key not in self.fonts:
            blob = ctypes.c_void_p(hb.hb_blob_create_from_file(path.encode()))
            face = ctypes.c_void_p(hb.hb_face_create(blob, index))
            self.fonts[key] = ctypes.c_void_p(hb.hb_font_create(face))
        b = self.buf
        hb.hb_buffer_clear_contents(b)
        data = ch.encode()
        hb.hb_buffer_add_utf8(b, data, ctypes.c_int(len(data)), ctypes.c_uint(0), ctypes.c_int(len(data)))
        hb.hb_buffer_set_direction(b, ctypes.c_int(6 if vertical else 4))  # TTB / LTR
        hb.hb_buffer_set_script(b, ctypes.c_uint32(0x48616E69))  # 'Hani'
        hb.hb_buffer_set_language(b, ctypes.c_void_p(hb.hb_language_from_string(lang.encode(), -1)))
        hb.hb_shape(self.fonts[key], b, None, ctypes.c_uint(0))
        n = ctypes.c_uint(0)
        infos = hb.hb_buffer_get_glyph_infos(b, ctypes.byref(n))
        return infos[0].codepoint


HB = None


def hb_gid(family, font_index, bold, ch, vertical, lang):
    global HB
    if HB is None:
        HB = HarfBuzz()
    # code is set in Noto Sans Mono CJK, a face of the Sans collection
    kind = "Sans" if "Sans" in family else "Serif"
    path = FONT_DIR + "Noto%sCJK-%s.ttc" % (kind, "Bold" if bold else "Regular")
    return HB.gid(path, font_index, ch, vertical, lang)


def l1_expect(run, vnum_sideways):
    """The L1 decision table for a run of ASCII characters (no spaces)."""
    digits = sum(c.isdigit() for c in run)
    caps = sum(c.isupper() for c in run)
    lower = sum(c.islower() for c in run)
    n = len(run)
    if n == 1 and (digits or caps or lower):
        return "upright"
    if digits == n and n <= 3:
        return "tcy"
    if caps == n and n <= 5:
        return "upright"
    if n <= 3 and digits and all(c.isdigit() or c.isupper() or c in ".+" for c in run):
        return "tcy"
    # a range 1881-1936 is a number like 1923 (#16 item 7: one treatment per kind)
    if digits and all(c.isdigit() or c in ".,:/%" or (c == "-" and 0 < i < n - 1 and run[i - 1].isdigit()
                                                       and run[i + 1].isdigit())
                      for i, c in enumerate(run)) and not lower:
        return "sideways" if vnum_sideways else "upright"
    return "sideways"


def tree_text(node):
    """Text of a `bisheng dump` tree in reading order."""
    if isinstance(node, dict):
        if node.get("type") == "figure":
            yield (node.get("caption") or "") + (node.get("credit") or "")
            return
        if node.get("type") == "footnote_definition":
            return  # set apart from the running text (page foot or chapter end): not in order
        if isinstance(node.get("text"), str):
            yield node["text"]
        for k in ("blocks", "chapters", "children"):
            for c in node.get(k, []) or []:
                yield from tree_text(c)
    elif isinstance(node, list):
        for c in node:
            yield from tree_text(c)


PAUSE_END = set("。．！？!?")
PAUSE = set("，、；：")


def grid_cells(line, gl):
    """G1: a line of whole cells only: upright, TCY or emoji glyphs a whole number of ems
    wide, none halved, no ruby wider than its base (JLREQ lets a long ruby widen it)."""
    size = line["size"]
    for g in gl:
        if g["o"] not in ("upright", "tcy", "emoji") or g.get("halved") or not g["c"]:
            return False
        if abs(g["adv"] / size - round(g["adv"] / size)) * size > TOL or g["adv"] < size - TOL:
            return False
    ann, base = {}, {}
    for g in line["glyphs"]:
        if "ruby" in g:
            ann[g["ruby"]] = ann.get(g["ruby"], 0) + g["adv"]
        elif "rb" in g:
            base[g["rb"]] = base.get(g["rb"], 0) + g["adv"]
    return all(w <= base.get(r, 0) + TOL for r, w in ann.items())


def subsequence(needle, hay):
    """None if needle is a subsequence of hay, else the index of the first missing char."""
    j = 0
    for i, ch in enumerate(needle):
        j = hay.find(ch, j)
        if j < 0:
            return i
        j += 1
    return None


def main():
    dump = json.load(open(sys.argv[1], encoding="utf-8"))
    source = open(sys.argv[2], encoding="utf-8").read()
    vnum_sideways = "--vnum-sideways" in sys.argv
    vertical = dump["direction"] == "vertical"
    lang = dump["lang"]
    ja = lang.startswith("ja")
    hant = not ja and "hans" not in lang.lower()
    size = dump["size"]
    pitch = dump["pitch"]
    area = dump["area"]
    not_start = NOT_START | (NOT_START_JA if ja else set())
    gid_cache = {}
    lines = [l for p in dump["pages"] for l in p["lines"]]
    presented = []
    nfull = 0
    ncells = [0]
    for pi, page in enumerate(dump["pages"]):
        # a book may mix languages and directions: each page follows its document's
        vertical = page.get("direction", dump["direction"]) == "vertical"
        area = page.get("area", dump["area"])
        lang = page.get("lang", dump["lang"])
        ja = lang.startswith("ja")
        hant = not ja and "hans" not in lang.lower()
        not_start = NOT_START | (NOT_START_JA if ja else set())
        for li, line in enumerate(page["lines"]):
            where = "page %d line %d" % (page["number"], li + 1)
            # ruby annotations (glyphs with "ruby") are not the line's text: they sit beside
            # it and are drawn after it; their placement is checked by t-pdf-content.sh
            gl = [g for g in line["glyphs"] if "ruby" not in g]
            # footnote marks (glyphs with "mark") and note lines are not the running text
            # either: notes sit at the page foot or chapter end, away from their source order
            for g in gl:
                if "mark" not in g and line["kind"] != "note":
                    presented.append(g["c"])
            if not gl or line["kind"] == "code":
                continue
            text = "".join(g["c"] for g in gl)
            # K1/K2
            if not line["first"] and gl[0]["c"][:1] in not_start:
                fail("K1 %s starts with %s: %s" % (where, gl[0]["c"], text))
            if not line["last"] and gl[-1]["c"][-1:] in NOT_END:
                fail("K2 %s ends with %s: %s" % (where, gl[-1]["c"], text))
            # K9: a paragraph's last line holds more than one character plus punctuation
            if line["last"] and not line["first"] and line["kind"] == "body":
                letters = [g for g in gl if not all(c in NOT_START | NOT_END or c in "，。、" for c in g["c"])]
                if len(letters) <= 1:
                    fail("K9 %s last line of a paragraph is %r" % (where, text))
            # K8 from the glyphs themselves (a reading longer than its base at the line end
            # ends there, its base a little before: JLREQ §3.3)
            end = max(g["p"] + g["adv"] for g in line["glyphs"] if "mark" not in g)
            if line["full"]:
                nfull += 1
                if abs(end - line["measure"]) > TOL:
                    fail("K8 %s extent %.4f != measure %.4f: %s" % (where, end, line["measure"], text))
            # K7: nothing past the line's measure (ruby included: JLREQ keeps it within the
            # base's space at a line end) and nothing before its start; a hanging line may let
            # one 、。，． past the end, by at most HANG_MAX em
            allg = [g for g in line["glyphs"] if "mark" not in g]
            start = min(g["p"] for g in allg)
            if start < -TOL:
                fail("K7 %s starts %.4f before the line start: %s" % (where, -start, text))
            over = max(g["p"] + g["adv"] for g in allg) - line["measure"]
            if line["fit"] == "hang":
                past = [g for g in allg if g["p"] + g["adv"] > line["measure"] + TOL]
                if len(past) != 1 or past[0]["c"] not in HANG or over > HANG_MAX * line["size"] + TOL:
                    fail("K7 %s hangs %s by %.2f em: %s" % (where, "".join(g["c"] for g in past),
                                                             over / line["size"], text))
            elif over > TOL and line["kind"] != "code":
                fail("K7 %s runs %.2f em past the measure (%s): %s" % (where, over / line["size"],
                                                                      line["fit"], text))
            # G1: cross axis for every upright CJK glyph of a body line; inline cells for
            # every glyph of a line made of whole cells (whatever its adjustments: a spread
            # line must keep its characters in the cells of its neighbours)
            if line["kind"] == "body":
                k = line["slot"]
                plain = grid_cells(line, gl)
                for g in gl:
                    # (a hyphenated line's hyphen has no source text: "c" is empty)
                    if not g["c"] or g["o"] != "upright" or not is_cjk_letter(g["c"][0]) or g["c"][0] in NOT_START_JA:
                        continue
                    if vertical:
                        axis = area["x"] + area["width"] - size / 2 - k * pitch
                        if abs(g["x"] - (axis - size / 2)) > TOL:
                            fail("G1 %s %s x %.4f off column axis %.4f" % (where, g["c"], g["x"], axis))
                    else:
                        base = area["y"] + k * pitch + 0.88 * size
                        if abs(g["y"] - base) > TOL:
                            fail("G1 %s %s baseline %.4f != %.4f" % (where, g["c"], g["y"], base))
                # a CJK letter is one cell wide: set solid, never kerned (the JP face's kern
                # took up to 0.08 em from kana before punctuation)
                for g in gl:
                    if (g["c"] and g["o"] == "upright" and is_cjk_letter(g["c"][0]) and
                            abs(g["adv"] - line["size"]) > TOL and "mark" not in g):
                        fail("G1 %s %s is %.3f em wide, not one cell: %s" % (where, g["c"], g["adv"] / line["size"], text))
                        break
                if plain:
                    # K8 on the grid: a spread line's slack is whole ems, one to a gap, at
                    # pauses or where the line could break, never two in one place (a hole)
                    for a, b in zip(gl, gl[1:]):
                        gap = b["p"] - (a["p"] + a["adv"])
                        if gap > TOL and (gap > line["size"] + TOL or b["c"][:1] in not_start or
                                          a["c"][-1:] in NOT_END):
                            fail("G1 %s %.2f em between %s and %s: %s" % (
                                where, gap / line["size"], a["c"], b["c"], text))
                    for g in gl:
                        cell = (g["p"] + line["indent"]) / line["size"]
                        if abs(cell - round(cell)) * line["size"] > TOL:
                            fail("G1 %s %s at %.4f is %.2f em off its cell: %s" % (
                                where, g["c"], g["p"], abs(cell - round(cell)), text))
                            break
                    ncells[0] += 1
            # V2: vertical forms as HarfBuzz gives them; V3 for zh-Hant
            for g in gl:
                if g["o"] != "upright" or len(g["c"]) != 1:
                    continue
                ch = g["c"]
                if vertical and hant and ch in "“”‘’":
                    fail("V3 %s has upright %s" % (where, ch))
                if ch in VERT_CHECK:
                    key = (g["font"], g["index"], g["bold"], ch)
                    if key not in gid_cache:
                        hb_lang = "ja" if ja else ("zh-Hant" if hant else "zh-Hans")
                        gid_cache[key] = hb_gid(g["font"], g["index"], g["bold"], ch, vertical, hb_lang)
                    if g["gid"] != gid_cache[key]:
                        fail("V2 %s %s gid %d, HarfBuzz gives %d" % (where, ch, g["gid"], gid_cache[key]))
            # P1: adjacent brackets take 1.5 em on lines that were not pushed in
            if not line["full"] and line["fit"] == "normal":
                for a, b in zip(gl, gl[1:]):
                    if a["o"] == b["o"] == "upright" and a["c"] in CLOSE and b["c"] in OPEN:
                        tot = b["p"] + b["adv"] - a["p"]
                        if abs(tot - 1.5 * line["size"]) > TOL:
                            fail("P1 %s %s%s take %.4f" % (where, a["c"], b["c"], tot))
            # L1 / L6
            i = 0
            while i < len(gl):
                if not (len(gl[i]["c"]) == 1 and 0x21 <= ord(gl[i]["c"]) < 0x7F) and not (
                        len(gl[i]["c"]) > 1 and all(0x21 <= ord(c) < 0x7F for c in gl[i]["c"])):
                    i += 1
                    continue
                j = i
                run = ""
                while j < len(gl) and all(0x21 <= ord(c) < 0x7F for c in gl[j]["c"]):
                    run += gl[j]["c"]
                    j += 1
                orients = {g["o"] for g in gl[i:j]}
                if vertical:
                    parts = [run]
                    end = j  # glyphs, not characters: a ligature such as "fi" is one glyph
                    if len(run) >= 2 and run.endswith("%") and run[-2].isdigit():
                        parts = [run[:-1]]
                        end = j - 1
                    want = l1_expect(parts[0], vnum_sideways)
                    got = {g["o"] for g in gl[i:end]}
                    # runs cut by a line end or a space are judged by the dump's grouping
                    cut = (j == len(gl) and not line["last"]) or (i == 0 and not line["first"])
                    if got != {want} and not cut and " " not in run:
                        fail("L1 %s run %r is %s, want %s" % (where, run, sorted(got), want))
                else:
                    if orients != {"upright"}:
                        fail("L6 %s run %r orientation %s" % (where, run, sorted(orients)))
                    for g in gl[i:j]:
                        if g["c"].isdigit() and g["adv"] >= size - TOL:
                            fail("L6 %s digit %s is full width" % (where, g["c"]))
                i = j
            # S1/K8: on a justified horizontal line that has gaps between CJK characters to take
            # the slack, the space beside a number stays at ¼ em (at most)
            if not vertical and line["full"] and any(
                    is_cjk_letter(a["c"][-1]) and is_cjk_letter(b["c"][0]) for a, b in zip(gl, gl[1:])):
                for a, b in zip(gl, gl[1:]):
                    if "mark" in a or "mark" in b:
                        continue
                    if (is_cjk_letter(a["c"][-1]) and b["c"][0] in "0123456789") or (
                            a["c"][-1] in "0123456789" and is_cjk_letter(b["c"][0])):
                        gap = b["p"] - (a["p"] + a["adv"])
                        if gap > line["size"] / 4 + TOL:
                            fail("S1 %s gap %.2f em beside the number %s%s" % (where, gap / line["size"], a["c"], b["c"]))
            # S1 in horizontal lines set at natural width (a pushed-in last line is compressed, K7)
            if not vertical and not line["full"] and line["fit"] != "push-in":
                for a, b in zip(gl, gl[1:]):
                    if "mark" in a or "mark" in b:
                        continue  # a note mark is not a Latin word (S1)
                    if (is_cjk_letter(a["c"][-1]) and b["c"][0].isalnum() and ord(b["c"][0]) < 0x7F) or (
                            a["c"][-1].isalnum() and ord(a["c"][-1]) < 0x7F and is_cjk_letter(b["c"][0])):
                        gap = b["p"] - (a["p"] + a["adv"])
                        if abs(gap - size / 4) > TOL and abs(gap - line["size"] / 4) > TOL:
                            fail("S1 %s gap %.4f between %s and %s" % (where, gap, a["c"], b["c"]))
    # K9 (page sense) and §7.6: no paragraph's last line alone at a page head; a heading is
    # never last on its page and has two lines of its paragraph (or all, if shorter) after it
    para_lines = {}
    for page in dump["pages"]:
        for line in page["lines"]:
            if line["kind"] != "blank":
                para_lines[line["para"]] = para_lines.get(line["para"], 0) + 1
    for page in dump["pages"]:
        ls = [l for l in page["lines"] if l["kind"] != "blank" and l["glyphs"]]
        if not ls:
            continue
        h = ls[0]
        if h["kind"] == "body" and h["last"] and not h["first"]:
            fail("K9 page %d opens with a widow: %s" % (page["number"], "".join(g["c"] for g in h["glyphs"])))
        for i, l in enumerate(ls):
            if l["kind"] != "heading" or not l["last"]:
                continue
            rest = ls[i + 1:]
            if not rest:
                if page is not dump["pages"][-1]:
                    fail("7.6 page %d ends with a heading" % page["number"])
                continue
            if rest[0]["kind"] not in ("body", "note") or not rest[0]["first"]:
                continue
            n = sum(1 for r in rest if r["para"] == rest[0]["para"])
            if n < min(2, para_lines[rest[0]["para"]]):
                fail("7.6 page %d: a heading keeps only %d line of its paragraph" % (page["number"], n))
    # every source character is presented, in order (V3 maps quotes in vertical zh-Hant)
    if "--tree" in sys.argv:
        src = "".join(tree_text(json.loads(source)))
    else:
        src = source.replace("**", "")
    src = "".join(ch for ch in src if not ch.isspace())
    pres = "".join(ch for ch in "".join(presented) if not ch.isspace())
    if vertical:  # V3 itself is checked per glyph above
        tr = str.maketrans("“”‘’", "「」『』")
        src, pres = src.translate(tr), pres.translate(tr)
    k = subsequence(src, pres)
    if k is not None:
        fail("text: source character %d %r (%r) missing from the layout" % (k, src[k], src[k:k + 20]))
    if "--tree" not in sys.argv and src != pres:
        fail("text: layout has extra characters")
    if "--pdf-text" in sys.argv:
        raw = open(sys.argv[sys.argv.index("--pdf-text") + 1], encoding="utf-8").read()
        raw = "".join(ch for ch in raw if not ch.isspace())
        dl = dump["lang"].lower()
        if vertical and not dl.startswith("ja") and "hans" not in dl and any(q in raw for q in "“”‘’"):
            fail("V3: the PDF text of a vertical zh-Hant book carries curly quotes")
        if vertical:
            raw = raw.translate(str.maketrans("“”‘’", "「」『』"))
        # one glyph has one ToUnicode entry, so compare NFKC-folded text (Ｑ and Q share one)
        k = subsequence(unicodedata.normalize("NFKC", pres), unicodedata.normalize("NFKC", raw))
        if k is not None:
            fail("pdftotext -raw: presented character %d %r (%r) missing" % (k, pres[k], pres[k:k + 20]))
    if nfull == 0 and len(lines) > 20:
        fail("no full lines at all")
    for f in fails[:40]:
        print(f)
    print("%d lines, %d full, %d on whole cells, %d failures" % (len(lines), nfull, ncells[0], len(fails)))
    sys.exit(1 if fails else 0)


main()
