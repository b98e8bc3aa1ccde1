#!/usr/bin/env python3
"""make bench: time bisheng against the HarfBuzz/zlib floor and against the peers.

Generates corpora of 1, 10, 100 and 1,000 articles from the shared corpus (deterministically:
article i is the i-th source of a fixed rotation that mixes languages and formats), times the
tree dump, EPUB, horizontal PDF and vertical PDF as whole processes (a warm-up, then several
runs; median and min/max; peak RSS from wait4), times the floor program on the same text, and,
when installed, the peers (pandoc, pandoc+xelatex, pandoc+weasyprint, pandoc+LuaLaTeX with
LuaTeX-ja's vertical class) on the same articles. Writes the tables to RESULTS.md.

Everything runs one process at a time, so the numbers are single-core unless a -j row says
otherwise. The whole run is kept inside a time budget (--budget seconds): the larger sizes get
fewer runs, and whatever would not fit is reported as skipped rather than left out silently.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

# A fixed rotation of the shared corpus: Chinese (both scripts), Japanese and English, in
# plain-text exports, Aozora text, Markdown and saved HTML, interleaved so that any prefix of
# the rotation mixes them. Article 1 is the seed article.
ROTATION = [
    "seed-article.txt",
    "yume-juya.ja.txt",
    "kongyiji.zh-Hans.md",
    "yume-juya-4.ja.html",
    "taoyuanming.zh-Hant.txt",
    "bisheng.en.md",
    "kumo-no-ito.aozora.txt",
    "shishuo.zh-Hant.html",
    "yume-juya-5.ja.md",
    "ah-q.zh-Hans.txt",
]
SIZES = [1, 10, 100, 1000]
QUICK_SIZES = [1, 10]
# The scale rows (#18): one book of this many articles built by `bisheng build`, EPUB and
# vertical PDF each alone, to see time and peak memory per 1,000 articles as books grow.
SCALE_SIZES = [1000, 2000, 5000, 10000]
TASKS = ["dump", "epub", "pdf-h", "pdf-v"]
TASK_NAMES = {"dump": "tree dump", "epub": "EPUB", "pdf-h": "horizontal PDF",
              "pdf-v": "vertical PDF"}
FLOOR_MODE = {"epub": "z", "pdf-h": "h", "pdf-v": "v"}
# Peer runs stop at these sizes (they take seconds to minutes per run); rates are per page or
# per article, so the comparison at larger sizes is extrapolated and marked so.
PEER_MAX_SIZE = {"pandoc": 1000, "pandoc+xelatex": 100, "pandoc+weasyprint": 10,
                 "pandoc+LuaLaTeX (LuaTeX-ja tate)": 10}
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1764000000", LC_ALL="C.UTF-8")

# Targets from issue #9.
TARGET_PEER_FACTOR = 10.0
TARGET_VPDF_PAGES_S = 750.0
TARGET_EPUB_1000_S = 0.5
TARGET_RSS_MB = 100.0
TARGET_FLOOR_FACTOR = 3.0
TARGET_J2 = 1.7


class Budget:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_timed(cmd, stdout=subprocess.DEVNULL, cwd=None, timeout=None):
    """Like run_once but with wait4, so the peak RSS is this process tree's own."""
    out = stdout
    t0 = time.perf_counter()
    errpath = "/tmp/bisheng-bench-stderr.%d" % os.getpid()
    with open(errpath, "wb") as errf:
        p = subprocess.Popen(cmd, stdout=out, stderr=errf, stdin=subprocess.DEVNULL, env=ENV,
                             cwd=cwd)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG if deadline else 0)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                p.returncode = -9
                return time.perf_counter() - t0, -9, 0, "timed out after %ds" % timeout
            time.sleep(0.002)
        dt = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(errpath, "rb") as f:
        err = f.read().decode("utf-8", "replace")
    os.unlink(errpath)
    return dt, p.returncode, ru.ru_maxrss, err


def pdf_pages(path):
    try:
        out = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
    except OSError:
        return None
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else None


