/* Tree walk and pagination: blocks become paragraphs of boxes, paragraphs become lines, lines
 * go onto the page grid (§7): columns right to left in vertical, lines top to bottom in
 * horizontal; each document starts a new page; headings keep with the next two lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

typedef struct walk {
  bs_ts_ctx *c;
  bs_buf text;
  bs_buf style;
  bool new_page;
  int head_level; /* of the paragraph being collected: 0 title, 1–6 heading, -1 none */
  const bs_node *head_node;
  struct span {
    size_t a, b; /* bytes of the collected text */
    const char *href;
  } *links;      /* external links in the paragraph being collected */
  size_t nlinks;
  bs_ts_ruby_list ruby; /* content hook: rubies and note marks of the paragraph (ruby.c) */
  const bs_node *at;    /* the block being collected, for errors (NULL: a title or contents) */
  bool after_head;      /* the last block was a title or heading (Latin paragraphs: no indent) */
  bs_ts_lang_span *langs; /* inline text in another language (its Span's /Lang, draw.c) */
  size_t nlangs;
} walk;

/* Noncharacters (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF) are valid UTF-8 but Cairo refuses a string
 * holding one (its PDF text would fail the whole book): they are dropped. */
static bool nonchar_at(const char *s, size_t n, size_t i, size_t *len, uint32_t *cp)
{
  unsigned char b = (unsigned char)s[i];
  if (b != 0xEF && b < 0xF0)
    return false; /* every noncharacter is U+FDD0 or above */
  *len = bs_utf8_decode(s + i, n - i, cp);
  return *len && ((*cp >= 0xFDD0 && *cp <= 0xFDEF) || (*cp & 0xFFFE) == 0xFFFE);
}

/* Appends text; returns the first noncharacter dropped, or 0. */
static uint32_t put(walk *w, const char *s, size_t n, unsigned char sty)
{
  uint32_t dropped = 0;
  for (size_t i = 0; i < n; i++) {
    size_t skip;
    uint32_t cp;
    if ((unsigned char)s[i] >= 0xEF && nonchar_at(s, n, i, &skip, &cp)) {
      dropped = dropped ? dropped : cp;
      i += skip - 1;
      continue;
    }
    char ch = s[i];
    if (ch == '\n' || ch == '\r')
      ch = ' '; /* a soft line break; dropped between CJK characters by the glue rules */
    bs_buf_putc(&w->text, ch);
    bs_buf_putc(&w->style, (char)sty);
  }
  return dropped;
}

/* Text of node k, with a warning naming its input and line when a noncharacter is dropped. */
static void put_text(walk *w, const bs_node *k, unsigned char sty)
{
  uint32_t cp = put(w, bs_node_get_literal(k), bs_node_get_literal_length(k), sty);
  if (!cp || !w->c->bk->opts->diag)
    return;
  const bs_node *at = k;
  while (at && bs_node_get_pos(at).line == 0)
    at = bs_node_parent(at);
  bs_error e;
  bs_error_set(&e, BS_ERR_ENCODING, bs_node_get_input(k), at ? bs_node_get_pos(at).line : 0, 0,
               "noncharacter U+%04X dropped from the PDF", (unsigned)cp);
  bs_ts_diag(w->c, &e, 0);
}

static void inlines(walk *w, const bs_node *n, unsigned char sty)
{
  for (const bs_node *k = bs_node_first_child(n); k; k = bs_node_next(k)) {
    size_t from = w->text.len;
    const char *lang = bs_node_get_lang(k);
    switch (bs_node_get_type(k)) {
    case BS_NODE_TEXT:
      put_text(w, k, sty);
      break;
    case BS_NODE_CODE:
      put_text(w, k, sty | BS_ST_CODE);
      break;
    case BS_NODE_LINE_BREAK:
      bs_buf_putc(&w->text, '\n');
      bs_buf_putc(&w->style, (char)sty);
      break;
    case BS_NODE_STRONG:
      inlines(w, k, sty | (w->c->bk->opts->emphasis_dots ? BS_ST_DOTS : BS_ST_BOLD));
      break;
    case BS_NODE_EMPHASIS:
    case BS_NODE_EMPHASIS_MARK:
      inlines(w, k, sty | BS_ST_DOTS); /* E2: CJK has no italics */
      break;
    case BS_NODE_LINK: {
      /* an external link (#5: clickable in the PDF): an absolute URI; in-document anchors
       * and links relative to a saved page lead nowhere from a PDF */
      const char *href = bs_node_get_href(k);
      const char *colon = href ? strchr(href, ':') : NULL;
      size_t a = w->text.len;
      inlines(w, k, sty);
      if (colon && colon > href && !memchr(href, '/', (size_t)(colon - href)) &&
          w->text.len > a) {
        w->links = bs_xrealloc(w->links, (w->nlinks + 1) * sizeof *w->links);
        w->links[w->nlinks++] = (struct span){a, w->text.len, href};
      }
      break;
    }
    case BS_NODE_RUBY: { /* content hook (ruby.c) */
      size_t s0 = w->text.len;
      inlines(w, k, sty);
      bs_ts_ruby_add(&w->ruby, s0, w->text.len, bs_node_get_annotation(k));
      break;
    }
    case BS_NODE_FOOTNOTE_REF: { /* content hook: a small numbered mark (notes.c) */
      int id = bs_ts_note_ref(w->c, bs_node_get_label(k));
      char tmp[32];
      bs_ts_note_mark(w->c, id, tmp, sizeof tmp);
      size_t s0 = w->text.len;
      unsigned char ms = sty | BS_ST_SMALL; /* its own run, apart from a mark just before */
      if (s0 && (w->style.data[s0 - 1] & BS_ST_SMALL) && !(w->style.data[s0 - 1] & BS_ST_MARK_ALT))
        ms |= BS_ST_MARK_ALT;
      put(w, tmp, strlen(tmp), ms);
      bs_ts_note_span(&w->ruby, s0, w->text.len, id);
      break;
    }
    default:
      inlines(w, k, sty);
      break;
    }
    if (lang && *lang && w->text.len > from) {
      w->langs = bs_xrealloc(w->langs, (w->nlangs + 1) * sizeof *w->langs);
      w->langs[w->nlangs++] = (bs_ts_lang_span){(uint32_t)from, (uint32_t)w->text.len, lang};
    }
  }
}

