/* A pass over Cairo's output on its way to the file (#15), for every PDF: text that copies
 * and searches in vertical books, artifacts, and black as DeviceGray (rewrite_content).
 * Extractors read a column of upright glyphs shown in a horizontal font as a
 * stack of one-character lines; what they honour instead is marked content with /ActualText.
 * Cairo 1.16 cannot write /ActualText nor marked content without building its own
 * structure tree (kept whole to the file's end), so draw.c draws each line's marked content
 * in a colour of its own, which this filter makes the BDC (unmark), and writes the structure
 * tree itself at the end (MCIDs in drawing order). This filter spots
 * those content streams as they are written (Cairo's own header, "N 0 obj << /Length M 0 R
 * /Filter /FlateDecode >> stream"), inflates them, adds each line's text to its Span's
 * properties in drawing order, deflates them again and rewrites the stream's length object
 * that follows. Every object after a rewritten stream moves, so the cross-reference table
 * Cairo writes last is corrected in place when the file is complete (bs_pdftext_finish).
 * Other compressed streams (fonts, images) pass through unchanged. A column's glyphs, which
 * draw.c gives Cairo on a stand-in baseline in a colour of their own, are written here each
 * after its move (show_glyphs), as Cairo would have at far more cost.
 *
 * With CAIRO_DEBUG_PDF set (the CLI sets it: main.c) Cairo 1.16 writes page contents,
 * ToUnicode maps and images uncompressed ("<< /Length M 0 R ... >> stream" without /Filter):
 * such a stream is taken whole (its end is the "endstream" whose length object, written
 * right after it, gives the same length), rewritten if it has no other keys, and deflated
 * here once. Cairo's zlib at its level 6 and our inflating cost 7 % of a 100-article PDF.
 *
 * With a core to spare (-j, and not one a sibling output's process is using: draw.c asks at
 * each chapter), the filter runs on a writer thread of its own from then on: Cairo's bytes
 * are gathered into blocks and queued (at most QUEUE_MAX bytes), so the drawing thread, which
 * holds most of a PDF's work, goes on drawing while the contents are rewritten and deflated.
 * The texts are queued in drawing order either way; the bytes are the same. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include "typeset-impl.h"

enum { PASS, DATA, TAIL, RAW };
enum { IN_MAX = 1 << 16 }; /* bytes gathered from Cairo's writes before they are fed */
/* How much may wait for the writer thread before the drawing waits; it takes blocks of
 * IN_MAX bytes. */
enum { QUEUE_MAX = 8 * 1024 * 1024 };

struct block {
  struct block *next;
  size_t len;
  unsigned char data[];
};

struct bs_pdftext {
  FILE *f;
  int mode;
  bs_buf in;          /* Cairo's writes not fed yet */
  bs_buf hold;        /* PASS: bytes that may begin a stream header; DATA/TAIL: the object */
  size_t data_at;     /* DATA/TAIL: where the compressed data begins in `hold` */
  size_t data_end;    /* TAIL: where it ends */
  size_t dict_at;     /* RAW: where the dictionary's keys after /Length begin in `hold` */
  size_t scan;        /* RAW: where to look for the stream's end next */
  int len_obj;        /* RAW: the number of its length object */
  bool raw_content;   /* RAW: no key but /Length (page contents or a ToUnicode map) */
  z_stream z;         /* DATA: inflating the stream as it arrives */
  bool z_open;        /* z is initialised: reset for each stream, not made anew (its
                       * allocations, and the deflater's below, at every page of a long book
                       * made glibc consolidate its heap again and again) */
  struct libdeflate_compressor *zd; /* deflating rewritten contents */
  bs_buf plain;       /* the inflated content */
  bs_buf added;       /* ... rewritten (rewrite_content) */
  bs_buf deflated;    /* ... deflated again */
  long long in_pos;   /* bytes received from Cairo */
  long long out_pos;  /* bytes written */
  struct shift {
    long long from;   /* original offsets >= from ... */
    long long delta;  /* ... moved by delta */
  } *shifts;
  size_t nshifts;
  /* the texts of the Span lines, in drawing order, consumed as their BDCs go by */
  struct entry {
    char *text;  /* its /ActualText, or NULL */
    char *group; /* an /ActualText over it and the Spans after it, through ... */
    bool end;    /* ... the one that ends the group */
  } *texts;
  size_t ntexts, head, cap;
  /* the marked contents begun (draw.c's marks), in drawing order: their type and MCID */
  struct mark {
    const char *type; /* static */
    uint16_t mcid;
  } *marks;
  size_t nmarks, mhead, mcap;
  uint32_t mseq;      /* the marked contents taken so far (not the pages' ends) */
  /* the columns drawn, in drawing order, and their glyphs' moves (bs_pdftext_glyphs) */
  struct run {
    uint32_t n;       /* glyphs; 0: a page's end */
    size_t at;        /* its moves in `moves` (2 n numbers) */
  } *runs;
  size_t nruns, rhead, rcap;
  double *moves;
  size_t nmoves, mvcap;
  bs_buf unmarked;    /* a page's content with its marks made BDC and EMC */
  size_t unmatched;   /* Span BDCs without a text, or texts left over: a bug if not 0 */
  bool failed;
  char tail[64];      /* the file's last bytes ("startxref N %%EOF") */
  size_t ntail;
  int err_no;         /* why writing failed */
  /* the writer thread, if there is one: `mu` guards the queue, the texts and `wfailed` */
  bool threaded;
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t more, room;
  struct block *first, *last; /* queued for the writer */
  size_t queued;
  bool closing;       /* no more blocks: the writer ends when the queue is empty */
  bool wfailed;       /* the writer's `failed`, as the drawing thread may read it */
  struct block *open; /* bytes gathered by the drawing thread, not yet queued */
};

static void take(bs_pdftext *t, const unsigned char *data, size_t len);

static void *writer(void *arg)
{
  bs_pdftext *t = arg;
  pthread_mutex_lock(&t->mu);
  for (;;) {
    while (!t->first && !t->closing)
      pthread_cond_wait(&t->more, &t->mu);
    struct block *b = t->first;
    if (!b)
      break;
    t->first = b->next;
    if (!t->first)
      t->last = NULL;
    t->queued -= b->len;
    pthread_cond_signal(&t->room);
    pthread_mutex_unlock(&t->mu);
    take(t, b->data, b->len);
    free(b);
    pthread_mutex_lock(&t->mu);
    t->wfailed = t->failed;
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

/* Queues the gathered block for the writer; false once the writer failed. */
static bool hand_over(bs_pdftext *t)
{
  struct block *b = t->open;
  t->open = NULL;
  pthread_mutex_lock(&t->mu);
  while (t->queued >= QUEUE_MAX)
    pthread_cond_wait(&t->room, &t->mu);
  if (b) {
    if (t->last)
      t->last->next = b;
    else
      t->first = b;
    t->last = b;
    t->queued += b->len;
    pthread_cond_signal(&t->more);
  }
  bool ok = !t->wfailed;
  pthread_mutex_unlock(&t->mu);
  return ok;
}

/* Ends the writer thread once it has written everything queued. */
static void writer_end(bs_pdftext *t)
{
  if (!t->threaded)
    return;
  hand_over(t);
  pthread_mutex_lock(&t->mu);
  t->closing = true;
  pthread_cond_signal(&t->more);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->th, NULL);
  pthread_mutex_destroy(&t->mu);
  pthread_cond_destroy(&t->more);
  pthread_cond_destroy(&t->room);
  t->threaded = false;
}

bs_pdftext *bs_pdftext_new(FILE *f, bool thread)
{
  bs_pdftext *t = bs_xcalloc(1, sizeof *t);
  t->f = f;
  if (thread)
    bs_pdftext_thread(t);
  return t;
}

void bs_pdftext_thread(bs_pdftext *t)
{
  if (t->threaded || t->failed)
    return;
  /* what was gathered for this thread is fed first: the writer takes what follows */
  take(t, (const unsigned char *)t->in.data, t->in.len);
  bs_buf_clear(&t->in);
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->more, NULL);
  pthread_cond_init(&t->room, NULL);
  t->wfailed = t->failed;
  t->closing = false;
  t->threaded = true; /* before the writer starts: it reads it */
  if (pthread_create(&t->th, NULL, writer, t)) {
    t->threaded = false;
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->more);
    pthread_cond_destroy(&t->room);
  }
}

