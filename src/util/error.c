/* Errors with positions (expat style) and their one-line form. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void bs_error_clear(bs_error *err)
{
  if (!err)
    return;
  memset(err, 0, sizeof *err);
  err->offset = -1;
}

void bs_diag_vmake(bs_error *e, bs_status code, const char *path, int line, int column,
                   const char *fmt, va_list ap)
{
  e->code = code;
  snprintf(e->path, sizeof e->path, "%s", path ? path : "");
  e->line = line;
  e->column = column;
  e->offset = -1;
  vsnprintf(e->message, sizeof e->message, fmt, ap);
}

void bs_diag_vemit(bs_diag_fn fn, void *user, bs_status code, const char *path, int line,
                   int column, const char *fmt, va_list ap)
{
  if (!fn)
    return;
  bs_error e;
  bs_diag_vmake(&e, code, path, line, column, fmt, ap);
  fn(user, &e);
}

bs_status bs_error_set(bs_error *err, bs_status code, const char *path, int line, int column,
                       const char *fmt, ...)
{
  if (!err)
    return code;
  va_list ap;
  va_start(ap, fmt);
  bs_diag_vmake(err, code, path, line, column, fmt, ap);
  va_end(ap);
  return code;
}

char *bs_error_format(const bs_error *err, char *out, size_t size)
{
  if (!size)
    return out;
  out[0] = '\0';
  if (!err)
    return out;
  size_t n = 0;
  if (err->path[0]) {
    n += (size_t)snprintf(out + n, size - n, "%s:", err->path);
    if (n < size && err->line > 0) {
      n += (size_t)snprintf(out + n, size - n, "%d:", err->line);
      if (n < size && err->column > 0)
        n += (size_t)snprintf(out + n, size - n, "%d:", err->column);
    }
    if (n < size)
      n += (size_t)snprintf(out + n, size - n, " ");
  }
  if (n < size)
    snprintf(out + n, size - n, "%s", err->message[0] ? err->message : bs_status_string(err->code));
  return out;
}

const char *bs_status_string(bs_status code)
{
  switch (code) {
  case BS_OK: return "success";
  case BS_ERR_IO: return "I/O error";
  case BS_ERR_ENCODING: return "encoding error";
  case BS_ERR_SYNTAX: return "syntax error";
  case BS_ERR_UNSUPPORTED: return "unsupported";
  case BS_ERR_LIMIT: return "limit exceeded";
  case BS_ERR_FONT: return "font error";
  case BS_ERR_IMAGE: return "image error";
  case BS_ERR_LIBRARY: return "library error";
  case BS_ERR_ARGUMENT: return "invalid argument";
  case BS_NOTE: return "note";
  }
  return "unknown error";
}

bs_status bs_yaml_error(bs_error *err, const char *path, int line0, const char *what,
                        const char *problem, size_t pline, size_t pcol, const char *context,
                        size_t cline, size_t ccol)
{
  if (!problem)
    problem = "invalid YAML";
  /* libyaml reports where it gave up (often the end of the file); the construct that was
   * left open starts at the context mark, which is where the reader has to look */
  if (context && (cline != pline || ccol != pcol))
    return bs_error_set(err, BS_ERR_SYNTAX, path, (int)cline + line0, (int)ccol + 1,
                        "%s: %s that starts here: %s at line %d, column %d", what, context,
                        problem, (int)pline + line0, (int)pcol + 1);
  if (context)
    return bs_error_set(err, BS_ERR_SYNTAX, path, (int)pline + line0, (int)pcol + 1,
                        "%s: %s %s", what, problem, context);
  return bs_error_set(err, BS_ERR_SYNTAX, path, (int)pline + line0, (int)pcol + 1, "%s: %s",
                      what, problem);
}
