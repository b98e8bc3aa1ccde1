/* Aozora Bunko notation: inline ruby, emphasis dots and gaiji notes (shared by the text and
 * Markdown readers), and the whole-file layout of an Aozora Bunko .txt. */
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "read-impl.h"

#define U_BAR "\xEF\xBD\x9C"        /* ｜ U+FF5C starts a ruby base */
#define U_RUBY_OPEN "\xE3\x80\x8A"  /* 《 */
#define U_RUBY_CLOSE "\xE3\x80\x8B" /* 》 */
#define U_NOTE_OPEN "\xEF\xBC\xBB\xEF\xBC\x83" /* ［＃ */
#define U_NOTE_CLOSE "\xEF\xBC\xBD"            /* ］ */
#define U_KOME "\xE2\x80\xBB"                  /* ※ marks a gaiji */
#define U_GETA "\xE3\x80\x93"                  /* 〓 stands for an unresolved character */

enum { MAX_RUBY_BYTES = 256, MAX_NOTE_BYTES = 1024 };

static bool starts(const char *s, size_t len, size_t i, const char *lit)
{
  size_t n = strlen(lit);
  return i + n <= len && !memcmp(s + i, lit, n);
}

/* Offset of `lit` in s[from, from+limit) (not past len), or (size_t)-1. */
static size_t find_lit(const char *s, size_t len, size_t from, size_t limit, const char *lit)
{
  size_t n = strlen(lit);
  size_t end = from + limit < len ? from + limit : len;
  for (size_t i = from; i + n <= end; i++)
    if (!memcmp(s + i, lit, n))
      return i;
  return (size_t)-1;
}

size_t bs_jisx0213_to_utf8(int plane, int row, int cell, char *out)
{
  if ((plane != 1 && plane != 2) || row < 1 || row > 94 || cell < 1 || cell > 94)
    return 0;
  /* EUC-JISX0213: plane 1 is two bytes 0xA0+row, 0xA0+cell; plane 2 is prefixed by SS3. */
  char in[3];
  size_t inlen = 0;
  if (plane == 2)
    in[inlen++] = (char)0x8F;
  in[inlen++] = (char)(0xA0 + row);
  in[inlen++] = (char)(0xA0 + cell);
  iconv_t cd = iconv_open("UTF-8", "EUC-JISX0213");
  if (cd == (iconv_t)-1)
    return 0;
  char buf[16];
  char *ip = in, *op = buf;
  size_t il = inlen, ol = sizeof buf;
  size_t r = iconv(cd, &ip, &il, &op, &ol);
  size_t r2 = iconv(cd, NULL, NULL, &op, &ol); /* flush a pending combining sequence */
  iconv_close(cd);
  size_t n = sizeof buf - ol;
  if (r == (size_t)-1 || r2 == (size_t)-1 || il != 0 || n == 0 || n > 8)
    return 0;
  memcpy(out, buf, n);
  return n;
}

/* ---- inline notation ---- */

typedef struct ictx {
  bs_node *parent;
  bs_buf pend; /* text not yet turned into a node */
  bs_warn_state *w;
  int line;
} ictx;

static void flush(ictx *c)
{
  if (!c->pend.len)
    return;
  bs_node *last = bs_node_last_child(c->parent);
  if (bs_node_get_type(last) == BS_NODE_TEXT)
    bs_node_append_literal(last, c->pend.data, c->pend.len);
  else
    bs_node_append_child(c->parent, bs_node_new_text(BS_NODE_TEXT, c->pend.data, c->pend.len));
  bs_buf_clear(&c->pend);
}

static void emit_ruby(ictx *c, const char *base, size_t blen, const char *rt, size_t rlen)
{
  flush(c);
  bs_node *r = bs_node_new(BS_NODE_RUBY);
  char *a = bs_xstrndup(rt, rlen);
  bs_node_set_annotation(r, a);
  free(a);
  bs_node_append_child(r, bs_node_new_text(BS_NODE_TEXT, base, blen));
  if (!bs_node_append_child(c->parent, r)) {
    /* the parent refuses ruby (it is a ruby base itself): keep the base text */
    bs_node_free(r);
    bs_buf_put(&c->pend, base, blen);
  }
}

