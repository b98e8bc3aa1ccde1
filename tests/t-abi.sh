# ABI hygiene (expat's export check): every global symbol of libbisheng.a starts with bs_, and
# the public API — the BS_API declarations in include/bisheng/ — equals tests/abi/exported.txt
# and is all defined in the library.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
lib="$BUILD/libbisheng.a"
nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u > "$tmp/defined"
bad=$(grep -v -e '^bs_' -e '^__odr_asan' -e '^__asan' -e '^__ubsan' -e '^__sancov' "$tmp/defined")  # sanitizer builds add their own
[ -z "$bad" ] || { echo "global symbols without the bs_ prefix:"; echo "$bad"; exit 1; }
cat include/bisheng/*.h | tr '\n' ' ' | grep -oE 'BS_API[^;(]*\bbs_[a-z0-9_]+ *\(' | grep -oE 'bs_[a-z0-9_]+ *\($' | tr -d ' (' | sort -u > "$tmp/declared"
diff -u tests/abi/exported.txt "$tmp/declared" || { echo "public API differs from tests/abi/exported.txt"; exit 1; }
missing=$(comm -23 "$tmp/declared" "$tmp/defined")
[ -z "$missing" ] || { echo "declared but not defined:"; echo "$missing"; exit 1; }