/* Pages in one chapter of a PDF: a chapter's lines stay in memory until it is drawn (about
 * 150 KB a page at the default grid, so some 800 MB at the limit). */
enum { TS_MAX_PAGES = 5000 };

/* The input an error in the paragraph being collected names: its block's, else its chapter's. */
static const char *where(const walk *w)
{
  const char *in = w->at ? bs_node_get_input(w->at) : NULL;
  if ((!in || !*in) && w->c->doc)
    in = bs_node_get_input(w->c->doc);
  return in;
}

/* Lays out the collected text as one paragraph. */
static bs_status flush(walk *w, double size, const bs_ts_block *blk, bs_error *err)
{
  bs_ts_ctx *c = w->c;
  /* trim ASCII spaces at both ends */
  size_t a = 0, b = w->text.len;
  while (a < b && (w->text.data[a] == ' ' || w->text.data[a] == '\t'))
    a++;
  while (b > a && (w->text.data[b - 1] == ' ' || w->text.data[b - 1] == '\t'))
    b--;
  if (b - a > BS_TS_MAX_PARA) {
    bs_ts_ruby_list_free(&w->ruby);
    bs_buf_clear(&w->text);
    bs_buf_clear(&w->style);
    w->nlinks = 0;
    w->nlangs = 0;
    return bs_error_set(err, BS_ERR_LIMIT, where(w), w->at ? bs_node_get_pos(w->at).line : 0,
                        0, "paragraph longer than %d bytes", BS_TS_MAX_PARA);
  }
  bs_ts_para p = {0};
  p.len = b - a;
  p.text = bs_xstrndup(w->text.data ? w->text.data + a : "", p.len);
  p.style = bs_xmalloc(p.len + 1);
  if (p.len)
    memcpy(p.style, w->style.data + a, p.len);
  p.size = size;
  bs_ts_ruby_take(&w->ruby, &p, a, b); /* content hook (ruby.c) */
  bs_buf_clear(&w->text);
  bs_buf_clear(&w->style);
  if (c->vertical && c->region <= 1)
    bs_ts_quotes_to_corners(p.text, p.len); /* V3 */
  bs_ts_block bk = *blk;
  bk.new_page = bk.new_page || w->new_page;
  w->new_page = false;
  size_t first_line = c->nlines;
  bs_status st = bs_ts_shape_para(c, &p, err);
  if (st == BS_OK)
    bs_ts_break_para(c, &p, &bk);
  c->para_node = NULL; /* set again by the next block that knows its node */
  if (st == BS_OK && w->head_level >= 0 && p.len) {
    /* for the outline, contents and running heads */
    if (c->nheads == c->capheads) {
      c->capheads = c->capheads * 2 + 8;
      c->heads = bs_xrealloc(c->heads, c->capheads * sizeof *c->heads);
    }
    bs_ts_head *h = &c->heads[c->nheads++];
    memset(h, 0, sizeof *h);
    h->level = w->head_level;
    h->node = w->head_node;
    h->text = bs_ts_text_unmarked(&p); /* content hook: without note marks (notes.c) */
    h->line = first_line;
  }
  w->head_level = -1;
  /* runs inside external links */
  for (size_t k = 0; st == BS_OK && k < w->nlinks; k++) {
    size_t la = w->links[k].a > a ? w->links[k].a - a : 0, lb = w->links[k].b - a;
    if (w->links[k].b <= a || la >= p.len)
      continue;
    c->hrefs = bs_xrealloc(c->hrefs, (c->nhrefs + 1) * sizeof *c->hrefs);
    c->hrefs[c->nhrefs++] = w->links[k].href;
    for (size_t li = first_line; li < c->nlines; li++)
      for (size_t r = 0; r < c->lines_v[li].nruns; r++) {
        bs_ts_prun *run = &c->lines_v[li].runs[r];
        if (run->p0 < lb && run->p0 + run->len > la)
          run->link = (int)c->nhrefs;
      }
  }
  w->nlinks = 0;
  /* inline text in another language, in paragraph bytes, on each of its lines */
  for (size_t li = first_line; st == BS_OK && w->nlangs && li < c->nlines; li++) {
    bs_ts_line *l = &c->lines_v[li];
    for (size_t k = 0; k < w->nlangs; k++) {
      size_t la = w->langs[k].a > a ? w->langs[k].a - a : 0, lb = w->langs[k].b - a;
      if (w->langs[k].b <= a || la >= p.len)
        continue;
      l->langs = bs_xrealloc(l->langs, (l->nlangs + 1) * sizeof *l->langs);
      l->langs[l->nlangs++] = (bs_ts_lang_span){(uint32_t)la, (uint32_t)lb, w->langs[k].lang};
    }
  }
  w->nlangs = 0;
  bs_ts_para_free(&p);
  /* stop a runaway chapter before its lines exhaust memory */
  if (st == BS_OK && c->nlines / (size_t)(c->lines > 0 ? c->lines : 1) > TS_MAX_PAGES)
    st = bs_error_set(err, BS_ERR_LIMIT, where(w), 0, 0,
                      "a chapter would take more than %d pages; split it", TS_MAX_PAGES);
  return st;
}

