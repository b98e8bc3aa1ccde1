/* The EPUB container as a streaming ZIP writer on zlib: each file is deflated and written the
 * moment the writer has it, so a 1,000-article book never sits in memory whole (libzip keeps
 * every source until zip_close, then the whole archive in its buffer). The format is the
 * plain one (APPNOTE 4.3): local header, data, central directory, end record; no ZIP64, no
 * data descriptors, fixed times, so the same files in the same order give the same bytes.
 *
 * For a book, one helper thread deflates and writes (and frees each page's tree) while the
 * caller builds and serialises the next page: files are queued in order and written in order,
 * so the bytes are those of a single-threaded run. A single article is written by the caller
 * itself (a thread would cost more than it saves). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "epub-impl.h"

/* Level 1 (zlib's fastest) gives files ~10% larger than level 6 at about half the time on
 * CJK text, which compresses poorly at any level; the speed target favours it (issue #3). */
enum { ZIP_LEVEL = 1 };

typedef struct zent {
  char *name;
  uint32_t crc, csize, usize, offset;
  uint16_t method, flags;
} zent;

typedef struct job {
  char *name;
  char *data;
  size_t len;
  bool compress;
  void *doc;                       /* released by the helper once written, or NULL */
  bs_epub_release_fn release;
} job;

/* At most this many files wait for the helper, so memory stays bounded. */
enum { QUEUE_MAX = 3 };

struct bs_epub_zip {
  FILE *f;
  pthread_t thread;
  bool threaded, stop;
  pthread_mutex_t mu;
  pthread_cond_t more, room;
  job queue[QUEUE_MAX];
  size_t qhead, qlen;
  uint16_t dos_time, dos_date;
  uint64_t offset;
  zent *ents;
  size_t n, cap;
  z_stream zs;
  bool zs_ready;
  unsigned char *out;
  size_t out_cap;
  bool failed; /* a write failed or the archive outgrew the plain format */
};

static void *worker(void *arg);

static void put16(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
  put16(p, v & 0xFFFF);
  put16(p + 2, v >> 16);
}

static void out(bs_epub_zip *z, const void *d, size_t n)
{
  if (n && fwrite(d, 1, n, z->f) != n)
    z->failed = true;
  z->offset += n;
  if (z->offset > 0xFFFFFFFFu)
    z->failed = true;
}

