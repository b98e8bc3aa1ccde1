/* Font subsets made before drawing (#4): chapters are drawn as soon as they are laid out, so
 * a face's subset cannot be the glyphs the layout used. It is instead every glyph the book can
 * need from that face: the nominal glyphs of the characters the book sets in it (one cheap
 * walk of the tree, by region and kind of face: body text in the regular face, titles and
 * headings in the Hei face, strong text in bold, code in mono), closed over the GSUB lookups
 * of the features the shaper applies, so vertical forms (vert, vrt2), half-width punctuation
 * (halt, vhal), full- and half-width letters (fwid, hwid) and local forms (locl) are all in.
 * The subset renumbers glyphs (bs_ts_face_subset) and draw.c maps the layout's ids. A glyph
 * outside the subset still prints: draw.c then embeds the whole face (tests check it never does). */
#include <stdlib.h>
#include <string.h>

#include <hb-ot.h>

#include "typeset-impl.h"

typedef struct chars {
  bs_ts_book *bk;
  int region;
} chars;

static hb_set_t *set_of(chars *w, int kind)
{
  hb_set_t **s = &w->bk->book_cps[w->region][kind];
  if (!*s)
    *s = hb_set_create();
  return *s;
}

/* The OpenType language tags HarfBuzz may select for text shaped in `lang`, into region r's. */
static void add_lang(bs_ts_book *bk, int r, const char *lang)
{
  if (!bk->book_langs[r])
    bk->book_langs[r] = hb_set_create();
  hb_language_t l = hb_language_from_string(bs_ts_hb_lang(lang), -1);
  static const hb_script_t scripts[] = {HB_SCRIPT_HAN, HB_SCRIPT_HIRAGANA, HB_SCRIPT_LATIN};
  for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
    hb_tag_t st[HB_OT_MAX_TAGS_PER_SCRIPT], lt[HB_OT_MAX_TAGS_PER_LANGUAGE];
    unsigned ns = HB_OT_MAX_TAGS_PER_SCRIPT, nl = HB_OT_MAX_TAGS_PER_LANGUAGE;
    hb_ot_tags_from_script_and_language(scripts[i], l, &ns, st, &nl, lt);
    for (unsigned k = 0; k < nl; k++)
      hb_set_add(bk->book_langs[r], lt[k]);
  }
}

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

/* `kinds`: bit per BS_TS_CPS_* the text of `n` goes to. */
static void walk(chars *w, const bs_node *n, unsigned kinds)
{
  bs_node_type t = bs_node_get_type(n);
  if (t == BS_NODE_DOCUMENT) {
    const char *lang = bs_node_get_inherited_lang(n);
    w->region = bs_ts_region_of(lang);
    add_lang(w->bk, w->region, lang); /* a chapter is shaped in its language (page.c) */
    /* the title in Hei; in the regular face in running heads and the contents; bylines */
    const char *title = bs_node_get_meta(n, BS_META_TITLE);
    add_utf8(set_of(w, BS_TS_CPS_SANS), title);
    add_utf8(set_of(w, BS_TS_CPS_REGULAR), title);
    add_utf8(set_of(w, BS_TS_CPS_SANS), bs_node_get_meta(n, BS_META_SUBTITLE));
    for (int k = 0; k < BS_META_STRING_COUNT; k++)
      add_utf8(set_of(w, BS_TS_CPS_REGULAR), bs_node_get_meta(n, (bs_meta_key)k));
    for (size_t i = 0; i < bs_node_get_meta_count(n, BS_META_AUTHORS); i++)
      add_utf8(set_of(w, BS_TS_CPS_REGULAR), bs_node_get_meta_item(n, BS_META_AUTHORS, i));
  }
  if (t == BS_NODE_HEADING)
    kinds |= 1u << BS_TS_CPS_SANS; /* E4; and in the regular face in heads and contents */
  else if (t == BS_NODE_STRONG || (t == BS_NODE_TABLE_CELL && bs_node_get_cell_header(n)))
    kinds |= 1u << BS_TS_CPS_BOLD;
  else if (t == BS_NODE_CODE || t == BS_NODE_CODE_BLOCK)
    kinds = 1u << BS_TS_CPS_MONO;
  const char *text[3] = {NULL, NULL, NULL};
  switch (t) {
  case BS_NODE_TEXT:
  case BS_NODE_CODE:
  case BS_NODE_CODE_BLOCK:
    text[0] = bs_node_get_literal(n);
    break;
  case BS_NODE_FOOTNOTE_REF:
  case BS_NODE_FOOTNOTE_DEF:
    text[0] = bs_node_get_label(n);
    break;
  case BS_NODE_FIGURE:
    text[0] = bs_node_get_caption(n);
    text[1] = bs_node_get_credit(n);
    break;
  case BS_NODE_RUBY:
    text[0] = bs_node_get_annotation(n);
    break;
  case BS_NODE_LINK:
    text[0] = bs_node_get_title(n);
    break;
  default:
    break;
  }
  for (int k = 0; k < BS_TS_CPS_KINDS; k++)
    if (kinds & (1u << k))
      for (int i = 0; i < 3; i++)
        add_utf8(set_of(w, k), text[i]);
  for (const bs_node *k = bs_node_first_child(n); k; k = bs_node_next(k))
    walk(w, k, kinds);
}

