/* Drawing with Cairo: every box is one cairo_show_text_glyphs() call with its text and
 * clusters, in logical order, so `pdftotext -raw` gives the text back (§0.9). Folios come
 * after the body text of each page (§7.5). */
#include <cairo-pdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <hb-ot.h>

#include "bisheng/version.h"
#include "typeset-impl.h"

typedef struct batch batch;
typedef struct font_state font_state;

/* Consecutive runs of a page with the same face, size and transformation up to a translation
 * are drawn by one cairo_show_text_glyphs() call (#4: each call costs Cairo a region union at
 * cairo_show_page, so one call per box spent most of the time there). Glyphs, text and
 * clusters are concatenated in logical order, so text extraction is unchanged. */
struct batch {
  double ink[3];           /* the colour it is drawn in: black, or the marked content's (mark) */
  cairo_font_face_t *ff;
  double size;
  cairo_matrix_t lin, inv; /* the shared linear part and its inverse */
  cairo_glyph_t *g;
  double *adv;             /* each glyph's advance in em, for a column drawn as one string */
  size_t ng, capg;
  double *moves;           /* a column's moves (batch_flush) */
  cairo_text_cluster_t *cl;
  size_t ncl, capcl;
  bs_buf text;
  bs_pdftext *out;         /* the filter columns are told to (column) */
  bool outlines;           /* its face has outlines: its glyphs are 4 hex digits in the PDF */
  unsigned columns;        /* columns drawn */
};

struct bs_ts_pdf {
  cairo_surface_t *s;
  cairo_t *cr;
  batch *batch;
  int ol[7]; /* the last outline item per level */
  struct link {
    size_t from;      /* physical page (0-based, drawing order) */
    double rect[4];   /* x0 y0 x1 y1, PDF page space with y down */
    int to;           /* page number */
    double x, y;      /* destination, PDF page space with y down */
  } *links;
  size_t nlinks;
  FILE *f;
  bool write_failed;
  int write_errno;
  struct uri_link {
    size_t from;     /* physical page (0-based, drawing order) */
    double rect[4];  /* x0 y0 x1 y1, PDF page space with y down */
    char *uri;       /* owned: the chapter it comes from is given back once drawn */
  } *uris;           /* external links, in drawing order */
  size_t nuris;
  bs_pdftext *text;  /* the filter over Cairo's output (pdftext.c) */
  bool actual;       /* the paragraph's marked content gets its text as /ActualText */
  int cell;          /* the open TD/TH of a table row's paragraph (its index), or -1 */
  bool cell_th;
  bs_buf row;        /* vertical: the text of a table row's piece on this page ... */
  size_t row_end;
  size_t row_spans;  /* ... and how many Spans it has drawn (one /ActualText over them) */
  bool split;        /* the open paragraph is drawn in pieces (draw_split) */
  const char *span_lang; /* the open Span's own language (draw_split), or NULL */
  char para_lang[32];    /* the open paragraph's language */
  /* The structure tree (#15), kept here as compact records and written at the end
   * (write_structure), not by Cairo 1.16's tags, whose records of every element (a 10,000-
   * article book has a million) it holds until the file ends: 150 bytes each, against 12
   * here. Elements are numbered as begun (the Document first), so an element's children
   * come after it in order. */
  struct elem {
    uint32_t parent;   /* the element it is under (itself for the Document) */
    uint32_t page;     /* the page (drawing order) of its marked content, or NO_PAGE */
    uint16_t mcid;     /* its marked content's id on that page */
    uint8_t type;      /* in struct_types */
    uint8_t attr;      /* it has entries to add (attrs) */
  } *els;
  size_t nels, capels;
  uint32_t open[64];   /* the open elements, outermost first */
  int tdepth;
  struct elem_attr {
    uint32_t el;
    char *add;       /* the entries to add to its dictionary */
  } *attrs;          /* elements that need more than the type (/Lang, /Alt), in order */
  size_t nattrs;
  uint32_t page;     /* the page being drawn (drawing order) ... */
  uint32_t mcids;    /* ... and the marked contents on it so far */
  uint32_t marks;    /* the marked contents begun in the file so far (mark) */
  bool end_pending;  /* one has ended since the last thing drawn that ends it (end_mark) */
  struct cont {
    const bs_node *n;
    const char *tag;
  } cont[16];        /* the open containers above the paragraph (L, LI, BlockQuote, ...) */
  int ncont;
  bool para_open;    /* a paragraph's structure tag is open ... */
  int para;          /* ... that of this paragraph (its lines' para_id) */
  char para_tag[8];
  bool span;         /* a paragraph's Span is open, or its own marked content (direct) */
  bool direct;       /* the open paragraph holds its content itself, without a Span */
  size_t lines_end;  /* the end of the lines being drawn (draw_lines) */
  bs_buf line;       /* its text */
  size_t line_end;   /* the paragraph byte after it */
  bool upright;      /* it shows upright glyphs: extractors need its /ActualText */
  struct ruby_run {
    const bs_ts_line *l;
    const bs_ts_prun *r;
  } *rubies;         /* vertical: the ruby readings of the Span, drawn after it */
  size_t nrubies, caprubies;
  struct font_state *fs; /* the font state of the page being drawn */
  bs_ts_ctx *cx;
  bool toc;          /* drawing the contents: entries are TOCI */
  /* the tags above the paragraphs, opened with the first paragraph under them (a blank
   * recto holds nothing of a chapter) */
  bool doc_open;
  const char *sect;  /* the chapter's (Sect, Part) or the contents' (TOC) tag, or NULL */
  bool sect_open;
  uint32_t toc_el;   /* the contents' section element, or 0 */
  int *front_entry;  /* each front line's contents entry, or -1 (bs_ts_draw_front) */
  size_t front_next; /* the next front page to draw */
};

#define NO_PAGE UINT32_MAX

static const char *const struct_types[] = {
    "Document", "Sect", "Part",   "TOC",  "TOCI", "P",     "H1",      "H2",         "H3",
    "H4",       "H5",   "H6",     "Span", "L",    "LI",    "Table",   "TR",         "TD",
    "TH",       "Code", "Figure", "Note", "Caption", "BlockQuote", NULL};

static uint8_t struct_type(const char *name)
{
  for (uint8_t i = 0; struct_types[i]; i++)
    if (!strcmp(struct_types[i], name))
      return i;
  return 12; /* Span: never (the names are ours) */
}

/* Structure elements are begun and ended through these. */
static void tag_begin(bs_ts_pdf *p, const char *name, const char *attributes)
{
  (void)attributes;
  if (p->nels == p->capels) {
    p->capels = p->capels ? 2 * p->capels : 1024;
    p->els = bs_xrealloc(p->els, p->capels * sizeof *p->els);
  }
  uint32_t id = (uint32_t)p->nels++;
  struct elem *e = &p->els[id];
  e->parent = p->tdepth > 0 ? p->open[p->tdepth < 64 ? p->tdepth - 1 : 63] : id;
  e->page = NO_PAGE;
  e->mcid = 0;
  e->type = struct_type(name);
  e->attr = 0;
  if (p->tdepth < 64)
    p->open[p->tdepth] = id;
  p->tdepth++;
}

static void tag_end(bs_ts_pdf *p, const char *name)
{
  (void)name;
  if (p->tdepth > 0)
    p->tdepth--;
}

/* The element just begun gets `add` in its dictionary (write_structure). */
static void tag_attr(bs_ts_pdf *p, const char *name, const char *add)
{
  (void)name;
  if (!p->tdepth || p->tdepth > 64)
    return;
  uint32_t el = p->open[p->tdepth - 1];
  p->attrs = bs_xrealloc(p->attrs, (p->nattrs + 1) * sizeof *p->attrs);
  p->attrs[p->nattrs].el = el;
  p->attrs[p->nattrs++].add = bs_xstrdup(add);
  p->els[el].attr = 1;
}

/* The marked content of the innermost open element (a Span, or a paragraph holding its
 * content itself) begins or ends here. Cairo cannot write marked content without building
 * its own structure element, so the filter over Cairo's output (pdftext.c) writes the BDC
 * and EMC from what draw.c leaves in the contents. Where one begins, nothing is drawn: its
 * content is drawn in a colour that names it (bs_pdftext_mark_ink: the Nth one's, N mod
 * 65536), which Cairo writes as "R G B rg" before the first thing drawn in it (a new colour
 * ends Cairo's text object), and the filter makes that the BDC and black again. Where one
 * ends, the colour goes back to black: what is drawn next in black or in the next one's
 * colour, or the page's end, ends it in the filter. Only an image, which sets no colour,
 * needs an end drawn (end_mark). A mark drawn as a 1 pt square cost Cairo as much as a line
 * of text (callgrind, 100-article vertical PDF: the drawing thread 6.56 G instructions, 0.90 G
 * of them the squares; 6.03 G now). */
