/* Plain-text article reader: the export layout of news sites (the sample's format) and any
 * article a user would paste.
 *
 * Export layout (all header lines optional but the first):
 *   1  TITLE_SITE                 title, then the site after the last '_'
 *   2  author-affiliation-time    site chrome: dropped
 *   3  【tag】【tag】             tags
 *   4  TITLE                      the title again: dropped
 *   5  作者:NAME、NAME(affiliation)
 * It is recognised when line 1 has a '_' and its part before the last '_' comes back as a line
 * of its own within the first six lines. Without it, the first non-blank line is the title.
 *
 * Body: one paragraph per line (CJK export style); in a text whose language is not CJK, lines
 * separated by blank lines are joined into paragraphs. Block rules, in order (README "Plain
 * text articles"):
 *   - `© …` → figure with credit (and caption, see parse_credit), no image;
 *   - headings (level 1), on a line of at most HEADING_MAX characters that does not end
 *     with sentence punctuation: `一、…` (Chinese numerals + 、), `第N章/節/回/夜…` followed by
 *     nothing or white space, and the opening and closing section words of zh-Hant,
 *     zh-Hans and ja (section_words below, README "Plain text articles"), alone or
 *     followed by `:`/`：` and a title. So `第二,立传的通例…` (阿Q正传) is a paragraph;
 *   - `1. ` / `1、` / `（1）` lines → ordered list items; `- `, `・`, `• `, `* ` → unordered;
 *   - anything else → paragraph. `**…**` inside a line is strong.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "bisheng/read.h"
#include "read-impl.h"

/* A heading is a short line: longer lines are paragraphs even when they start like one. */
#define HEADING_MAX 40

typedef struct {
  const char *s;
  size_t len;
  int no;          /* 1-based line number */
  long long off;   /* byte offset of the line */
} line;

typedef struct {
  const bs_read_options *opts;
  const char *path;
  line *lines;
  size_t nlines;
  const char *lang;   /* decides Aozora ruby (Japanese only) */
  bs_warn_state warn; /* notation warnings, once per kind */
} reader;

static void warn(const reader *r, int lineno, const char *msg)
{
  if (!r->opts->diag)
    return;
  bs_error w;
  bs_error_set(&w, BS_ERR_SYNTAX, r->path, lineno, 0, "%s", msg);
  r->opts->diag(r->opts->diag_user, &w);
}

/* ---- small string helpers over (s, len) ---- */

static uint32_t first_cp(const char *s, size_t len, size_t *n)
{
  uint32_t cp = 0;
  size_t k = bs_utf8_decode(s, len, &cp);
  if (n)
    *n = k ? k : 1;
  return k ? cp : 0xFFFD;
}

static bool starts_with(const char *s, size_t len, const char *pre)
{
  size_t n = strlen(pre);
  return len >= n && !memcmp(s, pre, n);
}

/* Trims ASCII and CJK white space (U+3000 counts) from both ends. */
static void trim(const char **s, size_t *len)
{
  while (*len) {
    size_t n;
    uint32_t cp = first_cp(*s, *len, &n);
    if (!bs_is_cjk_space(cp))
      break;
    *s += n;
    *len -= n;
  }
  while (*len) {
    size_t start;
    uint32_t cp = bs_utf8_prev(*s, *len, &start);
    if (!bs_is_cjk_space(cp))
      break;
    *len = start;
  }
}

static size_t count_chars(const char *s, size_t len) { return bs_utf8_count(s, len); }

static uint32_t last_cp(const char *s, size_t len) { return len ? bs_utf8_prev(s, len, NULL) : 0; }

static bool ends_sentence(uint32_t cp)
{
  switch (cp) {
  case 0x3002: case 0xFF01: case 0xFF1F: case '.': case '!': case '?': case 0xFF0C: case ',':
  case 0x3001: case 0xFF1B: case ';': case 0x2026: case 0xFF0E:
    return true;
  default:
    return false;
  }
}

/* ---- inline content ---- */

static void append_text(bs_node *parent, const char *s, size_t len)
{
  if (!len)
    return;
  bs_node *last = bs_node_last_child(parent);
  if (bs_node_get_type(last) == BS_NODE_TEXT)
    bs_node_append_literal(last, s, len);
  else
    bs_node_append_child(parent, bs_node_new_text(BS_NODE_TEXT, s, len));
}

