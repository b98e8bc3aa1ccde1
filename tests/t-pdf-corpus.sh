#!/bin/sh
# Issue #4, PDF side, every corpus article (one that cannot be read fails), both directions:
# pdftotext -raw holds every presented character in order (§0.9); pdffonts shows every font
# embedded; two builds with SOURCE_DATE_EPOCH are byte-identical; mutool stext positions of
# every page match the layout dump (§12.2; #19: a vertical line's glyphs, which the PDF filter
# writes each after its move, must land where the layout put them).
. tests/typeset-lib.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1700000000
arts=$(tt_articles) || exit 1
n=0 bad=0
for f in $arts; do
  b=$(basename "$f")
  flag=$(tt_source "$f" "$tmp/src")
  for d in horizontal vertical; do
    n=$((n + 1))
    tt_pdf "$f" $d "$tmp/a.pdf" && tt_layout "$f" $d "$tmp/d.json" || { echo "FAIL $b $d: no PDF"; bad=1; continue; }
    pdftotext -raw "$tmp/a.pdf" "$tmp/a.txt" || { echo "FAIL $b $d: pdftotext"; bad=1; continue; }
    if ! python3 tests/typeset_check.py "$tmp/d.json" "$tmp/src" $flag --pdf-text "$tmp/a.txt" > "$tmp/out"; then
      echo "FAIL $b $d:"; cat "$tmp/out"; bad=1
    fi
    if pdffonts "$tmp/a.pdf" | tail -n +3 | awk '$(NF-4) != "yes" { bad = 1 } END { exit bad }'; then :; else
      echo "FAIL $b $d: a font is not embedded"; pdffonts "$tmp/a.pdf"; bad=1
    fi
    [ "$(pdffonts "$tmp/a.pdf" | tail -n +3 | wc -l)" -ge 1 ] || { echo "FAIL $b $d: no fonts"; bad=1; }
    # subsets are made before drawing: a glyph left out would embed the whole face again
    # (name, encoding): Cairo sets the Latin glyphs of a TrueType face apart as a WinAnsi subset
    dup=$(pdffonts "$tmp/a.pdf" | tail -n +3 | awk '{ sub(/^[A-Z]+\+/, "", $1); print $1, $(NF-5) }' | sort | uniq -d)
    [ -z "$dup" ] || { echo "FAIL $b $d: fonts embedded twice: $dup"; bad=1; }
    tt_pdf "$f" $d "$tmp/b.pdf"
    cmp -s "$tmp/a.pdf" "$tmp/b.pdf" || { echo "FAIL $b $d: two builds differ"; bad=1; }
    mutool draw -F stext -o "$tmp/s.xml" "$tmp/a.pdf" 2> /dev/null
    pages=$(pdfinfo "$tmp/a.pdf" | awk '/^Pages:/ { print $2 }')
    python3 tests/pdf_stext_check.py "$tmp/d.json" "$tmp/s.xml" "$pages" > "$tmp/st" || { echo "FAIL $b $d: stext"; cat "$tmp/st"; bad=1; }
    pdfinfo "$tmp/a.pdf" | grep -q '^Creator: *bisheng ' || { echo "FAIL $b $d: creator"; bad=1; }
    echo "ok $b $d: $(tail -n 1 "$tmp/out"); stext: $(tail -n 1 "$tmp/st")"
  done
done
# Columns longer than the page is wide and 9 em (draw.c: column): Cairo breaks the stand-in
# baseline with moves of its own, which the filter takes out and makes up for
set -- "$CORPUS/seed-article.txt" --direction vertical --paper 90x297mm --font-size 6
if "$BIN" "$@" -o "$tmp/t.pdf" && "$BIN" layout "$@" > "$tmp/t.json"; then
  em=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
print(round(d["measure"] / d["size"]), round(d["page"]["width"] / d["size"]))' "$tmp/t.json")
  set -- $em
  [ "$1" -gt $(($2 + 18)) ] || { echo "FAIL tall page: columns of $1 em, the page $2 em wide"; bad=1; }
  mutool draw -F stext -o "$tmp/s.xml" "$tmp/t.pdf" 2> /dev/null
  pages=$(pdfinfo "$tmp/t.pdf" | awk '/^Pages:/ { print $2 }')
  python3 tests/pdf_stext_check.py "$tmp/t.json" "$tmp/s.xml" "$pages" > "$tmp/st" || { echo "FAIL tall page: stext"; cat "$tmp/st"; bad=1; }
  echo "ok tall page (columns of $1 em, the page $2 em wide): stext: $(tail -n 1 "$tmp/st")"
else
  echo "FAIL tall page: no PDF"; bad=1
fi
exit $bad
