/* The document tree: nodes, content model, accessors, iterator (cmark's design). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/util.h"
#include "bisheng/node.h"

typedef struct bs_meta {
  char *str[BS_META_STRING_COUNT];
  char **list[BS_META_LIST_COUNT];
  size_t list_len[BS_META_LIST_COUNT];
} bs_meta;

/* Field order packs the int-sized fields together: 136 bytes, a 144-byte malloc chunk instead
 * of 160 (a 1,000-article book has a quarter of a million nodes; issue #3's memory target). */
struct bs_node {
  bs_node_type type;
  int i1;          /* heading level, list start, cell align, indent */
  int i2;          /* list ordered, cell header */
  int indent;
  bs_node *parent, *first, *last, *next, *prev;
  bs_pos pos;
  char *lang;
  char *cls;       /* classes (pandoc's fenced divs, bracketed spans) */
  char *input;
  /* Per-type data. One set of fields serves several types; accessors check the type. */
  char *literal;   /* text, code, code block */
  size_t literal_len;
  char *s1;        /* href / src / label / annotation / info */
  char *s2;        /* title / caption */
  char *s3;        /* credit */
  bs_meta *meta;   /* book, document */
};

static const char *const type_names[] = {
    [BS_NODE_NONE] = "none",
    [BS_NODE_BOOK] = "book",
    [BS_NODE_DOCUMENT] = "document",
    [BS_NODE_PARAGRAPH] = "paragraph",
    [BS_NODE_HEADING] = "heading",
    [BS_NODE_BLOCK_QUOTE] = "block_quote",
    [BS_NODE_LIST] = "list",
    [BS_NODE_ITEM] = "item",
    [BS_NODE_CODE_BLOCK] = "code_block",
    [BS_NODE_THEMATIC_BREAK] = "thematic_break",
    [BS_NODE_PAGE_BREAK] = "page_break",
    [BS_NODE_FIGURE] = "figure",
    [BS_NODE_TABLE] = "table",
    [BS_NODE_TABLE_ROW] = "table_row",
    [BS_NODE_TABLE_CELL] = "table_cell",
    [BS_NODE_FOOTNOTE_DEF] = "footnote_definition",
    [BS_NODE_TEXT] = "text",
    [BS_NODE_STRONG] = "strong",
    [BS_NODE_EMPHASIS] = "emphasis",
    [BS_NODE_STRIKETHROUGH] = "strikethrough",
    [BS_NODE_EMPHASIS_MARK] = "emphasis_mark",
    [BS_NODE_LINK] = "link",
    [BS_NODE_CODE] = "code",
    [BS_NODE_LINE_BREAK] = "line_break",
    [BS_NODE_FOOTNOTE_REF] = "footnote_reference",
    [BS_NODE_RUBY] = "ruby",
    [BS_NODE_SPAN] = "span",
    [BS_NODE_SUPERSCRIPT] = "superscript",
    [BS_NODE_SUBSCRIPT] = "subscript",
};

static bool valid_type(bs_node_type t) { return t > BS_NODE_NONE && t <= BS_NODE_LAST_INLINE; }

const char *bs_node_type_string(bs_node_type type)
{
  return valid_type(type) || type == BS_NODE_NONE ? type_names[type] : "unknown";
}

static bool is_block_type(bs_node_type t)
{
  return t >= BS_NODE_FIRST_BLOCK && t <= BS_NODE_LAST_BLOCK;
}
static bool is_inline_type(bs_node_type t)
{
  return t >= BS_NODE_FIRST_INLINE && t <= BS_NODE_LAST_INLINE;
}

bool bs_node_is_leaf_type(bs_node_type t)
{
  switch (t) {
  case BS_NODE_TEXT:
  case BS_NODE_CODE:
  case BS_NODE_LINE_BREAK:
  case BS_NODE_FOOTNOTE_REF:
  case BS_NODE_CODE_BLOCK:
  case BS_NODE_THEMATIC_BREAK:
  case BS_NODE_PAGE_BREAK:
  case BS_NODE_FIGURE:
    return true;
  default:
    return false;
  }
}

