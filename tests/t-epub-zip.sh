#!/bin/sh
# The EPUB container as libzip writes it for bisheng (src/epub/container.c): OCF's mimetype rule
# byte for byte, every entry's CRC, sizes and time, no data descriptors and no ZIP64 extra
# fields (each part gives libzip its size), plain files, the order of the files in a book
# (pages made by the producer thread) and in a single article (made without it); the same
# bytes with -j 1 and -j 4, in any time zone, and through `-o -` (libzip cannot write to a pipe).
BIN=${BIN:-build/cc/bisheng}
CORPUS=${CORPUS:-../shared/corpus}
seed="$CORPUS/seed-article.txt"
"$BIN" dump "$seed" > /dev/null || { echo "FAIL: the text reader cannot read $seed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1700000000
status=0

"$BIN" -q "$seed" -o "$tmp/one.epub" || { echo "FAIL: single article"; exit 1; }
set --
for f in "$CORPUS"/*.txt "$CORPUS"/*.md "$CORPUS"/*.html; do set -- "$@" "$f" "$f"; done
"$BIN" -q "$@" -o "$tmp/book.epub" || { echo "FAIL: book"; exit 1; }
# -j 1 writes on one thread (no producer thread ahead of libzip): the same bytes
for j in 1 4; do
  "$BIN" -q -j $j "$@" -o "$tmp/book-j.epub" || { echo "FAIL: book with -j $j"; exit 1; }
  cmp -s "$tmp/book.epub" "$tmp/book-j.epub" || { echo "FAIL: the book differs with -j $j"; status=1; }
done
# zip_file_set_mtime converts with local time: the entries' time must not move with TZ
for tz in Pacific/Chatham America/St_Johns; do
  TZ=$tz "$BIN" -q "$@" -o "$tmp/book-tz.epub" || { echo "FAIL: book in $tz"; exit 1; }
  cmp -s "$tmp/book.epub" "$tmp/book-tz.epub" || { echo "FAIL: the book differs in TZ=$tz"; status=1; }
done
"$BIN" -q -t epub "$@" -o - | cat > "$tmp/book-pipe.epub" || { echo "FAIL: -o - into a pipe"; exit 1; }
cmp -s "$tmp/book.epub" "$tmp/book-pipe.epub" || { echo "FAIL: -o - differs from the file"; status=1; }

for e in "$tmp/one.epub" "$tmp/book.epub"; do
  python3 - "$e" <<'EOF' || status=1
import struct, sys, time, zipfile
path = sys.argv[1]
raw = open(path, "rb").read()
bad = []
# OCF: the first local header is mimetype, stored, no extra field, its bytes right after
if raw[:4] != b"PK\x03\x04" or raw[30:38] != b"mimetype" or raw[38:58] != b"application/epub+zip":
    bad.append("mimetype is not the first, plain, stored entry")
flags, method = struct.unpack("<HH", raw[6:10])
if method != 0 or struct.unpack("<H", raw[28:30])[0] != 0:
    bad.append("mimetype compressed or with an extra field")
z = zipfile.ZipFile(path)
if z.testzip() is not None:
    bad.append("CRC mismatch in " + z.testzip())
want = time.gmtime(1700000000)[:5]
names = z.namelist()
for i in z.infolist():
    if i.flag_bits & 0x8:
        bad.append(i.filename + ": data descriptor")
    if i.date_time[:5] != want:
        bad.append(i.filename + ": time %r" % (i.date_time,))
    if (i.external_attr >> 16) != 0o100644:
        bad.append(i.filename + ": mode %o" % (i.external_attr >> 16))
    if i.filename.endswith((".xhtml", ".css", ".opf", ".ncx", ".xml")) and i.compress_type != 8:
        bad.append(i.filename + ": not deflated")
    # the local header agrees with the central directory
    off = i.header_offset
    lcrc, lcsize, lusize = struct.unpack("<III", raw[off + 14:off + 26])
    if (lcrc, lcsize, lusize) != (i.CRC, i.compress_size, i.file_size):
        bad.append(i.filename + ": local header differs from the central directory")
    if struct.unpack("<H", raw[off + 28:off + 30])[0] != 0 or i.extra:
        bad.append(i.filename + ": an extra field (ZIP64 without a need)")
# every manifest item is in the container, chapters in spine order
opf = z.read("EPUB/content.opf").decode()
import re
for href in re.findall(r'<item id="[^"]*" href="([^"]*)"', opf):
    if "EPUB/" + href not in names:
        bad.append("manifest item missing: " + href)
chapters = [n for n in names if re.match(r"EPUB/text/c\d{4}\.xhtml$", n)]
if chapters != sorted(chapters) or not chapters:
    bad.append("chapters out of order: %r" % chapters[:5])
for b in bad[:10]:
    print("FAIL: %s: %s" % (path.split("/")[-1], b))
sys.exit(1 if bad else 0)
EOF
done
exit $status
