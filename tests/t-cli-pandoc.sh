# The habits of pandoc users (#18 part 4): --opt=value and -oFILE, -M and --metadata-file,
# --toc-depth, --fail-if-warnings, -k, every command's --help, -V, suggestions for mistyped
# commands and options, warnings for options of the other output, unknown extensions and
# images as inputs, fenced divs and bracketed spans, progress lines that fit the terminal.
set -u
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. tests/epub-lib.sh
epubcheck_cmd || fail "no epubcheck"
SEED=$CORPUS/seed-article.txt
export SOURCE_DATE_EPOCH=1700000000
meta() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d['meta'], ensure_ascii=False, sort_keys=True))" "$1"; }

# --opt=value and -oFILE give the very same book as --opt value and -o FILE
"$BIN" "$SEED" --direction=vertical --title=甲 -o"$tmp/a.epub" || fail "--opt=value / -oFILE"
"$BIN" "$SEED" --direction vertical --title 甲 -o "$tmp/b.epub" || fail "--opt value"
cmp -s "$tmp/a.epub" "$tmp/b.epub" || fail "--opt=value built another book"
"$BIN" "$SEED" -kqo "$tmp/c.epub" || fail "clustered short flags -kqo FILE"
[ -s "$tmp/c.epub" ] || fail "-kqo wrote nothing"
# -- ends the options: a file named like an option is an input
cp "$SEED" "$tmp/-x.txt"
(cd "$tmp" && "$BIN" -o d.epub -- -x.txt) || fail "-- before an input"

# -M KEY=VALUE (and KEY:VALUE); author may repeat and replaces the input's
"$BIN" dump "$SEED" -M title=新題 -M author=甲 --metadata author=乙 -M publisher:出版社 -M date=2026-01-02 > "$tmp/m.json" || fail "-M"
m=$(meta "$tmp/m.json")
echo "$m" | grep -q '"authors": \["甲", "乙"\]' || fail "-M author: $m"
echo "$m" | grep -q '"title": "新題"' || fail "-M title: $m"
echo "$m" | grep -q '"publisher": "出版社"' || fail "-M publisher: $m"
echo "$m" | grep -q '"date": "2026-01-02"' || fail "-M date: $m"
"$BIN" dump "$SEED" -M autor=x > /dev/null 2> "$tmp/err"; [ $? = 2 ] || fail "-M unknown key exit"
grep -q "unknown metadata key 'autor'; did you mean 'author'?" "$tmp/err" || fail "-M suggestion: $(cat "$tmp/err")"
"$BIN" dump "$SEED" -M title > /dev/null 2> "$tmp/err"; [ $? = 2 ] || fail "-M without = exit"

# --metadata-file: fills what the input lacks (the input's title stays), -M wins over it,
# an unknown key is a warning with its line, bad YAML an error with its line
cat > "$tmp/meta.yaml" <<'EOF'
title: 不用的題目
publisher: 文件出版社
rights: CC BY 4.0
keywords: [散文, 試印]
date: 2026-03-04
colour: blue
EOF

"$BIN" dump "$SEED" --metadata-file "$tmp/meta.yaml" -M rights=保留 > "$tmp/m.json" 2> "$tmp/err" || fail "--metadata-file"
m=$(meta "$tmp/m.json")
echo "$m" | grep -q '"title": "美俄峯會後俄烏戰爭及歐洲安全走向"' || fail "the input's title should win: $m"
echo "$m" | grep -q '"publisher": "文件出版社"' || fail "file publisher: $m"
echo "$m" | grep -q '"rights": "保留"' || fail "-M should win over the file: $m"
echo "$m" | grep -q '"tags": \["原創"\]' || fail "the input's tags should win: $m"
echo "$m" | grep -q '"date": "2026-03-04"' || fail "file date: $m"
printf '# 無標籤\n\n正文。\n' > "$tmp/plain.md"
"$BIN" dump "$tmp/plain.md" --metadata-file "$tmp/meta.yaml" 2> /dev/null | grep -q '"tags": \[ *"散文", *"試印" *\]' ||
  "$BIN" dump "$tmp/plain.md" --metadata-file "$tmp/meta.yaml" 2> /dev/null | tr -d ' \n' | grep -q '"tags":\["散文","試印"\]' || fail "file keywords"
