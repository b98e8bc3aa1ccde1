/* Typesetter tests on trees built in C, plus a driver mode used by tests/t-typeset-*.sh until
 * the text reader lands:  test_typeset --layout|--pdf FILE [OUT] [--vertical] [--vnum-sideways] */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bisheng/bisheng.h"
#include "tt_tree.h"
#include "typeset/typeset-impl.h"
#include "util/util.h"

static char *layout_of(const char *text, const char *lang, bs_direction dir,
                       const bs_typeset_options *base)
{
  bs_node *doc = tt_tree(text, strlen(text), lang, dir);
  bs_typeset_options o;
  if (base)
    o = *base;
  else
    bs_typeset_options_init(&o);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  bs_error err;
  bs_error_clear(&err);
  assert_int_equal(bs_layout_dump(doc, &o, f, &err), BS_OK);
  fclose(f);
  bs_node_free(doc);
  return buf;
}

static int count(const char *hay, const char *needle)
{
  int n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

static void test_paper(void **state)
{
  (void)state;
  double w, h;
  assert_true(bs_paper_size("A5", &w, &h));
  assert_true(w == 148 && h == 210);
  assert_true(bs_paper_size("b6", &w, &h));
  assert_true(w == 128 && h == 182);
  assert_true(bs_paper_size("32K", &w, &h));
  assert_true(w == 130 && h == 184);
  assert_true(bs_paper_size("120x180mm", &w, &h));
  assert_true(w == 120 && h == 180);
  assert_false(bs_paper_size("A9", &w, &h));
  assert_false(bs_paper_size("120x180", &w, &h));
}

/* V2: vertical brackets are the TC face's vertical forms (gids from hb-shape --direction=ttb
 * --face-index=3: 「 58908, 」 58909). */
static void test_vertical_brackets(void **state)
{
  (void)state;
  char *j = layout_of("題\n他說：「天下為公」。\n", "zh-Hant", BS_DIR_VERTICAL, NULL);
  assert_non_null(strstr(j, "\"c\": \"「\", \"gid\": 58908"));
  assert_non_null(strstr(j, "\"c\": \"」\", \"gid\": 58909"));
  free(j);
}

/* V3: “” become 「」 in vertical zh-Hant, stay in horizontal. */
static void test_quotes(void **state)
{
  (void)state;
  char *v = layout_of("題\n他說“你好”，然後離開。\n", "zh-Hant", BS_DIR_VERTICAL, NULL);
  assert_int_equal(count(v, "\"c\": \"“\""), 0);
  assert_int_equal(count(v, "\"c\": \"「\""), 1);
  free(v);
  char *h = layout_of("題\n他說“你好”，然後離開。\n", "zh-Hant", BS_DIR_HORIZONTAL, NULL);
  assert_int_equal(count(h, "\"c\": \"“\""), 1);
  free(h);
}

/* L1: 2 digits TCY, 4 digits upright one by one, words sideways, acronyms upright. */
static void test_latin_vertical(void **state)
{
  (void)state;
  char *v = layout_of("題\n共有2025名學生，12月的GDP由iPhone帶動。\n", "zh-Hant",
                      BS_DIR_VERTICAL, NULL);
  assert_int_equal(count(v, "\"o\": \"tcy\""), 2); /* 1 and 2 in one cell */
  assert_non_null(strstr(v, "\"c\": \"2\""));
  assert_int_equal(count(v, "\"o\": \"sideways\""), 6); /* i P h o n e */
  free(v);
  bs_typeset_options o;
  bs_typeset_options_init(&o);
  o.vnum_sideways = true;
  char *s = layout_of("題\n共有2025名學生。\n", "zh-Hant", BS_DIR_VERTICAL, &o);
  assert_int_equal(count(s, "\"o\": \"sideways\""), 4);
  free(s);
}

/* K1: with a 10-character measure, the comma cannot start line 2. */
static void test_kinsoku(void **state)
{
  (void)state;
  bs_typeset_options o;
  bs_typeset_options_init(&o);
  o.grid_chars = 10;
  o.grid_lines = 10;
  o.indent_em = 0;
  char *j = layout_of("題\n一二三四五六七八九十，十一十二\n", "zh-Hant", BS_DIR_HORIZONTAL, &o);
  if (getenv("TT_DEBUG"))
    fputs(j, stderr);
  assert_null(strstr(j, "\"glyphs\": [\n    {\"c\": \"，\""));
  /* one halved comma cannot absorb a whole em: the last ideograph is pushed out (K7) */
  assert_non_null(strstr(j, "\"fit\": \"push-out\""));
  assert_non_null(strstr(j, "\"glyphs\": [\n    {\"c\": \"十\""));
  free(j);
}

/* Finds the glyph whose text is `c` (the n-th occurrence) and reads a number field. */
static double field(const char *json, const char *c, int nth, const char *key)
{
  char pat[64];
  snprintf(pat, sizeof pat, "{\"c\": \"%s\"", c);
  const char *p = json;
  for (int i = 0; i <= nth; i++) {
    p = strstr(p, pat);
    assert_non_null(p);
    if (i < nth)
      p++;
  }
  char k[32];
  snprintf(k, sizeof k, "\"%s\": ", key);
  const char *v = strstr(p, k);
  assert_non_null(v);
  return strtod(v + strlen(k), NULL);
}

/* P1 (example of §2.3, TC horizontal): 說→：10.5, ：→「 10.5, 「→好 5.25, 好→。 10.5, 。→」
 * 5.25; 」 keeps 10.5. */
static void test_p1_pairs(void **state)
{
  (void)state;
  char *j = layout_of("題\n他說：「好。」\n", "zh-Hant", BS_DIR_HORIZONTAL, NULL);
  double say = field(j, "說", 0, "p"), colon = field(j, "：", 0, "p"), open = field(j, "「", 0, "p"),
         good = field(j, "好", 0, "p"), stop = field(j, "。", 0, "p"), close = field(j, "」", 0, "p");
  assert_true(fabs(colon - say - 10.5) < 0.01);
  assert_true(fabs(open - colon - 10.5) < 0.01);
  assert_true(fabs(good - open - 5.25) < 0.01);
  assert_true(fabs(stop - good - 10.5) < 0.01);
  assert_true(fabs(close - stop - 5.25) < 0.01);
  assert_true(fabs(field(j, "」", 0, "adv") - 10.5) < 0.01);
  free(j);
}

/* K3/P5: —— is one 2 em glyph (locl with the buffer language, §0.5); …… two solid 1 em
 * glyphs, 2 em in all. */
static void test_dash_ellipsis(void **state)
{
  (void)state;
  for (int v = 0; v < 2; v++) {
    char *j = layout_of("題\n這是——破折號，還有……刪節號。\n", "zh-Hant",
                        v ? BS_DIR_VERTICAL : BS_DIR_HORIZONTAL, NULL);
    assert_true(fabs(field(j, "——", 0, "adv") - 21) < 0.01);
    assert_true(fabs(field(j, "…", 0, "adv") - 10.5) < 0.01);
    assert_true(fabs(field(j, "…", 1, "p") - field(j, "…", 0, "p") - 10.5) < 0.01);
    free(j);
  }
}

/* S1/S3: ¼ em between CJK and Latin; a source space is replaced, not added to. */
static void test_autospace(void **state)
{
  (void)state;
  char *a = layout_of("題\n共有2025名\n", "zh-Hant", BS_DIR_HORIZONTAL, NULL);
  char *b = layout_of("題\n共有 2025 名\n", "zh-Hant", BS_DIR_HORIZONTAL, NULL);
  double gap = field(a, "2", 0, "p") - (field(a, "有", 0, "p") + 10.5);
  assert_true(fabs(gap - 10.5 / 4) < 0.01);
  assert_true(fabs(field(a, "名", 0, "p") - field(b, "名", 0, "p")) < 0.01);
  free(a);
  free(b);
}

/* P4: the TW interpunct is full width. */
static void test_interpunct(void **state)
{
  (void)state;
  char *j = layout_of("題\n瑪麗·居禮\n", "zh-Hant", BS_DIR_HORIZONTAL, NULL);
  assert_true(fabs(field(j, "·", 0, "adv") - 10.5) < 0.01);
  free(j);
}

/* E2: --emphasis dots marks strong text with dots instead of bold. */
static void test_emphasis_dots(void **state)
{
  (void)state;
  bs_typeset_options o;
  bs_typeset_options_init(&o);
  o.emphasis_dots = true;
  char *j = layout_of("題\n這是**重要**的事。\n", "zh-Hant", BS_DIR_VERTICAL, &o);
  assert_int_equal(count(j, "\"dot\": true"), 2);
  assert_int_equal(count(j, "\"bold\": true"), 1); /* only the heading */
  free(j);
  char *b = layout_of("題\n這是**重要**的事。\n", "zh-Hant", BS_DIR_VERTICAL, NULL);
  assert_int_equal(count(b, "\"dot\": true"), 0);
  assert_int_equal(count(b, "\"bold\": true"), 3);
  free(b);
}

static bs_node *para(const char *text)
{
  bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
  bs_node_append_child(p, bs_node_new_text(BS_NODE_TEXT, text, strlen(text)));
  return p;
}

/* Every block type the Markdown and HTML readers make lays out: lists with markers, quotes
 * indented, code blocks line by line, figures as a credit line in smaller type, tables row by
 * row, footnotes; a page break starts a new page. */
static void test_blocks(void **state)
{
  (void)state;
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_meta(doc, BS_META_LANG, "zh-Hant");
  bs_node_append_child(doc, para("前言。"));
  bs_node *list = bs_node_new(BS_NODE_LIST);
  bs_node_set_list_ordered(list, true);
  for (int i = 0; i < 2; i++) {
    bs_node *it = bs_node_new(BS_NODE_ITEM);
    bs_node_append_child(it, para(i ? "第二項" : "第一項"));
    bs_node_append_child(list, it);
  }
  bs_node_append_child(doc, list);
  bs_node *q = bs_node_new(BS_NODE_BLOCK_QUOTE);
  bs_node_append_child(q, para("引文在此。"));
  bs_node_append_child(doc, q);
  bs_node *code = bs_node_new_text(BS_NODE_CODE_BLOCK, "int x;\nx = 1;\n", 14);
  bs_node_append_child(doc, code);
  bs_node *fig = bs_node_new(BS_NODE_FIGURE);
  bs_node_set_caption(fig, "圖一");
  bs_node_set_credit(fig, "攝影：某人");
  bs_node_append_child(doc, fig);
  bs_node_append_child(doc, bs_node_new(BS_NODE_PAGE_BREAK));
  bs_node_append_child(doc, para("新頁。"));
  bs_typeset_options o;
  bs_typeset_options_init(&o);
  for (int v = 0; v < 2; v++) {
    o.direction = v ? BS_DIR_VERTICAL : BS_DIR_HORIZONTAL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    bs_error err;
    bs_error_clear(&err);
    assert_int_equal(bs_layout_dump(doc, &o, f, &err), BS_OK);
    fclose(f);
    assert_non_null(strstr(buf, "{\"c\": \"1\""));          /* "1. " list marker */
    assert_int_equal(count(buf, "\"kind\": \"code\""), 2); /* two code lines */
    assert_int_equal(count(buf, "\"kind\": \"small\""), 1);
    assert_int_equal(count(buf, "\"number\": "), 2);         /* the page break */
    /* the quote is indented by 2 em */
    assert_non_null(strstr(buf, "\"indent\": 21.0000"));
    free(buf);
  }
  bs_node_free(doc);
}

static int driver(int argc, char **argv)
{
  const char *mode = argv[1], *in = argv[2], *out = NULL;
  bs_typeset_options o;
  bs_typeset_options_init(&o);
  bs_direction dir = BS_DIR_HORIZONTAL;
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--vertical"))
      dir = BS_DIR_VERTICAL;
    else if (!strcmp(argv[i], "--vnum-sideways"))
      o.vnum_sideways = true;
    else if (!strcmp(argv[i], "--grid") && i + 1 < argc)
      sscanf(argv[++i], "%dx%d", &o.grid_chars, &o.grid_lines);
    else
      out = argv[i];
  }
  const char *sde = getenv("SOURCE_DATE_EPOCH");
  if (sde)
    o.source_date = atoll(sde);
  char *data;
  size_t len;
  bs_error err;
  bs_error_clear(&err);
  if (bs_read_all(in, &data, &len, &err) != BS_OK)
    return 1;
  bs_node *doc = tt_tree(data, len, tt_lang_of(in), dir);
  free(data);
  bs_status st = !strcmp(mode, "--pdf") && out ? bs_pdf_write(doc, &o, out, &err)
                                               : bs_layout_dump(doc, &o, stdout, &err);
  bs_node_free(doc);
  if (st != BS_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  return 0;
}

/* Progress: once at the start (0 of N), then after each chapter in order, pages growing, and
 * once more with the file's page count. */
static size_t pr_done[8], pr_total[8];
static int pr_pages[8], pr_n;
static void on_progress(void *user, const bs_progress *p)
{
  (void)user;
  if (pr_n < 8) {
    pr_done[pr_n] = p->done;
    pr_total[pr_n] = p->total;
    pr_pages[pr_n] = p->pages;
  }
  pr_n++;
}

/* The PDF bs_pdf_write makes of `book` with `o`, read back (*len bytes). */
static char *pdf_of(bs_node *book, const bs_typeset_options *o, size_t *len)
{
  char path[] = "/tmp/bs-pdf-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  bs_error err;
  bs_error_clear(&err);
  assert_int_equal(bs_pdf_write(book, o, path, &err), BS_OK);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *buf = NULL;
  FILE *m = open_memstream(&buf, len);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    fwrite(chunk, 1, n, m);
  fclose(f);
  fclose(m);
  unlink(path);
  return buf;
}

static void test_progress(void **state)
{
  (void)state;
  bs_node *book = bs_node_new(BS_NODE_BOOK);
  bs_node_set_meta(book, BS_META_TITLE, "書");
  const char *text = "章\n正文正文正文。\n再一段正文。\n";
  for (int i = 0; i < 3; i++)
    bs_node_append_child(book, tt_tree(text, strlen(text), "zh-Hant", BS_DIR_VERTICAL));
  bs_typeset_options o;
  bs_typeset_options_init(&o);
  o.progress = on_progress;
  pr_n = 0;
  size_t len;
  free(pdf_of(book, &o, &len));
  bs_node_free(book);
  assert_int_equal(pr_n, 5);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(pr_done[i], (size_t)i);
    assert_int_equal(pr_total[i], 3);
    if (i > 0)
      assert_true(pr_pages[i] > pr_pages[i - 1]); /* each chapter adds pages */
  }
  /* the last report, when the file is complete: every page, the contents' too */
  assert_int_equal(pr_done[4], 3);
  assert_int_equal(pr_total[4], 3);
  assert_true(pr_pages[4] > pr_pages[3]);
}

