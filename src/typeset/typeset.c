/* Typesetter entry points: options, paper sizes, the page grid (§7), PDF and dump output. */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "typeset-impl.h"


void bs_typeset_options_init(bs_typeset_options *o)
{
  memset(o, 0, sizeof *o);
  o->indent_em = -1;
  o->source_date = -1;
  o->toc = -1;
  o->recto_chapters = -1;
}

/* §7.2: B5/B6 are the JIS sizes (what they mean in Japan and Taiwan); 32K is the mainland
 * 130 × 184 mm. */
bool bs_paper_size(const char *name, double *w, double *h)
{
  static const struct {
    const char *name;
    double w, h;
  } sizes[] = {{"A4", 210, 297}, {"A5", 148, 210},   {"B5", 182, 257},    {"B6", 128, 182},
               {"B6-ISO", 125, 176}, {"B5-ISO", 176, 250}, {"32K", 130, 184},
               {"Letter", 215.9, 279.4}};
  if (!name)
    return false;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (!strcasecmp(name, sizes[i].name)) {
      *w = sizes[i].w;
      *h = sizes[i].h;
      return true;
    }
  double a, b;
  char x, rest[8] = "";
  if (sscanf(name, "%lf%c%lf%7s", &a, &x, &b, rest) == 4 && (x == 'x' || x == 'X') &&
      !strcmp(rest, "mm") && a >= 50 && b >= 50 && a <= 2000 && b <= 2000) {
    *w = a;
    *h = b;
    return true;
  }
  return false;
}

void bs_ts_warn(bs_ts_ctx *c, const char *fmt, ...)
{
  if (!c->opts->diag)
    return;
  bs_error w;
  va_list ap;
  va_start(ap, fmt);
  bs_diag_vmake(&w, BS_ERR_FONT, NULL, 0, 0, fmt, ap);
  va_end(ap);
  bs_ts_diag(c, &w, 0);
}

/* Adds cp to the face's set; false if it was there already. */
static bool miss_add(bs_ts_missing *m, const char *family, uint32_t cp, const bs_error *at)
{
  size_t i = 0;
  while (i < m->n && strcmp(m->v[i].family, family))
    i++;
  if (i == m->n) {
    m->v = bs_xrealloc(m->v, (m->n + 1) * sizeof *m->v);
    m->v[i].family = family;
    m->v[i].cps = hb_set_create();
    m->v[i].first = *at;
    m->n++;
  }
  if (hb_set_has(m->v[i].cps, cp))
    return false;
  hb_set_add(m->v[i].cps, cp);
  return true;
}

void bs_ts_missing_free(bs_ts_missing *m)
{
  for (size_t i = 0; i < m->n; i++)
    hb_set_destroy(m->v[i].cps);
  free(m->v);
  m->v = NULL;
  m->n = 0;
}

void bs_ts_missing_glyph(bs_ts_ctx *c, const bs_ts_face *f, uint32_t cp)
{
  if (!c->opts->diag)
    return;
  const bs_node *at = c->para_node;
  while (at && bs_node_get_pos(at).line == 0)
    at = bs_node_parent(at);
  bs_error w;
  bs_error_set(&w, BS_ERR_FONT, at ? bs_node_get_input(at) : NULL, at ? bs_node_get_pos(at).line : 0,
               0, "missing glyph");
  if (!miss_add(&c->glyphs_seen, f->family, cp, &w))
    return; /* logged already by this context */
  if (!c->wlog) {
    if (c->glyphs_missing)
      miss_add(c->glyphs_missing, f->family, cp, &w);
    return;
  }
  bs_ts_wlog *l = c->wlog;
  l->v = bs_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
  l->v[l->n] = (struct bs_ts_wmsg){w, -1, cp, f->family};
  l->n++;
}

