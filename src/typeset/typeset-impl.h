/* Typesetter internals: fonts, shaped boxes, placed lines and pages.
 *
 * Pipeline per paragraph (cjk-typography.md §10.2): inline text with styles → presentation
 * text (V3) → boxes (one per CJK cluster, Latin word, TCY unit or upright full-width letter)
 * shaped with HarfBuzz → glue and break opportunities (ICU + kinsoku K1–K6) → greedy fitter
 * with push-in/push-out (K7) → justification (K8) → placed lines. Lines are then put on the
 * page grid (page.c) and the page records completed (folio.c: folios, running heads, figure
 * places, note rules, links; book.c: the contents' numbers). The drawer (draw.c, image.c) and
 * the layout dump (dump.c) only read those records and never call the layout, which never
 * calls them (tests/t-layering.sh). */
#ifndef BS_TYPESET_IMPL_H
#define BS_TYPESET_IMPL_H

#include <cairo.h>
#include <hb.h>
#include <unicode/ubrk.h>

#include "../util/util.h"
#include "bisheng/typeset.h"

/* Kinds of face the characters of a book are collected for (subset.c). */
enum { BS_TS_CPS_REGULAR = 0, BS_TS_CPS_BOLD, BS_TS_CPS_SANS, BS_TS_CPS_MONO, BS_TS_CPS_KINDS };

/* Limits, with their reasons. */
enum {
  /* regional CJK faces (region × weight × family) and the fallback faces Pango chose for
   * other scripts (fonts/fonts.conf: Latin, Arabic, Hebrew, Indic, emoji, rare Han…) */
  BS_TS_MAX_FACES = 128,
  BS_TS_HALF_CACHE = 256,      /* distinct punctuation characters × faces × directions */
  BS_TS_MAX_HYPH = 32,         /* hyphenation points in one word piece (hyphen.c) */
  BS_TS_MAX_PARA = 1 << 22     /* bytes in one paragraph: beyond that the input is broken */
};

/* Ideographic em box: Noto CJK puts the alphabetic baseline 0.88 em below the em-box top
 * (VORG 880) and, in vertical, 0.38 em left of the column axis (BASE romn 120, V6/L3). */
#define BS_TS_ASCENT 0.88
#define BS_TS_ROMAN_SHIFT 0.38
#define BS_TS_EPS 0.001

typedef struct bs_ts_face {
  char *family;
  char *file;
  int index;
  bool bold;
  bool mono;
  bool sans;     /* Hei for titles and headings (E4) */
  int region;    /* the regional face it was chosen for; -1 for a fallback face */
  bool cjk;      /* a regional CJK face (or --font): set by the CJK rules */
  bool color;    /* colour bitmaps (Noto Color Emoji): drawn as images (draw.c) */
  hb_font_t *hb; /* scale = upem, no rounding anywhere (§0.4) */
  cairo_font_face_t *cr;
  cairo_font_face_t *sub; /* the subset drawn into the PDF (draw.c), or NULL */
  hb_set_t *sub_gids;     /* the glyphs `sub` holds; a run needing others draws with `cr` */
  hb_map_t *sub_map;      /* the layout's glyph ids -> the ids in `sub` */
  bool sub_tried;
  signed char outlines;   /* draw.c: 1 if it has glyf or CFF outlines (Cairo embeds it as a
                           * CID font), -1 if not, 0 not known yet */
  /* the book subset's HarfBuzz part, made ahead by a -j layout thread (bs_ts_fonts_presubset)
   * or by the drawing thread: 0 not begun, 1 being made, 2 made (under the fonts' lock) */
  int pre;
  hb_set_t *pre_gids;
  hb_blob_t *pre_file;    /* the subset font, or NULL: the face is drawn whole */
  hb_map_t *pre_map;
  double upem;
  char *warn;             /* the fallback warning of its lookup ("font 'x' not found"), or NULL */
  struct bs_ts_png {      /* colour glyphs as images, made on first use by the drawing thread */
    uint32_t gid;
    cairo_surface_t *img; /* NULL: the glyph has no PNG */
  } *pngs;
  size_t npngs;
} bs_ts_face;

/* The faces of a book, shared by the contexts that lay chapters out in parallel (parallel.c):
 * faces are loaded lazily under `mu` and never move (boxes point at them); their hb_font_t
 * is immutable, so shaping with it from several threads is safe. */
typedef struct bs_ts_fonts {
  void *mu;  /* pthread_mutex_t */
  void *made; /* pthread_cond_t: a face's subset was made (bs_ts_face.pre) */
  void *fc;  /* FcConfig: ours (fonts/fonts.conf); Pango's font maps read it too */
  void *sys; /* FcConfig: the system's, loaded for a --font family, or NULL */
  bs_ts_face faces[BS_TS_MAX_FACES];
  int nfaces;
  hb_blob_t *blobs[BS_TS_MAX_FACES];
  char *blob_files[BS_TS_MAX_FACES];
  int nblobs;
  /* once-per-book warnings given (bit per face), drawing thread */
  unsigned long long warned[BS_TS_MAX_FACES / 64];
} bs_ts_fonts;

/* Warnings of a chapter laid out by a worker thread, replayed in chapter order by the drawing
 * thread so that the diag callback sees the same warnings in the same order whatever -j. */
typedef struct bs_ts_wlog {
  struct bs_ts_wmsg {
    bs_error w;
    int once; /* a face's fallback warning (face index + 1): given once per book; or 0; or
               * -1: a missing glyph, character cp in face family (summed up per face) */
    uint32_t cp;
    const char *family;
  } *v;
  size_t n;
} bs_ts_wlog;

/* Characters a face has no glyph for (and no fallback had either), per face: the book gets one
 * summary line per face at its end, where the first of them was (path, line). */
typedef struct bs_ts_missing {
  struct bs_ts_miss {
    const char *family; /* the face's, borrowed from the fonts */
    hb_set_t *cps;
    bs_error first;
  } *v;
  size_t n;
} bs_ts_missing;

/* BS_OR_CELL: an emoji, upright and centred in a 1 em cell in both directions */
typedef enum { BS_OR_UPRIGHT = 0, BS_OR_SIDEWAYS, BS_OR_TCY, BS_OR_CELL } bs_ts_orient;

/* Line-breaking and spacing classes (§1.1). */
typedef enum {
  BS_CL_IDEO = 0,
  BS_CL_OPEN,
  BS_CL_CLOSE,
  BS_CL_STOP,
  BS_CL_COLON,
  BS_CL_DIVIDE,
  BS_CL_MIDDOT,
  BS_CL_DASH,
  BS_CL_ELLIPSIS,
  BS_CL_CONNECT,
  BS_CL_SOLIDUS,
  BS_CL_PREFIX,
  BS_CL_POSTFIX,
  BS_CL_SMALL,
  BS_CL_ITER,
  BS_CL_LATIN
} bs_ts_class;