/* The content model, as a table of who may hold whom. */
bool bs_node_can_contain(bs_node_type parent, bs_node_type child)
{
  if (!valid_type(parent) || !valid_type(child) || bs_node_is_leaf_type(parent))
    return false;
  switch (parent) {
  case BS_NODE_BOOK:
    return child == BS_NODE_DOCUMENT;
  case BS_NODE_DOCUMENT:
  case BS_NODE_BLOCK_QUOTE:
  case BS_NODE_ITEM:
  case BS_NODE_FOOTNOTE_DEF:
    return is_block_type(child) && child != BS_NODE_ITEM && child != BS_NODE_TABLE_ROW &&
           child != BS_NODE_TABLE_CELL &&
           (parent == BS_NODE_DOCUMENT || child != BS_NODE_FOOTNOTE_DEF);
  case BS_NODE_LIST:
    return child == BS_NODE_ITEM;
  case BS_NODE_TABLE:
    return child == BS_NODE_TABLE_ROW;
  case BS_NODE_TABLE_ROW:
    return child == BS_NODE_TABLE_CELL;
  case BS_NODE_RUBY:
    /* the base is plain text (possibly styled), never another ruby or a note */
    return child == BS_NODE_TEXT || child == BS_NODE_STRONG || child == BS_NODE_EMPHASIS ||
           child == BS_NODE_SPAN;
  default: /* paragraph, heading, cell, inline containers */
    return is_inline_type(child);
  }
}

bs_node *bs_node_new(bs_node_type type)
{
  bs_node *n = bs_xcalloc(1, sizeof *n);
  n->type = type;
  if (type == BS_NODE_HEADING)
    n->i1 = 1;
  if (type == BS_NODE_LIST)
    n->i1 = 1;
  if (type == BS_NODE_BOOK || type == BS_NODE_DOCUMENT)
    n->meta = bs_xcalloc(1, sizeof *n->meta);
  return n;
}

static bool has_literal(const bs_node *n)
{
  return n && (n->type == BS_NODE_TEXT || n->type == BS_NODE_CODE || n->type == BS_NODE_CODE_BLOCK);
}

bs_node *bs_node_new_text(bs_node_type type, const char *text, size_t len)
{
  bs_node *n = bs_node_new(type);
  if (has_literal(n))
    bs_node_set_literal(n, text, len);
  return n;
}

static void free_meta(bs_meta *m)
{
  if (!m)
    return;
  for (int i = 0; i < BS_META_STRING_COUNT; i++)
    free(m->str[i]);
  for (int i = 0; i < BS_META_LIST_COUNT; i++) {
    for (size_t j = 0; j < m->list_len[i]; j++)
      free(m->list[i][j]);
    free(m->list[i]);
  }
  free(m);
}

static void free_one(bs_node *n)
{
  free(n->lang);
  free(n->cls);
  free(n->input);
  free(n->literal);
  free(n->s1);
  free(n->s2);
  free(n->s3);
  free_meta(n->meta);
  free(n);
}

void bs_node_free(bs_node *node)
{
  if (!node)
    return;
  bs_node_unlink(node);
  /* Iterative: splice children into a flat list so deep trees cannot overflow the stack. */
  bs_node *cur = node;
  while (cur) {
    if (cur->first) {
      bs_node *last = cur->last;
      last->next = cur->next;
      cur->next = cur->first;
      cur->first = cur->last = NULL;
    }
    bs_node *next = cur->next;
    free_one(cur);
    cur = next;
  }
}

bs_node_type bs_node_get_type(const bs_node *n) { return n ? n->type : BS_NODE_NONE; }
bool bs_node_is_block(const bs_node *n) { return n && is_block_type(n->type); }
bool bs_node_is_inline(const bs_node *n) { return n && is_inline_type(n->type); }

bs_node *bs_node_parent(const bs_node *n) { return n ? n->parent : NULL; }
bs_node *bs_node_first_child(const bs_node *n) { return n ? n->first : NULL; }
bs_node *bs_node_last_child(const bs_node *n) { return n ? n->last : NULL; }
bs_node *bs_node_next(const bs_node *n) { return n ? n->next : NULL; }
bs_node *bs_node_previous(const bs_node *n) { return n ? n->prev : NULL; }

size_t bs_node_child_count(const bs_node *n)
{
  size_t c = 0;
  for (bs_node *k = n ? n->first : NULL; k; k = k->next)
    c++;
  return c;
}

void bs_node_unlink(bs_node *n)
{
  if (!n)
    return;
  if (n->prev)
    n->prev->next = n->next;
  if (n->next)
    n->next->prev = n->prev;
  if (n->parent) {
    if (n->parent->first == n)
      n->parent->first = n->next;
    if (n->parent->last == n)
      n->parent->last = n->prev;
  }
  n->parent = n->prev = n->next = NULL;
}

