/* Fonts: the Noto CJK face for the book's region, found through a private fontconfig
 * configuration (fonts/fonts.conf) so results do not depend on the user's settings (§8.4),
 * and the fallback faces Pango picks through the same configuration (itemize.c). */
#include <fontconfig/fontconfig.h>
#include <cairo-ft.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ot.h>
#include <hb-subset.h>
#include <pthread.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

/* fonts/fonts.conf, built into the binary (used when no fonts folder is given), so the
 * installed tool needs no data files. */
__asm__(".section .rodata\n"
        ".balign 16\n"
        "builtin_conf:\n"
        ".incbin \"fonts/fonts.conf\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char builtin_conf[];

static const char *region_suffix[] = {"TC", "HK", "SC", "JP", "KR"};
/* fontconfig knows only the legacy region tags (§0.3). */
static const char *region_fclang[] = {"zh-tw", "zh-hk", "zh-cn", "ja", "ko"};

bs_status bs_ts_fonts_new(const bs_typeset_options *opts, bs_ts_fonts **out, bs_error *err)
{
  *out = NULL;
  FcConfig *cfg = FcConfigCreate();
  FcBool ok;
  if (opts->fonts_dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/fonts.conf", opts->fonts_dir);
    ok = FcConfigParseAndLoad(cfg, (const FcChar8 *)path, FcTrue);
  } else {
    ok = FcConfigParseAndLoadFromMemory(cfg, (const FcChar8 *)builtin_conf, FcTrue);
  }
  if (!ok || !FcConfigBuildFonts(cfg)) {
    FcConfigDestroy(cfg);
    return bs_error_set(err, BS_ERR_FONT, NULL, 0, 0, "cannot load the font configuration");
  }
  /* the process's current configuration becomes ours: Pango initialises fontconfig once per
   * process (FcInit in a thread of its own, which the first itemization waits for), and with
   * a current configuration set that is free instead of loading every system font (#13) */
  FcConfigSetCurrent(cfg);
  bs_ts_fonts *fs = bs_xcalloc(1, sizeof *fs);
  pthread_mutex_t *mu = bs_xmalloc(sizeof *mu);
  pthread_mutex_init(mu, NULL);
  fs->mu = mu;
  pthread_cond_t *made = bs_xmalloc(sizeof *made);
  pthread_cond_init(made, NULL);
  fs->made = made;
  fs->fc = cfg;
  *out = fs;
  return BS_OK;
}

void bs_ts_fonts_free(bs_ts_fonts *fs)
{
  if (!fs)
    return;
  for (int i = 0; i < fs->nfaces; i++) {
    bs_ts_face *f = &fs->faces[i];
    free(f->family);
    free(f->file);
    free(f->warn);
    hb_font_destroy(f->hb);
    cairo_font_face_destroy(f->cr);
    cairo_font_face_destroy(f->sub);
    if (f->sub_gids)
      hb_set_destroy(f->sub_gids);
    hb_map_destroy(f->sub_map);
    if (f->pre_gids)
      hb_set_destroy(f->pre_gids);
    hb_blob_destroy(f->pre_file);
    hb_map_destroy(f->pre_map);
    for (size_t k = 0; k < f->npngs; k++)
      cairo_surface_destroy(f->pngs[k].img);
    free(f->pngs);
  }
  for (int i = 0; i < fs->nblobs; i++) {
    hb_blob_destroy(fs->blobs[i]);
    free(fs->blob_files[i]);
  }
  if (fs->fc)
    FcConfigDestroy(fs->fc);
  if (fs->sys)
    FcConfigDestroy(fs->sys);
  pthread_mutex_destroy(fs->mu);
  free(fs->mu);
  pthread_cond_destroy(fs->made);
  free(fs->made);
  free(fs);
}

/* A font file mapped read-only by us (not hb_blob_create_from_file, which may fall back to
 * reading into the heap), so release_pages() may drop its pages. */
typedef struct mapping {
  void *addr;
  size_t len;
} mapping;

static void unmap(void *p)
{
  mapping *m = p;
  munmap(m->addr, m->len);
  free(m);
}

static hb_blob_t *map_file(const char *file)
{
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  struct stat st;
  void *addr = MAP_FAILED;
  if (!fstat(fd, &st) && st.st_size > 0 && (unsigned long long)st.st_size < 1u << 30)
    addr = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (addr == MAP_FAILED)
    return NULL;
  mapping *m = bs_xmalloc(sizeof *m);
  m->addr = addr;
  m->len = (size_t)st.st_size;
  return hb_blob_create(addr, (unsigned)m->len, HB_MEMORY_MODE_READONLY, m, unmap);
}

static hb_blob_t *blob_for(bs_ts_fonts *c, const char *file)
{
  for (int i = 0; i < c->nblobs; i++)
    if (!strcmp(c->blob_files[i], file))
      return c->blobs[i];
  if (c->nblobs == (int)(sizeof c->blobs / sizeof c->blobs[0]))
    return NULL;
  hb_blob_t *b = map_file(file);
  if (!b || hb_blob_get_length(b) == 0) {
    hb_blob_destroy(b);
    return NULL;
  }
  c->blobs[c->nblobs] = b;
  c->blob_files[c->nblobs++] = bs_xstrdup(file);
  return b;
}

static bs_ts_face *face_get(bs_ts_ctx *c, bool bold, bool mono, bool sans, bs_error *err);

bs_ts_face *bs_ts_face_get(bs_ts_ctx *c, bool bold, bool mono, bs_error *err)
{
  return face_get(c, bold, mono, false, err);
}

bs_ts_face *bs_ts_face_for_style(bs_ts_ctx *c, unsigned style, bs_error *err)
{
  bool mono = style & BS_ST_CODE;
  return face_get(c, (style & BS_ST_BOLD) != 0, mono, !mono && (style & BS_ST_HEI), err);
}

static bs_ts_face *face_load(bs_ts_ctx *c, bool bold, bool mono, bool sans, bs_error *err);

/* Faces are shared by the threads of parallel layout: looked up and loaded under the lock.
 * A face found by fallback warns once per context that uses it (a worker's chapter logs it;
 * the drawing thread gives it once per book, in chapter order: bs_ts_diag). */
static bs_ts_face *face_get(bs_ts_ctx *c, bool bold, bool mono, bool sans, bs_error *err)
{
  bs_ts_fonts *fs = c->bk->fonts;
  pthread_mutex_lock(fs->mu);
  bs_ts_face *f = NULL;
  for (int i = 0; i < fs->nfaces && !f; i++)
    if (fs->faces[i].bold == bold && fs->faces[i].mono == mono && fs->faces[i].sans == sans &&
        fs->faces[i].region == c->region)
      f = &fs->faces[i];
  if (!f)
    f = face_load(c, bold, mono, sans, err);
  pthread_mutex_unlock(fs->mu);
  if (f && f->warn) {
    int k = (int)(f - fs->faces);
    if (!(c->face_seen[k / 64] & (1ull << (k % 64)))) {
      c->face_seen[k / 64] |= 1ull << (k % 64);
      bs_error w;
      bs_error_clear(&w);
      w.code = BS_ERR_FONT;
      snprintf(w.message, sizeof w.message, "%s", f->warn);
      bs_ts_diag(c, &w, k + 1);
    }
  }
  return f;
}

static bs_ts_face *face_load(bs_ts_ctx *c, bool bold, bool mono, bool sans, bs_error *err)
{
  bs_ts_fonts *fs = c->bk->fonts;
  if (fs->nfaces == BS_TS_MAX_FACES) {
    bs_error_set(err, BS_ERR_LIMIT, NULL, 0, 0, "too many fonts");
    return NULL;
  }
  char family[256];
  const char *user = c->bk->opts->font_family;
  char fallback[BS_ERROR_MESSAGE_MAX] = ""; /* the warning for a missing --font */
retry:
  if (user && !mono && !sans)
    snprintf(family, sizeof family, "%s", user);
  else
    snprintf(family, sizeof family, "Noto %s CJK %s",
             mono ? "Sans Mono" : sans ? "Sans" : "Serif", region_suffix[c->region]);
  /* A user family may be anywhere on the system: look it up with the system configuration
   * (loaded on first use: the current one is ours). */
  if (user && !mono && !sans && !fs->sys)
    fs->sys = FcInitLoadConfigAndFonts();
  FcConfig *cfg = user && !mono && !sans ? (FcConfig *)fs->sys : (FcConfig *)fs->fc;
  FcPattern *pat = FcPatternCreate();
  FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
  FcPatternAddString(pat, FC_LANG, (const FcChar8 *)region_fclang[c->region]);
  FcPatternAddInteger(pat, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
  FcConfigSubstitute(cfg, pat, FcMatchPattern);
  FcDefaultSubstitute(pat);
  FcResult res;
  FcPattern *m = FcFontMatch(cfg, pat, &res);
  FcPatternDestroy(pat);
  FcChar8 *file = NULL, *got = NULL;
  int index = 0;
  if (!m || FcPatternGetString(m, FC_FILE, 0, &file) != FcResultMatch ||
      FcPatternGetString(m, FC_FAMILY, 0, &got) != FcResultMatch) {
    if (m)
      FcPatternDestroy(m);
    bs_error_set(err, BS_ERR_FONT, NULL, 0, 0, "no font for '%s' (install fonts-noto-cjk)",
                 family);
    return NULL;
  }
  FcPatternGetInteger(m, FC_INDEX, 0, &index);
  if (user && !mono && !sans && strcmp((const char *)got, family)) {
    /* a missing --font falls back to our own CJK face for the region, not to whatever the
     * system's default (often a sans or a Latin-only face) happens to be */
    FcPatternDestroy(m);
    snprintf(family, sizeof family, "Noto Serif CJK %s", region_suffix[c->region]);
    snprintf(fallback, sizeof fallback, "font '%s' not found, using '%s'", user, family);
    user = NULL;
    goto retry;
  }
  hb_blob_t *blob = blob_for(fs, (const char *)file);
  if (!blob) {
    bs_error_set(err, BS_ERR_FONT, (const char *)file, 0, 0, "cannot read the font file");
    FcPatternDestroy(m);
    return NULL;
  }
  bs_ts_face *f = &fs->faces[fs->nfaces++];
  memset(f, 0, sizeof *f);
  if (fallback[0]) {
    f->warn = bs_xstrdup(fallback);
  } else if (strcmp((const char *)got, family)) {
    char w[BS_ERROR_MESSAGE_MAX];
    snprintf(w, sizeof w, "font '%s' not found, using '%s'", family, (const char *)got);
    f->warn = bs_xstrdup(w);
  }
  f->family = bs_xstrdup((const char *)got);
  f->file = bs_xstrdup((const char *)file);
  f->index = index;
  f->bold = bold;
  f->mono = mono;
  f->sans = sans;
  f->region = c->region;
  f->cjk = true;
  hb_face_t *face = hb_face_create(blob, (unsigned)index);
  f->upem = hb_face_get_upem(face);
  f->hb = hb_font_create(face);
  hb_font_make_immutable(f->hb); /* shaped from several threads (parallel.c) */
  hb_face_destroy(face);
  FcPatternDestroy(m);
  return f;
}

bs_ts_face *bs_ts_face_for_file(bs_ts_ctx *c, const char *file, int index, const char *family,
                                bool bold, bs_error *err)
{
  bs_ts_fonts *fs = c->bk->fonts;
  bs_ts_face *f = NULL;
  pthread_mutex_lock(fs->mu);
  for (int i = 0; i < fs->nfaces && !f; i++)
    if (fs->faces[i].region < 0 && fs->faces[i].index == index && !strcmp(fs->faces[i].file, file))
      f = &fs->faces[i];
  if (f)
    goto done;
  hb_blob_t *blob = fs->nfaces < BS_TS_MAX_FACES ? blob_for(fs, file) : NULL;
  if (!blob) {
    if (fs->nfaces == BS_TS_MAX_FACES)
      bs_error_set(err, BS_ERR_LIMIT, NULL, 0, 0, "too many fonts");
    else
      bs_error_set(err, BS_ERR_FONT, file, 0, 0, "cannot read the font file");
    goto done;
  }
  f = &fs->faces[fs->nfaces++];
  memset(f, 0, sizeof *f);
  f->family = bs_xstrdup(family ? family : file);
  f->file = bs_xstrdup(file);
  f->index = index;
  f->bold = bold;
  f->region = -1;
  hb_face_t *face = hb_face_create(blob, (unsigned)index);
  f->upem = hb_face_get_upem(face);
  f->color = hb_ot_color_has_png(face);
  f->hb = hb_font_create(face);
  hb_font_make_immutable(f->hb);
  hb_face_destroy(face);
done:
  pthread_mutex_unlock(fs->mu);
  return f;
}

/* Cairo opens the same file and face itself; we place every glyph, so its metrics are never
 * used (no hinting of positions, §0.4). Made on first use by the drawing thread, which holds
 * the process's Cairo lock (typeset.c), never by a layout worker. */
cairo_font_face_t *bs_ts_face_cairo(bs_ts_face *f)
{
  if (!f->cr) {
    FcPattern *cp = FcPatternCreate();
    FcPatternAddString(cp, FC_FILE, (const FcChar8 *)f->file);
    FcPatternAddInteger(cp, FC_INDEX, f->index);
    f->cr = cairo_ft_font_face_create_for_pattern(cp);
    FcPatternDestroy(cp);
  }
  return f->cr;
}

/* Font subsetting before Cairo sees the font (#19). Cairo 1.16 subsets CFF fonts itself, but
 * reads the whole CFF table into memory first (17 MB for a Noto CJK face). So HarfBuzz subsets
 * each face once, to the glyphs drawn, and Cairo's subsetting of that small font is cheap.
 * Glyphs are renumbered (the caller maps the layout's ids through `map`): a subset keeping the
 * ids holds 65,535 glyph slots, by which HarfBuzz sizes its work and FreeType its lookups.
 * Subroutines are flattened: HarfBuzz's subroutine subsetter parses every subroutine of the
 * face (8 MB of heap for Noto Serif CJK), and the flat subset is smaller in the PDF as well.
 * A one-article vertical PDF: 935 -> 470 M instructions, 7,700 -> 2,200 page faults. */
static FT_Library ft_lib;
static pthread_once_t ft_once = PTHREAD_ONCE_INIT;
static void ft_init(void)
{
  if (FT_Init_FreeType(&ft_lib))
    ft_lib = NULL;
}

typedef struct subset_font {
  FT_Face ft;
  hb_blob_t *blob;
} subset_font;

static void subset_font_free(void *p)
{
  subset_font *s = p;
  FT_Done_Face(s->ft);
  hb_blob_destroy(s->blob);
  free(s);
}

static const cairo_user_data_key_t subset_key;

/* #4: the font collections are mapped files of 20–27 MB; subsetting reads parts of a face, so
 * afterwards its pages are given back (they are read again from the page cache if shaping
 * needs them), keeping the peak RSS to about one collection instead of all of them. */
static void release_pages(hb_blob_t *blob)
{
  unsigned len = 0;
  const char *data = hb_blob_get_data(blob, &len);
  long page = sysconf(_SC_PAGESIZE);
  if (!data || page <= 0 || len < (unsigned)page * 16)
    return;
  uintptr_t a = ((uintptr_t)data + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
  uintptr_t e = ((uintptr_t)data + len) & ~((uintptr_t)page - 1);
  if (e > a)
    madvise((void *)a, e - a, MADV_DONTNEED);
}

/* The subsetter sees only the tables the drawn font needs (#19: touch only those): outlines
 * (CFF, or glyf and loca), the metrics FreeType and Cairo's own subsetter read and the names
 * (the PDF's BaseFont). Not the cmap: with one, HarfBuzz maps every code point of the font
 * (tens of thousands) to rebuild it, and Cairo looks up each glyph's code point by walking it,
 * while every glyph is drawn by id with its text (cairo_show_text_glyphs), from which the PDF's
 * ToUnicode is made. Not the layout tables (shaping is done) nor vertical metrics (we place
 * every glyph). Hints stay (TrueType programs, CFF stems): viewers render with them. */
static hb_blob_t *subset_table(hb_face_t *face, hb_tag_t tag, void *whole)
{
  static const hb_tag_t keep[] = {
      HB_TAG('C', 'F', 'F', ' '), HB_TAG('g', 'l', 'y', 'f'), HB_TAG('l', 'o', 'c', 'a'),
      HB_TAG('h', 'e', 'a', 'd'), HB_TAG('h', 'h', 'e', 'a'), HB_TAG('h', 'm', 't', 'x'),
      HB_TAG('m', 'a', 'x', 'p'), HB_TAG('O', 'S', '/', '2'), HB_TAG('p', 'o', 's', 't'),
      HB_TAG('n', 'a', 'm', 'e'), HB_TAG('c', 'v', 't', ' '), HB_TAG('f', 'p', 'g', 'm'),
      HB_TAG('p', 'r', 'e', 'p'),
  };
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
    if (tag == keep[i])
      return hb_face_reference_table(whole, tag);
  return hb_blob_get_empty();
}

static bool has_table(hb_face_t *face, hb_tag_t tag)
{
  hb_blob_t *b = hb_face_reference_table(face, tag);
  bool has = hb_blob_get_length(b) > 0;
  hb_blob_destroy(b);
  return has;
}

/* The subset of `f` holding `gids` as a font file, and *ids (f's glyph ids to its own); NULL
 * if f cannot be subset. HarfBuzz only, so any thread may make it. */
static hb_blob_t *subset_file(bs_ts_face *f, const hb_set_t *gids, hb_map_t **ids)
{
  *ids = NULL;
  hb_face_t *whole = hb_font_get_face(f->hb);
  /* outlines HarfBuzz can subset; a bitmap-only or CFF2 face is drawn whole */
  if (!(has_table(whole, HB_TAG('C', 'F', 'F', ' ')) ||
        has_table(whole, HB_TAG('g', 'l', 'y', 'f'))))
    return NULL;
  hb_subset_input_t *in = hb_subset_input_create_or_fail();
  if (!in)
    return NULL;
  hb_set_union(hb_subset_input_set(in, HB_SUBSET_SETS_GLYPH_INDEX), gids);
  hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NOTDEF_OUTLINE | HB_SUBSET_FLAGS_DESUBROUTINIZE);
  hb_face_t *src = hb_face_create_for_tables(subset_table, hb_face_reference(whole),
                                             (hb_destroy_func_t)hb_face_destroy);
  hb_face_set_upem(src, hb_face_get_upem(whole));
  hb_face_set_glyph_count(src, hb_face_get_glyph_count(whole));
  hb_subset_plan_t *plan = hb_subset_plan_create_or_fail(src, in);
  hb_subset_input_destroy(in);
  hb_face_t *sub = plan ? hb_subset_plan_execute_or_fail(plan) : NULL;
  hb_map_t *map = sub ? hb_map_copy(hb_subset_plan_old_to_new_glyph_mapping(plan)) : NULL;
  hb_subset_plan_destroy(plan);
  hb_face_destroy(src);
  hb_blob_t *file = hb_face_reference_blob(whole);
  release_pages(file);
  hb_blob_destroy(file);
  if (!sub || !map || !hb_map_allocation_successful(map)) {
    hb_face_destroy(sub);
    hb_map_destroy(map);
    return NULL;
  }
  hb_blob_t *blob = hb_face_reference_blob(sub);
  hb_face_destroy(sub);
  *ids = map;
  return blob;
}

/* A Cairo face for subset font `blob` (taken, with `ids`): FreeType and Cairo, so the drawing
 * thread's. */
static cairo_font_face_t *subset_cairo(hb_blob_t *blob, hb_map_t *ids, hb_map_t **map)
{
  *map = NULL;
  pthread_once(&ft_once, ft_init);
  unsigned len = 0;
  const char *data = blob ? hb_blob_get_data(blob, &len) : NULL;
  FT_Face ft = NULL;
  if (!ft_lib || !len || FT_New_Memory_Face(ft_lib, (const FT_Byte *)data, (FT_Long)len, 0, &ft)) {
    hb_blob_destroy(blob);
    hb_map_destroy(ids);
    return NULL;
  }
  subset_font *sf = bs_xmalloc(sizeof *sf);
  sf->ft = ft;
  sf->blob = blob;
  cairo_font_face_t *cf = cairo_ft_font_face_create_for_ft_face(ft, 0);
  if (cairo_font_face_set_user_data(cf, &subset_key, sf, subset_font_free)) {
    cairo_font_face_destroy(cf);
    subset_font_free(sf);
    hb_map_destroy(ids);
    return NULL;
  }
  *map = ids;
  return cf;
}

cairo_font_face_t *bs_ts_face_subset(bs_ts_face *f, const hb_set_t *gids, hb_map_t **map)
{
  hb_map_t *ids;
  hb_blob_t *file = subset_file(f, gids, &ids);
  return subset_cairo(file, ids, map);
}

/* Makes f's book subset file; called and returns with the fonts' lock held, f->pre 0. The
 * glyph set is taken under the lock: reading the book's character sets moves their lookup
 * hints, so only one thread reads them at a time. */
static void make_pre(const bs_ts_book *bk, bs_ts_face *f)
{
  f->pre = 1;
  hb_set_t *gids = bs_ts_face_glyphs(bk, f);
  pthread_mutex_unlock(bk->fonts->mu);
  hb_map_t *ids;
  hb_blob_t *file = subset_file(f, gids, &ids);
  pthread_mutex_lock(bk->fonts->mu);
  f->pre_gids = gids;
  f->pre_file = file;
  f->pre_map = ids;
  f->pre = 2;
  pthread_cond_broadcast(bk->fonts->made);
}

void bs_ts_face_book_subset(const bs_ts_book *bk, bs_ts_face *f)
{
  bs_ts_fonts *fs = bk->fonts;
  pthread_mutex_lock(fs->mu);
  if (!f->pre)
    make_pre(bk, f);
  while (f->pre == 1)
    pthread_cond_wait(fs->made, fs->mu);
  hb_blob_t *file = f->pre_file;
  hb_map_t *ids = f->pre_map;
  f->sub_gids = f->pre_gids;
  f->pre_gids = NULL;
  f->pre_file = NULL;
  f->pre_map = NULL;
  pthread_mutex_unlock(fs->mu);
  f->sub = file ? subset_cairo(file, ids, &f->sub_map) : NULL;
}

void bs_ts_fonts_presubset(const bs_ts_book *bk)
{
  bs_ts_fonts *fs = bk->fonts;
  pthread_mutex_lock(fs->mu);
  /* the regional CJK faces only: their subsets are the costly ones (tens of thousands of
   * glyphs to choose from), and they are drawn; many fallback faces Pango loads never are */
  for (int i = 0; i < fs->nfaces; i++) /* faces never move; make_pre unlocks meanwhile */
    if (!fs->faces[i].pre && fs->faces[i].region >= 0 && !fs->faces[i].color)
      make_pre(bk, &fs->faces[i]);
  pthread_mutex_unlock(fs->mu);
}
