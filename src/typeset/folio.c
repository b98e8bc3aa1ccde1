/* The page furniture (§7.5): each page's folio and running head, set once by pagination into
 * the page record, where the drawer and the layout dump both read them (the dump shows what
 * is drawn). Fitting a head measures it, so the shaping of these short texts lives here. */
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
 * the type area on the outer side in horizontal ones. Vertical books turn right to left: page
 * 1 is a left page. */
void bs_ts_furnish_pages(bs_ts_ctx *c)
{
  double size = c->size * 0.8;
  for (size_t i = 0; i < c->npages; i++) {
    bs_ts_page *pg = &c->pages[i];
    int page = pg->number;
    bool left_page = c->book_vertical ? page % 2 == 1 : page % 2 == 0;
    pg->marks_end = !left_page;
    if (pg->blank || pg->divider)
      *pg->folio = '\0';
    else
      snprintf(pg->folio, sizeof pg->folio, "%d", page);
    pg->folio_y = c->area_y + c->area_h + c->size + BS_TS_ASCENT * c->size * 0.8;
    pg->folio_x = left_page ? c->area_x : c->area_x + c->area_w;
    head_text(c, pg, size, pg->head, sizeof pg->head);
    if (c->vertical) {
      /* measured only where a head follows it (a shaping per page) */
      double w = *pg->folio && *pg->head ? text_width(c, pg->folio, size) : 0;
      pg->head_x = left_page ? pg->folio_x + w + 2 * size : pg->folio_x - w - 2 * size;
      pg->head_y = pg->folio_y;
    } else {
      pg->head_x = pg->folio_x;
      pg->head_y = c->area_y - c->size - (1 - BS_TS_ASCENT) * size;
    }
  }
}
