#!/bin/sh
# epubcheck on the EPUB of every corpus article, horizontal and vertical, a collection of all
# of them and a rich article with every node type; fails on any error or warning.
# The fixtures come from test_epub --fixtures (a line reader stands in until the readers land);
# t-epub-corpus.sh does the same through the command line for inputs the readers can read.
BUILD=${BUILD:-build/cc}
. tests/epub-lib.sh
epubcheck_cmd || { echo "epubcheck not available"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$BUILD/tests/test_epub" --fixtures "$dir" || { echo "writing the fixtures failed"; exit 1; }
n=$(ls "$dir"/*.epub | wc -l)
[ "$n" -ge 20 ] || { echo "only $n fixtures"; exit 1; }
check_all "$dir"/*.epub