grep -q "^$tmp/meta.yaml:6: warning: metadata 'colour' is not used$" "$tmp/err" || fail "unknown key warning: $(cat "$tmp/err")"
printf 'title: [unclosed\n' > "$tmp/bad.yaml"
"$BIN" dump "$SEED" --metadata-file="$tmp/bad.yaml" > /dev/null 2> "$tmp/err"; [ $? = 1 ] || fail "bad metadata file exit"
grep -q "^$tmp/bad.yaml:[0-9]*: " "$tmp/err" || fail "bad metadata file message: $(cat "$tmp/err")"
"$BIN" dump "$SEED" --metadata-file "$tmp/none.yaml" > /dev/null 2> "$tmp/err"; [ $? = 1 ] || fail "missing metadata file exit"

# --toc-depth: the EPUB navigation lists heading levels up to N
printf '# 一\n\n正文。\n\n## 一之一\n\n正文。\n\n### 一之一之一\n\n正文。\n' > "$tmp/h.md"
navcount() { unzip -p "$1" EPUB/nav.xhtml | grep -o '<li' | wc -l; }
"$BIN" "$tmp/h.md" -o "$tmp/h.epub" || fail "toc default"
"$BIN" "$tmp/h.md" --toc-depth=2 -o "$tmp/h2.epub" || fail "toc 2"
"$BIN" "$tmp/h.md" --toc-depth 1 -o "$tmp/h1.epub" || fail "toc 1"
n0=$(navcount "$tmp/h.epub"); n2=$(navcount "$tmp/h2.epub"); n1=$(navcount "$tmp/h1.epub")
[ "$n0" -gt "$n2" ] && [ "$n2" -gt "$n1" ] || fail "--toc-depth: nav entries $n0 / $n2 / $n1"
unzip -p "$tmp/h1.epub" EPUB/nav.xhtml | grep -q '一之一' && fail "--toc-depth 1 lists a second-level heading"
"$BIN" "$tmp/h.md" --toc-depth 9 -o "$tmp/h9.epub" 2> /dev/null; [ $? = 2 ] || fail "--toc-depth 9 should be a usage error"
# the PDF contents too: with two chapters, depth 1 leaves the second-level heading out
cp "$tmp/h.md" "$tmp/h-b.md"
"$BIN" "$tmp/h.md" "$tmp/h-b.md" --toc-depth 1 -o "$tmp/h1.pdf" || fail "pdf toc 1"
"$BIN" "$tmp/h.md" "$tmp/h-b.md" -o "$tmp/h2.pdf" || fail "pdf toc default"
c1=$(pdftotext -f 1 -l 3 "$tmp/h1.pdf" - | grep -c '一之一'); c2=$(pdftotext -f 1 -l 3 "$tmp/h2.pdf" - | grep -c '一之一')
[ "$c2" -gt "$c1" ] || fail "PDF --toc-depth: '一之一' on the first pages $c2 (default) vs $c1 (depth 1)"

# --fail-if-warnings: the output is written, the exit status is 1
printf '只有標題\n' > "$tmp/title.txt"
"$BIN" "$tmp/title.txt" -o "$tmp/t.epub" 2> /dev/null || fail "a warning alone fails without --fail-if-warnings"
rm -f "$tmp/t.epub"
"$BIN" "$tmp/title.txt" --fail-if-warnings -o "$tmp/t.epub" 2> "$tmp/err"; [ $? = 1 ] || fail "--fail-if-warnings exit"
[ -s "$tmp/t.epub" ] || fail "--fail-if-warnings: the output should still be written"
grep -q '^bisheng: 1 warning (--fail-if-warnings)$' "$tmp/err" || fail "--fail-if-warnings message: $(cat "$tmp/err")"
"$BIN" "$SEED" --fail-if-warnings -o "$tmp/t.epub" || fail "--fail-if-warnings without warnings"

# -k for the conversion: the bad article is left out, the rest built, exit 1
printf 'bad\377\n' > "$tmp/bad.txt"
"$BIN" "$SEED" "$tmp/bad.txt" -k -o "$tmp/k.epub" 2> "$tmp/err"; [ $? = 1 ] || fail "-k exit"
[ -s "$tmp/k.epub" ] || fail "-k built nothing"
grep -q '1 of 2 articles left out' "$tmp/err" || fail "-k message: $(cat "$tmp/err")"

# every command's --help (and `bisheng help CMD`), -V
for c in dump layout build init; do
  "$BIN" $c --help > "$tmp/h.txt" || fail "$c --help exit"
  head -1 "$tmp/h.txt" | grep -q "^Usage: bisheng $c" || fail "$c --help: $(head -1 "$tmp/h.txt")"
  grep -q '^Example' "$tmp/h.txt" || fail "$c --help has no example"
  "$BIN" help $c | cmp -s - "$tmp/h.txt" || fail "bisheng help $c differs from $c --help"
