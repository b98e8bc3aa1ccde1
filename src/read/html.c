/* HTML reader (a saved web page): libxml2's HTML parser, then the article is extracted —
 * <article>, else <main>, else the block with the densest paragraph text — without navigation,
 * site header and footer, asides, scripts, forms, comments, share and ad blocks. Attributes other
 * than href/src/alt/lang/datetime/colspan/start never reach the tree. */
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/util.h"
#include "read-impl.h"

typedef struct hctx {
  const bs_read_options *opts;
  bs_warn_state w;
  bs_node **pending; /* figures met inside a paragraph, placed after it */
  size_t npending, cappending;
  bs_buf tags;       /* rel=tag link texts, NUL-separated */
  bool in_article;
  const xmlNode *keep; /* the article when the extract is a larger block holding it */
  const xmlNode *top;  /* that block: only its children from line `from` to `until` (0: all) */
  int from, until;
} hctx;

static const char *nm(const xmlNode *n)
{
  return n && n->type == XML_ELEMENT_NODE && n->name ? (const char *)n->name : "";
}

static bool is(const xmlNode *n, const char *name) { return !strcasecmp(nm(n), name); }

/* An attribute's value as a new string (caller frees), or NULL. */
static char *attr(const xmlNode *n, const char *name)
{
  xmlChar *v = xmlGetProp((xmlNode *)n, (const xmlChar *)name);
  if (!v)
    return NULL;
  char *s = bs_xstrdup((const char *)v);
  xmlFree(v);
  return s;
}

static bool attr_is(const xmlNode *n, const char *name, const char *value)
{
  char *v = attr(n, name);
  bool r = v && !strcasecmp(v, value);
  free(v);
  return r;
}

/* `list` holds lowercase ASCII words; the first letter is compared before strcasecmp, as this
 * runs for every element against dozens of names. */
static bool one_of(const char *s, const char *const *list)
{
  char c0 = (char)(s[0] >= 'A' && s[0] <= 'Z' ? s[0] | 0x20 : s[0]);
  for (int i = 0; list[i]; i++)
    if (list[i][0] == c0 && !strcasecmp(s, list[i]))
      return true;
  return false;
}

/* Words of class and id values ("share-buttons ad_slot" → share, buttons, ad, slot). */
static bool has_word(const char *v, const char *const *words)
{
  if (!v)
    return false;
  char w[64];
  size_t k = 0;
  for (const char *p = v;; p++) {
    char ch = *p;
    bool sep = !ch || ch == ' ' || ch == '\t' || ch == '\n' || ch == '-' || ch == '_' || ch == ':';
    if (!sep) {
      if (k + 1 < sizeof w)
        w[k++] = ch;
      continue;
    }
    w[k] = '\0';
    if (k && one_of(w, words))
      return true;
    k = 0;
    if (!ch)
      return false;
  }
}

static const char *const chrome_words[] = {
    "share", "sharing", "social", "ad", "ads", "advert", "advertisement", "adsbygoogle",
    "sponsor", "sponsored", "comment", "comments", "cookie", "cookies", "consent", "related",
    "sidebar", "widget", "banner", "promo", "promotion", "newsletter", "subscribe", "breadcrumb",
    "breadcrumbs", "pagination", "pager", "nav", "navbar", "navigation", "menu", "popup", "modal",
    "next", "prev", "skip", "login", "signup", "toolbar", "recommend", "recommended", "tags",
    "outbrain", "taboola", NULL};

static const char *const dropped_tags[] = {
    "script", "style", "noscript", "template", "nav", "aside", "form", "input", "button",
    "select", "textarea", "iframe", "object", "embed", "svg", "canvas", "video", "audio", "map",
    "head", "link", "meta", "title", "dialog", "menu", "frame", "frameset", "applet", "math", NULL};

static bool is_chrome(hctx *c, const xmlNode *n)
{
  const char *name = nm(n);
  if (one_of(name, dropped_tags))
    return true;
  if ((is(n, "header") || is(n, "footer")) && !c->in_article)
    return true;
  if (xmlHasProp((xmlNode *)n, (const xmlChar *)"hidden") || attr_is(n, "aria-hidden", "true"))
    return true;
  char *role = attr(n, "role");
  static const char *const roles[] = {"navigation", "banner", "contentinfo", "complementary",
                                      "dialog", "alertdialog", "search", "menu", "menubar", NULL};
  bool r = role && one_of(role, roles);
  free(role);
  if (r)
    return true;
  char *cls = attr(n, "class"), *id = attr(n, "id"), *rel = attr(n, "rel");
  r = has_word(cls, chrome_words) || has_word(id, chrome_words) ||
      (rel && strstr(rel, "sponsored"));
  free(cls), free(id), free(rel);
  return r;
}

/* ---- text ---- */

static bool ascii_ws(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f'; }

/* Appends text with HTML white-space collapsing to the inline container `p`. */
static void add_text(bs_node *p, const char *s)
{
  bs_buf b = BS_BUF_INIT;
  for (; *s; s++) {
    if (ascii_ws(*s)) {
      if (!b.len || b.data[b.len - 1] != ' ')
        bs_buf_putc(&b, ' ');
      continue;
    }
    bs_buf_putc(&b, *s);
  }
  if (!b.len)
    return;
  bs_node *last = bs_node_last_child(p);
  if (bs_node_get_type(last) == BS_NODE_TEXT) {
    const char *l = bs_node_get_literal(last);
    size_t ll = bs_node_get_literal_length(last);
    size_t skip = ll && l[ll - 1] == ' ' && b.data[0] == ' ' ? 1 : 0;
    bs_node_append_literal(last, b.data + skip, b.len - skip);
  } else {
    bs_node *t = bs_node_new_text(BS_NODE_TEXT, b.data, b.len);
    if (!bs_node_append_child(p, t))
      bs_node_free(t);
  }
  bs_buf_free(&b);
}

/* The text of a subtree (iteratively, so depth does not matter), skipping scripts. */
static void text_of(const xmlNode *root, bs_buf *b, bool raw)
{
  const xmlNode *n = root->children;
  while (n && n != root) {
    bool descend = false;
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content)
        bs_buf_puts(b, (const char *)n->content);
    } else if (n->type == XML_ELEMENT_NODE) {
      if (is(n, "br"))
        bs_buf_putc(b, raw ? '\n' : ' ');
      else if (!is(n, "script") && !is(n, "style") && !is(n, "rp") && !is(n, "template"))
        descend = n->children != NULL;
    }
    if (descend) {
      n = n->children;
      continue;
    }
    while (n && n != root && !n->next)
      n = n->parent;
    if (!n || n == root)
      break;
    n = n->next;
  }
}

