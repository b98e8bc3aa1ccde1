/* The page records completed (§7.5): each page's folio and running head, set once after
 * pagination into the page record with the figures' places, the note rules and every link of
 * the page, where the drawer and the layout dump both read them (the dump shows what is
 * drawn). Fitting a head measures it, so the shaping of these short texts lives here too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

void bs_ts_shape_text(bs_ts_ctx *c, const char *text, double size, bs_ts_para *p, bs_ts_line *l)
{
  memset(p, 0, sizeof *p);
  memset(l, 0, sizeof *l);
  p->len = strlen(text);
  p->text = bs_xstrndup(text, p->len);
  p->style = bs_xcalloc(p->len + 1, 1);
  p->size = size;
  bool vertical = c->vertical; /* folios and heads run horizontally on every page */
  c->vertical = false;
  if (bs_ts_shape_para(c, p, NULL) == BS_OK)
    bs_ts_place_line(c, p, l);
  c->vertical = vertical;
}

/* A shaped text kept for the pages that show it: the placed line only, which holds copies of
 * what it shows (its paragraph's box and glyph arrays, a dozen kilobytes for a page number,
 * made the contents' numbers a fifth of a 1,000-article book's peak memory). */
struct bs_ts_text {
  char *text;
  double size;
  bs_ts_line l;
};

const bs_ts_line *bs_ts_text_line(bs_ts_ctx *c, bs_ts_texts *t, const char *text, double size)
{
  if (!*text)
    return NULL;
  /* a running head comes again page after page, a folio once: the last few are looked at */
  for (size_t i = t->n, k = 0; i > 0 && k < 8; i--, k++) {
    const struct bs_ts_text *e = t->v[i - 1];
    if (e->size == size && !strcmp(e->text, text))
      return &e->l;
  }
  struct bs_ts_text *e = bs_xcalloc(1, sizeof *e);
  bs_ts_para p;
  bs_ts_shape_text(c, text, size, &p, &e->l);
  bs_ts_para_free(&p);
  e->text = bs_xstrdup(text);
  e->size = size;
  t->v = bs_xrealloc(t->v, (t->n + 1) * sizeof *t->v);
  t->v[t->n++] = e;
  return &e->l;
}

void bs_ts_texts_free(bs_ts_texts *t)
{
  for (size_t i = 0; i < t->n; i++) {
    free(t->v[i]->text);
    bs_ts_line_free(&t->v[i]->l);
    free(t->v[i]);
  }
  free(t->v);
  t->v = NULL;
  t->n = 0;
}

double bs_ts_label_set(bs_ts_label *lb, const bs_ts_line *l, double size, double x, double y,
                       bool right_align, double sx)
{
  double w = l ? l->natural : 0;
  lb->line = l;
  lb->sx = sx;
  lb->ox = right_align ? x - w * sx : x;
  lb->oy = y - BS_TS_ASCENT * size;
  return w * sx;
}

bs_ts_link *bs_ts_page_link(bs_ts_page *pg)
{
  pg->links = bs_xrealloc(pg->links, (pg->nlinks + 1) * sizeof *pg->links);
  bs_ts_link *k = &pg->links[pg->nlinks++];
  memset(k, 0, sizeof *k);
  return k;
}

/* External links (#5): one rectangle per line over the runs of each link. */
static void uri_links(const bs_ts_ctx *c, bs_ts_page *pg)
{
  for (size_t li = pg->l0; li < pg->l1; li++) {
    const bs_ts_line *l = &c->lines_v[li];
    for (size_t r = 0; r < l->nruns;) {
      int id = l->runs[r].link;
      if (!id || (size_t)id > c->nhrefs) {
        r++;
        continue;
      }
      double a = 1e300, b = -1e300;
      for (; r < l->nruns && l->runs[r].link == id; r++)
        for (size_t k = 0; k < l->runs[r].ng; k++) {
          const bs_ts_pglyph *g = &l->runs[r].g[k];
          a = fmin(a, g->p);
          b = fmax(b, g->p + g->adv);
        }
      if (b <= a)
        continue;
      bs_ts_link *k = bs_ts_page_link(pg);
      k->uri = c->hrefs[id - 1];
      double band = l->slots * c->pitch - c->gap;
      if (c->vertical) {
        k->rect[0] = l->ox - band / 2;
        k->rect[1] = l->oy + a;
        k->rect[2] = l->ox + band / 2;
        k->rect[3] = l->oy + b;
      } else {
        k->rect[0] = l->ox + a;
        k->rect[1] = l->oy;
        k->rect[2] = l->ox + b;
        k->rect[3] = l->oy + l->size;
      }
    }
  }
}

static double text_width(bs_ts_ctx *c, const char *text, double size)
{
  if (!*text)
    return 0;
  bs_ts_para p;
  bs_ts_line l;
  bs_ts_shape_text(c, text, size, &p, &l);
  double w = l.natural;
  bs_ts_line_free(&l);
  bs_ts_para_free(&p);
  return w;
}

