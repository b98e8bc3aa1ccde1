# make bench's harness (tests/bench/): the floor program shapes in both directions and deflates,
# the corpus generator is deterministic and copies the sources byte for byte, and a smallest-size
# run prints the tables. No time is asserted.
set -u
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null || exit 77
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
PKG="harfbuzz fontconfig zlib"
cc -std=c11 -O2 -Wall -Wextra -Werror -Wmissing-prototypes $(pkg-config --cflags $PKG) \
  tests/bench/floor.c -o "$tmp/floor" $(pkg-config --libs $PKG) || fail "floor does not build"

printf 'zh-Hant\t「桃花源記」，晉太元中。\nja\t蜘蛛の糸——御釈迦様は\n' > "$tmp/t.txt"
h=$("$tmp/floor" h "$tmp/t.txt") || fail "floor h"
v=$("$tmp/floor" v "$tmp/t.txt") || fail "floor v"
z=$("$tmp/floor" z "$tmp/t.txt") || fail "floor z"
# one glyph per character (the two dashes may join), the same count in both directions
case $h in "glyphs 2"[123]" bytes 82 "*) ;; *) fail "floor h shaped: $h" ;; esac
[ "$v" = "$h" ] || fail "floor v shaped: $v"
case $z in "glyphs 0 bytes "*" deflated "[1-9]*) ;; *) fail "floor z: $z" ;; esac
"$tmp/floor" x "$tmp/t.txt" 2>/dev/null; [ $? = 2 ] || fail "floor accepts a bad mode"

run() {
  python3 tests/bench/bench.py --bin "$BIN" --floor "$tmp/floor" --corpus "$CORPUS" \
    --work "$tmp/w" --results "$tmp/R.md" --no-peers --budget 120 --sizes 1,10 --tasks dump --scale-sizes 10,20 > "$tmp/out.md" \
    2> "$tmp/err" || { cat "$tmp/err"; fail "bench.py exit"; }
}
run
cmp -s "$tmp/w/corpus-1/0001-seed-article.txt" "$CORPUS/seed-article.txt" || fail "article 1"
cmp -s "$tmp/w/corpus-10/0002-yume-juya.ja.txt" "$CORPUS/yume-juya.ja.txt" || fail "article 2"
[ "$(ls "$tmp/w/corpus-10" | grep -c '^[0-9]')" = 10 ] || fail "corpus-10 has not 10 articles"
[ -f "$tmp/w/corpus-10/images/seal.png" ] || fail "images not beside the articles"
ls "$tmp/w/corpus-10" > "$tmp/list1"
# wall median, min–max, CPU time from rusage (a number, not a dash), 5 runs
grep -q '^| 1 | 11 KB | tree dump | [0-9.]* | [0-9.]*–[0-9.]* | [0-9][0-9.]* | 5 |' "$tmp/out.md" ||
  fail "dump row: $(grep 'tree dump' "$tmp/out.md")"
grep -q '^| 10 | .* | tree dump |' "$tmp/out.md" || fail "dump row at 10"
grep -q '^## Targets (issues #9 and #19)' "$tmp/out.md" || fail "targets table"
# the scale rows (#18): each size, EPUB and vertical PDF, time and memory per 1,000 articles
for n in 10 20; do
  grep -q "^| $n | EPUB | [0-9.]* | [0-9.]* |  | [0-9.]* [KM]B | [0-9.]* [KM]B |$" "$tmp/out.md" || fail "scale EPUB row at $n: $(grep '^## Scale' -A8 "$tmp/out.md")"
  grep -q "^| $n | vertical PDF | [0-9.]* | [0-9.]* | [0-9][0-9]* | [0-9.]* [KM]B | [0-9.]* [KM]B |$" "$tmp/out.md" || fail "scale PDF row at $n"
done
[ ! -e "$tmp/R.md" ] || fail "a partial run wrote the results file"
# the same corpus again: nothing regenerated differently
run
ls "$tmp/w/corpus-10" | cmp -s - "$tmp/list1" || fail "corpus not deterministic"
# --baseline: the other binary (here the same one) on the same task, a row with its ratio
python3 tests/bench/bench.py --bin "$BIN" --floor "$tmp/floor" --corpus "$CORPUS" \
  --work "$tmp/w" --results "$tmp/R.md" --no-peers --budget 120 --sizes 1 --tasks epub \
  --scale-sizes 0 --baseline "$BIN" > "$tmp/out.md" 2> "$tmp/err" || { cat "$tmp/err"; fail "bench.py --baseline"; }
grep -q '^## Against the baseline binary' "$tmp/out.md" || fail "no baseline table"
grep -q '^| 1 | EPUB | [0-9.]* | [0-9.]* | [0-9.]* | [0-9]* MB | [0-9]* MB |$' "$tmp/out.md" ||
  fail "baseline row: $(grep -A6 '^## Against' "$tmp/out.md")"
exit 0
