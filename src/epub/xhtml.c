/* Tree to XHTML with libxml2's tree API: chapters, the book title page, the cover page and
 * the navigation document. Text goes in as text nodes, so libxml2 does all escaping. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <unicode/uchar.h>

#include "epub-impl.h"

#define XHTML_NS BAD_CAST "http://www.w3.org/1999/xhtml"
#define OPS_NS BAD_CAST "http://www.idpf.org/2007/ops"

typedef struct page {
  bs_epub *e;
  const char *lang;
  bool rtl; /* a horizontal page in a right-to-left language: html dir="rtl" */
  xmlDocPtr doc;
  xmlNsPtr ops;
  xmlNodePtr body;
} page;

static bool strong_rtl(UCharDirection d)
{
  return d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC;
}

/* A lead byte of a right-to-left block's UTF-8: U+0590–U+08FF, U+FB1D–U+FEFF, U+10800–U+10FFF,
 * U+1E800–U+1EFFF. A quick filter: the code point itself is then asked of ICU. */
static bool rtl_lead(const unsigned char *q)
{
  return (*q >= 0xD6 && *q <= 0xDF) || (*q == 0xE0 && q[1] >= 0xA0 && q[1] <= 0xA3) ||
         (*q == 0xEF && q[1] >= 0xAC && q[1] <= 0xBB) ||
         (*q == 0xF0 && ((q[1] == 0x90 && q[2] >= 0xA0) || q[1] == 0x9E));
}

/* #13: a block holding right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko...) takes
 * dir="auto": its direction is its first strong letter's, as in the PDF, and reading systems
 * set an Arabic paragraph of a left-to-right book from the right. */
static bool has_rtl(const bs_node *n)
{
  for (const bs_node *k = bs_node_first_child(n); k; k = bs_node_next(k)) {
    const char *t = bs_node_get_type(k) == BS_NODE_TEXT ? bs_node_get_literal(k) : NULL;
    for (const unsigned char *q = (const unsigned char *)t; q && *q; q++) {
      uint32_t cp;
      if (rtl_lead(q) && bs_utf8_decode((const char *)q, strnlen((const char *)q, 4), &cp) &&
          strong_rtl(u_charDirection((UChar32)cp)))
        return true;
    }
    if (bs_node_first_child(k) && has_rtl(k))
      return true;
  }
  return false;
}

/* The first strong letter of n's text: 1 right to left, 0 left to right, -1 none (P2). */
static int first_strong(const bs_node *n)
{
  for (const bs_node *k = bs_node_first_child(n); k; k = bs_node_next(k)) {
    const char *t = bs_node_get_type(k) == BS_NODE_TEXT ? bs_node_get_literal(k) : NULL;
    size_t len = t ? strlen(t) : 0;
    for (size_t i = 0; i < len;) {
      uint32_t cp;
      size_t m = bs_utf8_decode(t + i, len - i, &cp);
      if (!m) {
        i++;
        continue;
      }
      UCharDirection d = u_charDirection((UChar32)cp);
      if (strong_rtl(d))
        return 1;
      if (d == U_LEFT_TO_RIGHT)
        return 0;
      i += m;
    }
    int r = bs_node_first_child(k) ? first_strong(k) : -1;
    if (r >= 0)
      return r;
  }
  return -1;
}

/* The XHTML scaffold: doctype, html with lang, head with title and our stylesheets. */
static void page_new(bs_epub *e, page *p, const char *title, const char *lang, int dir,
                     const char *up)
{
  p->e = e;
  p->lang = lang;
  p->doc = xmlNewDoc(BAD_CAST "1.0");
  xmlCreateIntSubset(p->doc, BAD_CAST "html", NULL, NULL);
  xmlNodePtr html = xmlNewDocNode(p->doc, NULL, BAD_CAST "html", NULL);
  xmlDocSetRootElement(p->doc, html);
  xmlSetNs(html, xmlNewNs(html, XHTML_NS, NULL));
  p->ops = xmlNewNs(html, OPS_NS, BAD_CAST "epub");
  xmlNewProp(html, BAD_CAST "lang", BAD_CAST lang);
  xmlNodeSetLang(html, BAD_CAST lang);
  /* an Arabic or Hebrew chapter runs right to left: lists, quotations and alignment follow
   * the page's direction (its paragraphs each take their own, dir="auto") */
  p->rtl = dir != 2 && bs_lang_rtl(lang);
  if (p->rtl)
    xmlNewProp(html, BAD_CAST "dir", BAD_CAST "rtl");
  xmlNodePtr head = xmlNewChild(html, NULL, BAD_CAST "head", NULL);
  xmlNodePtr meta = xmlNewChild(head, NULL, BAD_CAST "meta", NULL);
  xmlNewProp(meta, BAD_CAST "charset", BAD_CAST "utf-8");
  xmlNewTextChild(head, NULL, BAD_CAST "title", BAD_CAST title);
  const char *sheets[5] = {"base.css", NULL, NULL, NULL, NULL};
  int ns = 1;
  if (dir == 1)
    sheets[ns++] = "horizontal.css";
  else if (dir == 2)
    sheets[ns++] = "vertical.css";
  if (e->use_fonts_css)
    sheets[ns++] = "fonts.css";
  if (e->use_user_css)
    sheets[ns++] = "user.css";
  for (int i = 0; i < ns; i++) {
    char href[64];
    snprintf(href, sizeof href, "%scss/%s", up, sheets[i]);
    xmlNodePtr link = xmlNewChild(head, NULL, BAD_CAST "link", NULL);
    xmlNewProp(link, BAD_CAST "rel", BAD_CAST "stylesheet");
    xmlNewProp(link, BAD_CAST "type", BAD_CAST "text/css");
    xmlNewProp(link, BAD_CAST "href", BAD_CAST href);
  }
  p->body = xmlNewChild(html, NULL, BAD_CAST "body", NULL);
}

/* The elements that get a newline before them: head, body, meta, title, link, section,
 * header, nav, ol, ul, li, p, h1-h6, blockquote, pre, figure, figcaption, table, tr, th, td,
 * aside, div, hr. A switch on length and first letter, as this runs for every element. */
