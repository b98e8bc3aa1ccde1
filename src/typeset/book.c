/* Book structure on top of the page layout (#5): the table of contents, running heads and
 * what the outline and links need.
 *
 * The contents with streaming (#4 keeps memory bounded by one chapter, so chapters are drawn
 * as soon as they are laid out): the contents' entries are collected when the book is
 * planned (titles and headings, copied, from each chapter read once before any is laid out),
 * so the contents can be laid out before any chapter, each entry keeping a fixed room at its
 * line end for its page number. Its page count therefore depends only on the entries, and
 * body pages are numbered from 1 after it (padded to an even count so that page 1 stays a
 * recto). Its lines are not kept (a 10,000-article book's contents are hundreds of pages):
 * they are laid out again, to the same pages, and drawn after the last chapter, when every
 * page number is known; the incremental update at the end (pdfup.c) then moves its
 * pages to the front by rewriting the /Pages /Kids array. Links and outline entries refer to
 * page objects, so they stay right, and /PageLabels numbers the front pages i, ii, … and the
 * body 1, 2, … */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

/* Deepest heading level listed in the contents by default (the outline lists every level). */
#define TOC_DEPTH 2

static void add_entry(bs_ts_ctx *c, const bs_node *n, int level, char *text)
{
  c->run->tocs = bs_xrealloc(c->run->tocs, (c->run->ntoc + 1) * sizeof *c->run->tocs);
  bs_ts_toc *e = &c->run->tocs[c->run->ntoc++];
  memset(e, 0, sizeof *e);
  e->doc = bs_node_get_type(n) == BS_NODE_DOCUMENT;
  e->level = level;
  e->text = text;
  const char *lang = bs_node_get_inherited_lang(n);
  e->lang = lang ? bs_xstrdup(lang) : NULL;
}

static bool blank_text(const char *s)
{
  for (; s && *s; s++)
    if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
      return false;
  return true;
}

/* The manifest marks dividers with a tag too (manifest.h), but a writer does not depend on
 * the readers: an empty document with a title is a divider whoever made it. */
bool bs_ts_is_divider(const bs_node *doc)
{
  return doc && bs_node_get_type(doc) == BS_NODE_DOCUMENT && !bs_node_first_child(doc) &&
         !blank_text(bs_node_get_meta(doc, BS_META_TITLE));
}

/* The nodes a chapter lists in the contents, in order: its title (a part's too), then its
 * headings down to the contents' depth. `add` gets each with its level (before parts shift
 * it) and, when `text`, its text (a new string); the plan and the matching of headings to
 * entries (bs_ts_front_note) walk a chapter alike. */
typedef void (*entry_fn)(bs_ts_ctx *c, const bs_node *n, int level, char *text, void *user);

static void collect_headings(bs_ts_ctx *c, const bs_node *n, const char *title, bool text,
                             entry_fn add, void *user)
{
  for (const bs_node *k = bs_node_first_child(n); k; k = bs_node_next(k)) {
    if (bs_node_get_type(k) == BS_NODE_HEADING) {
      int lv = bs_node_get_heading_level(k);
      char *t = bs_node_text_content(k);
      /* a first-level heading repeating the chapter title is not listed twice */
      bool dup = lv == 1 && title && t && !strcmp(t, title);
      int depth = c->bk->opts->toc_depth > 0 ? c->bk->opts->toc_depth : TOC_DEPTH;
      if (lv <= depth && !blank_text(t) && !dup) {
        add(c, k, lv, text ? t : NULL, user);
        if (text)
          t = NULL;
      }
      free(t);
    } else if (bs_node_is_block(k)) {
      collect_headings(c, k, title, text, add, user);
    }
  }
}

static void chapter_entries(bs_ts_ctx *c, const bs_node *d, bool text, entry_fn add, void *user)
{
  const char *title = bs_node_get_meta(d, BS_META_TITLE);
  if (bs_ts_is_divider(d)) {
    add(c, d, -1, text ? bs_xstrdup(title) : NULL, user);
    return;
  }
  if (!blank_text(title))
    add(c, d, 0, text ? bs_xstrdup(title) : NULL, user);
  collect_headings(c, d, title, text, add, user);
}

