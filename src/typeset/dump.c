/* The layout as JSON (§12.1): pages → lines → glyphs, from the same data the drawer uses.
 * Positions are in pt, page coordinates with y down; `p` is the inline position from the
 * line's start edge and `adv` the inline advance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "typeset-impl.h"

static const char *kind_name[] = {"body", "heading", "small", "code", "blank", "figure", "note"};
static const char *fit_name[] = {"normal", "push-in", "push-out", "forced"};
static const char *orient_name[] = {"upright", "sideways", "tcy", "emoji"};

static bs_status put_out(bs_buf *b, FILE *out, bs_error *err)
{
  bs_status st = BS_OK;
  if (fwrite(b->data, 1, b->len, out) != b->len)
    st = bs_error_set(err, BS_ERR_IO, NULL, 0, 0, "cannot write the layout");
  bs_buf_free(b);
  return st;
}

bs_status bs_ts_dump_begin(bs_ts_ctx *c, FILE *out, bs_error *err)
{
  bs_buf b = BS_BUF_INIT;
  bs_buf_printf(&b,
                "{\"direction\": \"%s\", \"lang\": ", c->vertical ? "vertical" : "horizontal");
  bs_buf_put_json(&b, c->bk->lang, strlen(c->bk->lang));
  bs_buf_printf(&b,
                ", \"page\": {\"width\": %.4f, \"height\": %.4f}, \"size\": %.4f, \"pitch\": "
                "%.4f, \"chars\": %d, \"lines\": %d, \"measure\": %.4f, \"area\": {\"x\": %.4f, "
                "\"y\": %.4f, \"width\": %.4f, \"height\": %.4f},\n \"pages\": [",
                c->page_w, c->page_h, c->size, c->pitch, c->chars, c->lines, c->measure,
                c->area_x, c->area_y, c->area_w, c->area_h);
  return put_out(&b, out, err);
}

bs_status bs_ts_dump_chapter(bs_ts_ctx *c, void *user, bs_error *err)
{
  bs_buf b = BS_BUF_INIT;
  for (size_t pi = 0; pi < c->npages; pi++) {
    const bs_ts_page *pg = &c->pages[pi];
    bs_buf_printf(&b,
                  "%s\n  {\"number\": %d, \"lang\": ", pg->number > 1 ? "," : "", pg->number);
    bs_buf_put_json(&b, pg->lang, strlen(pg->lang)); /* a chapter's own tag, as written */
    bs_buf_printf(&b,
                  ", \"direction\": \"%s\", "
                  "\"rows\": %d, \"area\": {\"x\": %.4f, \"y\": %.4f, \"width\": %.4f, "
                  "\"height\": %.4f}, \"folio\": \"%s\", \"head\": ",
                  c->vertical ? "vertical" : "horizontal", c->lines, c->area_x, c->area_y,
                  c->area_w, c->area_h, pg->folio);
    bs_buf_put_json(&b, pg->head, strlen(pg->head));
    bs_buf_puts(&b, ", \"lines\": [");
    for (size_t li = pg->l0; li < pg->l1; li++) {
      const bs_ts_line *l = &c->lines_v[li];
      bs_buf_printf(&b,
                    "%s\n   {\"kind\": \"%s\", \"slot\": %d, \"slots\": %d, \"size\": %.4f, "
                    "\"x\": %.4f, \"y\": %.4f, \"indent\": %.4f, \"measure\": %.4f, "
                    "\"extent\": %.4f, \"natural\": %.4f, \"full\": %s, \"para\": %d, "
                    "\"first\": %s, \"last\": %s, \"fit\": \"%s\", \"adjust\": {\"shrink\": "
                    "%.4f, \"autospace\": %.4f, \"word\": %.4f, \"char\": %.4f}",
                    li > pg->l0 ? "," : "", kind_name[l->kind], l->column, l->slots, l->size,
                    l->ox, l->oy, l->indent, l->measure, l->extent, l->natural,
                    l->full ? "true" : "false", l->para_id, l->para_first ? "true" : "false",
                    l->para_last ? "true" : "false", fit_name[l->fit], l->adj_shrink,
                    l->adj_auto, l->adj_word, l->adj_char);
      if (l->fig) { /* content: a figure line's image box */
        bs_buf_puts(&b, ", \"figure\": {\"src\": ");
        bs_buf_put_json(&b, l->fig->src, strlen(l->fig->src));
        bs_buf_printf(&b,
                      ", \"format\": \"%s\", \"px\": [%d, %d], \"x\": %.4f, \"y\": %.4f, "
                      "\"width\": %.4f, \"height\": %.4f}",
                      l->fig->jpeg ? "jpeg" : "png", l->fig->px_w, l->fig->px_h, l->fig->x, l->fig->y,
                      l->fig->w, l->fig->h);
      }
      if (l->note) /* content: the line that opens note `note`; the page's first footnote */
        bs_buf_printf(&b, ", \"note\": %d", l->note);
      if (l->note_rule)
        bs_buf_puts(&b, ", \"rule\": true");
      bs_buf_puts(&b, ", \"glyphs\": [");
      bool firstg = true;
      for (size_t ri = 0; ri < l->nruns; ri++) {
        const bs_ts_prun *r = &l->runs[ri];
        for (size_t gi = 0; gi < r->ng; gi++) {
          const bs_ts_pglyph *g = &r->g[gi];
          double x = g->x, y = g->y;
          cairo_matrix_transform_point(&r->m, &x, &y);
          bs_buf_printf(&b, "%s\n    {\"c\": ", firstg ? "" : ",");
          bs_buf_put_json(&b, r->text + g->c0, g->c1 - g->c0);
          bs_buf_printf(&b,
                        ", \"gid\": %u, \"font\": \"%s\", \"index\": %d, \"bold\": %s, \"x\": "
                        "%.4f, \"y\": %.4f, \"p\": %.4f, \"adv\": %.4f, \"o\": \"%s\"%s%s",
                        g->gid, r->face->family, r->face->index, r->face->bold ? "true" : "false",
                        l->ox + x, l->oy + y, g->p, g->adv, orient_name[r->orient],
                        r->halved ? ", \"halved\": true" : "", g->dot ? ", \"dot\": true" : "");
          /* content: ruby annotation glyphs and the glyphs of their bases carry its id */
          if (r->ruby)
            bs_buf_printf(&b, ", \"ruby\": %d, \"size\": %.4f", r->ruby, r->size);
          if (r->rb)
            bs_buf_printf(&b, ", \"rb\": %d", r->rb);
          if (r->note)
            bs_buf_printf(&b, ", \"mark\": %d, \"size\": %.4f", r->note, r->size);
          if (r->level)
            bs_buf_printf(&b, ", \"level\": %d", r->level);
          bs_buf_putc(&b, '}');
          firstg = false;
        }
      }
      bs_buf_puts(&b, "]}");
    }
    bs_buf_puts(&b, "]}");
  }
  return put_out(&b, (FILE *)user, err);
}

bs_status bs_ts_dump_end(bs_ts_ctx *c, FILE *out, bs_error *err)
{
  (void)c;
  bs_buf b = BS_BUF_INIT;
  bs_buf_puts(&b, "\n ]}\n");
  bs_status st = put_out(&b, out, err);
  if (st == BS_OK && fflush(out))
    st = bs_error_set(err, BS_ERR_IO, NULL, 0, 0, "cannot write the layout");
  return st;
}
