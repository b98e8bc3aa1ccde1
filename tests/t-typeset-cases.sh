#!/bin/sh
# The minimal rule corpus of cjk-typography.md §12.5 (tests/typeset-cases.txt), both
# directions, at every line length from 8 to 30 characters, so that each case meets a line
# end somewhere: K1/K2, K3, K8, K9, G1, V2/V3, L1, S1, P1 must hold in every layout.
. tests/typeset-lib.sh
[ -x "$DRIVER" ] || { echo "FAIL: no $DRIVER (make tests-build)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bad=0
for d in horizontal vertical; do
  for c in $(seq 8 30); do
    if [ $d = vertical ]; then "$DRIVER" --layout tests/typeset-cases.txt --vertical --grid ${c}x12 > "$tmp/d.json"
    else "$DRIVER" --layout tests/typeset-cases.txt --grid ${c}x12 > "$tmp/d.json"; fi || { echo "layout failed $d $c"; bad=1; continue; }
    python3 tests/typeset_check.py "$tmp/d.json" tests/typeset-cases.txt > "$tmp/out" || { echo "FAIL $d ${c} chars:"; cat "$tmp/out"; bad=1; }
  done
done
exit $bad
