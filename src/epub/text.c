/* Text passes of the EPUB writer: XML-forbidden characters, V3 quotes, L1 run classes. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "epub-impl.h"

enum { KIND_CONTROL = 1, KIND_NONCHAR = 2, KIND_UTF8 = 4 };

char *bs_epub_clean(bs_epub *e, const char *s, size_t len, const bs_node *where)
{
  bs_buf b = BS_BUF_INIT;
  bs_buf_grow(&b, len + 1);
  size_t i = 0, start = 0;
  while (i < len) {
    unsigned char c = (unsigned char)s[i];
    int kind = 0;
    size_t n = 1;
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n')
        kind = KIND_CONTROL;
    } else {
      uint32_t cp;
      n = bs_utf8_decode(s + i, len - i, &cp);
      if (n == 0) {
        n = 1;
        kind = KIND_UTF8;
      } else if (cp == 0xFFFE || cp == 0xFFFF) {
        kind = KIND_NONCHAR;
      }
    }
    if (kind) {
      bs_buf_put(&b, s + start, i - start);
      start = i + n;
      if (!(e->warned & kind)) {
        e->warned |= kind;
        const bs_node *at = where;
        while (at && bs_node_get_pos(at).line == 0)
          at = bs_node_parent(at);
        bs_epub_warn(e, BS_ERR_ENCODING, bs_node_get_input(where),
                     at ? bs_node_get_pos(at).line : 0, "%s dropped from the EPUB (not allowed in XML)",
                     kind == KIND_CONTROL   ? "control character"
                     : kind == KIND_NONCHAR ? "noncharacter U+FFFE/U+FFFF"
                                            : "invalid UTF-8 byte");
      }
    }
    i += n;
  }
  bs_buf_put(&b, s + start, len - start);
  if (!b.data)
    return bs_xstrdup("");
  return bs_buf_detach(&b);
}

static bool lang_prefix(const char *lang, const char *p)
{
  size_t n = strlen(p);
  return lang && !strncasecmp(lang, p, n) && (lang[n] == '\0' || lang[n] == '-');
}

bool bs_epub_lang_is_hant(const char *lang)
{
  if (!lang)
    return false;
  return lang_prefix(lang, "zh-Hant") || lang_prefix(lang, "zh-TW") ||
         lang_prefix(lang, "zh-HK") || lang_prefix(lang, "zh-MO") ||
         lang_prefix(lang, "zh-yue");
}

/* Unknown counts as CJK: a vertical book without a language is a CJK book. */
bool bs_epub_lang_is_cjk(const char *lang)
{
  return !lang || lang_prefix(lang, "zh") || lang_prefix(lang, "ja") ||
         lang_prefix(lang, "ko") || lang_prefix(lang, "und");
}

/* ---- V3: “” → 「」 and ‘’ → 『』 by nesting level in vertical zh-Hant ---- */

enum { Q_DOUBLE = 1, Q_SINGLE, Q_CORNER, Q_WCORNER };

static int quote_kind(uint32_t cp, bool *open)
{
  switch (cp) {
  case 0x201C: *open = true; return Q_DOUBLE;
  case 0x201D: *open = false; return Q_DOUBLE;
  case 0x2018: *open = true; return Q_SINGLE;
  case 0x2019: *open = false; return Q_SINGLE;
  case 0x300C: *open = true; return Q_CORNER;
  case 0x300D: *open = false; return Q_CORNER;
  case 0x300E: *open = true; return Q_WCORNER;
  case 0x300F: *open = false; return Q_WCORNER;
  default: return 0;
  }
}

bool bs_epub_is_quote(uint32_t cp)
{
  bool open;
  return quote_kind(cp, &open) != 0;
}

/* Each mark gets a slot; `out` holds the kind (negative) until the pair is resolved. The
 * stack holds slots of opening marks with their level in the top bits. */
