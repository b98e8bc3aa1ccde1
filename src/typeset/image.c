/* Figure images in the PDF: each figure is drawn where pagination put it (bs_ts_figure.x/y,
 * figure.c), at its laid-out size. JPEG data goes into the PDF as it is (DCT); PNG is decoded
 * by Cairo, once per PDF however often the image is used. */
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

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

cairo_surface_t *bs_ts_png_surface(const void *data, size_t len)
{
  reader r = {data, len, 0};
  return cairo_image_surface_create_from_png_stream(read_mem, &r);
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
  return bs_ts_png_surface(f->data, f->len);
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

bs_status bs_ts_figure_draw(cairo_t *cr, const bs_ts_figure *f, bs_error *err)
{
  cairo_surface_t *img = decoded(cr, f);
  if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(img);
    return bs_error_set(err, BS_ERR_IMAGE, f->input, f->line, 0,
                        "image '%s' is not a readable %s file", f->src, f->jpeg ? "JPEG" : "PNG");
  }
  int iw = cairo_image_surface_get_width(img), ih = cairo_image_surface_get_height(img);
  cairo_save(cr);
  cairo_translate(cr, f->x, f->y);
  cairo_scale(cr, f->w / iw, f->h / ih);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(img);
  return BS_OK;
}
