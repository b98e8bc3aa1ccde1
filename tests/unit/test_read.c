/* Readers and passes: N1 punctuation normalisation, §9 language detection, the plain-text
 * article reader (header, heading rules and their traps, encodings, bad input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bisheng/bisheng.h"

static bs_node *read_str(const char *s, const char *lang, bool normalize)
{
  bs_read_options o;
  bs_read_options_init(&o);
  o.path = "t.txt";
  o.lang = lang;
  o.normalize = normalize;
  bs_node *doc = NULL;
  bs_error err;
  bs_error_clear(&err);
  bs_status st = bs_read_text(s, strlen(s), &o, &doc, &err);
  if (st != BS_OK)
    fail_msg("read failed: %s", err.message);
  assert_int_equal(bs_node_check(doc, stderr), 0);
  return doc;
}

/* N1 on one paragraph: "title\n\n<input>" and compare the paragraph's text. */
static void n1(const char *in, const char *expect)
{
  char buf[1024];
  snprintf(buf, sizeof buf, "標題\n\n%s\n", in);
  bs_node *doc = read_str(buf, "zh-Hant", true);
  char *got = bs_node_text_content(bs_node_first_child(doc));
  assert_string_equal(got, expect);
  free(got);
  bs_node_free(doc);
}

static void test_n1(void **state)
{
  (void)state;
  /* the rulebook's examples (§3.5) */
  n1("台灣,日本(及韓國):是否?", "台灣，日本（及韓國）：是否？");
  n1("Hello, world", "Hello, world");
  n1("1,000元", "1,000元");
  n1("時間是3:30嗎", "時間是3:30嗎");
  n1("台灣(Taiwan)很美", "台灣（Taiwan）很美");
  n1("中文, 英文", "中文，英文");
  n1("他說:“你好”,然後走了", "他說：“你好”，然後走了");
  n1("這樣...好嗎", "這樣……好嗎");
  n1("等等…對", "等等……對");
  n1("這是--那是", "這是——那是");
  n1("他說\"好\"", "他說“好”");
  n1("結束了.", "結束了。");
  n1("網址https://example.com/a?b=1,請看", "網址https://example.com/a?b=1，請看");
  n1("寫信到a@b.cn,謝謝", "寫信到a@b.cn，謝謝");
  /* Latin runs stay as they are */
  n1("B-2與F-22在2025年", "B-2與F-22在2025年");
  n1("阿Ｑ,你", "阿Ｑ，你");
  n1("(1881-1936;整理)", "（1881-1936；整理）");
  n1("He said hello world, 然後", "He said hello world, 然後");
  /* V4: presentation forms back to their base characters */
  n1("﹁天下為公﹂︐", "「天下為公」，");
  /* Korean keeps its Western punctuation (#13) */
  n1("한국어는 한글로 씁니다. 세종대왕이, 만들었습니다.", "한국어는 한글로 씁니다. 세종대왕이, 만들었습니다.");
  n1("세종대왕이 만들었습니다.", "세종대왕이 만들었습니다.");
}

static void test_n1_off(void **state)
{
  (void)state;
  bs_node *doc = read_str("標題\n\n台灣,日本\n", "zh-Hant", false);
  char *got = bs_node_text_content(doc);
  assert_string_equal(got, "台灣,日本");
  free(got);
  bs_node_free(doc);
}

static void test_n1_across_nodes(void **state)
{
  (void)state;
  bs_node *doc = read_str("標題\n\n**首先,雙方:停火。**特朗普,普京\n", "zh-Hant", true);
  bs_node *p = bs_node_first_child(doc);
  bs_node *strong = bs_node_first_child(p);
  assert_int_equal(bs_node_get_type(strong), BS_NODE_STRONG);
  assert_string_equal(bs_node_get_literal(bs_node_first_child(strong)), "首先，雙方：停火。");
  assert_string_equal(bs_node_get_literal(bs_node_next(strong)), "特朗普，普京");
  bs_node_free(doc);
}