bs_ts_block bs_ts_body_block(const bs_ts_ctx *c, double indent_pt)
{
  bs_ts_block b = {0};
  b.kind = BS_LINE_BODY;
  b.slots = 1;
  b.indent_pt = indent_pt;
  b.first_indent = c->indent_em * c->size;
  b.justify = true;
  return b;
}

static bs_status blocks(walk *w, const bs_node *n, double indent, bs_error *err);

/* A paragraph whose text already starts with an ideographic space (Aozora Bunko, many
 * exports) carries its own indent; the automatic one would double it (§7.7; the EPUB writer's
 * p.indented). */
static bool source_indented(const bs_node *p)
{
  const bs_node *n = bs_node_first_child(p);
  while (n && bs_node_get_type(n) != BS_NODE_TEXT && bs_node_first_child(n))
    n = bs_node_first_child(n);
  return n && bs_node_get_type(n) == BS_NODE_TEXT && bs_node_get_literal_length(n) >= 3 &&
         !memcmp(bs_node_get_literal(n), "\xE3\x80\x80", 3);
}

static bs_status block(walk *w, const bs_node *k, double indent, bs_error *err)
{
  w->at = k;
  bs_ts_ctx *c = w->c;
  double em = c->size;
  double ind = indent + bs_node_get_indent(k) * em;
  if (ind > c->measure / 2)
    ind = c->measure / 2;
  bs_ts_block blk = bs_ts_body_block(c, ind);
  c->para_node = k; /* for the structure tags (draw.c) */
  bool after_head = w->after_head;
  w->after_head = false;
  switch (bs_node_get_type(k)) {
  case BS_NODE_PARAGRAPH:
    /* §7.7: a Latin-script paragraph right after a heading is not indented (English usage);
     * CJK paragraphs always are, unless they carry their own U+3000 */
    if (source_indented(k) || (after_head && !bs_ts_cjk_doc(c)))
      blk.first_indent = 0;
    inlines(w, k, 0);
    return flush(w, em, &blk, err);
  case BS_NODE_HEADING: {
    int lv = bs_node_get_heading_level(k);
    static const double scale[] = {1.3, 1.15, 1.0, 1.0, 1.0, 1.0};
    double hs = em * scale[lv >= 1 && lv <= 6 ? lv - 1 : 5];
    blk.kind = BS_LINE_HEADING;
    blk.slots = lv <= 2 ? 2 : 1; /* §7.6: an integer number of line slots */
    /* §7.6: vertical headings are indented in body characters, higher levels less */
    blk.first_indent = c->vertical ? (lv <= 1 ? 2 : lv == 2 ? 3 : 4) * em : 0;
    blk.keep_next = true;
    inlines(w, k, BS_ST_BOLD | BS_ST_HEI); /* E4 */
    w->head_level = lv;
    w->head_node = k;
    w->after_head = true;
    return flush(w, hs, &blk, err);
  }
  case BS_NODE_BLOCK_QUOTE:
    return blocks(w, k, ind + 2 * em, err);
  case BS_NODE_LIST: {
    int num = bs_node_get_list_start(k);
    bool ordered = bs_node_get_list_ordered(k);
    for (const bs_node *it = bs_node_first_child(k); it; it = bs_node_next(it), num++) {
      char mark[32];
      if (ordered)
        snprintf(mark, sizeof mark, "%d. ", num);
      else /* the CJK bullet in a CJK book (one em, on the grid), else the Western one */
        snprintf(mark, sizeof mark, "%s", bs_ts_cjk_doc(c) ? "・" : "• ");
      bool firstp = true;
      for (const bs_node *b = bs_node_first_child(it); b; b = bs_node_next(b)) {
        if (firstp && bs_node_get_type(b) == BS_NODE_PARAGRAPH) {
          bs_ts_block lb = bs_ts_body_block(c, ind + 2 * em);
          lb.first_indent = 0;
          put(w, mark, strlen(mark), 0);
          inlines(w, b, 0);
          c->para_node = b;
          bs_status st = flush(w, em, &lb, err);
          if (st)
            return st;
        } else {
          bs_status st = block(w, b, ind + 2 * em, err);
          if (st)
            return st;
        }
        firstp = false;
      }
    }
    return BS_OK;
  }
  case BS_NODE_CODE_BLOCK: {
    const char *lit = bs_node_get_literal(k);
    size_t len = bs_node_get_literal_length(k);
    while (len && lit[len - 1] == '\n')
      len--;
    for (size_t i = 0; i < len; i++) {
      bs_buf_putc(&w->text, lit[i]);
      bs_buf_putc(&w->style, (char)BS_ST_CODE);
    }
    blk.kind = BS_LINE_CODE;
    blk.first_indent = 0;
    blk.justify = false;
    return flush(w, em, &blk, err);
  }
  case BS_NODE_THEMATIC_BREAK:
    blk.first_indent = 0;
    return flush(w, em, &blk, err); /* an empty line */
  case BS_NODE_PAGE_BREAK:
    w->new_page = true;
    return BS_OK;
  case BS_NODE_FIGURE: {
    /* the image (figure.c, content hook), then the caption and credit in smaller type */
    const char *cap = bs_node_get_caption(k), *cr = bs_node_get_credit(k);
    bool added = false;
    bs_status fst = bs_ts_figure_line(c, k, ind, (cap && *cap) || (cr && *cr), w->new_page,
                                      &added, err);
    if (fst)
      return fst;
    if (added)
      w->new_page = false;
    blk.kind = BS_LINE_SMALL;
    blk.first_indent = 0;
    blk.justify = true;
    blk.center = added && !c->vertical; /* under its image, centred */
    if (cap && *cap)
      put(w, cap, strlen(cap), 0);
    if (cr && *cr) {
      if (cap && *cap)
        put(w, "　", strlen("　"), 0);
      put(w, cr, strlen(cr), 0);
    }
    if (!w->text.len)
      return BS_OK;
    return flush(w, em * 0.85, &blk, err);
  }
  case BS_NODE_TABLE:
    for (const bs_node *row = bs_node_first_child(k); row; row = bs_node_next(row)) {
      uint32_t *cells = NULL; /* where each cell begins, for the TD/TH tags (draw.c) */
      size_t ncells = 0;
      for (const bs_node *cell = bs_node_first_child(row); cell; cell = bs_node_next(cell)) {
        if (cell != bs_node_first_child(row))
          put(w, "　", strlen("　"), 0);
        cells = bs_xrealloc(cells, (ncells + 1) * sizeof *cells);
        cells[ncells++] = (uint32_t)w->text.len | (bs_node_get_cell_header(cell) ? BS_TS_CELL_TH : 0);
        inlines(w, cell, bs_node_get_cell_header(cell) ? BS_ST_BOLD : 0);
      }
      bs_ts_block tb = blk;
      tb.first_indent = 0;
      c->para_node = row;
      size_t l0 = c->nlines;
      bs_status st = flush(w, em, &tb, err);
      for (size_t li = l0; st == BS_OK && li < c->nlines && ncells; li++) {
        c->lines_v[li].cells = bs_xmalloc(ncells * sizeof *cells);
        memcpy(c->lines_v[li].cells, cells, ncells * sizeof *cells);
        c->lines_v[li].ncells = ncells;
      }
      free(cells);
      if (st)
        return st;
    }
    return BS_OK;
  case BS_NODE_FOOTNOTE_DEF: /* content hook: set with the chapter's notes (notes_section) */
    bs_ts_note_def(c, k);
    return BS_OK;
  default:
    return blocks(w, k, ind, err);
  }
}

