/* bisheng: the EPUB 3 writer. Takes a const tree (a document or a book) and writes one
 * .epub file; knows nothing of readers.
 *
 * Thread safety: several EPUBs may be written at once from separate threads, also from one
 * tree (it is only read) and alongside PDFs; libxml2 is set up once per process. Callbacks are
 * called on the writing thread. */
#ifndef BISHENG_EPUB_H
#define BISHENG_EPUB_H

#include <stdbool.h>

#include "error.h"
#include "node.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bs_epub_options {
  bs_direction direction; /* DEFAULT: the tree's preference, else horizontal */
  const char *css_path;   /* user stylesheet added after ours, or NULL */
  const char *cover_path; /* overrides BS_META_COVER, or NULL */
  const char *templates_dir; /* where base.css etc. live; NULL: built-in copies */
  bool embed_fonts;       /* subset and embed the CJK fonts used */
  bool keep_going;        /* image problems become warnings */
  long long source_date;  /* SOURCE_DATE_EPOCH, or -1 for now */
  int toc_depth;          /* deepest heading level in the contents; 0: all (6) */
  int jobs;               /* 1: one thread; otherwise a thread makes a book's pages ahead */
  bs_diag_fn diag;
  void *diag_user;
  bs_progress_fn progress; /* or NULL */
  void *progress_user;
} bs_epub_options;

BS_API void bs_epub_options_init(bs_epub_options *opts);

/* Writes `root` (document or book) as EPUB to `path` ("-" for stdout). The file is written
 * to a temporary beside `path` and renamed when complete. */
BS_API bs_status bs_epub_write(const bs_node *root, const bs_epub_options *opts,
                               const char *path, bs_error *err);

/* Writes the book whose metadata is `book` (a BS_NODE_BOOK; its children, if any, are not
 * looked at) and whose chapters come from `src` (node.h), one at a time, as bs_epub_write writes a book tree with those
 * chapters: the same bytes. */
BS_API bs_status bs_epub_write_chapters(const bs_node *book, const bs_chapter_source *src,
                                        const bs_epub_options *opts, const char *path,
                                        bs_error *err);

#ifdef __cplusplus
}
#endif
#endif
