#!/bin/sh
# #13: every script an article holds. Each tests/scripts/*.md (Arabic in English, Hebrew, Thai,
# Devanagari, Greek with accents, Cyrillic, Hangul, emoji sequences, Extension B Han) is set
# in both directions and read back by tests/scripts_check.py: no missing glyph, no .notdef,
# the text in logical order, each script in its face, Arabic joined and right to left, emoji
# sharp and extractable. The layout dump shows emoji as one 1 em cell each, upright.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bad=0
for f in tests/scripts/*.md; do
  name=$(basename "$f" .md)
  for d in horizontal vertical; do
    if ! "$BIN" "$f" --direction $d -o "$tmp/$name.pdf" 2> "$tmp/err"; then
      echo "FAIL $name $d: bisheng failed"; cat "$tmp/err"; bad=1; continue
    fi
    if python3 tests/scripts_check.py "$f" "$tmp/$name.pdf" "$tmp/err" $d > "$tmp/out"; then
      echo "$name $d $(cat "$tmp/out")"
    else
      echo "FAIL $name $d:"; cat "$tmp/out"; bad=1
    fi
  done
done
# emoji: one upright cell of 1 em per sequence (ZWJ family, skin tone, flag, keycap), never
# broken, in both directions
for d in horizontal vertical; do
  "$BIN" layout tests/scripts/emoji.md --direction $d > "$tmp/l.json" || { bad=1; continue; }
  python3 - "$tmp/l.json" <<'PY' || { echo "FAIL emoji cells $d"; bad=1; }
import json, sys
d = json.load(open(sys.argv[1]))
cells = [g for p in d["pages"] for l in p["lines"] for g in l["glyphs"] if g["o"] == "emoji"]
want = ["👨\u200d👩\u200d👧", "👍🏽", "🇯🇵", "1\ufe0f\u20e3", "😀"]
got = [g["c"] for g in cells]
assert got == want, got
for g in cells:
    assert abs(g["adv"] - d["size"]) < 0.01, g
print("emoji cells ok", d["direction"])
PY
done
# the EPUB names the same fallback faces, and blocks holding Arabic or Hebrew take dir="auto"
if "$BIN" tests/scripts/arabic-en.md tests/scripts/hebrew.md -o "$tmp/rtl.epub" 2> "$tmp/err"; then
  mkdir -p "$tmp/x" && (cd "$tmp/x" && unzip -q ../rtl.epub) || bad=1
  python3 - "$tmp/x" <<'PY' || { echo "FAIL epub"; bad=1; }
import glob, re, sys
css = open(glob.glob(sys.argv[1] + "/EPUB/css/base.css")[0], encoding="utf-8").read()
for face in ("Noto Naskh Arabic", "Noto Serif Hebrew", "Noto Color Emoji", "HanaMinB"):
    assert face in css, face
n = 0
for f in glob.glob(sys.argv[1] + "/EPUB/text/c*.xhtml"):
    for m in re.finditer(r"<p([^>]*)>(.*?)</p>", open(f, encoding="utf-8").read(), re.S):
        rtl = re.search("[\u0590-\u07ff]", m.group(2))
        assert bool(rtl) == ('dir="auto"' in m.group(1)), m.group(0)[:80]
        n += bool(rtl)
assert n >= 3, n
# RTL runs in a left-to-right paragraph are isolated in <bdi>; an RTL paragraph needs none
nb = 0
for f in glob.glob(sys.argv[1] + "/EPUB/text/c*.xhtml"):
    for m in re.finditer(r"<p([^>]*)>(.*?)</p>", open(f, encoding="utf-8").read(), re.S):
        body = m.group(2)
        first = re.search("[A-Za-z\u0590-\u07ff]", re.sub("<[^>]*>", "", body))
        if not first or first.group(0) >= "\u0590":
            assert "<bdi>" not in body, body[:80]
            continue
        outside = re.sub(r"<bdi>.*?</bdi>", "", body)
        assert not re.search("[\u0590-\u07ff]", outside), "RTL outside <bdi>: " + body[:120]
        nb += body.count("<bdi>")
assert nb >= 4, nb
print("epub ok:", n, "paragraphs with dir=auto,", nb, "RTL runs in <bdi>")
PY
else
  echo "FAIL epub"; cat "$tmp/err"; bad=1
fi

# --embed-fonts: every character of every script article is in an embedded subset (emoji
# excepted: left to the reading system's colour font), each declared in fonts.css
if "$BIN" tests/scripts/*.md --embed-fonts -o "$tmp/all.epub" 2> "$tmp/err"; then
  mkdir -p "$tmp/y" && (cd "$tmp/y" && unzip -q ../all.epub) || bad=1
  for f in "$tmp"/y/EPUB/fonts/*; do
    printf '%s|%s|' "$(basename "$f")" "$(fc-query --format '%{family[0]}' "$f")"
    fc-query --format '%{charset}\n' "$f"
  done > "$tmp/charsets"
  python3 - "$tmp/y" "$tmp/charsets" <<'PY' || { echo "FAIL embed-fonts"; bad=1; }
import glob, html, re, sys
cover, fams = set(), {}
for line in open(sys.argv[2]):
    name, fam, cs = line.rstrip("\n").split("|")
    fams[name] = fam
    for r in cs.split():
        a, _, b = r.partition("-")
        cover |= set(range(int(a, 16), int(b or a, 16) + 1))
assert not any("Emoji" in f for f in fams.values()), fams
for fam in ("Noto Serif", "Noto Naskh Arabic", "Noto Serif Hebrew", "Noto Serif Thai",
            "Noto Serif Devanagari", "HanaMinA", "Noto Serif CJK TC", "Noto Serif CJK KR"):
    assert fam in fams.values(), (fam, sorted(set(fams.values())))
css = open(sys.argv[1] + "/EPUB/css/fonts.css", encoding="utf-8").read()
for name, fam in fams.items():
    assert re.search(r'font-family: "%s";[^}]*url\("\.\./fonts/%s"\)' % (re.escape(fam), re.escape(name)), css), name
opf = open(glob.glob(sys.argv[1] + "/EPUB/*.opf")[0], encoding="utf-8").read()
for name in fams:
    assert 'href="fonts/%s"' % name in opf, name
emoji = lambda c: 0x1F000 <= c <= 0x1FAFF or c in (0x200D, 0xFE0F, 0x20E3)
missing = set()
for f in glob.glob(sys.argv[1] + "/EPUB/text/c*.xhtml"):
    body = open(f, encoding="utf-8").read().split("<body", 1)[1]
    text = html.unescape(re.sub(r"<[^>]*>", "", body))
    missing |= {ch for ch in text if not ch.isspace() and not emoji(ord(ch)) and ord(ch) not in cover}
assert not missing, "not in any embedded font: " + " ".join("U+%04X" % ord(c) for c in sorted(missing))
print("embed-fonts ok:", len(fams), "subsets,", len(cover), "code points")
PY
else
  echo "FAIL embed-fonts"; cat "$tmp/err"; bad=1
fi
exit $bad
