/* EPUB writer internals: the package being built, shared by epub.c (package, zip),
 * xhtml.c (tree to XHTML), text.c (text passes) and image.c (image packing). */
#ifndef BS_EPUB_IMPL_H
#define BS_EPUB_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../util/util.h"
#include "bisheng/epub.h"

/* The stylesheets of templates/, compiled in (css-data.c, made by gen-css.sh). */
extern const char bs_epub_css_base[];
extern const char bs_epub_css_horizontal[];
extern const char bs_epub_css_vertical[];

/* One file of the publication, under EPUB/ in the container. */
typedef struct bs_epub_entry {
  char *href;             /* relative to the package document: "text/c0001.xhtml" */
  char *id;               /* manifest id */
  const char *media_type; /* static string */
  char *properties;       /* manifest properties or NULL */
  bool spine;             /* listed in the spine, in entry order */
  size_t zip_index;       /* its place in the container */
  bool compress;          /* deflate (false for images that are compressed already) */
} bs_epub_entry;

/* One table-of-contents line: depth 0 for a chapter, 1.. for headings below it. */
typedef struct bs_epub_toc {
  int depth;
  char *label;
  char *href; /* "text/c0001.xhtml#h3" */
} bs_epub_toc;

/* An image already packed, found again by its real path. */
typedef struct bs_epub_img {
  char *real;
  size_t entry; /* index into entries */
} bs_epub_img;

/* Faces for --embed-fonts: five CJK languages times Serif Regular, Serif Bold, Sans Bold. */
enum { BS_EPUB_NO_ENTRY = (size_t)-1, BS_EPUB_FACES = 15 };
typedef enum { BS_EPUB_SERIF = 0, BS_EPUB_SERIF_BOLD = 1, BS_EPUB_SANS_BOLD = 2 } bs_epub_variant;

/* zip.c: the container, written as it goes (see there). */
typedef struct bs_epub_zip bs_epub_zip;
/* `file` is a FILE * open for writing; `when` the entries' time (seconds since 1970);
 * `threaded`: deflate and write on a helper thread. */
bs_epub_zip *bs_epub_zip_new(void *file, long long when, bool threaded);
/* Queues a copy of `data` (or writes it at once without the thread). */
void bs_epub_zip_add(bs_epub_zip *z, const char *name, const void *data, size_t len,
                     bool compress);
/* Frees a page's tree (an xmlDocPtr). */
typedef void (*bs_epub_release_fn)(void *doc);
/* Queues a serialised page (the bytes of `b` are taken) and the tree they came from, which the
 * helper frees once the page is written: the caller serialises, the helper frees, deflates and
 * writes, which splits a book's writing about evenly between the two threads. */
void bs_epub_zip_add_page(bs_epub_zip *z, const char *name, bs_buf *b, void *doc,
                          bs_epub_release_fn release);
/* The same with the bytes of `b`, which may be taken (left empty) rather than copied. */
void bs_epub_zip_add_buf(bs_epub_zip *z, const char *name, bs_buf *b, bool compress);
/* Files written so far; the CRC-32 and size of the i-th (both wait for the queue to empty). */
size_t bs_epub_zip_count(bs_epub_zip *z);
uint32_t bs_epub_zip_crc(bs_epub_zip *z, size_t i, size_t *len);
/* Writes the central directory; false when a write failed or the archive is too large. */
bool bs_epub_zip_finish(bs_epub_zip *z);
void bs_epub_zip_free(bs_epub_zip *z);

typedef struct bs_epub {
  const bs_epub_options *opts;
  const bs_node *root;
  bs_direction forced;      /* opts->direction */
  bool book_vertical;       /* page progression rtl */
  bool use_horizontal_css, use_vertical_css, use_user_css;
  const char *book_lang;    /* for the package and nav; never NULL */
  bs_epub_entry *entries;
  size_t nentries, centries;
  bs_epub_toc *toc;
  size_t ntoc, ctoc;
  bs_epub_img *images;
  size_t nimages, cimages;
  int warned;               /* bit set of text kinds already warned about */
  size_t cover_entry;       /* (size_t)-1 when there is no cover image */
  char *first_chapter;      /* href of the first chapter, for landmarks */
  bool use_fonts_css;       /* --embed-fonts: css/fonts.css is linked */
  void *cps[BS_EPUB_FACES]; /* hb_set_t of the code points per CJK face (fonts.c) */
  bs_epub_zip *zip;         /* entries go into it as they are added */
  size_t zip_added;         /* files given to the container so far */
  bs_buf page;              /* the serialised page, reused from page to page */
} bs_epub;