void bs_ts_missing_flush(bs_ts_ctx *c)
{
  bs_ts_missing *m = c->glyphs_missing;
  for (size_t i = 0; m && c->opts->diag && i < m->n; i++) {
    enum { SHOWN = 16 }; /* characters named; the rest are counted */
    bs_error *w = &m->v[i].first;
    unsigned n = hb_set_get_population(m->v[i].cps);
    hb_codepoint_t cp = HB_SET_VALUE_INVALID;
    hb_set_next(m->v[i].cps, &cp);
    if (n == 1) {
      snprintf(w->message, sizeof w->message, "missing glyph U+%04X in %s", (unsigned)cp,
               m->v[i].family);
    } else {
      int len = snprintf(w->message, sizeof w->message, "missing glyphs in %s for %u characters:",
                         m->v[i].family, n);
      for (unsigned k = 0; k < n && k < SHOWN && len > 0 && (size_t)len < sizeof w->message;
           k++, hb_set_next(m->v[i].cps, &cp))
        len += snprintf(w->message + len, sizeof w->message - (size_t)len, " U+%04X",
                        (unsigned)cp);
      if (n > SHOWN && len > 0 && (size_t)len < sizeof w->message)
        snprintf(w->message + len, sizeof w->message - (size_t)len, " and %u more", n - SHOWN);
    }
    c->opts->diag(c->opts->diag_user, w);
  }
  if (m)
    bs_ts_missing_free(m);
}

static void deliver(bs_ts_ctx *c, const bs_error *w, int once)
{
  if (once > 0 && once <= BS_TS_MAX_FACES) {
    unsigned long long bit = 1ull << ((once - 1) % 64);
    if (c->fonts->warned[(once - 1) / 64] & bit)
      return;
    c->fonts->warned[(once - 1) / 64] |= bit;
  }
  c->opts->diag(c->opts->diag_user, w);
}

void bs_ts_diag(bs_ts_ctx *c, const bs_error *w, int once)
{
  if (!c->opts->diag)
    return;
  if (!c->wlog) {
    deliver(c, w, once);
    return;
  }
  bs_ts_wlog *l = c->wlog;
  l->v = bs_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
  l->v[l->n].w = *w;
  l->v[l->n++].once = once;
}

void bs_ts_wlog_replay(bs_ts_ctx *c, bs_ts_wlog *log)
{
  for (size_t i = 0; i < log->n && c->opts->diag; i++)
    if (log->v[i].once == -1) {
      if (c->glyphs_missing)
        miss_add(c->glyphs_missing, log->v[i].family, log->v[i].cp, &log->v[i].w);
    } else {
      deliver(c, &log->v[i].w, log->v[i].once);
    }
  free(log->v);
  log->v = NULL;
  log->n = 0;
}

int bs_ts_region_of(const char *lang)
{
  if (!lang || !*lang)
    return 0; /* the project's default: zh-Hant-TW (§9) */
  if (!strncasecmp(lang, "ja", 2))
    return 3;
  if (!strncasecmp(lang, "ko", 2))
    return 4;
  if (!strncasecmp(lang, "zh", 2)) {
    const char *s = lang + 2;
    if (strcasestr(s, "hans") || strcasestr(s, "-cn") || strcasestr(s, "-sg"))
      return 2;
    if (strcasestr(s, "-hk") || strcasestr(s, "-mo"))
      return 1;
    return 0;
  }
  return 0;
}

static const char *icu_locale[] = {"zh-Hant@lb=strict", "zh-Hant-HK@lb=strict",
                                   "zh-Hans@lb=strict", "ja@lb=strict", "ko@lb=strict"};
_Static_assert(sizeof icu_locale / sizeof *icu_locale ==
               sizeof ((bs_ts_ctx *)0)->brks / sizeof ((bs_ts_ctx *)0)->brks[0],
               "a line breaker for each region");

/* The grid (§7.1, §7.3): from --grid, from --margins, or from the paper (type area about
 * 75 % of the page along the line and 70 % (vertical) / 80 % (horizontal) across, which
 * gives 42 × 15 vertical and 29 × 24 horizontal on A5 at 10.5 pt). */