/* May `child` go under `parent`: content model and no cycles. */
static bool can_attach(const bs_node *parent, const bs_node *child)
{
  if (!parent || !child || parent == child)
    return false;
  if (!bs_node_can_contain(parent->type, child->type))
    return false;
  /* no cycles: `child` may not be an ancestor of `parent`, which it can only be when it has
   * children (so building a deep tree a leaf at a time does not walk every ancestor) */
  for (const bs_node *a = child->first ? parent->parent : NULL; a; a = a->parent)
    if (a == child)
      return false;
  return true;
}

bool bs_node_append_child(bs_node *parent, bs_node *child)
{
  if (!can_attach(parent, child))
    return false;
  bs_node_unlink(child);
  child->parent = parent;
  child->prev = parent->last;
  if (parent->last)
    parent->last->next = child;
  else
    parent->first = child;
  parent->last = child;
  return true;
}

bool bs_node_prepend_child(bs_node *parent, bs_node *child)
{
  if (!can_attach(parent, child))
    return false;
  bs_node_unlink(child);
  child->parent = parent;
  child->next = parent->first;
  if (parent->first)
    parent->first->prev = child;
  else
    parent->last = child;
  parent->first = child;
  return true;
}

bool bs_node_insert_before(bs_node *node, bs_node *sib)
{
  if (!node || !node->parent || node == sib || !can_attach(node->parent, sib))
    return false;
  bs_node_unlink(sib);
  sib->parent = node->parent;
  sib->next = node;
  sib->prev = node->prev;
  if (node->prev)
    node->prev->next = sib;
  else
    node->parent->first = sib;
  node->prev = sib;
  return true;
}

bool bs_node_insert_after(bs_node *node, bs_node *sib)
{
  if (!node || !node->parent || node == sib || !can_attach(node->parent, sib))
    return false;
  bs_node_unlink(sib);
  sib->parent = node->parent;
  sib->prev = node;
  sib->next = node->next;
  if (node->next)
    node->next->prev = sib;
  else
    node->parent->last = sib;
  node->next = sib;
  return true;
}

bool bs_node_replace(bs_node *node, bs_node *rep)
{
  if (!bs_node_insert_before(node, rep))
    return false;
  bs_node_unlink(node);
  return true;
}

/* ---- per-type data ---- */

static void set_str(char **slot, const char *v)
{
  char *old = *slot;
  *slot = v ? bs_xstrdup(v) : NULL;
  free(old);
}

const char *bs_node_get_literal(const bs_node *n) { return has_literal(n) ? (n->literal ? n->literal : "") : NULL; }
size_t bs_node_get_literal_length(const bs_node *n) { return has_literal(n) ? n->literal_len : 0; }

bool bs_node_set_literal(bs_node *n, const char *text, size_t len)
{
  if (!has_literal(n))
    return false;
  char *d = bs_xstrndup(text ? text : "", text ? len : 0);
  free(n->literal);
  n->literal = d;
  n->literal_len = text ? len : 0;
  return true;
}

bool bs_node_append_literal(bs_node *n, const char *text, size_t len)
{
  if (!has_literal(n))
    return false;
  n->literal = bs_xrealloc(n->literal, n->literal_len + len + 1);
  memcpy(n->literal + n->literal_len, text, len);
  n->literal_len += len;
  n->literal[n->literal_len] = '\0';
  return true;
}

#define IS(n, t) ((n) && (n)->type == (t))

int bs_node_get_heading_level(const bs_node *n) { return IS(n, BS_NODE_HEADING) ? n->i1 : 0; }
bool bs_node_set_heading_level(bs_node *n, int level)
{
  if (!IS(n, BS_NODE_HEADING) || level < 1 || level > 6)
    return false;
  n->i1 = level;
  return true;
}

bool bs_node_get_list_ordered(const bs_node *n) { return IS(n, BS_NODE_LIST) && n->i2; }
bool bs_node_set_list_ordered(bs_node *n, bool o)
{
  if (!IS(n, BS_NODE_LIST))
    return false;
  n->i2 = o;
  return true;
}
int bs_node_get_list_start(const bs_node *n) { return IS(n, BS_NODE_LIST) ? n->i1 : 0; }
bool bs_node_set_list_start(bs_node *n, int s)
{
  if (!IS(n, BS_NODE_LIST))
    return false;
  n->i1 = s;
  return true;
}