int bs_pdftext_errno(const bs_pdftext *t)
{
  return t->err_no;
}

void bs_pdftext_free(bs_pdftext *t)
{
  if (!t)
    return;
  writer_end(t);
  free(t->open);
  if (t->z_open)
    inflateEnd(&t->z);
  if (t->zd)
    libdeflate_free_compressor(t->zd);
  bs_buf_free(&t->in);
  bs_buf_free(&t->hold);
  bs_buf_free(&t->plain);
  bs_buf_free(&t->added);
  bs_buf_free(&t->deflated);
  bs_buf_free(&t->unmarked);
  free(t->marks);
  free(t->runs);
  free(t->moves);
  for (size_t i = t->head; i < t->ntexts; i++) {
    free(t->texts[i].text);
    free(t->texts[i].group);
  }
  free(t->texts);
  free(t->shifts);
  free(t);
}

void bs_pdftext_add(bs_pdftext *t, const char *utf8, size_t len)
{
  char *s = NULL;
  if (utf8) {
    s = bs_xmalloc(len + 1);
    memcpy(s, utf8, len);
    s[len] = 0;
  }
  if (t->threaded)
    pthread_mutex_lock(&t->mu);
  if (t->head > 0 && t->head == t->ntexts)
    t->head = t->ntexts = 0;
  if (t->ntexts == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 64;
    t->texts = bs_xrealloc(t->texts, t->cap * sizeof *t->texts);
  }
  t->texts[t->ntexts].text = s;
  t->texts[t->ntexts].group = NULL;
  t->texts[t->ntexts++].end = false;
  if (t->threaded)
    pthread_mutex_unlock(&t->mu);
}

void bs_pdftext_mark(bs_pdftext *t, const char *type, uint16_t mcid)
{
  if (t->threaded) /* the writer thread takes them (next_mark) */
    pthread_mutex_lock(&t->mu);
  if (t->mhead > 0 && t->mhead == t->nmarks)
    t->mhead = t->nmarks = 0;
  if (t->nmarks == t->mcap) {
    t->mcap = t->mcap ? 2 * t->mcap : 64;
    t->marks = bs_xrealloc(t->marks, t->mcap * sizeof *t->marks);
  }
  t->marks[t->nmarks].type = type;
  t->marks[t->nmarks++].mcid = mcid;
  if (t->threaded)
    pthread_mutex_unlock(&t->mu);
}

void bs_pdftext_glyphs(bs_pdftext *t, size_t n, const double *moves)
{
  if (t->threaded)
    pthread_mutex_lock(&t->mu);
  if (t->rhead > 0 && 2 * t->rhead >= t->nruns) {
    /* the taken half gives its room back (the writer thread may lag a few pages behind) */
    size_t from = t->rhead < t->nruns ? t->runs[t->rhead].at : t->nmoves;
    for (size_t i = t->rhead; i < t->nruns; i++)
      t->runs[i].at -= from;
    if (from < t->nmoves)
      memmove(t->moves, t->moves + from, (t->nmoves - from) * sizeof *t->moves);
    t->nmoves -= from;
    memmove(t->runs, t->runs + t->rhead, (t->nruns - t->rhead) * sizeof *t->runs);
    t->nruns -= t->rhead;
    t->rhead = 0;
  }
  if (t->nruns == t->rcap) {
    t->rcap = t->rcap ? 2 * t->rcap : 64;
    t->runs = bs_xrealloc(t->runs, t->rcap * sizeof *t->runs);
  }
  struct run *r = &t->runs[t->nruns++];
  r->n = (uint32_t)n;
  r->at = t->nmoves;
  if (n > 0) {
    size_t k = 2 * n;
    if (t->nmoves + k > t->mvcap) {
      t->mvcap = 2 * (t->nmoves + k);
      t->moves = bs_xrealloc(t->moves, t->mvcap * sizeof *t->moves);
    }
    memcpy(t->moves + t->nmoves, moves, k * sizeof *moves);
    t->nmoves += k;
  }
  if (t->threaded)
    pthread_mutex_unlock(&t->mu);
}

/* The next mark's type and MCID (copied out), or false when none is left; a page's end
 * (type NULL) is left in the queue unless `page_end`. */
static bool next_mark(bs_pdftext *t, struct mark *m, bool page_end)
{
  if (t->threaded)
    pthread_mutex_lock(&t->mu);
  bool any = t->mhead < t->nmarks;
  if (any) {
    *m = t->marks[t->mhead];
    if (m->type || page_end)
      t->mhead++;
  }
  if (t->threaded)
    pthread_mutex_unlock(&t->mu);
  return any;
}

void bs_pdftext_group_last(bs_pdftext *t, size_t n, const char *utf8, size_t len)
{
  char *g = bs_xmalloc(len + 1);
  memcpy(g, utf8, len);
  g[len] = 0;
  if (t->threaded)
    pthread_mutex_lock(&t->mu);
  if (n && n <= t->ntexts - t->head) {
    struct entry *first = &t->texts[t->ntexts - n], *last = &t->texts[t->ntexts - 1];
    free(first->group);
    first->group = g;
    g = NULL;
    last->end = true;
  }
  if (t->threaded)
    pthread_mutex_unlock(&t->mu);
  free(g);
}

/* The next Span's text (moved out: the caller frees it), or false when none is left. */
static bool next_text(bs_pdftext *t, struct entry *en)
{
  if (t->threaded)
    pthread_mutex_lock(&t->mu);
  bool any = t->head < t->ntexts;
  if (any)
    *en = t->texts[t->head++];
  if (t->threaded)
    pthread_mutex_unlock(&t->mu);
  return any;
}

static void out(bs_pdftext *t, const void *d, size_t n)
{
  if (n && fwrite(d, 1, n, t->f) != n) {
    if (!t->failed)
      t->err_no = errno;
    t->failed = true;
  }
  t->out_pos += (long long)n;
}

/* A PDF text string for `s`: UTF-16BE hex with a byte-order mark. Every line's text goes
 * through here, so the digits are written by hand rather than by printf. */
void bs_ts_pdf_text(bs_buf *b, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen(s), i = 0;
  bs_buf_grow(b, 4 * n + 6); /* at most 4 digits a byte */
  bs_buf_puts(b, "<FEFF");
  while (i < n) {
    uint32_t cp;
    size_t k = bs_utf8_decode(s + i, n - i, &cp);
    if (!k) { /* never from our own text; keep the string well formed */
      cp = 0xFFFD;
      k = 1;
    }
    i += k;
    uint32_t u[2] = {cp, 0};
    int nu = 1;
    if (cp >= 0x10000) {
      u[0] = 0xD800 + ((cp - 0x10000) >> 10);
      u[1] = 0xDC00 + (cp & 0x3FF);
      nu = 2;
    }
    for (int j = 0; j < nu; j++) {
      char d[4] = {hex[u[j] >> 12 & 15], hex[u[j] >> 8 & 15], hex[u[j] >> 4 & 15], hex[u[j] & 15]};
      bs_buf_put(b, d, 4);
    }
  }
  bs_buf_putc(b, '>');
}