/* Text with Aozora notation: ruby 漢字《かんじ》 in Japanese, ［＃…］ notes in every language. */
static void append_notation(reader *r, bs_node *parent, const char *s, size_t len, int lineno)
{
  if (!len)
    return;
  if (!memchr(s, 0xE3, len) && !memchr(s, 0xEF, len)) { /* no 《 ｜ ［ ※: plain text */
    append_text(parent, s, len);
    return;
  }
  bs_aozora_parse_inline(parent, s, len, r->lang, &r->warn, lineno);
}

/* Inline text with `**strong**` pairs; an unpaired `**` stays literal. */
static void parse_inline(reader *r, bs_node *parent, const char *s, size_t len, int lineno)
{
  size_t i = 0, start = 0;
  while (i + 1 < len) {
    if (s[i] == '*' && s[i + 1] == '*') {
      const char *close = NULL;
      for (size_t j = i + 2; j + 1 < len; j++)
        if (s[j] == '*' && s[j + 1] == '*') {
          close = s + j;
          break;
        }
      if (close && close > s + i + 2) {
        append_notation(r, parent, s + start, i - start, lineno);
        bs_node *strong = bs_node_new(BS_NODE_STRONG);
        append_notation(r, strong, s + i + 2, (size_t)(close - (s + i + 2)), lineno);
        bs_node_append_child(parent, strong);
        i = (size_t)(close - s) + 2;
        start = i;
        continue;
      }
      break;
    }
    i++;
  }
  append_notation(r, parent, s + start, len - start, lineno);
}

/* ---- block rules ---- */

static bool is_cn_numeral(uint32_t cp)
{
  static const char *const nums = "〇零一二三四五六七八九十百千兩两壹貳叁肆伍陸柒捌玖拾";
  if (cp >= '0' && cp <= '9')
    return true;
  if (cp >= 0xFF10 && cp <= 0xFF19)
    return true;
  const char *p = nums;
  size_t len = strlen(nums);
  while (len) {
    size_t n;
    uint32_t c = first_cp(p, len, &n);
    if (c == cp)
      return true;
    p += n;
    len -= n;
  }
  return false;
}

static bool is_counter(uint32_t cp)
{
  static const uint32_t counters[] = {0x7AE0 /*章*/, 0x7BC0 /*節*/, 0x8282 /*节*/, 0x56DE /*回*/,
                                      0x90E8 /*部*/, 0x7BC7 /*篇*/, 0x5377 /*卷*/, 0x591C /*夜*/,
                                      0x8A71 /*話*/, 0x8BDD /*话*/, 0x5E55 /*幕*/, 0x8B1B /*講*/,
                                      0x8BB2 /*讲*/, 0x8AB2 /*課*/, 0x8BFE /*课*/};
  for (size_t i = 0; i < sizeof counters / sizeof *counters; i++)
    if (counters[i] == cp)
      return true;
  return false;
}

/* The usual opening and closing sections of an article or a book, as a line of their own
 * (Traditional and Simplified forms where they differ; Japanese kana and kanji forms). A word
 * that is the start of another (序, 序言) is tried in either order: a match must be the whole
 * line or be followed by a colon. */
static const char *const section_words[] = {
    /* opening: zh-Hant, zh-Hans */
    "前言", "引言", "序言", "序", "自序", "代序", "序論", "序论", "導言", "导言", "導論", "导论",
    "緒言", "绪言", "緒論", "绪论", "楔子", "小引", "題記", "题记", "引子", "開場白", "开场白",
    /* closing: zh-Hant, zh-Hans */
    "結語", "结语", "結論", "结论", "結束語", "结束语", "總結", "总结", "小結", "小结",
    "餘論", "余论", "後記", "后记", "後序", "后序", "附記", "附记", "跋", "尾聲", "尾声",
    "附錄", "附录", "參考文獻", "参考文献", "致謝", "致谢", "謝辭", "谢辞",
    /* ja: opening */
    "はじめに", "まえがき", "前書き", "序章", "序文", "緒言", "プロローグ",
    /* ja: closing */
    "おわりに", "むすび", "むすびに", "結び", "結びに", "まとめ", "あとがき", "後書き",
    "終章", "補記", "付記", "追記", "謝辞", "エピローグ", NULL};

