#!/bin/sh
# Hostile Markdown: thousands of nested quotes and lists, a 20 MB single line, raw script and
# event handlers. Each must finish (bounded by `timeout 20`), succeed, keep no raw markup in the
# tree and warn at most once per kind.
BIN=${BIN:-build/cc/bisheng}
[ -x "$BIN" ] || { echo "no binary $BIN"; exit 77; }
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
open(d + "/quotes.md", "w").write(">" * 50000 + " deep quote\n" + "> " * 20000 + "spaced\n")
open(d + "/lists.md", "w").write("".join("  " * i + "- item%d\n" % i for i in range(3000))
                                 + "- " * 30000 + "flat\n" + "1. " * 20000 + "num\n")
u = "这是一段很长的中文文字，用来测试单行输入的处理速度，没有任何换行符号。" * 3 + "**粗体**与 *a* `code` [l](u) "
b = (u * (20 * 1024 * 1024 // len(u.encode()) + 1)).encode()[:20 * 1024 * 1024]
open(d + "/line.md", "w").write(b.decode("utf-8", "ignore") + "\n")
open(d + "/stars.md", "w").write("*a " * 200000 + "**b " * 200000 + "\n" + "[" * 100000 + "\n")
open(d + "/script.md", "w").write(
    "text <script>alert('x')</script> more <img src=x onerror=alert(1)> end\n\n"
    "<div onclick=\"steal()\"><p>kept text</p><style>p{}</style></div>\n\n"
    "<a href=\"javascript:evil()\" onmouseover=\"evil2()\">link text</a>\n\n"
    "[click](javascript:alert(3)) <iframe src=\"http://x\"></iframe>\n")
PY
for f in quotes lists line stars script; do
  if ! timeout 20 "$BIN" dump "$tmp/$f.md" > "$tmp/$f.json" 2> "$tmp/$f.err"; then
    echo "FAIL: $f.md did not finish cleanly"; head -c 500 "$tmp/$f.err"; fail=1; continue
  fi
  # warnings: one line per kind at most
  dups=$(sort "$tmp/$f.err" | sed 's/^[^ ]* warning: //' | cut -c1-20 | sort | uniq -d)
  if [ -n "$dups" ]; then echo "FAIL: $f.md: repeated warnings: $dups"; fail=1; fi
  if grep -q -e '<script' -e 'onerror' -e 'onclick' -e 'javascript:' -e 'alert(' -e '<div' \
      -e '<iframe' -e 'steal' -e '<style' "$tmp/$f.json"; then
    echo "FAIL: $f.md: raw markup in the tree"; grep -n -e '<script' -e 'onerror' -e 'javascript:' -e '<div' "$tmp/$f.json" | head; fail=1
  fi
  echo "ok: $f.md ($(wc -c < "$tmp/$f.json") bytes of dump, $(wc -l < "$tmp/$f.err") warnings)"
done
grep -q "deep quote" "$tmp/quotes.json" || { echo "FAIL: quote text lost"; fail=1; }
grep -q "item2999" "$tmp/lists.json" || { echo "FAIL: list text lost"; fail=1; }
grep -q "kept text" "$tmp/script.json" || { echo "FAIL: html block text lost"; fail=1; }
grep -q "link text" "$tmp/script.json" || { echo "FAIL: link text lost"; fail=1; }
grep -q "nesting" "$tmp/quotes.err" || { echo "FAIL: no depth warning"; fail=1; }
exit $fail
