/* Markdown reader: cmark-gfm (tables, strikethrough, autolinks, footnotes) walked into bisheng
 * nodes, a pandoc-style YAML metadata block through libyaml, the safe subset of raw HTML,
 * CJK-friendly emphasis and (for Japanese) Aozora ruby in text. */
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "../util/util.h"
#include "read-impl.h"

/* Runs of delimiters above this in one paragraph are left as cmark parsed them (bounds the
 * CJK emphasis pass on hostile input). */
enum { MAX_EMPH_DELIMS = 10000 };

/* ---- YAML metadata block ---- */

static char *scalar(yaml_node_t *n)
{
  if (!n || n->type != YAML_SCALAR_NODE)
    return NULL;
  return bs_xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
}

/* Aliases let a few hundred bytes of front matter name a graph of billions of values (nine
 * levels of nine aliases); the walk stops after this many values, as the manifest's does. */
enum { MAX_META_VALUES = 100000 };

typedef struct meta_walk {
  yaml_document_t *d;
  long values;
  int key_line; /* the file line of the key being read */
  int line;     /* where the walk gave up, 0 while within bounds */
  bool deep;    /* it gave up for depth, not size */
} meta_walk;

static bool meta_visit(meta_walk *m, int depth)
{
  if (m->line)
    return false;
  if (++m->values > MAX_META_VALUES || depth > BS_YAML_MAX_DEPTH) {
    m->line = m->key_line;
    m->deep = depth > BS_YAML_MAX_DEPTH;
    return false;
  }
  return true;
}

static void add_list_value(bs_node *doc, bs_meta_list_key key, meta_walk *m, yaml_node_t *v,
                           bool split_commas, int depth)
{
  if (!v || !meta_visit(m, depth))
    return;
  yaml_document_t *d = m->d;
  if (v->type == YAML_SCALAR_NODE) {
    char *s = scalar(v);
    if (!split_commas) {
      if (*s)
        bs_node_add_meta_item(doc, key, s);
    } else {
      for (char *tok = s, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
          *next++ = '\0';
        while (*tok == ' ')
          tok++;
        size_t n = strlen(tok);
        while (n && tok[n - 1] == ' ')
          tok[--n] = '\0';
        if (*tok)
          bs_node_add_meta_item(doc, key, tok);
      }
    }
    free(s);
  } else if (v->type == YAML_SEQUENCE_NODE) {
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
      add_list_value(doc, key, m, yaml_document_get_node(d, *it), false, depth + 1);
  } else if (v->type == YAML_MAPPING_NODE) {
    /* pandoc-style {name: ..., affiliation: ...} */
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
      yaml_node_t *k = yaml_document_get_node(d, p->key);
      if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, "name"))
        add_list_value(doc, key, m, yaml_document_get_node(d, p->value), false, depth + 1);
    }
  }
}

static const struct {
  const char *name;
  bs_meta_key key;
} meta_names[] = {
    {"title", BS_META_TITLE},         {"subtitle", BS_META_SUBTITLE},
    {"affiliation", BS_META_AFFILIATION}, {"date", BS_META_DATE},
    {"lang", BS_META_LANG},           {"language", BS_META_LANG},
    {"source", BS_META_SOURCE},       {"direction", BS_META_DIRECTION},
    {"description", BS_META_DESCRIPTION}, {"abstract", BS_META_DESCRIPTION},
    {"cover-image", BS_META_COVER},   {"cover", BS_META_COVER},
    {"identifier", BS_META_IDENTIFIER}, {"publisher", BS_META_PUBLISHER},
    {"editor", BS_META_EDITOR},       {"url", BS_META_URL},
    {"rights", BS_META_RIGHTS},       {"copyright", BS_META_RIGHTS},
};

static bs_status parse_yaml(const char *s, size_t n, bs_node *doc, const bs_read_options *opts,
                            bs_error *err)
{
  yaml_parser_t p;
  yaml_document_t d;
  bs_status st = BS_OK;
  if (!yaml_parser_initialize(&p))
    return bs_error_set(err, BS_ERR_LIBRARY, opts->path, 0, 0, "libyaml failed to start");
  size_t at = 0;
  if (bs_yaml_flow_depth(s, n, BS_YAML_MAX_DEPTH, &at) > BS_YAML_MAX_DEPTH) {
    int line = 2;
    for (size_t i = 0; i < at; i++)
      line += s[i] == '\n';
    yaml_parser_delete(&p);
    return bs_error_set(err, BS_ERR_LIMIT, opts->path, line, 0,
                        "metadata block nested deeper than %d levels", BS_YAML_MAX_DEPTH);
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)s, n);
  if (!yaml_parser_load(&p, &d)) {
    st = bs_yaml_error(err, opts->path, 2, "metadata block", p.problem, p.problem_mark.line,
                       p.problem_mark.column, p.context, p.context_mark.line,
                       p.context_mark.column);
    yaml_parser_delete(&p);
    return st;
  }
  meta_walk m = {&d, 0, 0, 0, false};
  yaml_node_t *root = yaml_document_get_root_node(&d);
  if (root && root->type == YAML_MAPPING_NODE) {
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
      yaml_node_t *k = yaml_document_get_node(&d, pr->key);
      yaml_node_t *v = yaml_document_get_node(&d, pr->value);
      if (!k || k->type != YAML_SCALAR_NODE)
        continue;
      const char *name = (const char *)k->data.scalar.value;
      m.key_line = (int)k->start_mark.line + 2;
      if (!strcmp(name, "author") || !strcmp(name, "authors")) {
        add_list_value(doc, BS_META_AUTHORS, &m, v, false, 1);
        continue;
      }
      if (!strcmp(name, "tags") || !strcmp(name, "keywords")) {
        add_list_value(doc, BS_META_TAGS, &m, v, true, 1);
        continue;
      }
      for (size_t i = 0; i < sizeof meta_names / sizeof *meta_names; i++) {
        if (strcmp(name, meta_names[i].name))
          continue;
        char *val = scalar(v);
        if (val && *val && !bs_node_get_meta(doc, meta_names[i].key))
          bs_node_set_meta(doc, meta_names[i].key, val);
        free(val);
        break;
      }
    }
  }
  if (m.line && m.deep)
    st = bs_error_set(err, BS_ERR_LIMIT, opts->path, m.line, 0,
                      "metadata block nested deeper than %d levels", BS_YAML_MAX_DEPTH);
  else if (m.line)
    st = bs_error_set(err, BS_ERR_LIMIT, opts->path, m.line, 0,
                      "metadata block too large (more than %d values; aliases?)",
                      MAX_META_VALUES);
  yaml_document_delete(&d);
  yaml_parser_delete(&p);
  return st;
}

/* Finds a leading `---` … `---`/`...` block. Returns true and the YAML's span and the number of
 * lines the block takes (both fences included). */
