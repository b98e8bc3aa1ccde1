/* EPUB writer: placeholder until issue #3 lands. */
#include <string.h>

#include "../util/util.h"
#include "bisheng/epub.h"

void bs_epub_options_init(bs_epub_options *o)
{
  memset(o, 0, sizeof *o);
  o->source_date = -1;
}

bs_status bs_epub_write(const bs_node *root, const bs_epub_options *opts, const char *path,
                        bs_error *err)
{
  (void)root, (void)opts;
  return bs_error_set(err, BS_ERR_UNSUPPORTED, path, 0, 0, "EPUB output is not supported yet");
}
