#!/bin/sh
# What readers see in the EPUB (issue #14, part 2), on the corpus: Markdown footnotes numbered
# (1, 2 … not their source labels); the nav and NCX nest a part's chapters under it; a vertical
# zh-Hant book's toc labels use V3's corner brackets as its headings do; landmark labels in the
# book's language; a book's contents page (nav.xhtml) in the spine with its "toc" landmark; a
# tiny cover warned about; --embed-fonts asks Apple Books for the fonts; a paragraph opening
# with U+3000 gets one indent, not two.
BIN=${BIN:-build/cc/bisheng}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
[ -f "$CORPUS/collection.yaml" ] || { echo "no corpus"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$CORPUS" "$tmp/c"
(cd "$tmp/c" && "$BIN" build --only epub collection.yaml) 2> "$tmp/build.err" ||
  { echo "FAIL: bisheng build"; cat "$tmp/build.err"; exit 1; }
grep -q "warning: cover image 'images/seal.png' is only 64x64 pixels" "$tmp/build.err" ||
  { echo "FAIL: no warning for the 64x64 cover"; cat "$tmp/build.err"; exit 1; }
"$BIN" -q "$CORPUS/kongyiji.zh-Hans.md" -o "$tmp/kong.epub" || { echo "FAIL: kongyiji"; exit 1; }
# U+3000 at a paragraph's start and the automatic indent: one indent, never two
"$BIN" -q "$CORPUS/kumo-no-ito.aozora.txt" -o "$tmp/kumo.epub" || { echo "FAIL: kumo"; exit 1; }
printf '題\n\n\343\200\200これは段落です。\n\343\200\200二つ目の段落です。\n' > "$tmp/u3000.txt"
"$BIN" -q --lang ja "$tmp/u3000.txt" -o "$tmp/u3000.epub" || { echo "FAIL: u3000"; exit 1; }
"$BIN" -q --embed-fonts "$CORPUS/seed-article.txt" "$CORPUS/yume-juya.ja.txt" -o "$tmp/fonts.epub" ||
  { echo "FAIL: --embed-fonts"; exit 1; }
python3 - "$tmp" <<'PY'
import re, sys, zipfile
t = sys.argv[1]
bad = []
z = zipfile.ZipFile(t + "/c/out/collection.epub")
nav = z.read("EPUB/nav.xhtml").decode()
ncx = z.read("EPUB/toc.ncx").decode()
opf = z.read("EPUB/content.opf").decode()
# parts nest their chapters: the part's <li> holds an <ol> whose first entry is a chapter
m = re.search(r'<li><a href="text/c0001.xhtml">中文</a>\s*<ol>\s*<li><a href="text/c0002.xhtml">', nav)
if not m:
    bad.append("nav: the first part does not nest its chapters")
if not re.search(r'<text>中文</text>\s*</navLabel>\s*<content src="text/c0001.xhtml"/>\s*<navPoint', ncx):
    bad.append("NCX: the first part does not nest its chapters")
# V3 in the vertical zh-Hant book's labels: the heading shows 「各取所需」, so does the nav
if "「各取所需」" not in nav or "“各取所需”" in nav:
    bad.append("nav: V3 quotes not applied to a vertical zh-Hant label")
ch = z.read("EPUB/text/c0002.xhtml").decode()
if "「各取所需」" not in ch:
    bad.append("chapter: V3 expected in the heading itself")
# landmarks in the book's language (zh-Hant), the contents page in the spine after the title page
for word in ("導覽", "封面", "書名頁", "目錄", "正文"):
    if ">%s<" % word not in nav.split('epub:type="landmarks"')[1]:
        bad.append("landmarks: no '%s'" % word)
if 'epub:type="toc" href="nav.xhtml#toc"' not in nav:
    bad.append("landmarks: no toc landmark")
spine = re.findall(r'<itemref idref="([^"]*)"', opf)
if spine[:4] != ["cover", "titlepage", "nav", "c0001"]:
    bad.append("spine: %r" % spine[:4])
# Markdown footnotes: numbers, not the source's labels (zhihu, hui)
k = zipfile.ZipFile(t + "/kong.epub").read("EPUB/text/c0001.xhtml").decode()
refs = re.findall(r'role="doc-noteref"[^>]*>([^<]*)</a>', k)
if refs[:2] != ["1", "2"] or "zhihu" in k:
    bad.append("footnote marks: %r" % refs[:4])
# a single article keeps the nav out of its spine
o1 = zipfile.ZipFile(t + "/kong.epub").read("EPUB/content.opf").decode()
if 'idref="nav"' in o1:
    bad.append("a single article's spine has the nav")
f = zipfile.ZipFile(t + "/fonts.epub")
try:
    d = f.read("META-INF/com.apple.ibooks.display-options.xml").decode()
    if '<option name="specified-fonts">true</option>' not in d:
        bad.append("display options without specified-fonts")
except KeyError:
    bad.append("--embed-fonts: no com.apple.ibooks.display-options.xml")
if "META-INF/com.apple.ibooks.display-options.xml" in zipfile.ZipFile(t + "/kong.epub").namelist():
    bad.append("display options without --embed-fonts")
# the Aozora text keeps its U+3000 and drops the stylesheet's indent (p.indented); the plain
# text reader drops the U+3000 and keeps the stylesheet's
a = zipfile.ZipFile(t + "/kumo.epub").read("EPUB/text/c0001.xhtml").decode()
if "<p>\u3000" in a or '<p class="indented">\u3000' not in a:
    bad.append("Aozora: a U+3000 paragraph without class indented")
u = zipfile.ZipFile(t + "/u3000.epub").read("EPUB/text/c0001.xhtml").decode()
if "<p>これは段落です。</p>" not in u:
    bad.append("text: the leading U+3000 stays beside the automatic indent")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