/* PDF content syntax: whitespace and delimiters. */
static bool is_space(char ch)
{
  return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' || ch == '\f' || ch == 0;
}

static bool is_delim(char ch)
{
  return ch == '(' || ch == ')' || ch == '<' || ch == '>' || ch == '[' || ch == ']' ||
         ch == '{' || ch == '}' || ch == '/' || ch == '%';
}

/* The end of the token at `p` (not whitespace); *op: it is an operator keyword. */
static const char *token_end(const char *p, const char *end, bool *op)
{
  *op = false;
  if (*p == '(') { /* a literal string: nested parentheses, backslash escapes */
    int nest = 0;
    for (; p < end; p++) {
      if (*p == '\\')
        p++;
      else if (*p == '(')
        nest++;
      else if (*p == ')' && --nest == 0)
        return p + 1;
    }
    return end;
  }
  if (*p == '<' || *p == '>') {
    if (p + 1 < end && p[1] == *p)
      return p + 2; /* << or >> */
    if (*p == '>')
      return p + 1;
    const char *q = memchr(p, '>', (size_t)(end - p)); /* a hex string */
    return q ? q + 1 : end;
  }
  if (*p == '%') {
    const char *q = memchr(p, '\n', (size_t)(end - p));
    return q ? q : end;
  }
  if (*p != '/' && is_delim(*p))
    return p + 1;
  const char *q = p + 1;
  while (q < end && !is_space(*q) && !is_delim(*q))
    q++;
  if (*p != '/' && !(*p >= '0' && *p <= '9') && *p != '-' && *p != '+' && *p != '.' &&
      !(q - p == 4 && (!memcmp(p, "true", 4) || !memcmp(p, "null", 4))) &&
      !(q - p == 5 && !memcmp(p, "false", 5)))
    *op = true;
  return q;
}

static bool op_is(const char *p, const char *e, const char *name)
{
  size_t n = strlen(name);
  return (size_t)(e - p) == n && !memcmp(p, name, n);
}

/* The content's next operator from *p on: false at its end (operands without an operator
 * are left there); else *p is the operator, [*o, *e) the operator with its operands. The
 * caller moves *p to *e when done with it. */
static bool next_op(const char **p, const char *end, const char **o, const char **e)
{
  const char *at = *p, *operands = NULL;
  while (at < end) {
    if (is_space(*at)) {
      at++;
      continue;
    }
    bool op;
    const char *te = token_end(at, end, &op);
    if (!operands)
      operands = at;
    if (op) {
      *p = at;
      *o = operands;
      *e = te;
      return true;
    }
    at = te;
  }
  *p = end;
  return false;
}

/* The colours of draw.c's marked contents (mark): 0.125 0.625 B, B counting them in steps of
 * 2^-17 from 0.125 (exact in binary, apart at Cairo's six decimals, and all above 0.1,
 * which Cairo prints with "%f", not with its eighteen-digit "%.18f"). */
#define INK_R 0.125
#define INK_G 0.625
#define INK_STEP 131072.0

void bs_pdftext_mark_ink(uint32_t n, double ink[3])
{
  ink[0] = INK_R;
  ink[1] = INK_G;
  ink[2] = INK_R + (double)(n % 65536) / INK_STEP;
}

bool bs_pdftext_ink_is_mark(const double ink[3])
{
  return ink[0] == INK_R && ink[1] == INK_G;
}

/* A column's glyphs (bs_pdftext_glyphs) are drawn in their marked content's colour with red
 * at 0.1875 instead of 0.125. */
#define INK_R_COLUMN 0.1875

void bs_pdftext_column_ink(const double ink[3], double out[3])
{
  out[0] = INK_R_COLUMN;
  out[1] = ink[1];
  out[2] = ink[2];
}

/* A number as Cairo prints it ("0.125008"), without strtod's locale; -1 if it is not one. */
static double number(const char *p, const char *e)
{
  double v = 0, f = 1;
  bool point = false, digit = false;
  for (; p < e; p++) {
    if (*p >= '0' && *p <= '9') {
      digit = true;
      if (point)
        v += (*p - '0') * (f /= 10);
      else
        v = v * 10 + (*p - '0');
    } else if (*p == '.' && !point) {
      point = true;
    } else {
      return -1;
    }
  }
  return digit ? v : -1;
}

/* The marked content that colour operator [o, e) ("R G B rg", p at the operator) begins or
 * goes on with (mark's count mod 65536), or -1 if it is not one of draw.c's colours; *column:
 * a column's colour (bs_pdftext_column_ink). */
static long ink_of(const char *o, const char *p, bool *column)
{
  static const char pre[] = "0.125 0.625 ", col[] = "0.1875 0.625 ";
  const char *b;
  if ((size_t)(p - o) >= sizeof pre && !memcmp(o, pre, sizeof pre - 1))
    b = o + sizeof pre - 1, *column = false;
  else if ((size_t)(p - o) >= sizeof col && !memcmp(o, col, sizeof col - 1))
    b = o + sizeof col - 1, *column = true;
  else
    return -1;
  const char *be = b;
  while (be < p && !is_space(*be))
    be++;
  double v = number(b, be);
  if (v < INK_R)
    return -1;
  long n = lround((v - INK_R) * INK_STEP);
  return n < 65536 ? n : -1;
}

static void put_line(bs_buf *to, const char *s)
{
  if (to->len && !is_space(to->data[to->len - 1]))
    bs_buf_putc(to, '\n');
  bs_buf_puts(to, s);
}

/* Takes the page's marks up to the marked content counted `n` (mod 65536): those before it
 * drew nothing Cairo wrote (a line of spaces) and are written empty. True and *m if it is
 * there, false at the page's end (whose marker is taken only when `n` is -1). */
static bool take_mark(bs_pdftext *t, long n, struct mark *m, bs_buf *to)
{
  while (next_mark(t, m, n < 0)) {
    if (!m->type) /* the page's end */
      return false;
    if ((long)(t->mseq++ % 65536) == n)
      return true;
    put_line(to, "");
    bs_buf_printf(to, "/%s << /MCID %u >> BDC\nEMC\n", m->type, (unsigned)m->mcid);
  }
  return false;
}

/* The columns' glyphs as their strings go by in a page's content (unmark), column by column
 * (bs_pdftext_glyphs). */
typedef struct shown {
  struct run r;    /* the run being shown ... */
  uint32_t k;      /* ... of which k glyphs are written */
  bool have;
  double *mv;      /* its moves, copied out of the queue */
  size_t mvcap;
  bool line_start; /* the text position is its line's start (after Tm or Td) */
  bool restore;    /* a column was written: Cairo's line start is (rx, ry) from ours, which a
                    * Td puts back before Cairo's next Td (relative to where Cairo thinks) */
  double rx, ry;
  double lx, ly;   /* the last move written, and its text */
  char lt[64];
  size_t ll;
  /* the text leading (TL) in force, in millionths as written; -1 once a Q may have restored
   * another */
  long long tl;
} shown;

