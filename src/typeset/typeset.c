/* Typesetter entry points: options, paper sizes, PDF and layout dump output (the context they
 * run in: context.c). */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "typeset-impl.h"


void bs_typeset_options_init(bs_typeset_options *o)
{
  memset(o, 0, sizeof *o);
  o->indent_em = -1;
  o->source_date = -1;
  o->toc = -1;
  o->recto_chapters = -1;
}

/* §7.2: B5/B6 are the JIS sizes (what they mean in Japan and Taiwan); 32K is the mainland
 * 130 × 184 mm. */
bool bs_paper_size(const char *name, double *w, double *h)
{
  static const struct {
    const char *name;
    double w, h;
  } sizes[] = {{"A4", 210, 297}, {"A5", 148, 210},   {"B5", 182, 257},    {"B6", 128, 182},
               {"B6-ISO", 125, 176}, {"B5-ISO", 176, 250}, {"32K", 130, 184},
               {"Letter", 215.9, 279.4}};
  if (!name)
    return false;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (!strcasecmp(name, sizes[i].name)) {
      *w = sizes[i].w;
      *h = sizes[i].h;
      return true;
    }
  double a, b;
  char x, rest[8] = "";
  if (sscanf(name, "%lf%c%lf%7s", &a, &x, &b, rest) == 4 && (x == 'x' || x == 'X') &&
      !strcmp(rest, "mm") && a >= 50 && b >= 50 && a <= 2000 && b <= 2000) {
    *w = a;
    *h = b;
    return true;
  }
  return false;
}

/* Copies the finished temporary PDF to stdout. */
static bs_status copy_out(FILE *f, bs_error *err)
{
  char buf[65536];
  size_t n;
  if (fflush(f) || fseek(f, 0, SEEK_SET))
    return bs_error_set(err, BS_ERR_IO, "-", 0, 0, "cannot read the PDF back");
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    if (fwrite(buf, 1, n, stdout) != n)
      return bs_error_set(err, BS_ERR_IO, "-", 0, 0, "cannot write the PDF");
  if (ferror(f) || fflush(stdout))
    return bs_error_set(err, BS_ERR_IO, "-", 0, 0, "cannot write the PDF");
  return BS_OK;
}

/* The PDF is streamed to its output file page by page as chapters are laid out (#4: memory
 * bounded by one chapter); stdout gets it through a temporary file, since the incremental
 * update at the end reads the file's tail back. */
/* Cairo 1.16 is not safe for two threads drawing PDFs at once: its scaled-font caches take
 * their locks in different orders (ThreadSanitizer flags it, and `bisheng build -j` hung once
 * with two outputs in cairo_show_text_glyphs). So one thread in the process draws at a time,
 * a chapter at a turn; shaping and line breaking and the fonts' subsets (bs_ts_layout_parallel's
 * workers), the content filter's writer thread (pdftext.c) and the EPUB writer run alongside,
 * none of them calling Cairo. Our other locks (the fonts') are only ever taken inside this
 * one. */
static pthread_mutex_t cairo_lock = PTHREAD_MUTEX_INITIALIZER;

static bs_status draw_chapter_locked(bs_ts_ctx *c, void *pdf, bs_error *err)
{
  pthread_mutex_lock(&cairo_lock);
  bs_status st = bs_ts_draw_chapter(c, pdf, err);
  pthread_mutex_unlock(&cairo_lock);
  return st;
}

/* The cores a program lets the PDF use now, below opts->jobs (bs_ts_set_cores_fn): asked by
 * the layout (its threads) and the drawing (the content filter's writer thread). */
static int (*cores_fn)(void);

void bs_ts_set_cores_fn(int (*fn)(void))
{
  cores_fn = fn;
}

int bs_ts_cores_now(int jobs)
{
  if (!cores_fn)
    return jobs;
  int n = cores_fn();
  return n < jobs ? n : jobs;
}

/* The book planned from its chapters, each lent and given back in turn (the whole book is
 * never held): the context made from the first (the book's direction and language when the
 * book gives none), then each chapter's contents entries, characters and direction
 * (bs_ts_plan_chapter). Without a chapter the context is the book's alone. */
static bs_status plan_book(bs_ts_ctx *c, const bs_node *root, const bs_chapter_source *src,
                           const bs_typeset_options *opts, bool *present, size_t *n,
                           size_t *last, bs_error *err)
{
  bool init = false;
  bs_status st = BS_OK;
  bs_ts_chapters ch = {src, NULL, src->count, 0};
  *n = 0;
  for (size_t i = 0; i < src->count && st == BS_OK; i++) {
    const bs_node *d;
    st = bs_ts_chapter_get(&ch, i, &d, err);
    if (st != BS_OK || !d)
      continue;
    if (!init) {
      st = bs_ts_ctx_init(c, root, d, opts, err);
      init = true;
    }
    if (st == BS_OK) {
      bs_ts_plan_chapter(c, d, (int)*n);
      present[i] = true;
      *last = i;
      ++*n;
    }
    bs_ts_chapter_put(&ch, i, d);
  }
  if (!init) {
    bs_status st2 = bs_ts_ctx_init(c, root, NULL, opts, err);
    if (st == BS_OK)
      st = st2;
  }
  return st;
}

