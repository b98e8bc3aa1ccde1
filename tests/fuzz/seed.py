#!/usr/bin/env python3
"""Seeds a libFuzzer corpus folder for one target (make fuzz): the shared corpus and the
bad-input files, each behind the option byte the targets read first (the low bits pick the
reader in the pipeline targets). The PDF target only takes inputs up to 4 KB and the EPUB
target up to 16 KB, so their seeds are cut at a line boundary below that."""
import os
import sys

target, out, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
cap = {"pdf": 4000, "epub": 16000}.get(target, 1 << 20)
names = sorted(os.path.join(corpus, f) for f in os.listdir(corpus))
names += sorted(os.path.join("tests/bad", f) for f in os.listdir("tests/bad") if f != "CASES")
if target == "manifest":
    names.append("templates/book.yaml")
if target == "manifest":  # a valid book over the three articles fuzz_manifest.c provides
    with open(os.path.join(out, "seed-fuzz-dir.yaml"), "wb") as f:
        f.write(b"\0" + """title: 書
author: [甲, 乙]
lang: zh-Hant
parts:
  - title: 上
    articles:
      - a.md
      - {path: b.txt, title: 二, author: 丙}
  - title: 下
    articles: ["*.html"]
outputs:
  - {name: e, file: out.epub, direction: vertical, keep-going: true}
  - {name: p, file: out.pdf, paper: A5, grid: 20x8, font-size: 10}
""".encode())

def generated():
    """The hostile Markdown that t-bad.sh makes (issue #20), scaled to libFuzzer's 64 KB inputs:
    front matter (an alias bomb, flow and block nesting 30,000 deep, a quote left open) and GFM
    tables (3,000 and 5,000 columns, one at the cap)."""
    bomb = ["  - &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]"] + [
        f"  - &a{i} [" + ",".join([f"*a{i-1}"] * 9) + "]" for i in range(1, 10)]
    yield "fm-alias-bomb.md", "---\ntitle: t\ntags:\n" + "\n".join(bomb) + "\n---\n\n正文。\n"
    yield "fm-deep-flow.md", "---\ntitle: [" + "[" * 30000 + "]" * 30000 + "]\n---\n\n正文。\n"
    yield "fm-deep-block.md", "---\ntitle: t\ntags:\n" + "- " * 30000 + "a\n---\n\n正文。\n"
    yield "fm-open-quote.md", ("---\ntitle: 題\nauthor: 某\ndate: 2020\ndescription: \"open\n"
                               "  quote\n\n---\n\n正文。\n")
    yield "table-3000.md", "|" + "a|" * 3000 + "\n|" + "-|" * 3000 + "\n" + "x\n" * 3000
    yield "table-5000.md", "# 表\n\n|" + "a|" * 5000 + "\n|" + "-|" * 5000 + "\n|x|\n"
    yield "table-cap.md", "# 表\n\n|" + "甲|" * 1000 + "\n|" + "-|" * 1000 + "\n" + "|乙|\n" * 99


if target == "md":  # "gen-" names: t-fuzz-replay.sh replays these in make check
    for name, text in generated():
        with open(os.path.join(out, "gen-" + name), "wb") as f:
            f.write(b"\0" + text.encode())
if len(sys.argv) > 4 and sys.argv[4] == "--generated-only":
    sys.exit(0)
for path in names:
    if not os.path.isfile(path):
        continue
    ext = os.path.splitext(path)[1]
    if target == "manifest" and ext not in (".yaml", ".yml"):
        continue
    data = open(path, "rb").read()
    if len(data) > cap:
        data = data[: data.rfind(b"\n", 0, cap) + 1]
    opt = {".md": 1, ".html": 2}.get(ext, 0) if target in ("epub", "pdf") else 0
    base = os.path.basename(path)
    with open(os.path.join(out, "seed-" + base), "wb") as f:
        f.write(bytes([opt]) + data)
    if target in ("epub", "pdf"):  # the same seed set vertically
        with open(os.path.join(out, "seed-v-" + base), "wb") as f:
            f.write(bytes([opt | 0x80]) + data)
