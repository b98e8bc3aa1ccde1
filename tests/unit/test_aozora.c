/* Aozora Bunko notation: inline ruby, emphasis dots, gaiji, notes; the whole-file layout on the
 * corpus file, compared with its golden dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/read-impl.h"
#include "util/util.h"

static int warnings;
static void on_warn(void *u, const bs_error *e)
{
  (void)u, (void)e;
  warnings++;
}

/* Parses `s` into a paragraph and renders it compactly: text, <R ann base>, <DOT base>. */
static char *inl(const char *s, const char *lang)
{
  bs_read_options o;
  bs_read_options_init(&o);
  o.diag = on_warn;
  bs_warn_state w = {&o, {false}};
  warnings = 0;
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
  bs_node_append_child(doc, p);
  bs_aozora_parse_inline(p, s, strlen(s), lang, &w, 1);
  assert_int_equal(bs_node_check(doc, stderr), 0);
  bs_buf b = BS_BUF_INIT;
  for (bs_node *k = bs_node_first_child(p); k; k = bs_node_next(k)) {
    char *t = bs_node_text_content(k);
    if (bs_node_get_type(k) == BS_NODE_RUBY)
      bs_buf_printf(&b, "<R %s %s>", bs_node_get_annotation(k), t);
    else if (bs_node_get_type(k) == BS_NODE_EMPHASIS_MARK)
      bs_buf_printf(&b, "<DOT %s>", t);
    else
      bs_buf_puts(&b, t);
    free(t);
  }
  bs_node_free(doc);
  char *r = bs_buf_detach(&b);
  return r ? r : bs_xstrdup("");
}

#define EXPECT(src, lang, want)                                                              \
  do {                                                                                       \
    char *got_ = inl(src, lang);                                                             \
    assert_string_equal(got_, want);                                                         \
    free(got_);                                                                              \
  } while (0)

static void test_ruby(void **state)
{
  (void)state;
  EXPECT("御釈迦様《おしゃかさま》は", "ja", "<R おしゃかさま 御釈迦様>は");
  EXPECT("一部｜始終《しじゅう》を", "ja", "一部<R しじゅう 始終>を");
  EXPECT("丁度｜覗《のぞ》き眼鏡《めがね》", "ja", "丁度<R のぞ 覗>き<R めがね 眼鏡>");
  EXPECT("人々《ひとびと》と〆切《しめきり》", "ja", "<R ひとびと 人々>と<R しめきり 〆切>");
  /* no kanji before 《: left alone; unclosed: left alone */
  EXPECT("かな《かな》", "ja", "かな《かな》");
  EXPECT("漢字《かんじ", "ja", "漢字《かんじ");
  /* Chinese: 《書名》 is never ruby */
  EXPECT("鲁迅《呐喊》", "zh-Hans", "鲁迅《呐喊》");
  EXPECT("｜一言《ひとこと》", "zh-Hant", "｜一言《ひとこと》");
}

static void test_notes(void **state)
{
  (void)state;
  EXPECT("それは大事だ［＃「大事」に傍点］と", "ja", "それは<DOT 大事>だと");
  EXPECT("大事［＃「大事」に白ゴマ傍点］", "ja", "<DOT 大事>");
  /* gaiji through JIS X 0213: plane 1 row 87 cell 71 is 犍 */
  EXPECT("※［＃「特のへん＋廴＋聿」、第3水準1-87-71］陀多《かんだた》", "ja",
         "<R かんだた 犍陀多>");
  EXPECT("※［＃「てへん＋劣」、U+6318、12-3］", "ja", "挘");
  /* unknown gaiji: the geta mark, one warning */
  EXPECT("※［＃「謎」、第9水準9-99-99］と※［＃「謎」］", "ja", "〓と〓");
  assert_int_equal(warnings, 1);
  /* unknown notes are dropped, never printed, warned once */
  EXPECT("前［＃ほげ］中［＃ふが］後", "ja", "前中後");
  assert_int_equal(warnings, 1);
  /* layout notes are known: dropped quietly inline */
  EXPECT("一［＃「一」は中見出し］", "ja", "一");
  assert_int_equal(warnings, 0);
  /* notes work in any language */
  EXPECT("甲［＃未知］乙", "zh-Hans", "甲乙");
}

static void test_jisx0213(void **state)
{
  (void)state;
  char out[16];
  size_t n = bs_jisx0213_to_utf8(1, 87, 71, out);
  assert_int_equal(n, 3);
  assert_memory_equal(out, "犍", 3);
  n = bs_jisx0213_to_utf8(1, 16, 1, out); /* 亜 */
  assert_memory_equal(out, "亜", 3);
  n = bs_jisx0213_to_utf8(2, 1, 1, out); /* plane 2 via SS3: 𠂉 */
  assert_true(n == 4);
  assert_int_equal(bs_jisx0213_to_utf8(3, 1, 1, out), 0);
  assert_int_equal(bs_jisx0213_to_utf8(1, 0, 1, out), 0);
}

