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

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
  bs_buf_put((bs_buf *)closure, (const char *)data, len);
  return CAIRO_STATUS_SUCCESS;
}

/* The font state lives outside save/restore and is set only when it changes: looking up a
 * scaled font for every box costs more than drawing it. */
typedef struct font_state {
  const bs_ts_face *face;
  double size;
} font_state;

static void draw_run(cairo_t *cr, font_state *fs, const bs_ts_line *l, const bs_ts_prun *r)
{
  if (!r->ng)
    return;
  cairo_glyph_t stack_g[64];
  cairo_text_cluster_t stack_c[64];
  cairo_glyph_t *g = r->ng <= 64 ? stack_g : bs_xmalloc(r->ng * sizeof *g);
  cairo_text_cluster_t *cl = r->ng <= 64 ? stack_c : bs_xmalloc(r->ng * sizeof *cl);
  int ncl = 0;
  for (size_t i = 0; i < r->ng; i++) {
    g[i].index = r->g[i].gid;
    g[i].x = r->g[i].x;
    g[i].y = r->g[i].y;
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
  if (fs->face != r->face || fs->size != r->size) {
    cairo_set_font_face(cr, r->face->sub ? r->face->sub : r->face->cr);
    cairo_set_font_size(cr, r->size);
    fs->face = r->face;
    fs->size = r->size;
  }
  cairo_save(cr);
  cairo_translate(cr, l->ox, l->oy);
  cairo_transform(cr, &r->m);
  cairo_show_text_glyphs(cr, r->text, (int)r->len, g, (int)r->ng, cl, ncl, 0);
  cairo_restore(cr);
  if (g != stack_g)
    free(g);
  if (cl != stack_c)
    free(cl);
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

static void draw_folio(cairo_t *cr, bs_ts_ctx *c, int page)
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
  double pen = 0;
  for (size_t i = 0; i < n && i < 32; i++) {
    cg[i].index = g[i].gid;
    cg[i].x = x + pen + g[i].dx * k;
    cg[i].y = y - g[i].dy * k;
    pen += g[i].adv * k;
    cl[i].num_bytes = 1;
    cl[i].num_glyphs = 1;
  }
  cairo_set_font_face(cr, f->sub ? f->sub : f->cr);
  cairo_set_font_size(cr, size);
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

static const char *find_last(const char *hay, size_t n, const char *needle)
{
  size_t k = strlen(needle);
  for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
    if (!memcmp(hay + i, needle, k))
      return hay + i;
  return NULL;
}

/* §7.4: Cairo 1.16 cannot write /ViewerPreferences, so vertical books get an incremental
 * update that rewrites the catalog with /Direction /R2L and /PageLayout /TwoPageRight.
 * Leaves the file alone if its structure is not the one Cairo writes. */
static void r2l_update(bs_buf *pdf)
{
  const char *d = pdf->data;
  size_t n = pdf->len;
  const char *sx = find_last(d, n, "startxref");
  const char *tr = find_last(d, n, "trailer");
  if (!sx || !tr || tr > sx)
    return;
  long long prev = atoll(sx + 9);
  /* the file holds binary streams: search with lengths, never with strstr */
  size_t tl = (size_t)(d + n - tr);
  const char *root = memmem(tr, tl, "/Root", 5);
  const char *size = memmem(tr, tl, "/Size", 5);
  const char *info = memmem(tr, tl, "/Info", 5);
  if (!root || !size || root > sx || size > sx)
    return;
  int r = atoi(root + 5), nobj = atoi(size + 5), inf = info && info < sx ? atoi(info + 5) : 0;
  char head[32];
  snprintf(head, sizeof head, "\n%d 0 obj", r);
  const char *obj = find_last(d, n, head);
  if (!obj || r <= 0)
    return;
  size_t ol = (size_t)(d + n - obj);
  const char *open = memmem(obj, ol, "<<", 2), *end = memmem(obj, ol, "endobj", 6);
  if (!open || !end || open > end)
    return;
  const char *close = find_last(open, (size_t)(end - open), ">>");
  if (!close)
    return;
  bs_buf add = BS_BUF_INIT;
  if (n && d[n - 1] != '\n')
    bs_buf_putc(&add, '\n');
  size_t obj_off = n + add.len;
  bs_buf_printf(&add, "%d 0 obj\n", r);
  bs_buf_put(&add, open, (size_t)(close - open));
  bs_buf_puts(&add, " /ViewerPreferences << /Direction /R2L >> /PageLayout /TwoPageRight\n>>\nendobj\n");
  size_t xref_off = n + add.len;
  bs_buf_printf(&add, "xref\n0 1\n0000000000 65535 f \n%d 1\n%010zu 00000 n \n", r, obj_off);
  bs_buf_printf(&add, "trailer\n<< /Size %d /Root %d 0 R", nobj, r);
  if (inf)
    bs_buf_printf(&add, " /Info %d 0 R", inf);
  bs_buf_printf(&add, " /Prev %lld >>\nstartxref\n%zu\n%%%%EOF\n", prev, xref_off);
  bs_buf_put(pdf, add.data, add.len);
  bs_buf_free(&add);
}

/* Subsets every face to the glyphs the layout uses (and the folio digits). */
static void subset_faces(bs_ts_ctx *c)
{
  hb_set_t *sets[BS_TS_MAX_FACES] = {0};
  bs_ts_face *regular = bs_ts_face_get(c, false, false, NULL);
  for (size_t li = 0; li < c->nlines; li++) {
    const bs_ts_line *l = &c->lines_v[li];
    for (size_t r = 0; r < l->nruns; r++) {
      int fi = (int)(l->runs[r].face - c->faces);
      if (!sets[fi])
        sets[fi] = hb_set_create();
      for (size_t g = 0; g < l->runs[r].ng; g++)
        hb_set_add(sets[fi], l->runs[r].g[g].gid);
    }
  }
  if (regular) {
    int fi = (int)(regular - c->faces);
    if (!sets[fi])
      sets[fi] = hb_set_create();
    bs_ts_glyph *g = NULL;
    size_t n = 0;
    bs_ts_shape_simple(c, regular, "0123456789", 10, false, NULL, &g, &n);
    for (size_t i = 0; i < n; i++)
      hb_set_add(sets[fi], g[i].gid);
    free(g);
  }
  for (int i = 0; i < c->nfaces; i++)
    if (sets[i]) {
      if (!c->faces[i].sub)
        c->faces[i].sub = bs_ts_face_subset(&c->faces[i], sets[i]);
      hb_set_destroy(sets[i]);
    }
}

bs_status bs_ts_draw(bs_ts_ctx *c, const bs_node *root, bs_buf *out, bs_error *err)
{
  bs_status st = BS_OK;
  subset_faces(c);
  cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_buf, out, c->page_w, c->page_h);
  cairo_pdf_surface_restrict_to_version(s, CAIRO_PDF_VERSION_1_5);
  metadata(s, c, root);
  cairo_t *cr = cairo_create(s);
  cairo_font_options_t *fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_set_font_options(cr, fo);
  cairo_font_options_destroy(fo);
  for (size_t pi = 0; pi < c->npages; pi++) {
    const bs_ts_page *pg = &c->pages[pi];
    char label[32];
    snprintf(label, sizeof label, "%d", pg->number);
    cairo_pdf_surface_set_page_label(s, label);
    cairo_set_source_rgb(cr, 0, 0, 0);
    font_state fs = {NULL, 0};
    for (size_t li = pg->l0; li < pg->l1; li++) {
      const bs_ts_line *l = &c->lines_v[li];
      if (l->fig && st == BS_OK) /* content hook: the image of a figure line (figure.c) */
        st = bs_ts_figure_draw(cr, c, l, err);
      for (size_t r = 0; r < l->nruns; r++) {
        draw_run(cr, &fs, l, &l->runs[r]);
        draw_dots(cr, c, l, &l->runs[r]);
      }
    }
    if (!pg->blank)
      draw_folio(cr, c, pg->number);
    cairo_show_page(cr);
  }
  cairo_status_t cs = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(s);
  if (cs == CAIRO_STATUS_SUCCESS)
    cs = cairo_surface_status(s);
  cairo_surface_destroy(s);
  if (st == BS_OK && cs != CAIRO_STATUS_SUCCESS)
    st = bs_error_set(err, BS_ERR_LIBRARY, NULL, 0, 0, "cairo: %s", cairo_status_to_string(cs));
  else if (st == BS_OK && c->vertical)
    r2l_update(out);
  return st;
}
