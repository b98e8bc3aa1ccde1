/* Shaping: a paragraph's presentation text becomes boxes of HarfBuzz glyphs.
 *
 * CJK runs are shaped in one buffer per style (TTB in vertical so `vert` applies, V1), with
 * the buffer's language and script set (§0.5); every cluster is one box. Non-CJK runs get the
 * L1 treatment in vertical (TCY, upright full-width, or sideways words) and are words in
 * horizontal. Glue and break opportunities between boxes are decided here (K1–K6, S1–S5). */
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>

#include "typeset-impl.h"

typedef enum { MODE_CJK = 0, MODE_WORDS, MODE_TCY, MODE_FW } run_mode;

static const char *const region_tags[] = {"zh-Hant", "zh-HK", "zh-Hans", "ja", "ko"};

static const char *hb_lang_for(const bs_ts_ctx *c)
{
  return bs_ts_cjk_doc(c) ? region_tags[c->region] : c->doc_lang;
}

const char *bs_ts_hb_lang(const char *lang)
{
  /* as bs_ts_set_lang sets c->doc_lang and c->region, and hb_lang_for reads them */
  return bs_ts_cjk_lang(lang) ? region_tags[bs_ts_region_of(lang)] : lang;
}

static double pt(const bs_ts_face *f, double size, hb_position_t v)
{
  return (double)v * size / f->upem;
}

/* Shapes text[start, end) of the paragraph (context = the whole text) and appends glyphs with
 * paragraph byte offsets as clusters: in `dir` (right-to-left glyphs come in visual order). */
static void shape_run(bs_ts_ctx *c, bs_ts_para *p, bs_ts_face *f, size_t start, size_t end,
                      hb_direction_t dir, hb_script_t script, const hb_feature_t *feat,
                      unsigned nfeat)
{
  hb_buffer_t *b = c->sh->buf;
  hb_buffer_clear_contents(b);
  hb_buffer_set_cluster_level(b, HB_BUFFER_CLUSTER_LEVEL_MONOTONE_CHARACTERS);
  hb_buffer_add_utf8(b, p->text, (int)p->len, (unsigned)start, (int)(end - start));
  hb_buffer_set_direction(b, dir);
  hb_buffer_set_script(b, script);
  hb_buffer_set_language(b, hb_language_from_string(hb_lang_for(c), -1));
  hb_shape(f->hb, b, feat, nfeat);
  unsigned n;
  hb_glyph_info_t *info = hb_buffer_get_glyph_infos(b, &n);
  hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(b, &n);
  if (p->ng + n > p->capg) {
    p->capg = (p->ng + n) * 2 + 64;
    p->g = bs_xrealloc(p->g, p->capg * sizeof *p->g);
  }
  bool vertical = HB_DIRECTION_IS_VERTICAL(dir);
  for (unsigned i = 0; i < n; i++) {
    bs_ts_glyph *g = &p->g[p->ng++];
    g->gid = info[i].codepoint;
    g->cluster = info[i].cluster;
    g->dx = pt(f, p->size, pos[i].x_offset);
    g->dy = pt(f, p->size, pos[i].y_offset);
    g->adv = vertical ? -pt(f, p->size, pos[i].y_advance) : pt(f, p->size, pos[i].x_advance);
    if (g->gid == 0) {
      uint32_t cp = 0;
      bs_utf8_decode(p->text + g->cluster, p->len - g->cluster, &cp);
      if (cp > 0x20)
        bs_ts_missing_glyph(c, f, cp);
    }
  }
}

static void shape_range(bs_ts_ctx *c, bs_ts_para *p, bs_ts_face *f, size_t start, size_t end,
                        bool vertical, bool latin, const hb_feature_t *feat, unsigned nfeat)
{
  shape_run(c, p, f, start, end, vertical ? HB_DIRECTION_TTB : HB_DIRECTION_LTR,
            latin ? HB_SCRIPT_LATIN : HB_SCRIPT_HAN, feat, nfeat);
}

void bs_ts_shape_simple(bs_ts_ctx *c, bs_ts_face *f, const char *s, size_t len, bool vertical,
                        const char *features, bs_ts_glyph **out, size_t *n)
{
  bs_ts_para p = {0};
  p.text = (char *)s;
  p.len = len;
  p.size = c->size;
  hb_feature_t feat;
  unsigned nf = features && hb_feature_from_string(features, -1, &feat) ? 1 : 0;
  bool latin = len > 0 && bs_ts_is_latin((unsigned char)s[0]);
  shape_range(c, &p, f, 0, len, vertical, latin, &feat, nf);
  *out = p.g;
  *n = p.ng;
}

