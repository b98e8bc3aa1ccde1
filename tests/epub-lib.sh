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

# ace_all FILE...: DAISY Ace on the files, one Chromium for all of them (tests/ace-check.js);
# any violation, of any impact, fails. Ace comes from `make ace` (make check and make deps run
# it) into $ACE_DIR; without it the check fails rather than pass unchecked.
ace_all() {
  ACE_DIR=${ACE_DIR:-build/ace}
  if [ ! -x "$ACE_DIR/node_modules/.bin/ace-cli" ] || ! command -v node > /dev/null; then
    echo "DAISY Ace is not installed in $ACE_DIR: run make ace"; return 1
  fi
  PUPPETEER_EXECUTABLE_PATH=${PUPPETEER_EXECUTABLE_PATH:-/usr/bin/chromium} ACE_DIR=$ACE_DIR \
    node tests/ace-check.js "$@"
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