static bool block_name(const char *n)
{
  switch (strlen(n)) {
  case 1:
    return n[0] == 'p';
  case 2:
    switch (n[0]) {
    case 'h': return (n[1] >= '1' && n[1] <= '6') || n[1] == 'r';
    case 'o': case 'u': return n[1] == 'l';
    case 'l': return n[1] == 'i';
    case 't': return n[1] == 'r' || n[1] == 'h' || n[1] == 'd';
    default: return false;
    }
  case 3:
    return !strcmp(n, "nav") || !strcmp(n, "pre") || !strcmp(n, "div");
  case 4:
    return !strcmp(n, "head") || !strcmp(n, "body") || !strcmp(n, "meta") || !strcmp(n, "link");
  case 5:
    return !strcmp(n, "title") || !strcmp(n, "table") || !strcmp(n, "aside");
  case 6:
    return !strcmp(n, "header") || !strcmp(n, "figure");
  case 7:
    return !strcmp(n, "section");
  case 10:
    return !strcmp(n, "blockquote") || !strcmp(n, "figcaption");
  default:
    return false;
  }
}

/* A newline before each block element, so the file reads well, while nothing is added
 * inside text (libxml2's own indenting would put spaces into <pre>). */
static void newlines(xmlNodePtr n)
{
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE)
      continue;
    const char *name = (const char *)c->name;
    if (block_name(name)) {
      xmlNodePtr nl = xmlNewText(BAD_CAST "\n");
      if (c->prev && c->prev->type == XML_TEXT_NODE) {
        /* what xmlAddPrevSibling would do (merge into the text before), without its
         * reallocating strcat: the newline goes in as a node of its own, same bytes out */
        nl->parent = n, nl->doc = c->doc;
        nl->prev = c->prev, nl->next = c;
        c->prev->next = nl, c->prev = nl;
      } else {
        xmlAddPrevSibling(c, nl);
      }
    }
    if (strcmp(name, "pre"))
      newlines(c);
  }
}

/* The page's bytes: newlines added, serialised into `out`. */
static void page_render(xmlDocPtr doc, bs_buf *out)
{
  xmlNodePtr root = xmlDocGetRootElement(doc);
  newlines(root);
  xmlAddChild(root, xmlNewText(BAD_CAST "\n"));
  bs_epub_xml_dump(doc, 0, out);
}

static bool lang_is(const char *lang, const char *p)
{
  size_t n = strlen(p);
  return lang && !strncasecmp(lang, p, n) && (lang[n] == '\0' || lang[n] == '-');
}

static bool has_class(xmlNodePtr n, const char *word)
{
  xmlChar *v = xmlGetProp(n, BAD_CAST "class");
  bool r = false;
  size_t wl = strlen(word);
  for (const char *p = (const char *)v; p && *p && !r;) {
    size_t k = strcspn(p, " ");
    r = k == wl && !strncmp(p, word, k);
    p += k;
    p += strspn(p, " ");
  }
  xmlFree(v);
  return r;
}

/* --embed-fonts: the characters base.css sets bold (strong, b, th, h5, h6, em in CJK, the
 * author line, footnote labels) go into the Bold Serif subset, those of h1-h4 in Chinese and
 * Japanese into the Bold Sans one (E4), so bold text keeps its face where no CJK font is
 * installed. */
static void note_bold(bs_epub *e, xmlNodePtr n, const char *lang, bs_epub_variant v)
{
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (c->type == XML_TEXT_NODE) {
      if (v != BS_EPUB_SERIF && c->content)
        bs_epub_fonts_note_variant(e, lang, v, (const char *)c->content,
                                   (size_t)xmlStrlen(c->content));
      continue;
    }
    if (c->type != XML_ELEMENT_NODE)
      continue;
    xmlChar *own = xmlGetNsProp(c, BAD_CAST "lang", XML_XML_NAMESPACE);
    const char *l = own ? (const char *)own : lang;
    const char *name = (const char *)c->name;
    bs_epub_variant cv = v;
    bool heading = name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && !name[2];
    if (heading && name[1] <= '4' && v != BS_EPUB_SANS_BOLD)
      cv = lang_is(l, "zh-Hant") || lang_is(l, "zh-Hans") || lang_is(l, "ja")
               ? BS_EPUB_SANS_BOLD
               : BS_EPUB_SERIF_BOLD;
    else if (v == BS_EPUB_SERIF &&
             (heading || !strcmp(name, "strong") || !strcmp(name, "b") || !strcmp(name, "th") ||
              (!strcmp(name, "em") && bs_epub_lang_is_cjk(l)) || has_class(c, "author") ||
              has_class(c, "footnote-label")))
      cv = BS_EPUB_SERIF_BOLD;
    note_bold(e, c, l, cv);
    xmlFree(own);
  }
}

/* The page's bytes into e->page, its tree freed. With --embed-fonts' first pass its
 * characters go into the font subsets. */
static void page_add(page *p)
{
  bs_epub *e = p->e;
  if (e->note_fonts)
    note_bold(e, (xmlNodePtr)p->doc, p->lang, BS_EPUB_SERIF);
  page_render(p->doc, &e->page);
  if (e->note_fonts)
    bs_epub_fonts_note(e, p->lang, e->page.data, e->page.len);
  xmlFreeDoc(p->doc);
  p->doc = NULL;
}

static xmlNodePtr elem(xmlNodePtr parent, const char *name, const char *cls)
{
  xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
  if (cls)
    xmlNewProp(n, BAD_CAST "class", BAD_CAST cls);
  return n;
}

static void add_text(xmlNodePtr parent, const char *s, size_t len)
{
  if (len)
    xmlAddChild(parent, xmlNewTextLen(BAD_CAST s, (int)len));
}

/* A tag that is not BCP 47 would make the XHTML invalid; it is left out (the text then
 * inherits its parent's language). */
static void set_lang(xmlNodePtr n, const char *lang)
{
  if (lang && *lang && bs_epub_lang_ok(lang)) {
    xmlNewProp(n, BAD_CAST "lang", BAD_CAST lang);
    xmlNodeSetLang(n, BAD_CAST lang);
  }
}

/* The reader's classes (pandoc fenced divs and spans) joined to ours, for the user's CSS. */
static void add_classes(xmlNodePtr x, const char *cls)
{
  if (!cls || !*cls)
    return;
  xmlChar *old = xmlGetProp(x, BAD_CAST "class");
  if (!old) {
    xmlNewProp(x, BAD_CAST "class", BAD_CAST cls);
    return;
  }
  bs_buf b = BS_BUF_INIT;
  bs_buf_printf(&b, "%s %s", (const char *)old, cls);
  xmlSetProp(x, BAD_CAST "class", BAD_CAST b.data);
  bs_buf_free(&b);
  xmlFree(old);
}