static bs_ts_box *new_box(bs_ts_para *p)
{
  if (p->nbox == p->capbox) {
    p->capbox = p->capbox * 2 + 64;
    p->box = bs_xrealloc(p->box, p->capbox * sizeof *p->box);
  }
  bs_ts_box *b = &p->box[p->nbox++];
  memset(b, 0, sizeof *b);
  b->p1_partner = -1;
  return b;
}

static bool is_alnum(uint32_t cp)
{
  return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
         (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x370 && cp <= 0x52F);
}

/* §2.4 fallback: halves glyph `g` (shaped at body size) by its ink when halt/vhal did not:
 * a closing mark or stop whose ink lies in the first half of its advance loses the second
 * half; an opening mark with its ink in the second half loses the first. */
static bool half_by_extents(bs_ts_ctx *c, bs_ts_face *f, uint32_t cp, bool vertical,
                            bs_ts_glyph *g)
{
  bs_ts_class cls = bs_ts_char_class(cp);
  if (cls != BS_CL_CLOSE && cls != BS_CL_OPEN && cls != BS_CL_STOP)
    return false;
  hb_glyph_extents_t e;
  if (!hb_font_get_glyph_extents(f->hb, g->gid, &e) || !e.width || !e.height)
    return false;
  double k = c->size / f->upem, h = g->adv / 2;
  double lo, hi; /* the ink along the inline axis, from the pen */
  if (vertical) {
    lo = -g->dy - e.y_bearing * k;
    hi = lo - e.height * k;
  } else {
    lo = g->dx + e.x_bearing * k;
    hi = lo + e.width * k;
  }
  if (cls != BS_CL_OPEN && lo >= -BS_TS_EPS && hi <= h + BS_TS_EPS) {
    g->adv = h;
    return true;
  }
  if (cls == BS_CL_OPEN && lo >= h - BS_TS_EPS && hi <= g->adv + BS_TS_EPS) {
    if (vertical)
      g->dy += h;
    else
      g->dx -= h;
    g->adv = h;
    return true;
  }
  return false;
}

/* The halt/vhal form of a single punctuation character (§2.4), cached per face. */
static bool half_form(bs_ts_ctx *c, bs_ts_face *f, double size, uint32_t cp, bool vertical,
                      bs_ts_glyph *out, double full)
{
  for (int i = 0; i < c->sh->nhalf; i++)
    if (c->sh->half[i].face == f && c->sh->half[i].cp == cp && c->sh->half[i].vertical == vertical) {
      if (!c->sh->half[i].ok)
        return false;
      *out = c->sh->half[i].g;
      double s = size / c->size; /* cached at body size */
      out->dx *= s, out->dy *= s, out->adv *= s;
      return out->adv < full - BS_TS_EPS;
    }
  char s[5];
  bs_buf tmp = BS_BUF_INIT;
  bs_buf_put_utf8(&tmp, cp);
  memcpy(s, tmp.data, tmp.len + 1);
  bs_ts_para q = {0};
  q.text = s;
  q.len = tmp.len;
  q.size = c->size;
  bs_buf_free(&tmp);
  hb_feature_t feat = {vertical ? HB_TAG('v', 'h', 'a', 'l') : HB_TAG('h', 'a', 'l', 't'), 1,
                       0, (unsigned)-1};
  shape_range(c, &q, f, 0, q.len, vertical, false, &feat, 1);
  bool ok = q.ng == 1;
  /* §2.4: a face without halt/vhal for this mark (the JP face's proportional quotes in
   * vertical): halve it by its ink when the ink lies in the half that stays */
  if (ok && q.g[0].adv >= q.size * 0.9)
    ok = half_by_extents(c, f, cp, vertical, &q.g[0]);
  if (c->sh->nhalf < BS_TS_HALF_CACHE) {
    c->sh->half[c->sh->nhalf].face = f;
    c->sh->half[c->sh->nhalf].cp = cp;
    c->sh->half[c->sh->nhalf].vertical = vertical;
    c->sh->half[c->sh->nhalf].ok = ok;
    if (ok)
      c->sh->half[c->sh->nhalf].g = q.g[0];
    c->sh->nhalf++;
  }
  if (ok) {
    *out = q.g[0];
    double k = size / c->size;
    out->dx *= k, out->dy *= k, out->adv *= k;
  }
  free(q.g);
  return ok && out->adv < full - BS_TS_EPS;
}

