/* Images referenced by the input: resolved inside the input's folder, never fetched, typed
 * by their bytes, packed once each. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "epub-impl.h"

/* Largest image we pack; a bigger file is almost surely not a figure. */
enum { IMAGE_MAX_BYTES = 64 * 1024 * 1024 };

const char *bs_epub_sniff_image(const unsigned char *d, size_t n, const char **ext)
{
  if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
    return *ext = "png", "image/png";
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
    return *ext = "jpg", "image/jpeg";
  if (n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
    return *ext = "gif", "image/gif";
  if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
    return *ext = "webp", "image/webp";
  /* SVG: XML whose first element is svg, within the first few kilobytes */
  size_t i = 0, lim = n < 4096 ? n : 4096;
  if (lim >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3))
    i = 3;
  while (i < lim) {
    while (i < lim && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
      i++;
    if (i + 4 <= lim && !memcmp(d + i, "<svg", 4))
      return *ext = "svg", "image/svg+xml";
    if (i + 2 <= lim && d[i] == '<' && (d[i + 1] == '?' || d[i + 1] == '!')) {
      const unsigned char *end = memchr(d + i, '>', lim - i);
      if (!end)
        break;
      i = (size_t)(end - d) + 1;
      continue;
    }
    break;
  }
  return NULL;
}

static bool has_scheme(const char *s)
{
  const char *p = s;
  while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
         *p == '+' || *p == '-' || *p == '.')
    p++;
  return *p == ':' && p - s >= 2; /* "C:" style drive letters are not URLs */
}

bs_status bs_epub_image(bs_epub *e, const char *src, const char *input, int line,
                        bool from_cli, size_t *entry, bs_error *err)
{
  bs_status st = BS_OK;
  char *dir = NULL, *joined = NULL, *real = NULL, *realdir = NULL, *data = NULL;
  size_t len = 0;
  const char *shown = from_cli ? src : (input ? input : "");
  int at = from_cli ? 0 : line;
  *entry = BS_EPUB_NO_ENTRY;
  /* a --cover error already starts with the file's name */
  bs_buf what = BS_BUF_INIT;
  if (from_cli)
    bs_buf_puts(&what, "cover image");
  else
    bs_buf_printf(&what, "image '%s'", src ? src : "");

  if (!src || !*src) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0, "image with an empty path");
    goto done;
  }
  if (has_scheme(src)) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0,
                      "remote image '%s' is not fetched; download it next to the input", src);
    goto done;
  }
  if (from_cli) {
    joined = bs_xstrdup(src);
  } else {
    if (src[0] == '/') {
      st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0,
                        "image '%s' has an absolute path; it must be inside the input's folder",
                        src);
      goto done;
    }
    const char *slash = input && strcmp(input, "-") ? strrchr(input, '/') : NULL;
    dir = slash ? bs_xstrndup(input, (size_t)(slash - input)) : bs_xstrdup(".");
    if (!*dir) {
      free(dir);
      dir = bs_xstrdup("/");
    }
    bs_buf b = BS_BUF_INIT;
    bs_buf_printf(&b, "%s/%s", dir, src);
    joined = bs_buf_detach(&b);
  }
  real = realpath(joined, NULL);
  if (!real) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0, "cannot read %s: %s", what.data,
                      strerror(errno));
    goto done;
  }
  if (!from_cli) {
    realdir = realpath(dir, NULL);
    size_t dl = realdir ? strlen(realdir) : 0;
    if (!realdir || strncmp(real, realdir, dl) != 0 ||
        (real[dl] != '/' && !(dl == 1 && realdir[0] == '/'))) {
      st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0,
                        "image '%s' leaves the input's folder; it is not packed", src);
      goto done;
    }
  }
  for (size_t i = 0; i < e->nimages; i++)
    if (!strcmp(e->images[i].real, real)) {
      *entry = e->images[i].entry;
      goto done;
    }
  bs_error rerr;
  bs_error_clear(&rerr);
  if (bs_read_all(real, &data, &len, &rerr) != BS_OK) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0, "cannot read %s: %s", what.data,
                      rerr.message);
    goto done;
  }
  if (len > IMAGE_MAX_BYTES) {
    st = bs_error_set(err, BS_ERR_LIMIT, shown, at, 0, "%s is larger than %d MB", what.data,
                      IMAGE_MAX_BYTES / (1024 * 1024));
    goto done;
  }
  const char *ext = NULL;
  const char *type = bs_epub_sniff_image((const unsigned char *)data, len, &ext);
  if (!type) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0,
                      "%s is not a PNG, JPEG, GIF, WebP or SVG file", what.data);
    goto done;
  }
  /* the PDF's checks (src/typeset/figure.c), in its words: a reading system decodes it too */
  int w = 0, h = 0;
  if (strcmp(ext, "svg") && !bs_image_size((const unsigned char *)data, len, &w, &h)) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0, "%s is not a readable %s file", what.data,
                      !strcmp(ext, "png") ? "PNG" : !strcmp(ext, "jpg") ? "JPEG"
                      : !strcmp(ext, "gif") ? "GIF" : "WebP");
    goto done;
  }
  if (w > BS_IMAGE_MAX_SIDE || h > BS_IMAGE_MAX_SIDE) {
    st = bs_error_set(err, BS_ERR_LIMIT, shown, at, 0,
                      "%s is %d x %d pixels; the limit is %d a side", what.data, w, h,
                      BS_IMAGE_MAX_SIDE);
    goto done;
  }
  if ((long long)w * h > BS_IMAGE_MAX_PIXELS) {
    st = bs_error_set(err, BS_ERR_LIMIT, shown, at, 0,
                      "%s is %d x %d pixels; the limit is %d megapixels", what.data, w, h,
                      BS_IMAGE_MAX_PIXELS >> 20);
    goto done;
  }
  bs_buf href = BS_BUF_INIT, id = BS_BUF_INIT;
  bs_buf_printf(&href, "images/img%04zu.%s", e->nimages + 1, ext);
  bs_buf_printf(&id, "img%04zu", e->nimages + 1);
  bool svg = !strcmp(ext, "svg");
  *entry = bs_epub_add_entry(e, href.data, id.data, type, data, len, false, svg);
  bs_buf_free(&href);
  bs_buf_free(&id);
  if (e->nimages == e->cimages) {
    e->cimages = e->cimages ? e->cimages * 2 : 16;
    e->images = bs_xrealloc(e->images, e->cimages * sizeof *e->images);
  }
  e->images[e->nimages].real = real;
  e->images[e->nimages].entry = *entry;
  e->nimages++;
  real = NULL;
done:
  bs_buf_free(&what);
  free(dir);
  free(joined);
  free(real);
  free(realdir);
  free(data);
  return st;
}