/* Collapsed and trimmed text of a subtree, as a new string. */
static char *clean_text(const xmlNode *n)
{
  bs_buf raw = BS_BUF_INIT, out = BS_BUF_INIT;
  text_of(n, &raw, false);
  for (size_t i = 0; i < raw.len; i++) {
    if (ascii_ws(raw.data[i])) {
      if (out.len && out.data[out.len - 1] != ' ')
        bs_buf_putc(&out, ' ');
    } else {
      bs_buf_putc(&out, raw.data[i]);
    }
  }
  while (out.len && out.data[out.len - 1] == ' ')
    out.data[--out.len] = '\0';
  bs_buf_free(&raw);
  char *s = bs_buf_detach(&out);
  return s ? s : bs_xstrdup("");
}

static bool is_cjk_cp(uint32_t cp) { return bs_is_cjk(cp) && cp != 0x3000; }

/* Tidies the white space of a block's inline content: no space at the edges or around line
 * breaks, one space between words, none between two CJK characters (a line break in the
 * source between Han characters is not a space, CSS Text §4.1.2). Returns true if empty. */
static bool tidy_inlines(bs_node *block)
{
  bs_node *prev = NULL; /* previous text leaf */
  uint32_t prev_cp = 0; /* last character emitted; 0 at start and after a line break */
  bs_iter *it = bs_iter_new(block);
  bs_event ev;
  bool any = false;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev != BS_EVENT_ENTER || n == block)
      continue;
    bs_node_type t = bs_node_get_type(n);
    if (t == BS_NODE_LINE_BREAK) {
      if (prev) {
        const char *s = bs_node_get_literal(prev);
        size_t l = bs_node_get_literal_length(prev);
        while (l && s[l - 1] == ' ')
          l--;
        bs_node_set_literal(prev, s, l);
      }
      prev = NULL;
      prev_cp = 0;
      continue;
    }
    if (t == BS_NODE_CODE || t == BS_NODE_FOOTNOTE_REF) {
      any = true;
      prev = NULL;
      prev_cp = 'a';
      continue;
    }
    if (t != BS_NODE_TEXT)
      continue;
    const char *s = bs_node_get_literal(n);
    size_t l = bs_node_get_literal_length(n);
    bs_buf b = BS_BUF_INIT;
    for (size_t i = 0; i < l;) {
      uint32_t cp = 0;
      size_t k = bs_utf8_decode(s + i, l - i, &cp);
      if (!k)
        k = 1, cp = 0xFFFD;
      if (cp == ' ') {
        uint32_t next = 0;
        if (i + 1 < l)
          bs_utf8_decode(s + i + 1, l - i - 1, &next);
        bool drop = prev_cp == 0 || prev_cp == ' ' || (is_cjk_cp(prev_cp) && next && is_cjk_cp(next));
        if (!drop && i + 1 == l) {
          /* a trailing space stays only if something follows; decided by the next leaf */
        }
        if (drop) {
          i += 1;
          continue;
        }
      }
      bs_buf_put(&b, s + i, k);
      prev_cp = cp;
      i += k;
    }
    bs_node_set_literal(n, b.data ? b.data : "", b.len);
    bs_buf_free(&b);
    if (bs_node_get_literal_length(n))
      any = true;
    prev = n;
  }
  bs_iter_free(it);
  if (prev) {
    const char *s = bs_node_get_literal(prev);
    size_t l = bs_node_get_literal_length(prev);
    while (l && s[l - 1] == ' ')
      l--;
    bs_node_set_literal(prev, s, l);
  }
  /* drop empty text leaves and edge line breaks */
  size_t cap = 0, n = 0;
  bs_node **dead = NULL;
  it = bs_iter_new(block);
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *k = bs_iter_get_node(it);
    if (ev == BS_EVENT_ENTER && bs_node_get_type(k) == BS_NODE_TEXT &&
        !bs_node_get_literal_length(k)) {
      if (n == cap)
        dead = bs_xrealloc(dead, (cap = cap ? cap * 2 : 16) * sizeof *dead);
      dead[n++] = k;
    }
  }
  bs_iter_free(it);
  for (size_t i = 0; i < n; i++)
    bs_node_free(dead[i]);
  free(dead);
  bs_node *k;
  while ((k = bs_node_first_child(block)) && bs_node_get_type(k) == BS_NODE_LINE_BREAK)
    bs_node_free(k);
  while ((k = bs_node_last_child(block)) && bs_node_get_type(k) == BS_NODE_LINE_BREAK)
    bs_node_free(k);
  if (!any) {
    /* only empty containers (or nothing) left? */
    it = bs_iter_new(block);
    while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
      bs_node *x = bs_iter_get_node(it);
      if (ev == BS_EVENT_ENTER && x != block &&
          (bs_node_get_type(x) == BS_NODE_TEXT || bs_node_is_leaf_type(bs_node_get_type(x))))
        any = true;
    }
    bs_iter_free(it);
  }
  return !any;
}

/* ---- inline content ---- */

static bool unsafe_url(const char *u)
{
  while (u && (*u == ' ' || *u == '\t' || *u == '\n'))
    u++;
  return !u || !strncasecmp(u, "javascript:", 11) || !strncasecmp(u, "vbscript:", 9) ||
         !strncasecmp(u, "data:text", 9);
}

static bool tiny_image(const xmlNode *img)
{
  char *w = attr(img, "width"), *h = attr(img, "height");
  bool t = (w && atoi(w) > 0 && atoi(w) <= 2) || (h && atoi(h) > 0 && atoi(h) <= 2);
  free(w), free(h);
  return t;
}

static bs_node *make_figure(hctx *c, const xmlNode *img, const char *caption)
{
  char *src = attr(img, "src");
  if (!src || !*src || tiny_image(img) || unsafe_url(src)) {
    if (src && unsafe_url(src))
      bs_read_warn(&c->w, BS_WARN_UNSAFE_URL, (int)xmlGetLineNo(img), 0, "unsafe image URL dropped");
    free(src);
    return NULL;
  }
  bs_node *f = bs_node_new(BS_NODE_FIGURE);
  bs_node_set_pos(f, (int)xmlGetLineNo(img), 0, -1);
  bs_node_set_src(f, src);
  free(src);
  char *alt = attr(img, "alt");
  bs_node_set_caption(f, caption && *caption ? caption : alt ? alt : "");
  free(alt);
  return f;
}

