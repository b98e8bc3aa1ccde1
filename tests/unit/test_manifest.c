/* The manifest reader: the parse result (metadata, parts, articles, globs, outputs and their
 * options) and error reporting (every problem, with its line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bisheng/manifest.h"

static char dir[256];

/* Writes `text` to dir/name, making folders on the way. */
static void put(const char *name, const char *text)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  for (char *s = path + strlen(dir) + 1; *s; s++)
    if (*s == '/') {
      *s = '\0';
      mkdir(path, 0777);
      *s = '/';
    }
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof dir, "%s/bs-manifest-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir))
    return -1;
  put("a.txt", "A\n");
  put("b.txt", "B\n");
  put("ch/02.md", "# two\n");
  put("ch/01.md", "# one\n");
  put("ch/10.md", "# ten\n");
  put("cover.png", "not really a png");
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Every reported problem, formatted, one per line. */
static char reports[8192];
static int nreports;

static void on_report(void *user, const bs_error *e)
{
  (void)user;
  char line[2048];
  bs_error_format(e, line, sizeof line);
  size_t used = strlen(reports);
  snprintf(reports + used, sizeof reports - used, "%s\n", line);
  nreports++;
}

/* Loads `yaml` as dir/book.yaml; returns the status, the manifest in *out on success. */
static bs_status load(const char *yaml, bs_manifest **out, bs_error *err)
{
  put("book.yaml", yaml);
  char path[512];
  snprintf(path, sizeof path, "%s/book.yaml", dir);
  reports[0] = '\0';
  nreports = 0;
  bs_manifest_options o;
  bs_manifest_options_init(&o);
  o.report = on_report;
  *out = NULL;
  bs_error_clear(err);
  return bs_manifest_load(path, &o, out, err);
}

/* The reports with the temporary folder replaced by "D". */
static const char *shown(void)
{
  static char buf[8192];
  buf[0] = '\0';
  size_t dl = strlen(dir);
  for (const char *p = reports; *p;) {
    const char *hit = strstr(p, dir);
    size_t n = hit ? (size_t)(hit - p) : strlen(p);
    size_t used = strlen(buf);
    memcpy(buf + used, p, n);
    buf[used + n] = '\0';
    if (!hit)
      break;
    strcat(buf, "D");
    p = hit + dl;
  }
  return buf;
}

static const char *rel(const char *path)
{
  size_t dl = strlen(dir);
  return !strncmp(path, dir, dl) ? path + dl + 1 : path;
}