/* A running head no longer than half the measure: cut with an ellipsis at the longest prefix
 * that fits, found by halving over its character boundaries (a head is shaped about log2(n)
 * times, not n: a 500-character title on every page took a fuzzer's PDF 1.1 s). */
static void fit_head(bs_ts_ctx *c, const char *head, double size, char *out, size_t n)
{
  /* a head longer than `out` is cut at a character boundary, never inside one (Pango aborts
   * on the broken UTF-8 a byte cut leaves) */
  size_t len = strlen(head);
  if (n < 8) {
    if (n)
      *out = '\0';
    return;
  }
  if (len >= n) {
    len = n - 4;
    while (len > 0 && ((unsigned char)head[len] & 0xC0) == 0x80)
      len--;
  }
  memcpy(out, head, len);
  out[len] = '\0';
  double max = c->measure / 2;
  if (!len || (len == strlen(head) && text_width(c, out, size) <= max))
    return;
  size_t *cut = bs_xmalloc((len + 1) * sizeof *cut), ncut = 0; /* character starts */
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)out[i] & 0xC0) != 0x80)
      cut[ncut++] = i;
  char *try = bs_xmalloc(len + 4);
  size_t lo = 0, hi = ncut - 1; /* cut[lo] characters and "…" fit (0 always: an ellipsis) */
  while (lo < hi) {
    size_t mid = lo + (hi - lo + 1) / 2;
    memcpy(try, out, cut[mid]);
    memcpy(try + cut[mid], "…", 4); /* "…" is 3 bytes, plus the NUL */
    if (text_width(c, try, size) <= max)
      lo = mid;
    else
      hi = mid - 1;
  }
  if (cut[lo] + 4 <= n)
    memcpy(out + cut[lo], "…", 4);
  free(try);
  free(cut);
}

/* The running head of `pg` as shown, into out[n]. */
static void head_text(bs_ts_ctx *c, const bs_ts_page *pg, double size, char *out, size_t n)
{
  /* none where the margin has no room for it (narrow --margins) */
  double room = c->vertical ? c->page_h - (c->area_y + c->area_h) : c->area_y;
  if (room < 1.9 * c->size) {
    snprintf(out, n, "%s", "");
    return;
  }
  /* the same head on page after page: fitted once */
  const char *head = bs_ts_running_head(c, pg);
  if (!c->head_in || strcmp(c->head_in, head) || c->head_measure != c->measure) {
    free(c->head_in);
    c->head_in = bs_xstrdup(head);
    c->head_measure = c->measure;
    fit_head(c, head, size, c->head_out, sizeof c->head_out);
  }
  snprintf(out, n, "%s", c->head_out);
}

/* §7.5: the folio 1 em outside the type area at the foot, on the outer side of the page; the
 * running head on the same line inward in vertical books (2 × its size from the folio), above
 * the type area on the outer side in horizontal ones. Vertical books, and books in a
 * right-to-left language, turn right to left: page 1 is a left page. */
void bs_ts_furnish_pages(bs_ts_ctx *c)
{
  double size = c->size * 0.8;
  for (size_t i = 0; i < c->npages; i++) {
    bs_ts_page *pg = &c->pages[i];
    int page = pg->number;
    bool left_page = c->bk->r2l ? page % 2 == 1 : page % 2 == 0;
    pg->marks_end = !left_page;
    if (pg->blank || pg->divider)
      *pg->folio = '\0';
    else
      snprintf(pg->folio, sizeof pg->folio, "%d", page);
    pg->folio_y = c->area_y + c->area_h + c->size + BS_TS_ASCENT * c->size * 0.8;
    pg->folio_x = left_page ? c->area_x : c->area_x + c->area_w;
    head_text(c, pg, size, pg->head, sizeof pg->head);
    /* shaped where they are drawn: not on blank pages and part titles */
    bool shown = !pg->blank && !pg->divider;
    const bs_ts_line *fl = shown ? bs_ts_text_line(c, &c->chapter_texts, pg->folio, size) : NULL;
    const bs_ts_line *hl = shown ? bs_ts_text_line(c, &c->chapter_texts, pg->head, size) : NULL;
    if (c->vertical) {
      double w = fl && *pg->head ? fl->natural : 0;
      pg->head_x = left_page ? pg->folio_x + w + 2 * size : pg->folio_x - w - 2 * size;
      pg->head_y = pg->folio_y;
    } else {
      pg->head_x = pg->folio_x;
      pg->head_y = c->area_y - c->size - (1 - BS_TS_ASCENT) * size;
    }
    bs_ts_label_set(&pg->folio_at, fl, size, pg->folio_x, pg->folio_y, pg->marks_end, 1);
    bs_ts_label_set(&pg->head_at, hl, size, pg->head_x, pg->head_y, pg->marks_end, 1);
    bs_ts_notes_furnish(c, i); /* content: the note rule, marks' and notes' links */
    uri_links(c, pg);
  }
  bs_ts_figures_place(c); /* content */
}
