# make install PREFIX=… DESTDIR=…: binary, headers, the static and the shared library, the man
# page, the example program and a bisheng.pc a program builds against with plain
# `pkg-config --cflags --libs bisheng`; make uninstall removes all of it.
set -u
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. tests/epub-lib.sh
epubcheck_cmd || fail "no epubcheck"
make -s install BUILD="$BUILD" PREFIX=/opt/bs DESTDIR="$tmp/root" > "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
root="$tmp/root/opt/bs"
for f in bin/bisheng lib/libbisheng.a lib/libbisheng.so lib/libbisheng.so.0 lib/pkgconfig/bisheng.pc \
         include/bisheng/bisheng.h include/bisheng/node.h share/man/man1/bisheng.1 \
         share/doc/bisheng/examples/article-to-epub.c; do
  [ -e "$root/$f" ] || fail "missing $f"
done
sed -i "s|^prefix=.*|prefix=$root|" "$root/lib/pkgconfig/bisheng.pc"
export PKG_CONFIG_PATH="$root/lib/pkgconfig"

# the shared library: its soname, and exactly the ABI list exported, each versioned
so=$(readlink -f "$root/lib/libbisheng.so")
readelf -d "$so" | grep -q 'Library soname: \[libbisheng.so.0\]' || fail "soname: $(readelf -d "$so" | grep SONAME)"
nm -D --defined-only "$so" | awk '$2 == "T" || $2 == "D" || $2 == "B" || $2 == "R" { print $3 }' |
  grep -v '^BISHENG_' | sed 's/@.*//' | sort -u > "$tmp/exported"
diff -u tests/abi/exported.txt "$tmp/exported" || fail "the shared library's exports differ from tests/abi/exported.txt"
objdump -T "$so" | grep -w bs_epub_write | grep -q 'BISHENG_0' || fail "bs_epub_write is not versioned BISHENG_0"

# the example program, built as the README says, makes an EPUB epubcheck accepts
san=; [ "${SANITIZE:-}" = 1 ] && san="-fsanitize=address,undefined"
cc -std=c11 -Wall -Werror $san "$root/share/doc/bisheng/examples/article-to-epub.c" -o "$tmp/ex" \
  $(pkg-config --cflags --libs bisheng) || fail "the example does not build with plain pkg-config"
readelf -d "$tmp/ex" | grep -q 'NEEDED.*libbisheng.so.0' || fail "the example is not linked to the shared library"
LD_LIBRARY_PATH="$root/lib" "$tmp/ex" "$CORPUS/seed-article.txt" "$tmp/ex.epub" > "$tmp/ex.out" || fail "the example failed"
grep -q '美俄峯會後俄烏戰爭及歐洲安全走向' "$tmp/ex.out" || fail "example output: $(cat "$tmp/ex.out")"
check_all "$tmp/ex.epub" > "$tmp/ec.log" 2>&1 || { cat "$tmp/ec.log"; fail "epubcheck on the example's EPUB"; }
LD_LIBRARY_PATH="$root/lib" "$tmp/ex" "$tmp/none.txt" "$tmp/x.epub" 2> "$tmp/err"; [ $? = 1 ] || fail "example on a missing file"
grep -q 'none.txt: cannot open' "$tmp/err" || fail "example error: $(cat "$tmp/err")"

# the static library still links with --static
cat > "$tmp/p.c" <<'C'
#include <bisheng/bisheng.h>
#include <string.h>
int main(void)
{
  bs_node *doc = NULL;
  const char *s = "標題\n\n正文,測試。\n";
  if (bs_read(s, strlen(s), NULL, &doc, NULL) != BS_OK)
    return 1;
  int ok = bs_node_get_type(doc) == BS_NODE_DOCUMENT;
  bs_node_free(doc);
  return ok ? 0 : 1;
}
C
cc -std=c11 $san "$tmp/p.c" -o "$tmp/p" -static-libgcc "$root/lib/libbisheng.a" \
  $(pkg-config --cflags --libs --static bisheng | sed 's/-lbisheng//') || fail "static link"
readelf -d "$tmp/p" | grep -q libbisheng && fail "the static program needs the shared library"
"$tmp/p" || fail "the static program failed"

# uninstall leaves nothing behind (the man page included)
make -s uninstall BUILD="$BUILD" PREFIX=/opt/bs DESTDIR="$tmp/root" > "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
left=$(find "$tmp/root" -type f -o -type l)
[ -z "$left" ] || fail "left after uninstall: $left"
echo "install ok"