def measure(label, cmd, budget, output=None, estimate=None, cwd=None, stdout=None,
            peer=False):
    """Warm-up, then up to 5 runs, fewer for slow tasks or a short budget (a peer, 10 to 1000
    times slower, gets 3 runs only when a run is under 2 s, else 1). Returns a dict."""
    res = {"label": label, "cmd": cmd, "times": [], "rss": 0, "ok": False, "note": ""}
    left = budget.left()
    if estimate is not None and estimate > left:
        res["note"] = "skipped: would not fit the time budget (~%.0f s)" % estimate
        log("  %-40s %s" % (label, res["note"]))
        return res
    timeout = max(30.0, left)
    devnull = open(os.devnull, "wb")
    out = stdout if stdout is not None else devnull
    # A warm-up run fills the page cache and the font caches; it is not counted unless the
    # task is so slow (>20 s) that it is the only run.
    skip_warmup = estimate is not None and estimate > 20
    if not skip_warmup:
        dt, rc, rss, err = run_timed(cmd, stdout=out, cwd=cwd, timeout=timeout)
        if rc != 0:
            res["note"] = "failed (exit %s): %s" % (rc, first_line(err))
            log("  %-40s %s" % (label, res["note"]))
            return res
        warm = dt
    else:
        warm = estimate
    if peer:
        runs = 3 if warm < 2 else 1
    else:
        runs = 5 if warm < 1 else 3 if warm < 15 else 1
    while len(res["times"]) < runs:
        if res["times"] and budget.left() < warm * 1.2:
            break
        dt, rc, rss, err = run_timed(cmd, stdout=out, cwd=cwd, timeout=max(30.0, budget.left()))
        if rc != 0:
            res["note"] = "failed (exit %s): %s" % (rc, first_line(err))
            log("  %-40s %s" % (label, res["note"]))
            return res
        res["times"].append(dt)
        res["rss"] = max(res["rss"], rss)
    devnull.close()
    res["ok"] = True
    res["median"] = statistics.median(res["times"])
    res["min"] = min(res["times"])
    res["max"] = max(res["times"])
    if output and os.path.exists(output):
        res["bytes"] = os.path.getsize(output)
        if output.endswith(".pdf"):
            res["pages"] = pdf_pages(output)
    log("  %-40s %7.3f s (%d runs)%s" % (label, res["median"], len(res["times"]),
                                          "  %s pages" % res["pages"] if res.get("pages") else ""))
    return res


def first_line(s):
    s = s.strip().splitlines()
    return s[0][:160] if s else ""


# ---- the corpus ------------------------------------------------------------------------------

def dump_tree(binary, path):
    p = subprocess.run([binary, "dump", path], capture_output=True, env=ENV)
    if p.returncode != 0:
        return None, first_line(p.stderr.decode("utf-8", "replace"))
    try:
        return json.loads(p.stdout.decode("utf-8")), ""
    except ValueError as e:
        return None, "dump is not JSON: %s" % e


def inline_text(nodes, rubies):
    out = []
    for n in nodes or []:
        if "text" in n:
            out.append(n["text"])
        if n.get("type") == "ruby" and n.get("annotation"):
            rubies.append(n["annotation"])
        if n.get("type") == "figure" and n.get("caption"):
            out.append(n["caption"])
        out.append(inline_text(n.get("children"), rubies))
    return "".join(out)


def floor_lines(tree):
    """The text bisheng shapes for one article, one paragraph per line as LANG<TAB>TEXT."""
    meta = tree.get("meta", {})
    lang = meta.get("lang") or "zh-Hans"
    lines = []
    if meta.get("title"):
        lines.append(meta["title"])

    def walk(blocks):
        for b in blocks or []:
            kids = b.get("children") or []
            if b.get("type") == "code_block" or (kids and all("children" not in k or
                                                              k.get("type") not in BLOCKS
                                                              for k in kids)):
                rubies = []
                t = b.get("text") if b.get("type") == "code_block" else inline_text(kids, rubies)
                if t:
                    lines.append(t)
                lines.extend(rubies)
            elif b.get("type") == "figure":
                if b.get("caption"):
                    lines.append(b["caption"])
            else:
                walk(kids)

    walk(tree.get("blocks"))
    return ["%s\t%s" % (lang, l.replace("\n", " ").replace("\t", " ")) for l in lines if l]


BLOCKS = {"paragraph", "heading", "block_quote", "list", "item", "code_block",
          "thematic_break", "page_break", "figure", "table", "table_row", "table_cell",
          "footnote_def"}

MD_ESCAPE = re.compile(r"([\\`*_\[\]<>#~^$|{}@&%])")


def md_inlines(nodes):
    out = []
    for n in nodes or []:
        t = n.get("type")
        kids = md_inlines(n.get("children"))
        if t == "text":
            out.append(MD_ESCAPE.sub(r"\\\1", n["text"]).replace("\n", " "))
        elif t == "strong":
            out.append("**%s**" % kids if kids.strip() else kids)
        elif t == "emphasis":
            out.append("*%s*" % kids if kids.strip() else kids)
        elif t == "code":
            out.append("`%s`" % n["text"].replace("`", "'") if n["text"].strip() else "")
        elif t == "line_break":
            out.append("\\\n")
        elif t == "footnote_ref":
            out.append("[^%s]" % re.sub(r"\W", "", n.get("label", "")) or "x")
        elif t == "superscript":
            out.append("^%s^" % kids.replace(" ", "\\ ") if kids else "")
        elif t == "subscript":
            out.append("~%s~" % kids.replace(" ", "\\ ") if kids else "")
        else:  # link (text only: the peers need not fetch anything), span, ruby base, marks
            out.append(kids)
    return "".join(out)


