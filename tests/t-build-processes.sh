#!/bin/sh
# bisheng build -j N builds the outputs in child processes (#19): the files, the warnings, the
# error lines, the --json report and the exit status are those of -j 1, for a build with
# warnings in every output (keep-going) and for one where every output fails.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export SOURCE_DATE_EPOCH=1700000000

mkdir md
cp "$CORPUS/seed-article.txt" a.txt
printf '# 圖\n\n正文。\n\n![說明文字](images/none.png)\n\n正文。\n' > md/f.md
outputs='outputs:
  - {name: epub, file: o/b.epub}
  - {name: v, file: o/v.pdf, direction: vertical}
  - {name: h, file: o/h.pdf, direction: horizontal}
'
printf 'title: T\nkeep-going: true\narticles: [a.txt, md/f.md]\n%s' "$outputs" > kg.yaml
printf 'title: T\narticles: [a.txt, md/f.md]\n%s' "$outputs" > strict.yaml

# what must not depend on -j: the report without times, stderr without times, in a fixed order
norm_json() {
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("timings", "jobs"):
    r.pop(k)
for o in r["outputs"]:
    o.pop("ms")
print(json.dumps(r, sort_keys=True, indent=1))
' "$1"
}
# (quarter lines come from builds that take over 3 s, so they depend on the machine's load)
norm_err() {
  sed -E 's/[0-9.]+ s\)$/T s)/; s/after [0-9.]+ s$/after T s/; /: [0-9]+% \(/d' "$1" | sort
}

for m in kg strict; do
  for j in 1 3; do
    rm -rf o
    "$BIN" build --json -j $j $m.yaml > r$j.json 2> e$j.txt
    echo $? > rc$j
    mkdir -p o && cp -r o out$j
  done
  [ "$(cat rc1)" = "$(cat rc3)" ] || fail "$m: exit $(cat rc1) with -j 1, $(cat rc3) with -j 3"
  norm_json r1.json > n1 && norm_json r3.json > n3 || fail "$m: --json is not JSON"
  cmp -s n1 n3 || fail "$m: the reports differ: $(diff n1 n3)"
  norm_err e1.txt > s1
  norm_err e3.txt > s3
  cmp -s s1 s3 || fail "$m: stderr differs: $(diff s1 s3)"
  for f in b.epub v.pdf h.pdf; do
    if [ -e out1/$f ] || [ -e out3/$f ]; then
      cmp -s out1/$f out3/$f || fail "$m: $f differs between -j 1 and -j 3"
    fi
  done
  rm -rf out1 out3
done
# the keep-going build wrote all three with a warning each; the strict one none, exit 1
python3 -c '
import json
r = json.load(open("r3.json"))
assert r["exit"] == 1 and [o["status"] for o in r["outputs"]] == ["failed"] * 3, r
' || fail "strict: $(cat r3.json)"
rm -rf o
"$BIN" build -j 3 kg.yaml 2> e.txt || fail "keep-going: $(cat e.txt)"
[ "$(grep -c "warning: cannot read image 'images/none.png'" e.txt)" = 3 ] ||
  fail "keep-going: one warning per output wanted: $(cat e.txt)"
for f in b.epub v.pdf h.pdf; do [ -s o/$f ] || fail "keep-going: o/$f missing"; done

[ $fails = 0 ] || exit 1
echo "outputs built in processes: same files, warnings, errors, report and exit status as -j 1"