static bool front_matter(const char *buf, size_t len, size_t *ys, size_t *ye, size_t *end,
                         int *lines)
{
  size_t i = 0;
  if (len < 4 || memcmp(buf, "---", 3))
    return false;
  i = 3;
  while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
    i++;
  if (i < len && buf[i] == '\r')
    i++;
  if (i >= len || buf[i] != '\n')
    return false;
  i++;
  if (i < len && (buf[i] == '\n' || buf[i] == '\r'))
    return false; /* pandoc: a blank line after the fence is a thematic break */
  *ys = i;
  int n = 1;
  while (i < len) {
    const char *nl = memchr(buf + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - buf) : len;
    size_t l = e - i;
    if (l && buf[i + l - 1] == '\r')
      l--;
    n++;
    if ((l == 3 && (!memcmp(buf + i, "---", 3) || !memcmp(buf + i, "...", 3)))) {
      *ye = i;
      *end = nl ? e + 1 : len;
      *lines = nl ? n : n - 1;
      return true;
    }
    if (!nl)
      break;
    i = e + 1;
  }
  return false;
}

/* ---- bounding the source before parsing ---- */

/* Stock cmark-gfm is quadratic in block-quote depth and in paragraphs mixing many emphasis
 * runs and links; both are cut down before parsing, with a warning. A paragraph (non-blank
 * lines outside fenced code) longer than MAX_PARAGRAPH is ended at the next line, and a single
 * line longer than that is cut into CHUNK-sized paragraphs at spaces or CJK punctuation. */
enum { MAX_PARAGRAPH = 64 * 1024, CHUNK = 4 * 1024 };

/* A place near `at` (not before it) to cut a long line: after a space or CJK full stop/comma,
 * else at a character boundary. */
static size_t cut_point(const char *s, size_t at, size_t end)
{
  size_t lim = at + 4096 < end ? at + 4096 : end;
  for (size_t i = at; i < lim; i++) {
    if (s[i] == ' ')
      return i + 1;
    if (i + 3 <= lim && (!memcmp(s + i, "\xE3\x80\x82", 3) || !memcmp(s + i, "\xEF\xBC\x8C", 3) ||
                         !memcmp(s + i, "\xE3\x80\x81", 3)))
      return i + 3;
  }
  size_t i = at;
  while (i < end && ((unsigned char)s[i] & 0xC0) == 0x80)
    i++;
  return i;
}

/* cmark-gfm pads every row of a table to the header's width and takes about 450 bytes a cell:
 * 3,000 columns and 3,000 one-word lines asked 4 GB, and 5,000 columns abort inside it. A table
 * over either cap is left as text (its delimiter row escaped) with a warning. */
enum { MAX_TABLE_COLUMNS = 1000, MAX_TABLE_CELLS = 100000 };

/* The number of columns when s[0..n) is a GFM table delimiter row (`|---|:-:|`), else 0. */
static long delimiter_columns(const char *s, size_t n)
{
  long cols = 0;
  bool pipe = false, dash = false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '|') {
      pipe = true;
      if (dash)
        cols++;
      dash = false;
    } else if (c == '-') {
      dash = true;
    } else if (c != ':' && c != ' ' && c != '\t' && c != '\r') {
      return 0;
    }
  }
  if (dash)
    cols++;
  return pipe ? cols : 0;
}

/* Returns a rewritten copy of the source, or NULL when nothing needed changing. */
static char *cap_depth(const char *buf, size_t len, size_t *outlen, bs_warn_state *w,
                       int line0)
{
  bs_buf out = BS_BUF_INIT;
  bool changed = false;
  size_t copied = 0, para = 0;
  bool fence = false, prev_blank = true;
  size_t table_until = 0; /* rows of a table already measured end here */
  int lineno = line0;
  for (size_t i = 0; i < len; lineno++) {
    const char *nl = memchr(buf + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - buf) : len;
    bool blank_line = true;
    for (size_t k = i; k < e && blank_line; k++)
      blank_line = buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\r' || buf[k] == '>';
    if (!blank_line && !fence && para > MAX_PARAGRAPH) {
      bs_read_warn(w, BS_WARN_SPLIT, lineno, 1,
                   "a paragraph longer than %d KiB was split", MAX_PARAGRAPH / 1024);
      bs_buf_put(&out, buf + copied, i - copied);
      bs_buf_putc(&out, '\n');
      copied = i;
      changed = true;
      para = 0;
    }
    size_t j = i, keep = i;
    int markers = 0, col = 0;
    while (j < e) {
      char c = buf[j];
      if (c == ' ') {
        col++, j++;
      } else if (c == '\t') {
        col += 4 - col % 4, j++;
      } else if (c == '>') {
        markers++, col++, j++;
      } else if ((c == '-' || c == '*' || c == '+') && j + 1 < e &&
                 (buf[j + 1] == ' ' || buf[j + 1] == '\t')) {
        markers++, col += 2, j += 2;
      } else if (c >= '0' && c <= '9') {
        size_t k = j;
        while (k < e && k - j < 9 && buf[k] >= '0' && buf[k] <= '9')
          k++;
        if (k + 1 < e && (buf[k] == '.' || buf[k] == ')') &&
            (buf[k + 1] == ' ' || buf[k + 1] == '\t')) {
          markers++, col += (int)(k - j) + 2, j = k + 2;
        } else {
          break;
        }
      } else {
        break;
      }
      /* a level per marker, and per two columns of indentation (the least a nested list
       * item needs) */
      if (markers + col / 2 <= BS_READ_MAX_DEPTH + 2)
        keep = j;
    }
    if (keep < j) {
      bs_read_warn(w, BS_WARN_DEPTH, lineno, 1,
                   "nesting deeper than %d levels flattened", BS_READ_MAX_DEPTH);
      bs_buf_put(&out, buf + copied, keep - copied);
      bs_buf_putc(&out, ' ');
      copied = j;
      changed = true;
    }
    long cols = 0;
    if (!fence && !blank_line && !prev_blank && i >= table_until &&
        (cols = delimiter_columns(buf + j, e - j)) > 0) {
      /* the table's rows run to the next blank line (cmark-gfm takes any line as a row) */
      long rows = 1;
      size_t k = nl ? e + 1 : len;
      while (k < len) {
        const char *nl2 = memchr(buf + k, '\n', len - k);
        size_t e2 = nl2 ? (size_t)(nl2 - buf) : len;
        bool blank2 = true;
        for (size_t q = k; q < e2 && blank2; q++)
          blank2 = buf[q] == ' ' || buf[q] == '\t' || buf[q] == '\r' || buf[q] == '>';
        if (blank2)
          break;
        rows++;
        k = nl2 ? e2 + 1 : len;
      }
      table_until = k;
      if (cols > MAX_TABLE_COLUMNS || cols * rows > MAX_TABLE_CELLS) {
        bs_read_warn(w, BS_WARN_TABLE, lineno, 1,
                     "a table of %ld columns and %ld rows is over the limit (%d columns, %d "
                     "cells): kept as text", cols, rows, MAX_TABLE_COLUMNS, MAX_TABLE_CELLS);
        bs_buf_put(&out, buf + copied, j - copied);
        bs_buf_putc(&out, '\\');
        copied = j;
        changed = true;
      }
    }
    prev_blank = blank_line;
    /* fenced code is left whole; blank lines end paragraphs */
    if (e - j >= 3 && (!memcmp(buf + j, "```", 3) || !memcmp(buf + j, "~~~", 3)))
      fence = !fence;
    if (blank_line || fence) {
      para = 0;
    } else {
      if (e - j > MAX_PARAGRAPH) {
        bs_read_warn(w, BS_WARN_SPLIT, lineno, 1,
                     "a paragraph longer than %d KiB was split", MAX_PARAGRAPH / 1024);
        for (size_t at = j + CHUNK; at < e; at += CHUNK) {
          size_t cut = cut_point(buf, at, e);
          if (cut >= e)
            break;
          bs_buf_put(&out, buf + copied, cut - copied);
          bs_buf_puts(&out, "\n\n");
          copied = cut;
          at = cut;
        }
        changed = true;
      }
      para += e - i + 1;
    }
    if (!nl)
      break;
    i = e + 1;
  }
  if (!changed) {
    bs_buf_free(&out);
    return NULL;
  }
  bs_buf_put(&out, buf + copied, len - copied);
  *outlen = out.len;
  return bs_buf_detach(&out);
}

