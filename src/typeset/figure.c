/* Figures: PNG and JPEG images set on the page grid. A figure takes whole line slots (rows
 * in horizontal, columns in vertical, as CJK books set it between columns) so the text after
 * it stays on the grid (G1); being one line it never splits across pages. Natural size is
 * 1 px = 0.75 pt (96 px per inch, as the EPUB's CSS px), never enlarged, reduced to fit the
 * measure and the page with room for one caption line. JPEG data goes into the PDF as it is
 * (DCT); PNG is decoded by Cairo (image.c draws them). The caption and credit follow in smaller
 * type (page.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

void bs_ts_figure_free(bs_ts_figure *f)
{
  if (!f)
    return;
  free(f->src);
  free(f->input);
  free(f->data);
  free(f);
}

static bs_status figure_line(bs_ts_ctx *c, const bs_node *fig, double indent, bool caption,
                             bool new_page, bool *added, bs_error *err)
{
  *added = false;
  const char *src = bs_node_get_src(fig);
  if (!src || !*src)
    return BS_OK; /* a figure without an image: its caption alone */
  const char *input = bs_node_get_input(fig);
  int line = bs_node_get_pos(fig).line;
  char *data = NULL;
  size_t len = 0;
  const char *type = NULL;
  bs_status st = bs_image_load(src, input, line, &data, &len, &type, err);
  if (st != BS_OK)
    return st;
  bool jpeg = !strcmp(type, "image/jpeg");
  if (!jpeg && strcmp(type, "image/png")) {
    if (c->opts->diag) {
      const char *kind = !strcmp(type, "image/gif")    ? "GIF"
                         : !strcmp(type, "image/webp") ? "WebP"
                                                       : "SVG";
      bs_error w;
      bs_error_set(&w, BS_ERR_IMAGE, input ? input : "", line, 0,
                   "image '%s' is a %s file: the PDF shows PNG and JPEG images only; its caption "
                   "stands alone", src, kind);
      bs_ts_diag(c, &w, 0); /* logged when a worker thread lays the chapter out */
    }
    free(data);
    return BS_OK;
  }
  /* the data must hold what the header promises before the drawing decodes it */
  const char *why = bs_image_check((const unsigned char *)data, len, jpeg ? "jpg" : "png");
  if (why) {
    free(data);
    if (!strcmp(why, "damaged"))
      return bs_error_set(err, BS_ERR_IMAGE, input ? input : "", line, 0,
                          "image '%s' is not a readable %s file", src, jpeg ? "JPEG" : "PNG");
    if (strcmp(why, "truncated"))
      return bs_error_set(err, BS_ERR_IMAGE, input ? input : "", line, 0, "image '%s' is %s",
                          src, why);
    if (c->opts->diag) {
      bs_error w;
      bs_error_set(&w, BS_ERR_IMAGE, input ? input : "", line, 0,
                   "image '%s' is truncated: it is left out; its caption stands alone", src);
      bs_ts_diag(c, &w, 0);
    }
    return BS_OK;
  }
  int pw = 0, ph = 0;
  bs_image_size((const unsigned char *)data, len, &pw, &ph); /* checked by bs_image_load */
  bs_ts_figure *f = bs_xcalloc(1, sizeof *f);
  f->src = bs_xstrdup(src);
  f->input = bs_xstrdup(input ? input : "");
  f->line = line;
  f->data = data;
  f->len = len;
  f->jpeg = jpeg;
  f->px_w = pw;
  f->px_h = ph;
  /* room: the measure along the line; across, the page less one caption line */
  int cap = caption ? 1 : 0;
  double M = c->measure - indent;
  double across = (c->lines - cap) * c->pitch - c->gap;
  double w = pw * 0.75, h = ph * 0.75;
  double maxw = c->vertical ? across : M, maxh = c->vertical ? M : across;
  double s = fmin(1, fmin(maxw / w, maxh / h));
  f->w = w * s;
  f->h = h * s;
  double cross = c->vertical ? f->w : f->h;
  int slots = (int)ceil((cross + c->gap) / c->pitch - 1e-9);
  if (slots < 1)
    slots = 1;
  if (slots > c->lines - cap)
    slots = c->lines - cap > 0 ? c->lines - cap : 1;

  if (c->nlines == c->caplines) {
    c->caplines = c->caplines * 2 + 64;
    c->lines_v = bs_xrealloc(c->lines_v, c->caplines * sizeof *c->lines_v);
  }
  bs_ts_line *l = &c->lines_v[c->nlines++];
  memset(l, 0, sizeof *l);
  l->kind = BS_LINE_FIGURE;
  l->region = c->region;
  l->slots = slots;
  l->size = slots * c->pitch - c->gap; /* the band: pagination puts its edge on the grid */
  l->indent = indent;
  l->measure = M;
  l->extent = c->vertical ? f->h : f->w;
  l->natural = l->extent;
  l->para_first = l->para_last = true;
  l->para_id = ++c->para_counter;
  l->new_page = new_page;
  l->keep_next = caption; /* the caption stays with its image */
  l->fig = f;
  *added = true;
  return BS_OK;
}

/* After pagination: where each figure line's image goes on its page (the drawer and the layout
 * dump read it). */
void bs_ts_figures_place(bs_ts_ctx *c)
{
  for (size_t i = 0; i < c->nlines; i++) {
    const bs_ts_line *l = &c->lines_v[i];
    bs_ts_figure *f = l->fig;
    if (!f)
      continue;
    if (c->vertical) { /* ox is the band's centre line; head-aligned like its caption column */
      f->x = l->ox - f->w / 2;
      f->y = l->oy;
    } else { /* oy is the band's top; centred in the measure */
      f->x = l->ox + (l->measure - f->w) / 2;
      f->y = l->oy + (l->size - f->h) / 2;
    }
  }
}

/* --keep-going: an image that cannot be shown is a warning, as in the EPUB writer, and its
 * caption stands alone. */
bs_status bs_ts_figure_line(bs_ts_ctx *c, const bs_node *fig, double indent, bool caption,
                            bool new_page, bool *added, bs_error *err)
{
  bs_error e;
  bs_error_clear(&e);
  bs_status st = figure_line(c, fig, indent, caption, new_page, added, &e);
  if (st == BS_OK)
    return BS_OK;
  if (c->opts->keep_going && (st == BS_ERR_IMAGE || st == BS_ERR_LIMIT || st == BS_ERR_IO)) {
    bs_ts_diag(c, &e, 0); /* logged per chapter, given in chapter order */
    return BS_OK;
  }
  if (err)
    *err = e;
  return st;
}
