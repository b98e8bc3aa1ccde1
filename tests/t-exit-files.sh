#!/bin/sh
# Issue #20, exits and files: SIGINT, SIGTERM and SIGHUP during a build (one article, and a
# manifest) leave no temporary and no output, and the temporaries seen meanwhile never end in
# the output's extension; outputs honour the umask and an existing output keeps its mode; a
# damaged output of the same size is rebuilt, not reported unchanged.
set -u
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
status=0
export SOURCE_DATE_EPOCH=1700000000
fail() { echo "FAIL: $*"; status=1; }
# a few seconds of typesetting: 10,000 paragraphs
python3 -c '
with open("big.txt", "w", encoding="utf-8") as f:
    f.write("長文\n\n" + ("中文，標點。「引號」與（括號）——破折號……" * 10 + "\n\n") * 10000)
with open("small.txt", "w", encoding="utf-8") as f:
    f.write("短文\n\n一段話。\n")
'
printf 'title: 書\nlang: zh-Hant\narticles:\n  - big.txt\noutputs:\n  - file: out/book.pdf\n' > big.yaml
printf 'title: 書\nlang: zh-Hant\narticles:\n  - small.txt\noutputs:\n  - file: out/small.epub\n' > small.yaml
mkdir out
# $1 signal, $2 its number, then the command: waits for a temporary, sends the signal
interrupt() {
  sig=$1 num=$2; shift 2
  "$@" > /dev/null 2>&1 &
  pid=$!
  seen=
  for _ in $(seq 300); do
    seen=$({ ls -A; ls -A out; } | grep -E '\.(tmp|new)-')
    [ -n "$seen" ] && break
    sleep 0.05
  done
  [ -n "$seen" ] || fail "$sig ($*): no temporary seen"
  echo "$seen" | grep -qE '\.(pdf|epub)$' && fail "$sig ($*): a temporary ends in the output's extension: $seen"
  kill -"$sig" $pid
  wait $pid
  rc=$?
  [ $rc = $((128 + num)) ] || fail "$sig ($*): exit $rc, want $((128 + num))"
  left=$({ ls -A; ls -A out; } | grep -vE '^(out|big\.txt|small\.txt|big\.yaml|small\.yaml)$')
  [ -z "$left" ] || fail "$sig ($*): left behind: $left"
  rm -f out/.*.bisheng
}
interrupt INT 2 "$BIN" big.txt -o book.pdf
interrupt TERM 15 "$BIN" big.txt -o book.pdf
interrupt HUP 1 "$BIN" build big.yaml
interrupt INT 2 "$BIN" build big.yaml

# modes: a new output follows the umask; an existing output keeps its own
(umask 077 && "$BIN" small.txt -q -o private.epub) || fail "umask 077 build"
[ "$(stat -c %a private.epub)" = 600 ] || fail "umask 077: mode $(stat -c %a private.epub), want 600"
(umask 022 && "$BIN" small.txt -q -o public.pdf) || fail "umask 022 build"
[ "$(stat -c %a public.pdf)" = 644 ] || fail "umask 022: mode $(stat -c %a public.pdf), want 644"
echo old > kept.epub && chmod 640 kept.epub
"$BIN" small.txt -q -o kept.epub || fail "build over a 0640 file"
[ "$(stat -c %a kept.epub)" = 640 ] || fail "existing 0640 output: mode $(stat -c %a kept.epub)"
(umask 077 && "$BIN" build -q small.yaml) || fail "manifest build under umask 077"
[ "$(stat -c %a out/small.epub)" = 600 ] || fail "manifest under umask 077: mode $(stat -c %a out/small.epub), want 600"

# a damaged output of the same size is rebuilt
cp out/small.epub good.epub
python3 -c '
import sys
b = bytearray(open("out/small.epub", "rb").read()); b[len(b) // 2] ^= 0xFF
open("out/small.epub", "wb").write(b)'
cmp -s good.epub out/small.epub && fail "the damage did not take"
"$BIN" build small.yaml 2> err.txt || fail "rebuild: $(cat err.txt)"
grep -q unchanged err.txt && fail "a damaged output reported unchanged: $(cat err.txt)"
cmp -s good.epub out/small.epub || fail "the damaged output was not rebuilt"
"$BIN" build small.yaml 2> err.txt || fail "third build: $(cat err.txt)"
grep -q unchanged err.txt || fail "an intact output was rebuilt: $(cat err.txt)"
exit $status
