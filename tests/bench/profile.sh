#!/bin/sh
# Profile one vertical-PDF run of a bench corpus, for the issue note on a missed target:
#   sh tests/bench/profile.sh [BIN] [ARTICLES]      (after `make bench`; default 100 articles)
# Uses perf when the kernel lets it sample, else callgrind. Prints time by library and the
# hottest functions.
set -eu
BIN=${1:-build/cc/bisheng}
N=${2:-100}
WORK=${WORK:-build/cc/bench}
dir=$WORK/corpus-$N
[ -d "$dir" ] || { echo "no $dir: run make bench first" >&2; exit 1; }
out=$WORK/out/profile-$N.pdf
set -- "$BIN" -q --direction vertical $(ls "$dir"/0*) -o "$out"
if perf record -q -o "$WORK/perf.data" -g "$@" 2>/dev/null; then
  echo "== time by library (perf, self time)"
  perf report -i "$WORK/perf.data" --no-children --sort dso --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | head -12
  echo "== hottest functions"
  perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
    grep -E '^ +[0-9]' | head -25
  echo "== inclusive time in bisheng's own functions"
  perf report -i "$WORK/perf.data" --children --sort symbol --stdio -g none --dsos bisheng \
    2>/dev/null | grep -E '^ +[0-9]' | head -20
else
  valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "$@"
  callgrind_annotate --inclusive=yes "$WORK/callgrind.out" | head -40
fi
echo "pages: $(pdfinfo "$out" | sed -n 's/^Pages: *//p')"
