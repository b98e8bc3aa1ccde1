/* Chapters laid out in parallel (#7: `-j N` typesets chapters in parallel threads).
 *
 * Worker threads lay chapters out (shaping, line breaking) each with a shaper of its own
 * (bs_ts_shaper: Pango font map, ICU breakers, hyphenation dictionaries, HarfBuzz buffer),
 * kept from chapter to chapter, into a slot that holds nothing but the chapter's state and its
 * warning log; the faces are the book's (bs_ts_fonts, loaded under a lock). At most
 * jobs + 1 chapters are in flight, so memory stays bounded by a few chapters (#4). This
 * thread takes them strictly in order: it replays the chapter's warnings, then paginates it
 * (a chapter's first page depends on the page count before it and the recto rule) and draws
 * it with the same code as the serial path, so the PDF is byte for byte the same whatever the
 * number of threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

typedef struct slot {
  bs_ts_ctx c;       /* the chapter's state (bs_ts_ctx_chapter); shaper and run lent */
  bs_ts_wlog log;
  size_t index;      /* the chapter it holds (of the present ones) */
  const bs_node *doc; /* lent by the source until drawn */
  bool done;         /* laid out: this thread may take it */
  bs_status st;
  bs_error err;
} slot;

typedef struct pool {
  const bs_ts_book *bk;
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  pthread_mutex_t src_mu; /* one get or put at a time (node.h) */
  const bs_ts_chapters *ch;
  size_t *idx;            /* the present chapters' indexes in the source */
  size_t ndocs, next, drawn, window;
  bool stop;
  slot *slots;
} pool;

/* Lays out the next chapter into its slot; called and returns with p->mu held. */
static void lay_out_next(pool *p, bs_ts_shaper *sh)
{
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
  s->c.sh = sh;
  if (s->st == BS_OK && s->doc)
    s->st = bs_ts_chapter_layout(&s->c, s->doc, &s->err);
  s->c.sh = NULL;
  pthread_mutex_lock(&p->mu);
  s->done = true;
  pthread_cond_broadcast(&p->done);
}

static void *worker(void *arg)
{
  pool *p = arg;
  bs_ts_shaper *sh = bs_ts_shaper_new(); /* this thread's, for all its chapters */
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->stop && p->next < p->ndocs && p->next >= p->drawn + p->window)
      pthread_cond_wait(&p->work, &p->mu);
    if (p->stop || p->next >= p->ndocs)
      break;
    lay_out_next(p, sh);
    /* the book subsets of the faces this chapter loaded, before the drawing needs them */
    pthread_mutex_unlock(&p->mu);
    bs_ts_fonts_presubset(p->bk);
    pthread_mutex_lock(&p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  bs_ts_shaper_free(sh);
  return NULL;
}

/* The layout threads allowed now: up to `jobs` when the program says nothing. Given a share
 * (several outputs built at once, each in its process: #19), the drawing thread is one of the
 * share's cores: with one core it lays out every chapter itself, as -j 1 does, with no second
 * shaper to warm up and no thread to hand chapters to; left the whole of -j 2 by the output
 * that finished first, it takes one layout thread, not two: the drawing, which cannot be
 * shared, is most of what is left, and a second thread only warms up a shaper to wait. */
static int layout_threads_now(int jobs)
{
  int n = bs_ts_cores_now(jobs);
  return n > 1 ? n - 1 : 0;
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
  c->run->page_base = 0;
  c->recto = c->bk->opts->recto_chapters != 0;
  pool p;
  memset(&p, 0, sizeof p);
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.work, NULL);
  pthread_cond_init(&p.done, NULL);
  pthread_mutex_init(&p.src_mu, NULL);
  p.ch = ch;
  p.bk = c->bk;
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
  for (size_t i = 0; i < p.window; i++) {
    bs_ts_ctx_chapter(&p.slots[i].c, c);
    p.slots[i].c.wlog = &p.slots[i].log;
  }
  /* A layout thread to begin with, another (up to jobs) each time the drawing waits for a
   * chapter no thread has begun: drawing is most of a PDF's work, and each layout thread
   * costs a shaper's warm-up (its Pango map sorts the fonts again) and a core the drawing
   * shares. While the program allows none (layout_threads_now), this thread lays out the
   * chapters it needs itself, as the serial path does, and starts layout threads once it may. */
  pthread_t *th = bs_xcalloc((size_t)jobs, sizeof *th);
  int started = 0;
  bs_status st = BS_OK;
  bs_ts_progress(c, 0, ndocs);
  for (size_t i = 0; i < ndocs && st == BS_OK; i++) {
    slot *s = &p.slots[i % p.window];
    pthread_mutex_lock(&p.mu);
    if (!(s->done && s->index == i) && p.next <= i + 1 && started < layout_threads_now(jobs) &&
        (started == 0 || i > 0) && !pthread_create(&th[started], NULL, worker, &p))
      started++;
    if (p.next == i && started == 0) /* no thread: this one lays it out */
      lay_out_next(&p, c->sh);
    while (!(s->done && s->index == i))
      pthread_cond_wait(&p.done, &p.mu);
    pthread_mutex_unlock(&p.mu);
    bs_ts_ctx *k = &s->c;
    /* drawing: warnings go straight to the callback; the book's run and this thread's
     * shaper (folios, running heads) are lent to the chapter */
    k->wlog = NULL;
    k->run = c->run;
    bs_ts_wlog_replay(k, &s->log);
    if (s->st != BS_OK) {
      st = s->st;
      if (err)
        *err = s->err;
    }
    if (st == BS_OK)
      st = bs_ts_use_shaper(k, c->sh, err);
    if (st == BS_OK)
      st = bs_ts_chapter_emit(k, emit, user, i + 1 == ndocs, err);
    else
      bs_ts_chapter_free(k);
    c->run->in_part = c->run->in_part || bs_ts_is_divider(s->doc);
    slot_put(&p, s);
    if (i + 1 == ndocs) {
      /* the contents are drawn after the last chapter, with its language's face (as the
       * serial path leaves it) */
      memcpy(c->doc_lang, k->doc_lang, sizeof c->doc_lang);
      c->region = k->region;
      c->indent_em = k->indent_em;
    }
    k->wlog = &s->log;
    k->run = NULL;
    k->sh = NULL;
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
    bs_ts_ctx_free(&p.slots[i].c);
    free(p.slots[i].log.v);
  }
  free(p.slots);
  free(p.idx);
  pthread_mutex_destroy(&p.src_mu);
  pthread_cond_destroy(&p.work);
  pthread_cond_destroy(&p.done);
  pthread_mutex_destroy(&p.mu);
  return st;
}