static bs_status blocks(walk *w, const bs_node *n, double indent, bs_error *err)
{
  for (const bs_node *k = bs_node_first_child(n); k; k = bs_node_next(k)) {
    bs_status st = block(w, k, indent, err);
    if (st)
      return st;
  }
  return BS_OK;
}

bs_status bs_ts_para_text(bs_ts_ctx *c, const char *text, unsigned char style, double size,
                          const bs_ts_block *blk, bs_error *err)
{
  walk w = {c, BS_BUF_INIT, BS_BUF_INIT, false, -1, NULL, NULL, 0, {0}, NULL, false, NULL, 0};
  put(&w, text, strlen(text), style);
  bs_status st = flush(&w, size, blk, err);
  free(w.links);
  free(w.langs);
  bs_buf_free(&w.text);
  bs_buf_free(&w.style);
  return st;
}

static void new_page(bs_ts_ctx *c, size_t first_line)
{
  c->pages = bs_xrealloc(c->pages, (c->npages + 1) * sizeof *c->pages);
  c->pages[c->npages] = (bs_ts_page){0}; /* the front matter's have no folio or head */
  c->pages[c->npages].l0 = c->pages[c->npages].l1 = first_line;
  c->pages[c->npages].number = c->run->page_base + (int)c->npages + 1;
  c->pages[c->npages].blank = false;
  c->pages[c->npages].opening = false;
  c->pages[c->npages].divider = false;
  static const char *tags[] = {"zh-Hant", "zh-HK", "zh-Hans", "ja", "ko"};
  int region = first_line < c->nlines ? c->lines_v[first_line].region : c->region;
  /* a chapter in another language (English) is named as it is, not by the CJK rules it
   * falls back on (region 0) */
  snprintf(c->pages[c->npages].lang, sizeof c->pages[c->npages].lang, "%s",
           bs_ts_cjk_doc(c) ? tags[region] : c->doc_lang);
  c->npages++;
}

/* Slots a paragraph starting at line i must bring onto the page of its first line: K9 keeps
 * two lines together at both its ends, so a paragraph of three lines goes whole. */