def md_blocks(blocks, prefix="", level_shift=1):
    out = []
    for b in blocks or []:
        t = b.get("type")
        kids = b.get("children")
        if t == "paragraph":
            s = md_inlines(kids).strip()
            s = re.sub(r"^(\d+)([.)])", r"\1\\\2", s)
            s = re.sub(r"^([-+=:])", r"\\\1", s)
            if s:
                out.append(s)
        elif t == "heading":
            s = md_inlines(kids).strip()
            if s:
                out.append("#" * min(6, b.get("level", 1) + level_shift) + " " + s)
        elif t == "block_quote":
            inner = md_blocks(kids, level_shift=level_shift)
            out.append("\n".join("> " + l if l else ">" for l in inner.splitlines()))
        elif t == "list":
            items = []
            for i, it in enumerate(kids or []):
                mark = "%d." % (b.get("start", 1) + i) if b.get("ordered") else "-"
                inner = md_blocks(it.get("children"), level_shift=level_shift).splitlines()
                pad = " " * (len(mark) + 1)
                items.append("\n".join([mark + " " + (inner[0] if inner else "")] +
                                       [pad + l if l else "" for l in inner[1:]]))
            out.append("\n\n".join(items))
        elif t == "code_block":
            out.append("```\n%s\n```" % b.get("text", "").rstrip("\n"))
        elif t in ("thematic_break", "page_break"):
            out.append("* * *")
        elif t == "figure":
            if b.get("caption"):
                out.append(MD_ESCAPE.sub(r"\\\1", b["caption"]))
        elif t == "table":
            for row in kids or []:
                cells = [md_inlines(c.get("children")).strip() for c in row.get("children") or []]
                s = " ".join(c for c in cells if c)
                if s:
                    out.append(s)
        elif t == "footnote_def":
            inner = md_blocks(kids, level_shift=level_shift).splitlines()
            label = re.sub(r"\W", "", b.get("label", "")) or "x"
            out.append("[^%s]: " % label + "\n".join(inner[:1] + ["    " + l for l in inner[1:]]))
        else:
            inner = md_blocks(kids, level_shift=level_shift)
            if inner:
                out.append(inner)
    return "\n\n".join(out)


def markdown_twin(tree):
    """The same article as pandoc Markdown, for the peers: same text, each in its best format."""
    meta = tree.get("meta", {})
    parts = []
    if meta.get("title"):
        parts.append("# " + MD_ESCAPE.sub(r"\\\1", meta["title"]))
    parts.append(md_blocks(tree.get("blocks")))
    return "\n\n".join(parts) + "\n"


def make_corpora(args, sizes, sources, with_twins):
    corpora = {}
    for n in sizes:
        d = os.path.join(args.work, "corpus-%d" % n)
        stamp = os.path.join(d, ".sources")
        want = "\n".join(sources) + "\nimages\n"
        files = []
        for i in range(n):
            src = sources[i % len(sources)]
            files.append(os.path.join(d, "%04d-%s" % (i + 1, src)))
        if not (os.path.exists(stamp) and open(stamp).read() == want):
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            for i, f in enumerate(files):
                shutil.copyfile(os.path.join(args.corpus, sources[i % len(sources)]), f)
            # the articles' images, at the same relative paths
            for sub in sorted(os.listdir(args.corpus)):
                if os.path.isdir(os.path.join(args.corpus, sub)):
                    shutil.copytree(os.path.join(args.corpus, sub), os.path.join(d, sub))
            with open(stamp, "w") as s:
                s.write(want)
        c = {"n": n, "dir": d, "files": files,
             "bytes": sum(os.path.getsize(f) for f in files)}
        floor_text = os.path.join(args.work, "floor-%d.txt" % n)
        with open(floor_text, "w", encoding="utf-8") as out:
            for i in range(n):
                out.write("\n".join(sources_floor[sources[i % len(sources)]]) + "\n")
        c["floor_text"] = floor_text
        if with_twins:
            td = os.path.join(args.work, "corpus-%d-md" % n)
            os.makedirs(td, exist_ok=True)
            c["twins"] = []
            for i in range(n):
                src = sources[i % len(sources)]
                tf = os.path.join(td, "%04d.md" % (i + 1))
                with open(tf, "w", encoding="utf-8") as out:
                    out.write(sources_md[src])
                c["twins"].append(tf)
        corpora[n] = c
    return corpora


START_LOAD = "?"
sources_floor = {}
sources_md = {}


# ---- commands --------------------------------------------------------------------------------

def bisheng_cmd(args, task, corpus, outdir, multi_dump):
    files = corpus["files"]
    if task == "dump":
        if multi_dump or len(files) == 1:
            return [args.bin, "dump"] + files, None
        # `bisheng dump` takes one input: one process per article, in one shell loop.
        return ["sh", "-c", 'b=$1; shift; for f; do "$b" dump "$f" || exit 1; done',
                "sh", args.bin] + files, None
    out = os.path.join(outdir, "bisheng-%d-%s.%s" % (corpus["n"], task,
                                                    "epub" if task == "epub" else "pdf"))
    cmd = [args.bin, "-q"] + files + ["-o", out]
    if task == "pdf-h":
        cmd[2:2] = ["--direction", "horizontal"]
    elif task == "pdf-v":
        cmd[2:2] = ["--direction", "vertical"]
    return cmd, out