/* Kanji that may carry implicit ruby (a run of them before 《), with the iteration and
 * abbreviation marks Aozora counts as kanji. */
static bool ruby_base_char(uint32_t cp)
{
  return bs_is_han(cp) || cp == 0x3005 || cp == 0x3006 || cp == 0x3007 || cp == 0x30F6 ||
         cp == 0x30F5;
}

static int digit_at(const char *s, size_t len, size_t *i)
{
  /* ASCII or full-width digit; returns -1 when none */
  if (*i < len && s[*i] >= '0' && s[*i] <= '9')
    return s[(*i)++] - '0';
  if (*i + 3 <= len && (unsigned char)s[*i] == 0xEF && (unsigned char)s[*i + 1] == 0xBC &&
      (unsigned char)s[*i + 2] >= 0x90 && (unsigned char)s[*i + 2] <= 0x99) {
    int d = (unsigned char)s[*i + 2] - 0x90;
    *i += 3;
    return d;
  }
  return -1;
}

static int number_at(const char *s, size_t len, size_t *i)
{
  int v = -1, d;
  while ((d = digit_at(s, len, i)) >= 0) {
    v = (v < 0 ? 0 : v) * 10 + d;
    if (v > 100000)
      return -1;
  }
  return v;
}

/* Resolves a gaiji note's body: "U+XXXX" or a plane-row-cell "1-87-71". */
static size_t resolve_gaiji(const char *s, size_t len, char *out)
{
  for (size_t i = 0; i + 2 < len; i++) {
    if ((s[i] == 'U' || s[i] == 'u') && s[i + 1] == '+') {
      char *end;
      char tmp[9] = {0};
      size_t n = len - i - 2 < 8 ? len - i - 2 : 8;
      memcpy(tmp, s + i + 2, n);
      unsigned long cp = strtoul(tmp, &end, 16);
      if (end != tmp && cp > 0x20 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        bs_buf b = BS_BUF_INIT;
        bs_buf_put_utf8(&b, (uint32_t)cp);
        size_t bl = b.len;
        memcpy(out, b.data, bl);
        bs_buf_free(&b);
        return bl;
      }
    }
  }
  /* the last plane-row-cell triple in the note */
  size_t got = 0;
  for (size_t i = 0; i < len; i++) {
    size_t j = i;
    int p = number_at(s, len, &j);
    if (p < 1 || p > 2 || j >= len || s[j] != '-')
      continue;
    j++;
    int r = number_at(s, len, &j);
    if (r < 1 || j >= len || s[j] != '-')
      continue;
    j++;
    int c = number_at(s, len, &j);
    if (c < 1)
      continue;
    size_t n = bs_jisx0213_to_utf8(p, r, c, out);
    if (n)
      got = n;
  }
  return got;
}

/* ［＃「X」に傍点］ and friends: emphasis dots over the preceding X in the pending text. */
static bool emphasis_note(ictx *c, const char *note, size_t nlen)
{
  static const char open_q[] = "\xE3\x80\x8C", close_q[] = "\xE3\x80\x8D"; /* 「 」 */
  if (nlen < 6 || memcmp(note, open_q, 3))
    return false;
  size_t q = (size_t)-1;
  for (size_t i = nlen; i >= 3 + 3; i--)
    if (!memcmp(note + i - 3, close_q, 3)) {
      q = i - 3;
      break;
    }
  if (q == (size_t)-1 || q <= 3)
    return false;
  const char *rest = note + q + 3;
  size_t rlen = nlen - q - 3;
  /* に…傍点 (傍点, 白ゴマ傍点, 丸傍点, ...); 傍線 and others are not dots */
  if (rlen < 6 || memcmp(rest, "\xE3\x81\xAB", 3) ||
      memcmp(rest + rlen - 6, "\xE5\x82\x8D\xE7\x82\xB9", 6))
    return false;
  const char *target = note + 3;
  size_t tlen = q - 3;
  /* the nearest preceding occurrence in the pending text */
  if (c->pend.len < tlen)
    goto missing;
  for (size_t k = c->pend.len - tlen + 1; k-- > 0;) {
    if (!memcmp(c->pend.data + k, target, tlen)) {
      char *after = bs_xstrndup(c->pend.data + k + tlen, c->pend.len - k - tlen);
      size_t alen = c->pend.len - k - tlen;
      c->pend.len = k;
      c->pend.data[k] = '\0';
      flush(c);
      bs_node *m = bs_node_new(BS_NODE_EMPHASIS_MARK);
      bs_node_append_child(m, bs_node_new_text(BS_NODE_TEXT, target, tlen));
      if (!bs_node_append_child(c->parent, m)) {
        bs_node_free(m);
        bs_buf_put(&c->pend, target, tlen);
      }
      bs_buf_put(&c->pend, after, alen);
      free(after);
      return true;
    }
  }
missing:
  bs_read_warn(c->w, BS_WARN_AOZORA_NOTE, c->line, 0,
               "emphasis note [#%.*s] has no matching text before it; dropped", (int)nlen, note);
  return true;
}

