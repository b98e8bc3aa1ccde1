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

void bs_ts_ruby_add(bs_ts_ruby_list *l, size_t start, size_t end, const char *ann)
{
  if (!ann || !*ann || end <= start)
    return;
  bs_ts_span_push(l, start, end)->text = bs_xstrdup(ann);
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

/* Room for an annotation `w` long over bases [fb, lb] `base` long: it may overhang a kana or
 * punctuation neighbour by one annotation character (al, ar), else the base gets the missing
 * room at that side. A base that starts or ends a line has no neighbour there: the rest of the
 * room is kept in edge_lead/edge_trail, given by the line (break.c). */
static void widen(bs_ts_para *p, const bool *in_base, bs_ts_ruby *r, size_t fb, size_t lb,
                  double w, double base)
{
  r->al = fb > 0 && overhang_ok(p, in_base, fb - 1) ? r->size : 0;
  r->ar = lb + 1 < p->nbox && overhang_ok(p, in_base, lb + 1) ? r->size : 0;
  if (w <= base + BS_TS_EPS)
    return;
  double half = (w - base) / 2;
  double lead = fmax(0, half - r->al), trail = fmax(0, half - r->ar);
  p->box[fb].lead = lead;
  p->box[fb].adv += lead;
  p->box[fb].full_adv += lead;
  p->box[fb].edge_lead = half - lead;
  p->box[lb].adv += trail;
  p->box[lb].full_adv += trail;
  p->box[lb].edge_trail = half - trail;
  r->trail = trail;
}

void bs_ts_ruby_shape(bs_ts_ctx *c, bs_ts_para *p)
{
  if (!p->nruby)
    return;
  bool *in_base = bs_xcalloc(p->nbox + 1, sizeof *in_base);
  double *basew = bs_xcalloc(p->nruby, sizeof *basew);
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
    basew[ri] = base;
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
  }
  /* jukugo ruby (JLREQ §3.3.6): readings given one per character of a word (｜東《とう》｜京
   * 《きょう》, <ruby>東<rt>とう</rt>京<rt>きょう</rt></ruby>) stay over their own characters;
   * where one is longer than its character it moves over its neighbours' spare room, and only
   * the word as a whole gets room at its ends, never a gap inside it. Such a word is one unit
   * for line breaking. */
  for (size_t ri = 0; ri < p->nruby;) {
    bs_ts_ruby *r = &p->ruby[ri];
    if (r->note || r->b0 == r->b1 || !r->ng) {
      ri++;
      continue;
    }
    size_t rj = ri + 1;
    bool longer = r->w > basew[ri] + BS_TS_EPS;
    while (rj < p->nruby && !p->ruby[rj].note && p->ruby[rj].ng &&
           p->ruby[rj].b0 == p->ruby[rj - 1].b1 && p->ruby[rj].b1 == p->ruby[rj].b0 + 1 &&
           r->b1 == r->b0 + 1 && !p->box[p->ruby[rj].b0].forced) {
      longer = longer || p->ruby[rj].w > basew[rj] + BS_TS_EPS;
      rj++;
    }
    if (rj - ri >= 2 && longer) {
      double base = 0, w = 0;
      for (size_t m = ri; m < rj; m++) {
        bs_ts_ruby *q = &p->ruby[m];
        q->jk0 = ri;
        q->jk1 = rj;
        base += basew[m];
        w += q->w;
        if (m > ri) { /* one unit, set solid: justification adds nothing inside the word */
          bs_ts_box *b = &p->box[q->b0];
          b->brk = false;
          base += b->glue != BS_GLUE_NONE ? b->glue_w : 0;
          if (b->glue == BS_GLUE_CHAR && b->glue_w < BS_TS_EPS)
            b->glue = BS_GLUE_NONE;
        }
      }
      widen(p, in_base, &p->ruby[rj - 1], p->ruby[ri].b0, p->ruby[rj - 1].b1 - 1, w, base);
      for (size_t m = ri; m + 1 < rj; m++) {
        p->ruby[m].al = p->ruby[rj - 1].al;
        p->ruby[m].ar = p->ruby[rj - 1].ar;
      }
    } else {
      for (size_t m = ri; m < rj; m++)
        widen(p, in_base, &p->ruby[m], p->ruby[m].b0, p->ruby[m].b1 - 1, p->ruby[m].w, basew[m]);
    }
    ri = rj;
  }
  free(basew);
  free(in_base);
}

static bool cjk_text(const char *s)
{
  uint32_t cp = 0;
  bs_utf8_decode(s, strlen(s), &cp);
  return bs_is_cjk(cp) || (cp >= 0x3100 && cp <= 0x312F);
}

/* Appends the annotation run of ruby r at inline position `pos`, its characters `u` apart
 * beyond their advances (twice u between them: 1:2:1). */
