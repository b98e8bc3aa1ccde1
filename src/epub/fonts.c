/* --embed-fonts: the Noto Serif CJK face of each language used (found with fontconfig, §8),
 * subset with HarfBuzz to the characters the book uses, packed as OpenType and declared with
 * @font-face under the family name our stylesheets already ask for; then the other faces of
 * the stylesheets' fallback stack (Latin, Greek, Cyrillic, Arabic, Hebrew, Thai, Devanagari,
 * rare Han) with the characters of the book each of them is the first in the stack to cover
 * (#13). Noto Color Emoji is never embedded: see README. */
#include <string.h>
#include <strings.h>

#include <fontconfig/fontconfig.h>
#include <hb-subset.h>
#include <hb.h>
#include <unicode/uchar.h>

#include "epub-impl.h"

/* By language (§9: TC, SC, JP, KR, HK) and variant: the Regular Serif for the text, the Bold
 * Serif for strong, em in CJK, th and the title page's author, the Bold Sans for the headings
 * base.css sets in Sans (h1-h4 in Chinese and Japanese). Three per language, in that order. */
static const struct {
  const char *family, *file, *tag;
  int weight; /* FC_WEIGHT_* */
} faces[BS_EPUB_FACES] = {
    {"Noto Serif CJK TC", "fonts/NotoSerifCJKtc-subset.otf", "tc", FC_WEIGHT_REGULAR},
    {"Noto Serif CJK TC", "fonts/NotoSerifCJKtc-Bold-subset.otf", "tc-bold", FC_WEIGHT_BOLD},
    {"Noto Sans CJK TC", "fonts/NotoSansCJKtc-Bold-subset.otf", "tc-sans-bold", FC_WEIGHT_BOLD},
    {"Noto Serif CJK SC", "fonts/NotoSerifCJKsc-subset.otf", "sc", FC_WEIGHT_REGULAR},
    {"Noto Serif CJK SC", "fonts/NotoSerifCJKsc-Bold-subset.otf", "sc-bold", FC_WEIGHT_BOLD},
    {"Noto Sans CJK SC", "fonts/NotoSansCJKsc-Bold-subset.otf", "sc-sans-bold", FC_WEIGHT_BOLD},
    {"Noto Serif CJK JP", "fonts/NotoSerifCJKjp-subset.otf", "jp", FC_WEIGHT_REGULAR},
    {"Noto Serif CJK JP", "fonts/NotoSerifCJKjp-Bold-subset.otf", "jp-bold", FC_WEIGHT_BOLD},
    {"Noto Sans CJK JP", "fonts/NotoSansCJKjp-Bold-subset.otf", "jp-sans-bold", FC_WEIGHT_BOLD},
    {"Noto Serif CJK KR", "fonts/NotoSerifCJKkr-subset.otf", "kr", FC_WEIGHT_REGULAR},
    {"Noto Serif CJK KR", "fonts/NotoSerifCJKkr-Bold-subset.otf", "kr-bold", FC_WEIGHT_BOLD},
    {"Noto Sans CJK KR", "fonts/NotoSansCJKkr-Bold-subset.otf", "kr-sans-bold", FC_WEIGHT_BOLD},
    {"Noto Serif CJK HK", "fonts/NotoSerifCJKhk-subset.otf", "hk", FC_WEIGHT_REGULAR},
    {"Noto Serif CJK HK", "fonts/NotoSerifCJKhk-Bold-subset.otf", "hk-bold", FC_WEIGHT_BOLD},
    {"Noto Sans CJK HK", "fonts/NotoSansCJKhk-Bold-subset.otf", "hk-sans-bold", FC_WEIGHT_BOLD},
};

static bool prefix(const char *lang, const char *p)
{
  size_t n = strlen(p);
  return !strncasecmp(lang, p, n) && (lang[n] == '\0' || lang[n] == '-');
}

