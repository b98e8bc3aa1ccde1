/* `bisheng build` (a manifest into its outputs, in parallel) and `bisheng init` (a new book
 * folder from templates/book.yaml). Glue over bs_manifest_*: options, progress, reports. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cairo.h>
#include <cmark-gfm.h>
#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <harfbuzz/hb.h>
#include <libxml/parser.h>
#include <unicode/uversion.h>
#include <yaml.h>
#include <zlib.h>

#include "bisheng/bisheng.h"
#include "../typeset/typeset-impl.h"
#include "cli.h"

/* `bisheng --version`: ours, then the version of each library as loaded at run time. */
void bisheng_print_version(void)
{
  printf("bisheng %s\n", BS_VERSION_STRING);
  int fc = FcGetVersion();
  FT_Library ft;
  FT_Int ftv[3] = {0, 0, 0};
  if (FT_Init_FreeType(&ft) == 0) {
    FT_Library_Version(ft, &ftv[0], &ftv[1], &ftv[2]);
    FT_Done_FreeType(ft);
  }
  UVersionInfo uv;
  char icu[U_MAX_VERSION_STRING_LENGTH];
  u_getVersion(uv);
  u_versionToString(uv, icu);
  int xml = atoi(xmlParserVersion);
  printf("  cairo %s, harfbuzz %s, fontconfig %d.%d.%d, freetype %d.%d.%d\n",
         cairo_version_string(), hb_version_string(), fc / 10000, fc / 100 % 100, fc % 100,
         ftv[0], ftv[1], ftv[2]);
  printf("  icu %s, libxml2 %d.%d.%d, zlib %s, libyaml %s, cmark-gfm %s\n", icu, xml / 10000,
         xml / 100 % 100, xml % 100, zlibVersion(), yaml_get_version_string(),
         cmark_version_string());
}


/* The template and the sample chapters `bisheng init` writes, built into the binary so the
 * installed tool needs no data files (t-build-init checks they match templates/). */
