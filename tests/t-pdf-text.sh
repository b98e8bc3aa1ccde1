#!/bin/sh
# Issue #15: text that copies and searches. Vertical PDFs of the corpus in all three
# languages: every paragraph's piece on a page comes out of pdftotext (no -raw) as one
# running line equal to the layout's text (ruby readings apart), and 20 phrases of 6-12
# characters from the middle of paragraphs are found on their pages (pdf_text_check.py).
# Horizontal PDFs still extract line by line, in poppler and in MuPDF. MuPDF is asked about
# vertical text too when it honours /ActualText (1.21, Debian 12's, does not: it reads marked
# content without it; the probe below says which).
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=$(cd "${CORPUS:-../shared/corpus}" && pwd)
TESTS=$(cd "$(dirname "$0")" && pwd)
command -v pdftotext > /dev/null && command -v mutool > /dev/null || { echo "no poppler-utils/mupdf-tools"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# does this MuPDF replace marked content by its /ActualText?
python3 - "$T/probe.pdf" <<'P'
import sys
c = b"/Span <</ActualText (HELLO)>> BDC BT /F1 12 Tf 100 700 Td (xyz) Tj ET EMC\n"
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(c) + c + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
out, offs = b"%PDF-1.7\n", []
for i, o in enumerate(objs):
    offs.append(len(out))
    out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(sys.argv[1], "wb").write(out)
P
pdftotext "$T/probe.pdf" - | grep -q HELLO || fail "this poppler ignores /ActualText"
if mutool draw -q -F txt -o - "$T/probe.pdf" 2> /dev/null | grep -q HELLO; then
  vmu=--mutool
else
  echo "note: mutool $(mutool -v 2>&1 | sed -n 's/.*version //p') ignores /ActualText: its vertical text is not checked"
  vmu=
fi

for f in seed-article.txt shishuo.zh-Hant.html ah-q.zh-Hans.txt kongyiji.zh-Hans.md \
         kumo-no-ito.aozora.txt yume-juya.ja.txt; do
  "$BIN" "$CORPUS/$f" --direction vertical -o "$T/v.pdf" 2> /dev/null || { fail "$f: vertical PDF"; continue; }
  "$BIN" layout "$CORPUS/$f" --direction vertical > "$T/v.json" 2> /dev/null
  python3 "$TESTS/pdf_text_check.py" "$T/v.json" "$T/v.pdf" $vmu > "$T/out" || { fail "$f vertical"; cat "$T/out"; }
  echo "$f vertical: $(tr '\n' ' ' < "$T/out")"
  qpdf --check "$T/v.pdf" > "$T/q" 2>&1 || { fail "$f vertical: qpdf --check"; tail -3 "$T/q"; }
done
for f in seed-article.txt ah-q.zh-Hans.txt kumo-no-ito.aozora.txt; do
  "$BIN" "$CORPUS/$f" --direction horizontal -o "$T/h.pdf" 2> /dev/null || { fail "$f: horizontal PDF"; continue; }
  "$BIN" layout "$CORPUS/$f" --direction horizontal > "$T/h.json" 2> /dev/null
  python3 "$TESTS/pdf_text_check.py" "$T/h.json" "$T/h.pdf" --mutool > "$T/out" || { fail "$f horizontal"; cat "$T/out"; }
  echo "$f horizontal: $(tr '\n' ' ' < "$T/out")"
done
# Cairo's two ways of writing page contents: the CLI sets CAIRO_DEBUG_PDF (written
# uncompressed, deflated once by our filter), a program linking the library may not (deflated
# by Cairo, inflated and deflated again: pdftext.c). The library's own driver both ways: the
# same text and the same pages out of both, every stream compressed, the PDF sound.
DRIVER=${BUILD:-build/cc}/tests/test_typeset
if [ -x "$DRIVER" ]; then
  sed -n '1,80p' "$CORPUS/seed-article.txt" > "$T/s.txt"
  for d in --vertical --horizontal; do
    env -u CAIRO_DEBUG_PDF SOURCE_DATE_EPOCH=1 "$DRIVER" --pdf "$T/s.txt" $d "$T/z.pdf" ||
      fail "library PDF, Cairo compressing ($d)"
    CAIRO_DEBUG_PDF=1 SOURCE_DATE_EPOCH=1 "$DRIVER" --pdf "$T/s.txt" $d "$T/r.pdf" ||
      fail "library PDF, Cairo not compressing ($d)"
    for f in z r; do
      qpdf --check "$T/$f.pdf" > "$T/q" 2>&1 || { fail "$f $d: qpdf --check"; tail -3 "$T/q"; }
      python3 - "$T/$f.pdf" <<'P' || fail "$f $d: no stream, or one left uncompressed"
import re, sys
d = open(sys.argv[1], "rb").read()
heads = re.findall(rb"obj\n<<(.*?)>>\nstream\n", d, re.S)
sys.exit(1 if not heads or any(b"/Filter" not in h for h in heads) else 0)
P
      pdftotext "$T/$f.pdf" "$T/$f.txt"
      pdftoppm -r 40 -png "$T/$f.pdf" "$T/$f"
    done
    [ -s "$T/r.txt" ] || fail "$d: no text"
    cmp -s "$T/z.txt" "$T/r.txt" || fail "$d: other text when Cairo does not compress"
    for p in "$T"/z-*.png; do
      cmp -s "$p" "$T/r-${p##*/z-}" || fail "$d: page ${p##*/z-} drawn otherwise"
    done
    rm -f "$T"/[zr]-*.png
  done
else
  fail "no $DRIVER (make tests-build)"
fi
# ruby readings copy apart from their base: the base reads on unbroken, no reading inside it
"$BIN" "$TESTS/content/ruby.ja.html" --direction vertical -o "$T/r.pdf" || fail "ruby PDF"
pdftotext "$T/r.pdf" - | tr -d ' ' > "$T/r.txt"
grep -q '東京の東京と大和と明日の話。' "$T/r.txt" || fail "ruby: the base text is broken: $(head -c 300 "$T/r.txt")"
grep -q 'とうきょう' "$T/r.txt" || fail "ruby: the reading とうきょう is not in the text"
[ $fails = 0 ] && echo "text extraction ok"
[ $fails = 0 ]
