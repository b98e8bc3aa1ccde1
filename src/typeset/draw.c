/* Drawing with Cairo: every box is one cairo_show_text_glyphs() call with its text and
 * clusters, in logical order, so `pdftotext -raw` gives the text back (§0.9). Folios come
 * after the body text of each page (§7.5). */
#include <cairo-pdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bisheng/version.h"
#include "typeset-impl.h"

typedef struct batch batch;
struct bs_ts_pdf {
  cairo_surface_t *s;
  cairo_t *cr;
  batch *batch;
  FILE *f;
  bool write_failed;
};

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int len)
{
  bs_ts_pdf *p = closure;
  if (fwrite(data, 1, len, p->f) != len) {
    p->write_failed = true;
    return CAIRO_STATUS_WRITE_ERROR;
  }
  return CAIRO_STATUS_SUCCESS;
}

/* The face's subset for the whole book, made the first time the face is drawn: the glyphs of
 * every character of the book (bs_ts_book_chars) and their GSUB alternates, and the folio
 * digits. Chapters are drawn as they are laid out, so the subset cannot wait for the glyphs
 * actually used. */
static cairo_font_face_t *face_for(bs_ts_ctx *c, bs_ts_face *f, const bs_ts_pglyph *g, size_t n)
{
  if (!f->sub_tried) {
    f->sub_tried = true;
    if (c->book_cps) {
      f->sub_gids = bs_ts_face_glyphs(f, c->book_cps);
      f->sub = bs_ts_face_subset(f, f->sub_gids);
    }
  }
  if (!f->sub)
    return f->cr;
  for (size_t i = 0; i < n; i++)
    if (!hb_set_has(f->sub_gids, g[i].gid))
      return f->cr; /* a glyph outside the subset (never expected): the whole face */
  return f->sub;
}

/* The font state lives outside save/restore and is set only when it changes: looking up a
 * scaled font for every box costs more than drawing it. */
typedef struct font_state {
  const cairo_font_face_t *face;
  double size;
} font_state;

/* Consecutive runs of a page with the same face, size and transformation up to a translation
 * are drawn by one cairo_show_text_glyphs() call (#4: each call costs Cairo a region union at
 * cairo_show_page, so one call per box spent most of the time there). Glyphs, text and
 * clusters are concatenated in logical order, so text extraction is unchanged. */
struct batch {
  cairo_font_face_t *ff;
  double size;
  cairo_matrix_t lin, inv; /* the shared linear part and its inverse */
  cairo_glyph_t *g;
  size_t ng, capg;
  cairo_text_cluster_t *cl;
  size_t ncl, capcl;
  bs_buf text;
};

static void batch_flush(cairo_t *cr, font_state *fs, batch *b)
{
  if (!b->ng)
    return;
  if (fs->face != b->ff || fs->size != b->size) {
    cairo_set_font_face(cr, b->ff);
    cairo_set_font_size(cr, b->size);
    fs->face = b->ff;
    fs->size = b->size;
  }
  cairo_save(cr);
  cairo_transform(cr, &b->lin);
  cairo_show_text_glyphs(cr, b->text.data, (int)b->text.len, b->g, (int)b->ng, b->cl,
                         (int)b->ncl, 0);
  cairo_restore(cr);
  b->ng = b->ncl = 0;
  bs_buf_clear(&b->text);
}

static void batch_free(batch *b)
{
  free(b->g);
  free(b->cl);
  bs_buf_free(&b->text);
}

static void draw_run(bs_ts_ctx *c, cairo_t *cr, font_state *fs, batch *b, const bs_ts_line *l,
                     const bs_ts_prun *r)
{
  if (!r->ng)
    return;
  cairo_font_face_t *ff = face_for(c, r->face, r->g, r->ng);
  const cairo_matrix_t *m = &r->m;
  if (b->ng && (b->ff != ff || b->size != r->size || b->lin.xx != m->xx || b->lin.yx != m->yx ||
                b->lin.xy != m->xy || b->lin.yy != m->yy))
    batch_flush(cr, fs, b);
  if (!b->ng) {
    b->ff = ff;
    b->size = r->size;
    cairo_matrix_init(&b->lin, m->xx, m->yx, m->xy, m->yy, 0, 0);
    b->inv = b->lin;
    if (cairo_matrix_invert(&b->inv) != CAIRO_STATUS_SUCCESS)
      cairo_matrix_init_identity(&b->inv);
  }
  /* the run's translation and the line origin, taken into the shared linear frame */
  double dx = m->x0 + l->ox, dy = m->y0 + l->oy;
  cairo_matrix_transform_distance(&b->inv, &dx, &dy);
  if (b->ng + r->ng > b->capg) {
    b->capg = (b->ng + r->ng) * 2;
    b->g = bs_xrealloc(b->g, b->capg * sizeof *b->g);
  }
  if (b->ncl + r->ng > b->capcl) {
    b->capcl = (b->ncl + r->ng) * 2;
    b->cl = bs_xrealloc(b->cl, b->capcl * sizeof *b->cl);
  }
  cairo_glyph_t *g = b->g + b->ng;
  cairo_text_cluster_t *cl = b->cl + b->ncl;
  int ncl = 0;
  for (size_t i = 0; i < r->ng; i++) {
    g[i].index = r->g[i].gid;
    g[i].x = r->g[i].x + dx;
    g[i].y = r->g[i].y + dy;
    if (i > 0 && r->g[i].c0 == r->g[i - 1].c0) {
      cl[ncl - 1].num_glyphs++;
    } else {
      cl[ncl].num_glyphs = 1;
      cl[ncl].num_bytes = 0;
      ncl++;
    }
  }
  /* bytes per cluster: from its first glyph's offset to the next cluster's */
  size_t gi = 0;
  for (int k = 0; k < ncl; k++) {
    size_t next = gi + (size_t)cl[k].num_glyphs;
    uint32_t from = k == 0 ? 0 : r->g[gi].c0;
    uint32_t to = next < r->ng ? r->g[next].c0 : (uint32_t)r->len;
    cl[k].num_bytes = to > from ? (int)(to - from) : 0;
    gi = next;
  }
  b->ng += r->ng;
  b->ncl += (size_t)ncl;
  bs_buf_put(&b->text, r->text, r->len);
}

