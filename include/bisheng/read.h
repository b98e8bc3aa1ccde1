/* bisheng: readers. Each turns bytes into a document tree and knows nothing of writers.
 *
 * A reader fills `*out` only on success (caller frees with bs_node_free); on failure it
 * returns the status and fills `err` with the input's path, line and column.
 *
 * Thread safety: every reader may run in several threads at once, each on its own input and
 * tree; no warm-up is needed. Each sets its library up once per process itself, whichever
 * thread comes first (pthread_once: cmark-gfm's extension registry, libxml2's parser). The
 * diag callback is called on the reading thread. */
#ifndef BISHENG_READ_H
#define BISHENG_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "node.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  BS_FORMAT_AUTO = 0,
  BS_FORMAT_TEXT,     /* plain-text article export (and Aozora Bunko .txt) */
  BS_FORMAT_MARKDOWN,
  BS_FORMAT_HTML,
  BS_FORMAT_MANIFEST  /* book.yaml */
} bs_format;

typedef struct bs_read_options {
  const char *path;     /* shown in errors and recorded on the document; "-" for stdin */
  bs_format format;     /* AUTO: from the path's extension, else sniffed */
  const char *lang;     /* BCP 47 override; NULL detects from the text */
  bool normalize;       /* N1: CJK punctuation normalisation (default true) */
  bool lossy;           /* invalid UTF-8 becomes U+FFFD with a warning instead of an error */
  bs_diag_fn diag;      /* warnings; NULL drops them */
  void *diag_user;
} bs_read_options;

/* Fills `opts` with the defaults. */
BS_API void bs_read_options_init(bs_read_options *opts);

/* Format from a file name's extension (.txt .md .markdown .html .htm .xhtml .yaml .yml),
 * BS_FORMAT_AUTO when unknown. */
BS_API bs_format bs_format_from_path(const char *path);
/* "text", "markdown", "html", "manifest"; parses the same names (and "md", "txt"). */
BS_API const char *bs_format_string(bs_format f);
BS_API bs_format bs_format_from_string(const char *name);

/* Reads one article from memory with the format in `opts` (AUTO sniffs). */
BS_API bs_status bs_read(const char *buf, size_t len, const bs_read_options *opts,
                         bs_node **out, bs_error *err);
/* Reads one article from a file ("-" for stdin). */
BS_API bs_status bs_read_file(const char *path, const bs_read_options *opts, bs_node **out,
                              bs_error *err);

/* The individual readers. */
BS_API bs_status bs_read_text(const char *buf, size_t len, const bs_read_options *opts,
                              bs_node **out, bs_error *err);
BS_API bs_status bs_read_markdown(const char *buf, size_t len, const bs_read_options *opts,
                                  bs_node **out, bs_error *err);
BS_API bs_status bs_read_html(const char *buf, size_t len, const bs_read_options *opts,
                              bs_node **out, bs_error *err);

/* Tree passes. */

/* N1 (cjk-typography.md §3.5): ASCII punctuation between CJK characters becomes full width,
 * in place, over every text node below `root` (code is left alone). */
BS_API void bs_normalize_punctuation(bs_node *root);
/* Detects the language of a UTF-8 string (§9): "ja", "ko", "zh-Hant", "zh-Hans", "en", or
 * NULL when there is not enough evidence. The result is a static string. */
BS_API const char *bs_detect_lang(const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
