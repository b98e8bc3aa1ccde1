/* HTML reader: article extraction, chrome and scripts dropped, metadata, ruby, hostile input. */
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
static void on_warn(void *u, const bs_error *e)
{
  (void)u, (void)e;
  warnings++;
}

static bs_node *html(const char *src)
{
  bs_read_options o;
  bs_read_options_init(&o);
  o.path = "t.html";
  o.diag = on_warn;
  warnings = 0;
  bs_node *doc = NULL;
  bs_error err;
  assert_int_equal(bs_read_html(src, strlen(src), &o, &doc, &err), BS_OK);
  assert_int_equal(bs_node_check(doc, stderr), 0);
  return doc;
}

static bool has_type(bs_node *root, bs_node_type t)
{
  bool found = false;
  bs_iter *it = bs_iter_new(root);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE)
    if (ev == BS_EVENT_ENTER && bs_node_get_type(bs_iter_get_node(it)) == t)
      found = true;
  bs_iter_free(it);
  return found;
}

static void test_extraction(void **state)
{
  (void)state;
  bs_node *d = html(
      "<html lang=\"en\"><head><title>The Story | Example Site</title>"
      "<meta property=\"og:site_name\" content=\"Example Site\">"
      "<meta name=\"author\" content=\"A. Writer\">"
      "<script>var x = 'SCRIPTTEXT';</script><style>.a{}</style></head><body>"
      "<header><nav><a href=\"/\">HOMELINK</a></nav></header>"
      "<div class=\"ad-slot\">ADTEXT</div>"
      "<article><h1>The Story</h1><p onclick=\"steal()\">First <b>bold</b> and "
      "<a href=\"javascript:evil()\">bad link</a> and <a href=\"http://ok\">good</a>.</p>"
      "<ul class=\"share-buttons\"><li>SHARETEXT</li></ul>"
      "<p>Second<br>line <img src=\"p.png\" alt=\"inline pic\"></p>"
      "<time datetime=\"2024-05-06T10:00:00Z\">May 6</time>"
      "</article><aside>ASIDETEXT</aside><section class=\"comments\">COMMENTTEXT</section>"
      "<footer>FOOTERTEXT</footer><!-- COMMENTNODE --></body></html>");
  char *t = bs_node_text_content(d);
  assert_non_null(strstr(t, "First bold and bad link and good."));
  assert_non_null(strstr(t, "Second"));
  static const char *const absent[] = {"SCRIPTTEXT", "HOMELINK", "ADTEXT", "SHARETEXT",
                                       "ASIDETEXT", "COMMENTTEXT", "FOOTERTEXT", "COMMENTNODE",
                                       "steal", "evil", NULL};
  for (int i = 0; absent[i]; i++)
    assert_null(strstr(t, absent[i]));
  free(t);
  assert_string_equal(bs_node_get_meta(d, BS_META_TITLE), "The Story");
  assert_string_equal(bs_node_get_meta(d, BS_META_SOURCE), "Example Site");
  assert_string_equal(bs_node_get_meta(d, BS_META_LANG), "en");
  assert_string_equal(bs_node_get_meta(d, BS_META_DATE), "2024-05-06");
  assert_string_equal(bs_node_get_meta_item(d, BS_META_AUTHORS, 0), "A. Writer");
  assert_true(has_type(d, BS_NODE_FIGURE));
  assert_true(has_type(d, BS_NODE_LINE_BREAK));
  assert_true(has_type(d, BS_NODE_STRONG));
  assert_int_equal(warnings, 2); /* scripts once, the unsafe URL once */
  /* only the safe link survives */
  int links = 0;
  bs_iter *it = bs_iter_new(d);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev == BS_EVENT_ENTER && bs_node_get_type(n) == BS_NODE_LINK) {
      links++;
      assert_string_equal(bs_node_get_href(n), "http://ok");
    }
  }
  bs_iter_free(it);
  assert_int_equal(links, 1);
  /* the article's <h1> repeated the title: dropped, the first block is the text */
  assert_int_equal(bs_node_get_type(bs_node_first_child(d)), BS_NODE_PARAGRAPH);
  bs_node_free(d);
}