/* E2: a dot per character, right of the column (vertical) or under the line (horizontal). */
static void draw_dots(cairo_t *cr, const bs_ts_ctx *c, const bs_ts_line *l, const bs_ts_prun *r)
{
  double em = r->size, rad = 0.08 * em;
  for (size_t i = 0; i < r->ng; i++) {
    if (!r->g[i].dot)
      continue;
    double along = r->g[i].p + r->g[i].adv / 2;
    if (c->vertical)
      cairo_arc(cr, l->ox + 0.5 * em + 0.15 * em + rad, l->oy + along, rad, 0, 2 * M_PI);
    else
      cairo_arc(cr, l->ox + along, l->oy + l->size + 0.15 * em + rad, rad, 0, 2 * M_PI);
    cairo_fill(cr);
  }
}

/* §7.5: the folio 1 em outside the type area, at the foot, on the outer side of the page.
 * Vertical books turn right to left: page 1 is a left page. */
void bs_ts_folio(bs_ts_ctx *c, int page, char *text, size_t n, double *x, double *y)
{
  snprintf(text, n, "%d", page);
  bool left_page = c->vertical ? page % 2 == 1 : page % 2 == 0;
  *y = c->area_y + c->area_h + c->size + BS_TS_ASCENT * c->size * 0.8;
  *x = left_page ? c->area_x : c->area_x + c->area_w; /* right edge: caller right-aligns */
}

static void draw_folio(cairo_t *cr, bs_ts_ctx *c, font_state *fs, int page)
{
  char text[32];
  double x, y;
  bs_ts_folio(c, page, text, sizeof text, &x, &y);
  bs_ts_face *f = bs_ts_face_get(c, false, false, NULL);
  if (!f)
    return;
  bs_ts_glyph *g = NULL;
  size_t n = 0;
  double size = c->size * 0.8;
  bs_ts_shape_simple(c, f, text, strlen(text), false, NULL, &g, &n);
  double k = size / c->size, w = 0;
  for (size_t i = 0; i < n; i++)
    w += g[i].adv * k;
  bool left_page = c->vertical ? page % 2 == 1 : page % 2 == 0;
  if (!left_page)
    x -= w;
  cairo_glyph_t cg[32];
  cairo_text_cluster_t cl[32];
  bs_ts_pglyph pg[32];
  double pen = 0;
  for (size_t i = 0; i < n && i < 32; i++) {
    cg[i].index = g[i].gid;
    cg[i].x = x + pen + g[i].dx * k;
    cg[i].y = y - g[i].dy * k;
    pen += g[i].adv * k;
    cl[i].num_bytes = 1;
    cl[i].num_glyphs = 1;
    pg[i].gid = g[i].gid;
  }
  cairo_font_face_t *ff = face_for(c, f, pg, n < 32 ? n : 32);
  cairo_set_font_face(cr, ff);
  cairo_set_font_size(cr, size);
  fs->face = ff;
  fs->size = size;
  if (n == strlen(text) && n <= 32)
    cairo_show_text_glyphs(cr, text, (int)n, cg, (int)n, cl, (int)n, 0);
  else
    cairo_show_glyphs(cr, cg, (int)(n < 32 ? n : 32));
  free(g);
}

static void iso_date(long long t, char *out, size_t n)
{
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void metadata(cairo_surface_t *s, const bs_ts_ctx *c, const bs_node *root)
{
  const char *title = bs_node_get_meta(root, BS_META_TITLE);
  if (title)
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
  size_t na = bs_node_get_meta_count(root, BS_META_AUTHORS);
  if (na) {
    bs_buf a = BS_BUF_INIT;
    for (size_t i = 0; i < na; i++) {
      if (i)
        bs_buf_puts(&a, ", ");
      bs_buf_puts(&a, bs_node_get_meta_item(root, BS_META_AUTHORS, i));
    }
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR, a.data);
    bs_buf_free(&a);
  }
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "bisheng " BS_VERSION_STRING);
  if (c->opts->source_date >= 0) {
    char d[64];
    iso_date(c->opts->source_date, d, sizeof d);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, d);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, d);
  }
}