static bool next_run(bs_pdftext *t, shown *x, bool page_end)
{
  if (t->threaded)
    pthread_mutex_lock(&t->mu);
  bool any = t->rhead < t->nruns && (t->runs[t->rhead].n || page_end);
  if (any) {
    x->r = t->runs[t->rhead++];
    size_t k = 2 * (size_t)x->r.n;
    if (k > x->mvcap) {
      x->mvcap = k;
      x->mv = bs_xrealloc(x->mv, k * sizeof *x->mv);
    }
    if (k)
      memcpy(x->mv, t->moves + x->r.at, k * sizeof *x->mv);
  }
  if (t->threaded)
    pthread_mutex_unlock(&t->mu);
  x->have = any;
  x->k = 0;
  x->rx = x->ry = 0;
  return any;
}

/* The next glyph of a string operator's operands from *p to e ("<…>", "(…)" or an array of
 * them and numbers), copied to g (*n bytes, at most 8), *hex if in a hex string (4 digits a
 * glyph: Cairo's fonts are CID-keyed but for a Latin subset's literal strings, a byte a
 * glyph); false at the end. *in: inside a string (0 no, 1 hex, 2 literal). */
static bool next_glyph(const char **p, const char *e, int *in, char g[8], size_t *n, bool *hex)
{
  const char *q = *p;
  *n = 0;
  while (q < e) {
    char ch = *q;
    if (*in == 0) {
      q++;
      if (ch == '<')
        *in = 1;
      else if (ch == '(')
        *in = 2;
    } else if (*in == 1) {
      q++;
      if (ch == '>') {
        *in = 0;
      } else if (!is_space(ch)) { /* Cairo wraps long lines, inside hex strings too */
        g[(*n)++] = ch;
        if (*n == 4) {
          *hex = true;
          *p = q;
          return true;
        }
      }
    } else {
      q++;
      if (ch == ')') {
        *in = 0;
        continue;
      }
      g[(*n)++] = ch;
      if (ch == '\\' && q < e) {
        g[(*n)++] = *q;
        if (*q++ >= '0' && q[-1] <= '7')
          for (int d = 0; d < 2 && q < e && *q >= '0' && *q <= '7'; d++)
            g[(*n)++] = *q++;
      }
      *hex = false;
      *p = q;
      return true;
    }
  }
  *p = q;
  return false;
}

/* The two numbers before a Td at p ([o, p): "tx ty "), as Cairo writes them. */
static bool td_operands(const char *o, const char *p, double *tx, double *ty)
{
  double v[2];
  for (int i = 0; i < 2; i++) {
    while (o < p && is_space(*o))
      o++;
    bool neg = o < p && *o == '-';
    const char *b = o + neg;
    o = b;
    while (o < p && !is_space(*o))
      o++;
    double a = number(b, o);
    if (a < 0)
      return false;
    v[i] = neg ? -a : a;
  }
  *tx = v[0];
  *ty = v[1];
  return true;
}

/* v with at most six decimals, as Cairo writes its numbers ("-1.012821", "0"). */
static size_t fmt_num(char *out, double v)
{
  long long u = llround(v * 1e6);
  size_t n = 0;
  if (u < 0) {
    out[n++] = '-';
    u = -u;
  }
  char d[24];
  char *q = bs_fmt_uint(d, (unsigned long long)u / 1000000, 1);
  memcpy(out + n, q, (size_t)(d + sizeof d - q));
  n += (size_t)(d + sizeof d - q);
  unsigned long long f = (unsigned long long)u % 1000000;
  if (f) {
    int w = 6;
    while (f % 10 == 0)
      f /= 10, w--;
    out[n++] = '.';
    q = bs_fmt_uint(d, f, w);
    memcpy(out + n, q, (size_t)(d + sizeof d - q));
    n += (size_t)(d + sizeof d - q);
  }
  return n;
}

static void put_td(shown *x, bs_buf *to, double dx, double dy)
{
  if (!x->ll || dx != x->lx || dy != x->ly) { /* a column's moves are mostly one */
    x->ll = fmt_num(x->lt, dx);
    x->lt[x->ll++] = ' ';
    x->ll += fmt_num(x->lt + x->ll, dy);
    memcpy(x->lt + x->ll, " Td\n", 4);
    x->ll += 4;
    x->lx = dx;
    x->ly = dy;
  }
  bs_buf_put(to, x->lt, x->ll);
}

/* A string operator [o, e) drawn in a column's colour: its glyphs written one by one, each
 * after its move (bs_pdftext_glyphs). */
static void show_glyphs(bs_pdftext *t, shown *x, const char *o, const char *e, bs_buf *to)
{
  const char *p = o;
  int in = 0;
  char g[8];
  size_t n;
  bool hex;
  if (x->restore) { /* a string going on from a column's: Cairo's pen is not ours (never) */
    t->unmatched++;
    x->restore = false;
  }
  while (next_glyph(&p, e, &in, g, &n, &hex)) {
    if (x->k == x->r.n) {
      if (!x->line_start || !next_run(t, x, false)) { /* a column begins at a Tm or Td */
        t->unmatched++;
        break;
      }
    }
    double dx = x->mv[2 * x->k], dy = x->mv[2 * x->k + 1];
    /* a move straight down is the leading's: "<g>'" is "0 -TL Td <g> Tj" at half the bytes
     * (a column's moves are mostly one: the leading is set where the next glyph's is the
     * same, a lone other move is a Td) */
    long long down = llround(dx * 1e6) ? 0 : -llround(dy * 1e6); /* as written */
    const double *next = x->k + 1 < x->r.n ? &x->mv[2 * x->k + 2] : NULL;
    bool lead = down > 0 && (x->tl == down ||
                             (next && !llround(next[0] * 1e6) && -llround(next[1] * 1e6) == down));
    if (lead && x->tl != down) {
      char num[32];
      bs_buf_put(to, num, fmt_num(num, -dy));
      bs_buf_puts(to, " TL\n");
      x->tl = down;
    } else if (!lead) {
      put_td(x, to, dx, dy);
    }
    x->rx -= dx;
    x->ry -= dy;
    bs_buf_putc(to, hex ? '<' : '(');
    bs_buf_put(to, g, n);
    bs_buf_puts(to, lead ? (hex ? ">'\n" : ")'\n") : (hex ? ">Tj\n" : ")Tj\n"));
    x->line_start = false;
    if (++x->k == x->r.n)
      x->restore = x->rx != 0 || x->ry != 0;
  }
  x->line_start = false;
}

/* draw.c's marks (mark) made the BDC and EMC Cairo would write for a structure element's
 * marked content ("/Span << /MCID n >> BDC"), with the types and MCIDs given in the same order
 * (bs_pdftext_mark): where a marked content's colour is set first, its BDC, and the colour
 * black ("0 g"); where it is set again within it (after an emoji's image), black; where another
 * colour is set, an image's end mark is drawn (a 1 pt square filled in 0.75 0.5 0.25: "R G B
 * rg [/aN gs] 0 0 1 1 re f", taken out), the graphics state it began in is restored, or the
 * page's contents end, its EMC. A column's strings (drawn in its colour) are written glyph by
 * glyph (show_glyphs). */
