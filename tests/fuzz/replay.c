/* Runs a libFuzzer target over files, without libFuzzer: `make check` replays the seeds and
 * every past crasher (tests/fuzz/crashers/) under the normal and sanitizer builds. Each file
 * is fed once per option byte listed below, so every reader sees every seed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
  static const uint8_t option_bytes[] = {0x00, 0x01, 0x02, 0x03, 0x10, 0x21, 0x40};
  int files = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      perror(argv[i]);
      return 1;
    }
    size_t cap = 1 << 16, len = 1;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
      len += n;
      if (len == cap)
        buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
      return 1;
    /* files under crashers/ carry their own option byte */
    if (strstr(argv[i], "/crashers/")) {
      LLVMFuzzerTestOneInput(buf + 1, len - 1);
    } else {
      for (size_t k = 0; k < sizeof option_bytes; k++) {
        buf[0] = option_bytes[k];
        LLVMFuzzerTestOneInput(buf, len);
      }
    }
    free(buf);
    files++;
  }
  printf("replayed %d files\n", files);
  return 0;
}