/* §9's table: region decides the face; plain zh is this project's default, zh-Hant. */
static int face_of(const char *lang)
{
  if (!lang)
    return -1;
  if (prefix(lang, "zh-HK") || prefix(lang, "zh-Hant-HK") || prefix(lang, "zh-MO") ||
      prefix(lang, "zh-Hant-MO"))
    return 4;
  if (prefix(lang, "zh-Hans") || prefix(lang, "zh-CN") || prefix(lang, "zh-SG"))
    return 1;
  if (prefix(lang, "zh"))
    return 0;
  if (prefix(lang, "ja"))
    return 2;
  if (prefix(lang, "ko"))
    return 3;
  return -1;
}

/* The non-CJK faces of base.css's stacks, in their order there (Noto Color Emoji left out). A
 * character goes to the first of them that covers it. Latin, Greek and Cyrillic are set in
 * Noto Serif in text of their own languages, so they go to it even when a CJK face covers
 * them; the Han faces (HanaMin, for Extension B and beyond) come after the CJK faces in every
 * stack that has them, so they take only what no embedded CJK face covers. */
static const struct {
  const char *family;
  bool han;
} stack[] = {
    {"Noto Serif", false},       {"Noto Naskh Arabic", false},     {"Noto Serif Hebrew", false},
    {"Noto Serif Thai", false},  {"Noto Serif Devanagari", false}, {"Noto Sans", false},
    {"HanaMinA", true},          {"HanaMinB", true},
};

static void add_text(hb_set_t *s, const char *data, size_t len)
{
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = bs_utf8_decode(data + i, len - i, &cp);
    if (!n) {
      i++;
      continue;
    }
    if (cp > 0x20)
      hb_set_add(s, cp);
    i += n;
  }
}