typedef enum { BS_GLUE_NONE = 0, BS_GLUE_CHAR, BS_GLUE_AUTO, BS_GLUE_WORD } bs_ts_glue;

/* Inline style bits carried per byte of paragraph text. BS_ST_HEI: titles and headings in
 * the Hei (sans) face (E4). */
enum { BS_ST_BOLD = 1, BS_ST_DOTS = 2, BS_ST_CODE = 4, BS_ST_SMALL = 8, BS_ST_HEI = 64 };
/* content (notes.c): note marks are BS_ST_SMALL; consecutive marks alternate this bit so
 * that each is a run (and a box) of its own */
enum { BS_ST_MARK_ALT = 32 };

typedef struct bs_ts_glyph {
  uint32_t gid;
  double dx, dy;    /* HarfBuzz offsets in pt (x right, y up) */
  double adv;       /* advance along the shaping direction, pt, positive */
  uint32_t cluster; /* byte offset of its first character in the paragraph */
} bs_ts_glyph;

typedef struct bs_ts_box {
  size_t start, end; /* paragraph bytes */
  size_t g0, g1;     /* glyphs */
  bs_ts_face *face;
  double size;
  bs_ts_orient orient;
  bool vertical;     /* shaped TTB (upright in vertical text) */
  unsigned char level; /* bidi embedding level (Pango): odd = right to left, glyphs visual */
  bs_ts_class cls;
  bool alnum_start, alnum_end; /* Latin letter/digit at the edges (S1) */
  bool cjk;          /* a CJK character box (ideograph, kana, CJK punctuation) */
  bool dots;
  int latin_run;     /* id of the non-CJK run it came from, 0 for CJK */
  double adv;        /* current inline advance */
  double full_adv;
  bool can_halve, halved;
  int p1_partner;    /* index of the box that made P1 halve this one, or -1 */
  bs_ts_glyph half;  /* the halt/vhal form */
  bs_ts_glue glue;   /* glue before this box */
  double glue_w, glue_max, glue_min;
  bool brk;          /* a line may break before this box */
  bool hyph_brk;     /* that break is a hyphenation point of a word (hyphen.c) */
  bool hyphen;       /* a line ending after this box ends with `hy`, a hyphen */
  bool hyph_end;     /* break.c: the line being placed ends here with the hyphen */
  bs_ts_glyph hy;
  bool forced;       /* a forced line break before this box */
  double pos;        /* inline position in its line after justification */
  double gap;        /* glue actually set before it in its line */
  /* content (ruby.c): space before its glyphs when a ruby is longer than its base (its
   * advance includes it), and the ruby (index + 1 in its paragraph) it is the base of */
  double lead;
  int ruby;
  /* content (ruby.c): the room its ruby needs beyond lead/trail when this box starts or ends
   * a line (the neighbour it overhangs is then on another line), and how much of it the line
   * being placed gave it (break.c) */
  double edge_lead, edge_trail;
  double lead_x, trail_x;
} bs_ts_box;

/* A placed glyph, in its run's local frame. */
typedef struct bs_ts_pglyph {
  uint32_t gid;
  double x, y;     /* local to the run's matrix */
  double p, adv;   /* inline position and advance, relative to the line start edge */
  uint32_t c0, c1; /* bytes of the run text it shows */
  bool dot;        /* emphasis dot (E2) */
} bs_ts_pglyph;

typedef struct bs_ts_prun {
  bs_ts_face *face;
  double size;
  bs_ts_orient orient;
  bool halved;
  unsigned char level; /* bidi level; a right-to-left run's glyphs are kept in logical order */
  size_t p0;        /* its first byte in the paragraph */
  int link;         /* an external link it is part of (index + 1 in c->hrefs), or 0 */
  cairo_matrix_t m; /* run local → line local */
  char *text;       /* owned, unless shared */
  size_t len;
  bs_ts_pglyph *g;  /* owned, unless shared */
  size_t ng;
  bool shared;      /* text and g are slices of its line's blocks (break.c: place) */
  /* content (ruby.c): a ruby annotation run (its ruby's id), or a run that is a ruby base;
   * (notes.c) a note mark (its note's id) */
  int ruby, rb, note;
} bs_ts_prun;

typedef enum {
  BS_LINE_BODY = 0,
  BS_LINE_HEADING,
  BS_LINE_SMALL,
  BS_LINE_CODE,
  BS_LINE_BLANK,
  BS_LINE_FIGURE, /* content (figure.c): an image occupying `slots` whole grid lines */
  BS_LINE_NOTE    /* content (notes.c): a line of a footnote or chapter-end note */
} bs_ts_line_kind;

typedef enum { BS_FIT_NORMAL = 0, BS_FIT_PUSH_IN, BS_FIT_PUSH_OUT, BS_FIT_FORCED } bs_ts_fit;

/* Inline text in another language: bytes [a, b) of its paragraph; the tree's tag (borrowed). */
typedef struct bs_ts_lang_span {
  uint32_t a, b;
  const char *lang;
} bs_ts_lang_span;

typedef struct bs_ts_line {
  bs_ts_line_kind kind;
  int region;         /* of its document */
  int slots;          /* grid lines it occupies */
  double size;        /* its type size */
  double indent;      /* block indent from the type-area edge, pt */
  double measure;     /* line length available from its start edge, pt */
  double extent;      /* end of its last box from the start edge, pt */
  double begin;       /* where its leftmost box begins (a right-to-left line's text ends at
                       * extent and begins here; a left-to-right one's begins at its start) */
  bool rtl;           /* its paragraph runs right to left, set from the right edge */
  double natural;     /* natural length before adjustment */
  double adj_shrink, adj_auto, adj_word, adj_char; /* adjustments by kind, pt */
  bool full;          /* not the last line of its paragraph: must fill the measure (K8) */
  bool para_first, para_last, new_page, keep_next;
  int para_id;
  bs_ts_fit fit;
  double ox, oy;      /* page origin of its line frame (set by pagination) */
  int column;         /* grid line index on its page */
  bs_ts_prun *runs;   /* owned */
  size_t nruns;
  /* owned: the texts and glyphs of the runs placed from its paragraph's boxes, one block
   * each rather than two allocations a run (a CJK line has a run a character) */
  char *text_block;
  bs_ts_pglyph *glyph_block;
  struct bs_ts_figure *fig; /* content (figure.c): owned, for BS_LINE_FIGURE */
  int note;       /* content (notes.c): the id of the note this line opens, or 0 */
  bool note_rule; /* content (notes.c): the first footnote line of its page: a rule above */
  const bs_node *node; /* the block its paragraph comes from (structure tags), or NULL */
  /* a table row's line: where each cell begins in the paragraph (bytes; BS_TS_CELL_TH set for
   * a header cell), for the TD/TH tags; owned */
  uint32_t *cells;
  size_t ncells;
  bs_ts_lang_span *langs; /* owned: inline text in another language on this line */
  size_t nlangs;
} bs_ts_line;
#define BS_TS_CELL_TH 0x80000000u

