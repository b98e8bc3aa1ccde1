# Replays every fuzz target (built without libFuzzer, tests/fuzz/replay.c) over the shared
# corpus, the bad-input files and that target's past crashers (tests/fuzz/crashers/TARGET/).
# The Markdown target also replays the hostile inputs seed.py generates for it (front matter
# and tables, issue #20).
set -u
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
python3 tests/fuzz/seed.py md "$gen" "$CORPUS" --generated-only || { echo "seed.py failed"; exit 1; }
[ "$(ls "$gen" | wc -l)" -ge 7 ] || { echo "seed.py made $(ls "$gen" | wc -l) generated seeds"; exit 1; }
n=0
for r in "$BUILD"/fuzz/replay_*; do
  [ -x "$r" ] || continue
  t=${r##*/replay_}
  crashers=$(find "tests/fuzz/crashers/$t" -type f ! -name .keep 2>/dev/null)
  # shellcheck disable=SC2086
  extra=
  [ "$t" = md ] && extra=$(ls "$gen"/gen-*)
  # shellcheck disable=SC2086
  out=$(timeout 600 "$r" "$CORPUS"/*.* tests/bad/*.txt $crashers $extra) || { echo "$r failed"; exit 1; }
  echo "$t: $out, $(echo $crashers | wc -w) crashers"
  n=$((n + 1))
done
[ $n -ge 6 ] || { echo "only $n replay binaries in $BUILD/fuzz (want 6: text md html manifest epub pdf)"; exit 1; }
