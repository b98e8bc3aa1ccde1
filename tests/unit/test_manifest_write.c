/* bs_manifest_write: the sidecar skip, the byte comparison that keeps mtimes, --force,
 * rebuilds on change, page counting, two outputs from two threads.
 *
 * The writers are replaced by fakes defined here (the linker takes these before the
 * archive's members, which then are never pulled in), so this tests the build logic alone,
 * whatever state the real writers are in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utime.h>
#include <unistd.h>

#include "bisheng/manifest.h"

static int calls; /* writer calls */
static pthread_mutex_t calls_lock = PTHREAD_MUTEX_INITIALIZER;

static bs_status fake_write(const bs_node *root, const char *kind, double size, long long date,
                            const char *path, bs_error *err)
{
  pthread_mutex_lock(&calls_lock);
  calls++;
  pthread_mutex_unlock(&calls_lock);
  FILE *f = fopen(path, "wb");
  if (!f)
    return bs_error_set(err, BS_ERR_IO, path, 0, 0, "cannot write");
  fprintf(f, "%s size %g date %lld\n<< /Type /Pages >>\n<< /Type /Page >>\n<</Type/Page>>\n",
          kind, size, date);
  bs_node_dump_json(root, f, NULL);
  fclose(f);
  return BS_OK;
}

void bs_epub_options_init(bs_epub_options *o)
{
  memset(o, 0, sizeof *o);
  o->source_date = -1;
}

bs_status bs_epub_write(const bs_node *root, const bs_epub_options *o, const char *path,
                        bs_error *err)
{
  return fake_write(root, "epub", 0, o->source_date, path, err);
}

/* The streamed forms (articles not read into the book): each chapter asked for and given
 * back in turn, as the real writers do, appended to what the fake wrote of the book. */
static bs_status append_chapters(bs_status st, const bs_chapter_source *src, const char *path,
                                 bs_error *err)
{
  FILE *f = st == BS_OK ? fopen(path, "ab") : NULL;
  for (size_t i = 0; f && i < src->count && st == BS_OK; i++) {
    const bs_node *doc = NULL;
    st = src->get(src->user, i, &doc, err);
    if (st == BS_OK && doc) {
      bs_node_dump_json(doc, f, NULL);
      src->put(src->user, i, doc);
    }
  }
  if (f)
    fclose(f);
  return st;
}

bs_status bs_epub_write_chapters(const bs_node *book, const bs_chapter_source *src,
                                 const bs_epub_options *o, const char *path, bs_error *err)
{
  return append_chapters(fake_write(book, "epub", 0, o->source_date, path, err), src, path,
                         err);
}

void bs_typeset_options_init(bs_typeset_options *o)
{
  memset(o, 0, sizeof *o);
  o->indent_em = -1;
  o->source_date = -1;
}

bool bs_paper_size(const char *name, double *w, double *h)
{
  if (!strcmp(name, "A4")) {
    *w = 210, *h = 297;
    return true;
  }
  if (!strcmp(name, "A5")) {
    *w = 148, *h = 210;
    return true;
  }
  return false;
}

bs_status bs_pdf_write(const bs_node *root, const bs_typeset_options *o, const char *path,
                       bs_error *err)
{
  bs_status st = fake_write(root, "pdf", o->font_size_pt, o->source_date, path, err);
  if (st == BS_OK && o->progress) { /* as the real writer: the last report counts the pages */
    bs_progress p = {1, 1, 2, 0};
    o->progress(o->progress_user, &p);
  }
  return st;
}

bs_status bs_pdf_write_chapters(const bs_node *book, const bs_chapter_source *src,
                                const bs_typeset_options *o, const char *path, bs_error *err)
{
  return append_chapters(bs_pdf_write(book, o, path, err), src, path, err);
}

bs_status bs_layout_dump(const bs_node *root, const bs_typeset_options *o, FILE *out,
                         bs_error *err)
{
  (void)root, (void)o, (void)out, (void)err;
  return BS_ERR_UNSUPPORTED;
}

static char dir[256];

