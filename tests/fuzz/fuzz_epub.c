/* libFuzzer target: the whole pipeline into EPUB. The option byte's low bits pick the reader
 * (text, Markdown, HTML, sniffed), 0x08 keep-going, 0x80 vertical; the book is written to a
 * temporary file in /tmp, which must exist exactly when the writer succeeded. Inputs are cut
 * at 16 KB so each run stays fast. */
#include <string.h>

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char out[64];
  bs_node *doc = fuzz_pipeline_read(data, size, 16 * 1024, "epub", out);
  if (!doc)
    return 0;
  bs_epub_options eo;
  bs_epub_options_init(&eo);
  eo.direction = data[0] & 0x80 ? BS_DIR_VERTICAL : BS_DIR_HORIZONTAL;
  eo.keep_going = (data[0] & 0x08) != 0;
  eo.source_date = 0;
  bs_error err;
  bs_error_clear(&err);
  fuzz_check_output(out, bs_epub_write(doc, &eo, out, &err), &err);
  bs_node_free(doc);
  return 0;
}
