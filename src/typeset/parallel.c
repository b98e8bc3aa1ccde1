/* Chapters laid out in parallel (#7: `-j N` typesets chapters in parallel threads).
 *
 * Worker threads lay chapters out (shaping, line breaking: the costly part) each into a
 * context of its own, a copy of the book's that shares its faces (bs_ts_fonts, loaded under a
 * lock) but has its own HarfBuzz buffer, ICU breaker, half-width cache and warning log. At
 * most jobs + 1 chapters are in flight, so memory stays bounded by a few chapters (#4). This
 * thread takes them strictly in order: it replays the chapter's warnings, then paginates it
 * (a chapter's first page depends on the page count before it and the recto rule) and draws
 * it with the same code as the serial path, so the PDF is byte for byte the same whatever the
 * number of threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

typedef struct slot {
  bs_ts_ctx c;       /* the chapter's context */
  bs_ts_wlog log;
  size_t index;      /* the chapter it holds (of the present ones) */
  const bs_node *doc; /* lent by the source until drawn */
  bool done;         /* laid out: this thread may take it */
  bs_status st;
  bs_error err;
} slot;

typedef struct pool {
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  pthread_mutex_t src_mu; /* one get or put at a time (node.h) */
  const bs_ts_chapters *ch;
  size_t *idx;            /* the present chapters' indexes in the source */
  size_t ndocs, next, drawn, window;
  bool stop;
  slot *slots;
} pool;

