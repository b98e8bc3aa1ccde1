/* The module's side (typesetter.h): linked into bisheng-typeset.so, not into the program. */
#include <stdarg.h>
#include <stdio.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb.h>

#include "../typeset/typeset-impl.h"
#include "typesetter.h"

static const bs_typesetter_host *host;

/* fonts.c's two calls into the EPUB writer, which is the program's */
size_t bs_epub_add_entry(bs_epub *e, const char *href, const char *id, const char *media_type,
                         const char *data, size_t len, bool spine, bool compress)
{
  return host->epub_add_entry(e, href, id, media_type, data, len, spine, compress);
}

void bs_epub_warn(bs_epub *e, bs_status code, const char *path, int line, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  host->epub_warn(e, code, path, line, "%s", msg);
}

static void versions(char *buf, size_t size)
{
  int fc = FcGetVersion();
  FT_Library ft;
  FT_Int v[3] = {0, 0, 0};
  if (FT_Init_FreeType(&ft) == 0) {
    FT_Library_Version(ft, &v[0], &v[1], &v[2]);
    FT_Done_FreeType(ft);
  }
  snprintf(buf, size, "cairo %s, harfbuzz %s, fontconfig %d.%d.%d, freetype %d.%d.%d",
           cairo_version_string(), hb_version_string(), fc / 10000, fc / 100 % 100, fc % 100,
           v[0], v[1], v[2]);
}

static const bs_typesetter table = {
    BS_TYPESETTER_ABI,     BS_VERSION_STRING,          bs_pdf_write,
    bs_pdf_write_chapters, bs_layout_dump,             bs_epub_fonts_note,
    bs_epub_fonts_note_variant, bs_epub_fonts_pack,    bs_epub_fonts_free,
    bs_remove_temporaries, versions,
};

__attribute__((visibility("default"))) const bs_typesetter *
bisheng_typesetter_open(const bs_typesetter_host *h);
const bs_typesetter *bisheng_typesetter_open(const bs_typesetter_host *h)
{
  host = h;
  bs_ts_set_cores_fn(h->cores_now);
  return &table;
}