/* Notes that describe layout handled (or deliberately ignored) elsewhere: dropped quietly. */
static bool layout_note(const char *note, size_t nlen)
{
  static const char *const keys[] = {
      "\xE8\xA6\x8B\xE5\x87\xBA\xE3\x81\x97", /* 見出し */
      "\xE5\xAD\x97\xE4\xB8\x8B\xE3\x81\x92", /* 字下げ */
      "\xE6\x94\xB9\xE3\x83\x9A\xE3\x83\xBC\xE3\x82\xB8", /* 改ページ */
      "\xE6\x94\xB9\xE4\xB8\x81",             /* 改丁 */
      "\xE5\x9C\xB0\xE4\xBB\x98\xE3\x81\x8D", /* 地付き */
      "\xE5\xAD\x97\xE4\xB8\x8A\xE3\x81\x92", /* 字上げ */
  };
  if (nlen == 0)
    return true; /* ［＃］ of the legend */
  for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
    if (find_lit(note, nlen, 0, nlen, keys[k]) != (size_t)-1)
      return true;
  return false;
}

void bs_aozora_parse_inline(bs_node *parent, const char *s, size_t len, const char *lang,
                            bs_warn_state *w, int line)
{
  ictx c = {parent, BS_BUF_INIT, w, line};
  bool ja = bs_lang_is_ja(lang);
  size_t i = 0;
  while (i < len) {
    /* every notation starts with byte E2 (※), E3 (《) or EF (｜, ［): copy what lies before
     * the next such byte in one go */
    unsigned char b0 = (unsigned char)s[i];
    if (b0 != 0xE2 && b0 != 0xE3 && b0 != 0xEF) {
      size_t j = i + 1;
      while (j < len && (unsigned char)s[j] != 0xE2 && (unsigned char)s[j] != 0xE3 &&
             (unsigned char)s[j] != 0xEF)
        j++;
      bs_buf_put(&c.pend, s + i, j - i);
      i = j;
      continue;
    }
    if (ja && starts(s, len, i, U_BAR)) {
      size_t o = find_lit(s, len, i + 3, MAX_RUBY_BYTES, U_RUBY_OPEN);
      size_t e = o == (size_t)-1 ? o : find_lit(s, len, o + 3, MAX_RUBY_BYTES, U_RUBY_CLOSE);
      if (o != (size_t)-1 && e != (size_t)-1 && o > i + 3 && e > o + 3 &&
          !memchr(s + i, '\n', e - i)) {
        emit_ruby(&c, s + i + 3, o - i - 3, s + o + 3, e - o - 3);
        i = e + 3;
        continue;
      }
    } else if (ja && starts(s, len, i, U_RUBY_OPEN)) {
      size_t e = find_lit(s, len, i + 3, MAX_RUBY_BYTES, U_RUBY_CLOSE);
      size_t b = c.pend.len, st;
      while (b > 0) {
        uint32_t cp = bs_utf8_prev(c.pend.data, b, &st);
        if (!ruby_base_char(cp))
          break;
        b = st;
      }
      if (e != (size_t)-1 && e > i + 3 && b < c.pend.len && !memchr(s + i, '\n', e - i) &&
          find_lit(s, e, i + 3, e - i - 3, U_RUBY_OPEN) == (size_t)-1) {
        char *base = bs_xstrndup(c.pend.data + b, c.pend.len - b);
        size_t blen = c.pend.len - b;
        c.pend.len = b;
        c.pend.data[b] = '\0';
        emit_ruby(&c, base, blen, s + i + 3, e - i - 3);
        free(base);
        i = e + 3;
        continue;
      }
    } else if (starts(s, len, i, U_KOME U_NOTE_OPEN) || starts(s, len, i, U_NOTE_OPEN)) {
      bool gaiji = starts(s, len, i, U_KOME);
      size_t body = i + (gaiji ? 3 : 0) + 6;
      size_t e = find_lit(s, len, body, MAX_NOTE_BYTES, U_NOTE_CLOSE);
      if (e != (size_t)-1) {
        const char *note = s + body;
        size_t nlen = e - body;
        if (gaiji) {
          char ch[16];
          size_t n = resolve_gaiji(note, nlen, ch);
          if (n) {
            bs_buf_put(&c.pend, ch, n);
          } else {
            bs_read_warn(w, BS_WARN_GAIJI, line, 0,
                         "gaiji note [#%.*s] could not be resolved; written as U+3013",
                         (int)nlen, note);
            bs_buf_puts(&c.pend, U_GETA);
          }
        } else if (!emphasis_note(&c, note, nlen) && !layout_note(note, nlen)) {
          bs_read_warn(w, BS_WARN_AOZORA_NOTE, line, 0,
                       "unknown Aozora note [#%.*s] dropped", (int)nlen, note);
        }
        i = e + 3;
        continue;
      }
    }
    bs_buf_putc(&c.pend, s[i]);
    i++;
  }
  flush(&c);
  bs_buf_free(&c.pend);
}

