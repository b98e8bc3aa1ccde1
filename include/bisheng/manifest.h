/* bisheng: book manifests (book.yaml). A manifest names a book's metadata, its parts and
 * articles (paths or globs, relative to the manifest) and the outputs to build from them.
 *
 * Use: bs_manifest_load() parses and checks the manifest (every problem is reported, not
 * just the first); bs_manifest_read_articles() reads the articles into the book tree;
 * bs_manifest_write() builds one output, leaving an unchanged output file untouched.
 *
 * The book tree (bs_manifest_get_book) is a BS_NODE_BOOK whose children are documents, one
 * per article, in manifest order. A part is represented in the same flat list by a divider:
 * an empty BS_NODE_DOCUMENT carrying the part's title and the tag BS_PART_TAG, placed before
 * the part's articles (bs_manifest_is_part tests for it). Writers that know dividers can make
 * part title pages and nest their tables of contents; writers that do not see an empty
 * chapter with the part's title, which is a plain divider page.
 *
 * Thread safety: a loaded manifest is read-only during bs_manifest_write, so several outputs
 * of one manifest may be written from separate threads at once. */
#ifndef BISHENG_MANIFEST_H
#define BISHENG_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "epub.h"
#include "error.h"
#include "node.h"
#include "read.h"
#include "typeset.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The tag on part divider documents. */
#define BS_PART_TAG "bisheng:part"

/* Limits: YAML nesting and node visits (alias bombs), articles after glob expansion. */
enum { BS_MANIFEST_DEPTH_MAX = 64, BS_MANIFEST_NODES_MAX = 1000000,
       BS_MANIFEST_ARTICLES_MAX = 100000 };

typedef enum { BS_OUTPUT_EPUB = 1, BS_OUTPUT_PDF = 2 } bs_output_format;

/* One output of the manifest. Strings are borrowed from the manifest. The option structs are
 * complete except for `diag`, `diag_user` and `source_date`, which the caller sets on a copy
 * before bs_manifest_write. */
typedef struct bs_manifest_output {
  const char *name;         /* unique within the manifest */
  const char *file;         /* as written in the manifest */
  const char *path;         /* resolved against the manifest's folder */
  bs_output_format format;
  int line;                 /* where the output is declared */
  bs_epub_options epub;     /* when format is EPUB */
  bs_typeset_options pdf;   /* when format is PDF */
  bool force;               /* set on the copy: rebuild even when the sidecar matches */
} bs_manifest_output;

typedef struct bs_manifest bs_manifest;

typedef struct bs_manifest_options {
  /* Every problem found while loading or reading, in order; the first also fills `err`.
   * NULL: only `err` is filled. */
  bs_diag_fn report;
  void *report_user;
  /* Warnings (and, during bs_manifest_read_articles, the readers' warnings, delivered in
   * article order on the calling thread whatever `jobs` is). */
  bs_diag_fn diag;
  void *diag_user;
  /* Reader settings for the articles (path and format are set per article). */
  bool normalize;           /* default true */
  bool lossy;
  int jobs;                 /* threads reading articles; <= 1 reads them in turn */
  /* An article that cannot be read is still reported (through `report`), but is left out of
   * the book instead of failing bs_manifest_read_articles, which then fails only when no
   * article at all could be read. So is an article entry naming no file (or a glob matching
   * none) in bs_manifest_load, which then fails only on other errors or when no article is
   * left; the caller knows from `report` that something was left out. */
  bool keep_going;
  /* Articles, stylesheets, cover images and output files may be outside the manifest's folder
   * tree (absolute, "../", a symbolic link out). Off by default: a manifest from elsewhere
   * should not read /etc/passwd into a book nor write ../leak.conf. Globs never leave it. */
  bool allow_outside;
} bs_manifest_options;

BS_API void bs_manifest_options_init(bs_manifest_options *opts);

/* Parses the manifest at `path` (book metadata, parts, articles, outputs), expands globs and
 * checks that every article exists. Errors say `path:line: message`; all of them go to
 * opts->report and the first to `err`. On success `*out` is a new manifest the caller frees
 * with bs_manifest_free; articles are not read yet. */
BS_API bs_status bs_manifest_load(const char *path, const bs_manifest_options *opts,
                                  bs_manifest **out, bs_error *err);
/* The same from memory; `path` names the manifest in errors and anchors relative paths. */
BS_API bs_status bs_manifest_parse(const char *buf, size_t len, const char *path,
                                   const bs_manifest_options *opts, bs_manifest **out,
                                   bs_error *err);
BS_API void bs_manifest_free(bs_manifest *m);

/* Reads every article (opts->jobs threads) and fills the book tree: the manifest's metadata
 * and overrides are applied over what the articles say. All failures are reported; on
 * failure the tree is left without articles. */
BS_API bs_status bs_manifest_read_articles(bs_manifest *m, const bs_manifest_options *opts,
                                           bs_error *err);

