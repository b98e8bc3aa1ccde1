/* Line fitting (K1–K7) and CJK justification (K8), then placement of each line's glyphs in
 * the line's own frame: inline axis = +x (horizontal) or +y (vertical), origin at the line's
 * start edge; cross origin at the em-box top (horizontal) or the column axis (vertical). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

static bool is_punct(bs_ts_class c)
{
  return c != BS_CL_IDEO && c != BS_CL_LATIN && c != BS_CL_SMALL && c != BS_CL_ITER;
}

static double glue_of(const bs_ts_box *b) { return b->glue == BS_GLUE_NONE ? 0 : b->glue_w; }

static void set_halved(bs_ts_box *b, bool on)
{
  b->halved = on;
  b->adv = on ? b->half.adv : b->full_adv;
}

/* Natural length of boxes [s, e) from the line start. */
static double natural(const bs_ts_para *p, size_t s, size_t e)
{
  double w = 0;
  for (size_t i = s; i < e; i++)
    w += p->box[i].adv + (i > s ? glue_of(&p->box[i]) : 0);
  return w;
}

/* Room the rubies at the edges of a line [s, e) need beyond their bases' advances: their
 * overhang onto a neighbour is lost when the neighbour is on another line (ruby.c). */
static double edge_extra(const bs_ts_para *p, size_t s, size_t e)
{
  return p->box[s].edge_lead + (e > s && e < p->nbox ? p->box[e - 1].edge_trail : 0);
}

/* How much [s, e) can shrink (K7 push-in budget): line-end punctuation and other full-width
 * punctuation to ½ em, word spaces to ¼ em, CJK–Latin spacing to ⅛ em. */
static double shrinkable(const bs_ts_para *p, size_t s, size_t e)
{
  double w = 0;
  for (size_t i = s; i < e; i++) {
    const bs_ts_box *b = &p->box[i];
    if (b->can_halve && !b->halved && !(i == s && b->cls == BS_CL_OPEN))
      w += b->full_adv - b->half.adv;
    if (i > s && (b->glue == BS_GLUE_WORD || b->glue == BS_GLUE_AUTO))
      w += b->glue_w - b->glue_min;
  }
  return w;
}

/* The CJK–Latin spacing before box i sits beside a number or a designation with digits
 * (2025, B-2, 3.0%) (S1: kept at ¼ em while the line has other gaps to take its slack, so
 * that 2025 年 8 月 stays tight). */
static bool auto_beside_digit(const bs_ts_para *p, size_t i)
{
  const bs_ts_box *w = p->box[i - 1].cls == BS_CL_LATIN ? &p->box[i - 1] : &p->box[i];
  for (size_t k = w->start; k < w->end; k++)
    if (p->text[k] >= '0' && p->text[k] <= '9')
      return true;
  return false;
}

/* G1: a line of whole cells only (ideographs, kana, full-width marks, TCY, emoji; nothing
 * halved, no Latin spacing, no base widened by its ruby), whose slack is then whole ems too. */
static bool grid_line(const bs_ts_para *p, size_t s, size_t e)
{
  double em = p->size;
  for (size_t i = s; i < e; i++) {
    const bs_ts_box *b = &p->box[i];
    if (b->orient == BS_OR_SIDEWAYS || b->halved || b->lead > BS_TS_EPS || b->hyph_end ||
        (i > s && glue_of(b) > BS_TS_EPS))
      return false;
    double k = b->adv / em;
    if (fabs(k - round(k)) * em > BS_TS_EPS)
      return false;
  }
  return true;
}

/* How good a place the gap before box i is for a whole em of slack on a grid line (G1): after
 * a sentence's end (。！？, with its closing brackets), after a pause (，、；：), at a bracket;
 * 0: never (before a mark that cannot start a line, after an opener, inside —— or ……). */