/* L1 decision for a non-CJK run in vertical text: cps[0..n) (no spaces for TCY/FW). */
static run_mode vertical_mode(const bs_ts_ctx *c, const uint32_t *cps, size_t n)
{
  size_t digits = 0, caps = 0, lower = 0, other = 0, numsep = 0, spaces = 0, tcyset = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t ch = cps[i];
    if (ch >= '0' && ch <= '9')
      digits++, tcyset++;
    else if (ch >= 'A' && ch <= 'Z')
      caps++, tcyset++;
    else if (is_alnum(ch))
      lower++;
    else if (ch == ' ')
      spaces++;
    else {
      other++;
      /* item 7 (#16): a range 1881-1936 is a number like 1923, set the same way (L1) */
      if (ch == '.' || ch == ',' || ch == ':' || ch == '/' || ch == '%' ||
          (ch == '-' && i > 0 && i + 1 < n && cps[i - 1] >= '0' && cps[i - 1] <= '9' &&
           cps[i + 1] >= '0' && cps[i + 1] <= '9'))
        numsep++;
      if (ch == '.' || ch == '+')
        tcyset++;
    }
  }
  if (spaces)
    return MODE_WORDS;
  if (n == 1 && (digits || caps || lower))
    return MODE_FW;
  if (digits == n && n <= 3)
    return MODE_TCY;
  if (caps == n && n <= 5)
    return MODE_FW;
  if (n <= 3 && tcyset == n && digits)
    return MODE_TCY;
  if (digits && digits + numsep == n && !lower)
    return c->bk->opts->vnum_sideways ? MODE_WORDS : MODE_FW;
  return MODE_WORDS;
}

static void add_boxes_from(bs_ts_ctx *c, bs_ts_para *p, bs_ts_face *f, size_t g0, size_t end,
                           bs_ts_orient orient, bool vertical, bool one_box, int run_id)
{
  size_t ng = p->ng;
  size_t i = g0;
  while (i < ng) {
    size_t j = i + 1;
    if (one_box)
      j = ng;
    else
      while (j < ng && p->g[j].cluster == p->g[i].cluster)
        j++;
    bs_ts_box *b = new_box(p);
    b->g0 = i;
    b->g1 = j;
    b->start = p->g[i].cluster;
    b->end = one_box || j == ng ? end : p->g[j].cluster;
    if (one_box) {
      size_t lo = b->start;
      for (size_t k = i; k < j; k++)
        if (p->g[k].cluster < lo)
          lo = p->g[k].cluster;
      b->start = lo;
    }
    b->face = f;
    b->size = p->size;
    b->orient = orient;
    b->vertical = vertical;
    b->latin_run = run_id;
    double adv = 0;
    for (size_t k = i; k < j; k++)
      adv += p->g[k].adv;
    if (orient == BS_OR_TCY)
      adv = p->size; /* L2: exactly one em along the column */
    uint32_t cp0 = 0, cpl = 0;
    bs_utf8_decode(p->text + b->start, p->len - b->start, &cp0);
    size_t ls;
    cpl = bs_utf8_prev(p->text, b->end, &ls);
    b->cls = bs_ts_char_class(cp0);
    if (b->cls == BS_CL_MIDDOT && c->region == 2 && j == i + 1 && orient == BS_OR_UPRIGHT &&
        b->start > 0) {
      /* P4: the mainland interpunct is ½ em, its ink centred, in both directions; one that
       * opens a paragraph is a list's bullet and keeps its cell (G1) */
      double h = p->size / 2, sh = (adv - h) / 2;
      if (vertical)
        p->g[i].dy += sh;
      else
        p->g[i].dx -= sh;
      p->g[i].adv = adv = h;
    }
    b->adv = b->full_adv = adv;
    b->cjk = b->cls != BS_CL_LATIN;
    if (orient == BS_OR_TCY || (run_id && vertical))
      b->cls = BS_CL_IDEO, b->cjk = false; /* upright Latin acts like an ideograph (S2) */
    b->alnum_start = is_alnum(cp0);
    b->alnum_end = is_alnum(cpl);
    b->dots = (p->style[b->start] & BS_ST_DOTS) && b->cjk && b->cls == BS_CL_IDEO;
    /* P1/K7 compression resource: full-width punctuation with a halt/vhal form */
    bool adjustable = b->cls == BS_CL_OPEN || b->cls == BS_CL_CLOSE || b->cls == BS_CL_STOP ||
                      b->cls == BS_CL_MIDDOT || b->cls == BS_CL_COLON || b->cls == BS_CL_DIVIDE;
    /* unadjustable: ：；！？ in vertical; ！？ in TW/HK horizontal (P1) */
    if (vertical && (b->cls == BS_CL_COLON || b->cls == BS_CL_DIVIDE))
      adjustable = false;
    if (!vertical && c->region <= 1 && b->cls == BS_CL_DIVIDE)
      adjustable = false;
    if (adjustable && j == i + 1 && b->cjk && orient == BS_OR_UPRIGHT &&
        adv > p->size * 0.9)
      b->can_halve = half_form(c, f, p->size, cp0, vertical, &b->half, adv);
    i = j;
  }
}

