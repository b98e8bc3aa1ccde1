#!/bin/sh
# bisheng build: every manifest error names the file and line, all problems are reported
# before stopping, and the exit status says whose fault it is (1 input, 2 usage).
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
T=$(mktemp -d)
trap 'chmod -R u+w "$T"; rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
run=
# hostile inputs run capped at 1 GB and 10 s of CPU (ASan and valgrind reserve far more address
# space and run many times slower: uncapped there, with a hang guard)
vcap=1048576 tcap=10
if [ "${SANITIZE:-}" = 1 ] || [ "${VALGRIND:-}" = 1 ]; then vcap=unlimited tcap=unlimited; fi
capped() { (ulimit -v $vcap && ulimit -t $tcap && exec timeout 900 "$@"); }

# expect RC EXPECTED-STDERR ARGS...: runs bisheng, compares exit status and stderr exactly
expect() {
  want_rc=$1 want_err=$2
  shift 2
  $run "$BIN" "$@" > out.txt 2> err.txt
  rc=$?
  if [ -n "$want_err" ]; then printf '%s\n' "$want_err" > want.txt; else : > want.txt; fi
  if [ "$rc" != "$want_rc" ] || ! cmp -s want.txt err.txt; then
    echo "FAIL: bisheng $* (exit $rc, wanted $want_rc)"
    diff want.txt err.txt
    fails=$((fails + 1))
  fi
}

echo 'A' > a.txt
echo 'B' > b.txt

# a missing article
cat > book.yaml <<'Y'
title: T
articles:
  - a.txt
  - path: missing.md
    title: Gone
outputs:
  - name: epub
    file: out/book.epub
Y
expect 1 "bisheng: book.yaml:4: article 'missing.md' not found" build book.yaml
# -q silences progress, never errors
expect 1 "bisheng: book.yaml:4: article 'missing.md' not found" build -q book.yaml
# the default manifest is ./book.yaml
expect 1 "bisheng: book.yaml:4: article 'missing.md' not found" build

# bad YAML: line and column from libyaml, where the open construct starts (its context mark)
# and where libyaml gave up
printf 'title: T\narticles: [a.txt\noutputs: []\n' > bad.yaml
expect 1 "bisheng: bad.yaml:2:11: bad YAML: while parsing a flow sequence that starts here: did not find expected ',' or ']' at line 3, column 8" build bad.yaml
printf 'title: "T\n' > quote.yaml
expect 1 "bisheng: quote.yaml:1:8: bad YAML: while scanning a quoted scalar that starts here: found unexpected end of stream at line 2, column 1" build quote.yaml
printf 'title: T\nauthor: A\narticles:\n  - a.txt\ndescription: "open\n  quote\n\noutputs: [{file: o.epub}]\n' > open.yaml
expect 1 "bisheng: open.yaml:5:14: bad YAML: while scanning a quoted scalar that starts here: found unexpected end of stream at line 9, column 1" build open.yaml
# nesting 100,000 deep (200 KB; libyaml's scanner is quadratic in flow depth) is refused at
# once, in flow and in block style; at most 1 GB and 10 s of CPU (issue #20)
python3 -c '
open("deepflow.yaml", "w").write("title: [" + "[" * 100000 + "]" * 100000 + "]\narticles: [a.txt]\noutputs: [{file: o.epub}]\n")
open("deepblock.yaml", "w").write("title: t\narticles:\n" + "- " * 100000 + "a.txt\noutputs: [{file: o.epub}]\n")'
run=capped
expect 1 "bisheng: deepflow.yaml:1: the manifest is nested deeper than 64 levels" build deepflow.yaml
expect 1 "bisheng: deepblock.yaml:3: the manifest is nested deeper than 64 levels" build deepblock.yaml
run=

# an unknown key (with a suggestion when one is close)
cat > book.yaml <<'Y'
title: T
subtitel: S
articles: [a.txt]
outputs:
  - file: x.epub
    colour: red
Y
expect 1 "bisheng: book.yaml:2: unknown key 'subtitel' in the book (did you mean 'subtitle'?)
bisheng: book.yaml:6: unknown key 'colour' in output
bisheng: 2 errors" build book.yaml

# duplicate output names (and two outputs writing one file)
cat > book.yaml <<'Y'
title: T
articles: [a.txt]
outputs:
  - name: print
    file: a5.pdf
  - name: print
    file: a4.pdf
  - name: copy
    file: a5.pdf
Y
expect 1 "bisheng: book.yaml:6: duplicate output name 'print' (first at line 4)
bisheng: book.yaml:9: outputs 'print' and 'copy' both write 'a5.pdf'
bisheng: 2 errors" build book.yaml

