/* Tree pass: punctuation normalisation for CJK text (cjk-typography.md §3.5 rule N1, and V4).
 *
 * Works per block over the concatenated text of its inline descendants, so context crosses
 * node boundaries (`**首先,…。**特朗普`: the comma's neighbours are in other nodes). Code spans
 * break the context and are never changed. */
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "bisheng/read.h"

typedef struct {
  uint32_t cp;
  int node;       /* index into the block's text nodes; -1 for a context barrier */
  bool protect;   /* inside a URL or e-mail address */
  bool converted; /* produced by a conversion (spaces next to it are dropped) */
  bool drop;
} item;

typedef struct {
  item *a;
  size_t n, cap;
} items;

static void push(items *v, uint32_t cp, int node)
{
  if (v->n == v->cap) {
    v->cap = v->cap ? v->cap * 2 : 256;
    v->a = bs_xrealloc(v->a, v->cap * sizeof *v->a);
  }
  v->a[v->n++] = (item){cp, node, false, false, false};
}

/* V4: vertical presentation forms back to their base characters. */
static uint32_t unpresent(uint32_t cp)
{
  static const uint32_t fe10[] = {0xFF0C, 0x3001, 0x3002, 0xFF1A, 0xFF1B,
                                  0xFF01, 0xFF1F, 0x3016, 0x3017, 0x2026};
  static const uint32_t fe30[] = {0x2025, 0x2014, 0x2013, 0x005F, 0x005F, 0xFF08, 0xFF09,
                                  0xFF5B, 0xFF5D, 0x3014, 0x3015, 0x3010, 0x3011, 0x300A,
                                  0x300B, 0x3008, 0x3009, 0x300C, 0x300D, 0x300E, 0x300F,
                                  0xFE45, 0xFE46, 0xFF3B, 0xFF3D, 0x203E, 0x203E, 0x203E,
                                  0x203E, 0x005F, 0x005F, 0x005F};
  if (cp >= 0xFE10 && cp <= 0xFE19)
    return fe10[cp - 0xFE10];
  if (cp >= 0xFE30 && cp <= 0xFE4F)
    return fe30[cp - 0xFE30];
  return cp;
}

static bool is_space(uint32_t cp) { return cp == ' ' || cp == '\t'; }
static bool is_ascii_alnum(uint32_t cp)
{
  return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
}

/* Closing quotes and brackets are looked through when judging context: in `“關鍵一步”,但`
 * the comma belongs to the Chinese before the quote. */
static bool see_through(uint32_t cp)
{
  return cp == 0x201D || cp == 0x2019 || cp == '"' || cp == '\'' || cp == ')' || cp == ']';
}

/* CJK context: Han, kana, bopomofo, CJK punctuation and full-width forms (阿Ｑ,). Not Hangul:
 * Korean is written with Western punctuation (`한국어는 한글로 씁니다.` keeps its period). */
static bool ctx_cjk(uint32_t cp)
{
  return (bs_is_cjk(cp) || (cp >= 0xFF01 && cp <= 0xFF60)) && !bs_is_hangul(cp) &&
         cp != 0x201C && cp != 0x201D && cp != 0x2018 && cp != 0x2019;
}

/* Latin words between i and the previous CJK character: `1881-1936;新` has none (digits), so
 * its `;` belongs to the Chinese after it; `said hello world, 然後` has three. */
static int latin_words_before(const items *v, size_t i)
{
  int words = 0;
  bool in_word = false;
  /* two words decide; the look-back is bounded so long Latin paragraphs stay linear */
  for (size_t steps = 0; i > 0 && words < 2 && steps < 256; steps++) {
    const item *it = &v->a[--i];
    if (it->node < 0 || ctx_cjk(it->cp))
      break;
    if (it->protect) /* a URL is no Latin phrase */
      continue;
    bool letter = (it->cp | 0x20) >= 'a' && (it->cp | 0x20) <= 'z';
    if (letter && !in_word)
      words++;
    in_word = letter;
  }
  return words;
}

/* The character that gives context before i (0 if none or a barrier). */
static uint32_t prev_ctx(const items *v, size_t i)
{
  while (i > 0) {
    const item *it = &v->a[--i];
    if (it->node < 0)
      return 0;
    if (it->drop || is_space(it->cp) || see_through(it->cp))
      continue;
    return it->cp;
  }
  return 0;
}

static uint32_t next_ctx(const items *v, size_t i)
{
  for (i++; i < v->n; i++) {
    const item *it = &v->a[i];
    if (it->node < 0)
      return 0;
    if (it->drop || is_space(it->cp) || it->cp == '"' || it->cp == 0x201C || it->cp == 0x2018 ||
        it->cp == '(')
      continue;
    return it->cp;
  }
  return 0;
}

