#!/bin/sh
# A corpus article that a reader cannot read fails every corpus test: it is reported, never
# quietly left out (the tests once dropped such articles and shrank without a word). Each
# corpus script runs on a copy of the corpus with one article that is not valid UTF-8 and
# must fail (exit 1, not 0 and not the skip status 77), naming that article.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/corpus"
cp "$CORPUS/seed-article.txt" "$tmp/corpus/"
printf '標題\n\n第一段\377正文\n' > "$tmp/corpus/broken.txt"
"$BIN" dump "$tmp/corpus/broken.txt" > /dev/null 2>&1 && { echo "FAIL: broken.txt was read"; exit 1; }
status=0
for t in t-typeset-corpus t-pdf-corpus t-epub-corpus; do
  CORPUS=$tmp/corpus sh tests/$t.sh > "$tmp/$t.out" 2>&1
  rc=$?
  if [ $rc != 1 ]; then
    echo "FAIL: $t exits $rc with an unreadable article (want 1)"; tail -n 5 "$tmp/$t.out"; status=1
  elif ! grep -q "broken.txt" "$tmp/$t.out"; then
    echo "FAIL: $t does not name the unreadable article"; tail -n 5 "$tmp/$t.out"; status=1
  else
    echo "ok $t: $(grep -m1 broken.txt "$tmp/$t.out")"
  fi
done
exit $status