# an output folder that cannot be made: a file stands in the way
echo 'not a folder' > out
cat > book.yaml <<'Y'
title: T
articles: [a.txt]
outputs:
  - name: epub
    file: out/book.epub
  - name: fine
    file: ok/book.pdf
  - name: pdf
    file: out/sub/book.pdf
Y
expect 1 "bisheng: book.yaml:4: cannot write output 'epub': 'out' is not a folder
bisheng: book.yaml:8: cannot write output 'pdf': 'out' is not a folder
bisheng: 2 errors" build book.yaml
[ -d ok ] || { echo "FAIL: the folder of a good output was not made"; fails=$((fails + 1)); }
rm -f out
# a read-only folder (root writes anywhere, so only as a normal user)
if [ "$(id -u)" != 0 ]; then
  mkdir ro && chmod 555 ro
  printf 'title: T\narticles: [a.txt]\noutputs:\n  - name: epub\n    file: ro/book.epub\n' > ro.yaml
  expect 1 "bisheng: ro.yaml:4: cannot write output 'epub': folder 'ro' is not writable: Permission denied" build ro.yaml
fi

# several problems of different kinds, all reported before stopping
cat > book.yaml <<'Y'
title: T
direction: sideways
parts:
  - title: One
    articles:
      - a.txt
      - nope/*.md
  - title: Two
    articles:
      - path: b.txt
        lang: [en]
      - gone.txt
outputs:
  - name: e
    file: e.epub
    fontsize: 9
  - name: p
    file: p.odt
Y
expect 1 "bisheng: book.yaml:2: 'direction' should be horizontal or vertical, not 'sideways'
bisheng: book.yaml:7: no article matches 'nope/*.md'
bisheng: book.yaml:11: 'lang' should be text, not a list
bisheng: book.yaml:12: article 'gone.txt' not found
bisheng: book.yaml:18: cannot tell the format of 'p.odt': add 'format: epub' or 'format: pdf'
bisheng: 5 errors" build book.yaml

# the manifest itself missing
expect 1 "bisheng: nope.yaml: cannot open: No such file or directory" build nope.yaml

# usage errors: exit 2
printf 'title: T\narticles: [a.txt]\noutputs:\n  - {name: epub, file: o.epub}\n  - {name: pdf, file: o.pdf}\n' > ok.yaml
expect 2 "bisheng: no output named 'mobi' in ok.yaml (its outputs: epub, pdf)
Try 'bisheng build --help'." build ok.yaml --only epub,mobi
expect 2 "bisheng: no output named 'ebup' in ok.yaml; did you mean 'epub'?
Try 'bisheng build --help'." build ok.yaml --only ebup
expect 2 "bisheng: -j takes a number of jobs from 1 to 1024, not '0'
Try 'bisheng build --help'." build ok.yaml -j 0
expect 2 "bisheng: option '--only' needs a value (NAME[:VOL])
Try 'bisheng build --help'." build ok.yaml --only
expect 2 "bisheng: unknown option '--frobnicate'
Try 'bisheng build --help'." build ok.yaml --frobnicate
expect 2 "bisheng: unknown option '--forse'; did you mean '--force'?
Try 'bisheng build --help'." build ok.yaml --forse
expect 2 "bisheng: option '--paper' does not apply to 'bisheng build'
Try 'bisheng build --help'." build ok.yaml --paper A4
expect 2 "bisheng: build takes one manifest, not 'ok.yaml' and 'book.yaml'
Try 'bisheng build --help'." build ok.yaml book.yaml
# --check: the manifest alone
expect 0 "bisheng: ok.yaml: 1 articles in 0 parts, outputs checked: 2" build --check ok.yaml
expect 0 "bisheng: ok.yaml: 1 articles in 0 parts, outputs checked: 1" build --check --only=pdf ok.yaml
expect 0 "" build --check -q ok.yaml

# options that do not apply to an output's format are warnings, silenced by -q
printf 'title: T\narticles: [a.txt]\noutputs:\n  - {name: e, file: o.epub, paper: A4}\n  - {name: p, file: o.pdf, css: a.txt}\n' > warn.yaml
expect 0 "bisheng: warn.yaml:4: warning: 'paper' has no effect on an EPUB output
bisheng: warn.yaml:5: warning: 'css' has no effect on a PDF output
bisheng: warn.yaml: 1 articles in 0 parts, outputs checked: 2" build --check warn.yaml
expect 0 "" build --check -q warn.yaml
# a book without a title is only a warning
printf 'articles: [a.txt]\noutputs: [{file: o.epub}]\n' > notitle.yaml
expect 0 "bisheng: notitle.yaml:1: warning: the book has no 'title'
bisheng: notitle.yaml: 1 articles in 0 parts, outputs checked: 1" build --check notitle.yaml

# an article that cannot be read: its own file and line, then the manifest entry that listed it;
# every bad article is reported; --keep-going builds the rest and still exits 1
printf 'T\n\n\377 bad\n' > bad1.txt
printf 'T\n\nok\n\000\n' > bad2.txt
printf 'title: T\narticles:\n  - a.txt\n  - bad1.txt\n  - b.txt\n  - bad2.txt\noutputs:\n  - {name: epub, file: kg.epub}\n' > kg.yaml
expect 1 "bisheng: bad1.txt:3:1: invalid UTF-8 at byte offset 3 (use --lossy to replace it) (article at kg.yaml:4)
bisheng: bad2.txt:4:1: NUL byte at byte offset 6: this looks like a binary file (article at kg.yaml:6)" build -q kg.yaml
[ ! -e kg.epub ] || { echo "FAIL: kg.epub written without --keep-going"; fails=$((fails + 1)); }
expect 1 "bisheng: bad1.txt:3:1: invalid UTF-8 at byte offset 3 (use --lossy to replace it) (article at kg.yaml:4)
bisheng: bad2.txt:4:1: NUL byte at byte offset 6: this looks like a binary file (article at kg.yaml:6)" build -q --keep-going kg.yaml
if ! unzip -l kg.epub 2>/dev/null | grep -c 'text/c[0-9]*\.xhtml' | grep -qx 2; then
  echo "FAIL: --keep-going did not build the two good articles"; unzip -l kg.epub; fails=$((fails + 1))
fi
printf 'title: T\narticles: [bad1.txt]\noutputs:\n  - {name: epub, file: none.epub}\n' > allbad.yaml
expect 1 "bisheng: bad1.txt:3:1: invalid UTF-8 at byte offset 3 (use --lossy to replace it) (article at allbad.yaml:2)" build -q -k allbad.yaml
[ ! -e none.epub ] || { echo "FAIL: an EPUB of no articles was written"; fails=$((fails + 1)); }

# --keep-going past a missing article (and a glob matching nothing): each is reported at its
# manifest line, every output is built from the others, and the exit status is still 1
printf 'title: T\narticles:\n  - a.txt\n  - path: missing.md\n    title: Gone\n  - none/*.md\n  - b.txt\noutputs:\n  - {name: epub, file: km/book.epub}\n  - {name: pdf, file: km/book.pdf}\n' > km.yaml
expect 1 "bisheng: km.yaml:4: article 'missing.md' not found
bisheng: km.yaml:6: no article matches 'none/*.md'" build -q -k km.yaml
if ! unzip -l km/book.epub 2>/dev/null | grep -c 'text/c[0-9]*\.xhtml' | grep -qx 2; then
  echo "FAIL: -k with a missing article did not build the EPUB of the two others"; fails=$((fails + 1))
fi
pdftotext km/book.pdf - 2>/dev/null | grep -q B || { echo "FAIL: -k with a missing article: no PDF of the others"; fails=$((fails + 1)); }
expect 1 "bisheng: km.yaml:4: article 'missing.md' not found
bisheng: km.yaml:6: no article matches 'none/*.md'
bisheng: km.yaml: 2 articles in 0 parts, outputs checked: 2
bisheng: 2 errors" build --check -k km.yaml
# without -k nothing is built; with -k and no article left, nothing either
rm -rf km
expect 1 "bisheng: km.yaml:4: article 'missing.md' not found
bisheng: km.yaml:6: no article matches 'none/*.md'" build -q km.yaml
[ ! -e km ] || { echo "FAIL: km/ written without --keep-going"; fails=$((fails + 1)); }
printf 'title: T\narticles: [gone.txt]\noutputs:\n  - {name: epub, file: km/none.epub}\n' > kmnone.yaml
expect 1 "bisheng: kmnone.yaml:2: article 'gone.txt' not found" build -q -k kmnone.yaml
[ ! -e km ] || { echo "FAIL: an output of no articles was written"; fails=$((fails + 1)); }

# confinement: articles, stylesheets, covers and outputs stay in the manifest's folder tree
# (absolute paths, '..', symbolic links out) unless --allow-outside; globs always do, and an
# absolute glob is refused before it is expanded (it would walk the file system)
mkdir -p conf/sub conf/pics
echo 'A' > conf/a.txt
echo 'S' > conf/sub/s.txt
echo 'secret' > outside.txt
ln -s "$T/outside.txt" conf/link.txt
mkdir away && echo 'away' > away/one.txt
ln -s "$T/away" conf/sub/up
cat > conf/book.yaml <<Y
title: T
articles:
  - a.txt
  - /etc/passwd
  - ../outside.txt
  - link.txt
  - sub/../a.txt
  - $T/conf/sub/s.txt
  - /*/*/*/*/*
  - ../*.txt
  - sub/*/../../*.txt
outputs:
  - {name: e, file: ../leak.epub}
  - {name: p, file: /tmp/leak.pdf}
  - {name: c, file: out/c.epub, css: ../outside.txt}
  - {name: ok, file: out/sub/../ok.epub}
Y
run=capped
expect 1 "bisheng: conf/book.yaml:4: article '/etc/passwd' is outside the manifest's folder (--allow-outside allows it)
bisheng: conf/book.yaml:5: article '../outside.txt' leaves the manifest's folder (--allow-outside allows it)
bisheng: conf/book.yaml:6: article 'link.txt' leads out of the manifest's folder through a symbolic link (--allow-outside allows it)
bisheng: conf/book.yaml:9: glob '/*/*/*/*/*' is outside the manifest's folder; globs stay inside it, even with --allow-outside
bisheng: conf/book.yaml:10: glob '../*.txt' leaves the manifest's folder; globs stay inside it, even with --allow-outside
bisheng: conf/book.yaml:11: glob 'sub/*/../../*.txt' uses '..' after a wildcard; globs stay inside it, even with --allow-outside
bisheng: conf/book.yaml:13: output file '../leak.epub' leaves the manifest's folder (--allow-outside allows it)
bisheng: conf/book.yaml:14: output file '/tmp/leak.pdf' is outside the manifest's folder (--allow-outside allows it)
bisheng: conf/book.yaml:15: stylesheet '../outside.txt' leaves the manifest's folder (--allow-outside allows it)
bisheng: 9 errors" build --check conf/book.yaml
run=
# with --allow-outside only the globs remain errors
expect 1 "bisheng: conf/book.yaml:9: glob '/*/*/*/*/*' is outside the manifest's folder; globs stay inside it, even with --allow-outside
bisheng: conf/book.yaml:10: glob '../*.txt' leaves the manifest's folder; globs stay inside it, even with --allow-outside
bisheng: conf/book.yaml:11: glob 'sub/*/../../*.txt' uses '..' after a wildcard; globs stay inside it, even with --allow-outside
bisheng: 3 errors" build --check --allow-outside conf/book.yaml
# a glob's matches through a link out of the folder are left out with a warning; inside
# paths written absolutely or with '..' that stays inside are fine; nothing is written outside
printf 'title: T\narticles:\n  - a.txt\n  - sub/*/*.txt\n  - sub/*.txt\noutputs:\n  - {name: e, file: out/../ok.epub}\n' > conf/globs.yaml
expect 0 "bisheng: conf/globs.yaml:4: warning: 'sub/*/*.txt': 1 match outside the manifest's folder (symbolic links) left out
bisheng: conf/globs.yaml: 2 articles in 0 parts, outputs checked: 1" build --check conf/globs.yaml
expect 0 "" build -q conf/globs.yaml
[ -s conf/ok.epub ] && [ ! -e leak.epub ] && [ ! -e /tmp/leak.pdf ] ||
  { echo "FAIL: confined outputs"; fails=$((fails + 1)); }