static void plan_entry(bs_ts_ctx *c, const bs_node *n, int level, char *text, void *user)
{
  int chapter = *(int *)user;
  if (level < 0) { /* a part: chapters nest under it */
    c->run->toc_parts = true;
    level = 0;
  } else if (c->run->toc_parts) {
    level++;
  }
  add_entry(c, n, level, text);
  c->run->tocs[c->run->ntoc - 1].chapter = chapter;
}

void bs_ts_plan_chapter(bs_ts_ctx *c, const bs_node *doc, int chapter)
{
  bs_ts_book *bk = c->bk_own; /* the book's context plans it */
  if (bk && !bk->any_vertical)
    bk->any_vertical = bs_node_get_chapter_direction(doc, bk->opts->direction, bk->dir) ==
                       BS_DIR_VERTICAL;
  if (bk)
    bs_ts_chars_add(bk, doc);
  if (c->bk->opts->toc != 0) /* whether the book has contents depends on its chapter count */
    chapter_entries(c, doc, true, plan_entry, &chapter);
}

/* The contents' heading in the book's language, as the EPUB's nav says it (xhtml.c). */
static const char *toc_title(const bs_ts_ctx *c)
{
  static const char *t[] = {"目錄", "目錄", "目录", "目次", "목차"};
  const char *lang = c->bk->lang;
  if (bs_ts_cjk_lang(lang))
    return t[c->region >= 0 && c->region < 5 ? c->region : 0];
  if (bs_lang_is(lang, "ar"))
    return "المحتويات";
  if (bs_lang_is(lang, "he") || bs_lang_is(lang, "iw"))
    return "תוכן העניינים";
  return "Contents";
}

/* A paragraph of the front matter: what bs_ts_para_text gets, kept so that the contents can
 * be laid out again a few pages at a time to be drawn. */
typedef struct bs_ts_fpara {
  const char *text; /* the book's metadata, an entry's text, a static string, or `own` */
  char *own;
  unsigned char style;
  double size;
  bs_ts_block blk;
  const char *lang; /* an entry's, or NULL: the book's */
  int entry;        /* the contents entry it shows, or -1 */
  size_t line0;     /* its first line among the front matter's */
} bs_ts_fpara;

/* Where pagination put a front line (all it changes of a line). */
typedef struct bs_ts_fgeo {
  double ox, oy, extent, begin, size;
  int slots, column;
  bool rtl;
} bs_ts_fgeo;

static void fpara(bs_ts_ctx *c, const char *text, char *own, unsigned char style, double size,
                  const bs_ts_block *blk, const char *lang, int entry)
{
  c->run->fparas = bs_xrealloc(c->run->fparas, (c->run->nfparas + 1) * sizeof *c->run->fparas);
  c->run->fparas[c->run->nfparas++] = (bs_ts_fpara){own ? own : text, own, style, size, *blk, lang,
                                          entry, 0};
}

/* The book's title page (#5 front matter): title in large bold Hei in a band of about a third
 * of the page, subtitle, authors, then publisher and date; the contents open on the next
 * recto. */
