/* Building one output of a manifest: the stage that joins readers and writers (it is the only
 * library code that calls a writer on a tree a reader made). Leaves an unchanged output file
 * untouched: a sidecar records the hash of everything the writer sees. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <xxhash.h>

#include "../util/util.h"
#include "bisheng/epub.h"
#include "bisheng/manifest.h"
#include "bisheng/typeset.h"
#include "bisheng/version.h"
#include "build-impl.h"


static bs_status mkdirs(const char *dir, bs_error *err, const bs_manifest *m,
                        const bs_manifest_output *o)
{
  char *p = bs_xstrdup(dir);
  bs_status st = BS_OK;
  for (char *s = p + 1;; s++) {
    bool end = *s == '\0';
    if (*s == '/' || end) {
      *s = '\0';
      struct stat sb;
      if (stat(p, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
          st = bs_error_set(err, BS_ERR_IO, bs_manifest_get_path(m), o->line,
                            0, "cannot write output '%s': '%s' is not a folder", o->name, p);
          goto done;
        }
      } else if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        st = bs_error_set(err, BS_ERR_IO, bs_manifest_get_path(m), o->line, 0,
                          "cannot write output '%s': cannot create folder '%s': %s", o->name, p,
                          strerror(errno));
        goto done;
      }
      if (end)
        break;
      *s = '/';
    }
  }
done:
  free(p);
  return st;
}

static char *dir_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (!slash)
    return bs_xstrdup(".");
  if (slash == path)
    return bs_xstrdup("/");
  return bs_xstrndup(path, (size_t)(slash - path));
}

bs_status bs_manifest_prepare_output(const bs_manifest *m, const bs_manifest_output *o,
                                     bs_error *err)
{
  char *dir = dir_of(o->path);
  bs_status st = BS_OK;
  struct stat sb;
  if (strcmp(dir, ".") && strcmp(dir, "/") && (st = mkdirs(dir, err, m, o)) != BS_OK)
    goto done;
  if (stat(o->path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    st = bs_error_set(err, BS_ERR_IO, bs_manifest_get_path(m), o->line, 0,
                      "cannot write output '%s': '%s' is a folder", o->name, o->file);
    goto done;
  }
  /* a probe file: access() says yes to root even on a read-only mount */
  bs_buf probe = BS_BUF_INIT;
  bs_buf_printf(&probe, "%s/.bisheng-probe-XXXXXX", dir);
  int fd = bs_tmp_create(probe.data);
  if (fd < 0)
    st = bs_error_set(err, BS_ERR_IO, bs_manifest_get_path(m), o->line, 0,
                      "cannot write output '%s': folder '%s' is not writable: %s", o->name, dir,
                      strerror(errno));
  else {
    close(fd);
    unlink(probe.data);
    bs_tmp_untrack(probe.data);
  }
  bs_buf_free(&probe);
done:
  free(dir);
  return st;
}

/* XXH3, 64 bits (libxxhash): a change detector, not a defence against anyone; it reads the
 * sources and the output files at memory speed (FNV-1a, a byte at a time, took 1 % of a
 * PDF's build, at its end, where nothing else runs). */
typedef struct hasher {
  XXH3_state_t *s;
} hasher;

static XXH3_state_t *state_new(void)
{
  XXH3_state_t *s = XXH3_createState();
  if (!s)
    bs_oom(0); /* the state's size is libxxhash's own */
  return s;
}

static void hasher_init(hasher *x)
{
  x->s = state_new();
  XXH3_64bits_reset(x->s);
}

static void hasher_copy(hasher *x, const hasher *from)
{
  x->s = state_new();
  XXH3_copyState(x->s, from->s);
}

static void hasher_free(hasher *x)
{
  XXH3_freeState(x->s);
  x->s = NULL;
}

/* The digest as the sidecar writes it; frees the hasher. */
static void hasher_end(hasher *x, char out[17])
{
  snprintf(out, 17, "%016llx", (unsigned long long)XXH3_64bits_digest(x->s));
  hasher_free(x);
}

static void hash_bytes(hasher *x, const void *p, size_t n)
{
  XXH3_64bits_update(x->s, p, n);
}