static int pause_rank(const bs_ts_para *p, size_t s, size_t i)
{
  const bs_ts_box *a = &p->box[i - 1], *b = &p->box[i];
  switch (b->cls) {
  case BS_CL_CLOSE: case BS_CL_STOP: case BS_CL_COLON: case BS_CL_DIVIDE: case BS_CL_MIDDOT:
  case BS_CL_DASH: case BS_CL_ELLIPSIS: case BS_CL_CONNECT: case BS_CL_POSTFIX:
  case BS_CL_SMALL: case BS_CL_ITER:
    return 0;
  default:
    break;
  }
  if (a->cls == BS_CL_OPEN || a->cls == BS_CL_PREFIX)
    return 0;
  size_t k = i - 1;
  while (k > s && p->box[k].cls == BS_CL_CLOSE)
    k--; /* 。」 ends its sentence at the 」 */
  uint32_t cp = 0;
  bs_utf8_decode(p->text + p->box[k].start, p->len - p->box[k].start, &cp);
  if (cp == 0x3002 || cp == 0xFF0E || cp == 0xFF01 || cp == 0xFF1F || cp == '!' || cp == '?')
    return 3;
  if (p->box[k].cls == BS_CL_STOP || p->box[k].cls == BS_CL_COLON)
    return 2;
  if (a->cls == BS_CL_CLOSE || b->cls == BS_CL_OPEN)
    return 1;
  return 0;
}

/* A likely word start before box i in Japanese: a kana or kanji after hiragana (the end of a
 * particle or okurigana: の|胸, は|インターネット), where an em of slack parts the least. */
static bool word_start(const bs_ts_para *p, size_t i)
{
  uint32_t a = 0, b = 0;
  size_t k = p->box[i - 1].end;
  do
    k--;
  while (k > p->box[i - 1].start && (p->text[k] & 0xC0) == 0x80);
  bs_utf8_decode(p->text + k, p->len - k, &a);
  bs_utf8_decode(p->text + p->box[i].start, p->len - p->box[i].start, &b);
  return a >= 0x3041 && a <= 0x3096 && (bs_is_han(b) || (b >= 0x30A1 && b <= 0x30FA));
}

/* G1 for a pushed-out line of whole cells (K7 push-out, K9 pull-down; K8 fills it): its slack
 * of whole ems goes, an em at a time, to the line's pauses, the last sentence end first, so
 * that every character stays in its grid cell beside the neighbouring lines (an even spread
 * drifted up to ½ em off them). Ems beyond the pauses go to gaps where the line could break
 * (never before a mark that cannot start a line, after an opener, inside a K3 pair, a ruby
 * word or a Latin word), one each, spread evenly through the line, a Japanese word start
 * preferred; never two ems in one place. False when even that leaves ems without a place. */
static bool grid_fill(bs_ts_para *p, size_t s, size_t e, double d, bs_ts_line *ln)
{
  double em = p->size;
  double k = round(d / em);
  if (k < 1 || fabs(d - k * em) > BS_TS_EPS || k > 8 || !grid_line(p, s, e))
    return false;
  int best = 0, places = 0, gaps = 0;
  for (size_t i = s + 1; i < e; i++) {
    int r = pause_rank(p, s, i);
    best = r > best ? r : best;
    places += r > 0;
    gaps += r == 0 && p->box[i].brk && !p->box[i].hyph_brk;
  }
  if (places + gaps < k)
    return false; /* the line is spread evenly instead */
  /* the last places of the best rank take an em each; a rank lower fills in if too few */
  for (int r = best; r >= 1 && k > 0; r--)
    for (size_t i = e; i-- > s + 1 && k > 0;)
      if (pause_rank(p, s, i) == r) {
        p->box[i].gap += em;
        ln->adj_char += em;
        k--;
      }
  /* the rest: the j-th of n ems near the middle of the j-th of n equal parts of the line; a
   * word start up to half a part away wins over a plain gap */
  int n = (int)k;
  double part = (double)(e - s) / (n > 0 ? n : 1);
  for (int j = 0; j < n; j++) {
    double t = s + part * (j + 0.5), best_cost = 1e300;
    size_t at = 0;
    for (size_t i = s + 1; i < e; i++) {
      if (pause_rank(p, s, i) || !p->box[i].brk || p->box[i].hyph_brk || p->box[i].gap > BS_TS_EPS)
        continue;
      double cost = fabs((double)i - t) + (word_start(p, i) ? 0 : part / 2);
      if (cost < best_cost)
        best_cost = cost, at = i;
    }
    p->box[at].gap += em; /* there is one: gaps >= n, and each em takes one */
    ln->adj_char += em;
  }
  return true;
}

/* K8: makes [s, e) exactly `target` long, recording the adjustments in `ln`; with `stretch`
 * false (a paragraph's last line, pushed in) it only compresses, down to `target` at most. */