static bool unmark(bs_pdftext *t, const bs_buf *c, bs_buf *to)
{
  struct mark m;
  const char *p = c->data, *end = c->data + c->len;
  const char *copied = p;
  int pending = 0;   /* an end mark's colour was set (1), and its square drawn (2) */
  long open = -1;    /* the open marked content's count (mod 65536) */
  int q = 0, open_q = 0; /* the graphics state's depth (q, Q), and where it was opened */
  bs_buf_clear(to);
  shown x = {.line_start = true}; /* a page begins with the leading 0 */
  bool column = false; /* the colour is a column's (bs_pdftext_column_ink) */
  const char *o, *e;
  while (next_op(&p, end, &o, &e)) {
    size_t n = (size_t)(p - o);
    if (op_is(p, e, "Tj") || op_is(p, e, "TJ")) {
      if (open >= 0 && column) {
        bs_buf_put(to, copied, (size_t)(o - copied));
        show_glyphs(t, &x, o, e, to);
        copied = e;
      }
      x.line_start = false;
      pending = 0;
      p = e;
      continue;
    }
    if (op_is(p, e, "Td")) {
      double tx, ty;
      if (x.restore) { /* Cairo's Td is from where it thinks the line starts */
        bs_buf_put(to, copied, (size_t)(o - copied));
        copied = o;
        put_td(&x, to, x.rx, x.ry);
        x.restore = false;
      }
      if (x.have && x.k > 0 && x.k < x.r.n) {
        /* Cairo going back along a column's stand-in baseline (draw.c: column): the glyphs
         * have their moves; where Cairo thinks the line starts is put back at its end */
        if (td_operands(o, p, &tx, &ty)) {
          x.rx += tx;
          x.ry += ty;
          bs_buf_put(to, copied, (size_t)(o - copied));
          copied = e;
        } else {
          t->unmatched++;
        }
      }
      x.line_start = true;
    } else if (op_is(p, e, "Tm") || op_is(p, e, "BT") || op_is(p, e, "ET")) {
      x.restore = false;
      x.line_start = true;
    }
    bool rg = op_is(p, e, "rg") || op_is(p, e, "RG");
    bool col = false;
    long ink = rg ? ink_of(o, p, &col) : -1;
    if (op_is(p, e, "rg") || op_is(p, e, "g") || op_is(p, e, "k") || op_is(p, e, "cs") ||
        op_is(p, e, "sc") || op_is(p, e, "scn") || op_is(p, e, "Q"))
      column = col; /* the fill colour changed (after Q, Cairo sets it again) */
    if (op_is(p, e, "Q"))
      x.tl = -1; /* the leading of the q, which this page may have changed since */
    if (ink >= 0) {
      bs_buf_put(to, copied, (size_t)(o - copied));
      copied = e;
      if (ink != open) {
        if (open >= 0)
          put_line(to, "EMC\n");
        if (take_mark(t, ink, &m, to)) {
          put_line(to, "");
          bs_buf_printf(to, "/%s << /MCID %u >> BDC\n", m.type, (unsigned)m.mcid);
        } else {
          t->unmatched++;
          put_line(to, "/Span BMC\n"); /* keeps the EMC balanced */
        }
        open = ink;
        open_q = q;
      }
      bs_buf_puts(to, *p == 'r' ? "0 g" : "0 G");
      pending = 0;
    } else if (rg && n == 14 && !memcmp(o, "0.75 0.5 0.25 ", 14)) {
      bs_buf_put(to, copied, (size_t)(o - copied));
      copied = e;
      pending = 1;
    } else if (pending && op_is(p, e, "re") && n == 8 && !memcmp(o, "0 0 1 1 ", 8)) {
      bs_buf_put(to, copied, (size_t)(o - copied));
      copied = e;
      pending = 2;
    } else if (pending == 2 && op_is(p, e, "f")) {
      bs_buf_put(to, copied, (size_t)(o - copied));
      copied = e;
      if (open >= 0)
        put_line(to, "EMC");
      open = -1;
      pending = 0;
    } else {
      if (!op_is(p, e, "gs"))
        pending = 0;
      /* another colour, or the state the marked content began in restored: it ends */
      bool ends = rg || op_is(p, e, "g") || op_is(p, e, "G") || op_is(p, e, "k") ||
                  op_is(p, e, "K") || op_is(p, e, "cs") || op_is(p, e, "CS") ||
                  (op_is(p, e, "Q") && q <= open_q);
      if (open >= 0 && ends) {
        bs_buf_put(to, copied, (size_t)(o - copied));
        copied = o;
        put_line(to, "EMC\n");
        open = -1;
      }
      if (op_is(p, e, "q"))
        q++;
      else if (op_is(p, e, "Q"))
        q--;
    }
    p = e;
  }
  bs_buf_put(to, copied, (size_t)(end - copied));
  if (open >= 0)
    put_line(to, "EMC\n");
  take_mark(t, -1, &m, to); /* the page's marked contents that drew nothing */
  if (x.have && x.k < x.r.n)
    t->unmatched++;
  while (next_run(t, &x, true) && x.r.n) /* columns drawn that the content did not show */
    t->unmatched++;
  free(x.mv);
  return true;
}

/* One page's content (#15), rewritten operator by operator as Cairo writes it:
 * - each structure element's "/Tag << /MCID n >> BDC" (a Span, or a paragraph holding its
 *   own content) gets the next text as /ActualText, retagged Span if it has one. Cairo
 *   marks a cluster whose glyph maps to other text (the upright Ｑ drawn for Q) with an
 *   /ActualText of its own: inside ours it is dropped with its EMC (extractors end the outer
 *   replacement at the inner one);
 * - text and paths painted outside the structure's marked content (running heads, folios,
 *   crop marks, leaders, note rules) become an /Artifact, as tagged PDF wants of content that
 *   is not in the structure tree. Images are left alone (a figure's image is outside both,
 *   as when Cairo wrote the structure);
 * - pure black, which Cairo sets as RGB ("0 0 0 rg", "0 0 0 RG"), becomes DeviceGray ("0 g",
 *   "0 G"): text and rules print on the black plate only. */