static void inline_children(hctx *c, const xmlNode *x, bs_node *p, int depth);

/* New inline container under `p`, with the element's lang; NULL (transparent) if refused. */
static bs_node *inline_container(const xmlNode *x, bs_node *p, bs_node_type type)
{
  bs_node *n = bs_node_new(type);
  char *lang = attr(x, "lang");
  if (lang && *lang)
    bs_node_set_lang(n, lang);
  free(lang);
  if (!bs_node_append_child(p, n)) {
    bs_node_free(n);
    return NULL;
  }
  bs_node_set_pos(n, (int)xmlGetLineNo((xmlNode *)x), 0, -1);
  return n;
}

static void add_ruby(bs_node *p, const char *base, const char *rt)
{
  bs_node *r = bs_node_new(BS_NODE_RUBY);
  bs_node_set_annotation(r, rt);
  bs_node_append_child(r, bs_node_new_text(BS_NODE_TEXT, base, strlen(base)));
  if (!bs_node_append_child(p, r)) {
    bs_node_free(r);
    add_text(p, base);
  }
}

/* Trims ASCII white space from both ends of s, in place; returns its start. */
static char *trim_ws(char *s)
{
  while (ascii_ws(*s))
    s++;
  size_t l = strlen(s);
  while (l && ascii_ws(s[l - 1]))
    l--;
  s[l] = '\0';
  return s;
}

/* Sets the bases of one <ruby> segment (HTML's ruby model) with the readings that follow them:
 * the i-th reading over the i-th base, so that <rb>東</rb><rb>京</rb><rt>とう</rt><rt>きょう</rt>
 * gives adjacent one-character rubies, the tree the Aozora and Markdown readers make of
 * ｜東《とう》｜京《きょう》 (jukugo ruby, JLREQ §3.3.6; R-rules); one reading over several bases
 * is group ruby over them all, readings beyond the bases join the last one. */
static void ruby_flush(bs_node *p, char **base, size_t nb, char **rt, size_t nr)
{
  size_t n = 0;
  const char **bs = bs_xcalloc(nb ? nb : 1, sizeof *bs);
  for (size_t i = 0; i < nb; i++) /* white space between <rb>s is no base */
    if (*(bs[n] = trim_ws(base[i])))
      n++;
  bs_buf b = BS_BUF_INIT, r = BS_BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    bs_buf_clear(&b);
    bs_buf_clear(&r);
    bool group = nr < 2 || n < 2;
    for (size_t k = i; k < (group ? n : i + 1); k++)
      bs_buf_puts(&b, bs[k]);
    for (size_t k = group ? 0 : i; k < nr && (k == i || group || i == n - 1); k++)
      bs_buf_puts(&r, trim_ws(rt[k]));
    if (r.len)
      add_ruby(p, b.data, r.data);
    else
      add_text(p, b.data);
    if (group)
      break;
  }
  bs_buf_free(&b);
  bs_buf_free(&r);
  free(bs);
}

/* <ruby>: bases (bare text, or each rb) up to a run of rt (or rtc) take those readings
 * (ruby_flush); rp is dropped. */
static void ruby_element(const xmlNode *x, bs_node *p)
{
  char **base = NULL, **rt = NULL;
  size_t nb = 0, nr = 0;
  bool bare = false; /* the last base is bare text, which more text continues */
  for (const xmlNode *k = x->children;; k = k->next) {
    bool text = k && k->type == XML_TEXT_NODE;
    if (text && nr) {
      const char *c = (const char *)k->content;
      while (ascii_ws(*c))
        c++;
      if (!*c)
        continue; /* white space between readings */
    }
    if (!k || (nr && (text || (k->type == XML_ELEMENT_NODE && !is(k, "rt") &&
                                !is(k, "rtc") && !is(k, "rp"))))) {
      ruby_flush(p, base, nb, rt, nr);
      for (size_t i = 0; i < nb; i++)
        free(base[i]);
      for (size_t i = 0; i < nr; i++)
        free(rt[i]);
      nb = nr = 0;
      bare = false;
      if (!k)
        break;
    }
    if (k->type != XML_TEXT_NODE && (k->type != XML_ELEMENT_NODE || is(k, "rp")))
      continue;
    char *t = text ? bs_xstrdup((const char *)k->content) : clean_text(k);
    if (!text && (is(k, "rt") || is(k, "rtc"))) {
      rt = bs_xrealloc(rt, (nr + 1) * sizeof *rt);
      rt[nr++] = t;
    } else if (!text && is(k, "rb")) {
      base = bs_xrealloc(base, (nb + 1) * sizeof *base);
      base[nb++] = t;
      bare = false;
    } else if (bare) {
      size_t l = strlen(base[nb - 1]);
      base[nb - 1] = bs_xrealloc(base[nb - 1], l + strlen(t) + 1);
      strcpy(base[nb - 1] + l, t);
      free(t);
    } else {
      base = bs_xrealloc(base, (nb + 1) * sizeof *base);
      base[nb++] = t;
      bare = true;
    }
  }
  free(base);
  free(rt);
}