static void justify(bs_ts_para *p, size_t s, size_t e, double target, bs_ts_line *ln,
                    bool stretch)
{
  for (size_t i = s; i < e; i++)
    p->box[i].gap = i > s ? glue_of(&p->box[i]) : 0;
  double len = natural(p, s, e);
  ln->natural = len;
  double d = target - len;
  if (d < -BS_TS_EPS) {
    /* push-in: line-end punctuation first, then the others from the end (clreq order) */
    for (size_t i = e; i-- > s && d < -BS_TS_EPS;) {
      bs_ts_box *b = &p->box[i];
      if (b->can_halve && !b->halved && !(i == s && b->cls == BS_CL_OPEN) &&
          (b->cls == BS_CL_CLOSE || b->cls == BS_CL_STOP || b->cls == BS_CL_MIDDOT)) {
        double g = b->full_adv - b->half.adv;
        set_halved(b, true);
        d += g;
        ln->adj_shrink += g;
      }
    }
    for (size_t i = s + 1; i < e && d < -BS_TS_EPS; i++) {
      bs_ts_box *b = &p->box[i];
      if (b->glue == BS_GLUE_WORD || b->glue == BS_GLUE_AUTO) {
        double g = fmin(b->gap - b->glue_min, -d);
        b->gap -= g;
        d += g;
        ln->adj_shrink += g;
      }
    }
    for (size_t i = e; i-- > s && d < -BS_TS_EPS;) {
      bs_ts_box *b = &p->box[i];
      if (b->can_halve && !b->halved && !(i == s && b->cls == BS_CL_OPEN)) {
        double g = b->full_adv - b->half.adv;
        set_halved(b, true);
        d += g;
        ln->adj_shrink += g;
      }
    }
  }
  if (d > BS_TS_EPS && stretch) {
    /* expansion order (K8, S1): word spaces to ½ em, CJK–Latin spacing to ½ em, then every
     * inter-character gap equally; the spacing beside a number stays at ¼ em when there are
     * inter-character gaps to take the slack */
    bool char_gaps = false;
    for (size_t i = s + 1; i < e && !char_gaps; i++)
      char_gaps = p->box[i].glue == BS_GLUE_CHAR;
    for (int pass = 0; pass < 2 && d > BS_TS_EPS; pass++) {
      bs_ts_glue kind = pass == 0 ? BS_GLUE_WORD : BS_GLUE_AUTO;
      double room = 0;
      for (size_t i = s + 1; i < e; i++)
        if (p->box[i].glue == kind && !(char_gaps && kind == BS_GLUE_AUTO && auto_beside_digit(p, i)))
          room += p->box[i].glue_max - p->box[i].gap;
      if (room <= BS_TS_EPS)
        continue;
      double f = fmin(1, d / room);
      for (size_t i = s + 1; i < e; i++)
        if (p->box[i].glue == kind && !(char_gaps && kind == BS_GLUE_AUTO && auto_beside_digit(p, i))) {
          double g = (p->box[i].glue_max - p->box[i].gap) * f;
          p->box[i].gap += g;
          if (kind == BS_GLUE_WORD)
            ln->adj_word += g;
          else
            ln->adj_auto += g;
        }
      d -= room * f;
    }
    if (d > BS_TS_EPS && grid_fill(p, s, e, d, ln))
      d = 0;
    if (d > BS_TS_EPS) {
      int gaps = 0;
      for (size_t i = s + 1; i < e; i++)
        if (p->box[i].glue == BS_GLUE_CHAR)
          gaps++;
      bs_ts_glue kind = BS_GLUE_CHAR;
      if (!gaps) {
        /* no inter-character gap: spaces must take the rest */
        for (size_t i = s + 1; i < e; i++)
          if (p->box[i].glue == BS_GLUE_WORD || p->box[i].glue == BS_GLUE_AUTO)
            gaps++;
        kind = BS_GLUE_WORD;
      }
      /* a line of words alone: its spaces stretch to at most twice their bound (S5); beyond
       * that the line stays short rather than gape (#13) */
      if (kind == BS_GLUE_WORD && gaps && d / gaps > p->size / 2) {
        d = gaps * p->size / 2;
        ln->full = false; /* not filled: the dump and the K8 check see a short line */
      }
      if (gaps) {
        double g = d / gaps;
        for (size_t i = s + 1; i < e; i++) {
          bs_ts_box *b = &p->box[i];
          if (b->glue == kind || (kind == BS_GLUE_WORD && b->glue == BS_GLUE_AUTO))
            b->gap += g;
        }
        ln->adj_char += d;
        d = 0;
      }
    }
  }
  double pos = 0;
  for (size_t i = s; i < e; i++) {
    pos += p->box[i].gap;
    p->box[i].pos = pos;
    pos += p->box[i].adv;
  }
}