__asm__(".section .rodata\n"
        ".balign 16\n"
        "book_template:\n"
        ".incbin \"templates/book.yaml\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char book_template[];

/* The CI files `bisheng init --ci` writes (t-ci runs their build commands). */
__asm__(".section .rodata\n"
        ".balign 16\n"
        "ci_github:\n"
        ".incbin \"templates/ci/github.yml\"\n"
        ".byte 0\n"
        "ci_gitlab:\n"
        ".incbin \"templates/ci/gitlab.yml\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char ci_github[], ci_gitlab[];

static const struct {
  const char *path, *text;
} samples[] = {
    {"chapters/preface.md", "---\ntitle: 序\n---\n\n這是序。把你的文章放進 chapters/，"
                            "再在 book.yaml 裏列出。\n"},
    {"chapters/01.md", "---\ntitle: 第一章\n---\n\n# 第一章\n\n正文從這裏開始。\n"},
    {"chapters/02.md", "---\ntitle: 第二章\n---\n\n# 第二章\n\n第二章的正文。\n"},
    {"chapters/appendix.md",
     "---\ntitle: About this book\nlang: en\n---\n\n# About this book\n\nMade with bisheng.\n"},
};

/* ---- Messages ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Errors collected for the report, printed as they come (they are few and final). */
typedef struct build build;

typedef enum { ST_WAITING, ST_BUILDING, ST_WRITTEN, ST_UNCHANGED, ST_FAILED } state;

typedef struct job {
  build *b;
  bs_manifest_output out; /* with volumes: name "NAME:V", file and path "…-vNN.ext" */
  const char *output;     /* the manifest's output name */
  size_t volume;          /* 1-based, 0 without volumes */
  char *owned[3];         /* the volume's name, file and path */
  state st;
  double start, ms;
  bs_manifest_result res;
  bs_error err;
  cli_warnings warn;
  bs_progress prog;   /* the writer's last report (under the lock) */
  int quarter;        /* progress lines printed off a terminal: 25 %, 50 %, 75 % */
} job;

struct build {
  const char *manifest;
  const char **only;
  int nonly;
  int jobs, quiet, json, check, force, lossy, no_normalize, keep_going, plan, fail_if_warnings;
  int allow_outside;
  bool tty;
  cli_warnings warn;    /* manifest and reading warnings */
  size_t warn_printed;  /* how many of them are printed */
  char **errors;
  size_t nerrors;
  job *jobv;
  size_t njobs, next_job, end_job; /* the workers take jobs [next_job, end_job) */
  size_t narticles;
  bs_manifest *m;
  double t0, load_ms, read_ms, total_ms;
  int finished;
};

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void on_error(void *user, const bs_error *e)
{
  build *b = user;
  char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
  bs_error_format(e, line, sizeof line);
  pthread_mutex_lock(&lock);
  char **nv = realloc(b->errors, (b->nerrors + 1) * sizeof *nv);
  if (!nv || !(nv[b->nerrors] = strdup(line)))
    abort();
  b->errors = nv;
  b->nerrors++;
  pthread_mutex_unlock(&lock);
  fprintf(stderr, "bisheng: %s\n", line);
}

static void on_book_warning(void *user, const bs_error *e)
{
  build *b = user;
  char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
  cli_format_warning(e, line, sizeof line);
  pthread_mutex_lock(&lock);
  cli_warnings_add(&b->warn, line, e->code == BS_NOTE);
  pthread_mutex_unlock(&lock);
}

static void on_output_warning(void *user, const bs_error *e)
{
  job *j = user;
  char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
  cli_format_warning(e, line, sizeof line);
  pthread_mutex_lock(&lock);
  cli_warnings_add(&j->warn, line, e->code == BS_NOTE);
  pthread_mutex_unlock(&lock);
}

/* Prints the warnings from `from` on (the book's are printed after loading and again, the
 * new ones, after reading). */
static void print_warnings(const build *b, const cli_warnings *w, size_t from, const char *prefix)
{
  if (!b->quiet)
    cli_warnings_print(w, from, prefix);
}

/* ---- Progress ----
 * On a terminal each output gets a bar that fills with the chapters its writer reports done
 * (on_progress), with pages and bytes so far, and fills when it is done; off a terminal (CI)
 * each output gets one line when it starts, one at each quarter of a long build, and one when
 * it ends. */

static const char *state_word(state s)
{
  switch (s) {
  case ST_WAITING: return "waiting";
  case ST_BUILDING: return "building";
  case ST_WRITTEN: return "written";
  case ST_UNCHANGED: return "unchanged";
  default: return "FAILED";
  }
}

static void human_size(long long n, char *out, size_t size)
{
  if (n >= 10 * 1024 * 1024)
    snprintf(out, size, "%.0f MB", n / 1048576.0);
  else if (n >= 1024 * 1024)
    snprintf(out, size, "%.1f MB", n / 1048576.0);
  else if (n >= 1024)
    snprintf(out, size, "%.0f kB", n / 1024.0);
  else
    snprintf(out, size, "%lld B", n);
}

/* Columns a UTF-8 string takes on a terminal: East Asian wide characters take two. */
static size_t cp_width(unsigned cp)
{
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                 (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                 (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                 (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                 (cp >= 0x20000 && cp <= 0x3FFFD)
             ? 2
             : 1;
}

/* Decodes the code point at s (malformed bytes count as one column each). */
static const char *next_cp(const char *s, unsigned *cp)
{
  const unsigned char *u = (const unsigned char *)s;
  int n = u[0] < 0x80 ? 1 : (u[0] >> 5) == 6 ? 2 : (u[0] >> 4) == 14 ? 3 : (u[0] >> 3) == 30 ? 4 : 1;
  unsigned v = n == 1 ? u[0] : n == 2 ? u[0] & 0x1F : n == 3 ? u[0] & 0x0F : u[0] & 0x07;
  for (int i = 1; i < n; i++) {
    if ((u[i] & 0xC0) != 0x80)
      return *cp = u[0], s + 1;
    v = v << 6 | (u[i] & 0x3F);
  }
  *cp = v;
  return s + n;
}

static size_t text_width(const char *s)
{
  size_t w = 0;
  unsigned cp;
  while (*s)
    s = next_cp(s, &cp), w += cp_width(cp);
  return w;
}

/* `s` in at most `width` columns, padded to exactly `width` if `pad`: cut at the start, so
 * the end that tells long names apart stays ("…/book-v12.epub"). */
static void fit_end(const char *s, size_t width, bool pad, char *out, size_t size)
{
  size_t w = text_width(s);
  const char *from = s;
  out[0] = '\0';
  if (w > width) {
    if (width == 0)
      return;
    unsigned cp;
    while (*from && w > width - 1) /* one column for the ellipsis */
      from = next_cp(from, &cp), w -= cp_width(cp);
    snprintf(out, size, "…");
    w++;
  }
  size_t used = strlen(out);
  snprintf(out + used, size - used, "%s", from);
  for (used = strlen(out); pad && w < width && used + 1 < size; w++)
    out[used++] = ' ', out[used] = '\0';
}

static void draw(build *b, bool first)
{
  double t = now_ms();
  struct winsize ws;
  size_t cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20 ? ws.ws_col : 80;
  size_t room = cols - 1; /* a line as wide as the terminal wraps on some */
  if (!first)
    fprintf(stderr, "\033[%zuA", b->njobs);
  /* the fixed part: " NAME [BAR] building  12.3s  " is name + bar + 23 columns */
  size_t namew = 4, barw = 24;
  for (size_t i = 0; i < b->njobs; i++) {
    size_t l = text_width(b->jobv[i].out.name);
    if (l > namew)
      namew = l;
  }
  if (namew > 24)
    namew = 24;
  while (barw > 8 && namew + barw + 23 + 16 > room)
    barw--;
  while (namew > 8 && namew + barw + 23 + 12 > room)
    namew--;
  size_t rest = room > namew + barw + 23 ? room - (namew + barw + 23) : 0;
  for (size_t i = 0; i < b->njobs; i++) {
    job *j = &b->jobv[i];
    char bar[64];
    memset(bar, ' ', barw);
    bar[barw] = '\0';
    double ms = j->st == ST_BUILDING ? t - j->start : j->ms;
    if (j->st == ST_BUILDING && j->prog.total > 0) {
      /* chapters done, from the writer's reports */
      memset(bar, '#', (size_t)(barw * j->prog.done / j->prog.total));
    } else if (j->st == ST_BUILDING) {
      int span = 2 * ((int)barw - 4);
      int pos = (int)(ms / 80) % span;
      if (pos >= (int)barw - 4)
        pos = span - pos;
      memset(bar + pos, '=', 4);
    } else if (j->st >= ST_WRITTEN) {
      memset(bar, j->st == ST_FAILED ? 'x' : '#', barw);
    }
    char extra[64] = "";
    if (j->st == ST_BUILDING && j->prog.total > 0) {
      snprintf(extra, sizeof extra, "%zu/%zu chapters", j->prog.done, j->prog.total);
      if (j->prog.pages > 0)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ", %d pages",
                 j->prog.pages);
      if (j->prog.bytes > 0) {
        char size[32];
        human_size(j->prog.bytes, size, sizeof size);
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ", %s", size);
      }
    } else if (j->st == ST_WRITTEN || j->st == ST_UNCHANGED) {
      human_size(j->res.bytes, extra, sizeof extra);
      if (j->res.pages > 0)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ", %d pages",
                 j->res.pages);
    }
    /* the file keeps its end; the details go first when there is no room for both */
    size_t fw = text_width(j->out.file), ew = strlen(extra);
    if (fw + 2 + ew > rest)
      extra[0] = '\0', ew = 0;
    char name[256], file[1024];
    fit_end(j->out.name, namew, true, name, sizeof name);
    fit_end(j->out.file, rest, false, file, sizeof file);
    fprintf(stderr, "\033[2K %s [%s] %-9s %5.1fs  %s%s%s\n", name, bar, state_word(j->st),
            j->st == ST_WAITING ? 0.0 : ms / 1000, file, ew ? "  " : "", extra);
  }
  fflush(stderr);
}

static void *ticker(void *arg)
{
  build *b = arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    int done = b->finished;
    draw(b, false);
    pthread_mutex_unlock(&lock);
    if (done)
      return NULL;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static void plain_line(build *b, const job *j)
{
  if (b->quiet || b->tty)
    return;
  if (j->st == ST_BUILDING) {
    fprintf(stderr, "bisheng: %s: building %s\n", j->out.name, j->out.file);
    return;
  }
  if (j->st == ST_FAILED) {
    fprintf(stderr, "bisheng: %s: failed after %.1f s\n", j->out.name, j->ms / 1000);
    return;
  }
  char size[32];
  human_size(j->res.bytes, size, sizeof size);
  if (j->res.pages > 0)
    fprintf(stderr, "bisheng: %s: %s %s (%s, %d pages, %.1f s)\n", j->out.name,
            state_word(j->st), j->out.file, size, j->res.pages, j->ms / 1000);
  else
    fprintf(stderr, "bisheng: %s: %s %s (%s, %.1f s)\n", j->out.name, state_word(j->st),
            j->out.file, size, j->ms / 1000);
}

/* ---- Building ---- */

/* The writer reports after each chapter. Off a terminal, an output that takes more than a
 * few seconds gets a line at each quarter, so a CI log shows it is moving. */
static void on_progress(void *user, const bs_progress *p)
{
  job *j = user;
  pthread_mutex_lock(&lock);
  j->prog = *p;
  build *b = j->b;
  if (!b->quiet && !b->tty && p->total > 0 && now_ms() - j->start > 3000) {
    int q = (int)(4 * p->done / p->total);
    if (q > j->quarter && q < 4) {
      j->quarter = q;
      if (p->pages > 0)
        fprintf(stderr, "bisheng: %s: %d%% (%zu of %zu chapters, %d pages)\n", j->out.name,
                25 * q, p->done, p->total, p->pages);
      else
        fprintf(stderr, "bisheng: %s: %d%% (%zu of %zu chapters)\n", j->out.name, 25 * q,
                p->done, p->total);
    }
  }
  pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
  build *b = arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    size_t i = b->next_job < b->end_job ? b->next_job++ : b->end_job;
    job *j = i < b->end_job ? &b->jobv[i] : NULL;
    if (j) {
      j->st = ST_BUILDING;
      j->start = now_ms();
      plain_line(b, j);
    }
    pthread_mutex_unlock(&lock);
    if (!j)
      return NULL;
    bs_error_clear(&j->err);
    bs_status st = bs_manifest_write(b->m, &j->out, &j->res, &j->err);
    pthread_mutex_lock(&lock);
    j->ms = now_ms() - j->start;
    j->st = st != BS_OK ? ST_FAILED : j->res.written ? ST_WRITTEN : ST_UNCHANGED;
    plain_line(b, j);
    pthread_mutex_unlock(&lock);
  }
}

/* ---- One process per output (#19) ----
 * Cairo 1.16 cannot draw two PDFs at once in one process (typeset.c lets one thread draw at a
 * time), so threads gave two PDF outputs no second core. With -j N and several outputs, each
 * output is built in a child forked after the articles are read (the tree is shared copy on
 * write; nothing is read twice, nothing is shared while drawing). A child sends its warnings,
 * progress and result through a pipe, one message per write (under PIPE_BUF, so atomic); the
 * parent keeps the display, the report and the exit status exactly as the threads did. */

enum { MSG_PROGRESS = 1, MSG_WARNING, MSG_NOTE, MSG_DONE };

typedef struct msg_done {
  bs_status st;
  bs_manifest_result res;
  bs_error err;
} msg_done;

typedef struct msg {
  int type;
  unsigned len; /* of the body */
  union {
    bs_progress prog;
    msg_done done;
    char warning[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
  } u;
} msg;

static int child_fd = -1; /* in a child: the pipe to the parent */

static void child_send(msg *m, size_t len)
{
  m->len = (unsigned)(len - offsetof(msg, u));
  const char *p = (const char *)m;
  while (len > 0) {
    ssize_t n = write(child_fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      _exit(EXIT_INTERNAL); /* the parent is gone */
    p += n;
    len -= (size_t)n;
  }
}

static void child_warning(void *user, const bs_error *e)
{
  msg m = {.type = e->code == BS_NOTE ? MSG_NOTE : MSG_WARNING};
  cli_format_warning(e, m.u.warning, sizeof m.u.warning);
  child_send(&m, offsetof(msg, u) + strlen(m.u.warning) + 1);
}

static void child_progress(void *user, const bs_progress *p)
{
  msg m = {.type = MSG_PROGRESS};
  m.u.prog = *p;
  child_send(&m, offsetof(msg, u) + sizeof m.u.prog);
}

static void child_build(build *b, job *j, int fd)
{
  child_fd = fd;
  j->out.epub.diag = j->out.pdf.diag = child_warning;
  j->out.epub.progress = j->out.pdf.progress = child_progress;
  msg m = {.type = MSG_DONE};
  bs_error_clear(&m.u.done.err);
  m.u.done.st = bs_manifest_write(b->m, &j->out, &m.u.done.res, &m.u.done.err);
  child_send(&m, offsetof(msg, u) + sizeof m.u.done);
  _exit(0); /* the parent owns the book, the report and stdio */
}

/* Reads n bytes; false at the end of the pipe. */
static bool read_full(int fd, void *buf, size_t n)
{
  char *p = buf;
  while (n > 0) {
    ssize_t got = read(fd, p, n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return false;
    p += got;
    n -= (size_t)got;
  }
  return true;
}

/* Reads one message: a pipe keeps no boundaries, so the header says how long the body is (it
 * is already in the pipe: a message is one write). False at the end of the pipe. */
static bool read_msg(int fd, msg *m)
{
  if (!read_full(fd, m, offsetof(msg, u)) || m->len > sizeof m->u ||
      !read_full(fd, &m->u, m->len))
    return false;
  if (m->type == MSG_WARNING || m->type == MSG_NOTE)
    m->u.warning[sizeof m->u.warning - 1] = '\0';
  return true;
}

typedef struct child {
  job *j;
  pid_t pid;
  int fd;
  bool done;
} child;

/* The end of a child's output: its result, or a failure if it died without one. */
static void child_end(build *b, child *c)
{
  job *j = c->j;
  int status = 0;
  while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
    ;
  close(c->fd);
  pthread_mutex_lock(&lock);
  if (!c->done) {
    j->res.written = false;
    bs_error_clear(&j->err);
    j->err.code = BS_ERR_LIBRARY;
    if (WIFSIGNALED(status))
      snprintf(j->err.message, sizeof j->err.message,
               "%s: the process building it ended by signal %d", j->out.name, WTERMSIG(status));
    else
      snprintf(j->err.message, sizeof j->err.message,
               "%s: the process building it ended without a result", j->out.name);
  }
  j->ms = now_ms() - j->start;
  j->st = !c->done || j->err.code != BS_OK ? ST_FAILED
          : j->res.written                 ? ST_WRITTEN
                                           : ST_UNCHANGED;
  plain_line(b, j);
  pthread_mutex_unlock(&lock);
}

/* A child's share of -j: the number of children running (busy, shared with them all) divides
 * it, rounded up: one core each while two run on two, all of them to the last one. The PDF
 * asks before it starts each layout thread (bs_ts_set_cores_fn). */
static const volatile int *busy_children;
static int cores_budget;

static int cores_now(void)
{
  int n = __atomic_load_n(busy_children, __ATOMIC_RELAXED);
  return n < 1 ? cores_budget : (cores_budget + n - 1) / n;
}

static void share_cores(const volatile int *busy, int jobs)
{
  if (!busy)
    return;
  busy_children = busy;
  cores_budget = jobs;
  bs_ts_set_cores_fn(cores_now);
}

/* Builds the jobs from b->next_job to b->end_job in at most `nprocs` children at a time (the
 * ticker thread draws the display meanwhile). Returns false if no child could be started at
 * all; jobs not started are left for the caller to build in this process. */
static bool build_forked(build *b, size_t nprocs)
{
  child *cv = calloc(nprocs, sizeof *cv);
  struct pollfd *pv = calloc(nprocs, sizeof *pv);
  if (!cv || !pv)
    abort();
  size_t running = 0;
  bool any = false, failed = false;
  /* how many children are building now, in memory they share: each gives its PDF's layout
   * threads its share of -j, the whole of it once the others are done (cores_now) */
  int *busy = mmap(NULL, sizeof *busy, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
                   0);
  if (busy == MAP_FAILED)
    busy = NULL;
  for (;;) {
    while (!failed && running < nprocs && b->next_job < b->end_job) {
      job *j = &b->jobv[b->next_job];
      int p[2];
      if (pipe2(p, O_CLOEXEC) != 0) {
        failed = true;
        break;
      }
      /* each child may use every thread of -j, as many at a time as its share (busy) */
      j->out.pdf.jobs = b->jobs;
      if (busy)
        __atomic_add_fetch(busy, 1, __ATOMIC_RELAXED);
      pthread_mutex_lock(&lock);
      j->st = ST_BUILDING;
      j->start = now_ms();
      plain_line(b, j);
      fflush(stdout);
      fflush(stderr);
      pid_t pid = fork();
      pthread_mutex_unlock(&lock);
      if (pid == 0) {
        close(p[0]);
        for (size_t i = 0; i < running; i++)
          close(cv[i].fd);
        share_cores(busy, b->jobs);
        child_build(b, j, p[1]);
      }
      close(p[1]);
      if (pid < 0) {
        if (busy)
          __atomic_sub_fetch(busy, 1, __ATOMIC_RELAXED);
        close(p[0]);
        pthread_mutex_lock(&lock);
        j->st = ST_WAITING;
        pthread_mutex_unlock(&lock);
        failed = true;
        break;
      }
      b->next_job++;
      cv[running++] = (child){j, pid, p[0], false};
      any = true;
    }
    if (!running)
      break;
    for (size_t i = 0; i < running; i++)
      pv[i] = (struct pollfd){cv[i].fd, POLLIN, 0};
    if (poll(pv, running, -1) < 0 && errno != EINTR)
      abort();
    for (size_t i = 0; i < running; i++) {
      if (!pv[i].revents)
        continue;
      msg m;
      if (read_msg(cv[i].fd, &m)) {
        if (m.type == MSG_PROGRESS) {
          on_progress(cv[i].j, &m.u.prog);
        } else if (m.type == MSG_WARNING || m.type == MSG_NOTE) {
          pthread_mutex_lock(&lock);
          cli_warnings_add(&cv[i].j->warn, m.u.warning, m.type == MSG_NOTE);
          pthread_mutex_unlock(&lock);
        } else if (m.type == MSG_DONE) {
          cv[i].j->res = m.u.done.res;
          cv[i].j->err = m.u.done.err;
          cv[i].j->err.code = m.u.done.st;
          cv[i].done = true;
          if (busy) /* its cores are free now, before it has exited */
            __atomic_sub_fetch(busy, 1, __ATOMIC_RELAXED);
        }
        continue;
      }
      if (busy && !cv[i].done)
        __atomic_sub_fetch(busy, 1, __ATOMIC_RELAXED);
      child_end(b, &cv[i]);
      cv[i] = cv[--running];
      pv[i] = pv[running];
      i--;
    }
  }
  free(cv);
  free(pv);
  if (busy)
    munmap(busy, sizeof *busy);
  return any;
}

/* ---- The JSON report ---- */

/* The warnings of `w`, or its notes. */
static void json_warnings(FILE *f, const cli_warnings *w, bool notes)
{
  fputc('[', f);
  for (size_t i = 0, k = 0; i < w->n; i++) {
    if (w->v[i].note != notes)
      continue;
    fputs(k++ ? ", {\"message\": " : "{\"message\": ", f);
    cli_json_str(f, w->v[i].text);
    fprintf(f, ", \"count\": %d}", w->v[i].count);
  }
  fputc(']', f);
}

static void json_report(const build *b, int rc)
{
  FILE *f = stdout;
  fprintf(f, "{\n  \"bisheng\": \"%s\",\n  \"manifest\": ", BS_VERSION_STRING);
  cli_json_str(f, b->manifest);
  fprintf(f, ",\n  \"status\": \"%s\",\n  \"exit\": %d,\n", rc ? "failed" : "ok", rc);
  fprintf(f, "  \"articles\": %zu,\n  \"jobs\": %d,\n", b->narticles, b->jobs);
  fprintf(f, "  \"timings\": {\"load_ms\": %.1f, \"read_ms\": %.1f, \"total_ms\": %.1f},\n",
          b->load_ms, b->read_ms, b->total_ms);
  fputs("  \"outputs\": [", f);
  for (size_t i = 0; i < b->njobs; i++) {
    const job *j = &b->jobv[i];
    fputs(i ? ",\n    {" : "\n    {", f);
    fputs("\"name\": ", f);
    cli_json_str(f, j->out.name);
    fputs(", \"file\": ", f);
    cli_json_str(f, j->out.path);
    if (j->volume)
      fprintf(f, ", \"volume\": %zu", j->volume);
    fprintf(f, ", \"format\": \"%s\", \"status\": \"%s\"",
            j->out.format == BS_OUTPUT_EPUB ? "epub" : "pdf",
            j->st == ST_WAITING ? "skipped" : j->st == ST_FAILED ? "failed" : state_word(j->st));
    if (j->st == ST_WRITTEN || j->st == ST_UNCHANGED) {
      fprintf(f, ", \"bytes\": %lld, \"pages\": ", j->res.bytes);
      if (j->out.format == BS_OUTPUT_PDF && j->res.pages > 0)
        fprintf(f, "%d", j->res.pages);
      else
        fputs("null", f);
    }
    fprintf(f, ", \"ms\": %.1f, \"warnings\": ", j->ms);
    json_warnings(f, &j->warn, false);
    fputs(", \"notes\": ", f);
    json_warnings(f, &j->warn, true);
    if (j->st == ST_FAILED) {
      char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
      fputs(", \"error\": ", f);
      cli_json_str(f, bs_error_format(&j->err, line, sizeof line));
    }
    fputc('}', f);
  }
  fputs(b->njobs ? "\n  ],\n  \"warnings\": " : "],\n  \"warnings\": ", f);
  json_warnings(f, &b->warn, false);
  fputs(",\n  \"notes\": ", f);
  json_warnings(f, &b->warn, true);
  fputs(",\n  \"errors\": [", f);
  for (size_t i = 0; i < b->nerrors; i++) {
    fputs(i ? ", " : "", f);
    cli_json_str(f, b->errors[i]);
  }
  fputs("]\n}\n", f);
  fflush(f);
}

/* ---- The plan: the jobs a CI matrix fans out over ---- */

/* `s` quoted for a POSIX shell when it needs it. */
static void shell_word(FILE *f, const char *s)
{
  if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=,+@") ==
                strlen(s)) {
    fputs(s, f);
    return;
  }
  fputc('\'', f);
  for (; *s; s++)
    if (*s == '\'')
      fputs("'\\''", f);
    else
      fputc(*s, f);
  fputc('\'', f);
}

/* A job's name made safe for file, artifact and cache names ("epub:2" → "epub-2"). */
static void job_id(const char *name, char *out, size_t size)
{
  size_t n = 0;
  for (const char *p = name; *p && n + 1 < size; p++)
    out[n++] = (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p) &&
                *p) ? *p : '-';
  out[n] = '\0';
}

/* One job per selected output: its --only name, an id safe in file names, the file it writes
 * (as in the manifest, and as a path from here) and the command that builds it alone. Text:
 * NAME, ID, FILE, COMMAND a line, tab-separated. --json prints {"manifest", "jobs": [...]}:
 * a GitHub matrix takes the list (fromJSON(...).jobs), each job running its "command". */
static void print_plan(const build *b)
{
  FILE *f = stdout;
  if (b->json)
    fputs("{\n  \"manifest\": ", f), cli_json_str(f, b->manifest), fputs(",\n  \"jobs\": [", f);
  for (size_t i = 0; i < b->njobs; i++) {
    const job *j = &b->jobv[i];
    char cmd[8192];
    FILE *c = fmemopen(cmd, sizeof cmd, "w");
    if (!c)
      abort();
    fputs("bisheng build ", c);
    shell_word(c, b->manifest);
    fputs(" --only ", c);
    shell_word(c, j->out.name);
    fclose(c);
    char id[256];
    job_id(j->out.name, id, sizeof id);
    if (!b->json) {
      printf("%s\t%s\t%s\t%s\n", j->out.name, id, j->out.file, cmd);
      continue;
    }
    fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
    cli_json_str(f, j->out.name);
    fputs(", \"output\": ", f);
    cli_json_str(f, j->output);
    if (j->volume)
      fprintf(f, ", \"volume\": %zu, \"id\": ", j->volume);
    else
      fputs(", \"volume\": null, \"id\": ", f);
    cli_json_str(f, id);
    fputs(", \"file\": ", f);
    cli_json_str(f, j->out.file);
    fputs(", \"path\": ", f);
    cli_json_str(f, j->out.path);
    fprintf(f, ", \"format\": \"%s\", \"command\": ",
            j->out.format == BS_OUTPUT_EPUB ? "epub" : "pdf");
    cli_json_str(f, cmd);
    fputc('}', f);
  }
  if (b->json)
    fputs(b->njobs ? "\n  ]\n}\n" : "]\n}\n", f);
  fflush(f);
}

/* ---- Options ---- */

static void build_help(void)
{
  printf("Usage: bisheng build [MANIFEST] [options]   build a book's outputs (default book.yaml)\n"
         "\n"
         "Builds every output the manifest names (or those --only picks), in parallel, leaving\n"
         "outputs whose sources and options did not change untouched. With volumes: in the\n"
         "manifest each output is built per volume; NAME:VOLUME picks one (see --plan).\n"
         "\n"
         "Options:\n");
  cli_print_options(CMD_BUILD, stdout);
  printf("\n"
         "Example:\n"
         "  bisheng init mybook && cd mybook && bisheng build --only epub book.yaml\n"
         "  bisheng build book.yaml --plan --json      (the jobs a CI matrix fans out over)\n");
}

static void init_help(void)
{
  printf("Usage: bisheng init [DIR] [options]   start a book: DIR/book.yaml + chapters/\n"
         "\n"
         "Writes a documented book.yaml (with a fresh identifier) and sample chapters into DIR\n"
         "(default: the current folder), never overwriting a file that is there.\n"
         "\n"
         "Options:\n");
  cli_print_options(CMD_INIT, stdout);
  printf("\n"
         "Example:\n"
         "  bisheng init mybook --ci github && cd mybook && bisheng build\n");
}

static int on_build_option(void *user, const cli_opt *o, const char *v)
{
  build *b = user;
  if (!o) {
    if (b->manifest)
      return cli_usage(CMD_BUILD, "build takes one manifest, not '%s' and '%s'", b->manifest, v);
    b->manifest = v;
    return 0;
  }
  switch (o->id) {
  case OPT_ONLY:
    if (!*v)
      return cli_usage(CMD_BUILD, "%s", "--only needs an output name");
    b->only[b->nonly++] = v;
    break;
  case OPT_JOBS: {
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 1 || n > 1024)
      return cli_usage(CMD_BUILD, "-j takes a number of jobs from 1 to 1024, not '%s'", v);
    b->jobs = (int)n;
    break;
  }
  case OPT_QUIET: b->quiet = 1; break;
  case OPT_JSON: b->json = 1; break;
  case OPT_PLAN: b->plan = 1; break;
  case OPT_CHECK: b->check = 1; break;
  case OPT_FORCE: b->force = 1; break;
  case OPT_LOSSY: b->lossy = 1; break;
  case OPT_NO_NORMALIZE: b->no_normalize = 1; break;
  case OPT_KEEP_GOING: b->keep_going = 1; break;
  case OPT_ALLOW_OUTSIDE: b->allow_outside = 1; break;
  case OPT_FAIL_IF_WARNINGS: b->fail_if_warnings = 1; break;
  case OPT_HELP: build_help(); return -1;
  default: return cli_usage(CMD_BUILD, "option '--%s' is not handled here", o->lng);
  }
  return 0;
}

static int parse_build_args(int argc, char **argv, build *b)
{
  b->only = calloc((size_t)argc, sizeof *b->only);
  if (!b->only)
    abort();
  b->jobs = bs_jobs_default();
  int rc = cli_parse(CMD_BUILD, argc, argv, 2, on_build_option, b);
  if (rc)
    return rc;
  if (!b->manifest)
    b->manifest = "book.yaml";
  return 0;
}

/* Splits "NAME" or "NAME:VOLUME" (volume 0 when not given; -1 when not a number). */
static size_t only_name(const char *p, size_t l, long *vol)
{
  const char *colon = memchr(p, ':', l);
  *vol = 0;
  if (!colon)
    return l;
  char *end;
  long v = strtol(colon + 1, &end, 10);
  *vol = end == colon + 1 || end != p + l || v < 1 ? -1 : v;
  return (size_t)(colon - p);
}

/* True if output `name`, volume `vol`, is among the comma-separated --only lists: as NAME
 * (every volume) or NAME:VOLUME. */
static bool selected(const build *b, const char *name, size_t vol)
{
  if (!b->nonly)
    return true;
  size_t nl = strlen(name);
  for (int i = 0; i < b->nonly; i++)
    for (const char *p = b->only[i]; *p;) {
      const char *comma = strchr(p, ',');
      size_t l = comma ? (size_t)(comma - p) : strlen(p);
      long v;
      size_t n = only_name(p, l, &v);
      if (n == nl && !memcmp(p, name, n) && (v == 0 || (size_t)v == vol))
        return true;
      p += l + (comma != NULL);
    }
  return false;
}

/* Checks that every --only name exists (and its volume, if given); lists the outputs there
 * are when one does not. */
static int check_only(const build *b)
{
  size_t nvols = bs_manifest_volume_count(b->m);
  for (int i = 0; i < b->nonly; i++)
    for (const char *p = b->only[i]; *p;) {
      const char *comma = strchr(p, ',');
      size_t l = comma ? (size_t)(comma - p) : strlen(p);
      long vol;
      size_t nl = only_name(p, l, &vol);
      bool found = false;
      for (size_t k = 0; k < bs_manifest_output_count(b->m); k++) {
        const char *n = bs_manifest_get_output(b->m, k)->name;
        if (strlen(n) == nl && !memcmp(n, p, nl))
          found = true;
      }
      char word[128];
      snprintf(word, sizeof word, "%.*s", (int)(l < 100 ? l : 100), p);
      if (found && vol && !nvols)
        return cli_usage(CMD_BUILD, "'%s': %s has no volumes", word, b->manifest);
      if (found && (vol < 0 || (size_t)vol > nvols))
        return cli_usage(CMD_BUILD, "'%s': %s has volumes 1 to %zu", word, b->manifest, nvols);
      if (!found) {
        char names[1024] = "";
        const char *cands[64];
        size_t nc = 0;
        for (size_t k = 0; k < bs_manifest_output_count(b->m); k++) {
          size_t used = strlen(names);
          const char *n = bs_manifest_get_output(b->m, k)->name;
          snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "", n);
          if (nc < 64)
            cands[nc++] = n;
        }
        snprintf(word, sizeof word, "%.*s", (int)(nl < 100 ? nl : 100), p);
        const char *s = cli_suggest(word, cands, nc);
        if (s)
          return cli_usage(CMD_BUILD, "no output named '%s' in %s; did you mean '%s'?", word,
                           b->manifest, s);
        return cli_usage(CMD_BUILD, "no output named '%s' in %s (its outputs: %s)", word,
                         b->manifest, names);
      }
      p += l + (comma != NULL);
    }
  return 0;
}

/* "out/book.epub", volume 3 of 12 → "out/book-v03.epub" (two digits at least, so the files
 * sort in order). */
static char *volume_file(const char *file, size_t v, size_t nvols)
{
  const char *slash = strrchr(file, '/'), *dot = strrchr(file, '.');
  if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : file))
    dot = file + strlen(file);
  int width = nvols >= 1000 ? 4 : nvols >= 100 ? 3 : 2;
  char *out;
  if (asprintf(&out, "%.*s-v%0*zu%s", (int)(dot - file), file, width, v, dot) < 0)
    abort();
  return out;
}

