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

#include "../util/util.h"
#include "bisheng/epub.h"
#include "bisheng/manifest.h"
#include "bisheng/typeset.h"
#include "bisheng/version.h"


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
  int fd = mkstemp(probe.data);
  if (fd < 0)
    st = bs_error_set(err, BS_ERR_IO, bs_manifest_get_path(m), o->line, 0,
                      "cannot write output '%s': folder '%s' is not writable: %s", o->name, dir,
                      strerror(errno));
  else {
    close(fd);
    unlink(probe.data);
  }
  bs_buf_free(&probe);
done:
  free(dir);
  return st;
}

/* FNV-1a, 64 bits: a change detector, not a defence against anyone. */
typedef struct hasher {
  uint64_t h;
} hasher;

static void hash_bytes(hasher *x, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    x->h ^= b[i];
    x->h *= 0x100000001b3ULL;
  }
}

static ssize_t hash_write(void *cookie, const char *buf, size_t n)
{
  hash_bytes(cookie, buf, n);
  return (ssize_t)n;
}

static void hash_str(hasher *x, const char *s)
{
  hash_bytes(x, s ? s : "(null)", strlen(s ? s : "(null)") + 1);
}

static void hash_file(hasher *x, const char *path)
{
  hash_str(x, path);
  if (!path)
    return;
  FILE *f = fopen(path, "rb");
  if (!f) {
    hash_str(x, "(missing)");
    return;
  }
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    hash_bytes(x, chunk, n);
  fclose(f);
}