/* A short text of the page furniture (a folio, a running head, a contents entry's page
 * number), shaped and placed by the layout (folio.c): drawn as the runs of `line` from
 * (ox, oy), squeezed horizontally by sx around its start. line NULL: nothing to draw. */
typedef struct bs_ts_label {
  const bs_ts_line *line; /* shaped horizontally at natural spacing, in a bs_ts_texts */
  double ox, oy, sx;
} bs_ts_label;

/* A link from a page over `rect` (x0 y0 x1 y1, page space with y down, without the trim) to
 * page number `to` at (x, y) (notes, the contents), or to `uri` (the tree's). */
typedef struct bs_ts_link {
  double rect[4];
  int to;
  double x, y;
  const char *uri;
} bs_ts_link;

typedef struct bs_ts_page {
  size_t l0, l1; /* lines of the current chapter */
  char lang[32]; /* the language of the document it belongs to */
  int number;
  bool blank;    /* left empty so that a chapter opens on a recto: no folio */
  bool opening;  /* a chapter's first page: no running head (§7.5) */
  bool divider;  /* a part's title page: no folio either */
  /* §7.5, set by pagination (bs_ts_furnish_pages) and only read by the drawer and the dump */
  char folio[16];           /* the page number as shown: "" on blank and divider pages */
  char head[512];           /* the running head, fitted to half the measure: "" for none */
  double folio_x, folio_y;  /* the folio's baseline: its start, or its end if marks_end */
  double head_x, head_y;    /* the head's, likewise */
  bool marks_end;           /* both are set back from x (the outer side of a right page) */
  bs_ts_label folio_at, head_at; /* both shaped and placed, as drawn ("": line NULL) */
  /* content (notes.c): the rule above the page's footnotes, from (rule_x0, rule_y) to
   * (rule_x1, rule_y), if `rule` */
  bool rule;
  double rule_x0, rule_x1, rule_y;
  bs_ts_link *links; /* owned: note marks and notes, external links, contents entries; in */
  size_t nlinks;     /* the order the drawer writes them */
} bs_ts_page;

/* A chapter title (level 0) or heading, with where pagination put it. */
typedef struct bs_ts_head {
  const bs_node *node; /* the heading, or the document for its title */
  int level;
  char *text;     /* owned: its presentation text */
  size_t line;    /* its first line in the chapter */
  int page;       /* page number (set by pagination) */
  double x, y;    /* where links to it point on that page (its chapter's direction) */
} bs_ts_head;

/* An entry of the contents: a chapter title (level 0) or heading, and where it landed. The
 * entries are collected when the book is planned (bs_ts_plan_chapter), from chapters that are
 * given back before they are laid out: they keep copies of what they show. */
typedef struct bs_ts_toc {
  char *text;     /* owned: what the entry shows */
  char *lang;     /* owned: its language, or NULL (the book's) */
  bool doc;       /* a chapter's or part's title (in bold Hei), not a heading */
  int chapter;    /* its chapter (bs_ts_run.chapter) */
  int level;
  int page;       /* page number, 0 until laid out */
  double x, y;    /* where links to it point on that page (bs_ts_head.x/y) */
  size_t first, line; /* its first and last lines in the front matter */
  /* set by bs_ts_front_finish once the chapters are paginated: */
  char num[16];   /* its page number as shown ("" : none) ... */
  bs_ts_label num_at; /* ... shaped and placed at the end of its last line */
  double lead_at, lead_from, lead_to; /* the leader dots: across, from, to (inline axis) */
} bs_ts_toc;

/* Short texts shaped for the page furniture (folio.c), kept as long as the pages showing them:
 * the current chapter's (bs_ts_chapter_free) or the contents' (bs_ts_ctx_free). */
typedef struct bs_ts_texts {
  struct bs_ts_text **v;
  size_t n;
} bs_ts_texts;

/* A page grid (§7.1): type size, line pitch, characters and lines, page and type area. */
typedef struct bs_ts_grid {
  double size, pitch, gap;
  int chars, lines;
  double page_w, page_h;                 /* pt */
  double area_x, area_y, area_w, area_h; /* type area, pt */
  double measure;
} bs_ts_grid;

/* What every context of a book shares, set up before the first chapter and read-only after:
 * contexts hold it through a const pointer, so the compiler refuses a chapter's layout (and
 * the -j workers, parallel.c) writing to it. The faces are the one shared thing that still
 * changes (loaded lazily): bs_ts_fonts locks itself. */
typedef struct bs_ts_book {
  const bs_typeset_options *opts;
  bs_direction dir;   /* the book's direction as given or from its first chapter (or default) */
  bool vertical;      /* the book's direction: page order, folios, /Direction */
  bool r2l;           /* pages turn to the left: a vertical book, or one in Arabic, Hebrew… */
  bool any_vertical;  /* some chapter is vertical: font subsets keep the vertical forms */
  bool book;          /* several documents: chapters open on odd pages */
  char lang[32];      /* BCP 47 of the book */
  const char *title;  /* the book's title (in the tree), or NULL */
  bs_ts_fonts *fonts;
  bs_ts_grid grid[2]; /* the grid of a horizontal [0] and of a vertical [1] chapter */
  /* every character the book can show, per region and kind of face, for the font subsets
   * (bs_ts_book_chars, before the first chapter of a PDF) ... */
  hb_set_t *book_cps[5][BS_TS_CPS_KINDS];
  /* ... and the OpenType language tags the shaper selects with them, per region (subset.c):
   * the closure takes their language systems only, not every region's local forms */
  hb_set_t *book_langs[5];
  struct bs_ts_hyphs *hyphs; /* hyphenation dictionaries, loaded as languages come (hyphen.c) */
} bs_ts_book;

/* A thread's shaping tools: Pango's font map (not thread-safe, and costly to warm: its
 * fontconfig sorts are made once per map), the hyphenation dictionaries, the HarfBuzz buffer,
 * the ICU line breakers and the half-width cache. Each layout thread owns one and keeps it
 * across the chapters it lays out; the drawing thread has its own (folios, running heads, the
 * contents). Nothing in it is a chapter's: a chapter's layout borrows it (bs_ts_ctx.sh). */
typedef struct bs_ts_shaper {
  struct bs_ts_pango *pango; /* Pango font map and context (itemize.c), made on first use */
  /* the book's hyphenation dictionaries last used, by language, the last first (hyphen.c):
   * a book's articles switch languages; dict NULL: none for lang */
  struct bs_ts_hyph {
    char lang[32];
    void *dict;
  } hyph[4];
  hb_buffer_t *buf;
  UBreakIterator *brks[5];   /* line breakers by region, opened when first used (a book's
                              * articles switch languages, and opening one costs a ms) */
  struct {
    bs_ts_face *face;
    uint32_t cp;
    bool vertical;
    bool ok;
    bs_ts_glyph g;
  } half[BS_TS_HALF_CACHE];
  int nhalf;
} bs_ts_shaper;
bs_ts_shaper *bs_ts_shaper_new(void);
void bs_ts_shaper_free(bs_ts_shaper *sh);

