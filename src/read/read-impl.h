/* Private header of the readers stage: warnings once per kind, Aozora Bunko notation shared by
 * the text and Markdown readers. Not installed. */
#ifndef BS_READ_IMPL_H
#define BS_READ_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bisheng/node.h"
#include "bisheng/read.h"

/* Nesting deeper than this (block quotes, lists, inline containers, HTML elements) is flattened
 * before or while parsing, with one warning: stock cmark-gfm is quadratic in quote depth. */
#define BS_READ_MAX_DEPTH 100

/* Warning kinds: each is reported at most once per input. */
typedef enum {
  BS_WARN_RAW_HTML = 0,   /* raw HTML outside the safe subset dropped (Markdown) */
  BS_WARN_SCRIPT,         /* script/style/event content dropped */
  BS_WARN_DEPTH,          /* nesting capped */
  BS_WARN_AOZORA_NOTE,    /* unknown ［＃…］ note dropped */
  BS_WARN_GAIJI,          /* a gaiji note that could not be resolved */
  BS_WARN_IMAGE,          /* an image we could not keep as a figure */
  BS_WARN_UNSAFE_URL,     /* javascript: and similar URLs dropped */
  BS_WARN_SPLIT,          /* an overlong paragraph split before parsing */
  BS_WARN_UTF8,           /* invalid UTF-8 replaced (lossy) */
  BS_WARN_TABLE,          /* a table over the size caps kept as text (Markdown) */
  BS_WARN_EXTRACT,        /* an article smaller than text outside it: both kept (HTML) */
  BS_WARN_CONTENT,        /* page paragraphs outside the extracted article left out (HTML) */
  BS_WARN_KIND_COUNT
} bs_warn_kind;

typedef struct bs_warn_state {
  const bs_read_options *opts; /* diag callback and path; may be NULL */
  bool seen[BS_WARN_KIND_COUNT];
} bs_warn_state;

/* Reports a warning of `kind` through opts->diag unless one of that kind was reported. */
void bs_read_warn(bs_warn_state *w, bs_warn_kind kind, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The UTF-8 check of the Markdown and HTML readers (text.c has its own, which also drops
 * control characters): invalid UTF-8 is an error naming its line, column and byte offset, or
 * with opts->lossy becomes U+FFFD in a new buffer `*clean` (NULL when nothing changed) with one
 * warning through `w`. */
bs_status bs_read_check_utf8(const char *buf, size_t len, const bs_read_options *opts,
                             bs_warn_state *w, char **clean, size_t *clean_len, bs_error *err);

/* True for a language tag that is Japanese ("ja", "ja-JP", ...). */
bool bs_lang_is_ja(const char *lang);

/* Appends to `parent` (an inline container) the inline nodes for `len` bytes of Aozora-style
 * text `s`: text, ruby (｜base《reading》, and kanji《reading》), emphasis_mark
 * (［＃「…」に傍点］ on the preceding occurrence), gaiji (※［＃「…」、第3水準1-87-71］ through
 * JIS X 0213) as the real character. Ruby is recognised only when `lang` is Japanese (Chinese
 * 《書名》 is never ruby); the ［＃…］ notes are handled for every language. Other notes are
 * dropped with a warning (never printed). `line` is used in warnings. */
void bs_aozora_parse_inline(bs_node *parent, const char *s, size_t len, const char *lang,
                            bs_warn_state *w, int line);

/* Resolves a JIS X 0213 plane-row-cell (men-ku-ten) to UTF-8 in `out` (at least 8 bytes).
 * Returns the number of bytes written, 0 when unknown. */
size_t bs_jisx0213_to_utf8(int plane, int row, int cell, char *out);

/* True when `buf` looks like an Aozora Bunko text file: the notation legend between dashed rules
 * near the start, or ruby/notes together with a closing 底本： colophon. */
bool bs_aozora_detect(const char *buf, size_t len);

/* Reads a whole Aozora Bunko text file (UTF-8, LF or CRLF) into a document: title and author
 * lines into the metadata, legend dropped, headings, page breaks, indents, the 底本 colophon
 * kept at the end as a block quote after a thematic break. Honours opts->lang (default "ja"),
 * opts->normalize and opts->diag like the other readers. */
bs_status bs_aozora_read_document(const char *buf, size_t len, const bs_read_options *opts,
                                  bs_node **out, bs_error *err);

/* Drops the document's first block when it is a heading repeating the title (alone, or with
 * a site suffix on either side: "Title - Blog"), which the writers show from the metadata
 * already; heading and title are compared without their spaces. */
void bs_read_drop_title_heading(bs_node *doc);
/* `s` with each run of white space as one space and none at the ends; caller frees. */
char *bs_read_squeeze_space(const char *s);

/* Gives `doc` the language detected from its text (§9) when its metadata names none. */
void bs_read_settle_lang(bs_node *doc);

/* Traditional-only and Simplified-only Han characters for language detection (§9), sorted;
 * generated into hanvariants.c by gen-hanvariants.py. */
extern const uint32_t bs_han_trad_only[];
extern const size_t bs_han_trad_only_len;
extern const uint32_t bs_han_simp_only[];
extern const size_t bs_han_simp_only_len;

/* pandoc Markdown extensions (pandoc.c). A fenced div: its fence lines (body-relative,
 * 1-based) and its classes. */
typedef struct bs_md_div {
  int first, last;
  char *cls;
} bs_md_div;
/* Finds the fenced divs of a Markdown body (not inside code fences). Returns a copy of the
 * body with the fence lines blanked (caller frees), or NULL when there are none; `*divs`
 * (freed with bs_md_divs_free) lists them. */
char *bs_md_fenced_divs(const char *body, size_t len, bs_md_div **divs, size_t *ndivs);
/* Gives each top-level block of `doc` between a div's fences that div's classes (outer first);
 * `line0` is the line of the body's first line minus one. */
void bs_md_apply_divs(bs_node *doc, const bs_md_div *divs, size_t ndivs, int line0);
void bs_md_divs_free(bs_md_div *divs, size_t ndivs);
/* Turns `[text]{.class lang=xx}` in the tree into spans with those classes and language. */
void bs_md_bracketed_spans(bs_node *doc);

#endif