/* ---- walking cmark's tree ---- */

enum { MODE_NORMAL = 0, MODE_RT, MODE_DROP };

typedef struct frame {
  cmark_node *cm;  /* the cmark node, or NULL for a raw HTML element */
  bs_node *bs;     /* where children go; NULL = transparent */
  bs_node *first;  /* paragraphs split by figures: the first piece */
  bs_node *ruby;   /* MODE_RT: the ruby whose annotation is being read */
  char tag[12];    /* raw HTML element name */
  int mode;
  bool html_block;
} frame;

typedef struct mdctx {
  const bs_read_options *opts;
  bs_warn_state w;
  frame *st;
  size_t n, cap;
  int depth; /* frames with a node */
  int ndefs;
  char num[16];
} mdctx;

/* cmark-gfm numbers footnotes in order of first reference (and drops unreferenced
 * definitions); that number is the label in the tree, so both writers show 1, 2, 3 where the
 * source wrote [^zhihu] (a source label is a key for pairing, not text for readers). */
static const char *footnote_label(mdctx *c, int ordinal)
{
  snprintf(c->num, sizeof c->num, "%d", ordinal); /* per reader: readers run in threads */
  return c->num;
}

static frame *push(mdctx *c, cmark_node *cm, bs_node *bs)
{
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 32;
    c->st = bs_xrealloc(c->st, c->cap * sizeof *c->st);
  }
  frame *f = &c->st[c->n++];
  memset(f, 0, sizeof *f);
  f->cm = cm;
  f->bs = bs;
  f->first = bs;
  if (bs)
    c->depth++;
  return f;
}

static void pop(mdctx *c)
{
  if (c->st[c->n - 1].bs)
    c->depth--;
  c->n--;
}

static bs_node *cur(mdctx *c)
{
  for (size_t i = c->n; i-- > 0;)
    if (c->st[i].bs)
      return c->st[i].bs;
  return NULL;
}

static frame *cur_frame(mdctx *c)
{
  for (size_t i = c->n; i-- > 0;)
    if (c->st[i].bs)
      return &c->st[i];
  return NULL;
}

static int cur_mode(mdctx *c, bs_node **ruby)
{
  for (size_t i = c->n; i-- > 0;) {
    if (c->st[i].mode == MODE_DROP)
      return MODE_DROP;
    if (c->st[i].mode == MODE_RT) {
      *ruby = c->st[i].ruby;
      return MODE_RT;
    }
    if (c->st[i].cm)
      break; /* raw modes do not cross cmark containers */
  }
  return MODE_NORMAL;
}

static void put_text(mdctx *c, const char *s, size_t n)
{
  bs_node *ruby = NULL;
  int mode = cur_mode(c, &ruby);
  if (mode == MODE_DROP || !n)
    return;
  if (mode == MODE_RT) {
    const char *a = bs_node_get_annotation(ruby);
    bs_buf b = BS_BUF_INIT;
    bs_buf_puts(&b, a ? a : "");
    bs_buf_put(&b, s, n);
    bs_node_set_annotation(ruby, b.data);
    bs_buf_free(&b);
    return;
  }
  frame *f = cur_frame(c);
  if (!f)
    return;
  bs_node *p = f->bs;
  if (bs_node_get_type(p) == BS_NODE_RUBY && bs_node_get_annotation(p)) {
    /* <ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>: the next base starts a new ruby */
    bs_node *r = bs_node_new(BS_NODE_RUBY);
    if (bs_node_insert_after(p, r)) {
      f->bs = f->first = p = r;
    } else {
      bs_node_free(r);
    }
  }
  bs_node *last = bs_node_last_child(p);
  if (bs_node_get_type(last) == BS_NODE_TEXT) {
    bs_node_append_literal(last, s, n);
    return;
  }
  bs_node *t = bs_node_new_text(BS_NODE_TEXT, s, n);
  if (!bs_node_append_child(p, t))
    bs_node_free(t);
}

/* Attaches `child` under the current node; on refusal frees it (returns NULL). */
static bs_node *attach(mdctx *c, bs_node *child)
{
  bs_node *p = cur(c);
  if (p && bs_node_append_child(p, child))
    return child;
  /* leaves keep their text */
  if (bs_node_is_leaf_type(bs_node_get_type(child))) {
    char *t = bs_node_text_content(child);
    put_text(c, t, strlen(t));
    free(t);
  }
  bs_node_free(child);
  return NULL;
}

/* A container: attached when allowed and not too deep, else transparent. */
static void open_container(mdctx *c, cmark_node *cm, bs_node *n)
{
  /* block depth is bounded by cap_depth (list + item per marker); inline containers
   * (emphasis in emphasis ...) are flattened past another BS_READ_MAX_DEPTH levels */
  if (n && bs_node_is_inline(n) && c->depth > 3 * BS_READ_MAX_DEPTH) {
    bs_read_warn(&c->w, BS_WARN_DEPTH, cm ? cmark_node_get_start_line(cm) : 0, 0,
                 "nesting deeper than %d levels flattened", BS_READ_MAX_DEPTH);
    bs_node_free(n);
    n = NULL;
  } else if (n) {
    bs_node *p = cur(c);
    if (!p || !bs_node_append_child(p, n)) {
      bs_node_free(n);
      n = NULL;
    }
  }
  push(c, cm, n);
}

static bool blank_text(const char *s)
{
  for (; *s; s++)
    if (*s != ' ' && *s != '\n' && *s != '\t')
      return false;
  return true;
}

