/* libFuzzer target: the whole pipeline into PDF on a small 20x8 grid, so
 * that a few kilobytes already make several pages. The option byte's low bits pick the
 * reader, 0x80 vertical, 0x08 emphasis dots, 0x04 sideways numbers; the PDF goes to a
 * temporary file in /tmp, which must exist exactly when the writer succeeded. Inputs are cut
 * at 4 KB so each run stays fast. */
#include <string.h>

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const bs_format formats[] = {BS_FORMAT_TEXT, BS_FORMAT_MARKDOWN, BS_FORMAT_HTML,
                                      BS_FORMAT_AUTO};
  static char out[64];
  if (!out[0]) {
    fuzz_dir();
    snprintf(out, sizeof out, "/tmp/bisheng-fuzz-%ld.pdf", (long)getpid());
  }
  if (size < 1 || size > 4 * 1024)
    return 0;
  bs_node *doc = fuzz_read(data, size, formats[data[0] & 3], FUZZ_DIR "/in");
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
  unlink(out);
  bs_status st = bs_pdf_write(doc, &to, out, &err);
  struct stat sb;
  bool exists = stat(out, &sb) == 0;
  if (st == BS_OK ? !exists || sb.st_size == 0 : exists || !err.message[0])
    abort(); /* success leaves a file; failure leaves none and says why */
  unlink(out);
  bs_node_free(doc);
  return 0;
}