/* ---- chapters ---- */

typedef struct chap {
  bs_epub *e;
  const bs_node *doc;
  page p;
  bool vertical;
  int bump;             /* heading levels go one down under the chapter title (h1) */
  const char *href;
  const char **fn;      /* footnote labels in definition order */
  size_t nfn;
  bool *fn_done;        /* the definition already carries its id */
  int *fn_ref;          /* the first reference's number, for the way back */
  int nref, nheading;
  int hmin;             /* the smallest heading level in the chapter (maps to h2 or h1) */
  int hlast;            /* the last heading's output level: no level is skipped going down */
  int toc_base;         /* 1 for a chapter inside a part: its toc lines nest under the part */
  bs_epub_quotes q;
  bs_epub_quotes *qp;   /* the active V3 plan, or NULL */
  int in_link;          /* inside <a>: no nested links */
  bool bdi;             /* the block is left to right and holds right-to-left text */
} chap;

static bool v3_for(const chap *c, const bs_node *n)
{
  return c->vertical && bs_epub_lang_is_hant(bs_epub_lang_of(c->e, n));
}

static bool is_ascii_graph(char ch) { return ch > 0x20 && ch < 0x7F; }

/* Is the character before `i` / at `j` a non-CJK letter (then a run is part of a word)? */
static bool foreign_neighbour(const char *s, size_t len, size_t i, size_t j)
{
  uint32_t cp;
  if (i > 0 && (unsigned char)s[i - 1] >= 0x80) {
    size_t st;
    cp = bs_utf8_prev(s, i, &st);
    if (!bs_is_cjk(cp) && !bs_is_cjk_space(cp) && cp > 0x2FFF)
      return true;
    if (cp >= 0x80 && cp < 0x2000)
      return true;
  }
  if (j < len && (unsigned char)s[j] >= 0x80 && bs_utf8_decode(s + j, len - j, &cp)) {
    if (!bs_is_cjk(cp) && !bs_is_cjk_space(cp) && cp > 0x2FFF)
      return true;
    if (cp >= 0x80 && cp < 0x2000)
      return true;
  }
  return false;
}

/* #13: in a left-to-right block, each right-to-left run (from its first strong letter to its
 * last, with the marks, digits, spaces and punctuation between) goes into <bdi>, so the
 * numbers and punctuation around it keep their places in reading systems (UAX #9 isolates:
 * "أحمد: 5" would otherwise show its colon and number on the run's wrong side). */
static void add_text_bidi(const chap *c, xmlNodePtr parent, const char *s, size_t len)
{
  if (!c->bdi) {
    add_text(parent, s, len);
    return;
  }
  size_t done = 0, i = 0, run = (size_t)-1, last = 0;
  while (i <= len) {
    uint32_t cp = 0;
    size_t m = i < len ? bs_utf8_decode(s + i, len - i, &cp) : 0;
    if (i < len && !m)
      m = 1;
    UCharDirection d = i < len ? u_charDirection((UChar32)cp) : U_LEFT_TO_RIGHT;
    if (strong_rtl(d)) {
      if (run == (size_t)-1)
        run = i;
      last = i + m;
    } else if (d == U_DIR_NON_SPACING_MARK && run != (size_t)-1 && last == i) {
      last = i + m;
    } else if (d == U_LEFT_TO_RIGHT || d == U_BLOCK_SEPARATOR) {
      if (run != (size_t)-1) {
        add_text(parent, s + done, run - done);
        add_text(elem(parent, "bdi", NULL), s + run, last - run);
        done = last;
        run = (size_t)-1;
      }
    }
    if (i == len)
      break;
    i += m;
  }
  add_text(parent, s + done, len - done);
}

static void add_run(xmlNodePtr parent, bs_epub_run kind, const char *s, size_t n)
{
  if (kind == BS_EPUB_RUN_NONE)
    add_text(parent, s, n);
  else
    add_text(elem(parent, "span", kind == BS_EPUB_RUN_TCY ? "tcy" : "upright"), s, n);
}

/* Text as it goes into the chapter: forbidden characters out, V3 quotes in vertical zh-Hant,
 * and in vertical CJK text the L1 runs wrapped for text-combine-upright or upright. */
static void emit_text(chap *c, xmlNodePtr parent, const char *s, size_t len,
                      const bs_node *where, bool code, bs_epub_quotes *q)
{
  char *t = bs_epub_clean(c->e, s, len, where);
  size_t tl = strlen(t);
  if (q) {
    for (size_t i = 0; i < tl;) {
      uint32_t cp;
      size_t n = bs_utf8_decode(t + i, tl - i, &cp);
      if (!n) {
        i++;
        continue;
      }
      if (bs_epub_is_quote(cp)) {
        uint32_t r = bs_epub_quotes_take(q, cp);
        if (r != cp) { /* every mark and its bracket are three bytes in UTF-8 */
          bs_buf b = BS_BUF_INIT;
          bs_buf_put_utf8(&b, r);
          if (b.len == n)
            memcpy(t + i, b.data, n);
          bs_buf_free(&b);
        }
      }
      i += n;
    }
  }
  if (code || !c->vertical || !bs_epub_lang_is_cjk(bs_epub_lang_of(c->e, where))) {
    if (code)
      add_text(parent, t, tl);
    else
      add_text_bidi(c, parent, t, tl);
    free(t);
    return;
  }
  size_t done = 0, i = 0;
  while (i < tl) {
    if (!is_ascii_graph(t[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < tl && (is_ascii_graph(t[j]) ||
                      (t[j] == ' ' && j + 1 < tl && is_ascii_graph(t[j + 1]))))
      j++;
    size_t end = j;
    bool percent = end - i >= 2 && t[end - 1] == '%';
    if (percent)
      end--;
    bs_epub_run kind = foreign_neighbour(t, tl, i, j) ? BS_EPUB_RUN_NONE
                                                       : bs_epub_classify_run(t + i, end - i);
    if (percent && (kind == BS_EPUB_RUN_NONE || strspn(t + i, "0123456789") != end - i))
      kind = BS_EPUB_RUN_NONE, percent = false;
    if (kind != BS_EPUB_RUN_NONE) {
      add_text_bidi(c, parent, t + done, i - done);
      add_run(parent, kind, t + i, end - i);
      if (percent)
        add_run(parent, BS_EPUB_RUN_UPRIGHT, t + end, 1);
      done = j;
    }
    i = j;
  }
  add_text_bidi(c, parent, t + done, tl - done);
  free(t);
}

/* A string from metadata or a figure: its own V3 plan. */
static void emit_string(chap *c, xmlNodePtr parent, const char *s, const bs_node *where)
{
  bs_epub_quotes q = {0};
  bool v3 = v3_for(c, where);
  if (v3) {
    bs_epub_quotes_scan(&q, s, strlen(s));
    bs_epub_quotes_finish(&q);
  }
  emit_text(c, parent, s, strlen(s), where, false, v3 ? &q : NULL);
  bs_epub_quotes_free(&q);
}

static void begin_quotes(chap *c, const bs_node *block)
{
  if (!v3_for(c, block))
    return;
  bs_epub_quotes_free(&c->q);
  bs_iter *it = bs_iter_new((bs_node *)block);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev == BS_EVENT_ENTER && bs_node_get_type(n) == BS_NODE_TEXT)
      bs_epub_quotes_scan(&c->q, bs_node_get_literal(n), bs_node_get_literal_length(n));
  }
  bs_iter_free(it);
  bs_epub_quotes_finish(&c->q);
  if (c->q.unbalanced)
    bs_epub_warn(c->e, BS_OK, bs_node_get_input(block), bs_node_get_pos(block).line,
                 "unbalanced quotation mark left as it is in vertical text (V3)");
  c->qp = &c->q;
}