/* ICU break opportunities, as a byte-indexed table. */
static bool *icu_breaks(bs_ts_ctx *c, const bs_ts_para *p)
{
  bool *brk = bs_xcalloc(p->len + 1, 1);
  UChar *u = bs_xmalloc((p->len + 1) * sizeof *u);
  size_t *map = bs_xmalloc((p->len + 1) * sizeof *map);
  int32_t nu = 0;
  for (size_t i = 0; i < p->len;) {
    uint32_t cp;
    size_t n = bs_utf8_decode(p->text + i, p->len - i, &cp);
    if (!n)
      n = 1, cp = 0xFFFD;
    if (cp > 0xFFFF) {
      map[nu] = i;
      u[nu++] = (UChar)(0xD7C0 + (cp >> 10));
      map[nu] = i;
      u[nu++] = (UChar)(0xDC00 | (cp & 0x3FF));
    } else {
      map[nu] = i;
      u[nu++] = (UChar)cp;
    }
    i += n;
  }
  map[nu] = p->len;
  UErrorCode st = U_ZERO_ERROR;
  UBreakIterator *bi = c->sh->brks[c->region]; /* opened by bs_ts_set_lang / use_shaper */
  ubrk_setText(bi, u, nu, &st);
  if (U_SUCCESS(st))
    for (int32_t b = ubrk_first(bi); b != UBRK_DONE; b = ubrk_next(bi))
      brk[map[b]] = true;
  else
    memset(brk, 1, p->len + 1);
  UErrorCode st2 = U_ZERO_ERROR;
  ubrk_setText(bi, NULL, 0, &st2);
  free(u);
  free(map);
  return brk;
}

static bool not_start(const bs_ts_ctx *c, const bs_ts_box *b)
{
  switch (b->cls) {
  case BS_CL_CLOSE: case BS_CL_STOP: case BS_CL_COLON: case BS_CL_DIVIDE: case BS_CL_MIDDOT:
  case BS_CL_CONNECT: case BS_CL_POSTFIX: case BS_CL_ELLIPSIS: case BS_CL_DASH:
    return true; /* K1, strict level (K5) */
  case BS_CL_SMALL: case BS_CL_ITER:
    return c->region == 3; /* jlreq strict */
  default:
    return false;
  }
}

static bool not_end(const bs_ts_ctx *c, const bs_ts_box *b)
{
  return b->cls == BS_CL_OPEN || b->cls == BS_CL_PREFIX ||
         (c->region == 2 && b->cls == BS_CL_SOLIDUS); /* K2, GB style */
}

static void decide_glue(bs_ts_ctx *c, bs_ts_para *p, const bool *spaced, const bool *soft,
                        const bool *icu)
{
  double em = p->size;
  double space_w = em / 3;
  for (size_t i = 0; i < p->nbox; i++) {
    bs_ts_box *b = &p->box[i];
    if (i == 0) {
      b->brk = false;
      continue;
    }
    bs_ts_box *a = &p->box[i - 1];
    bool a_lat = a->cls == BS_CL_LATIN && a->orient != BS_OR_TCY;
    bool b_lat = b->cls == BS_CL_LATIN && b->orient != BS_OR_TCY;
    bool a_cjk_letter = a->cjk && (a->cls == BS_CL_IDEO || a->cls == BS_CL_SMALL ||
                                   a->cls == BS_CL_ITER);
    bool b_cjk_letter = b->cjk && (b->cls == BS_CL_IDEO || b->cls == BS_CL_SMALL ||
                                   b->cls == BS_CL_ITER);
    /* S1/S3: CJK letter next to a Latin letter or digit of a horizontal or sideways run */
    bool autosp = (a_cjk_letter && b_lat && b->alnum_start) ||
                  (a_lat && a->alnum_end && b_cjk_letter);
    if (b->forced) {
      b->glue = BS_GLUE_NONE;
    } else if (spaced[i] && a_lat && b_lat) {
      b->glue = BS_GLUE_WORD; /* S5 */
      b->glue_w = space_w;
      b->glue_min = em / 4;
      b->glue_max = em / 2;
    } else if (autosp) {
      b->glue = BS_GLUE_AUTO;
      b->glue_w = em / 4;
      b->glue_min = em / 8;
      b->glue_max = em / 2;
    } else if (spaced[i] && (a_lat || b_lat)) {
      b->glue = BS_GLUE_WORD; /* a space beside a Latin symbol keeps a word space */
      b->glue_w = space_w;
      b->glue_min = em / 4;
      b->glue_max = em / 2;
    } else if ((a->cls == b->cls && (a->cls == BS_CL_DASH || a->cls == BS_CL_ELLIPSIS)) ||
               a->cls == BS_CL_CONNECT || b->cls == BS_CL_CONNECT ||
               a->cls == BS_CL_SOLIDUS || b->cls == BS_CL_SOLIDUS ||
               (a->latin_run && a->latin_run == b->latin_run) || (a_lat && b_lat)) {
      /* K3, K8 exceptions, numbers and acronyms stay solid; so do two Latin runs that meet
       * without a space (a bold word and its full stop) */
      b->glue = BS_GLUE_NONE;
    } else {
      b->glue = BS_GLUE_CHAR;
    }
    bool same_k3 = a->cls == b->cls && (a->cls == BS_CL_DASH || a->cls == BS_CL_ELLIPSIS);
    bool atomic = a->latin_run && a->latin_run == b->latin_run && !spaced[i] && !soft[i];
    b->brk = b->forced || (icu[b->start] && !not_start(c, b) && !not_end(c, a) && !same_k3 &&
                           !atomic);
    if (b->forced || b->hyph_brk)
      b->brk = true;
  }
}