static int para_head_need(const bs_ts_ctx *c, size_t i)
{
  int n = 0, need = 0, two = 0;
  for (size_t k = i; k < c->nlines && n < 4; k++) {
    n++;
    if (n <= 3)
      need += c->lines_v[k].slots;
    if (n == 2)
      two = need;
    if (c->lines_v[k].para_last)
      break;
  }
  return n == 3 ? need : n == 1 ? c->lines_v[i].slots : two;
}

/* §7.6: a heading (and the headings chained to it) keeps with what the paragraph after it
 * needs on the same page. */
static int keep_need(const bs_ts_ctx *c, size_t i)
{
  int need = 0;
  size_t k = i + 1;
  while (k < c->nlines && c->lines_v[k].keep_next && !c->lines_v[k].new_page)
    need += c->lines_v[k++].slots;
  if (k < c->nlines && !c->lines_v[k].new_page && c->lines_v[k].kind != BS_LINE_BLANK)
    need += c->lines_v[k].para_first ? para_head_need(c, k) : c->lines_v[k].slots;
  return need;
}

/* Puts lines on pages and computes each line's frame origin (G1: on the grid). */
void bs_ts_paginate(bs_ts_ctx *c)
{
  int slot = 0;
  size_t nbody = bs_ts_notes_body_end(c); /* content hook: horizontal notes go to page feet */
  for (size_t i = 0; i < nbody; i++) {
    bs_ts_line *l = &c->lines_v[i];
    int need = l->slots;
    int foot = bs_ts_notes_foot(c, i); /* content hook: note slots this line brings */
    if (l->keep_next)
      need += keep_need(c, i); /* §7.6: a heading keeps with two lines of its paragraph */
    bool brk = c->npages == 0;
    if (!brk && l->new_page && slot > 0)
      brk = true;
    if (!brk && slot > 0 && slot + need > c->lines)
      brk = true;
    if (!brk && slot > 0 && c->foot_used + foot > 0 && slot + need + c->foot_used + foot > c->lines)
      brk = true; /* content hook: its notes must fit at the foot too */
    /* orphan: a paragraph's first line alone at the foot of a page */
    if (!brk && slot > 0 && l->para_first && !l->para_last && slot + l->slots == c->lines &&
        l->kind == BS_LINE_BODY)
      brk = true;
    /* K9 both ways at once: a paragraph of three lines with two slots left goes whole */
    if (!brk && slot > 0 && l->para_first && !l->para_last && l->kind == BS_LINE_BODY &&
        i + 2 < c->nlines && !c->lines_v[i + 1].para_last && c->lines_v[i + 2].para_last &&
        slot + l->slots + c->lines_v[i + 1].slots <= c->lines &&
        slot + para_head_need(c, i) > c->lines)
      brk = true;
    /* widow: the last line alone at the head of the next page (K9's page sense) */
    if (!brk && slot > 0 && !l->para_first && !l->para_last && i + 1 < c->nlines &&
        c->lines_v[i + 1].para_last && i > 0 && !c->lines_v[i - 1].para_first &&
        slot + l->slots + c->foot_used + foot >= c->lines) /* the page's last free slot, notes
                                                            * at its foot counted */
      brk = true;
    if (brk) {
      /* a book's chapters open on a recto, an odd page (§7.4: the left page in vertical
       * books and right-to-left ones, the right one in the others); a blank page fills the
       * gap */
      if (l->new_page && (i == 0 || c->recto_breaks) && c->recto &&
          (c->run->page_base + c->npages) % 2 == 1) {
        new_page(c, i);
        c->pages[c->npages - 1].blank = true;
      }
      new_page(c, i);
      c->pages[c->npages - 1].opening = i == 0;
      slot = 0;
      c->foot_used = 0;
    }
    /* a blank line at the head of a page is dropped */
    if (l->kind == BS_LINE_BLANK && slot == 0 && !l->new_page) {
      l->slots = 0;
    }
    double band = l->slots * c->pitch - c->gap;
    if (band < l->size)
      band = l->size;
    l->column = slot;
    if (c->vertical) {
      l->ox = c->area_x + c->area_w - slot * c->pitch - band / 2;
      l->oy = c->area_y + l->indent;
    } else {
      l->ox = c->area_x + l->indent;
      l->oy = c->area_y + slot * c->pitch + (band - l->size) / 2;
    }
    slot += l->slots;
    c->foot_used += foot;
    c->pages[c->npages - 1].l1 = i + 1;
  }
  /* where the titles and headings landed */
  size_t pi = 0;
  for (size_t h = 0; h < c->nheads; h++) {
    bs_ts_head *hd = &c->heads[h];
    while (pi + 1 < c->npages && c->pages[pi].l1 <= hd->line)
      pi++;
    if (pi < c->npages && hd->line < c->nlines) {
      hd->page = c->pages[pi].number;
      /* where links and the outline point, from the chapter's own direction: a horizontal
       * chapter of a vertical book is reached at its line, not at a column (#16) */
      const bs_ts_line *hl = &c->lines_v[hd->line];
      hd->x = c->vertical ? hl->ox + c->size : c->area_x;
      hd->y = c->vertical ? c->area_y : hl->oy;
    }
  }
}

