/* The EPUB container, written by libzip. Every file is planned first (libzip wants all its
 * entries before zip_close) as one zip_source_function each; zip_close then asks for them in
 * order, and each part's bytes are made on the first question (its STAT, before OPEN: with a
 * size, libzip writes no ZIP64 extra field) and freed at CLOSE. A chapter is built and
 * serialised when its turn comes, so a 1,000-article book is never whole in memory, and the
 * nav, NCX and package document, asked for last, see every chapter's table-of-contents lines.
 *
 * libzip 1.7.3 facts this leans on (brief): STAT is asked again after CLOSE (answered from the
 * stored sizes); zip_file_set_mtime converts with local time; it cannot write to a pipe (it
 * seeks back to each entry's local header: `-o -` goes through the atomic temporary file,
 * bs_atomic_*). ZIP64 comes with it: books over 4 GB or 65,535 files work. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <libdeflate.h>
#include <zip.h>

#include "epub-impl.h"

/* Parts are deflated here, with libdeflate, and handed to libzip compressed (their STAT gives
 * the method, both sizes and the CRC, so libzip copies them as they are): a 100-article EPUB
 * took 11 % fewer instructions than with libzip deflating through zlib at level 1, and is 3 %
 * smaller (libzip's per-entry deflate state, 384 KB allocated and freed each time, is gone
 * too). Level 1: CJK text compresses poorly at any level (level 6 is 6 % smaller and 10 %
 * slower), and the speed target favours it (issue #3). */
enum { ZIP_LEVEL = 1 };

/* ---- the producer thread ----
 * For a book, one thread makes the pages (title page, chapters) in order, at most AHEAD of
 * them before libzip takes them, while the caller's thread deflates and writes inside
 * zip_close: the work splits about evenly, as with the former hand-written container. The
 * pages' own state (toc lines, warnings, e->page) is the producer's alone until it ends; the
 * nav, NCX and package document are made after it has. */
enum { AHEAD = 3 };

typedef struct producer {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t made, taken;
  size_t waiting; /* pages made and not yet taken */
  bool stop;
} producer;

static void *produce(void *arg)
{
  bs_epub *e = arg;
  producer *pr = e->producer;
  for (size_t i = 0; i < e->nparts; i++) {
    bs_epub_part *p = e->parts[i];
    if (!p->ahead)
      continue;
    pthread_mutex_lock(&pr->mu);
    while (pr->waiting >= AHEAD && !pr->stop)
      pthread_cond_wait(&pr->taken, &pr->mu);
    bool stop = pr->stop;
    pthread_mutex_unlock(&pr->mu);
    if (stop)
      break;
    bs_error err;
    bs_error_clear(&err);
    bs_status st = p->make(e, p, &err);
    if (st == BS_OK && !p->owned) {
      /* out of e->page, which the next page reuses */
      p->len = e->page.len;
      p->bytes = bs_buf_detach(&e->page);
      p->owned = true;
    }
    pthread_mutex_lock(&pr->mu);
    p->ahead_st = st;
    if (st != BS_OK) {
      p->ahead_err = bs_xmalloc(sizeof err);
      *p->ahead_err = err;
      pr->stop = true;
    }
    p->ready = true;
    pr->waiting++;
    pthread_cond_broadcast(&pr->made);
    pthread_mutex_unlock(&pr->mu);
  }
  return NULL;
}

static void producer_start(bs_epub *e)
{
  size_t pages = 0;
  for (size_t i = 0; i < e->nparts; i++)
    pages += e->parts[i]->ahead;
  /* a single article: a thread would cost more than it saves; -j 1: one core, one thread */
  if (pages < 2 || e->opts->jobs == 1) {
    for (size_t i = 0; i < e->nparts; i++)
      e->parts[i]->ahead = false;
    return;
  }
  producer *pr = bs_xcalloc(1, sizeof *pr);
  pthread_mutex_init(&pr->mu, NULL);
  pthread_cond_init(&pr->made, NULL);
  pthread_cond_init(&pr->taken, NULL);
  e->producer = pr;
  if (pthread_create(&pr->thread, NULL, produce, e) != 0) {
    e->producer = NULL;
    pthread_mutex_destroy(&pr->mu);
    pthread_cond_destroy(&pr->made);
    pthread_cond_destroy(&pr->taken);
    free(pr);
    for (size_t i = 0; i < e->nparts; i++)
      e->parts[i]->ahead = false;
  }
}

