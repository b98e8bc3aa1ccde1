#!/bin/sh
# L1 with --vnum sideways: 4+ digit numbers are rotated instead of upright digit by digit.
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
f=$CORPUS/seed-article.txt
printf '題\n2025年8月15日，B-2與F-22飛過，GDP成長3.0%%，iPhone。\n' > "$tmp/in.txt"
[ -x "$DRIVER" ] || { echo "FAIL: no $DRIVER (make tests-build)"; exit 1; }
"$DRIVER" --layout "$tmp/in.txt" --vertical --vnum-sideways > "$tmp/d.json" || exit 1
python3 tests/typeset_check.py "$tmp/d.json" "$tmp/in.txt" --vnum-sideways || exit 1
grep -q '"c": "2", "gid": [0-9]*, [^}]*"o": "sideways"' "$tmp/d.json" || { echo "2025 not sideways"; exit 1; }
"$DRIVER" --layout "$tmp/in.txt" --vertical > "$tmp/u.json" || exit 1
python3 tests/typeset_check.py "$tmp/u.json" "$tmp/in.txt" || exit 1
# the checker must notice when the dump does not follow the option it is told about
if python3 tests/typeset_check.py "$tmp/u.json" "$tmp/in.txt" --vnum-sideways > /dev/null; then
  echo "checker accepted upright years under --vnum-sideways"; exit 1
fi
exit 0