static void inline_element(hctx *c, const xmlNode *x, bs_node *p, int depth)
{
  if (is_chrome(c, x))
    return;
  if (depth > 2 * BS_READ_MAX_DEPTH) {
    bs_read_warn(&c->w, BS_WARN_DEPTH, (int)xmlGetLineNo((xmlNode *)x), 0,
                 "HTML nesting deeper than %d levels flattened", 2 * BS_READ_MAX_DEPTH);
    char *t = clean_text(x);
    add_text(p, t);
    free(t);
    return;
  }
  const char *n = nm(x);
  bs_node *k = NULL;
  if (is(x, "br")) {
    bs_node *b = bs_node_new(BS_NODE_LINE_BREAK);
    if (!bs_node_append_child(p, b)) {
      bs_node_free(b);
      add_text(p, " ");
    }
    return;
  }
  if (is(x, "img")) {
    char *alt = attr(x, "alt");
    bs_node *f = make_figure(c, x, NULL);
    if (f) {
      if (c->npending == c->cappending)
        c->pending = bs_xrealloc(c->pending, (c->cappending = c->cappending ? c->cappending * 2 : 8) *
                                                 sizeof *c->pending);
      c->pending[c->npending++] = f;
    }
    free(alt);
    return;
  }
  if (is(x, "ruby")) {
    ruby_element(x, p);
    return;
  }
  if (is(x, "rt") || is(x, "rp"))
    return;
  if (is(x, "code") || is(x, "kbd") || is(x, "samp") || is(x, "tt")) {
    bs_buf b = BS_BUF_INIT;
    text_of(x, &b, false);
    if (b.len) {
      bs_node *cd = bs_node_new_text(BS_NODE_CODE, b.data, b.len);
      if (!bs_node_append_child(p, cd)) {
        bs_node_free(cd);
        add_text(p, b.data);
      }
    }
    bs_buf_free(&b);
    return;
  }
  if (is(x, "strong") || is(x, "b"))
    k = inline_container(x, p, BS_NODE_STRONG);
  else if (is(x, "em") || is(x, "i") || is(x, "dfn") || is(x, "var"))
    k = inline_container(x, p, BS_NODE_EMPHASIS);
  else if (is(x, "s") || is(x, "del") || is(x, "strike"))
    k = inline_container(x, p, BS_NODE_STRIKETHROUGH);
  else if (is(x, "sup"))
    k = inline_container(x, p, BS_NODE_SUPERSCRIPT);
  else if (is(x, "sub"))
    k = inline_container(x, p, BS_NODE_SUBSCRIPT);
  else if (is(x, "a")) {
    char *href = attr(x, "href");
    if (href && unsafe_url(href))
      bs_read_warn(&c->w, BS_WARN_UNSAFE_URL, (int)xmlGetLineNo((xmlNode *)x), 0,
                   "unsafe link URL dropped");
    else if (href && *href && href[0] != '#') {
      k = inline_container(x, p, BS_NODE_LINK);
      if (k)
        bs_node_set_href(k, href);
      char *title = attr(x, "title");
      if (k && title && *title)
        bs_node_set_title(k, title);
      free(title);
    }
    free(href);
  } else if (xmlHasProp((xmlNode *)x, (const xmlChar *)"lang") && strcmp(n, "html") != 0) {
    k = inline_container(x, p, BS_NODE_SPAN);
  }
  inline_children(c, x, k ? k : p, depth + 1);
  if (k && !bs_node_first_child(k))
    bs_node_free(k);
}

static void inline_children(hctx *c, const xmlNode *x, bs_node *p, int depth)
{
  for (const xmlNode *k = x->children; k; k = k->next) {
    if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE)
      add_text(p, (const char *)k->content);
    else if (k->type == XML_ELEMENT_NODE)
      inline_element(c, k, p, depth);
  }
}

/* ---- blocks ---- */

static const char *const block_tags[] = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "figure", "table",
    "pre", "hr", "dl", "dt", "dd", "div", "section", "article", "main", "header", "footer",
    "address", "details", "summary", "figcaption", "center", "hgroup", "body", "fieldset", NULL};

static void block_children(hctx *c, const xmlNode *x, bs_node *container, int depth);

static void append_block(bs_node *container, bs_node *b)
{
  if (!bs_node_append_child(container, b))
    bs_node_free(b);
}

/* Containers left empty by dropped chrome are not kept. */
static void append_nonempty(bs_node *container, bs_node *b)
{
  if (bs_node_first_child(b))
    append_block(container, b);
  else
    bs_node_free(b);
}

/* Ends an implicit or explicit paragraph: tidy, keep if not empty, then pending figures. */
static void finish_inline_block(hctx *c, bs_node *container, bs_node *b)
{
  if (b) {
    if (tidy_inlines(b))
      bs_node_free(b);
    else
      append_block(container, b);
  }
  for (size_t i = 0; i < c->npending; i++)
    append_block(container, c->pending[i]);
  c->npending = 0;
}

static void figure_element(hctx *c, const xmlNode *x, bs_node *container, int depth)
{
  /* the first image inside, the figcaption's text as caption */
  const xmlNode *img = NULL, *cap = NULL;
  const xmlNode *n = x->children;
  while (n && n != x) {
    if (n->type == XML_ELEMENT_NODE) {
      if (!img && is(n, "img"))
        img = n;
      if (!cap && is(n, "figcaption"))
        cap = n;
    }
    if (n->children && n->type == XML_ELEMENT_NODE && !is(n, "figcaption")) {
      n = n->children;
      continue;
    }
    while (n && n != x && !n->next)
      n = n->parent;
    if (!n || n == x)
      break;
    n = n->next;
  }
  if (!img) {
    block_children(c, x, container, depth + 1);
    return;
  }
  char *caption = cap ? clean_text(cap) : NULL;
  bs_node *f = make_figure(c, img, caption);
  free(caption);
  if (f)
    append_block(container, f);
}

static void table_element(hctx *c, const xmlNode *x, bs_node *container, int depth)
{
  bs_node *t = bs_node_new(BS_NODE_TABLE);
  bs_node_set_pos(t, (int)xmlGetLineNo((xmlNode *)x), 0, -1);
  /* rows: direct tr, or inside thead/tbody/tfoot */
  for (const xmlNode *k = x->children; k; k = k->next) {
    if (k->type != XML_ELEMENT_NODE)
      continue;
    if (is(k, "caption")) {
      char *s = clean_text(k);
      if (*s) {
        bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
        add_text(p, s);
        append_block(container, p);
      }
      free(s);
      continue;
    }
    const xmlNode *rows = (is(k, "thead") || is(k, "tbody") || is(k, "tfoot")) ? k->children : k;
    bool group_header = is(k, "thead");
    for (const xmlNode *r = rows; r; r = (rows == k ? NULL : r->next)) {
      if (!is(r, "tr"))
        continue;
      bs_node *row = bs_node_new(BS_NODE_TABLE_ROW);
      for (const xmlNode *cell = r->children; cell; cell = cell->next) {
        if (!is(cell, "td") && !is(cell, "th"))
          continue;
        bs_node *tc = bs_node_new(BS_NODE_TABLE_CELL);
        bs_node_set_cell_header(tc, is(cell, "th") || group_header);
        char *al = attr(cell, "align");
        char *style = attr(cell, "style");
        const char *a = al ? al : style ? strstr(style, "text-align:") : NULL;
        if (a) {
          if (strstr(a, "center"))
            bs_node_set_cell_align(tc, BS_ALIGN_CENTER);
          else if (strstr(a, "right"))
            bs_node_set_cell_align(tc, BS_ALIGN_RIGHT);
          else if (strstr(a, "left"))
            bs_node_set_cell_align(tc, BS_ALIGN_LEFT);
        }
        free(al), free(style);
        inline_children(c, cell, tc, depth + 1);
        tidy_inlines(tc);
        /* figures cannot live in a cell */
        for (size_t i = 0; i < c->npending; i++)
          bs_node_free(c->pending[i]);
        c->npending = 0;
        bs_node_append_child(row, tc);
      }
      append_nonempty(t, row);
    }
  }
  append_nonempty(container, t);
}