void bs_epub_fonts_note_variant(bs_epub *e, const char *lang, bs_epub_variant v,
                                const char *data, size_t len)
{
  int bold = v != BS_EPUB_SERIF;
  if (!e->all[bold])
    e->all[bold] = hb_set_create();
  add_text(e->all[bold], data, len);
  int f = face_of(lang);
  if (f < 0)
    return;
  f = f * 3 + (int)v;
  if (!e->cps[f]) {
    hb_set_t *s = hb_set_create();
    hb_set_add_range(s, 0x20, 0x7E); /* Latin in the CJK face keeps one look */
    e->cps[f] = s;
  }
  hb_set_t *s = e->cps[f];
  for (size_t i = 0; i < len;) {
    unsigned char c = (unsigned char)data[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t n = bs_utf8_decode(data + i, len - i, &cp);
    if (!n) {
      i++;
      continue;
    }
    hb_set_add(s, cp);
    i += n;
  }
}

void bs_epub_fonts_note(bs_epub *e, const char *lang, const char *data, size_t len)
{
  bs_epub_fonts_note_variant(e, lang, BS_EPUB_SERIF, data, len);
}

/* The file and face index of `family` at `weight` (a regular weight from Book to Medium, or a
 * bold one: HanaMin is Medium), or NULL when fontconfig only offers a substitute (finding 3
 * in §0: a wrong match is worse than none). */
static char *find_face(FcConfig *cfg, const char *family, int weight, int *index)
{
  char *path = NULL;
  FcPattern *pat = FcPatternCreate();
  FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
  FcPatternAddInteger(pat, FC_WEIGHT, weight);
  FcConfigSubstitute(cfg, pat, FcMatchPattern);
  FcDefaultSubstitute(pat);
  FcResult r;
  FcPattern *m = FcFontMatch(cfg, pat, &r);
  FcChar8 *file = NULL, *fam = NULL;
  int got = -1;
  if (m && FcPatternGetString(m, FC_FAMILY, 0, &fam) == FcResultMatch &&
      !strcmp((const char *)fam, family) &&
      FcPatternGetInteger(m, FC_WEIGHT, 0, &got) == FcResultMatch &&
      (weight >= FC_WEIGHT_DEMIBOLD ? got >= FC_WEIGHT_DEMIBOLD
                                    : got >= FC_WEIGHT_BOOK && got <= FC_WEIGHT_MEDIUM) &&
      FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch &&
      FcPatternGetInteger(m, FC_INDEX, 0, index) == FcResultMatch)
    path = bs_xstrdup((const char *)file);
  if (m)
    FcPatternDestroy(m);
  FcPatternDestroy(pat);
  return path;
}

/* The subset of `face` to the code points `cps`, as a malloc'd font file, or NULL. */
static char *subset_face(hb_face_t *face, hb_set_t *cps, size_t *len)
{
  char *out = NULL;
  hb_subset_input_t *in = hb_subset_input_create_or_fail();
  hb_face_t *sub = NULL;
  if (in) {
    hb_set_union(hb_subset_input_unicode_set(in), cps);
    /* vertical forms (vert, vrt2) and vertical metrics stay: they are in the defaults */
    sub = hb_subset_or_fail(face, in);
    hb_subset_input_destroy(in);
  }
  if (sub) {
    hb_blob_t *b = hb_face_reference_blob(sub);
    unsigned n = 0;
    const char *d = hb_blob_get_data(b, &n);
    if (d && n) {
      out = bs_xmalloc(n);
      memcpy(out, d, n);
      *len = n;
    }
    hb_blob_destroy(b);
    hb_face_destroy(sub);
  }
  return out;
}

static hb_face_t *open_face(const char *path, int index)
{
  hb_blob_t *blob = hb_blob_create_from_file_or_fail(path);
  if (!blob)
    return NULL;
  hb_face_t *face = hb_face_create(blob, (unsigned)index);
  hb_blob_destroy(blob);
  return face;
}

static void font_face_css(bs_buf *css, const char *family, bool bold, const char *file,
                          bool ttf)
{
  bs_buf_printf(css,
                "@font-face {\n  font-family: \"%s\";\n  font-style: normal;\n"
                "  font-weight: %s;\n  src: url(\"../%s\") format(\"%s\");\n}\n",
                family, bold ? "bold" : "normal", file, ttf ? "truetype" : "opentype");
}

/* The faces of `stack` with the characters of `want` (regular or bold text) they are the
 * first to cover; the Han faces less those in `taken` (the embedded CJK faces' coverage). */
static void pack_stack(bs_epub *e, FcConfig *cfg, bs_buf *css, const hb_set_t *want, bool bold,
                       const hb_set_t *taken)
{
  hb_set_t *left = hb_set_copy(want), *cov = hb_set_create();
  /* emoji shown as emoji by default are left to the reading system's colour font: a face of
   * the stack covering them (HanaMin has 😀) would hide it */
  for (hb_codepoint_t cp = HB_SET_VALUE_INVALID; hb_set_next(want, &cp);)
    if (u_hasBinaryProperty((UChar32)cp, UCHAR_EMOJI_PRESENTATION) ||
        u_hasBinaryProperty((UChar32)cp, UCHAR_EMOJI_MODIFIER) ||
        u_hasBinaryProperty((UChar32)cp, UCHAR_REGIONAL_INDICATOR) || cp == 0x20E3)
      hb_set_del(left, cp);
  for (size_t i = 0; i < sizeof stack / sizeof stack[0] && !hb_set_is_empty(left); i++) {
    int index = 0;
    char *path =
        find_face(cfg, stack[i].family, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR, &index);
    hb_face_t *face = path ? open_face(path, index) : NULL;
    free(path);
    if (!face)
      continue; /* not installed (or no bold): the reading system's fallback takes over */
    hb_set_clear(cov);
    hb_face_collect_unicodes(face, cov);
    hb_set_intersect(cov, left);
    if (stack[i].han)
      hb_set_subtract(cov, taken);
    size_t len = 0;
    char *data = hb_set_is_empty(cov) ? NULL : subset_face(face, cov, &len);
    if (data) {
      hb_set_subtract(left, cov);
      bool ttf = false;
      hb_blob_t *glyf = hb_face_reference_table(face, HB_TAG('g', 'l', 'y', 'f'));
      ttf = hb_blob_get_length(glyf) > 0;
      hb_blob_destroy(glyf);
      char file[96], id[96];
      size_t k = 0;
      char slug[64];
      for (const char *c = stack[i].family; *c && k + 1 < sizeof slug; c++)
        if (*c != ' ')
          slug[k++] = *c;
      slug[k] = '\0';
      snprintf(file, sizeof file, "fonts/%s%s-subset.%s", slug, bold ? "-Bold" : "",
               ttf ? "ttf" : "otf");
      snprintf(id, sizeof id, "font-%s%s", slug, bold ? "-bold" : "");
      bs_epub_add_entry(e, file, id, ttf ? "font/ttf" : "font/otf", data, len, false, true);
      free(data);
      font_face_css(css, stack[i].family, bold, file, ttf);
    }
    hb_face_destroy(face);
  }
  hb_set_destroy(cov);
  hb_set_destroy(left);
}

void bs_epub_fonts_pack(bs_epub *e)
{
  bs_buf css = BS_BUF_INIT;
  bs_buf_puts(&css, "@charset \"UTF-8\";\n"
                    "/* Subsets of the fonts this book uses (bisheng --embed-fonts). */\n");
  /* our own configuration, released at the end, leaves fontconfig's global one alone */
  FcConfig *cfg = FcInitLoadConfigAndFonts();
  hb_set_t *taken[2] = {hb_set_create(), hb_set_create()}; /* covered by a CJK face embedded */
  for (int f = 0; f < BS_EPUB_FACES; f++) {
    if (!e->cps[f])
      continue;
    int index = 0;
    char *path = cfg ? find_face(cfg, faces[f].family, faces[f].weight, &index) : NULL;
    hb_face_t *face = path ? open_face(path, index) : NULL;
    size_t len = 0;
    char *data = face ? subset_face(face, e->cps[f], &len) : NULL;
    if (data) {
      hb_set_t *cov = hb_set_create();
      hb_face_collect_unicodes(face, cov);
      hb_set_union(taken[faces[f].weight == FC_WEIGHT_BOLD], cov);
      hb_set_destroy(cov);
    }
    hb_face_destroy(face);
    if (!data) {
      bs_epub_warn(e, BS_ERR_FONT, NULL, 0, "%s%s: %s; the font is not embedded",
                   faces[f].family, faces[f].weight == FC_WEIGHT_BOLD ? " Bold" : "",
                   path ? "subsetting failed" : "not installed");
      free(path);
      continue;
    }
    free(path);
    char id[32];
    snprintf(id, sizeof id, "font-%s", faces[f].tag);
    bs_epub_add_entry(e, faces[f].file, id, "font/otf", data, len, false, true);
    free(data);
    font_face_css(&css, faces[f].family, faces[f].weight == FC_WEIGHT_BOLD, faces[f].file, false);
  }
  for (int bold = 0; bold < 2 && cfg; bold++)
    if (e->all[bold])
      pack_stack(e, cfg, &css, e->all[bold], bold, taken[bold]);
  hb_set_destroy(taken[0]);
  hb_set_destroy(taken[1]);
  if (cfg)
    FcConfigDestroy(cfg);
  bs_epub_add_entry(e, "css/fonts.css", "css-fonts", "text/css", css.data, css.len, false, true);
  bs_buf_free(&css);
}

void bs_epub_fonts_free(bs_epub *e)
{
  for (int f = 0; f < BS_EPUB_FACES; f++)
    if (e->cps[f])
      hb_set_destroy(e->cps[f]);
  for (int i = 0; i < 2; i++)
    if (e->all[i])
      hb_set_destroy(e->all[i]);
}
