/* The typesetting context (typeset-impl.h): the book's shared settings and page grids, made
 * once (bs_ts_book), a context's language and direction switches, and its services: warnings
 * given or logged for a worker's chapter, missing glyphs summed up per face. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

void bs_ts_warn(bs_ts_ctx *c, const char *fmt, ...)
{
  if (!c->bk->opts->diag)
    return;
  bs_error w;
  va_list ap;
  va_start(ap, fmt);
  bs_diag_vmake(&w, BS_ERR_FONT, NULL, 0, 0, fmt, ap);
  va_end(ap);
  bs_ts_diag(c, &w, 0);
}

/* Adds cp to the face's set; false if it was there already. */
static bool miss_add(bs_ts_missing *m, const char *family, uint32_t cp, const bs_error *at)
{
  size_t i = 0;
  while (i < m->n && strcmp(m->v[i].family, family))
    i++;
  if (i == m->n) {
    m->v = bs_xrealloc(m->v, (m->n + 1) * sizeof *m->v);
    m->v[i].family = family;
    m->v[i].cps = hb_set_create();
    m->v[i].first = *at;
    m->n++;
  }
  if (hb_set_has(m->v[i].cps, cp))
    return false;
  hb_set_add(m->v[i].cps, cp);
  return true;
}

void bs_ts_missing_free(bs_ts_missing *m)
{
  for (size_t i = 0; i < m->n; i++)
    hb_set_destroy(m->v[i].cps);
  free(m->v);
  m->v = NULL;
  m->n = 0;
}

void bs_ts_missing_glyph(bs_ts_ctx *c, const bs_ts_face *f, uint32_t cp)
{
  if (!c->bk->opts->diag)
    return;
  const bs_node *at = c->para_node;
  while (at && bs_node_get_pos(at).line == 0)
    at = bs_node_parent(at);
  bs_error w;
  bs_error_set(&w, BS_ERR_FONT, at ? bs_node_get_input(at) : NULL, at ? bs_node_get_pos(at).line : 0,
               0, "missing glyph");
  if (!miss_add(&c->glyphs_seen, f->family, cp, &w))
    return; /* logged already by this context */
  if (!c->wlog) {
    miss_add(&c->run->glyphs_missing, f->family, cp, &w);
    return;
  }
  bs_ts_wlog *l = c->wlog;
  l->v = bs_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
  l->v[l->n] = (struct bs_ts_wmsg){w, -1, cp, f->family};
  l->n++;
}

void bs_ts_missing_flush(bs_ts_ctx *c)
{
  bs_ts_missing *m = &c->run->glyphs_missing;
  for (size_t i = 0; c->bk->opts->diag && i < m->n; i++) {
    enum { SHOWN = 16 }; /* characters named; the rest are counted */
    bs_error *w = &m->v[i].first;
    unsigned n = hb_set_get_population(m->v[i].cps);
    hb_codepoint_t cp = HB_SET_VALUE_INVALID;
    hb_set_next(m->v[i].cps, &cp);
    if (n == 1) {
      snprintf(w->message, sizeof w->message, "missing glyph U+%04X in %s", (unsigned)cp,
               m->v[i].family);
    } else {
      int len = snprintf(w->message, sizeof w->message, "missing glyphs in %s for %u characters:",
                         m->v[i].family, n);
      for (unsigned k = 0; k < n && k < SHOWN && len > 0 && (size_t)len < sizeof w->message;
           k++, hb_set_next(m->v[i].cps, &cp))
        len += snprintf(w->message + len, sizeof w->message - (size_t)len, " U+%04X",
                        (unsigned)cp);
      if (n > SHOWN && len > 0 && (size_t)len < sizeof w->message)
        snprintf(w->message + len, sizeof w->message - (size_t)len, " and %u more", n - SHOWN);
    }
    c->bk->opts->diag(c->bk->opts->diag_user, w);
  }
  bs_ts_missing_free(m);
}