static void pre_element(const xmlNode *x, bs_node *container)
{
  bs_buf b = BS_BUF_INIT;
  text_of(x, &b, true);
  const char *s = b.data ? b.data : "";
  size_t l = b.len;
  if (l && s[0] == '\n')
    s++, l--;
  while (l && (s[l - 1] == '\n' || s[l - 1] == ' '))
    l--;
  bs_node *cb = bs_node_new_text(BS_NODE_CODE_BLOCK, s, l);
  bs_node_append_literal(cb, "\n", 1);
  bs_node_set_pos(cb, (int)xmlGetLineNo((xmlNode *)x), 0, -1);
  /* language from class="language-xxx" on pre or its code */
  const xmlNode *code = x->children;
  while (code && code->type != XML_ELEMENT_NODE)
    code = code->next;
  for (int pass = 0; pass < 2; pass++) {
    char *cls = attr(pass ? (code && is(code, "code") ? code : x) : x, "class");
    const char *lp = cls ? strstr(cls, "language-") : NULL;
    if (lp && !bs_node_get_info(cb)) {
      lp += 9;
      size_t k = strcspn(lp, " \t");
      char *info = bs_xstrndup(lp, k);
      bs_node_set_info(cb, info);
      free(info);
    }
    free(cls);
  }
  append_block(container, cb);
  bs_buf_free(&b);
}