static void mark(bs_ts_pdf *p, bool begin)
{
  double *ink = p->batch->ink;
  if (begin) {
    if (p->tdepth > 0 && p->tdepth <= 64) {
      struct elem *e = &p->els[p->open[p->tdepth - 1]];
      e->page = p->page;
      e->mcid = (uint16_t)p->mcids++;
      bs_pdftext_mark(p->text, struct_types[e->type], e->mcid);
    } else {
      bs_pdftext_mark(p->text, "Span", 0); /* never: the tags are ours */
    }
    bs_pdftext_mark_ink(p->marks++, ink);
    p->end_pending = false;
  } else {
    ink[0] = ink[1] = ink[2] = 0;
    p->end_pending = true;
  }
  cairo_set_source_rgb(p->cr, ink[0], ink[1], ink[2]);
}

/* Before an image: the marked content that ended last, if nothing has ended it in the
 * contents yet, ends with a 1 pt square in 0.75 0.5 0.25 at the sheet's corner (the filter
 * takes it out). */
static void end_mark(bs_ts_pdf *p)
{
  if (!p->end_pending)
    return;
  p->end_pending = false;
  cairo_t *cr = p->cr;
  cairo_save(cr);
  cairo_identity_matrix(cr);
  cairo_set_source_rgb(cr, 0.75, 0.5, 0.25);
  cairo_rectangle(cr, 0, 0, 1, 1);
  cairo_fill(cr);
  cairo_restore(cr);
}

static void show_page(bs_ts_pdf *p)
{
  bs_pdftext_mark(p->text, NULL, 0); /* the page's marked contents end with its contents */
  bs_pdftext_glyphs(p->text, 0, NULL); /* and so do its glyphs */
  cairo_show_page(p->cr);
  p->end_pending = false;
  p->page++;
  p->mcids = 0;
}

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int len)
{
  bs_ts_pdf *p = closure;
  if (!bs_pdftext_write(p->text, data, len)) {
    p->write_failed = true;
    /* the reason (a full disk) for the message naming the output */
    p->write_errno = bs_pdftext_errno(p->text) ? bs_pdftext_errno(p->text) : errno;
    return CAIRO_STATUS_WRITE_ERROR;
  }
  return CAIRO_STATUS_SUCCESS;
}

/* The Cairo face to draw glyphs g of f with; *map takes their ids to that face's, or is NULL
 * when they are f's own. */
static cairo_font_face_t *face_for(bs_ts_ctx *c, bs_ts_face *f, const bs_ts_pglyph *g, size_t n,
                                   const hb_map_t **map)
{
  *map = NULL;
  if (!f->sub_tried) {
    f->sub_tried = true;
    if (!c->bk->book && f->cjk) {
      f->sub_gids = bs_ts_chapter_glyphs(c, f);
      f->sub = bs_ts_face_subset(f, f->sub_gids, &f->sub_map);
    } else {
      bs_ts_face_book_subset(c->bk, f);
    }
  }
  if (!f->sub)
    return bs_ts_face_cairo(f);
  for (size_t i = 0; i < n; i++)
    if (!hb_set_has(f->sub_gids, g[i].gid))
      return bs_ts_face_cairo(f); /* a glyph outside the subset (never expected) */
  *map = f->sub_map;
  return f->sub;
}

/* The font state lives outside save/restore and is set only when it changes: looking up a
 * scaled font for every box costs more than drawing it. */
struct font_state {
  const cairo_font_face_t *face;
  double size;
};

/* A column (#19): glyphs of a marked content most of which sit below the one before (a
 * vertical line). Cairo would write each of them as a Td and a Tj (three numbers printed with
 * printf and a string flushed per glyph: a sixth of a vertical PDF's time), so they go to
 * Cairo on one stand-in baseline at their natural advances, which it writes as strings, and
 * the filter writes each glyph after its move (pdftext.c: show_glyphs). The moves are queued
 * here in text space, where a step (dx, dy) in the batch's frame is (dx, -dy) / size (Cairo's
 * text matrix is the font matrix, size times the frame, with y turned up). The first glyph
 * goes to Cairo DROP em below its place, so that Cairo always begins the string with a Tm
 * or a Td (never goes on from a string before), and its move puts it back. Cairo drops
 * glyphs 10 em outside the clip, and going back along the stand-in baseline costs a Td
 * (printed by Cairo, taken out by the filter and made up for at the column's end), so the
 * baseline uses all it may: it begins at the clip's left edge (a string wholly outside the
 * page is not drawn at all) and goes back to 9 em left of it where it would pass 9 em right
 * of it, which a column does only if longer than the page is wide; in a frame turned or
 * scaled it stays within SPAN em of the first glyph. The filter works on the writer thread
 * when there is one; bytes are alike at any -j. */
static bool column(cairo_t *cr, batch *b)
{
  enum { SPAN = 7, FAR = 9 };
  /* two in turn: a column that begins where the one before began is still moved to */
  const double DROP = (1 + b->columns % 2) / 64.0;
  size_t steps = 0; /* glyphs off the one before's baseline: most of a column's, a few of a
                     * paragraph's */
  bool wide = false; /* a glyph wider than 1.5 em: Cairo's way, as a row must go back < 10 em */
  for (size_t i = 0; i < b->ng; i++) {
    steps += i > 0 && b->g[i].y != b->g[i - 1].y;
    wide = wide || b->adv[i] > 1.5 || b->adv[i] < 0;
  }
  if (2 * steps < b->ng || wide || !b->outlines)
    return false;
  /* the stand-in baseline: from lo to hi em right of the first glyph */
  double lo = 0, hi = SPAN, wrap = -SPAN;
  cairo_matrix_t m;
  cairo_get_matrix(cr, &m);
  if (b->lin.xx == 1 && b->lin.yx == 0 && b->lin.xy == 0 && b->lin.yy == 1 && m.xx == 1 &&
      m.yx == 0 && m.xy == 0 && m.yy == 1) { /* the frame is device space, moved */
    double x1, y1, x2, y2;
    cairo_clip_extents(cr, &x1, &y1, &x2, &y2);
    double l = (x1 - b->g[0].x) / b->size, h = (x2 - b->g[0].x) / b->size + FAR;
    if (l - FAR < -SPAN && h > SPAN) {
      lo = l < 0 ? l : 0;
      wrap = l - FAR;
      hi = h;
    }
  }
  b->columns++;
  b->moves = bs_xrealloc(b->moves, 2 * b->ng * sizeof *b->moves);
  b->moves[0] = -lo; /* the first glyph, up and across from where Cairo puts it */
  b->moves[1] = DROP;
  for (size_t i = 1; i < b->ng; i++) {
    b->moves[2 * i] = (b->g[i].x - b->g[i - 1].x) / b->size;
    b->moves[2 * i + 1] = (b->g[i - 1].y - b->g[i].y) / b->size;
  }
  double x = b->g[0].x, at = lo, y = b->g[0].y + DROP * b->size;
  for (size_t i = 0; i < b->ng; i++) {
    if (i > 0)
      at += b->adv[i - 1];
    if (at > hi)
      at = wrap;
    b->g[i].x = x + at * b->size;
    b->g[i].y = y;
  }
  bs_pdftext_glyphs(b->out, b->ng, b->moves);
  return true;
}

static void batch_flush(cairo_t *cr, font_state *fs, batch *b)
{
  if (!b->ng)
    return;
  cairo_pattern_t *was = NULL; /* a column is drawn in its colour (the alpha kept) */
  double ink[3], a = 1;
  if (b->out && bs_pdftext_ink_is_mark(b->ink) && column(cr, b)) {
    was = cairo_pattern_reference(cairo_get_source(cr));
    cairo_pattern_get_rgba(was, NULL, NULL, NULL, &a);
    bs_pdftext_column_ink(b->ink, ink);
    cairo_set_source_rgba(cr, ink[0], ink[1], ink[2], a);
  }
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
  if (was) {
    cairo_set_source(cr, was);
    cairo_pattern_destroy(was);
  }
  b->ng = b->ncl = 0;
  bs_buf_clear(&b->text);
}

static void batch_free(batch *b)
{
  free(b->g);
  free(b->adv);
  free(b->moves);
  free(b->cl);
  bs_buf_free(&b->text);
}

static void draw_emoji(bs_ts_ctx *c, cairo_t *cr, font_state *fs, batch *b, const bs_ts_line *l,
                       const bs_ts_prun *r);
static void draw_glyphs(cairo_t *cr, font_state *fs, batch *b, const bs_ts_line *l,
                        const bs_ts_prun *r, cairo_font_face_t *ff, const hb_map_t *map);

static void draw_run(bs_ts_ctx *c, cairo_t *cr, font_state *fs, batch *b, const bs_ts_line *l,
                     const bs_ts_prun *r)
{
  if (!r->ng)
    return;
  if (r->face->color) {
    draw_emoji(c, cr, fs, b, l, r);
    return;
  }
  const hb_map_t *map;
  cairo_font_face_t *ff = face_for(c, r->face, r->g, r->ng, &map);
  draw_glyphs(cr, fs, b, l, r, ff, map);
}

/* Whether Cairo embeds f as a CID font (glyf or CFF outlines, no colour; Cairo 1.16 does
 * not read CFF2), whose glyphs the filter reads as four hex digits, not a Type 3 font's two. */