void bs_ts_chars_add(bs_ts_book *bk, const bs_node *n)
{
  chars w = {bk, bs_ts_region_of(bk->lang)};
  walk(&w, n, 1u << BS_TS_CPS_REGULAR);
}

/* A book's chapters are added as they are planned (bs_ts_plan_chapter), a document here. */
void bs_ts_book_chars(bs_ts_book *bk, const bs_node *root)
{
  chars w = {bk, bs_ts_region_of(bk->lang)};
  /* the front matter and the book's own texts are shaped in the book's language */
  for (int r = 0; r < 5; r++)
    add_lang(bk, r, bk->lang);
  if (bs_node_get_type(root) != BS_NODE_BOOK)
    walk(&w, root, 1u << BS_TS_CPS_REGULAR);
  /* the book's metadata: title page (Hei and regular), running heads in every region */
  for (int r = 0; r < 5; r++) {
    w.region = r;
    for (int k = 0; k < BS_TS_CPS_KINDS; k++) {
      hb_set_t *s = set_of(&w, k);
      add_utf8(s, bs_node_get_meta(root, BS_META_TITLE));
      /* what the typesetter adds itself: ASCII (folios, list numbers, the contents' page
       * numbers), the corner brackets of V3, marks, brackets and spaces of lists, notes,
       * bylines, and the contents' title (book.c) */
      for (uint32_t cp = 0x20; cp < 0x7F; cp++)
        hb_set_add(s, cp);
      add_utf8(s, "「」『』〔〕・、。（）　…‥─—〇一二三四五六七八九十百千第章節目錄录次목차");
      hb_set_add(s, 0x25A1); /* □: the stand-in drawn under emoji for their text (draw.c) */
      bs_ts_notes_chars(s); /* content hook: note marks and headings (notes.c) */
    }
    add_utf8(set_of(&w, BS_TS_CPS_REGULAR), bs_node_get_meta(root, BS_META_SUBTITLE));
    add_utf8(set_of(&w, BS_TS_CPS_SANS), bs_node_get_meta(root, BS_META_SUBTITLE));
    for (int k = 0; k < BS_META_STRING_COUNT; k++)
      add_utf8(set_of(&w, BS_TS_CPS_REGULAR), bs_node_get_meta(root, (bs_meta_key)k));
    for (size_t i = 0; i < bs_node_get_meta_count(root, BS_META_AUTHORS); i++)
      add_utf8(set_of(&w, BS_TS_CPS_REGULAR), bs_node_get_meta_item(root, BS_META_AUTHORS, i));
  }
  /* headings are also set in the regular face (contents, running heads): the Hei set's
   * characters join the regular one */
  for (int r = 0; r < 5; r++)
    hb_set_union(bk->book_cps[r][BS_TS_CPS_REGULAR], bk->book_cps[r][BS_TS_CPS_SANS]);
}

/* A fallback face (region -1) may show any character of the book in any style: all the
 * book's characters it has, closed over all its GSUB lookups (Arabic joining forms, Indic
 * conjuncts and reordering, emoji sequences). */