/* Builds the jobs from m->volume_first to the job whose volume differs: reads that volume's
 * articles (or the whole book), then runs its outputs in parallel. */
static int run_group(build *b, size_t from, size_t to, bs_manifest_options *mo)
{
  bs_error err;
  bs_error_clear(&err);
  int rc = 0;
  size_t vol = b->jobv[from].volume;
  if (bs_manifest_volume_count(b->m) && bs_manifest_select_volume(b->m, vol, &err) != BS_OK) {
    on_error(b, &err);
    return cli_exit_code(err.code);
  }
  /* Outputs read each article as they write it (bs_manifest_write): memory bounded by the
   * chapter. --keep-going reads up front to leave bad articles out of every output alike. */
  bool whole = mo->keep_going;
  if (whole && !b->quiet && !b->tty) {
    if (vol)
      fprintf(stderr, "bisheng: volume %zu: reading its articles\n", vol);
    else
      fprintf(stderr, "bisheng: reading %zu articles\n", b->narticles);
  }
  double t = now_ms();
  size_t nerr = b->nerrors;
  bs_status st = whole ? bs_manifest_read_articles(b->m, mo, &err) : BS_OK;
  b->read_ms += now_ms() - t;
  if (st != BS_OK) /* reported through mo->report; the jobs stay unbuilt ("skipped") */
    return cli_exit_code(st);
  if (b->nerrors > nerr) /* --keep-going left bad articles out: build the rest, but fail */
    rc = 1;
  print_warnings(b, &b->warn, b->warn_printed, "bisheng: ");
  b->warn_printed = b->warn.n;
  size_t n = to - from;
  size_t nthreads = b->jobs < 1 ? 1 : (size_t)b->jobs;
  if (nthreads > n)
    nthreads = n;
  /* the -j budget is shared by the outputs built at once; each PDF lays its chapters out in
   * its share of the threads (#7), at least one, the first outputs taking what does not divide
   * evenly (the files do not depend on it) */
  for (size_t i = 0; i < n; i++) {
    int share = nthreads ? b->jobs / (int)nthreads : 1;
    if (nthreads && i < (size_t)b->jobs % nthreads)
      share++;
    b->jobv[from + i].out.pdf.jobs = share < 1 ? 1 : share;
  }
  pthread_t *th = calloc(nthreads + 1, sizeof *th);
  if (!th)
    abort();
  pthread_mutex_lock(&lock);
  b->next_job = from;
  b->end_job = to;
  pthread_mutex_unlock(&lock);
  /* several outputs at once: one process each (#19); what could not be forked is built here */
  if (nthreads > 1 && build_forked(b, nthreads))
    nthreads = 1;
  size_t started = 0;
  if (nthreads > 1)
    for (; started < nthreads; started++)
      if (pthread_create(&th[started], NULL, worker, b) != 0)
        break;
  if (started == 0)
    worker(b);
  for (size_t i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  free(th);
  if (!whole) {
    /* an EPUB stops at the first article it cannot read: name every one, as reading them up
     * front does, and leave the outputs they stopped unbuilt ("skipped") */
    bool failed = false;
    for (size_t i = from; i < to; i++)
      failed |= b->jobv[i].st == ST_FAILED;
    bs_manifest_options check = *mo;
    check.diag = NULL; /* the outputs gave the readers' warnings */
    if (failed && (st = bs_manifest_check_articles(b->m, &check, &err)) != BS_OK) {
      for (size_t i = from; i < to; i++)
        if (b->jobv[i].st == ST_FAILED) {
          b->jobv[i].st = ST_WAITING;
          bs_error_clear(&b->jobv[i].err);
        }
      if (cli_exit_code(st) > rc)
        rc = cli_exit_code(st);
    }
  }
  return rc;
}

int bisheng_cmd_build(int argc, char **argv)
{
  build b;
  memset(&b, 0, sizeof b);
  b.t0 = now_ms();
  int load_rc = 0;
  int rc = parse_build_args(argc, argv, &b);
  if (rc) {
    free(b.only);
    return rc < 0 ? 0 : rc;
  }
  b.tty = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
  bs_manifest_options mo;
  bs_manifest_options_init(&mo);
  mo.report = on_error;
  mo.report_user = &b;
  mo.diag = on_book_warning;
  mo.diag_user = &b;
  mo.jobs = b.jobs;
  mo.normalize = !b.no_normalize;
  mo.lossy = b.lossy;
  mo.keep_going = b.keep_going;
  mo.allow_outside = b.allow_outside;
  bs_error err;
  bs_error_clear(&err);
  bs_status st = bs_manifest_load(b.manifest, &mo, &b.m, &err);
  b.load_ms = now_ms() - b.t0;
  if (st != BS_OK) {
    rc = cli_exit_code(st);
    goto report;
  }
  print_warnings(&b, &b.warn, 0, "bisheng: ");
  b.warn_printed = b.warn.n;
  if ((rc = check_only(&b)) != 0)
    goto report;
  /* --keep-going past missing articles: they were reported; build the rest, but fail */
  load_rc = b.nerrors ? EXIT_INPUT : 0;
  b.narticles = bs_manifest_article_count(b.m);
  /* the jobs: each output, or each output of each volume (volume by volume: a volume's
   * articles are read once for all its outputs) */
  size_t nvols = bs_manifest_volume_count(b.m), nout = bs_manifest_output_count(b.m);
  b.jobv = calloc(nout * (nvols ? nvols : 1) + 1, sizeof *b.jobv);
  if (!b.jobv)
    abort();
  long long date = cli_source_date(on_book_warning, &b);
  for (size_t v = nvols ? 1 : 0; v <= nvols; v++)
  for (size_t k = 0; k < nout; k++) {
    const bs_manifest_output *o = bs_manifest_get_output(b.m, k);
    if (!selected(&b, o->name, v))
      continue;
    job *j = &b.jobv[b.njobs++];
    j->b = &b;
    j->out = *o;
    j->output = o->name;
    j->volume = v;
    if (v) {
      if (asprintf(&j->owned[0], "%s:%zu", o->name, v) < 0)
        abort();
      j->out.name = j->owned[0];
      j->out.file = j->owned[1] = volume_file(o->file, v, nvols);
      j->out.path = j->owned[2] = volume_file(o->path, v, nvols);
    }
    j->out.force = b.force;
    j->out.epub.diag = j->out.pdf.diag = on_output_warning;
    j->out.epub.diag_user = j->out.pdf.diag_user = j;
    j->out.epub.progress = j->out.pdf.progress = on_progress;
    j->out.epub.progress_user = j->out.pdf.progress_user = j;
    j->out.epub.source_date = j->out.pdf.source_date = date;
    j->out.epub.jobs = b.jobs == 1 ? 1 : 0;
  }
  if (b.plan) {
    print_plan(&b);
    goto report;
  }
  if (b.check) {
    if (!b.quiet && nvols)
      fprintf(stderr, "bisheng: %s: %zu articles in %zu parts, %zu volumes, jobs checked: %zu\n",
              b.manifest, b.narticles, bs_manifest_part_count(b.m), nvols, b.njobs);
    else if (!b.quiet)
      fprintf(stderr, "bisheng: %s: %zu articles in %zu parts, outputs checked: %zu\n",
              b.manifest, b.narticles, bs_manifest_part_count(b.m), b.njobs);
    goto report;
  }
  for (size_t i = 0; i < b.njobs; i++)
    if (b.jobv[i].out.format == BS_OUTPUT_PDF) {
      cli_heap_for_typesetting();
      break;
    }
  /* all output folders first: a typo in a path should not cost a whole build */
  for (size_t i = 0; i < b.njobs; i++) {
    bs_error_clear(&err);
    if ((st = bs_manifest_prepare_output(b.m, &b.jobv[i].out, &err)) != BS_OK) {
      on_error(&b, &err);
      if (cli_exit_code(st) > rc)
        rc = cli_exit_code(st);
    }
  }
  if (rc)
    goto report;
  pthread_t tick;
  bool ticking = false;
  if (b.tty && !b.quiet) {
    draw(&b, true);
    ticking = pthread_create(&tick, NULL, ticker, &b) == 0;
  }
  /* volume by volume (one group without volumes): read, build its outputs, go on; the
   * book's memory is one volume's */
  for (size_t from = 0, to; from < b.njobs; from = to) {
    for (to = from + 1; to < b.njobs && b.jobv[to].volume == b.jobv[from].volume; to++)
      ;
    int grc = run_group(&b, from, to, &mo);
    if (grc > rc)
      rc = grc;
    if (grc > 1 || (grc && !b.keep_going))
      break;
  }
  if (ticking) {
    pthread_mutex_lock(&lock);
    b.finished = 1;
    pthread_mutex_unlock(&lock);
    pthread_join(tick, NULL);
  }
  for (size_t i = 0; i < b.njobs; i++) {
    job *j = &b.jobv[i];
    char prefix[128];
    snprintf(prefix, sizeof prefix, "bisheng: %s: ", j->out.name);
    print_warnings(&b, &j->warn, 0, prefix);
    if (j->st == ST_FAILED) {
      on_error(&b, &j->err);
      if (cli_exit_code(j->err.code) > rc)
        rc = cli_exit_code(j->err.code);
    }
  }
report:
  if (load_rc > rc)
    rc = load_rc;
  b.total_ms = now_ms() - b.t0;
  if (!rc && b.fail_if_warnings) {
    size_t n = cli_warnings_count(&b.warn);
    for (size_t i = 0; i < b.njobs; i++)
      n += cli_warnings_count(&b.jobv[i].warn);
    if (n) {
      fprintf(stderr, "bisheng: %zu warning%s (--fail-if-warnings)\n", n, n > 1 ? "s" : "");
      rc = EXIT_INPUT;
    }
  }
  if (rc && b.nerrors > 1 && !b.quiet)
    fprintf(stderr, "bisheng: %zu errors\n", b.nerrors);
  if (b.json && !(b.plan && !rc))
    json_report(&b, rc);
  for (size_t i = 0; i < b.njobs; i++) {
    cli_warnings_free(&b.jobv[i].warn);
    for (int k = 0; k < 3; k++)
      free(b.jobv[i].owned[k]);
  }
  free(b.jobv);
  cli_warnings_free(&b.warn);
  for (size_t i = 0; i < b.nerrors; i++)
    free(b.errors[i]);
  free(b.errors);
  free(b.only);
  bs_manifest_free(b.m);
  return rc;
}

/* ---- init ---- */

static int write_new(const char *path, const char *text, int quiet)
{
  struct stat st;
  if (stat(path, &st) == 0) {
    fprintf(stderr, "bisheng: %s already exists; leaving it alone\n", path);
    return EXIT_INPUT;
  }
  FILE *f = fopen(path, "wx");
  if (!f) {
    fprintf(stderr, "bisheng: %s: cannot write: %s\n", path, strerror(errno));
    return EXIT_INPUT;
  }
  size_t n = strlen(text);
  bool ok = fwrite(text, 1, n, f) == n;
  if (fclose(f) != 0 || !ok) {
    fprintf(stderr, "bisheng: %s: write error\n", path);
    return EXIT_INPUT;
  }
  if (!quiet)
    fprintf(stderr, "bisheng: wrote %s\n", path);
  return 0;
}

/* A random (version 4) UUID, so every new book has its own identifier. */
static void new_uuid(char out[37])
{
  unsigned char r[16];
  FILE *f = fopen("/dev/urandom", "rb");
  bool ok = f && fread(r, 1, sizeof r, f) == sizeof r;
  if (f)
    fclose(f);
  if (!ok) { /* no /dev/urandom (a bare chroot): time and pid, still distinct per run */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long long x = (unsigned long long)ts.tv_sec * 1000000007ULL ^
                           (unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 32);
    for (int i = 0; i < 16; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      r[i] = (unsigned char)x;
    }
  }
  r[6] = (unsigned char)((r[6] & 0x0F) | 0x40); /* version 4 */
  r[8] = (unsigned char)((r[8] & 0x3F) | 0x80); /* RFC 4122 variant */
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
           r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
           r[14], r[15]);
}

