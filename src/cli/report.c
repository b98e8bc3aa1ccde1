/* What the commands report, in one place: merged warnings and the JSON strings of the build
 * report. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "cli.h"

void cli_warnings_add(cli_warnings *w, const char *line, bool note)
{
  for (size_t i = 0; i < w->n; i++)
    if (!strcmp(w->v[i].text, line)) {
      w->v[i].count++;
      return;
    }
  cli_warning *nv = realloc(w->v, (w->n + 1) * sizeof *nv);
  char *t = strdup(line);
  if (!nv || !t)
    abort();
  w->v = nv;
  w->v[w->n].text = t;
  w->v[w->n].count = 1;
  w->v[w->n].note = note;
  w->n++;
}

void cli_warnings_print(const cli_warnings *w, size_t from, const char *prefix)
{
  for (size_t i = from; i < w->n; i++) {
    if (w->v[i].count > 1)
      fprintf(stderr, "%s%s (×%d)\n", prefix, w->v[i].text, w->v[i].count);
    else
      fprintf(stderr, "%s%s\n", prefix, w->v[i].text);
  }
}

size_t cli_warnings_count(const cli_warnings *w)
{
  size_t n = 0;
  for (size_t i = 0; i < w->n; i++)
    n += !w->v[i].note;
  return n;
}

void cli_warnings_free(cli_warnings *w)
{
  for (size_t i = 0; i < w->n; i++)
    free(w->v[i].text);
  free(w->v);
  w->v = NULL;
  w->n = 0;
}

void cli_format_warning(const bs_error *e, char *line, size_t size)
{
  bs_error copy = *e;
  /* a rare overlong message is cut, which is fine for a warning */
  snprintf(copy.message, sizeof copy.message, "%s: %.*s", e->code == BS_NOTE ? "note" : "warning",
           (int)(sizeof copy.message - 10), e->message);
  bs_error_format(&copy, line, size);
}

void cli_json_str(FILE *f, const char *s)
{
  if (!s) {
    fputs("null", f);
    return;
  }
  bs_buf b = BS_BUF_INIT; /* the library's escaper, as the tree and layout dumps write */
  bs_buf_put_json(&b, s, strlen(s));
  fwrite(b.data, 1, b.len, f);
  bs_buf_free(&b);
}
