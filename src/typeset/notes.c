/* Footnotes. A mark is the note's number in small type right after the text it annotates:
 * raised to the em-box top in horizontal (a superscript), beside the column's right edge in
 * vertical, where circled numbers ①… stand upright. Notes are numbered per chapter in the
 * order of their first marks. Their text, in smaller type, follows the chapter: in vertical
 * books as a notes section at the chapter's end under 註 / 注 (CJK vertical books set notes
 * after the section or chapter, not at the page foot, whose short columns cannot hold them);
 * in horizontal ones each page's notes move to its foot under a short rule, and a note that
 * does not fit continues at the foot of the next page. Marks and notes link to each other. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

#define NOTE_MARK_SCALE 0.6

static bs_ts_note *find(bs_ts_ctx *c, const char *label)
{
  for (size_t i = 0; i < c->nnotes; i++)
    if (!strcmp(c->notes[i].label, label))
      return &c->notes[i];
  return NULL;
}

static bs_ts_note *add(bs_ts_ctx *c, const char *label)
{
  if (c->nnotes == c->capnotes) {
    c->capnotes = c->capnotes * 2 + 8;
    c->notes = bs_xrealloc(c->notes, c->capnotes * sizeof *c->notes);
  }
  bs_ts_note *n = &c->notes[c->nnotes++];
  memset(n, 0, sizeof *n);
  n->label = bs_xstrdup(label);
  n->ref_line = (size_t)-1;
  return n;
}

static int max_num(const bs_ts_ctx *c)
{
  int m = 0;
  for (size_t i = 0; i < c->nnotes; i++)
    if (c->notes[i].num > m)
      m = c->notes[i].num;
  return m;
}

int bs_ts_note_ref(bs_ts_ctx *c, const char *label)
{
  if (!label)
    label = "";
  bs_ts_note *n = find(c, label);
  if (!n)
    n = add(c, label);
  if (!n->num)
    n->num = max_num(c) + 1;
  n->marked = true;
  return c->note_base + n->num;
}

void bs_ts_note_def(bs_ts_ctx *c, const bs_node *def)
{
  const char *label = bs_node_get_label(def);
  if (!label)
    label = "";
  bs_ts_note *n = find(c, label);
  if (!n)
    n = add(c, label);
  if (!n->def)
    n->def = def;
}

static int cmp_num(const void *a, const void *b)
{
  const bs_ts_note *x = a, *y = b;
  return (x->num > y->num) - (x->num < y->num);
}

void bs_ts_notes_number(bs_ts_ctx *c)
{
  for (size_t i = 0; i < c->nnotes; i++)
    if (!c->notes[i].num)
      c->notes[i].num = max_num(c) + 1; /* defined, never marked: after the others */
  qsort(c->notes, c->nnotes, sizeof *c->notes, cmp_num);
}

bs_ts_note *bs_ts_note_by_id(bs_ts_ctx *c, int id)
{
  int num = id - c->note_base;
  for (size_t i = 0; i < c->nnotes; i++)
    if (c->notes[i].num == num)
      return &c->notes[i];
  return NULL;
}

const char *bs_ts_notes_title(const bs_ts_ctx *c)
{
  static const char *t[] = {"註", "註", "注", "注", "주"};
  return t[c->region >= 0 && c->region <= 4 ? c->region : 0];
}

void bs_ts_note_mark(const bs_ts_ctx *c, int id, char *buf, size_t n)
{
  int num = id - c->note_base;
  bs_buf b = BS_BUF_INIT;
  if (!c->vertical)
    bs_buf_printf(&b, "%d", num);
  else if (num >= 1 && num <= 20)
    bs_buf_put_utf8(&b, 0x2460 + (uint32_t)num - 1); /* ①–⑳ */
  else if (num >= 21 && num <= 35)
    bs_buf_put_utf8(&b, 0x3251 + (uint32_t)num - 21); /* ㉑–㉟ */
  else if (num >= 36 && num <= 50)
    bs_buf_put_utf8(&b, 0x32B1 + (uint32_t)num - 36); /* ㊱–㊿ */
  else
    bs_buf_printf(&b, "〔%d〕", num);
  snprintf(buf, n, "%s", b.data ? b.data : "");
  bs_buf_free(&b);
}

