#!/bin/sh
# Issue #5, content features of the PDF, both directions: ruby (tests/content/ruby.ja.html and
# the corpus articles with ruby), figures (PNG and JPEG built here) and footnotes
# (tests/content/notes.zh-Hant.md and the corpus articles with notes), checked on the layout
# dump (tests/content_check.py) and independently on the PDF (pdftotext -raw, mutool stext,
# pdfimages, qpdf --json for the links).
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1700000000
bad=0
fail() { echo "FAIL $*"; bad=1; }
count_ruby() { "$BIN" dump "$1" | grep -c '"type": "ruby"'; }
# fonts are subset before drawing: a glyph the subset lacks (an annotation form, a circled
# note number, 註) would embed its face a second time
nodup() {
  # (name, encoding): Cairo sets the Latin glyphs of a TrueType face apart as a WinAnsi subset
  dup=$(pdffonts "$1" | tail -n +3 | awk '{ sub(/^[A-Z]+\+/, "", $1); print $1, $(NF-5) }' | sort | uniq -d)
  [ -z "$dup" ] || fail "$2: fonts embedded twice: $dup"
}

# --- ruby ---
R=tests/content/ruby.ja.html
for d in horizontal vertical; do
  "$BIN" layout "$R" --direction $d > "$tmp/r.json" || fail "ruby $d: layout"
  python3 tests/content_check.py ruby "$tmp/r.json" --expect-pad 1 --expect-overhang 1 \
    --expect-spread 1 --count "$(count_ruby "$R")" > "$tmp/out" || { fail "ruby $d:"; cat "$tmp/out"; }
  echo "ok ruby $d: $(tail -n 1 "$tmp/out")"
  # the padded base (ideographs either side) and the overhanging one (kana either side)
  python3 - "$tmp/r.json" $d <<'EOF' || fail "ruby $d: padding and overhang"
import json, sys
d = json.load(open(sys.argv[1]))
size = d["size"]
for l in (l for p in d["pages"] for l in p["lines"]):
    body = [g for g in l["glyphs"] if "ruby" not in g]
    text = "".join(g["c"] for g in body)
    ann = [g for g in l["glyphs"] if "ruby" in g]
    if text.startswith("山田薔薇山田") or text.startswith("かな薔薇かな"):
        lo = min(g["p"] for g in ann); hi = max(g["p"] + g["adv"] for g in ann)
        prev, first = body[1], body[2]
        gap = first["p"] - (prev["p"] + prev["adv"])
        if text.startswith("山田"):  # 3 em over 2 em between ideographs: ½ em room each side
            assert abs(gap - size / 2) < 0.02, ("padding", gap)
            assert lo >= prev["p"] + prev["adv"] - 0.02, ("overlaps 田", lo)
        else:  # kana either side: no room added, ½ em overhang each side
            assert abs(gap) < 0.02, ("gap beside kana", gap)
            assert abs(first["p"] - lo - size / 2) < 0.02, ("overhang", first["p"] - lo)
        print("ok", sys.argv[2], text[:6], "gap %.3f" % gap)
EOF
  "$BIN" "$R" --direction $d -o "$tmp/r.pdf" || fail "ruby $d: pdf"
  nodup "$tmp/r.pdf" "ruby $d"
  pdftotext -raw "$tmp/r.pdf" "$tmp/r.txt"
  # the base text reads on unbroken; the annotations are text too, after their line
  tr -d ' \n' < "$tmp/r.txt" > "$tmp/r1.txt"
  for s in 山田薔薇山田の庭。 かな薔薇かなの庭。 東京の東京と大和と明日の話。 ばらばらばら とうきょう やまと; do
    grep -q "$s" "$tmp/r1.txt" || fail "ruby $d: pdftotext -raw lacks $s"
  done
  mutool draw -F stext -o "$tmp/s.xml" "$tmp/r.pdf" 1 2> /dev/null
  python3 tests/pdf_stext_check.py "$tmp/r.json" "$tmp/s.xml" 1 > "$tmp/st" || { fail "ruby $d: stext"; cat "$tmp/st"; }
  grep -qi 'c="&#x3070;"' "$tmp/s.xml" || fail "ruby $d: annotation not in the PDF text"
