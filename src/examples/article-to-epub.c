/* article-to-epub: the smallest program on libbisheng. Reads one article (.txt, .md or .html)
 * and writes it as an EPUB 3 book.
 *
 *   cc article-to-epub.c $(pkg-config --cflags --libs bisheng) -o article-to-epub
 *   ./article-to-epub article.md book.epub
 */
#include <bisheng/bisheng.h>
#include <stdio.h>

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: %s ARTICLE BOOK.epub\n", argv[0]);
    return 2;
  }
  bs_error err;
  bs_error_clear(&err);
  char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];

  bs_node *doc = NULL; /* ours to free */
  if (bs_read_file(argv[1], NULL, &doc, &err) != BS_OK) {
    fprintf(stderr, "%s\n", bs_error_format(&err, line, sizeof line));
    return 1;
  }
  bs_epub_options opts;
  bs_epub_options_init(&opts);
  opts.source_date = 0; /* a reproducible file: every timestamp 1970-01-01 */
  bs_status st = bs_epub_write(doc, &opts, argv[2], &err);
  if (st != BS_OK)
    fprintf(stderr, "%s\n", bs_error_format(&err, line, sizeof line));
  else
    printf("%s: \"%s\", %zu blocks\n", argv[2], bs_node_get_meta(doc, BS_META_TITLE),
           bs_node_child_count(doc));
  bs_node_free(doc);
  return st == BS_OK ? 0 : 1;
}
