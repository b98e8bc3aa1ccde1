/* The EPUB container, written by libzip. Every file is planned first (libzip wants all its
 * entries before zip_close) as one zip_source_function each; zip_close then asks for them in
 * order, and each part's bytes are made on the first question (its STAT, before OPEN: with a
 * size, libzip writes no ZIP64 extra field) and freed at CLOSE. A chapter is built and
 * serialised when its turn comes, so a 1,000-article book is never whole in memory, and the
 * nav, NCX and package document, asked for last, see every chapter's table-of-contents lines.
 *
 * libzip 1.7.3 facts this leans on (brief): STAT is asked again after CLOSE (answered from the
 * stored size); zip_file_set_mtime converts with local time; its deflate state (384 KB an
 * entry) is allocated and freed per entry; it cannot write to a pipe (`-o -` goes through the
 * atomic temporary file, bs_atomic_*). ZIP64 comes with it: books over 4 GB or 65,535 files
 * work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>

#include <zip.h>
#include <zlib.h>

#include "epub-impl.h"

/* Level 1 (zlib's fastest) gives files ~10% larger than level 6 at about half the time on
 * CJK text, which compresses poorly at any level; the speed target favours it (issue #3). */
enum { ZIP_LEVEL = 1 };

/* glibc returns the 384 KB of deflate state libzip frees after each entry to the system
 * (mmap'd above the default threshold, trimmed below it) and maps it again for the next: the
 * container step took 3-4x as long. Raised thresholds keep the memory in the heap for reuse;
 * the peak grows by about that one allocation. */
static pthread_once_t malloc_once = PTHREAD_ONCE_INIT;
static void tune_malloc(void)
{
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
}

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

/* The part's bytes, made once: on libzip's first STAT (or OPEN). */
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
  p->crc = (uint32_t)crc32(0, NULL, 0);
  for (size_t o = 0; o < p->len;) { /* crc32 takes an unsigned int of bytes at a time */
    size_t n = p->len - o > (1u << 30) ? (1u << 30) : p->len - o;
    p->crc = (uint32_t)crc32(p->crc, (const Bytef *)p->bytes + o, (uInt)n);
    o += n;
  }
  p->made = true;
  return 0;
}

static void release(bs_epub_part *p)
{
  if (p->owned)
    free((void *)p->bytes);
  else
    bs_buf_clear(&p->e->page); /* its capacity stays for the next page */
  p->bytes = NULL;
  p->owned = false;
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
    st->valid = ZIP_STAT_SIZE | ZIP_STAT_MTIME;
    st->size = p->len; /* after CLOSE too: the length stays when the bytes go */
    st->mtime = (time_t)p->e->zip_mtime;
    return sizeof(zip_stat_t);
  }
  case ZIP_SOURCE_OPEN:
    if (make(p) < 0)
      return -1;
    p->off = 0;
    return 0;
  case ZIP_SOURCE_READ: {
    size_t n = p->len - p->off < len ? p->len - p->off : (size_t)len;
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

bs_status bs_epub_container_open(bs_epub *e, const char *path, long long when, bs_error *err)
{
  pthread_once(&malloc_once, tune_malloc);
  e->zip_mtime = local_twin(when);
  int zerr = 0;
  e->zip = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  if (!e->zip) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, zerr);
    bs_status st = bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write: %s",
                                zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return st;
  }
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
    zip_discard(e->zip); /* removes libzip's temporary file */
  e->zip = NULL;
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