static void natural_positions(bs_ts_para *p, size_t s, size_t e, bs_ts_line *ln)
{
  double pos = 0;
  for (size_t i = s; i < e; i++) {
    p->box[i].gap = i > s ? glue_of(&p->box[i]) : 0;
    pos += p->box[i].gap;
    p->box[i].pos = pos;
    pos += p->box[i].adv;
  }
  ln->natural = pos;
}

static bs_ts_line *push_line(bs_ts_ctx *c)
{
  if (c->nlines == c->caplines) {
    c->caplines = c->caplines * 2 + 64;
    c->lines_v = bs_xrealloc(c->lines_v, c->caplines * sizeof *c->lines_v);
  }
  bs_ts_line *l = &c->lines_v[c->nlines++];
  memset(l, 0, sizeof *l);
  return l;
}

/* UAX #9 L2, on a line's boxes after breaking: from the highest level down to the lowest odd
 * one, every maximal sequence of boxes at that level or higher is reversed, which is to say
 * mirrored within the span it occupies (a box's own glyphs are in visual order already). An
 * RTL paragraph's lines (level 1 everywhere) mirror within the whole measure, so they start
 * at the right edge. In vertical text the same applies along the column to sideways runs. */
static void bidi_reorder(const bs_ts_para *p, size_t s, size_t e, double *x, double measure)
{
  int top = 0;
  for (size_t i = s; i < e; i++)
    top = p->box[i].level > top ? p->box[i].level : top;
  if (!top)
    return;
  for (int lv = top; lv >= 1; lv--)
    for (size_t a = s; a < e;) {
      if (p->box[a].level < lv) {
        a++;
        continue;
      }
      size_t b = a;
      double lo = 1e300, hi = -1e300;
      for (; b < e && p->box[b].level >= lv; b++) {
        lo = fmin(lo, x[b - s]);
        hi = fmax(hi, x[b - s] + p->box[b].adv);
      }
      if (lv == 1 && p->base_level == 1 && a == s && b == e)
        lo = 0, hi = measure;
      for (size_t k = a; k < b; k++)
        x[k - s] = lo + hi - (x[k - s] + p->box[k].adv);
      a = b;
    }
}