/* Trims white space at the edges of a paragraph; true when it is left empty. */
static bool trim_paragraph(bs_node *p)
{
  bs_node *k;
  while ((k = bs_node_first_child(p))) {
    bs_node_type t = bs_node_get_type(k);
    if (t == BS_NODE_LINE_BREAK || (t == BS_NODE_TEXT && blank_text(bs_node_get_literal(k)))) {
      bs_node_free(k);
      continue;
    }
    if (t == BS_NODE_TEXT) {
      const char *s = bs_node_get_literal(k);
      size_t i = 0, n = bs_node_get_literal_length(k);
      while (i < n && (s[i] == ' ' || s[i] == '\n'))
        i++;
      if (i) {
        char *d = bs_xstrndup(s + i, n - i);
        bs_node_set_literal(k, d, n - i);
        free(d);
      }
    }
    break;
  }
  while ((k = bs_node_last_child(p))) {
    bs_node_type t = bs_node_get_type(k);
    if (t == BS_NODE_LINE_BREAK || (t == BS_NODE_TEXT && blank_text(bs_node_get_literal(k)))) {
      bs_node_free(k);
      continue;
    }
    if (t == BS_NODE_TEXT) {
      const char *s = bs_node_get_literal(k);
      size_t n = bs_node_get_literal_length(k);
      while (n && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        n--;
      bs_node_set_literal(k, s, n);
    }
    break;
  }
  return !bs_node_first_child(p);
}

/* Closes a paragraph frame: pieces split by figures are trimmed, empty ones removed. */
static void close_paragraph(frame *f)
{
  if (!f->first)
    return;
  bs_node *stop = bs_node_next(f->bs);
  for (bs_node *k = f->first, *next; k && k != stop; k = next) {
    next = bs_node_next(k);
    if (bs_node_get_type(k) == BS_NODE_PARAGRAPH && trim_paragraph(k))
      bs_node_free(k);
  }
}

/* The paragraph frame nearest the top, when only raw HTML frames are above it. */
static frame *split_target(mdctx *c)
{
  for (size_t i = c->n; i-- > 0;) {
    frame *f = &c->st[i];
    if (!f->cm)
      continue;
    if (f->bs && bs_node_get_type(f->bs) == BS_NODE_PARAGRAPH)
      return f;
    return NULL;
  }
  return NULL;
}

/* A block-level raw tag inside a paragraph ends it: later text goes to a new paragraph after
 * it (when the current one has content). */
static void split_paragraph(mdctx *c)
{
  frame *f = split_target(c);
  if (!f || !bs_node_first_child(f->bs))
    return;
  bs_node *p2 = bs_node_new(BS_NODE_PARAGRAPH);
  if (bs_node_insert_after(f->bs, p2))
    f->bs = p2;
  else
    bs_node_free(p2);
}

/* Puts `block` after the current paragraph piece and starts a new piece after it. */
static bool split_with(mdctx *c, bs_node *block)
{
  frame *f = split_target(c);
  if (!f || !bs_node_insert_after(f->bs, block))
    return false;
  /* raw inline elements open in the piece end here */
  while (c->n && &c->st[c->n - 1] != f)
    pop(c);
  bs_node *p2 = bs_node_new(BS_NODE_PARAGRAPH);
  bs_node_set_pos(p2, bs_node_get_pos(f->bs).line, 0, -1);
  bs_node_insert_after(block, p2);
  f->bs = p2;
  return true;
}

/* ---- raw HTML: the safe subset ---- */

typedef struct tag {
  char name[12];
  bool close, self_close, comment;
  char lang[36];
} tag;

/* Parses one tag at s[0..n); returns its length (0 if not a tag). */
static size_t parse_tag(const char *s, size_t n, tag *t)
{
  memset(t, 0, sizeof *t);
  if (n < 2 || s[0] != '<')
    return 0;
  if (n >= 4 && !memcmp(s, "<!--", 4)) {
    const char *e = NULL;
    for (size_t i = 4; i + 3 <= n; i++)
      if (!memcmp(s + i, "-->", 3)) {
        e = s + i + 3;
        break;
      }
    t->comment = true;
    return e ? (size_t)(e - s) : n;
  }
  if (s[1] == '!' || s[1] == '?') {
    const char *e = memchr(s, '>', n);
    t->comment = true;
    return e ? (size_t)(e - s) + 1 : n;
  }
  size_t i = 1;
  if (s[i] == '/')
    t->close = true, i++;
  size_t k = 0;
  if (i >= n || !((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'))
    return 0;
  while (i < n && ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z' ? 1 : (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) {
    if (k + 1 < sizeof t->name)
      t->name[k++] = (char)(s[i] | 0x20);
    i++;
  }
  /* attributes: only lang matters */
  while (i < n && s[i] != '>') {
    if (s[i] == '/' && i + 1 < n && s[i + 1] == '>') {
      t->self_close = true;
      i++;
      continue;
    }
    if (!strncasecmp(s + i, "lang", 4) && (s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n')) {
      size_t j = i + 4;
      while (j < n && s[j] == ' ')
        j++;
      if (j < n && s[j] == '=') {
        j++;
        while (j < n && s[j] == ' ')
          j++;
        char q = j < n && (s[j] == '"' || s[j] == '\'') ? s[j++] : 0;
        size_t m = 0;
        while (j < n && (q ? s[j] != q : (s[j] != ' ' && s[j] != '>'))) {
          char ch = s[j++];
          if (m + 1 < sizeof t->lang &&
              ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-'))
            t->lang[m++] = ch;
        }
        i = j;
        continue;
      }
    }
    if (s[i] == '"' || s[i] == '\'') {
      const char *e = memchr(s + i + 1, s[i], n - i - 1);
      i = e ? (size_t)(e - s) + 1 : n;
      continue;
    }
    i++;
  }
  return i < n ? i + 1 : n;
}

static bool block_tag(const char *name)
{
  static const char *const b[] = {"p", "div", "section", "article", "header", "footer", "main",
                                  "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table",
                                  "tr", "td", "th", "blockquote", "pre", "hr", "dl", "dt", "dd",
                                  "figure", "figcaption", "aside", "nav", NULL};
  for (int i = 0; b[i]; i++)
    if (!strcmp(name, b[i]))
      return true;
  return false;
}

static void close_raw(mdctx *c, const char *name)
{
  /* the innermost open raw element of that name, within the current cmark container */
  for (size_t i = c->n; i-- > 0;) {
    if (c->st[i].cm)
      return;
    if (!strcmp(c->st[i].tag, name)) {
      while (c->n > i)
        pop(c);
      return;
    }
  }
}

static void handle_tag(mdctx *c, const tag *t, int line, bool in_block)
{
  if (t->comment)
    return;
  const char *nm = t->name;
  bs_node *ruby = NULL;
  int mode = cur_mode(c, &ruby);
  if (!strcmp(nm, "script") || !strcmp(nm, "style") || !strcmp(nm, "textarea") ||
      !strcmp(nm, "iframe") || !strcmp(nm, "object") || !strcmp(nm, "template")) {
    bs_read_warn(&c->w, BS_WARN_SCRIPT, line, 0, "raw <%s> dropped with its content", nm);
    if (t->close)
      close_raw(c, nm);
    else if (!t->self_close) {
      frame *f = push(c, NULL, NULL);
      snprintf(f->tag, sizeof f->tag, "%s", nm);
      f->mode = MODE_DROP;
    }
    return;
  }
  if (mode == MODE_DROP && strcmp(nm, "rp") != 0)
    return;
  if (t->close) {
    close_raw(c, nm);
    if (in_block && block_tag(nm))
      split_paragraph(c);
    return;
  }
  if (!strcmp(nm, "br")) {
    if (mode == MODE_NORMAL)
      attach(c, bs_node_new(BS_NODE_LINE_BREAK));
    return;
  }
  if (t->self_close)
    return;
  frame *f = NULL;
  if (!strcmp(nm, "ruby")) {
    open_container(c, NULL, bs_node_new(BS_NODE_RUBY));
    f = &c->st[c->n - 1];
  } else if (!strcmp(nm, "rt")) {
    frame *rf = NULL;
    for (size_t i = c->n; i-- > 0 && !c->st[i].cm;)
      if (!strcmp(c->st[i].tag, "ruby")) {
        rf = &c->st[i];
        break;
      }
    f = push(c, NULL, NULL);
    if (rf && rf->bs) {
      f->mode = MODE_RT;
      f->ruby = rf->bs;
      bs_node_set_annotation(rf->bs, bs_node_get_annotation(rf->bs) ? bs_node_get_annotation(rf->bs) : "");
    } else {
      f->mode = MODE_DROP;
    }
  } else if (!strcmp(nm, "rp")) {
    f = push(c, NULL, NULL);
    f->mode = MODE_DROP;
  } else if (!strcmp(nm, "rb")) {
    f = push(c, NULL, NULL);
  } else if (!strcmp(nm, "sup") || !strcmp(nm, "sub")) {
    open_container(c, NULL, bs_node_new(nm[2] == 'p' ? BS_NODE_SUPERSCRIPT : BS_NODE_SUBSCRIPT));
    f = &c->st[c->n - 1];
  } else if (!strcmp(nm, "span") && t->lang[0]) {
    bs_node *sp = bs_node_new(BS_NODE_SPAN);
    bs_node_set_lang(sp, t->lang);
    open_container(c, NULL, sp);
    f = &c->st[c->n - 1];
  } else {
    if (strcmp(nm, "span") != 0)
      bs_read_warn(&c->w, BS_WARN_RAW_HTML, line, 0,
                   "raw HTML outside the safe subset dropped (first: <%s>); its text is kept", nm);
    static const char *const voids[] = {"img", "hr", "input", "meta", "link", "wbr", "col",
                                        "area", "base", "embed", "source", "track", "param", NULL};
    for (int i = 0; voids[i]; i++)
      if (!strcmp(nm, voids[i]))
        return;
    if (in_block && block_tag(nm)) {
      split_paragraph(c);
      return;
    }
    f = push(c, NULL, NULL);
  }
  snprintf(f->tag, sizeof f->tag, "%s", nm);
}

/* Decodes the common character references of raw HTML text. */
static void put_html_text(mdctx *c, const char *s, size_t n, bool collapse)
{
  bs_buf b = BS_BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '&') {
      const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
      if (semi) {
        size_t l = (size_t)(semi - (s + i));
        static const struct { const char *e; const char *v; } ents[] = {
            {"&amp", "&"}, {"&lt", "<"}, {"&gt", ">"}, {"&quot", "\""}, {"&apos", "'"},
            {"&nbsp", "\xC2\xA0"}};
        bool done = false;
        for (size_t k = 0; k < sizeof ents / sizeof *ents; k++)
          if (strlen(ents[k].e) == l && !memcmp(s + i, ents[k].e, l)) {
            bs_buf_puts(&b, ents[k].v);
            done = true;
          }
        if (!done && l > 2 && s[i + 1] == '#') {
          unsigned long cp = s[i + 2] == 'x' || s[i + 2] == 'X' ? strtoul(s + i + 3, NULL, 16)
                                                              : strtoul(s + i + 2, NULL, 10);
          if (cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
            bs_buf_put_utf8(&b, (uint32_t)cp);
            done = true;
          }
        }
        if (done) {
          i += l;
          continue;
        }
      }
    }
    if (collapse && (s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
      bs_buf_putc(&b, '\n');
    else
      bs_buf_putc(&b, s[i]);
  }
  put_text(c, b.data ? b.data : "", b.len);
  bs_buf_free(&b);
}

static void raw_html(mdctx *c, const char *s, size_t n, int line, bool in_block)
{
  size_t i = 0;
  while (i < n) {
    const char *lt = memchr(s + i, '<', n - i);
    size_t e = lt ? (size_t)(lt - s) : n;
    if (e > i)
      put_html_text(c, s + i, e - i, in_block);
    if (!lt)
      break;
    tag t;
    size_t tl = parse_tag(s + e, n - e, &t);
    if (!tl) {
      put_text(c, "<", 1);
      i = e + 1;
      continue;
    }
    handle_tag(c, &t, line, in_block);
    i = e + tl;
  }
}

/* ---- the walk ---- */

static char *plain_text(cmark_node *n)
{
  bs_buf b = BS_BUF_INIT;
  cmark_iter *it = cmark_iter_new(n);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *k = cmark_iter_get_node(it);
    if (ev != CMARK_EVENT_ENTER)
      continue;
    cmark_node_type t = cmark_node_get_type(k);
    if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE)
      bs_buf_puts(&b, cmark_node_get_literal(k));
    else if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK)
      bs_buf_putc(&b, ' ');
  }
  cmark_iter_free(it);
  char *s = bs_buf_detach(&b);
  return s ? s : bs_xstrdup("");
}

static bool unsafe_url(const char *u)
{
  while (*u == ' ' || *u == '\t')
    u++;
  return !strncasecmp(u, "javascript:", 11) || !strncasecmp(u, "vbscript:", 9) ||
         !strncasecmp(u, "data:text/html", 14);
}

static void image(mdctx *c, cmark_node *cm, int line)
{
  const char *url = cmark_node_get_url(cm);
  const char *title = cmark_node_get_title(cm);
  char *alt = plain_text(cm);
  bs_node *fig = bs_node_new(BS_NODE_FIGURE);
  bs_node_set_pos(fig, line, cmark_node_get_start_column(cm), -1);
  if (url && *url && !unsafe_url(url))
    bs_node_set_src(fig, url);
  else if (url && *url)
    bs_read_warn(&c->w, BS_WARN_UNSAFE_URL, line, 0, "unsafe image URL dropped");
  bs_node_set_caption(fig, title && *title ? title : alt);
  /* an image directly in a paragraph splits it so the figure is a block; elsewhere (in a link,
   * emphasis or table cell) only its alt text can stay */
  cmark_node *parent = cmark_node_parent(cm);
  if (cmark_node_get_type(parent) == CMARK_NODE_PARAGRAPH && split_with(c, fig)) {
    free(alt);
    return;
  }
  bs_node_free(fig);
  bs_read_warn(&c->w, BS_WARN_IMAGE, line, 0,
               "an image inside a link, emphasis or table is kept as its alt text");
  put_text(c, alt, strlen(alt));
  free(alt);
}

static bs_align align_of(uint8_t a)
{
  return a == 'l' ? BS_ALIGN_LEFT : a == 'c' ? BS_ALIGN_CENTER : a == 'r' ? BS_ALIGN_RIGHT : BS_ALIGN_NONE;
}

static void enter(mdctx *c, cmark_iter *it, cmark_node *cm, int line0)
{
  cmark_node_type t = cmark_node_get_type(cm);
  int line = cmark_node_get_start_line(cm) + line0;
  int col = cmark_node_get_start_column(cm);
  const char *ts = cmark_node_get_type_string(cm);
  bs_node *n = NULL;
  switch (t) {
  case CMARK_NODE_BLOCK_QUOTE: n = bs_node_new(BS_NODE_BLOCK_QUOTE); break;
  case CMARK_NODE_LIST:
    n = bs_node_new(BS_NODE_LIST);
    bs_node_set_list_ordered(n, cmark_node_get_list_type(cm) == CMARK_ORDERED_LIST);
    if (cmark_node_get_list_type(cm) == CMARK_ORDERED_LIST)
      bs_node_set_list_start(n, cmark_node_get_list_start(cm));
    break;
  case CMARK_NODE_ITEM: n = bs_node_new(BS_NODE_ITEM); break;
  case CMARK_NODE_PARAGRAPH: n = bs_node_new(BS_NODE_PARAGRAPH); break;
  case CMARK_NODE_HEADING:
    n = bs_node_new(BS_NODE_HEADING);
    bs_node_set_heading_level(n, cmark_node_get_heading_level(cm));
    break;
  case CMARK_NODE_FOOTNOTE_DEFINITION:
    n = bs_node_new(BS_NODE_FOOTNOTE_DEF);
    bs_node_set_label(n, footnote_label(c, c->ndefs++ + 1));
    break;
  case CMARK_NODE_EMPH: n = bs_node_new(BS_NODE_EMPHASIS); break;
  case CMARK_NODE_STRONG: n = bs_node_new(BS_NODE_STRONG); break;
  case CMARK_NODE_LINK: {
    const char *u = cmark_node_get_url(cm);
    if (u && unsafe_url(u)) {
      bs_read_warn(&c->w, BS_WARN_UNSAFE_URL, line, col, "unsafe link URL dropped");
      break;
    }
    n = bs_node_new(BS_NODE_LINK);
    bs_node_set_href(n, u ? u : "");
    const char *ti = cmark_node_get_title(cm);
    if (ti && *ti)
      bs_node_set_title(n, ti);
    break;
  }
  case CMARK_NODE_IMAGE:
    image(c, cm, line);
    cmark_iter_reset(it, cm, CMARK_EVENT_EXIT);
    return;
  case CMARK_NODE_CODE_BLOCK: {
    bs_node *cb = bs_node_new_text(BS_NODE_CODE_BLOCK, cmark_node_get_literal(cm),
                                   strlen(cmark_node_get_literal(cm)));
    const char *info = cmark_node_get_fence_info(cm);
    if (info && *info) {
      size_t k = strcspn(info, " \t{");
      char *w = bs_xstrndup(info, k);
      if (*w)
        bs_node_set_info(cb, w);
      free(w);
    }
    bs_node_set_pos(cb, line, col, -1);
    attach(c, cb);
    return;
  }
  case CMARK_NODE_THEMATIC_BREAK: {
    bs_node *tb = bs_node_new(BS_NODE_THEMATIC_BREAK);
    bs_node_set_pos(tb, line, col, -1);
    attach(c, tb);
    return;
  }
  case CMARK_NODE_HTML_BLOCK: {
    const char *s = cmark_node_get_literal(cm);
    bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
    bs_node_set_pos(p, line, col, -1);
    open_container(c, cm, p);
    frame *f = &c->st[c->n - 1];
    f->html_block = true;
    raw_html(c, s, strlen(s), line, true);
    while (&c->st[c->n - 1] != f)
      pop(c);
    close_paragraph(f);
    pop(c);
    return;
  }
  case CMARK_NODE_HTML_INLINE: {
    const char *s = cmark_node_get_literal(cm);
    raw_html(c, s, strlen(s), line, false);
    return;
  }
  case CMARK_NODE_TEXT: {
    const char *s = cmark_node_get_literal(cm);
    put_text(c, s, strlen(s));
    return;
  }
  case CMARK_NODE_SOFTBREAK:
    put_text(c, "\n", 1); /* resolved later: nothing between CJK characters, else a space */
    return;
  case CMARK_NODE_LINEBREAK: attach(c, bs_node_new(BS_NODE_LINE_BREAK)); return;
  case CMARK_NODE_CODE: {
    const char *s = cmark_node_get_literal(cm);
    attach(c, bs_node_new_text(BS_NODE_CODE, s, strlen(s)));
    return;
  }
  case CMARK_NODE_FOOTNOTE_REFERENCE: {
    bs_node *r = bs_node_new(BS_NODE_FOOTNOTE_REF);
    const char *ord = cmark_node_get_literal(cm);
    bs_node_set_label(r, footnote_label(c, ord ? atoi(ord) : 0));
    attach(c, r);
    return;
  }
  default:
    if (!strcmp(ts, "table")) {
      n = bs_node_new(BS_NODE_TABLE);
    } else if (!strcmp(ts, "table_row") || !strcmp(ts, "table_header")) {
      n = bs_node_new(BS_NODE_TABLE_ROW);
    } else if (!strcmp(ts, "table_cell")) {
      n = bs_node_new(BS_NODE_TABLE_CELL);
      cmark_node *row = cmark_node_parent(cm);
      cmark_node *table = cmark_node_parent(row);
      bs_node_set_cell_header(n, cmark_gfm_extensions_get_table_row_is_header(row) != 0);
      int idx = 0;
      for (cmark_node *k = cmark_node_first_child(row); k && k != cm; k = cmark_node_next(k))
        idx++;
      uint8_t *al = cmark_gfm_extensions_get_table_alignments(table);
      if (al && idx < cmark_gfm_extensions_get_table_columns(table))
        bs_node_set_cell_align(n, align_of(al[idx]));
    } else if (!strcmp(ts, "strikethrough")) {
      n = bs_node_new(BS_NODE_STRIKETHROUGH);
    }
    break;
  }
  if (cmark_node_first_child(cm) || n) {
    if (n)
      bs_node_set_pos(n, line, col, -1);
    open_container(c, cm, n);
  }
}

static void leave(mdctx *c, cmark_node *cm)
{
  /* leaves cmark reports with an EXIT too (footnote references) have no frame */
  size_t i = c->n;
  while (i > 0 && c->st[i - 1].cm != cm)
    i--;
  if (!i)
    return;
  /* raw elements left open inside this container close with it */
  while (c->n && c->st[c->n - 1].cm != cm)
    pop(c);
  if (!c->n)
    return;
  frame *f = &c->st[c->n - 1];
  if (f->bs && bs_node_get_type(f->bs) == BS_NODE_PARAGRAPH)
    close_paragraph(f);
  pop(c);
}

/* ---- passes over the finished tree ---- */

static bool is_ws(uint32_t cp) { return cp == 0 || bs_is_cjk_space(cp) || cp == 0x3000; }

static bool is_punct(uint32_t cp)
{
  if (cp < 0x80)
    return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
           (cp >= 0x7B && cp <= 0x7E);
  return bs_is_cjk_punct(cp) || (cp >= 0x2010 && cp <= 0x205E) || (cp >= 0xA1 && cp <= 0xBF) ||
         (cp >= 0x2E00 && cp <= 0x2E7F);
}

static bool is_cjk_char(uint32_t cp) { return bs_is_cjk(cp) && cp != 0x3000; }

/* Soft breaks: nothing between two CJK characters (or next to one), a space otherwise. */
static void resolve_breaks(bs_node *t)
{
  const char *s = bs_node_get_literal(t);
  size_t n = bs_node_get_literal_length(t);
  if (!memchr(s, '\n', n))
    return;
  bs_buf b = BS_BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '\n') {
      bs_buf_putc(&b, s[i]);
      continue;
    }
    size_t st;
    uint32_t prev = b.len ? bs_utf8_prev(b.data, b.len, &st) : 0;
    uint32_t next = 0;
    size_t j = i + 1;
    while (j < n && s[j] == '\n')
      j++;
    if (j < n)
      bs_utf8_decode(s + j, n - j, &next);
    if (!prev || !next || is_cjk_char(prev) || is_cjk_char(next) || prev == ' ' || next == ' ')
      continue;
    bs_buf_putc(&b, ' ');
  }
  bs_node_set_literal(t, b.data ? b.data : "", b.len);
  bs_buf_free(&b);
}

/* CJK-friendly emphasis (the amendment to CommonMark's flanking rules): a delimiter run next to
 * punctuation may still open or close when the character on its other side is CJK, so
 * `**首先，…的博弈。**特朗普` is strong. cmark-gfm leaves such runs as literal text; this pass
 * pairs them within one parent, and only pairs that need the amendment, so CommonMark's other
 * results (`a * b * c`, `**foo bar **`, escaped stars in Latin text) are left alone. */
typedef struct delim {
  bs_node *node;
  char ch;
  int len, orig;
  bool open, close, std_open, std_close;
  bool active;
} delim;

static uint32_t edge_char(bs_node *k, bool last)
{
  if (!k)
    return 0;
  if (bs_node_get_type(k) == BS_NODE_TEXT) {
    const char *s = bs_node_get_literal(k);
    size_t n = bs_node_get_literal_length(k), st;
    uint32_t cp = 0;
    if (!n)
      return 0;
    if (last)
      return bs_utf8_prev(s, n, &st);
    bs_utf8_decode(s, n, &cp);
    return cp;
  }
  if (bs_node_get_type(k) == BS_NODE_LINE_BREAK)
    return '\n';
  return 'a'; /* another inline: like a letter */
}

static void flank(uint32_t prev, uint32_t next, char ch, bool amended, bool *open, bool *close)
{
  bool pp = is_punct(prev) || (amended && is_cjk_char(prev));
  bool np = is_punct(next) || (amended && is_cjk_char(next));
  bool left = !is_ws(next) && (!is_punct(next) || is_ws(prev) || pp);
  bool right = !is_ws(prev) && (!is_punct(prev) || is_ws(next) || np);
  if (ch == '*') {
    *open = left;
    *close = right;
  } else {
    *open = left && (!right || pp);
    *close = right && (!left || np);
  }
}

/* Splits the text children of `p` so each * or _ run is its own text node; fills `d`. */
static size_t collect_delims(bs_node *p, delim **dp, size_t *cap)
{
  size_t nd = 0;
  for (bs_node *k = bs_node_first_child(p); k; k = bs_node_next(k)) {
    if (bs_node_get_type(k) != BS_NODE_TEXT)
      continue;
    const char *s = bs_node_get_literal(k);
    size_t n = bs_node_get_literal_length(k);
    size_t i = 0;
    while (i < n && s[i] != '*' && s[i] != '_')
      i++;
    if (i == n)
      continue;
    size_t j = i;
    while (j < n && s[j] == s[i])
      j++;
    /* split into [0,i) [i,j) [j,n) */
    char *str = bs_xstrndup(s, n);
    if (j < n) {
      bs_node *after = bs_node_new_text(BS_NODE_TEXT, str + j, n - j);
      bs_node_insert_after(k, after);
    }
    bs_node *run = k;
    if (i > 0) {
      run = bs_node_new_text(BS_NODE_TEXT, str + i, j - i);
      bs_node_insert_after(k, run);
      bs_node_set_literal(k, str, i);
    } else {
      bs_node_set_literal(k, str, j);
    }
    free(str);
    k = run;
    uint32_t prev = edge_char(bs_node_previous(run), true);
    uint32_t next = edge_char(bs_node_next(run), false);
    if (!bs_node_previous(run))
      prev = '\n';
    if (!bs_node_next(run))
      next = '\n';
    delim d = {run, bs_node_get_literal(run)[0], (int)(j - i), (int)(j - i), false, false,
               false, false, true};
    flank(prev, next, d.ch, false, &d.std_open, &d.std_close);
    flank(prev, next, d.ch, true, &d.open, &d.close);
    if (nd == *cap) {
      *cap = *cap ? *cap * 2 : 16;
      *dp = bs_xrealloc(*dp, *cap * sizeof **dp);
    }
    (*dp)[nd++] = d;
    if (nd > MAX_EMPH_DELIMS)
      return nd;
  }
  return nd;
}

static void cjk_emphasis(bs_node *p, delim **dp, size_t *cap)
{
  size_t nd = collect_delims(p, dp, cap);
  delim *d = *dp;
  if (nd < 2 || nd > MAX_EMPH_DELIMS)
    return;
  bool amended = false;
  for (size_t i = 0; i < nd; i++)
    if (d[i].open != d[i].std_open || d[i].close != d[i].std_close)
      amended = true;
  if (!amended)
    return;
  for (size_t ci = 0; ci < nd; ci++) {
    delim *cl = &d[ci];
    while (cl->active && cl->close && cl->len > 0) {
      delim *op = NULL;
      for (size_t oi = ci; oi-- > 0;) {
        delim *o = &d[oi];
        if (!o->active || !o->open || o->ch != cl->ch || o->len == 0)
          continue;
        if ((o->close || cl->open) && (o->orig + cl->orig) % 3 == 0 &&
            !(o->orig % 3 == 0 && cl->orig % 3 == 0))
          continue;
        op = o;
        break;
      }
      /* only pairs the amendment makes: cmark already did the rest */
      if (!op || (op->std_open && cl->std_close))
        break;
      int use = op->len >= 2 && cl->len >= 2 ? 2 : 1;
      bs_node *e = bs_node_new(use == 2 ? BS_NODE_STRONG : BS_NODE_EMPHASIS);
      bs_node *k = bs_node_next(op->node);
      while (k && k != cl->node) {
        bs_node *next = bs_node_next(k);
        bs_node_append_child(e, k);
        k = next;
      }
      bs_node_insert_after(op->node, e);
      op->len -= use;
      cl->len -= use;
      bs_node_set_literal(op->node, bs_node_get_literal(op->node), (size_t)op->len);
      bs_node_set_literal(cl->node, bs_node_get_literal(cl->node), (size_t)cl->len);
      for (delim *x = op + 1; x < cl; x++)
        x->active = false;
      if (op->len == 0)
        op->active = false;
    }
  }
}

static bool holds_inlines(bs_node_type t)
{
  return t == BS_NODE_PARAGRAPH || t == BS_NODE_HEADING || t == BS_NODE_TABLE_CELL ||
         t == BS_NODE_STRONG || t == BS_NODE_EMPHASIS || t == BS_NODE_STRIKETHROUGH ||
         t == BS_NODE_LINK || t == BS_NODE_SPAN || t == BS_NODE_SUPERSCRIPT ||
         t == BS_NODE_SUBSCRIPT;
}

/* Merges adjacent text siblings and removes empty ones, everywhere below `root`. */
static void merge_text(bs_node *root)
{
  bs_iter *it = bs_iter_new(root);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev != BS_EVENT_EXIT)
      continue;
    for (bs_node *k = bs_node_first_child(n), *next; k; k = next) {
      next = bs_node_next(k);
      if (bs_node_get_type(k) != BS_NODE_TEXT)
        continue;
      if (!bs_node_get_literal_length(k)) {
        bs_node_free(k);
        continue;
      }
      while (next && bs_node_get_type(next) == BS_NODE_TEXT) {
        bs_node_append_literal(k, bs_node_get_literal(next), bs_node_get_literal_length(next));
        bs_node *nn = bs_node_next(next);
        bs_node_free(next);
        next = nn;
      }
    }
  }
  bs_iter_free(it);
}