static void grid(bs_ts_ctx *c)
{
  const bs_typeset_options *o = c->opts;
  double pw = o->paper_w_mm > 0 ? o->paper_w_mm : 148, ph = o->paper_h_mm > 0 ? o->paper_h_mm : 210;
  c->page_w = pw * BS_PT_PER_MM;
  c->page_h = ph * BS_PT_PER_MM;
  c->size = o->font_size_pt > 0 ? o->font_size_pt : 10.5;
  c->gap = 0.875 * c->size;
  c->pitch = c->size + c->gap;
  double inline_len = c->vertical ? c->page_h : c->page_w;
  double cross_len = c->vertical ? c->page_w : c->page_h;
  const double *m = o->margins_mm;
  bool margins = m[0] > 0 || m[1] > 0 || m[2] > 0 || m[3] > 0;
  if (margins) {
    double iw = c->page_w - (m[1] + m[3]) * BS_PT_PER_MM,
           ih = c->page_h - (m[0] + m[2]) * BS_PT_PER_MM;
    inline_len = c->vertical ? ih : iw;
    cross_len = c->vertical ? iw : ih;
  } else {
    inline_len *= 0.75;
    cross_len *= c->vertical ? 0.70 : 0.80;
  }
  c->chars = (int)floor(inline_len / c->size + 1e-9);
  c->lines = (int)floor((cross_len + c->gap) / c->pitch + 1e-9);
  if (o->grid_chars > 0)
    c->chars = o->grid_chars;
  if (o->grid_lines > 0)
    c->lines = o->grid_lines;
  if (c->chars < 5)
    c->chars = 5;
  if (c->lines < 3)
    c->lines = 3;
  c->measure = c->chars * c->size;
  double cross = c->lines * c->pitch - c->gap;
  c->area_w = c->vertical ? cross : c->measure;
  c->area_h = c->vertical ? c->measure : cross;
  if (margins) {
    c->area_y = m[0] * BS_PT_PER_MM;
    c->area_x = c->vertical ? c->page_w - m[1] * BS_PT_PER_MM - c->area_w : m[3] * BS_PT_PER_MM;
  } else {
    c->area_x = (c->page_w - c->area_w) / 2;
    c->area_y = (c->page_h - c->area_h) / 2;
  }
}

void bs_ts_set_direction(bs_ts_ctx *c, bool vertical)
{
  if (c->vertical == vertical)
    return;
  c->vertical = vertical;
  grid(c);
}

bs_status bs_ts_set_lang(bs_ts_ctx *c, const char *lang, bs_error *err)
{
  snprintf(c->doc_lang, sizeof c->doc_lang, "%s", lang ? lang : "zh-Hant");
  c->region = bs_ts_region_of(lang);
  /* §7.7: 2 em for Chinese, 1 em for Japanese and for Latin-script chapters (English books
   * indent by about an em; a CJK 2 em looks like a quotation there) */
  c->indent_em = c->opts->indent_em >= 0 ? c->opts->indent_em
                 : c->region == 3 || !bs_ts_cjk_doc(c) ? 1
                                                       : 2;
  c->brk = c->brks[c->region];
  if (c->brk)
    return BS_OK;
  UErrorCode st = U_ZERO_ERROR;
  c->brk = ubrk_open(UBRK_LINE, icu_locale[c->region], NULL, 0, &st);
  if (U_FAILURE(st)) {
    c->brk = NULL;
    return bs_error_set(err, BS_ERR_LIBRARY, NULL, 0, 0, "ICU line breaker: %s",
                        u_errorName(st));
  }
  c->brks[c->region] = c->brk;
  return BS_OK;
}

void bs_ts_breakers_free(bs_ts_ctx *c)
{
  for (size_t r = 0; r < sizeof c->brks / sizeof c->brks[0]; r++)
    if (c->brks[r])
      ubrk_close(c->brks[r]);
  memset(c->brks, 0, sizeof c->brks);
  c->brk = NULL;
}