/* K4/L5: a Latin word (or URL) longer than the line is the one thing that may break inside:
 * its box becomes one box per cluster, breakable anywhere. */
static void split_long_words(const bs_ts_ctx *c, bs_ts_para *p)
{
  double limit = c->measure - 4 * c->size;
  size_t extra = 0;
  for (size_t i = 0; i < p->nbox; i++)
    if (p->box[i].latin_run && p->box[i].orient != BS_OR_TCY && p->box[i].adv > limit)
      extra += p->box[i].g1 - p->box[i].g0;
  if (!extra)
    return;
  bs_ts_box *nb = bs_xmalloc((p->nbox + extra) * sizeof *nb);
  size_t n = 0;
  for (size_t i = 0; i < p->nbox; i++) {
    bs_ts_box *b = &p->box[i];
    if (!(b->latin_run && b->orient != BS_OR_TCY && b->adv > limit)) {
      nb[n++] = *b;
      continue;
    }
    size_t k = b->g0;
    while (k < b->g1) {
      size_t j = k + 1;
      while (j < b->g1 && p->g[j].cluster == p->g[k].cluster)
        j++;
      bs_ts_box *o = &nb[n++];
      *o = *b;
      o->hyph_brk = b->hyph_brk && k == b->g0;
      o->hyphen = b->hyphen && j == b->g1;
      o->g0 = k;
      o->g1 = j;
      o->start = p->g[k].cluster;
      o->end = j < b->g1 ? p->g[j].cluster : b->end;
      o->adv = o->full_adv = 0;
      for (size_t q = k; q < j; q++)
        o->adv += p->g[q].adv;
      o->full_adv = o->adv;
      if (k > b->g0) {
        o->glue = BS_GLUE_CHAR; /* a broken URL is letter-spaced when its line is justified */
        o->glue_w = 0;
        o->brk = true;
        o->forced = false;
      }
      k = j;
    }
  }
  free(p->box);
  p->box = nb;
  p->nbox = p->capbox = n;
}

/* P1: adjacent full-width punctuation pairs take 1.5 em (P6: decided before breaking). */
static void adjacent_pairs(bs_ts_para *p)
{
  for (size_t i = 1; i < p->nbox; i++) {
    bs_ts_box *a = &p->box[i - 1], *b = &p->box[i];
    if (b->glue != BS_GLUE_CHAR && b->glue != BS_GLUE_NONE)
      continue;
    if (!a->cjk || !b->cjk || a->halved || b->halved)
      continue;
    bs_ts_box *h = NULL;
    bs_ts_class x = a->cls, y = b->cls;
    /* CLOSE + CLOSE/STOP/COLON/DIVIDE (」」 」， 〉： 』？ 」；): the closing mark's blank half
     * faces the other mark; the colon or question mark keeps its em (clreq) */
    if (x == BS_CL_CLOSE && (y == BS_CL_CLOSE || y == BS_CL_STOP || y == BS_CL_COLON ||
                             y == BS_CL_DIVIDE))
      h = a;
    else if ((x == BS_CL_CLOSE || x == BS_CL_OPEN || x == BS_CL_STOP || x == BS_CL_COLON ||
              x == BS_CL_DIVIDE) && y == BS_CL_OPEN)
      h = b;
    else if (x == BS_CL_STOP && (y == BS_CL_CLOSE || y == BS_CL_STOP))
      h = a;
    if (!h || !h->can_halve)
      continue;
    h->halved = true;
    h->adv = h->half.adv;
    h->p1_partner = (int)(h == a ? i : i - 1);
  }
}