static hb_set_t *fallback_glyphs(const bs_ts_book *bk, bs_ts_face *f)
{
  hb_set_t *g = hb_set_create();
  hb_set_add(g, 0);
  for (int r = 0; r < 5; r++)
    for (int k = 0; k < BS_TS_CPS_KINDS; k++) {
      const hb_set_t *cps = bk->book_cps[r][k];
      for (hb_codepoint_t cp = HB_SET_VALUE_INVALID; cps && hb_set_next(cps, &cp);) {
        hb_codepoint_t gid;
        if (hb_font_get_nominal_glyph(f->hb, cp, &gid))
          hb_set_add(g, gid);
      }
    }
  hb_face_t *face = hb_font_get_face(f->hb);
  hb_set_t *lookups = hb_set_create();
  hb_ot_layout_collect_lookups(face, HB_OT_TAG_GSUB, NULL, NULL, NULL, lookups);
  hb_ot_layout_lookups_substitute_closure(face, lookups, g);
  hb_set_destroy(lookups);
  return g;
}

static bool has_tag(const hb_tag_t *tags, hb_tag_t t)
{
  for (; *tags; tags++)
    if (*tags == t)
      return true;
  return false;
}

/* The GSUB lookups of `features` that shaping in the languages `langs` can apply: of every
 * script, its default language system and those of `langs` (HarfBuzz selects one of them).
 * The Noto CJK faces give each region's local forms (locl) under its own language system:
 * all of them took a third more glyphs into a face's subset than a book in one language
 * can show. NULL langs: all language systems. */
static void collect_lookups(hb_face_t *face, const hb_set_t *langs, const hb_tag_t *features,
                            hb_set_t *lookups)
{
  if (!langs) {
    hb_ot_layout_collect_lookups(face, HB_OT_TAG_GSUB, NULL, NULL, features, lookups);
    return;
  }
  hb_tag_t lt[64];
  unsigned nl = 0;
  for (hb_codepoint_t t = HB_SET_VALUE_INVALID; nl < 63 && hb_set_next(langs, &t);)
    lt[nl++] = t;
  lt[nl] = HB_TAG_NONE;
  if (nl)
    hb_ot_layout_collect_lookups(face, HB_OT_TAG_GSUB, NULL, lt, features, lookups);
  unsigned nscripts = hb_ot_layout_table_get_script_tags(face, HB_OT_TAG_GSUB, 0, NULL, NULL);
  for (unsigned si = 0; si < nscripts; si++) {
    unsigned idx[64], start = 0, n;
    do {
      n = 64;
      hb_ot_layout_language_get_feature_indexes(face, HB_OT_TAG_GSUB, si,
                                                HB_OT_LAYOUT_DEFAULT_LANGUAGE_INDEX, start, &n,
                                                idx);
      for (unsigned k = 0; k < n; k++) {
        hb_tag_t tag;
        unsigned one = 1;
        hb_ot_layout_table_get_feature_tags(face, HB_OT_TAG_GSUB, idx[k], &one, &tag);
        if (!one || !has_tag(features, tag))
          continue;
        unsigned li[64], lstart = 0, ln;
        do {
          ln = 64;
          hb_ot_layout_feature_get_lookups(face, HB_OT_TAG_GSUB, idx[k], lstart, &ln, li);
          for (unsigned j = 0; j < ln; j++)
            hb_set_add(lookups, li[j]);
          lstart += ln;
        } while (ln == 64);
      }
      start += n;
    } while (n == 64);
  }
}