static bool is_heading(const char *s, size_t len)
{
  if (!len || count_chars(s, len) > HEADING_MAX || ends_sentence(last_cp(s, len)))
    return false;
  size_t n, i = 0;
  uint32_t cp = first_cp(s, len, &n);
  /* 一、… */
  if (is_cn_numeral(cp) && !(cp >= '0' && cp <= '9')) {
    while (i < len && is_cn_numeral(first_cp(s + i, len - i, &n)))
      i += n;
    if (i < len && first_cp(s + i, len - i, &n) == 0x3001 && i + n < len)
      return true;
  }
  /* 第N章 … */
  if (cp == 0x7B2C /*第*/) {
    i = n;
    size_t digits = 0;
    while (i < len && is_cn_numeral(first_cp(s + i, len - i, &n)))
      i += n, digits++;
    if (digits && i < len && is_counter(first_cp(s + i, len - i, &n))) {
      i += n;
      if (i == len)
        return true;
      return bs_is_cjk_space(first_cp(s + i, len - i, &n));
    }
    return false;
  }
  for (const char *const *w = section_words; *w; w++) {
    if (!starts_with(s, len, *w))
      continue;
    size_t wl = strlen(*w);
    if (wl == len)
      return true;
    uint32_t after = first_cp(s + wl, len - wl, &n);
    if ((after == ':' || after == 0xFF1A) && wl + n < len)
      return true;
  }
  return false;
}

/* List markers: returns the marker length (0 if none); *ordered and *num say which. */
static size_t list_marker(const char *s, size_t len, bool *ordered, int *num)
{
  size_t n;
  uint32_t cp = first_cp(s, len, &n);
  if ((cp == '-' || cp == '*' || cp == 0x2022) && n < len && s[n] == ' ') {
    *ordered = false;
    return n + 1;
  }
  if (cp == 0x30FB /*・*/ && n < len) {
    *ordered = false;
    return n;
  }
  size_t i = 0;
  int v = 0;
  while (i < len && i < 4 && s[i] >= '0' && s[i] <= '9')
    v = v * 10 + (s[i++] - '0');
  if (i > 0 && i < len) {
    if ((s[i] == '.' || s[i] == ')') && i + 1 < len && s[i + 1] == ' ') {
      *ordered = true;
      *num = v;
      return i + 2;
    }
    if (first_cp(s + i, len - i, &n) == 0x3001 /*、*/ && i + n < len) {
      *ordered = true;
      *num = v;
      return i + n;
    }
  }
  return 0;
}

/* `© caption / credit / 跳轉媒體庫`: the site's link text is dropped; when there are several
 * parts and the first has CJK in it, the first is the caption and the rest the credit
 * (`© 资料图:…封面 / 新青年文库图库`); otherwise all of it is the credit (`© Sputnik / …`). */
static bs_node *parse_credit(const char *s, size_t len)
{
  size_t n;
  first_cp(s, len, &n);
  s += n;
  len -= n;
  trim(&s, &len);
  /* split on " / " and "／" */
  const char *parts[16];
  size_t plen[16], np = 0;
  size_t start = 0, i = 0;
  while (i <= len && np < 16) {
    size_t sep = 0;
    if (i < len && s[i] == '/')
      sep = 1;
    else if (i + 3 <= len && !memcmp(s + i, "\xEF\xBC\x8F", 3))
      sep = 3;
    if (i == len || sep) {
      const char *p = s + start;
      size_t pl = i - start;
      trim(&p, &pl);
      if (pl) {
        parts[np] = p;
        plen[np++] = pl;
      }
      if (i == len)
        break;
      i += sep;
      start = i;
      continue;
    }
    i++;
  }
  if (np > 1 && ((plen[np - 1] == strlen("跳轉媒體庫") && !memcmp(parts[np - 1], "跳轉媒體庫", plen[np - 1])) ||
                 (plen[np - 1] == strlen("跳转媒体库") && !memcmp(parts[np - 1], "跳转媒体库", plen[np - 1]))))
    np--;
  bs_node *fig = bs_node_new(BS_NODE_FIGURE);
  bool cjk_first = false;
  for (size_t k = 0; np > 1 && k < plen[0];) {
    size_t m;
    uint32_t cp = first_cp(parts[0] + k, plen[0] - k, &m);
    if (bs_is_han(cp) || bs_is_kana(cp))
      cjk_first = true;
    k += m;
  }
  bs_buf cap = BS_BUF_INIT, cred = BS_BUF_INIT;
  for (size_t k = 0; k < np; k++) {
    if (k == 0 && cjk_first) {
      bs_buf_put(&cap, parts[0], plen[0]);
      continue;
    }
    if (cred.len)
      bs_buf_puts(&cred, " / ");
    bs_buf_put(&cred, parts[k], plen[k]);
  }
  bs_node_set_caption(fig, cap.data ? cap.data : "");
  bs_node_set_credit(fig, cred.data ? cred.data : "");
  bs_buf_free(&cap);
  bs_buf_free(&cred);
  return fig;
}

