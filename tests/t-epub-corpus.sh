#!/bin/sh
# epubcheck on the EPUB the command line makes of every corpus article the readers can read,
# horizontal and vertical, of a collection of all of them in both directions with and without
# embedded fonts, and of the corpus's collection.yaml (parts, a cover, mixed directions) built
# by `bisheng build`; any error or warning fails, and so does an article that cannot be read
# (it is never left out). t-epub-ace.sh runs DAISY Ace on the books.
BIN=${BIN:-build/cc/bisheng}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=${CORPUS:-../shared/corpus}
. tests/epub-lib.sh
. tests/typeset-lib.sh
epubcheck_cmd || { echo "FAIL: epubcheck not available (make deps installs it)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
arts=$(tt_articles) || exit 1
# shellcheck disable=SC2086
set -- $arts
fail=0
for f in "$@"; do
  n=$(basename "$f")
  "$BIN" -q "$f" -o "$tmp/$n-horizontal.epub" || { echo "FAIL: $n horizontal"; fail=1; }
  "$BIN" -q "$f" --direction vertical -o "$tmp/$n-vertical.epub" || { echo "FAIL: $n vertical"; fail=1; }
done
"$BIN" -q "$@" -o "$tmp/collection-horizontal.epub" || { echo "FAIL: collection"; fail=1; }
"$BIN" -q "$@" --direction vertical -o "$tmp/collection-vertical.epub" || { echo "FAIL: collection vertical"; fail=1; }
"$BIN" -q "$@" --embed-fonts -o "$tmp/collection-fonts.epub" || { echo "FAIL: collection with fonts"; fail=1; }
"$BIN" -q "$@" --direction vertical --embed-fonts -o "$tmp/collection-vertical-fonts.epub" ||
  { echo "FAIL: collection vertical with fonts"; fail=1; }
if [ -f "$CORPUS/collection.yaml" ]; then
  cp -r "$CORPUS" "$tmp/c"
  (cd "$tmp/c" && "$BIN" build -q --only epub collection.yaml) &&
    cp "$tmp/c/out/collection.epub" "$tmp/manifest-collection.epub" ||
    { echo "FAIL: bisheng build collection.yaml"; fail=1; }
fi
[ $fail = 0 ] || exit 1
check_all "$tmp"/*.epub
