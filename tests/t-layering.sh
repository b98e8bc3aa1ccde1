# Layering (style.md §1): readers and writers depend only on the tree (include/bisheng/ node.h,
# error.h) and src/util/; a reader knows nothing of writers, a writer nothing of readers; only
# src/build/ (the book project: manifests and their outputs) joins them; only the CLI prints or
# exits. Checked on the real graphs, not on the text of the #include lines:
#   - headers: what the compiler reads for each file (cc -MM, so an include of an include
#     counts: manifest.h pulled in epub.h and typeset.h);
#   - calls: the bs_ symbols each stage's objects use, against the stages that define them
#     (nm on $BUILD's objects, so a call through a local declaration counts too).
set -u
BUILD=${BUILD:-build/cc}
CC=${CC:-cc}
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What a file of a stage may not depend on: the other stages' folders and public headers.
forbidden() {
  case $1 in
    util) echo "src/doc src/read src/epub src/typeset src/build src/cli include/bisheng/read.h include/bisheng/epub.h include/bisheng/typeset.h include/bisheng/manifest.h include/bisheng/settings.h include/bisheng/bisheng.h" ;;
    doc) echo "src/read src/epub src/typeset src/build src/cli include/bisheng/read.h include/bisheng/epub.h include/bisheng/typeset.h include/bisheng/manifest.h include/bisheng/settings.h include/bisheng/bisheng.h" ;;
    read) echo "src/doc src/epub src/typeset src/build src/cli include/bisheng/epub.h include/bisheng/typeset.h include/bisheng/manifest.h include/bisheng/settings.h include/bisheng/bisheng.h" ;;
    epub) echo "src/doc src/read src/typeset src/build src/cli include/bisheng/read.h include/bisheng/typeset.h include/bisheng/manifest.h include/bisheng/settings.h include/bisheng/bisheng.h" ;;
    typeset) echo "src/doc src/read src/epub src/build src/cli include/bisheng/read.h include/bisheng/epub.h include/bisheng/manifest.h include/bisheng/settings.h include/bisheng/bisheng.h" ;;
    build) echo "src/doc src/read src/epub src/typeset src/cli" ;;
  esac
}

