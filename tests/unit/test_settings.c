/* Output settings (settings.h): one parser and one range check for the CLI and manifests, the
 * merge of an output's settings over the book's, the mapping onto both writers' options, the
 * -j default and the book's language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "bisheng/manifest.h"
#include "bisheng/settings.h"

static void test_unset_leaves_defaults(void **state)
{
  (void)state;
  bs_output_settings s;
  bs_output_settings_init(&s);
  bs_epub_options e, e0;
  bs_typeset_options t, t0;
  bs_output_settings_apply(&s, &e, &t);
  bs_epub_options_init(&e0);
  bs_typeset_options_init(&t0);
  assert_memory_equal(&e, &e0, sizeof e);
  assert_memory_equal(&t, &t0, sizeof t);
}

static void test_values(void **state)
{
  (void)state;
  bs_output_settings s;
  bs_output_settings_init(&s);
  const char *expect;
  assert_true(bs_output_settings_set(&s, "papersize", "B6", &expect));
  assert_true(bs_output_settings_set(&s, "grid", "30x12", &expect));
  assert_true(bs_output_settings_set(&s, "margins", "20", &expect));
  assert_true(bs_output_settings_set(&s, "font-size", "12pt", &expect));
  assert_true(bs_output_settings_set(&s, "indent", "1 em", &expect));
  assert_true(bs_output_settings_set(&s, "bleed", "3mm", &expect));
  assert_true(bs_output_settings_set(&s, "vnum", "sideways", &expect));
  assert_true(bs_output_settings_set(&s, "emphasis", "dots", &expect));
  assert_true(bs_output_settings_set(&s, "direction", "vertical", &expect));
  assert_true(bs_output_settings_set(&s, "CJKmainfont", "Noto Serif CJK TC", &expect));
  assert_true(bs_output_settings_set(&s, "toc", "no", &expect));
  assert_true(bs_output_settings_set(&s, "recto-chapters", "On", &expect));
  assert_true(bs_output_settings_set(&s, "crop-marks", "true", &expect));
  assert_true(bs_output_settings_set(&s, "embed-fonts", "yes", &expect));
  bs_epub_options e;
  bs_typeset_options t;
  bs_output_settings_apply(&s, &e, &t);
  assert_int_equal(t.direction, BS_DIR_VERTICAL);
  assert_int_equal(e.direction, BS_DIR_VERTICAL);
  assert_true(t.paper_w_mm == 128 && t.paper_h_mm == 182);
  assert_int_equal(t.grid_chars, 30);
  assert_int_equal(t.grid_lines, 12);
  for (int i = 0; i < 4; i++)
    assert_true(t.margins_mm[i] == 20);
  assert_true(t.font_size_pt == 12 && t.indent_em == 1 && t.bleed_mm == 3);
  assert_true(t.vnum_sideways && t.emphasis_dots && t.crop_marks);
  assert_int_equal(t.toc, 0);
  assert_int_equal(t.recto_chapters, 1);
  assert_string_equal(t.font_family, "Noto Serif CJK TC");
  assert_true(e.embed_fonts);
  assert_false(e.keep_going);
}

/* The grid's range and form are checked once, for `--grid` and `grid:` alike. */
static void test_bad_values_refused(void **state)
{
  (void)state;
  static const struct {
    const char *key, *value, *expect;
  } bad[] = {
      {"grid", "3x3", "CxL such as 40x15"},
      {"grid", "4x15", "CxL such as 40x15"},
      {"grid", "40x2", "CxL such as 40x15"},
      {"grid", "201x15", "CxL such as 40x15"},
      {"grid", "40x15abc", "CxL such as 40x15"},
      {"margins", "1,2", "T,R,B,L in mm"},
      {"margins", "1,2,3,4,5", "T,R,B,L in mm"},
      {"paper", "A9", "a paper size (A4 A5 B5 B6 32K Letter or WxHmm)"},
      {"fontsize", "3", "a number from 4 to 1000"},
      {"fontsize", "12em", "a number from 4 to 1000"},
      {"indent", "101", "a number from 0 to 100"},
      {"bleed", "21mm", "a number from 0 to 20"},
      {"vnum", "diagonal", "upright or sideways"},
      {"emphasis", "italic", "bold or dots"},
      {"direction", "diagonal", "horizontal or vertical"},
      {"toc", "maybe", "true or false"},
      {"colour", "red", "a known setting"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bs_output_settings s, before;
    bs_output_settings_init(&s);
    assert_true(bs_output_settings_set(&s, "grid", "40x15", NULL));
    before = s;
    const char *expect = NULL;
    assert_false(bs_output_settings_set(&s, bad[i].key, bad[i].value, &expect));
    assert_string_equal(expect, bad[i].expect);
    assert_memory_equal(&s, &before, sizeof s); /* unchanged */
  }
}

static void test_merge(void **state)
{
  (void)state;
  bs_output_settings book, own;
  bs_output_settings_init(&book);
  bs_output_settings_init(&own);
  assert_true(bs_output_settings_set(&book, "paper", "A4", NULL));
  assert_true(bs_output_settings_set(&book, "toc", "false", NULL));
  assert_true(bs_output_settings_set(&book, "margins", "10,11,12,13", NULL));
  assert_true(bs_output_settings_set(&own, "paper", "A5", NULL));
  assert_true(bs_output_settings_set(&own, "indent", "0", NULL));
  bs_output_settings_merge(&book, &own);
  bs_typeset_options t;
  bs_output_settings_apply(&book, NULL, &t);
  assert_true(t.paper_w_mm == 148);  /* the output's own */
  assert_int_equal(t.toc, 0);        /* the book's */
  assert_true(t.margins_mm[3] == 13);
  assert_true(t.indent_em == 0);     /* 0 is a value, not "unset" */
}

static void test_jobs_default(void **state)
{
  (void)state;
  int n = bs_jobs_default();
  assert_true(n >= 1 && n <= BS_JOBS_DEFAULT_MAX);
}

static bs_node *doc(const char *lang, bool part)
{
  bs_node *d = bs_node_new(BS_NODE_DOCUMENT);
  if (lang)
    bs_node_set_meta(d, BS_META_LANG, lang);
  if (part)
    bs_node_add_meta_item(d, BS_META_TAGS, BS_PART_TAG);
  return d;
}

static void test_book_lang(void **state)
{
  (void)state;
  bs_node *book = bs_node_new(BS_NODE_BOOK);
  bs_node_append_child(book, doc("en", true)); /* a part divider does not count */
  bs_node_append_child(book, doc(NULL, false));
  bs_node_append_child(book, doc("ja", false));
  bs_node_append_child(book, doc("zh-Hant", false));
  bs_book_settle_lang(book);
  assert_string_equal(bs_node_get_meta(book, BS_META_LANG), "ja");
  bs_node_set_meta(book, BS_META_LANG, "zh-Hans"); /* the book's own wins */
  bs_book_settle_lang(book);
  assert_string_equal(bs_node_get_meta(book, BS_META_LANG), "zh-Hans");
  bs_node_free(book);
  bs_book_settle_lang(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unset_leaves_defaults),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_bad_values_refused),
      cmocka_unit_test(test_merge),
      cmocka_unit_test(test_jobs_default),
      cmocka_unit_test(test_book_lang),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
