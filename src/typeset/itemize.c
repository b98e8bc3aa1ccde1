/* Pango in front of the shaper (#13): pango_itemize splits each paragraph into items of one
 * script, language, bidi level and font, choosing fonts through fonts/fonts.conf's fallback
 * chain. Each shaper (one per layout thread, parallel.c) has its own PangoFcFontMap over the
 * book's FcConfig: Pango font maps are not thread-safe. Pango only itemizes: shaping stays
 * with HarfBuzz (TTB in vertical, V1), breaking and justification with us, and Pango's
 * vertical gravity is never used (§0.1).
 *
 * The font map is PangoCairo's fontconfig map, which applies the map's own configuration when
 * it substitutes patterns (the FT2 map substitutes with the process's default configuration,
 * so fonts.conf's fallback order would not apply). No Cairo object is made here: fonts are
 * only asked for their pattern. */
#include <pango/pangocairo.h>
#include <pango/pangofc-font.h>
#include <pango/pangofc-fontmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "typeset-impl.h"

enum { DESC_KEYS = 5 * 8 }; /* region × (bold, sans, mono) */

struct bs_ts_pango {
  PangoFontMap *map;
  PangoContext *ctx;
  PangoFontDescription *desc[DESC_KEYS];
  struct pfont {
    PangoFont *font; /* a reference: a font freed by the map must not alias a new one */
    bs_ts_face *face;
    bool cjk;        /* a Noto CJK face */
  } *fonts;
  size_t nfonts;
};

static const char *region_suffix[] = {"TC", "HK", "SC", "JP", "KR"};
static const char *region_fclang[] = {"zh-tw", "zh-hk", "zh-cn", "ja", "ko"};

bool bs_ts_cjk_lang(const char *l)
{
  return !l || !*l || !strncasecmp(l, "zh", 2) || !strncasecmp(l, "ja", 2) ||
         !strncasecmp(l, "ko", 2);
}

bool bs_ts_cjk_doc(const bs_ts_ctx *c)
{
  return bs_ts_cjk_lang(c->doc_lang);
}

void bs_ts_pango_free(struct bs_ts_pango *pg)
{
  if (!pg)
    return;
  for (size_t i = 0; i < pg->nfonts; i++)
    g_object_unref(pg->fonts[i].font);
  free(pg->fonts);
  for (int i = 0; i < DESC_KEYS; i++)
    if (pg->desc[i])
      pango_font_description_free(pg->desc[i]);
  g_object_unref(pg->ctx);
  g_object_unref(pg->map);
  free(pg);
}

static struct bs_ts_pango *pango_of(bs_ts_ctx *c)
{
  if (c->sh->pango)
    return c->sh->pango;
  struct bs_ts_pango *pg = bs_xcalloc(1, sizeof *pg);
  pg->map = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
  pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(pg->map), (FcConfig *)c->bk->fonts->fc);
  pg->ctx = pango_font_map_create_context(pg->map);
  pango_context_set_round_glyph_positions(pg->ctx, FALSE); /* §0.4 */
  c->sh->pango = pg;
  return pg;
}

/* The font description of a style: the Latin face first, so that a Latin, Greek or Cyrillic
 * word stays in one face (L6), then the regional CJK face; fonts.conf appends the rest. */