static void test_full(void **state)
{
  (void)state;
  bs_manifest *m;
  bs_error err;
  bs_status st = load("title: 書名\n"
                      "subtitle: 副題\n"
                      "author: [甲, 乙]\n"
                      "editor: 編者\n"
                      "publisher: 出版\n"
                      "date: 2026-01-02\n"
                      "lang: zh-Hant\n"
                      "identifier: urn:x\n"
                      "direction: vertical\n"
                      "cover-image: cover.png\n"
                      "keywords: [散文]\n"
                      "fontsize: 11pt\n"
                      "embed-fonts: yes\n"
                      "parts:\n"
                      "  - title: 第一部\n"
                      "    lang: ja\n"
                      "    articles:\n"
                      "      - a.txt\n"
                      "      - path: b.txt\n"
                      "        title: 乙篇\n"
                      "  - articles: [ch/*.md]\n"
                      "outputs:\n"
                      "  - name: e\n"
                      "    file: out/x.epub\n"
                      "  - file: out/y.pdf\n"
                      "    direction: horizontal\n"
                      "    fontsize: 9\n"
                      "    grid: 40x15\n"
                      "    margins: 10\n"
                      "    indent: 1\n"
                      "    vnum: sideways\n"
                      "    emphasis: dots\n"
                      "    mainfont: Noto Serif CJK JP\n",
                      &m, &err);
  assert_string_equal(shown(), "");
  assert_int_equal(st, BS_OK);
  const bs_node *book = bs_manifest_get_book(m);
  assert_int_equal(bs_node_get_type(book), BS_NODE_BOOK);
  assert_string_equal(bs_node_get_meta(book, BS_META_TITLE), "書名");
  assert_string_equal(bs_node_get_meta(book, BS_META_SUBTITLE), "副題");
  assert_int_equal(bs_node_get_meta_count(book, BS_META_AUTHORS), 2);
  assert_string_equal(bs_node_get_meta_item(book, BS_META_AUTHORS, 1), "乙");
  assert_string_equal(bs_node_get_meta(book, BS_META_EDITOR), "編者");
  assert_string_equal(bs_node_get_meta(book, BS_META_PUBLISHER), "出版");
  assert_string_equal(bs_node_get_meta(book, BS_META_DATE), "2026-01-02");
  assert_string_equal(bs_node_get_meta(book, BS_META_LANG), "zh-Hant");
  assert_string_equal(bs_node_get_meta(book, BS_META_IDENTIFIER), "urn:x");
  assert_string_equal(bs_node_get_meta(book, BS_META_DIRECTION), "vertical");
  assert_string_equal(rel(bs_node_get_meta(book, BS_META_COVER)), "cover.png");
  assert_string_equal(bs_node_get_meta_item(book, BS_META_TAGS, 0), "散文");
  /* articles in order, the glob sorted by file name; one titled part */
  assert_int_equal(bs_manifest_article_count(m), 5);
  assert_int_equal(bs_manifest_part_count(m), 1);
  const char *want[] = {"a.txt", "b.txt", "ch/01.md", "ch/02.md", "ch/10.md"};
  int lines[] = {18, 19, 21, 21, 21};
  for (size_t i = 0; i < 5; i++) {
    assert_string_equal(rel(bs_manifest_article_path(m, i)), want[i]);
    assert_int_equal(bs_manifest_article_line(m, i), lines[i]);
  }
  assert_null(bs_manifest_article_path(m, 5));
  /* outputs: names, formats, resolved paths, book defaults under their own options */
  assert_int_equal(bs_manifest_output_count(m), 2);
  const bs_manifest_output *e = bs_manifest_get_output(m, 0), *p = bs_manifest_get_output(m, 1);
  assert_string_equal(e->name, "e");
  assert_int_equal(e->format, BS_OUTPUT_EPUB);
  assert_string_equal(e->file, "out/x.epub");
  assert_string_equal(rel(e->path), "out/x.epub");
  assert_int_equal(e->line, 23);
  assert_int_equal(e->epub.direction, BS_DIR_DEFAULT);
  assert_true(e->epub.embed_fonts);
  assert_string_equal(rel(e->epub.cover_path), "cover.png");
  assert_ptr_equal(bs_manifest_find_output(m, "e"), e);
  assert_string_equal(p->name, "y.pdf"); /* unnamed: its file name */
  assert_int_equal(p->format, BS_OUTPUT_PDF);
  assert_int_equal(p->pdf.direction, BS_DIR_HORIZONTAL);
  assert_true(p->pdf.font_size_pt == 9);
  assert_int_equal(p->pdf.grid_chars, 40);
  assert_int_equal(p->pdf.grid_lines, 15);
  assert_true(p->pdf.margins_mm[0] == 10 && p->pdf.margins_mm[3] == 10);
  assert_true(p->pdf.indent_em == 1);
  assert_true(p->pdf.vnum_sideways);
  assert_true(p->pdf.emphasis_dots);
  assert_string_equal(p->pdf.font_family, "Noto Serif CJK JP");
  assert_null(bs_manifest_find_output(m, "nope"));
  assert_null(bs_manifest_get_output(m, 2));
  bs_manifest_free(m);
}

static void test_outputs_mapping_and_aliases(void **state)
{
  (void)state;
  bs_manifest *m;
  bs_error err;
  /* outputs as a mapping of names; pandoc's papersize/font-size aliases; 'chapters' */
  bs_status st = load("title: T\n"
                      "authors: 甲\n"
                      "font-size: 12\n"
                      "chapters:\n"
                      "  - file: a.txt\n"
                      "outputs:\n"
                      "  book:\n"
                      "    path: book.bin\n"
                      "    format: epub\n"
                      "  print:\n"
                      "    output: p.pdf\n",
                      &m, &err);
  assert_string_equal(shown(), "");
  assert_int_equal(st, BS_OK);
  assert_int_equal(bs_manifest_output_count(m), 2);
  assert_string_equal(bs_manifest_get_output(m, 0)->name, "book");
  assert_int_equal(bs_manifest_get_output(m, 0)->format, BS_OUTPUT_EPUB);
  assert_int_equal(bs_manifest_get_output(m, 0)->line, 7);
  assert_string_equal(bs_manifest_get_output(m, 1)->name, "print");
  assert_true(bs_manifest_get_output(m, 1)->pdf.font_size_pt == 12);
  assert_int_equal(bs_node_get_meta_count(bs_manifest_get_book(m), BS_META_AUTHORS), 1);
  assert_int_equal(bs_manifest_article_count(m), 1);
  assert_int_equal(bs_manifest_part_count(m), 0);
  bs_manifest_free(m);
}