/* ---- header ---- */

static bool line_equals(const line *l, const char *s, size_t len)
{
  const char *p = l->s;
  size_t pl = l->len;
  trim(&p, &pl);
  return pl == len && !memcmp(p, s, len);
}

/* `作者:徐秉君(華語智庫…)`: authors split on 、，,/ and spaces outside brackets; the bracketed
 * rest is the affiliation. */
static bool parse_byline(bs_node *doc, const char *s, size_t len)
{
  static const char *const prefixes[] = {"作者:", "作者：", "文:", "文／", "文/", "撰文:", "撰文：",
                                         "著者:", "著者：", "By ", "by ", NULL};
  size_t pre = 0;
  for (const char *const *p = prefixes; *p; p++)
    if (starts_with(s, len, *p)) {
      pre = strlen(*p);
      break;
    }
  if (!pre)
    return false;
  s += pre;
  len -= pre;
  trim(&s, &len);
  bs_buf name = BS_BUF_INIT, aff = BS_BUF_INIT;
  int depth = 0;
  size_t i = 0;
  while (i <= len) {
    size_t n = 1;
    uint32_t cp = i < len ? first_cp(s + i, len - i, &n) : 0;
    bool open = cp == '(' || cp == 0xFF08;
    bool close = cp == ')' || cp == 0xFF09;
    if (depth == 0 && !open &&
        (i == len || cp == 0x3001 || cp == 0xFF0C || cp == ',' || cp == '/' || cp == ' ' ||
         cp == 0x3000 || cp == 0xFF0F)) {
      const char *p = name.data ? name.data : "";
      size_t pl = name.len;
      trim(&p, &pl);
      if (pl) {
        char *a = bs_xstrndup(p, pl);
        bs_node_add_meta_item(doc, BS_META_AUTHORS, a);
        free(a);
      }
      bs_buf_clear(&name);
    } else if (open) {
      if (depth++ > 0)
        bs_buf_put(&aff, s + i, n);
      else if (aff.len)
        bs_buf_puts(&aff, "；");
    } else if (close && depth > 0) {
      if (--depth > 0)
        bs_buf_put(&aff, s + i, n);
    } else if (depth > 0) {
      bs_buf_put(&aff, s + i, n);
    } else {
      bs_buf_put(&name, s + i, n);
    }
    if (i == len)
      break;
    i += n;
  }
  if (aff.len)
    bs_node_set_meta(doc, BS_META_AFFILIATION, aff.data);
  bs_buf_free(&name);
  bs_buf_free(&aff);
  return true;
}

/* 【原創】【評論】 → tags. */
static bool parse_tags(bs_node *doc, const char *s, size_t len)
{
  if (!starts_with(s, len, "【") || !len || last_cp(s, len) != 0x3011)
    return false;
  size_t i = 0;
  while (i < len) {
    if (!starts_with(s + i, len - i, "【"))
      return i > 0;
    i += 3;
    size_t j = i;
    while (j < len && !starts_with(s + j, len - j, "】"))
      j++;
    if (j >= len)
      return false;
    char *t = bs_xstrndup(s + i, j - i);
    bs_node_add_meta_item(doc, BS_META_TAGS, t);
    free(t);
    i = j + 3;
  }
  return true;
}

