/* Markdown reader: CJK-friendly emphasis, metadata block, raw HTML subset, figures, Aozora ruby,
 * footnotes, depth cap and warnings once per kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bisheng/read.h"
#include "util/util.h"

static int warnings;
static char last_warning[512];
static void on_warn(void *u, const bs_error *e)
{
  (void)u;
  warnings++;
  snprintf(last_warning, sizeof last_warning, "%s", e->message);
}

static bs_node *md_lang(const char *src, const char *lang)
{
  bs_read_options o;
  bs_read_options_init(&o);
  o.path = "t.md";
  o.lang = lang;
  o.diag = on_warn;
  warnings = 0;
  bs_node *doc = NULL;
  bs_error err;
  assert_int_equal(bs_read_markdown(src, strlen(src), &o, &doc, &err), BS_OK);
  assert_int_equal(bs_node_check(doc, stderr), 0);
  return doc;
}
static bs_node *md(const char *src) { return md_lang(src, NULL); }

/* A compact rendering of the tree: blocks as [T ...], inlines as <T ...>, text as is. */
static void sx(const bs_node *n, bs_buf *b)
{
  bs_node_type t = bs_node_get_type(n);
  switch (t) {
  case BS_NODE_TEXT: bs_buf_puts(b, bs_node_get_literal(n)); return;
  case BS_NODE_CODE: bs_buf_printf(b, "`%s`", bs_node_get_literal(n)); return;
  case BS_NODE_LINE_BREAK: bs_buf_puts(b, "<BR>"); return;
  case BS_NODE_FOOTNOTE_REF: bs_buf_printf(b, "<FN %s>", bs_node_get_label(n)); return;
  case BS_NODE_FIGURE:
    bs_buf_printf(b, "[FIG %s|%s]", bs_node_get_src(n) ? bs_node_get_src(n) : "-",
                  bs_node_get_caption(n));
    return;
  case BS_NODE_THEMATIC_BREAK: bs_buf_puts(b, "[HR]"); return;
  case BS_NODE_CODE_BLOCK: bs_buf_printf(b, "[CODE %s]", bs_node_get_literal(n)); return;
  default: break;
  }
  static const char *const names[] = {
      [BS_NODE_DOCUMENT] = "DOC", [BS_NODE_PARAGRAPH] = "P", [BS_NODE_HEADING] = "H",
      [BS_NODE_BLOCK_QUOTE] = "Q", [BS_NODE_LIST] = "L", [BS_NODE_ITEM] = "LI",
      [BS_NODE_TABLE] = "T", [BS_NODE_TABLE_ROW] = "TR", [BS_NODE_TABLE_CELL] = "TD",
      [BS_NODE_FOOTNOTE_DEF] = "FD", [BS_NODE_STRONG] = "S", [BS_NODE_EMPHASIS] = "E",
      [BS_NODE_STRIKETHROUGH] = "DEL", [BS_NODE_EMPHASIS_MARK] = "DOT", [BS_NODE_LINK] = "A",
      [BS_NODE_RUBY] = "R", [BS_NODE_SPAN] = "SPAN", [BS_NODE_SUPERSCRIPT] = "SUP",
      [BS_NODE_SUBSCRIPT] = "SUB", [BS_NODE_PAGE_BREAK] = "PB"};
  bool block = bs_node_is_block(n) || t == BS_NODE_DOCUMENT;
  bs_buf_putc(b, block ? '[' : '<');
  bs_buf_puts(b, names[t] ? names[t] : "?");
  if (t == BS_NODE_RUBY)
    bs_buf_printf(b, " %s", bs_node_get_annotation(n));
  if (t == BS_NODE_SPAN && bs_node_get_lang(n))
    bs_buf_printf(b, " %s", bs_node_get_lang(n));
  if (t == BS_NODE_FOOTNOTE_DEF)
    bs_buf_printf(b, " %s", bs_node_get_label(n));
  if (t == BS_NODE_LINK)
    bs_buf_printf(b, " %s", bs_node_get_href(n));
  bs_buf_putc(b, ' ');
  for (const bs_node *k = bs_node_first_child(n); k; k = bs_node_next(k))
    sx(k, b);
  bs_buf_putc(b, block ? ']' : '>');
}