/* Stops (when asked) and joins the producer; its pages' state is the caller's again. */
static void producer_end(bs_epub *e, bool stop)
{
  producer *pr = e->producer;
  if (!pr)
    return;
  pthread_mutex_lock(&pr->mu);
  if (stop)
    pr->stop = true;
  pthread_cond_broadcast(&pr->taken);
  pthread_mutex_unlock(&pr->mu);
  pthread_join(pr->thread, NULL);
  pthread_mutex_destroy(&pr->mu);
  pthread_cond_destroy(&pr->made);
  pthread_cond_destroy(&pr->taken);
  free(pr);
  e->producer = NULL;
}

/* Waits for the producer's page `p`; its error when it failed. */
static bs_status take_ahead(bs_epub *e, bs_epub_part *p, bs_error *err)
{
  producer *pr = e->producer;
  pthread_mutex_lock(&pr->mu);
  while (!p->ready) /* it comes: the producer stops only after a failed page, the last asked */
    pthread_cond_wait(&pr->made, &pr->mu);
  pr->waiting--;
  pthread_cond_broadcast(&pr->taken);
  pthread_mutex_unlock(&pr->mu);
  if (p->ahead_st != BS_OK && err)
    *err = *p->ahead_err;
  return p->ahead_st;
}

static bs_epub_part *part_new(bs_epub *e, const char *name, bool compress)
{
  if (e->nparts == e->cparts) {
    e->cparts = e->cparts ? e->cparts * 2 : 64;
    e->parts = bs_xrealloc(e->parts, e->cparts * sizeof *e->parts);
  }
  bs_epub_part *p = bs_xcalloc(1, sizeof *p);
  p->e = e;
  p->name = bs_xstrdup(name);
  p->compress = compress;
  zip_error_t *ze = bs_xmalloc(sizeof *ze);
  zip_error_init(ze);
  p->zerr = ze;
  e->parts[e->nparts++] = p;
  return p;
}

size_t bs_epub_part_add(bs_epub *e, const char *name, bool compress, bs_epub_make_fn make,
                        const void *arg, int number)
{
  bs_epub_part *p = part_new(e, name, compress);
  p->make = make;
  p->arg = arg;
  p->number = number;
  return e->nparts - 1;
}

size_t bs_epub_part_add_bytes(bs_epub *e, const char *name, bool compress, const char *data,
                              size_t len)
{
  bs_epub_part *p = part_new(e, name, compress);
  char *copy = bs_xmalloc(len ? len : 1);
  if (len)
    memcpy(copy, data, len);
  p->bytes = copy;
  p->len = len;
  p->owned = true;
  return e->nparts - 1;
}

static void release_bytes(bs_epub_part *p)
{
  if (p->owned)
    free((void *)p->bytes);
  else if (p->bytes)
    bs_buf_clear(&p->e->page); /* its capacity stays for the next page */
  p->bytes = NULL;
  p->owned = false;
}

/* The part's bytes, made once (on libzip's first STAT, or OPEN), and deflated when it is to be
 * compressed. */
static int make(bs_epub_part *p)
{
  if (p->made)
    return 0;
  bs_epub *e = p->e;
  if (p->make) {
    bs_error err;
    bs_error_clear(&err);
    /* what comes after the pages (nav, NCX, package document) needs all their toc lines */
    if (e->producer && !p->ahead && p->make != bs_epub_make_image)
      producer_end(e, false);
    bs_status st = e->producer && p->ahead ? take_ahead(e, p, &err) : p->make(e, p, &err);
    if (st != BS_OK) {
      /* the message goes back to bs_epub_write through zip_close's failure */
      if (e->make_st == BS_OK) {
        e->make_st = st;
        e->make_err = err;
      }
      zip_error_set(p->zerr, ZIP_ER_INTERNAL, 0);
      return -1;
    }
  }
  p->crc = (uint32_t)libdeflate_crc32(0, p->bytes, p->len);
  p->stored = p->len;
  p->deflated = p->compress && p->len > 0; /* libzip's own way with an empty file stays */
  if (p->deflated) {
    struct libdeflate_compressor *c = e->deflater;
    size_t cap = libdeflate_deflate_compress_bound(c, p->len);
    char *z = bs_xmalloc(cap);
    size_t n = libdeflate_deflate_compress(c, p->bytes, p->len, z, cap);
    release_bytes(p);
    p->bytes = z;
    p->stored = n; /* never 0: cap is the bound */
    p->owned = true;
  }
  p->made = true;
  return 0;
}

static void release(bs_epub_part *p)
{
  release_bytes(p);
  p->made = false;
  p->done = true;
}