static void hash_put(void *user, const void *p, size_t n) { hash_bytes(user, p, n); }

static void hash_str(hasher *x, const char *s)
{
  hash_bytes(x, s ? s : "(null)", strlen(s ? s : "(null)") + 1);
}

static void hash_file(hasher *x, const char *path)
{
  hash_str(x, path);
  if (path)
    bs_put_file(hash_put, x, path);
}

/* Everything the writer sees but the articles' images: version, options, and the sources the
 * book is made from (not the tree: an EPUB reads its articles only as it writes them, and a
 * 1,000-article tree dumped for hashing cost a fifth of the EPUB's build time). */
static void base_hash(const bs_manifest *m, const bs_manifest_output *o, hasher *x)
{
  hasher_init(x);
  bs_buf b = BS_BUF_INIT;
  bs_buf_printf(&b, "bisheng %s format %d\n", BS_VERSION_STRING, (int)o->format);
  if (o->format == BS_OUTPUT_EPUB) {
    const bs_epub_options *e = &o->epub;
    bs_buf_printf(&b, "dir %d embed %d keep %d date %lld\n", (int)e->direction, e->embed_fonts,
                  e->keep_going, e->source_date);
    hash_str(x, b.data);
    hash_file(x, e->css_path);
    hash_file(x, e->cover_path);
    hash_str(x, e->templates_dir);
  } else {
    const bs_typeset_options *t = &o->pdf;
    bs_buf_printf(&b, "dir %d paper %g %g size %g grid %d %d margins %g %g %g %g indent %g "
                      "vnum %d dots %d date %lld toc %d recto %d bleed %g crop %d keep %d\n",
                  (int)t->direction, t->paper_w_mm, t->paper_h_mm, t->font_size_pt,
                  t->grid_chars, t->grid_lines, t->margins_mm[0], t->margins_mm[1],
                  t->margins_mm[2], t->margins_mm[3], t->indent_em, t->vnum_sideways,
                  t->emphasis_dots, t->source_date, t->toc, t->recto_chapters, t->bleed_mm,
                  t->crop_marks, t->keep_going);
    hash_str(x, b.data);
    hash_str(x, t->font_family);
    hash_str(x, t->fonts_dir);
  }
  bs_buf_free(&b);
  bs_manifest_hash_sources(m, hash_put, x);
  hash_file(x, bs_node_get_meta(bs_manifest_get_book(m), BS_META_COVER));
}

/* The images the book shows (its dependencies besides the sources), recorded in the sidecar:
 * a changed image rebuilds the output though no source changed. */
typedef struct deps {
  char **v;
  size_t n, cap;
} deps;

static void deps_add(deps *d, char *path)
{
  if (d->n == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 16;
    d->v = bs_xrealloc(d->v, d->cap * sizeof *d->v);
  }
  d->v[d->n++] = path;
}

static void deps_free(deps *d)
{
  for (size_t i = 0; i < d->n; i++)
    free(d->v[i]);
  free(d->v);
  d->v = NULL;
  d->n = d->cap = 0;
}

static void deps_add_cb(void *user, char *path) { deps_add(user, path); }

static void final_hash(const hasher *base, const deps *d, char out[17])
{
  hasher x;
  hasher_copy(&x, base);
  for (size_t i = 0; i < d->n; i++)
    hash_file(&x, d->v[i]);
  hasher_end(&x, out);
}

static char *sidecar_path(const char *path)
{
  bs_buf b = BS_BUF_INIT;
  const char *slash = strrchr(path, '/');
  if (slash)
    bs_buf_printf(&b, "%.*s.%s.bisheng", (int)(slash - path + 1), path, slash + 1);
  else
    bs_buf_printf(&b, ".%s.bisheng", path);
  return bs_buf_detach(&b);
}

/* The PDF writer's last progress report counts the pages of the file (a scan for /Type /Page
 * would count the pages the incremental update rewrites twice). */
typedef struct page_count {
  bs_progress_fn fn;
  void *user;
  int pages;
} page_count;

static void count_pages(void *user, const bs_progress *p)
{
  page_count *pc = user;
  pc->pages = p->pages;
  if (pc->fn)
    pc->fn(pc->user, p);
}

