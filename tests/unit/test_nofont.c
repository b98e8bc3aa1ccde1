/* No CJK font at all (issue #8): the typesetter fails with a clear error naming the package to
 * install, instead of drawing tofu or crashing. The font configuration is a private one that
 * lists an empty folder (bs_typeset_options.fonts_dir). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bisheng/bisheng.h"

static void test_no_font(void **state)
{
  (void)state;
  char dir[] = "/tmp/bisheng-nofont-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char conf[256], empty[256], out[256];
  snprintf(empty, sizeof empty, "%s/empty", dir);
  snprintf(conf, sizeof conf, "%s/fonts.conf", dir);
  snprintf(out, sizeof out, "%s/book.pdf", dir);
  FILE *f = fopen(conf, "w");
  assert_non_null(f);
  fprintf(f, "<?xml version=\"1.0\"?>\n<fontconfig><dir>%s</dir></fontconfig>\n", empty);
  fclose(f);

  static const char text[] = "標題\n\n正文，一段中文。\n";
  bs_node *doc = NULL;
  assert_int_equal(bs_read(text, sizeof text - 1, NULL, &doc, NULL), BS_OK);
  bs_typeset_options o;
  bs_typeset_options_init(&o);
  o.fonts_dir = dir;
  bs_error err;
  bs_error_clear(&err);
  assert_int_equal(bs_pdf_write(doc, &o, out, &err), BS_ERR_FONT);
  assert_non_null(strstr(err.message, "install fonts-noto-cjk"));
  assert_int_not_equal(access(out, F_OK), 0); /* no output left */
  FILE *null = fopen("/dev/null", "w");
  bs_error_clear(&err);
  assert_int_equal(bs_layout_dump(doc, &o, null, &err), BS_ERR_FONT);
  fclose(null);
  bs_node_free(doc);
  unlink(conf);
  rmdir(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_no_font)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
