#!/bin/sh
# The EPUB writer through the command line: structure of the XHTML, package and CSS,
# horizontal and vertical; reproducible builds; -o -; options; bad images.
BIN=${BIN:-build/cc/bisheng}
CORPUS=${CORPUS:-../shared/corpus}
seed="$CORPUS/seed-article.txt"
tao="$CORPUS/taoyuanming.zh-Hant.txt"
"$BIN" dump "$seed" > /dev/null || { echo "FAIL: the text reader cannot read $seed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }
has() { unzip -p "$1" "$2" | grep -q -- "$3" || fail "$1 $2 lacks $3"; }
hasnt() { unzip -p "$1" "$2" | grep -q -- "$3" && fail "$1 $2 has $3"; }
export SOURCE_DATE_EPOCH=1700000000

h="$tmp/h.epub" v="$tmp/v.epub"
"$BIN" -q "$seed" -o "$h" || fail "horizontal build"
"$BIN" -q "$seed" --direction vertical -o "$v" || fail "vertical build"

# container: mimetype first and stored
[ "$(unzip -Z1 "$h" | head -1)" = mimetype ] || fail "mimetype is not first"
unzip -Zv "$h" mimetype | grep -q 'compression method:.*none (stored)' || fail "mimetype is compressed"
for f in $(unzip -Z1 "$v" | grep -E '\.(xhtml|opf|ncx|xml)$'); do
  unzip -p "$v" "$f" | xmllint --noout - || fail "$f is not well-formed"
done

# package document
has "$h" EPUB/content.opf '<dc:identifier id="bookid">urn:uuid:'
has "$h" EPUB/content.opf '<dc:title id="title">美俄峯會後俄烏戰爭及歐洲安全走向</dc:title>'
has "$h" EPUB/content.opf '<dc:creator id="creator1">徐秉君</dc:creator>'
has "$h" EPUB/content.opf '<dc:language>zh-Hant</dc:language>'
has "$h" EPUB/content.opf '<meta property="dcterms:modified">2023-11-14T22:13:20Z</meta>'
has "$h" EPUB/content.opf '<dc:source>風聞</dc:source>'
hasnt "$h" EPUB/content.opf 'page-progression-direction'
has "$v" EPUB/content.opf '<spine toc="ncx" page-progression-direction="rtl">'
has "$h" EPUB/nav.xhtml 'epub:type="toc"'
has "$h" EPUB/nav.xhtml 'epub:type="landmarks"'
has "$h" EPUB/nav.xhtml '<a href="text/c0001.xhtml#h1">一、高規格峯會與背後的失落</a>'
has "$h" EPUB/toc.ncx '<navPoint id="np2" playOrder="2">'

# chapter XHTML
has "$h" EPUB/text/c0001.xhtml 'lang="zh-Hant" xml:lang="zh-Hant"'
has "$h" EPUB/text/c0001.xhtml '<h1 class="title" id="title">'
has "$h" EPUB/text/c0001.xhtml '<p class="author">徐秉君</p>'
has "$h" EPUB/text/c0001.xhtml '“老朋友式”'
has "$h" EPUB/text/c0001.xhtml '<span class="credit">'
hasnt "$h" EPUB/text/c0001.xhtml 'class="tcy"'
# vertical: V3 corner brackets, L1 runs, the vertical stylesheet
has "$v" EPUB/text/c0001.xhtml '「老朋友式」'
hasnt "$v" EPUB/text/c0001.xhtml '“'
has "$v" EPUB/text/c0001.xhtml '<span class="upright">2025</span>年<span class="tcy">8</span>月<span class="tcy">15</span>日'
# the nav page of a vertical book is vertical too; a horizontal book's is not
has "$v" EPUB/nav.xhtml '<link rel="stylesheet" type="text/css" href="css/vertical.css"/>'
hasnt "$h" EPUB/nav.xhtml 'vertical.css'
has "$v" EPUB/text/c0001.xhtml 'href="../css/vertical.css"'
has "$v" EPUB/css/vertical.css 'writing-mode: vertical-rl'
has "$v" EPUB/css/vertical.css '-epub-writing-mode: vertical-rl'
has "$v" EPUB/css/vertical.css 'text-combine-upright: all'
has "$v" EPUB/css/base.css 'text-indent: 2em'
has "$v" EPUB/css/base.css 'p:lang(ja) { text-indent: 1em; }'

# reproducible: same bytes twice, whatever the time zone; stdout gives the same bytes
TZ=UTC "$BIN" -q "$seed" "$tao" --direction vertical -o "$tmp/r1.epub"
sleep 1
TZ=Asia/Tokyo "$BIN" -q "$seed" "$tao" --direction vertical -o "$tmp/r2.epub"
cmp "$tmp/r1.epub" "$tmp/r2.epub" || fail "two builds differ"
"$BIN" -q "$seed" "$tao" --direction vertical -t epub -o - > "$tmp/r3.epub" || fail "-o -"
cmp "$tmp/r1.epub" "$tmp/r3.epub" || fail "-o - differs"

# collections: a title page, one chapter each, nav grouped by chapter
has "$tmp/r1.epub" EPUB/content.opf '<itemref idref="titlepage"/>'
has "$tmp/r1.epub" EPUB/content.opf '<itemref idref="c0002"/>'
has "$tmp/r1.epub" EPUB/nav.xhtml '<a href="text/c0002.xhtml">'

# 1,000 articles make one book of 1,000 chapters
mkdir "$tmp/many"
i=1
while [ $i -le 1000 ]; do
  printf '第%d篇\n\n作者：某甲\n\n正文第%d篇，共12段。\n' $i $i > "$tmp/many/a$(printf %04d $i).txt"
  i=$((i + 1))
done
"$BIN" -q "$tmp"/many/*.txt --direction vertical -o "$tmp/many.epub" || fail "1,000 articles"
unzip -tq "$tmp/many.epub" > /dev/null || fail "1,000 articles: bad zip"
[ "$(unzip -Z1 "$tmp/many.epub" | grep -c '^EPUB/text/c[0-9]*\.xhtml$')" = 1000 ] || fail "1,000 chapters"
[ "$(unzip -p "$tmp/many.epub" EPUB/nav.xhtml | grep -c '<a href="text/c[0-9]*.xhtml">')" = 1000 ] ||
  fail "1,000 nav entries"
has "$tmp/many.epub" EPUB/text/c1000.xhtml '第1000篇'
rm -rf "$tmp/many" "$tmp/many.epub"

# options: --title --author --lang --css --cover
printf 'p { color: black; }\n' > "$tmp/user.css"
"$BIN" -q "$seed" --title 'Another Title' --author 'A. Author' --author '第二作者' --css "$tmp/user.css" \
  --cover "$CORPUS/images/seal.png" -o "$tmp/o.epub" || fail "options build"
has "$tmp/o.epub" EPUB/content.opf '<dc:title id="title">Another Title</dc:title>'
has "$tmp/o.epub" EPUB/content.opf '<dc:creator id="creator2">第二作者</dc:creator>'
has "$tmp/o.epub" EPUB/content.opf 'properties="cover-image"'
has "$tmp/o.epub" EPUB/content.opf '<itemref idref="cover"/>'
has "$tmp/o.epub" EPUB/css/user.css 'color: black'
unzip -p "$tmp/o.epub" EPUB/text/c0001.xhtml | tr -d '\n' | grep -q 'base.css.*horizontal.css.*user.css' ||
  fail "user.css does not come after ours"
unzip -p "$tmp/o.epub" EPUB/images/img0001.png | cmp - "$CORPUS/images/seal.png" || fail "cover bytes"

# bad images: exit 1, one line naming the file, nothing left behind
mkdir "$tmp/bad"
"$BIN" -q "$seed" --cover "$tmp/missing.png" -o "$tmp/bad/x.epub" 2> "$tmp/err"
[ $? = 1 ] || fail "missing cover: exit status"
[ "$(wc -l < "$tmp/err")" = 1 ] || fail "missing cover: not one line"
grep -q 'missing.png' "$tmp/err" || fail "missing cover: file not named"
[ -z "$(ls -A "$tmp/bad")" ] || fail "missing cover: output or temporary left"
"$BIN" -q "$seed" --cover "$tmp/missing.png" --keep-going -o "$tmp/bad/x.epub" 2> "$tmp/err" ||
  fail "--keep-going with a missing cover"
rm -f "$tmp/bad/x.epub"
# a figure in Markdown, once the Markdown reader reads it
printf -- '# T\n\ntext\n\n![cap](no-such.png)\n' > "$tmp/fig.md"
if "$BIN" dump "$tmp/fig.md" > /dev/null 2>&1; then
  "$BIN" "$tmp/fig.md" -o "$tmp/bad/fig.epub" 2> "$tmp/err"
  [ $? = 1 ] || fail "missing figure: exit status"
  [ "$(wc -l < "$tmp/err")" = 1 ] || fail "missing figure: not one line"
  grep -q 'fig.md:5' "$tmp/err" || fail "missing figure: no file:line"
  [ -z "$(ls -A "$tmp/bad")" ] || fail "missing figure: output left"
else
  echo "skipped: Markdown figures (no Markdown reader yet)"
fi
# a vertical book whose chapters are all horizontal (English, as a volume of a vertical book
# may be): its title page and nav are vertical, so vertical.css is packed; every stylesheet a
# page links is in the container (epubcheck's RSC-007 found it missing once every EPUB the tests
# built was checked)
"$BIN" -q "$CORPUS/bisheng.en.md" "$CORPUS/bisheng.en.md" --direction vertical -o "$tmp/ev.epub" ||
  fail "vertical book of horizontal chapters"
python3 - "$tmp/ev.epub" <<'PY' || fail "vertical book of horizontal chapters: a linked stylesheet is missing"
import posixpath, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = set(z.namelist())
bad = []
for n in names:
    if n.endswith(".xhtml"):
        for href in re.findall(r'<link rel="stylesheet" type="text/css" href="([^"]+)"', z.read(n).decode()):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(n), href))
            if target not in names:
                bad.append("%s links %s" % (n, target))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
has "$tmp/ev.epub" EPUB/text/titlepage.xhtml 'vertical.css'
exit $status
