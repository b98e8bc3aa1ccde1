/* Incremental updates of the PDF Cairo wrote (§7.4): Cairo 1.16 cannot write viewer
 * preferences, page boxes or a page order other than drawing order, so after it finishes we
 * read the file's tail back (trailer and cross-reference table), fetch the objects to change
 * and append new versions of them (and new objects: the structure tree, draw.c) with a new
 * xref section and a trailer that points to the old one (/Prev). The body is never
 * rewritten, so the PDF is streamed as it is drawn; the objects appended are written as they
 * are made (a long book's structure tree is a million of them), read back with pread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "typeset-impl.h"

struct bs_pdfup {
  FILE *rd;
  long long size;       /* of the file */
  long long prev;       /* offset of Cairo's xref */
  long long *off;       /* object offsets, by number */
  int nobj;             /* /Size */
  int root, info;
  FILE *out;            /* the appended objects go to its end ... */
  long long written;    /* ... this many bytes so far */
  bool failed;
  int *nums;            /* their numbers ... */
  long long *at;        /* ... and offsets relative to the end of the file */
  size_t nnew, cap;
};

static const char *find_last(const char *hay, size_t n, const char *needle)
{
  size_t k = strlen(needle);
  for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
    if (!memcmp(hay + i, needle, k))
      return hay + i;
  return NULL;
}

static bool read_at(FILE *f, long long off, size_t n, bs_buf *out)
{
  bs_buf_clear(out);
  bs_buf_grow(out, n + 1);
  while (n) {
    ssize_t k = pread(fileno(f), out->data + out->len, n, (off_t)off);
    if (k <= 0)
      return false;
    out->len += (size_t)k;
    off += k;
    n -= (size_t)k;
  }
  out->data[out->len] = 0;
  return true;
}

bs_pdfup *bs_pdfup_open(FILE *rd, FILE *out)
{
  if (fflush(rd) || fseeko(rd, 0, SEEK_END))
    return NULL;
  long long size = (long long)ftello(rd);
  if (fflush(out) || fseeko(out, 0, SEEK_END) || (long long)ftello(out) != size)
    return NULL;
  if (size < 64)
    return NULL;
  bs_buf t = BS_BUF_INIT;
  bs_pdfup *u = NULL;
  size_t tail = size > 1024 ? 1024 : (size_t)size;
  if (!read_at(rd, size - (long long)tail, tail, &t))
    goto done;
  const char *sx = find_last(t.data, t.len, "startxref");
  if (!sx)
    goto done;
  long long xref = atoll(sx + 9);
  if (xref <= 0 || xref >= size || !read_at(rd, xref, (size_t)(size - xref), &t))
    goto done;
  /* Cairo writes one subsection "xref\n0 N\n" of 20-byte entries, then the trailer */
  const char *d = t.data;
  int first = -1, count = -1;
  if (strncmp(d, "xref", 4) || sscanf(d + 4, " %d %d", &first, &count) != 2 || first != 0 ||
      count <= 0)
    goto done;
  const char *e = memchr(d + 5, '\n', t.len - 5);
  if (!e || (size_t)(e + 1 - d) + (size_t)count * 20 > t.len)
    goto done;
  e++;
  const char *tr = memmem(e, t.len - (size_t)(e - d), "trailer", 7);
  if (!tr)
    goto done;
  size_t tl = t.len - (size_t)(tr - d);
  const char *root = memmem(tr, tl, "/Root", 5), *sz = memmem(tr, tl, "/Size", 5);
  const char *info = memmem(tr, tl, "/Info", 5);
  if (!root || !sz)
    goto done;
  u = bs_xcalloc(1, sizeof *u);
  u->rd = rd;
  u->out = out;
  u->size = size;
  u->prev = xref;
  u->nobj = atoi(sz + 5);
  u->root = atoi(root + 5);
  u->info = info ? atoi(info + 5) : 0;
  if (u->nobj != count || u->root <= 0 || u->root >= count) {
    free(u);
    u = NULL;
    goto done;
  }
  u->off = bs_xcalloc((size_t)count, sizeof *u->off);
  for (int i = 0; i < count; i++)
    u->off[i] = atoll(e + 20 * (size_t)i);
done:
  bs_buf_free(&t);
  return u;
}

