/* bisheng: output settings, the one layer between how users write paper, grid, margins and
 * the other output options (command-line options, manifest keys) and the writers' option
 * structs. Each setting is parsed and range-checked here once, so `--grid 3x3` and `grid: 3x3`
 * are refused alike, and bs_output_settings_apply fills both writers' options the same way
 * for `bisheng` and `bisheng build`.
 *
 * Use: bs_output_settings_init(), then set what the user gave (bs_output_settings_set for a
 * value written as text, or the fields directly for what the caller has parsed already),
 * bs_output_settings_merge() to lay an output's own settings over a book's defaults, and
 * bs_output_settings_apply() to get the writers' options. All functions are pure: safe from
 * any thread. */
#ifndef BISHENG_SETTINGS_H
#define BISHENG_SETTINGS_H

#include <stdbool.h>

#include "epub.h"
#include "error.h"
#include "node.h"
#include "typeset.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Threads: -j takes 1 to BS_JOBS_MAX. Without -j, the number of cores up to
 * BS_JOBS_DEFAULT_MAX: each layout thread holds a font map of its own, and a book's chapters
 * rarely keep more threads busy. */
enum { BS_JOBS_MAX = 1024, BS_JOBS_DEFAULT_MAX = 64 };

/* Settings of one output. Strings are borrowed. "Not set" leaves the writer's default (or, in
 * bs_output_settings_merge, the value underneath). */
typedef struct bs_output_settings {
  bs_direction direction;    /* BS_DIR_DEFAULT: not set (the book's) */
  double paper_w_mm, paper_h_mm; /* 0: not set */
  double font_size_pt;       /* 0: not set */
  int grid_chars, grid_lines; /* 0: not set */
  double margins_mm[4];      /* top, right, bottom, left */
  bool has_margins;
  double indent_em;          /* < 0: not set */
  double bleed_mm;           /* < 0: not set */
  const char *font;          /* body font family; NULL: not set */
  const char *css, *cover;   /* EPUB stylesheet and cover image paths; NULL: not set */
  /* -1: not set, 0: off, 1: on */
  int vnum_sideways, emphasis_dots, embed_fonts, keep_going, toc, recto_chapters, crop_marks;
  int jobs;                  /* threads (PDF layout; EPUB: 1 is one thread); 0: not set */
} bs_output_settings;

/* Every setting "not set". */
BS_API void bs_output_settings_init(bs_output_settings *s);

/* Sets one setting from its text, by the manifest's key name (with its aliases): direction,
 * paper (papersize), fontsize (font-size), grid, margins, indent, bleed, vnum, emphasis, font
 * (mainfont, CJKmainfont), css, cover (cover-image), embed-fonts, keep-going, toc,
 * recto-chapters, crop-marks. Returns false when the value is bad, or the key unknown, and
 * then `*expect` (when not NULL) says what the value should be, as in "CxL such as 40x15";
 * `s` is unchanged. Strings are borrowed from `value`. */
BS_API bool bs_output_settings_set(bs_output_settings *s, const char *key, const char *value,
                                   const char **expect);

/* Each setting set in `over` replaces the one in `s`. */
BS_API void bs_output_settings_merge(bs_output_settings *s, const bs_output_settings *over);

/* Initialises both writers' options (either may be NULL) and applies the settings to them.
 * The callbacks and source_date are left to the caller. */
BS_API void bs_output_settings_apply(const bs_output_settings *s, bs_epub_options *epub,
                                     bs_typeset_options *pdf);

/* Threads to use when the user gave no -j: the number of cores, 1 to BS_JOBS_DEFAULT_MAX. */
BS_API int bs_jobs_default(void);

/* A book's language is its first article's unless the book says otherwise: gives `book` (a
 * BS_NODE_BOOK) the language of its first document that names one, part dividers skipped,
 * when it has none of its own. */
BS_API void bs_book_settle_lang(bs_node *book);

#ifdef __cplusplus
}
#endif
#endif