void bs_ts_notes_chars(hb_set_t *s)
{
  hb_set_add_range(s, 0x2460, 0x2473); /* ①–⑳ */
  hb_set_add_range(s, 0x3251, 0x325F); /* ㉑–㉟ */
  hb_set_add_range(s, 0x32B1, 0x32BF); /* ㊱–㊿ */
  hb_set_add(s, 0x8A3B);               /* 註 */
  hb_set_add(s, 0x6CE8);               /* 注 */
  hb_set_add(s, 0xC8FC);               /* 주 */
}

char *bs_ts_text_unmarked(const bs_ts_para *p)
{
  bs_buf b = BS_BUF_INIT;
  for (size_t i = 0; i < p->len; i++)
    if (!(p->style[i] & BS_ST_SMALL))
      bs_buf_putc(&b, p->text[i]);
  return b.data ? bs_buf_detach(&b) : bs_xstrdup("");
}

void bs_ts_note_span(bs_ts_ruby_list *l, size_t start, size_t end, int id)
{
  if (end <= start)
    return;
  bs_ts_span_push(l, start, end)->note = id;
}

/* The mark's boxes: small, tied to the text before them, no spacing on either side. */
void bs_ts_note_shape(bs_ts_ctx *c, bs_ts_para *p, bs_ts_ruby *r)
{
  (void)c;
  bs_ts_span_boxes(p, r);
  size_t b0 = r->b0, b1 = r->b1;
  for (size_t k = b0; k < b1; k++) {
    bs_ts_box *b = &p->box[k];
    b->can_halve = false;
    b->halved = false;
    if (b->orient == BS_OR_TCY) /* 〔51〕 and beyond: full size */
      continue;
    b->size = p->size * NOTE_MARK_SCALE;
    double adv = 0;
    for (size_t g = b->g0; g < b->g1; g++) {
      p->g[g].adv *= NOTE_MARK_SCALE;
      p->g[g].dx *= NOTE_MARK_SCALE;
      p->g[g].dy *= NOTE_MARK_SCALE;
      adv += p->g[g].adv;
    }
    b->adv = b->full_adv = adv;
  }
  for (size_t k = b0; k < b1 && k > 0; k++) {
    p->box[k].brk = false; /* a line never starts with a mark */
    p->box[k].glue = BS_GLUE_NONE;
    p->box[k].glue_w = 0;
  }
  if (b1 < p->nbox && p->box[b1].glue == BS_GLUE_AUTO) {
    p->box[b1].glue = BS_GLUE_CHAR; /* S1 is for letters, not for the mark */
    p->box[b1].glue_w = 0;
  }
}

void bs_ts_note_place(bs_ts_ctx *c, const bs_ts_para *p, const bs_ts_ruby *r, size_t s, size_t e,
                      bs_ts_line *ln)
{
  for (size_t k = r->b0 > s ? r->b0 : s; k < r->b1 && k < e && k - s < ln->nruns; k++) {
    bs_ts_prun *run = &ln->runs[k - s];
    run->note = r->note;
    if (p->box[k].orient == BS_OR_TCY)
      continue;
    double small = p->size * NOTE_MARK_SCALE;
    if (c->vertical)
      run->m.x0 += (p->size - small) / 2; /* against the column's right edge */
    else
      run->m.y0 -= BS_TS_ASCENT * (p->size - small); /* em-box tops aligned */
  }
}

size_t bs_ts_notes_body_end(bs_ts_ctx *c)
{
  c->foot_used = 0;
  for (size_t i = 0; i < c->nnotes; i++)
    c->notes[i].ref_line = (size_t)-1;
  return !c->vertical && c->nnotes && c->notes_l0 <= c->nlines ? c->notes_l0 : c->nlines;
}

int bs_ts_notes_foot(bs_ts_ctx *c, size_t i)
{
  if (c->vertical || !c->nnotes || i >= c->nlines)
    return 0;
  const bs_ts_line *l = &c->lines_v[i];
  int slots = 0;
  for (size_t r = 0; r < l->nruns; r++) {
    if (!l->runs[r].note)
      continue;
    bs_ts_note *n = bs_ts_note_by_id(c, l->runs[r].note);
    if (!n)
      continue;
    if (n->ref_line == (size_t)-1)
      n->ref_line = i;
    if (n->ref_line == i && (r == 0 || l->runs[r - 1].note != l->runs[r].note))
      for (size_t k = n->l0; k < n->l1; k++)
        slots += c->lines_v[k].slots;
  }
  return slots;
}

