/* libFuzzer target: every reader (the first byte picks the format and options, as cmark's and
 * md4c's targets do), then the tree's invariants and the JSON dump. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bisheng/bisheng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  static const bs_format formats[] = {BS_FORMAT_TEXT, BS_FORMAT_MARKDOWN, BS_FORMAT_HTML,
                                      BS_FORMAT_AUTO};
  bs_read_options o;
  bs_read_options_init(&o);
  o.path = "fuzz";
  o.format = formats[data[0] & 3];
  o.lossy = (data[0] & 0x10) != 0;
  o.normalize = (data[0] & 0x20) == 0;
  if (data[0] & 0x40)
    o.lang = "ja";
  bs_node *doc = NULL;
  bs_error err;
  bs_error_clear(&err);
  if (bs_read((const char *)data + 1, size - 1, &o, &doc, &err) == BS_OK) {
    if (bs_node_check(doc, stderr) != 0)
      abort();
    FILE *null = fopen("/dev/null", "w");
    if (null) {
      bs_node_dump_json(doc, null, NULL);
      fclose(null);
    }
    bs_node_free(doc);
  } else if (doc) {
    abort(); /* a reader fills its output only on success */
  }
  return 0;
}
