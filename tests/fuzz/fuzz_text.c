/* libFuzzer target: the plain-text reader (article exports and Aozora Bunko files; option bit
 * 0x01 lets bs_read sniff the format instead), then the tree's invariants and the JSON dump. */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return fuzz_reader(data, size, size && (data[0] & 1) ? BS_FORMAT_AUTO : BS_FORMAT_TEXT);
}
