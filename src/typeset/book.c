/* Book structure on top of the page layout (#5): the table of contents, running heads and
 * what the outline and links need.
 *
 * The contents with streaming (#4 keeps memory bounded by one chapter, so chapters are drawn
 * as soon as they are laid out): the contents' entries come from the tree (titles and
 * headings), so the contents can be laid out before any chapter, each entry keeping a fixed
 * room at its line end for its page number. Its page count therefore depends only on the
 * entries, and body pages are numbered from 1 after it (padded to an even count so that page
 * 1 stays a recto). Its lines are kept (they are few) and drawn after the last chapter, when
 * every page number is known; the incremental update at the end (pdfup.c) then moves its
 * pages to the front by rewriting the /Pages /Kids array. Links and outline entries refer to
 * page objects, so they stay right, and /PageLabels numbers the front pages i, ii, … and the
 * body 1, 2, … */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

/* Deepest heading level listed in the contents by default (the outline lists every level). */
#define TOC_DEPTH 2

static void add_entry(bs_ts_ctx *c, const bs_node *n, int level)
{
  c->run->tocs = bs_xrealloc(c->run->tocs, (c->run->ntoc + 1) * sizeof *c->run->tocs);
  bs_ts_toc *e = &c->run->tocs[c->run->ntoc++];
  memset(e, 0, sizeof *e);
  e->node = n;
  e->level = level;
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

static void collect_headings(bs_ts_ctx *c, const bs_node *n, const char *title)
{
  for (const bs_node *k = bs_node_first_child(n); k; k = bs_node_next(k)) {
    if (bs_node_get_type(k) == BS_NODE_HEADING) {
      int lv = bs_node_get_heading_level(k);
      char *t = bs_node_text_content(k);
      /* a first-level heading repeating the chapter title is not listed twice */
      bool dup = lv == 1 && title && t && !strcmp(t, title);
      int depth = c->bk->opts->toc_depth > 0 ? c->bk->opts->toc_depth : TOC_DEPTH;
      if (lv <= depth && !blank_text(t) && !dup)
        add_entry(c, k, lv);
      free(t);
    } else if (bs_node_is_block(k)) {
      collect_headings(c, k, title);
    }
  }
}

static const char *toc_title(int region)
{
  static const char *t[] = {"目錄", "目錄", "目录", "目次", "목차"};
  return t[region >= 0 && region < 5 ? region : 0];
}

/* The book's title page (#5 front matter): title in large bold Hei in a band of about a third
 * of the page, subtitle, authors, then publisher and date; the contents open on the next
 * recto. */
static bs_status title_page(bs_ts_ctx *c, const bs_node *book, bs_error *err)
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
  bs_status st = bs_ts_para_text(c, title, BS_ST_BOLD | BS_ST_HEI, em * 2, &blk, err);
  bs_ts_block sb = bs_ts_body_block(c, 0);
  sb.first_indent = c->vertical ? 6 * em : 0;
  sb.center = !c->vertical;
  sb.justify = false;
  const char *sub = bs_node_get_meta(book, BS_META_SUBTITLE);
  if (st == BS_OK && !blank_text(sub)) {
    sb.kind = BS_LINE_HEADING;
    sb.slots = 2;
    st = bs_ts_para_text(c, sub, BS_ST_HEI, em * 1.2, &sb, err);
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
  if (st == BS_OK && a.len) {
    st = bs_ts_para_text(c, "", 0, em, &sb, err); /* a blank line */
    if (st == BS_OK)
      st = bs_ts_para_text(c, a.data, 0, em * 1.2, &sb, err);
  }
  bs_buf_clear(&a);
  const char *pub = bs_node_get_meta(book, BS_META_PUBLISHER);
  const char *date = bs_node_get_meta(book, BS_META_DATE);
  if (!blank_text(pub))
    bs_buf_puts(&a, pub);
  if (!blank_text(date)) {
    if (a.len)
      bs_buf_puts(&a, "　");
    bs_buf_puts(&a, date);
  }
  if (st == BS_OK && a.len) {
    st = bs_ts_para_text(c, "", 0, em, &sb, err);
    if (st == BS_OK)
      st = bs_ts_para_text(c, a.data, 0, em, &sb, err);
  }
  bs_buf_free(&a);
  return st;
}

bs_status bs_ts_front_layout(bs_ts_ctx *c, const bs_node *root, bs_error *err)
{
  if (bs_node_get_type(root) != BS_NODE_BOOK)
    return BS_OK;
  size_t ndocs = bs_node_child_count(root);
  c->run->toc = c->bk->opts->toc > 0 || (c->bk->opts->toc < 0 && ndocs > 1);
  if (c->run->toc) {
    int shift = 0; /* chapters nest under parts */
    for (const bs_node *d = bs_node_first_child(root); d; d = bs_node_next(d)) {
      const char *title = bs_node_get_meta(d, BS_META_TITLE);
      if (bs_ts_is_divider(d)) {
        add_entry(c, d, 0);
        shift = 1;
        continue;
      }
      if (!blank_text(title))
        add_entry(c, d, shift);
      size_t from = c->run->ntoc;
      collect_headings(c, d, title);
      for (size_t i = from; i < c->run->ntoc; i++)
        c->run->tocs[i].level += shift;
    }
  }
  bool has_title = !blank_text(bs_node_get_meta(root, BS_META_TITLE));
  if (!c->run->ntoc && !has_title)
    return BS_OK;
  bs_status st = bs_ts_set_lang(c, c->bk->lang, err);
  if (st == BS_OK && has_title)
    st = title_page(c, root, err);
  double em = c->size;
  /* its title like a chapter title (§7.6), then one paragraph per entry */
  bs_ts_block blk = bs_ts_body_block(c, 0);
  blk.kind = BS_LINE_HEADING;
  blk.slots = 3;
  blk.first_indent = 0;
  blk.center = !c->vertical;
  blk.keep_next = true;
  blk.new_page = true;
  if (st == BS_OK && c->run->ntoc)
    st = bs_ts_para_text(c, toc_title(c->region), BS_ST_BOLD | BS_ST_HEI, em * 1.6, &blk, err);
  for (size_t i = 0; i < c->run->ntoc && st == BS_OK; i++) {
    bs_ts_toc *e = &c->run->tocs[i];
    bs_ts_block b = bs_ts_body_block(c, e->level * em);
    b.first_indent = 0;
    b.justify = false;
    b.end_pt = 3.5 * em; /* room for the leader and a page number of up to four digits */
    bool doc = bs_node_get_type(e->node) == BS_NODE_DOCUMENT;
    char *text = doc ? bs_xstrdup(bs_node_get_meta(e->node, BS_META_TITLE))
                     : bs_node_text_content(e->node);
    const char *lang = bs_node_get_inherited_lang(e->node);
    st = bs_ts_set_lang(c, lang ? lang : c->bk->lang, err);
    if (st == BS_OK)
      st = bs_ts_para_text(c, text, doc ? BS_ST_HEI | BS_ST_BOLD : 0, em, &b, err);
    free(text);
    e->line = c->nlines ? c->nlines - 1 : 0;
  }
  if (st == BS_OK)
    st = bs_ts_set_lang(c, c->bk->lang, err);
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
  c->run->front_lines = c->lines_v;
  c->run->nfront_lines = c->nlines;
  c->run->front_pages = c->pages;
  c->run->nfront_pages = c->npages;
  c->lines_v = NULL;
  c->nlines = c->caplines = 0;
  c->pages = NULL;
  c->npages = 0;
  for (size_t i = 0; i < c->nheads; i++)
    free(c->heads[i].text);
  c->nheads = 0;
  return BS_OK;
}

void bs_ts_front_note(bs_ts_ctx *c)
{
  if (!c->run->ntoc)
    return;
  size_t k = 0;
  for (size_t h = 0; h < c->nheads; h++) {
    /* entries are in tree order, as the headings are laid out */
    for (size_t i = k; i < c->run->ntoc; i++)
      if (c->run->tocs[i].node == c->heads[h].node) {
        c->run->tocs[i].page = c->heads[h].page;
        c->run->tocs[i].x = c->heads[h].x;
        c->run->tocs[i].y = c->heads[h].y;
        k = i + 1;
        break;
      }
  }
}

/* The contents are drawn after the chapters, with their final page numbers: each entry's
 * number at the end of its last line (vertical: at the foot of the column, squeezed into one
 * em; horizontal: flush with the measure's end), leader dots up to it, and a link from each
 * of its lines to its page. */
void bs_ts_front_finish(bs_ts_ctx *c)
{
  if (!c->run->nfront_pages)
    return;
  const bs_ts_line *lines = c->run->front_lines;
  size_t n = c->run->nfront_lines;
  int *entry = bs_xmalloc((n + 1) * sizeof *entry);
  for (size_t i = 0; i < n; i++)
    entry[i] = -1;
  double em = c->size;
  for (size_t e = 0; e < c->run->ntoc; e++) {
    bs_ts_toc *t = &c->run->tocs[e];
    /* an entry's lines: after the previous entry's last line, through its own */
    size_t first = e ? c->run->tocs[e - 1].line + 1 : t->line;
    if (!e)
      while (first > 0 && lines[first - 1].para_id == lines[t->line].para_id)
        first--;
    t->first = first;
    for (size_t li = first; li <= t->line && li < n; li++)
      entry[li] = (int)e;
    *t->num = '\0';
    t->num_at = (bs_ts_label){NULL, 0, 0, 1};
    if (t->page <= 0 || t->line >= n)
      continue;
    snprintf(t->num, sizeof t->num, "%d", t->page);
    const bs_ts_line *l = &lines[t->line];
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
      const bs_ts_line *l = &lines[li];
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