static void *worker(void *arg)
{
  pool *p = arg;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->stop && p->next < p->ndocs && p->next >= p->drawn + p->window)
      pthread_cond_wait(&p->work, &p->mu);
    if (p->stop || p->next >= p->ndocs)
      break;
    size_t i = p->next++;
    /* the slot's previous chapter has been drawn and freed (i - window < drawn) */
    slot *s = &p->slots[i % p->window];
    s->index = i;
    pthread_mutex_unlock(&p->mu);
    /* fallback warnings: per chapter, given once per book on replay */
    memset(s->c.face_seen, 0, sizeof s->c.face_seen);
    bs_error_clear(&s->err);
    pthread_mutex_lock(&p->src_mu);
    s->st = bs_ts_chapter_get(p->ch, p->idx[i], &s->doc, &s->err);
    pthread_mutex_unlock(&p->src_mu);
    if (s->st == BS_OK && s->doc)
      s->st = bs_ts_chapter_layout(&s->c, s->doc, &s->err);
    pthread_mutex_lock(&p->mu);
    s->done = true;
    pthread_cond_broadcast(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* A context for one chapter at a time: the book's settings and shared state, its own
 * shaping, breaking and chapter state. */
static void slot_init(slot *s, const bs_ts_ctx *c)
{
  memset(s, 0, sizeof *s);
  s->c = *c;
  bs_ts_ctx *k = &s->c;
  k->bk_own = NULL; /* the book is the context's that made it */
  k->buf = hb_buffer_create();
  k->brk = NULL;
  memset(k->brks, 0, sizeof k->brks);
  k->nhalf = 0;
  k->lines_v = NULL;
  k->nlines = k->caplines = 0;
  k->pages = NULL;
  k->npages = 0;
  k->heads = NULL;
  k->nheads = k->capheads = 0;
  k->hrefs = NULL;
  k->nhrefs = 0;
  k->notes = NULL;
  k->nnotes = k->capnotes = 0;
  memset(k->face_seen, 0, sizeof k->face_seen);
  k->pango = NULL; /* Pango font maps are not thread-safe: one per context (itemize.c) */
  memset(k->hyph, 0, sizeof k->hyph);
  k->glyphs_seen = (bs_ts_missing){NULL, 0}; /* the book's (glyphs_missing) is shared */
  k->wlog = &s->log;
  k->head_in = NULL; /* the slot fits its own running heads (folio.c) */
  k->chapter_texts = k->front_texts = (bs_ts_texts){NULL, 0}; /* and shapes its own folios */
}

static void slot_free(slot *s)
{
  bs_ts_ctx *k = &s->c;
  bs_ts_chapter_free(k);
  free(k->lines_v);
  free(k->heads);
  free(k->hrefs);
  bs_ts_breakers_free(k);
  bs_ts_pango_free(k);
  bs_ts_hyphen_free(k);
  hb_buffer_destroy(k->buf);
  bs_ts_missing_free(&k->glyphs_seen);
  free(k->head_in);
  free(s->log.v);
}

/* Gives back the slot's chapter, if it holds one. */
static void slot_put(pool *p, slot *s)
{
  pthread_mutex_lock(&p->src_mu);
  bs_ts_chapter_put(p->ch, p->idx[s->index], s->doc);
  pthread_mutex_unlock(&p->src_mu);
  s->doc = NULL;
  s->c.doc = NULL;
}

bs_status bs_ts_layout_parallel(bs_ts_ctx *c, const bs_ts_chapters *ch, bs_ts_emit_fn emit,
                                void *user, bs_error *err)
{
  size_t ndocs = ch->n;
  int jobs = c->bk->opts->jobs;
  if (jobs <= 1 || ndocs < 2)
    return bs_ts_layout_chapters(c, ch, emit, user, err);
  if ((size_t)jobs > ndocs)
    jobs = (int)ndocs;
  c->page_base = 0;
  c->chapter = 0;
  c->book = true;
  c->recto = c->bk->opts->recto_chapters != 0;
  pool p;
  memset(&p, 0, sizeof p);
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.work, NULL);
  pthread_cond_init(&p.done, NULL);
  pthread_mutex_init(&p.src_mu, NULL);
  p.ch = ch;
  p.ndocs = ndocs;
  p.idx = bs_xmalloc(ndocs * sizeof *p.idx);
  size_t n = 0;
  for (size_t i = 0; i < ch->src->count && n < ndocs; i++)
    if (!ch->present || ch->present[i])
      p.idx[n++] = i;
  p.window = (size_t)jobs + 1;
  if (p.window > ndocs)
    p.window = ndocs;
  p.slots = bs_xcalloc(p.window, sizeof *p.slots);
  for (size_t i = 0; i < p.window; i++)
    slot_init(&p.slots[i], c);
  pthread_t *th = bs_xcalloc((size_t)jobs, sizeof *th);
  int started = 0;
  for (; started < jobs; started++)
    if (pthread_create(&th[started], NULL, worker, &p))
      break;
  bs_status st = BS_OK;
  if (!started) /* no thread: this one lays out too */
    st = bs_ts_layout_chapters(c, ch, emit, user, err);
  else
    bs_ts_progress(c, 0, ndocs);
  for (size_t i = 0; started && i < ndocs && st == BS_OK; i++) {
    slot *s = &p.slots[i % p.window];
    pthread_mutex_lock(&p.mu);
    while (!(s->done && s->index == i))
      pthread_cond_wait(&p.done, &p.mu);
    pthread_mutex_unlock(&p.mu);
    bs_ts_ctx *k = &s->c;
    k->wlog = NULL; /* drawing: warnings go straight to the callback */
    bs_ts_wlog_replay(k, &s->log);
    if (s->st != BS_OK) {
      st = s->st;
      if (err)
        *err = s->err;
    }
    /* what pagination and drawing take from the chapters before */
    k->page_base = c->page_base;
    k->chapter = c->chapter;
    k->in_part = c->in_part;
    if (st == BS_OK)
      st = bs_ts_chapter_emit(k, emit, user, i + 1 == ndocs, err);
    else
      bs_ts_chapter_free(k);
    c->page_base = k->page_base;
    c->chapter = k->chapter;
    c->in_part = c->in_part || bs_ts_is_divider(s->doc);
    slot_put(&p, s);
    if (i + 1 == ndocs) {
      /* the contents are drawn after the last chapter, with its language's face (as the
       * serial path leaves it) */
      memcpy(c->doc_lang, k->doc_lang, sizeof c->doc_lang);
      c->region = k->region;
      c->indent_em = k->indent_em;
    }
    k->wlog = &s->log;
    if (st == BS_OK)
      bs_ts_progress(c, i + 1, ndocs);
    pthread_mutex_lock(&p.mu);
    s->done = false;
    p.drawn = i + 1;
    if (st != BS_OK)
      p.stop = true;
    pthread_cond_broadcast(&p.work);
    pthread_mutex_unlock(&p.mu);
  }
  pthread_mutex_lock(&p.mu);
  p.stop = true;
  pthread_cond_broadcast(&p.work);
  pthread_mutex_unlock(&p.mu);
  for (int i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  free(th);
  for (size_t i = 0; i < p.window; i++) {
    if (p.slots[i].doc) /* laid out, not drawn: the book stopped */
      slot_put(&p, &p.slots[i]);
    slot_free(&p.slots[i]);
  }
  free(p.slots);
  free(p.idx);
  pthread_mutex_destroy(&p.src_mu);
  pthread_cond_destroy(&p.work);
  pthread_cond_destroy(&p.done);
  pthread_mutex_destroy(&p.mu);
  return st;
}