bs_status bs_ts_ctx_init(bs_ts_ctx *c, const bs_node *root, const bs_typeset_options *opts,
                         bs_error *err)
{
  memset(c, 0, sizeof *c);
  c->opts = opts;
  bs_direction d = opts->direction;
  if (d == BS_DIR_DEFAULT)
    d = bs_node_get_inherited_direction(root);
  if (d == BS_DIR_DEFAULT && bs_node_get_type(root) == BS_NODE_BOOK && bs_node_first_child(root))
    d = bs_node_get_inherited_direction(bs_node_first_child(root));
  c->vertical = c->book_vertical = c->any_vertical = d == BS_DIR_VERTICAL;
  if (bs_node_get_type(root) == BS_NODE_BOOK)
    for (const bs_node *k = bs_node_first_child(root); k && !c->any_vertical; k = bs_node_next(k))
      c->any_vertical = bs_node_get_chapter_direction(k, opts->direction, d) == BS_DIR_VERTICAL;
  const char *lang = bs_node_get_inherited_lang(root);
  if (!lang && bs_node_get_type(root) == BS_NODE_BOOK && bs_node_first_child(root))
    lang = bs_node_get_inherited_lang(bs_node_first_child(root));
  snprintf(c->lang, sizeof c->lang, "%s", lang ? lang : "zh-Hant");
  c->book_title = bs_node_get_meta(root, BS_META_TITLE);
  c->glyphs_missing = bs_xcalloc(1, sizeof *c->glyphs_missing);
  grid(c);
  bs_status st = bs_ts_set_lang(c, lang, err);
  if (st != BS_OK)
    return st;
  return bs_ts_fonts_init(c, err);
}

void bs_ts_ctx_free(bs_ts_ctx *c)
{
  bs_ts_chapter_free(c);
  bs_ts_missing_free(&c->glyphs_seen);
  if (c->glyphs_missing)
    bs_ts_missing_free(c->glyphs_missing);
  free(c->glyphs_missing);
  free(c->head_in);
  free(c->lines_v);
  free(c->heads);
  free(c->hrefs);
  for (size_t i = 0; i < c->nfront_lines; i++)
    bs_ts_line_free(&c->front_lines[i]);
  free(c->front_lines);
  for (size_t i = 0; i < c->nfront_pages; i++)
    free(c->front_pages[i].links);
  free(c->front_pages);
  bs_ts_texts_free(&c->front_texts);
  free(c->tocs);
  for (int r = 0; r < 5; r++)
    for (int k = 0; k < BS_TS_CPS_KINDS; k++)
      if (c->book_cps[r][k])
        hb_set_destroy(c->book_cps[r][k]);
  bs_ts_breakers_free(c);
  bs_ts_pango_free(c);
  bs_ts_hyphen_free(c);
  bs_ts_fonts_free(c);
  memset(c, 0, sizeof *c);
}

/* Copies the finished temporary PDF to stdout. */
static bs_status copy_out(FILE *f, bs_error *err)
{
  char buf[65536];
  size_t n;
  if (fflush(f) || fseek(f, 0, SEEK_SET))
    return bs_error_set(err, BS_ERR_IO, "-", 0, 0, "cannot read the PDF back");
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    if (fwrite(buf, 1, n, stdout) != n)
      return bs_error_set(err, BS_ERR_IO, "-", 0, 0, "cannot write the PDF");
  if (ferror(f) || fflush(stdout))
    return bs_error_set(err, BS_ERR_IO, "-", 0, 0, "cannot write the PDF");
  return BS_OK;
}

/* The PDF is streamed to its output file page by page as chapters are laid out (#4: memory
 * bounded by one chapter); stdout gets it through a temporary file, since the incremental
 * update at the end reads the file's tail back. */
/* Cairo 1.16 is not safe for two threads drawing PDFs at once: its scaled-font caches take
 * their locks in different orders (ThreadSanitizer flags it, and `bisheng build -j` hung once
 * with two outputs in cairo_show_text_glyphs). So one thread in the process draws at a time,
 * a chapter at a turn; shaping and line breaking (bs_ts_layout_parallel's workers) and the
 * EPUB writer run alongside. Our other locks (the fonts') are only ever taken inside this one. */
