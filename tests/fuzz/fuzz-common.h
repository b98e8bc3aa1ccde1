/* Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c). The first input byte holds the
 * options (as cmark's and md4c's targets do); the rest is the document. Every target checks
 * the tree's invariants and aborts on a broken one, so the fuzzer reports it. */
#ifndef BS_FUZZ_COMMON_H
#define BS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bisheng/bisheng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed, empty folder that every pipeline target names as its input's folder, so image
 * references resolve there and never into the working tree. */
#define FUZZ_DIR "/tmp/bisheng-fuzz"

static inline void fuzz_dir(void)
{
  mkdir(FUZZ_DIR, 0700);
}

/* Option byte: 0x10 lossy, 0x20 no normalisation, 0x40 lang "ja", 0x80 vertical (pipelines). */
static inline void fuzz_read_options(uint8_t opt, bs_format format, const char *path,
                                     bs_read_options *o)
{
  bs_read_options_init(o);
  o->path = path;
  o->format = format;
  o->lossy = (opt & 0x10) != 0;
  o->normalize = (opt & 0x20) == 0;
  if (opt & 0x40)
    o->lang = "ja";
}

/* Checks a successfully read tree (invariants, JSON dump) and frees nothing. */
static inline void fuzz_check_tree(const bs_node *doc)
{
  if (bs_node_check(doc, stderr) != 0)
    abort();
  FILE *null = fopen("/dev/null", "w");
  if (null) {
    if (bs_node_dump_json(doc, null, NULL) != BS_OK)
      abort();
    fclose(null);
  }
}

/* Reads `data` (after the option byte) with `format`; NULL when the reader refused it. */
static inline bs_node *fuzz_read(const uint8_t *data, size_t size, bs_format format,
                                 const char *path)
{
  if (size < 1)
    return NULL;
  bs_read_options o;
  fuzz_read_options(data[0], format, path, &o);
  bs_node *doc = NULL;
  bs_error err;
  bs_error_clear(&err);
  if (bs_read((const char *)data + 1, size - 1, &o, &doc, &err) != BS_OK) {
    if (doc)
      abort(); /* a reader fills its output only on success */
    if (err.code == BS_OK || !err.message[0])
      abort(); /* a failure always says what failed */
    return NULL;
  }
  fuzz_check_tree(doc);
  return doc;
}

/* A reader target: read, check, free. */
static inline int fuzz_reader(const uint8_t *data, size_t size, bs_format format)
{
  bs_node_free(fuzz_read(data, size, format, "fuzz"));
  return 0;
}

/* A pipeline target's input: cut at `max` bytes (so each run stays fast) and read with the
 * reader the option byte's low bits pick (text, Markdown, HTML, sniffed), as if it lay in
 * FUZZ_DIR; NULL to skip. `out` (size 64) gets the temporary output's name, removed. */
static inline bs_node *fuzz_pipeline_read(const uint8_t *data, size_t size, size_t max,
                                          const char *ext, char *out)
{
  static const bs_format formats[] = {BS_FORMAT_TEXT, BS_FORMAT_MARKDOWN, BS_FORMAT_HTML,
                                      BS_FORMAT_AUTO};
  fuzz_dir();
  snprintf(out, 64, "/tmp/bisheng-fuzz-%ld.%s", (long)getpid(), ext);
  unlink(out);
  if (size < 1 || size > max)
    return NULL;
  return fuzz_read(data, size, formats[data[0] & 3], FUZZ_DIR "/in");
}

/* A writer's outcome: success leaves a non-empty file, failure leaves none and says why. */
static inline void fuzz_check_output(const char *out, bs_status st, const bs_error *err)
{
  struct stat sb;
  bool exists = stat(out, &sb) == 0;
  if (st == BS_OK ? !exists || sb.st_size == 0 : exists || !err->message[0])
    abort();
  unlink(out);
}

#endif
