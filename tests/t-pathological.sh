# Pathological inputs finish (hang guard only; speed is measured by make bench): a 50 MB
# article, a 300 KB CJK paragraph full of punctuation, a long Latin paragraph, deep-looking
# markers. Each must succeed within a generous timeout.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$CORPUS/seed-article.txt" <<'PY'
import sys
d, seed = sys.argv[1], sys.argv[2]
body = open(seed, encoding="utf-8").read()
lines = body.split("\n")[6:]
with open(d + "/big.txt", "w", encoding="utf-8") as f:
    f.write(body)
    while f.tell() < 50 * 1024 * 1024:
        f.write("\n".join(lines) + "\n")
with open(d + "/cjk.txt", "w", encoding="utf-8") as f:
    f.write("標題\n\n" + "中文.(甲)“乙”,丙..." * 20000 + "\n")
with open(d + "/latin.txt", "w", encoding="utf-8") as f:
    f.write("Title\n\n" + "word, (x) 'y' \"z\" 1,000 ... " * 20000 + "\n")
with open(d + "/stars.txt", "w", encoding="utf-8") as f:
    f.write("標題\n\n" + "**" * 150000 + "\n" + "一、" * 100000 + "\n")
PY
for f in big cjk latin stars; do
  timeout 300 "$BIN" dump "$tmp/$f.txt" > "$tmp/$f.json" || { echo "$f: failed or timed out"; exit 1; }
  python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/$f.json" || { echo "$f: bad JSON"; exit 1; }
done
