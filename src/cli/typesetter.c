/* The program's side of the typesetter module (typesetter.h): the typesetter's entry points,
 * each opening the module on first use and forwarding to it. */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "typesetter.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const bs_typesetter *volatile ts; /* read by the signal handler */
static char why[PATH_MAX + 256];

static const volatile int *running; /* shared with the other outputs' processes */
static int budget;

/* -j divided among the outputs' processes running now, rounded up: one each while two run on
 * two cores, both to the last one */
static int cores_now(void)
{
  int n = running ? __atomic_load_n(running, __ATOMIC_RELAXED) : 0;
  return n < 1 ? INT_MAX : (budget + n - 1) / n;
}

void cli_typesetter_share_cores(const volatile int *r, int jobs)
{
  running = r;
  budget = jobs;
}

static const bs_typesetter_host host = {bs_epub_add_entry, bs_epub_warn, cores_now};

/* Beside the program (the build tree), then where `make install` puts it (../lib/bisheng/
 * from bin/, wherever the prefix), then the loader's own search (LD_LIBRARY_PATH). */
static void *open_module(void)
{
  char exe[PATH_MAX], path[PATH_MAX + 64];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      static const char *const where[] = {"%s/" BS_TYPESETTER_FILE,
                                          "%s/../lib/bisheng/" BS_TYPESETTER_FILE};
      for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
        snprintf(path, sizeof path, where[i], exe);
        if (access(path, F_OK) == 0) {
          void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
          if (!h)
            snprintf(why, sizeof why, "%s", dlerror());
          return h;
        }
      }
    }
  }
  void *h = dlopen(BS_TYPESETTER_FILE, RTLD_NOW | RTLD_LOCAL);
  if (!h)
    snprintf(why, sizeof why, "%s not found beside the program or in ../lib/bisheng/",
             BS_TYPESETTER_FILE);
  return h;
}

static void load(void)
{
  void *h = open_module();
  if (!h)
    return;
  bs_typesetter_open_fn open = (bs_typesetter_open_fn)(uintptr_t)dlsym(h, BS_TYPESETTER_OPEN);
  const bs_typesetter *t = open ? open(&host) : NULL;
  if (!t || t->abi != BS_TYPESETTER_ABI || strcmp(t->version, BS_VERSION_STRING)) {
    snprintf(why, sizeof why, "%s is not bisheng %s's", BS_TYPESETTER_FILE, BS_VERSION_STRING);
    dlclose(h);
    return;
  }
  ts = t; /* kept open to the end of the process */
}

static const bs_typesetter *get(void)
{
  pthread_once(&once, load);
  return ts;
}

static bs_status unavailable(bs_error *err)
{
  return bs_error_set(err, BS_ERR_LIBRARY, NULL, 0, 0, "cannot load the typesetter: %s", why);
}

bs_status bs_pdf_write(const bs_node *root, const bs_typeset_options *opts, const char *path,
                       bs_error *err)
{
  const bs_typesetter *t = get();
  return t ? t->pdf_write(root, opts, path, err) : unavailable(err);
}

bs_status bs_pdf_write_chapters(const bs_node *book, const bs_chapter_source *src,
                                const bs_typeset_options *opts, const char *path, bs_error *err)
{
  const bs_typesetter *t = get();
  return t ? t->pdf_write_chapters(book, src, opts, path, err) : unavailable(err);
}

bs_status bs_layout_dump(const bs_node *root, const bs_typeset_options *opts, FILE *out,
                         bs_error *err)
{
  const bs_typesetter *t = get();
  return t ? t->layout_dump(root, opts, out, err) : unavailable(err);
}

/* --embed-fonts: without the module the fonts are not embedded, which bs_epub_fonts_pack says
 * once; the pages still link css/fonts.css, so it is written, empty. */
void bs_epub_fonts_note(bs_epub *e, const char *lang, const char *data, size_t len)
{
  const bs_typesetter *t = get();
  if (t)
    t->fonts_note(e, lang, data, len);
}

void bs_epub_fonts_note_variant(bs_epub *e, const char *lang, bs_epub_variant v,
                                const char *data, size_t len)
{
  const bs_typesetter *t = get();
  if (t)
    t->fonts_note_variant(e, lang, v, data, len);
}

void bs_epub_fonts_pack(bs_epub *e)
{
  const bs_typesetter *t = get();
  if (t) {
    t->fonts_pack(e);
    return;
  }
  bs_epub_warn(e, BS_ERR_FONT, NULL, 0, "cannot load the typesetter: %s; no font is embedded",
               why);
  static const char css[] = "@charset \"UTF-8\";\n";
  bs_epub_add_entry(e, "css/fonts.css", "css-fonts", "text/css", css, sizeof css - 1, false,
                    true);
}

/* Every EPUB frees its font sets; only one that noted characters has the module open. */
void bs_epub_fonts_free(bs_epub *e)
{
  if (ts)
    ts->fonts_free(e);
}

bool cli_typesetter_versions(char *buf, size_t size)
{
  const bs_typesetter *t = get();
  if (t)
    t->versions(buf, size);
  else
    snprintf(buf, size, "typesetter not loaded: %s", why);
  return t != NULL;
}

void cli_remove_temporaries(void)
{
  bs_remove_temporaries();
  const bs_typesetter *t = ts;
  if (t)
    t->remove_temporaries();
}
