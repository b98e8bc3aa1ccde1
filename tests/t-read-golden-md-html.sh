#!/bin/sh
# Golden tree dumps of the Markdown and HTML corpus files: `bisheng dump FILE` must equal
# tests/golden/FILE.json. On a mismatch the unified diff is printed. Regenerate a golden with
#   $BIN dump $CORPUS/FILE > tests/golden/FILE.json   (then read it before committing).
BIN=${BIN:-build/cc/bisheng}
CORPUS=${CORPUS:-../shared/corpus}
[ -x "$BIN" ] || { echo "no binary $BIN"; exit 77; }
[ -d "$CORPUS" ] || { echo "no corpus $CORPUS"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
for f in kongyiji.zh-Hans.md yume-juya-5.ja.md bisheng.en.md shishuo.zh-Hant.html yume-juya-4.ja.html; do
  golden=tests/golden/$f.json
  if [ ! -f "$golden" ]; then
    echo "FAIL: $golden missing"; rc=1; continue
  fi
  if ! "$BIN" dump "$CORPUS/$f" > "$tmp/$f.json" 2> "$tmp/$f.err"; then
    echo "FAIL: bisheng dump $f failed:"; cat "$tmp/$f.err"; rc=1; continue
  fi
  if cmp -s "$golden" "$tmp/$f.json"; then
    echo "ok: $f"
  else
    echo "FAIL: $f differs from $golden:"
    diff -u "$golden" "$tmp/$f.json" | head -n 200
    rc=1
  fi
done
exit $rc