static void title_page(bs_ts_ctx *c, const bs_node *book)
{
  const char *title = bs_node_get_meta(book, BS_META_TITLE);
  double em = c->size;
  bs_ts_block blk = bs_ts_body_block(c, 0);
  blk.kind = BS_LINE_HEADING;
  blk.slots = c->lines / 3 > 3 ? c->lines / 3 : 3;
  blk.first_indent = c->vertical ? 4 * em : 0;
  blk.center = !c->vertical;
  blk.justify = false;
  blk.new_page = true;
  fpara(c, title, NULL, BS_ST_BOLD | BS_ST_HEI, em * 2, &blk, NULL, -1);
  bs_ts_block sb = bs_ts_body_block(c, 0);
  sb.first_indent = c->vertical ? 6 * em : 0;
  sb.center = !c->vertical;
  sb.justify = false;
  const char *sub = bs_node_get_meta(book, BS_META_SUBTITLE);
  if (!blank_text(sub)) {
    sb.kind = BS_LINE_HEADING;
    sb.slots = 2;
    fpara(c, sub, NULL, BS_ST_HEI, em * 1.2, &sb, NULL, -1);
    sb.kind = BS_LINE_BODY;
    sb.slots = 1;
  }
  bs_buf a = BS_BUF_INIT;
  size_t na = bs_node_get_meta_count(book, BS_META_AUTHORS);
  for (size_t i = 0; i < na; i++) {
    if (i)
      bs_buf_puts(&a, "、");
    bs_buf_puts(&a, bs_node_get_meta_item(book, BS_META_AUTHORS, i));
  }
  if (a.len) {
    fpara(c, "", NULL, 0, em, &sb, NULL, -1); /* a blank line */
    fpara(c, NULL, bs_buf_detach(&a), 0, em * 1.2, &sb, NULL, -1);
  }
  const char *pub = bs_node_get_meta(book, BS_META_PUBLISHER);
  const char *date = bs_node_get_meta(book, BS_META_DATE);
  if (!blank_text(pub))
    bs_buf_puts(&a, pub);
  if (!blank_text(date)) {
    if (a.len)
      bs_buf_puts(&a, "　");
    bs_buf_puts(&a, date);
  }
  if (a.len) {
    fpara(c, "", NULL, 0, em, &sb, NULL, -1);
    fpara(c, NULL, bs_buf_detach(&a), 0, em, &sb, NULL, -1);
  }
  bs_buf_free(&a);
}

/* Lays out front paragraphs [k0, k1) after the lines there are (the first time, noting where
 * each begins and where each contents entry's lines are). */
static bs_status lay_paras(bs_ts_ctx *c, size_t k0, size_t k1, bool first, bs_error *err)
{
  bs_status st = BS_OK;
  for (size_t k = k0; k < k1 && st == BS_OK; k++) {
    bs_ts_fpara *f = &c->run->fparas[k];
    if (first)
      f->line0 = c->nlines;
    st = bs_ts_set_lang(c, f->lang ? f->lang : c->bk->lang, err);
    if (st == BS_OK)
      st = bs_ts_para_text(c, f->text, f->style, f->size, &f->blk, err);
    if (first && f->entry >= 0) {
      bs_ts_toc *e = &c->run->tocs[f->entry];
      e->first = f->line0;
      e->line = c->nlines ? c->nlines - 1 : 0;
    }
  }
  if (st == BS_OK)
    st = bs_ts_set_lang(c, c->bk->lang, err);
  return st;
}

void bs_ts_front_free(bs_ts_run *run)
{
  for (size_t i = 0; i < run->nfparas; i++)
    free(run->fparas[i].own);
  free(run->fparas);
  run->fparas = NULL;
  run->nfparas = 0;
  free(run->front_geo);
  run->front_geo = NULL;
}