/* One manifest with many problems: every one is reported, in order, with its line. */
static void test_all_errors(void **state)
{
  (void)state;
  bs_manifest *m;
  bs_error err;
  bs_status st = load("title: T\n"                      /* 1 */
                      "titel: U\n"                      /* 2 */
                      "direction: diagonal\n"           /* 3 */
                      "articles:\n"                     /* 4 */
                      "  - a.txt\n"                     /* 5 */
                      "  - missing.md\n"                /* 6 */
                      "  - path: nope/*.txt\n"          /* 7 */
                      "  - path: ch\n"                  /* 8 */
                      "  - path: ch/*.md\n"             /* 9 */
                      "    title: One title\n"          /* 10 */
                      "  - author: x\n"                 /* 11 */
                      "  - path: b.txt\n"               /* 12 */
                      "    colour: red\n"               /* 13 */
                      "outputs:\n"                      /* 14 */
                      "  - name: e\n"                   /* 15 */
                      "    file: a.epub\n"              /* 16 */
                      "  - name: e\n"                   /* 17 */
                      "    file: b.epub\n"              /* 18 */
                      "  - name: f\n"                   /* 19 */
                      "    file: a.epub\n"              /* 20 */
                      "  - name: g\n"                   /* 21 */
                      "    file: x.doc\n"               /* 22 */
                      "  - name: h\n"                   /* 23 */
                      "    file: h.pdf\n"               /* 24 */
                      "    fontsize: huge\n"            /* 25 */
                      "    papr: A4\n"                  /* 26 */
                      "    vnum: diagonal\n"            /* 27 */
                      "  - name: i\n"                   /* 28 */
                      "    file: i.pdf\n"               /* 29 */
                      "    file: j.pdf\n",              /* 30 */
                      &m, &err);
  assert_int_equal(st, BS_ERR_SYNTAX);
  assert_null(m);
  assert_string_equal(shown(),
      "D/book.yaml:2: unknown key 'titel' in the book (did you mean 'title'?)\n"
      "D/book.yaml:3: 'direction' should be horizontal or vertical, not 'diagonal'\n"
      "D/book.yaml:6: article 'missing.md' not found\n"
      "D/book.yaml:7: no article matches 'nope/*.txt'\n"
      "D/book.yaml:8: article 'ch' is a folder, not a file\n"
      "D/book.yaml:10: 'title' cannot be set on 'ch/*.md', which matches 3 articles\n"
      "D/book.yaml:11: article without 'path'\n"
      "D/book.yaml:13: unknown key 'colour' in article\n"
      "D/book.yaml:17: duplicate output name 'e' (first at line 15)\n"
      "D/book.yaml:20: outputs 'e' and 'f' both write 'a.epub'\n"
      "D/book.yaml:22: cannot tell the format of 'x.doc': add 'format: epub' or 'format: pdf'\n"
      "D/book.yaml:25: 'fontsize' should be a number from 4 to 1000, not 'huge'\n"
      "D/book.yaml:26: unknown key 'papr' in output (did you mean 'paper'?)\n"
      "D/book.yaml:27: 'vnum' should be upright or sideways, not 'diagonal'\n"
      "D/book.yaml:30: duplicate key 'file' (first at line 29)\n");
  /* the first problem fills err */
  assert_int_equal(err.line, 2);
  assert_string_equal(err.message, "unknown key 'titel' in the book (did you mean 'title'?)");
}