/* The hash of a file's bytes ("" when it cannot be read): the sidecar records it, so an output
 * damaged since (same size, other bytes) is rebuilt rather than reported unchanged. */
static void file_sum(const char *path, char out[17])
{
  FILE *f = fopen(path, "rb");
  out[0] = '\0';
  if (!f)
    return;
  hasher x;
  hasher_init(&x);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    hash_bytes(&x, chunk, n);
  bool bad = ferror(f);
  fclose(f);
  if (bad)
    hasher_free(&x);
  else
    hasher_end(&x, out);
}

/* The sidecar: "bisheng-build 4 hash H bytes B pages P sum S deps N", then the N images the
 * output shows, one a line. H covers the sources and those images' bytes. */
static bool read_sidecar(const char *side, const hasher *base, char hash[17], long long *bytes,
                         int *pages, char sum[17], char hash_now[17])
{
  FILE *sf = fopen(side, "r");
  if (!sf)
    return false;
  size_t n = 0;
  int got = fscanf(sf, "bisheng-build 4 hash %16s bytes %lld pages %d sum %16s deps %zu", hash,
                   bytes, pages, sum, &n);
  bool ok = got == 5 && fgetc(sf) == '\n' && n < BS_MANIFEST_NODES_MAX;
  deps d = {NULL, 0, 0};
  char *line = NULL;
  size_t cap = 0;
  for (size_t i = 0; ok && i < n; i++) {
    ssize_t len = getline(&line, &cap, sf);
    if (len <= 0 || line[len - 1] != '\n') {
      ok = false;
      break;
    }
    line[len - 1] = '\0';
    deps_add(&d, bs_xstrdup(line));
  }
  free(line);
  fclose(sf);
  if (ok)
    final_hash(base, &d, hash_now);
  deps_free(&d);
  return ok;
}

static void write_sidecar(const char *side, const char *hash, const bs_manifest_result *r,
                          const char *sum, const deps *d)
{
  for (size_t i = 0; i < d->n; i++)
    if (strchr(d->v[i], '\n'))
      return; /* not listable: no sidecar, the output is built every time */
  /* the sidecar is an optimisation: failing to write it only costs a rebuild next time */
  bs_atomic_file *af;
  if (bs_atomic_open(side, &af, NULL) != BS_OK)
    return;
  FILE *f = bs_atomic_stream(af);
  fprintf(f, "bisheng-build 4 hash %s bytes %lld pages %d sum %s deps %zu\n", hash, r->bytes,
          r->pages, sum, d->n);
  for (size_t i = 0; i < d->n; i++)
    fprintf(f, "%s\n", d->v[i]);
  bs_atomic_commit(af, NULL);
}

/* An output of articles not read into the book: each is read as the writer asks for it and
 * freed when it is done with it (memory bounded by the chapter, not the book). */
static bs_status write_streamed(const bs_manifest *m, const bs_manifest_output *o,
                                const bs_typeset_options *po, const char *tmp, deps *d,
                                bs_error *err)
{
  bs_manifest_source *src;
  bool pdf = o->format == BS_OUTPUT_PDF;
  bs_status st = bs_manifest_source_new(m, pdf ? po->diag : o->epub.diag,
                                        pdf ? po->diag_user : o->epub.diag_user, &src, err);
  if (st != BS_OK)
    return st;
  if (pdf)
    st = bs_pdf_write_chapters(bs_manifest_source_book(src), bs_manifest_source_chapters(src),
                               po, tmp, err);
  else
    st = bs_epub_write_chapters(bs_manifest_source_book(src),
                                bs_manifest_source_chapters(src), &o->epub, tmp, err);
  for (size_t i = 0; i < bs_manifest_source_image_count(src); i++)
    deps_add(d, bs_xstrdup(bs_manifest_source_image(src, i)));
  bs_manifest_source_free(src);
  return st;
}