static zip_int64_t part_cb(void *user, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
  bs_epub_part *p = user;
  switch (cmd) {
  case ZIP_SOURCE_SUPPORTS:
    return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                          ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                          -1);
  case ZIP_SOURCE_STAT: {
    if (len < sizeof(zip_stat_t))
      return -1;
    if (!p->done && make(p) < 0)
      return -1;
    zip_stat_t *st = data;
    zip_stat_init(st);
    /* after CLOSE too: the sizes and CRC stay when the bytes go */
    st->valid = ZIP_STAT_SIZE | ZIP_STAT_MTIME | ZIP_STAT_CRC;
    st->size = p->len;
    st->crc = p->crc;
    st->mtime = (time_t)p->e->zip_mtime;
    if (p->deflated) {
      st->valid |= ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
      st->comp_size = p->stored;
      st->comp_method = ZIP_CM_DEFLATE;
    }
    return sizeof(zip_stat_t);
  }
  case ZIP_SOURCE_OPEN:
    if (make(p) < 0)
      return -1;
    p->off = 0;
    return 0;
  case ZIP_SOURCE_READ: {
    size_t n = p->stored - p->off < len ? p->stored - p->off : (size_t)len;
    if (n)
      memcpy(data, p->bytes + p->off, n);
    p->off += n;
    return (zip_int64_t)n;
  }
  case ZIP_SOURCE_CLOSE:
    release(p);
    return 0;
  case ZIP_SOURCE_ERROR:
    return zip_error_to_data(p->zerr, data, len);
  case ZIP_SOURCE_FREE:
    return 0; /* the part is ours (bs_epub_container_free) */
  default:
    zip_error_set(p->zerr, ZIP_ER_OPNOTSUPP, 0);
    return -1;
  }
}

/* The time libzip must be given so that its local-time conversion (zip_file_set_mtime, DOS
 * fields) writes `when`'s UTC fields: the archive then does not depend on TZ. DOS dates run
 * from 1980 to 2107. */
static long long local_twin(long long when)
{
  if (when < 315532800)
    when = 315532800;
  time_t t = (time_t)when;
  struct tm want;
  gmtime_r(&t, &want);
  if (want.tm_year > 207) {
    want.tm_year = 207, want.tm_mon = 11, want.tm_mday = 31;
    want.tm_hour = 23, want.tm_min = 59, want.tm_sec = 58;
  }
  struct tm tm = want;
  tm.tm_isdst = -1;
  time_t local = mktime(&tm);
  /* in a daylight-saving gap the wall time does not exist; the nearest hour that does is
   * what any zip tool would show there */
  struct tm got;
  if (local != (time_t)-1 && localtime_r(&local, &got) && got.tm_hour != want.tm_hour) {
    time_t alt = local + (got.tm_hour > want.tm_hour ? -3600 : 3600);
    if (localtime_r(&alt, &got) && got.tm_hour == want.tm_hour)
      local = alt;
  }
  return local == (time_t)-1 ? when : (long long)local;
}

/* ---- the archive's file ----
 * libzip writes the archive through this source into the atomic temporary file's stream
 * (bs_atomic_*) rather than through its file source, which writes a temporary of its own
 * beside it, renamed over ours, named with OpenSSL's random generator: setting that up was a
 * third of a one-article EPUB's instructions (#16), and a signal left that file behind. The
 * archive is new (an empty file), so there is nothing to read. */
typedef struct out_file {
  FILE *f;
  zip_error_t error;
} out_file;

static zip_int64_t out_fail(out_file *o, int code)
{
  zip_error_set(&o->error, code, errno);
  return -1;
}

static zip_int64_t out_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
  out_file *o = ud;
  switch (cmd) {
  case ZIP_SOURCE_SUPPORTS:
    return zip_source_make_command_bitmap(
        ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR,
        ZIP_SOURCE_FREE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL, ZIP_SOURCE_SUPPORTS,
        ZIP_SOURCE_BEGIN_WRITE, ZIP_SOURCE_COMMIT_WRITE, ZIP_SOURCE_ROLLBACK_WRITE,
        ZIP_SOURCE_WRITE, ZIP_SOURCE_SEEK_WRITE, ZIP_SOURCE_TELL_WRITE, ZIP_SOURCE_REMOVE, -1);
  case ZIP_SOURCE_STAT: {
    zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &o->error);
    if (!st)
      return -1;
    st->size = 0;
    st->valid |= ZIP_STAT_SIZE;
    return sizeof *st;
  }
  case ZIP_SOURCE_ERROR:
    return zip_error_to_data(&o->error, data, len);
  case ZIP_SOURCE_OPEN:
  case ZIP_SOURCE_READ: /* empty */
  case ZIP_SOURCE_CLOSE:
  case ZIP_SOURCE_TELL:
  case ZIP_SOURCE_ROLLBACK_WRITE: /* bs_atomic_abort removes the file */
  case ZIP_SOURCE_REMOVE:
    return 0;
  case ZIP_SOURCE_SEEK: {
    zip_source_args_seek_t *a = ZIP_SOURCE_GET_ARGS(zip_source_args_seek_t, data, len, &o->error);
    return !a ? -1 : a->offset == 0 ? 0 : out_fail(o, ZIP_ER_SEEK);
  }
  case ZIP_SOURCE_BEGIN_WRITE:
    return fseeko(o->f, 0, SEEK_SET) == 0 ? 0 : out_fail(o, ZIP_ER_SEEK);
  case ZIP_SOURCE_WRITE:
    return fwrite(data, 1, len, o->f) == len ? (zip_int64_t)len : out_fail(o, ZIP_ER_WRITE);
  case ZIP_SOURCE_SEEK_WRITE: {
    zip_source_args_seek_t *a = ZIP_SOURCE_GET_ARGS(zip_source_args_seek_t, data, len, &o->error);
    return !a ? -1 : fseeko(o->f, a->offset, a->whence) == 0 ? 0 : out_fail(o, ZIP_ER_SEEK);
  }
  case ZIP_SOURCE_TELL_WRITE: {
    off_t at = ftello(o->f);
    return at >= 0 ? at : out_fail(o, ZIP_ER_TELL);
  }
  case ZIP_SOURCE_COMMIT_WRITE: /* bs_atomic_commit syncs and renames */
    return fflush(o->f) == 0 ? 0 : out_fail(o, ZIP_ER_WRITE);
  case ZIP_SOURCE_FREE:
    zip_error_fini(&o->error);
    free(o);
    return 0;
  default:
    zip_error_set(&o->error, ZIP_ER_OPNOTSUPP, 0);
    return -1;
  }
}

