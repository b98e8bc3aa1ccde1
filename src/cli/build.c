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

typedef struct warning {
  char *text;
  int count;
} warning;

typedef struct warnings {
  warning *v;
  size_t n;
} warnings;

static void warnings_add(warnings *w, const char *text)
{
  for (size_t i = 0; i < w->n; i++)
    if (!strcmp(w->v[i].text, text)) {
      w->v[i].count++;
      return;
    }
  warning *nv = realloc(w->v, (w->n + 1) * sizeof *nv);
  char *t = strdup(text);
  if (!nv || !t)
    abort();
  w->v = nv;
  w->v[w->n].text = t;
  w->v[w->n].count = 1;
  w->n++;
}

static void warnings_free(warnings *w)
{
  for (size_t i = 0; i < w->n; i++)
    free(w->v[i].text);
  free(w->v);
}

static void format_warning(const bs_error *e, char *line, size_t size)
{
  bs_error copy = *e;
  /* a rare overlong message is cut, which is fine for a warning */
  snprintf(copy.message, sizeof copy.message, "warning: %.*s",
           (int)(sizeof copy.message - 10), e->message);
  bs_error_format(&copy, line, size);
}

/* Errors collected for the report, printed as they come (they are few and final). */
typedef struct build build;

typedef enum { ST_WAITING, ST_BUILDING, ST_WRITTEN, ST_UNCHANGED, ST_FAILED } state;

typedef struct job {
  build *b;
  bs_manifest_output out;
  state st;
  double start, ms;
  bs_manifest_result res;
  bs_error err;
  warnings warn;
  bs_progress prog;   /* the writer's last report (under the lock) */
  int quarter;        /* progress lines printed off a terminal: 25 %, 50 %, 75 % */
} job;

struct build {
  const char *manifest;
  const char **only;
  int nonly;
  int jobs, quiet, json, check, force, lossy, no_normalize, keep_going;
  bool tty;
  warnings warn;        /* manifest and reading warnings */
  char **errors;
  size_t nerrors;
  job *jobv;
  size_t njobs, next_job;
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
  format_warning(e, line, sizeof line);
  pthread_mutex_lock(&lock);
  warnings_add(&b->warn, line);
  pthread_mutex_unlock(&lock);
}

static void on_output_warning(void *user, const bs_error *e)
{
  job *j = user;
  char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
  format_warning(e, line, sizeof line);
  pthread_mutex_lock(&lock);
  warnings_add(&j->warn, line);
  pthread_mutex_unlock(&lock);
}

/* Prints the warnings from `from` on (the book's are printed after loading and again, the
 * new ones, after reading). */
static void print_warnings(const build *b, const warnings *w, size_t from, const char *prefix)
{
  if (b->quiet)
    return;
  for (size_t i = from; i < w->n; i++) {
    if (w->v[i].count > 1)
      fprintf(stderr, "%s%s (×%d)\n", prefix, w->v[i].text, w->v[i].count);
    else
      fprintf(stderr, "%s%s\n", prefix, w->v[i].text);
  }
}

/* ---- Progress ----
 * The writers report no progress of their own yet, so on a terminal each output gets a bar
 * that moves while it builds and fills when it is done; off a terminal (CI) each output gets
 * one line when it starts and one when it ends. */

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

