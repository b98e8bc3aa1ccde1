# Bad-input suite (tests/bad/CASES): exit status, the exact first line of stderr, and no
# output file left behind on failure. Inputs are tests/bad/NAME, or NAME made here in a
# temporary folder when it is too big to commit (see gen below).
set -u
tmp=$(mktemp -d); trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
gen=$tmp/gen
mkdir -p "$gen" "$tmp/ro"
python3 - "$gen" <<'PY' || { echo "cannot make the generated inputs"; exit 1; }
import os, sys
d = sys.argv[1]
def put(name, text):
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        f.write(text)
# 10,000 levels of nesting: Markdown block quotes and list items, HTML divs and inline spans
put("deep-quotes.md", "# 深\n\n" + "> " * 10000 + "最深處的一句話。\n")
put("deep-lists.md", "# 深\n\n" + "- " * 10000 + "項\n" + "1. " * 10000 + "項\n")
put("deep-divs.html", "<html><body><h1>深</h1>" + "<div>" * 10000 + "<p>最深處的一句話。</p>"
    + "</div>" * 10000 + "</body></html>\n")
put("deep-spans.html", "<html><body><h1>深</h1><p>" + "<em><b>" * 5000 + "最深處"
    + "</b></em>" * 5000 + "</p></body></html>\n")
# a title of 600 CJK characters (1,800 bytes): the running head is cut at a character, never
# inside one (Pango aborted on the byte cut of a 512-byte buffer), and fitted once, not per page
put("long-title.md", "---\ntitle: " + "長" * 400 + "標題" * 100 + "\n---\n\n"
    + ("這是一段很長的文字，" * 10 + "\n\n") * 300)
# a 300 KB paragraph (no line breaks), CJK with punctuation
put("para-300k.txt", "長段落\n\n" + "中文，標點。「引號」與（括號）——破折號……" * 12000 + "\n")
# a book the PDF page limit refuses at a tiny grid (about 6,000 pages of 15 characters)
put("many-pages.txt", "頁數\n\n" + ("一二三四五六七八九十。" * 20 + "\n\n") * 450)
# issue #20, runaway memory from small inputs: a YAML alias bomb in front matter (nine levels of
# nine aliases, 560 bytes), front matter nested 100,000 deep in flow and 100,000 deep in block
# lists, a GFM table of 3,000 columns and 3,000 lines (18 KB), one of 5,000 columns, one at
# the cap (1,000 columns, 100 rows), a YAML quote left open
bomb = ["  - &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]"] + [
    f"  - &a{i} [" + ",".join([f"*a{i-1}"] * 9) + "]" for i in range(1, 10)]
put("fm-alias-bomb.md", "---\ntitle: t\ntags:\n" + "\n".join(bomb) + "\n---\n\n正文。\n")
put("fm-deep-flow.md", "---\ntitle: [" + "[" * 100000 + "]" * 100000 + "]\n---\n\n正文。\n")
put("fm-deep-block.md", "---\ntitle: t\ntags:\n" + "- " * 100000 + "a\n---\n\n正文。\n")
put("fm-open-quote.md", "---\ntitle: 題\nauthor: 某\ndate: 2020\ndescription: \"open\n  quote\n\n---\n\n正文。\n")
put("table-3000.md", "|" + "a|" * 3000 + "\n|" + "-|" * 3000 + "\n" + "x\n" * 3000)
put("table-5000.md", "# 表\n\n|" + "a|" * 5000 + "\n|" + "-|" * 5000 + "\n|x|\n")
# one paragraph of 64,000 rubies (ruby layout was quadratic within a paragraph: 40 s)
put("ruby-64k.txt", "ルビ\n\n" + "漢字《かんじ》を読む。" * 64000 + "\n")
# images in the PDF: a 1 MB PNG whose header says 100 x 100 hiding a 1 GB deflate stream, a PNG
# cut in half, a 21-byte JPEG header declaring 7000 x 7000 (no scan, no end); a good PNG used
# twice (decoded and written once)
import struct, zlib
def chunk(t, b):
    return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
