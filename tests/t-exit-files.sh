#!/bin/sh
# Issue #20, exits and files: SIGINT, SIGTERM and SIGHUP during a build (one article, and a
# manifest) leave no temporary and no output, and the temporaries seen meanwhile never end in
# the output's extension; outputs honour the umask and an existing output keeps its mode; a
# damaged output of the same size is rebuilt, not reported unchanged.
set -u
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
T=$(mktemp -d)
trap 'umount "$T/tiny" 2> /dev/null; rm -rf "$T"' EXIT
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

# a full disk while writing: the message names the output, nothing is left behind (the
# file-size limit stands in for a full disk: with SIGXFSZ ignored, writes past it fail with
# EFBIG; a 64 KB tmpfs gives the real ENOSPC where it can be mounted); Cairo's stream and
# libzip's fail the same way, and so do manifest builds and standard output
python3 -c '
import random
r = random.Random(20)
with open("many.txt", "w", encoding="utf-8") as f:
    f.write("多段\n\n" + "".join("".join(chr(r.randrange(0x4E00, 0x9FA0)) for _ in range(400)) + "。\n\n" for _ in range(150)))'
printf 'title: 書\narticles: [many.txt]\noutputs:\n  - file: out/full.pdf\n  - file: out/full.epub\n' > full.yaml
before=$(ls -A | grep -v '^err\.txt$'; ls -A out)
full() { (trap '' XFSZ; ulimit -f 16; exec "$@"); }
for out in full.epub full.pdf; do
  full "$BIN" many.txt -q -o $out 2> err.txt
  rc=$?
  [ $rc = 1 ] && [ "$(cat err.txt)" = "$out: write error: File too large" ] ||
    fail "$out past the size limit: exit $rc, stderr: $(cat err.txt)"
done
full "$BIN" build -q full.yaml 2> err.txt
[ $? = 1 ] && [ "$(cat err.txt)" = "bisheng: out/full.pdf: write error: File too large
bisheng: out/full.epub: write error: File too large" ] || fail "manifest past the size limit: $(cat err.txt)"
"$BIN" many.txt -q -t epub -o - > /dev/full 2> err.txt
[ $? = 1 ] && [ "$(cat err.txt)" = "-: write error on standard output: No space left on device" ] ||
  fail "stdout on /dev/full: $(cat err.txt)"
mkdir tiny
if mount -t tmpfs -o size=64k tmpfs tiny 2> /dev/null; then
  head -c 50000 /dev/zero > tiny/fill
  for out in tiny/a.epub tiny/a.pdf; do
    "$BIN" many.txt -q -o $out 2> err.txt
    [ $? = 1 ] && [ "$(cat err.txt)" = "$out: write error: No space left on device" ] || fail "$out on a full disk: $(cat err.txt)"
  done
  [ "$(ls -A tiny)" = fill ] || fail "a full disk: left behind: $(ls -A tiny)"
  umount tiny
else
  echo "note: no tmpfs can be mounted here: the full-disk case ran with the file-size limit only"
fi
rmdir tiny
after=$(ls -A | grep -v '^err\.txt$'; ls -A out)
[ "$before" = "$after" ] || fail "past the size limit: left behind: $after"

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