static char *slurp(const char *path, size_t *len)
{
  char *d = NULL;
  bs_error err;
  if (bs_read_all(path, &d, len, &err) != BS_OK)
    return NULL;
  return d;
}

static void test_document(void **state)
{
  (void)state;
  const char *corpus = getenv("CORPUS") ? getenv("CORPUS") : "../shared/corpus";
  char path[1024];
  snprintf(path, sizeof path, "%s/kumo-no-ito.aozora.txt", corpus);
  size_t len;
  char *buf = slurp(path, &len);
  assert_non_null(buf); /* the shared corpus is part of every test run */
  assert_true(bs_aozora_detect(buf, len));
  bs_read_options o;
  bs_read_options_init(&o);
  o.path = path;
  o.diag = on_warn;
  warnings = 0;
  bs_node *doc = NULL;
  bs_error err;
  assert_int_equal(bs_aozora_read_document(buf, len, &o, &doc, &err), BS_OK);
  assert_int_equal(bs_node_check(doc, stderr), 0);
  assert_int_equal(warnings, 0);
  assert_string_equal(bs_node_get_meta(doc, BS_META_TITLE), "蜘蛛の糸");
  assert_string_equal(bs_node_get_meta_item(doc, BS_META_AUTHORS, 0), "芥川龍之介");
  bs_node *h = bs_node_first_child(doc);
  assert_int_equal(bs_node_get_type(h), BS_NODE_HEADING);
  assert_int_equal(bs_node_get_indent(h), 8);
  char *all = bs_node_text_content(doc);
  assert_null(strstr(all, "［＃"));
  assert_null(strstr(all, "※"));
  assert_null(strstr(all, "テキスト中に現れる記号"));
  assert_non_null(strstr(all, "犍陀多"));
  assert_non_null(strstr(all, "底本："));
  free(all);
  assert_int_equal(bs_node_get_type(bs_node_last_child(doc)), BS_NODE_BLOCK_QUOTE);

  /* the dump equals the golden file (what `bisheng dump` prints once text.c routes here) */
  char *dump = NULL;
  size_t dlen = 0;
  FILE *m = open_memstream(&dump, &dlen);
  assert_int_equal(bs_node_dump_json(doc, m, NULL), BS_OK);
  fclose(m);
  size_t glen;
  char *golden = slurp("tests/golden/kumo-no-ito.aozora.txt.json", &glen);
  assert_non_null(golden);
  if (glen != dlen || memcmp(golden, dump, dlen)) {
    FILE *f = fopen("kumo-no-ito.actual.json", "w");
    if (f) {
      fwrite(dump, 1, dlen, f);
      fclose(f);
    }
    fail_msg("dump differs from tests/golden/kumo-no-ito.aozora.txt.json "
             "(actual written to kumo-no-ito.actual.json)");
  }
  free(golden);
  free(dump);
  bs_node_free(doc);
  free(buf);
}

static void test_detect(void **state)
{
  (void)state;
  const char *plain = "标题\n\n正文第一段。\n";
  assert_false(bs_aozora_detect(plain, strlen(plain)));
  const char *colophon = "題\n作者\n\n本文《ほんぶん》\n\n底本：「本」\n";
  assert_true(bs_aozora_detect(colophon, strlen(colophon)));
  /* CRLF, page breaks, block indents */
  const char *doc = "題\r\n著者\r\n\r\n［＃改ページ］\r\n［＃ここから２字下げ］\r\n引用\r\n"
                    "［＃ここで字下げ終わり］\r\n［＃３字下げ］本文\r\n";
  bs_node *d = NULL;
  assert_int_equal(bs_aozora_read_document(doc, strlen(doc), NULL, &d, NULL), BS_OK);
  bs_node *k = bs_node_first_child(d);
  assert_int_equal(bs_node_get_type(k), BS_NODE_PAGE_BREAK);
  k = bs_node_next(k);
  assert_int_equal(bs_node_get_indent(k), 2);
  k = bs_node_next(k);
  assert_int_equal(bs_node_get_indent(k), 3);
  char *t = bs_node_text_content(k);
  assert_string_equal(t, "本文");
  free(t);
  assert_string_equal(bs_node_get_meta(d, BS_META_LANG), "ja");
  bs_node_free(d);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ruby),     cmocka_unit_test(test_notes),
      cmocka_unit_test(test_jisx0213), cmocka_unit_test(test_document),
      cmocka_unit_test(test_detect),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
