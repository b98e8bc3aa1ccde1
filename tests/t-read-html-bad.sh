#!/bin/sh
# Hostile HTML: deep nesting, unclosed tags, a 20 MB single line, scripts and event handlers.
# Each must finish (bounded by `timeout 20`), succeed, keep no markup or script in the tree and
# warn at most once per kind.
BIN=${BIN:-build/cc/bisheng}
[ -x "$BIN" ] || { echo "no binary $BIN"; exit 77; }
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
open(d + "/deep.html", "w").write("<html><body>" + "<div><blockquote><ul><li>" * 20000
                                  + "deep text" + "</li></ul></blockquote></div>" * 100)
open(d + "/unclosed.html", "w").write(
    "<html><body><article><p>one <b>bold <i>both <a href='x'>link <table><tr><td>cell"
    "<p>two <ruby>漢<rt>かん<p>three</article><p>after <div <span class=")
u = "这是一段很长的中文文字，<b>粗体</b>与<i>斜体</i><a href='u'>链接</a><br>"
b = (u * (20 * 1024 * 1024 // len(u.encode()) + 1)).encode()[:20 * 1024 * 1024]
open(d + "/line.html", "w").write("<html><body><p>" + b.decode("utf-8", "ignore") + "</p></body></html>")
open(d + "/script.html", "w").write(
    "<html><head><script>alert('head')</script></head>"
    "<body onload=\"evil()\"><article><h1 onclick=\"steal()\">Title</h1>"
    "<p onmouseover=\"evil()\" style=\"x\">kept <a href=\"javascript:alert(1)\">js link</a> "
    "<img src=x onerror=alert(1)> <svg><script>alert(2)</script></svg>"
    "<iframe srcdoc=\"<script>alert(3)</script>\"></iframe>"
    "<object data=\"x.swf\"></object><form><input value=\"secret\"></form>text</p>"
    "<script>document.write('<p>injected</p>')</script><noscript>noscript text</noscript>"
    "<style>p{color:red}</style><template><p>template text</p></template></article>"
    "</body></html>")
PY
for f in deep unclosed line script; do
  if ! timeout 20 "$BIN" dump "$tmp/$f.html" > "$tmp/$f.json" 2> "$tmp/$f.err"; then
    echo "FAIL: $f.html did not finish cleanly"; head -c 500 "$tmp/$f.err"; fail=1; continue
  fi
  dups=$(sed 's/^[^ ]* warning: //' "$tmp/$f.err" | cut -c1-20 | sort | uniq -d)
  if [ -n "$dups" ]; then echo "FAIL: $f.html: repeated warnings: $dups"; fail=1; fi
  if grep -q -e '<' -e 'alert' -e 'evil' -e 'steal' -e 'javascript:' -e 'secret' \
      -e 'injected' -e 'noscript text' -e 'template text' -e 'color:red' "$tmp/$f.json"; then
    echo "FAIL: $f.html: markup or script in the tree"
    grep -n -e '<' -e 'alert' -e 'evil' -e 'javascript:' "$tmp/$f.json" | head -5; fail=1
  fi
  echo "ok: $f.html ($(wc -c < "$tmp/$f.json") bytes of dump, $(wc -l < "$tmp/$f.err") warnings)"
done
grep -q "deep text" "$tmp/deep.json" || { echo "FAIL: deep text lost"; fail=1; }
for w in one bold both link cell two three; do
  grep -q "$w" "$tmp/unclosed.json" || { echo "FAIL: unclosed: '$w' lost"; fail=1; }
done
grep -q '"type": "ruby"' "$tmp/unclosed.json" || { echo "FAIL: unclosed ruby lost"; fail=1; }
for w in Title kept "js link" text; do
  grep -q "$w" "$tmp/script.json" || { echo "FAIL: script: '$w' lost"; fail=1; }
done
exit $fail