/* A writer thread started part way through a PDF (#19: a -j build's output gets the core of
 * a sibling that has finished) leaves the bytes as they were: the cores are refused for the
 * first chapters, then given. */
static int cores_calls;
static int cores_late(void)
{
  return ++cores_calls > 3 ? 2 : 1;
}

static void test_writer_late(void **state)
{
  (void)state;
  bs_node *book = bs_node_new(BS_NODE_BOOK);
  bs_node_set_meta(book, BS_META_TITLE, "書");
  bs_buf text = {0};
  bs_buf_puts(&text, "章\n");
  for (int i = 0; i < 60; i++) /* pages of vertical lines: the filter rewrites their glyphs */
    bs_buf_puts(&text, "「正文」正文正文，正文正文正文正文。English 2026 年正文正文正文。\n");
  for (int i = 0; i < 8; i++)
    bs_node_append_child(book, tt_tree(text.data, text.len, "zh-Hant", BS_DIR_VERTICAL));
  bs_buf_free(&text);
  bs_typeset_options o;
  bs_typeset_options_init(&o);
  o.source_date = 1700000000;
  o.jobs = 1;
  size_t n1, n2;
  char *one = pdf_of(book, &o, &n1);
  o.jobs = 2;
  cores_calls = 0;
  bs_ts_set_cores_fn(cores_late);
  char *late = pdf_of(book, &o, &n2);
  bs_ts_set_cores_fn(NULL);
  assert_true(cores_calls > 3); /* asked again after the first chapters */
  assert_true(n1 > 100000);
  assert_int_equal(n1, n2);
  assert_memory_equal(one, late, n1);
  free(one);
  free(late);
  bs_node_free(book);
}

int main(int argc, char **argv)
{
  if (argc >= 3 && (!strcmp(argv[1], "--layout") || !strcmp(argv[1], "--pdf")))
    return driver(argc, argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_paper),         cmocka_unit_test(test_vertical_brackets),
      cmocka_unit_test(test_quotes),        cmocka_unit_test(test_latin_vertical),
      cmocka_unit_test(test_kinsoku),       cmocka_unit_test(test_p1_pairs),
      cmocka_unit_test(test_dash_ellipsis), cmocka_unit_test(test_autospace),
      cmocka_unit_test(test_interpunct),    cmocka_unit_test(test_emphasis_dots),
      cmocka_unit_test(test_blocks),        cmocka_unit_test(test_progress),
      cmocka_unit_test(test_writer_late),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
