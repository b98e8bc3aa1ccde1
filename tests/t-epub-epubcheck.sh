#!/bin/sh
# epubcheck on EPUBs built in C with what the corpus does not exercise: every node type,
# horizontal and vertical, and a mixed-direction book with embedded fonts (test_epub
# --fixtures); fails on any error or warning. t-epub-corpus.sh checks the corpus itself.
BUILD=${BUILD:-build/cc}
. tests/epub-lib.sh
epubcheck_cmd || { echo "epubcheck not available"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$BUILD/tests/test_epub" --fixtures "$dir" || { echo "writing the fixtures failed"; exit 1; }
n=$(ls "$dir"/*.epub | wc -l)
[ "$n" -ge 3 ] || { echo "only $n fixtures"; exit 1; }
check_all "$dir"/*.epub
