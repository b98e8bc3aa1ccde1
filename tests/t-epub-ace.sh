#!/bin/sh
# DAISY Ace (accessibility) on the corpus books: every corpus article the readers can read as
# chapters of one collection, horizontal and vertical, with and without embedded fonts; the
# corpus's collection.yaml built by `bisheng build` (parts, a cover, mixed directions); a
# single article in each direction; and the writer's fixtures with every node type
# (test_epub --fixtures). Any violation, of any impact, fails. One Chromium checks them all
# (tests/ace-check.js): Ace's own command would start one per book.
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
ace_all "$tmp"/*.epub "$tmp"/fixtures/*.epub
