/* Reader dispatch: format detection, encoding checks common to all readers, file reading. */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/util.h"
#include "bisheng/read.h"
#include "read-impl.h"

void bs_read_options_init(bs_read_options *o)
{
  memset(o, 0, sizeof *o);
  o->normalize = true;
}

/* ---- Services of every reader (read-impl.h) ---- */

void bs_read_warn(bs_warn_state *w, bs_warn_kind kind, int line, int column, const char *fmt, ...)
{
  if (!w || (unsigned)kind >= BS_WARN_KIND_COUNT || w->seen[kind])
    return;
  w->seen[kind] = true;
  if (!w->opts)
    return;
  va_list ap;
  va_start(ap, fmt);
  bs_diag_vemit(w->opts->diag, w->opts->diag_user, BS_ERR_SYNTAX, w->opts->path, line, column,
                fmt, ap);
  va_end(ap);
}

bool bs_lang_is_ja(const char *lang)
{
  return lang && (lang[0] == 'j' || lang[0] == 'J') && (lang[1] == 'a' || lang[1] == 'A') &&
         (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_');
}

bs_format bs_format_from_path(const char *path)
{
  const char *dot = path ? strrchr(path, '.') : NULL;
  if (!dot || strchr(dot, '/'))
    return BS_FORMAT_AUTO;
  dot++;
  if (!strcasecmp(dot, "txt") || !strcasecmp(dot, "text"))
    return BS_FORMAT_TEXT;
  if (!strcasecmp(dot, "md") || !strcasecmp(dot, "markdown"))
    return BS_FORMAT_MARKDOWN;
  if (!strcasecmp(dot, "html") || !strcasecmp(dot, "htm") || !strcasecmp(dot, "xhtml"))
    return BS_FORMAT_HTML;
  if (!strcasecmp(dot, "yaml") || !strcasecmp(dot, "yml"))
    return BS_FORMAT_MANIFEST;
  return BS_FORMAT_AUTO;
}

const char *bs_format_string(bs_format f)
{
  switch (f) {
  case BS_FORMAT_TEXT: return "text";
  case BS_FORMAT_MARKDOWN: return "markdown";
  case BS_FORMAT_HTML: return "html";
  case BS_FORMAT_MANIFEST: return "manifest";
  default: return "auto";
  }
}

bs_format bs_format_from_string(const char *n)
{
  if (!n)
    return BS_FORMAT_AUTO;
  if (!strcmp(n, "text") || !strcmp(n, "txt") || !strcmp(n, "plain"))
    return BS_FORMAT_TEXT;
  if (!strcmp(n, "markdown") || !strcmp(n, "md") || !strcmp(n, "gfm") || !strcmp(n, "commonmark"))
    return BS_FORMAT_MARKDOWN;
  if (!strcmp(n, "html") || !strcmp(n, "htm") || !strcmp(n, "xhtml"))
    return BS_FORMAT_HTML;
  if (!strcmp(n, "manifest") || !strcmp(n, "yaml"))
    return BS_FORMAT_MANIFEST;
  return BS_FORMAT_AUTO;
}

/* Sniffs a buffer with no usable extension: markup first, then Markdown signs, else text. */
static bs_format sniff(const char *buf, size_t len)
{
  size_t i = 0;
  if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
    i = 3;
  while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
    i++;
  size_t rest = len - i;
  const char *p = buf + i;
  if (rest >= 5 && (!strncasecmp(p, "<!doc", 5) || !strncasecmp(p, "<html", 5) ||
                    !strncasecmp(p, "<?xml", 5)))
    return BS_FORMAT_HTML;
  if (rest >= 4 && !strncmp(p, "---\n", 4))
    return BS_FORMAT_MARKDOWN;
  if (rest >= 2 && p[0] == '#' && (p[1] == ' ' || p[1] == '#'))
    return BS_FORMAT_MARKDOWN;
  return BS_FORMAT_TEXT;
}

/* An image's kind from its first bytes, or NULL. */
static const char *image_kind(const char *buf, size_t len)
{
  const unsigned char *b = (const unsigned char *)buf;
  if (len >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
    return "PNG";
  if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
    return "JPEG";
  if (len >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6)))
    return "GIF";
  if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
    return "WebP";
  return NULL;
}