bs_status bs_epub_container_open(bs_epub *e, FILE *f, const char *path, long long when,
                                 bs_error *err)
{
  e->zip_mtime = local_twin(when);
  e->deflater = libdeflate_alloc_compressor(ZIP_LEVEL);
  if (!e->deflater)
    return bs_error_set(err, BS_ERR_LIBRARY, path, 0, 0, "out of memory (libdeflate)");
  out_file *o = bs_xmalloc(sizeof *o);
  o->f = f;
  zip_error_init(&o->error);
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_function_create(out_cb, o, &ze);
  e->zip = src ? zip_open_from_source(src, ZIP_CREATE | ZIP_TRUNCATE, &ze) : NULL;
  if (!e->zip) {
    if (src)
      zip_source_free(src); /* frees o */
    else {
      zip_error_fini(&o->error);
      free(o);
    }
    bs_status st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write: %s",
                                zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return st;
  }
  zip_error_fini(&ze);
  return BS_OK;
}

bs_status bs_epub_container_close(bs_epub *e, const char *path, bs_error *err)
{
  zip_t *za = e->zip;
  for (size_t i = 0; i < e->nparts; i++) {
    bs_epub_part *p = e->parts[i];
    zip_source_t *src = zip_source_function(za, part_cb, p);
    zip_int64_t idx = src ? zip_file_add(za, p->name, src, 0) : -1;
    if (idx < 0) {
      if (src)
        zip_source_free(src);
      return bs_error_set(err, BS_ERR_LIBRARY, path, 0, 0, "libzip: %s", zip_strerror(za));
    }
    zip_set_file_compression(za, (zip_uint64_t)idx, p->compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                             p->compress ? ZIP_LEVEL : 0);
    zip_file_set_mtime(za, (zip_uint64_t)idx, (time_t)e->zip_mtime, 0);
    /* a regular file, rw-r--r--, as unzip would make it */
    zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, 0100644u << 16);
  }
  producer_start(e);
  int r = zip_close(za);
  producer_end(e, true);
  if (r == 0) {
    e->zip = NULL;
    return BS_OK;
  }
  bs_status st;
  if (e->make_st != BS_OK) {
    if (err)
      *err = e->make_err;
    st = e->make_st;
  } else {
    zip_error_t *ze = zip_get_error(za); /* a full disk: the system's word for it */
    st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "write error: %s",
                      zip_error_system_type(ze) == ZIP_ET_SYS
                          ? strerror(zip_error_code_system(ze))
                          : zip_strerror(za));
  }
  return st;
}

void bs_epub_container_free(bs_epub *e)
{
  producer_end(e, true);
  if (e->zip)
    zip_discard(e->zip);
  e->zip = NULL;
  if (e->deflater)
    libdeflate_free_compressor(e->deflater);
  e->deflater = NULL;
  for (size_t i = 0; i < e->nparts; i++) {
    bs_epub_part *p = e->parts[i];
    if (p->owned)
      free((void *)p->bytes);
    free(p->ahead_err);
    zip_error_fini(p->zerr);
    free(p->zerr);
    free(p->name);
    free(p);
  }
  free(e->parts);
  e->parts = NULL;
  e->nparts = e->cparts = 0;
}