static int setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/bs-mwrite-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static bs_manifest *load(const char *yaml)
{
  char path[512];
  snprintf(path, sizeof path, "%s/a.txt", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("A\n", f);
  fclose(f);
  snprintf(path, sizeof path, "%s/book.yaml", dir);
  bs_manifest *m = NULL;
  bs_error err;
  assert_int_equal(bs_manifest_parse(yaml, strlen(yaml), path, NULL, &m, &err), BS_OK);
  for (size_t i = 0; i < bs_manifest_output_count(m); i++)
    assert_int_equal(bs_manifest_prepare_output(m, bs_manifest_get_output(m, i), &err), BS_OK);
  return m;
}

static const char *yaml_a = "title: T\narticles: [a.txt]\nfontsize: 10\noutputs:\n"
                            "  - {name: e, file: out/b.epub}\n"
                            "  - {name: p, file: out/b.pdf, paper: A5}\n";

static bs_manifest_result write_one(const bs_manifest *m, size_t i, bool force)
{
  bs_manifest_output o = *bs_manifest_get_output(m, i);
  o.force = force;
  o.epub.source_date = o.pdf.source_date = 1700000000;
  bs_manifest_result r;
  bs_error err;
  bs_error_clear(&err);
  assert_int_equal(bs_manifest_write(m, &o, &r, &err), BS_OK);
  return r;
}

static void set_old_mtime(const char *path)
{
  struct utimbuf t = {1000000000, 1000000000};
  assert_int_equal(utime(path, &t), 0);
}

static long mtime(const char *path)
{
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  return (long)st.st_mtime;
}

static void test_unchanged_outputs(void **state)
{
  (void)state;
  bs_manifest *m = load(yaml_a);
  char pdf[600];
  snprintf(pdf, sizeof pdf, "%s", bs_manifest_get_output(m, 1)->path);
  calls = 0;
  bs_manifest_result r = write_one(m, 1, false);
  assert_true(r.written);
  assert_int_equal(r.pages, 2);
  assert_int_equal(calls, 1);
  struct stat st;
  assert_int_equal(stat(pdf, &st), 0);
  assert_int_equal(st.st_size, r.bytes);
  char side[600];
  snprintf(side, sizeof side, "%s/out/.b.pdf.bisheng", dir);
  assert_int_equal(stat(side, &st), 0);
  set_old_mtime(pdf);

  /* nothing changed: the sidecar matches, the writer is not even called */
  r = write_one(m, 1, false);
  assert_false(r.written);
  assert_int_equal(r.pages, 2);
  assert_int_equal(calls, 1);
  assert_int_equal(mtime(pdf), 1000000000);

  /* no sidecar, or --force: rebuilt, but the same bytes leave the file alone */
  unlink(side);
  r = write_one(m, 1, false);
  assert_false(r.written);
  assert_int_equal(calls, 2);
  assert_int_equal(mtime(pdf), 1000000000);
  r = write_one(m, 1, true);
  assert_false(r.written);
  assert_int_equal(calls, 3);
  assert_int_equal(mtime(pdf), 1000000000);

  /* the output replaced behind our back (size differs): rebuilt and rewritten */
  FILE *f = fopen(pdf, "w");
  fputs("x", f);
  fclose(f);
  r = write_one(m, 1, false);
  assert_true(r.written);
  assert_int_equal(calls, 4);

  /* the EPUB has no pages */
  r = write_one(m, 0, false);
  assert_true(r.written);
  assert_int_equal(r.pages, 0);
  bs_manifest_free(m);

  /* a changed option or changed metadata: rebuilt */
  m = load("title: T\narticles: [a.txt]\nfontsize: 11\noutputs:\n"
           "  - {name: e, file: out/b.epub}\n  - {name: p, file: out/b.pdf, paper: A5}\n");
  set_old_mtime(pdf);
  r = write_one(m, 1, false);
  assert_true(r.written);
  assert_int_equal(calls, 6);
  assert_int_not_equal(mtime(pdf), 1000000000);
  r = write_one(m, 0, false); /* the EPUB does not use fontsize: still up to date */
  assert_false(r.written);
  assert_int_equal(calls, 6);
  bs_manifest_free(m);
  m = load("title: U\narticles: [a.txt]\nfontsize: 11\noutputs:\n"
           "  - {name: e, file: out/b.epub}\n  - {name: p, file: out/b.pdf, paper: A5}\n");
  r = write_one(m, 0, false);
  assert_true(r.written);
  assert_int_equal(calls, 7);
  bs_manifest_free(m);
}

typedef struct {
  const bs_manifest *m;
  size_t i;
  bs_status st;
} thread_arg;

static void *run(void *p)
{
  thread_arg *a = p;
  bs_manifest_output o = *bs_manifest_get_output(a->m, a->i);
  o.force = true;
  bs_manifest_result r;
  a->st = bs_manifest_write(a->m, &o, &r, NULL);
  return NULL;
}

/* Outputs of one manifest written at once from separate threads. */
static void test_threads(void **state)
{
  (void)state;
  bs_manifest *m = load("title: T\narticles: [a.txt]\noutputs:\n"
                        "  - {file: t/1.epub}\n  - {file: t/2.pdf}\n  - {file: t/3.epub}\n"
                        "  - {file: t/4.pdf}\n");
  pthread_t th[4];
  thread_arg a[4];
  for (size_t i = 0; i < 4; i++) {
    a[i] = (thread_arg){m, i, BS_ERR_LIBRARY};
    assert_int_equal(pthread_create(&th[i], NULL, run, &a[i]), 0);
  }
  for (size_t i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(a[i].st, BS_OK);
    struct stat st;
    assert_int_equal(stat(bs_manifest_get_output(m, i)->path, &st), 0);
  }
  bs_manifest_free(m);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unchanged_outputs),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
