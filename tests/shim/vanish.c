/* Preloaded by tests/t-epub-late-error.sh: the file named by $BS_VANISH (its path as the
 * program opens it, or that path's last component) is opened once as usual and removed just
 * before the program opens it a second time. The EPUB writer reads an image when it plans the
 * book and again when libzip asks for it inside zip_close: this is the image that vanishes
 * between the two. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int opened;

static void maybe_vanish(const char *path)
{
  const char *name = getenv("BS_VANISH");
  if (!name || !*name || !path)
    return;
  size_t n = strlen(path), k = strlen(name);
  if (n < k || strcmp(path + n - k, name) || (n > k && path[n - k - 1] != '/'))
    return;
  if (__atomic_fetch_add(&opened, 1, __ATOMIC_SEQ_CST) == 1)
    unlink(path);
}

FILE *fopen(const char *path, const char *mode)
{
  static FILE *(*real)(const char *, const char *);
  if (!real)
    real = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
  maybe_vanish(path);
  return real(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
  static FILE *(*real)(const char *, const char *);
  if (!real)
    real = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen64");
  maybe_vanish(path);
  return real(path, mode);
}