TATE_TEMPLATE = r"""\documentclass[a5paper]{ltjtarticle}
\usepackage{luatexja-fontspec}
\setmainjfont{Noto Serif CJK JP}
\setmainfont{Noto Serif CJK JP}
\providecommand{\tightlist}{\setlength{\itemsep}{0pt}\setlength{\parskip}{0pt}}
\providecommand{\passthrough}[1]{#1}
\providecommand{\href}[2]{#2}
\providecommand{\url}[1]{#1}
\begin{document}
$body$
\end{document}
"""

PEERS = [
    # (name, task, command builder, needs)
    ("pandoc", "epub", ["pandoc"]),
    ("pandoc+xelatex", "pdf-h", ["pandoc", "xelatex"]),
    ("pandoc+LuaLaTeX (LuaTeX-ja tate)", "pdf-v", ["pandoc", "lualatex"]),
    ("pandoc+weasyprint", "pdf-h", ["pandoc", "weasyprint"]),
]


def peer_cmd(name, corpus, outdir, work):
    twins = corpus["twins"]
    # no `lang`: pandoc 2.17's babel has no `zh` and xelatex would stop on it
    base = ["pandoc", "-f", "markdown-auto_identifiers", "--metadata", "title=bench"]
    n = corpus["n"]
    if name == "pandoc":
        out = os.path.join(outdir, "pandoc-%d.epub" % n)
        return base + twins + ["-o", out], out
    if name == "pandoc+xelatex":
        out = os.path.join(outdir, "xelatex-%d.pdf" % n)
        return base + twins + ["--pdf-engine=xelatex", "-V", "CJKmainfont=Noto Serif CJK SC",
                               "-V", "geometry:a5paper", "-o", out], out
    if name == "pandoc+weasyprint":
        out = os.path.join(outdir, "weasyprint-%d.pdf" % n)
        return base + twins + ["--pdf-engine=weasyprint", "-o", out], out
    tmpl = os.path.join(work, "tate.latex")
    with open(tmpl, "w") as f:
        f.write(TATE_TEMPLATE)
    out = os.path.join(outdir, "lualatex-%d.pdf" % n)
    return base + twins + ["--pdf-engine=lualatex", "--template", tmpl, "-o", out], out


# ---- the report ------------------------------------------------------------------------------

def machine_description(args):
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = "%.0f GiB" % (int(line.split()[1]) / 1048576)
    except OSError:
        pass
    osname = ""
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout
    ver = subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout.strip()
    rev = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                         text=True).stdout.strip()
    return ("%s, %d cores, %s; %s, Linux %s; %s; %s at %s; load average %s at the start, "
            "%.2f at the end (other work on the machine makes the max and the median noisy; "
            "the min is the steadiest figure)" %
            (cpu, os.cpu_count() or 1, mem, osname, platform.release(),
             cc.splitlines()[0] if cc else "cc ?", ver.splitlines()[0] if ver else "bisheng",
             rev or "?", START_LOAD, os.getloadavg()[0]))


def fmt_s(x):
    return "%.3f" % x if x < 10 else "%.1f" % x


def fmt_mb(b):
    return "%.2f MB" % (b / 1e6) if b >= 1e5 else "%.0f KB" % (b / 1e3)


