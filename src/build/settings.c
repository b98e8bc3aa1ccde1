/* Output settings: the text users write for an output (command line, manifest) checked once
 * and mapped onto the writers' option structs (settings.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bisheng/manifest.h"
#include "bisheng/settings.h"

void bs_output_settings_init(bs_output_settings *s)
{
  memset(s, 0, sizeof *s);
  s->direction = BS_DIR_DEFAULT;
  s->indent_em = -1;
  s->bleed_mm = -1;
  s->vnum_sideways = s->emphasis_dots = s->embed_fonts = s->keep_going = s->toc =
      s->recto_chapters = s->crop_marks = -1;
}

/* A number with an optional unit after it ("12pt", "3 mm", "2"), from lo to hi. */
static bool number(const char *v, const char *unit, double lo, double hi, double *out)
{
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  while (*end == ' ')
    end++;
  if (end == v || errno || (*end && strcmp(end, unit)) || d < lo || d > hi)
    return false;
  *out = d;
  return true;
}

static bool on_off(const char *v, int *out)
{
  if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
    *out = 1;
  else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
    *out = 0;
  else
    return false;
  return true;
}

/* One of two words: 0 for the first, 1 for the second. */
static bool one_of(const char *v, const char *w0, const char *w1, int *out)
{
  if (strcmp(v, w0) && strcmp(v, w1))
    return false;
  *out = !strcmp(v, w1);
  return true;
}

typedef enum {
  K_DIRECTION, K_PAPER, K_FONT_SIZE, K_GRID, K_MARGINS, K_INDENT, K_BLEED, K_VNUM, K_EMPHASIS,
  K_FONT, K_CSS, K_COVER, K_EMBED_FONTS, K_KEEP_GOING, K_TOC, K_RECTO, K_CROP
} key;

/* Keys and aliases, with what a value should be (the words of every error about it). */
static const struct {
  const char *name;
  key k;
  const char *expect;
} keys[] = {
    {"direction", K_DIRECTION, "horizontal or vertical"},
    {"paper", K_PAPER, "a paper size (A4 A5 B5 B6 32K Letter or WxHmm)"},
    {"papersize", K_PAPER, "a paper size (A4 A5 B5 B6 32K Letter or WxHmm)"},
    {"fontsize", K_FONT_SIZE, "a number from 4 to 1000"},
    {"font-size", K_FONT_SIZE, "a number from 4 to 1000"},
    {"grid", K_GRID, "CxL such as 40x15"},
    {"margins", K_MARGINS, "T,R,B,L in mm"},
    {"indent", K_INDENT, "a number from 0 to 100"},
    {"bleed", K_BLEED, "a number from 0 to 20"},
    {"vnum", K_VNUM, "upright or sideways"},
    {"emphasis", K_EMPHASIS, "bold or dots"},
    {"font", K_FONT, "a font family"},
    {"mainfont", K_FONT, "a font family"},
    {"CJKmainfont", K_FONT, "a font family"},
    {"css", K_CSS, "a stylesheet"},
    {"cover", K_COVER, "an image"},
    {"cover-image", K_COVER, "an image"},
    {"embed-fonts", K_EMBED_FONTS, "true or false"},
    {"keep-going", K_KEEP_GOING, "true or false"},
    {"toc", K_TOC, "true or false"},
    {"recto-chapters", K_RECTO, "true or false"},
    {"crop-marks", K_CROP, "true, false or japanese"},
};

/* G1: a grid of fewer than 5 characters or 3 lines is no page; more than 200 is no book. */
enum { GRID_CHARS_MIN = 5, GRID_LINES_MIN = 3, GRID_MAX = 200 };

bool bs_output_settings_set(bs_output_settings *s, const char *name, const char *v,
                            const char **expect)
{
  size_t i = 0;
  while (i < sizeof keys / sizeof keys[0] && strcmp(keys[i].name, name))
    i++;
  if (expect)
    *expect = i < sizeof keys / sizeof keys[0] ? keys[i].expect : "a known setting";
  if (i == sizeof keys / sizeof keys[0] || !v)
    return false;
  bs_output_settings t = *s;
  bool ok = true;
  switch (keys[i].k) {
  case K_DIRECTION:
    t.direction = bs_direction_from_string(v);
    ok = t.direction != BS_DIR_DEFAULT;
    break;
  case K_PAPER: ok = bs_paper_size(v, &t.paper_w_mm, &t.paper_h_mm); break;
  case K_FONT_SIZE: ok = number(v, "pt", 4, 1000, &t.font_size_pt); break;
  case K_INDENT: ok = number(v, "em", 0, 100, &t.indent_em); break;
  case K_BLEED: ok = number(v, "mm", 0, 20, &t.bleed_mm); break;
  case K_GRID: {
    char tail;
    ok = sscanf(v, "%dx%d%c", &t.grid_chars, &t.grid_lines, &tail) == 2 &&
         t.grid_chars >= GRID_CHARS_MIN && t.grid_lines >= GRID_LINES_MIN &&
         t.grid_chars <= GRID_MAX && t.grid_lines <= GRID_MAX;
    break;
  }
  case K_MARGINS: {
    /* one length for all four sides, or T,R,B,L */
    double *m = t.margins_mm;
    char tail;
    int n = sscanf(v, "%lf,%lf,%lf,%lf%c", &m[0], &m[1], &m[2], &m[3], &tail);
    if (n == 1)
      m[1] = m[2] = m[3] = m[0];
    ok = t.has_margins = n == 1 || n == 4;
    break;
  }
  case K_VNUM: ok = one_of(v, "upright", "sideways", &t.vnum_sideways); break;
  case K_EMPHASIS: ok = one_of(v, "bold", "dots", &t.emphasis_dots); break;
  case K_FONT: t.font = v; break;
  case K_CSS: t.css = v; break;
  case K_COVER: t.cover = v; break;
  case K_EMBED_FONTS: ok = on_off(v, &t.embed_fonts); break;
  case K_KEEP_GOING: ok = on_off(v, &t.keep_going); break;
  case K_TOC: ok = on_off(v, &t.toc); break;
  case K_RECTO: ok = on_off(v, &t.recto_chapters); break;
  case K_CROP:
    /* true (corner marks), false, or japanese (トンボ) */
    if (!strcmp(v, "japanese"))
      t.crop_marks = BS_CROP_JAPANESE;
    else
      ok = on_off(v, &t.crop_marks);
    break;
  }
  if (ok)
    *s = t;
  return ok;
}