done
"$BIN" dump --help | grep -q -- '--paper' && fail "dump --help lists a PDF option"
"$BIN" layout --help | grep -q -- '--paper' || fail "layout --help lacks --paper"
"$BIN" -V | head -1 | grep -q '^bisheng [0-9]' || fail "-V"
"$BIN" --help | grep -q -- '--metadata-file FILE' || fail "--help lacks --metadata-file"

# mistyped commands and options: a suggestion and exit 2, not "no output given"
"$BIN" biuld > /dev/null 2> "$tmp/err"; [ $? = 2 ] || fail "biuld exit"
[ "$(head -1 "$tmp/err")" = "bisheng: 'biuld' is not a command; did you mean 'build'?" ] || fail "biuld: $(cat "$tmp/err")"
"$BIN" dupm x.txt > /dev/null 2> "$tmp/err"; [ $? = 2 ] || fail "dupm exit"
grep -q "did you mean 'dump'" "$tmp/err" || fail "dupm: $(cat "$tmp/err")"
"$BIN" "$SEED" --embd -o "$tmp/x.epub" 2> "$tmp/err"; [ $? = 2 ] || fail "--embd exit"
grep -q "unknown option '--embd'; did you mean '--embed-fonts'?" "$tmp/err" || fail "--embd: $(cat "$tmp/err")"
"$BIN" "$SEED" --dierction=vertical -o "$tmp/x.epub" 2> "$tmp/err"; [ $? = 2 ] || fail "--dierction exit"
grep -q "did you mean '--direction'?" "$tmp/err" || fail "--dierction: $(cat "$tmp/err")"
"$BIN" dump "$SEED" --paper A4 2> "$tmp/err"; [ $? = 2 ] || fail "dump --paper exit"
grep -q "option '--paper' does not apply to 'bisheng dump'" "$tmp/err" || fail "dump --paper: $(cat "$tmp/err")"
"$BIN" "$SEED" -o 2> "$tmp/err"; [ $? = 2 ] || fail "-o without a value"
grep -q "option '-o' needs a value" "$tmp/err" || fail "-o message: $(cat "$tmp/err")"
"$BIN" "$SEED" --embed-fonts=yes -o "$tmp/x.epub" 2> "$tmp/err"; [ $? = 2 ] || fail "flag with a value"
# metadata that is not UTF-8 is a usage error, not Cairo's internal failure (exit 3) in the PDF
for a in "--title=$(printf '\377\376')" "-Mauthor=$(printf 'ab\303')"; do
  "$BIN" "$SEED" "$a" -o "$tmp/u.pdf" 2> "$tmp/err"; [ $? = 2 ] || fail "bad UTF-8 metadata exit"
  grep -q "the value is not valid UTF-8" "$tmp/err" || fail "bad UTF-8: $(cat "$tmp/err")"
  [ ! -e "$tmp/u.pdf" ] || fail "bad UTF-8 metadata left a PDF"
done

# an option of the other output is a warning, and ignored
"$BIN" "$SEED" --paper A3 --bleed=3mm -o "$tmp/w.epub" 2> "$tmp/err" || fail "--paper for EPUB exit"
grep -q '^bisheng: warning: --paper applies to PDF output; ignored$' "$tmp/err" || fail "--paper warning: $(cat "$tmp/err")"
grep -q '^bisheng: warning: --bleed applies to PDF output; ignored$' "$tmp/err" || fail "--bleed warning"
"$BIN" "$SEED" --css "$tmp/none.css" -o "$tmp/w.pdf" 2> "$tmp/err" || fail "--css for PDF exit"
grep -q '^bisheng: warning: --css applies to EPUB output; ignored$' "$tmp/err" || fail "--css warning: $(cat "$tmp/err")"

# unknown extension without -f: an error naming the formats, no output; -f reads it
cp "$SEED" "$tmp/article.docx"
"$BIN" "$tmp/article.docx" -o "$tmp/x.epub" 2> "$tmp/err"; [ $? = 1 ] || fail ".docx exit"
[ -e "$tmp/x.epub" ] && fail ".docx: an output was written"
grep -q "^$tmp/article.docx: unknown input format '.docx': bisheng reads text (.txt), Markdown (.md), HTML" "$tmp/err" || fail ".docx message: $(cat "$tmp/err")"
"$BIN" -f text "$tmp/article.docx" -o "$tmp/x.epub" || fail "-f text on .docx"
# an image as an input says so, whatever its name
"$BIN" "$CORPUS/images/seal.png" -o "$tmp/x2.epub" 2> "$tmp/err"; [ $? = 1 ] || fail "image exit"
grep -q "seal.png: this is an image (PNG), not an article" "$tmp/err" || fail "image message: $(cat "$tmp/err")"
cp "$CORPUS/images/seal.png" "$tmp/noext"
"$BIN" dump "$tmp/noext" > /dev/null 2> "$tmp/err"; [ $? = 1 ] || fail "image without extension exit"
grep -q "this is an image (PNG)" "$tmp/err" || fail "image without extension: $(cat "$tmp/err")"