/* ---- whole-file layout ---- */

static bool is_rule(const char *s, size_t n)
{
  size_t k = 0;
  while (k < n && s[k] == '-')
    k++;
  return k >= 20 && k == n;
}

bool bs_aozora_detect(const char *buf, size_t len)
{
  /* the legend: a dashed rule, then 【テキスト中に現れる記号について】, near the start */
  size_t head = len < 4096 ? len : 4096;
  size_t lines = 0;
  for (size_t i = 0; i < head && lines < 40; lines++) {
    const char *nl = memchr(buf + i, '\n', head - i);
    size_t e = nl ? (size_t)(nl - buf) : head;
    size_t n = e - i;
    if (n && buf[i + n - 1] == '\r')
      n--;
    if (is_rule(buf + i, n)) {
      static const char legend[] = "\xE3\x80\x90\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88"; /* 【テキスト */
      if (find_lit(buf, head, e, 256, legend) != (size_t)-1)
        return true;
    }
    if (!nl)
      break;
    i = e + 1;
  }
  /* or a 底本： colophon near the end of a text using ruby or notes */
  static const char teihon[] = "\n\xE5\xBA\x95\xE6\x9C\xAC\xEF\xBC\x9A"; /* \n底本： */
  size_t from = len > 8192 ? len - 8192 : 0;
  return find_lit(buf, len, from, len - from, teihon) != (size_t)-1 &&
         (find_lit(buf, len, 0, len, U_NOTE_OPEN) != (size_t)-1 ||
          find_lit(buf, len, 0, len, U_RUBY_OPEN) != (size_t)-1);
}

/* A line's leading notes: ［＃Ｎ字下げ］ sets the indent, ［＃改ページ］ is a page break. */
typedef struct line_info {
  const char *s;
  size_t n;
  int lineno;
} line_info;

/* Parses "［＃" N "字下げ］" at s; returns bytes consumed and sets *em, 0 if not. */
static size_t indent_note(const char *s, size_t n, int *em)
{
  if (!starts(s, n, 0, U_NOTE_OPEN))
    return 0;
  size_t i = 6;
  int v = number_at(s, n, &i);
  if (v < 0 || v > 100)
    return 0;
  if (!starts(s, n, i, "\xE5\xAD\x97\xE4\xB8\x8B\xE3\x81\x92" U_NOTE_CLOSE)) /* 字下げ］ */
    return 0;
  *em = v;
  return i + 12;
}