int bs_pdfup_root(const bs_pdfup *u) { return u->root; }

bool bs_pdfup_get(bs_pdfup *u, int num, bs_buf *out)
{
  if (num <= 0 || num >= u->nobj || u->off[num] <= 0)
    return false;
  long long at = u->off[num];
  for (size_t n = 512;; n *= 8) { /* most objects are a structure element's hundred bytes */
    if ((long long)n > u->size - at)
      n = (size_t)(u->size - at);
    if (!read_at(u->rd, at, n, out))
      return false;
    const char *o = memmem(out->data, out->len, "obj", 3);
    const char *s = o ? memmem(o, out->len - (size_t)(o - out->data), "stream", 6) : NULL;
    const char *e = o ? memmem(o, out->len - (size_t)(o - out->data), "endobj", 6) : NULL;
    if (s && (!e || s < e))
      return false; /* a stream object: not ours to edit */
    if (e) {
      size_t from = (size_t)(o + 3 - out->data), len = (size_t)(e - o - 3);
      memmove(out->data, out->data + from, len);
      out->len = len;
      out->data[len] = 0;
      return true;
    }
    if ((long long)n >= u->size - at)
      return false;
  }
}

void bs_pdfup_set(bs_pdfup *u, int num, const char *body, size_t len)
{
  if (u->nnew == u->cap) {
    u->cap = u->cap ? 2 * u->cap : 256;
    u->nums = bs_xrealloc(u->nums, u->cap * sizeof *u->nums);
    u->at = bs_xrealloc(u->at, u->cap * sizeof *u->at);
  }
  u->nums[u->nnew] = num;
  u->at[u->nnew] = u->written;
  u->nnew++;
  char t[32];
  char *d = bs_fmt_uint(t, num < 0 ? 0 : (unsigned)num, 1);
  size_t n = (size_t)(t + 24 - d);
  memmove(t, d, n);
  memcpy(t + n, " 0 obj\n", 7);
  n += 7;
  if (fwrite(t, 1, n, u->out) != n || fwrite(body, 1, len, u->out) != len ||
      fputs("\nendobj\n", u->out) < 0)
    u->failed = true;
  u->written += (long long)n + (long long)len + 8;
}

int bs_pdfup_new_obj(bs_pdfup *u) { return u->nobj++; }

int bs_pdfup_new_objs(bs_pdfup *u, int n)
{
  int first = u->nobj;
  u->nobj += n;
  return first;
}

bool bs_pdfup_write(bs_pdfup *u)
{
  if (!u->nnew)
    return !u->failed;
  long long base = u->size;
  FILE *out = u->out;
  bool ok = !u->failed && fputs("xref\n0 1\n0000000000 65535 f \n", out) >= 0;
  /* a subsection per run of consecutive numbers */
  for (size_t i = 0; ok && i < u->nnew;) {
    size_t k = i + 1;
    while (k < u->nnew && u->nums[k] == u->nums[k - 1] + 1)
      k++;
    ok = fprintf(out, "%d %zu\n", u->nums[i], k - i) > 0;
    for (; ok && i < k; i++) {
      char t[24], e[20];
      if (base + u->at[i] >= 10000000000LL) /* an xref offset has ten digits: 10 GB */
        return false;
      memcpy(e, bs_fmt_uint(t, (unsigned long long)(base + u->at[i]), 10), 10);
      memcpy(e + 10, " 00000 n \n", 10);
      ok = fwrite(e, 1, sizeof e, out) == sizeof e;
    }
  }
  if (ok)
    ok = fprintf(out, "trailer\n<< /Size %d /Root %d 0 R", u->nobj, u->root) > 0 &&
         (!u->info || fprintf(out, " /Info %d 0 R", u->info) > 0) &&
         fprintf(out, " /Prev %lld >>\nstartxref\n%lld\n%%%%EOF\n", u->prev,
                 base + u->written) > 0;
  return ok && !fflush(out);
}

void bs_pdfup_free(bs_pdfup *u)
{
  if (!u)
    return;
  free(u->off);
  free(u->nums);
  free(u->at);
  free(u);
}