bs_status bs_ts_front_layout(bs_ts_ctx *c, const bs_node *root, size_t ndocs, bs_error *err)
{
  if (bs_node_get_type(root) != BS_NODE_BOOK)
    return BS_OK;
  c->run->toc = c->bk->opts->toc > 0 || (c->bk->opts->toc < 0 && ndocs > 1);
  if (!c->run->toc) {
    for (size_t i = 0; i < c->run->ntoc; i++) {
      free(c->run->tocs[i].text);
      free(c->run->tocs[i].lang);
    }
    c->run->ntoc = 0;
  }
  bool has_title = !blank_text(bs_node_get_meta(root, BS_META_TITLE));
  if (!c->run->ntoc && !has_title)
    return BS_OK;
  bs_status st = bs_ts_set_lang(c, c->bk->lang, err);
  if (st != BS_OK)
    return st;
  if (has_title)
    title_page(c, root);
  double em = c->size;
  /* its title like a chapter title (§7.6), then one paragraph per entry */
  bs_ts_block blk = bs_ts_body_block(c, 0);
  blk.kind = BS_LINE_HEADING;
  blk.slots = 3;
  blk.first_indent = 0;
  blk.center = !c->vertical;
  blk.keep_next = true;
  blk.new_page = true;
  if (c->run->ntoc)
    fpara(c, toc_title(c), NULL, BS_ST_BOLD | BS_ST_HEI, em * 1.6, &blk, NULL, -1);
  for (size_t i = 0; i < c->run->ntoc; i++) {
    bs_ts_toc *e = &c->run->tocs[i];
    bs_ts_block b = bs_ts_body_block(c, e->level * em);
    b.first_indent = 0;
    b.justify = false;
    b.end_pt = 3.5 * em; /* room for the leader and a page number of up to four digits */
    fpara(c, e->text, NULL, e->doc ? BS_ST_HEI | BS_ST_BOLD : 0, em, &b, e->lang, (int)i);
  }
  st = lay_paras(c, 0, c->run->nfparas, true, err);
  if (st != BS_OK)
    return st;
  /* the title page and the contents each open on a recto */
  bool recto = c->recto;
  c->recto = c->recto_breaks = true;
  bs_ts_paginate(c);
  c->recto = recto;
  c->recto_breaks = false;
  /* page 1 of the body stays a recto */
  if (c->npages % 2 == 1) {
    c->pages = bs_xrealloc(c->pages, (c->npages + 1) * sizeof *c->pages);
    bs_ts_page *p = &c->pages[c->npages];
    *p = c->pages[c->npages - 1];
    p->l0 = p->l1 = c->nlines;
    p->blank = true;
    p->number = (int)c->npages + 1;
    c->npages++;
  }
  /* the pages and where each line went are kept; the lines themselves (thousands in a long
   * book's contents, a tenth of its memory if held) are laid out again to be drawn */
  c->run->front_pages = c->pages;
  c->run->nfront_pages = c->npages;
  c->pages = NULL;
  c->npages = 0;
  c->run->nfront_lines = c->nlines;
  c->run->front_geo = bs_xmalloc((c->nlines + 1) * sizeof *c->run->front_geo);
  for (size_t i = 0; i < c->nlines; i++)
    c->run->front_geo[i] = (bs_ts_fgeo){c->lines_v[i].ox,    c->lines_v[i].oy,
                                        c->lines_v[i].extent, c->lines_v[i].begin,
                                        c->lines_v[i].size,  c->lines_v[i].slots,
                                        c->lines_v[i].column, c->lines_v[i].rtl};
  bs_ts_chapter_free(c);
  return BS_OK;
}