static void deliver(bs_ts_ctx *c, const bs_error *w, int once)
{
  if (once > 0 && once <= BS_TS_MAX_FACES) {
    unsigned long long bit = 1ull << ((once - 1) % 64);
    if (c->bk->fonts->warned[(once - 1) / 64] & bit)
      return;
    c->bk->fonts->warned[(once - 1) / 64] |= bit;
  }
  c->bk->opts->diag(c->bk->opts->diag_user, w);
}

void bs_ts_diag(bs_ts_ctx *c, const bs_error *w, int once)
{
  if (!c->bk->opts->diag)
    return;
  if (!c->wlog) {
    deliver(c, w, once);
    return;
  }
  bs_ts_wlog *l = c->wlog;
  l->v = bs_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
  l->v[l->n].w = *w;
  l->v[l->n++].once = once;
}

void bs_ts_wlog_replay(bs_ts_ctx *c, bs_ts_wlog *log)
{
  for (size_t i = 0; i < log->n && c->bk->opts->diag; i++)
    if (log->v[i].once == -1) {
      miss_add(&c->run->glyphs_missing, log->v[i].family, log->v[i].cp, &log->v[i].w);
    } else {
      deliver(c, &log->v[i].w, log->v[i].once);
    }
  free(log->v);
  log->v = NULL;
  log->n = 0;
}

int bs_ts_region_of(const char *lang)
{
  if (!lang || !*lang)
    return 0; /* the project's default: zh-Hant-TW (§9) */
  if (!strncasecmp(lang, "ja", 2))
    return 3;
  if (!strncasecmp(lang, "ko", 2))
    return 4;
  if (!strncasecmp(lang, "zh", 2)) {
    const char *s = lang + 2;
    if (strcasestr(s, "hans") || strcasestr(s, "-cn") || strcasestr(s, "-sg"))
      return 2;
    if (strcasestr(s, "-hk") || strcasestr(s, "-mo"))
      return 1;
    return 0;
  }
  return 0;
}

static const char *icu_locale[] = {"zh-Hant@lb=strict", "zh-Hant-HK@lb=strict",
                                   "zh-Hans@lb=strict", "ja@lb=strict", "ko@lb=strict"};
_Static_assert(sizeof icu_locale / sizeof *icu_locale ==
               sizeof ((bs_ts_shaper *)0)->brks / sizeof ((bs_ts_shaper *)0)->brks[0],
               "a line breaker for each region");

/* The grid (§7.1, §7.3): from --grid, from --margins, or from the paper (type area about
 * 75 % of the page along the line and 70 % (vertical) / 80 % (horizontal) across, which
 * gives 42 × 15 vertical and 29 × 24 horizontal on A5 at 10.5 pt). */
/* The page grid of a chapter in direction `vertical` (§7.1). */
static void grid(const bs_typeset_options *o, bool vertical, bs_ts_grid *g)
{
  double pw = o->paper_w_mm > 0 ? o->paper_w_mm : 148, ph = o->paper_h_mm > 0 ? o->paper_h_mm : 210;
  g->page_w = pw * BS_PT_PER_MM;
  g->page_h = ph * BS_PT_PER_MM;
  g->size = o->font_size_pt > 0 ? o->font_size_pt : 10.5;
  g->gap = 0.875 * g->size;
  g->pitch = g->size + g->gap;
  double inline_len = vertical ? g->page_h : g->page_w;
  double cross_len = vertical ? g->page_w : g->page_h;
  const double *m = o->margins_mm;
  bool margins = m[0] > 0 || m[1] > 0 || m[2] > 0 || m[3] > 0;
  if (margins) {
    double iw = g->page_w - (m[1] + m[3]) * BS_PT_PER_MM,
           ih = g->page_h - (m[0] + m[2]) * BS_PT_PER_MM;
    inline_len = vertical ? ih : iw;
    cross_len = vertical ? iw : ih;
  } else {
    inline_len *= 0.75;
    cross_len *= vertical ? 0.70 : 0.80;
  }
  g->chars = (int)floor(inline_len / g->size + 1e-9);
  g->lines = (int)floor((cross_len + g->gap) / g->pitch + 1e-9);
  if (o->grid_chars > 0)
    g->chars = o->grid_chars;
  if (o->grid_lines > 0)
    g->lines = o->grid_lines;
  if (g->chars < 5)
    g->chars = 5;
  if (g->lines < 3)
    g->lines = 3;
  g->measure = g->chars * g->size;
  double cross = g->lines * g->pitch - g->gap;
  g->area_w = vertical ? cross : g->measure;
  g->area_h = vertical ? g->measure : cross;
  if (margins) {
    g->area_y = m[0] * BS_PT_PER_MM;
    g->area_x = vertical ? g->page_w - m[1] * BS_PT_PER_MM - g->area_w : m[3] * BS_PT_PER_MM;
  } else {
    g->area_x = (g->page_w - g->area_w) / 2;
    g->area_y = (g->page_h - g->area_h) / 2;
  }
}