/* Titles: og:title first, else <title> without a site suffix (kept as the source), spaces
 * kept; a leading heading repeating the title, with or without the suffix, dropped. */
static void test_titles(void **state)
{
  (void)state;
  static const struct {
    const char *head, *body, *title, *source;
    bs_node_type first;
  } cases[] = {
      {"<title>走进 中国 排版_新浪博客</title>", "<h1>走进 中国 排版</h1>", "走进 中国 排版",
       "新浪博客", BS_NODE_PARAGRAPH},
      {"<meta property=\"og:title\" content=\"A  Title with   spaces\">"
       "<title>A Title with spaces | Site</title>",
       "<h1>A Title with spaces</h1>", "A Title with spaces", "Site", BS_NODE_PARAGRAPH},
      {"<title>Plain Title</title>", "<h2>Plain Title - Site</h2>", "Plain Title", NULL,
       BS_NODE_PARAGRAPH},
      {"<title>組版の話｜活字ブログ</title>", "<h1>組版の話</h1>", "組版の話", "活字ブログ",
       BS_NODE_PARAGRAPH},
      {"<title>Other title</title>", "<h1>Different heading</h1>", "Other title", NULL,
       BS_NODE_HEADING},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bs_buf b = BS_BUF_INIT;
    bs_buf_printf(&b,
                  "<html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">%s</head><body>"
                  "<article>%s<p>正文第一段，足够长的内容在这里，足够长的内容在这里。</p>"
                  "<p>第二段内容也在这里，足够长的内容在这里，足够长的内容。</p></article>"
                  "</body></html>",
                  cases[i].head, cases[i].body);
    bs_node *d = html(b.data);
    assert_string_equal(bs_node_get_meta(d, BS_META_TITLE), cases[i].title);
    if (cases[i].source)
      assert_string_equal(bs_node_get_meta(d, BS_META_SOURCE), cases[i].source);
    else
      assert_null(bs_node_get_meta(d, BS_META_SOURCE));
    assert_int_equal(bs_node_get_type(bs_node_first_child(d)), cases[i].first);
    bs_node_free(d);
    bs_buf_free(&b);
  }
}

static void test_densest_block(void **state)
{
  (void)state;
  bs_node *d = html("<body><div id=\"menu\"><p>Menu</p></div><div><p>Short.</p></div>"
                    "<div class=\"content\"><p>This paragraph is the long body text of the page "
                    "that we want.</p><p>And another long paragraph of real article text.</p>"
                    "</div><div><p>Footer note.</p></div></body>");
  char *t = bs_node_text_content(d);
  assert_non_null(strstr(t, "long body text"));
  assert_null(strstr(t, "Menu"));
  assert_null(strstr(t, "Footer note"));
  free(t);
  bs_node_free(d);
}

static void test_ruby(void **state)
{
  (void)state;
  bs_node *d = html("<p><ruby><rb>据</rb><rp>（</rp><rt>す</rt><rp>）</rp></ruby>えて"
                    "<ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby></p>");
  bs_node *p = bs_node_first_child(d);
  bs_node *r = bs_node_first_child(p);
  assert_int_equal(bs_node_get_type(r), BS_NODE_RUBY);
  assert_string_equal(bs_node_get_annotation(r), "す");
  char *base = bs_node_text_content(r);
  assert_string_equal(base, "据");
  free(base);
  r = bs_node_next(bs_node_next(r));
  assert_string_equal(bs_node_get_annotation(r), "かん");
  assert_string_equal(bs_node_get_annotation(bs_node_next(r)), "じ");
  char *t = bs_node_text_content(d);
  assert_string_equal(t, "据えて漢字"); /* rp never shows */
  free(t);
  bs_node_free(d);
}