/* The extension of `path` when it has one that names no format we read (a letter in it:
 * "notes.2024" is a name, not a format), else NULL. */
static const char *unknown_extension(const char *path)
{
  const char *slash = path ? strrchr(path, '/') : NULL;
  const char *dot = path ? strrchr(slash ? slash : path, '.') : NULL;
  if (!dot || dot == (slash ? slash + 1 : path) || !dot[1])
    return NULL;
  for (const char *p = dot + 1; *p; p++)
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
      return dot;
  return NULL;
}

bs_status bs_read_check_utf8(const char *buf, size_t len, const bs_read_options *opts,
                             bs_warn_state *w, char **clean, size_t *clean_len, bs_error *err)
{
  *clean = NULL;
  size_t bad = bs_utf8_validate(buf, len);
  if (bad == (size_t)-1)
    return BS_OK;
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < bad; i++)
    if (buf[i] == '\n')
      line++, line_start = i + 1;
  if (!opts->lossy)
    return bs_error_set(err, BS_ERR_ENCODING, opts->path, line,
                        (int)bs_utf8_count(buf + line_start, bad - line_start) + 1,
                        "invalid UTF-8 at byte offset %zu (use --lossy to replace it)", bad);
  bs_read_warn(w, BS_WARN_UTF8, line, 0, "invalid UTF-8 replaced with U+FFFD");
  bs_buf out = BS_BUF_INIT;
  size_t copied = 0;
  for (size_t i = bad; i < len;) {
    uint32_t cp;
    size_t n = bs_utf8_decode(buf + i, len - i, &cp);
    if (n) {
      i += n;
      continue;
    }
    bs_buf_put(&out, buf + copied, i - copied);
    bs_buf_puts(&out, "\xEF\xBF\xBD");
    copied = ++i;
  }
  bs_buf_put(&out, buf + copied, len - copied);
  *clean_len = out.len;
  *clean = bs_buf_detach(&out);
  return BS_OK;
}

/* UTF-16 with a byte-order mark is converted to UTF-8; every other encoding but UTF-8 is the
 * reader's clear error. */