/* The chapter's grid fields, from the book's grid for its direction. */
static void use_grid(bs_ts_ctx *c)
{
  const bs_ts_grid *g = &c->bk->grid[c->vertical];
  c->size = g->size;
  c->pitch = g->pitch;
  c->gap = g->gap;
  c->chars = g->chars;
  c->lines = g->lines;
  c->page_w = g->page_w;
  c->page_h = g->page_h;
  c->area_x = g->area_x;
  c->area_y = g->area_y;
  c->area_w = g->area_w;
  c->area_h = g->area_h;
  c->measure = g->measure;
}

void bs_ts_set_direction(bs_ts_ctx *c, bool vertical)
{
  if (c->vertical == vertical)
    return;
  c->vertical = vertical;
  use_grid(c);
}

/* The shaper's line breaker for `region`, opened on first use. */
static bs_status breaker_open(bs_ts_shaper *sh, int region, bs_error *err)
{
  if (sh->brks[region])
    return BS_OK;
  UErrorCode st = U_ZERO_ERROR;
  sh->brks[region] = ubrk_open(UBRK_LINE, icu_locale[region], NULL, 0, &st);
  if (U_FAILURE(st)) {
    sh->brks[region] = NULL;
    return bs_error_set(err, BS_ERR_LIBRARY, NULL, 0, 0, "ICU line breaker: %s",
                        u_errorName(st));
  }
  return BS_OK;
}

bs_status bs_ts_set_lang(bs_ts_ctx *c, const char *lang, bs_error *err)
{
  snprintf(c->doc_lang, sizeof c->doc_lang, "%s", lang ? lang : "zh-Hant");
  c->region = bs_ts_region_of(lang);
  /* §7.7: 2 em for Chinese, 1 em for Japanese and for Latin-script chapters (English books
   * indent by about an em; a CJK 2 em looks like a quotation there) */
  c->indent_em = c->bk->opts->indent_em >= 0 ? c->bk->opts->indent_em
                 : c->region == 3 || !bs_ts_cjk_doc(c) ? 1
                                                       : 2;
  return breaker_open(c->sh, c->region, err);
}

bs_status bs_ts_use_shaper(bs_ts_ctx *c, bs_ts_shaper *sh, bs_error *err)
{
  c->sh = sh;
  return breaker_open(sh, c->region, err);
}

bs_ts_shaper *bs_ts_shaper_new(void)
{
  bs_ts_shaper *sh = bs_xcalloc(1, sizeof *sh);
  sh->buf = hb_buffer_create();
  return sh;
}

void bs_ts_shaper_free(bs_ts_shaper *sh)
{
  if (!sh)
    return;
  for (size_t r = 0; r < sizeof sh->brks / sizeof sh->brks[0]; r++)
    if (sh->brks[r])
      ubrk_close(sh->brks[r]);
  bs_ts_pango_free(sh->pango);
  hb_buffer_destroy(sh->buf);
  free(sh);
}