static bool has_outlines(bs_ts_face *f)
{
  if (!f->outlines) {
    hb_face_t *face = hb_font_get_face(f->hb);
    static const hb_tag_t tags[] = {HB_TAG('g', 'l', 'y', 'f'), HB_TAG('C', 'F', 'F', ' ')};
    bool any = false;
    for (size_t i = 0; i < sizeof tags / sizeof *tags && !any; i++) {
      hb_blob_t *t = hb_face_reference_table(face, tags[i]);
      any = hb_blob_get_length(t) > 0;
      hb_blob_destroy(t);
    }
    f->outlines = any && !f->color ? 1 : -1;
  }
  return f->outlines > 0;
}

/* Adds run r, drawn in Cairo face ff (glyph ids through map, when not NULL), to the batch. */
static void draw_glyphs(cairo_t *cr, font_state *fs, batch *b, const bs_ts_line *l,
                        const bs_ts_prun *r, cairo_font_face_t *ff, const hb_map_t *map)
{
  const cairo_matrix_t *m = &r->m;
  if (b->ng && (b->ff != ff || b->size != r->size || b->lin.xx != m->xx || b->lin.yx != m->yx ||
                b->lin.xy != m->xy || b->lin.yy != m->yy))
    batch_flush(cr, fs, b);
  if (!b->ng) {
    b->ff = ff;
    b->size = r->size;
    b->outlines = has_outlines(r->face);
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
    b->adv = bs_xrealloc(b->adv, b->capg * sizeof *b->adv);
  }
  if (b->ncl + r->ng > b->capcl) {
    b->capcl = (b->ncl + r->ng) * 2;
    b->cl = bs_xrealloc(b->cl, b->capcl * sizeof *b->cl);
  }
  cairo_glyph_t *g = b->g + b->ng;
  cairo_text_cluster_t *cl = b->cl + b->ncl;
  int ncl = 0;
  for (size_t i = 0; i < r->ng; i++) {
    g[i].index = map ? hb_map_get(map, r->g[i].gid) : r->g[i].gid;
    b->adv[b->ng + i] = hb_font_get_glyph_h_advance(r->face->hb, r->g[i].gid) / r->face->upem;
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

/* #13: Cairo 1.16 draws Noto Color Emoji's bitmap strikes blurry or not at all, so each
 * emoji glyph is drawn as its PNG (hb_ot_color_glyph_reference_png: 109 px per em), made into
 * an image once per glyph and face (the PDF then holds it once however often it is drawn).
 * The text stays extractable: under the image the run's text is shown with a stand-in glyph
 * of the regional face (□, one em) at an alpha of 0.5 % (Cairo drops clear sources); Cairo
 * maps the glyph to each emoji's text by /ActualText. */
static cairo_surface_t *emoji_image(bs_ts_face *f, uint32_t gid)
{
  for (size_t i = 0; i < f->npngs; i++)
    if (f->pngs[i].gid == gid)
      return f->pngs[i].img;
  hb_blob_t *blob = hb_ot_color_glyph_reference_png(f->hb, gid);
  unsigned len = 0;
  const char *png = hb_blob_get_data(blob, &len);
  cairo_surface_t *img = NULL;
  if (len) {
    img = bs_ts_png_surface(png, len);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
      cairo_surface_destroy(img);
      img = NULL;
    }
  }
  hb_blob_destroy(blob);
  f->pngs = bs_xrealloc(f->pngs, (f->npngs + 1) * sizeof *f->pngs);
  f->pngs[f->npngs].gid = gid;
  f->pngs[f->npngs++].img = img;
  return img;
}

static void draw_emoji(bs_ts_ctx *c, cairo_t *cr, font_state *fs, batch *b, const bs_ts_line *l,
                       const bs_ts_prun *r)
{
  batch_flush(cr, fs, b);
  bs_ts_face *cjk = bs_ts_face_get(c, false, false, NULL);
  hb_codepoint_t box = 0;
  if (cjk && hb_font_get_nominal_glyph(cjk->hb, 0x25A1, &box)) {
    bs_ts_prun t = *r;
    t.face = cjk;
    t.g = bs_xmalloc(r->ng * sizeof *t.g);
    t.size = 0;
    for (size_t i = 0; i < r->ng; i++) {
      t.g[i] = r->g[i];
      t.g[i].gid = box;
      t.size = fmax(t.size, r->g[i].adv);
    }
    cairo_set_source_rgba(cr, b->ink[0], b->ink[1], b->ink[2], 0.005);
    /* in the whole face, not the subset: the subset has no cmap (#19), so Cairo would make
     * the first emoji's text the stand-in's ToUnicode entry, which extractors that ignore
     * /ActualText (MuPDF) would then give for every emoji; with the cmap it is □ */
    draw_glyphs(cr, fs, b, l, &t, bs_ts_face_cairo(cjk), NULL);
    batch_flush(cr, fs, b);
    cairo_set_source_rgb(cr, b->ink[0], b->ink[1], b->ink[2]);
    free(t.g);
  }
  double k = r->size / r->face->upem;
  for (size_t i = 0; i < r->ng; i++) {
    cairo_surface_t *img = emoji_image(r->face, r->g[i].gid);
    hb_glyph_extents_t e;
    if (!img || !hb_font_get_glyph_extents(r->face->hb, r->g[i].gid, &e) || !e.width ||
        !e.height)
      continue;
    int iw = cairo_image_surface_get_width(img), ih = cairo_image_surface_get_height(img);
    cairo_save(cr);
    cairo_translate(cr, l->ox, l->oy);
    cairo_transform(cr, &r->m);
    cairo_translate(cr, r->g[i].x + e.x_bearing * k, r->g[i].y - e.y_bearing * k);
    cairo_scale(cr, e.width * k / iw, -e.height * k / ih);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
  }
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

/* Draws a text the layout shaped and placed (folio.c: folios, running heads, the contents'
 * page numbers): its runs from the label's origin, squeezed by its sx around its start. */
static void draw_label(bs_ts_ctx *c, cairo_t *cr, font_state *fs, batch *bt,
                       const bs_ts_label *lb)
{
  if (!lb->line || !lb->line->nruns)
    return;
  bs_ts_line l = *lb->line; /* the shaped line, at the label's place */
  l.ox = lb->ox;
  l.oy = lb->oy;
  cairo_matrix_t sq;
  cairo_matrix_init_scale(&sq, lb->sx, 1);
  batch_flush(cr, fs, bt);
  for (size_t i = 0; i < l.nruns; i++) {
    bs_ts_prun r = l.runs[i];
    cairo_matrix_multiply(&r.m, &r.m, &sq);
    draw_run(c, cr, fs, bt, &l, &r);
  }
  batch_flush(cr, fs, bt);
}

/* §7.5: the page's running head and folio where pagination put them (folio.c). */
static void draw_folio(cairo_t *cr, bs_ts_ctx *c, font_state *fs, batch *bt,
                       const bs_ts_page *pg)
{
  draw_label(c, cr, fs, bt, &pg->head_at); /* the head first: the folio stays the page's last text */
  draw_label(c, cr, fs, bt, &pg->folio_at);
}

/* Crop marks at the trim corners, outside the bleed (#5 print options). Japanese トンボ
 * (#15): at each corner a pair of marks, one on the trim line and one on the bleed line (3 mm
 * out at least), and a centre mark (a cross) outside the middle of each edge. */
static void draw_crop_marks(cairo_t *cr, const bs_ts_ctx *c)
{
  double off = c->run->bleed > 3 * BS_PT_PER_MM ? c->run->bleed : 3 * BS_PT_PER_MM;
  double len = c->run->trim_x - off - BS_PT_PER_MM;
  if (len <= 0)
    return;
  cairo_save(cr);
  cairo_set_line_width(cr, 0.25);
  bool jp = c->bk->opts->crop_marks == BS_CROP_JAPANESE;
  for (int i = 0; i < 4; i++) {
    double x = i & 1 ? c->page_w : 0, y = i & 2 ? c->page_h : 0;
    double sx = i & 1 ? 1 : -1, sy = i & 2 ? 1 : -1;
    cairo_move_to(cr, x + sx * off, y);
    cairo_line_to(cr, x + sx * (off + len), y);
    cairo_move_to(cr, x, y + sy * off);
    cairo_line_to(cr, x, y + sy * (off + len));
    if (jp) { /* the outer mark: an L on the bleed line, its arms reaching to the trim */
      cairo_move_to(cr, x + sx * (off + len), y + sy * off);
      cairo_line_to(cr, x + sx * off, y + sy * off);
      cairo_line_to(cr, x + sx * off, y + sy * (off + len));
      cairo_move_to(cr, x, y + sy * off);
      cairo_line_to(cr, x + sx * off, y + sy * off);
      cairo_move_to(cr, x + sx * off, y);
      cairo_line_to(cr, x + sx * off, y + sy * off);
    }
  }
  if (jp)
    for (int i = 0; i < 4; i++) { /* centre marks: along the centre line, a bar across it */
      bool horiz = i < 2; /* on the top and bottom edges */
      double s = i & 1 ? 1 : -1;
      double cx = c->page_w / 2, cy = c->page_h / 2;
      double e = horiz ? (i & 1 ? c->page_h : 0) : (i & 1 ? c->page_w : 0);
      double a = e + s * off, b = e + s * (off + len), m = (a + b) / 2;
      if (horiz) {
        cairo_move_to(cr, cx, a);
        cairo_line_to(cr, cx, b);
        cairo_move_to(cr, cx - len / 2, m);
        cairo_line_to(cr, cx + len / 2, m);
      } else {
        cairo_move_to(cr, a, cy);
        cairo_line_to(cr, b, cy);
        cairo_move_to(cr, m, cy - len / 2);
        cairo_line_to(cr, m, cy + len / 2);
      }
    }
  cairo_stroke(cr);
  cairo_restore(cr);
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
  if (c->bk->opts->source_date >= 0) {
    char d[64];
    iso_date(c->bk->opts->source_date, d, sizeof d);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, d);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, d);
  }
}