static void expect(bs_node *doc, const char *want)
{
  bs_buf b = BS_BUF_INIT;
  for (const bs_node *k = bs_node_first_child(doc); k; k = bs_node_next(k))
    sx(k, &b);
  assert_string_equal(b.data ? b.data : "", want);
  bs_buf_free(&b);
  bs_node_free(doc);
}

static void test_cjk_emphasis(void **state)
{
  (void)state;
  /* the seed article's bold lead-ins: cmark-gfm alone leaves them literal */
  expect(md("**首先,雙方目標錯位:停火與“持久和平”的博弈。**特朗普最初希望"),
         "[P <S 首先，雙方目標錯位：停火與“持久和平”的博弈。>特朗普最初希望]"); /* N1 too */
  expect(md("**第三,象徵意義:峯會的象徵性大於實質性成果。**從B-2轟炸機"),
         "[P <S 第三，象徵意義：峯會的象徵性大於實質性成果。>從B-2轟炸機]");
  expect(md("这是*强调。*后文"), "[P 这是<E 强调。>后文]");
  expect(md("特朗普**“美国优先”**政策"), "[P 特朗普<S “美国优先”>政策]");
  /* what cmark already pairs stays as it was */
  expect(md("**粗体**和*斜体*"), "[P <S 粗体>和<E 斜体>]");
}

static void test_commonmark_stays_literal(void **state)
{
  (void)state;
  expect(md("a * b * c"), "[P a * b * c]");
  expect(md("**foo bar **"), "[P **foo bar **]");
  expect(md("foo*bar*"), "[P foo<E bar>]");
  expect(md("\\*not emphasis\\*"), "[P *not emphasis*]");
  expect(md("5*6*78"), "[P 5<E 6>78]");
  expect(md("*(*foo*)*"), "[P <E (<E foo>)>]");
  expect(md("__foo, __bar__, baz__"), "[P <S foo, <S bar>, baz>]");
  expect(md("中文 * 星号 * 中文"), "[P 中文 * 星号 * 中文]");
}

static void test_front_matter(void **state)
{
  (void)state;
  bs_node *d = md("---\ntitle: 标题\nsubtitle: 副\nauthor:\n  - 甲\n  - 乙\ndate: 2020-01-02\n"
                  "lang: zh-Hans\ndirection: vertical\ncover-image: c.png\ntags: [a, b]\n"
                  "description: 说明\n---\n\n# 章\n\n正文\n");
  assert_string_equal(bs_node_get_meta(d, BS_META_TITLE), "标题");
  assert_string_equal(bs_node_get_meta(d, BS_META_SUBTITLE), "副");
  assert_string_equal(bs_node_get_meta(d, BS_META_DATE), "2020-01-02");
  assert_string_equal(bs_node_get_meta(d, BS_META_LANG), "zh-Hans");
  assert_string_equal(bs_node_get_meta(d, BS_META_DIRECTION), "vertical");
  assert_string_equal(bs_node_get_meta(d, BS_META_COVER), "c.png");
  assert_string_equal(bs_node_get_meta(d, BS_META_DESCRIPTION), "说明");
  assert_int_equal(bs_node_get_meta_count(d, BS_META_AUTHORS), 2);
  assert_string_equal(bs_node_get_meta_item(d, BS_META_AUTHORS, 1), "乙");
  assert_int_equal(bs_node_get_meta_count(d, BS_META_TAGS), 2);
  /* positions count the metadata block's lines */
  bs_node *h = bs_node_first_child(d);
  assert_int_equal(bs_node_get_type(h), BS_NODE_HEADING);
  assert_int_equal(bs_node_get_pos(h).line, 15);
  assert_int_equal(bs_node_get_pos(bs_node_next(h)).line, 17);
  bs_node_free(d);

  d = md("---\nauthor: 鲁迅\n---\ntext\n");
  assert_int_equal(bs_node_get_meta_count(d, BS_META_AUTHORS), 1);
  assert_string_equal(bs_node_get_meta_item(d, BS_META_AUTHORS, 0), "鲁迅");
  bs_node_free(d);

  /* not a metadata block: a rule and a setext heading */
  d = md("---\n\ntext\n");
  assert_null(bs_node_get_meta(d, BS_META_TITLE));
  assert_int_equal(bs_node_get_type(bs_node_first_child(d)), BS_NODE_THEMATIC_BREAK);
  bs_node_free(d);

  /* malformed YAML is an error with the line */
  bs_read_options o;
  bs_read_options_init(&o);
  o.path = "bad.md";
  bs_node *out = NULL;
  bs_error err;
  const char *bad = "---\ntitle: [unclosed\n---\nx\n";
  assert_int_equal(bs_read_markdown(bad, strlen(bad), &o, &out, &err), BS_ERR_SYNTAX);
  assert_null(out);
  assert_true(err.line >= 2);
}