void bs_ts_chapter_free(bs_ts_ctx *c)
{
  bs_ts_notes_free(c); /* content hook */
  for (size_t i = 0; i < c->nlines; i++)
    bs_ts_line_free(&c->lines_v[i]);
  c->nlines = 0;
  for (size_t i = 0; i < c->npages; i++)
    free(c->pages[i].links);
  free(c->pages);
  c->pages = NULL;
  c->npages = 0;
  bs_ts_texts_free(&c->chapter_texts);
  for (size_t i = 0; i < c->nheads; i++)
    free(c->heads[i].text);
  c->nheads = 0;
  c->nhrefs = 0;
}

/* Reports progress to the options' callback: chapters done of total, pages so far. */
void bs_ts_progress(bs_ts_ctx *c, size_t done, size_t total)
{
  if (!c->bk->opts->progress)
    return;
  bs_progress p = {done, total, c->run->page_base, 0};
  if (c->run->out) {
    long long at = (long long)ftello(c->run->out);
    p.bytes = at > 0 ? at : 0;
  }
  c->bk->opts->progress(c->bk->opts->progress_user, &p);
}

/* Paginates the chapter laid out so far, hands it to `emit` and frees it. */
bs_status bs_ts_chapter_emit(bs_ts_ctx *c, bs_ts_emit_fn emit, void *user, bool last,
                             bs_error *err)
{
  bs_ts_paginate(c);
  bs_ts_notes_place(c); /* content hook: page-foot notes (horizontal) */
  if (last && c->npages == 0 && c->run->page_base == 0)
    new_page(c, 0); /* an empty book still has a page */
  for (size_t i = 0; c->bk->book && bs_ts_is_divider(c->doc) && i < c->npages; i++)
    c->pages[i].divider = true;
  bs_ts_front_note(c);
  bs_ts_furnish_pages(c); /* folios and running heads: the page records are then complete */
  bs_status st = c->npages ? emit(c, user, err) : BS_OK;
  c->run->page_base += (int)c->npages;
  c->run->chapter++;
  bs_ts_chapter_free(c);
  bs_ts_set_direction(c, c->bk->vertical); /* the contents and the PDF's end are the book's */
  return st;
}

/* The document's heading block opens it (#5: every article of a collection opens with its
 * full heading; the readers keep these as metadata): the title in bold Hei at 1.6 em in a
 * three-line band, the subtitle in bold Hei at 1.15 em in a two-line band, then the byline
 * (authors and affiliation) and, in smaller type, where the article comes from and its date
 * (§7.6: bands of whole line slots; vertical lines below the title indented further). */
static bs_status title_block(walk *w, const bs_node *doc, bs_error *err)
{
  bs_ts_ctx *c = w->c;
  const char *title = bs_node_get_meta(doc, BS_META_TITLE);
  bs_status st = BS_OK;
  if (title && *title) {
    bs_ts_block blk = bs_ts_body_block(c, 0);
    blk.kind = BS_LINE_HEADING;
    blk.slots = 3;
    blk.first_indent = 0;
    blk.center = !c->vertical; /* §7.6: horizontal major headings are centred */
    blk.justify = c->vertical; /* centred lines, never spread word by word (#13) */
    blk.keep_next = true;
    put(w, title, strlen(title), BS_ST_BOLD | BS_ST_HEI); /* E4 */
    w->head_level = 0;
    w->head_node = doc;
    st = flush(w, c->size * 1.6, &blk, err);
  }
  const char *sub = bs_node_get_meta(doc, BS_META_SUBTITLE);
  if (st == BS_OK && sub && *sub) {
    bs_ts_block blk = bs_ts_body_block(c, 0);
    blk.kind = BS_LINE_HEADING;
    blk.slots = 2;
    blk.first_indent = c->vertical ? 2 * c->size : 0;
    blk.center = !c->vertical;
    blk.justify = false;
    blk.keep_next = true;
    put(w, sub, strlen(sub), BS_ST_BOLD | BS_ST_HEI); /* E4 */
    st = flush(w, c->size * 1.15, &blk, err);
  }
  size_t na = bs_node_get_meta_count(doc, BS_META_AUTHORS);
  const char *aff = bs_node_get_meta(doc, BS_META_AFFILIATION);
  const char *src = bs_node_get_meta(doc, BS_META_SOURCE);
  const char *date = bs_node_get_meta(doc, BS_META_DATE);
  bool has_src = src && *src, has_date = date && *date;
  bs_ts_block blk = bs_ts_body_block(c, c->vertical ? 4 * c->size : 0);
  blk.kind = BS_LINE_BODY;
  blk.first_indent = 0;
  blk.keep_next = true;
  if (st == BS_OK && (na || (aff && *aff))) {
    for (size_t i = 0; i < na; i++) {
      const char *a = bs_node_get_meta_item(doc, BS_META_AUTHORS, i);
      if (i)
        put(w, "、", strlen("、"), 0);
      put(w, a, strlen(a), 0);
    }
    if (aff && *aff) {
      put(w, "（", strlen("（"), 0);
      put(w, aff, strlen(aff), 0);
      put(w, "）", strlen("）"), 0);
    }
    st = flush(w, c->size, &blk, err);
  }
  if (st == BS_OK && (has_src || has_date)) {
    /* the source and the date, an ideographic space apart, in the small type of captions */
    bs_ts_block sb = blk;
    sb.kind = BS_LINE_SMALL;
    sb.justify = false;
    if (has_src)
      put(w, src, strlen(src), 0);
    if (has_src && has_date)
      put(w, "　", strlen("　"), 0);
    if (has_date)
      put(w, date, strlen(date), 0);
    st = flush(w, c->size * 0.85, &sb, err);
  }
  if (st == BS_OK && (na || (aff && *aff) || has_src || has_date))
    st = flush(w, c->size, &blk, err); /* a blank line before the text */
  w->after_head = true;
  return st;
}

