#!/bin/sh
# Memory bounded by the chapter, not the book (#18): `bisheng build --only epub` reads each
# article when the EPUB writer asks for it and frees it when the page is made (the PDF: below). The peak RSS of
# a 400-article book may exceed a 100-article one's by the little a chapter leaves behind
# (its contents lines, manifest entry, zip directory entry: a few kB), not by the articles'
# trees (~55 kB each, which made the 400-article book 17 MB larger when the whole book was
# read first). Memory is asserted, time is not (make bench's scale row measures both).
# The streamed EPUB is also byte for byte the one made from the whole tree (--keep-going
# reads the articles up front), and a bad article still stops it with its own file and line.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "$CORPUS" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export SOURCE_DATE_EPOCH=1700000000
cp -r "$CORPUS" corpus
# a book of N articles, the corpus's in rotation (images beside them)
book() {
  n=$1
  {
    echo "title: 記憶"
    echo "lang: zh-Hant"
    echo "articles:"
    i=0
    for f in seed-article.txt yume-juya.ja.txt kongyiji.zh-Hans.md yume-juya-4.ja.html \
             taoyuanming.zh-Hant.txt bisheng.en.md kumo-no-ito.aozora.txt shishuo.zh-Hant.html \
             yume-juya-5.ja.md ah-q.zh-Hans.txt; do
      [ -f "corpus/$f" ] || { echo "missing corpus/$f" >&2; exit 1; }
    done
    while [ $i -lt "$n" ]; do
      for f in seed-article.txt yume-juya.ja.txt kongyiji.zh-Hans.md yume-juya-4.ja.html \
               taoyuanming.zh-Hant.txt bisheng.en.md kumo-no-ito.aozora.txt \
               shishuo.zh-Hant.html yume-juya-5.ja.md ah-q.zh-Hans.txt; do
        [ $i -lt "$n" ] && echo "  - $f"
        i=$((i + 1))
      done
    done
    echo "outputs:"
    echo "  - {name: epub, file: out/book-$n.epub}"
    echo "  - {name: print, file: out/book-$n.pdf, direction: vertical}"
  } > "corpus/book-$n.yaml"
}
book 10
book 100
book 400

# peak RSS in kB of one build (wait4's rusage of that child alone); the shim that keeps this
# run's EPUBs for t-epub-ace is left out of the measured runs, and under the address sanitizer
# freed memory is not held in quarantine (it would count every article ever read)
peak() {
  env -u LD_PRELOAD -u BS_KEEP_EPUBS \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:verify_asan_link_order=0" \
    python3 - "$BIN" "$@" <<'EOF'
import os, sys
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1); os.dup2(fd, 2)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
print(ru.ru_maxrss if os.waitstatus_to_exitcode(status) == 0 else -1)
EOF
}
# the peaks of output $1 of the 100- and 400-article books, streamed, then read whole first
# (--keep-going reads up front), for scale: four numbers, each > 0 unless its build failed
peaks() {
  for k in "" --keep-going; do
    for n in 100 400; do
      peak build corpus/book-$n.yaml --only "$1" --force -q -j 1 $k
    done
  done
}
positive() { for v in "$@"; do [ "$v" -gt 0 ] || return 1; done; }
# Peaks $1 $2 streamed (100, 400 articles) and $3 $4 whole book first: the streamed growth g
# is under $5 kB and a quarter of the whole book's t. The address sanitizer's allocator keeps
# more of what was freed (a third of the trees' growth, measured): there g is asserted against
# half of t only.
grows_less() {
  g=$(($2 - $1)) t=$(($4 - $3))
  if [ "${SANITIZE:-}" = 1 ]; then
    [ $((g * 2)) -lt "$t" ]
  else
    [ "$g" -lt "$5" ] && [ $((g * 4)) -lt "$t" ]
  fi
}
set -- $(peaks epub)
p100=$1 p400=$2 t100=$3 t400=$4
echo "peak RSS, streamed: 100 articles ${p100} kB, 400 articles ${p400} kB;" \
  "whole book first: ${t100} kB, ${t400} kB"
positive "$@" || fail "a build failed"
# 300 more articles: their trees add ~17 MB; what a chapter leaves behind, well under 1 MB.
grows_less "$@" 6144 ||
  fail "400 articles peak ${g} kB above 100, reading the whole book first ${t} kB (memory grows with the book)"
n=$(unzip -l corpus/out/book-400.epub | grep -c 'EPUB/text/c[0-9]*\.xhtml')
[ "$n" = 400 ] || fail "book-400.epub has $n chapters, not 400"

