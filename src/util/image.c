/* Images referenced by an input, for the writers that need their bytes: resolved inside the
 * input's folder, never fetched, typed by their bytes and sized from their headers. Both the
 * EPUB writer and the typesetter load them here, so they refuse the same files in the same
 * words. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "util.h"

/* Largest image we read; a bigger file is almost surely not a figure. */
enum { IMAGE_MAX_BYTES = 64 * 1024 * 1024 };

const char *bs_image_sniff(const unsigned char *d, size_t n, const char **ext)
{
  if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
    return *ext = "png", "image/png";
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
    return *ext = "jpg", "image/jpeg";
  if (n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
    return *ext = "gif", "image/gif";
  if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
    return *ext = "webp", "image/webp";
  size_t i = 0, lim = n < 4096 ? n : 4096;
  if (lim >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3))
    i = 3;
  while (i < lim) {
    while (i < lim && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
      i++;
    if (i + 4 <= lim && !memcmp(d + i, "<svg", 4))
      return *ext = "svg", "image/svg+xml";
    if (i + 2 <= lim && d[i] == '<' && (d[i + 1] == '?' || d[i + 1] == '!')) {
      /* a declaration, a comment (to its "-->"), a DOCTYPE (past an internal subset "[…]") */
      const unsigned char *end = memchr(d + i, '>', lim - i);
      const unsigned char *sub = memchr(d + i, '[', lim - i);
      if (i + 4 <= lim && !memcmp(d + i, "<!--", 4))
        end = memmem(d + i + 4, lim - i - 4, "-->", 3);
      else if (end && sub && sub < end && i + 9 <= lim && !memcmp(d + i, "<!DOCTYPE", 9))
        end = memmem(sub, lim - (size_t)(sub - d), "]>", 2);
      if (!end)
        break;
      if (*end != '>') /* the "-->" or "]>" found: its '>' */
        end += *end == '-' ? 2 : 1;
      i = (size_t)(end - d) + 1;
      continue;
    }
    break;
  }
  return NULL;
}

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned long be32(const unsigned char *p)
{
  return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

bool bs_image_size(const unsigned char *d, size_t n, int *w, int *h)
{
  unsigned long W = 0, H = 0;
  if (n >= 24 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8) && !memcmp(d + 12, "IHDR", 4)) {
    W = be32(d + 16);
    H = be32(d + 20);
  } else if (n >= 4 && d[0] == 0xFF && d[1] == 0xD8) {
    /* walk the marker segments to the first SOFn (not DHT C4, JPG C8, DAC CC) */
    size_t i = 2;
    while (i + 4 <= n) {
      if (d[i] != 0xFF)
        return false;
      unsigned m = d[i + 1];
      if (m == 0xFF) {
        i++;
        continue;
      }
      if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
        i += 2;
        continue;
      }
      unsigned seg = be16(d + i + 2);
      if (seg < 2)
        return false;
      if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
        if (i + 9 > n)
          return false;
        H = be16(d + i + 5);
        W = be16(d + i + 7);
        break;
      }
      if (m == 0xD9 || m == 0xDA)
        return false;
      i += 2 + seg;
    }
  } else if (n >= 10 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6))) {
    W = (unsigned long)d[6] | (unsigned long)d[7] << 8;
    H = (unsigned long)d[8] | (unsigned long)d[9] << 8;
  } else if (n >= 30 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBPVP8 ", 8)) {
    W = ((unsigned long)d[26] | (unsigned long)d[27] << 8) & 0x3FFF; /* 14 bits after the */
    H = ((unsigned long)d[28] | (unsigned long)d[29] << 8) & 0x3FFF; /* key frame's code */
  } else if (n >= 25 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBPVP8L", 8)) {
    const unsigned char *b = d + 21; /* after the 0x2f signature: 14-bit width-1, height-1 */
    W = 1 + (b[0] | (unsigned long)(b[1] & 0x3F) << 8);
    H = 1 + (b[1] >> 6 | (unsigned long)b[2] << 2 | (unsigned long)(b[3] & 0x0F) << 10);
  } else if (n >= 30 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBPVP8X", 8)) {
    W = 1 + ((unsigned long)d[24] | (unsigned long)d[25] << 8 | (unsigned long)d[26] << 16);
    H = 1 + ((unsigned long)d[27] | (unsigned long)d[28] << 8 | (unsigned long)d[29] << 16);
  }
  if (W == 0 || H == 0 || W > 0x7fffffffUL || H > 0x7fffffffUL)
    return false;
  *w = (int)W;
  *h = (int)H;
  return true;
}

static bool has_scheme(const char *s)
{
  const char *p = s;
  while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
         *p == '+' || *p == '-' || *p == '.')
    p++;
  return *p == ':' && p - s >= 2; /* "C:" style drive letters are not URLs */
}

