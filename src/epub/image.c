/* Images referenced by the input, packed once each; finding, reading and checking them is
 * shared with the typesetter (src/util/image.c). */
#include <stdlib.h>
#include <string.h>

#include "epub-impl.h"

bs_status bs_epub_image(bs_epub *e, const char *src, const char *input, int line,
                        bool from_cli, size_t *entry, bs_error *err)
{
  char *real = NULL, *data = NULL;
  size_t len = 0;
  const char *type = NULL, *ext = NULL;
  *entry = BS_EPUB_NO_ENTRY;
  bs_status st = bs_image_resolve(src, input, line, from_cli, &real, err);
  if (st != BS_OK)
    goto done;
  for (size_t i = 0; i < e->nimages; i++) /* packed once, however often it is shown */
    if (!strcmp(e->images[i].real, real)) {
      *entry = e->images[i].entry;
      goto done;
    }
  st = bs_image_read(real, src, input, line, from_cli, &data, &len, &type, &ext, err);
  if (st != BS_OK)
    goto done;
  bs_buf href = BS_BUF_INIT, id = BS_BUF_INIT;
  bs_buf_printf(&href, "images/img%04zu.%s", e->nimages + 1, ext);
  bs_buf_printf(&id, "img%04zu", e->nimages + 1);
  bool svg = !strcmp(ext, "svg");
  *entry = bs_epub_add_entry(e, href.data, id.data, type, data, len, false, svg);
  bs_buf_free(&href);
  bs_buf_free(&id);
  if (e->nimages == e->cimages) {
    e->cimages = e->cimages ? e->cimages * 2 : 16;
    e->images = bs_xrealloc(e->images, e->cimages * sizeof *e->images);
  }
  e->images[e->nimages].real = real;
  e->images[e->nimages].entry = *entry;
  e->nimages++;
  real = NULL;
done:
  free(real);
  free(data);
  return st;
}
