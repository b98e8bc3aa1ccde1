# Golden tree dumps: `bisheng dump CORPUS/NAME` must equal tests/golden/NAME.json for every
# golden file (`make golden-update` regenerates them for review).
status=0
n=0
for g in tests/golden/*.json; do
  name=$(basename "$g" .json)
  out=$(mktemp)
  if ! "$BIN" dump "$CORPUS/$name" > "$out"; then
    echo "dump failed: $name"; status=1
  elif ! diff -u "$g" "$out"; then
    echo "golden mismatch: $name"; status=1
  fi
  rm -f "$out"
  n=$((n + 1))
done
[ $n -ge 4 ] || { echo "expected at least 4 golden files, found $n"; exit 1; }
exit $status
