/* Typesetter: placeholder until issue #4 lands. */
#include <string.h>

#include "../util/util.h"
#include "bisheng/typeset.h"

void bs_typeset_options_init(bs_typeset_options *o)
{
  memset(o, 0, sizeof *o);
  o->indent_em = -1;
  o->source_date = -1;
}

bool bs_paper_size(const char *name, double *w, double *h)
{
  (void)name, (void)w, (void)h;
  return false;
}

bs_status bs_pdf_write(const bs_node *root, const bs_typeset_options *opts, const char *path,
                       bs_error *err)
{
  (void)root, (void)opts;
  return bs_error_set(err, BS_ERR_UNSUPPORTED, path, 0, 0, "PDF output is not supported yet");
}

bs_status bs_layout_dump(const bs_node *root, const bs_typeset_options *opts, FILE *out,
                         bs_error *err)
{
  (void)root, (void)opts, (void)out;
  return bs_error_set(err, BS_ERR_UNSUPPORTED, NULL, 0, 0, "layout is not supported yet");
}
