# Bad-input suite (tests/bad/CASES): exit status, the exact first line of stderr, and no
# output file left behind on failure.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0 n=0
while IFS='|' read -r name args want_rc want_err; do
  case $name in \#*|'') continue ;; esac
  name=$(echo $name); want_rc=$(echo $want_rc)
  want_err=$(echo "$want_err" | sed 's/^ *//; s/ *$//')
  in=tests/bad/$name
  out=$tmp/out$n
  a=$(echo "$args" | sed "s|{in}|$in|g; s|{out}|$out|g")
  want_err=$(printf '%s' "$want_err" | sed "s|{in}|$in|g")
  # shellcheck disable=SC2086
  "$BIN" $a > "$tmp/stdout" 2> "$tmp/stderr"
  rc=$?
  got_err=$(head -n 1 "$tmp/stderr")
  n=$((n + 1))
  if [ "$rc" != "$want_rc" ]; then echo "$name ($args): exit $rc, want $want_rc"; cat "$tmp/stderr"; status=1; continue; fi
  if [ "$got_err" != "$want_err" ]; then echo "$name ($args): stderr"; echo "  got:  $got_err"; echo "  want: $want_err"; status=1; fi
  if [ "$rc" != 0 ] && ls "$out"* "$(dirname "$out")"/.out* > /dev/null 2>&1; then echo "$name: output left behind"; status=1; fi
done < tests/bad/CASES
[ $n -ge 10 ] || { echo "only $n cases ran"; exit 1; }
exit $status
