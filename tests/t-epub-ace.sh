#!/bin/sh
# DAISY Ace (accessibility) and epubcheck on every EPUB the tests build. tests/run-tests.sh
# runs this test last, with $BS_CHECK_EPUBS holding a copy of each EPUB the other tests built
# (tests/shim/keep-epub.c): all of them are checked here, once per distinct file. Its own books
# come on top (and alone when the test is run by hand): every corpus article the readers can
# read as chapters of one collection, horizontal and vertical, with and without embedded fonts;
# the corpus's collection.yaml built by `bisheng build` (parts, a cover, mixed directions); a
# single article in each direction; and the writer's fixtures with every node type
# (test_epub --fixtures). Any Ace violation, of any impact, and any epubcheck error or warning
# fails; so does a control book whose planted violations Ace does not find. One Chromium checks
# them all (tests/ace-check.js): Ace's own command would start one per book. A book found clean
# before (by another compiler's make check, say) is not checked twice: see build/epub-checked.
BUILD=${BUILD:-build/cc}
BIN=${BIN:-$BUILD/bisheng}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=${CORPUS:-../shared/corpus}
. tests/epub-lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
set --
for f in "$CORPUS"/*.txt "$CORPUS"/*.md "$CORPUS"/*.html; do
  [ -f "$f" ] && "$BIN" dump "$f" > /dev/null 2>&1 && set -- "$@" "$f"
done
[ $# -gt 0 ] || { echo "no corpus article is readable yet"; exit 77; }
fail=0
"$BIN" -q "$@" -o "$tmp/collection.epub" || fail=1
"$BIN" -q "$@" --direction vertical -o "$tmp/collection-vertical.epub" || fail=1
"$BIN" -q "$@" --embed-fonts -o "$tmp/collection-fonts.epub" || fail=1
"$BIN" -q "$@" --direction vertical --embed-fonts -o "$tmp/collection-vertical-fonts.epub" || fail=1
"$BIN" -q "$CORPUS/seed-article.txt" -o "$tmp/seed.epub" || fail=1
"$BIN" -q "$CORPUS/kumo-no-ito.aozora.txt" --direction vertical -o "$tmp/kumo-vertical.epub" || fail=1
if [ -f "$CORPUS/collection.yaml" ]; then
  cp -r "$CORPUS" "$tmp/c"
  (cd "$tmp/c" && "$BIN" build -q --only epub collection.yaml) &&
    cp "$tmp/c/out/collection.epub" "$tmp/manifest-collection.epub" || fail=1
fi
mkdir "$tmp/fixtures"
"$BUILD/tests/test_epub" --fixtures "$tmp/fixtures" || fail=1
[ $fail = 0 ] || { echo "FAIL: building the books"; exit 1; }
set -- "$tmp"/*.epub "$tmp"/fixtures/*.epub
# the other tests' books, each distinct file once, named TEST--FILE in the reports
if [ -n "$BS_CHECK_EPUBS" ]; then
  mkdir "$tmp/kept"
  kept=0
  for f in "$BS_CHECK_EPUBS"/*/*.epub; do
    [ -f "$f" ] || continue
    kept=$((kept + 1))
    sum=$(sha256sum "$f" | cut -c1-64)
    [ -e "$tmp/kept/$sum" ] && continue
    test=$(basename "$(dirname "$f")")
    echo "$test--$(basename "$f" | sed 's/^[0-9]*-[0-9]*-//')" > "$tmp/kept/$sum"
    ln -s "$f" "$tmp/kept/$(cat "$tmp/kept/$sum" | sed "s/\.epub\$/-$kept.epub/")"
  done
  # the preloaded copy works: these tests always build EPUBs
  for t in test_epub t-epub-corpus t-build-outputs t-cli-pandoc; do
    ls "$BS_CHECK_EPUBS/$t"/*.epub > /dev/null 2>&1 ||
      { echo "FAIL: no EPUB of $t was kept in $BS_CHECK_EPUBS"; exit 1; }
  done
  set -- "$@" "$tmp"/kept/*.epub
  echo "$kept EPUBs built by the other tests, $(ls "$tmp"/kept/*.epub | wc -l) distinct"
fi
epubcheck_cmd || { echo "FAIL: epubcheck is not installed"; exit 1; }
# a control: the seed book with its access mode, one chapter's role and an image's alt taken
# away must give exactly these three violations, so a checker that sees nothing fails here
python3 - "$tmp/seed.epub" "$tmp/control.epub" <<'PY' || exit 1
import re, sys, zipfile
src, out = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], "w")
for i in src.infolist():
    d = src.read(i.filename)
    if i.filename == "EPUB/text/c0001.xhtml":
        d = d.replace(b' role="doc-chapter"', b"", 1)
        d = d.replace(b"</section>", b'<img src="x.png"/></section>', 1)
    if i.filename == "EPUB/content.opf":
        d = re.sub(rb'<meta property="schema:accessMode">[^<]*</meta>', b"", d)
    out.writestr(i, d, zipfile.ZIP_STORED if i.filename == "mimetype" else zipfile.ZIP_DEFLATED)
out.close()
PY
ace_all "$tmp/control.epub" > "$tmp/control.txt"
[ $? = 1 ] && [ "$(sed 's/ in .*//' "$tmp/control.txt" | sort | tr '\n' '|')" = \
  "ace: control.epub: epub-type-has-matching-role (moderate)|ace: control.epub: image-alt (critical)|ace: control.epub: metadata-accessmode (serious)|" ] ||
  { echo "FAIL: Ace did not find the control book's three violations:"; cat "$tmp/control.txt"; exit 1; }
# Books already found clean are not checked again: .ci/run builds the same books with gcc, clang
# and the sanitizers, and Ace and epubcheck take most of each make check. A book is known by
# its entries' names and bytes with dcterms:modified taken out (the only part that changes from
# one build to the next), together with the checkers' versions and this test's criteria; the
# record is kept in build/epub-checked (shared by every BUILD) only when the whole run passed.
done_dir=${BS_EPUB_CHECKED:-build/epub-checked}
mkdir -p "$done_dir"
ver=$( { cat tests/ace-check.js tests/epub-lib.sh tests/ace/package-lock.json; $EPUBCHECK --version 2>&1 | grep EPUBCheck; } | sha256sum | cut -c1-16)
python3 - "$ver" "$@" > "$tmp/keys" <<'PY' || { echo "FAIL: reading the books"; exit 1; }
import hashlib, re, sys, zipfile
for f in sys.argv[2:]:
    h = hashlib.sha256(sys.argv[1].encode())
    with zipfile.ZipFile(f) as z:
        for i in z.infolist():
            d = z.read(i.filename)
            if i.filename.endswith(".opf"):
                d = re.sub(rb'<meta property="dcterms:modified">[^<]*</meta>', b"", d)
            h.update(b"%d:%s%d:" % (len(i.filename), i.filename.encode(), len(d)) + d)
    print(h.hexdigest(), f)
PY
total=$#
set --
while read -r key f; do
  [ -e "$done_dir/$key" ] || set -- "$@" "$f"
done < "$tmp/keys"
echo "$total books; $((total - $#)) of them already found clean in $done_dir"
if [ $# -gt 0 ]; then
  ace_all "$@" || fail=1
  check_all "$@" || fail=1
fi
[ $fail = 0 ] || exit 1
cut -d' ' -f1 "$tmp/keys" | while read -r key; do : > "$done_dir/$key"; done
echo "checked $# EPUBs"