/* Reads every article of the selected volume as bs_manifest_read_articles does, reporting
 * every problem and warning the same way, but keeps none: the book is left as it was and
 * memory stays bounded by the article (opts->jobs of them at once). For a build whose
 * outputs read the articles themselves (an EPUB from unread articles), to name every article
 * that cannot be read once one output failed on the first. */
BS_API bs_status bs_manifest_check_articles(const bs_manifest *m, const bs_manifest_options *opts,
                                            bs_error *err);

/* The book (borrowed until bs_manifest_free). Before bs_manifest_read_articles it carries
 * the metadata only. */
BS_API const bs_node *bs_manifest_get_book(const bs_manifest *m);
/* The manifest's path as given to bs_manifest_load. */
BS_API const char *bs_manifest_get_path(const bs_manifest *m);

/* Articles after glob expansion, in order (part dividers not counted). */
BS_API size_t bs_manifest_article_count(const bs_manifest *m);
/* The i-th article's resolved path and the manifest line naming it. */
BS_API const char *bs_manifest_article_path(const bs_manifest *m, size_t i);
BS_API int bs_manifest_article_line(const bs_manifest *m, size_t i);
BS_API size_t bs_manifest_part_count(const bs_manifest *m);

BS_API size_t bs_manifest_output_count(const bs_manifest *m);
/* Borrowed; NULL when out of range / not found. */
BS_API const bs_manifest_output *bs_manifest_get_output(const bs_manifest *m, size_t i);
BS_API const bs_manifest_output *bs_manifest_find_output(const bs_manifest *m,
                                                         const char *name);

/* Volumes (`volumes:` in the manifest: at each part, or a maximum of articles or of
 * estimated pages per volume). 0 when the book is not split. */
BS_API size_t bs_manifest_volume_count(const bs_manifest *m);
/* Selects volume `v` (1-based; 0: the whole book) for the next bs_manifest_read_articles,
 * which then reads only that volume's articles (a part split between volumes opens the next
 * one again), and sets the book's title to carry the volume ("書名 第二卷", "Title, Volume
 * 2") with BS_META_COLLECTION (the book's own title) and BS_META_POSITION ("2"). Fails with
 * BS_ERR_ARGUMENT past the last volume. */
BS_API bs_status bs_manifest_select_volume(bs_manifest *m, size_t v, bs_error *err);

/* ---- Reading the articles one at a time ----
 * A book too large to hold whole as a tree (a 10,000-article collection) is given to a writer
 * chapter by chapter (bs_chapter_source, node.h): each article is read when the writer asks
 * for it and freed when the writer gives it back, so memory is bounded by the chapter, not
 * the book. bs_manifest_write does this for its outputs (EPUB and PDF) when the articles
 * have not been read (bs_manifest_read_articles not called since the volume was selected). */
typedef struct bs_manifest_source bs_manifest_source;

/* A source of the selected volume's chapters (part dividers included, as in the book tree),
 * read with the manifest's reader options (normalize and lossy: the last given to
 * bs_manifest_load/parse or bs_manifest_read_articles). The book's language is settled as
 * bs_manifest_read_articles settles it (reading the first articles until one names it, when
 * the manifest does not) and the volume's title set. Readers' warnings go to `diag` the first
 * time an article is read, in article order; an article that cannot be read fails the get
 * with its own `file:line:` error (and the manifest line naming it). `m` must outlive the
 * source and may be shared by sources on other threads. */
BS_API bs_status bs_manifest_source_new(const bs_manifest *m, bs_diag_fn diag, void *diag_user,
                                        bs_manifest_source **out, bs_error *err);
BS_API void bs_manifest_source_free(bs_manifest_source *s);
/* The book's metadata (a BS_NODE_BOOK; a chapter lent out is its child until given back). */
BS_API const bs_node *bs_manifest_source_book(const bs_manifest_source *s);
/* The chapters, for a writer (borrowed until bs_manifest_source_free). */
BS_API const bs_chapter_source *bs_manifest_source_chapters(const bs_manifest_source *s);

/* True if `doc` is a part divider (see above). */
BS_API bool bs_manifest_is_part(const bs_node *doc);

/* Creates the folders an output goes to and checks that a file can be made there. Errors
 * name the manifest line of the output. */
BS_API bs_status bs_manifest_prepare_output(const bs_manifest *m, const bs_manifest_output *out,
                                            bs_error *err);

typedef struct bs_manifest_result {
  bool written;      /* false: the existing file already had these contents */
  long long bytes;   /* size of the output file */
  int pages;         /* PDF page count, 0 for EPUB or when unknown */
} bs_manifest_result;

/* Builds `out` (a copy of one of m's outputs, with diag and source_date set) from the book.
 * The output is written beside its target and renamed over it only if its bytes differ;
 * a sidecar `.FILE.bisheng` holds a hash of the tree, the options and the version, and when
 * it matches an existing output nothing is written at all. Reproducible when
 * source_date >= 0 (SOURCE_DATE_EPOCH). */
BS_API bs_status bs_manifest_write(const bs_manifest *m, const bs_manifest_output *out,
                                   bs_manifest_result *res, bs_error *err);

#ifdef __cplusplus
}
#endif
#endif
