/* Declared image sizes (bs_image_size, src/util/image.c): the header of each format, and
 * damaged or truncated headers refused rather than read past their end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/util.h"

static bool size_of(const char *d, size_t n, int *w, int *h)
{
  return bs_image_size((const unsigned char *)d, n, w, h);
}

static void test_png(void **state)
{
  (void)state;
  static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x4e\x20\0\0\0\x03\x08\x06\0\0\0";
  int w, h;
  assert_true(size_of(png, sizeof png - 1, &w, &h));
  assert_int_equal(w, 20000);
  assert_int_equal(h, 3);
  for (size_t n = 8; n < 24; n++) /* every truncation of the IHDR */
    assert_false(size_of(png, n, &w, &h));
  char bad[sizeof png];
  memcpy(bad, png, sizeof png);
  memcpy(bad + 12, "IDAT", 4);
  assert_false(size_of(bad, sizeof png - 1, &w, &h));
  memset(bad + 16, 0, 4); /* zero width */
  memcpy(bad + 12, "IHDR", 4);
  assert_false(size_of(bad, sizeof png - 1, &w, &h));
}

static void test_jpeg(void **state)
{
  (void)state;
  /* SOI, an APP0 segment to skip, fill bytes, then SOF2 (progressive) 480x640 */
  static const char jpg[] = "\xFF\xD8\xFF\xE0\0\x06JFIF\xFF\xFF\xFF\xC2\0\x11\x08\x01\xE0\x02\x80"
                            "\x03\x01\x22\0\x02\x11\x01\x03\x11\x01";
  int w, h;
  assert_true(size_of(jpg, sizeof jpg - 1, &w, &h));
  assert_int_equal(w, 640);
  assert_int_equal(h, 480);
  for (size_t n = 3; n < 20; n++)
    assert_false(size_of(jpg, n, &w, &h));
  /* DHT (C4) is not a frame; start of scan before a frame: damaged */
  static const char dht[] = "\xFF\xD8\xFF\xC4\0\x04\0\0\xFF\xDA\0\x02";
  assert_false(size_of(dht, sizeof dht - 1, &w, &h));
  /* a segment length that points past the end */
  static const char longseg[] = "\xFF\xD8\xFF\xE1\xFF\xFF\0\0";
  assert_false(size_of(longseg, sizeof longseg - 1, &w, &h));
}

static void test_gif_webp(void **state)
{
  (void)state;
  int w, h;
  assert_true(size_of("GIF89a\x2c\x01\xc8\x00", 10, &w, &h));
  assert_int_equal(w, 300);
  assert_int_equal(h, 200);
  assert_false(size_of("GIF89a\x2c\x01\xc8", 9, &w, &h));
  /* lossy: 14-bit sizes after the key frame's start code */
  static const char vp8[] = "RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0\0\0\x9d\x01\x2a\x40\x01\xf0\x00";
  assert_true(size_of(vp8, sizeof vp8 - 1, &w, &h));
  assert_int_equal(w, 320);
  assert_int_equal(h, 240);
  /* lossless: 14-bit width-1 and height-1 packed after the 0x2f signature */
  static const char vp8l[] = "RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f\x3f\xc0\x3b\x00";
  assert_true(size_of(vp8l, sizeof vp8l - 1, &w, &h));
  assert_int_equal(w, 64);
  assert_int_equal(h, 240);
  /* extended: 24-bit canvas width-1 and height-1 */
  static const char vp8x[] = "RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0\x1f\x4e\0\x1f\x4e\0";
  assert_true(size_of(vp8x, sizeof vp8x - 1, &w, &h));
  assert_int_equal(w, 20000);
  assert_int_equal(h, 20000);
  assert_false(size_of(vp8x, 29, &w, &h));
  assert_false(size_of("RIFF\0\0\0\0WEBPXXXX", 16, &w, &h));
  assert_false(size_of("<svg/>", 6, &w, &h)); /* no pixel size */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_png),
      cmocka_unit_test(test_jpeg),
      cmocka_unit_test(test_gif_webp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