static void test_detect_lang(void **state)
{
  (void)state;
  static const struct {
    const char *text, *lang;
  } cases[] = {
      {"他說：「天下為公」，這是我們的國家。", "zh-Hant"},
      {"他说：“天下为公”，这是我们的国家。", "zh-Hans"},
      {"こんな夢を見た。腕組をして枕元に坐っていると、仰向に寝た女が言った。", "ja"},
      /* shinjitai such as 語 are Traditional-only in Unihan: kana must decide first */
      {"日本語の文章を読む。", "ja"},
      {"한국어 문장입니다. 읽어 보세요.", "ko"},
      {"The quick brown fox jumps over the lazy dog.", "en"},
      {"后天我们去皇后大道", NULL}, /* 后 counts for neither, 们 alone is too little */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const char *got = bs_detect_lang(cases[i].text, strlen(cases[i].text));
    if (!cases[i].lang)
      assert_null(got);
    else if (!got || strcmp(got, cases[i].lang))
      fail_msg("%s: expected %s, got %s", cases[i].text, cases[i].lang, got ? got : "NULL");
  }
}

static void test_export_header(void **state)
{
  (void)state;
  const char *s = "標題文字_某網站\n"
                  "张三-某研究所研究员-2天前\n"
                  "【原創】【評論】\n"
                  "標題文字\n"
                  "作者:張三、李四(某大學教授)\n"
                  "\n"
                  "第一段正文在這裡。這是繁體的國家與語言。\n";
  bs_node *doc = read_str(s, NULL, true);
  assert_string_equal(bs_node_get_meta(doc, BS_META_TITLE), "標題文字");
  assert_string_equal(bs_node_get_meta(doc, BS_META_SOURCE), "某網站");
  assert_string_equal(bs_node_get_meta(doc, BS_META_AFFILIATION), "某大學教授");
  assert_string_equal(bs_node_get_meta(doc, BS_META_LANG), "zh-Hant");
  assert_int_equal(bs_node_get_meta_count(doc, BS_META_AUTHORS), 2);
  assert_string_equal(bs_node_get_meta_item(doc, BS_META_AUTHORS, 1), "李四");
  assert_int_equal(bs_node_get_meta_count(doc, BS_META_TAGS), 2);
  assert_string_equal(bs_node_get_meta_item(doc, BS_META_TAGS, 1), "評論");
  assert_int_equal(bs_node_child_count(doc), 1); /* chrome and title not repeated */
  bs_node_free(doc);
}

static bs_node_type nth_type(bs_node *doc, int n)
{
  bs_node *c = bs_node_first_child(doc);
  while (n-- > 0 && c)
    c = bs_node_next(c);
  return bs_node_get_type(c);
}

static void test_headings(void **state)
{
  (void)state;
  const char *s = "題\n\n一、開始\n第二，立传的通例，开首大抵该是\n第一章　序\n第二夜\n"
                  "結語:沒有贏家\n前言\n一、這一行很長很長，而且以句號結尾，所以它是一個段落。\n"
                  "《書名》不是注音\n";
  bs_node *doc = read_str(s, "zh-Hant", true);
  assert_int_equal(nth_type(doc, 0), BS_NODE_HEADING);
  assert_int_equal(nth_type(doc, 1), BS_NODE_PARAGRAPH); /* 第二, is not a heading */
  assert_int_equal(nth_type(doc, 2), BS_NODE_HEADING);
  assert_int_equal(nth_type(doc, 3), BS_NODE_HEADING);
  assert_int_equal(nth_type(doc, 4), BS_NODE_HEADING);
  assert_int_equal(nth_type(doc, 5), BS_NODE_HEADING);
  assert_int_equal(nth_type(doc, 6), BS_NODE_PARAGRAPH);
  assert_int_equal(nth_type(doc, 7), BS_NODE_PARAGRAPH);
  /* Chinese title marks are text, never ruby */
  bs_node *last = bs_node_last_child(doc);
  assert_int_equal(bs_node_get_type(bs_node_first_child(last)), BS_NODE_TEXT);
  assert_null(bs_node_next(bs_node_first_child(last)));
  bs_node_free(doc);
}