/* Collects the nodes of a tree matching `pred` (so passes can edit while going over them). */
static bs_node **collect(bs_node *root, bool (*pred)(const bs_node *), size_t *count)
{
  size_t n = 0, cap = 0;
  bs_node **v = NULL;
  bs_iter *it = bs_iter_new(root);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *k = bs_iter_get_node(it);
    if (ev == BS_EVENT_ENTER && pred(k)) {
      if (n == cap)
        v = bs_xrealloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
      v[n++] = k;
    }
  }
  bs_iter_free(it);
  *count = n;
  return v;
}

static bool pred_inline_parent(const bs_node *k) { return holds_inlines(bs_node_get_type(k)); }
static bool pred_text(const bs_node *k) { return bs_node_get_type(k) == BS_NODE_TEXT; }

static void aozora_pass(bs_node *root, const char *lang, bs_warn_state *w)
{
  bool ja = bs_lang_is_ja(lang);
  size_t n;
  bs_node **v = collect(root, pred_text, &n);
  for (size_t i = 0; i < n; i++) {
    bs_node *t = v[i];
    bs_node *parent = bs_node_parent(t);
    if (!parent || bs_node_get_type(parent) == BS_NODE_RUBY ||
        bs_node_get_type(parent) == BS_NODE_EMPHASIS_MARK)
      continue;
    const char *s = bs_node_get_literal(t);
    size_t len = bs_node_get_literal_length(t);
    if (!strstr(s, "\xEF\xBC\xBB\xEF\xBC\x83") &&
        !(ja && (strstr(s, "\xE3\x80\x8A") || strstr(s, "\xEF\xBD\x9C"))))
      continue;
    bs_node *tmp = bs_node_new(BS_NODE_SPAN);
    bs_aozora_parse_inline(tmp, s, len, lang, w, bs_node_get_pos(parent).line);
    bs_node *k;
    while ((k = bs_node_first_child(tmp))) {
      if (!bs_node_insert_before(t, k)) {
        bs_node_unlink(k);
        bs_node_free(k);
      }
    }
    bs_node_free(tmp);
    bs_node_free(t);
  }
  free(v);
}

