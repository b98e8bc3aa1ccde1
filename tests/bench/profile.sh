#!/bin/sh
# Profile one vertical-PDF run of a bench corpus, for the issue note on a missed target:
#   sh tests/bench/profile.sh [BIN] [ARTICLES]    after `make bench`; default 100 articles
#   TOOL=callgrind sh tests/bench/profile.sh build/cc/bisheng 10   inclusive costs by function
# perf gives self time by library (the system libraries have no frame pointers, so its call
# chains stop at them); callgrind gives inclusive costs through them, ~50× slower.
set -eu
BIN=${1:-build/cc/bisheng}
N=${2:-100}
WORK=${WORK:-build/cc/bench}
TOOL=${TOOL:-perf}
dir=$WORK/corpus-$N
[ -d "$dir" ] || { echo "no $dir: run make bench first" >&2; exit 1; }
out=$WORK/out/profile-$N.pdf
set -- "$BIN" -q --direction vertical $(ls "$dir"/0*) -o "$out"
if [ "$TOOL" = perf ] && perf record -q -o "$WORK/perf.data" "$@" 2>/dev/null; then
  echo "== self time by library (perf)"
  perf report -i "$WORK/perf.data" --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -12
  echo "== hottest functions (perf)"
  perf report -i "$WORK/perf.data" --sort dso,symbol --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | head -25
else
  valgrind -q --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "$@"
  echo "== inclusive cost (callgrind, instructions)"
  callgrind_annotate --inclusive=yes "$WORK/callgrind.out" 2>/dev/null |
    grep -E '^ *[0-9,]+ \( *[0-9.]+%\)  [^ ]*:(main|bs_|cairo_|hb_|deflate|pixman_)' |
    sed 's/ \[.*\]$//' | awk '!seen[$0]++' | head -30
fi
echo "pages: $(pdfinfo "$out" | sed -n 's/^Pages: *//p')"