unzip -p conf/ok.epub '*.xhtml' | grep -qE 'secret|away' && { echo "FAIL: a file outside was read"; fails=$((fails + 1)); }
# with --allow-outside a file outside may be read and written
printf 'title: T\narticles:\n  - ../outside.txt\noutputs:\n  - {name: e, file: ../allowed.epub}\n' > conf/out.yaml
expect 0 "" build -q --allow-outside conf/out.yaml
[ -s allowed.epub ] || { echo "FAIL: --allow-outside did not write ../allowed.epub"; fails=$((fails + 1)); }

# an invalid SOURCE_DATE_EPOCH: one warning, the build goes on (--fail-if-warnings counts it)
printf 'title: T\narticles: [a.txt]\noutputs:\n  - {name: epub, file: sde.epub}\n' > sde.yaml
export SOURCE_DATE_EPOCH=soon
expect 1 "bisheng: 2 warnings (--fail-if-warnings)" build -q --fail-if-warnings sde.yaml
[ -s sde.epub ] || { echo "FAIL: SOURCE_DATE_EPOCH=soon: no output"; fails=$((fails + 1)); }
"$BIN" build --force sde.yaml 2>&1 | grep -qx "bisheng: warning: SOURCE_DATE_EPOCH 'soon' is not a number of seconds from 1970 to 9999: the current time is used" ||
  { echo "FAIL: SOURCE_DATE_EPOCH=soon: no warning"; fails=$((fails + 1)); }
unset SOURCE_DATE_EPOCH

[ $fails = 0 ] || { echo "$fails failures"; exit 1; }
echo "all build error cases pass"
