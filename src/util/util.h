/* Internal helpers shared by every stage: allocation that aborts on out of memory, a growable
 * byte buffer, UTF-8 decoding and character classes. Not installed. */
#ifndef BS_UTIL_H
#define BS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bisheng/error.h"

/* Typographic points in a millimetre (72 / 25.4, to the digits every PDF so far was made with). */
#define BS_PT_PER_MM 2.834645669

/* The one builder of diagnostics (warnings and collected errors): every field of `e` is set:
 * `code`, `path` (NULL: none), line, column, no offset and the formatted message. */
void bs_diag_vmake(bs_error *e, bs_status code, const char *path, int line, int column,
                   const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
/* The same delivered to `fn` (nothing happens when `fn` is NULL). */
void bs_diag_vemit(bs_diag_fn fn, void *user, bs_status code, const char *path, int line,
                   int column, const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));

/* libxml2's one-time set-up (xmlInitParser), done once per process whichever thread comes
 * first: the HTML reader and the EPUB writer both call it before using libxml2, so readers in
 * threads and outputs written in parallel never race it. */
void bs_libxml_init(void);

/* Out of memory prints a message and aborts, as cmark and GLib do: bs_oom says so ("out of
 * memory (n bytes)", n 0: not known) for the allocators below and for libraries' own. */
_Noreturn void bs_oom(size_t n);
void *bs_xmalloc(size_t n);
void *bs_xcalloc(size_t count, size_t n);
void *bs_xrealloc(void *p, size_t n);
char *bs_xstrdup(const char *s);
char *bs_xstrndup(const char *s, size_t n);

typedef struct bs_buf {
  char *data; /* always NUL-terminated when not NULL */
  size_t len;
  size_t cap;
} bs_buf;

#define BS_BUF_INIT {NULL, 0, 0}
void bs_buf_grow(bs_buf *b, size_t extra);
void bs_buf_put(bs_buf *b, const char *s, size_t n);
void bs_buf_puts(bs_buf *b, const char *s);
/* v ≥ 0 in decimal, at least `width` digits (zeros before), ending at t + 24: returns the
 * first. No printf format parsed: a long book's PDF structure tree and xref are a million
 * numbers. */
