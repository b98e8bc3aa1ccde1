/* bisheng: the typesetter. Lays out a const tree (document or book) on a CJK page grid and
 * draws it to PDF with Cairo; the same layout feeds a JSON dump for tests.
 *
 * Thread safety: several PDFs may be made at once from separate threads (the tree is only
 * read). Layout runs freely in parallel (each thread has its own font map and shaper), but
 * drawing takes one process-wide lock: Cairo 1.16 is not safe for two threads drawing PDFs,
 * so one chapter at a time is drawn in the whole process. The FreeType library used for
 * font subsetting is made once per process and lives until exit. Callbacks (diag, progress)
 * are called on the calling thread of bs_pdf_write / bs_layout_dump, in chapter order,
 * whatever `jobs` is. */
#ifndef BISHENG_TYPESET_H
#define BISHENG_TYPESET_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "node.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { BS_CROP_NONE = 0, BS_CROP_CORNER = 1, BS_CROP_JAPANESE = 2 };

typedef struct bs_typeset_options {
  bs_direction direction; /* DEFAULT: the tree's preference, else horizontal */
  double paper_w_mm, paper_h_mm; /* 0: A5 */
  double font_size_pt;    /* 0: 10.5 */
  int grid_chars, grid_lines; /* 0: derived */
  double margins_mm[4];   /* top, right, bottom, left; all 0: derived from the grid */
  const char *font_family; /* overrides the serif CJK family, or NULL */
  const char *fonts_dir;  /* fontconfig configuration folder (fonts/), or NULL */
  double indent_em;       /* first-line indent; < 0: by language (2 zh, 1 ja) */
  bool vnum_sideways;     /* --vnum sideways: 4+ digit runs rotated instead of upright */
  bool emphasis_dots;     /* strong as emphasis dots instead of bold */
  bool keep_going;        /* image problems become warnings (the caption is kept) */
  long long source_date;  /* SOURCE_DATE_EPOCH, or -1 for now */
  int toc;                /* table of contents: 1 on, 0 off, < 0: for books of several documents */
  int toc_depth;          /* deepest heading level in the contents; 0: 2 (the outline has all) */
  int recto_chapters;     /* chapters open on a recto: 1 on, 0 off, < 0: for books */
  double bleed_mm;        /* bleed around the trimmed page, 0: none */
  int crop_marks;         /* marks outside the trim (the page grows to hold them): 0 none,
                           * BS_CROP_CORNER corner marks, BS_CROP_JAPANESE トンボ (double
                           * corner marks at trim and bleed, and centre marks) */
  int jobs;               /* PDF: threads laying chapters out; <= 1: none (the same bytes) */
  bs_diag_fn diag;
  void *diag_user;
  bs_progress_fn progress; /* or NULL */
  void *progress_user;
} bs_typeset_options;

BS_API void bs_typeset_options_init(bs_typeset_options *opts);

/* Paper names: A4 A5 B5 B6 32K Letter, or WxHmm. false if unknown. */
BS_API bool bs_paper_size(const char *name, double *w_mm, double *h_mm);

/* Typesets `root` to a PDF at `path` (temporary file + rename). */
BS_API bs_status bs_pdf_write(const bs_node *root, const bs_typeset_options *opts,
                              const char *path, bs_error *err);

/* Typesets a book given chapter by chapter (bs_chapter_source, node.h: `book` holds the
 * metadata, the source lends the chapters), so that memory is bounded by the chapter, not the
 * book. Each chapter is asked for twice: once to plan the book (the contents' entries, the
 * characters for the font subsets, the directions), then to lay it out and draw it; at most
 * jobs + 1 are lent at once, one get or put at a time. The bytes are those bs_pdf_write makes
 * of the same book as a tree. */
BS_API bs_status bs_pdf_write_chapters(const bs_node *book, const bs_chapter_source *src,
                                       const bs_typeset_options *opts, const char *path,
                                       bs_error *err);

/* Typesets `root` and writes the layout as JSON (pages → lines → glyphs) to `out`. */
BS_API bs_status bs_layout_dump(const bs_node *root, const bs_typeset_options *opts, FILE *out,
                                bs_error *err);

#ifdef __cplusplus
}
#endif
#endif
