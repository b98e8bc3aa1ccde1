/* Font subsets made before drawing (#4): chapters are drawn as soon as they are laid out, so
 * a face's subset cannot be the glyphs the layout used. It is instead every glyph the book can
 * need: the nominal glyphs of every character in the tree (one cheap walk), closed over the
 * GSUB lookups of the features the shaper applies, so vertical forms (vert, vrt2), half-width
 * punctuation (halt, vhal), full- and half-width letters (fwid, hwid) and local forms (locl)
 * are all in. Glyph ids are retained (bs_ts_face_subset), so the layout's ids stay valid. */
#include <string.h>

#include <hb-ot.h>

#include "typeset-impl.h"

static void add_utf8(hb_set_t *s, const char *t)
{
  if (!t)
    return;
  size_t n = strlen(t), i = 0;
  while (i < n) {
    uint32_t cp;
    size_t k = bs_utf8_decode(t + i, n - i, &cp);
    if (!k) {
      i++;
      continue;
    }
    hb_set_add(s, cp);
    i += k;
  }
}

static void walk(hb_set_t *s, const bs_node *n)
{
  for (int k = 0; k < BS_META_STRING_COUNT; k++)
    add_utf8(s, bs_node_get_meta(n, (bs_meta_key)k));
  for (int k = 0; k < BS_META_LIST_COUNT; k++)
    for (size_t i = 0; i < bs_node_get_meta_count(n, (bs_meta_list_key)k); i++)
      add_utf8(s, bs_node_get_meta_item(n, (bs_meta_list_key)k, i));
  switch (bs_node_get_type(n)) {
  case BS_NODE_TEXT:
  case BS_NODE_CODE:
  case BS_NODE_CODE_BLOCK:
    add_utf8(s, bs_node_get_literal(n));
    break;
  case BS_NODE_FOOTNOTE_REF:
  case BS_NODE_FOOTNOTE_DEF:
    add_utf8(s, bs_node_get_label(n));
    break;
  case BS_NODE_FIGURE:
    add_utf8(s, bs_node_get_caption(n));
    add_utf8(s, bs_node_get_credit(n));
    break;
  case BS_NODE_RUBY:
    add_utf8(s, bs_node_get_annotation(n));
    break;
  case BS_NODE_LINK:
    add_utf8(s, bs_node_get_title(n));
    break;
  default:
    break;
  }
  for (const bs_node *k = bs_node_first_child(n); k; k = bs_node_next(k))
    walk(s, k);
}

hb_set_t *bs_ts_book_chars(const bs_node *root)
{
  hb_set_t *s = hb_set_create();
  walk(s, root);
  /* what the typesetter adds itself: ASCII (folios, list numbers, page numbers of the
   * contents), the corner brackets of V3, marks, brackets and spaces of lists, notes, bylines
   * and the contents (book.c: 目錄 目录 目次 목차) */
  for (uint32_t cp = 0x20; cp < 0x7F; cp++)
    hb_set_add(s, cp);
  add_utf8(s, "「」『』〔〕・、。（）　…‥─—〇一二三四五六七八九十百千第章節目錄录次목차");
  return s;
}

hb_set_t *bs_ts_face_glyphs(bs_ts_face *f, const hb_set_t *cps)
{
  hb_set_t *g = hb_set_create();
  hb_set_add(g, 0);
  for (hb_codepoint_t cp = HB_SET_VALUE_INVALID; hb_set_next(cps, &cp);) {
    hb_codepoint_t gid;
    if (hb_font_get_nominal_glyph(f->hb, cp, &gid))
      hb_set_add(g, gid);
  }
  static const hb_tag_t feats[] = {
      HB_TAG('c', 'c', 'm', 'p'), HB_TAG('l', 'o', 'c', 'l'), HB_TAG('l', 'i', 'g', 'a'),
      HB_TAG('c', 'l', 'i', 'g'), HB_TAG('c', 'a', 'l', 't'), HB_TAG('r', 'l', 'i', 'g'),
      HB_TAG('v', 'e', 'r', 't'), HB_TAG('v', 'r', 't', '2'), HB_TAG('v', 'h', 'a', 'l'),
      HB_TAG('h', 'a', 'l', 't'), HB_TAG('f', 'w', 'i', 'd'), HB_TAG('h', 'w', 'i', 'd'),
      HB_TAG('p', 'w', 'i', 'd'), HB_TAG('v', 'k', 'n', 'a'), HB_TAG('v', 'r', 't', 'r'),
      HB_TAG('r', 'v', 'r', 'n'), HB_TAG('d', 'l', 'i', 'g'), HB_TAG('v', 'p', 'a', 'l'),
      HB_TAG('p', 'a', 'l', 't'), HB_TAG_NONE};
  hb_face_t *face = hb_font_get_face(f->hb);
  hb_set_t *lookups = hb_set_create();
  hb_ot_layout_collect_lookups(face, HB_OT_TAG_GSUB, NULL, NULL, feats, lookups);
  hb_ot_layout_lookups_substitute_closure(face, lookups, g);
  hb_set_destroy(lookups);
  return g;
}