static void add_annotation(bs_ts_ctx *c, const bs_ts_para *p, const bs_ts_ruby *r, double pos,
                           double u, bs_ts_line *ln)
{
  /* never out of the type area at a line edge */
  double len = r->w + 2 * u * (double)(r->ng ? r->ng - 1 : 0);
  if (pos + len > ln->measure)
    pos = ln->measure - len;
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

/* The base of ruby r on its line, from the line's start edge: its glyphs without the room
 * added before and after them. */
static void base_span(const bs_ts_para *p, const bs_ts_ruby *r, size_t e, double start,
                      double *lo, double *hi)
{
  size_t be = r->b1 < e ? r->b1 : e;
  const bs_ts_box *f = &p->box[r->b0], *l = &p->box[be - 1];
  *lo = start + f->pos + f->lead;
  *hi = start + l->pos + l->adv - (be == r->b1 ? r->trail + l->trail_x : 0);
}

/* A jukugo's readings [k0, k1) on the line [s, e): each centred on its character as far as
 * the readings beside it allow, none overlapping, all within the word's room and the
 * overhang its neighbours on this line allow. */
static void place_jukugo(bs_ts_ctx *c, const bs_ts_para *p, size_t k0, size_t k1, size_t s,
                         size_t e, double start, bs_ts_line *ln)
{
  size_t n = k1 - k0;
  double *x = bs_xmalloc(n * sizeof *x);
  const bs_ts_ruby *f = &p->ruby[k0], *l = &p->ruby[k1 - 1];
  double glo, ghi, tmp;
  base_span(p, f, e, start, &glo, &tmp);
  base_span(p, l, e, start, &tmp, &ghi);
  double lo = glo - p->box[f->b0].lead - (f->b0 > s ? f->al : 0);
  double hi = ghi + l->trail + p->box[l->b1 - 1].trail_x + (l->b1 < e ? l->ar : 0);
  lo = fmax(lo, 0);
  hi = fmin(hi, ln->measure);
  for (size_t m = 0; m < n; m++) {
    double a, b;
    base_span(p, &p->ruby[k0 + m], e, start, &a, &b);
    x[m] = (a + b) / 2 - p->ruby[k0 + m].w / 2;
  }
  for (int pass = 0; pass < 2; pass++) { /* after the one before; then back from the end */
    for (size_t m = 0; m < n; m++)
      x[m] = fmax(x[m], m ? x[m - 1] + p->ruby[k0 + m - 1].w : lo);
    if (pass)
      break;
    for (size_t m = n; m-- > 0;)
      x[m] = fmin(x[m], m + 1 < n ? x[m + 1] - p->ruby[k0 + m].w : hi - p->ruby[k0 + m].w);
  }
  /* readings pushed together share their displacement: a run of touching readings moves
   * back by its mean offset from their characters, within the room (とう|きょう over 東京:
   * both ⅛ em off rather than one ¼ em) */
  for (size_t a = 0; a < n;) {
    size_t b = a + 1;
    while (b < n && fabs(x[b] - (x[b - 1] + p->ruby[k0 + b - 1].w)) < BS_TS_EPS)
      b++;
    double off = 0;
    for (size_t m = a; m < b; m++) {
      double ca, cb;
      base_span(p, &p->ruby[k0 + m], e, start, &ca, &cb);
      off += x[m] - ((ca + cb) / 2 - p->ruby[k0 + m].w / 2);
    }
    off /= (double)(b - a);
    double room_lo = (a ? x[a - 1] + p->ruby[k0 + a - 1].w : lo) - x[a];
    double room_hi = (b < n ? x[b] : hi) - (x[b - 1] + p->ruby[k0 + b - 1].w);
    double sh = fmin(fmax(-off, room_lo), room_hi);
    for (size_t m = a; m < b; m++)
      x[m] += sh;
    a = b;
  }
  for (size_t m = 0; m < n; m++)
    add_annotation(c, p, &p->ruby[k0 + m], x[m], 0, ln);
  free(x);
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
    if (r->jk1) { /* a jukugo is one unit: placed whole with its first reading */
      if (ri == r->jk0)
        place_jukugo(c, p, r->jk0, r->jk1, s, e, start, ln);
      continue;
    }
    double lo, hi;
    base_span(p, r, e, start, &lo, &hi);
    double len = hi - lo, u = 0, pos = (lo + hi) / 2 - r->w / 2;
    if (r->w < len - BS_TS_EPS && r->ng >= 2 && cjk_text(r->text)) {
      u = (len - r->w) / (2 * (double)r->ng); /* 1:2:1 */
      pos = lo + u;
    }
    add_annotation(c, p, r, pos, u, ln);
  }
}
