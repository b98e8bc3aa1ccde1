#!/bin/sh
# Issue #20, security: SVG images are sanitized before they are packed. A hostile SVG (a
# script, event handlers, javascript: and remote links, an external entity, @import, a remote
# stylesheet, an iframe in a foreignObject) gives one warning; what is packed has none of it,
# the book declares no `scripted` or `remote-resources` property and passes epubcheck with no
# error or warning. A clean SVG is packed without a warning and keeps its drawing.
set -u
BUILD=${BUILD:-build/cc}
. tests/epub-lib.sh
epubcheck_cmd || { echo "epubcheck not available"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }
in=tests/bad/svg-evil.md
"$BIN" "$in" -o "$tmp/evil.epub" 2> "$tmp/err" || fail "the hostile SVG's book was not built"
want="$in:5: warning: image 'images/evil.svg': 14 scripts, event handlers or references out of the file removed"
[ "$(cat "$tmp/err")" = "$want" ] || { fail "stderr"; echo " got:  $(cat "$tmp/err")"; echo " want: $want"; }
unzip -p "$tmp/evil.epub" EPUB/images/img0001.svg > "$tmp/evil.svg" || fail "no SVG packed"
for bad in '<script' 'onload' 'onclick' 'javascript' 'http://example' 'other.png' 'ENTITY' \
           'DOCTYPE' 'xml-stylesheet' '@import' 'iframe' 'hostname' '<a '; do
  grep -qi "$bad" "$tmp/evil.svg" && fail "the packed SVG still has '$bad'"
done
# what is safe stays: the gradient and its use, the text, the XHTML paragraph
for good in 'fill="url(#g)"' 'xlink:href="#r"' 'click' '<p>hi</p>'; do
  grep -qF "$good" "$tmp/evil.svg" || fail "the packed SVG lost '$good'"
done
unzip -p "$tmp/evil.epub" EPUB/content.opf > "$tmp/opf" || fail "no content.opf"
grep -q "image/svg+xml" "$tmp/opf" || fail "the SVG is not in the manifest"
grep -Eq "scripted|remote-resources" "$tmp/opf" &&
  fail "the package declares scripted or remote-resources"
# a clean SVG: no warning, its drawing packed
printf '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect id="b" width="40" height="20" fill="#c00"/><text x="2" y="14">圖</text></svg>\n' > "$tmp/clean.svg"
printf '# 圖\n\n正文。\n\n![乾淨的圖](clean.svg)\n' > "$tmp/clean.md"
"$BIN" "$tmp/clean.md" -o "$tmp/clean.epub" 2> "$tmp/err" || fail "the clean SVG's book was not built"
[ -s "$tmp/err" ] && fail "a clean SVG warned: $(cat "$tmp/err")"
unzip -p "$tmp/clean.epub" EPUB/images/img0001.svg | grep -q '<rect id="b" width="40" height="20" fill="#c00"/>' ||
  fail "the clean SVG's drawing was not packed"
check_all "$tmp/evil.epub" "$tmp/clean.epub" || status=1
exit $status
