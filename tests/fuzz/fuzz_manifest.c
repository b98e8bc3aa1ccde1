/* libFuzzer target: the manifest parser (bs_manifest_parse, from memory), every accessor,
 * then the articles (up to 16) read into the book tree, and its invariants. The manifest sits
 * in the fixed folder FUZZ_DIR, which holds three small articles for its paths and globs to
 * find; '/' becomes '_' so that no path or glob leaves that folder (an absolute glob such as
 * '/ * / *' would walk the whole file system on every run). The first byte is skipped like the
 * other targets' option byte, so one replay tool serves them all. */
#include <string.h>

#include "fuzz-common.h"

static void touch(const char *name, const char *text)
{
  char path[256];
  snprintf(path, sizeof path, "%s/%s", FUZZ_DIR, name);
  FILE *f = fopen(path, "wx");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  if (!ready) {
    fuzz_dir();
    touch("a.md", "# 一\n\n正文。\n");
    touch("b.txt", "二\n\n正文。\n");
    touch("c.html", "<h1>三</h1><p>正文。</p>\n");
    ready = 1;
  }
  if (size < 1)
    return 0;
  data++, size--;
  char *buf = malloc(size ? size : 1);
  if (!buf)
    return 0;
  memcpy(buf, data, size);
  for (size_t i = 0; i < size; i++)
    if (buf[i] == '/')
      buf[i] = '_';
  bs_manifest_options o;
  bs_manifest_options_init(&o);
  bs_manifest *m = NULL;
  bs_error err;
  bs_error_clear(&err);
  if (bs_manifest_parse(buf, size, FUZZ_DIR "/book.yaml", &o, &m, &err) == BS_OK) {
    fuzz_check_tree(bs_manifest_get_book(m));
    for (size_t i = 0; i < bs_manifest_article_count(m); i++)
      if (!bs_manifest_article_path(m, i) || bs_manifest_article_line(m, i) < 0)
        abort();
    for (size_t i = 0; i < bs_manifest_output_count(m); i++) {
      const bs_manifest_output *out = bs_manifest_get_output(m, i);
      if (!out || !out->name || !out->path || bs_manifest_find_output(m, out->name) != out)
        abort();
    }
    (void)bs_manifest_part_count(m);
    /* the articles are FUZZ_DIR's three small files: the book tree with parts and overrides */
    if (bs_manifest_article_count(m) <= 16) {
      bs_error aerr;
      bs_error_clear(&aerr);
      if (bs_manifest_read_articles(m, &o, &aerr) == BS_OK)
        fuzz_check_tree(bs_manifest_get_book(m));
      else if (aerr.code == BS_OK || !aerr.message[0])
        abort();
    }
    bs_manifest_free(m);
  } else if (m || err.code == BS_OK || !err.message[0]) {
    abort();
  }
  free(buf);
  return 0;
}
