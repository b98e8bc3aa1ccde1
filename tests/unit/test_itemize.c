/* Pango in front of the shaper (#13, src/typeset/itemize.c): pango_itemize over the private
 * configuration (fonts/fonts.conf) gives each character its face, script and bidi level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tt_tree.h"
#include "typeset/typeset-impl.h"

typedef struct itemized {
  bs_ts_ctx c;
  bs_node *doc;
  bs_typeset_options o;
  bs_ts_para p;
  uint32_t cps[256];
  size_t off[257];
  bs_ts_item it[256];
  size_t n;
} itemized;

/* Itemizes `text` as one paragraph of a document in `lang`. */
static itemized *itemize(const char *text, const char *lang, bs_direction dir)
{
  itemized *r = calloc(1, sizeof *r);
  r->doc = tt_tree("T", 1, lang, dir);
  bs_typeset_options_init(&r->o);
  bs_error err;
  bs_error_clear(&err);
  assert_int_equal(bs_ts_ctx_init(&r->c, r->doc, NULL, &r->o, &err), BS_OK);
  assert_int_equal(bs_ts_set_lang(&r->c, lang, &err), BS_OK);
  r->p.text = (char *)text;
  r->p.len = strlen(text);
  r->p.style = calloc(r->p.len + 1, 1);
  for (size_t i = 0; i < r->p.len && r->n < 256;) {
    uint32_t cp;
    size_t k = bs_utf8_decode(text + i, r->p.len - i, &cp);
    assert_true(k > 0);
    r->cps[r->n] = cp;
    r->off[r->n++] = i;
    i += k;
  }
  r->off[r->n] = r->p.len;
  assert_int_equal(bs_ts_itemize(&r->c, &r->p, r->cps, r->off, r->n, r->it, &err), BS_OK);
  return r;
}

static void done(itemized *r)
{
  free(r->p.style);
  bs_ts_ctx_free(&r->c);
  bs_node_free(r->doc);
  free(r);
}

/* The character index of byte offset `b`. */
static size_t at(const itemized *r, const char *needle)
{
  const char *p = strstr(r->p.text, needle);
  assert_non_null(p);
  size_t b = (size_t)(p - r->p.text);
  for (size_t i = 0; i < r->n; i++)
    if (r->off[i] == b)
      return i;
  fail();
  return 0;
}

/* Two scripts, two directions: the English words in Noto Serif at level 0, the Hebrew word in
 * Noto Serif Hebrew at level 1 (right to left), each word in one face. */
static void test_two_scripts(void **state)
{
  (void)state;
  itemized *r = itemize("Hello שלום", "en", BS_DIR_HORIZONTAL);
  size_t h = at(r, "Hello"), s = at(r, "שלום");
  for (size_t i = h; i < h + 5; i++) {
    assert_string_equal(r->it[i].face->family, "Noto Serif");
    assert_int_equal(r->it[i].level, 0);
    assert_int_equal(r->it[i].kind, BS_IT_FOREIGN);
    assert_int_equal(r->it[i].script, HB_SCRIPT_LATIN);
  }
  for (size_t i = s; i < r->n; i++) {
    assert_string_equal(r->it[i].face->family, "Noto Serif Hebrew");
    assert_int_equal(r->it[i].level, 1);
    assert_int_equal(r->it[i].script, HB_SCRIPT_HEBREW);
  }
  assert_int_equal(r->p.base_level, 0);
  assert_true(r->it[h].face->region < 0); /* a fallback face, found by file and index */
  done(r);
}

/* An Arabic paragraph is right to left (its first strong character); its digits are at level
 * 2 (left to right inside it). */
static void test_rtl_paragraph(void **state)
{
  (void)state;
  itemized *r = itemize("عربي 123 كلمة", "ar", BS_DIR_HORIZONTAL);
  assert_int_equal(r->p.base_level, 1);
  assert_string_equal(r->it[0].face->family, "Noto Naskh Arabic");
  assert_int_equal(r->it[0].level, 1);
  assert_int_equal(r->it[at(r, "123")].level, 2);
  done(r);
}

/* CJK text keeps the document's regional face, also for CJK punctuation after a foreign
 * word; "Ελληνικά" is one face; emoji sequences are in the emoji face; Extension B in a Han
 * fallback face. */
static void test_cjk_and_fallback(void **state)
{
  (void)state;
  itemized *r = itemize("漢字Ελληνικά“引”，👍🏽1️⃣𠀀。", "zh-Hant", BS_DIR_VERTICAL);
  assert_string_equal(r->it[0].face->family, "Noto Serif CJK TC");
  assert_int_equal(r->it[0].kind, BS_IT_CJK);
  size_t g = at(r, "Ελληνικά");
  for (size_t i = g; i < g + 8; i++)
    assert_string_equal(r->it[i].face->family, "Noto Serif");
  assert_int_equal(r->it[at(r, "”，")].kind, BS_IT_CJK);
  assert_string_equal(r->it[at(r, "”，")].face->family, "Noto Serif CJK TC");
  size_t e = at(r, "👍");
  for (size_t i = e; i < e + 5; i++) { /* 👍 🏽 1 FE0F 20E3 */
    assert_int_equal(r->it[i].kind, BS_IT_EMOJI);
    assert_true(r->it[i].face->color);
  }
  size_t b = at(r, "𠀀");
  assert_int_equal(r->it[b].kind, BS_IT_CJK);
  assert_string_equal(r->it[b].face->family, "HanaMinA");
  done(r);
}

int main(void)
{
  (void)tt_lang_of;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_scripts),
      cmocka_unit_test(test_rtl_paragraph),
      cmocka_unit_test(test_cjk_and_fallback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
