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

# Inside the typesetter: the layout dump and the drawer are two readers of the same page
# records (issue #17), so the dump neither reads draw.c (headers: cc -MM above) nor calls what
# draw.c defines (its object's symbols).
if grep -q "^src/typeset/dump.c src/typeset/draw.c$" "$tmp/graph"; then
  echo "src/typeset/dump.c includes src/typeset/draw.c"; status=1
fi
if [ -f "$BUILD/src/typeset/dump.o" ] && [ -f "$BUILD/src/typeset/draw.o" ]; then
  nm --defined-only -g "$BUILD/src/typeset/draw.o" | awk 'NF == 3 { print $3 }' | sort -u > "$tmp/def.draw"
  nm --undefined-only "$BUILD/src/typeset/dump.o" | awk '{ print $2 }' | sort -u |
    comm -12 - "$tmp/def.draw" > "$tmp/stray"
  if [ -s "$tmp/stray" ]; then
    echo "src/typeset/dump.c calls draw.c: $(tr '\n' ' ' < "$tmp/stray")"; status=1
  fi
  [ -s "$tmp/def.draw" ] || { echo "$BUILD/src/typeset/draw.o defines nothing"; status=1; }
else
  echo "no dump.o or draw.o in $BUILD: dump and draw not checked"; status=1
fi

# Only the CLI prints or exits (comment lines left out: grep -n puts "N:" before each line).
for f in src/util/*.[ch] src/doc/*.[ch] src/read/*.[ch] src/epub/*.[ch] src/typeset/*.[ch] src/build/*.[ch]; do
  [ -f "$f" ] || continue
  grep -nE '\b(exit|_exit|printf|puts)\s*\(' "$f" | grep -vE '^[0-9]+:\s*(/[*/]|\*)' &&
    { echo "$f: only the CLI prints or exits"; status=1; }
done
exit $status
