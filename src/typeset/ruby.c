/* Ruby (ルビ, 注音): a half-size annotation centred over its base (horizontal) or right of
 * it (vertical). The base is one unbreakable unit; an annotation longer than its base may
 * overhang a neighbour by one annotation character only where that neighbour is kana or
 * punctuation, else the base gets the missing room on both sides (JLREQ §3.3). A shorter
 * annotation is spread over its base 1:2:1. Annotation runs follow the line's own runs, so
 * the base text stays contiguous in the PDF's text order. */
#include <math.h>
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

void bs_ts_ruby_add(bs_ts_ruby_list *l, size_t start, size_t end, const char *ann)
{
  if (!ann || !*ann || end <= start)
    return;
  bs_ts_span_push(l, start, end)->text = bs_xstrdup(ann);
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

void bs_ts_ruby_free(bs_ts_para *p)
{
  for (size_t i = 0; i < p->nruby; i++) {
    free(p->ruby[i].text);
    free(p->ruby[i].g);
  }
  free(p->ruby);
  p->ruby = NULL;
  p->nruby = 0;
}

/* May an annotation overhang box k? Only kana and punctuation outside another base (or a
 * note's span: `in_base` marks both, made once per paragraph). */
static bool overhang_ok(const bs_ts_para *p, const bool *in_base, size_t k)
{
  const bs_ts_box *b = &p->box[k];
  if (!b->cjk || in_base[k])
    return false;
  uint32_t cp = 0;
  bs_utf8_decode(p->text + b->start, p->len - b->start, &cp);
  if (bs_is_kana(cp) && cp != 0x30FC)
    return true;
  return b->cls != BS_CL_IDEO && b->cls != BS_CL_LATIN && b->cls != BS_CL_ITER;
}

void bs_ts_ruby_shape(bs_ts_ctx *c, bs_ts_para *p)
{
  if (!p->nruby)
    return;
  bool *in_base = bs_xcalloc(p->nbox + 1, sizeof *in_base);
  bool ordered = true;
  size_t reach = 0;
  for (size_t ri = 0; ri < p->nruby; ri++) {
    bs_ts_ruby *sp = &p->ruby[ri];
    bs_ts_span_boxes(p, sp);
    for (size_t k = sp->b0; k < sp->b1; k++)
      in_base[k] = true;
    ordered = ordered && (ri == 0 || sp->b0 >= p->ruby[ri - 1].b0);
    reach = sp->b1 > reach ? sp->b1 : reach;
    sp->reach = reach;
  }
  for (size_t ri = 0; !ordered && ri < p->nruby; ri++)
    p->ruby[ri].reach = SIZE_MAX;
  for (size_t ri = 0; ri < p->nruby; ri++) {
    bs_ts_ruby *r = &p->ruby[ri];
    if (r->note) {
      bs_ts_note_shape(c, p, r);
      continue;
    }
    r->id = ++c->ruby_counter;
    bs_ts_span_boxes(p, r);
    size_t b0 = r->b0, b1 = r->b1;
    if (b0 == b1)
      continue;
    double base = 0;
    for (size_t k = b0; k < b1; k++) {
      bs_ts_box *b = &p->box[k];
      if (k > b0 && !b->forced)
        b->brk = false; /* the base never splits across lines */
      if (b->halved) {
        b->halved = false;
        b->adv = b->full_adv;
      }
      b->can_halve = false;
      b->ruby = (int)ri + 1;
      base += b->adv + (k > b0 && b->glue != BS_GLUE_NONE ? b->glue_w : 0);
    }
    r->face = p->box[b0].face;
    r->size = p->size / 2;
    bs_ts_shape_simple(c, r->face, r->text, strlen(r->text), c->vertical, "ruby", &r->g, &r->ng);
    double k = r->size / c->size;
    r->w = 0;
    for (size_t i = 0; i < r->ng; i++) {
      r->g[i].dx *= k;
      r->g[i].dy *= k;
      r->g[i].adv *= k;
      r->w += r->g[i].adv;
    }
    if (r->w <= base + BS_TS_EPS)
      continue;
    double half = (r->w - base) / 2;
    double al = b0 > 0 && overhang_ok(p, in_base, b0 - 1) ? r->size : 0;
    double ar = b1 < p->nbox && overhang_ok(p, in_base, b1) ? r->size : 0;
    double lead = fmax(0, half - al), trail = fmax(0, half - ar);
    p->box[b0].lead = lead;
    p->box[b0].adv += lead;
    p->box[b0].full_adv += lead;
    p->box[b1 - 1].adv += trail;
    p->box[b1 - 1].full_adv += trail;
    r->trail = trail;
  }
  free(in_base);
}

static bool cjk_text(const char *s)
{
  uint32_t cp = 0;
  bs_utf8_decode(s, strlen(s), &cp);
  return bs_is_cjk(cp) || (cp >= 0x3100 && cp <= 0x312F);
}

void bs_ts_ruby_place(bs_ts_ctx *c, const bs_ts_para *p, size_t s, size_t e, double start,
                      bs_ts_line *ln)
{
  /* only spans with boxes in [s, e) matter: in b0 order the first is found by its reach and
   * the last is the one before b0 passes e (a paragraph of 30,000 rubies over 5,000 lines was
   * quadratic) */
  bool ordered = p->nruby && p->ruby[0].reach != SIZE_MAX;
  size_t first = 0, last = ordered ? p->nruby : 0;
  while (first < last) {
    size_t mid = first + (last - first) / 2;
    if (p->ruby[mid].reach <= s)
      first = mid + 1;
    else
      last = mid;
  }
  for (size_t ri = first; ri < p->nruby; ri++) {
    const bs_ts_ruby *r = &p->ruby[ri];
    if (ordered && r->b0 >= e)
      break;
    if (r->note) {
      bs_ts_note_place(c, p, r, s, e, ln);
      continue;
    }
    /* base runs name their ruby on whatever line they land (a split would show in the dump) */
    for (size_t k = r->b0 > s ? r->b0 : s; k < r->b1 && k < e && k - s < ln->nruns; k++)
      ln->runs[k - s].rb = r->id;
    if (r->b0 >= r->b1 || r->b0 < s || r->b0 >= e || !r->ng)
      continue;
    size_t be = r->b1 < e ? r->b1 : e;
    const bs_ts_box *f = &p->box[r->b0], *l = &p->box[be - 1];
    double lo = start + f->pos + f->lead;
    double hi = start + l->pos + l->adv - (be == r->b1 ? r->trail : 0);
    double len = hi - lo, u = 0, pos = (lo + hi) / 2 - r->w / 2;
    if (r->w < len - BS_TS_EPS && r->ng >= 2 && cjk_text(r->text)) {
      u = (len - r->w) / (2 * (double)r->ng); /* 1:2:1 */
      pos = lo + u;
    }
    /* never out of the type area at a line edge */
    if (pos + r->w > ln->measure)
      pos = ln->measure - r->w;
    if (pos < 0)
      pos = 0;
    ln->runs = bs_xrealloc(ln->runs, (ln->nruns + 1) * sizeof *ln->runs);
    bs_ts_prun *o = &ln->runs[ln->nruns++];
    memset(o, 0, sizeof *o);
    o->face = r->face;
    o->size = r->size;
    o->orient = BS_OR_UPRIGHT;
    o->len = strlen(r->text);
    o->text = bs_xstrndup(r->text, o->len);
    o->ng = r->ng;
    o->g = bs_xcalloc(r->ng, sizeof *o->g);
    o->ruby = r->id;
    o->p0 = r->start; /* the base's bytes: an annotation belongs to a link its base is in */
    if (c->vertical) /* right of the column: its axis half an annotation em beyond the base */
      cairo_matrix_init_translate(&o->m, p->size / 2 + r->size / 2, 0);
    else /* over the line: the annotation's em box sits on the base's */
      cairo_matrix_init_translate(&o->m, 0, -(1 - BS_TS_ASCENT) * r->size);
    for (size_t i = 0; i < r->ng; i++) {
      const bs_ts_glyph *g = &r->g[i];
      bs_ts_pglyph *q = &o->g[i];
      q->gid = g->gid;
      if (c->vertical) {
        q->x = g->dx;
        q->y = pos - g->dy;
      } else {
        q->x = pos + g->dx;
        q->y = -g->dy;
      }
      q->p = pos;
      q->adv = g->adv;
      q->c0 = g->cluster;
      q->c1 = i + 1 < r->ng ? r->g[i + 1].cluster : (uint32_t)o->len;
      if (q->c1 < q->c0)
        q->c1 = q->c0;
      pos += g->adv + 2 * u;
    }
  }
}
