/* libFuzzer target: the HTML reader, then the tree's invariants and the JSON dump. */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return fuzz_reader(data, size, BS_FORMAT_HTML);
}
