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

/* One file of the container, made when libzip asks for it (container.c). Everything is
 * planned before zip_close: the parts in container order, their bytes made on libzip's first
 * question about them (its STAT before OPEN) and freed at CLOSE, so a book is never whole in
 * memory. */
typedef struct bs_epub bs_epub;
typedef struct bs_epub_part bs_epub_part;
/* Makes a part's bytes: sets p->bytes and p->len (owned when p->owned, else borrowed from
 * e->page until CLOSE). Returns BS_OK or an error for zip_close to stop on. */
typedef bs_status (*bs_epub_make_fn)(bs_epub *e, bs_epub_part *p, bs_error *err);
struct bs_epub_part {
  bs_epub *e;
  char *name;           /* in the container: "EPUB/text/c0001.xhtml" */
  bool compress;        /* deflate (false for mimetype and images compressed already) */
  bs_epub_make_fn make; /* NULL: `bytes` were given when planned */
  const void *arg;      /* the producer's: a document node, a file path */
  int number;           /* the chapter's */
  size_t index;         /* a chapter's place in the chapter source */
  const char *bytes;     /* as stored in the container: deflated when `compress` */
  size_t len, stored, off; /* len: the part's own size */
  bool owned, made, done;
  bool deflated;        /* `bytes` are deflated (libdeflate), `stored` of them */
  bool ahead;           /* a page made ahead on the producer thread (container.c) */
  bool ready;           /* ... and made: bytes (owned) or ahead_st/ahead_err */
  bs_status ahead_st;
  bs_error *ahead_err;
  uint32_t crc;         /* of the bytes, for the content identifier */
  void *zerr;           /* a zip_error_t for libzip's ERROR question */
};

/* One file of the publication, under EPUB/ in the container, listed in the manifest. */
typedef struct bs_epub_entry {
  char *href;             /* relative to the package document: "text/c0001.xhtml" */
  char *id;               /* manifest id */
  const char *media_type; /* static string */
  char *properties;       /* manifest properties or NULL */
  bool spine;             /* listed in the spine, in entry order */
  size_t part;            /* its place in the container (index into parts) */
} bs_epub_entry;

/* One table-of-contents line: depth 0 for a chapter, 1.. for headings below it. */
typedef struct bs_epub_toc {
  int depth;
  char *label;
  char *href; /* "text/c0001.xhtml#h3" */
} bs_epub_toc;

/* An image reference planned before the chapters are made: found again by the input and
 * `src` that named it (a failed one too, so its warning is given once), packed once by its
 * real path. */
typedef struct bs_epub_img {
  char *key;    /* input "\n" src */
  char *real;   /* NULL when it failed */
  size_t entry; /* index into entries, or BS_EPUB_NO_ENTRY */
  /* the reference, borrowed from the tree or the options: it is read again inside zip_close,
   * and an error there names it as planning did */
  const char *src, *input;
  int line;
  bool cli;
} bs_epub_img;

/* Faces for --embed-fonts: five CJK languages times Serif Regular, Serif Bold, Sans Bold. */
enum { BS_EPUB_NO_ENTRY = (size_t)-1, BS_EPUB_FACES = 15 };
/* Pixels on a cover's long side below which it is warned about: reading systems scale a cover
 * to the screen, and 600 pixels is already soft on a phone (stores ask for 1,400 or more). */
enum { BS_EPUB_COVER_MIN = 600 };
typedef enum { BS_EPUB_SERIF = 0, BS_EPUB_SERIF_BOLD = 1, BS_EPUB_SANS_BOLD = 2 } bs_epub_variant;

/* A figure's image reference, copied from its chapter while planning (the chapter is not
 * kept): the images are planned after the chapters' parts, in this order. */
typedef struct bs_epub_figref {
  char *src, *input;
  int line;
  bool captioned;
} bs_epub_figref;

