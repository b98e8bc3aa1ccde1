#!/bin/sh
# bisheng build --json: a machine-readable report on standard output, for failures and for
# --check (t-build-outputs tests it on real builds).
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
command -v python3 > /dev/null || { echo "no python3"; exit 77; }

echo 'A' > a.txt
cat > broken.yaml <<'Y'
title: T
articles: [a.txt, b.txt, c.txt]
outputs: [{name: epub, file: o.epub}]
Y
"$BIN" build --json broken.yaml > r.json 2> err.txt
rc=$?
[ $rc = 1 ] || { echo "exit $rc, wanted 1"; exit 1; }
python3 - r.json <<'P' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "failed" and r["exit"] == 1, r
assert r["manifest"] == "broken.yaml"
assert r["errors"] == ["broken.yaml:2: article 'b.txt' not found",
                       "broken.yaml:2: article 'c.txt' not found"], r["errors"]
assert r["outputs"] == [] and r["warnings"] == []
for k in ("load_ms", "read_ms", "total_ms"):
    assert isinstance(r["timings"][k], (int, float)) and r["timings"][k] >= 0
assert isinstance(r["jobs"], int) and r["jobs"] >= 1
P

cat > book.yaml <<'Y'
title: T
articles: [a.txt]
outputs:
  - {name: epub, file: out/o.epub}
  - {name: a5, file: out/o.pdf, paper: A5}
Y
"$BIN" build --json --check -j 3 book.yaml > r.json 2> /dev/null || { echo "--check failed"; exit 1; }
python3 - r.json <<'P' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "ok" and r["exit"] == 0 and r["errors"] == [], r
assert r["articles"] == 1 and r["jobs"] == 3
assert [(o["name"], o["format"], o["file"], o["status"]) for o in r["outputs"]] == [
    ("epub", "epub", "out/o.epub", "skipped"), ("a5", "pdf", "out/o.pdf", "skipped")], r["outputs"]
P

echo "json report ok"
