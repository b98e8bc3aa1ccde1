#!/usr/bin/env python3
"""make bench: time bisheng against the HarfBuzz/zlib floor and against the peers.

Generates corpora of 1, 10, 100 and 1,000 articles from the shared corpus (deterministically:
article i is the i-th source of a fixed rotation that mixes languages and formats), times the
tree dump, EPUB, horizontal PDF and vertical PDF as whole processes, one at a time: bisheng with
-j 1 (one core) in the main table, its default threads in their own table, the floor program on
the same text, and, when installed, the peers (pandoc, pandoc+xelatex, pandoc+WeasyPrint,
pandoc+LuaLaTeX with LuaTeX-ja's vertical class) on the same text, all on A5 in Noto Serif CJK
at 10.5 pt. Every task gets at least 3 timed runs (after a warm-up for the short ones): median
and min-max of the wall time, and the median CPU time (user + system) from the child's rusage,
which other work on the machine disturbs less. Writes the tables to RESULTS.md.

The whole run is kept inside a time budget (--budget seconds); whatever would not fit is
reported as skipped rather than left out silently.
"""
import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
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

# Targets from issues #9 and #19.
TARGET_PEER_FACTOR = 10.0
TARGET_VPDF_PAGES_S = 750.0
TARGET_EPUB_1000_S = 0.5
TARGET_RSS_MB = 100.0
TARGET_FLOOR_FACTOR_1 = 10.0  # one article: the fixed cost of a PDF (#19)
TARGET_J2 = 1.8
MIN_RUNS = 3
# bisheng's default threads (-j = cores) are timed from this size on (where threads matter)
THREADED_FROM = 100
# the tree dump runs one process per article: past this size it says nothing new
DUMP_MAX_SIZE = 100
# the -j table: the largest corpus whose two PDFs take under this much CPU together
PARALLEL_MAX_CPU = 3.0
# runs of each of -j 1 and -j 2 in the -j table, taken in turn (this VM's speed was seen to
# swing 2x between two runs seconds apart: five gave medians a single swing could move)
PARALLEL_RUNS = 9
# ... counted among the rounds in which every CPU ran a pinned loop within this factor of the
# fastest, before and after the round (cpu_speeds); at most this many rounds in all
PARALLEL_FAIR = 1.10
PARALLEL_MAX_ROUNDS = 3 * PARALLEL_RUNS
CPU_PROBE = ("import time\nt = time.perf_counter()\nx = 0\nfor i in range(1000000):\n"
             "    x += i\nprint(time.perf_counter() - t)")


class Budget:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_timed(cmd, stdout=subprocess.DEVNULL, cwd=None, timeout=None):
    """Runs cmd to its end. Returns (wall s, exit status, peak RSS KB, stderr, CPU s): the wall
    time around a blocking wait4 (no polling), the CPU time (user + system) and the peak RSS
    from the child's rusage, which includes the children it waited for (pandoc's TeX)."""
    errpath = "/tmp/bisheng-bench-stderr.%d" % os.getpid()
    killed = []
    with open(errpath, "wb") as errf:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=stdout, stderr=errf, stdin=subprocess.DEVNULL, env=ENV,
                             cwd=cwd)
        timer = None
        if timeout is not None:
            def kill():
                killed.append(True)
                p.kill()
            timer = threading.Timer(timeout, kill)
            timer.start()
        while True:
            try:
                _, status, ru = os.wait4(p.pid, 0)
                break
            except InterruptedError:
                continue
        dt = time.perf_counter() - t0
        if timer:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(errpath, "rb") as f:
        err = f.read().decode("utf-8", "replace")
    os.unlink(errpath)
    if killed:
        return dt, -9, 0, "timed out after %ds" % timeout, 0.0
    return dt, p.returncode, ru.ru_maxrss, err, ru.ru_utime + ru.ru_stime


def pdf_pages(path):
    try:
        out = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
    except OSError:
        return None
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else None


