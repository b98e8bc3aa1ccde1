/* The tree API: defaults, containment matrix, editing, iteration, metadata (cmark's api_test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bisheng/node.h"

static void check(const bs_node *root) { assert_int_equal(bs_node_check(root, stderr), 0); }

static void test_defaults(void **state)
{
  (void)state;
  for (int t = BS_NODE_FIRST_ROOT; t <= BS_NODE_LAST_INLINE; t++) {
    bs_node *n = bs_node_new((bs_node_type)t);
    assert_int_equal(bs_node_get_type(n), t);
    assert_null(bs_node_parent(n));
    assert_null(bs_node_first_child(n));
    assert_string_not_equal(bs_node_type_string((bs_node_type)t), "unknown");
    check(n);
    bs_node_free(n);
  }
  bs_node *h = bs_node_new(BS_NODE_HEADING);
  assert_int_equal(bs_node_get_heading_level(h), 1);
  assert_false(bs_node_set_heading_level(h, 7));
  assert_true(bs_node_set_heading_level(h, 3));
  assert_int_equal(bs_node_get_heading_level(h), 3);
  assert_null(bs_node_get_literal(h));
  assert_false(bs_node_set_href(h, "x"));
  bs_node_free(h);
  bs_node_free(NULL);
}

static void test_containment(void **state)
{
  (void)state;
  /* spot checks of the table, then the whole matrix against append */
  assert_true(bs_node_can_contain(BS_NODE_BOOK, BS_NODE_DOCUMENT));
  assert_false(bs_node_can_contain(BS_NODE_BOOK, BS_NODE_PARAGRAPH));
  assert_true(bs_node_can_contain(BS_NODE_DOCUMENT, BS_NODE_HEADING));
  assert_false(bs_node_can_contain(BS_NODE_DOCUMENT, BS_NODE_TEXT));
  assert_false(bs_node_can_contain(BS_NODE_DOCUMENT, BS_NODE_ITEM));
  assert_true(bs_node_can_contain(BS_NODE_LIST, BS_NODE_ITEM));
  assert_false(bs_node_can_contain(BS_NODE_LIST, BS_NODE_PARAGRAPH));
  assert_true(bs_node_can_contain(BS_NODE_PARAGRAPH, BS_NODE_STRONG));
  assert_false(bs_node_can_contain(BS_NODE_PARAGRAPH, BS_NODE_PARAGRAPH));
  assert_false(bs_node_can_contain(BS_NODE_TEXT, BS_NODE_TEXT));
  assert_false(bs_node_can_contain(BS_NODE_RUBY, BS_NODE_RUBY));
  assert_true(bs_node_can_contain(BS_NODE_TABLE_ROW, BS_NODE_TABLE_CELL));
  for (int p = BS_NODE_FIRST_ROOT; p <= BS_NODE_LAST_INLINE; p++)
    for (int c = BS_NODE_FIRST_ROOT; c <= BS_NODE_LAST_INLINE; c++) {
      bs_node *pn = bs_node_new((bs_node_type)p), *cn = bs_node_new((bs_node_type)c);
      bool ok = bs_node_append_child(pn, cn);
      assert_int_equal(ok, bs_node_can_contain((bs_node_type)p, (bs_node_type)c));
      check(pn);
      if (!ok)
        bs_node_free(cn);
      bs_node_free(pn);
    }
}

static void test_editing(void **state)
{
  (void)state;
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node *p1 = bs_node_new(BS_NODE_PARAGRAPH), *p2 = bs_node_new(BS_NODE_PARAGRAPH);
  bs_node *h = bs_node_new(BS_NODE_HEADING);
  assert_true(bs_node_append_child(doc, p1));
  assert_true(bs_node_append_child(doc, p2));
  assert_true(bs_node_insert_before(p2, h));
  check(doc);
  assert_ptr_equal(bs_node_next(p1), h);
  assert_ptr_equal(bs_node_previous(p2), h);
  assert_int_equal(bs_node_child_count(doc), 3);
  /* no cycles: a node cannot go below itself */
  bs_node *q = bs_node_new(BS_NODE_BLOCK_QUOTE);
  assert_true(bs_node_append_child(doc, q));
  assert_false(bs_node_append_child(q, q));
  bs_node *q2 = bs_node_new(BS_NODE_BLOCK_QUOTE);
  assert_true(bs_node_append_child(q, q2));
  assert_false(bs_node_append_child(q2, q));
  check(doc);
  bs_node *t = bs_node_new_text(BS_NODE_TEXT, "天下", 6);
  assert_true(bs_node_append_child(p1, t));
  assert_true(bs_node_append_literal(t, "為公", 6));
  assert_string_equal(bs_node_get_literal(t), "天下為公");
  bs_node *s = bs_node_new(BS_NODE_STRONG);
  assert_true(bs_node_replace(t, s));
  assert_null(bs_node_parent(t));
  assert_true(bs_node_append_child(s, t));
  check(doc);
  char *txt = bs_node_text_content(doc);
  assert_string_equal(txt, "天下為公");
  free(txt);
  bs_node_unlink(h);
  check(doc);
  bs_node_free(h);
  assert_true(bs_node_prepend_child(doc, bs_node_new(BS_NODE_THEMATIC_BREAK)));
  check(doc);
  bs_node_free(doc);
}