/* Content hook (notes.c): the chapter's notes after its text, in smaller type, each opened by
 * its number; vertical books put them under a heading at the chapter's end, horizontal ones
 * move them to the page feet when paginating (bs_ts_notes_place). */
static bs_status notes_section(walk *w, bs_error *err)
{
  bs_ts_ctx *c = w->c;
  bs_status st = BS_OK;
  if (!c->nnotes)
    return BS_OK;
  bs_ts_notes_number(c);
  c->notes_l0 = c->nlines;
  double em = c->size;
  if (c->vertical) {
    bs_ts_block hb = bs_ts_body_block(c, 0);
    bs_ts_block blank = hb;
    blank.first_indent = 0;
    st = flush(w, em, &blank, err); /* a blank column before the notes */
    hb.kind = BS_LINE_HEADING;
    hb.first_indent = 2 * em;
    hb.keep_next = true;
    const char *t = bs_ts_notes_title(c);
    put(w, t, strlen(t), BS_ST_BOLD | BS_ST_HEI);
    if (st == BS_OK)
      st = flush(w, em, &hb, err);
  }
  for (size_t i = 0; i < c->nnotes && st == BS_OK; i++) {
    /* by index: a note's text may mark or define another note, which grows the array */
    if (!c->notes[i].num)
      bs_ts_notes_number(c); /* defined inside another note */
    c->notes[i].l0 = c->notes[i].l1 = c->nlines;
    const bs_node *def = c->notes[i].def;
    if (!def)
      continue; /* a mark without a note: nothing to set */
    char mark[32];
    int id = c->note_base + c->notes[i].num;
    bs_ts_note_mark(c, id, mark, sizeof mark);
    bs_ts_block nb = bs_ts_body_block(c, 0);
    nb.kind = BS_LINE_NOTE;
    nb.first_indent = 0;
    size_t l0 = c->nlines;
    bool firstp = true;
    for (const bs_node *b = bs_node_first_child(def); b && st == BS_OK; b = bs_node_next(b)) {
      if (firstp && bs_node_get_type(b) == BS_NODE_PARAGRAPH) {
        put(w, mark, strlen(mark), 0);
        put(w, "　", strlen("　"), 0);
        inlines(w, b, 0);
        c->para_node = b; /* for the structure tags: a Note (draw.c) */
        st = flush(w, em * 0.85, &nb, err);
      } else {
        size_t k0 = c->nlines;
        st = block(w, b, 0, err);
        for (size_t k = k0; k < c->nlines; k++)
          c->lines_v[k].kind = BS_LINE_NOTE;
      }
      firstp = false;
    }
    if (c->nlines > l0) {
      c->notes[i].l0 = l0;
      c->notes[i].l1 = c->nlines;
      c->lines_v[l0].note = id;
    }
  }
  return st;
}

/* A part's title page: the title in large bold Hei a third down the page (horizontal) or in
 * the first columns (vertical), nothing else. */
static bs_status part_title(walk *w, const bs_node *doc, bs_error *err)
{
  bs_ts_ctx *c = w->c;
  bs_ts_block blk = bs_ts_body_block(c, 0);
  blk.kind = BS_LINE_HEADING;
  blk.slots = c->lines / 3 > 3 ? c->lines / 3 : 3;
  blk.first_indent = c->vertical ? 4 * c->size : 0;
  blk.center = !c->vertical;
  blk.justify = false;
  const char *title = bs_node_get_meta(doc, BS_META_TITLE);
  put(w, title, strlen(title), BS_ST_BOLD | BS_ST_HEI); /* E4 */
  w->head_level = 0;
  w->head_node = doc;
  return flush(w, c->size * 2, &blk, err);
}