/* §7.4: vertical books open as right-to-left spreads: the catalog gets /Direction /R2L and
 * /PageLayout /TwoPageRight. */
static void catalog_update(bs_ts_ctx *c, bs_pdfup *u)
{
  if (!c->vertical)
    return;
  bs_buf cat = BS_BUF_INIT;
  int r = bs_pdfup_root(u);
  if (bs_pdfup_get(u, r, &cat)) {
    const char *close = NULL;
    for (size_t i = cat.len; i-- > 1;)
      if (cat.data[i] == '>' && cat.data[i - 1] == '>') {
        close = cat.data + i - 1;
        break;
      }
    if (close) {
      cat.len = (size_t)(close - cat.data);
      bs_buf_puts(&cat, " /ViewerPreferences << /Direction /R2L >> /PageLayout /TwoPageRight\n>>");
      bs_pdfup_set(u, r, cat.data, cat.len);
    }
  }
  bs_buf_free(&cat);
}

bs_status bs_ts_draw_begin(bs_ts_ctx *c, const bs_node *root, FILE *f, bs_ts_pdf **out,
                           bs_error *err)
{
  (void)err;
  bs_ts_pdf *p = bs_xcalloc(1, sizeof *p);
  p->f = f;
  p->batch = bs_xcalloc(1, sizeof *p->batch);
  c->book_cps = bs_ts_book_chars(root);
  p->s = cairo_pdf_surface_create_for_stream(write_file, p, c->page_w, c->page_h);
  cairo_pdf_surface_restrict_to_version(p->s, CAIRO_PDF_VERSION_1_5);
  metadata(p->s, c, root);
  p->cr = cairo_create(p->s);
  cairo_font_options_t *fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_set_font_options(p->cr, fo);
  cairo_font_options_destroy(fo);
  *out = p;
  return BS_OK;
}

bs_status bs_ts_draw_chapter(bs_ts_ctx *c, void *user, bs_error *err)
{
  bs_ts_pdf *p = user;
  cairo_t *cr = p->cr;
  for (size_t pi = 0; pi < c->npages; pi++) {
    const bs_ts_page *pg = &c->pages[pi];
    char label[32];
    snprintf(label, sizeof label, "%d", pg->number);
    cairo_pdf_surface_set_page_label(p->s, label);
    cairo_set_source_rgb(cr, 0, 0, 0);
    font_state fs = {NULL, 0};
    for (size_t li = pg->l0; li < pg->l1; li++) {
      const bs_ts_line *l = &c->lines_v[li];
      /* content hook: figure images, note rules and links (figure.c, notes.c) */
      bs_status fst = bs_ts_content_draw(cr, c, l, err);
      if (fst != BS_OK)
        return fst;
      for (size_t r = 0; r < l->nruns; r++)
        draw_run(c, cr, &fs, p->batch, l, &l->runs[r]);
    }
    batch_flush(cr, &fs, p->batch);
    for (size_t li = pg->l0; li < pg->l1; li++) {
      const bs_ts_line *l = &c->lines_v[li];
      for (size_t r = 0; r < l->nruns; r++)
        draw_dots(cr, c, l, &l->runs[r]);
    }
    if (!pg->blank)
      draw_folio(cr, c, &fs, pg->number);
    cairo_show_page(cr);
  }
  cairo_status_t cs = cairo_status(cr);
  if (cs != CAIRO_STATUS_SUCCESS)
    return bs_error_set(err, p->write_failed ? BS_ERR_IO : BS_ERR_LIBRARY, NULL, 0, 0,
                        "cairo: %s", cairo_status_to_string(cs));
  return BS_OK;
}

bs_status bs_ts_draw_end(bs_ts_ctx *c, bs_ts_pdf *p, const char *path, bool ok, bs_error *err)
{
  bs_status st = BS_OK;
  cairo_status_t cs = cairo_status(p->cr);
  cairo_destroy(p->cr);
  cairo_surface_finish(p->s);
  if (cs == CAIRO_STATUS_SUCCESS)
    cs = cairo_surface_status(p->s);
  cairo_surface_destroy(p->s);
  batch_free(p->batch);
  free(p->batch);
  if (!ok) {
    free(p);
    return BS_OK;
  }
  if (cs != CAIRO_STATUS_SUCCESS)
    st = bs_error_set(err, p->write_failed ? BS_ERR_IO : BS_ERR_LIBRARY, NULL, 0, 0,
                      "cairo: %s", cairo_status_to_string(cs));
  FILE *rd = NULL;
  if (st == BS_OK && fflush(p->f))
    st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write the PDF");
  if (st == BS_OK)
    rd = path ? fopen(path, "rb") : p->f;
  bs_pdfup *u = rd ? bs_pdfup_open(rd) : NULL;
  if (u) {
    catalog_update(c, u);
    if (!bs_pdfup_write(u, p->f))
      st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write the PDF");
  }
  bs_pdfup_free(u);
  if (rd && rd != p->f)
    fclose(rd);
  free(p);
  return st;
}