static void end_quotes(chap *c)
{
  c->qp = NULL;
  bs_epub_quotes_free(&c->q);
}

/* V3 in a toc label of a vertical zh-Hant chapter, as its heading shows it (「…」). */
static void v3_label(chap *c, const bs_node *where, char *t)
{
  if (!v3_for(c, where))
    return;
  bs_epub_quotes q = {0};
  size_t tl = strlen(t);
  bs_epub_quotes_scan(&q, t, tl);
  bs_epub_quotes_finish(&q);
  for (size_t i = 0; i < tl;) {
    uint32_t cp;
    size_t n = bs_utf8_decode(t + i, tl - i, &cp);
    if (!n) {
      i++;
      continue;
    }
    if (bs_epub_is_quote(cp)) {
      uint32_t r = bs_epub_quotes_take(&q, cp);
      if (r != cp) { /* marks and brackets: three bytes each in UTF-8 */
        bs_buf b = BS_BUF_INIT;
        bs_buf_put_utf8(&b, r);
        if (b.len == n)
          memcpy(t + i, b.data, n);
        bs_buf_free(&b);
      }
    }
    i += n;
  }
  bs_epub_quotes_free(&q);
}

/* A part divider, as the typesetter knows one: an empty chapter of a book with a title. */
static bool is_part(const bs_epub *e, const bs_node *doc)
{
  const char *t = bs_node_get_meta(doc, BS_META_TITLE);
  return bs_node_get_type(e->root) == BS_NODE_BOOK && !bs_node_first_child(doc) && t &&
         t[strspn(t, " \t\n")];
}

static char *plain_label(chap *c, const bs_node *n)
{
  char *raw = bs_node_text_content(n);
  char *t = bs_epub_clean(c->e, raw, strlen(raw), n);
  free(raw);
  /* a toc line is one line */
  for (char *p = t; *p; p++)
    if (*p == '\n' || *p == '\t')
      *p = ' ';
  return t;
}

static bool safe_href(const char *h)
{
  return h && (!strncasecmp(h, "http://", 7) || !strncasecmp(h, "https://", 8) ||
               !strncasecmp(h, "mailto:", 7));
}

static long find_fn(const chap *c, const char *label)
{
  for (size_t i = 0; label && i < c->nfn; i++)
    if (!strcmp(c->fn[i], label))
      return (long)i;
  return -1;
}

static const char *author_sep(const char *lang)
{
  return bs_epub_lang_is_cjk(lang) && lang ? "、" : ", ";
}

/* title, subtitle, authors, affiliation, source, date of an article or a book */
static void title_block(chap *c, xmlNodePtr parent, const bs_node *n, bool book)
{
  const char *title = bs_node_get_meta(n, BS_META_TITLE);
  if (title) {
    xmlNodePtr h = elem(parent, "h1", "title");
    if (!book)
      xmlNewProp(h, BAD_CAST "id", BAD_CAST "title");
    emit_string(c, h, title, n);
  }
  const char *sub = bs_node_get_meta(n, BS_META_SUBTITLE);
  if (sub)
    emit_string(c, elem(parent, "p", "subtitle"), sub, n);
  size_t na = bs_node_get_meta_count(n, BS_META_AUTHORS);
  if (na) {
    bs_buf b = BS_BUF_INIT;
    for (size_t i = 0; i < na; i++) {
      if (i)
        bs_buf_puts(&b, author_sep(bs_epub_lang_of(c->e, n)));
      bs_buf_puts(&b, bs_node_get_meta_item(n, BS_META_AUTHORS, i));
    }
    emit_string(c, elem(parent, "p", "author"), b.data, n);
    bs_buf_free(&b);
  }
  static const struct {
    bs_meta_key key;
    const char *cls;
  } rest[] = {{BS_META_AFFILIATION, "affiliation"}, {BS_META_SOURCE, "source"},
              {BS_META_PUBLISHER, "publisher"},     {BS_META_DATE, "date"}};
  for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
    const char *v = bs_node_get_meta(n, rest[i].key);
    if (v && (book || rest[i].key != BS_META_PUBLISHER))
      emit_string(c, elem(parent, "p", rest[i].cls), v, n);
  }
}