/* An emoji box is one cell: scaled to 1 em (Noto Color Emoji advances 1.245 em). */
static void emoji_cells(bs_ts_para *p, size_t b0)
{
  for (size_t i = b0; i < p->nbox; i++) {
    bs_ts_box *b = &p->box[i];
    double adv = 0;
    for (size_t k = b->g0; k < b->g1; k++)
      adv += p->g[k].adv;
    double s = adv > 0 ? p->size / adv : 1;
    for (size_t k = b->g0; k < b->g1; k++)
      p->g[k].dx *= s, p->g[k].dy *= s, p->g[k].adv *= s;
    b->size = p->size * s;
    b->adv = b->full_adv = p->size;
    b->cls = BS_CL_IDEO; /* breaks and spacing as an ideograph */
    b->cjk = true;
  }
}

static bool is_space(uint32_t cp) { return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n'; }

/* A word may break after its own hyphen or dash (well-|known, 1041–|1048) where ICU allows. */
static bool hyphen_at(uint32_t cp)
{
  return cp == '-' || cp == 0x2010 || cp == 0x2013;
}

/* A word of a non-CJK run, cps[w, we): one box per piece of one face, direction and script
 * (Pango's items), so "Ελληνικά" is one box and "عام2020" two that never part; words of
 * scripts written without spaces also part where ICU allows a break (soft[box]). */
static void foreign_word(bs_ts_ctx *c, bs_ts_para *p, const uint32_t *cps, const size_t *off,
                         const bs_ts_item *it, size_t w, size_t we, bs_ts_orient orient,
                         int run_id, const bool *icu, bool *soft)
{
  size_t k = w;
  while (k < we) {
    size_t e = k + 1;
    while (e < we && it[e].face == it[k].face && it[e].level == it[k].level &&
           it[e].script == it[k].script && !(icu[off[e]] && (it[e].nospace || hyphen_at(cps[e - 1]))))
      e++;
    size_t g0 = p->ng, b0 = p->nbox;
    hb_direction_t dir = it[k].level & 1 ? HB_DIRECTION_RTL : HB_DIRECTION_LTR;
    hb_script_t scr = it[k].script;
    if (scr == HB_SCRIPT_COMMON || scr == HB_SCRIPT_INHERITED || scr == HB_SCRIPT_UNKNOWN)
      scr = HB_SCRIPT_LATIN;
    shape_run(c, p, it[k].face, off[k], off[e], dir, scr, NULL, 0);
    /* horizontal Latin words: one box per piece between hyphenation points, where a point
     * falls between glyphs (not inside a ligature) */
    size_t cut[BS_TS_MAX_HYPH + 1], nc = 0, pts[BS_TS_MAX_HYPH];
    size_t np = !c->vertical && dir == HB_DIRECTION_LTR && scr == HB_SCRIPT_LATIN
                    ? bs_ts_hyphen_points(c, p->text, off[k], off[e], pts, BS_TS_MAX_HYPH)
                    : 0;
    for (size_t q = 0, gi = g0 + 1; q < np; q++) {
      while (gi < p->ng && p->g[gi].cluster < pts[q])
        gi++;
      if (gi < p->ng && p->g[gi].cluster == pts[q])
        cut[nc++] = gi;
    }
    size_t gend = p->ng;
    cut[nc] = gend;
    for (size_t q = 0, gs = g0; q <= nc; gs = cut[q++]) {
      size_t bb = p->nbox;
      p->ng = cut[q];
      add_boxes_from(c, p, it[k].face, gs, q < nc ? p->g[cut[q]].cluster : off[e], orient,
                     false, true, run_id);
      p->ng = gend;
      if (q > 0 && bb > b0 && bb < p->nbox) {
        bs_ts_box *a = &p->box[bb - 1];
        hb_codepoint_t hg;
        if (hb_font_get_nominal_glyph(it[k].face->hb, '-', &hg)) {
          a->hyphen = true;
          a->hy.gid = hg;
          a->hy.adv = pt(it[k].face, p->size, hb_font_get_glyph_h_advance(it[k].face->hb, hg));
          a->hy.cluster = (uint32_t)a->end;
          p->box[bb].hyph_brk = true;
        }
      }
    }
    for (size_t b = b0; b < p->nbox; b++) {
      p->box[b].level = it[k].level;
      p->box[b].cls = BS_CL_LATIN; /* a foreign word: no CJK punctuation rules */
      p->box[b].cjk = false;
      p->box[b].can_halve = false;
    }
    if (k > w && b0 < p->nbox && icu[off[k]] && (it[k].nospace || hyphen_at(cps[k - 1])))
      soft[b0] = true;
    k = e;
  }
}

bs_status bs_ts_shape_para(bs_ts_ctx *c, bs_ts_para *p, bs_error *err)
{
  bs_status st = BS_OK;
  size_t n = 0;
  uint32_t *cps = bs_xmalloc((p->len + 1) * sizeof *cps);
  size_t *off = bs_xmalloc((p->len + 1) * sizeof *off);
  bool *spaced = NULL, *icu = NULL, *soft = NULL;
  bs_ts_item *it = NULL;
  bool *forced_at = bs_xcalloc(p->len + 1, 1);
  for (size_t i = 0; i < p->len;) {
    uint32_t cp;
    size_t k = bs_utf8_decode(p->text + i, p->len - i, &cp);
    if (!k)
      k = 1, cp = 0xFFFD;
    cps[n] = cp;
    off[n++] = i;
    i += k;
  }
  off[n] = p->len;
  bs_ts_face *regular = bs_ts_face_get(c, false, false, err);
  if (!regular) {
    st = err ? err->code : BS_ERR_FONT;
    goto done;
  }
  it = bs_xcalloc(n + 1, sizeof *it);
  st = bs_ts_itemize(c, p, cps, off, n, it, err);
  if (st != BS_OK)
    goto done;
  icu = icu_breaks(c, p);
  int run_id = 0;
  size_t i = 0;
  bool pending_space = false;
  spaced = bs_xcalloc(p->len + 2, 1); /* per box index: at most one box per character */
  soft = bs_xcalloc(p->len + 2, 1);
  size_t spaced_cap = p->len + 2;
  while (i < n) {
    uint32_t cp = cps[i];
    unsigned char sty = p->style[off[i]];
    if (cp == '\n') {
      forced_at[off[i]] = true;
      pending_space = false;
      i++;
      continue;
    }
    if (cp == ' ' || cp == '\t' || cp == '\r') {
      pending_space = true;
      i++;
      continue;
    }
    bs_ts_face *f = bs_ts_face_for_style(c, sty, err);
    if (!f) {
      st = err ? err->code : BS_ERR_FONT;
      goto done;
    }
    size_t first_box = p->nbox;
    size_t j = i;
    if (it[i].kind == BS_IT_CJK) {
      while (j < n && it[j].kind == BS_IT_CJK && it[j].face == it[i].face && !is_space(cps[j]) &&
             p->style[off[j]] == sty && it[j].level == it[i].level)
        j++;
      /* G1: CJK characters are set solid on the grid: no pair kerning (the JP face kerns
       * kana against punctuation, す。 lost 0.08 em) */
      hb_feature_t feats[64] = {{HB_TAG('k', 'e', 'r', 'n'), 0, 0, (unsigned)-1},
                                {HB_TAG('v', 'k', 'r', 'n'), 0, 0, (unsigned)-1}};
      unsigned nf = 2;
      /* P4: the TW/HK (and Japanese) interpunct is full width */
      for (size_t k = i; k < j && nf < 64; k++)
        if (cps[k] == 0xB7 && c->region != 2)
          feats[nf++] = (hb_feature_t){HB_TAG('f', 'w', 'i', 'd'), 1, (unsigned)off[k],
                                       (unsigned)off[k + 1]};
      size_t g0 = p->ng;
      shape_range(c, p, it[i].face, off[i], off[j], c->vertical, false, feats, nf);
      add_boxes_from(c, p, it[i].face, g0, off[j], BS_OR_UPRIGHT, c->vertical, false, 0);
      /* a bullet or CJK punctuation in a right-to-left paragraph keeps its resolved level
       * (UAX #9 N1), so L2 puts it on its side of the line */
      for (size_t b = first_box; b < p->nbox; b++)
        p->box[b].level = it[i].level;
    } else if (it[i].kind == BS_IT_EMOJI) {
      /* upright in both directions, one cell per cluster: ZWJ sequences, skin tones,
       * keycaps and flags are one glyph cluster of the emoji face */
      while (j < n && it[j].kind == BS_IT_EMOJI && it[j].face == it[i].face && !is_space(cps[j]) &&
             p->style[off[j]] == sty && it[j].level == it[i].level)
        j++;
      size_t g0 = p->ng, b0 = p->nbox;
      shape_run(c, p, it[i].face, off[i], off[j], HB_DIRECTION_LTR, HB_SCRIPT_COMMON, NULL, 0);
      add_boxes_from(c, p, it[i].face, g0, off[j], BS_OR_CELL, false, false, 0);
      emoji_cells(p, b0);
      for (size_t b = b0; b < p->nbox; b++)
        p->box[b].level = it[i].level;
    } else {
      /* a non-CJK run: foreign characters and single spaces between them, one style */
      bool all_latin = true;
      while (j < n && p->style[off[j]] == sty &&
             ((it[j].kind == BS_IT_FOREIGN && !is_space(cps[j])) ||
              (cps[j] == ' ' && j + 1 < n && it[j + 1].kind == BS_IT_FOREIGN &&
               !is_space(cps[j + 1]) && j > i))) {
        if (cps[j] != ' ' && !bs_ts_is_latin(cps[j]))
          all_latin = false;
        j++;
      }
      run_id++;
      /* L1: digits followed by % — the digits decide alone, ％ is set upright */
      size_t jj = j;
      if (c->vertical && j - i >= 2 && cps[j - 1] == '%' && cps[j - 2] >= '0' && cps[j - 2] <= '9')
        jj = j - 1;
      /* L1 is for Latin letters and digits; other scripts lie sideways as words */
      run_mode mode = c->vertical && all_latin ? vertical_mode(c, cps + i, jj - i) : MODE_WORDS;
      size_t w = i;
      while (w < j) {
        if (cps[w] == ' ') {
          w++;
          continue;
        }
        size_t we = w;
        if (w >= jj) {
          we = j; /* the split-off %: upright full width */
          size_t g0 = p->ng;
          hb_feature_t fw = {HB_TAG('f', 'w', 'i', 'd'), 1, 0, (unsigned)-1};
          shape_range(c, p, f, off[w], off[we], true, true, &fw, 1);
          add_boxes_from(c, p, f, g0, off[we], BS_OR_UPRIGHT, true, false, run_id + 100000);
        } else if (mode == MODE_FW) {
          we = jj;
          size_t g0 = p->ng;
          hb_feature_t fw = {HB_TAG('f', 'w', 'i', 'd'), 1, 0, (unsigned)-1};
          shape_range(c, p, f, off[w], off[we], true, true, &fw, 1);
          add_boxes_from(c, p, f, g0, off[we], BS_OR_UPRIGHT, true, false, run_id);
        } else if (mode == MODE_TCY) {
          we = jj;
          size_t g0 = p->ng;
          hb_feature_t hw = {HB_TAG('h', 'w', 'i', 'd'), 1, 0, (unsigned)-1};
          shape_range(c, p, f, off[w], off[we], false, true, &hw, 1);
          add_boxes_from(c, p, f, g0, off[we], BS_OR_TCY, false, true, run_id);
        } else {
          while (we < jj && cps[we] != ' ')
            we++;
          foreign_word(c, p, cps, off, it, w, we, c->vertical ? BS_OR_SIDEWAYS : BS_OR_UPRIGHT,
                       run_id, icu, soft);
          if (we < jj && cps[we] == ' ' && p->nbox + 1 < spaced_cap)
            spaced[p->nbox] = true; /* the next word box follows a space */
        }
        w = we;
      }
    }
    if (first_box < p->nbox && pending_space)
      spaced[first_box] = true;
    pending_space = false;
    i = j;
  }
  /* forced breaks: mark the box that follows each '\n' */
  for (size_t b = 0; b < p->nbox; b++) {
    size_t s = p->box[b].start;
    size_t prev = b ? p->box[b - 1].end : 0;
    for (size_t k = prev; k < s; k++)
      if (forced_at[k])
        p->box[b].forced = true;
  }
  decide_glue(c, p, spaced, soft, icu);
  split_long_words(c, p);
  adjacent_pairs(p);
  bs_ts_ruby_shape(c, p); /* content hook: ruby bases (ruby.c) */
done:
  free(cps);
  free(off);
  free(spaced);
  free(icu);
  free(soft);
  free(it);
  free(forced_at);
  return st;
}

void bs_ts_para_free(bs_ts_para *p)
{
  free(p->text);
  free(p->style);
  free(p->box);
  free(p->g);
  bs_ts_ruby_free(p); /* content hook */
  memset(p, 0, sizeof *p);
}