void bs_output_settings_merge(bs_output_settings *s, const bs_output_settings *o)
{
  if (o->direction != BS_DIR_DEFAULT)
    s->direction = o->direction;
  if (o->paper_w_mm > 0) {
    s->paper_w_mm = o->paper_w_mm;
    s->paper_h_mm = o->paper_h_mm;
  }
  if (o->font_size_pt > 0)
    s->font_size_pt = o->font_size_pt;
  if (o->grid_chars > 0) {
    s->grid_chars = o->grid_chars;
    s->grid_lines = o->grid_lines;
  }
  if (o->has_margins) {
    memcpy(s->margins_mm, o->margins_mm, sizeof s->margins_mm);
    s->has_margins = true;
  }
  if (o->indent_em >= 0)
    s->indent_em = o->indent_em;
  if (o->bleed_mm >= 0)
    s->bleed_mm = o->bleed_mm;
#define TAKE(f, unset) if (o->f != (unset)) s->f = o->f
  TAKE(font, NULL); TAKE(css, NULL); TAKE(cover, NULL);
  TAKE(vnum_sideways, -1); TAKE(emphasis_dots, -1); TAKE(embed_fonts, -1);
  TAKE(keep_going, -1); TAKE(toc, -1); TAKE(recto_chapters, -1); TAKE(crop_marks, -1);
  TAKE(jobs, 0);
#undef TAKE
}

void bs_output_settings_apply(const bs_output_settings *s, bs_epub_options *epub,
                              bs_typeset_options *pdf)
{
  if (epub) {
    bs_epub_options_init(epub);
    epub->direction = s->direction;
    epub->css_path = s->css;
    epub->cover_path = s->cover;
    epub->embed_fonts = s->embed_fonts > 0;
    epub->keep_going = s->keep_going > 0;
    epub->jobs = s->jobs;
  }
  if (!pdf)
    return;
  bs_typeset_options_init(pdf);
  pdf->direction = s->direction;
  if (s->paper_w_mm > 0) {
    pdf->paper_w_mm = s->paper_w_mm;
    pdf->paper_h_mm = s->paper_h_mm;
  }
  if (s->font_size_pt > 0)
    pdf->font_size_pt = s->font_size_pt;
  pdf->grid_chars = s->grid_chars;
  pdf->grid_lines = s->grid_lines;
  if (s->has_margins)
    memcpy(pdf->margins_mm, s->margins_mm, sizeof pdf->margins_mm);
  pdf->font_family = s->font;
  if (s->indent_em >= 0)
    pdf->indent_em = s->indent_em;
  if (s->bleed_mm >= 0)
    pdf->bleed_mm = s->bleed_mm;
  pdf->vnum_sideways = s->vnum_sideways > 0;
  pdf->emphasis_dots = s->emphasis_dots > 0;
  pdf->keep_going = s->keep_going > 0;
  pdf->crop_marks = s->crop_marks > 0 ? s->crop_marks : 0;
  if (s->toc >= 0)
    pdf->toc = s->toc;
  if (s->recto_chapters >= 0)
    pdf->recto_chapters = s->recto_chapters;
  if (s->jobs > 0)
    pdf->jobs = s->jobs;
}

int bs_jobs_default(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > BS_JOBS_DEFAULT_MAX ? BS_JOBS_DEFAULT_MAX : (int)n;
}

void bs_book_settle_lang(bs_node *book)
{
  if (!book || bs_node_get_type(book) != BS_NODE_BOOK || bs_node_get_meta(book, BS_META_LANG))
    return;
  for (bs_node *d = bs_node_first_child(book); d; d = bs_node_next(d))
    if (!bs_manifest_is_part(d) && bs_node_get_meta(d, BS_META_LANG)) {
      bs_node_set_meta(book, BS_META_LANG, bs_node_get_meta(d, BS_META_LANG));
      return;
    }
}