static void rewrite_content(bs_pdftext *t, const bs_buf *c, bs_buf *to)
{
  static const char tag[] = " << /MCID ", inner[] = "/Span << /ActualText ";
  enum { KEEP, OURS, DROP, GROUP_END = 4 };
  char stack[64];
  int depth = 0, ours = 0; /* marked-content depth; how many of ours with a text are open */
  bool art = false;        /* an /Artifact is open (at depth 0, not counted in `depth`) */
  const char *p = c->data, *end = c->data + c->len;
  const char *copied = p, *o, *e; /* the operator with its operands: [o, e) */
  while (next_op(&p, end, &o, &e)) {
    const char *before = NULL; /* what goes before it: an artifact's start or end */
    bs_buf_put(to, copied, (size_t)(o - copied));
    copied = o;
    bool bdc = op_is(p, e, "BDC") || op_is(p, e, "BMC");
    /* a structure element's marked content: a Span, or a paragraph without one (draw.c) */
    const char *mc = bdc ? memmem(o, (size_t)(e - o), tag, sizeof tag - 1) : NULL;
    bool mcid = mc != NULL;
    if (art && depth == 0 && (mcid || op_is(p, e, "Q"))) {
      before = "EMC\n";
      art = false;
    } else if (!art && depth == 0 &&
               (op_is(p, e, "BT") || op_is(p, e, "m") || op_is(p, e, "re") || op_is(p, e, "sh"))) {
      before = "/Artifact BMC\n";
      art = true;
    }
    if (before) {
      if (to->len && !is_space(to->data[to->len - 1]))
        bs_buf_putc(to, '\n');
      bs_buf_puts(to, before);
    }
    if (mcid) {
      const char *r = mc + sizeof tag - 1;
      while (r < e && *r >= '0' && *r <= '9')
        r++;
      int kind = KEEP;
      struct entry got, *en = next_text(t, &got) ? &got : NULL;
      if (en && en->group) { /* a table row's cells: one text over them all */
        bs_buf_puts(to, "/Span << /ActualText ");
        bs_ts_pdf_text(to, en->group);
        bs_buf_puts(to, " >> BDC\n");
        free(en->group);
        en->group = NULL;
        ours++;
      }
      /* extractors (poppler) honour /ActualText on a Span's marked content only: a paragraph
       * holding its content itself (draw.c) is a P in the structure tree, its marked
       * content tagged Span, as the tag need not be the element's type (ISO 32000-1 14.7.4) */
      if (en && en->text && o[0] == '/' && mc > o + 1 && memcmp(o, "/Span ", 6)) {
        bs_buf_puts(to, "/Span");
        o = mc;
      }
      bs_buf_put(to, o, (size_t)(r - o));
      if (en) {
        if (en->text) {
          bs_buf_puts(to, " /ActualText ");
          bs_ts_pdf_text(to, en->text);
          free(en->text);
          kind = OURS;
          ours++;
        }
        if (en->end)
          kind |= GROUP_END;
      } else {
        t->unmatched++;
      }
      bs_buf_put(to, r, (size_t)(e - r));
      copied = e;
      if (depth < (int)sizeof stack)
        stack[depth] = (char)kind;
      depth++;
    } else if (bdc) {
      int kind = KEEP;
      if (ours && (size_t)(e - o) > sizeof inner - 1 && !memcmp(o, inner, sizeof inner - 1)) {
        kind = DROP;
        copied = e;
      }
      if (depth < (int)sizeof stack)
        stack[depth] = (char)kind;
      depth++;
    } else if (op_is(p, e, "EMC") && depth > 0) {
      depth--;
      int kind = depth < (int)sizeof stack ? stack[depth] : KEEP;
      if ((kind & 3) == OURS)
        ours--;
      if (kind == DROP)
        copied = e;
      if (kind & GROUP_END) {
        bs_buf_put(to, copied, (size_t)(e - copied));
        bs_buf_puts(to, "\nEMC");
        copied = e;
        ours--;
      }
    } else if ((op_is(p, e, "rg") || op_is(p, e, "RG")) && p - o == 6 &&
               !memcmp(o, "0 0 0 ", 6)) {
      bs_buf_puts(to, *p == 'r' ? "0 g" : "0 G");
      copied = e;
    }
    p = e;
  }
  bs_buf_put(to, copied, (size_t)(end - copied));
  if (art) {
    if (to->len && to->data[to->len - 1] != '\n')
      bs_buf_putc(to, '\n');
    bs_buf_puts(to, "EMC\n");
  }
}

static bool deflate_buf(bs_pdftext *t, const bs_buf *in, bs_buf *to)
{
  /* libdeflate at level 1: a page's contents deflated whole five times as fast as zlib's
   * level 4 was, and a little smaller (zlib streams, as FlateDecode wants) */
  if (!t->zd && !(t->zd = libdeflate_alloc_compressor(1)))
    return false;
  size_t n = libdeflate_zlib_compress_bound(t->zd, in->len);
  bs_buf_clear(to);
  bs_buf_grow(to, n + 1);
  to->len = libdeflate_zlib_compress(t->zd, in->data, in->len, to->data, n);
  return to->len > 0;
}

/* After the header (grown by `grew` bytes): the deflated data (t->deflated), the end of the
 * stream and its length object `len_obj` anew; the objects after it move (data_end: where
 * the data ended in `hold`). */
static void end_stream(bs_pdftext *t, int len_obj, size_t data_end, long long grew)
{
  const bs_buf *z = &t->deflated;
  out(t, z->data, z->len);
  bs_buf o = BS_BUF_INIT;
  bs_buf_printf(&o, "\nendstream\nendobj\n%d 0 obj\n   %zu\nendobj\n", len_obj, z->len);
  out(t, o.data, o.len);
  bs_buf_free(&o);
  long long before = t->in_pos - (long long)t->hold.len;
  long long prev = t->nshifts ? t->shifts[t->nshifts - 1].delta : 0;
  /* the length object moves by what the header and the stream changed, the objects after it
   * also by what its number's digits changed */
  t->shifts = bs_xrealloc(t->shifts, (t->nshifts + 2) * sizeof *t->shifts);
  t->shifts[t->nshifts].from = before + (long long)data_end + 18;
  t->shifts[t->nshifts].delta =
      prev + grew + (long long)z->len - (long long)(data_end - t->data_at);
  t->shifts[t->nshifts + 1].from = t->in_pos;
  t->shifts[t->nshifts + 1].delta = t->out_pos - t->in_pos;
  t->nshifts += 2;
}

/* The object in `hold` is complete: [header][data][tail: endstream, the length object]. */
static void finish_object(bs_pdftext *t)
{
  const char *h = t->hold.data;
  size_t tail_at = t->data_end;
  /* Cairo: "\nendstream\nendobj\n" then "M 0 obj\n   LEN\nendobj\n" */
  const char *lo = h + tail_at + 18;
  bs_buf_clear(&t->added);
  rewrite_content(t, unmark(t, &t->plain, &t->unmarked) ? &t->unmarked : &t->plain,
                  &t->added);
  const bs_buf *added = &t->added;
  bool rewrite = (added->len != t->plain.len ||
                  memcmp(added->data, t->plain.data, added->len)) &&
                 deflate_buf(t, &t->added, &t->deflated);
  if (!rewrite) {
    out(t, h, t->hold.len);
  } else {
    out(t, h, t->data_at);
    end_stream(t, atoi(lo), tail_at, 0);
  }
  bs_buf_clear(&t->hold);
  bs_buf_clear(&t->plain);
  t->mode = PASS;
}

/* A stream header Cairo wrote, found by header_at. */
typedef struct header {
  size_t obj;      /* where its object begins */
  size_t dict;     /* where the keys after "/Length M 0 R\n" begin */
  size_t data;     /* where the stream's data begins */
  int len_obj;     /* M */
  bool raw;        /* no /Filter */
  bool content;    /* no key but /Length (and /Filter /FlateDecode if compressed) */
} header;

/* In `hold` (PASS): a stream header "N 0 obj\n<< /Length M 0 R\n...>>\nstream\n" of a
 * Flate-compressed stream with no other key (Cairo's page contents) or of an uncompressed
 * stream: 1 and *h; 0 if there is none; -1 if one may begin at h->obj but is incomplete. */