/* Replaces the last ">>" of a dictionary's text with `add` followed by ">>". */
static bool dict_append(bs_buf *d, const char *add)
{
  for (size_t i = d->len; i-- > 1;)
    if (d->data[i] == '>' && d->data[i - 1] == '>') {
      d->len = i - 1;
      bs_buf_puts(d, add);
      bs_buf_puts(d, ">>");
      return true;
    }
  return false;
}

/* A BCP 47 tag that can go into a literal string as it is. */
static bool lang_ok(const char *lang)
{
  size_t n = strlen(lang);
  return n && strspn(lang, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* " N 0 R" */
static void put_ref(bs_buf *b, int num)
{
  bs_buf_putc(b, ' ');
  bs_buf_put_int(b, num);
  bs_buf_puts(b, " 0 R");
}

/* The structure tree (#15) from the records (struct elem): the StructTreeRoot, an object per
 * element (numbered as begun, from `base`) with its type, parent, kids (elements, or its
 * marked content on its page) and added entries (/Lang, /Alt), and the parent tree (per page
 * with marked content, its elements by MCID). The contents, drawn last, come first among the
 * Document's kids, where they are read. `kids`: the page objects in drawing order. Sets
 * *root and each page's /StructParents key in parents[] (-1: none). */
static void write_structure(bs_ts_pdf *p, bs_pdfup *u, const int *kids, size_t nk, int *root,
                            int *parents)
{
  size_t n = p->nels;
  for (size_t i = 0; i < nk; i++)
    parents[i] = -1;
  *root = 0;
  if (!n)
    return;
  *root = bs_pdfup_new_obj(u);
  int base = bs_pdfup_new_objs(u, (int)n);
  /* children lists: first child and next sibling, in order */
  uint32_t *first = bs_xmalloc(n * sizeof *first), *next = bs_xmalloc(n * sizeof *next),
           *last = bs_xmalloc(n * sizeof *last);
  for (size_t i = 0; i < n; i++)
    first[i] = next[i] = last[i] = NO_PAGE;
  for (size_t i = 1; i < n; i++) {
    uint32_t par = p->els[i].parent;
    if (par == i)
      continue; /* a second Document: never */
    if (first[par] == NO_PAGE)
      first[par] = (uint32_t)i;
    else
      next[last[par]] = (uint32_t)i;
    last[par] = (uint32_t)i;
  }
  /* the contents first among the Document's kids */
  if (p->toc_el && p->els[p->toc_el].parent == 0 && first[0] != p->toc_el) {
    uint32_t prev = first[0];
    while (prev != NO_PAGE && next[prev] != p->toc_el)
      prev = next[prev];
    if (prev != NO_PAGE) {
      next[prev] = next[p->toc_el];
      next[p->toc_el] = first[0];
      first[0] = p->toc_el;
    }
  }
  bs_buf b = BS_BUF_INIT;
  size_t ai = 0;
  for (size_t i = 0; i < n; i++) {
    const struct elem *e = &p->els[i];
    bs_buf_clear(&b);
    bs_buf_puts(&b, "<< /Type /StructElem /S /");
    bs_buf_puts(&b, struct_types[e->type]);
    bs_buf_puts(&b, " /P");
    put_ref(&b, e->parent == i ? *root : base + (int)e->parent);
    if (first[i] != NO_PAGE) {
      bs_buf_puts(&b, " /K [");
      for (uint32_t k = first[i]; k != NO_PAGE; k = next[k])
        put_ref(&b, base + (int)k);
      bs_buf_puts(&b, " ]");
    } else if (e->page != NO_PAGE && e->page < nk) {
      bs_buf_puts(&b, " /Pg");
      put_ref(&b, kids[e->page]);
      bs_buf_puts(&b, " /K ");
      bs_buf_put_int(&b, e->mcid);
    }
    while (ai < p->nattrs && p->attrs[ai].el < i)
      ai++;
    for (; ai < p->nattrs && p->attrs[ai].el == i; ai++)
      bs_buf_puts(&b, p->attrs[ai].add);
    bs_buf_puts(&b, " >>");
    bs_pdfup_set(u, base + (int)i, b.data, b.len);
  }
  /* the parent tree: the elements of each page's marked content, by MCID (the elements of a
   * page's marked content are begun on it, in order) */
  bs_buf nums = BS_BUF_INIT;
  bs_buf_puts(&nums, "<< /Nums [");
  int key = 0;
  for (size_t i = 0; i < n;) {
    if (p->els[i].page == NO_PAGE || p->els[i].page >= nk) {
      i++;
      continue;
    }
    uint32_t pg = p->els[i].page;
    bs_buf_clear(&b);
    bs_buf_puts(&b, "[");
    for (; i < n && (p->els[i].page == pg || p->els[i].page == NO_PAGE); i++)
      if (p->els[i].page == pg)
        put_ref(&b, base + (int)i);
    bs_buf_puts(&b, " ]");
    int arr = bs_pdfup_new_obj(u);
    bs_pdfup_set(u, arr, b.data, b.len);
    bs_buf_putc(&nums, ' ');
    bs_buf_put_int(&nums, key);
    put_ref(&nums, arr);
    parents[pg] = key++;
  }
  bs_buf_puts(&nums, " ] >>");
  int tree = bs_pdfup_new_obj(u);
  bs_pdfup_set(u, tree, nums.data, nums.len);
  bs_buf_clear(&b);
  bs_buf_printf(&b, "<< /Type /StructTreeRoot /K %d 0 R /ParentTree %d 0 R /ParentTreeNextKey %d >>",
                base, tree, key);
  bs_pdfup_set(u, *root, b.data, b.len);
  bs_buf_free(&b);
  bs_buf_free(&nums);
  free(first);
  free(next);
  free(last);
}

/* The incremental update (pdfup.c): the contents' pages, drawn last, move to the front of
 * /Kids; page boxes for print; /PageLabels (i, ii, … for the front matter, then 1, 2, …);
 * §7.4: vertical books open as right-to-left spreads (/Direction /R2L, /TwoPageRight), and so
 * do books in Arabic, Hebrew or another right-to-left language. */
static void pdf_update(bs_ts_ctx *c, bs_ts_pdf *p, bs_pdfup *u)
{
  bs_buf cat = BS_BUF_INIT, pages = BS_BUF_INIT, obj = BS_BUF_INIT, add = BS_BUF_INIT;
  bs_buf ann = BS_BUF_INIT;
  int *kids = NULL;
  size_t nk = 0;
  int r = bs_pdfup_root(u);
  if (!bs_pdfup_get(u, r, &cat))
    goto done;
  const char *pp = strstr(cat.data, "/Pages");
  int pn = pp ? atoi(pp + 6) : 0;
  if (pn > 0 && bs_pdfup_get(u, pn, &pages)) {
    char *k = strstr(pages.data, "/Kids");
    char *open = k ? strchr(k, '[') : NULL;
    char *close = open ? strchr(open, ']') : NULL;
    if (close) {
      for (char *q = open + 1; q < close;) {
        char *e;
        long v = strtol(q, &e, 10);
        if (e == q)
          break;
        kids = bs_xrealloc(kids, (nk + 1) * sizeof *kids);
        kids[nk++] = (int)v;
        strtol(e, &q, 10); /* generation */
        while (q < close && (*q == ' ' || *q == 'R' || *q == '\n' || *q == '\r'))
          q++;
      }
      size_t nf = c->run->nfront_pages;
      if (nf && nf < nk) {
        /* the contents were drawn last: their pages go first */
        bs_buf_put(&obj, pages.data, (size_t)(open + 1 - pages.data));
        for (size_t i = 0; i < nk; i++)
          bs_buf_printf(&obj, " %d 0 R", kids[(i + nk - nf) % nk]);
        bs_buf_puts(&obj, close);
        bs_pdfup_set(u, pn, obj.data, obj.len);
      }
    }
  }
  /* per page: the contents' links (their pages in drawing order, as kids still is) and the
   * print boxes */
  double H = c->page_h + 2 * c->run->trim_y;
  char boxes[256] = "";
  if (c->run->trim_x > 0) {
    double e = c->run->trim_x, b = c->run->bleed, w = c->page_w, h = c->page_h;
    snprintf(boxes, sizeof boxes,
             " /TrimBox [%.3f %.3f %.3f %.3f] /BleedBox [%.3f %.3f %.3f %.3f]\n", e, e, e + w,
             e + h, e - b, e - b, e + w + b, e + h + b);
  }
  int sroot = 0, *parents = bs_xmalloc((nk + 1) * sizeof *parents);
  write_structure(p, u, kids, nk, &sroot, parents);
  size_t li = 0, ui = 0;
  for (size_t i = 0; i < nk; i++) {
    bs_buf_clear(&add);
    bs_buf_puts(&add, boxes);
    if (parents[i] >= 0)
      bs_buf_printf(&add, " /StructParents %d", parents[i]);
    while (li < p->nlinks && p->links[li].from < i)
      li++;
    while (ui < p->nuris && p->uris[ui].from < i)
      ui++;
    bool annots = (li < p->nlinks && p->links[li].from == i) ||
                  (ui < p->nuris && p->uris[ui].from == i);
    if (annots)
      bs_buf_puts(&add, " /Annots [");
    for (; li < p->nlinks && p->links[li].from == i; li++) {
      const struct link *k = &p->links[li];
      if (k->to < 1 || (size_t)k->to > nk)
        continue;
      int num = bs_pdfup_new_obj(u);
      bs_buf_clear(&ann);
      bs_buf_printf(&ann,
                    "<< /Type /Annot /Subtype /Link /Border [0 0 0] /Rect [%.2f %.2f %.2f %.2f] "
                    "/Dest [%d 0 R /XYZ %.2f %.2f 0] >>",
                    k->rect[0], H - k->rect[3], k->rect[2], H - k->rect[1], kids[k->to - 1],
                    k->x, H - k->y);
      bs_pdfup_set(u, num, ann.data, ann.len);
      bs_buf_printf(&add, " %d 0 R", num);
    }
    for (; ui < p->nuris && p->uris[ui].from == i; ui++) {
      const struct uri_link *k = &p->uris[ui];
      int num = bs_pdfup_new_obj(u);
      bs_buf_clear(&ann);
      bs_buf_printf(&ann,
                    "<< /Type /Annot /Subtype /Link /Border [0 0 0] /Rect [%.2f %.2f %.2f %.2f] "
                    "/A << /S /URI /URI (",
                    k->rect[0], H - k->rect[3], k->rect[2], H - k->rect[1]);
      /* a literal string of 7-bit bytes: others are %-escaped, ( ) \ escaped */
      for (const unsigned char *q = (const unsigned char *)k->uri; *q; q++)
        if (*q >= 0x80 || *q < 0x20)
          bs_buf_printf(&ann, "%%%02X", *q);
        else if (*q == '(' || *q == ')' || *q == '\\')
          bs_buf_printf(&ann, "\\%c", *q);
        else
          bs_buf_putc(&ann, (char)*q);
      bs_buf_puts(&ann, ") >> >>");
      bs_pdfup_set(u, num, ann.data, ann.len);
      bs_buf_printf(&add, " %d 0 R", num);
    }
    if (annots)
      bs_buf_puts(&add, "]\n");
    if (add.len && bs_pdfup_get(u, kids[i], &obj) && dict_append(&obj, add.data))
      bs_pdfup_set(u, kids[i], obj.data, obj.len);
  }
  int labels = bs_pdfup_new_obj(u);
  bs_buf_clear(&add);
  if (c->run->nfront_pages)
    bs_buf_printf(&add, "<< /Nums [0 << /S /r >> %zu << /S /D >>] >>", c->run->nfront_pages);
  else
    bs_buf_puts(&add, "<< /Nums [0 << /S /D >>] >>");
  bs_pdfup_set(u, labels, add.data, add.len);
  bs_buf_clear(&add);
  bs_buf_printf(&add, " /PageLabels %d 0 R", labels);
  /* #15: viewers show the title, not the file name; the book's language for screen readers
   * (a literal string of the BCP 47 tag's ASCII) */
  bs_buf_puts(&add, " /ViewerPreferences << /DisplayDocTitle true");
  if (c->bk->r2l)
    bs_buf_puts(&add, " /Direction /R2L >> /PageLayout /TwoPageRight");
  else
    bs_buf_puts(&add, " >>");
  if (lang_ok(c->bk->lang))
    bs_buf_printf(&add, " /Lang (%s)", c->bk->lang);
  if (sroot)
    bs_buf_printf(&add, " /StructTreeRoot %d 0 R /MarkInfo << /Marked true >>", sroot);
  bs_buf_puts(&add, "\n");
  free(parents);
  if (!strstr(cat.data, "/PageLabels") && dict_append(&cat, add.data))
    bs_pdfup_set(u, r, cat.data, cat.len);
done:
  free(kids);
  bs_buf_free(&cat);
  bs_buf_free(&pages);
  bs_buf_free(&obj);
  bs_buf_free(&add);
  bs_buf_free(&ann);
}

bs_status bs_ts_draw_begin(bs_ts_ctx *c, const bs_node *root, FILE *f, bs_ts_pdf **out,
                           bs_error *err)
{
  (void)err;
  bs_ts_pdf *p = bs_xcalloc(1, sizeof *p);
  p->f = f;
  p->batch = bs_xcalloc(1, sizeof *p->batch);
  bs_ts_book_chars(c->bk_own, root);
  /* print options: the page grows by the bleed, and by room for crop marks outside it */
  const double mm = BS_PT_PER_MM;
  c->run->bleed = c->bk->opts->bleed_mm > 0 ? c->bk->opts->bleed_mm * mm : 0;
  c->run->trim_x = c->run->bleed;
  if (c->bk->opts->crop_marks)
    c->run->trim_x = (c->run->bleed > 3 * mm ? c->run->bleed : 3 * mm) + 8 * mm;
  c->run->trim_y = c->run->trim_x;
  /* a core to spare: the filter works on a thread of its own (bs_ts_draw_chapter starts it
   * once one is spared, if none is yet) */
  p->text = bs_pdftext_new(f, bs_ts_cores_now(c->bk->opts->jobs) > 1);
  p->batch->out = p->text;
  p->actual = true; /* set for each paragraph (para_tag) */
  p->cell = -1;
  p->s = cairo_pdf_surface_create_for_stream(write_file, p, c->page_w + 2 * c->run->trim_x,
                                             c->page_h + 2 * c->run->trim_y);
  cairo_pdf_surface_restrict_to_version(p->s, CAIRO_PDF_VERSION_1_5);
  metadata(p->s, c, root);
  p->cr = cairo_create(p->s);
  cairo_translate(p->cr, c->run->trim_x, c->run->trim_y);
  cairo_font_options_t *fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_set_font_options(p->cr, fo);
  cairo_font_options_destroy(fo);
  *out = p;
  return BS_OK;
}

/* The text a line shows, for /ActualText, appended to `b`: its runs in logical order
 * without ruby readings (they sit beside the base text and would splice into it); a space
 * where a break between two Latin letters took one. */
static void run_text(const char *text, size_t len, size_t p0, bs_buf *b, size_t *end)
{
  if (!len)
    return;
  if (b->len && p0 > *end && bs_ts_is_latin((unsigned char)b->data[b->len - 1]) &&
      bs_ts_is_latin((unsigned char)text[0]))
    bs_buf_putc(b, ' ');
  bs_buf_put(b, text, len);
  *end = p0 + len;
}

/* Structure (#15): each paragraph a P (a heading H1–H6, a contents entry TOCI), its piece on
 * each page a Span that holds the marked content; the Span carries the piece's text as
 * /ActualText (pdftext.c), so that vertical columns copy and search as running text and
 * horizontal lines as the source's paragraph. A paragraph that ends on its page and has no
 * ruby or cells holds its content and text itself (p->direct): no Span of its own, 13 % fewer
 * structure elements in a book. */
static void span_end(bs_ts_pdf *p)
{
  if (!p->span)
    return;
  batch_flush(p->cr, p->fs, p->batch);
  mark(p, false);
  tag_end(p, p->direct ? p->para_tag : "Span");
  p->span = false;
  if (p->direct) /* the paragraph ends with its content (before the folio, at a page end) */
    p->para_open = p->direct = false;
  bool cell = p->split && p->actual; /* the piece's text goes over all its Spans */
  bs_pdftext_add(p->text,
                 p->actual && p->upright && !cell ? (p->line.data ? p->line.data : "") : NULL,
                 p->line.len);
  if (cell)
    p->row_spans += 1 + p->nrubies;
  /* ruby readings: each a Span of its own after the base text, so that they copy apart */
  for (size_t i = 0; i < p->nrubies; i++) {
    const bs_ts_prun *r = p->rubies[i].r;
    tag_begin(p, "Span", NULL);
    mark(p, true);
    draw_run(p->cx, p->cr, p->fs, p->batch, p->rubies[i].l, r);
    batch_flush(p->cr, p->fs, p->batch);
    mark(p, false);
    tag_end(p, "Span");
    bs_pdftext_add(p->text, r->text, r->len);
  }
  p->nrubies = 0;
}

/* The structure type of a block that holds paragraphs, or NULL. */
static const char *container_tag(const bs_node *n)
{
  switch (bs_node_get_type(n)) {
  case BS_NODE_LIST:
    return "L";
  case BS_NODE_ITEM:
    return "LI";
  case BS_NODE_BLOCK_QUOTE:
    return "BlockQuote";
  case BS_NODE_TABLE:
    return "Table";
  case BS_NODE_TABLE_ROW:
    return "TR";
  case BS_NODE_FIGURE:
    return "Figure";
  case BS_NODE_FOOTNOTE_DEF:
    return "Note";
  default:
    return NULL;
  }
}

/* Opens the containers of `node` (outermost first) that are not open yet, after closing those
 * that do not hold it; NULL closes them all. */
static void containers(bs_ts_pdf *p, const bs_node *node)
{
  const bs_node *chain[16];
  int n = 0;
  for (const bs_node *k = node; k && n < 16; k = bs_node_parent(k))
    if (container_tag(k))
      chain[n++] = k;
  int keep = 0; /* open containers that are in the chain, from the outermost */
  while (keep < p->ncont && keep < n && p->cont[keep].n == chain[n - 1 - keep])
    keep++;
  while (p->ncont > keep)
    tag_end(p, p->cont[--p->ncont].tag);
  for (int i = n - 1 - keep; i >= 0; i--) {
    const char *tag = container_tag(chain[i]);
    tag_begin(p, tag, NULL);
    p->cont[p->ncont].n = chain[i];
    p->cont[p->ncont++].tag = tag;
    if (bs_node_get_type(chain[i]) == BS_NODE_FIGURE) {
      /* the caption, else the image's title, else its credit */
      const char *alt = bs_node_get_caption(chain[i]);
      if (!alt || !*alt)
        alt = bs_node_get_title(chain[i]);
      if (!alt || !*alt)
        alt = bs_node_get_credit(chain[i]);
      bs_buf add = BS_BUF_INIT;
      bs_buf_puts(&add, " /Alt ");
      bs_ts_pdf_text(&add, alt ? alt : "");
      bs_buf_puts(&add, "\n");
      tag_attr(p, "Figure", add.data);
      bs_buf_free(&add);
    }
  }
}

/* Vertical: the text of a table row's piece on the page, over all the Spans of its cells,
 * so that a row copies as one line as a paragraph does. */
static void row_end(bs_ts_pdf *p)
{
  if (p->row_spans && p->row.len)
    bs_pdftext_group_last(p->text, p->row_spans, p->row.data, p->row.len);
  p->row_spans = 0;
  bs_buf_clear(&p->row);
  p->row_end = 0;
}

/* Ends the open table cell (TD, TH) with its Span. */
static void cell_end(bs_ts_pdf *p)
{
  if (p->cell < 0)
    return;
  span_end(p);
  tag_end(p, p->cell_th ? "TH" : "TD");
  p->cell = -1;
}

static void para_tag(bs_ts_ctx *c, bs_ts_pdf *p, const bs_ts_line *l, size_t li)
{
  if (p->para_open && l && l->para_id == p->para)
    return;
  span_end(p);
  cell_end(p);
  row_end(p);
  if (p->para_open && p->para_tag[0])
    tag_end(p, p->para_tag);
  p->para_open = false;
  if (!l) {
    containers(p, NULL);
    return;
  }
  if (!p->doc_open) {
    tag_begin(p, "Document", NULL);
    p->doc_open = true;
  }
  if (p->sect && !p->sect_open) {
    tag_begin(p, p->sect, NULL);
    p->sect_open = true;
    /* #15: a chapter's section names its language when it is not the book's */
    const char *sl = p->toc || !c->doc_lang[0] ? c->bk->lang : c->doc_lang;
    if (strcmp(sl, c->bk->lang) && lang_ok(sl)) {
      char add[64];
      snprintf(add, sizeof add, " /Lang (%s)\n", sl);
      tag_attr(p, p->sect, add);
    }
    if (p->toc)
      p->toc_el = p->open[p->tdepth - 1];
  }
  containers(p, l->node);
  bs_node_type nt = l->node ? bs_node_get_type(l->node) : BS_NODE_PARAGRAPH;
  /* drawn in pieces: a table row's cells, inline text in other languages (draw_split) */
  p->split = false;
  for (size_t k = li; k < c->nlines && c->lines_v[k].para_id == l->para_id && !p->split; k++)
    p->split = c->lines_v[k].ncells || c->lines_v[k].nlangs;
  /* /ActualText carries each piece's text: in vertical text so that columns copy as running
   * text, in horizontal text so that ruby readings (drawn after it) cannot splice into the
   * base's lines in poppler's layout analysis; not over right-to-left runs in horizontal
   * text, which poppler would give back in visual order */
  p->actual = true;
  bool ruby = false;
  size_t k = li;
  for (; k < c->nlines && c->lines_v[k].para_id == l->para_id; k++)
    for (size_t r = 0; r < c->lines_v[k].nruns; r++) {
      if ((c->lines_v[k].runs[r].level & 1) && !c->vertical)
        p->actual = false;
      ruby |= c->lines_v[k].runs[r].ruby != 0;
    }
  p->direct = !ruby && !p->split && !p->toc && k <= p->lines_end;
  p->span_lang = NULL;
  const char *nl = l->node ? bs_node_get_inherited_lang(l->node) : NULL;
  const char *dl = c->doc ? bs_node_get_inherited_lang(c->doc) : NULL;
  snprintf(p->para_lang, sizeof p->para_lang, "%s", nl ? nl : dl ? dl : c->bk->lang);
  if (nt == BS_NODE_TABLE_ROW && l->ncells && !p->toc) {
    /* a row's cells are its elements (draw_cells), each a TD or TH */
    p->para_tag[0] = 0;
    p->para = l->para_id;
    p->para_open = true;
    return;
  }
  snprintf(p->para_tag, sizeof p->para_tag, "%s",
           p->toc                         ? "TOCI"
           : nt == BS_NODE_FIGURE         ? "Caption"
           : nt == BS_NODE_TABLE_ROW      ? "TD"
           : nt == BS_NODE_CODE_BLOCK     ? "Code"
                                          : "P");
  for (size_t i = 0; i < c->nheads && l->kind == BS_LINE_HEADING; i++)
    if (c->heads[i].line == li) {
      int lv = c->heads[i].level + 1;
      snprintf(p->para_tag, sizeof p->para_tag, "H%d", lv < 1 ? 1 : lv > 6 ? 6 : lv);
    }
  p->para = l->para_id;
  p->para_open = true;
  tag_begin(p, p->para_tag, NULL);
  /* a paragraph in another language than its chapter's names it */
  if (!p->toc && nl && lang_ok(nl) && (!dl || strcasecmp(nl, dl))) {
    char add[64];
    snprintf(add, sizeof add, " /Lang (%s)\n", nl);
    tag_attr(p, p->para_tag, add);
  }
}

/* Ends the open paragraph and section tags; the next paragraph opens `name` above it. */
static void sect_tag(bs_ts_pdf *p, const char *name)
{
  para_tag(NULL, p, NULL, 0);
  if (p->sect_open)
    tag_end(p, p->sect);
  p->sect = name;
  p->sect_open = false;
}

static void span_begin(bs_ts_ctx *c, bs_ts_pdf *p, font_state *fs)
{
  if (!p->direct)
    tag_begin(p, "Span", NULL);
  mark(p, true);
  p->span = true;
  p->fs = fs;
  p->cx = c;
  bs_buf_clear(&p->line);
  p->line_end = 0;
  p->upright = false;
}

/* The language of the inline text at paragraph byte `at` of line `l` (the innermost span
 * holding it, or NULL), and in *end the next byte where that may change. */
static const char *lang_at(const bs_ts_line *l, size_t at, size_t *end)
{
  const bs_ts_lang_span *in = NULL;
  for (size_t k = 0; k < l->nlangs; k++) {
    const bs_ts_lang_span *s = &l->langs[k];
    if (s->a > at && s->a < *end)
      *end = s->a;
    if (s->a <= at && at < s->b) {
      if (s->b < *end)
        *end = s->b;
      if (!in || s->b - s->a < in->b - in->a)
        in = s;
    }
  }
  return in ? in->lang : NULL;
}

/* A run of a paragraph drawn in pieces (p->split): a table row's cells, each a TD or TH, and
 * inline text in another language, each a Span with its /Lang. A run may cross a piece's
 * edge (one face for both): it is drawn in two. */
static void draw_split(bs_ts_ctx *c, bs_ts_pdf *p, font_state *fs, const bs_ts_line *l,
                       const bs_ts_prun *run)
{
  size_t a = 0;
  do {
    size_t at = run->p0 + a, k = 0, end = run->p0 + run->len;
    while (k + 1 < l->ncells && (l->cells[k + 1] & ~BS_TS_CELL_TH) <= at)
      k++;
    if (k + 1 < l->ncells && (l->cells[k + 1] & ~BS_TS_CELL_TH) < end)
      end = l->cells[k + 1] & ~BS_TS_CELL_TH;
    const char *lang = lang_at(l, at, &end);
    if (lang && (!lang_ok(lang) || !strcasecmp(lang, p->para_lang)))
      lang = NULL;
    size_t b = end - run->p0;
    while (b < run->len && ((unsigned char)run->text[b] & 0xC0) == 0x80)
      b++; /* never inside a character (a row whose first cell lost leading spaces) */
    if (b <= a)
      b = run->len;
    if (l->ncells && (int)k != p->cell) {
      batch_flush(p->cr, fs, p->batch);
      cell_end(p);
      p->cell = (int)k;
      p->cell_th = l->cells[k] & BS_TS_CELL_TH;
      tag_begin(p, p->cell_th ? "TH" : "TD", NULL);
    }
    if (p->span && (lang ? !p->span_lang || strcmp(lang, p->span_lang) : p->span_lang != NULL)) {
      batch_flush(p->cr, fs, p->batch);
      span_end(p);
    }
    if (!p->span) {
      span_begin(c, p, fs);
      p->span_lang = lang;
      if (lang) {
        char add[64];
        snprintf(add, sizeof add, " /Lang (%s)\n", lang);
        tag_attr(p, "Span", add);
      }
    }
    if (p->actual && !run->ruby)
      run_text(run->text + a, b - a, run->p0 + a, &p->row, &p->row_end);
    if (run->orient != BS_OR_SIDEWAYS && run->ng)
      p->upright = true;
    if (a == 0 && b == run->len) {
      draw_run(c, p->cr, fs, p->batch, l, run);
    } else { /* the glyphs of bytes [a, b), their clusters counted from a */
      bs_ts_prun sub = *run;
      size_t g0 = 0;
      while (g0 < run->ng && run->g[g0].c0 < a)
        g0++;
      size_t g1 = g0;
      while (g1 < run->ng && run->g[g1].c0 < b)
        g1++;
      sub.text = run->text + a;
      sub.len = b - a;
      sub.p0 = run->p0 + a;
      sub.ng = g1 - g0;
      sub.g = bs_xmalloc((sub.ng + 1) * sizeof *sub.g);
      for (size_t i = 0; i < sub.ng; i++) {
        sub.g[i] = run->g[g0 + i];
        sub.g[i].c0 -= (uint32_t)a;
        sub.g[i].c1 -= (uint32_t)a;
      }
      draw_run(c, p->cr, fs, p->batch, l, &sub);
      free(sub.g);
    }
    a = b;
  } while (a < run->len);
}

static void draw_lines(bs_ts_ctx *c, bs_ts_pdf *p, font_state *fs, size_t l0, size_t l1)
{
  p->lines_end = l1;
  for (size_t li = l0; li < l1; li++) {
    const bs_ts_line *l = &c->lines_v[li];
    if (!l->nruns)
      continue;
    if (!p->span || l->para_id != p->para)
      batch_flush(p->cr, fs, p->batch); /* a batch never crosses a tag */
    para_tag(c, p, l, li);
    if (!p->span && !p->split)
      span_begin(c, p, fs);
    for (size_t r = 0; r < l->nruns; r++) {
      const bs_ts_prun *run = &l->runs[r];
      if (p->actual && run->ruby && !p->split) { /* drawn after the Span (span_end) */
        if (p->nrubies == p->caprubies) {
          p->caprubies = p->caprubies ? 2 * p->caprubies : 16;
          p->rubies = bs_xrealloc(p->rubies, p->caprubies * sizeof *p->rubies);
        }
        p->rubies[p->nrubies].l = l;
        p->rubies[p->nrubies++].r = run;
        continue;
      }
      if (p->split) {
        draw_split(c, p, fs, l, run);
        continue;
      }
      if (p->actual && !run->ruby)
        run_text(run->text, run->len, run->p0, &p->line, &p->line_end);
      if (run->orient != BS_OR_SIDEWAYS && run->ng)
        p->upright = true;
      draw_run(c, p->cr, fs, p->batch, l, run);
    }
  }
  batch_flush(p->cr, fs, p->batch);
  for (size_t li = l0; li < l1; li++) {
    const bs_ts_line *l = &c->lines_v[li];
    for (size_t r = 0; r < l->nruns; r++)
      draw_dots(p->cr, c, l, &l->runs[r]);
  }
}

/* The links of a page record (notes, external links, the contents' entries), drawn on
 * physical page `from` (0-based, drawing order): written as link annotations by pdf_update
 * (Cairo 1.16's link tags leave a dangling object in the file), in PDF page space. */
static void add_links(const bs_ts_ctx *c, bs_ts_pdf *p, const bs_ts_page *pg, size_t from)
{
  for (size_t i = 0; i < pg->nlinks; i++) {
    const bs_ts_link *lk = &pg->links[i];
    if (lk->uri) {
      p->uris = bs_xrealloc(p->uris, (p->nuris + 1) * sizeof *p->uris);
      struct uri_link *k = &p->uris[p->nuris++];
      k->from = from;
      k->uri = bs_xstrdup(lk->uri);
      for (int j = 0; j < 4; j++)
        k->rect[j] = lk->rect[j] + c->run->trim_x;
      continue;
    }
    p->links = bs_xrealloc(p->links, (p->nlinks + 1) * sizeof *p->links);
    struct link *k = &p->links[p->nlinks++];
    memset(k, 0, sizeof *k);
    k->from = from;
    k->rect[0] = lk->rect[0] + c->run->trim_x;
    k->rect[1] = lk->rect[1] + c->run->trim_y;
    k->rect[2] = lk->rect[2] + c->run->trim_x;
    k->rect[3] = lk->rect[3] + c->run->trim_y;
    k->to = lk->to;
    k->x = lk->x + c->run->trim_x;
    k->y = lk->y + c->run->trim_y;
  }
}

/* Content (figure.c, notes.c): the page's figure images and the rule over its footnotes. */
static bs_status draw_content(const bs_ts_ctx *c, bs_ts_pdf *p, const bs_ts_page *pg,
                              bs_error *err)
{
  cairo_t *cr = p->cr;
  for (size_t li = pg->l0; li < pg->l1; li++)
    if (c->lines_v[li].fig) {
      end_mark(p);
      bs_status st = bs_ts_figure_draw(cr, c->lines_v[li].fig, err);
      if (st != BS_OK)
        return st;
    }
  if (pg->rule) {
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, pg->rule_x0, pg->rule_y);
    cairo_line_to(cr, pg->rule_x1, pg->rule_y);
    cairo_stroke(cr);
    cairo_restore(cr);
  }
  return BS_OK;
}

/* Where a link or outline entry to a title or heading points (bs_ts_head.x/y, set by
 * pagination in its chapter's direction), in PDF page space with y down (so the trim offset
 * is added). */
static void dest_xy(const bs_ts_ctx *c, double x, double y, double *ox, double *oy)
{
  *ox = c->run->trim_x + x;
  *oy = c->run->trim_y + y;
}

static void dest_attr(const bs_ts_ctx *c, int page, double x, double y, char *out, size_t n)
{
  double dx, dy;
  dest_xy(c, x, y, &dx, &dy);
  snprintf(out, n, "page=%d pos=[%.2f %.2f]", page, dx, dy);
}

/* The outline (bookmarks): chapter titles at the top, headings nested by level. */
static void outline_chapter(bs_ts_ctx *c, bs_ts_pdf *p)
{
  for (size_t i = 0; i < c->nheads; i++) {
    const bs_ts_head *h = &c->heads[i];
    if (h->page <= 0)
      continue;
    /* a first-level heading repeating the chapter title is not listed twice */
    if (h->level == 1 && i > 0 && c->heads[0].level == 0 && !strcmp(h->text, c->heads[0].text))
      continue;
    /* chapters nest under the part before them (a part's title page is a divider page) */
    int lv = h->level + (c->run->in_part && !(c->npages && c->pages[0].divider));
    lv = lv < 0 ? 0 : lv > 6 ? 6 : lv;
    int parent = CAIRO_PDF_OUTLINE_ROOT;
    for (int k = lv - 1; k >= 0; k--)
      if (p->ol[k]) {
        parent = p->ol[k];
        break;
      }
    char dest[128];
    dest_attr(c, h->page, h->x, h->y, dest, sizeof dest);
    /* the outline shows one line: line breaks of the heading become spaces */
    char *t = bs_xstrdup(h->text);
    for (char *q = t; *q; q++)
      if (*q == '\n' || *q == '\r')
        *q = ' ';
    p->ol[lv] = cairo_pdf_surface_add_outline(
        p->s, parent, t, dest, lv == 0 && !c->bk->book ? CAIRO_PDF_OUTLINE_FLAG_OPEN : 0);
    free(t);
    for (int k = lv + 1; k < 7; k++)
      p->ol[k] = 0;
  }
}

bs_status bs_ts_draw_chapter(bs_ts_ctx *c, void *user, bs_error *err)
{
  bs_ts_pdf *p = user;
  cairo_t *cr = p->cr;
  if (bs_ts_cores_now(c->bk->opts->jobs) > 1) /* a core spared by now (bs_ts_draw_begin) */
    bs_pdftext_thread(p->text);
  sect_tag(p, c->npages && c->pages[0].divider ? "Part" : "Sect");
  /* the chapter's section ends on its last page that has something (a blank recto may
   * follow) */
  size_t last = c->npages;
  while (last > 0 && c->pages[last - 1].l0 == c->pages[last - 1].l1 && c->pages[last - 1].blank)
    last--;
  for (size_t pi = 0; pi < c->npages; pi++) {
    const bs_ts_page *pg = &c->pages[pi];
    cairo_set_source_rgb(cr, 0, 0, 0);
    font_state fs = {NULL, 0};
    draw_lines(c, p, &fs, pg->l0, pg->l1);
    span_end(p);
    /* content: figure images and note rules (figure.c, notes.c) */
    row_end(p); /* a row's piece on this page */
    bs_status fst = draw_content(c, p, pg, err);
    if (fst != BS_OK)
      return fst;
    add_links(c, p, pg, (size_t)pg->number - 1); /* body pages are drawn in page-number order */
    if (!pg->blank && !pg->divider)
      draw_folio(cr, c, &fs, p->batch, pg);
    if (c->bk->opts->crop_marks)
      draw_crop_marks(cr, c);
    if (pi + 1 >= last)
      sect_tag(p, NULL);
    show_page(p);
  }
  outline_chapter(c, p);
  cairo_status_t cs = cairo_status(cr);
  if (cs != CAIRO_STATUS_SUCCESS) /* bs_pdf_write names the output */
    return p->write_failed ? bs_error_set(err, BS_ERR_IO, NULL, 0, 0, "write error: %s",
                                          strerror(p->write_errno ? p->write_errno : EIO))
                           : bs_error_set(err, BS_ERR_LIBRARY, NULL, 0, 0, "cairo: %s",
                                          cairo_status_to_string(cs));
  return BS_OK;
}

static void toc_number_end(bs_ts_pdf *p, font_state *fs, const char *num)
{
  batch_flush(p->cr, fs, p->batch);
  mark(p, false);
  tag_end(p, "Span");
  bs_pdftext_add(p->text, p->actual ? num : NULL, strlen(num));
}

/* Leader dots along the line (vertical: down the column at x = `at`; horizontal: along the
 * row at y = `at`) from `from` through `to`, `step` apart, of radius `rad`: one stroke of
 * zero-length dashes with round caps, a few bytes in the PDF, where a circle per dot cost a
 * tenth of a long book's time (thousands of dots, each four curves of printed numbers). */
static void leader(cairo_t *cr, bool vertical, double at, double from, double to, double step,
                   double rad)
{
  if (to < from)
    return;
  double last = from + floor((to - from) / step + 1e-9) * step, dash[2] = {0, step};
  cairo_save(cr);
  cairo_set_line_width(cr, 2 * rad);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_dash(cr, dash, 2, 0);
  /* Cairo finds a stroke's extents by stroking it (a polygon per dot, its caps flattened to
   * the tolerance): a contents page's leaders cost as much as its text. 1 pt instead of 0.1
   * flattens each cap to a few edges; the PDF gets the same operators (a dash pattern is only
   * approximated where its period is below the tolerance: step is 0.5 em) */
  cairo_set_tolerance(cr, step > 2 ? 1 : step / 2);
  if (vertical) {
    cairo_move_to(cr, at, from);
    cairo_line_to(cr, at, last);
  } else {
    cairo_move_to(cr, from, at);
    cairo_line_to(cr, last, at);
  }
  cairo_stroke(cr);
  cairo_restore(cr);
}

/* The leader dots and page number at the end of a contents entry's last line, where the
 * layout put them (bs_ts_front_finish). */
static void toc_number(bs_ts_ctx *c, bs_ts_pdf *p, font_state *fs, const bs_ts_toc *t)
{
  double em = c->size, rad = 0.05 * em;
  /* the number is the entry's (a Span of its TOCI), the dots are an artifact (pdftext.c) */
  tag_begin(p, "Span", NULL);
  mark(p, true);
  draw_label(c, p->cr, fs, p->batch, &t->num_at);
  toc_number_end(p, fs, t->num);
  leader(p->cr, c->vertical, t->lead_at, t->lead_from, t->lead_to, 0.5 * em, rad);
}

/* The contents, drawn after the chapters with their final page numbers, a few pages at a
 * time as their lines are laid out again (bs_ts_front_slice: c->lines_v holds the front
 * lines from c->run->front_line0); each entry links to its page. Draws the pages whose lines are
 * all there, and with `end` the rest. */
void bs_ts_draw_front(bs_ts_ctx *c, bs_ts_pdf *p, bool end)
{
  if (!c->run->nfront_pages)
    return;
  if (!p->front_entry) { /* the first pages: the contents' section begins */
    p->front_entry = bs_xmalloc((c->run->nfront_lines + 1) * sizeof *p->front_entry);
    for (size_t i = 0; i < c->run->nfront_lines; i++)
      p->front_entry[i] = -1;
    for (size_t e = 0; e < c->run->ntoc; e++)
      for (size_t li = c->run->tocs[e].first;
           li <= c->run->tocs[e].line && li < c->run->nfront_lines; li++)
        p->front_entry[li] = (int)e;
    sect_tag(p, "TOC");
    p->toc = true;
  }
  cairo_t *cr = p->cr;
  size_t last = c->run->nfront_pages;
  while (last > 0 && c->run->front_pages[last - 1].l0 == c->run->front_pages[last - 1].l1)
    last--;
  size_t l0 = c->run->front_line0, l1 = c->run->front_line0 + c->nlines;
  for (; p->front_next < c->run->nfront_pages; p->front_next++) {
    size_t pi = p->front_next;
    const bs_ts_page *pg = &c->run->front_pages[pi];
    if (pg->l0 < pg->l1 && (pg->l0 < l0 || pg->l1 > l1))
      break; /* its lines come with the next slice */
    if (pg->l0 == pg->l1 && !end && pg->l0 >= l1 && pi < last)
      break;
    cairo_set_source_rgb(cr, 0, 0, 0);
    font_state fs = {NULL, 0};
    for (size_t li = pg->l0; li < pg->l1; li++) {
      int e = p->front_entry[li];
      const bs_ts_toc *t = e >= 0 ? &c->run->tocs[e] : NULL;
      draw_lines(c, p, &fs, li - l0, li - l0 + 1);
      span_end(p);
      if (t && *t->num && li == t->line)
        toc_number(c, p, &fs, t);
    }
    add_links(c, p, pg, (size_t)c->run->page_base + pi);
    if (c->bk->opts->crop_marks)
      draw_crop_marks(cr, c);
    if (pi + 1 >= last) { /* on its last page with something drawn, as a chapter's */
      sect_tag(p, NULL);
      p->toc = false;
    }
    show_page(p);
  }
}

/* What the drawing state still owns once Cairo is done with the file. */
static void pdf_free(bs_ts_pdf *p)
{
  free(p->front_entry);
  for (size_t i = 0; i < p->nattrs; i++)
    free(p->attrs[i].add);
  free(p->attrs);
  free(p->els);
  free(p->links);
  for (size_t i = 0; i < p->nuris; i++)
    free(p->uris[i].uri);
  free(p->uris);
  free(p);
}

bs_status bs_ts_draw_end(bs_ts_ctx *c, bs_ts_pdf *p, const char *path, bool ok, bs_error *err)
{
  bs_status st = BS_OK;
  sect_tag(p, NULL);
  if (p->doc_open)
    tag_end(p, "Document");
  cairo_status_t cs = cairo_status(p->cr);
  cairo_destroy(p->cr);
  cairo_surface_finish(p->s);
  if (cs == CAIRO_STATUS_SUCCESS)
    cs = cairo_surface_status(p->s);
  cairo_surface_destroy(p->s);
  batch_free(p->batch);
  free(p->batch);
  bs_buf_free(&p->line);
  bs_buf_free(&p->row);
  free(p->rubies);
  size_t unmatched = 0;
  if (ok && cs == CAIRO_STATUS_SUCCESS && !bs_pdftext_finish(p->text, path, &unmatched)) {
    cs = CAIRO_STATUS_WRITE_ERROR;
    if (!p->write_errno)
      p->write_errno = bs_pdftext_errno(p->text);
  }
  /* every Span tag drawn meets its BDC in the contents: anything else is our bug */
  if (ok && cs == CAIRO_STATUS_SUCCESS && unmatched)
    st = bs_error_set(err, BS_ERR_LIBRARY, path, 0, 0,
                      "%zu lines without their text in the PDF (cairo's output changed?)",
                      unmatched);
  bs_pdftext_free(p->text);
  if (!ok) {
    pdf_free(p);
    return BS_OK;
  }
  if (cs != CAIRO_STATUS_SUCCESS && (p->write_failed || cs == CAIRO_STATUS_WRITE_ERROR))
    st = bs_error_set(err, BS_ERR_IO, NULL, 0, 0, "write error: %s",
                      strerror(p->write_errno ? p->write_errno : EIO));
  else if (cs != CAIRO_STATUS_SUCCESS)
    st = bs_error_set(err, BS_ERR_LIBRARY, NULL, 0, 0, "cairo: %s", cairo_status_to_string(cs));
  FILE *rd = NULL;
  if (st == BS_OK && fflush(p->f))
    st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write the PDF");
  if (st == BS_OK)
    rd = path ? fopen(path, "rb") : p->f;
  bs_pdfup *u = rd ? bs_pdfup_open(rd, p->f) : NULL;
  if (u) {
    pdf_update(c, p, u);
    if (!bs_pdfup_write(u))
      st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write the PDF");
  }
  bs_pdfup_free(u);
  if (rd && rd != p->f)
    fclose(rd);
  pdf_free(p);
  return st;
}