static bs_status figure(chap *c, xmlNodePtr parent, const bs_node *n, bs_error *err)
{
  const char *src = bs_node_get_src(n);
  const char *cap = bs_node_get_caption(n);
  const char *credit = bs_node_get_credit(n);
  /* planned before the chapters (epub.c), where a bad image was reported */
  size_t entry = src && *src ? bs_epub_image_find(c->e, src, bs_node_get_input(n))
                             : BS_EPUB_NO_ENTRY;
  xmlNodePtr capbox;
  if (entry != BS_EPUB_NO_ENTRY) {
    xmlNodePtr fig = elem(parent, "figure", NULL);
    set_lang(fig, bs_node_get_lang(n));
    xmlNodePtr img = elem(fig, "img", NULL);
    bs_buf h = BS_BUF_INIT;
    bs_buf_printf(&h, "../%s", c->e->entries[entry].href);
    xmlNewProp(img, BAD_CAST "src", BAD_CAST h.data);
    bs_buf_free(&h);
    /* the text alternative: the caption, which the readers take from the source's alt when
     * there is no caption (an image without either was warned about when planned) */
    char *alt = bs_epub_clean(c->e, cap ? cap : "", cap ? strlen(cap) : 0, n);
    xmlNewProp(img, BAD_CAST "alt", BAD_CAST alt);
    c->e->nfigures++;
    c->e->nfigures_alt += *alt != '\0';
    free(alt);
    if (!(cap && *cap) && !(credit && *credit))
      return BS_OK;
    capbox = elem(fig, "figcaption", NULL);
  } else {
    if (!(cap && *cap) && !(credit && *credit))
      return BS_OK;
    capbox = elem(parent, "p", "caption");
    set_lang(capbox, bs_node_get_lang(n));
  }
  if (cap && *cap)
    emit_string(c, capbox, cap, n);
  if (credit && *credit) {
    if (cap && *cap)
      add_text(capbox, " ", 1);
    emit_string(c, elem(capbox, "span", "credit"), credit, n);
  }
  return BS_OK;
}

static void indent(xmlNodePtr x, const bs_node *n)
{
  int em = bs_node_get_indent(n);
  if (em > 0) {
    char style[64];
    snprintf(style, sizeof style, "margin-inline-start: %dem", em);
    xmlNewProp(x, BAD_CAST "style", BAD_CAST style);
  }
}

/* A paragraph whose text already starts with an ideographic space (Aozora Bunko, many
 * exports) carries its own indent; the stylesheet's would double it (§7.7). */
static bool source_indented(const bs_node *p)
{
  const bs_node *n = bs_node_first_child(p);
  while (n && bs_node_get_type(n) != BS_NODE_TEXT && bs_node_first_child(n))
    n = bs_node_first_child(n);
  return n && bs_node_get_type(n) == BS_NODE_TEXT && bs_node_get_literal_length(n) >= 3 &&
         !memcmp(bs_node_get_literal(n), "\xE3\x80\x80", 3);
}