def report(args, corpora, results, floors, peers, jrows, notes, elapsed):
    L = []
    L.append("# bisheng benchmark results")
    L.append("")
    L.append("Written by `make bench` (tests/bench/bench.py); do not edit by hand. "
             "Machine: %s." % machine_description(args))
    L.append("")
    L.append("Times are whole processes, one at a time (single core unless marked -j): median "
             "of the runs after a warm-up, with min–max. MB/s is source bytes per second; peak "
             "RSS comes from wait4. The floor is `bench-floor` (tests/bench/floor.c): HarfBuzz "
             "shaping of the same text in the same Noto Serif CJK faces (LTR for horizontal, TTB "
             "for vertical) plus zlib deflate of the same bytes, also a whole process; ×floor is "
             "bisheng's median over the floor's (EPUB: deflate only). Total bench time %.0f s."
             % elapsed)
    L.append("")
    L.append("## bisheng")
    L.append("")
    L.append("| articles | source | task | median s | min–max s | runs | MB/s | pages | "
             "pages/s | peak RSS | floor s | ×floor |")
    L.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sorted(corpora):
        c = corpora[n]
        for task in TASKS:
            r = results.get((n, task))
            if r is None:
                continue
            row = ["%d" % n, fmt_mb(c["bytes"]), TASK_NAMES[task]]
            if not r["ok"]:
                row += [r["note"] or "not run"] + [""] * 8
            else:
                fl = floors.get((n, task))
                pages = r.get("pages")
                row += [fmt_s(r["median"]), "%s–%s" % (fmt_s(r["min"]), fmt_s(r["max"])),
                        "%d" % len(r["times"]), "%.1f" % (c["bytes"] / 1e6 / r["median"]),
                        "%d" % pages if pages else "", "%.0f" % (pages / r["median"]) if pages
                        else "", "%.0f MB" % (r["rss"] / 1024.0),
                        fmt_s(fl["median"]) if fl and fl["ok"] else "—",
                        "%.1f×" % (r["median"] / fl["median"]) if fl and fl["ok"] else "—"]
            L.append("| " + " | ".join(row) + " |")
    if jrows:
        L.append("")
        L.append("## Parallel build (`bisheng build book.yaml -j N`: a horizontal and a "
                 "vertical PDF of the same articles, built one or two at once)")
        L.append("")
        L.append("| articles | -j | median s | min–max s | pages | pages/s | speed-up |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|")
        for row in jrows:
            L.append("| " + " | ".join(row) + " |")
    L.append("")
    L.append("## Peers (same articles; ratio = peer time / bisheng time on the same corpus)")
    L.append("")
    if not peers:
        L.append("No peer is installed: `make bench-peers` installs them from Debian.")
    else:
        L.append("Peers read the same articles as pandoc Markdown made from bisheng's own tree "
                 "(same text; images, links and ruby readings left out), A5 like bisheng. "
                 "They run on the smaller corpora only; at larger sizes the ratio is "
                 "extrapolated from the peer's marginal rate per source byte between its two "
                 "largest measured sizes (so its start-up is not multiplied; the same as a rate "
                 "per page or per article), and marked ~.")
        L.append("")
        L.append("| peer | task | articles | median s | min–max s | pages | pages/s | "
                 "marginal pages/s | bisheng s | peer/bisheng |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (name, task, n), r in sorted(peers.items(), key=lambda kv: (TASKS.index(kv[0][1]),
                                                                          kv[0][0], kv[0][2])):
            b = results.get((n, task))
            if not r["ok"]:
                L.append("| %s | %s | %d | %s | | | | | | |" % (name, TASK_NAMES[task], n,
                                                               r["note"]))
                continue
            pages = r.get("pages")
            ratio = "%.1f×" % (r["median"] / b["median"]) if b and b["ok"] else "—"
            # pages per second past the start-up: against the next smaller size measured
            smaller = [m for (nn, tt, m), rr in peers.items()
                       if nn == name and tt == task and m < n and rr["ok"] and rr.get("pages")]
            marginal = ""
            if pages and smaller:
                p0 = peers[(name, task, max(smaller))]
                if r["median"] > p0["median"]:
                    marginal = "%.1f" % ((pages - p0["pages"]) / (r["median"] - p0["median"]))
            L.append("| %s | %s | %d | %s | %s–%s | %s | %s | %s | %s | %s |" % (
                name, TASK_NAMES[task], n, fmt_s(r["median"]), fmt_s(r["min"]),
                fmt_s(r["max"]), pages or "", "%.1f" % (pages / r["median"]) if pages else "",
                marginal, fmt_s(b["median"]) if b and b["ok"] else "—", ratio))
        for task in ("epub", "pdf-h", "pdf-v"):
            for n in sorted(corpora):
                if any(t == task and m == n for (_, t, m) in peers):
                    continue
                pr = peer_ratio(task, n, results, peers, corpora)
                if pr:
                    b = results[(n, task)]
                    L.append("| %s | %s | %d | ~%s | (extrapolated) | | | | %s | ~%.1f× |" % (
                        pr[2], TASK_NAMES[task], n, fmt_s(pr[0] * b["median"]),
                        fmt_s(b["median"]), pr[0]))
    L.append("")
    L.append("## Targets (issue #9)")
    L.append("")
    L.append("| target | measured | met |")
    L.append("|---|---|---|")
    for t, m, ok in targets(corpora, results, floors, peers, jrows):
        L.append("| %s | %s | %s |" % (t, m, {True: "yes", False: "**NO**", None: "n/a"}[ok]))
    if notes:
        L.append("")
        L.append("## Notes")
        L.append("")
        for n_ in notes:
            L.append("- " + n_)
    L.append("")
    return "\n".join(L)


def peer_ratio(task, n, results, peers, corpora):
    """Fastest peer's time / bisheng's time at size n, measured or extrapolated (~)."""
    b = results.get((n, task))
    if not b or not b["ok"]:
        return None
    best = None
    for (name, t, m), r in peers.items():
        if t != task or not r["ok"]:
            continue
        if m == n:
            ratio, approx = r["median"] / b["median"], False
        else:
            # extrapolate from this peer's two largest measured sizes: its marginal rate per
            # source byte (per page, per article), so its start-up cost is not multiplied
            done = sorted(mm for (nn, tt, mm), rr in peers.items()
                          if nn == name and tt == task and rr["ok"])
            if m != done[-1] or m > n:
                continue
            peer_s = peer_extrapolate(peers, name, task, done, corpora, n)
            if peer_s is None:
                continue
            ratio, approx = peer_s / b["median"], True
        if best is None or ratio < best[0]:
            best = (ratio, approx, name)
    return best


def peer_extrapolate(peers, name, task, done, corpora, n):
    m2 = done[-1]
    t2 = peers[(name, task, m2)]["median"]
    if len(done) < 2:
        return None  # one size says nothing about the rate past the start-up
    m1 = done[-2]
    t1 = peers[(name, task, m1)]["median"]
    b1, b2 = corpora[m1]["bytes"], corpora[m2]["bytes"]
    rate = max(t2 - t1, 0.0) / (b2 - b1)
    return t2 + rate * (corpora[n]["bytes"] - b2)


