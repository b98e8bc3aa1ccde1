#!/bin/sh
# #13: horizontal Latin paragraphs are hyphenated from libhyphen's dictionaries (hyphen-en-us),
# soft hyphens honoured, on the layout dump of tests/hyphen/en.md and the English corpus
# article: every hyphenated line breaks its word at a dictionary point (checked against
# libhyphen itself through ctypes) or after a soft hyphen, never more than two hyphenated
# lines in a row, and the word spaces of every justified line stay within their bound (S5:
# ½ em; a line of words that cannot do better stretches to 1 em at most, then stays short).
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bad=0
for f in tests/hyphen/en.md "$CORPUS/bisheng.en.md"; do
  [ -f "$f" ] || continue
  "$BIN" layout "$f" --direction horizontal > "$tmp/l.json" || { echo "FAIL layout $f"; bad=1; continue; }
  python3 - "$tmp/l.json" "$f" <<'PY' || bad=1
import ctypes, json, re, sys
d = json.load(open(sys.argv[1]))
lib = ctypes.CDLL("libhyphen.so.0")
lib.hnj_hyphen_load.restype = ctypes.c_void_p
lib.hnj_hyphen_load.argtypes = [ctypes.c_char_p]
lib.hnj_hyphen_hyphenate3.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
    ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
    ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
dic = lib.hnj_hyphen_load(b"/usr/share/hyphen/hyph_en_US.dic")
assert dic, "no hyph_en_US.dic (hyphen-en-us)"

def points(word):
    w = word.lower().encode()
    hy = ctypes.create_string_buffer(len(w) + 5)
    rep, pos, cut = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    lib.hnj_hyphen_hyphenate3(dic, w, len(w), hy, None, ctypes.byref(rep), ctypes.byref(pos),
                              ctypes.byref(cut), 2, 3, 2, 3)
    return {i + 1 for i in range(len(word) - 1) if hy.raw[i] & 1}

lines = [l for p in d["pages"] for l in p["lines"] if l["kind"] == "body" and l["glyphs"]]
fails, hyph, run, worst = [], 0, 0, 0.0
for a, b in zip(lines, lines[1:]):
    ga = a["glyphs"]
    if ga[-1]["c"] != "":
        run = 0
        continue
    hyph += 1
    run += 1
    if run > 2:
        fails.append("three hyphenated lines in a row")
    # the dump has no spaces: words are told apart by the gaps between glyphs
    def words(gl):
        out, cur = [], gl[0]["c"]
        for x, y in zip(gl, gl[1:]):
            if y["p"] - (x["p"] + x["adv"]) > 0.1 * a["size"]:
                out.append(cur)
                cur = ""
            cur += y["c"]
        return out + [cur]
    head = re.search(r"[\w\u00ad]+$", words(ga[:-1])[-1]).group(0)
    tail = re.match(r"[\w\u00ad]+", words(b["glyphs"])[0]).group(0)
    word = head + tail
    if "\u00ad" in word:
        if not head.endswith("\u00ad"):
            fails.append(f"{head}-{tail}: not at a soft hyphen")
    elif len(head) not in points(word):
        fails.append(f"{head}-{tail}: not a dictionary point of {word} {sorted(points(word))}")
for l in lines:
    if not l["full"]:
        continue
    gl = l["glyphs"]
    for x, y in zip(gl, gl[1:]):
        gap = (y["p"] - (x["p"] + x["adv"])) / l["size"]
        worst = max(worst, gap)
        if gap > 1.0 + 1e-3:
            fails.append(f"word space of {gap:.2f} em in {''.join(g['c'] for g in gl)[:40]!r}")
if hyph == 0:
    fails.append("no line was hyphenated")
if fails:
    print("FAIL", sys.argv[2], *fails, sep="\n  ")
    sys.exit(1)
print(f"ok {sys.argv[2]}: {hyph} hyphenated lines, widest word space {worst:.2f} em")
PY
done
exit $bad
