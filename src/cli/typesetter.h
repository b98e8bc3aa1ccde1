/* The typesetter as the bisheng program loads it: a module (bisheng-typeset.so) opened the
 * first time a PDF, a layout dump or --embed-fonts needs it. The program itself links only
 * what reading and the EPUB writer use (17 libraries); Cairo, Pango, HarfBuzz, FreeType,
 * fontconfig and what they bring are 38 more, and loading and relocating them was two thirds
 * of a one-article EPUB's time (#16). libbisheng.a and libbisheng.so are whole, as before.
 *
 * typesetter.c (in the program) defines the typesetter's entry points the rest of the program
 * calls and forwards them through the table the module gives; typesetter-module.c (in the
 * module, with src/typeset/, src/epub/fonts.c and their own copies of src/util/ and src/doc/)
 * makes the table. The module calls back into the program only for the EPUB writer's
 * entries and warnings (the host table). */
#ifndef BS_CLI_TYPESETTER_H
#define BS_CLI_TYPESETTER_H

#include <stddef.h>
#include <stdio.h>

#include "../epub/epub-impl.h"
#include "bisheng/bisheng.h"

/* Raised whenever either table changes. */
enum { BS_TYPESETTER_ABI = 2 };

typedef struct bs_typesetter_host {
  size_t (*epub_add_entry)(bs_epub *e, const char *href, const char *id, const char *media_type,
                           const char *data, size_t len, bool spine, bool compress);
  void (*epub_warn)(bs_epub *e, bs_status code, const char *path, int line, const char *fmt,
                    ...);
  /* the cores a PDF's layout may use now (bs_ts_set_cores_fn) */
  int (*cores_now)(void);
} bs_typesetter_host;

typedef struct bs_typesetter {
  int abi;             /* BS_TYPESETTER_ABI */
  const char *version; /* BS_VERSION_STRING: the program's and the module's must match */
  bs_status (*pdf_write)(const bs_node *root, const bs_typeset_options *opts, const char *path,
                         bs_error *err);
  bs_status (*pdf_write_chapters)(const bs_node *book, const bs_chapter_source *src,
                                  const bs_typeset_options *opts, const char *path,
                                  bs_error *err);
  bs_status (*layout_dump)(const bs_node *root, const bs_typeset_options *opts, FILE *out,
                           bs_error *err);
  void (*fonts_note)(bs_epub *e, const char *lang, const char *data, size_t len);
  void (*fonts_note_variant)(bs_epub *e, const char *lang, bs_epub_variant v, const char *data,
                             size_t len);
  void (*fonts_pack)(bs_epub *e);
  void (*fonts_free)(bs_epub *e);
  /* the module's own temporaries (its copy of src/util/io.c): async-signal-safe */
  void (*remove_temporaries)(void);
  /* "cairo X, harfbuzz Y, fontconfig Z, freetype W" */
  void (*versions)(char *buf, size_t size);
} bs_typesetter;

/* The one symbol the module exports. */
typedef const bs_typesetter *(*bs_typesetter_open_fn)(const bs_typesetter_host *host);
#define BS_TYPESETTER_OPEN "bisheng_typesetter_open"
#define BS_TYPESETTER_FILE "bisheng-typeset.so"

/* typesetter.c, for the program: the versions line (the module loaded for it), or false with
 * the reason in `buf`; the temporaries of both the program and the module removed (from a
 * signal handler). */
bool cli_typesetter_versions(char *buf, size_t size);
void cli_remove_temporaries(void);
/* `bisheng build`'s processes, one an output: the count of those running, in memory they all
 * share, and the -j budget they divide (a PDF's layout threads follow it, typesetter.c). */
void cli_typesetter_share_cores(const volatile int *running, int jobs);

#endif