/* `what` names the image in messages: "image 'x'", or "cover image" for a --cover path. */
static void what_of(const char *src, bool cli, char *what, size_t n)
{
  if (cli)
    snprintf(what, n, "cover image");
  else
    snprintf(what, n, "image '%s'", src ? src : "");
}

bs_status bs_image_resolve(const char *src, const char *input, int line, bool cli, char **real,
                           bs_error *err)
{
  bs_status st = BS_OK;
  char *dir = NULL, *joined = NULL, *realdir = NULL, what[BS_ERROR_PATH_MAX + 16];
  const char *shown = cli ? (src ? src : "") : input ? input : "";
  int at = cli ? 0 : line;
  what_of(src, cli, what, sizeof what);
  *real = NULL;
  if (!src || !*src)
    return bs_error_set(err, BS_ERR_IMAGE, shown, at, 0, "image with an empty path");
  if (has_scheme(src))
    return bs_error_set(err, BS_ERR_IMAGE, shown, at, 0,
                        "remote image '%s' is not fetched; download it next to the input", src);
  if (cli) {
    joined = bs_xstrdup(src); /* the user named it: any readable file */
  } else {
    if (src[0] == '/')
      return bs_error_set(err, BS_ERR_IMAGE, shown, at, 0,
                          "image '%s' has an absolute path; it must be inside the input's folder",
                          src);
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
  *real = realpath(joined, NULL);
  if (!*real) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0, "cannot read %s: %s", what,
                      strerror(errno));
    goto done;
  }
  if (!cli) {
    /* after links are followed: `..` and symlinks out of the folder are both caught here */
    realdir = realpath(dir, NULL);
    size_t dl = realdir ? strlen(realdir) : 0;
    if (!realdir || strncmp(*real, realdir, dl) != 0 ||
        ((*real)[dl] != '/' && !(dl == 1 && realdir[0] == '/'))) {
      st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0,
                        "image '%s' leaves the input's folder; it is not used", src);
      free(*real);
      *real = NULL;
    }
  }
done:
  free(dir);
  free(joined);
  free(realdir);
  return st;
}

bs_status bs_image_read(const char *real, const char *src, const char *input, int line, bool cli,
                        char **data, size_t *len, const char **type, const char **ext,
                        bs_error *err)
{
  bs_status st = BS_OK;
  char what[BS_ERROR_PATH_MAX + 16];
  const char *shown = cli ? (src ? src : "") : input ? input : "";
  int at = cli ? 0 : line;
  what_of(src, cli, what, sizeof what);
  *data = NULL;
  *len = 0;
  *type = *ext = NULL;
  bs_error rerr;
  bs_error_clear(&rerr);
  if (bs_read_all(real, data, len, &rerr) != BS_OK) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0, "cannot read %s: %s", what, rerr.message);
    goto done;
  }
  if (*len > IMAGE_MAX_BYTES) {
    st = bs_error_set(err, BS_ERR_LIMIT, shown, at, 0, "%s is larger than %d MB", what,
                      IMAGE_MAX_BYTES / (1024 * 1024));
    goto done;
  }
  *type = bs_image_sniff((const unsigned char *)*data, *len, ext);
  if (!*type) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0,
                      "%s is not a PNG, JPEG, GIF, WebP or SVG file", what);
    goto done;
  }
  /* sizes from the header: a reading system and the PDF decode the whole image */
  int w = 0, h = 0;
  if (strcmp(*ext, "svg") && !bs_image_size((const unsigned char *)*data, *len, &w, &h)) {
    st = bs_error_set(err, BS_ERR_IMAGE, shown, at, 0, "%s is not a readable %s file", what,
                      !strcmp(*ext, "png")   ? "PNG"
                      : !strcmp(*ext, "jpg") ? "JPEG"
                      : !strcmp(*ext, "gif") ? "GIF"
                                             : "WebP");
    goto done;
  }
  if (w > BS_IMAGE_MAX_SIDE || h > BS_IMAGE_MAX_SIDE) {
    st = bs_error_set(err, BS_ERR_LIMIT, shown, at, 0,
                      "%s is %d x %d pixels; the limit is %d a side", what, w, h,
                      BS_IMAGE_MAX_SIDE);
    goto done;
  }
  if ((long long)w * h > BS_IMAGE_MAX_PIXELS)
    st = bs_error_set(err, BS_ERR_LIMIT, shown, at, 0,
                      "%s is %d x %d pixels; the limit is %d megapixels", what, w, h,
                      BS_IMAGE_MAX_PIXELS >> 20);
done:
  if (st != BS_OK) {
    free(*data);
    *data = NULL;
    *len = 0;
    *type = *ext = NULL;
  }
  return st;
}