/* Everything the writer sees: version, options, the tree, the files it refers to. */
static bs_status tree_hash(const bs_manifest *m, const bs_manifest_output *o, char out[17],
                           bs_error *err)
{
  hasher x = {0xcbf29ce484222325ULL};
  bs_buf b = BS_BUF_INIT;
  bs_buf_printf(&b, "bisheng %s format %d\n", BS_VERSION_STRING, (int)o->format);
  if (o->format == BS_OUTPUT_EPUB) {
    const bs_epub_options *e = &o->epub;
    bs_buf_printf(&b, "dir %d embed %d keep %d date %lld\n", (int)e->direction, e->embed_fonts,
                  e->keep_going, e->source_date);
    hash_str(&x, b.data);
    hash_file(&x, e->css_path);
    hash_file(&x, e->cover_path);
    hash_str(&x, e->templates_dir);
  } else {
    const bs_typeset_options *t = &o->pdf;
    bs_buf_printf(&b, "dir %d paper %g %g size %g grid %d %d margins %g %g %g %g indent %g "
                      "vnum %d dots %d date %lld toc %d recto %d bleed %g crop %d keep %d\n",
                  (int)t->direction, t->paper_w_mm, t->paper_h_mm, t->font_size_pt,
                  t->grid_chars, t->grid_lines, t->margins_mm[0], t->margins_mm[1],
                  t->margins_mm[2], t->margins_mm[3], t->indent_em, t->vnum_sideways,
                  t->emphasis_dots, t->source_date, t->toc, t->recto_chapters, t->bleed_mm,
                  t->crop_marks, t->keep_going);
    hash_str(&x, b.data);
    hash_str(&x, t->font_family);
    hash_str(&x, t->fonts_dir);
  }
  bs_buf_free(&b);
  /* the tree's dump goes straight into the hash: a 1,000-article book dumps ~30 MB of JSON,
   * which a memory stream held whole (60 MB and a fifth of the EPUB's build time) */
  cookie_io_functions_t io = {NULL, hash_write, NULL, NULL};
  FILE *hf = fopencookie(&x, "w", io);
  if (!hf)
    return bs_error_set(err, BS_ERR_LIBRARY, bs_manifest_get_path(m), 0, 0, "out of memory");
  bs_status st = bs_node_dump_json(bs_manifest_get_book(m), hf, err);
  fclose(hf);
  if (st == BS_OK) {
    hash_file(&x, bs_node_get_meta(bs_manifest_get_book(m), BS_META_COVER));
    /* images the articles show, resolved as the writers do: beside the article */
    bs_iter *it = bs_iter_new((bs_node *)bs_manifest_get_book(m)); /* read only */
    bs_event ev;
    while ((ev = bs_iter_next(it)) != BS_EVENT_DONE) {
      bs_node *n = bs_iter_get_node(it);
      if (ev != BS_EVENT_ENTER || bs_node_get_type(n) != BS_NODE_FIGURE)
        continue;
      const char *src = bs_node_get_src(n), *input = bs_node_get_input(n);
      if (!src || strstr(src, "://"))
        continue;
      char *dir = input && src[0] != '/' ? dir_of(input) : bs_xstrdup("");
      bs_buf p = BS_BUF_INIT;
      bs_buf_printf(&p, "%s%s%s", dir, dir[0] ? "/" : "", src);
      hash_file(&x, p.data);
      bs_buf_free(&p);
      free(dir);
    }
    bs_iter_free(it);
    snprintf(out, 17, "%016llx", (unsigned long long)x.h);
  }
  return st;
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

/* FNV-1a of a file's bytes ("" when it cannot be read): the sidecar records it, so an output
 * damaged since (same size, other bytes) is rebuilt rather than reported unchanged. */
static void file_sum(const char *path, char out[17])
{
  hasher x = {0xcbf29ce484222325ULL};
  FILE *f = fopen(path, "rb");
  out[0] = '\0';
  if (!f)
    return;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    hash_bytes(&x, chunk, n);
  bool bad = ferror(f);
  fclose(f);
  if (!bad)
    snprintf(out, 17, "%016llx", (unsigned long long)x.h);
}

bs_status bs_manifest_write(const bs_manifest *m, const bs_manifest_output *o,
                            bs_manifest_result *res, bs_error *err)
{
  bs_manifest_result r = {false, 0, 0};
  page_count pc = {NULL, NULL, 0};
  char hash[17];
  char *side = sidecar_path(o->path), *tmp = NULL, *data = NULL;
  size_t len = 0;
  bs_status st = tree_hash(m, o, hash, err);
  if (st != BS_OK)
    goto done;
  struct stat sb;
  /* the sidecar names the hash and size of what is there: skip the build when they agree */
  FILE *sf = o->force ? NULL : fopen(side, "r");
  char sum[17] = "";
  if (sf) {
    char h[17] = "", s[17] = "";
    long long bytes = -1;
    int pages = 0;
    int got = fscanf(sf, "bisheng-build 2 hash %16s bytes %lld pages %d sum %16s", h, &bytes,
                     &pages, s);
    fclose(sf);
    if (got == 4 && !strcmp(h, hash) && stat(o->path, &sb) == 0 && sb.st_size == bytes)
      file_sum(o->path, sum);
    if (got == 4 && sum[0] && !strcmp(sum, s)) {
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
  int fd = mkstemp(tmp);
  if (fd < 0) {
    st = bs_error_set(err, BS_ERR_IO, o->path, 0, 0, "cannot write: %s", strerror(errno));
    free(tmp);
    tmp = NULL;
    goto done;
  }
  bs_tmp_track(tmp);
  close(fd);
  if (o->format == BS_OUTPUT_EPUB)
    st = bs_epub_write(bs_manifest_get_book(m), &o->epub, tmp, err);
  else {
    bs_typeset_options po = o->pdf;
    pc.fn = po.progress;
    pc.user = po.progress_user;
    po.progress = count_pages;
    po.progress_user = &pc;
    st = bs_pdf_write(bs_manifest_get_book(m), &po, tmp, err);
  }
  if (st != BS_OK) {
    /* name the real output, not our temporary, and name it when the writer could not */
    if (err && (!err->path[0] || !strcmp(err->path, tmp)))
      snprintf(err->path, sizeof err->path, "%s", o->path);
    goto done;
  }
  if ((st = bs_read_all_max(tmp, SIZE_MAX, &data, &len, err)) != BS_OK) /* our own output */
    goto done;
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
  /* the sidecar is an optimisation: failing to write it only costs a rebuild next time */
  bs_atomic_file *af;
  if (bs_atomic_open(side, &af, NULL) == BS_OK) {
    fprintf(bs_atomic_stream(af), "bisheng-build 2 hash %s bytes %lld pages %d sum %s\n", hash,
            r.bytes, r.pages, new_sum);
    bs_atomic_commit(af, NULL);
  }
done:
  if (tmp) {
    unlink(tmp);
    bs_tmp_untrack(tmp);
  }
  free(tmp);
  free(data);
  free(side);
  if (res)
    *res = r;
  return st;
}