void bs_ts_notes_place(bs_ts_ctx *c)
{
  if (c->vertical || !c->nnotes || c->notes_l0 >= c->nlines || !c->npages)
    return;
  size_t nbody = c->notes_l0, nall = c->nlines;
  size_t *carry = bs_xmalloc((nall - nbody + 1) * sizeof *carry), ncarry = 0;
  size_t *take = bs_xmalloc((nall - nbody + 1) * sizeof *take);
  bs_ts_line *nv = bs_xmalloc(c->caplines * sizeof *nv);
  size_t *map = bs_xmalloc((nbody + 1) * sizeof *map);
  size_t out = 0;
  bool *placed = bs_xcalloc(nall - nbody + 1, 1);
  for (size_t pi = 0; pi < c->npages || ncarry; pi++) {
    if (pi == c->npages) { /* notes left over: a page of their own */
      c->pages = bs_xrealloc(c->pages, (c->npages + 1) * sizeof *c->pages);
      c->pages[c->npages] = c->pages[c->npages - 1];
      c->pages[c->npages].l0 = c->pages[c->npages].l1 = nbody;
      c->pages[c->npages].number++;
      c->pages[c->npages].blank = false;
      c->pages[c->npages].opening = false;
      c->pages[c->npages].divider = false;
      c->npages++;
    }
    bs_ts_page *pg = &c->pages[pi];
    int used = 0;
    for (size_t li = pg->l0; li < pg->l1 && li < nbody; li++)
      used = c->lines_v[li].column + c->lines_v[li].slots;
    /* this page's marks, after what the previous page could not hold */
    if (!pg->blank)
      for (size_t li = pg->l0; li < pg->l1 && li < nbody; li++) {
        const bs_ts_line *l = &c->lines_v[li];
        for (size_t r = 0; r < l->nruns; r++) {
          bs_ts_note *n = l->runs[r].note ? bs_ts_note_by_id(c, l->runs[r].note) : NULL;
          if (n && n->ref_line == li)
            for (size_t k = n->l0; k < n->l1; k++)
              if (!placed[k - nbody]) {
                placed[k - nbody] = true;
                carry[ncarry++] = k;
              }
        }
      }
    if (pi + 1 == c->npages) /* notes nobody marks go with the last page */
      for (size_t k = nbody; k < nall; k++)
        if (!placed[k - nbody]) {
          placed[k - nbody] = true;
          carry[ncarry++] = k;
        }
    size_t ntake = 0;
    int room = pg->blank ? 0 : c->lines - used, foot = 0;
    while (ntake < ncarry && foot + c->lines_v[carry[ntake]].slots <= room)
      foot += c->lines_v[carry[ntake++]].slots;
    if (pg->l0 == pg->l1 && !ntake && ncarry) /* a page of notes takes at least one */
      foot += c->lines_v[carry[ntake++]].slots;
    memcpy(take, carry, ntake * sizeof *take);
    memmove(carry, carry + ntake, (ncarry - ntake) * sizeof *carry);
    ncarry -= ntake;
    size_t l0 = out;
    for (size_t li = pg->l0; li < pg->l1 && li < nbody; li++) {
      map[li] = out;
      nv[out++] = c->lines_v[li];
    }
    int slot = c->lines - foot;
    for (size_t t = 0; t < ntake; t++) {
      bs_ts_line *l = &nv[out++];
      *l = c->lines_v[take[t]];
      double band = l->slots * c->pitch - c->gap;
      l->column = slot;
      l->ox = c->area_x + l->indent;
      l->oy = c->area_y + slot * c->pitch + (band - l->size) / 2;
      l->note_rule = t == 0;
      slot += l->slots;
    }
    pg->l0 = l0;
    pg->l1 = out;
  }
  for (size_t h = 0; h < c->nheads; h++)
    if (c->heads[h].line < nbody)
      c->heads[h].line = map[c->heads[h].line];
  free(c->lines_v);
  c->lines_v = nv;
  c->nlines = out;
  for (size_t i = 0; i < c->nnotes; i++)
    c->notes[i].l0 = c->notes[i].l1 = 0; /* line indices changed: links use the lines now */
  free(carry);
  free(take);
  free(map);
  free(placed);
}

