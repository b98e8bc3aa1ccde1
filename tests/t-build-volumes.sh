# Volumes and the job plan (#18 part 2): `volumes:` splits the corpus collection by part or
# by a maximum of articles or (estimated) pages; each output is built per volume as
# FILE-vNN.EXT with the volume in the title, the contents and the EPUB metadata
# (belongs-to-collection, group-position); `--plan --json` lists exactly the jobs `--only`
# accepts, and each job builds exactly its file.
set -u
fail() { echo "FAIL: $*"; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
top=$(pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. tests/epub-lib.sh
epubcheck_cmd || fail "no epubcheck"
cp -r "$CORPUS"/. "$tmp"/
cd "$tmp" || exit 1
export SOURCE_DATE_EPOCH=1700000000
vol() { sed "s/^outputs:/volumes: $1\noutputs:/" collection.yaml > "$2"; }
vol parts parts.yaml
vol '{articles: 4}' four.yaml
vol '{pages: 6}' pages.yaml

# the plan: outputs x volumes, volume by volume; every name is accepted by --only and builds
# exactly its own file
"$BIN" build parts.yaml --plan --json > plan.json || fail "--plan --json"
"$BIN" build parts.yaml --plan > plan.txt || fail "--plan"
python3 - plan.json plan.txt <<'PY' || fail "plan"
import json, sys
p = json.load(open(sys.argv[1]))
names = [j["name"] for j in p["jobs"]]
outs = ["epub", "print-vertical", "print-horizontal"]
assert names == ["%s:%d" % (o, v) for v in (1, 2, 3) for o in outs], names
for j in p["jobs"]:
    o, v = j["name"].split(":")
    assert j["output"] == o and j["volume"] == int(v) and j["id"] == "%s-%s" % (o, v), j
    assert j["command"] == "bisheng build parts.yaml --only " + j["name"], j
    assert j["path"].endswith("-v%02d.%s" % (int(v), j["format"])), j
text = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()]
assert [t[0] for t in text] == names and [t[3] for t in text] == [j["command"] for j in p["jobs"]]
PY
for name in $(python3 -c "import json; print(' '.join(j['name'] for j in json.load(open('plan.json'))['jobs'] if j['format'] == 'epub'))"); do
  "$BIN" build parts.yaml --only "$name" -q --json > r.json || fail "--only $name"
  python3 - r.json plan.json "$name" <<'PY' || fail "--only $name built something else"
import json, sys
r = json.load(open(sys.argv[1])); plan = json.load(open(sys.argv[2]))
job = [j for j in plan["jobs"] if j["name"] == sys.argv[3]][0]
assert [(o["name"], o["file"], o["status"]) for o in r["outputs"]] == [(job["name"], job["path"], "written")], r["outputs"]
PY
done
ls out/collection-v01.epub out/collection-v02.epub out/collection-v03.epub > /dev/null || fail "volume files"
[ -e out/collection.epub ] && fail "the whole book was written too"

# each volume: its own articles, the volume in the title and the series in the metadata
python3 - <<'PY' || fail "EPUB volumes"
import re, zipfile
want = {1: ("第一卷", "中文", "美俄峯會"), 2: ("第二卷", "日本語", "夢十夜"), 3: ("第三卷", "English", "Bi Sheng")}
for v, (label, part, first) in want.items():
    z = zipfile.ZipFile("out/collection-v%02d.epub" % v)
    opf = z.read("EPUB/content.opf").decode()
    assert '<dc:title id="title">東亞散文試印本 %s</dc:title>' % label in opf, opf
    assert '<meta property="belongs-to-collection" id="collection">東亞散文試印本</meta>' in opf, opf
    assert '<meta refines="#collection" property="group-position">%d</meta>' % v in opf, opf
    assert '<meta refines="#collection" property="collection-type">series</meta>' in opf, opf
    nav = z.read("EPUB/nav.xhtml").decode()
    labels = re.findall(r"<a [^>]*>([^<]*)", nav)
    assert labels[0] == part and labels[1].startswith(first), labels[:3]
    others = [p for p in ("中文", "日本語", "English") if p != part]
    assert not any(o in labels for o in others), labels
PY
"$BIN" build parts.yaml --only print-vertical:2 -q || fail "PDF volume"
pdftotext -l 3 out/collection-vertical-a5-v02.pdf - | tr -d ' \n' | grep -q '第二卷' || fail "the PDF's opening pages lack the volume"
pdfinfo out/collection-vertical-a5-v02.pdf | grep -q '^Title: *東亞散文試印本 第二卷' || fail "PDF title: $(pdfinfo out/collection-vertical-a5-v02.pdf | grep Title)"

# a maximum of articles: volume 3 starts inside the Japanese part, whose divider opens it again
"$BIN" build four.yaml --plan | cut -f1 | grep -c '^epub:' | grep -qx 3 || fail "four articles a volume: 3 volumes"
"$BIN" build four.yaml --only epub -q || fail "four.yaml epub"
python3 - <<'PY' || fail "articles per volume"
import re, zipfile
counts = []
for v in (1, 2, 3):
    nav = zipfile.ZipFile("out/collection-v%02d.epub" % v).read("EPUB/nav.xhtml").decode()
    counts.append(nav)
assert re.findall(r"<a [^>]*>([^<]*)", counts[2])[0] == "日本語", "the part does not open volume 3 again"
PY
check_all out/collection-v0[123].epub > ec.log 2>&1 || { cat ec.log; fail "epubcheck"; }
# estimated pages: several volumes, none empty, and the same volumes for every output
n=$("$BIN" build pages.yaml --plan | cut -f1 | grep -c '^epub:')
[ "$n" -gt 3 ] || fail "pages: 6 made $n volumes"
[ "$("$BIN" build pages.yaml --plan | cut -f1 | grep -c '^print-vertical:')" = "$n" ] || fail "outputs with different volumes"
# an English book: "Title, Volume N"
sed -e 's/^lang: zh-Hant/lang: en/' -e 's/^title: .*/title: Essays/' parts.yaml > en.yaml
"$BIN" build en.yaml --only epub:2 -q || fail "en volume"
unzip -p out/collection-v02.epub EPUB/content.opf | grep -q '<dc:title id="title">Essays, Volume 2</dc:title>' || fail "English volume title"

# mistakes: bad values name their line; volumes that do not exist are usage errors
expect() { # expect STATUS MESSAGE ARGS...
  want=$1 msg=$2; shift 2
  "$BIN" "$@" > /dev/null 2> err.txt; rc=$?
  [ $rc = "$want" ] || fail "$*: exit $rc, wanted $want: $(cat err.txt)"
  [ "$(head -1 err.txt)" = "$msg" ] || fail "$*: $(cat err.txt)"
}
vol chapters bad1.yaml
line=$(grep -n '^volumes:' bad1.yaml | cut -d: -f1)
expect 1 "bisheng: bad1.yaml:$line: 'volumes' should be 'parts' or a maximum such as {articles: 500} or {pages: 400}, not 'chapters'" build bad1.yaml --check
vol '{articles: 0}' bad2.yaml
expect 1 "bisheng: bad2.yaml:$line: 'articles' should be a number from 1 to 1e+07, not '0'" build bad2.yaml --check
vol '{articles: 2, pages: 3}' bad3.yaml
expect 1 "bisheng: bad3.yaml:$line: 'volumes' takes one maximum, articles or pages" build bad3.yaml --check
vol '{article: 2}' bad4.yaml
expect 1 "bisheng: bad4.yaml:$line: unknown key 'article' in 'volumes' (did you mean 'articles'?)" build bad4.yaml --check
expect 2 "bisheng: 'epub:4': parts.yaml has volumes 1 to 3" build parts.yaml --only epub:4
expect 2 "bisheng: 'epub:1': collection.yaml has no volumes" build collection.yaml --only epub:1
expect 0 "bisheng: parts.yaml: 10 articles in 3 parts, 3 volumes, jobs checked: 9" build parts.yaml --check
echo "volumes ok"