struct bs_epub {
  const bs_epub_options *opts;
  const bs_node *root;      /* the book (its metadata) or the one document */
  const bs_chapter_source *src; /* the chapters, asked for when needed */
  bool *present;            /* per source chapter: given (not left out) when planned */
  bs_epub_figref *figs;
  size_t nfigs, cfigs;
  char **creators;          /* the chapters' authors in order, without repeats */
  size_t ncreators, ccreators;
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
  void *all[2];             /* hb_set_t of every code point, in regular and in bold text */
  /* what the pages hold, for the accessibility metadata (set as they are made) */
  size_t nfigures, nfigures_alt; /* images shown, and those with a text alternative */
  bool has_ruby, has_notes, has_tables;
  bool nav_in_spine;        /* a book: nav.xhtml is also its contents page */
  bool cover_pending;       /* the image being planned is the cover */
  bool in_part;             /* chapters nest under the last part's toc line */
  size_t nparts_seen;       /* part dividers among the chapters */
  bool note_fonts;          /* --embed-fonts' first pass: pages note their characters */
  bool quiet;               /* the second pass: its warnings were given by the first */
  bs_epub_part **parts;     /* the container's files in order (container.c) */
  size_t nparts, cparts;
  void *zip;                /* the zip_t being written */
  void *deflater;           /* a libdeflate_compressor for the parts (container.c) */
  void *producer;           /* the thread making pages ahead of libzip (container.c) */
  long long modified;       /* dcterms:modified and the entries' time (UTC seconds) */
  long long zip_mtime;      /* the entries' time as libzip wants it (local time) */
  bs_status make_st;        /* a part that failed inside zip_close, and why */
  bs_error make_err;
  char *title;              /* the book's title, known once the chapters are made */
  char uid[BS_ERROR_MESSAGE_MAX]; /* dc:identifier, known once the chapters are made */
  bs_progress prog;
  bs_buf page;              /* the serialised page, reused from page to page */
};


/* container.c */
/* Plans a part made by `make` when libzip asks for it, or holding a copy of `data`. */
size_t bs_epub_part_add(bs_epub *e, const char *name, bool compress, bs_epub_make_fn make,
                        const void *arg, int number);
size_t bs_epub_part_add_bytes(bs_epub *e, const char *name, bool compress, const char *data,
                              size_t len);
/* Opens the container for libzip, written into `f` (a new, empty file; `path` names it in
 * messages), with entry times for `when`. */
bs_status bs_epub_container_open(bs_epub *e, FILE *f, const char *path, long long when,
                                 bs_error *err);
/* Registers every planned part and writes the container: the parts are made here, in order.
 * A part's own error keeps its message. */
bs_status bs_epub_container_close(bs_epub *e, const char *path, bs_error *err);
void bs_epub_container_free(bs_epub *e);

/* epub.c */
/* Lists a file in the manifest with a copy of `data` as its part. */
size_t bs_epub_add_entry(bs_epub *e, const char *href, const char *id, const char *media_type,
                         const char *data, size_t len, bool spine, bool compress);
/* Lists a file in the manifest, made by `make` when the container asks. */
size_t bs_epub_add_made(bs_epub *e, const char *href, const char *id, const char *media_type,
                        bool spine, bool compress, bs_epub_make_fn make, const void *arg,
                        int number);
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

/* xhtml.c: one chapter (a document node) serialised into e->page; its toc lines are added. */
bs_status bs_epub_chapter(bs_epub *e, const bs_node *doc, int number, bs_error *err);
/* The title page of a book, into e->page. */
void bs_epub_book_titlepage(bs_epub *e, const bs_node *book);
/* The cover page showing the cover image entry, into e->page. */
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

/* image.c: plans the image `src` referenced at (`input`, `line`) and returns its entry, or
 * BS_EPUB_NO_ENTRY with `err` set. `from_cli` skips the stay-in-the-input-folder rule (a
 * --cover path). The file is read again when the container asks for it. */
bs_status bs_epub_image(bs_epub *e, const char *src, const char *input, int line,
                        bool from_cli, size_t *entry, bs_error *err);
/* svg.c: the SVG `data` without scripts, event handlers, processing instructions, the DTD and
 * references out of the file (*out: caller frees with free; *removed: how many things went).
 * Fails with BS_ERR_IMAGE, naming (`input`, `line`) and `src`, when it is not well-formed SVG. */
bs_status bs_epub_svg_clean(const char *data, size_t len, const char *input, int line,
                            const char *src, char **out, size_t *out_len, size_t *removed,
                            bs_error *err);
/* The entry planned for (`src`, `input`), BS_EPUB_NO_ENTRY when it failed or was not planned. */
bs_status bs_epub_make_image(bs_epub *e, bs_epub_part *p, bs_error *err);
size_t bs_epub_image_find(const bs_epub *e, const char *src, const char *input);

/* fonts.c (--embed-fonts): notes the characters of a page in `lang`, then packs the subsets
 * and css/fonts.css (always, as the pages link it). Problems are warnings. */
void bs_epub_fonts_note(bs_epub *e, const char *lang, const char *data, size_t len);
/* The same for text that our stylesheets set bold (Serif) or in a bold heading (Sans). */
void bs_epub_fonts_note_variant(bs_epub *e, const char *lang, bs_epub_variant v,
                                const char *data, size_t len);
void bs_epub_fonts_pack(bs_epub *e);
void bs_epub_fonts_free(bs_epub *e);

#endif
