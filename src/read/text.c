/* Plain-text article reader (placeholder while it is written). */
#include "../util/util.h"
#include "bisheng/read.h"

bs_status bs_read_text(const char *buf, size_t len, const bs_read_options *opts, bs_node **out,
                       bs_error *err)
{
  (void)buf, (void)len, (void)out;
  return bs_error_set(err, BS_ERR_UNSUPPORTED, opts ? opts->path : NULL, 0, 0, "not yet");
}
void bs_normalize_punctuation(bs_node *root) { (void)root; }
const char *bs_detect_lang(const char *text, size_t len) { (void)text, (void)len; return NULL; }