/* epub.c */
/* Lists a file in the manifest and writes it into the container at once (the caller keeps
 * `data`). */
size_t bs_epub_add_entry(bs_epub *e, const char *href, const char *id, const char *media_type,
                         const char *data, size_t len, bool spine, bool compress);
/* The same for a page serialised in e->page (taken) from the tree `doc` (given up: the
 * writer frees it with `release`). */
size_t bs_epub_add_page(bs_epub *e, const char *href, const char *id, void *doc,
                        bs_epub_release_fn release, bool spine);
void bs_epub_add_toc(bs_epub *e, int depth, const char *label, const char *href);
void bs_epub_warn(bs_epub *e, bs_status code, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The language of a node for output: its inherited one, else the book's. */
const char *bs_epub_lang_of(const bs_epub *e, const bs_node *node);
bool bs_epub_node_vertical(const bs_epub *e, const bs_node *doc);
/* Serialises an XML tree into `out` (cleared first); `format` indents (only for documents
 * without mixed content). */
void bs_epub_xml_dump(void *xml_doc, int format, bs_buf *out);
/* A libxml2 xmlTextWriter into `out` (cleared first), the XML declaration written; and its end,
 * which leaves the document in `out`. For pages too large to hold as trees (the nav). */
void *bs_epub_writer_new(bs_buf *out);
void bs_epub_writer_end(void *writer, bs_buf *out);

/* xhtml.c: one chapter (a document node) into text/cNNNN.xhtml; `book` says whether the
 * chapter belongs to a book (its headings then nest under the chapter's toc line). */
bs_status bs_epub_chapter(bs_epub *e, const bs_node *doc, int number, bs_error *err);
/* The title page of a book: text/titlepage.xhtml. */
void bs_epub_book_titlepage(bs_epub *e, const bs_node *book);
/* The cover page: text/cover.xhtml showing the cover image entry. */
void bs_epub_cover_page(bs_epub *e);
/* nav.xhtml from the collected toc lines, in e->page. */
void bs_epub_nav(bs_epub *e, const char *title);

/* text.c */
/* `s` without XML-forbidden characters (C0 controls but tab and newline, U+FFFE, U+FFFF,
 * invalid UTF-8), warning once per kind at `where`. New string, caller frees. */
char *bs_epub_clean(bs_epub *e, const char *s, size_t len, const bs_node *where);
bool bs_epub_lang_is_hant(const char *lang);
bool bs_epub_lang_is_cjk(const char *lang);
bool bs_epub_lang_ok(const char *lang);

/* V3 quote plan: the corner bracket (or 0 for "leave") for each quotation mark in order. */
typedef struct bs_epub_quotes {
  uint32_t *out;   /* per quotation mark, in order */
  size_t n, cap;
  size_t *stack;   /* open marks waiting for their partner */
  size_t depth, scap;
  size_t next;     /* consumer position */
  int unbalanced;  /* opening marks left alone */
} bs_epub_quotes;
bool bs_epub_is_quote(uint32_t cp);
void bs_epub_quotes_scan(bs_epub_quotes *q, const char *s, size_t len);
void bs_epub_quotes_finish(bs_epub_quotes *q);
uint32_t bs_epub_quotes_take(bs_epub_quotes *q, uint32_t cp);
void bs_epub_quotes_free(bs_epub_quotes *q);

/* L1 (§4): how a run of ASCII in vertical CJK text is set. */
typedef enum { BS_EPUB_RUN_NONE = 0, BS_EPUB_RUN_TCY, BS_EPUB_RUN_UPRIGHT } bs_epub_run;
bs_epub_run bs_epub_classify_run(const char *s, size_t n);

/* image.c: packs the image `src` referenced at (`input`, `line`) and returns its entry, or
 * BS_EPUB_NO_ENTRY with `err` set (or a warning given and BS_OK returned in *st under
 * keep_going). `from_cli` skips the stay-in-the-input-folder rule (a --cover path). */
bs_status bs_epub_image(bs_epub *e, const char *src, const char *input, int line,
                        bool from_cli, size_t *entry, bs_error *err);

/* fonts.c (--embed-fonts): notes the characters of a page in `lang`, then packs the subsets
 * and css/fonts.css (always, as the pages link it). Problems are warnings. */
void bs_epub_fonts_note(bs_epub *e, const char *lang, const char *data, size_t len);
/* The same for text that our stylesheets set bold (Serif) or in a bold heading (Sans). */
void bs_epub_fonts_note_variant(bs_epub *e, const char *lang, bs_epub_variant v,
                                const char *data, size_t len);
void bs_epub_fonts_pack(bs_epub *e);
void bs_epub_fonts_free(bs_epub *e);

#endif
