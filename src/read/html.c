/* HTML reader: placeholder until the libxml2 reader lands (issue #6). */
#include "../util/util.h"
#include "bisheng/read.h"

bs_status bs_read_html(const char *buf, size_t len, const bs_read_options *opts, bs_node **out,
                       bs_error *err)
{
  (void)buf, (void)len, (void)out;
  return bs_error_set(err, BS_ERR_UNSUPPORTED, opts ? opts->path : NULL, 0, 0,
                      "HTML input is not supported yet");
}
