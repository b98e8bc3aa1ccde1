/* pandoc Markdown's fenced divs (`::: byline` … `:::`) and bracketed spans (`[text]{.class}`),
 * which cmark-gfm does not know: the fences are blanked before parsing (lines kept, so
 * positions stay) and their classes put on the blocks between; spans are found in the tree
 * after parsing and become BS_NODE_SPAN with the classes (and lang=) of their attributes. */
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "read-impl.h"

/* Limits: nesting of fenced divs, and the length of an attribute block. */
enum { DIV_DEPTH_MAX = 32, ATTR_MAX = 256 };

static bool word_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

/* Parses a pandoc attribute block `{#id .a .b key=value}` (s points after '{', `len` bytes up
 * to the '}'): the classes, space-separated, into `cls`, a lang= value into `lang`. False if
 * it is not an attribute block. */
static bool parse_attrs(const char *s, size_t len, bs_buf *cls, bs_buf *lang)
{
  size_t i = 0;
  bool any = false;
  while (i < len) {
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
      i++;
    if (i == len)
      break;
    size_t j = i;
    while (j < len && s[j] != ' ' && s[j] != '\t')
      j++;
    const char *t = s + i;
    size_t tl = j - i;
    if (t[0] == '.' && tl > 1) {
      for (size_t k = 1; k < tl; k++)
        if (!word_char(t[k]))
          return false;
      if (cls->len)
        bs_buf_puts(cls, " ");
      bs_buf_put(cls, t + 1, tl - 1);
    } else if (t[0] == '#' && tl > 1) {
      /* an identifier: accepted, not kept */
    } else if (tl > 5 && !memcmp(t, "lang=", 5)) {
      const char *v = t + 5;
      size_t vl = tl - 5;
      if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
        v++, vl -= 2;
      bs_buf_put(lang, v, vl);
    } else if (!memchr(t, '=', tl)) {
      return false; /* not pandoc attributes: "{x}" stays text */
    }
    any = true;
    i = j;
  }
  return any;
}

/* A fence line: `:::` and more colons, then (opening) a class word or an attribute block,
 * optionally more colons. Returns 1 opening (classes in `cls`), 2 closing, 0 neither. */