static void draw(build *b, bool first)
{
  enum { WIDTH = 24 };
  double t = now_ms();
  struct winsize ws;
  size_t cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 ? ws.ws_col : 80;
  if (!first)
    fprintf(stderr, "\033[%zuA", b->njobs);
  int namew = 4;
  for (size_t i = 0; i < b->njobs; i++) {
    int l = (int)strlen(b->jobv[i].out.name);
    if (l > namew && l < 30)
      namew = l;
  }
  for (size_t i = 0; i < b->njobs; i++) {
    job *j = &b->jobv[i];
    char bar[WIDTH + 1];
    memset(bar, ' ', WIDTH);
    bar[WIDTH] = '\0';
    double ms = j->st == ST_BUILDING ? t - j->start : j->ms;
    if (j->st == ST_BUILDING && j->prog.total > 0) {
      /* chapters done, from the writer's reports */
      memset(bar, '#', (size_t)(WIDTH * j->prog.done / j->prog.total));
    } else if (j->st == ST_BUILDING) {
      int pos = (int)(ms / 80) % (2 * (WIDTH - 4));
      if (pos >= WIDTH - 4)
        pos = 2 * (WIDTH - 4) - pos;
      memset(bar + pos, '=', 4);
    } else if (j->st >= ST_WRITTEN) {
      memset(bar, j->st == ST_FAILED ? 'x' : '#', WIDTH);
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
    char line[1024];
    snprintf(line, sizeof line, " %-*s [%s] %-9s %5.1fs  %s%s%s", namew, j->out.name, bar,
             state_word(j->st), j->st == ST_WAITING ? 0.0 : ms / 1000, j->out.file,
             extra[0] ? "  " : "", extra);
    /* a wrapped line would break the cursor-up redraw: cut at the width (bytes >= columns) */
    size_t len = strlen(line);
    if (len >= cols) {
      len = cols - 1;
      while (len > 0 && ((unsigned char)line[len] & 0xC0) == 0x80)
        len--;
      line[len] = '\0';
    }
    fprintf(stderr, "\033[2K%s\n", line);
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
    size_t i = b->next_job++;
    job *j = i < b->njobs ? &b->jobv[i] : NULL;
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

enum { MSG_PROGRESS = 1, MSG_WARNING, MSG_DONE };

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
  msg m = {.type = MSG_WARNING};
  format_warning(e, m.u.warning, sizeof m.u.warning);
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
  if (m->type == MSG_WARNING)
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

/* Builds the jobs in at most `nprocs` children at a time. Returns false if no child could be
 * started at all (the caller then builds in this process). */
static bool build_forked(build *b, size_t nprocs)
{
  child *cv = calloc(nprocs, sizeof *cv);
  struct pollfd *pv = calloc(nprocs, sizeof *pv);
  if (!cv || !pv)
    abort();
  size_t running = 0;
  bool any = false;
  for (;;) {
    while (running < nprocs && b->next_job < b->njobs) {
      job *j = &b->jobv[b->next_job];
      int p[2];
      if (pipe2(p, O_CLOEXEC) != 0)
        break;
      pthread_mutex_lock(&lock);
      j->st = ST_BUILDING;
      j->start = now_ms();
      plain_line(b, j);
      pthread_mutex_unlock(&lock);
      /* each child may use every thread of -j: the kernel shares the cores among them, and the
       * last one still running (often a long vertical PDF) gets them all */
      j->out.pdf.jobs = b->jobs;
      fflush(stdout);
      fflush(stderr);
      pid_t pid = fork();
      if (pid == 0) {
        close(p[0]);
        for (size_t i = 0; i < running; i++)
          close(cv[i].fd);
        child_build(b, j, p[1]);
      }
      close(p[1]);
      if (pid < 0) {
        close(p[0]);
        j->st = ST_WAITING;
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
    bool drawing = b->tty && !b->quiet;
    if (poll(pv, running, drawing ? 100 : -1) < 0 && errno != EINTR)
      abort();
    for (size_t i = 0; i < running; i++) {
      if (!pv[i].revents)
        continue;
      msg m;
      if (read_msg(cv[i].fd, &m)) {
        if (m.type == MSG_PROGRESS) {
          on_progress(cv[i].j, &m.u.prog);
        } else if (m.type == MSG_WARNING) {
          pthread_mutex_lock(&lock);
          warnings_add(&cv[i].j->warn, m.u.warning);
          pthread_mutex_unlock(&lock);
        } else if (m.type == MSG_DONE) {
          cv[i].j->res = m.u.done.res;
          cv[i].j->err = m.u.done.err;
          cv[i].j->err.code = m.u.done.st;
          cv[i].done = true;
        }
        continue;
      }
      child_end(b, &cv[i]);
      cv[i] = cv[--running];
      pv[i] = pv[running];
      i--;
    }
    if (drawing) {
      pthread_mutex_lock(&lock);
      draw(b, false);
      pthread_mutex_unlock(&lock);
    }
    if (!any && b->next_job < b->njobs && !running)
      break;
  }
  free(cv);
  free(pv);
  return any;
}

static int default_jobs(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* ---- The JSON report ---- */

static void json_str(FILE *f, const char *s)
{
  if (!s) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", f);
    else if (*p == '\t')
      fputs("\\t", f);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

static void json_warnings(FILE *f, const warnings *w)
{
  fputc('[', f);
  for (size_t i = 0; i < w->n; i++) {
    fputs(i ? ", {\"message\": " : "{\"message\": ", f);
    json_str(f, w->v[i].text);
    fprintf(f, ", \"count\": %d}", w->v[i].count);
  }
  fputc(']', f);
}

static void json_report(const build *b, int rc)
{
  FILE *f = stdout;
  fprintf(f, "{\n  \"bisheng\": \"%s\",\n  \"manifest\": ", BS_VERSION_STRING);
  json_str(f, b->manifest);
  fprintf(f, ",\n  \"status\": \"%s\",\n  \"exit\": %d,\n", rc ? "failed" : "ok", rc);
  fprintf(f, "  \"articles\": %zu,\n  \"jobs\": %d,\n", b->narticles, b->jobs);
  fprintf(f, "  \"timings\": {\"load_ms\": %.1f, \"read_ms\": %.1f, \"total_ms\": %.1f},\n",
          b->load_ms, b->read_ms, b->total_ms);
  fputs("  \"outputs\": [", f);
  for (size_t i = 0; i < b->njobs; i++) {
    const job *j = &b->jobv[i];
    fputs(i ? ",\n    {" : "\n    {", f);
    fputs("\"name\": ", f);
    json_str(f, j->out.name);
    fputs(", \"file\": ", f);
    json_str(f, j->out.path);
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
    json_warnings(f, &j->warn);
    if (j->st == ST_FAILED) {
      char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
      fputs(", \"error\": ", f);
      json_str(f, bs_error_format(&j->err, line, sizeof line));
    }
    fputc('}', f);
  }
  fputs(b->njobs ? "\n  ],\n  \"warnings\": " : "],\n  \"warnings\": ", f);
  json_warnings(f, &b->warn);
  fputs(",\n  \"errors\": [", f);
  for (size_t i = 0; i < b->nerrors; i++) {
    fputs(i ? ", " : "", f);
    json_str(f, b->errors[i]);
  }
  fputs("]\n}\n", f);
  fflush(f);
}

/* ---- Options ---- */

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("bisheng: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\nTry 'bisheng --help'.\n", stderr);
  return EXIT_USAGE;
}

static void build_help(void)
{
  printf("Usage: bisheng build [MANIFEST] [options]   build a book's outputs (default book.yaml)\n"
         "       bisheng init [DIR]                    start a book: DIR/book.yaml + chapters/\n"
         "\n"
         "  --only NAME[,NAME]  build only these outputs (may repeat)\n"
         "  -j, --jobs N        outputs built at once (a process each) and threads for each\n"
         "                      PDF's chapters (default: the number of cores)\n"
         "  --check             check the manifest (keys, paths, outputs) and stop\n"
         "  --force             rebuild even outputs that are up to date\n"
         "  --json              print a build report as JSON on standard output\n"
         "  --lossy, --no-normalize   as for conversion\n"
         "  -k, --keep-going    build without articles that cannot be read (still exit 1)\n"
         "  -q, --quiet         no progress, no warnings\n"
         "\n"
         "Example:\n"
         "  bisheng init mybook && cd mybook && bisheng build --only epub book.yaml\n");
}

static int parse_build_args(int argc, char **argv, build *b)
{
  b->only = calloc((size_t)argc, sizeof *b->only);
  if (!b->only)
    abort();
  b->jobs = default_jobs();
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = NULL;
    if (!strcmp(a, "--only") || !strcmp(a, "-j") || !strcmp(a, "--jobs")) {
      if (i + 1 >= argc)
        return usage("option '%s' needs a value", a);
      v = argv[++i];
    } else if (!strncmp(a, "--only=", 7) || !strncmp(a, "--jobs=", 7)) {
      v = a + 7;
    } else if (!strncmp(a, "-j", 2) && a[2]) {
      v = a + 2;
    }
    if (v && (!strncmp(a, "--only", 6))) {
      if (!*v)
        return usage("%s", "--only needs an output name");
      b->only[b->nonly++] = v;
    } else if (v) {
      char *end;
      long n = strtol(v, &end, 10);
      if (end == v || *end || n < 1 || n > 1024)
        return usage("-j takes a number of jobs from 1 to 1024, not '%s'", v);
      b->jobs = (int)n;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      b->quiet = 1;
    } else if (!strcmp(a, "--json")) {
      b->json = 1;
    } else if (!strcmp(a, "--check")) {
      b->check = 1;
    } else if (!strcmp(a, "--force")) {
      b->force = 1;
    } else if (!strcmp(a, "--lossy")) {
      b->lossy = 1;
    } else if (!strcmp(a, "--no-normalize")) {
      b->no_normalize = 1;
    } else if (!strcmp(a, "-k") || !strcmp(a, "--keep-going")) {
      b->keep_going = 1;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      build_help();
      return -1;
    } else if (a[0] == '-' && a[1]) {
      return usage("unknown option '%s' for build", a);
    } else if (b->manifest) {
      return usage("build takes one manifest, not '%s' and '%s'", b->manifest, a);
    } else {
      b->manifest = a;
    }
  }
  if (!b->manifest)
    b->manifest = "book.yaml";
  return 0;
}

/* True if `name` is among the comma-separated --only lists. */
static bool selected(const build *b, const char *name)
{
  if (!b->nonly)
    return true;
  size_t nl = strlen(name);
  for (int i = 0; i < b->nonly; i++)
    for (const char *p = b->only[i]; *p;) {
      const char *comma = strchr(p, ',');
      size_t l = comma ? (size_t)(comma - p) : strlen(p);
      if (l == nl && !memcmp(p, name, l))
        return true;
      p += l + (comma != NULL);
    }
  return false;
}

/* Checks that every --only name exists; lists the outputs there are when one does not. */
static int check_only(const build *b)
{
  for (int i = 0; i < b->nonly; i++)
    for (const char *p = b->only[i]; *p;) {
      const char *comma = strchr(p, ',');
      size_t l = comma ? (size_t)(comma - p) : strlen(p);
      bool found = false;
      for (size_t k = 0; k < bs_manifest_output_count(b->m); k++) {
        const char *n = bs_manifest_get_output(b->m, k)->name;
        if (strlen(n) == l && !memcmp(n, p, l))
          found = true;
      }
      if (!found) {
        char names[1024] = "";
        for (size_t k = 0; k < bs_manifest_output_count(b->m); k++) {
          size_t used = strlen(names);
          snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "",
                   bs_manifest_get_output(b->m, k)->name);
        }
        return usage("no output named '%.*s' in %s (its outputs: %s)", (int)l, p, b->manifest,
                     names);
      }
      p += l + (comma != NULL);
    }
  return 0;
}

int bisheng_cmd_build(int argc, char **argv)
{
  build b;
  memset(&b, 0, sizeof b);
  b.t0 = now_ms();
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
  bs_error err;
  bs_error_clear(&err);
  bs_status st = bs_manifest_load(b.manifest, &mo, &b.m, &err);
  b.load_ms = now_ms() - b.t0;
  if (st != BS_OK) {
    rc = cli_exit_code(st);
    goto report;
  }
  print_warnings(&b, &b.warn, 0, "bisheng: ");
  size_t nloaded = b.warn.n;
  if ((rc = check_only(&b)) != 0)
    goto report;
  b.narticles = bs_manifest_article_count(b.m);
  b.jobv = calloc(bs_manifest_output_count(b.m) + 1, sizeof *b.jobv);
  if (!b.jobv)
    abort();
  long long date = cli_source_date();
  for (size_t k = 0; k < bs_manifest_output_count(b.m); k++) {
    const bs_manifest_output *o = bs_manifest_get_output(b.m, k);
    if (!selected(&b, o->name))
      continue;
    job *j = &b.jobv[b.njobs++];
    j->b = &b;
    j->out = *o;
    j->out.force = b.force;
    j->out.epub.diag = j->out.pdf.diag = on_output_warning;
    j->out.epub.diag_user = j->out.pdf.diag_user = j;
    j->out.epub.progress = j->out.pdf.progress = on_progress;
    j->out.epub.progress_user = j->out.pdf.progress_user = j;
    j->out.epub.source_date = j->out.pdf.source_date = date;
    j->out.epub.jobs = b.jobs == 1 ? 1 : 0;
  }
  if (b.check) {
    if (!b.quiet)
      fprintf(stderr, "bisheng: %s: %zu articles in %zu parts, outputs checked: %zu\n",
              b.manifest, b.narticles, bs_manifest_part_count(b.m), b.njobs);
    goto report;
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
  if (!b.quiet && !b.tty)
    fprintf(stderr, "bisheng: reading %zu articles\n", b.narticles);
  double t = now_ms();
  bs_error_clear(&err);
  st = bs_manifest_read_articles(b.m, &mo, &err);
  b.read_ms = now_ms() - t;
  if (st != BS_OK) {
    rc = cli_exit_code(st);
    goto report;
  }
  if (b.nerrors) /* --keep-going left bad articles out: build the rest, but say it failed */
    rc = 1;
  print_warnings(&b, &b.warn, nloaded, "bisheng: ");
  size_t nthreads = b.jobs < 1 ? 1 : (size_t)b.jobs;
  if (nthreads > b.njobs)
    nthreads = b.njobs;
  /* built in threads (no fork), the -j budget is shared by the outputs built at once; each
   * PDF lays its chapters out in its share of the threads (#7), at least one, the first
   * outputs taking what does not divide evenly (the files do not depend on it); a forked
   * output takes all of it (build_forked) */
  for (size_t i = 0; i < b.njobs; i++) {
    int share = nthreads ? b.jobs / (int)nthreads : 1;
    if (nthreads && i < (size_t)b.jobs % nthreads)
      share++;
    b.jobv[i].out.pdf.jobs = share < 1 ? 1 : share;
  }
  bool drawing = b.tty && !b.quiet;
  if (drawing)
    draw(&b, true);
  /* several outputs at once: one process each (#19); what could not be forked is built here */
  if (nthreads > 1 && build_forked(&b, nthreads)) {
    nthreads = 1;
    if (drawing) {
      draw(&b, false);
      drawing = false;
    }
  }
  pthread_t *th = calloc(nthreads + 1, sizeof *th), tick;
  if (!th)
    abort();
  bool ticking = drawing && pthread_create(&tick, NULL, ticker, &b) == 0;
  size_t started = 0;
  if (nthreads > 1)
    for (; started < nthreads; started++)
      if (pthread_create(&th[started], NULL, worker, &b) != 0)
        break;
  if (started == 0)
    worker(&b);
  for (size_t i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  free(th);
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
  b.total_ms = now_ms() - b.t0;
  if (rc && b.nerrors > 1 && !b.quiet)
    fprintf(stderr, "bisheng: %zu errors\n", b.nerrors);
  if (b.json)
    json_report(&b, rc);
  for (size_t i = 0; i < b.njobs; i++)
    warnings_free(&b.jobv[i].warn);
  free(b.jobv);
  warnings_free(&b.warn);
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

int bisheng_cmd_init(int argc, char **argv)
{
  const char *dir = NULL;
  int quiet = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
      quiet = 1;
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      build_help();
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1])
      return usage("unknown option '%s' for init", argv[i]);
    else if (dir)
      return usage("%s", "init takes one folder");
    else
      dir = argv[i];
  }
  if (!dir)
    dir = ".";
  char path[4096];
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "bisheng: %s: cannot create folder: %s\n", dir, strerror(errno));
    return EXIT_INPUT;
  }
  snprintf(path, sizeof path, "%s/book.yaml", dir);
  int rc = write_new(path, book_template, quiet);
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
  if (!quiet)
    fprintf(stderr, "bisheng: next: cd %s && bisheng build\n", dir);
  return 0;
}
