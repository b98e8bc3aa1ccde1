#!/bin/sh
# bisheng build on the corpus collection: EPUB + vertical A5 PDF + horizontal A4 PDF in one
# command; --only; a second build leaves every output (and its mtime) alone; outputs are
# reproducible under SOURCE_DATE_EPOCH and the same with -j 1 and -j 4; --json on real builds.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
export SOURCE_DATE_EPOCH=1700000000

cp -r "$CORPUS" c1
cd c1 || exit 1
"$BIN" build collection.yaml 2> err.txt || { cat err.txt; fail "build"; }
for f in out/collection.epub out/collection-vertical-a5.pdf out/collection-horizontal-a4.pdf; do
  [ -s "$f" ] || fail "$f missing"
done
# off a terminal: one line per output start and end
grep -q '^bisheng: epub: written out/collection.epub' err.txt || fail "no progress line: $(cat err.txt)"
python3 -c '
import zipfile, sys
z = zipfile.ZipFile("out/collection.epub")
assert z.namelist()[0] == "mimetype" and z.read("mimetype") == b"application/epub+zip"
' || fail "not an EPUB"
# epubcheck (a jar on Debian) when it is there
if command -v java > /dev/null && [ -f /usr/bin/epubcheck ] && unzip -l /usr/bin/epubcheck > /dev/null 2>&1; then
  java -jar /usr/bin/epubcheck out/collection.epub > check.txt 2>&1 || { cat check.txt; fail "epubcheck"; }
fi
size() { pdfinfo "$1" | sed -n 's/^Page size: *\([0-9.]*\) x \([0-9.]*\).*/\1 \2/p'; }
case "$(size out/collection-vertical-a5.pdf)" in 419.* | 420.*) ;; *) fail "A5 size: $(size out/collection-vertical-a5.pdf)";; esac
case "$(size out/collection-horizontal-a4.pdf)" in 595.*) ;; *) fail "A4 size: $(size out/collection-horizontal-a4.pdf)";; esac

# nothing changed: nothing rewritten
stamp() { stat -c '%n %y %s' out/*; }
before=$(stamp)
sleep 1
"$BIN" build --json collection.yaml > r.json 2> err.txt || { cat err.txt; fail "rebuild"; }
[ "$(stamp)" = "$before" ] || fail "an unchanged output was rewritten"
python3 -c '
import json
r = json.load(open("r.json"))
assert r["status"] == "ok" and r["articles"] == 10
assert [o["status"] for o in r["outputs"]] == ["unchanged"] * 3, r["outputs"]
assert r["outputs"][0]["pages"] is None
assert all(o["bytes"] > 0 for o in r["outputs"]) and all(o["pages"] >= 1 for o in r["outputs"][1:])
' || fail "json report of the rebuild"
# without the sidecars the fresh bytes are compared: still untouched
rm -f out/.*.bisheng
"$BIN" build -q collection.yaml || fail "rebuild without sidecars"
[ "$(stamp | grep -v bisheng)" = "$(echo "$before" | grep -v bisheng)" ] || fail "identical bytes rewritten"
# a changed article rebuilds
echo '追記。' >> seed-article.txt
"$BIN" build --json --only epub collection.yaml > r.json 2> /dev/null || fail "rebuild after a change"
python3 -c '
import json
r = json.load(open("r.json"))
assert [(o["name"], o["status"]) for o in r["outputs"]] == [("epub", "written")], r["outputs"]
' || fail "--only epub after a change"
cd ..

# --only builds just what it names; SOURCE_DATE_EPOCH + -j make no difference to the bytes
cp -r "$CORPUS" c2
cp -r "$CORPUS" c3
(cd c2 && "$BIN" build -q -j 1 collection.yaml) || fail "c2"
(cd c3 && "$BIN" build -q -j 4 --only print-vertical --only epub,print-horizontal collection.yaml) || fail "c3"
for f in collection.epub collection-vertical-a5.pdf collection-horizontal-a4.pdf; do
  cmp -s "c2/out/$f" "c3/out/$f" || fail "$f differs between two builds"
done
cp -r "$CORPUS" c4
(cd c4 && "$BIN" build -q --only print-horizontal collection.yaml) || fail "c4"
[ -f c4/out/collection-horizontal-a4.pdf ] && [ ! -e c4/out/collection.epub ] &&
  [ ! -e c4/out/collection-vertical-a5.pdf ] || fail "--only built other outputs"
# a new book from `bisheng init` builds as it is
"$BIN" init -q fresh && (cd fresh && "$BIN" build -q) || fail "init + build"
for f in book.epub book-vertical-a5.pdf book-horizontal-a4.pdf; do
  [ -s "fresh/out/$f" ] || fail "init + build: $f missing"
done
echo "collection builds"