bs_epub_zip *bs_epub_zip_new(void *file, long long when, bool threaded)
{
  bs_epub_zip *z = bs_xcalloc(1, sizeof *z);
  z->f = file;
  /* DOS dates start in 1980; the fields are UTC's so the archive does not depend on TZ */
  if (when < 315532800)
    when = 315532800;
  time_t t = (time_t)when;
  struct tm tm;
  gmtime_r(&t, &tm);
  if (tm.tm_year > 207) { /* DOS years end in 2107 */
    tm.tm_year = 207, tm.tm_mon = 11, tm.tm_mday = 31;
    tm.tm_hour = 23, tm.tm_min = 59, tm.tm_sec = 58;
  }
  z->dos_time = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  z->dos_date = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  /* the helper's lasting buffers are allocated here, on the caller's heap, so the helper's
   * own malloc arena stays small (peak memory, issue #3) */
  memset(&z->zs, 0, sizeof z->zs);
  /* raw deflate (-15): the ZIP headers carry what a zlib wrapper would */
  if (deflateInit2(&z->zs, ZIP_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort(); /* only out of memory makes zlib fail here */
  z->zs_ready = true;
  z->out_cap = 64 * 1024;
  z->out = bs_xmalloc(z->out_cap);
  if (threaded) {
    pthread_mutex_init(&z->mu, NULL);
    pthread_cond_init(&z->more, NULL);
    pthread_cond_init(&z->room, NULL);
    z->threaded = pthread_create(&z->thread, NULL, worker, z) == 0;
    if (!z->threaded) {
      pthread_mutex_destroy(&z->mu);
      pthread_cond_destroy(&z->more);
      pthread_cond_destroy(&z->room);
    }
  }
  return z;
}

/* Deflates `data` into z->out; returns the compressed size, or (size_t)-1 when storing is
 * no worse. */
static size_t deflate_into(bs_epub_zip *z, const void *data, size_t len)
{
  deflateReset(&z->zs);
  /* the output buffer grows with what deflate gives (a third of the text, typically) rather
   * than being sized for the worst case up front: the peak memory counts (issue #3) */
  z->zs.next_in = (Bytef *)data;
  z->zs.avail_in = (uInt)len;
  size_t have = 0;
  for (;;) {
    z->zs.next_out = z->out + have;
    z->zs.avail_out = (uInt)(z->out_cap - have);
    int r = deflate(&z->zs, Z_FINISH);
    have = (size_t)(z->zs.next_out - z->out);
    if (r == Z_STREAM_END)
      break;
    if (r != Z_OK && r != Z_BUF_ERROR)
      abort(); /* cannot happen: the stream is ours and well formed */
    if (have >= len)
      return (size_t)-1; /* no smaller than the text: stored */
    z->out_cap += z->out_cap / 2;
    z->out = bs_xrealloc(z->out, z->out_cap);
  }
  size_t c = (size_t)z->zs.total_out;
  return c < len ? c : (size_t)-1;
}

/* Writes one file; `name` is taken (freed here or kept for the central directory). */
static void write_entry(bs_epub_zip *z, char *name, const void *data, size_t len, bool compress)
{
  if (len > 0xFFFFFFFEu) {
    z->failed = true;
    free(name);
    return;
  }
  size_t clen = compress && len ? deflate_into(z, data, len) : (size_t)-1;
  bool stored = clen == (size_t)-1;
  if (z->n == z->cap) {
    z->cap = z->cap ? z->cap * 2 : 64;
    z->ents = bs_xrealloc(z->ents, z->cap * sizeof *z->ents);
  }
  zent *x = &z->ents[z->n++];
  x->name = name;
  x->crc = (uint32_t)crc32(crc32(0, NULL, 0), data, (uInt)len);
  x->usize = (uint32_t)len;
  x->csize = (uint32_t)(stored ? len : clen);
  x->offset = (uint32_t)z->offset;
  x->method = stored ? 0 : 8;
  x->flags = 0;
  for (const char *p = name; *p; p++)
    if ((unsigned char)*p >= 0x80)
      x->flags = 1u << 11; /* the name is UTF-8 */
  size_t nl = strlen(name);
  unsigned char h[30];
  put32(h, 0x04034b50);
  put16(h + 4, stored ? 10 : 20);
  put16(h + 6, x->flags);
  put16(h + 8, x->method);
  put16(h + 10, z->dos_time);
  put16(h + 12, z->dos_date);
  put32(h + 14, x->crc);
  put32(h + 18, x->csize);
  put32(h + 22, x->usize);
  put16(h + 26, (uint32_t)nl);
  put16(h + 28, 0);
  out(z, h, sizeof h);
  out(z, name, nl);
  out(z, stored ? data : (const void *)z->out, x->csize);
}

static void *worker(void *arg)
{
  bs_epub_zip *z = arg;
  pthread_mutex_lock(&z->mu);
  for (;;) {
    while (!z->qlen && !z->stop)
      pthread_cond_wait(&z->more, &z->mu);
    if (!z->qlen)
      break;
    job j = z->queue[z->qhead];
    pthread_mutex_unlock(&z->mu);
    write_entry(z, j.name, j.data, j.len, j.compress);
    free(j.data);
    if (j.doc)
      j.release(j.doc);
    pthread_mutex_lock(&z->mu);
    z->qhead = (z->qhead + 1) % QUEUE_MAX;
    z->qlen--;
    pthread_cond_broadcast(&z->room);
  }
  pthread_mutex_unlock(&z->mu);
  return NULL;
}

static void enqueue(bs_epub_zip *z, job j)
{
  pthread_mutex_lock(&z->mu);
  while (z->qlen == QUEUE_MAX)
    pthread_cond_wait(&z->room, &z->mu);
  z->queue[(z->qhead + z->qlen) % QUEUE_MAX] = j;
  z->qlen++;
  pthread_cond_signal(&z->more);
  pthread_mutex_unlock(&z->mu);
}

void bs_epub_zip_add(bs_epub_zip *z, const char *name, const void *data, size_t len,
                     bool compress)
{
  if (!z->threaded) {
    write_entry(z, bs_xstrdup(name), data, len, compress);
    return;
  }
  job j = {bs_xstrdup(name), bs_xmalloc(len ? len : 1), len, compress, NULL, NULL};
  if (len)
    memcpy(j.data, data, len);
  enqueue(z, j);
}

void bs_epub_zip_add_buf(bs_epub_zip *z, const char *name, bs_buf *b, bool compress)
{
  if (!z->threaded) {
    write_entry(z, bs_xstrdup(name), b->data, b->len, compress);
    return;
  }
  /* the buffer itself goes to the helper: no copy */
  size_t len = b->len;
  job j = {bs_xstrdup(name), bs_buf_detach(b), len, compress, NULL, NULL};
  enqueue(z, j);
}

void bs_epub_zip_add_page(bs_epub_zip *z, const char *name, bs_buf *b, void *doc,
                          bs_epub_release_fn release)
{
  if (!z->threaded) {
    write_entry(z, bs_xstrdup(name), b->data, b->len, true);
    release(doc);
    return;
  }
  size_t len = b->len;
  job j = {bs_xstrdup(name), bs_buf_detach(b), len, true, doc, release};
  enqueue(z, j);
}

/* Waits for the helper to write everything queued. */
static void drain(bs_epub_zip *z)
{
  if (!z->threaded)
    return;
  pthread_mutex_lock(&z->mu);
  while (z->qlen)
    pthread_cond_wait(&z->room, &z->mu);
  pthread_mutex_unlock(&z->mu);
}

static void stop_worker(bs_epub_zip *z)
{
  if (!z->threaded)
    return;
  pthread_mutex_lock(&z->mu);
  z->stop = true;
  pthread_cond_signal(&z->more);
  pthread_mutex_unlock(&z->mu);
  pthread_join(z->thread, NULL);
  z->threaded = false;
  pthread_mutex_destroy(&z->mu);
  pthread_cond_destroy(&z->more);
  pthread_cond_destroy(&z->room);
}

size_t bs_epub_zip_count(bs_epub_zip *z)
{
  drain(z);
  return z->n;
}

uint32_t bs_epub_zip_crc(bs_epub_zip *z, size_t i, size_t *len)
{
  drain(z);
  *len = i < z->n ? z->ents[i].usize : 0;
  return i < z->n ? z->ents[i].crc : 0;
}

bool bs_epub_zip_finish(bs_epub_zip *z)
{
  stop_worker(z);
  uint64_t start = z->offset;
  for (size_t i = 0; i < z->n && !z->failed; i++) {
    const zent *x = &z->ents[i];
    size_t nl = strlen(x->name);
    unsigned char h[46];
    put32(h, 0x02014b50);
    put16(h + 4, (3u << 8) | 20); /* made by: Unix, 2.0 (so the mode below counts) */
    put16(h + 6, x->method ? 20 : 10);
    put16(h + 8, x->flags);
    put16(h + 10, x->method);
    put16(h + 12, z->dos_time);
    put16(h + 14, z->dos_date);
    put32(h + 16, x->crc);
    put32(h + 20, x->csize);
    put32(h + 24, x->usize);
    put16(h + 28, (uint32_t)nl);
    put16(h + 30, 0); /* extra */
    put16(h + 32, 0); /* comment */
    put16(h + 34, 0); /* disk */
    put16(h + 36, 0); /* internal attributes */
    put32(h + 38, 0100644u << 16); /* a regular file, rw-r--r-- */
    put32(h + 42, x->offset);
    out(z, h, sizeof h);
    out(z, x->name, nl);
  }
  uint64_t size = z->offset - start;
  if (z->n > 0xFFFF)
    z->failed = true;
  if (!z->failed) {
    unsigned char h[22];
    put32(h, 0x06054b50);
    put16(h + 4, 0);
    put16(h + 6, 0);
    put16(h + 8, (uint32_t)z->n);
    put16(h + 10, (uint32_t)z->n);
    put32(h + 12, (uint32_t)size);
    put32(h + 16, (uint32_t)start);
    put16(h + 20, 0);
    out(z, h, sizeof h);
  }
  return !z->failed;
}

void bs_epub_zip_free(bs_epub_zip *z)
{
  if (!z)
    return;
  stop_worker(z);
  for (size_t i = 0; i < z->n; i++)
    free(z->ents[i].name);
  free(z->ents);
  if (z->zs_ready)
    deflateEnd(&z->zs);
  free(z->out);
  free(z);
}
