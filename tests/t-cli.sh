# The command line: dump from a file and from stdin, exit codes, one-line errors on bad input,
# no half-written output.
set -u
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# dump of a file and of stdin give the same tree
"$BIN" dump "$CORPUS/seed-article.txt" > "$tmp/a.json" || fail "dump exit"
"$BIN" dump - < "$CORPUS/seed-article.txt" > "$tmp/b.json" || fail "dump stdin exit"
cmp -s "$tmp/a.json" "$tmp/b.json" || fail "stdin dump differs"
python3 - "$tmp/a.json" <<'PY' || fail "seed tree"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["meta"]
assert m["title"] == "美俄峯會後俄烏戰爭及歐洲安全走向", m
assert m["source"] == "風聞" and m["authors"] == ["徐秉君"] and m["tags"] == ["原創"], m
assert m["lang"] == "zh-Hant" and m["affiliation"].startswith("華語智庫"), m
heads = [b for b in d["blocks"] if b["type"] == "heading"]
assert [h["children"][0]["text"][:2] for h in heads] == ["一、", "二、", "三、", "結語"], heads
assert all(h["level"] == 1 for h in heads)
strong = [c for b in d["blocks"] for c in b.get("children", []) if c["type"] == "strong"]
assert len(strong) == 3, len(strong)
figs = [b for b in d["blocks"] if b["type"] == "figure"]
assert len(figs) == 1 and figs[0]["src"] is None and "Sputnik" in figs[0]["credit"], figs
text = json.dumps(d, ensure_ascii=False)
assert "徐秉君-新华社" not in text and "_風聞" not in text  # chrome not in the body
for latin in ("B-2", "F-22", "2025年"):
    assert latin in text, latin
assert "，" in text and "," not in "".join(c.get("text", "") for b in d["blocks"] for c in b.get("children", []))
PY

# --version and --help
"$BIN" --version | grep -q '^bisheng [0-9]' || fail "--version"
"$BIN" --help | grep -q 'Usage:' || fail "--help"

# usage errors: exit 2
"$BIN" dump > /dev/null 2>&1; [ $? = 2 ] || fail "dump without input should exit 2"
"$BIN" "$CORPUS/seed-article.txt" --bogus -o x.epub 2> "$tmp/err"; [ $? = 2 ] || fail "unknown option exit"
grep -q "unknown option '--bogus'" "$tmp/err" || fail "unknown option message"
"$BIN" "$CORPUS/seed-article.txt" -o "$tmp/x.doc" 2> "$tmp/err"; [ $? = 2 ] || fail "unknown format exit"
"$BIN" "$tmp/in.txt" -o "$tmp/in.txt" 2> "$tmp/err"; [ $? = 2 ] || fail "output = input should be refused"
grep -q "is also an input" "$tmp/err" || fail "output = input message"

# bad input: exit 1, exactly one line `file:line:col: message`
printf '標題\n\n第一段\377正文\n' > "$tmp/bad.txt"
"$BIN" dump "$tmp/bad.txt" > "$tmp/out" 2> "$tmp/err"; [ $? = 1 ] || fail "invalid UTF-8 exit"
[ "$(cat "$tmp/err")" = "$tmp/bad.txt:3:4: invalid UTF-8 at byte offset 17 (use --lossy to replace it)" ] || fail "invalid UTF-8 message: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "output written on error"
"$BIN" dump --lossy "$tmp/bad.txt" > "$tmp/out" 2> "$tmp/err" || fail "--lossy exit"
grep -q '�' "$tmp/out" || fail "--lossy replacement"
grep -q 'warning: invalid UTF-8 replaced' "$tmp/err" || fail "--lossy warning"
: > "$tmp/empty.txt"
"$BIN" dump "$tmp/empty.txt" 2> "$tmp/err"; [ $? = 1 ] || fail "empty exit"
[ "$(cat "$tmp/err")" = "$tmp/empty.txt: the file is empty" ] || fail "empty message: $(cat "$tmp/err")"
"$BIN" dump "$tmp/missing.txt" 2> "$tmp/err"; [ $? = 1 ] || fail "missing exit"
grep -q "^$tmp/missing.txt: cannot open: No such file or directory$" "$tmp/err" || fail "missing message"
printf '只有標題\n' > "$tmp/title.txt"
"$BIN" dump "$tmp/title.txt" > /dev/null 2> "$tmp/err" || fail "title-only should build"
[ "$(wc -l < "$tmp/err")" = 1 ] || fail "title-only: one warning expected"
exit 0
