# Replays every fuzz target over the shared corpus, the bad-input files and past crashers.
set -u
n=0
for r in "$BUILD"/fuzz/replay_*; do
  [ -x "$r" ] || continue
  timeout 600 "$r" "$CORPUS"/*.* tests/bad/*.txt $(find tests/fuzz/crashers -type f ! -name .keep) || { echo "$r failed"; exit 1; }
  n=$((n + 1))
done
[ $n -ge 1 ] || { echo "no replay binaries in $BUILD/fuzz"; exit 1; }