/* Turns boxes [s, e), already positioned from `start`, into placed runs. */
static void place(bs_ts_ctx *c, bs_ts_para *p, size_t s, size_t e, double start, double measure,
                  bs_ts_line *ln)
{
  ln->runs = bs_xcalloc(e - s ? e - s : 1, sizeof *ln->runs);
  ln->nruns = 0;
  size_t t0 = e > s ? p->box[s].start : 0, t1 = t0, nglyphs = 0;
  for (size_t i = s; i < e; i++) {
    t0 = p->box[i].start < t0 ? p->box[i].start : t0;
    t1 = p->box[i].end > t1 ? p->box[i].end : t1;
    nglyphs += p->box[i].g1 - p->box[i].g0 + 1; /* + the hyphen of a hyphenated line */
  }
  ln->text_block = bs_xstrndup(p->text + t0, t1 - t0);
  ln->glyph_block = bs_xcalloc(nglyphs ? nglyphs : 1, sizeof *ln->glyph_block);
  size_t gat = 0;
  double em = p->size;
  double *xs = bs_xmalloc((e - s + 1) * sizeof *xs);
  for (size_t i = s; i < e; i++)
    xs[i - s] = start + p->box[i].pos;
  bidi_reorder(p, s, e, xs, measure);
  for (size_t i = s; i < e; i++) {
    bs_ts_box *b = &p->box[i];
    bs_ts_prun *r = &ln->runs[ln->nruns++];
    r->face = b->face;
    r->size = b->size;
    r->orient = b->orient;
    r->halved = b->halved;
    r->level = b->level;
    r->p0 = b->start;
    r->len = b->end - b->start;
    r->text = ln->text_block + (b->start - t0);
    r->ng = b->g1 - b->g0;
    r->g = ln->glyph_block + gat;
    gat += r->ng + 1;
    r->shared = true;
    double p0 = xs[i - s] + b->lead; /* lead: room for a long ruby (ruby.c) */
    double w = 0;
    for (size_t k = b->g0; k < b->g1; k++)
      w += p->g[k].adv;
    bool cell = b->orient == BS_OR_TCY || (b->orient == BS_OR_CELL && c->vertical);
    if (!c->vertical) {
      cairo_matrix_init_translate(&r->m, p0, BS_TS_ASCENT * ln->size);
    } else if (b->orient == BS_OR_UPRIGHT) {
      cairo_matrix_init_translate(&r->m, 0, p0);
    } else if (b->orient == BS_OR_SIDEWAYS) {
      /* L3: rotate 90° clockwise; alphabetic baseline 0.38 em left of the axis */
      cairo_matrix_init_translate(&r->m, -BS_TS_ROMAN_SHIFT * em, p0);
      cairo_matrix_rotate(&r->m, M_PI / 2);
    } else {
      /* L2: TCY centred in a 1 em cell, compressed to 1 em when wider; an emoji likewise */
      double sc = w > em ? em / w : 1;
      cairo_matrix_init_translate(&r->m, -w * sc / 2, p0 + BS_TS_ASCENT * em);
      cairo_matrix_scale(&r->m, sc, 1);
    }
    double pen = 0;
    for (size_t k = b->g0; k < b->g1; k++) {
      const bs_ts_glyph *g = b->halved ? &b->half : &p->g[k];
      bs_ts_pglyph *o = &r->g[k - b->g0];
      o->gid = g->gid;
      if (c->vertical && b->orient == BS_OR_UPRIGHT) {
        o->x = g->dx;
        o->y = pen - g->dy;
      } else {
        o->x = pen + g->dx;
        o->y = -g->dy;
      }
      o->p = cell ? p0 : p0 + pen;
      o->adv = cell ? b->adv : g->adv;
      o->c0 = p->g[k].cluster - (uint32_t)b->start;
      o->dot = b->dots;
      pen += g->adv;
    }
    if (b->hyph_end) { /* no text: extraction gives the word whole */
      bs_ts_pglyph *o = &r->g[r->ng++];
      o->gid = b->hy.gid;
      o->x = pen;
      o->p = p0 + pen;
      o->adv = b->hy.adv;
      o->c0 = (uint32_t)r->len;
    }
    if (b->level & 1) {
      /* right to left: HarfBuzz gave the glyphs in visual order; they are kept in logical
       * order (their positions unchanged) so that clusters and extraction run forward */
      for (size_t a = 0, z = r->ng; a + 1 < z; a++, z--) {
        bs_ts_pglyph t = r->g[a];
        r->g[a] = r->g[z - 1];
        r->g[z - 1] = t;
      }
    }
    for (size_t k = 0; k < r->ng; k++) {
      r->g[k].c1 = k + 1 < r->ng ? r->g[k + 1].c0 : (uint32_t)r->len;
      if (r->g[k].c1 < r->g[k].c0)
        r->g[k].c1 = r->g[k].c0;
    }
    if (b->halved && b->g1 - b->g0 == 1)
      r->g[0].adv = b->adv;
  }
  double end = 0, begin = e > s ? 1e300 : start;
  for (size_t i = s; i < e; i++) {
    end = fmax(end, xs[i - s] + p->box[i].adv);
    begin = fmin(begin, xs[i - s]);
  }
  ln->extent = e > s ? end : start;
  ln->begin = begin;
  ln->rtl = p->base_level != 0;
  free(xs);
  bs_ts_ruby_place(c, p, s, e, start, ln); /* content hook: annotation runs (ruby.c) */
}

/* Hyphenation (#13): `e` is the break the fitter chose. A line ending at a hyphenation point
 * must hold its hyphen too; a point is taken only when breaking at the last space before it
 * would stretch the word spaces beyond their bound (S5: ½ em), and on at most two lines in a
 * row (`run`: hyphenated lines just before). */
static size_t hyphen_break(const bs_ts_para *p, size_t s, size_t e, double avail, int run)
{
  while (e > s + 1 && p->box[e].hyph_brk &&
         natural(p, s, e) - shrinkable(p, s, e) + p->box[e - 1].hy.adv > avail + BS_TS_EPS) {
    size_t j = e - 1;
    while (j > s + 1 && !p->box[j].brk)
      j--;
    if (!p->box[j].brk)
      break;
    e = j;
  }
  if (e >= p->nbox || !p->box[e].hyph_brk)
    return e;
  size_t j = e - 1;
  while (j > s && !(p->box[j].brk && !p->box[j].hyph_brk))
    j--;
  if (j <= s)
    return e; /* no space to break at */
  if (run >= 2)
    return j;
  double room = 0;
  for (size_t i = s + 1; i < j; i++)
    if (p->box[i].glue == BS_GLUE_WORD || p->box[i].glue == BS_GLUE_AUTO)
      room += p->box[i].glue_max - p->box[i].glue_w;
  return natural(p, s, j) + room >= avail - BS_TS_EPS ? j : e;
}

