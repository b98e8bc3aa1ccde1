# The CI files and the container (#18 part 1). `bisheng init --ci github|gitlab` writes the
# shipped workflow beside book.yaml; the workflow's own commands, parsed from its YAML and run
# in order (tests/ci_run.py), build the corpus collection; the GitLab run starts from the
# GitHub run's out/ (a restored cache) and finds every output unchanged. The Dockerfile is
# checked without a container engine: two bookworm-slim stages, runtime packages only, and
# they cover every library the binary needs; where an engine answers, the image is built and
# runs `bisheng --version`.
set -u
fail() { echo "FAIL: $*"; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
top=$(pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/home" && ln -s "$BIN" "$tmp/bin/bisheng"
# the workflows run `bisheng` from PATH and `git config --global`: keep both in here
export PATH="$tmp/bin:$PATH" HOME="$tmp/home" GIT_CONFIG_NOSYSTEM=1
unset SOURCE_DATE_EPOCH

book() { # book DIR CI: a new book with the CI file, the corpus as its book.yaml, committed
  "$BIN" init -q "$1" --ci "$2" || fail "init --ci $2"
  cp -r "$CORPUS"/. "$1"/ && cp "$1/collection.yaml" "$1/book.yaml"
  (cd "$1" && export GIT_COMMITTER_DATE=2026-01-02T03:04:05Z && git init -q && git add -A && git -c user.name=t -c user.email=t@t \
     -c commit.gpgsign=false commit -q -m book --date=2026-01-02T03:04:05Z) || fail "git"
}

# init writes the shipped files byte for byte, and refuses an unknown CI
book "$tmp/gh" github
cmp "$tmp/gh/.github/workflows/book.yml" templates/ci/github.yml || fail "init --ci github wrote another file"
book "$tmp/gl" gitlab
cmp "$tmp/gl/.gitlab-ci.yml" templates/ci/gitlab.yml || fail "init --ci gitlab wrote another file"
"$BIN" init -q "$tmp/x" --ci jenkins 2> "$tmp/err"; [ $? = 2 ] || fail "--ci jenkins should be a usage error"

# GitHub: plan, then one build per matrix job; outputs, reports, reproducible dates
python3 tests/ci_run.py github "$tmp/gh" > "$tmp/gh.log" 2>&1 || { cat "$tmp/gh.log"; fail "github workflow"; }
epoch=$(cd "$tmp/gh" && git log -1 --format=%ct)
python3 - "$tmp/gh" "$epoch" <<'PY' || fail "github results"
import json, os, sys, zipfile
book, epoch = sys.argv[1], int(sys.argv[2])
plan = json.load(open(os.path.join(book, "plan.json")))
names = [j["name"] for j in plan["jobs"]]
assert names == ["epub", "print-vertical", "print-horizontal"], names
for j in plan["jobs"]:
    assert os.path.getsize(os.path.join(book, j["path"])) > 1000, j
    r = json.load(open(os.path.join(book, "report-%s.json" % j["id"])))
    assert r["status"] == "ok" and [o["name"] for o in r["outputs"]] == [j["name"]], r
    assert r["outputs"][0]["status"] == "written", r
    assert j["command"] == "bisheng build book.yaml --only " + j["name"], j
# SOURCE_DATE_EPOCH came from the commit: the EPUB's entries carry its date
z = zipfile.ZipFile(os.path.join(book, "out/collection.epub"))
import time
d = time.gmtime(epoch)
assert all(i.date_time[:3] == (d.tm_year, d.tm_mon, d.tm_mday) for i in z.infolist()), z.infolist()[0].date_time
PY

# GitLab: plan, the child pipeline it writes (parallel:matrix), collect — with the GitHub
# run's out/ restored as the cache would: nothing is rebuilt
cp -r "$tmp/gh/out" "$tmp/gl/out"
python3 tests/ci_run.py gitlab "$tmp/gl" > "$tmp/gl.log" 2>&1 || { cat "$tmp/gl.log"; fail "gitlab pipeline"; }
python3 - "$tmp/gl" <<'PY' || fail "gitlab results"
import json, os, sys, yaml
book = sys.argv[1]
child = yaml.safe_load(open(os.path.join(book, "editions.yml")))
jobs = [m["JOB"] for m in child["build"]["parallel"]["matrix"]]
assert jobs == ["epub", "print-vertical", "print-horizontal"], jobs
for m in child["build"]["parallel"]["matrix"]:
    r = json.load(open(os.path.join(book, "report-%s.json" % m["JOB_ID"])))
    assert r["status"] == "ok" and r["outputs"][0]["status"] == "unchanged", r
PY
for f in collection.epub collection-vertical-a5.pdf collection-horizontal-a4.pdf; do
  cmp -s "$tmp/gh/out/$f" "$tmp/gl/out/$f" || fail "$f differs between the two runs"
done

# the Dockerfile: multi-stage on bookworm slim; the runtime stage installs no -dev package,
# covers the package of every library the binary links and the fonts of DEBS, and takes the
# binary from the build stage, whose packages come from the Makefile
D=templates/Dockerfile
[ "$(grep -c '^FROM debian:bookworm-slim' "$D")" = 2 ] || fail "Dockerfile: two bookworm-slim stages"
grep -q '^COPY --from=build ' "$D" || fail "Dockerfile: the runtime stage copies from the build stage"
runtime=$(sed -n '/^FROM debian:bookworm-slim$/,$p' "$D" | tr -s ' \\\n' '\n\n\n' |
  sed -n '/^--no-install-recommends$/,/^&&$/p' | grep -v -e '^--' -e '^&&$' | sort -u)
[ -n "$runtime" ] || fail "Dockerfile: no runtime packages found"
echo "$runtime" | grep -q -- '-dev$' && fail "Dockerfile: a -dev package in the runtime stage"
# the sanitizer runtimes are there only in `make check SANITIZE=1` builds, never in the image
for lib in $(readelf -d "$BIN" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | grep -v -E '^lib(a|ub|l|t)san\.'); do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|x86_64/ { print $NF; exit }')
  [ -n "$path" ] || fail "cannot find $lib"
  pkg=$( (dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null ||
          dpkg -S "/usr$path" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null) | head -1 | cut -d: -f1)
  [ -n "$pkg" ] || fail "no package owns $path"
  case $pkg in libc6|libgcc-s1|libstdc++6) continue ;; esac  # in every Debian image
  echo "$runtime" | grep -qx "$pkg" || fail "Dockerfile: $lib ($pkg) is not installed in the runtime stage"
done
for f in $(make -s -C "$top" -p -n print-build-debs 2>/dev/null | sed -n 's/^DEBS := //p' | tr ' ' '\n' | grep '^fonts-'); do
  echo "$runtime" | grep -qx "$f" || fail "Dockerfile: the font package $f is missing"
done
build_debs=$(make -s print-build-debs)
echo "$build_debs" | grep -q 'libcairo2-dev' || fail "print-build-debs: $build_debs"
grep -q 'make -s print-build-debs' "$D" || fail "Dockerfile: the build stage should take its packages from the Makefile"
if docker info > /dev/null 2>&1; then
  docker build -q -f "$D" -t bisheng-t-ci . > "$tmp/docker.log" 2>&1 || { cat "$tmp/docker.log"; fail "docker build"; }
  docker run --rm bisheng-t-ci bisheng --version | head -1 | grep -q '^bisheng [0-9]' || fail "bisheng --version in the image"
  docker rmi -f bisheng-t-ci > /dev/null 2>&1
fi
echo "ci files ok"