/* A leading heading that repeats the front matter's title (or the title with a site suffix)
 * is dropped: the writers show the title already. Another heading stays. */
static void test_title_heading(void **state)
{
  (void)state;
  expect(md("---\ntitle: 孔乙己\n---\n\n# 孔乙己\n\n正文\n"), "[P 正文]");
  expect(md("---\ntitle: The Quiet  Art\n---\n\n## The Quiet Art | Ink\n\ntext\n"), "[P text]");
  expect(md("---\ntitle: 孔乙己\n---\n\n# 一\n\n正文\n"), "[H 一][P 正文]");
  expect(md("---\ntitle: 孔乙己\n---\n\n正文\n\n# 孔乙己\n"), "[P 正文][H 孔乙己]");
  expect(md("# 孔乙己\n\n正文\n"), "[H 孔乙己][P 正文]"); /* no title: the heading is all */
}

static void test_raw_html(void **state)
{
  (void)state;
  expect(md_lang("<ruby>漢字<rt>かんじ</rt></ruby>と<ruby>振<rp>(</rp><rt>ふ</rt><rp>)</rp></ruby>", "ja"),
         "[P <R かんじ 漢字>と<R ふ 振>]");
  expect(md("<ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>"), "[P <R かん 漢><R じ 字>]");
  expect(md("H<sub>2</sub>O x<sup>2</sup> a<br>b"), "[P H<SUB 2>O x<SUP 2> a<BR>b]");
  expect(md("<span lang=\"en\">word</span> and <span class=\"x\">plain</span>"),
         "[P <SPAN en word> and plain]");
  expect(md("a <b onclick=\"evil()\">bold</b> c"), "[P a bold c]");
  assert_int_equal(warnings, 1);
  expect(md("x<script>alert(1)</script>y"), "[P xy]");
  expect(md("<div onmouseover=\"x()\">\n<p>one</p>\n<p>two</p>\n</div>\n\nafter"),
         "[P one][P two][P after]");
  assert_int_equal(warnings, 1); /* one per kind */
  expect(md("<script>\nvar a = '<b>';\n</script>\n\ntext"), "[P text]");
  expect(md("<!-- comment -->\n\ntext"), "[P text]");
  assert_int_equal(warnings, 0);
}

static void test_figures(void **state)
{
  (void)state;
  expect(md("![alt text](a.png \"The title\")"), "[FIG a.png|The title]");
  expect(md("![alt text](a.png)"), "[FIG a.png|alt text]");
  expect(md("before ![pic](p.png) after"), "[P before][FIG p.png|pic][P after]");
  expect(md("[![pic](p.png)](http://x)"), "[P <A http://x pic>]");
  expect(md("[x](javascript:alert(1))"), "[P x]");
}