#define STR_ACCESSORS(name, slot, cond)                                                     \
  const char *bs_node_get_##name(const bs_node *n) { return (n && (cond)) ? n->slot : NULL; } \
  bool bs_node_set_##name(bs_node *n, const char *v)                                        \
  {                                                                                          \
    if (!n || !(cond))                                                                       \
      return false;                                                                          \
    set_str(&n->slot, v);                                                                    \
    return true;                                                                             \
  }

STR_ACCESSORS(info, s1, n->type == BS_NODE_CODE_BLOCK)
STR_ACCESSORS(href, s1, n->type == BS_NODE_LINK)
STR_ACCESSORS(title, s2, n->type == BS_NODE_LINK)
STR_ACCESSORS(src, s1, n->type == BS_NODE_FIGURE)
STR_ACCESSORS(caption, s2, n->type == BS_NODE_FIGURE)
STR_ACCESSORS(credit, s3, n->type == BS_NODE_FIGURE)
STR_ACCESSORS(label, s1, n->type == BS_NODE_FOOTNOTE_REF || n->type == BS_NODE_FOOTNOTE_DEF)
STR_ACCESSORS(annotation, s1, n->type == BS_NODE_RUBY)

bool bs_node_get_cell_header(const bs_node *n) { return IS(n, BS_NODE_TABLE_CELL) && n->i2; }
bool bs_node_set_cell_header(bs_node *n, bool h)
{
  if (!IS(n, BS_NODE_TABLE_CELL))
    return false;
  n->i2 = h;
  return true;
}
bs_align bs_node_get_cell_align(const bs_node *n) { return IS(n, BS_NODE_TABLE_CELL) ? (bs_align)n->i1 : BS_ALIGN_NONE; }
bool bs_node_set_cell_align(bs_node *n, bs_align a)
{
  if (!IS(n, BS_NODE_TABLE_CELL) || a < BS_ALIGN_NONE || a > BS_ALIGN_RIGHT)
    return false;
  n->i1 = (int)a;
  return true;
}

const char *bs_node_get_class(const bs_node *n)
{
  return (bs_node_is_block(n) || bs_node_is_inline(n)) ? n->cls : NULL;
}

bool bs_node_set_class(bs_node *n, const char *classes)
{
  if (!bs_node_is_block(n) && !bs_node_is_inline(n))
    return false;
  set_str(&n->cls, classes && *classes ? classes : NULL);
  return true;
}

int bs_node_get_indent(const bs_node *n) { return bs_node_is_block(n) ? n->indent : 0; }
bool bs_node_set_indent(bs_node *n, int em)
{
  if (!bs_node_is_block(n) || em < 0)
    return false;
  n->indent = em;
  return true;
}

/* ---- language and direction ---- */

const char *bs_node_get_lang(const bs_node *n)
{
  if (!n)
    return NULL;
  if (n->meta && n->meta->str[BS_META_LANG])
    return n->meta->str[BS_META_LANG];
  return n->lang;
}

bool bs_node_set_lang(bs_node *n, const char *v)
{
  if (!n)
    return false;
  if (n->meta)
    set_str(&n->meta->str[BS_META_LANG], v && *v ? v : NULL);
  else
    set_str(&n->lang, v && *v ? v : NULL);
  return true;
}

const char *bs_node_get_inherited_lang(const bs_node *n)
{
  for (; n; n = n->parent) {
    const char *l = bs_node_get_lang(n);
    if (l)
      return l;
  }
  return NULL;
}

bs_direction bs_direction_from_string(const char *s)
{
  if (!s)
    return BS_DIR_DEFAULT;
  if (!strcmp(s, "vertical") || !strcmp(s, "vertical-rl") || !strcmp(s, "tate") ||
      !strcmp(s, "ttb"))
    return BS_DIR_VERTICAL;
  if (!strcmp(s, "horizontal") || !strcmp(s, "horizontal-tb") || !strcmp(s, "yoko") ||
      !strcmp(s, "ltr"))
    return BS_DIR_HORIZONTAL;
  return BS_DIR_DEFAULT;
}

const char *bs_direction_string(bs_direction d)
{
  return d == BS_DIR_VERTICAL ? "vertical" : d == BS_DIR_HORIZONTAL ? "horizontal" : "default";
}