void bs_epub_quotes_scan(bs_epub_quotes *q, const char *s, size_t len)
{
  size_t i = 0;
  while (i < len) {
    uint32_t cp;
    size_t n = bs_utf8_decode(s + i, len - i, &cp);
    if (n == 0) {
      i++;
      continue;
    }
    i += n;
    bool open;
    int kind = quote_kind(cp, &open);
    if (!kind)
      continue;
    if (q->n == q->cap) {
      q->cap = q->cap ? q->cap * 2 : 16;
      q->out = bs_xrealloc(q->out, q->cap * sizeof *q->out);
    }
    size_t slot = q->n++;
    q->out[slot] = 0;
    if (open) {
      if (q->depth == q->scap) {
        q->scap = q->scap ? q->scap * 2 : 8;
        q->stack = bs_xrealloc(q->stack, q->scap * sizeof *q->stack);
      }
      /* remember the kind in out[] until the partner comes */
      q->out[slot] = (uint32_t)kind | 0x80000000u;
      q->stack[q->depth++] = slot;
      continue;
    }
    /* a closing mark: find its partner; marks opened inside and never closed stay as
     * they are (a lone ’ is an apostrophe) */
    size_t k = q->depth;
    while (k > 0 && (q->out[q->stack[k - 1]] & 0x7FFFFFFFu) != (uint32_t)kind)
      k--;
    if (k == 0)
      continue;
    for (size_t j = k; j < q->depth; j++) {
      q->out[q->stack[j]] = 0;
      q->unbalanced++;
    }
    size_t level = k - 1; /* open marks below this one, corner brackets included */
    size_t o = q->stack[k - 1];
    q->depth = k - 1;
    if (kind == Q_DOUBLE || kind == Q_SINGLE) {
      bool outer = level % 2 == 0;
      q->out[o] = outer ? 0x300C : 0x300E;
      q->out[slot] = outer ? 0x300D : 0x300F;
    } else {
      q->out[o] = 0;
    }
  }
}

void bs_epub_quotes_finish(bs_epub_quotes *q)
{
  for (size_t j = 0; j < q->depth; j++) {
    size_t o = q->stack[j];
    uint32_t k = q->out[o] & 0x7FFFFFFFu;
    if (k == Q_DOUBLE || k == Q_SINGLE)
      q->unbalanced++;
    q->out[o] = 0;
  }
  q->depth = 0;
  q->next = 0;
}

uint32_t bs_epub_quotes_take(bs_epub_quotes *q, uint32_t cp)
{
  if (q->next >= q->n)
    return cp;
  uint32_t r = q->out[q->next++];
  return r ? r : cp;
}

void bs_epub_quotes_free(bs_epub_quotes *q)
{
  free(q->out);
  free(q->stack);
  memset(q, 0, sizeof *q);
}

/* ---- L1 (§4): ASCII runs in vertical text ---- */

bs_epub_run bs_epub_classify_run(const char *s, size_t n)
{
  size_t digits = 0, upper = 0, other_tcy = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9')
      digits++;
    else if (c >= 'A' && c <= 'Z')
      upper++;
    else if (c == '.' || c == '+')
      other_tcy++;
    else if (c == ' ')
      return BS_EPUB_RUN_NONE; /* a phrase: sideways */
  }
  if (n == 0)
    return BS_EPUB_RUN_NONE;
  if (digits == n)
    return n <= 3 ? BS_EPUB_RUN_TCY : BS_EPUB_RUN_UPRIGHT; /* 2–3 digits TCY, years upright */
  if (n == 1 && ((s[0] >= 'a' && s[0] <= 'z') || upper == 1))
    return BS_EPUB_RUN_UPRIGHT; /* A股, X光 */
  if (upper == n && n >= 2 && n <= 5)
    return BS_EPUB_RUN_UPRIGHT; /* GDP, NATO */
  if (n <= 3 && digits + upper + other_tcy == n && digits + other_tcy > 0 && s[0] != '.')
    return BS_EPUB_RUN_TCY; /* 3.0, A+, 2B */
  return BS_EPUB_RUN_NONE;
}

/* BCP 47 in its common shape (2–8 letter primary subtag, then alphanumeric subtags). */
bool bs_epub_lang_ok(const char *l)
{
  size_t n = 0;
  while (isalpha((unsigned char)l[n]))
    n++;
  if (n < 2 || n > 8)
    return false;
  while (l[n] == '-') {
    size_t k = ++n;
    while (isalnum((unsigned char)l[n]))
      n++;
    if (n == k || n - k > 8)
      return false;
  }
  return l[n] == '\0';
}
