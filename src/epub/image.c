/* Images referenced by the input, planned before the container is written and packed once
 * each; finding, reading and checking them is shared with the typesetter (src/util/image.c).
 * The bytes are read again when the container asks for them, so a book's images are never
 * all in memory. */
#include <stdlib.h>
#include <string.h>

#include "epub-impl.h"

/* The image read again when libzip asks for it (p->number: its record in e->images), checked
 * as when it was planned: a file removed, unreadable or replaced by another kind since then
 * stops the book with the referring article's file:line, not libzip's message. */
bs_status bs_epub_make_image(bs_epub *e, bs_epub_part *p, bs_error *err)
{
  const bs_epub_img *im = &e->images[p->number];
  char *data;
  size_t len;
  const char *type, *ext;
  bs_status st = bs_image_read(im->real, im->src, im->input, im->line, im->cli, &data, &len,
                               &type, &ext, err);
  if (st != BS_OK)
    return st;
  const char *dot = strrchr(p->name, '.');
  if (!dot || strcmp(dot + 1, ext)) {
    free(data);
    return bs_error_set(err, BS_ERR_IMAGE, im->cli ? im->src : im->input, im->cli ? 0 : im->line,
                        0, "image '%s' changed while the book was written (now a %s file)",
                        im->src, ext);
  }
  if (!strcmp(ext, "svg")) {
    /* sanitized again as it was when planned (and warned about there) */
    char *clean;
    size_t clean_len, removed;
    st = bs_epub_svg_clean(data, len, im->cli ? im->src : im->input, im->cli ? 0 : im->line,
                           im->src, &clean, &clean_len, &removed, err);
    free(data);
    if (st != BS_OK)
      return st;
    data = clean;
    len = clean_len;
  }
  p->bytes = data;
  p->len = len;
  p->owned = true;
  return BS_OK;
}

static char *image_key(const char *src, const char *input)
{
  bs_buf k = BS_BUF_INIT;
  bs_buf_printf(&k, "%s\n%s", input ? input : "", src);
  return bs_buf_detach(&k);
}

size_t bs_epub_image_find(const bs_epub *e, const char *src, const char *input)
{
  char *key = image_key(src, input);
  size_t entry = BS_EPUB_NO_ENTRY;
  for (size_t i = 0; i < e->nimages; i++)
    if (!strcmp(e->images[i].key, key)) {
      entry = e->images[i].entry;
      break;
    }
  free(key);
  return entry;
}

static void remember(bs_epub *e, char *key, char *real, size_t entry, const char *src,
                     const char *input, int line, bool cli)
{
  if (e->nimages == e->cimages) {
    e->cimages = e->cimages ? e->cimages * 2 : 16;
    e->images = bs_xrealloc(e->images, e->cimages * sizeof *e->images);
  }
  e->images[e->nimages].key = key;
  e->images[e->nimages].real = real;
  e->images[e->nimages].entry = entry;
  e->images[e->nimages].src = src;
  e->images[e->nimages].input = input;
  e->images[e->nimages].line = line;
  e->images[e->nimages].cli = cli;
  e->nimages++;
}

bs_status bs_epub_image(bs_epub *e, const char *src, const char *input, int line,
                        bool from_cli, size_t *entry, bs_error *err)
{
  char *real = NULL, *data = NULL;
  size_t len = 0;
  const char *type = NULL, *ext = NULL;
  char *key = image_key(src, input);
  *entry = BS_EPUB_NO_ENTRY;
  for (size_t i = 0; i < e->nimages; i++)
    if (!strcmp(e->images[i].key, key) && e->images[i].entry != BS_EPUB_NO_ENTRY) {
      free(key); /* the same reference again: already planned */
      *entry = e->images[i].entry;
      return BS_OK;
    }
  bs_status st = bs_image_resolve(src, input, line, from_cli, &real, err);
  if (st != BS_OK)
    goto done;
  for (size_t i = 0; i < e->nimages; i++) /* packed once, however often it is shown */
    if (e->images[i].real && !strcmp(e->images[i].real, real)) {
      *entry = e->images[i].entry;
      free(real);
      real = NULL;
      goto done;
    }
  st = bs_image_read(real, src, input, line, from_cli, &data, &len, &type, &ext, err);
  if (st != BS_OK)
    goto done;
  bool svg = !strcmp(ext, "svg");
  if (svg) {
    char *clean;
    size_t clean_len, removed;
    st = bs_epub_svg_clean(data, len, from_cli ? src : input, from_cli ? 0 : line, src, &clean,
                           &clean_len, &removed, err);
    if (st != BS_OK)
      goto done;
    free(clean);
    if (removed)
      bs_epub_warn(e, BS_OK, from_cli ? src : input, from_cli ? 0 : line,
                   "image '%s': %zu scripts, event handlers or references out of the file "
                   "removed", src, removed);
  }
  size_t n = 1;
  for (size_t i = 0; i < e->nimages; i++)
    n += e->images[i].real != NULL;
  bs_buf href = BS_BUF_INIT, id = BS_BUF_INIT;
  bs_buf_printf(&href, "images/img%04zu.%s", n, ext);
  bs_buf_printf(&id, "img%04zu", n);
  int w = 0, h = 0;
  /* a cover this small is blown up by reading systems into a blur (stores ask for 1,400
   * pixels or more on the long side) */
  if (e->cover_pending) {
    if (!svg && bs_image_size((const unsigned char *)data, len, &w, &h) &&
        (w > h ? w : h) < BS_EPUB_COVER_MIN)
      bs_epub_warn(e, BS_OK, from_cli ? src : input, line,
                   "cover image '%s' is only %dx%d pixels; reading systems will show it blurred "
                   "(%d or more on the long side looks sharp)",
                   src, w, h, BS_EPUB_COVER_MIN);
  }
  /* its record is the next one remembered, below */
  *entry = bs_epub_add_made(e, href.data, id.data, type, false, svg, bs_epub_make_image, real,
                            (int)e->nimages);
  bs_buf_free(&href);
  bs_buf_free(&id);
done:
  if (st != BS_OK) {
    free(real);
    real = NULL;
  }
  /* remembered either way: a failed reference is not tried (nor warned about) again */
  remember(e, key, real, *entry, src, input, line, from_cli);
  free(data);
  return st;
}
