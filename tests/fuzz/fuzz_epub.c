/* libFuzzer target: the whole pipeline into EPUB. The option byte's low bits pick the reader
 * (text, Markdown, HTML, sniffed), 0x08 keep-going, 0x80 vertical; the book is written to a
 * temporary file in /tmp, which must exist exactly when the writer succeeded. Inputs are cut
 * at 16 KB so each run stays fast. */
#include <string.h>

#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const bs_format formats[] = {BS_FORMAT_TEXT, BS_FORMAT_MARKDOWN, BS_FORMAT_HTML,
                                      BS_FORMAT_AUTO};
  static char out[64];
  if (!out[0]) {
    fuzz_dir();
    snprintf(out, sizeof out, "/tmp/bisheng-fuzz-%ld.epub", (long)getpid());
  }
  if (size < 1 || size > 16 * 1024)
    return 0;
  bs_node *doc = fuzz_read(data, size, formats[data[0] & 3], FUZZ_DIR "/in");
  if (!doc)
    return 0;
  bs_epub_options eo;
  bs_epub_options_init(&eo);
  eo.direction = data[0] & 0x80 ? BS_DIR_VERTICAL : BS_DIR_HORIZONTAL;
  eo.keep_going = (data[0] & 0x08) != 0;
  eo.source_date = 0;
  bs_error err;
  bs_error_clear(&err);
  unlink(out);
  bs_status st = bs_epub_write(doc, &eo, out, &err);
  struct stat sb;
  bool exists = stat(out, &sb) == 0;
  if (st == BS_OK ? !exists || sb.st_size == 0 : exists || !err.message[0])
    abort(); /* success leaves a file; failure leaves none and says why */
  unlink(out);
  bs_node_free(doc);
  return 0;
}