def measure(label, cmd, budget, output=None, estimate=None, cwd=None, stdout=None,
            warmup=True):
    """A warm-up (unless the task is long: the page cache is warm from the smaller sizes, or
    warmup=False), then MIN_RUNS runs, 5 for tasks under a second; fewer only when the budget
    runs out, which the note says. Returns a dict."""
    res = {"label": label, "cmd": cmd, "times": [], "cpus": [], "rss": 0, "ok": False,
           "note": ""}
    left = budget.left()
    if estimate is not None and estimate * MIN_RUNS > left:
        res["note"] = "skipped: %d runs would not fit the time budget (~%.0f s each)" % (
            MIN_RUNS, estimate)
        log("  %-40s %s" % (label, res["note"]))
        return res
    timeout = max(60.0, left)
    devnull = open(os.devnull, "wb")
    out = stdout if stdout is not None else devnull
    warm = estimate
    if warmup and (estimate is None or estimate < 5):
        dt, rc, rss, err, cpu = run_timed(cmd, stdout=out, cwd=cwd, timeout=timeout)
        if rc != 0:
            res["note"] = "failed (exit %s): %s" % (rc, first_line(err))
            log("  %-40s %s" % (label, res["note"]))
            return res
        warm = dt
    runs = 5 if warm is not None and warm < 1 else MIN_RUNS
    while len(res["times"]) < runs:
        if res["times"] and budget.left() < max(res["times"]) * 1.2:
            res["note"] = "%d runs: the time budget ran out" % len(res["times"])
            break
        dt, rc, rss, err, cpu = run_timed(cmd, stdout=out, cwd=cwd,
                                          timeout=max(60.0, budget.left()))
        if rc != 0:
            res["note"] = "failed (exit %s): %s" % (rc, first_line(err))
            log("  %-40s %s" % (label, res["note"]))
            return res
        res["times"].append(dt)
        res["cpus"].append(cpu)
        res["rss"] = max(res["rss"], rss)
    devnull.close()
    res["ok"] = True
    res["median"] = statistics.median(res["times"])
    res["min"] = min(res["times"])
    res["max"] = max(res["times"])
    res["cpu"] = statistics.median(res["cpus"])
    res["cpu_min"] = min(res["cpus"])
    if output and os.path.exists(output):
        res["bytes"] = os.path.getsize(output)
        if output.endswith(".pdf"):
            res["pages"] = pdf_pages(output)
    log("  %-40s %7.3f s wall, %7.3f s CPU (%d runs)%s" % (
        label, res["median"], res["cpu"], len(res["times"]),
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

def bisheng_cmd(args, task, corpus, outdir, multi_dump, threaded=False, binary=None):
    """The command for a task; single core (-j 1) unless threaded (bisheng's default -j)."""
    files = corpus["files"]
    if binary:
        cmd, out = bisheng_cmd(args, task, corpus, outdir, multi_dump, threaded)
        out2 = out.replace("bisheng-", "baseline-")
        return [binary] + cmd[1:-1] + [out2], out2
    if task == "dump":
        if multi_dump or len(files) == 1:
            return [args.bin, "dump"] + files, None
        # `bisheng dump` takes one input: one process per article, in one shell loop.
        return ["sh", "-c", 'b=$1; shift; for f; do "$b" dump "$f" || exit 1; done',
                "sh", args.bin] + files, None
    out = os.path.join(outdir, "bisheng-%d-%s%s.%s" % (corpus["n"], task, "-mt" if threaded
                                                       else "", "epub" if task == "epub" else "pdf"))
    cmd = [args.bin, "-q"] + ([] if threaded else ["-j", "1"]) + files + ["-o", out]
    if task == "pdf-h":
        cmd[2:2] = ["--direction", "horizontal"]
    elif task == "pdf-v":
        cmd[2:2] = ["--direction", "vertical"]
    return cmd, out


# Every PDF peer sets the same page as bisheng's defaults (typeset.c's grid): A5, Noto Serif
# CJK at 10.5 pt on a 19.6875 pt line pitch (1.875 em), and bisheng's type area: horizontal
# 29 em x 24 lines centred (margins 20.3 mm and 23.3 mm), vertical 42 em x 15 lines (27.2 mm
# and 23.5 mm). Headings, lists and notes keep each tool's own style, so pages are close, not
# equal: the tables compare time for the same text.
SIZE_PT, PITCH_PT = 10.5, 19.6875
H_MARGINS = "hmargin=20.3mm,vmargin=23.3mm"
V_MARGINS = "hmargin=23.5mm,vmargin=27.2mm"

XELATEX_HEADER = r"""\AtBeginDocument{\fontsize{%gpt}{%gpt}\selectfont}
""" % (SIZE_PT, PITCH_PT)

WEASYPRINT_CSS = """@page { size: A5; margin: 23.3mm 20.3mm; }
html, body { font-family: "Noto Serif CJK SC"; font-size: %gpt; line-height: %gpt; }
body { max-width: none; margin: 0; padding: 0; hyphens: none; }
""" % (SIZE_PT, PITCH_PT)

TATE_TEMPLATE = r"""\documentclass[a5paper]{ltjtarticle}
\usepackage[a5paper,%s]{geometry}
\usepackage{luatexja-fontspec}
\setmainjfont{Noto Serif CJK JP}
\setmainfont{Noto Serif CJK JP}
\providecommand{\tightlist}{\setlength{\itemsep}{0pt}\setlength{\parskip}{0pt}}
\providecommand{\passthrough}[1]{#1}
\providecommand{\href}[2]{#2}
\providecommand{\url}[1]{#1}
\begin{document}
\fontsize{%gpt}{%gpt}\selectfont
$body$
\end{document}
""".replace("%s", V_MARGINS).replace("%g", str(SIZE_PT), 1).replace("%g", str(PITCH_PT), 1)

PEERS = [
    # (name, task, needs)
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
        hdr = os.path.join(work, "xelatex-header.tex")
        with open(hdr, "w") as f:
            f.write(XELATEX_HEADER)
        out = os.path.join(outdir, "xelatex-%d.pdf" % n)
        return base + twins + ["--pdf-engine=xelatex", "-V", "CJKmainfont=Noto Serif CJK SC",
                               "-V", "mainfont=Noto Serif CJK SC",
                               "-V", "geometry:a5paper," + H_MARGINS, "-H", hdr,
                               "-o", out], out
    if name == "pandoc+weasyprint":
        css = os.path.join(work, "weasyprint.css")
        with open(css, "w") as f:
            f.write(WEASYPRINT_CSS)
        out = os.path.join(outdir, "weasyprint-%d.pdf" % n)
        return base + twins + ["--pdf-engine=weasyprint", "--css", css, "-o", out], out
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
            "%.2f at the end (other work on the machine makes wall times noisy; CPU times much "
            "less so)" %
            (cpu, os.cpu_count() or 1, mem, osname, platform.release(),
             cc.splitlines()[0] if cc else "cc ?", ver.splitlines()[0] if ver else "bisheng",
             rev or "?", START_LOAD, os.getloadavg()[0]))


def fmt_s(x):
    return "%.3f" % x if x < 10 else "%.1f" % x


def fmt_mb(b):
    return "%.2f MB" % (b / 1e6) if b >= 1e5 else "%.0f KB" % (b / 1e3)


def cell_s(r):
    return fmt_s(r["median"]) if r and r.get("ok") else "—"


def report(args, corpora, results, mt, floors, peers, jrows, notes, elapsed):
    L = []
    L.append("# bisheng benchmark results")
    L.append("")
    L.append("Written by `make bench` (tests/bench/bench.py); do not edit by hand. "
             "Machine: %s." % machine_description(args))
    L.append("")
    if args.note:
        L.append("**This run:** " + args.note)
        L.append("")
    L.append("Every time is a whole process, one at a time: wall time as the median of the runs "
             "(after a warm-up for tasks under 5 s) with min–max, and CPU time (user + system, "
             "from the child's rusage, its waited-for children included) as the median. The "
             "CPU time is what other work on a shared machine disturbs least, so the ratios "
             "(×floor, peer/bisheng) use it; the wall times show the load. bisheng runs with "
             "`-j 1` (one core, no helper threads) in the main table; its default threads are "
             "in their own table. The floor is `bench-floor` (tests/bench/floor.c): HarfBuzz "
             "shaping of the same text in the same Noto Serif CJK faces (LTR for horizontal, "
             "TTB for vertical) plus zlib deflate of the same bytes, also a whole process "
             "(EPUB: deflate only). Total bench time %.0f s." % elapsed)
    L.append("")
    L.append("## bisheng, one core (`-j 1`)")
    L.append("")
    L.append("| articles | source | task | median s | min–max s | CPU s | runs | MB/s | pages | "
             "pages/s | peak RSS | floor CPU s | ×floor |")
    L.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sorted(corpora):
        c = corpora[n]
        for task in TASKS:
            r = results.get((n, task))
            if r is None:
                continue
            row = ["%d" % n, fmt_mb(c["bytes"]), TASK_NAMES[task]]
            if not r["ok"]:
                row += [r["note"] or "not run"] + [""] * 9
            else:
                fl = floors.get((n, task))
                pages = r.get("pages")
                row += [fmt_s(r["median"]), "%s–%s" % (fmt_s(r["min"]), fmt_s(r["max"])),
                        fmt_s(r["cpu"]), "%d" % len(r["times"]),
                        "%.1f" % (c["bytes"] / 1e6 / r["cpu"]) if r["cpu"] > 0 else "",
                        "%d" % pages if pages else "",
                        "%.0f" % (pages / r["cpu"]) if pages and r["cpu"] > 0 else "",
                        "%.0f MB" % (r["rss"] / 1024.0),
                        fmt_s(fl["cpu"]) if fl and fl["ok"] else "—",
                        "%.1f×" % (r["cpu"] / fl["cpu"]) if fl and fl["ok"] and fl["cpu"] > 0
                        else "—"]
            L.append("| " + " | ".join(row) + " |")
    L.append("")
    L.append("MB/s and pages/s are per CPU second. The floor rows are the floor program's own "
             "runs (same text, same run of the bench).")
    if mt:
        L.append("")
        L.append("## bisheng, default threads (`-j %d`: the cores)" % (os.cpu_count() or 1))
        L.append("")
        L.append("PDF chapters laid out in threads while one thread draws; the EPUB deflates on a "
                 "helper thread. Same files as with `-j 1`.")
        L.append("")
        L.append("| articles | task | median s | min–max s | CPU s | runs | wall speed-up over "
                 "`-j 1` |")
        L.append("|---:|---|---:|---:|---:|---:|---:|")
        for (n, task), r in sorted(mt.items(), key=lambda kv: (kv[0][0], TASKS.index(kv[0][1]))):
            b = results.get((n, task))
            if not r["ok"]:
                L.append("| %d | %s | %s | | | | |" % (n, TASK_NAMES[task], r["note"]))
                continue
            L.append("| %d | %s | %s | %s–%s | %s | %d | %s |" % (
                n, TASK_NAMES[task], fmt_s(r["median"]), fmt_s(r["min"]), fmt_s(r["max"]),
                fmt_s(r["cpu"]), len(r["times"]),
                "%.2f×" % (b["median"] / r["median"]) if b and b["ok"] else "—"))
    if jrows:
        L.append("")
        L.append("## Two outputs at once (`bisheng build book.yaml -j N`)")
        L.append("")
        L.append("A manifest with a horizontal and a vertical PDF of the same articles, built "
                 "with `-j 1` and with `-j 2` (each output in its own process), after a warm-up "
                 "of each, in turn (-j 1, -j 2, -j 1, …) so that a drift in the machine's speed "
                 "moves both alike. Wall time is "
                 "what a second core buys, so only this table is read by wall time: it is "
                 "only as good as the machine was idle (load average in the header). A loop "
                 "pinned to each CPU in turn times them before and after each round: the rows "
                 "are the rounds in which the CPUs ran alike (a VM's vCPU can run at half "
                 "speed for minutes while the guest is idle), when there were %d of them; the "
                 "notes give every round." % MIN_RUNS)
        L.append("")
        L.append("| articles | -j | median s | min–max s | CPU s | runs | pages | speed-up | "
                 "same bytes as -j 1 |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for row in jrows:
            L.append("| " + " | ".join(row) + " |")
    L.append("")
    L.append("## Peers (same text; ratio = peer time / bisheng `-j 1` time)")
    L.append("")
    if not peers:
        L.append("No peer is installed: `make bench-peers` installs them from Debian.")
    else:
        L.append("Peers read the same articles as pandoc Markdown made from bisheng's own tree "
                 "(same text; images, links and ruby readings left out, so they set a little "
                 "less). Every PDF peer sets A5 in Noto Serif CJK at 10.5 pt on bisheng's line "
                 "pitch and type area (xelatex through geometry and a header, WeasyPrint through "
                 "CSS, LuaLaTeX through its template); headings and lists keep each tool's own "
                 "style, so page counts are close but not equal, and the tables compare time "
                 "for the same text (pages/s only for bisheng, above). Peers run on the "
                 "smaller corpora only; at larger sizes the peer's time is extrapolated from its "
                 "marginal CPU time per source byte between its two largest measured sizes (its "
                 "start-up is not multiplied), marked ~.")
        L.append("")
        L.append("| peer | task | articles | median s | min–max s | CPU s | runs | pages | "
                 "bisheng CPU s | peer/bisheng (CPU) | peer/bisheng (wall) |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (name, task, n), r in sorted(peers.items(), key=lambda kv: (TASKS.index(kv[0][1]),
                                                                          kv[0][0], kv[0][2])):
            b = results.get((n, task))
            if not r["ok"]:
                L.append("| %s | %s | %d | %s | | | | | | | |" % (name, TASK_NAMES[task], n,
                                                                  r["note"]))
                continue
            ok = b and b["ok"]
            L.append("| %s | %s | %d | %s | %s–%s | %s | %d | %s | %s | %s | %s |" % (
                name, TASK_NAMES[task], n, fmt_s(r["median"]), fmt_s(r["min"]),
                fmt_s(r["max"]), fmt_s(r["cpu"]), len(r["times"]), r.get("pages") or "",
                fmt_s(b["cpu"]) if ok else "—",
                "%.1f×" % (r["cpu"] / b["cpu"]) if ok and b["cpu"] > 0 else "—",
                "%.1f×" % (r["median"] / b["median"]) if ok else "—"))
        L.append("")
        L.append("### The fastest peer, per output and size (CPU time)")
        L.append("")
        L.append("| output | " + " | ".join("%d articles" % n for n in sorted(corpora)) + " |")
        L.append("|---|" + "---:|" * len(corpora))
        for task in ("epub", "pdf-h", "pdf-v"):
            cells = []
            for n in sorted(corpora):
                pr = peer_ratio(task, n, results, peers, corpora)
                cells.append("%s%.1f× (%s)" % ("~" if pr[1] else "", pr[0], pr[2]) if pr
                             else "—")
            L.append("| %s | %s |" % (TASK_NAMES[task], " | ".join(cells)))
    L.append("")
    L.append("## Targets (issues #9 and #19)")
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
    """Fastest peer's CPU time / bisheng's at size n, measured or extrapolated (~):
    (ratio, approximate, peer name), or None."""
    b = results.get((n, task))
    if not b or not b["ok"] or b["cpu"] <= 0:
        return None
    best = None
    names = sorted({nn for (nn, tt, _), rr in peers.items() if tt == task and rr["ok"]})
    for name in names:
        r = peers.get((name, task, n))
        if r and r["ok"]:
            ratio, approx = r["cpu"] / b["cpu"], False
        else:
            done = sorted(mm for (nn, tt, mm), rr in peers.items()
                          if nn == name and tt == task and rr["ok"])
            if not done or done[-1] > n:
                continue
            peer_s = peer_extrapolate(peers, name, task, done, corpora, n)
            if peer_s is None:
                continue
            ratio, approx = peer_s / b["cpu"], True
        if best is None or ratio < best[0]:
            best = (ratio, approx, name)
    return best


def peer_extrapolate(peers, name, task, done, corpora, n, key="cpu"):
    m2 = done[-1]
    t2 = peers[(name, task, m2)][key]
    if len(done) < 2:
        return None  # one size says nothing about the rate past the start-up
    m1 = done[-2]
    # the rate from each size's fastest run: a slow spell of the machine lengthens runs, never
    # shortens them, and a peer whose start-up is most of its time (LuaLaTeX: 17 s of 20 at
    # 10 articles) once read slower at 1 article than at 10, which made its rate 0
    fast = "cpu_min" if key == "cpu" else "min"
    t1f, t2f = peers[(name, task, m1)][fast], peers[(name, task, m2)][fast]
    if t2f <= t1f:
        return None  # no rate to go by: no estimate, rather than a rate of 0
    b1, b2 = corpora[m1]["bytes"], corpora[m2]["bytes"]
    rate = (t2f - t1f) / (b2 - b1)
    return t2 + rate * (corpora[n]["bytes"] - b2)


def targets(corpora, results, floors, peers, jrows):
    out = []
    for task in ("epub", "pdf-h", "pdf-v"):
        for n in sorted(corpora):
            pr = peer_ratio(task, n, results, peers, corpora)
            what = "%s ≥ %g× the fastest peer (%d articles)" % (TASK_NAMES[task],
                                                               TARGET_PEER_FACTOR, n)
            if pr is None:
                out.append((what, "no peer or no bisheng run", None))
            else:
                out.append((what, "%s%.1f× (%s)" % ("~" if pr[1] else "", pr[0], pr[2]),
                            pr[0] >= TARGET_PEER_FACTOR))
    for task in ("pdf-h", "pdf-v"):
        r, fl = results.get((1, task)), floors.get((1, task))
        what = "one-article %s within %g× the floor" % (TASK_NAMES[task], TARGET_FLOOR_FACTOR_1)
        if r and r["ok"] and fl and fl["ok"] and fl["cpu"] > 0:
            f = r["cpu"] / fl["cpu"]
            out.append((what, "%.1f×" % f, f <= TARGET_FLOOR_FACTOR_1))
        else:
            out.append((what, "not measured", None))
    big = max(corpora)
    r = results.get((big, "pdf-v"))
    if r and r["ok"] and r.get("pages"):
        rate = r["pages"] / r["cpu"]
        out.append(("vertical PDF ≥ %g pages/s (%d articles)" % (TARGET_VPDF_PAGES_S, big),
                    "%.0f pages/s" % rate, rate >= TARGET_VPDF_PAGES_S))
    r = results.get((1000, "epub"))
    if r and r["ok"]:
        out.append(("1,000-article EPUB < %g s (CPU)" % TARGET_EPUB_1000_S, "%.3f s" % r["cpu"],
                    r["cpu"] < TARGET_EPUB_1000_S))
    pdfs = [(r["pages"], r["rss"], n, t) for (n, t), r in results.items()
            if t.startswith("pdf") and r["ok"] and r.get("pages")]
    large = [p for p in pdfs if p[0] >= 1000]
    if large:
        worst = max(large, key=lambda p: p[1])
        out.append(("peak RSS < %g MB for a ≥1,000-page PDF" % TARGET_RSS_MB,
                    "%.0f MB (%d pages, %s)" % (worst[1] / 1024.0, worst[0], TASK_NAMES[worst[3]]),
                    worst[1] / 1024.0 < TARGET_RSS_MB))
    sp = [row for row in jrows if row[1] == "2" and row[7].endswith("×")]
    if sp:
        v = float(sp[-1][7].rstrip("×"))
        same = sp[-1][8] == "yes"
        out.append(("-j 2 ≥ %g× -j 1 on two PDF outputs, same bytes" % TARGET_J2,
                    "%.2f×, %s" % (v, "same bytes" if same else "**bytes differ**"),
                    v >= TARGET_J2 and same))
    else:
        out.append(("-j 2 ≥ %g× -j 1 on two PDF outputs" % TARGET_J2, "not measured", None))
    return out


# ---- main ------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--budget", type=float, default=900.0,
                    help="seconds for the whole bench (default 900)")
    ap.add_argument("--quick", action="store_true", help="sizes 1 and 10 only, no peers")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--sizes", help="comma-separated corpus sizes (default 1,10,100,1000)")
    ap.add_argument("--tasks", help="comma-separated subset of dump,epub,pdf-h,pdf-v")
    ap.add_argument("--note", help="a sentence on what changed, printed at the top of RESULTS.md")
    ap.add_argument("--baseline", help="another bisheng binary (an earlier commit's), timed on "
                    "the same EPUB and PDF tasks side by side with this one")
    ap.add_argument("--peer-max", type=int, help="run no peer past this many articles")
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
    fenced = [src for src in sources
              if re.search(r"^:::", open(os.path.join(args.corpus, src), encoding="utf-8",
                                        errors="replace").read(), re.M)]
    if fenced:
        notes.append("fenced divs (`:::`) in %s: bisheng and the peers read them as their "
                     "readers do" % ", ".join(fenced))

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

    results, floors, mt, base = {}, {}, {}, {}
    jrows = None
    for i, n in enumerate(sizes):
        c = corpora[n]
        log("bench: %d articles (%s)" % (n, fmt_mb(c["bytes"])))
        for task in TASKS:
            if not available[task] or (task == "dump" and n > DUMP_MAX_SIZE):
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
            if args.baseline and task != "dump" and results[(n, task)]["ok"]:
                cmd, out = bisheng_cmd(args, task, c, outdir, multi, binary=args.baseline)
                base[(n, task)] = measure("baseline %s" % TASK_NAMES[task], cmd, bisheng_budget,
                                          output=out, estimate=results[(n, task)]["median"])
            if task != "dump" and n >= THREADED_FROM and results[(n, task)]["ok"]:
                cmd, out = bisheng_cmd(args, task, c, outdir, multi, threaded=True)
                mt[(n, task)] = measure("bisheng %s, default threads" % TASK_NAMES[task], cmd,
                                        bisheng_budget, output=out,
                                        estimate=results[(n, task)]["median"])

        # -j: `bisheng build book.yaml -j N`, on the largest corpus under PARALLEL_MAX_CPU,
        # once a corpus is over it (or the last is measured). Guessing the next size's time
        # from this one's chose 10 articles where 100 fit: a small book's time is mostly its
        # fonts, which the larger ones share.
        h, v = results.get((n, "pdf-h")), results.get((n, "pdf-v"))
        if jrows is None and (i + 1 == len(sizes) or not (h and v and h["ok"] and v["ok"]) or
                              h["cpu"] + v["cpu"] >= PARALLEL_MAX_CPU):
            jrows = measure_parallel(args, corpora, [m for m in sizes if m <= n], outdir,
                                     results, bisheng_budget, notes)
    jrows = jrows or []
    scale = [] if args.quick else measure_scale(args, sources, outdir, notes)

    peers = {}
    if run_peers:
        for name, task, needs in PEERS:
            if not all(have[x] for x in needs):
                notes.append("%s: not installed (`make bench-peers`)" % name)
        # size by size, so that every peer gets its small corpora before any gets a large one
        for n in sizes:
            for name, task, needs in PEERS:
                if not all(have[x] for x in needs) or n > PEER_MAX_SIZE[name] or (
                        args.peer_max and n > args.peer_max):
                    continue
                done = sorted(m for (nn, tt, m), r in peers.items() if nn == name and r["ok"])
                est = None
                if len(done) >= 2:
                    est = peer_extrapolate(peers, name, task, done, corpora, n, key="median")
                elif done:
                    # one size only: start-up dominates a 1-article run; 10 articles take
                    # 2-3 times as long with every peer measured here
                    est = peers[(name, task, done[-1])]["median"] * min(3.0, n / done[-1])
                cmd, out = peer_cmd(name, corpora[n], outdir, args.work)
                log("bench: peer %s, %d articles" % (name, n))
                # the first size warms the peer's caches (TeX formats, luaotfload's font names)
                peers[(name, task, n)] = measure(name, cmd, budget, output=out, estimate=est,
                                                 cwd=outdir, warmup=not done)
    elif not (args.quick or args.no_peers):
        notes.append("no peers installed: `make bench-peers` installs pandoc, TeX Live "
                     "(xelatex, LuaLaTeX with LuaTeX-ja) and WeasyPrint from Debian.")

    elapsed = time.monotonic() - t_start
    text = report(args, corpora, results, mt, floors, peers, jrows, notes, elapsed)
    if scale:
        text = text.replace("\n## Peers", "\n" + scale_report(scale) + "\n## Peers", 1)
    if args.baseline:
        text = text.replace("\n## Peers", "\n" + baseline_report(args, corpora, results, base) +
                            "\n## Peers", 1)
    print(text)
    if not (args.quick or args.sizes or args.tasks or args.scale_sizes):
        with open(args.results, "w", encoding="utf-8") as f:
            f.write(text)
        log("bench: wrote %s" % args.results)
    return 0


def file_hash(paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def outside_flag(binary):
    """The bench's manifests name articles through links into the corpus and write their outputs
    elsewhere: --allow-outside, for a binary that confines manifests (issue #20; an earlier
    binary given with --baseline may not know the option)."""
    p = subprocess.run([binary, "build", "--help"], capture_output=True, env=ENV)
    return ["--allow-outside"] if b"--allow-outside" in p.stdout + p.stderr else []


def cpu_speeds():
    """The wall time of one loop pinned to each CPU in turn. A VM's vCPUs are not always
    alike: here one ran it in twice the other's time for minutes on end, the guest idle (its
    host core shared), and then -j 2 has no second core to use."""
    out = []
    for cpu in sorted(os.sched_getaffinity(0)):
        p = subprocess.run([sys.executable, "-c", CPU_PROBE], capture_output=True, text=True,
                           preexec_fn=lambda c=cpu: os.sched_setaffinity(0, {c}))
        try:
            out.append(float(p.stdout))
        except ValueError:
            return []
    return out


def measure_parallel(args, corpora, sizes, outdir, results, budget, notes):
    """`bisheng build -j N` builds a manifest's outputs N at once, each in its own process: a
    book with a horizontal and a vertical PDF, built with -j 1 and -j 2 (--force, so nothing
    is skipped as up to date); the files of both must be the same bytes."""
    p = subprocess.run([args.bin, "build", "--help"], capture_output=True, env=ENV)
    if p.returncode != 0:
        notes.append("-j not measured: this build has no `bisheng build` command.")
        return []
    fits = [n for n in sizes if all(results.get((n, t), {}).get("ok") for t in ("pdf-h", "pdf-v"))
            and results[(n, "pdf-h")]["cpu"] + results[(n, "pdf-v")]["cpu"] < PARALLEL_MAX_CPU]
    if not fits:
        notes.append("-j not measured: no corpus whose PDFs take under %g s." % PARALLEL_MAX_CPU)
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
    rows = []
    est = results[(n, "pdf-h")]["median"] + results[(n, "pdf-v")]["median"]
    if est * 2 * PARALLEL_RUNS > budget.left():
        notes.append("-j not measured: %d runs of each would not fit the time budget (~%.0f s "
                     "for -j 1)" % (PARALLEL_RUNS, est))
        return []
    cmds = [[args.bin, "build", book, "-q", "--force", "-j", str(j)] + outside_flag(args.bin)
            for j in (1, 2)]
    # -j 1 and -j 2 run in turn (after a warm-up of each), so a machine whose speed drifts
    # over a minute (a VM's neighbours) moves both alike instead of the ratio; each round
    # between two probes of the CPUs' speeds, and counted as fair when they were alike
    times, cpus, digests, fair = [[], []], [[], []], [], []
    spread = []
    rnd = 0
    while rnd <= PARALLEL_RUNS or (sum(fair) < PARALLEL_RUNS and rnd < PARALLEL_MAX_ROUNDS
                                   and budget.left() > est * 3):
        before = cpu_speeds() if rnd else []
        for k, cmd in enumerate(cmds):
            dt, rc, rss, err, cpu = run_timed(cmd, timeout=max(60.0, budget.left()))
            if rc != 0:
                notes.append("-j %d: failed (exit %s): %s" % (k + 1, rc, first_line(err)))
                return []
            if rnd:
                times[k].append(dt)
                cpus[k].append(cpu)
            if rnd == PARALLEL_RUNS or rnd == 0:
                digests.append(file_hash(outs))
        if rnd:
            probe = before + cpu_speeds()
            ratio = max(probe) / min(probe) if len(probe) == 2 * len(before) and before else 0
            spread.append(ratio)
            fair.append(0 < ratio <= PARALLEL_FAIR)
        rnd += 1
    digests.append(file_hash(outs))
    same = len(set(digests)) == 1
    pages = sum(pdf_pages(o) or 0 for o in outs)
    nfair = sum(fair)
    use = [i for i in range(len(fair)) if fair[i]] if nfair >= MIN_RUNS else range(len(fair))
    sel = [[times[k][i] for i in use] for k in range(2)]
    selc = [[cpus[k][i] for i in use] for k in range(2)]
    base = statistics.median(sel[0])
    all_ratio = statistics.median(times[0]) / statistics.median(times[1])
    if nfair >= MIN_RUNS:
        notes.append("-j table: %d rounds, %d of them with the CPUs alike (a loop pinned to each "
                     "ran within %d %% of the fastest before and after the round: the table's "
                     "rows); over all %d rounds -j 2 read %.2f×. The CPUs' spread per round: %s."
                     % (len(fair), nfair, round(100 * (PARALLEL_FAIR - 1)), len(fair),
                        all_ratio, ", ".join("%.2f" % r for r in spread)))
    else:
        notes.append("-j table: only %d of %d rounds had the CPUs alike (a loop pinned to each "
                     "within %d %% of the fastest): the rows are all rounds, on CPUs that "
                     "differed (spread per round: %s)."
                     % (nfair, len(fair), round(100 * (PARALLEL_FAIR - 1)),
                        ", ".join("%.2f" % r for r in spread)))
    for k, j in enumerate((1, 2)):
        med = statistics.median(sel[k])
        log("  %-40s %7.3f s wall, %7.3f s CPU (%d runs)" % (
            "bisheng build -j %d" % j, med, statistics.median(selc[k]), len(sel[k])))
        rows.append(["%d" % n, "%d" % j, fmt_s(med),
                     "%s–%s" % (fmt_s(min(sel[k])), fmt_s(max(sel[k]))),
                     fmt_s(statistics.median(selc[k])), "%d" % len(sel[k]), "%d" % pages,
                     "%.2f×" % (base / med), "" if j == 1 else "yes" if same else "no"])
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
            dt, rc, rss, err, _ = run_timed([args.bin, "build", book, "--only", name, "-q",
                                          "--force", "-j", "1"] + outside_flag(args.bin),
                                         timeout=max(60.0, budget.left()))
            if rc != 0:
                notes.append("scale: %s at %d articles failed: %s" % (name, n, first_line(err)))
                continue
            last[name] = (n, dt)
            pages = pdf_pages(os.path.join(outdir, "scale-%d.pdf" % n)) if name == "print" else None
            rows.append((n, name, dt, rss * 1024, pages))
    return rows


def baseline_report(args, corpora, results, base):
    """This binary against --baseline, measured in turn on each task (CPU time, -j 1)."""
    L = ["## Against the baseline binary (`%s`)" % args.baseline, "",
         "Both with `-j 1`, each task timed with one binary and then the other, at least 3 runs "
         "each; ratio = this binary's median CPU time / the baseline's (over 1 is slower).", "",
         "| articles | task | baseline CPU s | this CPU s | ratio | baseline peak RSS | "
         "this peak RSS |", "|---|---|---|---|---|---|---|"]
    for (n, task), b in sorted(base.items()):
        r = results[(n, task)]
        if not (b["ok"] and r["ok"]):
            L.append("| %d | %s | %s | %s | – | | |" % (n, TASK_NAMES[task],
                     "failed" if not b["ok"] else "%.3f" % b["cpu"],
                     "failed" if not r["ok"] else "%.3f" % r["cpu"]))
            continue
        L.append("| %d | %s | %.3f | %.3f | %.2f | %s | %s |" % (
            n, TASK_NAMES[task], b["cpu"], r["cpu"], r["cpu"] / b["cpu"] if b["cpu"] else 0,
            "%.0f MB" % (b["rss"] / 1024.0), "%.0f MB" % (r["rss"] / 1024.0)))
    L.append("")
    return "\n".join(L)


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