hb_set_t *bs_ts_face_glyphs(const bs_ts_book *bk, bs_ts_face *f)
{
  if (f->region < 0)
    return fallback_glyphs(bk, f);
  int kind = f->mono   ? BS_TS_CPS_MONO
             : f->sans ? BS_TS_CPS_SANS
             : f->bold ? BS_TS_CPS_BOLD
                       : BS_TS_CPS_REGULAR;
  const hb_set_t *cps = bk->book_cps[f->region >= 0 && f->region < 5 ? f->region : 0][kind];
  hb_set_t *g = hb_set_create();
  hb_set_add(g, 0);
  for (hb_codepoint_t cp = HB_SET_VALUE_INVALID; cps && hb_set_next(cps, &cp);) {
    hb_codepoint_t gid;
    if (hb_font_get_nominal_glyph(f->hb, cp, &gid))
      hb_set_add(g, gid);
  }
  /* the features shaping applies: HarfBuzz's defaults (vert alone of the vertical ones) and
   * ours (shape.c: halt/vhal, fwid, hwid; ruby.c: ruby); vrt2 is vert's superset in the CJK
   * faces. Not pwid, dlig, vkna or vrtr: nothing turns them on, and their forms of every kana
   * and Latin letter were glyphs no page could show. */
  static const hb_tag_t both[] = {
      HB_TAG('c', 'c', 'm', 'p'), HB_TAG('l', 'o', 'c', 'l'), HB_TAG('l', 'i', 'g', 'a'),
      HB_TAG('c', 'l', 'i', 'g'), HB_TAG('c', 'a', 'l', 't'), HB_TAG('r', 'l', 'i', 'g'),
      HB_TAG('h', 'a', 'l', 't'), HB_TAG('f', 'w', 'i', 'd'), HB_TAG('h', 'w', 'i', 'd'),
      HB_TAG('r', 'v', 'r', 'n'), HB_TAG('r', 'c', 'l', 't'),
      HB_TAG('r', 'u', 'b', 'y'), /* content: ruby annotations are shaped with it (ruby.c) */
      HB_TAG_NONE};
  static const hb_tag_t vert[] = {
      HB_TAG('c', 'c', 'm', 'p'), HB_TAG('l', 'o', 'c', 'l'), HB_TAG('l', 'i', 'g', 'a'),
      HB_TAG('c', 'l', 'i', 'g'), HB_TAG('c', 'a', 'l', 't'), HB_TAG('r', 'l', 'i', 'g'),
      HB_TAG('h', 'a', 'l', 't'), HB_TAG('f', 'w', 'i', 'd'), HB_TAG('h', 'w', 'i', 'd'),
      HB_TAG('r', 'v', 'r', 'n'), HB_TAG('r', 'c', 'l', 't'), HB_TAG('v', 'e', 'r', 't'),
      HB_TAG('v', 'r', 't', '2'), HB_TAG('v', 'h', 'a', 'l'),
      HB_TAG('r', 'u', 'b', 'y'), /* content (ruby.c) */
      HB_TAG_NONE};
  hb_face_t *face = hb_font_get_face(f->hb);
  hb_set_t *lookups = hb_set_create();
  collect_lookups(face, bk->book_langs[f->region >= 0 && f->region < 5 ? f->region : 0],
                  bk->any_vertical ? vert : both, lookups);
  hb_ot_layout_lookups_substitute_closure(face, lookups, g);
  hb_set_destroy(lookups);
  return g;
}

/* Only the characters f has: folios and running heads are shaped with font fallback
 * (folio.c), so an Arabic or Thai title is drawn in its own face and is no missing glyph of
 * this one (it was warned about as one). */
static void add_shaped(bs_ts_ctx *c, bs_ts_face *f, hb_set_t *set, const char *text)
{
  bs_buf has = BS_BUF_INIT;
  size_t len = text ? strlen(text) : 0;
  for (size_t i = 0; i < len;) {
    uint32_t cp = 0;
    size_t k = bs_utf8_decode(text + i, len - i, &cp);
    if (!k)
      break;
    hb_codepoint_t gid;
    if (hb_font_get_nominal_glyph(f->hb, cp, &gid))
      bs_buf_put(&has, text + i, k);
    i += k;
  }
  bs_ts_glyph *g = NULL;
  size_t n = 0;
  if (has.len)
    bs_ts_shape_simple(c, f, has.data, has.len, false, NULL, &g, &n);
  for (size_t i = 0; i < n; i++)
    hb_set_add(set, g[i].gid);
  free(g);
  bs_buf_free(&has);
}

/* A single document is one chapter, laid out completely before drawing starts: its subsets
 * hold exactly the glyphs drawn (smaller and faster to make than the book's closure), plus
 * what folios and running heads draw in the regular face. */
hb_set_t *bs_ts_chapter_glyphs(bs_ts_ctx *c, bs_ts_face *f)
{
  hb_set_t *set = hb_set_create();
  hb_set_add(set, 0);
  for (size_t li = 0; li < c->nlines; li++)
    for (size_t r = 0; r < c->lines_v[li].nruns; r++) {
      const bs_ts_prun *run = &c->lines_v[li].runs[r];
      if (run->face == f)
        for (size_t k = 0; k < run->ng; k++)
          hb_set_add(set, run->g[k].gid);
    }
  if (f->cjk && !f->bold && !f->mono && !f->sans) {
    add_shaped(c, f, set, "0123456789…□"); /* □: the stand-in under emoji */
    add_shaped(c, f, set, c->bk->title);
    for (size_t i = 0; i < c->nheads; i++)
      add_shaped(c, f, set, c->heads[i].text);
  }
  return set;
}