# Headers: one cc -MM over every file (a rule a file: its own name first, then what it reads).
# -MG: a library header missing here is named, not an error; FT_FREETYPE_H and the like need
# the libraries' flags, taken from the Makefile's PKGS. Only the project's own files are
# judged; "src/read/../util/util.h" is folded to "src/util/util.h".
pkgs=$(sed -n '/^PKGS :=/,/[^\\]$/p' Makefile | sed 's/PKGS :=//; s/\\//')
files=$(ls src/util/*.[ch] src/doc/*.[ch] src/read/*.[ch] src/epub/*.[ch] src/typeset/*.[ch] src/build/*.[ch] 2> /dev/null)
# shellcheck disable=SC2086
if ! $CC -std=c11 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags $pkgs 2> /dev/null) -MM -MG $files > "$tmp/deps" 2> "$tmp/err"; then
  echo "cc -MM failed:"; cat "$tmp/err"; status=1
fi
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$tmp/deps" |
  awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^(src|include)\//) {
           d = $i; while (sub(/[^\/]+\/\.\.\//, "", d)) ; print $2, d } }' | sort -u > "$tmp/graph"
for s in util doc read epub typeset build; do
  for bad in $(forbidden $s); do echo "$s $bad"; done
done > "$tmp/rules"
for f in $files; do
  grep -q "^$f " "$tmp/graph" || { echo "$f: cc -MM did not list it"; status=1; }
done
awk 'NR == FNR { bad[$1] = bad[$1] " " $2; next }
     { n = split($1, p, "/"); stage = p[n - 1]; m = split(bad[stage], b, " ")
       for (i = 1; i <= m; i++)
         if (index($2, b[i] "/") == 1 || $2 == b[i]) print $1 " (" stage ") depends on " $2 }' \
  "$tmp/rules" "$tmp/graph" > "$tmp/hits"
[ -s "$tmp/hits" ] && { cat "$tmp/hits"; status=1; }

# Calls: every bs_ symbol a stage's objects leave undefined must be defined by the stage itself
# or by a stage it may use.
# The objects of the stage's sources (a stale object of a moved file does not count).
objs() { for c in src/$1/*.c; do echo "$BUILD/${c%.c}.o"; done; }
if [ -f "$BUILD/src/read/read.o" ]; then
  for s in util doc read epub typeset build; do
    nm --defined-only -g $(objs $s) 2> /dev/null | awk 'NF == 3 { print $3 }' | sort -u > "$tmp/def.$s"
  done
  allowed() {
    case $1 in
      util) echo util ;;
      doc) echo "doc util" ;;
      read|epub|typeset) echo "$1 doc util" ;;
      build) echo "build read epub typeset doc util" ;;
    esac
  }
  for s in util doc read epub typeset build; do
    cat $(for a in $(allowed $s); do echo "$tmp/def.$a"; done) | sort -u > "$tmp/ok"
    nm --undefined-only $(objs $s) 2> /dev/null | awk '$2 ~ /^bs_/ { print $2 }' |
      sort -u | comm -23 - "$tmp/ok" > "$tmp/stray"
    if [ -s "$tmp/stray" ]; then
      echo "src/$s calls what it may not (or what nothing defines): $(tr '\n' ' ' < "$tmp/stray")"
      status=1
    fi
  done
else
  echo "no objects in $BUILD: call graph not checked"; status=1
fi

# Inside the typesetter (issue #17): the layout makes complete page records (lines, folios,
# running heads, figure places, note rules, links, the contents' numbers) and the drawer and
# the layout dump are two readers of them. So a reader never calls the layout (shaping,
# breaking, pagination: the dump would then show what it computed, not what is drawn), and
# the layout never calls a reader. Both use the shared services: faces and font subsets,
# character classes, the context and its warnings (font.c, subset.c, runs.c, typeset.c,
# which also runs the two sides). Every other file of src/typeset/ is layout, so a new file
# is checked as layout until it is named here.
ts_readers="draw dump image pdftext pdfup"
ts_services="font subset runs typeset"
for f in $ts_readers $ts_services; do
  [ -f "src/typeset/$f.c" ] || { echo "t-layering: src/typeset/$f.c is named here but does not exist"; status=1; }
done
ts_layout=$(for c in src/typeset/*.c; do
  b=$(basename "$c" .c)
  case " $ts_readers $ts_services " in *" $b "*) ;; *) echo "$b" ;; esac
done)
if grep -q "^src/typeset/dump.c src/typeset/draw.c$" "$tmp/graph"; then
  echo "src/typeset/dump.c includes src/typeset/draw.c"; status=1
fi
# defs SIDE-FILES: the global symbols those objects define; undef: those they use
ts_defs() { for b in $1; do nm --defined-only -g "$BUILD/src/typeset/$b.o"; done 2> /dev/null | awk 'NF == 3 { print $3 }' | sort -u; }
ts_undef() { for b in $1; do nm --undefined-only "$BUILD/src/typeset/$b.o" | awk -v f="$b" '{ print $2, f }'; done 2> /dev/null | sort -u; }
ts_missing=0
for b in $ts_readers $ts_layout; do
  [ -f "$BUILD/src/typeset/$b.o" ] || { echo "no $BUILD/src/typeset/$b.o: the typesetter's sides not checked"; status=1; ts_missing=1; }
done
if [ $ts_missing = 0 ]; then
  ts_defs "$ts_layout" > "$tmp/def.layout"
  ts_defs "$ts_readers" > "$tmp/def.readers"
  [ -s "$tmp/def.layout" ] && [ -s "$tmp/def.readers" ] || { echo "the typesetter's objects define nothing"; status=1; }
  ts_undef "$ts_readers" | join - "$tmp/def.layout" > "$tmp/stray"
  if [ -s "$tmp/stray" ]; then
    echo "the drawer or the layout dump calls the layout:"; awk '{ print "  src/typeset/" $2 ".c calls " $1 }' "$tmp/stray"; status=1
  fi
  ts_undef "$ts_layout" | join - "$tmp/def.readers" > "$tmp/stray"
  if [ -s "$tmp/stray" ]; then
    echo "the layout calls the drawer or the layout dump:"; awk '{ print "  src/typeset/" $2 ".c calls " $1 }' "$tmp/stray"; status=1
  fi
fi

# Only the CLI prints or exits (comment lines left out: grep -n puts "N:" before each line).
for f in src/util/*.[ch] src/doc/*.[ch] src/read/*.[ch] src/epub/*.[ch] src/typeset/*.[ch] src/build/*.[ch]; do
  [ -f "$f" ] || continue
  grep -nE '\b(exit|_exit|printf|puts)\s*\(' "$f" | grep -vE '^[0-9]+:\s*(/[*/]|\*)' &&
    { echo "$f: only the CLI prints or exits"; status=1; }
done
exit $status