bs_direction bs_node_get_inherited_direction(const bs_node *n)
{
  for (; n; n = n->parent) {
    if (n->meta) {
      bs_direction d = bs_direction_from_string(n->meta->str[BS_META_DIRECTION]);
      if (d != BS_DIR_DEFAULT)
        return d;
    }
  }
  return BS_DIR_DEFAULT;
}

/* Issue #16: a horizontal English chapter in a vertical Chinese book keeps its direction;
 * a chapter's own vertical is a preference that an output's direction overrides (so that
 * one manifest can print the same chapters both ways). */
bs_direction bs_node_get_chapter_direction(const bs_node *doc, bs_direction forced,
                                           bs_direction book)
{
  bs_direction own = BS_DIR_DEFAULT;
  if (doc && doc->meta)
    own = bs_direction_from_string(doc->meta->str[BS_META_DIRECTION]);
  if (own == BS_DIR_HORIZONTAL)
    return BS_DIR_HORIZONTAL;
  const char *l = bs_node_get_inherited_lang(doc);
  bool cjk = !l || !*l || !strncasecmp(l, "zh", 2) || !strncasecmp(l, "ja", 2) ||
             !strncasecmp(l, "ko", 2) || !strcasecmp(l, "und");
  if (cjk && l && l[2] && l[2] != '-' && l[2] != '_')
    cjk = !strcasecmp(l, "und"); /* "zhx", "jam", "kok" are other languages */
  if (!cjk)
    return own == BS_DIR_VERTICAL && forced != BS_DIR_HORIZONTAL ? BS_DIR_VERTICAL
                                                                 : BS_DIR_HORIZONTAL;
  if (forced != BS_DIR_DEFAULT)
    return forced;
  return own != BS_DIR_DEFAULT ? own : book;
}

/* ---- metadata ---- */

static const char *const meta_names[BS_META_STRING_COUNT] = {
    "title", "subtitle", "affiliation", "date", "lang", "source", "direction",
    "description", "cover", "identifier", "publisher", "editor", "url", "rights",
    "collection", "position"};
static const char *const meta_list_names[BS_META_LIST_COUNT] = {"authors", "tags"};

const char *bs_meta_key_string(bs_meta_key k)
{
  return (unsigned)k < BS_META_STRING_COUNT ? meta_names[k] : NULL;
}
const char *bs_meta_list_key_string(bs_meta_list_key k)
{
  return (unsigned)k < BS_META_LIST_COUNT ? meta_list_names[k] : NULL;
}

const char *bs_node_get_meta(const bs_node *n, bs_meta_key k)
{
  if (!n || !n->meta || (unsigned)k >= BS_META_STRING_COUNT)
    return NULL;
  return n->meta->str[k];
}

bool bs_node_set_meta(bs_node *n, bs_meta_key k, const char *v)
{
  if (!n || !n->meta || (unsigned)k >= BS_META_STRING_COUNT)
    return false;
  set_str(&n->meta->str[k], v);
  return true;
}

size_t bs_node_get_meta_count(const bs_node *n, bs_meta_list_key k)
{
  if (!n || !n->meta || (unsigned)k >= BS_META_LIST_COUNT)
    return 0;
  return n->meta->list_len[k];
}

const char *bs_node_get_meta_item(const bs_node *n, bs_meta_list_key k, size_t i)
{
  if (i >= bs_node_get_meta_count(n, k))
    return NULL;
  return n->meta->list[k][i];
}

bool bs_node_add_meta_item(bs_node *n, bs_meta_list_key k, const char *v)
{
  if (!n || !n->meta || (unsigned)k >= BS_META_LIST_COUNT || !v)
    return false;
  bs_meta *m = n->meta;
  size_t len = m->list_len[k];
  if ((len & (len - 1)) == 0) /* capacity doubles at each power of two: linear, not n² copies */
    m->list[k] = bs_xrealloc(m->list[k], (len ? 2 * len : 1) * sizeof *m->list[k]);
  m->list[k][m->list_len[k]++] = bs_xstrdup(v);
  return true;
}

bool bs_node_clear_meta_list(bs_node *n, bs_meta_list_key k)
{
  if (!n || !n->meta || (unsigned)k >= BS_META_LIST_COUNT)
    return false;
  bs_meta *m = n->meta;
  for (size_t j = 0; j < m->list_len[k]; j++)
    free(m->list[k][j]);
  free(m->list[k]);
  m->list[k] = NULL;
  m->list_len[k] = 0;
  return true;
}

