# Layering (style.md §1): readers and writers include only include/bisheng/ and src/util/ — a
# reader knows nothing of writers, a writer nothing of readers; only src/build/ (a manifest's
# outputs) joins them; only the CLI prints or exits.
set -u
status=0
for f in src/read/*.c src/read/*.h src/epub/*.c src/epub/*.h src/typeset/*.c src/typeset/*.h src/doc/*.c src/build/*.c; do
  [ -f "$f" ] || continue
  stage=$(basename "$(dirname "$f")")
  grep -n '#include "\.\./' "$f" | grep -v '"\.\./util/' && { echo "$f reaches into another stage"; status=1; }
  case $stage in
    read) grep -nE '#include "bisheng/(epub|typeset)\.h"' "$f" && { echo "$f: a reader includes a writer"; status=1; } ;;
    epub|typeset) grep -nE '#include "bisheng/(read|manifest)\.h"' "$f" && { echo "$f: a writer includes the readers"; status=1; } ;;
  esac
  grep -nE '\b(exit|_exit|printf|puts)\s*\(' "$f" | grep -v '^\s*/[*/]' && { echo "$f: only the CLI prints or exits"; status=1; }
done
exit $status