/* The template with its placeholder identifier replaced by a fresh one. */
static char *book_with_uuid(void)
{
  static const char placeholder[] = "00000000-0000-4000-8000-000000000000";
  char *t = strdup(book_template);
  if (!t)
    abort();
  char *at = strstr(t, placeholder);
  if (at) {
    char id[37];
    new_uuid(id);
    memcpy(at, id, 36);
  }
  return t;
}

typedef struct {
  const char *dir, *ci;
  int quiet;
} init_args;

static int on_init_option(void *user, const cli_opt *o, const char *v)
{
  init_args *a = user;
  if (!o) {
    if (a->dir)
      return cli_usage(CMD_INIT, "%s", "init takes one folder");
    a->dir = v;
    return 0;
  }
  switch (o->id) {
  case OPT_QUIET: a->quiet = 1; break;
  case OPT_CI:
    if (strcmp(v, "github") && strcmp(v, "gitlab"))
      return cli_usage(CMD_INIT, "--ci takes github or gitlab, not '%s'", v);
    a->ci = v;
    break;
  case OPT_HELP: init_help(); return -1;
  default: return cli_usage(CMD_INIT, "option '--%s' is not handled here", o->lng);
  }
  return 0;
}

int bisheng_cmd_init(int argc, char **argv)
{
  init_args a = {NULL, NULL, 0};
  int rc = cli_parse(CMD_INIT, argc, argv, 2, on_init_option, &a);
  if (rc)
    return rc < 0 ? 0 : rc;
  const char *dir = a.dir ? a.dir : ".";
  int quiet = a.quiet;
  char path[4096];
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "bisheng: %s: cannot create folder: %s\n", dir, strerror(errno));
    return EXIT_INPUT;
  }
  snprintf(path, sizeof path, "%s/book.yaml", dir);
  char *book = book_with_uuid();
  rc = write_new(path, book, quiet);
  free(book);
  if (rc)
    return rc;
  snprintf(path, sizeof path, "%s/chapters", dir);
  if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "bisheng: %s: cannot create folder: %s\n", path, strerror(errno));
    return EXIT_INPUT;
  }
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, samples[i].path);
    struct stat st;
    if (stat(path, &st) == 0)
      continue; /* the user's own chapter: keep it */
    if ((rc = write_new(path, samples[i].text, quiet)) != 0)
      return rc;
  }
  if (a.ci) {
    /* GitHub reads .github/workflows/, GitLab .gitlab-ci.yml at the repository's root */
    bool gh = !strcmp(a.ci, "github");
    const char *folders[] = {"/.github", "/.github/workflows"};
    for (size_t i = 0; gh && i < 2; i++) {
      snprintf(path, sizeof path, "%s%s", dir, folders[i]);
      if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "bisheng: %s: cannot create folder: %s\n", path, strerror(errno));
        return EXIT_INPUT;
      }
    }
    snprintf(path, sizeof path, "%s/%s", dir, gh ? ".github/workflows/book.yml" : ".gitlab-ci.yml");
    if ((rc = write_new(path, gh ? ci_github : ci_gitlab, quiet)) != 0)
      return rc;
  }
  if (!quiet)
    fprintf(stderr, "bisheng: next: cd %s && bisheng build\n", dir);
  return 0;
}