/* ---- positions ---- */

bs_pos bs_node_get_pos(const bs_node *n)
{
  bs_pos p = {0, 0, -1};
  return n ? n->pos : p;
}

void bs_node_set_pos(bs_node *n, int line, int column, long long offset)
{
  if (!n)
    return;
  n->pos.line = line;
  n->pos.column = column;
  n->pos.offset = offset;
}

const char *bs_node_get_input(const bs_node *n)
{
  for (; n; n = n->parent)
    if (n->input)
      return n->input;
  return NULL;
}

bool bs_node_set_input(bs_node *n, const char *path)
{
  if (!n)
    return false;
  set_str(&n->input, path);
  return true;
}

/* ---- iterator ---- */

struct bs_iter {
  bs_node *root;
  bs_node *node;
  bs_event ev;
};

bs_iter *bs_iter_new(bs_node *root)
{
  bs_iter *it = bs_xcalloc(1, sizeof *it);
  it->root = root;
  it->node = root;
  it->ev = BS_EVENT_NONE;
  return it;
}

void bs_iter_free(bs_iter *it) { free(it); }

bs_event bs_iter_next(bs_iter *it)
{
  if (!it->root || it->ev == BS_EVENT_DONE)
    return it->ev = BS_EVENT_DONE;
  if (it->ev == BS_EVENT_NONE) {
    it->node = it->root;
    return it->ev = BS_EVENT_ENTER;
  }
  bs_node *n = it->node;
  if (it->ev == BS_EVENT_ENTER && !bs_node_is_leaf_type(n->type)) {
    if (n->first) {
      it->node = n->first;
      return it->ev = BS_EVENT_ENTER;
    }
    return it->ev = BS_EVENT_EXIT; /* empty container */
  }
  if (n == it->root)
    return it->ev = BS_EVENT_DONE;
  if (n->next) {
    it->node = n->next;
    return it->ev = BS_EVENT_ENTER;
  }
  it->node = n->parent;
  return it->ev = BS_EVENT_EXIT;
}

bs_node *bs_iter_get_node(const bs_iter *it) { return it->node; }
bs_event bs_iter_get_event(const bs_iter *it) { return it->ev; }

void bs_iter_reset(bs_iter *it, bs_node *node, bs_event ev)
{
  it->node = node;
  it->ev = ev;
}

/* ---- whole-tree helpers ---- */

char *bs_node_text_content(const bs_node *node)
{
  bs_buf b = BS_BUF_INIT;
  bs_iter *it = bs_iter_new((bs_node *)node);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev == BS_EVENT_ENTER && (n->type == BS_NODE_TEXT || n->type == BS_NODE_CODE))
      bs_buf_put(&b, n->literal ? n->literal : "", n->literal_len);
  }
  bs_iter_free(it);
  return bs_buf_detach(&b);
}

static int complain(FILE *out, const bs_node *n, const char *what)
{
  if (out)
    fprintf(out, "bs_node_check: %s node (line %d): %s\n", bs_node_type_string(n->type),
            n->pos.line, what);
  return 1;
}

int bs_node_check(const bs_node *root, FILE *out)
{
  int errors = 0;
  if (!root)
    return 0;
  bs_iter *it = bs_iter_new((bs_node *)root);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev != BS_EVENT_ENTER)
      continue;
    if (!valid_type(n->type))
      errors += complain(out, n, "invalid type");
    const bs_node *prev = NULL;
    for (const bs_node *c = n->first; c; prev = c, c = c->next) {
      if (c->parent != n)
        errors += complain(out, c, "wrong parent link");
      if (c->prev != prev)
        errors += complain(out, c, "wrong prev link");
      if (!bs_node_can_contain(n->type, c->type))
        errors += complain(out, c, "not allowed here by the content model");
    }
    if (n->last != prev)
      errors += complain(out, n, "wrong last-child link");
    if (n->type == BS_NODE_HEADING && (n->i1 < 1 || n->i1 > 6))
      errors += complain(out, n, "heading level out of range");
    if (has_literal(n) && n->literal &&
        (bs_utf8_validate(n->literal, n->literal_len) != (size_t)-1 ||
         strlen(n->literal) != n->literal_len))
      errors += complain(out, n, "literal is not valid UTF-8");
  }
  bs_iter_free(it);
  return errors;
}