static uint32_t raw_prev(const items *v, size_t i) { return i > 0 && v->a[i - 1].node >= 0 ? v->a[i - 1].cp : 0; }
static uint32_t raw_next(const items *v, size_t i) { return i + 1 < v->n && v->a[i + 1].node >= 0 ? v->a[i + 1].cp : 0; }

/* URLs and e-mail addresses are left exactly as written. */
static void protect_urls(items *v)
{
  size_t i = 0;
  while (i < v->n) {
    if (v->a[i].cp <= ' ' || v->a[i].cp >= 0x7F) {
      i++;
      continue;
    }
    size_t j = i;
    bool url = false;
    while (j < v->n && v->a[j].cp > ' ' && v->a[j].cp < 0x7F && v->a[j].node >= 0) {
      if (v->a[j].cp == '@' || (v->a[j].cp == ':' && j + 2 < v->n && v->a[j + 1].cp == '/' &&
                                v->a[j + 2].cp == '/'))
        url = true;
      j++;
    }
    if (j - i >= 4 && v->a[i].cp == 'w' && v->a[i + 1].cp == 'w' && v->a[i + 2].cp == 'w' &&
        v->a[i + 3].cp == '.')
      url = true;
    /* punctuation that ends the sentence after a URL is not part of it */
    size_t end = j;
    while (url && end > i && strchr(",.;:!?)", (int)v->a[end - 1].cp))
      end--;
    if (url)
      for (size_t k = i; k < end; k++)
        v->a[k].protect = true;
    i = j > i ? j : i + 1;
  }
}

static void convert(item *it, uint32_t cp)
{
  it->cp = cp;
  it->converted = true;
}

static uint32_t fullwidth(uint32_t cp)
{
  switch (cp) {
  case ',': return 0xFF0C;
  case ':': return 0xFF1A;
  case ';': return 0xFF1B;
  case '!': return 0xFF01;
  case '?': return 0xFF1F;
  case '(': return 0xFF08;
  case ')': return 0xFF09;
  default: return cp;
  }
}