done
for f in "$CORPUS/kumo-no-ito.aozora.txt" "$CORPUS/shishuo.zh-Hant.html"; do
  tt_read "$f" || { fail "$f: not read"; continue; }
  n=$(count_ruby "$f")
  [ "$n" -gt 0 ] || fail "$(basename "$f"): no ruby read"
  for d in horizontal vertical; do
    "$BIN" layout "$f" --direction $d > "$tmp/c.json"
    python3 tests/content_check.py ruby "$tmp/c.json" --count "$n" > "$tmp/out" || { fail "$(basename "$f") $d:"; cat "$tmp/out"; }
    echo "ok $(basename "$f") $d: $(tail -n 1 "$tmp/out")"
  done
done

# --- figures ---
mkdir -p "$tmp/fig"
python3 tests/content_check.py mkpng "$tmp/fig/wide.png" 2000 300
python3 tests/content_check.py mkpng "$tmp/fig/tall.png" 300 3000
python3 tests/content_check.py mkpng "$tmp/fig/small.png" 64 48
cp tests/content/python.jpg "$tmp/fig/photo.jpg"
{
  printf '# 圖的試驗\n\n第一段正文，說明下面的圖。\n\n![小圖](small.png "小圖說明")\n\n'
  printf '第二段正文。\n\n![照片](photo.jpg "照片說明")\n\n第三段正文。\n\n![寬圖](wide.png "寬圖說明")\n\n'
  i=0; while [ $i -lt 12 ]; do printf '填充的正文段落，讓下一張圖落到頁面的末尾附近，看它是否整張移到下一頁；這一段要長過一行，才有排滿的行可查。\n\n'; i=$((i + 1)); done
  printf '![高圖](tall.png "高圖說明")\n\n第五段正文。\n'
} > "$tmp/fig/fig.md"
for d in horizontal vertical; do
  "$BIN" layout "$tmp/fig/fig.md" --direction $d > "$tmp/f.json" || { fail "figures $d: layout"; continue; }
  python3 tests/content_check.py figures "$tmp/f.json" --count 4 --caption small.png=小圖說明 > "$tmp/out" || { fail "figures $d:"; cat "$tmp/out"; }
  echo "ok figures $d: $(tail -n 1 "$tmp/out")"
  # the wide image fills the measure (horizontal) or its band; the small one keeps 0.75 pt/px
  python3 - "$tmp/f.json" <<'EOF' || fail "figures $d: sizes"
import json, sys
d = json.load(open(sys.argv[1]))
figs = {l["figure"]["src"]: l for p in d["pages"] for l in p["lines"] if "figure" in l}
s = figs["small.png"]["figure"]
assert abs(s["width"] - 48) < 0.01 and abs(s["height"] - 36) < 0.01, s
w = figs["wide.png"]["figure"]
if d["direction"] == "horizontal":
    assert abs(w["width"] - d["measure"]) < 0.01, w
else:
    assert abs(w["height"] - d["measure"]) < 0.01 or w["width"] > d["area"]["width"] - 2 * d["pitch"], w