static bs_status body(chap *c, xmlNodePtr root, bs_error *err)
{
  bs_status st = BS_OK;
  bs_epub *e = c->e;
  xmlNodePtr cur = root;
  bs_iter *it = bs_iter_new((bs_node *)c->doc);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (n == c->doc)
      continue;
    bs_node_type t = bs_node_get_type(n);
    if (ev == BS_EVENT_EXIT) {
      if (t == BS_NODE_RUBY) {
        const char *ann = bs_node_get_annotation(n);
        add_text(elem(cur, "rp", NULL), "(", 1);
        xmlNodePtr rt = elem(cur, "rt", NULL);
        if (ann)
          emit_text(c, rt, ann, strlen(ann), n, false, NULL);
        add_text(elem(cur, "rp", NULL), ")", 1);
      } else if (t == BS_NODE_PARAGRAPH || t == BS_NODE_HEADING || t == BS_NODE_TABLE_CELL) {
        end_quotes(c);
      } else if (t == BS_NODE_LINK && !xmlStrcmp(cur->name, BAD_CAST "a")) {
        c->in_link--;
      }
      cur = cur->parent;
      continue;
    }
    xmlNodePtr x = NULL; /* the element a container opens */
    switch (t) {
    case BS_NODE_PARAGRAPH:
      x = elem(cur, "p", source_indented(n) ? "indented" : NULL);
      indent(x, n);
      begin_quotes(c, n);
      break;
    case BS_NODE_HEADING: {
      char *label = plain_label(c, n);
      if (!*label) {
        /* a heading without text (a Markdown `#` alone) is no heading to a screen reader
         * (Ace: empty-heading), nor a line of the contents: a plain block */
        free(label);
        x = elem(cur, "div", NULL);
        begin_quotes(c, n);
        break;
      }
      /* the chapter's top heading level goes right under the title (Aozora's 中見出し
       * are level 2 with no level 1), and a deeper heading goes one level down at most:
       * assistive technology navigates by these levels (no h1 -> h3) */
      int level = bs_node_get_heading_level(n) - c->hmin + 1 + c->bump;
      if (level > c->hlast + 1)
        level = c->hlast + 1;
      if (level < 1)
        level = 1;
      c->hlast = level;
      char name[4] = {'h', (char)('0' + (level > 6 ? 6 : level)), 0, 0};
      x = elem(cur, name, NULL);
      char id[32];
      snprintf(id, sizeof id, "h%d", ++c->nheading);
      xmlNewProp(x, BAD_CAST "id", BAD_CAST id);
      indent(x, n);
      int depth = c->e->opts->toc_depth;
      if ((depth <= 0 || bs_node_get_heading_level(n) <= depth)) {
        bs_buf href = BS_BUF_INIT;
        bs_buf_printf(&href, "%s#%s", c->href, id);
        v3_label(c, n, label);
        bs_epub_add_toc(e, bs_node_get_heading_level(n) + c->toc_base, label, href.data);
        bs_buf_free(&href);
      }
      free(label);
      begin_quotes(c, n);
      break;
    }
    case BS_NODE_BLOCK_QUOTE:
      x = elem(cur, "blockquote", NULL);
      indent(x, n);
      break;
    case BS_NODE_LIST:
      x = elem(cur, bs_node_get_list_ordered(n) ? "ol" : "ul", NULL);
      if (bs_node_get_list_ordered(n) && bs_node_get_list_start(n) != 1) {
        char start[24];
        snprintf(start, sizeof start, "%d", bs_node_get_list_start(n));
        xmlNewProp(x, BAD_CAST "start", BAD_CAST start);
      }
      break;
    case BS_NODE_ITEM: x = elem(cur, "li", NULL); break;
    case BS_NODE_CODE_BLOCK: {
      xmlNodePtr pre = elem(cur, "pre", NULL);
      set_lang(pre, bs_node_get_lang(n));
      emit_text(c, elem(pre, "code", NULL), bs_node_get_literal(n),
                bs_node_get_literal_length(n), n, true, NULL);
      break;
    }
    case BS_NODE_THEMATIC_BREAK: elem(cur, "hr", NULL); break;
    case BS_NODE_PAGE_BREAK: elem(cur, "div", "page-break"); break;
    case BS_NODE_FIGURE:
      if ((st = figure(c, cur, n, err)) != BS_OK)
        goto done;
      break;
    case BS_NODE_TABLE:
      x = elem(cur, "table", NULL);
      e->has_tables = true;
      break;
    case BS_NODE_TABLE_ROW: x = elem(cur, "tr", NULL); break;
    case BS_NODE_TABLE_CELL: {
      static const char *align[] = {NULL, "align-left", "align-center", "align-right"};
      bs_align a = bs_node_get_cell_align(n);
      x = elem(cur, bs_node_get_cell_header(n) ? "th" : "td",
               a >= BS_ALIGN_NONE && a <= BS_ALIGN_RIGHT ? align[a] : NULL);
      begin_quotes(c, n);
      break;
    }
    case BS_NODE_FOOTNOTE_DEF: {
      x = elem(cur, "aside", "footnote");
      xmlNewNsProp(x, c->p.ops, BAD_CAST "type", BAD_CAST "footnote");
      xmlNewProp(x, BAD_CAST "role", BAD_CAST "doc-footnote");
      e->has_notes = true;
      long k = find_fn(c, bs_node_get_label(n));
      if (k >= 0 && !c->fn_done[k]) {
        c->fn_done[k] = true;
        char id[32];
        snprintf(id, sizeof id, "fn%ld", k + 1);
        xmlNewProp(x, BAD_CAST "id", BAD_CAST id);
      }
      const char *label = bs_node_get_label(n);
      if (label && *label) {
        xmlNodePtr l;
        if (k >= 0 && c->fn_ref[k]) { /* back to where it was called */
          char back[32];
          snprintf(back, sizeof back, "#nr%d", c->fn_ref[k]);
          l = elem(x, "a", "footnote-label");
          xmlNewProp(l, BAD_CAST "href", BAD_CAST back);
        } else {
          l = elem(x, "span", "footnote-label");
        }
        emit_text(c, l, label, strlen(label), n, true, NULL);
      }
      break;
    }
    case BS_NODE_TEXT:
      emit_text(c, cur, bs_node_get_literal(n), bs_node_get_literal_length(n), n, false, c->qp);
      break;
    case BS_NODE_STRONG: x = elem(cur, "strong", NULL); break;
    case BS_NODE_EMPHASIS: x = elem(cur, "em", NULL); break;
    case BS_NODE_STRIKETHROUGH: x = elem(cur, "del", NULL); break;
    case BS_NODE_EMPHASIS_MARK: x = elem(cur, "span", "em-dot"); break;
    case BS_NODE_SUPERSCRIPT: x = elem(cur, "sup", NULL); break;
    case BS_NODE_SUBSCRIPT: x = elem(cur, "sub", NULL); break;
    case BS_NODE_SPAN: x = elem(cur, "span", NULL); break;
    case BS_NODE_RUBY:
      x = elem(cur, "ruby", NULL);
      e->has_ruby = true;
      break;
    case BS_NODE_LINK: {
      const char *href = bs_node_get_href(n);
      if (safe_href(href) && !c->in_link) {
        c->in_link++;
        x = elem(cur, "a", NULL);
        char *h = bs_epub_clean(e, href, strlen(href), n);
        xmlNewProp(x, BAD_CAST "href", BAD_CAST h);
        free(h);
      } else {
        x = elem(cur, "span", "link"); /* no target inside the book */
      }
      const char *title = bs_node_get_title(n);
      if (title && *title) {
        char *tt = bs_epub_clean(e, title, strlen(title), n);
        xmlNewProp(x, BAD_CAST "title", BAD_CAST tt);
        free(tt);
      }
      break;
    }
    case BS_NODE_CODE:
      emit_text(c, elem(cur, "code", NULL), bs_node_get_literal(n),
                bs_node_get_literal_length(n), n, true, NULL);
      break;
    case BS_NODE_LINE_BREAK: elem(cur, "br", NULL); break;
    case BS_NODE_FOOTNOTE_REF: {
      const char *label = bs_node_get_label(n);
      long k = find_fn(c, label);
      if (k < 0 || c->in_link) {
        if (k < 0)
          bs_epub_warn(e, BS_OK, bs_node_get_input(n), bs_node_get_pos(n).line,
                       "footnote '%s' has no definition", label ? label : "");
        xmlNodePtr sup = elem(cur, "sup", NULL);
        if (label)
          emit_text(c, sup, label, strlen(label), n, true, NULL);
        break;
      }
      xmlNodePtr a = elem(cur, "a", "noteref");
      xmlNewNsProp(a, c->p.ops, BAD_CAST "type", BAD_CAST "noteref");
      xmlNewProp(a, BAD_CAST "role", BAD_CAST "doc-noteref");
      char buf[40];
      snprintf(buf, sizeof buf, "#fn%ld", k + 1);
      xmlNewProp(a, BAD_CAST "href", BAD_CAST buf);
      snprintf(buf, sizeof buf, "nr%d", ++c->nref);
      if (!c->fn_ref[k])
        c->fn_ref[k] = c->nref;
      xmlNewProp(a, BAD_CAST "id", BAD_CAST buf);
      emit_text(c, a, label, strlen(label), n, true, NULL);
      break;
    }
    default: break;
    }
    if (x) {
      if (t != BS_NODE_HEADING || bs_node_get_lang(n))
        set_lang(x, bs_node_get_lang(n));
      if (t == BS_NODE_PARAGRAPH || t == BS_NODE_HEADING || t == BS_NODE_TABLE_CELL) {
        bool rtl = has_rtl(n);
        /* on a right-to-left page a Latin paragraph needs its own direction too */
        if (rtl || c->p.rtl)
          xmlNewProp(x, BAD_CAST "dir", BAD_CAST "auto");
        c->bdi = rtl && first_strong(n) != 1;
      }
      add_classes(x, bs_node_get_class(n));
      cur = x;
    }
  }
done:
  bs_iter_free(it);
  end_quotes(c);
  return st;
}

