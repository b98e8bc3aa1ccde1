/* Preloaded into every test by tests/run-tests.sh: each EPUB a test builds (an output renamed
 * into place, by bisheng's atomic writer, libzip or `bisheng build`) is copied into the folder
 * $BS_KEEP_EPUBS before the test can remove it, so that t-epub-ace checks every EPUB the tests
 * built with DAISY Ace and epubcheck in one run, after them. Interposes rename, renameat and
 * renameat2; does nothing when BS_KEEP_EPUBS is unset or the new name does not end in .epub. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_uint kept;

static int is_epub(const char *path)
{
  size_t n = path ? strlen(path) : 0;
  return n > 5 && strcmp(path + n - 5, ".epub") == 0;
}

/* the renamed file is complete now: copy it (the test may change or remove it later) */
static void keep(int dirfd, const char *path)
{
  const char *dir = getenv("BS_KEEP_EPUBS");
  if (!dir || !*dir || !is_epub(path))
    return;
  int in = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char name[4096];
  snprintf(name, sizeof name, "%s/%ld-%u-%s", dir, (long)getpid(), atomic_fetch_add(&kept, 1),
           base);
  int out = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out >= 0) {
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
      if (write(out, buf, (size_t)n) != n)
        break;
    close(out);
  }
  close(in);
}

int rename(const char *from, const char *to)
{
  static int (*real)(const char *, const char *);
  if (!real)
    real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
  int r = real(from, to);
  if (r == 0)
    keep(AT_FDCWD, to);
  return r;
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
  static int (*real)(int, const char *, int, const char *);
  if (!real)
    real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
  int r = real(fromfd, from, tofd, to);
  if (r == 0)
    keep(tofd, to);
  return r;
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
  static int (*real)(int, const char *, int, const char *, unsigned);
  if (!real)
    real = (int (*)(int, const char *, int, const char *, unsigned))dlsym(RTLD_NEXT, "renameat2");
  int r = real(fromfd, from, tofd, to, flags);
  if (r == 0)
    keep(tofd, to);
  return r;
}