/* 1 to 6 for <h1> to <h6>, else 0 */
static int heading_level(const xmlNode *x)
{
  const char *name = nm(x);
  if ((name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6' && !name[2])
    return name[1] - '0';
  return 0;
}

static void block_element(hctx *c, const xmlNode *x, bs_node *container, int depth)
{
  int line = (int)xmlGetLineNo((xmlNode *)x);
  if (is(x, "p") || is(x, "dt") || is(x, "dd") || is(x, "summary") || is(x, "figcaption") ||
      is(x, "address")) {
    bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
    bs_node_set_pos(p, line, 0, -1);
    char *lang = attr(x, "lang");
    if (lang && *lang)
      bs_node_set_lang(p, lang);
    free(lang);
    inline_children(c, x, p, depth + 1);
    finish_inline_block(c, container, p);
  } else if (heading_level(x)) {
    bs_node *h = bs_node_new(BS_NODE_HEADING);
    bs_node_set_heading_level(h, heading_level(x));
    bs_node_set_pos(h, line, 0, -1);
    inline_children(c, x, h, depth + 1);
    finish_inline_block(c, container, h);
  } else if (is(x, "ul") || is(x, "ol")) {
    bs_node *l = bs_node_new(BS_NODE_LIST);
    bs_node_set_pos(l, line, 0, -1);
    if (is(x, "ol")) {
      bs_node_set_list_ordered(l, true);
      char *st = attr(x, "start");
      if (st)
        bs_node_set_list_start(l, atoi(st));
      free(st);
    }
    for (const xmlNode *k = x->children; k; k = k->next) {
      if (k->type != XML_ELEMENT_NODE || is_chrome(c, k))
        continue;
      bs_node *item = bs_node_new(BS_NODE_ITEM);
      bs_node_set_pos(item, (int)xmlGetLineNo((xmlNode *)k), 0, -1);
      block_children(c, k, item, depth + 1);
      append_nonempty(l, item);
    }
    append_nonempty(container, l);
  } else if (is(x, "blockquote")) {
    bs_node *q = bs_node_new(BS_NODE_BLOCK_QUOTE);
    bs_node_set_pos(q, line, 0, -1);
    block_children(c, x, q, depth + 1);
    append_nonempty(container, q);
  } else if (is(x, "figure")) {
    figure_element(c, x, container, depth);
  } else if (is(x, "table")) {
    table_element(c, x, container, depth);
  } else if (is(x, "pre")) {
    pre_element(x, container);
  } else if (is(x, "hr")) {
    append_block(container, bs_node_new(BS_NODE_THEMATIC_BREAK));
  } else if (is(x, "li")) {
    /* a stray li: its content as blocks */
    block_children(c, x, container, depth + 1);
  } else {
    /* div, section, article, header, footer, …: transparent */
    bool was = c->in_article;
    if (is(x, "article"))
      c->in_article = true;
    block_children(c, x, container, depth + 1);
    c->in_article = was;
  }
}

static bool blank(const char *s)
{
  for (; s && *s; s++)
    if (!ascii_ws(*s))
      return false;
  return true;
}

/* True if `a` is `n` or one of its ancestors. */
static bool contains(const xmlNode *a, const xmlNode *n)
{
  for (; n; n = n->parent)
    if (n == a)
      return true;
  return false;
}

/* A chrome element holding the article (a navigation block left open around it, so that the
 * article is inside it): only the way down to the article is kept. */
static void keep_path(hctx *c, const xmlNode *x, bs_node *container, int depth)
{
  while (x != c->keep) {
    const xmlNode *k = x->children;
    while (k && !contains(k, c->keep))
      k = k->next;
    x = k;
  }
  block_element(c, x, container, depth + 1);
}

static void block_children(hctx *c, const xmlNode *x, bs_node *container, int depth)
{
  if (depth > 2 * BS_READ_MAX_DEPTH) {
    bs_read_warn(&c->w, BS_WARN_DEPTH, (int)xmlGetLineNo((xmlNode *)x), 0,
                 "HTML nesting deeper than %d levels flattened", 2 * BS_READ_MAX_DEPTH);
    char *t = clean_text(x);
    if (*t) {
      bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
      add_text(p, t);
      append_block(container, p);
    }
    free(t);
    return;
  }
  bs_node *para = NULL; /* loose inline content */
  for (const xmlNode *k = x->children; k; k = k->next) {
    if (k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) {
      if (!para && blank((const char *)k->content))
        continue;
      if (x == c->top && c->until && ((int)xmlGetLineNo((xmlNode *)k) < c->from ||
                                      (int)xmlGetLineNo((xmlNode *)k) > c->until))
        continue;
      if (!para) {
        para = bs_node_new(BS_NODE_PARAGRAPH);
        bs_node_set_pos(para, (int)xmlGetLineNo((xmlNode *)k), 0, -1);
      }
      add_text(para, (const char *)k->content);
      continue;
    }
    if (k->type != XML_ELEMENT_NODE)
      continue;
    if (x == c->top && c->until && !contains(k, c->keep) &&
        ((int)xmlGetLineNo((xmlNode *)k) < c->from || (int)xmlGetLineNo((xmlNode *)k) > c->until))
      continue; /* before the article, or after its real end tag */
    if (is_chrome(c, k)) {
      if (c->keep && contains(k, c->keep)) {
        if (para || c->npending)
          finish_inline_block(c, container, para);
        para = NULL;
        keep_path(c, k, container, depth);
      }
      continue;
    }
    if (one_of(nm(k), block_tags) || (is(k, "img") && !para)) {
      if (para || c->npending)
        finish_inline_block(c, container, para);
      para = NULL;
      if (is(k, "img")) {
        bs_node *f = make_figure(c, k, NULL);
        if (f)
          append_block(container, f);
      } else {
        block_element(c, k, container, depth);
      }
      continue;
    }
    if (!para) {
      para = bs_node_new(BS_NODE_PARAGRAPH);
      bs_node_set_pos(para, (int)xmlGetLineNo((xmlNode *)k), 0, -1);
    }
    inline_element(c, k, para, depth + 1);
  }
  if (para || c->npending)
    finish_inline_block(c, container, para);
}

/* ---- choosing the article ---- */

/* Pre-order next element under root (iterative). */
static const xmlNode *next_node(const xmlNode *n, const xmlNode *root, bool descend)
{
  if (descend && n->children)
    return n->children;
  while (n && n != root && !n->next)
    n = n->parent;
  if (!n || n == root)
    return NULL;
  return n->next;
}

static size_t text_len(const xmlNode *x)
{
  bs_buf b = BS_BUF_INIT;
  text_of(x, &b, false);
  size_t n = 0;
  for (size_t i = 0; i < b.len; i++)
    n += !ascii_ws(b.data[i]);
  bs_buf_free(&b);
  return n;
}

/* Text of the element's <p> children: how dense a block of text it is. */
static size_t para_score(const xmlNode *x)
{
  size_t score = 0;
  for (const xmlNode *k = x->children; k; k = k->next)
    if (k->type == XML_ELEMENT_NODE && is(k, "p"))
      score += text_len(k);
  return score;
}

/* Text of the <p> elements under `top` outside chrome and outside `skip`, and the line of the
 * first of them. */
static size_t para_text_outside(hctx *c, const xmlNode *top, const xmlNode *skip, int *line)
{
  size_t n = 0;
  for (const xmlNode *x = top; x;) {
    bool el = x->type == XML_ELEMENT_NODE && x != skip && (x == top || !is_chrome(c, x));
    if (el && x != top && is(x, "p")) {
      size_t l = text_len(x);
      if (l && !n)
        *line = (int)xmlGetLineNo((xmlNode *)x);
      n += l;
      el = false;
    }
    x = next_node(x, top, el);
  }
  return n;
}

static int node_depth(const xmlNode *n)
{
  int d = 0;
  for (; n; n = n->parent)
    d++;
  return d;
}

static const xmlNode *common_ancestor(const xmlNode *a, const xmlNode *b)
{
  int da = node_depth(a), db = node_depth(b);
  for (; da > db; da--)
    a = a->parent;
  for (; db > da; db--)
    b = b->parent;
  while (a != b)
    a = a->parent, b = b->parent;
  return a;
}

/* The line of the element's own end tag in the source when it lies past the element's content
 * as parsed: libxml2 closed it early at a stray end tag (an unclosed <div id=nav> and a stray
 * </div></div> end an <article> there) and dropped the real one. Sets *last to the line where
 * the parsed content ends; 0 when the end tag is where the content ends (or is missing). */
static int late_end_tag(const xmlNode *el, const char *src, size_t len, int *last)
{
  int start = (int)xmlGetLineNo((xmlNode *)el);
  *last = start;
  for (const xmlNode *n = el; n; n = next_node(n, el, true))
    if ((int)xmlGetLineNo((xmlNode *)n) > *last)
      *last = (int)xmlGetLineNo((xmlNode *)n);
  const char *name = nm(el);
  size_t nl = strlen(name);
  int line = 1;
  for (size_t i = 0; i + 2 + nl < len; i++) {
    if (src[i] == '\n')
      line++;
    else if (line >= start && src[i] == '<' && src[i + 1] == '/' &&
             !strncasecmp(src + i + 2, name, nl) &&
             (src[i + 2 + nl] == '>' || ascii_ws(src[i + 2 + nl])))
      return line > *last + 1 ? line : 0;
  }
  return 0;
}

/* The part of the page that is the article: the largest <article>, else <main>, else the
 * element with the densest paragraph text. An article closed early (late_end_tag) gives the
 * element holding it and what followed up to its real end tag; one that holds less text than a
 * block of paragraphs outside it gives the element holding both. Either way the article is
 * kept even where it sits inside navigation, with a warning; paragraph text still left out of
 * the extract is a warning too. */
static const xmlNode *find_root(hctx *c, const xmlNode *body, const char *src, size_t len)
{
  const xmlNode *best = NULL, *main_el = NULL, *dense = NULL;
  size_t best_len = 0, dense_score = 0;
  for (const xmlNode *n = body; n; n = next_node(n, body, true)) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    bool chrome = is_chrome(c, n);
    if (is(n, "article") && !chrome) {
      size_t l = text_len(n);
      if (l > best_len)
        best = n, best_len = l;
    }
    if (!main_el && (is(n, "main") || attr_is(n, "role", "main")))
      main_el = n;
    size_t score = chrome ? 0 : para_score(n);
    if (score > dense_score)
      dense = n, dense_score = score;
  }
  const xmlNode *root = best ? best : main_el;
  int last = 0, end = root ? late_end_tag(root, src, len, &last) : 0;
  const xmlNode *after = NULL; /* the last text between the two ends (one pass: linear) */
  for (const xmlNode *n = end ? body : NULL; n;) {
    int l = (int)xmlGetLineNo((xmlNode *)n);
    bool skip = n == root || (n->type == XML_ELEMENT_NODE && n != body && is_chrome(c, n));
    if (!skip && n->type == XML_TEXT_NODE && l > last && l <= end &&
        !blank((const char *)n->content))
      after = n;
    n = next_node(n, body, !skip);
  }
  if (!root) {
    root = dense && dense_score >= 80 ? dense : body;
  } else if (after) {
    bs_read_warn(&c->w, BS_WARN_EXTRACT, last, 0,
                 "<%s> closed early by a stray end tag: what follows up to its </%s> at line %d "
                 "is kept",
                 nm(root), nm(root), end);
    c->keep = root;
    c->top = common_ancestor(root, after);
    c->from = (int)xmlGetLineNo((xmlNode *)root);
    c->until = end;
    root = c->top;
  } else if (dense && !contains(root, dense) && dense_score > text_len(root)) {
    const xmlNode *top = common_ancestor(root, dense);
    int from = 0;
    para_text_outside(c, dense, root, &from);
    bs_read_warn(&c->w, BS_WARN_EXTRACT, (int)xmlGetLineNo((xmlNode *)root), 0,
                 "<%s> holds less text than the paragraphs from line %d outside it (closed "
                 "early by a stray end tag?): both are kept",
                 nm(root), from);
    c->keep = root;
    root = top;
  }
  int line = 0;
  size_t out = para_text_outside(c, body, root, &line);
  if (out >= 100 && out * 4 >= text_len(root))
    bs_read_warn(&c->w, BS_WARN_CONTENT, line, 0,
                 "%zu characters of paragraphs outside the extracted <%s> left out", out, nm(root));
  return root;
}

/* ---- metadata ---- */

static void set_meta_once(bs_node *doc, bs_meta_key k, const char *v)
{
  if (v && *v && !bs_node_get_meta(doc, k))
    bs_node_set_meta(doc, k, v);
}

static void add_tags(bs_node *doc, const char *v)
{
  /* comma or ideographic comma separated */
  char *s = bs_xstrdup(v);
  char *p = s;
  while (*p) {
    char *e = p;
    while (*e && *e != ',' && strncmp(e, "\xEF\xBC\x8C", 3) && strncmp(e, "\xE3\x80\x81", 3))
      e++;
    size_t skip = !*e ? 0 : *e == ',' ? 1 : 3;
    char save = *e;
    *e = '\0';
    char *t = p;
    while (ascii_ws(*t))
      t++;
    size_t l = strlen(t);
    while (l && ascii_ws(t[l - 1]))
      t[--l] = '\0';
    if (*t)
      bs_node_add_meta_item(doc, BS_META_TAGS, t);
    *e = save;
    p = e + skip;
    if (!skip)
      break;
  }
  free(s);
}

static char *date_part(const char *v)
{
  /* 2025-09-10T08:00:00+08:00 → 2025-09-10 */
  size_t n = strcspn(v, "T ");
  return bs_xstrndup(v, n);
}

/* Splits "Title | Site" at the last separator: returns the separator's offset or -1. */
static long title_split(const char *t, size_t *sep_len)
{
  static const char *const seps[] = {" | ", "\xEF\xBD\x9C", " - ", " \xE2\x80\x93 ",
                                     " \xE2\x80\x94 ", " :: ", " \xC2\xB7 ", " \xE2\x80\xA2 ",
                                     "_", NULL};
  long best = -1;
  for (int i = 0; seps[i]; i++) {
    const char *p = t, *last = NULL;
    while ((p = strstr(p, seps[i]))) {
      last = p;
      p++;
    }
    if (last && last - t > best) {
      best = last - t;
      *sep_len = strlen(seps[i]);
    }
  }
  return best;
}

static void read_meta(hctx *c, xmlDoc *xd, const xmlNode *root_el, const xmlNode *article,
                      bs_node *doc)
{
  char *og_title = NULL, *site = NULL, *title = NULL, *desc = NULL, *og_desc = NULL;
  for (const xmlNode *n = root_el; n; n = next_node(n, root_el, !is(n, "body"))) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (is(n, "title") && !title)
      title = clean_text(n);
    if (is(n, "link")) {
      char *rel = attr(n, "rel"), *href = attr(n, "href");
      if (rel && !strcasecmp(rel, "canonical") && href && !unsafe_url(href))
        set_meta_once(doc, BS_META_URL, href);
      free(rel), free(href);
    }
    if (!is(n, "meta"))
      continue;
    char *name = attr(n, "name");
    if (!name)
      name = attr(n, "property");
    char *content = attr(n, "content");
    if (name && content && *content) {
      if (!strcasecmp(name, "author") || !strcasecmp(name, "dc.creator")) {
        bs_node_add_meta_item(doc, BS_META_AUTHORS, content);
      } else if (!strcasecmp(name, "article:author") && strncmp(content, "http", 4) &&
                 !bs_node_get_meta_count(doc, BS_META_AUTHORS)) {
        bs_node_add_meta_item(doc, BS_META_AUTHORS, content);
      } else if (!strcasecmp(name, "description") && !desc) {
        desc = bs_xstrdup(content);
      } else if (!strcasecmp(name, "og:description") && !og_desc) {
        og_desc = bs_xstrdup(content);
      } else if (!strcasecmp(name, "keywords") || !strcasecmp(name, "article:tag")) {
        add_tags(doc, content);
      } else if (!strcasecmp(name, "og:site_name") && !site) {
        site = bs_xstrdup(content);
      } else if (!strcasecmp(name, "og:title") && !og_title) {
        og_title = bs_read_squeeze_space(content); /* spaces kept, runs made one */
      } else if (!strcasecmp(name, "article:published_time") || !strcasecmp(name, "date") ||
                 !strcasecmp(name, "dc.date") || !strcasecmp(name, "datePublished")) {
        char *d = date_part(content);
        set_meta_once(doc, BS_META_DATE, d);
        free(d);
      } else if (!strcasecmp(name, "og:url")) {
        if (!unsafe_url(content))
          set_meta_once(doc, BS_META_URL, content);
      }
    }
    free(name), free(content);
  }
  /* <html lang> */
  char *lang = attr(root_el, "lang");
  if (!lang || !*lang) {
    free(lang);
    lang = attr(root_el, "xml:lang");
  }
  if (lang && *lang && !c->opts->lang)
    bs_node_set_lang(doc, lang);
  free(lang);
  /* first heading of the article: a title of last resort and a hint for the site suffix */
  char *h1 = NULL;
  for (const xmlNode *n = article; n && !h1; n = next_node(n, article, true))
    if (is(n, "h1"))
      h1 = clean_text(n);
  /* rel=tag links in the article (their block is dropped as chrome) */
  for (const xmlNode *n = article; n; n = next_node(n, article, true)) {
    if (!is(n, "a"))
      continue;
    char *rel = attr(n, "rel");
    if (rel && has_word(rel, (const char *const[]){"tag", NULL})) {
      char *t = clean_text(n);
      if (*t) {
        bs_buf_puts(&c->tags, t);
        bs_buf_putc(&c->tags, '\0');
      }
      free(t);
    }
    free(rel);
  }
  /* <time datetime> in the article */
  for (const xmlNode *n = article; n && !bs_node_get_meta(doc, BS_META_DATE);
       n = next_node(n, article, true)) {
    if (!is(n, "time"))
      continue;
    char *dt = attr(n, "datetime");
    if (dt && *dt) {
      char *d = date_part(dt);
      set_meta_once(doc, BS_META_DATE, d);
      free(d);
    }
    free(dt);
  }
  /* the title, without " | Site" */
  const char *chosen = NULL;
  char *prefix = NULL;
  if (title && *title) {
    size_t sl = 0;
    long at = title_split(title, &sl);
    if (at > 0) {
      const char *suffix = title + at + sl;
      prefix = bs_xstrndup(title, (size_t)at);
      bool site_match = site && !strcmp(suffix, site);
      bool title_match = (og_title && !strncmp(prefix, og_title, strlen(og_title))) ||
                         (h1 && *h1 && !strncmp(prefix, h1, strlen(h1)));
      if (site_match || (!site && title_match)) {
        if (!site)
          site = bs_xstrdup(suffix);
      } else {
        free(prefix);
        prefix = NULL;
      }
    }
  }
  if (og_title && *og_title)
    chosen = og_title;
  else if (prefix)
    chosen = prefix;
  else if (title && *title)
    chosen = title;
  else if (h1 && *h1)
    chosen = h1;
  set_meta_once(doc, BS_META_TITLE, chosen);
  set_meta_once(doc, BS_META_SOURCE, site);
  set_meta_once(doc, BS_META_DESCRIPTION, desc ? desc : og_desc);
  /* rel=tag links add to the keywords, without repeats */
  for (size_t i = 0; i < c->tags.len; i += strlen(c->tags.data + i) + 1) {
    bool dup = false;
    for (size_t k = 0; k < bs_node_get_meta_count(doc, BS_META_TAGS); k++)
      dup |= !strcmp(bs_node_get_meta_item(doc, BS_META_TAGS, k), c->tags.data + i);
    if (!dup)
      bs_node_add_meta_item(doc, BS_META_TAGS, c->tags.data + i);
  }
  free(og_title), free(site), free(title), free(desc), free(og_desc), free(h1), free(prefix);
  (void)xd;
}