EOF
  tt_layout "$tmp/fig/fig.md" $d "$tmp/f2.json"
  "$BIN" dump "$tmp/fig/fig.md" > "$tmp/src.json"
  python3 tests/typeset_check.py "$tmp/f.json" "$tmp/src.json" --tree > "$tmp/out" || { fail "figures $d: typography"; cat "$tmp/out"; }
  "$BIN" "$tmp/fig/fig.md" --direction $d -o "$tmp/f.pdf" || { fail "figures $d: pdf"; continue; }
  pdfimages -list "$tmp/f.pdf" | tail -n +3 > "$tmp/img"
  [ "$(wc -l < "$tmp/img")" = 4 ] || { fail "figures $d: images in the PDF"; cat "$tmp/img"; }
  # the JPEG goes in as DCT, byte for byte
  awk '$4 == 16 && $5 == 16 { print $9 }' "$tmp/img" | grep -qx jpeg || { fail "figures $d: JPEG not DCT"; cat "$tmp/img"; }
  rm -rf "$tmp/x"; mkdir "$tmp/x"
  pdfimages -j "$tmp/f.pdf" "$tmp/x/i"
  found=no; for j in "$tmp"/x/*.jpg; do cmp -s "$j" tests/content/python.jpg && found=yes; done
  [ $found = yes ] || fail "figures $d: the JPEG was re-encoded"
  # each image on the page the dump gives it
  python3 - "$tmp/f.json" "$tmp/img" <<'EOF' || fail "figures $d: pages"
import json, sys
d = json.load(open(sys.argv[1]))
want = sorted(p["number"] for p in d["pages"] for l in p["lines"] if "figure" in l)
got = sorted(int(l.split()[0]) for l in open(sys.argv[2]))
assert want == got, (want, got)
EOF
  pdftotext -raw "$tmp/f.pdf" - | tr -d ' \n' | grep -q 小圖說明 || fail "figures $d: caption text"
done

# --- footnotes ---
count_notes() { "$BIN" dump "$1" | grep -c '"type": "footnote_definition"'; }
for f in tests/content/notes.zh-Hant.md "$CORPUS/kongyiji.zh-Hans.md" "$CORPUS/bisheng.en.md" "$CORPUS/yume-juya-5.ja.md"; do
  tt_read "$f" || { fail "$f: not read"; continue; }
  b=$(basename "$f")
  n=$(count_notes "$f")
  [ "$n" -gt 0 ] || fail "$b: no notes read"
  for d in horizontal vertical; do
    "$BIN" layout "$f" --direction $d > "$tmp/n.json" || { fail "$b $d: layout"; continue; }
    python3 tests/content_check.py notes "$tmp/n.json" --count "$n" > "$tmp/out" || { fail "$b $d: notes"; cat "$tmp/out"; }
    "$BIN" "$f" --direction $d -o "$tmp/n.pdf" || { fail "$b $d: pdf"; continue; }
    nodup "$tmp/n.pdf" "$b $d"
    qpdf --check "$tmp/n.pdf" > "$tmp/qc" 2>&1 || { fail "$b $d: qpdf --check"; cat "$tmp/qc"; }
    grep -q WARNING "$tmp/qc" && { fail "$b $d: qpdf --check"; cat "$tmp/qc"; }
    qpdf --json "$tmp/n.pdf" > "$tmp/q.json"
    python3 tests/content_check.py links "$tmp/q.json" "$tmp/n.json" > "$tmp/out2" || { fail "$b $d: links"; cat "$tmp/out2"; }
    echo "ok $b $d: $(tail -n 1 "$tmp/out"); $(tail -n 1 "$tmp/out2")"
  done
done
# a book: notes numbered per chapter, ids and links across chapters and the contents pages
set -- "$CORPUS/kongyiji.zh-Hans.md" tests/content/notes.zh-Hant.md "$CORPUS/bisheng.en.md"
if tt_read "$@" || { fail "book: an article not read"; false; }; then
  for d in horizontal vertical; do
    "$BIN" layout "$@" --direction $d > "$tmp/b.json" && "$BIN" "$@" --direction $d -o "$tmp/b.pdf" || { fail "book $d"; continue; }
    nodup "$tmp/b.pdf" "book $d"
    python3 tests/content_check.py notes "$tmp/b.json" > "$tmp/out" || { fail "book $d: notes"; cat "$tmp/out"; }
    qpdf --json "$tmp/b.pdf" > "$tmp/q.json"
    python3 tests/content_check.py links "$tmp/q.json" "$tmp/b.json" > "$tmp/out2" || { fail "book $d: links"; cat "$tmp/out2"; }
    echo "ok book $d: $(tail -n 1 "$tmp/out"); $(tail -n 1 "$tmp/out2")"
  done
fi
# a heading with a note mark: the outline shows the heading without it
"$BIN" tests/content/notes.zh-Hant.md -o "$tmp/n.pdf"
qpdf --json "$tmp/n.pdf" | grep -q '"/Title": "u:末節"' || fail "notes: outline entry of a heading with a mark"
# the notes' text is in the PDF, after the text of their page (horizontal) or chapter (vertical)
for d in horizontal vertical; do
  "$BIN" tests/content/notes.zh-Hant.md --direction $d -o "$tmp/n.pdf"
  pdftotext -raw "$tmp/n.pdf" - | tr -d ' \n' > "$tmp/n.txt"
  for s in 畢昇，北宋人，生卒年不詳。 最後一條註。 第二段也屬於這條註。; do
    grep -q "$s" "$tmp/n.txt" || fail "notes $d: pdftotext lacks $s"
  done
done
exit $bad