/* What the drawing thread carries from chapter to chapter, in chapter order: page numbers,
 * the contents (laid out before the chapters, drawn after them), the book's missing glyphs,
 * the trim. A worker laying a chapter out has none
 * (bs_ts_ctx.run is NULL there): nothing a chapter's layout makes may depend on the chapters
 * before it. */
typedef struct bs_ts_run {
  int page_base;       /* pages of the chapters already emitted */
  int chapter;         /* chapters emitted (the index of the one being emitted) */
  bool in_part;        /* a part divider came before: chapters nest one level under it */
  FILE *out;           /* the PDF being written, for progress reports, or NULL */
  /* front matter (book.c): the contents, laid out before the chapters, drawn after them */
  bool toc;
  bs_ts_toc *tocs;     /* its entries, in chapter order */
  size_t ntoc;
  bool toc_parts;      /* planning: a part divider came, chapters nest under it */
  struct bs_ts_fpara *fparas; /* its paragraphs (title page, contents), laid out again ... */
  size_t nfparas;
  struct bs_ts_fgeo *front_geo; /* ... to where pagination put each line the first time */
  size_t nfront_lines;
  size_t front_line0;  /* the first of them laid out again (bs_ts_front_slice): lines_v[0] */
  bs_ts_page *front_pages;
  size_t nfront_pages; /* physical pages before page 1 (contents and padding) */
  bs_ts_texts front_texts; /* the contents' page numbers shown (folio.c) */
  double trim_x, trim_y; /* the trimmed page's origin on the PDF page (bleed, crop marks) */
  double bleed;
  bs_ts_missing glyphs_missing; /* the book's, summed up at its end */
} bs_ts_run;

typedef struct bs_ts_ctx bs_ts_ctx;
/* Called once per chapter after pagination, with c->lines_v and c->pages filled; the lines
 * and pages are freed after it returns. */
typedef bs_status (*bs_ts_emit_fn)(bs_ts_ctx *c, void *user, bs_error *err);

/* A chapter's layout context: the chapter's own state (what its layout writes and
 * bs_ts_chapter_free frees), with the three things it borrows. What it may share is in the
 * types: the book (`bk`, const: fonts, options, grids) is every thread's; the shaper (`sh`)
 * is the thread's that lays the chapter out; the book's run (`run`) is the drawing thread's
 * and NULL while a -j worker lays the chapter out (parallel.c). So a chapter's layout depends
 * on nothing from the chapters before it (page numbers are set by pagination, on the drawing
 * thread; note numbers restart per chapter), and a worker's slot holds nothing but this.
 * t-pdf-parallel compares the bytes of -j 1, 2 and 4. */
struct bs_ts_ctx {
  const bs_ts_book *bk;
  bs_ts_book *bk_own; /* the context that made the book frees it, its run and its shaper
                       * (NULL in a worker's slots) */
  bs_ts_shaper *sh;   /* the laying-out thread's */
  bs_ts_run *run;     /* the drawing thread's; NULL in a worker */
  bool vertical;      /* of the chapter being laid out (bs_ts_set_direction) */
  char doc_lang[32]; /* of the document being laid out */
  int region;      /* of the document being laid out: 0 TW, 1 HK, 2 CN, 3 JP, 4 KR */
  /* the chapter's grid: bk->grid[vertical] (bs_ts_set_direction) */
  double size, pitch, gap;
  int chars, lines;
  double page_w, page_h;           /* pt */
  double area_x, area_y, area_w, area_h; /* type area, pt */
  double measure;
  double indent_em;
  /* faces whose fallback warning this chapter gave (bit each) */
  unsigned long long face_seen[BS_TS_MAX_FACES / 64];
  bs_ts_wlog *wlog; /* a worker's chapter: warnings are collected here, else NULL: given */
  /* output, one chapter at a time (memory stays bounded by the largest chapter, #4): lines
   * and pages of the chapter being laid out; page numbers continue from run->page_base */
  bs_ts_line *lines_v;
  size_t nlines, caplines;
  bs_ts_page *pages;
  size_t npages;
  const bs_node *doc;  /* its document */
  bs_ts_head *heads;   /* its title and headings, in order */
  size_t nheads, capheads;
  const char **hrefs;  /* its external links' targets (in the tree) */
  size_t nhrefs;
  int para_counter;
  const bs_node *para_node; /* the block of the paragraph being laid out, or NULL */
  bool recto;          /* chapters open on a recto page */
  bool recto_breaks;   /* every page break opens a recto (front matter) */
  bs_ts_texts chapter_texts; /* the folios and heads shown (folio.c) */
  char *head_in;        /* the last running head fitted (folio.c), and what it became */
  char head_out[512];
  double head_measure;  /* ... on a measure this long */
  bs_ts_missing glyphs_seen;    /* the missing glyphs this context logged, once each */
  /* content features (ruby.c, figure.c, notes.c) */
  int ruby_counter;
  struct bs_ts_note *notes; /* the chapter's notes, in the order of their numbers */
  size_t nnotes, capnotes;
  int note_base;            /* notes of the chapters before: ids are note_base + number */
  size_t notes_l0;          /* the chapter's first note line (horizontal: page-foot notes) */
  int foot_used;            /* pagination: slots the notes of the current page take */
};

/* context.c: the book and the context, their warnings */
/* Switches the rules, fonts and breaker to a document's language (BCP 47, NULL = zh-Hant). */
bs_status bs_ts_set_lang(bs_ts_ctx *c, const char *lang, bs_error *err);
/* Lays the context's chapter out with shaper `sh` from now on (another thread's): opens its
 * line breaker for the chapter's language. */
bs_status bs_ts_use_shaper(bs_ts_ctx *c, bs_ts_shaper *sh, bs_error *err);
/* Sets the chapter's direction: its grid, type area and measure follow (§7.1). */
void bs_ts_set_direction(bs_ts_ctx *c, bool vertical);
/* 0 TW, 1 HK, 2 CN, 3 JP, 4 KR from a BCP 47 tag (NULL: the default, zh-Hant-TW). */
int bs_ts_region_of(const char *lang);
/* `first`: a book's first chapter (its direction and language when the book gives none), or
 * NULL (a document, or a book's first child). */
bs_status bs_ts_ctx_init(bs_ts_ctx *c, const bs_node *root, const bs_node *first,
                         const bs_typeset_options *opts, bs_error *err);
/* A context for chapters laid out apart from `c` (a -j worker's slot): c's book, an empty
 * chapter state, no shaper and no run until the thread that uses it lends them. */