/* The section words (text.c's section_words, README "Plain text articles"): each language's
 * usual opening and closing words make a heading alone or before a colon, not inside a line. */
static void test_section_words(void **state)
{
  (void)state;
  static const struct {
    const char *lang, *text;
  } cases[] = {
      {"ja", "題\n\nはじめに\n本文。\nむすび\n本文。\nまとめ\n本文。\nあとがき\n本文。\n"},
      {"ja", "題\n\n序章\n本文。\n終章\n本文。\n結びに\n本文。\n付記\n本文。\n"},
      {"zh-Hant", "題\n\n序\n正文。\n跋\n正文。\n後記\n正文。\n附記：補充\n正文。\n"},
      {"zh-Hant", "題\n\n小結\n正文。\n結論\n正文。\n尾聲\n正文。\n楔子\n正文。\n"},
      {"zh-Hans", "题\n\n序言\n正文。\n后记\n正文。\n附记\n正文。\n小结：回顾\n正文。\n"},
      {"zh-Hans", "题\n\n结论\n正文。\n尾声\n正文。\n总结\n正文。\n参考文献\n正文。\n"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    bs_node *doc = read_str(cases[k].text, cases[k].lang, true);
    for (int i = 0; i < 8; i++)
      assert_int_equal(nth_type(doc, i), i % 2 ? BS_NODE_PARAGRAPH : BS_NODE_HEADING);
    bs_node_free(doc);
  }
  /* inside a sentence, or a longer word that only starts like one, it is text */
  bs_node *doc = read_str("題\n\nまとめて言えば\n序言者\n跋涉\n", "ja", true);
  for (int i = 0; i < 3; i++)
    assert_int_equal(nth_type(doc, i), BS_NODE_PARAGRAPH);
  bs_node_free(doc);
}

static void test_lists_and_figures(void **state)
{
  (void)state;
  const char *s = "題\n\n1. 甲\n2. 乙\n- 丙\n- 丁\n© 資料圖:封面 / 某圖庫 / 跳轉媒體庫\n© Sputnik / Someone\n";
  bs_node *doc = read_str(s, "zh-Hant", true);
  bs_node *l1 = bs_node_first_child(doc), *l2 = bs_node_next(l1);
  assert_true(bs_node_get_list_ordered(l1));
  assert_int_equal(bs_node_child_count(l1), 2);
  assert_false(bs_node_get_list_ordered(l2));
  bs_node *f1 = bs_node_next(l2), *f2 = bs_node_next(f1);
  assert_int_equal(bs_node_get_type(f1), BS_NODE_FIGURE);
  assert_null(bs_node_get_src(f1));
  assert_string_equal(bs_node_get_caption(f1), "資料圖：封面");
  assert_string_equal(bs_node_get_credit(f1), "某圖庫");
  assert_string_equal(bs_node_get_caption(f2), "");
  assert_string_equal(bs_node_get_credit(f2), "Sputnik / Someone");
  bs_node_free(doc);
}

static void test_pasted_text(void **state)
{
  (void)state;
  /* no export header, BOM, CRLF, tabs, runs of blank lines */
  bs_node *doc = read_str("\xEF\xBB\xBF" "我的文章\r\n\r\n\r\n\r\n\t第一段。\r\n第二段。\r\n", NULL, true);
  assert_string_equal(bs_node_get_meta(doc, BS_META_TITLE), "我的文章");
  assert_int_equal(bs_node_child_count(doc), 2);
  char *t = bs_node_text_content(bs_node_first_child(doc));
  assert_string_equal(t, "第一段。");
  free(t);
  bs_node_free(doc);
  /* English: wrapped lines join into paragraphs */
  doc = read_str("A Title\n\nOne line\nwrapped here.\n\nSecond paragraph.\n", NULL, true);
  assert_string_equal(bs_node_get_meta(doc, BS_META_LANG), "en");
  assert_int_equal(bs_node_child_count(doc), 2);
  t = bs_node_text_content(bs_node_first_child(doc));
  assert_string_equal(t, "One line wrapped here.");
  free(t);
  bs_node_free(doc);
}

static int warnings;
static void count_warning(void *user, const bs_error *w)
{
  (void)user, (void)w;
  warnings++;
}

static bs_status read_err(const char *s, size_t len, bool lossy, bs_error *err)
{
  bs_read_options o;
  bs_read_options_init(&o);
  o.path = "bad.txt";
  o.lossy = lossy;
  o.diag = count_warning;
  bs_node *doc = NULL;
  bs_error_clear(err);
  bs_status st = bs_read_text(s, len, &o, &doc, err);
  if (st == BS_OK)
    bs_node_free(doc);
  else
    assert_null(doc);
  return st;
}

static void test_bad_input(void **state)
{
  (void)state;
  bs_error err;
  char line[2048];
  assert_int_equal(read_err("", 0, false, &err), BS_ERR_SYNTAX);
  assert_string_equal(bs_error_format(&err, line, sizeof line), "bad.txt: the file is empty");
  assert_int_equal(read_err(" \n\xE3\x80\x80\n", 6, false, &err), BS_ERR_SYNTAX);
  assert_string_equal(err.message, "the file has only white space");
  const char bad[] = "標題\n\n第一段\xff正文\n";
  assert_int_equal(read_err(bad, sizeof bad - 1, false, &err), BS_ERR_ENCODING);
  assert_string_equal(bs_error_format(&err, line, sizeof line),
                      "bad.txt:3:4: invalid UTF-8 at byte offset 17 (use --lossy to replace it)");
  const char trunc[] = "標題\n\n末尾\xe6\xad";
  assert_int_equal(read_err(trunc, sizeof trunc - 1, false, &err), BS_ERR_ENCODING);
  assert_int_equal(err.line, 3);
  warnings = 0;
  assert_int_equal(read_err(bad, sizeof bad - 1, true, &err), BS_OK);
  assert_int_equal(warnings, 1);
  const char nul[] = "a\0b";
  assert_int_equal(read_err(nul, 3, false, &err), BS_ERR_ENCODING);
  assert_int_equal(err.line, 1);
  /* Shift_JIS gets a hint, never a silent guess */
  const char sjis[] = "\x82\xb1\x82\xf1\x82\xc8\x96\xb2\x82\xf0\x8c\xa9\x82\xbd\x81\x42\n";
  assert_int_equal(read_err(sjis, sizeof sjis - 1, false, &err), BS_ERR_ENCODING);
  assert_non_null(strstr(err.message, "Shift_JIS"));
  /* a title-only file builds, with one warning */
  warnings = 0;
  assert_int_equal(read_err("只有標題\n", strlen("只有標題\n"), false, &err), BS_OK);
  assert_int_equal(warnings, 1);
}

static void test_chunked_positions(void **state)
{
  (void)state;
  /* positions survive CRLF: the heading is on line 3 */
  bs_node *doc = read_str("題\r\n\r\n一、開始\r\n正文。\r\n", "zh-Hant", true);
  bs_pos p = bs_node_get_pos(bs_node_first_child(doc));
  assert_int_equal(p.line, 3);
  assert_int_equal(p.column, 1);
  bs_node_free(doc);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_n1),           cmocka_unit_test(test_n1_off),
      cmocka_unit_test(test_n1_across_nodes), cmocka_unit_test(test_detect_lang),
      cmocka_unit_test(test_export_header), cmocka_unit_test(test_headings),
      cmocka_unit_test(test_section_words),
      cmocka_unit_test(test_lists_and_figures), cmocka_unit_test(test_pasted_text),
      cmocka_unit_test(test_bad_input),    cmocka_unit_test(test_chunked_positions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