static int header_at(const bs_buf *b, header *h)
{
  static const char a[] = " 0 obj\n<< /Length ", r[] = " 0 R\n", end[] = ">>\nstream\n",
                    flate[] = "   /Filter /FlateDecode\n";
  const char *d = b->data;
  size_t n = b->len;
  for (size_t i = 0; i < n; i++) {
    if (d[i] < '0' || d[i] > '9' || (i > 0 && d[i - 1] != '\n'))
      continue;
    size_t k = i;
    while (k < n && d[k] >= '0' && d[k] <= '9')
      k++;
    size_t need = sizeof a - 1;
    if (n - k < need) {
      if (!memcmp(d + k, a, n - k)) {
        h->obj = i;
        return -1;
      }
      continue;
    }
    if (memcmp(d + k, a, need))
      continue;
    k += need;
    size_t m = k;
    while (k < n && d[k] >= '0' && d[k] <= '9')
      k++;
    need = sizeof r - 1;
    if (n - k < need) {
      if (!memcmp(d + k, r, n - k)) {
        h->obj = i;
        return -1;
      }
      continue;
    }
    if (k == m || memcmp(d + k, r, need))
      continue;
    h->len_obj = atoi(d + m);
    k += need;
    /* the other keys: a few short lines (Cairo's image dictionaries are the longest) */
    const char *e = memmem(d + k, n - k, end, sizeof end - 1);
    if (!e) {
      if (n - k < 4096) {
        h->obj = i;
        return -1;
      }
      continue;
    }
    size_t dl = (size_t)(e - (d + k));
    bool filter = memmem(d + k, dl, "/Filter", 7) != NULL;
    if (filter && !(dl == sizeof flate - 1 && !memcmp(d + k, flate, dl)))
      continue; /* a font, or an image of another filter: not ours */
    h->obj = i;
    h->dict = k;
    h->data = (size_t)(e - d) + sizeof end - 1;
    h->raw = !filter;
    h->content = filter || dl == 0;
    return 1;
  }
  return 0;
}

/* RAW: the object in `hold` is complete ([header][data] "\nendstream\nendobj\n" [length
 * object]): its data deflated, with /Filter /FlateDecode, and the length object anew. */
static void finish_raw(bs_pdftext *t)
{
  static const char flate[] = "   /Filter /FlateDecode\n";
  const char *h = t->hold.data;
  bs_buf_clear(&t->plain);
  bs_buf_put(&t->plain, h + t->data_at, t->data_end - t->data_at);
  const bs_buf *src = &t->plain;
  if (t->raw_content) {
    bs_buf_clear(&t->added);
    rewrite_content(t, unmark(t, &t->plain, &t->unmarked) ? &t->unmarked : &t->plain,
                    &t->added);
    src = &t->added;
  }
  if (!deflate_buf(t, src, &t->deflated)) {
    t->failed = true;
    return;
  }
  out(t, h, t->dict_at);
  out(t, flate, sizeof flate - 1);
  out(t, h + t->dict_at, t->data_at - t->dict_at);
  end_stream(t, t->len_obj, t->data_end, (long long)(sizeof flate - 1));
  bs_buf_clear(&t->hold);
  bs_buf_clear(&t->plain);
  t->mode = PASS;
}

/* RAW: the end of the stream in `hold` from t->scan on: the offset just after its length
 * object, or 0 if it has not all arrived. Data that happens to read "endstream" is told
 * apart by the length object, which must be the header's and give the data's length. */
static size_t raw_end(bs_pdftext *t)
{
  static const char es[] = "\nendstream\nendobj\n";
  const char *d = t->hold.data;
  size_t n = t->hold.len;
  while (t->scan < n) {
    const char *e = memmem(d + t->scan, n - t->scan, es, sizeof es - 1);
    if (!e) {
      t->scan = n > sizeof es ? n - sizeof es : 0;
      if (t->scan < t->data_at)
        t->scan = t->data_at;
      return 0;
    }
    size_t at = (size_t)(e - d), k = at + sizeof es - 1;
    /* "M 0 obj\n   LEN\nendobj\n" */
    static const char mid[] = " 0 obj\n", fin[] = "\nendobj\n";
    unsigned long long m = 0, len = 0;
    size_t i = k;
    bool more = false, ok = false;
    while (i < n && d[i] >= '0' && d[i] <= '9' && i - k < 12)
      m = m * 10 + (unsigned)(d[i++] - '0');
    if (i == k) {
      more = i >= n;
    } else if (n - i < sizeof mid - 1) {
      more = !memcmp(d + i, mid, n - i);
    } else if (!memcmp(d + i, mid, sizeof mid - 1)) {
      i += sizeof mid - 1;
      while (i < n && d[i] == ' ')
        i++;
      size_t j = i;
      while (i < n && d[i] >= '0' && d[i] <= '9' && i - j < 20)
        len = len * 10 + (unsigned)(d[i++] - '0');
      if (i >= n)
        more = true;
      else if (i > j && n - i < sizeof fin - 1)
        more = !memcmp(d + i, fin, n - i);
      else if (i > j && !memcmp(d + i, fin, sizeof fin - 1))
        ok = true;
    }
    if (more) {
      t->scan = at; /* its length object is still arriving */
      return 0;
    }
    if (ok && m == (unsigned long long)t->len_obj && len == at - t->data_at) {
      t->data_end = at;
      return i + sizeof fin - 1;
    }
    t->scan = at + 1;
  }
  return 0;
}

static void feed(bs_pdftext *t, const unsigned char *data, size_t len)
{
  while (len) {
    if (t->mode == PASS) {
      bs_buf_put(&t->hold, (const char *)data, len);
      t->in_pos += (long long)len;
      len = 0;
      header hd;
      int found = header_at(&t->hold, &hd);
      if (found > 0) {
        /* write what precedes the object; the rest is the stream's, fed again below */
        out(t, t->hold.data, hd.obj);
        size_t at = hd.data, rest = t->hold.len - at;
        t->in_pos -= (long long)rest;
        unsigned char *again = bs_xmalloc(rest + 1);
        memcpy(again, t->hold.data + at, rest);
        memmove(t->hold.data, t->hold.data + hd.obj, at - hd.obj);
        t->hold.len = at - hd.obj;
        t->data_at = t->hold.len;
        if (hd.raw) {
          t->dict_at = hd.dict - hd.obj;
          t->scan = t->data_at;
          t->len_obj = hd.len_obj;
          t->raw_content = hd.content;
          t->mode = RAW;
        } else {
          bool ok;
          if (t->z_open) {
            ok = inflateReset(&t->z) == Z_OK;
          } else {
            memset(&t->z, 0, sizeof t->z);
            ok = t->z_open = inflateInit(&t->z) == Z_OK;
          }
          t->mode = ok ? DATA : PASS;
          if (!ok)
            t->failed = true;
        }
        feed(t, again, rest);
        free(again);
        return;
      }
      /* keep back a header's possible beginning */
      size_t from = found < 0 ? hd.obj : t->hold.len;
      out(t, t->hold.data, from);
      memmove(t->hold.data, t->hold.data + from, t->hold.len - from);
      t->hold.len -= from;
      return;
    }
    if (t->mode == RAW) {
      bs_buf_put(&t->hold, (const char *)data, len);
      t->in_pos += (long long)len;
      len = 0;
      size_t end = raw_end(t);
      if (!end)
        return;
      size_t rest = t->hold.len - end;
      t->in_pos -= (long long)rest;
      unsigned char *again = bs_xmalloc(rest + 1);
      memcpy(again, t->hold.data + end, rest);
      t->hold.len = end;
      finish_raw(t);
      feed(t, again, rest);
      free(again);
      return;
    }
    if (t->mode == DATA) {
      t->z.next_in = (Bytef *)data;
      t->z.avail_in = (uInt)len;
      int r = Z_OK;
      unsigned char tmp[16384];
      while (r == Z_OK && t->z.avail_in) {
        t->z.next_out = tmp;
        t->z.avail_out = sizeof tmp;
        r = inflate(&t->z, Z_NO_FLUSH);
        bs_buf_put(&t->plain, (const char *)tmp, sizeof tmp - t->z.avail_out);
        if (r == Z_BUF_ERROR && t->z.avail_out == 0)
          r = Z_OK;
      }
      while (r == Z_OK && t->z.avail_out == 0) { /* output pending without more input */
        t->z.next_out = tmp;
        t->z.avail_out = sizeof tmp;
        r = inflate(&t->z, Z_NO_FLUSH);
        bs_buf_put(&t->plain, (const char *)tmp, sizeof tmp - t->z.avail_out);
      }
      size_t used = len - t->z.avail_in;
      bs_buf_put(&t->hold, (const char *)data, used);
      t->in_pos += (long long)used;
      data += used;
      len -= used;
      if (r == Z_STREAM_END) {
        t->data_end = t->hold.len;
        t->mode = TAIL;
      } else if (r != Z_OK && r != Z_BUF_ERROR) {
        /* not deflate data after all: pass the object on as it is */
        out(t, t->hold.data, t->hold.len);
        bs_buf_clear(&t->hold);
        bs_buf_clear(&t->plain);
        t->mode = PASS;
      }
      continue;
    }
    /* TAIL: up to the length object's "endobj\n" */
    size_t k = 0;
    bool done = false;
    while (k < len && !done) {
      bs_buf_putc(&t->hold, (char)data[k++]);
      const char *h = t->hold.data + t->data_end;
      size_t n = t->hold.len - t->data_end;
      if (n >= 18 + 7 && !memcmp(t->hold.data + t->hold.len - 7, "endobj\n", 7) &&
          memmem(h + 18, n - 18, "endobj\n", 7) == t->hold.data + t->hold.len - 7)
        done = n > 18;
      if (n == 18 && memcmp(h, "\nendstream\nendobj\n", 18)) {
        /* not laid out as Cairo writes it: pass it on */
        t->in_pos += (long long)k;
        out(t, t->hold.data, t->hold.len);
        bs_buf_clear(&t->hold);
        bs_buf_clear(&t->plain);
        t->mode = PASS;
        data += k;
        len -= k;
        k = 0;
        break;
      }
    }
    if (t->mode != TAIL)
      continue;
    t->in_pos += (long long)k;
    data += k;
    len -= k;
    if (done)
      finish_object(t);
  }
}