static void apply_n1(items *v, bool block_end_is_paragraph_end)
{
  protect_urls(v);
  size_t *stack = NULL, depth = 0;
  ptrdiff_t dq_open = -1, sq_open = -1;
  size_t last_ink = v->n; /* the last item that is not a space: a final `.` may become 。 */
  for (size_t k = v->n; k > 0; k--)
    if (v->a[k - 1].node < 0 || !is_space(v->a[k - 1].cp)) {
      last_ink = k - 1;
      break;
    }
  for (size_t i = 0; i < v->n; i++) {
    item *it = &v->a[i];
    if (it->node < 0 || it->protect)
      continue;
    uint32_t cp = it->cp;
    switch (cp) {
    case ',':
    case ':':
    case ';':
    case '!':
    case '?': {
      uint32_t p = prev_ctx(v, i);
      /* 1,000 and 3:30 keep their marks: both raw neighbours are ASCII */
      if (is_ascii_alnum(raw_prev(v, i)) && is_ascii_alnum(raw_next(v, i)))
        break;
      uint32_t nx = next_ctx(v, i);
      if (ctx_cjk(p) || (nx && ctx_cjk(nx) && nx != 0xFF08 && latin_words_before(v, i) < 2 &&
                         p != 0))
        convert(it, fullwidth(cp));
      break;
    }
    case '(':
      stack = bs_xrealloc(stack, (depth + 1) * sizeof *stack);
      stack[depth++] = i;
      break;
    case ')': {
      bool conv = ctx_cjk(prev_ctx(v, i));
      if (depth) {
        size_t o = stack[--depth];
        /* parentheses convert as a pair (台灣(Taiwan) → 台灣（Taiwan）) */
        conv = conv || ctx_cjk(prev_ctx(v, o)) || ctx_cjk(next_ctx(v, o));
        if (conv)
          convert(&v->a[o], 0xFF08);
      }
      if (conv)
        convert(it, 0xFF09);
      break;
    }
    case '"':
      if (dq_open < 0) {
        dq_open = (ptrdiff_t)i;
      } else {
        size_t o = (size_t)dq_open;
        if (ctx_cjk(prev_ctx(v, o)) || ctx_cjk(next_ctx(v, o)) || ctx_cjk(prev_ctx(v, i))) {
          convert(&v->a[o], 0x201C);
          convert(it, 0x201D);
          v->a[o].converted = it->converted = false; /* quotes keep their spaces */
        }
        dq_open = -1;
      }
      break;
    case '\'':
      if (sq_open < 0) {
        if (!is_ascii_alnum(raw_prev(v, i)))
          sq_open = (ptrdiff_t)i;
      } else {
        size_t o = (size_t)sq_open;
        if (ctx_cjk(next_ctx(v, o)) && ctx_cjk(prev_ctx(v, i))) {
          v->a[o].cp = 0x2018;
          it->cp = 0x2019;
        }
        sq_open = -1;
      }
      break;
    case '.': {
      /* ... → …… in CJK context */
      size_t j = i;
      while (j < v->n && v->a[j].cp == '.' && v->a[j].node == it->node)
        j++;
      if (j - i >= 3 && (ctx_cjk(prev_ctx(v, i)) || ctx_cjk(next_ctx(v, j - 1)))) {
        convert(&v->a[i], 0x2026);
        convert(&v->a[i + 1], 0x2026);
        for (size_t k = i + 2; k < j; k++)
          v->a[k].drop = true;
        i = j - 1;
        break;
      }
      if (j - i == 1 && block_end_is_paragraph_end && i == last_ink && ctx_cjk(prev_ctx(v, i)))
        convert(it, 0x3002);
      i = j - 1;
      break;
    }
    case 0x2026:
      /* a lone … in CJK context becomes the two-em ellipsis …… */
      if (raw_prev(v, i) != 0x2026 && raw_next(v, i) != 0x2026 &&
          (ctx_cjk(prev_ctx(v, i)) || ctx_cjk(next_ctx(v, i))))
        it->converted = true, it->drop = false, it->cp = 0x2026 | 0x80000000u;
      break;
    case '-':
    case 0x2014: {
      bool dd = cp == '-' && raw_next(v, i) == '-' && raw_prev(v, i) != '-' &&
                (i + 2 >= v->n || v->a[i + 2].cp != '-');
      bool em = cp == 0x2014 && raw_prev(v, i) != 0x2014 && raw_next(v, i) != 0x2014;
      if (!dd && !em)
        break;
      size_t last = dd ? i + 1 : i;
      if (ctx_cjk(raw_prev(v, i)) && ctx_cjk(raw_next(v, last))) {
        convert(it, 0x2014);
        if (dd)
          convert(&v->a[i + 1], 0x2014);
        else
          it->cp = 0x2014 | 0x80000000u; /* doubled on output */
        i = last;
      }
      break;
    }
    default:
      break;
    }
  }
  free(stack);
  /* remove ASCII spaces next to produced full-width marks */
  for (size_t i = 0; i < v->n; i++) {
    if (!v->a[i].converted)
      continue;
    for (size_t k = i; k > 0 && v->a[k - 1].node >= 0 && is_space(v->a[k - 1].cp); k--)
      v->a[k - 1].drop = true;
    for (size_t k = i + 1; k < v->n && v->a[k].node >= 0 && is_space(v->a[k].cp); k++)
      v->a[k].drop = true;
  }
}

static bool holds_inlines(bs_node_type t)
{
  return t == BS_NODE_PARAGRAPH || t == BS_NODE_HEADING || t == BS_NODE_TABLE_CELL;
}

/* Can N1/V4 change this text? Only through the marks apply_n1 and unpresent look at (ASCII
 * , : ; ! ? ( ) " ' . -, U+2014, U+2026, the vertical forms U+FE10-FE4F) or by replacing an
 * invalid UTF-8 byte; spaces go only next to a converted mark. Most CJK paragraphs have none
 * of these, and skipping them is a tenth of the reading time (speed target of issue #3). */
static bool may_change(const char *s, size_t len)
{
  for (size_t i = 0; i < len;) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      if (c == ',' || c == ':' || c == ';' || c == '!' || c == '?' || c == '(' || c == ')' ||
          c == '"' || c == '\'' || c == '.' || c == '-')
        return true;
      i++;
      continue;
    }
    uint32_t cp;
    size_t k = bs_utf8_decode(s + i, len - i, &cp);
    if (!k || cp == 0x2014 || cp == 0x2026 || (cp >= 0xFE10 && cp <= 0xFE4F))
      return true;
    i += k;
  }
  return false;
}

static bool block_may_change(bs_node *block)
{
  bool change = false;
  bs_iter *it = bs_iter_new(block);
  bs_event ev;
  while (!change && (ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev == BS_EVENT_ENTER && n != block && bs_node_get_type(n) == BS_NODE_TEXT)
      change = may_change(bs_node_get_literal(n), bs_node_get_literal_length(n));
  }
  bs_iter_free(it);
  return change;
}

