/* libFuzzer target: the whole pipeline into PDF on a small 20x8 grid, so
 * that a few kilobytes already make several pages. The option byte's low bits pick the
 * reader, 0x80 vertical, 0x08 emphasis dots, 0x04 sideways numbers; the PDF goes to a
 * temporary file in /tmp, which must exist exactly when the writer succeeded. Inputs are cut
 * at 4 KB so each run stays fast. */
#include <string.h>

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char out[64];
  bs_node *doc = fuzz_pipeline_read(data, size, 4 * 1024, "pdf", out);
  if (!doc)
    return 0;
  bs_typeset_options to;
  bs_typeset_options_init(&to);
  to.direction = data[0] & 0x80 ? BS_DIR_VERTICAL : BS_DIR_HORIZONTAL;
  to.grid_chars = 20;
  to.grid_lines = 8;
  to.emphasis_dots = (data[0] & 0x08) != 0;
  to.vnum_sideways = (data[0] & 0x04) != 0;
  to.source_date = 0;
  bs_error err;
  bs_error_clear(&err);
  fuzz_check_output(out, bs_pdf_write(doc, &to, out, &err), &err);
  bs_node_free(doc);
  return 0;
}
