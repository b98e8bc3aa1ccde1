# Shared by the t-epub-*.sh tests: finding epubcheck and running it on many files.

# Sets EPUBCHECK to a working command line (the Debian jar may need `java -jar` when binfmt
# for jars is not registered). Fails when there is none.
epubcheck_cmd() {
  # --version exits 1 ("no file"), so look at what it prints. Run the jar ourselves when we
  # can: the quick JIT level halves the time of these short runs.
  jar=$(command -v epubcheck)
  if [ -n "$jar" ] && command -v java >/dev/null &&
     java -jar "$jar" --version 2>&1 | grep -q EPUBCheck; then
    EPUBCHECK="java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $jar"
  elif epubcheck --version 2>&1 | grep -q EPUBCheck; then
    EPUBCHECK="epubcheck"
  else
    return 1
  fi
}

# check_all FILE...: epubcheck each file (one per CPU); any error or warning fails.
check_all() {
  out=$(mktemp -d)
  for f in "$@"; do echo "$f"; done |
    xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c "$EPUBCHECK --failonwarnings '{}' > '{}.log' 2>&1 || echo fail > '{}.failed'"
  bad=0
  for f in "$@"; do
    if [ -e "$f.failed" ] || grep -Eq '^(ERROR|WARNING|FATAL)' "$f.log"; then
      echo "epubcheck: $(basename "$f"):"; grep -E '^(ERROR|WARNING|FATAL)' "$f.log" | head -20
      bad=1
    fi
  done
  rm -rf "$out"
  [ $bad = 0 ] && echo "epubcheck clean: $# files"
  return $bad
}