bs_status bs_ts_chapter_layout(bs_ts_ctx *c, const bs_node *d, bs_error *err)
{
  walk w = {c, BS_BUF_INIT, BS_BUF_INIT, true, -1, NULL, NULL, 0, {0}, NULL, false, NULL, 0};
  c->doc = d; /* each document starts a new page */
  bs_status st = bs_ts_set_lang(c, bs_node_get_inherited_lang(d), err);
  if (c->bk->book && !bs_ts_is_divider(d)) {
    /* issue #16: a chapter's own direction (or a language without vertical tradition) wins
     * over the book's; the book's page order stays */
    bool v = bs_node_get_chapter_direction(d, c->bk->opts->direction, c->bk->vertical
                                                                      ? BS_DIR_VERTICAL
                                                                      : BS_DIR_HORIZONTAL) ==
             BS_DIR_VERTICAL;
    bs_ts_set_direction(c, v);
    if (v != c->bk->vertical) {
      bs_error note;
      bs_error_clear(&note);
      note.code = BS_NOTE; /* information the issue asks for, not a problem */
      snprintf(note.path, sizeof note.path, "%s", bs_node_get_input(d) ? bs_node_get_input(d) : "");
      const char *t = bs_node_get_meta(d, BS_META_TITLE);
      snprintf(note.message, sizeof note.message, "chapter '%s' is set %s in this %s book",
               t ? t : "", v ? "vertically" : "horizontally", v ? "horizontal" : "vertical");
      bs_ts_diag(c, &note, 0);
    }
  } else {
    bs_ts_set_direction(c, c->bk->vertical);
  }
  if (st == BS_OK && bs_ts_is_divider(d))
    st = part_title(&w, d, err);
  else if (st == BS_OK)
    st = title_block(&w, d, err);
  if (st == BS_OK)
    st = blocks(&w, d, 0, err);
  if (st == BS_OK)
    st = notes_section(&w, err); /* content hook */
  free(w.links);
  free(w.langs);
  bs_buf_free(&w.text);
  bs_buf_free(&w.style);
  bs_ts_ruby_list_free(&w.ruby);
  return st;
}

static bs_status tree_get(void *user, size_t i, const bs_node **doc, bs_error *err)
{
  (void)err;
  bs_ts_tree *t = user;
  if (!t->at || i < t->at_i) {
    t->at = bs_node_first_child(t->root);
    t->at_i = 0;
  }
  while (t->at && t->at_i < i) {
    t->at = bs_node_next(t->at);
    t->at_i++;
  }
  *doc = t->at;
  return BS_OK;
}

void bs_ts_tree_source(bs_ts_tree *t, const bs_node *root)
{
  memset(t, 0, sizeof *t);
  t->root = root;
  t->src.count = bs_node_child_count(root);
  t->src.get = tree_get;
  t->src.user = t;
}

bs_status bs_ts_chapter_get(const bs_ts_chapters *ch, size_t i, const bs_node **doc,
                            bs_error *err)
{
  *doc = NULL;
  bs_status st = ch->src->get(ch->src->user, i, doc, err);
  if (st == BS_OK && !*doc && ch->present && ch->present[i])
    st = bs_error_set(err, BS_ERR_ARGUMENT, NULL, 0, 0,
                      "chapter %zu was in the book and is no longer", i + 1);
  return st;
}

void bs_ts_chapter_put(const bs_ts_chapters *ch, size_t i, const bs_node *doc)
{
  if (doc && ch->src->put)
    ch->src->put(ch->src->user, i, doc);
}

bs_status bs_ts_layout_chapters(bs_ts_ctx *c, const bs_ts_chapters *ch, bs_ts_emit_fn emit,
                                void *user, bs_error *err)
{
  bs_status st = BS_OK;
  c->run->page_base = 0;
  c->run->chapter = 0;
  c->recto = c->bk->opts->recto_chapters != 0;
  size_t total = ch->src->count, done = 0;
  bool any = false;
  bs_ts_progress(c, 0, total);
  for (size_t i = 0; i < ch->src->count && st == BS_OK; i++) {
    if (ch->present && !ch->present[i])
      continue;
    const bs_node *d;
    st = bs_ts_chapter_get(ch, i, &d, err);
    if (st != BS_OK || !d)
      continue;
    any = true;
    st = bs_ts_chapter_layout(c, d, err);
    if (st == BS_OK)
      st = bs_ts_chapter_emit(c, emit, user, i == ch->last, err);
    c->run->in_part = c->run->in_part || bs_ts_is_divider(d);
    c->doc = NULL; /* given back */
    bs_ts_chapter_put(ch, i, d);
    if (st == BS_OK)
      bs_ts_progress(c, ++done, total);
  }
  if (st == BS_OK && !any)
    st = bs_ts_chapter_emit(c, emit, user, true, err);
  return st;
}

bs_status bs_ts_layout(bs_ts_ctx *c, const bs_node *root, bs_ts_emit_fn emit, void *user,
                       bs_error *err)
{
  if (bs_node_get_type(root) == BS_NODE_BOOK) {
    bs_ts_tree t;
    bs_ts_tree_source(&t, root);
    bs_ts_chapters ch = {&t.src, NULL, t.src.count, t.src.count ? t.src.count - 1 : 0};
    return bs_ts_layout_chapters(c, &ch, emit, user, err);
  }
  walk w = {c, BS_BUF_INIT, BS_BUF_INIT, false, -1, NULL, NULL, 0, {0}, NULL, false, NULL, 0};
  bs_status st = BS_OK;
  c->run->page_base = 0;
  c->run->chapter = 0;
  c->doc = root;
  c->recto = c->bk->opts->recto_chapters > 0;
  bs_ts_progress(c, 0, 1);
  st = title_block(&w, root, err);
  if (st == BS_OK)
    st = blocks(&w, root, 0, err);
  if (st == BS_OK)
    st = notes_section(&w, err); /* content hook */
  if (st == BS_OK)
    st = bs_ts_chapter_emit(c, emit, user, true, err);
  if (st == BS_OK)
    bs_ts_progress(c, 1, 1);
  free(w.links);
  free(w.langs);
  bs_buf_free(&w.text);
  bs_buf_free(&w.style);
  bs_ts_ruby_list_free(&w.ruby);
  return st;
}
