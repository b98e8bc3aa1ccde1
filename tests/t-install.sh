# make install PREFIX=… DESTDIR=…: binary, headers, library and a bisheng.pc a program can
# build against.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
make -s install BUILD="$BUILD" PREFIX=/opt/bs DESTDIR="$tmp/root" > "$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
root="$tmp/root/opt/bs"
for f in bin/bisheng lib/libbisheng.a lib/pkgconfig/bisheng.pc include/bisheng/bisheng.h include/bisheng/node.h; do
  [ -f "$root/$f" ] || { echo "missing $f"; exit 1; }
done
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
sed -i "s|^prefix=.*|prefix=$root|" "$root/lib/pkgconfig/bisheng.pc"
san=; [ "${SANITIZE:-}" = 1 ] && san="-fsanitize=address,undefined"
PKG_CONFIG_PATH="$root/lib/pkgconfig" cc -std=c11 $san "$tmp/p.c" -o "$tmp/p" \
  $(PKG_CONFIG_PATH="$root/lib/pkgconfig" pkg-config --cflags --libs --static bisheng) || exit 1
"$tmp/p"