static int fence(const char *s, size_t len, bs_buf *cls)
{
  size_t i = 0;
  while (i < len && i < 3 && s[i] == ' ')
    i++;
  size_t c = i;
  while (i < len && s[i] == ':')
    i++;
  if (i - c < 3)
    return 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t'))
    i++;
  while (len > i && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
    len--;
  if (i == len)
    return 2;
  size_t end = len;
  while (end > i && s[end - 1] == ':')
    end--;
  while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t'))
    end--;
  if (end == i)
    return 0;
  bs_buf lang = BS_BUF_INIT;
  int kind = 0;
  if (s[i] == '{' && s[end - 1] == '}' && end - i - 2 <= ATTR_MAX) {
    kind = parse_attrs(s + i + 1, end - i - 2, cls, &lang) ? 1 : 0;
  } else {
    kind = 1;
    for (size_t k = i; k < end; k++)
      if (!word_char(s[k]))
        kind = 0;
    if (kind)
      bs_buf_put(cls, s + i, end - i);
  }
  bs_buf_free(&lang);
  return kind;
}

/* A fenced code block's opening or closing line (``` or ~~~, up to 3 spaces in). */
static char code_fence(const char *s, size_t len)
{
  size_t i = 0;
  while (i < len && i < 3 && s[i] == ' ')
    i++;
  if (i + 3 <= len && (s[i] == '`' || s[i] == '~') && s[i + 1] == s[i] && s[i + 2] == s[i])
    return s[i];
  return 0;
}

char *bs_md_fenced_divs(const char *body, size_t len, bs_md_div **divs, size_t *ndivs)
{
  *divs = NULL;
  *ndivs = 0;
  char *copy = NULL;
  size_t open[DIV_DEPTH_MAX], depth = 0, cap = 0;
  char in_code = 0;
  int line = 1;
  for (size_t at = 0; at < len; line++) {
    const char *nl = memchr(body + at, '\n', len - at);
    size_t l = nl ? (size_t)(nl - (body + at)) : len - at;
    const char *s = body + at;
    char cf = code_fence(s, l);
    if (in_code) {
      if (cf == in_code)
        in_code = 0;
    } else if (cf) {
      in_code = cf;
    } else if (l >= 3 && memchr(s, ':', l < 4 ? l : 4)) {
      bs_buf cls = BS_BUF_INIT;
      int k = fence(s, l, &cls);
      if (k == 1 && depth < DIV_DEPTH_MAX) {
        if (*ndivs == cap) {
          cap = cap ? cap * 2 : 8;
          *divs = bs_xrealloc(*divs, cap * sizeof **divs);
        }
        (*divs)[*ndivs] = (bs_md_div){line, 0, bs_buf_detach(&cls)};
        open[depth++] = (*ndivs)++;
      } else if (k == 2 && depth) {
        (*divs)[open[--depth]].last = line;
      } else {
        k = 0;
      }
      bs_buf_free(&cls);
      if (k) { /* the fence line becomes blank: the blocks around it stay apart */
        if (!copy) {
          copy = bs_xmalloc(len + 1);
          memcpy(copy, body, len);
          copy[len] = '\0';
        }
        memset(copy + at, ' ', l);
      }
    }
    at += l + (nl != NULL);
  }
  while (depth) /* an unclosed div runs to the end */
    (*divs)[open[--depth]].last = line;
  return copy;
}

void bs_md_apply_divs(bs_node *doc, const bs_md_div *divs, size_t ndivs, int line0)
{
  for (bs_node *b = bs_node_first_child(doc); b; b = bs_node_next(b)) {
    int line = bs_node_get_pos(b).line - line0;
    bs_buf cls = BS_BUF_INIT;
    for (size_t i = 0; i < ndivs; i++) /* outer divs first: they open first */
      if (line > divs[i].first && line < divs[i].last && divs[i].cls && *divs[i].cls) {
        if (cls.len)
          bs_buf_puts(&cls, " ");
        bs_buf_puts(&cls, divs[i].cls);
      }
    if (cls.len)
      bs_node_set_class(b, cls.data);
    bs_buf_free(&cls);
  }
}

void bs_md_divs_free(bs_md_div *divs, size_t ndivs)
{
  for (size_t i = 0; i < ndivs; i++)
    free(divs[i].cls);
  free(divs);
}

/* Splits text node `t` at byte `at`: `t` keeps the head, the new node after it the tail. */
static bs_node *split_text(bs_node *t, size_t at)
{
  const char *s = bs_node_get_literal(t);
  size_t len = bs_node_get_literal_length(t);
  bs_node *tail = bs_node_new_text(BS_NODE_TEXT, s + at, len - at);
  bs_node_set_pos(tail, bs_node_get_pos(t).line, bs_node_get_pos(t).column, -1);
  bs_node_insert_after(t, tail);
  char *head = bs_xmalloc(at + 1);
  memcpy(head, s, at);
  bs_node_set_literal(t, head, at);
  free(head);
  return tail;
}

/* One span in the children of `p`, if there is one: the first "]{attrs}" in a text child and
 * the nearest unmatched '[' before it (in that text or an earlier text sibling). */
static bool one_span(bs_node *p)
{
  for (bs_node *k = bs_node_first_child(p); k; k = bs_node_next(k)) {
    if (bs_node_get_type(k) != BS_NODE_TEXT)
      continue;
    const char *s = bs_node_get_literal(k);
    size_t len = bs_node_get_literal_length(k);
    for (const char *q = s; (q = memchr(q, ']', len - (size_t)(q - s))) != NULL; q++) {
      size_t close = (size_t)(q - s);
      if (close + 1 >= len || s[close + 1] != '{')
        continue;
      const char *rb = memchr(q + 2, '}', len - close - 2);
      if (!rb || (size_t)(rb - q - 2) > ATTR_MAX)
        continue;
      bs_buf cls = BS_BUF_INIT, lang = BS_BUF_INIT;
      bool ok = parse_attrs(q + 2, (size_t)(rb - q - 2), &cls, &lang);
      /* the '[': back through this text, then earlier siblings (emphasis between is fine) */
      bs_node *open = NULL;
      size_t open_at = 0;
      int level = 0;
      for (bs_node *m = k; ok && m && !open; m = bs_node_previous(m)) {
        if (bs_node_get_type(m) != BS_NODE_TEXT)
          continue;
        const char *ms = bs_node_get_literal(m);
        size_t end = m == k ? close : bs_node_get_literal_length(m);
        for (size_t i = end; i-- > 0;) {
          if (ms[i] == ']')
            level++;
          else if (ms[i] == '[' && level)
            level--;
          else if (ms[i] == '[' && !(i && (ms[i - 1] == '\\' || ms[i - 1] == '!'))) {
            open = m, open_at = i;
            break;
          }
        }
      }
      if (!ok || !open) {
        bs_buf_free(&cls);
        bs_buf_free(&lang);
        continue;
      }
      size_t after = (size_t)(rb - s) + 1;
      /* k: "...]{attrs}rest" → "..." (the "]{attrs}" dropped, "rest" after it) */
      if (after < len)
        split_text(k, after);
      split_text(k, close);
      bs_node_free(bs_node_next(k));
      /* open: "head[inner..." → "head", then the span, then "inner..." */
      bs_node *bracket = split_text(open, open_at);
      bs_node *inner = split_text(bracket, 1);
      bs_node_free(bracket);
      bs_node *last = open == k ? inner : k;
      bs_node *stop = bs_node_next(last);
      bs_node *span = bs_node_new(BS_NODE_SPAN);
      bs_node_set_pos(span, bs_node_get_pos(inner).line, bs_node_get_pos(inner).column, -1);
      if (cls.len)
        bs_node_set_class(span, cls.data);
      if (lang.len)
        bs_node_set_lang(span, lang.data);
      bs_node_insert_before(inner, span);
      for (bs_node *m = inner, *next; m && m != stop; m = next) {
        next = bs_node_next(m);
        bs_node_unlink(m);
        if (bs_node_get_type(m) == BS_NODE_TEXT && !bs_node_get_literal_length(m))
          bs_node_free(m);
        else
          bs_node_append_child(span, m);
      }
      if (!bs_node_get_literal_length(open))
        bs_node_free(open);
      bs_buf_free(&cls);
      bs_buf_free(&lang);
      return true;
    }
  }
  return false;
}

void bs_md_bracketed_spans(bs_node *doc)
{
  /* inline containers first, collected, since spans add containers */
  size_t n = 0, cap = 0;
  bs_node **v = NULL;
  bs_iter *it = bs_iter_new(doc);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *k = bs_iter_get_node(it);
    bs_node_type t = bs_node_get_type(k);
    if (ev == BS_EVENT_ENTER && !bs_node_is_leaf_type(t) && bs_node_first_child(k) &&
        bs_node_is_inline(bs_node_first_child(k))) {
      if (n == cap) {
        cap = cap ? cap * 2 : 64;
        v = bs_xrealloc(v, cap * sizeof *v);
      }
      v[n++] = k;
    }
  }
  bs_iter_free(it);
  for (size_t i = 0; i < n; i++)
    for (int guard = 0; guard < 10000 && one_span(v[i]); guard++)
      ;
  free(v);
}