static void expect_one(const char *yaml, bs_status code, const char *message)
{
  bs_manifest *m;
  bs_error err;
  bs_status st = load(yaml, &m, &err);
  assert_int_equal(st, code);
  assert_null(m);
  assert_string_equal(shown(), message);
  assert_int_equal(nreports, 1);
}

static void test_yaml_errors(void **state)
{
  (void)state;
  expect_one("title: T\narticles: [a.txt\noutputs: []\n", BS_ERR_SYNTAX,
             "D/book.yaml:2:11: bad YAML: while parsing a flow sequence that starts here: did "
             "not find expected ',' or ']' at line 3, column 8\n");
  /* a quote left open: where it starts, and where the file ends */
  expect_one("title: T\ndescription: \"open\n\narticles: [a.txt]\n", BS_ERR_SYNTAX,
             "D/book.yaml:2:14: bad YAML: while scanning a quoted scalar that starts here: found "
             "unexpected end of stream at line 5, column 1\n");
  expect_one("title: T\n  bad: indent\n", BS_ERR_SYNTAX,
             "D/book.yaml:2:6: bad YAML: mapping values are not allowed in this context\n");
  expect_one("", BS_ERR_SYNTAX, "D/book.yaml:1: the manifest is empty\n");
  expect_one("- a\n- b\n", BS_ERR_SYNTAX,
             "D/book.yaml:1: the manifest should be a mapping, not a list\n");
  expect_one("title: T\narticles: [a.txt]\noutputs: [{file: a.epub}]\n---\ntitle: U\n",
             BS_ERR_SYNTAX, "D/book.yaml:4: more than one YAML document ('---') in the manifest\n");
  expect_one("title: \xff\n", BS_ERR_ENCODING, "D/book.yaml:1: the manifest is not valid UTF-8\n");
  expect_one("title: T\noutputs: [{file: a.epub}]\n", BS_ERR_SYNTAX,
             "D/book.yaml:1: no articles: add an 'articles:' or 'parts:' list\n");
  expect_one("title: T\narticles: [a.txt]\n", BS_ERR_SYNTAX,
             "D/book.yaml:1: no outputs: add an 'outputs:' list\n");
  expect_one("title: T\narticles: [a.txt]\noutputs: []\n", BS_ERR_SYNTAX,
             "D/book.yaml:3: 'outputs' is empty\n");
  expect_one("title: [T]\narticles: [a.txt]\noutputs: [{file: a.epub}]\n", BS_ERR_SYNTAX,
             "D/book.yaml:1: 'title' should be text, not a list\n");
  expect_one("title: T\nparts:\n  - title: P\n    articles:\n      - articles: [a.txt]\n"
             "outputs: [{file: a.epub}]\n",
             BS_ERR_SYNTAX, "D/book.yaml:5: parts cannot contain parts\n");
  expect_one("title: T\nparts:\n  - title: P\noutputs: [{file: a.epub}]\n", BS_ERR_SYNTAX,
             "D/book.yaml:3: part without 'articles'\n");
  expect_one("title: T\narticles: [a.txt]\noutputs: [{file: a.epub, format: mobi}]\n",
             BS_ERR_SYNTAX, "D/book.yaml:3: unknown output format 'mobi' (epub or pdf)\n");
  expect_one("title: T\narticles: [a.txt]\noutputs: [{name: x}]\n", BS_ERR_SYNTAX,
             "D/book.yaml:3: output 'x' without 'file'\n");
  expect_one("title: T\narticles: [a.txt]\ncss: none.css\noutputs: [{file: a.epub}]\n",
             BS_ERR_IO, "D/book.yaml:3: stylesheet 'none.css' not found\n");
  expect_one("title: T\narticles: [a.txt]\noutputs: [{file: a.epub, embed-fonts: maybe}]\n",
             BS_ERR_SYNTAX, "D/book.yaml:3: 'embed-fonts' should be true or false, not 'maybe'\n");
}

static void test_missing_manifest(void **state)
{
  (void)state;
  bs_manifest_options o;
  bs_manifest_options_init(&o);
  o.report = on_report;
  reports[0] = '\0';
  nreports = 0;
  bs_manifest *m = NULL;
  bs_error err;
  char path[512];
  snprintf(path, sizeof path, "%s/none.yaml", dir);
  assert_int_equal(bs_manifest_load(path, &o, &m, &err), BS_ERR_IO);
  assert_null(m);
  assert_string_equal(shown(), "D/none.yaml: cannot open: No such file or directory\n");
}