bs_status bs_ts_front_slice(bs_ts_ctx *c, size_t *k, bs_error *err)
{
  bs_ts_chapter_free(c);
  size_t k0 = *k, k1 = k0 + 1;
  if (k0 >= c->run->nfparas)
    return BS_OK;
  /* up to a paragraph that begins a page: the pages before are then whole */
  size_t pi = 0;
  while (k1 < c->run->nfparas) {
    size_t at = c->run->fparas[k1].line0;
    while (pi < c->run->nfront_pages && c->run->front_pages[pi].l0 < at)
      pi++;
    const bs_ts_run *r = c->run;
    if (pi < r->nfront_pages && r->front_pages[pi].l0 == at && at > r->fparas[k0].line0)
      break;
    k1++;
  }
  /* as laid out before the first chapter, in the language the chapters left (the contents'
   * numbers are shaped in it: bs_ts_front_finish) */
  char doc_lang[sizeof c->doc_lang];
  memcpy(doc_lang, c->doc_lang, sizeof doc_lang);
  int region = c->region;
  double indent_em = c->indent_em;
  int page_base = c->run->page_base;
  const bs_node *doc = c->doc;
  c->run->page_base = 0;
  c->doc = NULL;
  c->run->front_line0 = c->run->fparas[k0].line0;
  bs_status st = lay_paras(c, k0, k1, false, err);
  c->run->page_base = page_base;
  c->doc = doc;
  memcpy(c->doc_lang, doc_lang, sizeof doc_lang);
  c->region = region;
  c->indent_em = indent_em;
  const bs_ts_run *r = c->run;
  size_t want = (k1 < r->nfparas ? r->fparas[k1].line0 : r->nfront_lines) - r->front_line0;
  if (st == BS_OK && c->nlines != want) /* the same paragraphs make the same lines */
    st = bs_error_set(err, BS_ERR_LIBRARY, NULL, 0, 0,
                      "the contents' lines %zu to %zu were %zu lines, then %zu",
                      c->run->front_line0 + 1, c->run->front_line0 + want, want, c->nlines);
  for (size_t i = 0; st == BS_OK && i < c->nlines; i++) {
    const bs_ts_fgeo *g = &c->run->front_geo[c->run->front_line0 + i];
    bs_ts_line *l = &c->lines_v[i];
    l->ox = g->ox;
    l->oy = g->oy;
    l->slots = g->slots;
    l->column = g->column;
  }
  *k = k1;
  return st;
}

typedef struct match {
  const bs_node **nodes;
  size_t n;
} match;

static void match_entry(bs_ts_ctx *c, const bs_node *n, int level, char *text, void *user)
{
  (void)c, (void)level, (void)text;
  match *m = user;
  m->nodes = bs_xrealloc(m->nodes, (m->n + 1) * sizeof *m->nodes);
  m->nodes[m->n++] = n;
}

/* The chapter's entries are found again in the chapter being laid out (the plan kept no
 * pointers into it) and matched to its headings by node, as they were laid out. */
void bs_ts_front_note(bs_ts_ctx *c)
{
  if (!c->run->ntoc || !c->doc)
    return;
  size_t lo = 0, hi = c->run->ntoc; /* the chapter's first entry: entries are in chapter order */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->run->tocs[mid].chapter < c->run->chapter)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == c->run->ntoc || c->run->tocs[lo].chapter != c->run->chapter)
    return;
  match m = {NULL, 0};
  chapter_entries(c, c->doc, false, match_entry, &m);
  size_t k = 0;
  for (size_t h = 0; h < c->nheads; h++) {
    /* entries are in tree order, as the headings are laid out */
    for (size_t i = k;
         i < m.n && lo + i < c->run->ntoc && c->run->tocs[lo + i].chapter == c->run->chapter;
         i++)
      if (m.nodes[i] == c->heads[h].node) {
        bs_ts_toc *t = &c->run->tocs[lo + i];
        t->page = c->heads[h].page;
        t->x = c->heads[h].x;
        t->y = c->heads[h].y;
        k = i + 1;
        break;
      }
  }
  free(m.nodes);
}

/* The contents are drawn after the chapters, with their final page numbers: each entry's
 * number at the end of its last line (vertical: at the foot of the column, squeezed into one
 * em; horizontal: flush with the measure's end), leader dots up to it, and a link from each
 * of its lines to its page. */