/* K9 by re-breaking the line before (the "re-break an earlier line"; K7 before K8):
 * the previous line [ps, s) takes the unit at s by compressing its punctuation, and the rest
 * [s1, n) then fits on the paragraph's last line, compressed if need be, so that no line is
 * spread off the grid (G1). The boxes after ps go back to their halving at the paragraph's
 * start (`h0`: P1 pairs) for the trial and stay so if it works. Returns s1, or 0. */
static size_t k9_lookback(bs_ts_para *p, size_t ps, size_t s, double prev_avail, double avail,
                          const bool *h0)
{
  size_t n = p->nbox, s1 = s + 1;
  while (s1 < n && !p->box[s1].brk && !p->box[s1].forced)
    s1++;
  if (s1 >= n || s1 - s > 2 || p->box[s1].forced)
    return 0;
  bool *cur = bs_xmalloc(n - ps);
  for (size_t i = ps + 1; i < n; i++) {
    cur[i - ps] = p->box[i].halved;
    if (p->box[i].halved != h0[i])
      set_halved(&p->box[i], h0[i]);
  }
  /* the P1 pair split by the new break is restored (as the line's placing will do) */
  if (p->box[s1 - 1].halved && p->box[s1 - 1].p1_partner == (int)s1)
    set_halved(&p->box[s1 - 1], false);
  if (p->box[s1].halved && p->box[s1].p1_partner == (int)s1 - 1)
    set_halved(&p->box[s1], false);
  bool ok = natural(p, ps, s1) + edge_extra(p, ps, s1) - shrinkable(p, ps, s1) <=
                prev_avail + BS_TS_EPS &&
            natural(p, s1, n) + edge_extra(p, s1, n) - shrinkable(p, s1, n) <= avail + BS_TS_EPS;
  if (!ok)
    for (size_t i = ps + 1; i < n; i++)
      if (p->box[i].halved != cur[i - ps])
        set_halved(&p->box[i], cur[i - ps]);
  free(cur);
  return ok ? s1 : 0;
}