/* A manifest read from memory with no folder resolves paths against the working directory;
 * a part divider is a tagged empty document. */
static void test_parse_memory_and_parts(void **state)
{
  (void)state;
  char cwd[1024];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(dir), 0);
  const char *y = "title: T\nparts:\n  - title: P1\n    articles: [a.txt]\n"
                  "  - title: P2\n    subtitle: S\n    articles: [b.txt]\n"
                  "outputs: [{file: o.epub}]\n";
  bs_manifest *m = NULL;
  bs_error err;
  assert_int_equal(bs_manifest_parse(y, strlen(y), "book.yaml", NULL, &m, &err), BS_OK);
  assert_string_equal(bs_manifest_article_path(m, 0), "a.txt");
  assert_string_equal(bs_manifest_get_output(m, 0)->path, "o.epub");
  assert_int_equal(bs_manifest_part_count(m), 2);
  assert_string_equal(bs_manifest_get_path(m), "book.yaml");
  bs_manifest_free(m);
  assert_int_equal(chdir(cwd), 0);
  bs_node *d = bs_node_new(BS_NODE_DOCUMENT);
  assert_false(bs_manifest_is_part(d));
  bs_node_add_meta_item(d, BS_META_TAGS, BS_PART_TAG);
  assert_true(bs_manifest_is_part(d));
  assert_false(bs_manifest_is_part(NULL));
  bs_node_free(d);
  bs_manifest_free(NULL);
}

