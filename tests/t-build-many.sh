#!/bin/sh
# A generated 1,000-article manifest: parsed and checked, then built (EPUB and PDF). Speed is
# measured in make bench, not here.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
mkdir a
i=1
while [ $i -le 1000 ]; do
  n=$(printf '%04d' $i)
  printf '第%s篇\n\n這是第%s篇文章的正文。\n' "$n" "$n" > "a/$n.txt"
  i=$((i + 1))
done
{
  echo "title: 千篇"
  echo "lang: zh-Hant"
  echo "parts:"
  p=0
  while [ $p -lt 10 ]; do
    echo "  - title: 第$p卷"
    echo "    articles:"
    echo "      - a/0$p*.txt"
    p=$((p + 1))
  done
  echo "articles:"
  echo "  - path: a/1000.txt"
  echo "    title: 終篇"
  echo "outputs:"
  echo "  - {name: epub, file: out/many.epub}"
  echo "  - {name: pdf, file: out/many.pdf}"
} > book.yaml
out=$("$BIN" build --check book.yaml 2>&1) || { echo "$out"; exit 1; }
[ "$out" = "bisheng: book.yaml: 1000 articles in 10 parts, outputs checked: 2" ] ||
  { echo "unexpected: $out"; exit 1; }
"$BIN" build --json book.yaml > r.json 2> err.txt || { tail err.txt; exit 1; }
python3 -c '
import json
r = json.load(open("r.json"))
assert r["status"] == "ok" and r["articles"] == 1000, r
assert [o["status"] for o in r["outputs"]] == ["written", "written"], r["outputs"]
' || exit 1
[ -s out/many.epub ] && [ -s out/many.pdf ] || exit 1
echo "1000 articles built"
