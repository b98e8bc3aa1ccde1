#!/bin/sh
# --help and the man page list every command and option, each with an example.
fail() { echo "FAIL: $*"; exit 1; }
MAN=src/cli/bisheng.1
[ -f "$MAN" ] || fail "no man page"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$BIN" --help > "$tmp/main.help" || fail "--help"
"$BIN" build --help > "$tmp/build.help" || fail "build --help"
for c in "bisheng build" "bisheng init" "bisheng dump" "bisheng layout"; do
  grep -q "$c" "$tmp/main.help" || fail "--help does not mention '$c'"
done
grep -q '^Example' "$tmp/main.help" || fail "--help has no example"
grep -q '^Example' "$tmp/build.help" || fail "build --help has no example"
# the man page, hyphens unescaped
sed 's/\\-/-/g' "$MAN" > "$tmp/man.txt"
for c in build init dump layout; do
  grep -q "^\.BI* \"*bisheng $c" "$tmp/man.txt" || fail "man page lacks the command $c"
done
for opt in $(cat "$tmp/main.help" "$tmp/build.help" | grep -o -- '--[a-z][a-z-]*' | sort -u) -o -t -f -j -q -h; do
  grep -q -- "$opt" "$tmp/man.txt" || fail "man page lacks $opt"
done
grep -q '^\.SH EXAMPLES' "$MAN" || fail "man page has no examples"
grep -q 'bisheng build' "$tmp/man.txt" || fail "man page has no build example"
if command -v groff > /dev/null; then
  w=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MAN" 2>&1)
  [ -z "$w" ] || fail "groff: $w"
fi
# --version: ours first, then the libraries in use
v=$("$BIN" --version) || fail "--version"
echo "$v" | head -1 | grep -q '^bisheng [0-9][0-9.]*$' || fail "--version first line: $v"
for lib in cairo harfbuzz fontconfig freetype icu libxml2 zlib libyaml cmark-gfm; do
  echo "$v" | grep -q " $lib [0-9]" || fail "--version lacks $lib"
done
echo "help and man page ok"
