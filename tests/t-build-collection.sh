#!/bin/sh
# The corpus's collection manifest (a draft written before the schema) is accepted as it is:
# every key it uses is a manifest key, its paths resolve, its three outputs are known.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
[ -f "$CORPUS/collection.yaml" ] || { echo "no corpus"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp -r "$CORPUS" "$T/c"
cd "$T/c" || exit 1
out=$("$BIN" build --check --json collection.yaml 2> err.txt)
rc=$?
[ $rc = 0 ] || { echo "exit $rc"; cat err.txt; exit 1; }
[ "$(cat err.txt)" = "bisheng: collection.yaml: 10 articles in 3 parts, outputs checked: 3" ] ||
  { echo "unexpected: $(cat err.txt)"; exit 1; }
echo "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["articles"] == 10, r
got = [(o["name"], o["format"], o["file"]) for o in r["outputs"]]
assert got == [("epub", "epub", "out/collection.epub"),
               ("print-vertical", "pdf", "out/collection-vertical-a5.pdf"),
               ("print-horizontal", "pdf", "out/collection-horizontal-a4.pdf")], got
' || exit 1
# from another folder, paths stay relative to the manifest
cd "$T" && "$BIN" build --check -q c/collection.yaml || { echo "check from outside failed"; exit 1; }
# and a broken copy names the line of the article it cannot find
sed 's/path: shishuo.zh-Hant.html/path: shishuo.html/' c/collection.yaml > c/broken.yaml
"$BIN" build --check c/broken.yaml 2> err.txt
line=$(grep -n 'path: shishuo.html' c/broken.yaml | cut -d: -f1)
[ "$(cat err.txt)" = "bisheng: c/broken.yaml:$line: article 'shishuo.html' not found" ] ||
  { echo "unexpected: $(cat err.txt)"; exit 1; }
echo "collection manifest ok"
