#!/usr/bin/env python3
"""Runs the build commands of bisheng's CI files (templates/ci/) the way the CI system would,
on a book folder, so the shipped files cannot rot (t-ci.sh).

  ci_run.py github BOOK_DIR   # .github/workflows/book.yml: plan, then build per matrix job
  ci_run.py gitlab BOOK_DIR   # .gitlab-ci.yml: plan, the child pipeline it writes, collect

`uses:` steps are the CI system's own (checkout, cache, artifacts): the artifact steps are
checked (every path they upload exists), the rest skipped. Jobs that only run on tags
(release) are checked to be tag-only and not run. Any ${{ }} expression or variable the
runner does not know fails the run. Prints one line per job."""
import json
import os
import re
import subprocess
import sys

import yaml


def die(msg):
    sys.exit("ci_run: " + msg)


def sh(script, cwd, env, what):
    r = subprocess.run(["sh", "-e", "-c", script], cwd=cwd, env=env)
    if r.returncode != 0:
        die(f"{what}: exit {r.returncode}")


# ---- GitHub Actions ----

def gh_expr(text, ctx):
    """Replaces ${{ a.b.c }} and ${{ fromJSON(a.b).c }} from ctx; unknown names fail."""
    def one(m):
        e = m.group(1).strip()
        f = re.fullmatch(r"fromJSON\(([\w.]+)\)\.(\w+)", e)
        path = f.group(1) if f else e
        v = ctx
        for k in path.split("."):
            if not isinstance(v, dict) or k not in v:
                die(f"unknown expression ${{{{ {e} }}}}")
            v = v[k]
        if f:
            v = json.loads(v)[f.group(2)]
        return v if isinstance(v, str) else json.dumps(v)
    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def github(book):
    wf = yaml.safe_load(open(os.path.join(book, ".github/workflows/book.yml")))
    env = dict(os.environ)
    env.update({k: str(v) for k, v in wf.get("env", {}).items()})
    ctx = {"github": {"sha": "0" * 40, "ref": "refs/heads/main", "token": "x"},
           "vars": {"BISHENG_IMAGE": "bisheng"}, "needs": {}}
    on = wf.get(True, wf.get("on"))  # YAML 1.1 reads `on` as true
    assert "push" in on and on["push"].get("tags"), "the workflow must run on tags"
    jobs = wf["jobs"]

    def run_job(name, matrix=None):
        job = jobs[name]
        c = dict(ctx, matrix=matrix or {})
        out = os.path.join(book, f".gh-output-{name}")
        open(out, "w").close()
        e = dict(env, GITHUB_OUTPUT=out)
        for step in job["steps"]:
            if "run" in step:
                sh(gh_expr(step["run"], c), book, e, f"{name}: {step.get('name', step['run'][:40])}")
            elif step["uses"].startswith("actions/upload-artifact"):
                for p in gh_expr(step["with"]["path"], c).split():
                    if not os.path.exists(os.path.join(book, p)):
                        die(f"{name}: the artifact path {p} does not exist")
            elif step["uses"].startswith("actions/cache"):
                assert gh_expr(step["with"]["path"], c).strip() == "out", step
                gh_expr(step["with"]["key"], c)
        outputs = {}
        for line in open(out):
            k, _, v = line.rstrip("\n").partition("=")
            outputs[k] = v
        os.remove(out)
        return {k: gh_expr(v, dict(c, steps={s["id"]: {"outputs": outputs}
                                             for s in job["steps"] if "id" in s}))
                for k, v in job.get("outputs", {}).items()}

    ctx["needs"]["plan"] = {"outputs": run_job("plan")}
    print("github: plan:", ctx["needs"]["plan"]["outputs"]["plan"][:200])
    matrix = jobs["build"]["strategy"]["matrix"]
    entries = json.loads(gh_expr(matrix["job"], ctx))
    if not entries:
        die("the plan has no jobs")
    for m in entries:
        run_job("build", {"job": m})
        print("github: built", m["name"], m["path"])
    cond = jobs["release"].get("if", "")
    assert "refs/tags/" in cond, "release must run on tags only"
    assert jobs["release"]["needs"] == "build"
    return entries


# ---- GitLab CI ----

def gl_vars(text, env):
    """Checks that every $VAR a command uses is known (defined or the runner's); text in
    single quotes is literal (the child pipeline the plan job writes)."""
    for v in re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", re.sub(r"'[^']*'", "", text)):
        if v not in env:
            die(f"unknown variable ${v}")


def gitlab(book):
    ci = yaml.safe_load(open(os.path.join(book, ".gitlab-ci.yml")))
    env = dict(os.environ)
    env.update({k: str(v) for k, v in ci.get("variables", {}).items()})
    env.update({"BISHENG_IMAGE": "bisheng", "CI_COMMIT_SHA": "0" * 40, "CI_PROJECT_URL": "x"})

    def run(job, name, extra=None):
        e = dict(env, **(extra or {}))
        script = "\n".join(job["script"])
        gl_vars(script, dict(e, GITHUB_OUTPUT=""))
        sh(script, book, e, name)
        for p in job.get("artifacts", {}).get("paths", []):
            p = re.sub(r"\$(\w+)", lambda m: e[m.group(1)], p)
            if not any(os.path.exists(os.path.join(book, q)) for q in [p]) and "*" not in p:
                die(f"{name}: the artifact path {p} does not exist")

    run(ci["plan"], "plan")
    trig = ci["editions"]["trigger"]
    assert trig["include"][0]["job"] == "plan" and ci["editions"]["needs"] == ["plan"]
    child = yaml.safe_load(open(os.path.join(book, trig["include"][0]["artifact"])))
    entries = child["build"]["parallel"]["matrix"]
    if not entries:
        die("the plan has no jobs")
    for m in entries:
        run(child["build"], "build " + m["JOB"], {k: str(v) for k, v in m.items()})
        print("gitlab: built", m["JOB"])
    run(child["collect"], "collect")
    assert child["collect"]["needs"] == ["build"]
    rules = child["release"]["rules"]
    assert any("CI_COMMIT_TAG" in r.get("if", "") for r in rules), "release must run on tags only"
    return entries


if __name__ == "__main__":
    kind, book = sys.argv[1], sys.argv[2]
    if kind == "github":
        github(book)
    elif kind == "gitlab":
        gitlab(book)
    else:
        die("github or gitlab")
