/* Allocation, buffers and UTF-8. */
#include "util.h"

#include <libxml/parser.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void bs_oom(size_t n)
{
  if (n)
    fprintf(stderr, "bisheng: out of memory (%zu bytes)\n", n);
  else
    fprintf(stderr, "bisheng: out of memory\n");
  abort();
}

void *bs_xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p)
    bs_oom(n);
  return p;
}

void *bs_xcalloc(size_t count, size_t n)
{
  void *p = calloc(count ? count : 1, n ? n : 1);
  if (!p)
    bs_oom(count * n);
  return p;
}

void *bs_xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (!q)
    bs_oom(n);
  return q;
}

char *bs_xstrndup(const char *s, size_t n)
{
  char *d = bs_xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *bs_xstrdup(const char *s) { return s ? bs_xstrndup(s, strlen(s)) : NULL; }

void bs_buf_grow(bs_buf *b, size_t extra)
{
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need)
    cap += cap / 2 + 64;
  b->data = bs_xrealloc(b->data, cap);
  b->cap = cap;
}

void bs_buf_put(bs_buf *b, const char *s, size_t n)
{
  bs_buf_grow(b, n);
  if (n)
    memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void bs_buf_puts(bs_buf *b, const char *s) { bs_buf_put(b, s, strlen(s)); }

char *bs_fmt_uint(char t[24], unsigned long long v, int width)
{
  char *q = t + 24;
  do
    *--q = (char)('0' + v % 10), width--;
  while ((v /= 10) > 0 || width > 0);
  return q;
}

void bs_buf_put_int(bs_buf *b, long long v)
{
  char t[24];
  char *q = bs_fmt_uint(t, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, 1);
  if (v < 0)
    *--q = '-';
  bs_buf_put(b, q, (size_t)(t + sizeof t - q));
}

void bs_buf_put_utf8_any(bs_buf *b, uint32_t cp)
{
  char t[4];
  size_t n;
  if (cp < 0x80) {
    t[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    t[0] = (char)(0xC0 | (cp >> 6));
    t[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    t[0] = (char)(0xE0 | (cp >> 12));
    t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    t[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    t[0] = (char)(0xF0 | (cp >> 18));
    t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    t[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  bs_buf_put(b, t, n);
}

void bs_buf_printf(bs_buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n <= 0)
    return;
  bs_buf_grow(b, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void bs_buf_clear(bs_buf *b)
{
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

char *bs_buf_detach(bs_buf *b)
{
  char *d = b->data ? b->data : bs_xstrdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return d;
}

void bs_buf_put_json(bs_buf *b, const char *s, size_t n)
{
  bs_buf_putc(b, '"');
  for (size_t i = 0; s && i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"': bs_buf_puts(b, "\\\""); break;
    case '\\': bs_buf_puts(b, "\\\\"); break;
    case '\n': bs_buf_puts(b, "\\n"); break;
    case '\r': bs_buf_puts(b, "\\r"); break;
    case '\t': bs_buf_puts(b, "\\t"); break;
    default:
      if (c < 0x20)
        bs_buf_printf(b, "\\u%04x", c);
      else
        bs_buf_putc(b, (char)c);
    }
  }
  bs_buf_putc(b, '"');
}

void bs_buf_free(bs_buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

size_t bs_utf8_decode_any(const char *str, size_t len, uint32_t *cp)
{
  const unsigned char *s = (const unsigned char *)str;
  if (len == 0)
    return 0;
  unsigned c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  uint32_t v, min;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    v = c & 0x1F;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    v = c & 0x0F;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    v = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (len < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return n;
}

size_t bs_utf8_validate(const char *s, size_t len)
{
  size_t i = 0;
  while (i < len) {
    if ((unsigned char)s[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t n = bs_utf8_decode(s + i, len - i, &cp);
    if (!n)
      return i;
    i += n;
  }
  return (size_t)-1;
}

size_t bs_utf8_count(const char *s, size_t off)
{
  size_t n = 0;
  for (size_t i = 0; i < off; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      n++;
  return n;
}

uint32_t bs_utf8_prev(const char *s, size_t off, size_t *start)
{
  if (off == 0) {
    if (start)
      *start = 0;
    return 0;
  }
  size_t i = off - 1;
  while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80 && off - i < 4)
    i--;
  uint32_t cp = 0xFFFD;
  if (!bs_utf8_decode(s + i, off - i, &cp))
    cp = 0xFFFD;
  if (start)
    *start = i;
  return cp;
}

bool bs_is_han(uint32_t cp)
{
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F) ||
         cp == 0x3005 || cp == 0x3007 || cp == 0x303B;
}

bool bs_is_kana(uint32_t cp)
{
  return (cp >= 0x3041 && cp <= 0x309F) || (cp >= 0x30A0 && cp <= 0x30FF) ||
         (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0xFF66 && cp <= 0xFF9F);
}

bool bs_is_hangul(uint32_t cp)
{
  return (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x1100 && cp <= 0x11FF) ||
         (cp >= 0x3130 && cp <= 0x318F);
}

bool bs_is_cjk_punct(uint32_t cp)
{
  return (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
         (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
         (cp >= 0xFF5B && cp <= 0xFF65) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFE10 && cp <= 0xFE19) || cp == 0x2014 || cp == 0x2026 || cp == 0x201C ||
         cp == 0x201D || cp == 0x2018 || cp == 0x2019 || cp == 0x00B7 || cp == 0x2027 ||
         cp == 0x30FB;
}

bool bs_is_cjk(uint32_t cp)
{
  return bs_is_han(cp) || bs_is_kana(cp) || bs_is_hangul(cp) ||
         (cp >= 0x3100 && cp <= 0x312F) || (cp >= 0x31A0 && cp <= 0x31BF) ||
         bs_is_cjk_punct(cp);
}

bool bs_is_cjk_space(uint32_t cp)
{
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
         cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
         cp == 0x205F || cp == 0xFEFF;
}

static pthread_once_t libxml_once = PTHREAD_ONCE_INIT;
static void libxml_setup(void) { xmlInitParser(); }
void bs_libxml_init(void) { pthread_once(&libxml_once, libxml_setup); }

int bs_yaml_flow_depth(const char *s, size_t n, int max, size_t *at)
{
  int depth = 0, deepest = 0;
  char prev = '\n';
  for (size_t i = 0; i < n; prev = s[i++]) {
    char c = s[i];
    bool token_start = prev == '\n' || prev == ' ' || prev == '\t' || prev == '[' ||
                       prev == '{' || prev == ',' || prev == ':';
    if (c == '#' && (prev == '\n' || prev == ' ' || prev == '\t')) {
      while (i + 1 < n && s[i + 1] != '\n')
        i++;
    } else if ((c == '\'' || c == '"') && token_start) {
      /* a quoted scalar: '' and \" do not end it */
      for (i++; i < n; i++) {
        if (c == '"' && s[i] == '\\')
          i++;
        else if (s[i] == c && !(c == '\'' && i + 1 < n && s[i + 1] == '\''))
          break;
        else if (c == '\'' && s[i] == '\'')
          i++;
      }
      if (i >= n)
        break;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest)
        deepest = depth;
      if (depth > max) {
        if (at)
          *at = i;
        return depth;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

bool bs_lang_rtl(const char *tag)
{
  static const char *const rtl_scripts[] = {"arab", "hebr", "syrc", "thaa", "nkoo", "adlm",
                                            "rohg", "mand", "samr", "mend", "yezi"};
  static const char *const rtl_langs[] = {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ji",
                                          "ks", "nqo", "ps", "sd", "syr", "ug", "ur", "yi"};
  if (!tag || !*tag)
    return false;
  size_t n = strcspn(tag, "-_");
  /* a four-letter subtag after the language is its script */
  for (const char *s = tag + n; *s;) {
    s++;
    size_t k = strcspn(s, "-_");
    if (k == 4 && ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')) {
      for (size_t i = 0; i < sizeof rtl_scripts / sizeof *rtl_scripts; i++)
        if (!strncasecmp(s, rtl_scripts[i], 4))
          return true;
      return false;
    }
    s += k;
  }
  for (size_t i = 0; i < sizeof rtl_langs / sizeof *rtl_langs; i++)
    if (bs_lang_is(tag, rtl_langs[i]))
      return true;
  return false;
}

bool bs_lang_is(const char *tag, const char *primary)
{
  size_t n = strlen(primary);
  return tag && !strncasecmp(tag, primary, n) && (!tag[n] || tag[n] == '-' || tag[n] == '_');
}
