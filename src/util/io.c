/* Whole-file reading and atomic writing (temporary beside the target, then rename), so a
 * failure never leaves a half-written output or touches an existing one. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
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

/* ---- temporaries a signal must not leave behind ---- */

/* The temporaries open now: a signal handler removes them (bs_remove_temporaries), so only
 * unlink() touches them there. Slots are claimed and released under a lock by the threads
 * that build outputs at once. */
enum { TMP_SLOTS = 256 };
static char *volatile tmp_slots[TMP_SLOTS];
static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;

void bs_tmp_track(const char *path)
{
  char *copy = bs_xstrdup(path);
  pthread_mutex_lock(&tmp_lock);
  for (int i = 0; i < TMP_SLOTS; i++)
    if (!tmp_slots[i]) {
      tmp_slots[i] = copy;
      copy = NULL;
      break;
    }
  pthread_mutex_unlock(&tmp_lock);
  free(copy); /* more than TMP_SLOTS at once: this one is not removed on a signal */
}

void bs_tmp_untrack(const char *path)
{
  char *gone = NULL;
  pthread_mutex_lock(&tmp_lock);
  for (int i = 0; i < TMP_SLOTS && !gone; i++)
    if (tmp_slots[i] && !strcmp(tmp_slots[i], path)) {
      gone = tmp_slots[i];
      tmp_slots[i] = NULL;
    }
  pthread_mutex_unlock(&tmp_lock);
  free(gone);
}

void bs_remove_temporaries(void)
{
  for (int i = 0; i < TMP_SLOTS; i++) {
    char *p = tmp_slots[i];
    if (p)
      unlink(p);
  }
}

int bs_tmp_create(char *templ)
{
  static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static unsigned long long counter;
  size_t n = strlen(templ);
  if (n < 6 || strcmp(templ + n - 6, "XXXXXX")) {
    errno = EINVAL;
    return -1;
  }
  for (int attempt = 0; attempt < 100; attempt++) {
    unsigned char r[6];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
      /* no entropy yet: the time, the process and a count differ from call to call */
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      unsigned long long v = (unsigned long long)ts.tv_nsec * 2654435761u ^
                             (unsigned long long)getpid() << 20 ^
                             __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 40503u;
      for (size_t i = 0; i < sizeof r; i++, v >>= 8)
        r[i] = (unsigned char)v;
    }
    for (size_t i = 0; i < 6; i++)
      templ[n - 6 + i] = alnum[r[i] % (sizeof alnum - 1)];
    bs_tmp_track(templ);
    int fd = open(templ, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
      return fd;
    int e = errno;
    bs_tmp_untrack(templ);
    if (e != EEXIST) {
      errno = e;
      return -1;
    }
  }
  errno = EEXIST;
  return -1;
}

/* The process's umask, read without changing it (umask(2) would, for every thread). */
static mode_t current_umask(void)
{
  static mode_t mask = (mode_t)-1;
  if (mask != (mode_t)-1)
    return mask;
  FILE *f = fopen("/proc/self/status", "r");
  char line[128];
  unsigned m = 022;
  bool found = false;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "Umask: %o", &m) == 1) {
      found = true;
      break;
    }
  if (f)
    fclose(f);
  if (!found) { /* no /proc: set and restore, once */
    mode_t u = umask(022);
    umask(u);
    m = u;
  }
  mask = (mode_t)m;
  return mask;
}

mode_t bs_output_mode(const char *path)
{
  struct stat sb;
  if (path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
    return sb.st_mode & 07777; /* an existing output keeps its mode */
  return 0666 & ~current_umask();
}

bool bs_sync_folder(const char *path)
{
  const char *slash = strrchr(path, '/');
  char *dir = slash ? bs_xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
                    : bs_xstrdup(".");
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  free(dir);
  if (fd < 0)
    return false;
  bool ok = fsync(fd) == 0 || errno == EINVAL; /* some file systems cannot sync a folder */
  close(fd);
  return ok;
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
  int fd = bs_tmp_create(a->tmp);
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
  fchmod(fd, bs_output_mode(a->path));
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
      st = bs_error_set(err, BS_ERR_IO, "-", 0, 0, "write error on standard output: %s",
                        strerror(errno));
      break;
    }
  fclose(in);
  if (st == BS_OK && fflush(stdout) != 0)
    st = bs_error_set(err, BS_ERR_IO, "-", 0, 0, "write error on standard output: %s",
                      strerror(errno));
  return st;
}

bs_status bs_atomic_commit(bs_atomic_file *a, bs_error *err)
{
  bs_status st = BS_OK;
  const char *shown = a->to_stdout ? "-" : a->path;
  if (a->f) {
    /* the data reaches the disk before the rename, so a power loss leaves the old file or the
     * new one, never an empty one */
    bool bad = ferror(a->f) != 0 || fflush(a->f) != 0 ||
               (!a->to_stdout && fsync(fileno(a->f)) != 0 && errno != EINVAL);
    int e = errno;
    if (fclose(a->f) != 0 || bad)
      st = bs_error_set(err, BS_ERR_IO, shown, 0, 0, "write error: %s",
                        strerror(bad ? e : errno));
    a->f = NULL;
  }
  if (st == BS_OK) {
    if (a->to_stdout)
      st = copy_to_stdout(a->tmp, err);
    else if (rename(a->tmp, a->path) != 0)
      st = bs_error_set(err, BS_ERR_IO, shown, 0, 0, "cannot rename into place: %s",
                        strerror(errno));
    else {
      bs_tmp_untrack(a->tmp);
      free(a->tmp);
      a->tmp = NULL;
      bs_sync_folder(a->path); /* the rename itself reaches the disk */
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
  if (a->tmp) {
    unlink(a->tmp);
    bs_tmp_untrack(a->tmp);
  }
  free(a->tmp);
  free(a->path);
  free(a);
}
