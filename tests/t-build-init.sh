#!/bin/sh
# bisheng init writes templates/book.yaml (byte for byte) and sample chapters into a folder,
# never overwrites, and what it writes is a valid manifest.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
TEMPLATE=$(pwd)/templates/book.yaml
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

"$BIN" init mybook 2> err.txt || { cat err.txt; fail "init"; }
# the template, but with a fresh random identifier (urn:uuid, version 4) each time
id_re='^identifier: urn:uuid:[0-9a-f]\{8\}-[0-9a-f]\{4\}-4[0-9a-f]\{3\}-[89ab][0-9a-f]\{3\}-[0-9a-f]\{12\} '
grep -v '^identifier:' "$TEMPLATE" > tpl.txt
grep -v '^identifier:' mybook/book.yaml | cmp tpl.txt - || fail "book.yaml differs from templates/book.yaml"
grep "$id_re" mybook/book.yaml > id1.txt || fail "no fresh identifier: $(grep '^identifier' mybook/book.yaml)"
grep -q 00000000-0000 mybook/book.yaml && fail "the all-zero identifier was kept"
"$BIN" init -q second || fail "init second"
grep "$id_re" second/book.yaml > id2.txt || fail "second identifier"
cmp -s id1.txt id2.txt && fail "two books got the same identifier: $(cat id1.txt)"
for f in preface 01 02 appendix; do
  [ -s "mybook/chapters/$f.md" ] || fail "chapters/$f.md missing"
done
[ "$(head -1 err.txt)" = "bisheng: wrote mybook/book.yaml" ] || fail "message: $(head -1 err.txt)"
[ "$(tail -1 err.txt)" = "bisheng: next: cd mybook && bisheng build" ] || fail "message: $(tail -1 err.txt)"

# never overwrite
echo "# mine" > mybook/book.yaml
"$BIN" init mybook 2> err.txt
rc=$?
[ $rc = 1 ] || fail "init over an existing book.yaml: exit $rc"
[ "$(cat err.txt)" = "bisheng: mybook/book.yaml already exists; leaving it alone" ] ||
  fail "message: $(cat err.txt)"
[ "$(cat mybook/book.yaml)" = "# mine" ] || fail "book.yaml overwritten"

# into the current folder by default, quietly with -q; keeps a chapter the user already has
mkdir here here/chapters && echo 'my own' > here/chapters/01.md
(cd here && "$BIN" init -q) 2> err.txt || fail "init ."
[ -s err.txt ] && fail "-q printed: $(cat err.txt)"
[ "$(cat here/chapters/01.md)" = "my own" ] || fail "a chapter was overwritten"

# the template is a valid manifest: 4 articles (one glob), 3 parts, 3 outputs
cd here && out=$("$BIN" build --check 2>&1) || fail "check: $out"
[ "$out" = "bisheng: book.yaml: 4 articles in 3 parts, outputs checked: 3" ] || fail "check: $out"
"$BIN" init a b 2> /dev/null
[ $? = 2 ] || fail "init with two folders should be a usage error"
echo "init ok"