/* Cairo's bytes, in order, through the filter to the file. */
static void take(bs_pdftext *t, const unsigned char *data, size_t len)
{
  if (!len) /* nothing gathered (data may be NULL then) */
    return;
  /* the file's last bytes, for startxref */
  if (len >= sizeof t->tail) {
    memcpy(t->tail, data + len - sizeof t->tail, sizeof t->tail);
    t->ntail = sizeof t->tail;
  } else {
    size_t drop = t->ntail + len > sizeof t->tail ? t->ntail + len - sizeof t->tail : 0;
    memmove(t->tail, t->tail + drop, t->ntail - drop);
    memcpy(t->tail + t->ntail - drop, data, len);
    t->ntail = t->ntail - drop + len;
  }
  feed(t, data, len);
}

bool bs_pdftext_write(bs_pdftext *t, const unsigned char *data, size_t len)
{
  if (t->threaded) { /* gathered into blocks for the writer */
    bool ok = true;
    while (len) {
      if (!t->open) {
        t->open = bs_xmalloc(sizeof *t->open + IN_MAX);
        t->open->next = NULL;
        t->open->len = 0;
      }
      size_t n = IN_MAX - t->open->len < len ? IN_MAX - t->open->len : len;
      memcpy(t->open->data + t->open->len, data, n);
      t->open->len += n;
      data += n;
      len -= n;
      if (t->open->len == IN_MAX)
        ok = hand_over(t) && ok;
    }
    return ok;
  }
  /* Cairo writes uncompressed contents a few bytes at a time: gathered here, so that the
   * filter's work goes by the kilobyte, not by the write */
  if (t->in.len + len > IN_MAX && t->in.len) {
    take(t, (const unsigned char *)t->in.data, t->in.len);
    bs_buf_clear(&t->in);
  }
  if (len >= IN_MAX)
    take(t, data, len);
  else
    bs_buf_put(&t->in, (const char *)data, len);
  return !t->failed;
}

/* The shifts are in file order: the last one at or before `off` applies (a binary search,
 * since a long book has thousands of shifts and a hundred thousand objects). */
static long long moved(const bs_pdftext *t, long long off)
{
  size_t lo = 0, hi = t->nshifts; /* shifts[0, lo) are at or before off, [hi, n) after */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->shifts[mid].from <= off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return off + (lo ? t->shifts[lo - 1].delta : 0);
}

bool bs_pdftext_finish(bs_pdftext *t, const char *path, size_t *unmatched)
{
  writer_end(t);
  take(t, (const unsigned char *)t->in.data, t->in.len);
  bs_buf_clear(&t->in);
  /* whatever is held back (never a whole object: Cairo ends with its trailer) */
  if (t->mode != PASS) {
    t->failed = true;
    return false;
  }
  out(t, t->hold.data, t->hold.len);
  bs_buf_clear(&t->hold);
  *unmatched = t->unmatched + (t->ntexts - t->head);
  if (fflush(t->f))
    t->failed = true;
  if (t->failed || !t->nshifts)
    return !t->failed;
  /* Cairo's cross-reference table, at the end of the file: one subsection of 20-byte entries;
   * rewritten in place (the entries keep their width), then startxref */
  char tail[sizeof t->tail + 1];
  memcpy(tail, t->tail, t->ntail);
  tail[t->ntail] = 0;
  const char *sx = strstr(tail, "startxref\n");
  if (!sx)
    return false;
  long long xref = atoll(sx + 10), nx = moved(t, xref);
  bs_buf b = BS_BUF_INIT;
  bool ok = false;
  long long end = t->out_pos;
  FILE *rd = path ? fopen(path, "rb") : t->f; /* the stream itself may be write-only */
  if (!rd || fseeko(rd, (off_t)nx, SEEK_SET))
    goto done;
  bs_buf_grow(&b, (size_t)(end - nx) + 1);
  b.len = fread(b.data, 1, (size_t)(end - nx), rd);
  if ((long long)b.len != end - nx || strncmp(b.data, "xref\n0 ", 7))
    goto done;
  b.data[b.len] = 0;
  int count = atoi(b.data + 7);
  char *e = strchr(b.data + 7, '\n');
  if (!e || count <= 0 || (size_t)(e + 1 - b.data) + (size_t)count * 20 > b.len)
    goto done;
  e++;
  for (int i = 0; i < count; i++) {
    char *ent = e + 20 * (size_t)i;
    if (ent[17] != 'n')
      continue;
    char num[16];
    snprintf(num, sizeof num, "%010lld", moved(t, atoll(ent)));
    memcpy(ent, num, 10);
  }
  char *s = strstr(e + 20 * (size_t)count, "startxref\n");
  if (!s)
    goto done;
  bs_buf nb = BS_BUF_INIT;
  bs_buf_put(&nb, b.data, (size_t)(s - b.data));
  bs_buf_printf(&nb, "startxref\n%lld\n%%%%EOF\n", nx);
  ok = !fseeko(t->f, (off_t)nx, SEEK_SET) && fwrite(nb.data, 1, nb.len, t->f) == nb.len &&
       !fflush(t->f);
  /* a shorter startxref number leaves a byte of the old one behind */
  if (ok && nx + (long long)nb.len < end)
    ok = !ftruncate(fileno(t->f), (off_t)(nx + (long long)nb.len));
  t->out_pos = nx + (long long)nb.len;
  bs_buf_free(&nb);
done:
  if (rd && rd != t->f)
    fclose(rd);
  bs_buf_free(&b);
  return ok;
}