bs_status bs_ts_ctx_init(bs_ts_ctx *c, const bs_node *root, const bs_node *first,
                         const bs_typeset_options *opts, bs_error *err)
{
  memset(c, 0, sizeof *c);
  bs_ts_book *bk = bs_xcalloc(1, sizeof *bk);
  c->bk = c->bk_own = bk;
  bk->hyphs = bs_ts_hyphs_new();
  c->run = bs_xcalloc(1, sizeof *c->run);
  c->sh = bs_ts_shaper_new();
  bk->opts = opts;
  bk->book = bs_node_get_type(root) == BS_NODE_BOOK;
  if (!first && bk->book)
    first = bs_node_first_child(root);
  bs_direction d = opts->direction;
  if (d == BS_DIR_DEFAULT)
    d = bs_node_get_inherited_direction(root);
  if (d == BS_DIR_DEFAULT && bk->book && first)
    d = bs_node_get_inherited_direction(first);
  bk->dir = d;
  c->vertical = bk->vertical = bk->any_vertical = d == BS_DIR_VERTICAL;
  /* a book's chapters may turn it (bs_ts_plan_chapter) */
  if (bk->book)
    for (const bs_node *k = bs_node_first_child(root); k && !bk->any_vertical; k = bs_node_next(k))
      bk->any_vertical = bs_node_get_chapter_direction(k, opts->direction, d) == BS_DIR_VERTICAL;
  const char *lang = bs_node_get_inherited_lang(root);
  if (!lang && bk->book && first)
    lang = bs_node_get_inherited_lang(first);
  snprintf(bk->lang, sizeof bk->lang, "%s", lang ? lang : "zh-Hant");
  bk->r2l = bk->vertical || bs_lang_rtl(bk->lang);
  bk->title = bs_node_get_meta(root, BS_META_TITLE);
  grid(opts, false, &bk->grid[0]);
  grid(opts, true, &bk->grid[1]);
  use_grid(c);
  bs_status st = bs_ts_set_lang(c, lang, err);
  if (st != BS_OK)
    return st;
  return bs_ts_fonts_new(opts, &bk->fonts, err);
}

void bs_ts_ctx_chapter(bs_ts_ctx *k, const bs_ts_ctx *c)
{
  memset(k, 0, sizeof *k);
  k->bk = c->bk;
  k->vertical = c->vertical;
  use_grid(k);
  memcpy(k->doc_lang, c->doc_lang, sizeof k->doc_lang);
  k->region = c->region;
  k->indent_em = c->indent_em;
  k->recto = c->recto;
  k->para_counter = c->para_counter; /* counters the front matter began */
  k->ruby_counter = c->ruby_counter;
  k->note_base = c->note_base;
}

void bs_ts_ctx_free(bs_ts_ctx *c)
{
  bs_ts_chapter_free(c);
  bs_ts_missing_free(&c->glyphs_seen);
  free(c->head_in);
  free(c->lines_v);
  free(c->heads);
  free(c->hrefs);
  bs_ts_run *r = c->bk_own ? c->run : NULL;
  if (r) {
    bs_ts_missing_free(&r->glyphs_missing);
    bs_ts_front_free(r);
    for (size_t i = 0; i < r->nfront_pages; i++)
      free(r->front_pages[i].links);
    free(r->front_pages);
    bs_ts_texts_free(&r->front_texts);
    for (size_t i = 0; i < r->ntoc; i++) {
      free(r->tocs[i].text);
      free(r->tocs[i].lang);
    }
    free(r->tocs);
    free(r);
  }
  if (c->bk_own) {
    for (int i = 0; i < 5; i++)
      for (int k = 0; k < BS_TS_CPS_KINDS; k++)
        if (c->bk_own->book_cps[i][k])
          hb_set_destroy(c->bk_own->book_cps[i][k]);
    for (int i = 0; i < 5; i++)
      hb_set_destroy(c->bk_own->book_langs[i]);
    bs_ts_shaper_free(c->sh);
    bs_ts_hyphs_free(c->bk_own->hyphs);
    bs_ts_fonts_free(c->bk_own->fonts);
    free(c->bk_own);
  }
  memset(c, 0, sizeof *c);
}