/* Reads the header lines; returns the index of the first body line. */
static size_t parse_header(reader *r, bs_node *doc)
{
  size_t i = 0;
  while (i < r->nlines && r->lines[i].len == 0)
    i++;
  if (i >= r->nlines)
    return i;
  const line *first = &r->lines[i];
  const char *s = first->s;
  size_t len = first->len;
  trim(&s, &len);
  /* export layout: TITLE_SITE, and TITLE again within the next lines */
  const char *us = NULL;
  for (size_t k = len; k > 0; k--)
    if (s[k - 1] == '_') {
      us = s + k - 1;
      break;
    }
  size_t again = 0;
  if (us && us > s) {
    size_t tl = (size_t)(us - s);
    for (size_t k = i + 1; k < r->nlines && k <= i + 5; k++)
      if (line_equals(&r->lines[k], s, tl)) {
        again = k;
        break;
      }
  }
  if (!again) {
    char *t = bs_xstrndup(s, len);
    bs_node_set_meta(doc, BS_META_TITLE, t);
    free(t);
    return i + 1;
  }
  char *t = bs_xstrndup(s, (size_t)(us - s));
  bs_node_set_meta(doc, BS_META_TITLE, t);
  free(t);
  const char *site = us + 1;
  size_t sl = len - (size_t)(site - s);
  trim(&site, &sl);
  if (sl) {
    char *st = bs_xstrndup(site, sl);
    bs_node_set_meta(doc, BS_META_SOURCE, st);
    free(st);
  }
  /* lines between: the author/affiliation/time line (chrome) and tag lines */
  for (size_t k = i + 1; k < again; k++) {
    const char *ls = r->lines[k].s;
    size_t ll = r->lines[k].len;
    trim(&ls, &ll);
    if (ll)
      parse_tags(doc, ls, ll);
  }
  size_t body = again + 1;
  /* a byline may follow the repeated title */
  while (body < r->nlines) {
    const char *ls = r->lines[body].s;
    size_t ll = r->lines[body].len;
    trim(&ls, &ll);
    if (!ll) {
      body++;
      continue;
    }
    if (parse_byline(doc, ls, ll) || parse_tags(doc, ls, ll)) {
      body++;
      continue;
    }
    break;
  }
  return body;
}

/* ---- body ---- */

static bool lang_is_cjk(const char *lang)
{
  return lang && (!strncmp(lang, "zh", 2) || !strncmp(lang, "ja", 2) || !strncmp(lang, "ko", 2));
}

static void set_pos(bs_node *n, const line *l, const char *at)
{
  bs_node_set_pos(n, l->no, (int)count_chars(l->s, (size_t)(at - l->s)) + 1,
                  l->off + (at - l->s));
}

static void parse_body(reader *r, bs_node *doc, size_t from, const char *lang)
{
  bool join = !lang_is_cjk(lang);
  bs_node *list = NULL, *para = NULL;
  for (size_t i = from; i < r->nlines; i++) {
    const line *l = &r->lines[i];
    const char *s = l->s;
    size_t len = l->len;
    trim(&s, &len);
    if (!len) {
      list = NULL;
      para = NULL;
      continue;
    }
    bool ordered = false;
    int num = 1;
    size_t m;
    if (starts_with(s, len, "©") || starts_with(s, len, "(c) ") || starts_with(s, len, "(C) ")) {
      bs_node *fig = parse_credit(s, len);
      set_pos(fig, l, s);
      bs_node_append_child(doc, fig);
      list = para = NULL;
    } else if (is_heading(s, len)) {
      bs_node *h = bs_node_new(BS_NODE_HEADING);
      set_pos(h, l, s);
      parse_inline(r, h, s, len, l->no);
      bs_node_append_child(doc, h);
      list = para = NULL;
    } else if ((m = list_marker(s, len, &ordered, &num)) > 0) {
      if (!list || bs_node_get_list_ordered(list) != ordered) {
        list = bs_node_new(BS_NODE_LIST);
        bs_node_set_list_ordered(list, ordered);
        if (ordered)
          bs_node_set_list_start(list, num);
        set_pos(list, l, s);
        bs_node_append_child(doc, list);
      }
      bs_node *item = bs_node_new(BS_NODE_ITEM), *p = bs_node_new(BS_NODE_PARAGRAPH);
      const char *c = s + m;
      size_t cl = len - m;
      trim(&c, &cl);
      set_pos(item, l, s);
      set_pos(p, l, c);
      parse_inline(r, p, c, cl, l->no);
      bs_node_append_child(item, p);
      bs_node_append_child(list, item);
      para = NULL;
    } else if (join && para) {
      /* a wrapped line of a Latin-script paragraph */
      bs_node *last = bs_node_last_child(para);
      if (bs_node_get_type(last) == BS_NODE_TEXT)
        bs_node_append_literal(last, " ", 1);
      else
        append_text(para, " ", 1);
      parse_inline(r, para, s, len, l->no);
    } else {
      para = bs_node_new(BS_NODE_PARAGRAPH);
      set_pos(para, l, s);
      parse_inline(r, para, s, len, l->no);
      bs_node_append_child(doc, para);
      list = NULL;
      if (!join)
        para = NULL;
    }
  }
}