static void test_blocks(void **state)
{
  (void)state;
  expect(md("> q\n\n- a\n- b\n\n1. x\n\n```c\nint x;\n```\n\n***\n\n~~del~~"),
         "[Q [P q]][L [LI [P a]][LI [P b]]][L [LI [P x]]][CODE int x;\n][HR][P <DEL del>]");
  expect(md("| a | b |\n|:-|-:|\n| 1 | 2 |\n"), "[T [TR [TD a][TD b]][TR [TD 1][TD 2]]]");
  expect(md("see https://example.com now"), "[P see <A https://example.com https://example.com> now]");
  expect(md("text[^note] more[^2]\n\n[^2]: two\n[^note]: one\n"),
         "[P text<FN 1> more<FN 2>][FD 1 [P one]][FD 2 [P two]]");
  /* soft breaks: nothing between CJK characters, a space between words */
  expect(md("中文\n接着\n\nword\nnext\n\n中文\nword"), "[P 中文接着][P word next][P 中文word]");
}

static void test_aozora_ruby(void **state)
{
  (void)state;
  expect(md_lang("｜一言《ひとこと》と神代《かみよ》、瓜実《うりざね》顔《がお》", "ja"),
         "[P <R ひとこと 一言>と<R かみよ 神代>、<R うりざね 瓜実><R がお 顔>]");
  /* Chinese book-title marks are never ruby */
  expect(md_lang("鲁迅《孔乙己》", "zh-Hans"), "[P 鲁迅《孔乙己》]");
  /* not in code */
  expect(md_lang("`漢字《かんじ》`", "ja"), "[P `漢字《かんじ》`]");
  /* metadata language counts */
  expect(md("---\nlang: ja\n---\n本文《ほんぶん》"), "[P <R ほんぶん 本文>]");
  /* notes are never printed */
  expect(md_lang("前［＃未知の注記］後", "ja"), "[P 前後]");
  assert_int_equal(warnings, 1);
}

static void test_depth_cap(void **state)
{
  (void)state;
  bs_buf b = BS_BUF_INIT;
  for (int i = 0; i < 5000; i++)
    bs_buf_putc(&b, '>');
  bs_buf_puts(&b, " deep\n\n");
  for (int i = 0; i < 3000; i++)
    bs_buf_puts(&b, "- ");
  bs_buf_puts(&b, "item\n\n");
  for (int i = 0; i < 3000; i++)
    bs_buf_puts(&b, "*a **b ");
  bs_buf_puts(&b, "\n");
  bs_node *d = md(b.data);
  assert_true(warnings >= 1);
  assert_true(strstr(last_warning, "nesting") != NULL);
  char *t = bs_node_text_content(d);
  assert_non_null(strstr(t, "deep"));
  assert_non_null(strstr(t, "item"));
  free(t);
  int depth = 0, max = 0;
  bs_iter *it = bs_iter_new(d);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    if (ev == BS_EVENT_ENTER && !bs_node_is_leaf_type(bs_node_get_type(bs_iter_get_node(it))))
      depth++;
    else if (ev == BS_EVENT_EXIT)
      depth--;
    if (depth > max)
      max = depth;
  }
  bs_iter_free(it);
  assert_true(max <= 3 * 100 + 5);
  bs_node_free(d);
  bs_buf_free(&b);
}

static void test_bad_utf8(void **state)
{
  (void)state;
  bs_read_options o;
  bs_read_options_init(&o);
  bs_node *out = NULL;
  bs_error err;
  assert_int_equal(bs_read_markdown("ok\n\xff\n", 5, &o, &out, &err), BS_ERR_ENCODING);
  assert_int_equal(err.line, 2);
  assert_null(out);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cjk_emphasis),   cmocka_unit_test(test_commonmark_stays_literal),
      cmocka_unit_test(test_front_matter),   cmocka_unit_test(test_raw_html),
      cmocka_unit_test(test_title_heading),
      cmocka_unit_test(test_figures),        cmocka_unit_test(test_blocks),
      cmocka_unit_test(test_aozora_ruby),    cmocka_unit_test(test_depth_cap),
      cmocka_unit_test(test_bad_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