# the streamed EPUB is the one made from the whole tree (both left out of t-epub-ace's
# books, which gets the 10-article one below: Ace renders every chapter)
nokeep() { env -u LD_PRELOAD -u BS_KEEP_EPUBS "$@"; }
nokeep "$BIN" build corpus/book-100.yaml --only epub --force -q -j 1 || fail "streamed build"
cp corpus/out/book-100.epub streamed.epub
nokeep "$BIN" build corpus/book-100.yaml --only epub --force -q -j 1 --keep-going ||
  fail "tree build"
cmp -s streamed.epub corpus/out/book-100.epub || fail "streamed EPUB differs from the tree's"
"$BIN" build corpus/book-10.yaml --only epub --force -q -j 1 || fail "10-article build"

# a bad article stops the streamed EPUB with its own file and line, and no output
printf 'T\n\nok\n\000\n' > corpus/bad.txt
sed 's/^articles:/articles:\n  - bad.txt/' corpus/book-10.yaml | sed 's/book-10/bad/' > corpus/bad.yaml
out=$("$BIN" build corpus/bad.yaml --only epub -q -j 1 2>&1)
rc=$?
[ $rc = 1 ] || fail "bad article: exit $rc, not 1"
[ "$out" = "bisheng: corpus/bad.txt:4:1: NUL byte at byte offset 6: this looks like a binary file (article at corpus/bad.yaml:4)" ] ||
  fail "bad article: got '$out'"
[ ! -e corpus/out/bad.epub ] || fail "bad.epub written"
ls corpus/out | grep -q 'new-' && fail "a temporary left in out/"

# the change record of a streamed EPUB lists the images its articles show: an image changed
# (no article changed) rebuilds it; nothing changed leaves it alone
"$BIN" build corpus/book-10.yaml --only epub -j 1 2>&1 | grep -q 'epub: unchanged out/book-10.epub' ||
  fail "an unchanged streamed EPUB was rebuilt"
grep -q '^corpus/images/seal.png$\|/images/seal.png$' corpus/out/.book-10.epub.bisheng ||
  fail "the change record does not list images/seal.png: $(cat corpus/out/.book-10.epub.bisheng)"
printf 'x' >> corpus/images/seal.png
"$BIN" build corpus/book-10.yaml --only epub -j 1 2>&1 | grep -q 'epub: written out/book-10.epub' ||
  fail "a changed image did not rebuild the EPUB"

# The vertical PDF likewise: its chapters are read twice (a plan of the book: its contents
# entries, characters, directions; then each laid out, drawn and freed), so 300 more articles
# do not add their trees (~17 MB), nor the contents' laid-out lines (~4 MB), nor Cairo's
# records of the structure tree (~6 MB; ours are a tenth of that): what grows is what Cairo
# keeps of its pages to the end and our structure records, a few kB an article (2 MB for the
# 300). Asserted alone and against the whole book read first, whose growth holds the trees
# too (17 MB).
set -- $(peaks print)
q100=$1 q400=$2 w100=$3 w400=$4
echo "vertical PDF peak RSS, streamed: 100 articles ${q100} kB, 400 articles ${q400} kB;" \
  "whole book first: ${w100} kB, ${w400} kB"
positive "$@" || fail "a PDF build failed"
grows_less "$@" 8192 ||
  fail "PDF: 400 articles peak ${g} kB above 100, reading the whole book first ${t} kB (memory grows with the book)"
# the streamed PDF is the one made from the whole tree, with -j 1 and -j 2
for j in 1 2; do
  nokeep "$BIN" build corpus/book-100.yaml --only print --force -q -j $j --keep-going ||
    fail "PDF tree -j $j"
  cp corpus/out/book-100.pdf "tree-$j.pdf"
  nokeep "$BIN" build corpus/book-100.yaml --only print --force -q -j $j || fail "PDF -j $j"
  cmp -s "tree-$j.pdf" corpus/out/book-100.pdf || fail "streamed PDF differs from the tree's (-j $j)"
done
cmp -s tree-1.pdf tree-2.pdf || fail "PDF differs between -j 1 and -j 2"
# a bad article stops the streamed PDF with its own file and line, and no output
out=$("$BIN" build corpus/bad.yaml --only print -q -j 2 2>&1)
rc=$?
[ $rc = 1 ] || fail "bad article, PDF: exit $rc, not 1"
[ "$out" = "bisheng: corpus/bad.txt:4:1: NUL byte at byte offset 6: this looks like a binary file (article at corpus/bad.yaml:4)" ] ||
  fail "bad article, PDF: got '$out'"
[ ! -e corpus/out/bad.pdf ] || fail "bad.pdf written"

[ $fails = 0 ] && echo "memory bounded by the chapter: ok"
exit $((fails > 0))
