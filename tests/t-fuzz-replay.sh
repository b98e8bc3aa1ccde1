# Replays every fuzz target (built without libFuzzer, tests/fuzz/replay.c) over the shared
# corpus, the bad-input files and that target's past crashers (tests/fuzz/crashers/TARGET/).
set -u
n=0
for r in "$BUILD"/fuzz/replay_*; do
  [ -x "$r" ] || continue
  t=${r##*/replay_}
  crashers=$(find "tests/fuzz/crashers/$t" -type f ! -name .keep 2>/dev/null)
  # shellcheck disable=SC2086
  out=$(timeout 600 "$r" "$CORPUS"/*.* tests/bad/*.txt $crashers) || { echo "$r failed"; exit 1; }
  echo "$t: $out, $(echo $crashers | wc -w) crashers"
  n=$((n + 1))
done
[ $n -ge 6 ] || { echo "only $n replay binaries in $BUILD/fuzz (want 6: text md html manifest epub pdf)"; exit 1; }