static void test_iterator(void **state)
{
  (void)state;
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
  bs_node_append_child(doc, p);
  bs_node_append_child(p, bs_node_new_text(BS_NODE_TEXT, "a", 1));
  bs_node_append_child(doc, bs_node_new(BS_NODE_PARAGRAPH)); /* empty container */
  const char *expect[] = {"+document", "+paragraph", "+text", "-paragraph", "+paragraph",
                          "-paragraph", "-document"};
  bs_iter *it = bs_iter_new(doc);
  bs_event ev;
  size_t i = 0;
  char got[64];
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    assert_true(i < sizeof expect / sizeof *expect);
    snprintf(got, sizeof got, "%c%s", ev == BS_EVENT_ENTER ? '+' : '-',
             bs_node_type_string(bs_node_get_type(bs_iter_get_node(it))));
    assert_string_equal(got, expect[i]);
    i++;
  }
  assert_int_equal(i, sizeof expect / sizeof *expect);
  bs_iter_free(it);
  bs_node_free(doc);
}

static void test_meta_and_lang(void **state)
{
  (void)state;
  bs_node *book = bs_node_new(BS_NODE_BOOK);
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_append_child(book, doc);
  bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
  bs_node_append_child(doc, p);
  bs_node *span = bs_node_new(BS_NODE_SPAN);
  bs_node_append_child(p, span);
  assert_null(bs_node_get_inherited_lang(span));
  bs_node_set_meta(book, BS_META_LANG, "zh-Hant");
  assert_string_equal(bs_node_get_inherited_lang(span), "zh-Hant");
  bs_node_set_lang(span, "en");
  assert_string_equal(bs_node_get_inherited_lang(span), "en");
  assert_int_equal(bs_node_get_inherited_direction(p), BS_DIR_DEFAULT);
  bs_node_set_meta(doc, BS_META_DIRECTION, "vertical");
  assert_int_equal(bs_node_get_inherited_direction(span), BS_DIR_VERTICAL);
  assert_true(bs_node_add_meta_item(doc, BS_META_AUTHORS, "徐秉君"));
  assert_true(bs_node_add_meta_item(doc, BS_META_AUTHORS, "甲"));
  assert_int_equal(bs_node_get_meta_count(doc, BS_META_AUTHORS), 2);
  assert_string_equal(bs_node_get_meta_item(doc, BS_META_AUTHORS, 1), "甲");
  assert_null(bs_node_get_meta_item(doc, BS_META_AUTHORS, 2));
  assert_false(bs_node_set_meta(p, BS_META_TITLE, "x"));
  bs_node_set_input(doc, "a.txt");
  assert_string_equal(bs_node_get_input(span), "a.txt");
  check(book);
  bs_node_free(book);
}

static void test_deep_free(void **state)
{
  (void)state;
  /* 100000 nested quotes: free and check must not recurse */
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT), *cur = doc;
  for (int i = 0; i < 100000; i++) {
    bs_node *q = bs_node_new(BS_NODE_BLOCK_QUOTE);
    bs_node_append_child(cur, q);
    cur = q;
  }
  check(doc);
  bs_node_free(doc);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),    cmocka_unit_test(test_containment),
      cmocka_unit_test(test_editing),     cmocka_unit_test(test_iterator),
      cmocka_unit_test(test_meta_and_lang), cmocka_unit_test(test_deep_free),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