static bs_status from_utf16(const char *buf, size_t len, const char *path, char **out,
                            size_t *out_len, bs_error *err)
{
  const char *enc = (unsigned char)buf[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";
  iconv_t cd = iconv_open("UTF-8", enc);
  if (cd == (iconv_t)-1)
    return bs_error_set(err, BS_ERR_LIBRARY, path, 0, 0, "iconv cannot convert %s", enc);
  size_t cap = len * 2 + 16;
  char *dst = bs_xmalloc(cap);
  char *in = (char *)buf + 2, *o = dst;
  size_t inl = len - 2, outl = cap;
  bs_status st = BS_OK;
  if (iconv(cd, &in, &inl, &o, &outl) == (size_t)-1)
    st = bs_error_set(err, BS_ERR_ENCODING, path, 0, 0,
                      "invalid %s at byte offset %zu", enc, (size_t)(in - buf));
  iconv_close(cd);
  if (st != BS_OK) {
    free(dst);
    return st;
  }
  *out = dst;
  *out_len = (size_t)(o - dst);
  return BS_OK;
}

bs_status bs_read(const char *buf, size_t len, const bs_read_options *opts, bs_node **out,
                  bs_error *err)
{
  bs_read_options def;
  if (!opts) {
    bs_read_options_init(&def);
    opts = &def;
  }
  if (len >= 2 && (((unsigned char)buf[0] == 0xFF && (unsigned char)buf[1] == 0xFE) ||
                   ((unsigned char)buf[0] == 0xFE && (unsigned char)buf[1] == 0xFF))) {
    char *u8 = NULL;
    size_t u8len = 0;
    bs_status st = from_utf16(buf, len, opts->path, &u8, &u8len, err);
    if (st != BS_OK)
      return st;
    st = bs_read(u8, u8len, opts, out, err);
    free(u8);
    return st;
  }
  bs_format f = opts->format;
  if (f == BS_FORMAT_AUTO)
    f = bs_format_from_path(opts->path);
  if (f == BS_FORMAT_AUTO) {
    /* a guess would turn a .docx or a photo into a book of garbage: say what we read */
    const char *img = image_kind(buf, len), *ext = unknown_extension(opts->path);
    if (img)
      return bs_error_set(err, BS_ERR_UNSUPPORTED, opts->path, 0, 0,
                          "this is an image (%s), not an article: use it as a cover "
                          "(--cover) or show it in an article (![caption](file))", img);
    if (ext)
      return bs_error_set(err, BS_ERR_UNSUPPORTED, opts->path, 0, 0,
                          "unknown input format '%s': bisheng reads text (.txt), Markdown "
                          "(.md), HTML (.html, .htm, .xhtml); -f text|markdown|html reads it "
                          "as one of those", ext);
    f = sniff(buf, len);
  }
  switch (f) {
  case BS_FORMAT_TEXT: return bs_read_text(buf, len, opts, out, err);
  case BS_FORMAT_MARKDOWN: return bs_read_markdown(buf, len, opts, out, err);
  case BS_FORMAT_HTML: return bs_read_html(buf, len, opts, out, err);
  default:
    return bs_error_set(err, BS_ERR_UNSUPPORTED, opts->path, 0, 0,
                        "a manifest is a book, not an article: use 'bisheng build'");
  }
}

bs_status bs_read_file(const char *path, const bs_read_options *opts, bs_node **out,
                       bs_error *err)
{
  bs_read_options o;
  if (opts)
    o = *opts;
  else
    bs_read_options_init(&o);
  o.path = path;
  char *data = NULL;
  size_t len = 0;
  bs_status st = bs_read_all(path, &data, &len, err);
  if (st != BS_OK)
    return st;
  st = bs_read(data, len, &o, out, err);
  free(data);
  return st;
}

char *bs_read_squeeze_space(const char *s)
{
  bs_buf b = BS_BUF_INIT;
  for (; *s; s++) {
    bool ws = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
    if (ws) {
      if (b.len && b.data[b.len - 1] != ' ')
        bs_buf_putc(&b, ' ');
    } else {
      bs_buf_putc(&b, *s);
    }
  }
  while (b.len && b.data[b.len - 1] == ' ')
    b.data[--b.len] = '\0';
  char *r = bs_buf_detach(&b);
  return r ? r : bs_xstrdup("");
}

static void no_space(char *s)
{
  char *o = s;
  for (; *s; s++)
    if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
      *o++ = *s;
  *o = '\0';
}

/* Does `longer` continue `shorter` with a site suffix (" - Blog", " | Site", "｜站", "_网")? */
static bool title_plus_site(const char *longer, const char *shorter)
{
  size_t n = strlen(shorter);
  if (!n || strncmp(longer, shorter, n))
    return false;
  /* the separators without their spaces, which are gone here */
  static const char *const seps[] = {"-", "|", "\xEF\xBD\x9C", "\xE2\x80\x93", "\xE2\x80\x94",
                                     "_", NULL};
  const char *rest = longer + n;
  for (int i = 0; seps[i]; i++)
    if (!strncmp(rest, seps[i], strlen(seps[i])) && rest[strlen(seps[i])])
      return true;
  return false;
}

void bs_read_drop_title_heading(bs_node *doc)
{
  const char *title = bs_node_get_meta(doc, BS_META_TITLE);
  bs_node *first = bs_node_first_child(doc);
  if (!title || !*title || !first || bs_node_get_type(first) != BS_NODE_HEADING)
    return;
  /* compared without spaces: readers drop those between CJK characters in text (CSS Text
   * §4.1.2) but the title keeps what the source wrote */
  char *h = bs_node_text_content(first), *t = bs_xstrdup(title);
  no_space(h);
  no_space(t);
  if (*h && (!strcmp(h, t) || title_plus_site(h, t) || title_plus_site(t, h))) {
    bs_node_unlink(first);
    bs_node_free(first);
  }
  free(h);
  free(t);
}