bs_status bs_image_load(const char *src, const char *input, int line, char **data, size_t *len,
                        const char **type, bs_error *err)
{
  char *real = NULL;
  const char *ext;
  *data = NULL;
  *len = 0;
  *type = NULL;
  bs_status st = bs_image_resolve(src, input, line, false, &real, err);
  if (st == BS_OK)
    st = bs_image_read(real, src, input, line, false, data, len, type, &ext, err);
  free(real);
  return st;
}

/* ---- checking an image's data before a writer decodes it ---- */

/* Bytes a PNG's IDAT stream inflates to: a filter byte and the packed samples per row (and per
 * pass row for Adam7). */
static unsigned long long png_raw_size(unsigned long w, unsigned long h, unsigned depth,
                                       unsigned color, unsigned interlace)
{
  unsigned ch = color == 2 ? 3 : color == 4 ? 2 : color == 6 ? 4 : 1;
  unsigned long long bits = (unsigned long long)ch * depth;
  if (!interlace)
    return h * (1 + (w * bits + 7) / 8);
  /* Adam7: pass origin and step, columns then rows */
  static const unsigned x0[7] = {0, 4, 0, 2, 0, 1, 0}, dx[7] = {8, 8, 4, 4, 2, 2, 1};
  static const unsigned y0[7] = {0, 0, 4, 0, 2, 0, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
  unsigned long long total = 0;
  for (int p = 0; p < 7; p++) {
    unsigned long long pw = w > x0[p] ? (w - x0[p] + dx[p] - 1) / dx[p] : 0;
    unsigned long long ph = h > y0[p] ? (h - y0[p] + dy[p] - 1) / dy[p] : 0;
    if (pw && ph)
      total += ph * (1 + (pw * bits + 7) / 8);
  }
  return total;
}

static const char *png_check(const unsigned char *d, size_t n)
{
  if (n < 33 || memcmp(d + 12, "IHDR", 4))
    return "damaged";
  unsigned long long want = png_raw_size(be32(d + 16), be32(d + 20), d[24], d[25], d[28]);
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit(&z) != Z_OK)
    return "damaged";
  /* the samples are inflated into a scratch buffer and counted, never kept: a stream that
   * yields more than the header's size is refused as soon as it does (a 1 MB file can hide a
   * 1 GB stream), one that ends early is truncated */
  unsigned char scratch[16384];
  unsigned long long got = 0;
  const char *why = NULL;
  bool ended = false, iend = false;
  size_t i = 8;
  while (!why && i + 12 <= n) {
    unsigned long len = be32(d + i);
    const unsigned char *type = d + i + 4;
    if (len > n - i - 12) {
      why = "truncated";
      break;
    }
    if (!memcmp(type, "IEND", 4)) {
      iend = true;
      break;
    }
    if (!memcmp(type, "IDAT", 4) && !ended) {
      z.next_in = (unsigned char *)(d + i + 8);
      z.avail_in = (uInt)len;
      while (z.avail_in && !ended) {
        z.next_out = scratch;
        z.avail_out = sizeof scratch;
        int r = inflate(&z, Z_NO_FLUSH);
        got += sizeof scratch - z.avail_out;
        if (got > want) {
          why = "larger when decoded than its header says";
          break;
        }
        if (r == Z_STREAM_END)
          ended = true;
        else if (r != Z_OK && r != Z_BUF_ERROR) {
          why = "damaged";
          break;
        } else if (r == Z_BUF_ERROR && z.avail_out)
          break; /* needs the next IDAT */
      }
    }
    i += 12 + len;
  }
  inflateEnd(&z);
  if (!why && (!ended || got < want || !iend))
    why = "truncated";
  return why;
}

static const char *jpeg_check(const unsigned char *d, size_t n)
{
  /* the PDF carries the JPEG as it is (DCTDecode): a file cut short or a bare header makes a
   * broken image, so it needs its scan (SOS) and, after it, its end marker (EOI) */
  size_t i = 2;
  while (i + 4 <= n) {
    if (d[i] != 0xFF)
      return "damaged";
    unsigned m = d[i + 1];
    if (m == 0xFF || m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
      i += m == 0xFF ? 1 : 2;
      continue;
    }
    if (m == 0xD9)
      return "truncated"; /* an end before any scan */
    size_t seg = be16(d + i + 2);
    if (m == 0xDA) {
      for (size_t k = i + 2 + seg; k + 1 < n; k++)
        if (d[k] == 0xFF && d[k + 1] == 0xD9)
          return NULL;
      return "truncated";
    }
    i += 2 + seg;
  }
  return "truncated";
}

const char *bs_image_check(const unsigned char *d, size_t n, const char *ext)
{
  if (!strcmp(ext, "png"))
    return png_check(d, n);
  if (!strcmp(ext, "jpg"))
    return jpeg_check(d, n);
  return NULL;
}