/* ---- encoding ---- */

/* A hint, never a guess: a file is called Shift_JIS only when nothing before the first bad
 * byte was multi-byte UTF-8 and the whole file converts cleanly from Shift_JIS (CP932). */
static bool looks_like_sjis(const char *s, size_t len, size_t bad_at)
{
  for (size_t i = 0; i < bad_at; i++)
    if ((unsigned char)s[i] >= 0x80)
      return false;
  iconv_t cd = iconv_open("UTF-8", "CP932");
  if (cd == (iconv_t)-1)
    return false;
  char *in = (char *)s, out[4096];
  size_t inl = len > 65536 ? 65536 : len;
  bool ok = true;
  while (inl > 0 && ok) {
    char *o = out;
    size_t ol = sizeof out;
    if (iconv(cd, &in, &inl, &o, &ol) == (size_t)-1 && errno != E2BIG)
      ok = errno == EINVAL && len > 65536; /* cut mid-character by our own limit */
  }
  iconv_close(cd);
  return ok;
}

/* Validates UTF-8 and control characters. On success *clean is the text to parse (a new
 * buffer when something was replaced or dropped, else NULL). */
static bs_status check_encoding(reader *r, const char *buf, size_t len, char **clean,
                                size_t *clean_len, bs_error *err)
{
  *clean = NULL;
  bs_buf out = BS_BUF_INIT;
  bool changed = false, warned_ctl = false, warned_utf8 = false;
  int lineno = 1;
  size_t line_start = 0, i = 0, copied = 0;
  while (i < len) {
    unsigned char c = (unsigned char)buf[i];
    if (c == '\n') {
      lineno++;
      line_start = ++i;
      continue;
    }
    if (c >= 0x20 && c < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t n = c < 0x80 ? 1 : bs_utf8_decode(buf + i, len - i, &cp);
#define COL ((int)bs_utf8_count(buf + line_start, i - line_start) + 1) /* on error only */
    if (c == 0) {
      bs_buf_free(&out);
      return bs_error_set(err, BS_ERR_ENCODING, r->path, lineno, COL,
                          "NUL byte at byte offset %zu: this looks like a binary file", i);
    }
    if (c < 0x20 && c != '\t' && c != '\r' && c != '\f') {
      if (!warned_ctl) {
        warn(r, lineno, "control characters dropped");
        warned_ctl = true;
      }
      bs_buf_put(&out, buf + copied, i - copied);
      copied = ++i;
      changed = true;
      continue;
    }
    if (c < 0x80) {
      i++;
      continue;
    }
    if (!n) {
      if (!r->opts->lossy) {
        bs_buf_free(&out);
        if (looks_like_sjis(buf, len, i))
          return bs_error_set(err, BS_ERR_ENCODING, r->path, lineno, COL,
                              "invalid UTF-8 at byte offset %zu; the file looks like Shift_JIS: "
                              "convert it with 'iconv -f SHIFT_JIS -t UTF-8'", i);
        return bs_error_set(err, BS_ERR_ENCODING, r->path, lineno, COL,
                            "invalid UTF-8 at byte offset %zu (use --lossy to replace it)", i);
      }
      if (!warned_utf8) {
        warn(r, lineno, "invalid UTF-8 replaced with U+FFFD");
        warned_utf8 = true;
      }
      bs_buf_put(&out, buf + copied, i - copied);
      bs_buf_puts(&out, "\xEF\xBF\xBD");
      copied = ++i;
      changed = true;
      continue;
    }
    i += n;
  }
#undef COL
  if (changed) {
    bs_buf_put(&out, buf + copied, len - copied);
    *clean_len = out.len;
    *clean = bs_buf_detach(&out);
  }
  bs_buf_free(&out);
  return BS_OK;
}

static bool has_han(const char *s, size_t len)
{
  for (size_t i = 0; i < len;) {
    size_t n;
    if (bs_is_han(first_cp(s + i, len - i, &n)))
      return true;
    i += n;
  }
  return false;
}

static void split_lines(reader *r, const char *buf, size_t len)
{
  size_t cap = 64;
  r->lines = bs_xmalloc(cap * sizeof *r->lines);
  r->nlines = 0;
  size_t i = 0, start = 0;
  int no = 1;
  while (i <= len) {
    if (i == len || buf[i] == '\n' || buf[i] == '\r') {
      if (i == len && start == len)
        break;
      if (r->nlines == cap) {
        cap *= 2;
        r->lines = bs_xrealloc(r->lines, cap * sizeof *r->lines);
      }
      r->lines[r->nlines++] = (line){buf + start, i - start, no++, (long long)start};
      if (i < len && buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
        i++;
      start = i + 1;
    }
    i++;
  }
}

bs_status bs_read_text(const char *buf, size_t len, const bs_read_options *opts, bs_node **out,
                       bs_error *err)
{
  bs_read_options def;
  if (!opts) {
    bs_read_options_init(&def);
    opts = &def;
  }
  reader r = {opts, opts->path ? opts->path : "-", NULL, 0, NULL, {opts, {false}}};
  if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
    buf += 3, len -= 3;
  char *clean = NULL;
  size_t clean_len = 0;
  bs_status st = check_encoding(&r, buf, len, &clean, &clean_len, err);
  if (st != BS_OK)
    return st;
  if (clean)
    buf = clean, len = clean_len;
  bool blank = true;
  for (size_t i = 0; i < len && blank;) {
    size_t n;
    uint32_t cp = first_cp(buf + i, len - i, &n);
    blank = bs_is_cjk_space(cp);
    i += n;
  }
  if (blank) {
    free(clean);
    return bs_error_set(err, BS_ERR_SYNTAX, r.path, 0, 0,
                        len ? "the file has only white space" : "the file is empty");
  }
  if (bs_aozora_detect(buf, len)) {
    /* an Aozora Bunko file as a whole (title, author, legend, notes, colophon) */
    st = bs_aozora_read_document(buf, len, opts, out, err);
    free(clean);
    return st;
  }
  split_lines(&r, buf, len);
  bs_node *doc = bs_node_new(BS_NODE_DOCUMENT);
  bs_node_set_input(doc, r.path);
  size_t body = parse_header(&r, doc);

  /* Language: the caller's, else detected from the body (the chrome line 2 of an export is
   * often in the other script and must not decide). */
  const char *lang = opts->lang;
  if (!lang) {
    size_t from = body < r.nlines ? (size_t)r.lines[body].off : len;
    const char *title = bs_node_get_meta(doc, BS_META_TITLE);
    lang = bs_detect_lang(buf + from, len - from);
    if (!lang && title)
      lang = bs_detect_lang(title, strlen(title));
    if (!lang && has_han(buf, len)) {
      /* §9: undecided Chinese falls back to the project default, with a warning */
      lang = "zh-Hant";
      warn(&r, 0, "cannot tell Traditional from Simplified Chinese; assuming zh-Hant "
                  "(use --lang to choose)");
    }
  }
  if (lang)
    bs_node_set_meta(doc, BS_META_LANG, lang);
  r.lang = lang;
  parse_body(&r, doc, body, lang);
  if (!bs_node_first_child(doc))
    warn(&r, body < r.nlines ? r.lines[body].no : (int)r.nlines, "the article has a title but no text");
  if (opts->normalize)
    bs_normalize_punctuation(doc);
  free(r.lines);
  free(clean);
  *out = doc;
  return BS_OK;
}
