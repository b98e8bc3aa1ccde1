/* Figures: PNG and JPEG images set on the page grid. A figure takes whole line slots (rows
 * in horizontal, columns in vertical, as CJK books set it between columns) so the text after
 * it stays on the grid (G1); being one line it never splits across pages. Natural size is
 * 1 px = 0.75 pt (96 px per inch, as the EPUB's CSS px), never enlarged, reduced to fit the
 * measure and the page with room for one caption line. JPEG data goes into the PDF as it is
 * (DCT); PNG is decoded by Cairo. The caption and credit follow in smaller type (page.c). */
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

void bs_ts_figure_pos(const bs_ts_ctx *c, const bs_ts_line *l, double *x, double *y)
{
  const bs_ts_figure *f = l->fig;
  if (c->vertical) { /* ox is the band's centre line; head-aligned like its caption column */
    *x = l->ox - f->w / 2;
    *y = l->oy;
  } else { /* oy is the band's top; centred in the measure */
    *x = l->ox + (l->measure - f->w) / 2;
    *y = l->oy + (l->size - f->h) / 2;
  }
}

typedef struct reader {
  const unsigned char *d;
  size_t n, at;
} reader;

static cairo_status_t read_mem(void *closure, unsigned char *out, unsigned int len)
{
  reader *r = closure;
  if (r->n - r->at < len)
    return CAIRO_STATUS_READ_ERROR;
  memcpy(out, r->d + r->at, len);
  r->at += len;
  return CAIRO_STATUS_SUCCESS;
}

/* Images already decoded for this PDF, kept on its Cairo surface: an image used again is
 * neither decoded again nor written twice (Cairo writes a surface once). Entries are matched
 * by their file's bytes; the decoded pixels kept stay under one largest image. */
enum { IMAGE_CACHE_BYTES = BS_IMAGE_MAX_PIXELS * 4 };
typedef struct image_cache {
  struct image_entry {
    char *data; /* owned copy of the file */
    size_t len;
    cairo_surface_t *img;
  } *v;
  size_t n, bytes;
} image_cache;
static const cairo_user_data_key_t image_cache_key;

static void image_cache_free(void *p)
{
  image_cache *ic = p;
  for (size_t i = 0; i < ic->n; i++) {
    free(ic->v[i].data);
    cairo_surface_destroy(ic->v[i].img);
  }
  free(ic->v);
  free(ic);
}

static cairo_surface_t *decode(const bs_ts_figure *f)
{
  if (f->jpeg) {
    /* the pixels are never drawn: the PDF surface embeds the mime data as DCTDecode, so the
     * surface only gives the size (A1: 1 bit a pixel, not 4 bytes) */
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_A1, f->px_w, f->px_h);
    unsigned char *copy = bs_xmalloc(f->len);
    memcpy(copy, f->data, f->len);
    cairo_surface_set_mime_data(img, CAIRO_MIME_TYPE_JPEG, copy, f->len, free, copy);
    return img;
  }
  reader r = {(const unsigned char *)f->data, f->len, 0};
  return cairo_image_surface_create_from_png_stream(read_mem, &r);
}

/* A new reference to the decoded image of `f`. */
static cairo_surface_t *decoded(cairo_t *cr, const bs_ts_figure *f)
{
  cairo_surface_t *target = cairo_get_target(cr);
  image_cache *ic = cairo_surface_get_user_data(target, &image_cache_key);
  if (!ic) {
    ic = bs_xcalloc(1, sizeof *ic);
    if (cairo_surface_set_user_data(target, &image_cache_key, ic, image_cache_free) !=
        CAIRO_STATUS_SUCCESS) {
      free(ic);
      return decode(f);
    }
  }
  for (size_t i = 0; i < ic->n; i++)
    if (ic->v[i].len == f->len && !memcmp(ic->v[i].data, f->data, f->len))
      return cairo_surface_reference(ic->v[i].img);
  cairo_surface_t *img = decode(f);
  size_t bytes = f->jpeg ? f->len : (size_t)f->px_w * (size_t)f->px_h * 4;
  if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS || ic->bytes + bytes > IMAGE_CACHE_BYTES)
    return img;
  ic->v = bs_xrealloc(ic->v, (ic->n + 1) * sizeof *ic->v);
  ic->v[ic->n].data = bs_xmalloc(f->len);
  memcpy(ic->v[ic->n].data, f->data, f->len);
  ic->v[ic->n].len = f->len;
  ic->v[ic->n].img = cairo_surface_reference(img);
  ic->n++;
  ic->bytes += bytes;
  return img;
}

bs_status bs_ts_figure_draw(cairo_t *cr, const bs_ts_ctx *c, const bs_ts_line *l, bs_error *err)
{
  const bs_ts_figure *f = l->fig;
  cairo_surface_t *img = decoded(cr, f);
  if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(img);
    return bs_error_set(err, BS_ERR_IMAGE, f->input, f->line, 0,
                        "image '%s' is not a readable %s file", f->src, f->jpeg ? "JPEG" : "PNG");
  }
  double x, y;
  bs_ts_figure_pos(c, l, &x, &y);
  int iw = cairo_image_surface_get_width(img), ih = cairo_image_surface_get_height(img);
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, f->w / iw, f->h / ih);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(img);
  return BS_OK;
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