/* The text and ruby children of d's first paragraph as "text|base(reading)|…". */
static char *ruby_shape(bs_node *d)
{
  bs_buf b = BS_BUF_INIT;
  for (bs_node *n = bs_node_first_child(bs_node_first_child(d)); n; n = bs_node_next(n)) {
    char *t = bs_node_text_content(n);
    if (bs_node_get_type(n) == BS_NODE_RUBY)
      bs_buf_printf(&b, "%s(%s)|", t, bs_node_get_annotation(n));
    else
      bs_buf_printf(&b, "%s|", t);
    free(t);
  }
  return bs_buf_detach(&b);
}

/* HTML's ruby model with several <rb> (#16): the i-th rt reads the i-th rb, which is jukugo
 * ruby (JLREQ §3.3.6) in the tree the Aozora reader makes of ｜東《とう》｜京《きょう》: adjacent
 * one-character rubies. The second reading was lost. */
static void test_ruby_rb(void **state)
{
  (void)state;
  static const struct { const char *in, *want; } cases[] = {
    {"<ruby><rb>東</rb><rb>京</rb><rt>とう</rt><rt>きょう</rt></ruby>", "東(とう)|京(きょう)|"},
    {"<ruby>\n <rb>東</rb> <rb>京</rb>\n <rp>(</rp><rt>とう</rt> <rt>きょう</rt><rp>)</rp>\n</ruby>",
     "東(とう)|京(きょう)|"},
    /* one reading over several bases: group ruby over them all */
    {"<ruby><rb>明</rb><rb>日</rb><rt>あした</rt></ruby>", "明日(あした)|"},
    /* more bases than readings: the rest stay plain; more readings: the last base takes them */
    {"<ruby><rb>東</rb><rb>京</rb><rb>都</rb><rt>とう</rt><rt>きょう</rt></ruby>",
     "東(とう)|京(きょう)|都|"},
    {"<ruby><rb>東</rb><rb>京</rb><rt>と</rt><rt>う</rt><rt>きょう</rt></ruby>", "東(と)|京(うきょう)|"},
    /* two segments in one element */
    {"<ruby><rb>東</rb><rb>京</rb><rt>とう</rt><rt>きょう</rt><rb>都</rb><rt>と</rt></ruby>",
     "東(とう)|京(きょう)|都(と)|"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bs_buf b = BS_BUF_INIT;
    bs_buf_printf(&b, "<p>%s</p>", cases[i].in);
    bs_node *d = html(b.data);
    char *got = ruby_shape(d);
    assert_string_equal(got, cases[i].want);
    free(got);
    bs_node_free(d);
    bs_buf_free(&b);
  }
}

static void test_whitespace(void **state)
{
  (void)state;
  bs_node *d = html("<p>\n  中文\n  接着   <em>word</em>\n next <br>\n  after </p>");
  char *t = bs_node_text_content(d);
  assert_string_equal(t, "中文接着 word nextafter");
  free(t);
  bs_node_free(d);
}

static void test_hostile(void **state)
{
  (void)state;
  bs_buf b = BS_BUF_INIT;
  for (int i = 0; i < 20000; i++)
    bs_buf_puts(&b, "<div><blockquote><b>");
  bs_buf_puts(&b, "deep text<p>unclosed <i>tags <table><tr><td>cell");
  bs_node *d = html(b.data);
  char *t = bs_node_text_content(d);
  assert_non_null(strstr(t, "deep text"));
  free(t);
  bs_node_free(d);
  bs_buf_free(&b);

  d = html("<p>a<img src=x onerror=alert(1)><svg onload=alert(2)><script>x</script></svg>"
           "<iframe src=\"javascript:alert(3)\"></iframe>b</p>");
  t = bs_node_text_content(d);
  assert_string_equal(t, "ab");
  free(t);
  bs_node_free(d);

  d = html("");
  assert_null(bs_node_first_child(d));
  bs_node_free(d);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_extraction), cmocka_unit_test(test_densest_block),
      cmocka_unit_test(test_ruby),       cmocka_unit_test(test_ruby_rb),
      cmocka_unit_test(test_whitespace),
      cmocka_unit_test(test_hostile),      cmocka_unit_test(test_titles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