void bs_ts_ctx_chapter(bs_ts_ctx *k, const bs_ts_ctx *c);
void bs_ts_ctx_free(bs_ts_ctx *c);
void bs_ts_warn(bs_ts_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Gives warning `w` to the options' diag callback, or logs it when a worker lays the chapter
 * out; `once` (face index + 1) makes it a once-per-book warning. */
void bs_ts_diag(bs_ts_ctx *c, const bs_error *w, int once);
/* Replays and clears a worker's log (drawing thread). */
void bs_ts_wlog_replay(bs_ts_ctx *c, bs_ts_wlog *log);
/* Notes that face `f` has no glyph for `cp` (in the paragraph being laid out). */
void bs_ts_missing_glyph(bs_ts_ctx *c, const bs_ts_face *f, uint32_t cp);
/* Gives the book's missing glyphs to the diag callback, one line per face, and forgets them. */
void bs_ts_missing_flush(bs_ts_ctx *c);
void bs_ts_missing_free(bs_ts_missing *m);

/* font.c */
/* The book's font configuration (ours, or opts->fonts_dir's) and an empty set of faces. */
bs_status bs_ts_fonts_new(const bs_typeset_options *opts, bs_ts_fonts **out, bs_error *err);
void bs_ts_fonts_free(bs_ts_fonts *fs);
/* The face for a style (bold, mono), loading it on first use; NULL with err on failure. */
bs_ts_face *bs_ts_face_get(bs_ts_ctx *c, bool bold, bool mono, bs_error *err);
/* The face for inline style bits (BS_ST_BOLD, BS_ST_CODE, BS_ST_HEI). */
bs_ts_face *bs_ts_face_for_style(bs_ts_ctx *c, unsigned style, bs_error *err);

/* The face of font file `file` (face `index`), loaded on first use: a fallback face. */
bs_ts_face *bs_ts_face_for_file(bs_ts_ctx *c, const char *file, int index, const char *family,
                                bool bold, bs_error *err);
/* The Cairo face of `f` (the whole font), made on first use by the drawing thread. */
cairo_font_face_t *bs_ts_face_cairo(bs_ts_face *f);
/* A Cairo face holding only `gids` of `f`, renumbered: *map (caller frees with hb_map_destroy)
 * takes f's glyph ids to the subset's. NULL (and *map NULL) to draw with f->cr instead. */
cairo_font_face_t *bs_ts_face_subset(bs_ts_face *f, const hb_set_t *gids, hb_map_t **map);
/* Sets f->sub, f->sub_gids and f->sub_map to f's subset for the book's characters
 * (bs_ts_face_glyphs): made ahead by a layout thread, or now. Drawing thread. */
void bs_ts_face_book_subset(const bs_ts_book *bk, bs_ts_face *f);
/* Makes ahead the HarfBuzz part of the book subsets of the faces loaded so far that no thread
 * has begun: -j layout threads, between chapters, take that work off the drawing thread. */
void bs_ts_fonts_presubset(const bs_ts_book *bk);

/* hyphen.c: hyphenation points of the Latin words in text[a, b) (byte offsets after which a
 * word may break with a hyphen), at most `max`; from the document language's dictionary, or
 * the soft hyphens of a word that has any. */
size_t bs_ts_hyphen_points(bs_ts_ctx *c, const char *text, size_t a, size_t b, size_t *out,
                           size_t max);
/* The book's dictionaries, loaded under a lock as its threads first ask for a language. */
typedef struct bs_ts_hyphs bs_ts_hyphs;
bs_ts_hyphs *bs_ts_hyphs_new(void);
void bs_ts_hyphs_free(bs_ts_hyphs *h);

/* runs.c: character classes and orientation (§1.1, §4) */
bs_ts_class bs_ts_char_class(uint32_t cp);
bool bs_ts_is_latin(uint32_t cp);
/* V3: “” ‘’ → 「」『』 in place (same byte length), for vertical zh-Hant. */
void bs_ts_quotes_to_corners(char *text, size_t len);

/* shape.c: paragraph text → boxes */
typedef struct bs_ts_para {
  char *text; /* owned */
  size_t len;
  unsigned char *style; /* owned, per byte */
  bs_ts_box *box;
  size_t nbox, capbox;
  bs_ts_glyph *g;
  size_t ng, capg;
  double size;
  struct bs_ts_ruby *ruby; /* content (ruby.c): owned */
  size_t nruby;
  unsigned char base_level; /* 1: a right-to-left paragraph (first strong character, P2) */
} bs_ts_para;
bs_status bs_ts_shape_para(bs_ts_ctx *c, bs_ts_para *p, bs_error *err);
void bs_ts_para_free(bs_ts_para *p);
/* Shapes one string with HarfBuzz (for tests and folios). */
void bs_ts_shape_simple(bs_ts_ctx *c, bs_ts_face *f, const char *s, size_t len, bool vertical,
                        const char *features, bs_ts_glyph **out, size_t *n);

/* itemize.c: Pango in front of the shaper. Each character of a paragraph gets the face Pango
 * chose for it (through fonts/fonts.conf's fallback chain), its script and its bidi level. */
typedef enum { BS_IT_CJK = 0, BS_IT_FOREIGN, BS_IT_EMOJI } bs_ts_it_kind;
typedef struct bs_ts_item {
  bs_ts_face *face;     /* Pango's face (for CJK characters: the regional face, see below) */
  hb_script_t script;
  unsigned char level;
  unsigned char kind;   /* bs_ts_it_kind */
  bool nospace;         /* a script written without spaces (Thai, Lao, Khmer, Myanmar) */
} bs_ts_item;
/* Fills it[0..n) for the characters at byte offsets off[0..n) of `p` (off[n] = p->len).
 * CJK characters (and CJK punctuation in a CJK document) keep the document's regional face
 * for their style; the rest take Pango's choice. */
bs_status bs_ts_itemize(bs_ts_ctx *c, bs_ts_para *p, const uint32_t *cps, const size_t *off,
                        size_t n, bs_ts_item *it, bs_error *err);
/* Frees a shaper's Pango state (made on first use by the thread that owns the shaper). */
void bs_ts_pango_free(struct bs_ts_pango *pg);
/* True when the document being laid out is in Chinese, Japanese or Korean. */
bool bs_ts_cjk_doc(const bs_ts_ctx *c);
/* The same for a language tag (NULL: zh-Hant). */
bool bs_ts_cjk_lang(const char *lang);
/* The language HarfBuzz shapes a document of `lang` (BCP 47, NULL: zh-Hant) in: its region's
 * (zh-Hant, zh-HK, zh-Hans, ja, ko) for CJK documents, else its own. */
const char *bs_ts_hb_lang(const char *lang);

/* break.c: boxes → justified lines appended to c->lines_v */
typedef struct bs_ts_block {
  bs_ts_line_kind kind;
  int slots;
  double indent_pt;      /* block indent */
  double first_indent;   /* first-line indent, pt */
  bool justify;          /* full lines fill the measure */
  bool center;           /* short lines centred in the measure (horizontal titles) */
  bool new_page, keep_next;
  double end_pt;         /* room kept free at the line end (the contents' page numbers) */
} bs_ts_block;
void bs_ts_break_para(bs_ts_ctx *c, bs_ts_para *p, const bs_ts_block *blk);
/* All of a shaped paragraph's boxes as one unbroken line at natural spacing, into `ln` (runs
 * owned: bs_ts_line_free); its length is ln->natural. For folios and running heads. */
void bs_ts_place_line(bs_ts_ctx *c, bs_ts_para *p, bs_ts_line *ln);
void bs_ts_line_free(bs_ts_line *l);

/* book.c: front matter, running heads, outline */
/* Plans the book from one of its chapters, in order (the chapter is given back afterwards):
 * whether some chapter is vertical, the characters it shows (font subsets), its contents
 * entries (copied). */
void bs_ts_plan_chapter(bs_ts_ctx *c, const bs_node *doc, int chapter);
/* Lays the front matter out (the title page, the contents from the planned entries of a book
 * of `ndocs` chapters) and paginates it: its pages (run->front_pages) and where each line went
 * are kept, not the lines, which are laid out again a few pages at a time to be drawn after
 * the last chapter (bs_ts_front_slice). */
bs_status bs_ts_front_layout(bs_ts_ctx *c, const bs_node *root, size_t ndocs, bs_error *err);
/* Lays out again, into lines_v (run->front_line0: the first's index), the front paragraphs
 * from *k up to one that begins a page, where they were; *k moves past them. The state the
 * chapters left (language, region) is kept, for the contents' page numbers. */
bs_status bs_ts_front_slice(bs_ts_ctx *c, size_t *k, bs_error *err);
void bs_ts_front_free(bs_ts_run *run);
/* A part divider of a book: an empty document with a title (the manifest's parts). */
bool bs_ts_is_divider(const bs_node *doc);
/* Records where the current chapter's headings landed for the contents. */
void bs_ts_front_note(bs_ts_ctx *c);
/* After the last chapter: each contents entry's page number, leader and links (bs_ts_toc,
 * front_pages' links), for the drawer. */
void bs_ts_front_finish(bs_ts_ctx *c);
/* The running head of a page of the current chapter ("" for none) (§7.5). */
const char *bs_ts_running_head(const bs_ts_ctx *c, const bs_ts_page *pg);

/* folio.c: the page furniture (§7.5) */
/* Completes the chapter's page records (bs_ts_page) before they are emitted: folio and
 * running head (text, shaped, placed), figure positions, note rules, links. */
void bs_ts_furnish_pages(bs_ts_ctx *c);
/* `text` shaped at `size` by bs_ts_shape_text, kept in `t` (shaped once while it repeats);
 * NULL for "". */
const bs_ts_line *bs_ts_text_line(bs_ts_ctx *c, bs_ts_texts *t, const char *text, double size);
void bs_ts_texts_free(bs_ts_texts *t);
/* Places shaped text `l` (or NULL) with its baseline at y, starting at x (or ending there when
 * right_align), squeezed by sx; returns its width after the squeeze. */
double bs_ts_label_set(bs_ts_label *lb, const bs_ts_line *l, double size, double x, double y,
                       bool right_align, double sx);
/* Shapes `text` horizontally at `size` as body text (Pango's fonts for each script, #13) into
 * `p` and one line `l` at natural spacing (both owned: bs_ts_para_free, bs_ts_line_free);
 * its width is l->natural, 0 if it could not be shaped. */
void bs_ts_shape_text(bs_ts_ctx *c, const char *text, double size, bs_ts_para *p, bs_ts_line *l);

/* The chapters of a book being laid out: a chapter source (node.h) and which of its chapters
 * the book holds (NULL: every one the source gives). */
typedef struct bs_ts_chapters {
  const bs_chapter_source *src;
  const bool *present; /* from the plan, or NULL */
  size_t n;            /* chapters present (all of src->count when present is NULL) */
  size_t last;         /* the last present one's index */
} bs_ts_chapters;
/* A book tree as a chapter source: its children in order. */
typedef struct bs_ts_tree {
  const bs_node *root, *at;
  size_t at_i;
  bs_chapter_source src;
} bs_ts_tree;
void bs_ts_tree_source(bs_ts_tree *t, const bs_node *root);
/* Chapter i from the source (an error if the plan had it and the source no longer does), and
 * given back. */
bs_status bs_ts_chapter_get(const bs_ts_chapters *ch, size_t i, const bs_node **doc,
                            bs_error *err);
void bs_ts_chapter_put(const bs_ts_chapters *ch, size_t i, const bs_node *doc);

/* page.c: lays out, paginates and emits one chapter (document of a book) at a time. */
bs_status bs_ts_layout(bs_ts_ctx *c, const bs_node *root, bs_ts_emit_fn emit, void *user,
                       bs_error *err);
/* The same for a book's chapters, each asked for from the source and given back once emitted. */
bs_status bs_ts_layout_chapters(bs_ts_ctx *c, const bs_ts_chapters *ch, bs_ts_emit_fn emit,
                                void *user, bs_error *err);
/* The steps of bs_ts_layout for a book, for parallel.c: lays out document `d` (a part
 * divider or a chapter) into c->lines_v; paginates, emits and frees it; reports progress. */
bs_status bs_ts_chapter_layout(bs_ts_ctx *c, const bs_node *d, bs_error *err);
bs_status bs_ts_chapter_emit(bs_ts_ctx *c, bs_ts_emit_fn emit, void *user, bool last,
                             bs_error *err);
void bs_ts_progress(bs_ts_ctx *c, size_t done, size_t total);
/* Frees the current chapter's lines, pages and headings. */
void bs_ts_chapter_free(bs_ts_ctx *c);
/* Lays out one block's text as a paragraph (for the front matter). */
bs_status bs_ts_para_text(bs_ts_ctx *c, const char *text, unsigned char style, double size,
                          const bs_ts_block *blk, bs_error *err);
bs_ts_block bs_ts_body_block(const bs_ts_ctx *c, double indent_pt);
/* Puts the laid-out lines on pages (c->pages). */
void bs_ts_paginate(bs_ts_ctx *c);

/* parallel.c: bs_ts_layout_chapters with opts->jobs > 1: worker threads lay chapters out
 * ahead (at most jobs + 1 in flight), this thread paginates and emits them in order, so the
 * output does not depend on the number of threads. Falls back to the serial path otherwise. */
bs_status bs_ts_layout_parallel(bs_ts_ctx *c, const bs_ts_chapters *ch, bs_ts_emit_fn emit,
                                void *user, bs_error *err);
/* typeset.c: a program may let the PDF's threads (layout, the content filter's writer) use
 * fewer cores than opts->jobs for a while: `fn` answers how many now (asked before each thread
 * is started; NULL: opts->jobs). The bisheng program builds each output in a process of its
 * own and gives each one core while its siblings run, the cores they leave to the last ones
 * (src/cli/build.c). */
void bs_ts_set_cores_fn(int (*fn)(void));
/* The cores the PDF may use now: `jobs`, or fewer while the program says so (above). */
int bs_ts_cores_now(int jobs);

/* draw.c: the PDF, streamed chapter by chapter to `f` (a file opened for writing at offset 0) */
typedef struct bs_ts_pdf bs_ts_pdf;
bs_status bs_ts_draw_begin(bs_ts_ctx *c, const bs_node *root, FILE *f, bs_ts_pdf **out,
                           bs_error *err);
bs_status bs_ts_draw_chapter(bs_ts_ctx *c, void *pdf, bs_error *err); /* a bs_ts_emit_fn */
/* The contents' pages whose lines bs_ts_front_slice laid out (with `end`, the rest too). */
void bs_ts_draw_front(bs_ts_ctx *c, bs_ts_pdf *pdf, bool end);
/* Finishes the PDF and, if `ok`, appends the incremental update; `path` names the file for
 * reading its tail back (NULL: the stream itself is readable). Frees `pdf`. */
bs_status bs_ts_draw_end(bs_ts_ctx *c, bs_ts_pdf *pdf, const char *path, bool ok,
                         bs_error *err);

/* pdfup.c: incremental updates of the finished PDF */
typedef struct bs_pdfup bs_pdfup;
/* NULL if the file is not laid out as Cairo writes it; `out` (rd itself, or the same file
 * opened for writing) gets the objects set, at its end */
bs_pdfup *bs_pdfup_open(FILE *rd, FILE *out);
int bs_pdfup_root(const bs_pdfup *u);
bool bs_pdfup_get(bs_pdfup *u, int num, bs_buf *dict); /* an object's text between obj/endobj */
void bs_pdfup_set(bs_pdfup *u, int num, const char *body, size_t len); /* written at once */
int bs_pdfup_new_obj(bs_pdfup *u);
int bs_pdfup_new_objs(bs_pdfup *u, int n); /* n consecutive numbers: the first */
bool bs_pdfup_write(bs_pdfup *u); /* the xref section and trailer: the file is complete */
void bs_pdfup_free(bs_pdfup *u);

/* pdftext.c: Cairo's page contents rewritten on their way to `f` (a seekable file written
 * from offset 0): /ActualText for the Span lines of vertical PDFs, /Artifact around what is
 * drawn outside the structure, pure black as DeviceGray. */
typedef struct bs_pdftext bs_pdftext;
/* Appends `s` (UTF-8) as a PDF text string: <FEFF…>, UTF-16BE in hex. */
void bs_ts_pdf_text(bs_buf *b, const char *s);
/* thread: filter and write on a thread of its own (the drawing thread only queues). */
bs_pdftext *bs_pdftext_new(FILE *f, bool thread);
/* From now on, filter and write on a thread of its own (if not yet, and one can be made). */
void bs_pdftext_thread(bs_pdftext *t);
/* The text of the next Span tag drawn (UTF-8, copied), or NULL to leave that Span as it is. */
void bs_pdftext_add(bs_pdftext *t, const char *utf8, size_t len);
/* The next marked content draw.c marks: its type (a static string) and MCID on its page;
 * type NULL: the page's marked contents end here (before cairo_show_page). */
void bs_pdftext_mark(bs_pdftext *t, const char *type, uint16_t mcid);
/* The colour the content of the nth marked content (0-based, in the file) is drawn in. */
void bs_pdftext_mark_ink(uint32_t n, double ink[3]);
/* A column's glyphs (draw.c: column), n of them, drawn in the column colour of a marked
 * content (bs_pdftext_column_ink) at their natural advances on one stand-in baseline, in
 * drawing order; `moves` (2 n numbers, copied): each glyph's move in text space, the first
 * one's from where Cairo puts it, the others' from the glyph before. n 0: the page's end
 * (before cairo_show_page). The filter writes each glyph after its move. */
void bs_pdftext_glyphs(bs_pdftext *t, size_t n, const double *moves);
/* Whether `ink` is a marked content's colour (bs_pdftext_mark_ink). */
bool bs_pdftext_ink_is_mark(const double ink[3]);
/* The colour a column (bs_pdftext_glyphs) of the marked content drawn in `ink` is
 * drawn in, which tells the filter its strings. */
void bs_pdftext_column_ink(const double ink[3], double out[3]);
/* One /ActualText (UTF-8, copied) over the last `n` Spans added, not yet drawn out: a vertical
 * table row's cells on a page, which copy as the row's text. */
void bs_pdftext_group_last(bs_pdftext *t, size_t n, const char *utf8, size_t len);
/* Cairo's write callback goes here; false once writing failed (with a writer thread: once it
 * has seen a write fail). */
bool bs_pdftext_write(bs_pdftext *t, const unsigned char *data, size_t len);
/* After cairo_surface_finish: the rest of the file, and Cairo's cross-reference table moved
 * to where the objects now are (read back from `path`, or from the stream if NULL).
 * *unmatched: Span tags and texts that did not pair up, and columns whose glyphs Cairo did not
 * write as draw.c gave them (0). */
bool bs_pdftext_finish(bs_pdftext *t, const char *path, size_t *unmatched);
/* The errno of the write that failed, or 0. */
int bs_pdftext_errno(const bs_pdftext *t);
void bs_pdftext_free(bs_pdftext *t);

/* subset.c: every character the tree can show, per region and kind of face, into
 * bk->book_cps, for font subsets made before drawing (the book's owner, before it is shared;
 * a book's chapters are added as they are planned, bs_ts_chars_add) */
void bs_ts_book_chars(bs_ts_book *bk, const bs_node *root);
/* The characters of `n` (a document, or a chapter of the book), added to the book's. */
void bs_ts_chars_add(bs_ts_book *bk, const bs_node *n);
/* The glyphs of face `f` for the characters the book has for it, closed over the GSUB
 * features the shaper uses (vert, vrt2, vhal, halt, fwid, hwid, …). */
hb_set_t *bs_ts_face_glyphs(const bs_ts_book *bk, bs_ts_face *f);
/* For a single document, drawn once it is laid out whole: the glyphs of `f` its lines use,
 * and (regular CJK face) what its folios and running heads can show. */
hb_set_t *bs_ts_chapter_glyphs(bs_ts_ctx *c, bs_ts_face *f);

/* ---- content features (ruby.c, figure.c, notes.c) ---- */

/* ruby.c: one annotation over paragraph bytes [start, end) (the base: one unbreakable unit) */
typedef struct bs_ts_ruby {
  size_t start, end;
  char *text; /* owned */
  int id;     /* book-wide, for the dump */
  size_t b0, b1;       /* boxes of the base */
  bs_ts_face *face;
  double size;         /* annotation size: half the base's */
  bs_ts_glyph *g;      /* owned, at `size` */
  size_t ng;
  double w;            /* natural length of the annotation */
  double trail;        /* space after the base (see bs_ts_box.lead) */
  int note;            /* notes.c: not a ruby but a note mark (its note's id) */
  size_t reach;        /* the largest b1 of this and every earlier span; SIZE_MAX in all when
                          the spans are not in b0 order (bs_ts_ruby_place then scans them all) */
  /* jukugo ruby: rubies [jk0, jk1) of the paragraph over adjacent characters, one reading
   * each, set as one unit with each reading near its own character (jk1 == 0: not one) */
  size_t jk0, jk1;
  double al, ar;       /* overhang allowed before and after the base (or the jukugo) */
} bs_ts_ruby;
typedef struct bs_ts_ruby_list {
  bs_ts_ruby *v;
  size_t n, cap;
} bs_ts_ruby_list;
/* spans.c: appends a zeroed span over paragraph bytes [start, end) (rubies, note marks). */
bs_ts_ruby *bs_ts_span_push(bs_ts_ruby_list *l, size_t start, size_t end);
/* The boxes [r->b0, r->b1) of paragraph `p` that the span's bytes fall in. */
void bs_ts_span_boxes(const bs_ts_para *p, bs_ts_ruby *r);
/* Moves the spans inside bytes [a, b) of the collected text into `p` (offsets from a). */
void bs_ts_ruby_take(bs_ts_ruby_list *l, bs_ts_para *p, size_t a, size_t b);
void bs_ts_ruby_list_free(bs_ts_ruby_list *l);
/* Records a ruby over text bytes [start, end) while a paragraph is collected. */
void bs_ts_ruby_add(bs_ts_ruby_list *l, size_t start, size_t end, const char *ann);
/* After shaping: bases become unbreakable, annotations are shaped, long ones get room. */
void bs_ts_ruby_shape(bs_ts_ctx *c, bs_ts_para *p);
/* After a line's boxes [s, e) are placed: appends the annotation runs of its rubies. */
void bs_ts_ruby_place(bs_ts_ctx *c, const bs_ts_para *p, size_t s, size_t e, double start,
                      bs_ts_line *ln);
void bs_ts_ruby_free(bs_ts_para *p);

/* figure.c: an image set between lines (horizontal) or columns (vertical), whole slots */
typedef struct bs_ts_figure {
  char *src, *input; /* owned: as written, and the document that refers to it */
  int line;
  char *data;        /* owned: the file's bytes (JPEG goes into the PDF as it is) */
  size_t len;
  bool jpeg;
  int px_w, px_h;
  double w, h;       /* drawn size, pt */
  double x, y;       /* its top-left corner on its page (bs_ts_figures_place) */
} bs_ts_figure;
/* Appends a figure line for `fig` (nothing if it has no image the PDF can show). */
bs_status bs_ts_figure_line(bs_ts_ctx *c, const bs_node *fig, double indent, bool caption,
                            bool new_page, bool *added, bs_error *err);
/* After pagination: each figure's place on its page (bs_ts_figure.x/y). */
void bs_ts_figures_place(bs_ts_ctx *c);
void bs_ts_figure_free(bs_ts_figure *f);
/* image.c: draws the figure's image where it was placed (the drawing side). */
bs_status bs_ts_figure_draw(cairo_t *cr, const bs_ts_figure *f, bs_error *err);
/* image.c: a PNG in memory as a Cairo image (figures, emoji glyphs); an error surface if it
 * cannot be read */
cairo_surface_t *bs_ts_png_surface(const void *data, size_t len);

/* notes.c: footnotes. Marks are small numbers after the text they annotate (superscript in
 * horizontal, right of the column in vertical); the notes follow the chapter's text and, in
 * horizontal, move to the foot of the page of their mark (bs_ts_notes_place). */
typedef struct bs_ts_note {
  char *label;          /* owned */
  const bs_node *def;   /* its definition, or NULL */
  int num;              /* shown number within the chapter, 0 until numbered */
  size_t l0, l1;        /* its lines */
  size_t ref_line;      /* the line of its first mark (pagination), or (size_t)-1 */
  bool marked;          /* at least one mark refers to it */
} bs_ts_note;
/* A mark for `label`: its note's id, numbering notes in the order of their first marks. */
int bs_ts_note_ref(bs_ts_ctx *c, const char *label);
/* Records a definition (laid out with the chapter's notes). */
void bs_ts_note_def(bs_ts_ctx *c, const bs_node *def);
/* The text of mark `id`: "3" (horizontal), "③" (vertical). */
void bs_ts_note_mark(const bs_ts_ctx *c, int id, char *buf, size_t n);
void bs_ts_note_span(bs_ts_ruby_list *l, size_t start, size_t end, int id);
/* Numbers the notes that were defined but never marked; the heading of the notes section. */
void bs_ts_notes_number(bs_ts_ctx *c);
const char *bs_ts_notes_title(const bs_ts_ctx *c);
bs_ts_note *bs_ts_note_by_id(bs_ts_ctx *c, int id);
void bs_ts_note_shape(bs_ts_ctx *c, bs_ts_para *p, bs_ts_ruby *r);
void bs_ts_note_place(bs_ts_ctx *c, const bs_ts_para *p, const bs_ts_ruby *r, size_t s, size_t e,
                      bs_ts_line *ln);
/* Pagination: where the body lines end, and the note slots line i brings to its page. */
size_t bs_ts_notes_body_end(bs_ts_ctx *c);
int bs_ts_notes_foot(bs_ts_ctx *c, size_t i);
/* After pagination (horizontal): each page's notes go to its foot, after its text. */
void bs_ts_notes_place(bs_ts_ctx *c);
/* Page `pi`'s note rule and the links between its marks and notes, into its record. */
void bs_ts_notes_furnish(bs_ts_ctx *c, size_t pi);
/* Appends a link to the page's record. */
bs_ts_link *bs_ts_page_link(bs_ts_page *pg);
void bs_ts_notes_free(bs_ts_ctx *c);
/* The characters notes add to a book (circled numbers, 註 / 注 / 주), for font subsets. */
void bs_ts_notes_chars(hb_set_t *s);
/* A paragraph's text without its note marks (for contents, outline and running heads). */
char *bs_ts_text_unmarked(const bs_ts_para *p);

/* dump.c */
bs_status bs_ts_dump_begin(bs_ts_ctx *c, FILE *out, bs_error *err);
bs_status bs_ts_dump_chapter(bs_ts_ctx *c, void *out, bs_error *err); /* a bs_ts_emit_fn */
bs_status bs_ts_dump_end(bs_ts_ctx *c, FILE *out, bs_error *err);

#endif