static void postprocess(bs_node *doc, const char *lang, bs_warn_state *w)
{
  size_t n;
  bs_node **v = collect(doc, pred_text, &n);
  for (size_t i = 0; i < n; i++)
    resolve_breaks(v[i]);
  free(v);
  v = collect(doc, pred_inline_parent, &n);
  delim *d = NULL;
  size_t cap = 0;
  for (size_t i = 0; i < n; i++)
    cjk_emphasis(v[i], &d, &cap);
  free(d);
  free(v);
  merge_text(doc);
  aozora_pass(doc, lang, w);
  merge_text(doc);
}

/* cmark-gfm's extension registry is a process-wide list filled on first use: once, whichever
 * reader thread comes first (articles are read in parallel, in any order of formats). */
static pthread_once_t extensions_once = PTHREAD_ONCE_INIT;

bs_status bs_read_markdown(const char *buf, size_t len, const bs_read_options *opts,
                           bs_node **out, bs_error *err)
{
  bs_read_options def;
  if (!opts) {
    bs_read_options_init(&def);
    opts = &def;
  }
  bs_status st = BS_OK;
  mdctx c = {.opts = opts, .w = {opts, {false}}};
  char *capped = NULL, *body_copy = NULL, *clean = NULL, *undiv = NULL;
  bs_md_div *divs = NULL;
  size_t ndivs = 0;
  size_t clean_len = 0;
  cmark_parser *parser = NULL;
  cmark_node *root = NULL;
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_input(doc, opts->path);

  if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
    buf += 3, len -= 3;
  st = bs_read_check_utf8(buf, len, opts, &c.w, &clean, &clean_len, err);
  if (st != BS_OK)
    goto done;
  if (clean)
    buf = clean, len = clean_len;

  size_t ys, ye, fend;
  int fm_lines = 0;
  const char *body = buf;
  size_t blen = len;
  if (front_matter(buf, len, &ys, &ye, &fend, &fm_lines)) {
    st = parse_yaml(buf + ys, ye - ys, doc, opts, err);
    if (st != BS_OK)
      goto done;
    body = buf + fend;
    blen = len - fend;
  }
  size_t clen = 0;
  capped = cap_depth(body, blen, &clen, &c.w, fm_lines + 1);
  if (capped)
    body = capped, blen = clen;
  undiv = bs_md_fenced_divs(body, blen, &divs, &ndivs);
  if (undiv)
    body = undiv;

  pthread_once(&extensions_once, cmark_gfm_core_extensions_ensure_registered);
  parser = cmark_parser_new(CMARK_OPT_FOOTNOTES | CMARK_OPT_UNSAFE);
  static const char *const exts[] = {"table", "strikethrough", "autolink", "tagfilter"};
  for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
    cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
    if (e)
      cmark_parser_attach_syntax_extension(parser, e);
  }
  cmark_parser_feed(parser, body, blen);
  root = cmark_parser_finish(parser);
  if (!root) {
    st = bs_error_set(err, BS_ERR_LIBRARY, opts->path, 0, 0, "cmark-gfm failed");
    goto done;
  }

  /* the language decides Aozora ruby, so settle it before the passes */
  if (opts->lang)
    bs_node_set_lang(doc, opts->lang);

  push(&c, root, doc);
  cmark_iter *it = cmark_iter_new(root);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *k = cmark_iter_get_node(it);
    if (k == root)
      continue;
    if (ev == CMARK_EVENT_ENTER)
      enter(&c, it, k, fm_lines);
    else if (ev == CMARK_EVENT_EXIT)
      leave(&c, k);
  }
  cmark_iter_free(it);

  bs_read_drop_title_heading(doc); /* front matter's title and `# the same title` */
  bs_read_settle_lang(doc);
  postprocess(doc, bs_node_get_meta(doc, BS_META_LANG), &c.w);
  bs_md_apply_divs(doc, divs, ndivs, fm_lines);
  bs_md_bracketed_spans(doc);
  if (opts->normalize)
    bs_normalize_punctuation(doc);

done:
  free(c.st);
  free(capped);
  free(undiv);
  bs_md_divs_free(divs, ndivs);
  free(clean);
  free(body_copy);
  if (root)
    cmark_node_free(root);
  if (parser)
    cmark_parser_free(parser);
  if (st != BS_OK) {
    bs_node_free(doc);
    return st;
  }
  *out = doc;
  return BS_OK;
}
