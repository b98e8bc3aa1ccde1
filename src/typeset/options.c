/* The typesetter's options and paper sizes: no font or drawing library here, so a program that
 * only reads a manifest (the CLI building an EPUB) needs none of them (Makefile: the CLI's
 * typesetter module). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bisheng/typeset.h"

void bs_typeset_options_init(bs_typeset_options *o)
{
  memset(o, 0, sizeof *o);
  o->indent_em = -1;
  o->source_date = -1;
  o->toc = -1;
  o->recto_chapters = -1;
}

/* §7.2: B5/B6 are the JIS sizes (what they mean in Japan and Taiwan); 32K is the mainland
 * 130 × 184 mm. */
bool bs_paper_size(const char *name, double *w, double *h)
{
  static const struct {
    const char *name;
    double w, h;
  } sizes[] = {{"A4", 210, 297}, {"A5", 148, 210},   {"B5", 182, 257},    {"B6", 128, 182},
               {"B6-ISO", 125, 176}, {"B5-ISO", 176, 250}, {"32K", 130, 184},
               {"Letter", 215.9, 279.4}};
  if (!name)
    return false;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (!strcasecmp(name, sizes[i].name)) {
      *w = sizes[i].w;
      *h = sizes[i].h;
      return true;
    }
  double a, b;
  char x, rest[8] = "";
  if (sscanf(name, "%lf%c%lf%7s", &a, &x, &b, rest) == 4 && (x == 'x' || x == 'X') &&
      !strcmp(rest, "mm") && a >= 50 && b >= 50 && a <= 2000 && b <= 2000) {
    *w = a;
    *h = b;
    return true;
  }
  return false;
}
