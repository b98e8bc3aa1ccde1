/* Declared image dimensions, read from the header bytes only (no decoding), so that writers
 * can refuse a damaged image or one too large to display before they pack or draw it. */
#include <string.h>

#include "util.h"

static uint32_t be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const unsigned char *p) { return be16(p) << 16 | be16(p + 2); }
static uint32_t le16(const unsigned char *p) { return (uint32_t)p[1] << 8 | p[0]; }
static uint32_t le24(const unsigned char *p) { return le16(p) | (uint32_t)p[2] << 16; }

/* JPEG: the first start-of-frame marker (SOF0..SOF15 but DHT, JPG and DAC) after SOI. */
static bool jpeg_size(const unsigned char *d, size_t n, uint32_t *w, uint32_t *h)
{
  size_t i = 2;
  while (i + 4 <= n) {
    if (d[i] != 0xFF)
      return false;
    unsigned m = d[i + 1];
    if (m == 0xFF) { /* fill byte */
      i++;
      continue;
    }
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
      i += 2;
      continue;
    }
    if (m == 0xD9 || m == 0xDA) /* end of image or start of scan before any frame */
      return false;
    size_t len = be16(d + i + 2);
    if (len < 2)
      return false;
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      if (i + 9 > n || len < 7)
        return false;
      *h = be16(d + i + 5);
      *w = be16(d + i + 7);
      return true;
    }
    i += 2 + len;
  }
  return false;
}

bool bs_image_size(const unsigned char *d, size_t n, uint32_t *w, uint32_t *h)
{
  *w = *h = 0;
  if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8)) {
    if (n < 24 || memcmp(d + 12, "IHDR", 4))
      return false;
    *w = be32(d + 16);
    *h = be32(d + 20);
  } else if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
    if (!jpeg_size(d, n, w, h))
      return false;
  } else if (n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6))) {
    if (n < 10)
      return false;
    *w = le16(d + 6);
    *h = le16(d + 8);
  } else if (n >= 16 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4)) {
    if (!memcmp(d + 12, "VP8 ", 4) && n >= 30) {
      *w = le16(d + 26) & 0x3FFF;
      *h = le16(d + 28) & 0x3FFF;
    } else if (!memcmp(d + 12, "VP8L", 4) && n >= 25) {
      const unsigned char *b = d + 21;
      *w = 1 + (b[0] | (uint32_t)(b[1] & 0x3F) << 8);
      *h = 1 + (b[1] >> 6 | (uint32_t)b[2] << 2 | (uint32_t)(b[3] & 0x0F) << 10);
    } else if (!memcmp(d + 12, "VP8X", 4) && n >= 30) {
      *w = 1 + le24(d + 24);
      *h = 1 + le24(d + 27);
    } else {
      return false;
    }
  } else {
    return false;
  }
  return *w > 0 && *h > 0;
}