static bs_status write_pdf(const bs_node *root, const bs_chapter_source *src,
                           const bs_typeset_options *opts, const char *path, bs_error *err)
{
  bs_ts_ctx c;
  bs_atomic_file *af = NULL;
  FILE *f = NULL;
  bs_ts_pdf *pdf = NULL;
  bool to_stdout = !strcmp(path, "-");
  bool *present = src ? bs_xcalloc(src->count + 1, sizeof *present) : NULL;
  bs_ts_chapters ch = {src, present, 0, 0};
  bs_status st = src ? plan_book(&c, root, src, opts, present, &ch.n, &ch.last, err)
                     : bs_ts_ctx_init(&c, root, NULL, opts, err);
  if (st == BS_OK && to_stdout) {
    f = tmpfile();
    if (!f)
      st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot create a temporary file");
  } else if (st == BS_OK) {
    st = bs_atomic_open(path, &af, err);
    if (st == BS_OK)
      f = bs_atomic_stream(af);
  }
  c.run->out = f;
  if (st == BS_OK && src)
    st = bs_ts_front_layout(&c, root, ch.n, err);
  if (st == BS_OK) {
    pthread_mutex_lock(&cairo_lock);
    st = bs_ts_draw_begin(&c, root, f, &pdf, err);
    pthread_mutex_unlock(&cairo_lock);
  }
  if (st == BS_OK)
    st = src ? bs_ts_layout_parallel(&c, &ch, draw_chapter_locked, pdf, err)
             : bs_ts_layout(&c, root, draw_chapter_locked, pdf, err);
  if (st == BS_OK && c.run->nfront_pages) {
    bs_ts_front_finish(&c); /* the contents' page numbers, now that they are known */
    /* their lines laid out again and drawn a few pages at a time (never all held) */
    for (size_t k = 0; st == BS_OK && k < c.run->nfparas;) {
      st = bs_ts_front_slice(&c, &k, err);
      pthread_mutex_lock(&cairo_lock);
      if (st == BS_OK)
        bs_ts_draw_front(&c, pdf, k >= c.run->nfparas);
      pthread_mutex_unlock(&cairo_lock);
    }
    bs_ts_chapter_free(&c);
  }
  if (pdf) {
    pthread_mutex_lock(&cairo_lock);
    bs_status st2 = bs_ts_draw_end(&c, pdf, af ? bs_atomic_tmp_path(af) : NULL, st == BS_OK,
                                   err);
    pthread_mutex_unlock(&cairo_lock);
    if (st == BS_OK)
      st = st2;
  }
  if (st == BS_OK && c.bk->opts->progress) {
    /* the last report counts every physical page: the contents before page 1 too */
    size_t total = src ? src->count : 1;
    bs_progress p = {total, total, (int)c.run->nfront_pages + c.run->page_base, 0};
    long long at = f ? (long long)ftello(f) : 0;
    p.bytes = at > 0 ? at : 0;
    c.bk->opts->progress(c.bk->opts->progress_user, &p);
  }
  if (to_stdout && f) {
    if (st == BS_OK)
      st = copy_out(f, err);
    fclose(f);
  } else if (af) {
    if (st == BS_OK)
      st = bs_atomic_commit(af, err);
    else
      bs_atomic_abort(af);
  }
  /* an error of no input (a full disk, Cairo, too many fonts) names the output */
  if (st != BS_OK && err && !err->path[0])
    snprintf(err->path, sizeof err->path, "%s", path);
  free(present);
  bs_ts_missing_flush(&c);
  pthread_mutex_lock(&cairo_lock); /* it destroys the Cairo faces */
  bs_ts_ctx_free(&c);
  pthread_mutex_unlock(&cairo_lock);
  return st;
}

bs_status bs_pdf_write(const bs_node *root, const bs_typeset_options *opts, const char *path,
                       bs_error *err)
{
  if (bs_node_get_type(root) != BS_NODE_BOOK)
    return write_pdf(root, NULL, opts, path, err);
  bs_ts_tree t;
  bs_ts_tree_source(&t, root);
  return write_pdf(root, &t.src, opts, path, err);
}

bs_status bs_pdf_write_chapters(const bs_node *book, const bs_chapter_source *src,
                                const bs_typeset_options *opts, const char *path, bs_error *err)
{
  if (!book || !src || !src->get || !path || bs_node_get_type(book) != BS_NODE_BOOK)
    return bs_error_set(err, BS_ERR_ARGUMENT, path, 0, 0,
                        "bs_pdf_write_chapters needs a book, a chapter source and a path");
  return write_pdf(book, src, opts, path, err);
}

bs_status bs_layout_dump(const bs_node *root, const bs_typeset_options *opts, FILE *out,
                         bs_error *err)
{
  bs_ts_ctx c;
  bs_status st = bs_ts_ctx_init(&c, root, NULL, opts, err);
  if (st == BS_OK)
    st = bs_ts_dump_begin(&c, out, err);
  if (st == BS_OK)
    st = bs_ts_layout(&c, root, bs_ts_dump_chapter, out, err);
  if (st == BS_OK)
    st = bs_ts_dump_end(&c, out, err);
  bs_ts_missing_flush(&c);
  bs_ts_ctx_free(&c);
  return st;
}