static PangoFontDescription *desc_for(bs_ts_ctx *c, struct bs_ts_pango *pg, unsigned style)
{
  bool bold = style & BS_ST_BOLD, mono = style & BS_ST_CODE, sans = !mono && (style & BS_ST_HEI);
  int key = c->region * 8 + bold + 2 * sans + 4 * mono;
  if (!pg->desc[key]) {
    const char *rs = region_suffix[c->region];
    char fam[160];
    if (mono) /* code keeps the monospaced CJK face's own half-width Latin */
      snprintf(fam, sizeof fam, "Noto Sans Mono CJK %s", rs);
    else if (sans)
      snprintf(fam, sizeof fam, "Noto Sans,Noto Sans CJK %s", rs);
    else
      snprintf(fam, sizeof fam, "Noto Serif,Noto Serif CJK %s", rs);
    PangoFontDescription *d = pango_font_description_new();
    pango_font_description_set_family(d, fam);
    pango_font_description_set_weight(d, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_size(d, (int)(c->size * PANGO_SCALE));
    pg->desc[key] = d;
  }
  return pg->desc[key];
}

/* Our face for a Pango font: looked up by file and face index in the book's face table. */
static struct pfont *font_of(bs_ts_ctx *c, struct bs_ts_pango *pg, PangoFont *font,
                             bs_error *err)
{
  for (size_t i = 0; i < pg->nfonts; i++)
    if (pg->fonts[i].font == font)
      return &pg->fonts[i];
  FcPattern *pat = pango_fc_font_get_pattern(PANGO_FC_FONT(font));
  FcChar8 *file = NULL, *family = NULL;
  int index = 0, weight = FC_WEIGHT_REGULAR;
  if (!pat || FcPatternGetString(pat, FC_FILE, 0, &file) != FcResultMatch)
    return NULL;
  FcPatternGetInteger(pat, FC_INDEX, 0, &index);
  FcPatternGetString(pat, FC_FAMILY, 0, &family);
  FcPatternGetInteger(pat, FC_WEIGHT, 0, &weight);
  bs_ts_face *f = bs_ts_face_for_file(c, (const char *)file, index, (const char *)family,
                                      weight >= FC_WEIGHT_BOLD, err);
  if (!f)
    return NULL;
  pg->fonts = bs_xrealloc(pg->fonts, (pg->nfonts + 1) * sizeof *pg->fonts);
  struct pfont *pf = &pg->fonts[pg->nfonts++];
  pf->font = g_object_ref(font);
  pf->face = f;
  pf->cjk = family && strstr((const char *)family, " CJK ");
  return pf;
}

static bool cjk_script(GUnicodeScript s)
{
  return s == G_UNICODE_SCRIPT_HAN || s == G_UNICODE_SCRIPT_HIRAGANA ||
         s == G_UNICODE_SCRIPT_KATAKANA || s == G_UNICODE_SCRIPT_BOPOMOFO ||
         s == G_UNICODE_SCRIPT_HANGUL;
}

static bool latin_script(GUnicodeScript s)
{
  return s == G_UNICODE_SCRIPT_LATIN || s == G_UNICODE_SCRIPT_GREEK ||
         s == G_UNICODE_SCRIPT_CYRILLIC;
}

/* CJK symbols, punctuation and full-width forms: CJK in any document (U+3000 separates a
 * table's cells, 「」 quote in a Latin text set in a CJK face) */
static bool cjk_block(uint32_t cp)
{
  return (cp >= 0x2E80 && cp <= 0x2FFF) || (cp >= 0x3000 && cp <= 0x303F) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

/* Marks, joiners and variation selectors stay with the character before them. */
static bool joins_previous(uint32_t cp)
{
  return g_unichar_ismark(cp) || cp == 0x200D || cp == 0x200C || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0xE0100 && cp <= 0xE01EF) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
         (cp >= 0xE0020 && cp <= 0xE007F);
}

static bool same_face(const bs_ts_face *a, const bs_ts_face *b)
{
  return a == b || (a && b && a->index == b->index && !strcmp(a->file, b->file));
}

bs_status bs_ts_itemize(bs_ts_ctx *c, bs_ts_para *p, const uint32_t *cps, const size_t *off,
                        size_t n, bs_ts_item *it, bs_error *err)
{
  struct bs_ts_pango *pg = pango_of(c);
  bool cjk_doc = bs_ts_cjk_doc(c);
  pango_context_set_language(pg->ctx, pango_language_from_string(
                                          cjk_doc ? region_fclang[c->region] : c->doc_lang));
  /* one font description per style: an attribute over each run of another style */
  unsigned base = n ? p->style[off[0]] & (BS_ST_BOLD | BS_ST_CODE | BS_ST_HEI) : 0;
  pango_context_set_font_description(pg->ctx, desc_for(c, pg, base));
  PangoAttrList *attrs = NULL;
  for (size_t i = 0; i < n;) {
    unsigned st = p->style[off[i]] & (BS_ST_BOLD | BS_ST_CODE | BS_ST_HEI);
    size_t j = i + 1;
    while (j < n && (p->style[off[j]] & (BS_ST_BOLD | BS_ST_CODE | BS_ST_HEI)) == st)
      j++;
    if (st != base) {
      if (!attrs)
        attrs = pango_attr_list_new();
      PangoAttribute *a = pango_attr_font_desc_new(desc_for(c, pg, st));
      a->start_index = (guint)off[i];
      a->end_index = (guint)off[j];
      pango_attr_list_insert(attrs, a);
    }
    i = j;
  }
  /* P2/P3: a paragraph's direction is its first strong character's (horizontal text; a
   * vertical column runs top to bottom whatever its scripts) */
  PangoDirection dir = c->vertical ? PANGO_DIRECTION_LTR : PANGO_DIRECTION_WEAK_LTR;
  GList *items = pango_itemize_with_base_dir(pg->ctx, dir, p->text, 0, (int)p->len, attrs, NULL);
  if (attrs)
    pango_attr_list_unref(attrs);
  /* the paragraph resolved to right to left when no item is at level 0; a vertical column
   * runs from its head whatever it holds (an all-Arabic heading too) */
  p->base_level = items != NULL && !c->vertical;
  for (GList *l = items; l; l = l->next)
    if (((PangoItem *)l->data)->analysis.level == 0)
      p->base_level = 0;
  bs_status st = BS_OK;
  size_t k = 0;
  bs_ts_face *sf = NULL;
  unsigned sf_style = ~0u;
  for (GList *l = items; l; l = l->next) {
    PangoItem *item = l->data;
    size_t end = (size_t)item->offset + (size_t)item->length;
    struct pfont *pf = item->analysis.font ? font_of(c, pg, item->analysis.font, err) : NULL;
    if (!pf && st == BS_OK)
      st = err && err->code ? err->code : BS_ERR_FONT;
    for (; k < n && off[k] < end; k++) {
      unsigned sty = p->style[off[k]];
      if (sty != sf_style) {
        sf = bs_ts_face_for_style(c, sty, err);
        sf_style = sty;
        if (!sf) {
          st = err && err->code ? err->code : BS_ERR_FONT;
          goto done;
        }
      }
      bs_ts_item *o = &it[k];
      uint32_t cp = cps[k];
      GUnicodeScript scr = g_unichar_get_script(cp);
      o->level = item->analysis.level;
      o->script = hb_script_from_iso15924_tag(
          g_unicode_script_to_iso15924((GUnicodeScript)item->analysis.script));
      o->nospace = scr == G_UNICODE_SCRIPT_THAI || scr == G_UNICODE_SCRIPT_LAO ||
                   scr == G_UNICODE_SCRIPT_KHMER || scr == G_UNICODE_SCRIPT_MYANMAR;
      bs_ts_face *pface = pf ? pf->face : sf;
      if (same_face(pface, sf))
        pface = sf;
      hb_codepoint_t gid;
      if (pface->color) {
        o->kind = BS_IT_EMOJI;
        o->face = pface;
      } else if (k > 0 && joins_previous(cp) && cps[k - 1] != ' ') {
        /* a mark, a joiner, a variation selector or a skin tone: with its base */
        o->kind = it[k - 1].kind;
        o->face = it[k - 1].face;
        o->nospace = it[k - 1].nospace;
      } else if (bs_ts_is_latin(cp) || (latin_script(scr) && !cjk_block(cp))) {
        o->kind = BS_IT_FOREIGN; /* L6: Latin, Greek, Cyrillic in the Latin face */
        o->face = pface;
      } else if (cjk_doc && hb_font_get_nominal_glyph(sf->hb, cp, &gid)) {
        /* CJK text and punctuation in the document's face, also after a foreign word
         * (Pango gives that punctuation the word's language and font) */
        o->kind = BS_IT_CJK;
        o->face = sf;
      } else if (cjk_script(scr) || cjk_block(cp) || (pf && pf->cjk)) {
        o->kind = BS_IT_CJK;
        o->face = hb_font_get_nominal_glyph(sf->hb, cp, &gid) ? sf : pface;
      } else {
        o->kind = BS_IT_FOREIGN;
        o->face = pface;
      }
    }
  }
  for (; k < n; k++) { /* nothing itemized (never expected): the regional face */
    it[k].face = bs_ts_face_for_style(c, p->style[off[k]], err);
    it[k].kind = BS_IT_CJK;
    it[k].level = 0;
    it[k].script = HB_SCRIPT_HAN;
    if (!it[k].face) {
      st = err && err->code ? err->code : BS_ERR_FONT;
      break;
    }
  }
done:
  g_list_free_full(items, (GDestroyNotify)pango_item_free);
  return st;
}