static pthread_mutex_t cairo_lock = PTHREAD_MUTEX_INITIALIZER;

static bs_status draw_chapter_locked(bs_ts_ctx *c, void *pdf, bs_error *err)
{
  pthread_mutex_lock(&cairo_lock);
  bs_status st = bs_ts_draw_chapter(c, pdf, err);
  pthread_mutex_unlock(&cairo_lock);
  return st;
}

bs_status bs_pdf_write(const bs_node *root, const bs_typeset_options *opts, const char *path,
                       bs_error *err)
{
  bs_ts_ctx c;
  bs_atomic_file *af = NULL;
  FILE *f = NULL;
  bs_ts_pdf *pdf = NULL;
  bool to_stdout = !strcmp(path, "-");
  bs_status st = bs_ts_ctx_init(&c, root, opts, err);
  if (st == BS_OK && to_stdout) {
    f = tmpfile();
    if (!f)
      st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot create a temporary file");
  } else if (st == BS_OK) {
    st = bs_atomic_open(path, &af, err);
    if (st == BS_OK)
      f = bs_atomic_stream(af);
  }
  c.out = f;
  if (st == BS_OK)
    st = bs_ts_front_layout(&c, root, err);
  if (st == BS_OK) {
    pthread_mutex_lock(&cairo_lock);
    st = bs_ts_draw_begin(&c, root, f, &pdf, err);
    pthread_mutex_unlock(&cairo_lock);
  }
  if (st == BS_OK)
    st = bs_ts_layout_parallel(&c, root, draw_chapter_locked, pdf, err);
  if (pdf) {
    pthread_mutex_lock(&cairo_lock);
    if (st == BS_OK)
      bs_ts_front_finish(&c); /* the contents' page numbers, now that they are known */
    bs_status st2 = bs_ts_draw_end(&c, pdf, af ? bs_atomic_tmp_path(af) : NULL, st == BS_OK,
                                   err);
    pthread_mutex_unlock(&cairo_lock);
    if (st == BS_OK)
      st = st2;
  }
  if (st == BS_OK && c.opts->progress) {
    /* the last report counts every physical page: the contents before page 1 too */
    size_t total = bs_node_get_type(root) == BS_NODE_BOOK ? bs_node_child_count(root) : 1;
    bs_progress p = {total, total, (int)c.nfront_pages + c.page_base, 0};
    long long at = f ? (long long)ftello(f) : 0;
    p.bytes = at > 0 ? at : 0;
    c.opts->progress(c.opts->progress_user, &p);
  }
  if (to_stdout && f) {
    if (st == BS_OK)
      st = copy_out(f, err);
    fclose(f);
  } else if (af) {
    if (st == BS_OK)
      st = bs_atomic_commit(af, err);
    else
      bs_atomic_abort(af);
  }
  /* an error of no input (a full disk, Cairo, too many fonts) names the output */
  if (st != BS_OK && err && !err->path[0])
    snprintf(err->path, sizeof err->path, "%s", path);
  bs_ts_missing_flush(&c);
  pthread_mutex_lock(&cairo_lock); /* it destroys the Cairo faces */
  bs_ts_ctx_free(&c);
  pthread_mutex_unlock(&cairo_lock);
  return st;
}

bs_status bs_layout_dump(const bs_node *root, const bs_typeset_options *opts, FILE *out,
                         bs_error *err)
{
  bs_ts_ctx c;
  bs_status st = bs_ts_ctx_init(&c, root, opts, err);
  if (st == BS_OK)
    st = bs_ts_dump_begin(&c, out, err);
  if (st == BS_OK)
    st = bs_ts_layout(&c, root, bs_ts_dump_chapter, out, err);
  if (st == BS_OK)
    st = bs_ts_dump_end(&c, out, err);
  bs_ts_missing_flush(&c);
  bs_ts_ctx_free(&c);
  return st;
}
