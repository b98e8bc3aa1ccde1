/* Spans over paragraph text: the list a paragraph's rubies and note marks are collected in
 * (bs_ts_ruby_list) while its text is, handed to the paragraph (bs_ts_ruby_take) and, after
 * shaping, mapped to the boxes they cover. Ruby (ruby.c) and notes (notes.c) use them. */
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

bs_ts_ruby *bs_ts_span_push(bs_ts_ruby_list *l, size_t start, size_t end)
{
  if (l->n == l->cap) {
    l->cap = l->cap * 2 + 8;
    l->v = bs_xrealloc(l->v, l->cap * sizeof *l->v);
  }
  bs_ts_ruby *r = &l->v[l->n++];
  memset(r, 0, sizeof *r);
  r->start = start;
  r->end = end;
  return r;
}

/* The first box starting at or after byte `off` (boxes are in text order). A binary search:
 * a paragraph with thousands of spans would otherwise be quadratic. */
static size_t box_at(const bs_ts_para *p, size_t off)
{
  size_t lo = 0, hi = p->nbox;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->box[mid].start < off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void bs_ts_span_boxes(const bs_ts_para *p, bs_ts_ruby *r)
{
  r->b0 = box_at(p, r->start);
  r->b1 = r->b0 < p->nbox && p->box[r->b0].start < r->end ? box_at(p, r->end) : r->b0;
}

void bs_ts_ruby_list_free(bs_ts_ruby_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i].text);
  free(l->v);
  memset(l, 0, sizeof *l);
}

void bs_ts_ruby_take(bs_ts_ruby_list *l, bs_ts_para *p, size_t a, size_t b)
{
  for (size_t i = 0; i < l->n; i++) {
    bs_ts_ruby *r = &l->v[i];
    size_t s = r->start < a ? a : r->start, e = r->end > b ? b : r->end;
    if (e <= s) {
      free(r->text);
      continue;
    }
    if ((p->nruby & (p->nruby - 1)) == 0) /* doubling at powers of two: thousands of spans */
      p->ruby = bs_xrealloc(p->ruby, (p->nruby ? 2 * p->nruby : 1) * sizeof *p->ruby);
    bs_ts_ruby *o = &p->ruby[p->nruby++];
    *o = *r;
    o->start = s - a;
    o->end = e - a;
  }
  free(l->v);
  memset(l, 0, sizeof *l);
}
