/* bench-floor: the least work any CJK typesetter must do on a corpus, for `make bench`.
 *
 * It reads the text the bench extracted from the corpus (one paragraph per line, each line
 * "LANG<TAB>TEXT") and does only two things to it:
 *   - shapes every paragraph with HarfBuzz, in the same Noto Serif CJK faces bisheng uses,
 *     left-to-right (horizontal) or top-to-bottom (vertical, so `vert`/`vrt2` apply);
 *   - deflates the same bytes with zlib at the default level.
 * Nothing is broken into lines, positioned, drawn or written. The bench times this program as a
 * whole process, like bisheng, so process start, fontconfig and font loading count on both
 * sides, and prints bisheng's time divided by this one.
 *
 * Usage: bench-floor MODE TEXTFILE
 *   MODE: h (shape horizontally + deflate), v (shape vertically + deflate),
 *         z (deflate only: the EPUB floor), hv (both directions + deflate)
 * Prints one line: glyphs shaped, bytes in, bytes deflated. Exit 0, or 1 on failure. */
#include <fontconfig/fontconfig.h>
#include <hb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* One face per language, as bisheng chooses its serif CJK family by language. */
static const struct {
  const char *prefix, *family;
} families[] = {
    {"ja", "Noto Serif CJK JP"},    {"zh-Hant", "Noto Serif CJK TC"},
    {"zh-TW", "Noto Serif CJK TC"}, {"zh-HK", "Noto Serif CJK HK"},
    {"ko", "Noto Serif CJK KR"},    {"", "Noto Serif CJK SC"},
};
enum { NFAMILIES = sizeof families / sizeof families[0] };

static hb_font_t *fonts[NFAMILIES];

static hb_font_t *load_font(const char *family)
{
  FcPattern *pat = FcNameParse((const FcChar8 *)family);
  FcResult res;
  FcChar8 *file = NULL;
  int index = 0;
  hb_font_t *font = NULL;
  if (!pat)
    return NULL;
  FcConfigSubstitute(NULL, pat, FcMatchPattern);
  FcDefaultSubstitute(pat);
  FcPattern *match = FcFontMatch(NULL, pat, &res);
  if (match && FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch) {
    FcPatternGetInteger(match, FC_INDEX, 0, &index);
    hb_blob_t *blob = hb_blob_create_from_file((const char *)file);
    hb_face_t *face = hb_face_create(blob, (unsigned)index);
    font = hb_font_create(face);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
  }
  if (match)
    FcPatternDestroy(match);
  FcPatternDestroy(pat);
  return font;
}

static hb_font_t *font_for(const char *lang)
{
  for (int i = 0; i < NFAMILIES; i++)
    if (!strncmp(lang, families[i].prefix, strlen(families[i].prefix))) {
      if (!fonts[i])
        fonts[i] = load_font(families[i].family);
      return fonts[i];
    }
  return NULL;
}

static char *read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t cap = 0, n = 0;
  if (!f)
    return NULL;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 1 << 20;
      char *nb = realloc(buf, cap + 1);
      if (!nb) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    if (!got)
      break;
    n += got;
  }
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* Shapes every line in one direction; returns the glyph count, or -1 when a font is missing. */
static long long shape_all(char *text, size_t len, hb_direction_t dir)
{
  long long glyphs = 0;
  hb_buffer_t *buf = hb_buffer_create();
  char *p = text, *end = text + len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *line_end = nl ? nl : end;
    char *tab = memchr(p, '\t', (size_t)(line_end - p));
    if (tab) {
      char lang[32];
      size_t ll = (size_t)(tab - p) < sizeof lang - 1 ? (size_t)(tab - p) : sizeof lang - 1;
      memcpy(lang, p, ll);
      lang[ll] = '\0';
      hb_font_t *font = font_for(lang);
      if (!font) {
        hb_buffer_destroy(buf);
        return -1;
      }
      hb_buffer_clear_contents(buf);
      hb_buffer_add_utf8(buf, tab + 1, (int)(line_end - tab - 1), 0, -1);
      hb_buffer_guess_segment_properties(buf);
      hb_buffer_set_direction(buf, dir);
      hb_buffer_set_language(buf, hb_language_from_string(lang, -1));
      hb_shape(font, buf, NULL, 0);
      glyphs += hb_buffer_get_length(buf);
    }
    p = line_end + 1;
  }
  hb_buffer_destroy(buf);
  return glyphs;
}

static long long deflate_all(const char *text, size_t len)
{
  z_stream zs;
  unsigned char out[1 << 16];
  long long total = 0;
  memset(&zs, 0, sizeof zs);
  if (deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK)
    return -1;
  zs.next_in = (unsigned char *)text;
  zs.avail_in = (uInt)len;
  int rc;
  do {
    zs.next_out = out;
    zs.avail_out = sizeof out;
    rc = deflate(&zs, Z_FINISH);
    total += (long long)(sizeof out - zs.avail_out);
  } while (rc == Z_OK);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? total : -1;
}

int main(int argc, char **argv)
{
  size_t len = 0;
  long long glyphs = 0, deflated;
  int status = 1;
  if (argc != 3 || (strcmp(argv[1], "h") && strcmp(argv[1], "v") && strcmp(argv[1], "z") &&
                    strcmp(argv[1], "hv"))) {
    fprintf(stderr, "usage: bench-floor h|v|z|hv TEXTFILE\n");
    return 2;
  }
  char *text = read_file(argv[2], &len);
  if (!text) {
    perror(argv[2]);
    return 1;
  }
  if (strchr(argv[1], 'h')) {
    long long g = shape_all(text, len, HB_DIRECTION_LTR);
    if (g < 0) {
      fprintf(stderr, "bench-floor: no Noto Serif CJK font (fonts-noto-cjk)\n");
      goto done;
    }
    glyphs += g;
  }
  if (strchr(argv[1], 'v')) {
    long long g = shape_all(text, len, HB_DIRECTION_TTB);
    if (g < 0) {
      fprintf(stderr, "bench-floor: no Noto Serif CJK font (fonts-noto-cjk)\n");
      goto done;
    }
    glyphs += g;
  }
  deflated = deflate_all(text, len);
  if (deflated < 0) {
    fprintf(stderr, "bench-floor: deflate failed\n");
    goto done;
  }
  printf("glyphs %lld bytes %zu deflated %lld\n", glyphs, len, deflated);
  status = 0;
done:
  for (int i = 0; i < NFAMILIES; i++)
    hb_font_destroy(fonts[i]);
  free(text);
  return status;
}