static char *chapter_label(chap *c, int number)
{
  const char *title = bs_node_get_meta(c->doc, BS_META_TITLE);
  if (title && *title) {
    char *t = bs_epub_clean(c->e, title, strlen(title), c->doc);
    for (char *p = t; *p; p++)
      if (*p == '\n' || *p == '\t')
        *p = ' ';
    if (*t)
      return t;
    free(t);
  }
  for (bs_node *n = bs_node_first_child(c->doc); n; n = bs_node_next(n))
    if (bs_node_get_type(n) == BS_NODE_HEADING) {
      char *t = plain_label(c, n);
      if (*t)
        return t;
      free(t);
    }
  bs_buf b = BS_BUF_INIT;
  bs_buf_printf(&b, "%d", number);
  return bs_buf_detach(&b);
}

bs_status bs_epub_chapter(bs_epub *e, const bs_node *doc, int number, bs_error *err)
{
  chap c = {0};
  c.e = e;
  c.doc = doc;
  c.vertical = bs_epub_node_vertical(e, doc);
  bs_buf href = BS_BUF_INIT;
  bs_buf_printf(&href, "text/c%04d.xhtml", number);
  c.href = href.data;
  bool has_title = bs_node_get_meta(doc, BS_META_TITLE) != NULL;
  c.bump = has_title ? 1 : 0;

  /* footnote definitions first, so references know their targets */
  bs_iter *it = bs_iter_new((bs_node *)doc);
  bs_event ev;
  size_t cap = 0;
  c.hmin = 6;
  c.hlast = c.bump;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev == BS_EVENT_ENTER && bs_node_get_type(n) == BS_NODE_HEADING &&
        bs_node_get_heading_level(n) < c.hmin)
      c.hmin = bs_node_get_heading_level(n);
    if (ev == BS_EVENT_ENTER && bs_node_get_type(n) == BS_NODE_FOOTNOTE_DEF &&
        bs_node_get_label(n) && find_fn(&c, bs_node_get_label(n)) < 0) {
      if (c.nfn == cap) {
        cap = cap ? cap * 2 : 8;
        c.fn = bs_xrealloc(c.fn, cap * sizeof *c.fn);
      }
      c.fn[c.nfn++] = bs_node_get_label(n);
    }
  }
  bs_iter_free(it);
  c.fn_done = bs_xcalloc(c.nfn + 1, sizeof *c.fn_done);
  c.fn_ref = bs_xcalloc(c.nfn + 1, sizeof *c.fn_ref);

  char *label = chapter_label(&c, number);
  v3_label(&c, doc, label);
  /* a part's chapters nest under it in the nav and NCX, as in the PDF's contents */
  bool part = is_part(e, doc);
  if (part) {
    e->in_part = true;
    e->nparts_seen++;
  }
  c.toc_base = e->in_part && !part ? 1 : 0;
  bs_epub_add_toc(e, c.toc_base, label, c.href);
  const char *lang = bs_epub_lang_of(e, doc);
  page_new(e, &c.p, label, lang, c.vertical ? 2 : 1, "../");
  xmlNodePtr sec = elem(c.p.body, "section", "chapter");
  xmlNewNsProp(sec, c.p.ops, BAD_CAST "type", BAD_CAST "chapter");
  xmlNewProp(sec, BAD_CAST "role", BAD_CAST "doc-chapter"); /* DPUB-ARIA: what epub:type says */
  if (has_title || bs_node_get_meta_count(doc, BS_META_AUTHORS) ||
      bs_node_get_meta(doc, BS_META_SUBTITLE)) {
    xmlNodePtr head = elem(sec, "header", "titlepage chapter-head");
    title_block(&c, head, doc, false);
  }
  bs_status st = body(&c, sec, err);
  if (st == BS_OK) {
    page_add(&c.p);
  } else {
    xmlFreeDoc(c.p.doc);
  }
  free(label);
  free(c.fn);
  free(c.fn_done);
  free(c.fn_ref);
  bs_epub_quotes_free(&c.q);
  bs_buf_free(&href);
  return st;
}

void bs_epub_book_titlepage(bs_epub *e, const bs_node *book)
{
  chap c = {0};
  c.e = e;
  c.doc = book;
  c.vertical = e->book_vertical;
  const char *title = bs_node_get_meta(book, BS_META_TITLE);
  char *t = bs_epub_clean(e, title ? title : "", title ? strlen(title) : 0, book);
  page_new(e, &c.p, *t ? t : "-", e->book_lang, c.vertical ? 2 : 1, "../");
  free(t);
  xmlNodePtr sec = elem(c.p.body, "section", "titlepage book-title");
  xmlNewNsProp(sec, c.p.ops, BAD_CAST "type", BAD_CAST "titlepage");
  title_block(&c, sec, book, true);
  page_add(&c.p);
}

void bs_epub_cover_page(bs_epub *e)
{
  page p;
  page_new(e, &p, "Cover", e->book_lang, 0, "../");
  xmlNewNsProp(p.body, p.ops, BAD_CAST "type", BAD_CAST "cover");
  xmlNodePtr div = elem(p.body, "div", "cover");
  xmlNodePtr img = elem(div, "img", NULL);
  bs_buf h = BS_BUF_INIT;
  bs_buf_printf(&h, "../%s", e->entries[e->cover_entry].href);
  xmlNewProp(img, BAD_CAST "src", BAD_CAST h.data);
  xmlNewProp(img, BAD_CAST "alt", BAD_CAST "Cover");
  bs_buf_free(&h);
  page_add(&p);
}

/* ---- navigation document ---- */

/* The nav grows with the book (a line per chapter and heading), so it is written with
 * libxml2's streaming writer rather than built as a tree; the same bytes as a page tree would
 * give, newlines before block elements included. */
static void w_start(xmlTextWriterPtr w, const char *name)
{
  if (block_name(name))
    xmlTextWriterWriteString(w, BAD_CAST "\n");
  xmlTextWriterStartElement(w, BAD_CAST name);
}

static void w_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
  xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

static void w_end(xmlTextWriterPtr w) { xmlTextWriterEndElement(w); }

/* toc[i..end) as nested lists: a line's children are the deeper lines after it. */
static void nav_list(const bs_epub *e, xmlTextWriterPtr w, size_t i, size_t end)
{
  while (i < end) {
    size_t j = i + 1;
    while (j < end && e->toc[j].depth > e->toc[i].depth)
      j++;
    w_start(w, "li");
    w_start(w, "a");
    w_attr(w, "href", e->toc[i].href);
    xmlTextWriterWriteString(w, BAD_CAST e->toc[i].label);
    w_end(w);
    if (j > i + 1) {
      w_start(w, "ol");
      nav_list(e, w, i + 1, j);
      w_end(w);
    }
    w_end(w);
    i = j;
  }
}