void bs_ts_break_para(bs_ts_ctx *c, bs_ts_para *p, const bs_ts_block *blk)
{
  int hyph_run = 0; /* hyphenated lines in a row */
  double M = c->measure - blk->indent_pt - blk->end_pt;
  int para = ++c->para_counter;
  size_t s = 0;
  bool first = true;
  if (p->nbox == 0) {
    bs_ts_line *ln = push_line(c);
    ln->region = c->region;
    ln->kind = BS_LINE_BLANK;
    ln->slots = blk->slots;
    ln->size = p->size;
    ln->measure = M;
    ln->indent = blk->indent_pt;
    ln->para_id = para;
    ln->node = c->para_node;
    ln->para_first = ln->para_last = true;
    ln->new_page = blk->new_page;
    ln->keep_next = blk->keep_next;
    ln->runs = NULL;
    return;
  }
  /* K9 look-back: the previous line of the paragraph, the halving of every box at the start
   * (P1), and the end the look-back planned for the line at s */
  size_t prev_s = SIZE_MAX, plan_e = 0;
  bool prev_first = false, prev_ok = false;
  bool *h0 = NULL;
  if (blk->justify && p->nbox > 2) {
    h0 = bs_xmalloc(p->nbox);
    for (size_t i = 0; i < p->nbox; i++)
      h0[i] = p->box[i].halved;
  }
  while (s < p->nbox) {
    double start = first ? blk->first_indent : 0;
    /* P2/P1: an opening bracket halved by its pair is restored at a line start */
    if (p->box[s].halved && p->box[s].cls == BS_CL_OPEN && p->box[s].p1_partner == (int)s - 1)
      set_halved(&p->box[s], false);
    double avail = M - start;
    bs_ts_fit fit = BS_FIT_NORMAL;
    size_t e = s + 1;
    double w = p->box[s].adv + p->box[s].edge_lead;
    while (e < p->nbox && !p->box[e].forced) {
      double add = glue_of(&p->box[e]) + p->box[e].adv;
      if (w + add + p->box[e].edge_trail > avail + BS_TS_EPS)
        break;
      w += add;
      e++;
    }
    bool last = e >= p->nbox;
    bool forced = !last && p->box[e].forced;
    if (!last && !forced) {
      /* overflow at box e: K7 push-in if e cannot start a line and a few boxes fit by
       * compression, else push-out to the last allowed break */
      size_t k = e;
      while (k < p->nbox && !p->box[k].brk && k - e < 3)
        k++;
      if (!p->box[e].brk && (k >= p->nbox || p->box[k].brk) && k - e <= 2 &&
          natural(p, s, k) + edge_extra(p, s, k) - shrinkable(p, s, k) <= avail + BS_TS_EPS) {
        e = k;
        fit = BS_FIT_PUSH_IN;
      } else {
        size_t j = e;
        while (j > s + 1 && !p->box[j].brk)
          j--;
        if (j > s + 1 || p->box[j].brk) {
          fit = j < e ? BS_FIT_PUSH_OUT : BS_FIT_NORMAL;
          e = j;
        } else {
          fit = BS_FIT_FORCED; /* no allowed break at all: cut where it overflows */
        }
      }
      last = e >= p->nbox;
      forced = !last && p->box[e].forced;
    }
    if (plan_e > s) { /* K9 look-back: this line takes one unit more, compressed */
      e = plan_e;
      fit = BS_FIT_PUSH_IN;
      last = e >= p->nbox;
      forced = false;
    }
    plan_e = 0;
    /* K9: the paragraph's last line must not hold a single character (plus punctuation):
     * pull one more unit down; this line is then justified by expansion */
    if (!last && !forced && fit != BS_FIT_FORCED && blk->justify) {
      /* the rest matters only if it fits on one line: stop once it cannot (scanning to the
       * paragraph's end for every line made long paragraphs quadratic) */
      size_t end = e + 1;
      double rest = p->box[e].adv;
      while (end < p->nbox && !p->box[end].forced && rest <= M + BS_TS_EPS) {
        rest += glue_of(&p->box[end]) + p->box[end].adv;
        end++;
      }
      if (end == p->nbox && natural(p, e, end) <= M + BS_TS_EPS) {
        int letters = 0;
        for (size_t k = e; k < end; k++)
          letters += !is_punct(p->box[k].cls);
        size_t j = e - 1;
        while (j > s + 1 && !p->box[j].brk)
          j--;
        size_t s1 = 0;
        if (letters <= 1 &&
            natural(p, s, end) + edge_extra(p, s, end) - shrinkable(p, s, end) <=
                avail + BS_TS_EPS) {
          /* K7 before K8: the rest fits on this line by compressing its punctuation, so the
           * paragraph ends here and no line is spread off the grid (G1) */
          e = end;
          fit = BS_FIT_PUSH_IN;
          last = true;
        } else if (letters <= 1 && prev_ok && h0 &&
                   (s1 = k9_lookback(p, prev_s, s, M - (prev_first ? blk->first_indent : 0),
                                     avail, h0))) {
          /* the line before is set again, one unit longer */
          bs_ts_line_free(&c->lines_v[--c->nlines]);
          s = prev_s;
          first = prev_first;
          prev_ok = false;
          plan_e = s1;
          continue;
        } else if (letters <= 1 && j > s + 1 && p->box[j].brk) {
          e = j;
          fit = BS_FIT_PUSH_OUT;
        }
      }
    }
    bool hyph = false;
    if (!last && !forced && fit != BS_FIT_FORCED && p->box[e].hyph_brk) {
      e = hyphen_break(p, s, e, avail, hyph_run);
      hyph = e < p->nbox && p->box[e].hyph_brk;
      last = e >= p->nbox;
    }
    /* a ruby at the line's end (or start) has no neighbour there to overhang: when the room
     * it then needs does not fit, the line breaks earlier (JLREQ: ruby stays within the base's
     * space at a line end) */
    while (!hyph && e > s + 1 && (p->box[s].edge_lead > 0 || p->box[e - 1].edge_trail > 0) &&
           natural(p, s, e) + edge_extra(p, s, e) - shrinkable(p, s, e) > avail + BS_TS_EPS) {
      size_t j = e - 1;
      while (j > s + 1 && !p->box[j].brk)
        j--;
      if (!p->box[j].brk || j <= s)
        break;
      e = j;
      fit = BS_FIT_PUSH_OUT;
      last = false;
      forced = false;
    }
    hyph_run = hyph ? hyph_run + 1 : 0;
    if (hyph) { /* the hyphen is part of the line's last box while it is set */
      p->box[e - 1].hyph_end = true;
      p->box[e - 1].adv += p->box[e - 1].hy.adv;
    }
    /* the halved partner of a pair split by this break is restored (P1) */
    if (e < p->nbox && p->box[e - 1].halved && p->box[e - 1].p1_partner == (int)e)
      set_halved(&p->box[e - 1], false);
    if (e < p->nbox && p->box[e].halved && p->box[e].p1_partner == (int)e - 1)
      set_halved(&p->box[e], false);
    bs_ts_line *ln = push_line(c);
    ln->region = c->region;
    ln->kind = blk->kind;
    ln->slots = blk->slots;
    ln->size = p->size;
    /* a right-to-left paragraph's block indent (a quotation, a list) is on its start side,
     * the right; the contents' room for page numbers on the left */
    ln->indent = p->base_level ? blk->end_pt : blk->indent_pt;
    ln->measure = M;
    ln->para_id = para;
    ln->node = c->para_node;
    ln->para_first = first;
    ln->new_page = first && blk->new_page;
    ln->keep_next = blk->keep_next;
    ln->fit = fit;
    ln->full = !last && !forced && blk->justify;
    /* the room rubies at the line's edges need (edge_extra), given for this line only */
    double xl = p->box[s].edge_lead, xt = e < p->nbox ? p->box[e - 1].edge_trail : 0;
    if (xl > 0) {
      p->box[s].lead += xl, p->box[s].lead_x = xl;
      p->box[s].adv += xl, p->box[s].full_adv += xl;
    }
    if (xt > 0) {
      p->box[e - 1].trail_x = xt;
      p->box[e - 1].adv += xt, p->box[e - 1].full_adv += xt;
    }
    /* P3 (hangmo, zh-Hans): a line-end closing mark loses its trailing half */
    if (ln->full && c->region == 2) {
      bs_ts_box *b = &p->box[e - 1];
      if (b->can_halve && !b->halved && (b->cls == BS_CL_CLOSE || b->cls == BS_CL_STOP))
        set_halved(b, true);
    }
    if (ln->full)
      justify(p, s, e, avail, ln, true);
    else if (fit == BS_FIT_PUSH_IN)
      justify(p, s, e, avail, ln, false); /* K7: a pushed-in last line is compressed, not hung */
    else
      natural_positions(p, s, e, ln);
    if (blk->center && !ln->full && ln->natural < avail)
      start += (avail - ln->natural) / 2;
    place(c, p, s, e, start, M, ln);
    if (hyph) {
      p->box[e - 1].hyph_end = false;
      p->box[e - 1].adv -= p->box[e - 1].hy.adv;
    }
    if (xl > 0) {
      p->box[s].lead -= xl, p->box[s].lead_x = 0;
      p->box[s].adv -= xl, p->box[s].full_adv -= xl;
    }
    if (xt > 0) {
      p->box[e - 1].trail_x = 0;
      p->box[e - 1].adv -= xt, p->box[e - 1].full_adv -= xt;
    }
    prev_ok = !hyph && !forced && fit != BS_FIT_FORCED && blk->justify;
    prev_s = s;
    prev_first = first;
    first = false;
    s = e;
  }
  free(h0);
  c->lines_v[c->nlines - 1].para_last = true;
}

void bs_ts_place_line(bs_ts_ctx *c, bs_ts_para *p, bs_ts_line *ln)
{
  memset(ln, 0, sizeof *ln);
  ln->size = p->size;
  natural_positions(p, 0, p->nbox, ln);
  place(c, p, 0, p->nbox, 0, ln->natural, ln);
}

void bs_ts_line_free(bs_ts_line *l)
{
  for (size_t i = 0; i < l->nruns; i++)
    if (!l->runs[i].shared) {
      free(l->runs[i].text);
      free(l->runs[i].g);
    }
  free(l->runs);
  free(l->text_block);
  free(l->glyph_block);
  l->text_block = NULL;
  l->glyph_block = NULL;
  bs_ts_figure_free(l->fig); /* content hook (figure.c) */
  l->fig = NULL;
  free(l->cells);
  l->cells = NULL;
  free(l->langs);
  l->langs = NULL;
}