bs_status bs_manifest_write(const bs_manifest *m, const bs_manifest_output *o,
                            bs_manifest_result *res, bs_error *err)
{
  bs_manifest_result r = {false, 0, 0};
  page_count pc = {NULL, NULL, 0};
  char hash[17];
  char *side = sidecar_path(o->path), *tmp = NULL;
  size_t len = 0;
  deps d = {NULL, 0, 0};
  bs_status st = BS_OK;
  hasher sources;
  base_hash(m, o, &sources);
  bool stream = !bs_manifest_articles_read(m);
  struct stat sb;
  /* the sidecar names the hash and size of what is there: skip the build when they agree */
  char sum[17] = "";
  {
    char h[17] = "", s[17] = "", now[17] = "";
    long long bytes = -1;
    int pages = 0;
    bool got = !o->force && read_sidecar(side, &sources, h, &bytes, &pages, s, now);
    if (got && !strcmp(h, now) && stat(o->path, &sb) == 0 && sb.st_size == bytes)
      file_sum(o->path, sum);
    if (got && sum[0] && !strcmp(sum, s)) {
      r.bytes = bytes;
      r.pages = pages;
      goto done;
    }
  }
  bs_buf t = BS_BUF_INIT;
  const char *slash = strrchr(o->path, '/'), *base = slash ? slash + 1 : o->path;
  /* never ending in the output's extension: `find -name '*.pdf'` must not pick it up */
  bs_buf_printf(&t, "%.*s.%s.new-XXXXXX", slash ? (int)(slash - o->path + 1) : 0, o->path, base);
  tmp = bs_buf_detach(&t);
  int fd = bs_tmp_create(tmp);
  if (fd < 0) {
    st = bs_error_set(err, BS_ERR_IO, o->path, 0, 0, "cannot write: %s", strerror(errno));
    free(tmp);
    tmp = NULL;
    goto done;
  }
  close(fd);
  bs_typeset_options po = o->pdf;
  pc.fn = po.progress;
  pc.user = po.progress_user;
  po.progress = count_pages;
  po.progress_user = &pc;
  if (stream)
    st = write_streamed(m, o, &po, tmp, &d, err);
  else if (o->format == BS_OUTPUT_EPUB)
    st = bs_epub_write(bs_manifest_get_book(m), &o->epub, tmp, err);
  else
    st = bs_pdf_write(bs_manifest_get_book(m), &po, tmp, err);
  if (st != BS_OK) {
    /* name the real output, not our temporary, and name it when the writer could not */
    if (err && (!err->path[0] || !strcmp(err->path, tmp)))
      snprintf(err->path, sizeof err->path, "%s", o->path);
    goto done;
  }
  /* its size (not its bytes: a 10,000-article EPUB is 55 MB, which held here was the peak of
   * the whole build) */
  if (stat(tmp, &sb) != 0) {
    st = bs_error_set(err, BS_ERR_IO, o->path, 0, 0, "cannot read back: %s", strerror(errno));
    goto done;
  }
  len = (size_t)sb.st_size;
  r.bytes = (long long)len;
  if (o->format == BS_OUTPUT_PDF)
    r.pages = pc.pages;
  char new_sum[17];
  file_sum(tmp, new_sum);
  bool same = false;
  if (stat(o->path, &sb) == 0 && (size_t)sb.st_size == len) {
    if (!sum[0])
      file_sum(o->path, sum);
    same = sum[0] && !strcmp(sum, new_sum);
  }
  if (same) {
    /* the same bytes: leave the existing file and its mtime alone */
  } else if (chmod(tmp, bs_output_mode(o->path)), rename(tmp, o->path) != 0) {
    st = bs_error_set(err, BS_ERR_IO, o->path, 0, 0, "cannot rename into place: %s",
                      strerror(errno));
    goto done;
  } else {
    bs_tmp_untrack(tmp);
    free(tmp);
    tmp = NULL;
    bs_sync_folder(o->path);
    r.written = true;
  }
  if (!stream)
    bs_figure_paths(bs_manifest_get_book(m), deps_add_cb, &d);
  final_hash(&sources, &d, hash);
  write_sidecar(side, hash, &r, new_sum, &d);
done:
  hasher_free(&sources);
  deps_free(&d);
  if (tmp) {
    unlink(tmp);
    bs_tmp_untrack(tmp);
  }
  free(tmp);
  free(side);
  if (res)
    *res = r;
  return st;
}