/* The nav's words in the book's language: its heading and the landmarks' labels. */
typedef struct nav_words {
  const char *contents, *landmarks, *cover, *titlepage, *start;
} nav_words;

static nav_words words_for(const char *lang)
{
  static const nav_words hant = {"目錄", "導覽", "封面", "書名頁", "正文"};
  static const nav_words hans = {"目录", "导览", "封面", "书名页", "正文"};
  static const nav_words ja = {"目次", "ランドマーク", "表紙", "扉", "本文"};
  static const nav_words ko = {"목차", "랜드마크", "표지", "속표지", "본문"};
  static const nav_words en = {"Contents", "Landmarks", "Cover", "Title page", "Start"};
  static const nav_words ar = {"المحتويات", "معالم الكتاب", "الغلاف", "صفحة العنوان", "البداية"};
  static const nav_words he = {"תוכן העניינים", "ציוני דרך", "כריכה", "שער", "התחלה"};
  if (bs_epub_lang_is_hant(lang))
    return hant;
  if (lang && !strncasecmp(lang, "zh", 2))
    return hans;
  if (lang && !strncasecmp(lang, "ja", 2))
    return ja;
  if (lang && !strncasecmp(lang, "ko", 2))
    return ko;
  if (bs_lang_is(lang, "ar"))
    return ar;
  if (bs_lang_is(lang, "he") || bs_lang_is(lang, "iw"))
    return he;
  return en;
}

static const char *toc_word(const char *lang) { return words_for(lang).contents; }

typedef struct mark {
  const char *type, *href, *label;
} mark;

static mark make_mark(const char *type, const char *href, const char *label)
{
  mark m = {type, href, label};
  return m;
}

void bs_epub_nav(bs_epub *e, const char *title)
{
  xmlTextWriterPtr w = bs_epub_writer_new(&e->page);
  /* the scaffold of page_new, for a page at the package's level */
  xmlTextWriterStartDTD(w, BAD_CAST "html", NULL, NULL);
  xmlTextWriterEndDTD(w);
  xmlTextWriterWriteRaw(w, BAD_CAST "\n");
  w_start(w, "html");
  w_attr(w, "xmlns", (const char *)XHTML_NS);
  w_attr(w, "xmlns:epub", (const char *)OPS_NS);
  w_attr(w, "lang", e->book_lang);
  w_attr(w, "xml:lang", e->book_lang);
  if (!e->book_vertical && bs_lang_rtl(e->book_lang))
    w_attr(w, "dir", "rtl");
  w_start(w, "head");
  w_start(w, "meta");
  w_attr(w, "charset", "utf-8");
  w_end(w);
  w_start(w, "title");
  xmlTextWriterWriteString(w, BAD_CAST title);
  w_end(w);
  const char *sheets[4] = {"css/base.css", NULL, NULL, NULL};
  int ns = 1;
  /* a vertical book's table of contents reads vertically too, where a reading system shows
   * the nav page itself */
  if (e->book_vertical && e->use_vertical_css)
    sheets[ns++] = "css/vertical.css";
  if (e->use_fonts_css)
    sheets[ns++] = "css/fonts.css";
  if (e->use_user_css)
    sheets[ns++] = "css/user.css";
  for (int i = 0; i < ns; i++) {
    w_start(w, "link");
    w_attr(w, "rel", "stylesheet");
    w_attr(w, "type", "text/css");
    w_attr(w, "href", sheets[i]);
    w_end(w);
  }
  w_end(w);
  w_start(w, "body");

  w_start(w, "nav");
  w_attr(w, "epub:type", "toc");
  w_attr(w, "role", "doc-toc");
  w_attr(w, "id", "toc");
  w_start(w, "h1");
  xmlTextWriterWriteString(w, BAD_CAST toc_word(e->book_lang));
  w_end(w);
  if (e->note_fonts) {
    const char *l = e->book_lang, *word = toc_word(l);
    bool sans = lang_is(l, "zh-Hant") || lang_is(l, "zh-Hans") || lang_is(l, "ja");
    bs_epub_fonts_note_variant(e, l, sans ? BS_EPUB_SANS_BOLD : BS_EPUB_SERIF_BOLD, word,
                               strlen(word));
  }
  w_start(w, "ol");
  nav_list(e, w, 0, e->ntoc);
  w_end(w);
  w_end(w);

  w_start(w, "nav");
  w_attr(w, "epub:type", "landmarks");
  w_attr(w, "hidden", "hidden");
  nav_words nw = words_for(e->book_lang);
  w_start(w, "h1");
  xmlTextWriterWriteString(w, BAD_CAST nw.landmarks);
  w_end(w);
  w_start(w, "ol");
  mark marks[5];
  int nm = 0;
  for (size_t i = 0; i < e->nentries; i++) {
    if (!strcmp(e->entries[i].href, "text/cover.xhtml"))
      marks[nm++] = make_mark("cover", "text/cover.xhtml", nw.cover);
    else if (!strcmp(e->entries[i].href, "text/titlepage.xhtml"))
      marks[nm++] = make_mark("titlepage", "text/titlepage.xhtml", nw.titlepage);
  }
  /* the "toc" landmark only where nav.xhtml is in the spine (RSC-011): a book's */
  if (e->nav_in_spine)
    marks[nm++] = make_mark("toc", "nav.xhtml#toc", nw.contents);
  if (e->first_chapter)
    marks[nm++] = make_mark("bodymatter", e->first_chapter, nw.start);
  for (int i = 0; i < nm; i++) {
    w_start(w, "li");
    w_start(w, "a");
    w_attr(w, "epub:type", marks[i].type);
    w_attr(w, "href", marks[i].href);
    xmlTextWriterWriteString(w, BAD_CAST marks[i].label);
    w_end(w);
    w_end(w);
  }
  w_end(w);
  w_end(w);
  w_end(w); /* body */
  xmlTextWriterWriteString(w, BAD_CAST "\n");
  w_end(w); /* html */
  bs_epub_writer_end(w, &e->page);
  if (e->note_fonts)
    bs_epub_fonts_note(e, e->book_lang, e->page.data, e->page.len);
}
