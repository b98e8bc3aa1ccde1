/* Whole-file reading and atomic writing (temporary beside the target, then rename), so a
 * failure never leaves a half-written output or touches an existing one. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "util.h"

bs_status bs_read_all(const char *path, char **data, size_t *len, bs_error *err)
{
  return bs_read_all_max(path, BS_INPUT_MAX, data, len, err);
}

bs_status bs_read_all_max(const char *path, size_t max, char **data, size_t *len, bs_error *err)
{
  bool is_stdin = strcmp(path, "-") == 0;
  FILE *f = is_stdin ? stdin : fopen(path, "rb");
  if (!f)
    return bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  struct stat st;
  if (!is_stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return bs_error_set(err, BS_ERR_IO, path, 0, 0, "is a directory");
  }
  bs_buf b = BS_BUF_INIT;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (b.len + n > max) {
      bs_buf_free(&b);
      if (!is_stdin)
        fclose(f);
      return bs_error_set(err, BS_ERR_LIMIT, path, 0, 0,
                          "the file is larger than the %zu MB limit", max >> 20);
    }
    bs_buf_put(&b, chunk, n);
  }
  bool failed = ferror(f);
  if (!is_stdin)
    fclose(f);
  if (failed) {
    bs_buf_free(&b);
    return bs_error_set(err, BS_ERR_IO, path, 0, 0, "read error");
  }
  *len = b.len;
  *data = bs_buf_detach(&b);
  return BS_OK;
}

struct bs_atomic_file {
  char *path;
  char *tmp;
  FILE *f;
  bool to_stdout;
};

bs_status bs_atomic_open(const char *path, bs_atomic_file **out, bs_error *err)
{
  bs_atomic_file *a = bs_xcalloc(1, sizeof *a);
  if (strcmp(path, "-") == 0) {
    /* stdout cannot be renamed: collect into a temporary and copy on commit */
    a->to_stdout = true;
    const char *dir = getenv("TMPDIR");
    bs_buf t = BS_BUF_INIT;
    bs_buf_printf(&t, "%s/bisheng-XXXXXX", dir && *dir ? dir : "/tmp");
    a->tmp = bs_buf_detach(&t);
  } else {
    a->path = bs_xstrdup(path);
    bs_buf t = BS_BUF_INIT;
    const char *slash = strrchr(path, '/');
    if (slash)
      bs_buf_printf(&t, "%.*s.%s.tmp-XXXXXX", (int)(slash - path + 1), path, slash + 1);
    else
      bs_buf_printf(&t, ".%s.tmp-XXXXXX", path);
    a->tmp = bs_buf_detach(&t);
  }
  int fd = mkstemp(a->tmp);
  if (fd < 0) {
    int e = errno;
    const char *slash = a->path ? strrchr(path, '/') : NULL;
    struct stat sb;
    bool nodir = false;
    if (e == ENOENT && slash) {
      char *dir = bs_xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
      nodir = stat(dir, &sb) != 0;
      free(dir);
    }
    bs_status st =
        nodir
            ? bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write: the folder '%.*s' does not exist",
                           slash == path ? 1 : (int)(slash - path), path)
            : bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(e));
    free(a->tmp);
    a->tmp = NULL;
    bs_atomic_abort(a);
    return st;
  }
  fchmod(fd, 0644);
  a->f = fdopen(fd, "wb");
  if (!a->f) {
    close(fd);
    bs_atomic_abort(a);
    return bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
  }
  *out = a;
  return BS_OK;
}

const char *bs_atomic_tmp_path(const bs_atomic_file *a) { return a->tmp; }
void *bs_atomic_stream(bs_atomic_file *a) { return a->f; }

static bs_status copy_to_stdout(const char *tmp, bs_error *err)
{
  FILE *in = fopen(tmp, "rb");
  if (!in)
    return bs_error_set(err, BS_ERR_IO, "-", 0, 0, "cannot reopen output: %s", strerror(errno));
  char chunk[65536];
  size_t n;
  bs_status st = BS_OK;
  while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
    if (fwrite(chunk, 1, n, stdout) != n) {
      st = bs_error_set(err, BS_ERR_IO, "-", 0, 0, "write error on standard output");
      break;
    }
  fclose(in);
  if (st == BS_OK && fflush(stdout) != 0)
    st = bs_error_set(err, BS_ERR_IO, "-", 0, 0, "write error on standard output");
  return st;
}

bs_status bs_atomic_commit(bs_atomic_file *a, bs_error *err)
{
  bs_status st = BS_OK;
  const char *shown = a->to_stdout ? "-" : a->path;
  if (a->f) {
    bool bad = ferror(a->f) != 0;
    if (fclose(a->f) != 0 || bad)
      st = bs_error_set(err, BS_ERR_IO, shown, 0, 0, "write error: %s", strerror(errno));
    a->f = NULL;
  }
  if (st == BS_OK) {
    if (a->to_stdout)
      st = copy_to_stdout(a->tmp, err);
    else if (rename(a->tmp, a->path) != 0)
      st = bs_error_set(err, BS_ERR_IO, shown, 0, 0, "cannot rename into place: %s",
                        strerror(errno));
    else {
      free(a->tmp);
      a->tmp = NULL;
    }
  }
  bs_atomic_abort(a);
  return st;
}

void bs_atomic_abort(bs_atomic_file *a)
{
  if (!a)
    return;
  if (a->f)
    fclose(a->f);
  if (a->tmp)
    unlink(a->tmp);
  free(a->tmp);
  free(a->path);
  free(a);
}