char *bs_fmt_uint(char t[24], unsigned long long v, int width);
/* v in decimal (bs_fmt_uint). */
void bs_buf_put_int(bs_buf *b, long long v);
void bs_buf_put_utf8_any(bs_buf *b, uint32_t cp);
/* Inline: the readers build their text a character at a time. */
static inline void bs_buf_putc(bs_buf *b, char c)
{
  if (b->len + 2 > b->cap)
    bs_buf_grow(b, 1);
  b->data[b->len++] = c;
  b->data[b->len] = '\0';
}
static inline void bs_buf_put_utf8(bs_buf *b, uint32_t cp)
{
  if (cp < 0x80) {
    bs_buf_putc(b, (char)cp);
  } else if (cp >= 0x800 && cp < 0x10000) {
    if (b->len + 4 > b->cap)
      bs_buf_grow(b, 3);
    char *d = b->data + b->len;
    d[0] = (char)(0xE0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    d[3] = '\0';
    b->len += 3;
  } else {
    bs_buf_put_utf8_any(b, cp);
  }
}
void bs_buf_printf(bs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* `n` bytes of `s` as a JSON string, quotes included (NULL: ""): the one escaper of the tree
 * and layout dumps. */
void bs_buf_put_json(bs_buf *b, const char *s, size_t n);
void bs_buf_clear(bs_buf *b);
/* Hands the data to the caller (free with free()); the buffer is left empty. */
char *bs_buf_detach(bs_buf *b);
void bs_buf_free(bs_buf *b);

/* Whether a BCP 47 tag names a language written right to left (Arabic, Hebrew, Persian,
 * Urdu, Yiddish…), its script subtag deciding when it has one (az-Arab yes, ku-Latn no). */
bool bs_lang_rtl(const char *bcp47);
/* Whether a BCP 47 tag's language subtag is `primary` ("he" matches he and he-IL, not hem). */
bool bs_lang_is(const char *bcp47, const char *primary);

/* Decodes one UTF-8 character at s[0..len). Returns its length (1-4) and sets *cp, or 0 for an
 * invalid or truncated sequence (overlongs, surrogates and > U+10FFFF are invalid). */
size_t bs_utf8_decode_any(const char *s, size_t len, uint32_t *cp);
/* Inline for the two cases that make up nearly all of CJK text (ASCII and three bytes), since
 * the readers and writers decode every character (speed target of issue #3). */
static inline size_t bs_utf8_decode(const char *str, size_t len, uint32_t *cp)
{
  const unsigned char *s = (const unsigned char *)str;
  if (len && s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (len >= 3 && (s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
    uint32_t v = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
      return 0;
    *cp = v;
    return 3;
  }
  return bs_utf8_decode_any(str, len, cp);
}
/* Offset of the first invalid byte, or (size_t)-1 if `s` is valid UTF-8. */
size_t bs_utf8_validate(const char *s, size_t len);
/* Number of characters before byte `off` (for 1-based columns add one). */
size_t bs_utf8_count(const char *s, size_t off);
/* The code point that ends just before s[off] (0 at the start); *start gets its offset. */
uint32_t bs_utf8_prev(const char *s, size_t off, size_t *start);

/* YAML: libyaml 0.2.5 keeps a simple-key slot per open flow collection and scans them all at
 * every token, so `[[[…]]]` nested n deep costs n² (100,000 levels: 30 s). Readers measure the
 * deepest `[`/`{` nesting outside quotes and comments before parsing, stopping at the first
 * level past `max` (its offset in *at). Returns the depth found (more than `max`: refuse). */
enum { BS_YAML_MAX_DEPTH = 1000 };
int bs_yaml_flow_depth(const char *s, size_t n, int max, size_t *at);
/* A libyaml parse error as `path:LINE:COL: what: …`, at the context mark (where the open
 * construct starts) naming the problem mark too; `line0` is added to libyaml's 0-based lines. */
bs_status bs_yaml_error(bs_error *err, const char *path, int line0, const char *what,
                        const char *problem, size_t pline, size_t pcol, const char *context,
                        size_t cline, size_t ccol);

/* Character classes for CJK processing. */
bool bs_is_han(uint32_t cp);
bool bs_is_kana(uint32_t cp);
bool bs_is_hangul(uint32_t cp);
bool bs_is_cjk_punct(uint32_t cp);  /* full-width CJK punctuation and brackets */
bool bs_is_cjk(uint32_t cp);        /* Han, kana, bopomofo, Hangul or CJK punctuation */
bool bs_is_cjk_space(uint32_t cp);  /* ASCII white space, NBSP, U+3000 and friends */

/* Reads a whole file ("-" = stdin) into a new buffer (caller frees). Inputs (articles,
 * manifests, images, stylesheets) above BS_INPUT_MAX bytes are refused with BS_ERR_LIMIT
 * instead of exhausting memory: the whole pipeline holds about seven times the input. */
#define BS_INPUT_MAX ((size_t)64 << 20)
bs_status bs_read_all(const char *path, char **data, size_t *len, bs_error *err);
/* The same with another limit (SIZE_MAX: none, for reading back our own outputs). */
bs_status bs_read_all_max(const char *path, size_t max, char **data, size_t *len, bs_error *err);

/* Temporaries removed by bs_remove_temporaries (error.h) on a signal: tracked from creation
 * until renamed into place or removed. */
void bs_tmp_track(const char *path);
void bs_tmp_untrack(const char *path);
/* mkstemp(3) for a tracked temporary: `templ` ends in XXXXXX, the name is tracked before the
 * file exists, so a signal at any moment leaves nothing behind. The open fd, or -1 (errno). */
int bs_tmp_create(char *templ);
/* The mode a new output at `path` gets: an existing file's, else 0666 less the umask. */
#include <sys/types.h>
mode_t bs_output_mode(const char *path);
/* fsync of the folder holding `path` (after a rename into it); false if it failed. */
bool bs_sync_folder(const char *path);

/* Writes via a temporary file beside `path`, renamed over it on success: the temporary gets
 * the output's mode (bs_output_mode), is synced before and its folder after the rename. */
typedef struct bs_atomic_file bs_atomic_file;
bs_status bs_atomic_open(const char *path, bs_atomic_file **out, bs_error *err);
/* The temporary's path (for libraries that want a file name) and stream. */
const char *bs_atomic_tmp_path(const bs_atomic_file *f);
void *bs_atomic_stream(bs_atomic_file *f); /* a FILE * */
/* Closes and renames; on failure removes the temporary. Frees `f` in every case. */
bs_status bs_atomic_commit(bs_atomic_file *f, bs_error *err);
/* Removes the temporary and frees `f`. NULL is a no-op. */
void bs_atomic_abort(bs_atomic_file *f);

/* Images (image.c): typed by their bytes, sized from their headers. */
enum { BS_IMAGE_MAX_SIDE = 20000 }; /* pixels a side: beyond that it is not a figure */
/* Pixels in all: 64 megapixels are 256 MB decoded as RGBA (the PDF decodes every image; a
 * reading system does too). A 20000 x 20000 header would ask for 1.6 GB. */
enum { BS_IMAGE_MAX_PIXELS = 64 * 1024 * 1024 };
/* "image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml" (and *ext "png" …)
 * from the first bytes, or NULL. */
const char *bs_image_sniff(const unsigned char *d, size_t n, const char **ext);
/* Pixel size from a PNG IHDR, a JPEG SOF marker, a GIF header or a WebP VP8/VP8L/VP8X chunk;
 * false if not found (a damaged header) or zero. */
bool bs_image_size(const unsigned char *d, size_t n, int *w, int *h);
/* Resolves `src`, referenced from `input` at `line`, to a real path (*real, caller frees):
 * no URLs, and unless `cli` (a path the user gave, such as --cover) no absolute paths and no
 * escape from the input's folder through .. or links. Errors name the input and line (or the
 * path itself when `cli`). */
bs_status bs_image_resolve(const char *src, const char *input, int line, bool cli, char **real,
                           bs_error *err);
/* Reads the resolved `real` (at most 64 MB), types it by its bytes (*type "image/png", *ext
 * "png" …) and checks its declared size against the limits above; messages as for
 * bs_image_resolve. Caller frees *data. */
bs_status bs_image_read(const char *real, const char *src, const char *input, int line, bool cli,
                        char **data, size_t *len, const char **type, const char **ext,
                        bs_error *err);
/* Whether a PNG's or JPEG's data can be decoded as its header promises, checked before a
 * writer decodes it: NULL when it can, else "truncated" (cut short: no end, too little data),
 * "damaged" or "larger when decoded than its header says" (a deflate bomb; the inflating
 * stops there). PNG is inflated into a scratch buffer and counted, never kept. Other types:
 * NULL. */
const char *bs_image_check(const unsigned char *d, size_t n, const char *ext);
/* Both of the above, for an image in an article. */
bs_status bs_image_load(const char *src, const char *input, int line, char **data, size_t *len,
                        const char **type, bs_error *err);

#endif