# pandoc fenced divs and bracketed spans: text kept, classes in the tree and the EPUB
cat > "$tmp/div.md" <<'EOF'
# 第一章

::: byline
徐秉君 撰
:::

正文[重要的話]{.key}在這裏，還有[*強調*的 text]{.note lang=en}結束。

:::: {#aside .aside .wide}
旁注一。

旁注二，有[方括號]而無屬性。
::::

```
::: not-a-div
[code]{.no}
```
EOF
"$BIN" dump "$tmp/div.md" > "$tmp/div.json" || fail "dump div"
python3 - "$tmp/div.json" <<'PY' || fail "fenced divs / spans in the tree"
import json, sys
d = json.load(open(sys.argv[1]))
b = d["blocks"]
text = json.dumps(d, ensure_ascii=False)
assert ":::" not in json.dumps(b[:-1], ensure_ascii=False), "a fence printed as text"
assert b[1]["type"] == "paragraph" and b[1]["class"] == "byline", b[1]
assert b[1]["children"][0]["text"] == "徐秉君 撰", b[1]
spans = [c for c in b[2]["children"] if c["type"] == "span"]
assert [s["class"] for s in spans] == ["key", "note"], spans
assert spans[0]["children"][0]["text"] == "重要的話"
assert spans[1]["lang"] == "en" and spans[1]["children"][0]["type"] == "emphasis", spans[1]
assert "{." not in json.dumps(b[2], ensure_ascii=False), b[2]
assert b[3]["class"] == "aside wide" and b[4]["class"] == "aside wide", b[3:5]
assert "[方括號]" in json.dumps(b[4], ensure_ascii=False)
assert b[5]["type"] == "code_block" and b[5]["text"].startswith("::: not-a-div\n[code]{.no}"), b[5]
assert "class" not in b[0]
PY
"$BIN" "$tmp/div.md" -o "$tmp/div.epub" || fail "div epub"
x=$(unzip -p "$tmp/div.epub" $(unzip -Z1 "$tmp/div.epub" | grep 'xhtml$' | grep -v nav))
echo "$x" | grep -q '<p class="byline">' || fail "EPUB lacks the div's class"
echo "$x" | grep -q '<span class="key">重要的話</span>' || fail "EPUB lacks the span's class"
echo "$x" | grep -q 'class="note"' || fail "EPUB lacks the second span"
check_all "$tmp/div.epub" "$tmp/a.epub" "$tmp/h1.epub" > "$tmp/ec.log" 2>&1 || { cat "$tmp/ec.log"; fail "epubcheck"; }

# progress lines fit the terminal and keep the distinguishing end of long names
mkdir -p "$tmp/p/out"
cp "$SEED" "$tmp/p/a.txt"
cat > "$tmp/p/book.yaml" <<'EOF'
title: 進度
articles: [a.txt]
outputs:
  - {name: a-very-long-output-name-for-the-first-volume, file: out/a-very-long-folder-name/and-a-long-file-name-v01.epub}
  - {name: a-very-long-output-name-for-the-second-volume, file: out/a-very-long-folder-name/and-a-long-file-name-v02.epub}
EOF
python3 - "$BIN" "$tmp/p/book.yaml" <<'PY' || fail "progress lines on a 60-column terminal"
import fcntl, os, pty, re, struct, sys, termios, unicodedata
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execv(sys.argv[1], [sys.argv[1], "build", sys.argv[2], "-j", "1"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
assert os.WEXITSTATUS(status) == 0, out
text = out.decode("utf-8")
lines = [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", l) for l in re.split(r"\r?\n", text)]
lines = [l for l in lines if l.strip()]
assert lines, text
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
for l in lines:
    assert width(l) <= 59, (width(l), l)
final = lines[-2:]
assert any("v01.epub" in l for l in final) and any("v02.epub" in l for l in final), final
assert any("volume" in l for l in final), final  # the names keep their ends too
PY
echo "pandoc habits ok"