def targets(corpora, results, floors, peers, jrows):
    out = []
    big = max(corpora)
    for task in ("epub", "pdf-h", "pdf-v"):
        pr = peer_ratio(task, big, results, peers, corpora)
        if pr is None:
            out.append(("%s ≥ %g× the fastest peer" % (TASK_NAMES[task], TARGET_PEER_FACTOR),
                        "no peer or no bisheng run", None))
        else:
            out.append(("%s ≥ %g× the fastest peer (%d articles)" %
                        (TASK_NAMES[task], TARGET_PEER_FACTOR, big),
                        "%s%.1f× (%s)" % ("~" if pr[1] else "", pr[0], pr[2]),
                        pr[0] >= TARGET_PEER_FACTOR))
    r = results.get((big, "pdf-v"))
    if r and r["ok"] and r.get("pages"):
        rate = r["pages"] / r["median"]
        out.append(("vertical PDF ≥ %g pages/s (%d articles)" % (TARGET_VPDF_PAGES_S, big),
                    "%.0f pages/s" % rate, rate >= TARGET_VPDF_PAGES_S))
    else:
        out.append(("vertical PDF ≥ %g pages/s" % TARGET_VPDF_PAGES_S, "not measured", None))
    r = results.get((1000, "epub"))
    if r and r["ok"]:
        out.append(("1,000-article EPUB < %g s" % TARGET_EPUB_1000_S, "%.3f s" % r["median"],
                    r["median"] < TARGET_EPUB_1000_S))
    else:
        out.append(("1,000-article EPUB < %g s" % TARGET_EPUB_1000_S, "not measured", None))
    pdfs = [(r["pages"], r["rss"], n, t) for (n, t), r in results.items()
            if t.startswith("pdf") and r["ok"] and r.get("pages")]
    large = [p for p in pdfs if p[0] >= 1000]
    if large:
        worst = max(large, key=lambda p: p[1])
        out.append(("peak RSS < %g MB for a ≥1,000-page PDF" % TARGET_RSS_MB,
                    "%.0f MB (%d pages, %s)" % (worst[1] / 1024.0, worst[0], TASK_NAMES[worst[3]]),
                    worst[1] / 1024.0 < TARGET_RSS_MB))
    else:
        out.append(("peak RSS < %g MB for a ≥1,000-page PDF" % TARGET_RSS_MB,
                    "no PDF of 1,000 pages measured", None))
    for task in ("pdf-h", "pdf-v"):
        r, fl = results.get((big, task)), floors.get((big, task))
        if r and r["ok"] and fl and fl["ok"]:
            f = r["median"] / fl["median"]
            out.append(("%s within %g× the HarfBuzz floor (%d articles)" %
                        (TASK_NAMES[task], TARGET_FLOOR_FACTOR, big), "%.1f×" % f,
                        f <= TARGET_FLOOR_FACTOR))
        else:
            out.append(("%s within %g× the HarfBuzz floor" % (TASK_NAMES[task],
                                                             TARGET_FLOOR_FACTOR),
                        "not measured", None))
    sp = [row for row in jrows if row[1] == "2" and row[6].endswith("×")]
    if sp:
        v = float(sp[-1][6].rstrip("×"))
        out.append(("-j 2 ≥ %g× the one-core rate" % TARGET_J2, "%.2f×" % v, v >= TARGET_J2))
    else:
        out.append(("-j 2 ≥ %g× the one-core rate" % TARGET_J2,
                    "not measured (no `bisheng build`)", None))
    return out


