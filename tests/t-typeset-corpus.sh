#!/bin/sh
# Issue #4: typography rules over every corpus article (one that cannot be read fails), both directions,
# checked on the layout dump by tests/typeset_check.py: K1/K2 kinsoku, K8 full lines fill the
# measure (0.01 pt), G1 grid, V2 vertical forms = HarfBuzz TTB gids, V3, L1/L6, S1, P1, and
# every source character presented in order.
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
arts=$(tt_articles) || exit 1
n=0 bad=0
for f in $arts; do
  flag=$(tt_source "$f" "$tmp/src")
  for d in horizontal vertical; do
    tt_layout "$f" $d "$tmp/d.json" || { echo "FAIL layout $f $d"; bad=1; continue; }
    if python3 tests/typeset_check.py "$tmp/d.json" "$tmp/src" $flag > "$tmp/out"; then
      echo "ok $(basename "$f") $d: $(tail -n 1 "$tmp/out")"
    else
      echo "FAIL $(basename "$f") $d:"; cat "$tmp/out"; bad=1
    fi
    n=$((n + 1))
  done
done
exit $bad