/* Output folders: made when missing; a file in the way is an error naming the output line. */
static void test_prepare_output(void **state)
{
  (void)state;
  bs_manifest *m;
  bs_error err;
  put("blocker", "a file, not a folder");
  assert_int_equal(load("title: T\narticles: [a.txt]\noutputs:\n"
                        "  - {name: ok, file: new/deep/x.epub}\n"
                        "  - {name: bad, file: blocker/x.pdf}\n",
                        &m, &err),
                   BS_OK);
  assert_int_equal(bs_manifest_prepare_output(m, bs_manifest_get_output(m, 0), &err), BS_OK);
  char path[512];
  struct stat st;
  snprintf(path, sizeof path, "%s/new/deep", dir);
  assert_int_equal(stat(path, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(bs_manifest_prepare_output(m, bs_manifest_get_output(m, 1), &err), BS_ERR_IO);
  assert_int_equal(err.line, 5);
  char want[1024];
  snprintf(want, sizeof want, "cannot write output 'bad': '%s/blocker' is not a folder", dir);
  assert_string_equal(err.message, want);
  bs_manifest_free(m);
}

/* A writer failure names the real output (not our temporary) and leaves no file behind. */
static void test_write_failure_cleans_up(void **state)
{
  (void)state;
  bs_manifest *m;
  bs_error err;
  assert_int_equal(load("title: T\narticles: [a.txt]\noutputs: [{file: w/o.epub}, "
                        "{file: w/o.pdf}]\n", &m, &err), BS_OK);
  for (size_t i = 0; i < 2; i++) {
    const bs_manifest_output *o = bs_manifest_get_output(m, i);
    assert_int_equal(bs_manifest_prepare_output(m, o, &err), BS_OK);
    bs_manifest_result r;
    bs_error_clear(&err);
    bs_status st = bs_manifest_write(m, o, &r, &err);
    if (st == BS_OK) {
      /* a real writer: the file is there and the sidecar records it */
      struct stat sb;
      assert_int_equal(stat(o->path, &sb), 0);
      assert_int_equal(sb.st_size, r.bytes);
      assert_true(r.written);
      continue;
    }
    assert_string_equal(err.path, o->path);
    char wdir[512];
    snprintf(wdir, sizeof wdir, "%s/w", dir);
    DIR *d = opendir(wdir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
      assert_true(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."));
    closedir(d);
  }
  bs_manifest_free(m);
}

/* Reading: overrides over what the articles say, part dividers in place, the same tree with
 * one thread or four. Skips while the plain-text reader is a placeholder. */
static void test_read_articles(void **state)
{
  (void)state;
  bs_manifest *m;
  bs_error err;
  put("r/1.txt", "第一篇\n\n正文一。\n");
  put("r/2.txt", "第二篇\n\n正文二。\n");
  put("r/3.txt", "第三篇\n\n正文三。\n");
  const char *y = "title: 書\nparts:\n"
                  "  - title: 上\n    lang: ja\n    direction: vertical\n    author: 某\n"
                  "    articles:\n      - path: r/1.txt\n        title: 改題\n      - r/2.txt\n"
                  "articles:\n  - path: r/3.txt\n    direction: horizontal\n"
                  "outputs: [{file: o.epub}]\n";
  char *dumps[2] = {NULL, NULL};
  for (int pass = 0; pass < 2; pass++) {
    assert_int_equal(load(y, &m, &err), BS_OK);
    bs_manifest_options o;
    bs_manifest_options_init(&o);
    o.jobs = pass ? 4 : 1;
    bs_status st = bs_manifest_read_articles(m, &o, &err);
    assert_int_equal(st, BS_OK);
    const bs_node *book = bs_manifest_get_book(m);
    assert_int_equal(bs_node_child_count(book), 4);
    bs_node *d = bs_node_first_child(book);
    assert_true(bs_manifest_is_part(d));
    assert_string_equal(bs_node_get_meta(d, BS_META_TITLE), "上");
    assert_int_equal(bs_node_child_count(d), 0);
    d = bs_node_next(d);
    assert_false(bs_manifest_is_part(d));
    assert_string_equal(bs_node_get_meta(d, BS_META_TITLE), "改題");
    assert_string_equal(bs_node_get_meta(d, BS_META_LANG), "ja");
    assert_string_equal(bs_node_get_meta(d, BS_META_DIRECTION), "vertical");
    assert_string_equal(bs_node_get_meta_item(d, BS_META_AUTHORS, 0), "某");
    d = bs_node_next(d);
    assert_string_equal(bs_node_get_meta(d, BS_META_LANG), "ja");
    assert_null(bs_node_get_meta(d, BS_META_SUBTITLE));
    d = bs_node_next(d);
    assert_string_equal(bs_node_get_meta(d, BS_META_DIRECTION), "horizontal");
    assert_int_equal(bs_node_get_inherited_direction(d), BS_DIR_HORIZONTAL);
    assert_int_equal(bs_node_check(book, stderr), 0);
    size_t len;
    FILE *f = open_memstream(&dumps[pass], &len);
    assert_int_equal(bs_node_dump_json(book, f, NULL), BS_OK);
    fclose(f);
    bs_manifest_free(m);
  }
  assert_string_equal(dumps[0], dumps[1]);
  free(dumps[0]);
  free(dumps[1]);
}

/* Every read failure is reported, not only the first. */
static void test_read_errors_all_reported(void **state)
{
  (void)state;
  bs_manifest *m;
  bs_error err;
  put("bad1.txt", "\xff\xfe bad\n");
  put("bad2.txt", "ok\n\xc3\n");
  assert_int_equal(load("title: T\narticles: [bad1.txt, bad2.txt]\noutputs: [{file: o.epub}]\n",
                        &m, &err), BS_OK);
  bs_manifest_options o;
  bs_manifest_options_init(&o);
  o.report = on_report;
  o.jobs = 2;
  reports[0] = '\0';
  nreports = 0;
  assert_int_not_equal(bs_manifest_read_articles(m, &o, &err), BS_OK);
  assert_int_equal(nreports, 2);
  assert_non_null(strstr(shown(), "D/bad1.txt"));
  assert_non_null(strstr(shown(), "D/bad2.txt"));
  assert_int_equal(bs_node_child_count(bs_manifest_get_book(m)), 0);
  bs_manifest_free(m);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full),
      cmocka_unit_test(test_outputs_mapping_and_aliases),
      cmocka_unit_test(test_all_errors),
      cmocka_unit_test(test_yaml_errors),
      cmocka_unit_test(test_missing_manifest),
      cmocka_unit_test(test_parse_memory_and_parts),
      cmocka_unit_test(test_prepare_output),
      cmocka_unit_test(test_write_failure_cleans_up),
      cmocka_unit_test(test_read_articles),
      cmocka_unit_test(test_read_errors_all_reported),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