# ---- main ------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--budget", type=float, default=480.0,
                    help="seconds for the whole bench (default 480)")
    ap.add_argument("--quick", action="store_true", help="sizes 1 and 10 only, no peers")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--sizes", help="comma-separated corpus sizes (default 1,10,100,1000)")
    ap.add_argument("--tasks", help="comma-separated subset of dump,epub,pdf-h,pdf-v")
    ap.add_argument("--scale-sizes", help="comma-separated book sizes for the scale rows "
                    "(default 1000,2000,5000,10000; 0 leaves them out)")
    ap.add_argument("--scale-budget", type=float, default=900.0,
                    help="seconds for the scale rows (default 900)")
    args = ap.parse_args()
    t_start = time.monotonic()
    global START_LOAD
    START_LOAD = "%.2f" % os.getloadavg()[0]
    budget = Budget(args.budget)
    # the peers get what the bisheng runs leave, but the bisheng runs may not eat all of it
    bisheng_budget = Budget(args.budget * (0.55 if not (args.quick or args.no_peers) else 0.9))
    args.bin = os.path.abspath(args.bin)
    args.floor = os.path.abspath(args.floor)
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    outdir = os.path.join(args.work, "out")
    os.makedirs(outdir, exist_ok=True)
    notes = []
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes else
             QUICK_SIZES if args.quick else SIZES)

    # Which sources this build reads: a reader that has not landed drops its format.
    sources = []
    for src in ROTATION:
        tree, err = dump_tree(args.bin, os.path.join(args.corpus, src))
        if tree is None:
            notes.append("%s left out of the corpora: %s" % (src, err))
            continue
        sources.append(src)
        sources_floor[src] = floor_lines(tree)
        sources_md[src] = markdown_twin(tree)
    if not sources:
        log("bench: bisheng reads none of the corpus files")
        return 1
    log("bench: sources: %s" % ", ".join(sources))

    have = {t: shutil.which(t) is not None for t in ("pandoc", "xelatex", "lualatex",
                                                    "weasyprint")}
    run_peers = not (args.quick or args.no_peers) and have["pandoc"]
    corpora = make_corpora(args, sizes, sources, run_peers)
    multi = subprocess.run([args.bin, "dump"] + corpora[sizes[0]]["files"] * 2,
                           capture_output=True, env=ENV).returncode == 0
    if not multi:
        notes.append("`bisheng dump` takes one input: the tree-dump rows time one process per "
                     "article (N processes in a shell loop).")

    # Which tasks this build can do.
    available = {}
    for task in TASKS:
        if args.tasks and task not in args.tasks.split(","):
            available[task] = False
            continue
        cmd, out = bisheng_cmd(args, task, corpora[sizes[0]], outdir, multi)
        p = subprocess.run(cmd, capture_output=True, env=ENV)
        available[task] = p.returncode == 0
        if not available[task]:
            notes.append("%s: not available in this build (%s)" % (
                TASK_NAMES[task], first_line(p.stderr.decode("utf-8", "replace"))))

    results, floors = {}, {}
    for n in sizes:
        c = corpora[n]
        log("bench: %d articles (%s)" % (n, fmt_mb(c["bytes"])))
        for task in TASKS:
            if not available[task]:
                continue
            prev = [m for m in sizes if m < n and (m, task) in results and
                    results[(m, task)]["ok"]]
            est = None
            if prev:
                m = prev[-1]
                est = results[(m, task)]["median"] * n / m
            cmd, out = bisheng_cmd(args, task, c, outdir, multi)
            results[(n, task)] = measure("bisheng %s" % TASK_NAMES[task], cmd, bisheng_budget,
                                         output=out, estimate=est)
            if task in FLOOR_MODE:
                floors[(n, task)] = measure("floor %s" % FLOOR_MODE[task],
                                            [args.floor, FLOOR_MODE[task], c["floor_text"]],
                                            bisheng_budget)

    # -j: `bisheng build book.yaml -j N`, when the build command exists.
    jrows = measure_parallel(args, corpora, sizes, outdir, results, bisheng_budget, notes)
    scale = [] if args.quick else measure_scale(args, sources, outdir, notes)

    peers = {}
    if run_peers:
        for name, task, needs in PEERS:
            if not all(have[x] for x in needs):
                notes.append("%s: not installed (`make bench-peers`)" % name)
        # size by size, so that every peer gets its small corpora before any gets a large one
        for n in sizes:
            for name, task, needs in PEERS:
                if not all(have[x] for x in needs) or n > PEER_MAX_SIZE[name]:
                    continue
                done = sorted(m for (nn, tt, m), r in peers.items() if nn == name and r["ok"])
                est = None
                if len(done) >= 2:
                    est = peer_extrapolate(peers, name, task, done, corpora, n)
                elif done:
                    # one size only: start-up dominates a 1-article run; 10 articles take
                    # 2-3 times as long with every peer measured here
                    est = peers[(name, task, done[-1])]["median"] * min(3.0, n / done[-1])
                cmd, out = peer_cmd(name, corpora[n], outdir, args.work)
                log("bench: peer %s, %d articles" % (name, n))
                peers[(name, task, n)] = measure(name, cmd, budget, output=out, estimate=est,
                                                 cwd=outdir, peer=True)
    elif not (args.quick or args.no_peers):
        notes.append("no peers installed: `make bench-peers` installs pandoc, TeX Live "
                     "(xelatex, LuaLaTeX with LuaTeX-ja) and WeasyPrint from Debian.")

    elapsed = time.monotonic() - t_start
    text = report(args, corpora, results, floors, peers, jrows, notes, elapsed)
    if scale:
        text = text.replace("\n## Peers", "\n" + scale_report(scale) + "\n## Peers", 1)
    print(text)
    if not (args.quick or args.sizes or args.tasks or args.scale_sizes):
        with open(args.results, "w", encoding="utf-8") as f:
            f.write(text)
        log("bench: wrote %s" % args.results)
    return 0