bs_status bs_read_html(const char *buf, size_t len, const bs_read_options *opts, bs_node **out,
                       bs_error *err)
{
  bs_read_options def;
  if (!opts) {
    bs_read_options_init(&def);
    opts = &def;
  }
  if (len > (size_t)1 << 30)
    return bs_error_set(err, BS_ERR_LIMIT, opts->path, 0, 0, "HTML input larger than 1 GiB");
  if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
    buf += 3, len -= 3;
  hctx c = {.opts = opts, .w = {opts, {false}}};
  /* libxml2 passes invalid bytes through into the tree: check first, as the other readers do */
  char *clean = NULL;
  size_t clean_len = 0;
  bs_status st = bs_read_check_utf8(buf, len, opts, &c.w, &clean, &clean_len, err);
  if (st != BS_OK)
    return st;
  if (clean)
    buf = clean, len = clean_len;
  bs_libxml_init();
  xmlDoc *xd = htmlReadMemory(buf, (int)len, NULL, "UTF-8",
                              HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                  HTML_PARSE_RECOVER | HTML_PARSE_COMPACT | XML_PARSE_HUGE);
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_input(doc, opts->path);
  if (opts->lang)
    bs_node_set_lang(doc, opts->lang);
  const xmlNode *root_el = xd ? xmlDocGetRootElement(xd) : NULL;
  if (root_el) {
    const xmlNode *body = NULL;
    for (const xmlNode *k = root_el->children; k; k = k->next)
      if (is(k, "body"))
        body = k;
    if (!body)
      body = root_el;
    const xmlNode *art = find_root(&c, body, buf, len);
    /* scripts and event handlers in the article are dropped; say so once (a page's own
     * scripts outside it are expected and not worth a warning) */
    for (const xmlNode *n = art; n && !c.w.seen[BS_WARN_SCRIPT];
         n = next_node(n, art,
                       n == art || (n->type == XML_ELEMENT_NODE &&
                                    (!is_chrome(&c, n) || (c.keep && contains(n, c.keep)))))) {
      bool script = is(n, "script");
      for (const xmlAttr *a = n->type == XML_ELEMENT_NODE ? n->properties : NULL; a && !script;
           a = a->next)
        script = a->name && !strncasecmp((const char *)a->name, "on", 2);
      if (script && (n == art || !is_chrome(&c, n) || is(n, "script")))
        bs_read_warn(&c.w, BS_WARN_SCRIPT, (int)xmlGetLineNo((xmlNode *)n), 0,
                     "scripts and event handlers in the article dropped");
    }
    for (const xmlNode *a = art; a; a = a->parent)
      if (is(a, "article"))
        c.in_article = true;
    read_meta(&c, xd, root_el, c.keep ? c.keep : art, doc);
    block_children(&c, art, doc, 0);
  }
  for (size_t i = 0; i < c.npending; i++)
    bs_node_free(c.pending[i]);
  free(c.pending);
  bs_buf_free(&c.tags);
  if (xd)
    xmlFreeDoc(xd);
  free(clean);
  bs_read_drop_title_heading(doc); /* an <h1> repeating <title> or og:title */
  bs_read_settle_lang(doc);
  if (opts->normalize)
    bs_normalize_punctuation(doc);
  *out = doc;
  return BS_OK;
}