/* ［＃「X」は大/中/小見出し］ anywhere in the line: the heading level, 0 if none. */
static int heading_note(const char *s, size_t n, size_t *at, size_t *end)
{
  static const char *const kinds[3] = {
      "\xE3\x80\x8D\xE3\x81\xAF\xE5\xA4\xA7\xE8\xA6\x8B\xE5\x87\xBA\xE3\x81\x97" U_NOTE_CLOSE,
      "\xE3\x80\x8D\xE3\x81\xAF\xE4\xB8\xAD\xE8\xA6\x8B\xE5\x87\xBA\xE3\x81\x97" U_NOTE_CLOSE,
      "\xE3\x80\x8D\xE3\x81\xAF\xE5\xB0\x8F\xE8\xA6\x8B\xE5\x87\xBA\xE3\x81\x97" U_NOTE_CLOSE};
  for (int k = 0; k < 3; k++) {
    size_t p = find_lit(s, n, 0, n, kinds[k]);
    if (p == (size_t)-1)
      continue;
    /* back to the note's start */
    size_t q = p;
    while (q > 0 && !starts(s, n, q, U_NOTE_OPEN "\xE3\x80\x8C"))
      q--;
    if (!starts(s, n, q, U_NOTE_OPEN "\xE3\x80\x8C"))
      continue;
    *at = q;
    *end = p + strlen(kinds[k]);
    return k + 1;
  }
  return 0;
}

static void add_inline_block(bs_node *doc, bs_node_type type, const char *s, size_t n, int em,
                             int lineno, bs_warn_state *w, const char *lang)
{
  bs_node *b = bs_node_new(type);
  bs_node_set_pos(b, lineno, 1, -1);
  if (em > 0)
    bs_node_set_indent(b, em);
  bs_aozora_parse_inline(b, s, n, lang, w, lineno);
  if (!bs_node_first_child(b)) {
    bs_node_free(b);
    return;
  }
  bs_node_append_child(doc, b);
}