def measure_parallel(args, corpora, sizes, outdir, results, budget, notes):
    """`bisheng build -j N` builds a manifest's outputs N at once: a book with a horizontal and
    a vertical PDF, built with -j 1 and -j 2 (--force, so nothing is skipped as up to date)."""
    p = subprocess.run([args.bin, "build", "--help"], capture_output=True, env=ENV)
    if p.returncode != 0:
        notes.append("-j not measured: this build has no `bisheng build` command.")
        return []
    # the largest corpus whose two PDFs take under 15 s together, one core
    fits = [n for n in sizes if all(results.get((n, t), {}).get("ok") for t in ("pdf-h", "pdf-v"))
            and results[(n, "pdf-h")]["median"] + results[(n, "pdf-v")]["median"] < 15]
    if not fits:
        notes.append("-j not measured: no corpus whose PDFs take under 15 s.")
        return []
    n = max(fits)
    c = corpora[n]
    book = os.path.join(args.work, "book-%d.yaml" % n)
    outs = [os.path.join(outdir, "build-%d-%s.pdf" % (n, d)) for d in ("vertical", "horizontal")]
    with open(book, "w", encoding="utf-8") as f:
        f.write("title: bench\nlang: zh-Hant\npaper: A5\narticles:\n")
        for path in c["files"]:
            f.write("  - path: %s\n" % json.dumps(path))
        f.write("outputs:\n")
        for d, out in zip(("vertical", "horizontal"), outs):
            f.write("  - name: print-%s\n    file: %s\n    direction: %s\n"
                    % (d, json.dumps(out), d))
    rows, base = [], None
    for j in (1, 2):
        r = measure("bisheng build -j %d" % j,
                    [args.bin, "build", book, "-q", "--force", "-j", str(j)], budget)
        if not r["ok"]:
            notes.append("-j %d: %s" % (j, r["note"]))
            continue
        pages = sum(pdf_pages(o) or 0 for o in outs)
        rate = pages / r["median"]
        if j == 1:
            base = rate
        rows.append(["%d" % n, "%d" % j, fmt_s(r["median"]),
                     "%s–%s" % (fmt_s(r["min"]), fmt_s(r["max"])), "%d" % pages,
                     "%.0f" % rate, "%.2f×" % (rate / base) if base else ""])
    return rows


def measure_scale(args, sources, outdir, notes):
    """One book of N articles (the corpus rotation; articles linked, images copied) built by `bisheng build
    --only epub` and `--only print` (vertical PDF) alone, once each (-j 1, --force): time and
    peak RSS, and both per 1,000 articles, which stay flat when the cost is linear and memory
    is bounded by the chapter. Sizes stop when the next would not fit the budget, estimated
    linearly from the last."""
    sizes = ([int(x) for x in args.scale_sizes.split(",") if int(x) > 0] if args.scale_sizes
             else SCALE_SIZES)
    budget = Budget(args.scale_budget)
    rows, last = [], {}
    for n in sizes:
        d = os.path.join(args.work, "scale-%d" % n)
        os.makedirs(d, exist_ok=True)
        corpus = os.path.abspath(args.corpus)
        for sub in sorted(os.listdir(corpus)):  # the articles' images
            src = os.path.join(corpus, sub)
            if os.path.isdir(src) and not os.path.lexists(os.path.join(d, sub)):
                shutil.copytree(src, os.path.join(d, sub))  # a link would leave the folder
        book = os.path.join(d, "book.yaml")
        with open(book, "w", encoding="utf-8") as f:
            f.write("title: bench\nlang: zh-Hant\npaper: A5\narticles:\n")
            for i in range(n):
                src = sources[i % len(sources)]
                link = os.path.join(d, "%05d-%s" % (i + 1, src))
                if not os.path.lexists(link):
                    os.symlink(os.path.join(corpus, src), link)
                f.write("  - %s\n" % json.dumps(os.path.basename(link)))
            f.write("outputs:\n  - {name: epub, file: %s}\n"
                    "  - {name: print, file: %s, direction: vertical}\n"
                    % (json.dumps(os.path.join(outdir, "scale-%d.epub" % n)),
                       json.dumps(os.path.join(outdir, "scale-%d.pdf" % n))))
        for name in ("epub", "print"):
            prev = last.get(name)
            est = prev[1] * n / prev[0] if prev else None
            if est is not None and est > budget.left():
                notes.append("scale: %s at %d articles left out (~%.0f s, over the scale "
                             "budget; --scale-budget)" % (name, n, est))
                continue
            log("bench: scale %s, %d articles" % (name, n))
            dt, rc, rss, err = run_timed([args.bin, "build", book, "--only", name, "-q",
                                          "--force", "-j", "1"],
                                         timeout=max(60.0, budget.left()))
            if rc != 0:
                notes.append("scale: %s at %d articles failed: %s" % (name, n, first_line(err)))
                continue
            last[name] = (n, dt)
            pages = pdf_pages(os.path.join(outdir, "scale-%d.pdf" % n)) if name == "print" else None
            rows.append((n, name, dt, rss * 1024, pages))
    return rows


def scale_report(rows):
    L = ["## Scale (`bisheng build` of one book, each output alone, -j 1)", "",
         "| articles | output | s | s per 1,000 articles | pages | peak RSS | "
         "peak RSS per 1,000 articles |",
         "|---:|---|---:|---:|---:|---:|---:|"]
    for n, name, dt, rss, pages in rows:
        L.append("| %d | %s | %s | %s | %s | %s | %s |" % (
            n, "EPUB" if name == "epub" else "vertical PDF", fmt_s(dt), fmt_s(dt * 1000 / n),
            pages or "", fmt_mb(rss), fmt_mb(rss * 1000 / n)))
    L.append("")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    sys.exit(main())