void bs_ts_notes_free(bs_ts_ctx *c)
{
  c->note_base += max_num(c);
  for (size_t i = 0; i < c->nnotes; i++)
    free(c->notes[i].label);
  free(c->notes);
  c->notes = NULL;
  c->nnotes = c->capnotes = 0;
  c->notes_l0 = 0;
}

/* Links: a mark links to its note, the note's number back to its first mark. They go into the
 * page records (bs_ts_page.links); the drawer writes them as link annotations. */
static void run_rect(const bs_ts_ctx *c, const bs_ts_line *l, const bs_ts_prun *r, double q[4])
{
  double p0 = INFINITY, p1 = -INFINITY;
  for (size_t i = 0; i < r->ng; i++) {
    p0 = fmin(p0, r->g[i].p);
    p1 = fmax(p1, r->g[i].p + r->g[i].adv);
  }
  if (r->ng == 0)
    p0 = p1 = 0;
  if (c->vertical) {
    q[0] = l->ox - l->size / 2;
    q[2] = l->ox + l->size / 2;
    q[1] = l->oy + p0;
    q[3] = l->oy + p1;
  } else {
    q[0] = l->ox + p0;
    q[2] = l->ox + p1;
    q[1] = l->oy;
    q[3] = l->oy + l->size;
  }
}

/* The page (index) and line of the chapter where note `id` opens (want_note) or where its
 * first mark is. */
static bool locate(const bs_ts_ctx *c, int id, bool want_note, size_t *page, size_t *line,
                   size_t *run)
{
  for (size_t pi = 0; pi < c->npages; pi++)
    for (size_t li = c->pages[pi].l0; li < c->pages[pi].l1; li++) {
      const bs_ts_line *l = &c->lines_v[li];
      if (want_note) {
        if (l->note == id) {
          *page = pi, *line = li, *run = 0;
          return true;
        }
        continue;
      }
      for (size_t r = 0; r < l->nruns; r++)
        if (l->runs[r].note == id) {
          *page = pi, *line = li, *run = r;
          return true;
        }
    }
  return false;
}

/* Page `pi`'s record: the rule over its first footnote (a quarter of the measure, in the gap
 * above it) and the links of its notes and marks, in line order. */
void bs_ts_notes_furnish(bs_ts_ctx *c, size_t pi)
{
  bs_ts_page *pg = &c->pages[pi];
  for (size_t li = pg->l0; li < pg->l1; li++) {
    const bs_ts_line *l = &c->lines_v[li];
    if (l->note_rule) {
      pg->rule = true;
      pg->rule_y = l->oy - (c->pitch - l->size) / 2;
      pg->rule_x0 = c->area_x;
      pg->rule_x1 = c->area_x + c->measure / 4;
    }
    size_t tp, tl, tr;
    if (l->note && l->nruns && locate(c, l->note, false, &tp, &tl, &tr)) {
      bs_ts_link *k = bs_ts_page_link(pg);
      run_rect(c, l, &l->runs[0], k->rect);
      double t[4];
      run_rect(c, &c->lines_v[tl], &c->lines_v[tl].runs[tr], t);
      k->to = c->pages[tp].number;
      k->x = t[0];
      k->y = t[1];
    }
    for (size_t r = 0; r < l->nruns; r++) {
      const bs_ts_prun *run = &l->runs[r];
      if (!run->note || (r > 0 && l->runs[r - 1].note == run->note))
        continue;
      if (!locate(c, run->note, true, &tp, &tl, &tr))
        continue; /* a mark without a note */
      bs_ts_link *k = bs_ts_page_link(pg);
      run_rect(c, l, run, k->rect);
      const bs_ts_line *nl = &c->lines_v[tl];
      k->to = c->pages[tp].number;
      k->x = c->vertical ? nl->ox + nl->size / 2 : c->area_x;
      k->y = c->vertical ? c->area_y : nl->oy;
    }
  }
}