def ihdr(w, h):
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
z = zlib.compressobj(9)
stream = b"".join([z.compress(b"\0" * (1 << 24)) for _ in range(64)] + [z.flush()])
def putb(name, b):
    with open(os.path.join(d, name), "wb") as f:
        f.write(b)
putb("bomb.png", ihdr(100, 100) + chunk(b"IDAT", stream) + chunk(b"IEND", b""))
rows = b"".join(b"\0" + bytes(range(64)) for _ in range(64))
good = ihdr(64, 64) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
putb("good.png", good)
putb("half.png", good[:len(good) // 2])
putb("header.jpg", bytes.fromhex("ffd8ffc0001108" "1b58" "1b58" "03012200021101031101"))
for name, img in (("bomb", "bomb.png"), ("half", "half.png"), ("header", "header.jpg"),
                  ("twice", "good.png")):
    put(f"pdf-image-{name}.md", f"# 圖\n\n文字。\n\n![說明一]({img})\n\n又一段。\n\n![說明二]({img})\n")
# noncharacters: valid UTF-8 that Cairo refuses (U+FDD0, U+FFFE, U+FFFF, U+10FFFE; &#xFFFF; in HTML)
put("nonchar.txt", "標題\n\n文字\ufdd0中間\ufffe與。\n")
put("nonchar.md", "# 標題\n\n文字\uffff中間\U0010fffe。\n")
put("nonchar.html", "<html><body><article><h1>標題</h1><p>文字&#xFFFF;中間\ufdd0。</p></article></body></html>\n")
# 26 characters no font has (private use), in two paragraphs: one summary line for the face
pua = "".join(chr(c) for c in range(0xE000, 0xE01A))
put("missing-glyphs.md", "# 私用\n\n正文" + pua + "。\n\n再一次" + pua[:3] + "。\n")
# SVG: a billion-laughs entity bomb (in an attribute and in text), 100,000 nested groups
ents = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "' + f"&lol{i-1};" * 10 + '">' for i in range(1, 10))
put("bomb.svg", f'<?xml version="1.0"?>\n<!DOCTYPE svg [{ents}]>\n<svg xmlns="http://www.w3.org/2000/svg"><text x="&lol9;">&lol9;</text></svg>\n')
put("deep.svg", '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 100000 + "</g>" * 100000 + "</svg>\n")
for n in ("bomb", "deep"):
    put(f"svg-{n}.md", f"# 圖\n\n正文。\n\n![說明]({n}.svg)\n")
# a paragraph over the PDF's 4 MB limit (the EPUB has none)
put("para-5mb.txt", "長段落\n\n" + "中文，標點。" * 300000 + "\n")
put("table-cap.md", "# 表\n\n|" + "甲|" * 1000 + "\n|" + "-|" * 1000 + "\n" + "|乙|\n" * 99)
PY
# 100 MB input: a sparse file, refused by the input size limit before it is parsed
truncate -s 100M "$gen/big-100mb.txt" || { echo "truncate failed"; exit 1; }
# a read-only folder; root writes anyway, so those cases are skipped there
chmod 555 "$tmp/ro"
ro_ok=1 ro_as=
if touch "$tmp/ro/probe" 2> /dev/null; then
  rm -f "$tmp/ro/probe"; ro_ok=0
  # root writes anyway: run those cases as nobody when we can (CI runs as root)
  chmod 755 "$tmp"
  # without run-tests.sh's preloaded shim, which nobody may not be allowed to read (a clone in
  # a private folder): ld.so's complaint would be the first line of stderr
  nobody="env -u LD_PRELOAD setpriv --reuid=65534 --regid=65534 --clear-groups"
  if command -v setpriv > /dev/null && $nobody "$BIN" --version > /dev/null 2>&1 &&
     ! $nobody touch "$tmp/ro/probe" 2> /dev/null; then
    ro_ok=1 ro_as=$nobody
  else
    echo "note: running as root and cannot run as nobody: the read-only folder cases are skipped"
  fi
fi
# every case runs with its memory capped at 1 GB and 10 s of CPU (issue #20's bound for hostile
# input: CPU time, since the machine may be shared), and a 300 s hang guard; ASan and valgrind
# reserve far more address space than they use and run many times slower, so there neither
# cap applies and the guard is 900 s
vcap=1048576 tcap=10 guard=300
if [ "${SANITIZE:-}" = 1 ] || [ "${VALGRIND:-}" = 1 ]; then vcap=unlimited tcap=unlimited guard=900; fi
status=0 n=0
files=$(find tests/bad | sort)
touch "$tmp/stamp"
while IFS='|' read -r name args want_rc want_err; do
  case $name in \#*|'') continue ;; esac
  name=$(echo $name); want_rc=$(echo $want_rc)
  want_err=$(echo "$want_err" | sed 's/^ *//; s/ *$//')
  case $args in *'{ro}'*) [ $ro_ok = 1 ] || { echo "skip: $name ($args)"; continue; } ;; esac
  in=tests/bad/$name
  [ -e "$in" ] || in=$gen/$name
  out=$tmp/out$n
  # "1+out": that status, and the output must exist (--keep-going builds what it can)
  want_out=0
  case $want_rc in *+out) want_out=1; want_rc=${want_rc%+out} ;; esac
  sub="s|{in}|$in|g; s|{out}|$out|g; s|{ro}|$tmp/ro|g; s|{corpus}|$CORPUS|g"
  a=$(echo "$args" | sed "$sub")
  want_err=$(printf '%s' "$want_err" | sed "$sub")
  run=
  case $args in *'{ro}'*) run=$ro_as ;; esac
  # shellcheck disable=SC2086
  (ulimit -v $vcap && ulimit -t $tcap && exec $run timeout $guard "$BIN" $a) > "$tmp/stdout" 2> "$tmp/stderr"
  rc=$?
  [ $rc = 124 ] && echo "$name ($args): still running after $guard s"
  [ $rc = 152 ] && echo "$name ($args): more than $tcap s of CPU"
  got_err=$(head -n 1 "$tmp/stderr")
  n=$((n + 1))
  if [ "$rc" != "$want_rc" ]; then echo "$name ($args): exit $rc, want $want_rc"; head -n 5 "$tmp/stderr"; status=1; continue; fi
  if [ "$got_err" != "$want_err" ]; then echo "$name ($args): stderr"; echo "  got:  $got_err"; echo "  want: $want_err"; status=1; fi
  left=$(ls -d "$out"* "$tmp"/.out* "$tmp"/ro/* "$tmp"/ro/.[!.]* 2> /dev/null)
  if [ $want_out = 1 ]; then
    [ -s "$out.epub" ] || [ -s "$out.pdf" ] || { echo "$name ($args): no output written"; status=1; }
  elif [ "$rc" != 0 ] && [ -n "$left" ]; then
    echo "$name ($args): output left behind: $left"; status=1
  fi
  # no temporary (.NAME.tmp-XXXXXX) may survive in any case
  if ls -a "$tmp" "$tmp/ro" | grep -q '\.tmp-'; then echo "$name: temporary file left behind"; status=1; fi
  rm -rf "$out"*
  # the inputs are never touched: no file in tests/bad added, removed or written
  if [ "$(find tests/bad | sort)" != "$files" ] || [ -n "$(find tests/bad -newer "$tmp/stamp")" ]; then
    echo "$name ($args): tests/bad changed"; status=1
  fi
done < tests/bad/CASES
[ $n -ge 40 ] || { echo "only $n cases ran"; exit 1; }
# an image used twice is decoded once and written once: both uses show the same PDF object
"$BIN" "$gen/pdf-image-twice.md" -q -o "$tmp/twice.pdf" || { echo "pdf-image-twice: failed"; status=1; }
objs=$(pdfimages -list "$tmp/twice.pdf" | awk 'NR > 2 { print $11 }' | sort -u | wc -l)
uses=$(pdfimages -list "$tmp/twice.pdf" | awk 'NR > 2' | wc -l)
[ "$uses" = 2 ] && [ "$objs" = 1 ] || { echo "pdf-image-twice: $uses uses of $objs images, want 2 of 1"; status=1; }
# one missing-glyph line per face, whatever -j
for j in 1 2; do
  "$BIN" "$gen/missing-glyphs.md" "$gen/missing-glyphs.md" -j $j -o "$tmp/mg.pdf" 2> "$tmp/stderr"
  [ "$(grep -c 'missing glyph' "$tmp/stderr")" = 1 ] ||
    { echo "missing-glyphs.md -j $j: not one summary line:"; cat "$tmp/stderr"; status=1; }
done
rm -f "$tmp/mg.pdf"
# an invalid SOURCE_DATE_EPOCH is one warning line, and the build goes on with the current time
for v in yesterday -5 1e9 99999999999999; do
  SOURCE_DATE_EPOCH=$v "$BIN" tests/bad/emoji-supplementary.txt -o "$tmp/sde.epub" 2> "$tmp/stderr"
  rc=$?
  want="bisheng: warning: SOURCE_DATE_EPOCH '$v' is not a number of seconds from 1970 to 9999: the current time is used"
  [ $rc = 0 ] && [ "$(cat "$tmp/stderr")" = "$want" ] ||
    { echo "SOURCE_DATE_EPOCH=$v: exit $rc, stderr: $(cat "$tmp/stderr")"; status=1; }
  unzip -p "$tmp/sde.epub" '*.opf' | grep -q "dcterms:modified\">$(date -u +%Y)-" ||
    { echo "SOURCE_DATE_EPOCH=$v: dcterms:modified is not the current year"; status=1; }
  rm -f "$tmp/sde.epub"
done
# the page whose <article> a stray end tag closed early keeps all its blocks: nine paragraphs,
# the table, the date and the link (the dump is checked, not only the warning)
"$BIN" dump tests/bad/html-lost.html 2> /dev/null | python3 -c '
import json, sys
blocks = json.load(sys.stdin)["blocks"]
def text(n):
    return n.get("text", "") + "".join(text(k) for k in n.get("children", []))
paras = [text(b) for b in blocks if b["type"] == "paragraph"]
want = [f"第{d}段" for d in "一二三四五六七八九"]
missing = [w for w in want if not any(p.startswith(w) for p in paras)]
missing += [x for x in ("2020年5月1日", "一個連結") if not any(x in p for p in paras)]
missing += ["table"] if not any(b["type"] == "table" for b in blocks) else []
sys.exit("html-lost.html: missing " + ", ".join(missing) if missing else 0)' || status=1
# the same when what follows is shorter than the article; what stands before the article and
# after its real end tag is not taken in
"$BIN" dump tests/bad/html-lost-short.html 2> /dev/null | python3 -c '
import json, sys
blocks = json.load(sys.stdin)["blocks"]
def text(n):
    return n.get("text", "") + "".join(text(k) for k in n.get("children", []))
got = [(b["type"], text(b).split(":")[0]) for b in blocks]
want = [("paragraph", "One"), ("paragraph", "Two"), ("paragraph", "Three"), ("table", "cell"),
        ("paragraph", "Four")]
sys.exit(f"html-lost-short.html: {got}" if got != want else 0)' || status=1
# the long title's running head: cut with an ellipsis, within half the measure
"$BIN" layout "$gen/long-title.md" 2> /dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
heads = set()
def walk(o):
    if isinstance(o, dict):
        if "head" in o and isinstance(o["head"], str):
            heads.add(o["head"])
        for v in o.values():
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(d)
heads.discard("")
ok = len(heads) == 1 and all(h.endswith("\u2026") and 2 < len(h) <= 30 for h in heads)
sys.exit(0 if ok else "long-title.md: running heads %r" % sorted(heads)[:3])' || status=1
echo "$n cases"
exit $status