void bs_ts_front_finish(bs_ts_ctx *c)
{
  if (!c->run->nfront_pages)
    return;
  const bs_ts_fgeo *lines = c->run->front_geo; /* where each line is: all that is needed here */
  size_t n = c->run->nfront_lines;
  int *entry = bs_xmalloc((n + 1) * sizeof *entry);
  for (size_t i = 0; i < n; i++)
    entry[i] = -1;
  double em = c->size;
  for (size_t e = 0; e < c->run->ntoc; e++) {
    bs_ts_toc *t = &c->run->tocs[e];
    /* an entry's lines: its paragraph's (t->first, from the layout), through its last */
    for (size_t li = t->first; li <= t->line && li < n; li++)
      entry[li] = (int)e;
    *t->num = '\0';
    t->num_at = (bs_ts_label){NULL, 0, 0, 1};
    if (t->page <= 0 || t->line >= n)
      continue;
    snprintf(t->num, sizeof t->num, "%d", t->page);
    const bs_ts_fgeo *l = &lines[t->line];
    const bs_ts_line *nl = bs_ts_text_line(c, &c->run->front_texts, t->num, em);
    if (c->vertical) {
      double w = nl ? nl->natural : 0;
      double sx = w > em ? em / w : 1;
      double bottom = c->area_y + c->measure;
      bs_ts_label_set(&t->num_at, nl, em, l->ox - w * sx / 2, bottom - (1 - BS_TS_ASCENT) * em,
                      false, sx);
      t->lead_at = l->ox;
      t->lead_from = l->oy + l->extent + 0.5 * em;
      t->lead_to = bottom - 1.5 * em;
    } else if (l->rtl) {
      /* a right-to-left entry: its number at the left edge, the leader up to its text */
      double w = bs_ts_label_set(&t->num_at, nl, em, c->area_x, l->oy + BS_TS_ASCENT * l->size,
                                 false, 1);
      t->lead_at = l->oy + 0.5 * l->size;
      t->lead_from = c->area_x + w + 0.5 * em;
      t->lead_to = l->ox + l->begin - 0.5 * em;
    } else {
      double right = c->area_x + c->measure;
      double w = bs_ts_label_set(&t->num_at, nl, em, right, l->oy + BS_TS_ASCENT * l->size, true,
                                 1);
      t->lead_at = l->oy + 0.5 * l->size;
      t->lead_from = l->ox + l->extent + 0.5 * em;
      t->lead_to = right - w - 0.5 * em;
    }
  }
  for (size_t pi = 0; pi < c->run->nfront_pages; pi++) {
    bs_ts_page *pg = &c->run->front_pages[pi];
    for (size_t li = pg->l0; li < pg->l1 && li < n; li++) {
      const bs_ts_toc *t = entry[li] >= 0 ? &c->run->tocs[entry[li]] : NULL;
      if (!t || t->page <= 0)
        continue;
      const bs_ts_fgeo *l = &lines[li];
      bs_ts_link *k = bs_ts_page_link(pg);
      double band = l->slots * c->pitch - c->gap;
      if (c->vertical) {
        k->rect[0] = l->ox - band / 2;
        k->rect[1] = c->area_y;
        k->rect[2] = l->ox + band / 2;
        k->rect[3] = c->area_y + c->measure;
      } else {
        k->rect[0] = c->area_x;
        k->rect[1] = l->oy;
        k->rect[2] = c->area_x + c->measure;
        k->rect[3] = l->oy + l->size;
      }
      k->to = t->page;
      k->x = t->x;
      k->y = t->y;
    }
  }
  free(entry);
}

/* §7.5: double running heads: the book's title on even pages (versos in horizontal books,
 * right pages in vertical ones), the chapter's on odd pages; a single article shows its title
 * and its current section. None on chapter openings and blank pages. */
const char *bs_ts_running_head(const bs_ts_ctx *c, const bs_ts_page *pg)
{
  if (pg->blank || pg->opening)
    return "";
  const char *chapter = c->nheads && c->heads[0].level == 0 ? c->heads[0].text : NULL;
  if (!chapter && c->doc)
    chapter = bs_node_get_meta(c->doc, BS_META_TITLE);
  if (pg->number % 2 == 0)
    return c->bk->title && *c->bk->title ? c->bk->title : chapter ? chapter : "";
  if (!c->bk->book) {
    /* the last first-level heading on or before this page */
    const char *sec = NULL;
    for (size_t i = 0; i < c->nheads && c->heads[i].page <= pg->number; i++)
      if (c->heads[i].level == 1)
        sec = c->heads[i].text;
    if (sec)
      return sec;
  }
  return chapter ? chapter : "";
}