bs_status bs_aozora_read_document(const char *buf, size_t len, const bs_read_options *opts,
                                  bs_node **out, bs_error *err)
{
  bs_read_options def;
  if (!opts) {
    bs_read_options_init(&def);
    opts = &def;
  }
  bs_warn_state w = {opts, {false}};
  if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
    buf += 3, len -= 3;
  if (bs_utf8_validate(buf, len) != (size_t)-1)
    return bs_error_set(err, BS_ERR_ENCODING, opts->path, 0, 0, "input is not valid UTF-8");

  /* split into lines (LF or CRLF) */
  size_t cap = 64, nl = 0;
  line_info *L = bs_xmalloc(cap * sizeof *L);
  for (size_t i = 0; i <= len;) {
    const char *p = i < len ? memchr(buf + i, '\n', len - i) : NULL;
    size_t e = p ? (size_t)(p - buf) : len;
    size_t n = e - i;
    if (n && buf[i + n - 1] == '\r')
      n--;
    if (nl == cap)
      L = bs_xrealloc(L, (cap *= 2) * sizeof *L);
    L[nl] = (line_info){buf + i, n, (int)nl + 1};
    nl++;
    if (!p)
      break;
    i = e + 1;
  }

  const char *lang = opts->lang ? opts->lang : "ja";
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_input(doc, opts->path);
  bs_node_set_lang(doc, lang);

  /* title block: lines up to the first blank line or rule */
  size_t k = 0, head_end = 0;
  while (head_end < nl && L[head_end].n && !is_rule(L[head_end].s, L[head_end].n))
    head_end++;
  if (head_end >= 1) {
    char *t = bs_xstrndup(L[0].s, L[0].n);
    bs_node_set_meta(doc, BS_META_TITLE, t);
    free(t);
  }
  if (head_end >= 2) {
    char *a = bs_xstrndup(L[head_end - 1].s, L[head_end - 1].n);
    bs_node_add_meta_item(doc, BS_META_AUTHORS, a);
    free(a);
  }
  if (head_end >= 3) {
    char *st = bs_xstrndup(L[1].s, L[1].n);
    bs_node_set_meta(doc, BS_META_SUBTITLE, st);
    free(st);
  }
  k = head_end;
  while (k < nl && !L[k].n)
    k++;
  /* the notation legend between two dashed rules */
  if (k < nl && is_rule(L[k].s, L[k].n)) {
    size_t j = k + 1;
    while (j < nl && !is_rule(L[j].s, L[j].n))
      j++;
    k = j < nl ? j + 1 : k + 1;
  }

  /* the colophon: from the last line starting with 底本： */
  static const char teihon[] = "\xE5\xBA\x95\xE6\x9C\xAC\xEF\xBC\x9A";
  size_t colo = nl;
  for (size_t j = nl; j-- > k;)
    if (starts(L[j].s, L[j].n, 0, teihon)) {
      colo = j;
      break;
    }

  int block_indent = 0; /* ［＃ここから２字下げ］ … ［＃ここで字下げ終わり］ */
  static const char here_from[] = U_NOTE_OPEN "\xE3\x81\x93\xE3\x81\x93\xE3\x81\x8B\xE3\x82\x89"; /* ここから */
  static const char here_end[] = U_NOTE_OPEN "\xE3\x81\x93\xE3\x81\x93\xE3\x81\xA7"; /* ここで */
  static const char page[] = U_NOTE_OPEN "\xE6\x94\xB9\xE3\x83\x9A\xE3\x83\xBC\xE3\x82\xB8" U_NOTE_CLOSE;
  for (; k < colo; k++) {
    const char *s = L[k].s;
    size_t n = L[k].n;
    if (!n)
      continue;
    if (starts(s, n, 0, page) && n == strlen(page)) {
      bs_node *pb = bs_node_new(BS_NODE_PAGE_BREAK);
      bs_node_set_pos(pb, L[k].lineno, 1, -1);
      bs_node_append_child(doc, pb);
      continue;
    }
    if (starts(s, n, 0, here_from)) {
      size_t i = strlen(here_from);
      int v = number_at(s, n, &i);
      block_indent = v > 0 && v <= 100 ? v : 0;
      continue;
    }
    if (starts(s, n, 0, here_end)) {
      block_indent = 0;
      continue;
    }
    int em = block_indent;
    size_t used = indent_note(s, n, &em);
    s += used, n -= used;
    size_t at, end;
    int level = heading_note(s, n, &at, &end);
    if (level) {
      /* the heading's text is the line without the note */
      bs_buf h = BS_BUF_INIT;
      bs_buf_put(&h, s, at);
      bs_buf_put(&h, s + end, n - end);
      add_inline_block(doc, BS_NODE_HEADING, h.data ? h.data : "", h.len, em, L[k].lineno, &w,
                       lang);
      bs_node *hd = bs_node_last_child(doc);
      if (bs_node_get_type(hd) == BS_NODE_HEADING)
        bs_node_set_heading_level(hd, level); /* 大 1, 中 2, 小 3 */
      bs_buf_free(&h);
      continue;
    }
    add_inline_block(doc, BS_NODE_PARAGRAPH, s, n, em, L[k].lineno, &w, lang);
  }

  if (colo < nl) {
    /* the colophon as an end note: a rule, then one block quote, lines kept as line breaks */
    size_t last = nl;
    while (last > colo && !L[last - 1].n)
      last--;
    bs_node *q = bs_node_new(BS_NODE_BLOCK_QUOTE);
    bs_node *p = bs_node_new(BS_NODE_PARAGRAPH);
    bs_node_set_pos(q, L[colo].lineno, 1, -1);
    bs_node_set_pos(p, L[colo].lineno, 1, -1);
    for (size_t j = colo; j < last; j++) {
      if (j > colo)
        bs_node_append_child(p, bs_node_new(BS_NODE_LINE_BREAK));
      bs_aozora_parse_inline(p, L[j].s, L[j].n, lang, &w, L[j].lineno);
    }
    bs_node_append_child(q, p);
    bs_node_append_child(doc, bs_node_new(BS_NODE_THEMATIC_BREAK));
    bs_node_append_child(doc, q);
  }
  free(L);
  if (opts->normalize)
    bs_normalize_punctuation(doc);
  *out = doc;
  return BS_OK;
}