static void normalize_block(bs_node *block, items *v, bs_node ***nodes, size_t *ncap)
{
  if (!block_may_change(block))
    return;
  size_t nn = 0;
  v->n = 0;
  bs_iter *it = bs_iter_new(block);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    if (ev != BS_EVENT_ENTER || n == block)
      continue;
    bs_node_type t = bs_node_get_type(n);
    if (t == BS_NODE_TEXT) {
      if (nn == *ncap) {
        *ncap = *ncap ? *ncap * 2 : 32;
        *nodes = bs_xrealloc(*nodes, *ncap * sizeof **nodes);
      }
      (*nodes)[nn] = n;
      const char *s = bs_node_get_literal(n);
      size_t len = bs_node_get_literal_length(n), i = 0;
      while (i < len) {
        uint32_t cp;
        size_t k = bs_utf8_decode(s + i, len - i, &cp);
        if (!k)
          cp = 0xFFFD, k = 1;
        push(v, unpresent(cp), (int)nn);
        i += k;
      }
      nn++;
    } else if (t == BS_NODE_CODE || t == BS_NODE_LINE_BREAK || t == BS_NODE_FOOTNOTE_REF ||
               t == BS_NODE_RUBY) {
      push(v, 0, -1); /* barrier */
    }
  }
  bs_iter_free(it);
  apply_n1(v, bs_node_get_type(block) == BS_NODE_PARAGRAPH);
  bs_buf b = BS_BUF_INIT;
  size_t k = 0;
  for (size_t ni = 0; ni < nn; ni++) {
    bs_buf_clear(&b);
    while (k < v->n && (v->a[k].node < 0 || v->a[k].node < (int)ni))
      k++;
    for (; k < v->n && v->a[k].node == (int)ni; k++) {
      if (v->a[k].drop)
        continue;
      uint32_t cp = v->a[k].cp;
      if (cp & 0x80000000u) { /* doubled mark: …… or —— */
        cp &= 0x7FFFFFFFu;
        bs_buf_put_utf8(&b, cp);
      }
      bs_buf_put_utf8(&b, cp);
    }
    const char *old = bs_node_get_literal((*nodes)[ni]);
    if (b.len != bs_node_get_literal_length((*nodes)[ni]) || memcmp(old, b.data ? b.data : "", b.len))
      bs_node_set_literal((*nodes)[ni], b.data ? b.data : "", b.len);
  }
  bs_buf_free(&b);
}

/* Normalises a string (metadata, caption, credit) as a one-paragraph context; returns a new
 * string or NULL when nothing is to be done. */
static char *normalize_string(const char *s)
{
  if (!s || !*s)
    return NULL;
  bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
  bs_node *t = bs_node_new_text(BS_NODE_TEXT, s, strlen(s));
  bs_node_append_child(p, t);
  items v = {0};
  bs_node **nodes = NULL;
  size_t ncap = 0;
  normalize_block(p, &v, &nodes, &ncap);
  char *r = bs_xstrdup(bs_node_get_literal(t));
  free(v.a);
  free(nodes);
  bs_node_free(p);
  return r;
}

static void normalize_meta(bs_node *doc, bs_meta_key key)
{
  char *r = normalize_string(bs_node_get_meta(doc, key));
  if (r)
    bs_node_set_meta(doc, key, r);
  free(r);
}

static void normalize_figure(bs_node *fig)
{
  char *r = normalize_string(bs_node_get_caption(fig));
  if (r)
    bs_node_set_caption(fig, r);
  free(r);
  r = normalize_string(bs_node_get_credit(fig));
  if (r)
    bs_node_set_credit(fig, r);
  free(r);
}

void bs_normalize_punctuation(bs_node *root)
{
  if (!root)
    return;
  items v = {0};
  bs_node **nodes = NULL;
  size_t ncap = 0;
  bs_iter *it = bs_iter_new(root);
  bs_event ev;
  while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
    bs_node *n = bs_iter_get_node(it);
    bs_node_type t = bs_node_get_type(n);
    if (ev == BS_EVENT_ENTER && (t == BS_NODE_DOCUMENT || t == BS_NODE_BOOK)) {
      static const bs_meta_key keys[] = {BS_META_TITLE, BS_META_SUBTITLE, BS_META_AFFILIATION,
                                         BS_META_SOURCE};
      for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        normalize_meta(n, keys[k]);
    }
    if (ev == BS_EVENT_ENTER && t == BS_NODE_FIGURE)
      normalize_figure(n);
    if (ev == BS_EVENT_EXIT && holds_inlines(t))
      normalize_block(n, &v, &nodes, &ncap);
  }
  bs_iter_free(it);
  free(v.a);
  free(nodes);
}
