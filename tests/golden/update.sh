#!/bin/sh
# Regenerates every golden tree dump: tests/golden/NAME.json is `bisheng dump CORPUS/NAME`.
# Review the diff (git diff tests/golden) before committing.
BIN=${BIN:-build/cc/bisheng}
CORPUS=${CORPUS:-../shared/corpus}
for f in seed-article.txt taoyuanming.zh-Hant.txt ah-q.zh-Hans.txt yume-juya.ja.txt; do
  [ -f tests/golden/$f.json ] || : > tests/golden/$f.json
done
for g in tests/golden/*.json; do
  name=$(basename "$g" .json)
  "$BIN" dump "$CORPUS/$name" > "$g.tmp" && mv "$g.tmp" "$g" && echo "updated $g"
  rm -f "$g.tmp"
done
