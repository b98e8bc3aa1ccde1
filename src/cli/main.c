/* bisheng command line: thin glue over libbisheng. The only code that prints or exits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bisheng/bisheng.h"
#include "cli.h"


int bisheng_cmd_build(int argc, char **argv); /* build.c */

static const char *prog = "bisheng";
static int quiet;

/* Warnings are merged: the same message is printed once with a count (fz_flush_warnings). */
typedef struct {
  char *text;
  int count;
} warning;
static warning *warnings;
static size_t nwarnings;

static void on_warning(void *user, const bs_error *w)
{
  (void)user;
  char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
  bs_error copy = *w;
  /* prefix the message; a rare overlong one is cut, which is fine for a warning */
  size_t n = strlen("warning: ");
  memcpy(copy.message, "warning: ", n);
  size_t room = sizeof copy.message - n - 1, ml = strlen(w->message);
  memcpy(copy.message + n, w->message, ml < room ? ml : room);
  copy.message[n + (ml < room ? ml : room)] = '\0';
  bs_error_format(&copy, line, sizeof line);
  for (size_t i = 0; i < nwarnings; i++)
    if (!strcmp(warnings[i].text, line)) {
      warnings[i].count++;
      return;
    }
  warning *nw = realloc(warnings, (nwarnings + 1) * sizeof *warnings);
  if (!nw)
    abort();
  warnings = nw;
  warnings[nwarnings].text = strdup(line);
  warnings[nwarnings].count = 1;
  nwarnings++;
}

static void flush_warnings(void)
{
  for (size_t i = 0; i < nwarnings; i++) {
    if (!quiet) {
      if (warnings[i].count > 1)
        fprintf(stderr, "%s (×%d)\n", warnings[i].text, warnings[i].count);
      else
        fprintf(stderr, "%s\n", warnings[i].text);
    }
    free(warnings[i].text);
  }
  free(warnings);
  warnings = NULL;
  nwarnings = 0;
}

static int fail(const bs_error *err)
{
  char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
  flush_warnings();
  /* `file:line: what is wrong`, as compilers print it; the program name when there is no file */
  if (err->path[0])
    fprintf(stderr, "%s\n", bs_error_format(err, line, sizeof line));
  else
    fprintf(stderr, "%s: %s\n", prog, bs_error_format(err, line, sizeof line));
  return cli_exit_code(err->code);
}

static int usage_error(const char *fmt, const char *arg)
{
  fprintf(stderr, "%s: ", prog);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry '%s --help'.\n", prog);
  return EXIT_USAGE;
}

static void help(void)
{
  printf(
      "Usage: bisheng INPUT... -o OUTPUT [options]   convert articles into a book\n"
      "       bisheng dump INPUT                     print the document tree as JSON\n"
      "       bisheng layout INPUT [options]         print the page layout as JSON\n"
      "       bisheng build [book.yaml] [--only NAME] [-j N] [--json] [--check] [--force] [-q]\n"
      "                                              build every output a manifest names\n"
      "       bisheng init [DIR]                     write a documented book.yaml + chapters\n"
      "\n"
      "Inputs are plain-text article exports (.txt), Markdown (.md) or HTML (.html); '-' reads\n"
      "standard input. Several inputs make one book, one chapter each. The output format comes\n"
      "from OUTPUT's extension (.epub, .pdf) or -t; '-o -' writes to standard output.\n"
      "\n"
      "Options:\n"
      "  -o, --output FILE        output file\n"
      "  -t, --to FORMAT          epub or pdf (default: from the output's extension)\n"
      "  -f, --from FORMAT        input format: text, markdown, html (default: from extension)\n"
      "  --direction DIR          horizontal (default) or vertical\n"
      "  --title T, --author A, --lang L   override the metadata (--author may repeat)\n"
      "  --cover IMAGE, --css FILE         EPUB cover image and extra stylesheet\n"
      "  --embed-fonts            EPUB: embed subsets of the CJK fonts used\n"
      "  --keep-going             image problems become warnings; a bad article among\n"
      "                           several is left out (exit status 1, the rest is built)\n"
      "  --paper SIZE             A4 A5 B5 B6 32K Letter or WxHmm (PDF, default A5)\n"
      "  --font-size PT           body size in points (default 10.5)\n"
      "  --grid CxL               characters per line x lines per page\n"
      "  --margins T,R,B,L        margins in mm (the grid is derived from them)\n"
      "  --font FAMILY            body font family\n"
      "  --indent EM              first-line indent (default 2 for Chinese, 1 for Japanese)\n"
      "  --vnum upright|sideways  4+ digit numbers in vertical text (default upright)\n"
      "  --emphasis bold|dots     how strong text is set in PDF (default bold)\n"
      "  --toc, --no-toc          PDF table of contents (default: on for several inputs)\n"
      "  --recto-chapters, --no-recto-chapters   chapters open on a recto (default: books)\n"
      "  --bleed MM               PDF bleed around the trimmed page, e.g. 3mm\n"
      "  --crop-marks             PDF crop marks outside the trim\n"
      "  -j, --jobs N             PDF: threads laying chapters out (default: the number of\n"
      "                           cores; the file is the same whatever N); -j 1: one thread\n"
      "                           for an EPUB too\n"
      "  --no-normalize           keep ASCII punctuation inside CJK text as it is\n"
      "  --lossy                  replace invalid UTF-8 with U+FFFD instead of failing\n"
      "  -q, --quiet              no warnings\n"
      "  -h, --help, --version\n"
      "\n"
      "Example:\n"
      "  bisheng article.txt --direction vertical -o book.pdf\n"
      "  bisheng build book.yaml --only epub -j 4     (see 'bisheng build --help')\n"
      "\n"
      "Exit status: 0 success, 1 bad input, 2 usage error, 3 internal failure.\n");
}

typedef struct {
  const char **inputs;
  int ninputs;
  const char *output, *to, *from, *title, *lang, *cover, *css, *font, *paper, *grid, *margins;
  const char **authors;
  int nauthors;
  bs_direction direction;
  double font_size, indent;
  int embed_fonts, keep_going, vnum_sideways, dots, no_normalize, lossy;
  int toc, recto, crop_marks; /* toc/recto: 0 default, 1 on, 2 off */
  double bleed;
  int jobs; /* PDF: threads laying chapters out (0: the number of cores) */
} cli;

int cli_exit_code(bs_status st)
{
  switch (st) {
  case BS_OK: return 0;
  case BS_ERR_LIBRARY:
  case BS_ERR_ARGUMENT: return EXIT_INTERNAL; /* our bug or a library's, not the user's */
  default: return EXIT_INPUT;
  }
}

long long cli_source_date(void)
{
  const char *s = getenv("SOURCE_DATE_EPOCH");
  if (!s || !*s)
    return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || v < 0)
    return -1;
  return v;
}

static int parse_args(int argc, char **argv, int start, cli *c)
{
  c->inputs = calloc((size_t)argc, sizeof *c->inputs);
  c->authors = calloc((size_t)argc, sizeof *c->authors);
  if (!c->inputs || !c->authors)
    abort();
  c->indent = -1;
  for (int i = start; i < argc; i++) {
    const char *a = argv[i];
#define VAL(name)                                                                     \
  (i + 1 < argc ? argv[++i] : (usage_error("option '%s' needs a value", name), NULL))
    if (a[0] != '-' || !strcmp(a, "-")) {
      c->inputs[c->ninputs++] = a;
      continue;
    }
    const char *v = NULL;
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (!(c->output = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "-t") || !strcmp(a, "--to")) {
      if (!(c->to = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "-f") || !strcmp(a, "--from")) {
      if (!(c->from = VAL(a)))
        return EXIT_USAGE;
      if (bs_format_from_string(c->from) == BS_FORMAT_AUTO)
        return usage_error("unknown input format '%s'", c->from);
    } else if (!strcmp(a, "--direction")) {
      if (!(v = VAL(a)))
        return EXIT_USAGE;
      c->direction = bs_direction_from_string(v);
      if (c->direction == BS_DIR_DEFAULT)
        return usage_error("--direction takes horizontal or vertical, not '%s'", v);
    } else if (!strcmp(a, "--title")) {
      if (!(c->title = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "--author")) {
      if (!(v = VAL(a)))
        return EXIT_USAGE;
      c->authors[c->nauthors++] = v;
    } else if (!strcmp(a, "--lang")) {
      if (!(c->lang = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "--cover")) {
      if (!(c->cover = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "--css")) {
      if (!(c->css = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "--font")) {
      if (!(c->font = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "--paper")) {
      if (!(c->paper = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "--grid")) {
      if (!(c->grid = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "--margins")) {
      if (!(c->margins = VAL(a)))
        return EXIT_USAGE;
    } else if (!strcmp(a, "--font-size") || !strcmp(a, "--indent")) {
      if (!(v = VAL(a)))
        return EXIT_USAGE;
      char *end;
      double d = strtod(v, &end);
      if (end == v || (*end && strcmp(end, "pt") && strcmp(end, "em")) || d < 0 || d > 1000)
        return usage_error("bad number '%s'", v);
      if (!strcmp(a, "--indent"))
        c->indent = d;
      else if (d < 4)
        return usage_error("font size '%s' is too small (4pt at least)", v);
      else
        c->font_size = d;
    } else if (!strcmp(a, "--vnum")) {
      if (!(v = VAL(a)))
        return EXIT_USAGE;
      if (!strcmp(v, "sideways"))
        c->vnum_sideways = 1;
      else if (strcmp(v, "upright"))
        return usage_error("--vnum takes upright or sideways, not '%s'", v);
    } else if (!strcmp(a, "--emphasis")) {
      if (!(v = VAL(a)))
        return EXIT_USAGE;
      if (!strcmp(v, "dots"))
        c->dots = 1;
      else if (strcmp(v, "bold"))
        return usage_error("--emphasis takes bold or dots, not '%s'", v);
    } else if (!strcmp(a, "--toc") || !strcmp(a, "--no-toc")) {
      c->toc = a[2] == 'n' ? 2 : 1;
    } else if (!strcmp(a, "--recto-chapters") || !strcmp(a, "--no-recto-chapters")) {
      c->recto = a[2] == 'n' ? 2 : 1;
    } else if (!strcmp(a, "--crop-marks")) {
      c->crop_marks = 1;
    } else if (!strcmp(a, "--bleed")) {
      if (!(v = VAL(a)))
        return EXIT_USAGE;
      char *end;
      double d = strtod(v, &end);
      if (end == v || (*end && strcmp(end, "mm")) || d < 0 || d > 20)
        return usage_error("--bleed takes a length in mm up to 20mm, not '%s'", v);
      c->bleed = d;
    } else if (!strcmp(a, "--embed-fonts")) {
      c->embed_fonts = 1;
    } else if (!strcmp(a, "--keep-going")) {
      c->keep_going = 1;
    } else if (!strcmp(a, "--no-normalize")) {
      c->no_normalize = 1;
    } else if (!strcmp(a, "--lossy")) {
      c->lossy = 1;
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") || (!strncmp(a, "-j", 2) && a[2]) ||
               !strncmp(a, "--jobs=", 7)) {
      if (a[1] == 'j' && a[2])
        v = a + 2;
      else if (!strncmp(a, "--jobs=", 7))
        v = a + 7;
      else if (!(v = VAL(a)))
        return EXIT_USAGE;
      char *end;
      long n = strtol(v, &end, 10);
      if (end == v || *end || n < 1 || n > 1024)
        return usage_error("-j takes a number of threads from 1 to 1024, not '%s'", v);
      c->jobs = (int)n;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      quiet = 1;
    } else {
      return usage_error("unknown option '%s'", a);
    }
#undef VAL
  }
  return 0;
}

/* Reads every input; one document is returned as is, several become a book. With
 * --keep-going a bad article among several is reported and left out (counted in *skipped);
 * the caller still fails in the end. */
static int load(const cli *c, bs_node **out, int *skipped)
{
  bs_read_options ro;
  bs_read_options_init(&ro);
  ro.format = bs_format_from_string(c->from);
  ro.lang = c->lang;
  ro.normalize = !c->no_normalize;
  ro.lossy = c->lossy;
  ro.diag = on_warning;
  bs_node *book = c->ninputs > 1 ? bs_node_new(BS_NODE_BOOK) : NULL;
  bs_node *doc = NULL;
  *skipped = 0;
  for (int i = 0; i < c->ninputs; i++) {
    bs_error err;
    bs_error_clear(&err);
    if (bs_read_file(c->inputs[i], &ro, &doc, &err) != BS_OK) {
      int rc = fail(&err);
      if (!book || !c->keep_going || rc != EXIT_INPUT) {
        bs_node_free(book);
        return rc;
      }
      ++*skipped;
      continue;
    }
    if (book)
      bs_node_append_child(book, doc);
  }
  if (book && !bs_node_first_child(book)) {
    bs_node_free(book);
    fprintf(stderr, "%s: no article could be read\n", prog);
    return EXIT_INPUT;
  }
  bs_node *root = book ? book : doc;
  if (c->title)
    bs_node_set_meta(root, BS_META_TITLE, c->title);
  if (c->lang)
    bs_node_set_meta(root, BS_META_LANG, c->lang);
  if (c->nauthors) {
    bs_node_clear_meta_list(root, BS_META_AUTHORS);
    for (int i = 0; i < c->nauthors; i++)
      bs_node_add_meta_item(root, BS_META_AUTHORS, c->authors[i]);
  }
  if (c->direction != BS_DIR_DEFAULT)
    bs_node_set_meta(root, BS_META_DIRECTION, bs_direction_string(c->direction));
  if (book && !bs_node_get_meta(book, BS_META_LANG)) {
    /* a book's language is its first chapter's unless told otherwise */
    const char *l = bs_node_get_meta(bs_node_first_child(book), BS_META_LANG);
    if (l)
      bs_node_set_meta(book, BS_META_LANG, l);
  }
  *out = root;
  return 0;
}

/* --keep-going built the book without some articles: say so, and fail like make -k. */
static int left_out(int skipped, int total)
{
  flush_warnings();
  fprintf(stderr, "%s: %d of %d articles left out (--keep-going); the rest were built\n", prog,
          skipped, total);
  return EXIT_INPUT;
}

static int typeset_options(const cli *c, bs_typeset_options *o)
{
  bs_typeset_options_init(o);
  o->direction = c->direction;
  o->diag = on_warning;
  o->source_date = cli_source_date();
  o->font_family = c->font;
  o->vnum_sideways = c->vnum_sideways;
  o->emphasis_dots = c->dots;
  o->keep_going = c->keep_going;
  o->indent_em = c->indent;
  if (c->toc)
    o->toc = c->toc == 1;
  if (c->recto)
    o->recto_chapters = c->recto == 1;
  o->bleed_mm = c->bleed;
  o->crop_marks = c->crop_marks;
  if (c->jobs > 0) {
    o->jobs = c->jobs;
  } else {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = n < 1 ? 1 : n > 64 ? 64 : (int)n;
  }
  if (c->font_size > 0)
    o->font_size_pt = c->font_size;
  if (c->paper && !bs_paper_size(c->paper, &o->paper_w_mm, &o->paper_h_mm))
    return usage_error("unknown paper size '%s' (A4 A5 B5 B6 32K Letter or WxHmm)", c->paper);
  if (c->grid && (sscanf(c->grid, "%dx%d", &o->grid_chars, &o->grid_lines) != 2 ||
                  o->grid_chars < 5 || o->grid_lines < 3 || o->grid_chars > 200 ||
                  o->grid_lines > 200))
    return usage_error("--grid takes CxL such as 40x15, not '%s'", c->grid);
  if (c->margins) {
    double *m = o->margins_mm;
    int n = sscanf(c->margins, "%lf,%lf,%lf,%lf", &m[0], &m[1], &m[2], &m[3]);
    if (n == 1)
      m[1] = m[2] = m[3] = m[0];
    else if (n != 4)
      return usage_error("--margins takes T,R,B,L in mm, not '%s'", c->margins);
  }
  return 0;
}

static int cmd_dump(int argc, char **argv)
{
  cli c = {0};
  int rc = parse_args(argc, argv, 2, &c);
  if (!rc && c.ninputs != 1)
    rc = usage_error("%s", "dump takes one input");
  bs_node *root = NULL;
  int skipped = 0;
  if (!rc)
    rc = load(&c, &root, &skipped);
  if (!rc) {
    bs_error err;
    bs_error_clear(&err);
    if (bs_node_dump_json(root, stdout, &err) != BS_OK)
      rc = fail(&err);
  }
  bs_node_free(root);
  free(c.inputs);
  free(c.authors);
  flush_warnings();
  return rc;
}

static int cmd_layout(int argc, char **argv)
{
  cli c = {0};
  int rc = parse_args(argc, argv, 2, &c);
  if (!rc && c.ninputs < 1)
    rc = usage_error("%s", "layout needs an input");
  bs_typeset_options to;
  if (!rc)
    rc = typeset_options(&c, &to);
  bs_node *root = NULL;
  int skipped = 0;
  if (!rc)
    rc = load(&c, &root, &skipped);
  if (!rc) {
    bs_error err;
    bs_error_clear(&err);
    if (bs_layout_dump(root, &to, stdout, &err) != BS_OK)
      rc = fail(&err);
  }
  if (!rc && skipped)
    rc = left_out(skipped, c.ninputs);
  bs_node_free(root);
  free(c.inputs);
  free(c.authors);
  flush_warnings();
  return rc;
}

/* Never overwrite an input: same name, or the same file under another name. */
static bool same_file(const char *in, const char *out)
{
  if (!strcmp(out, "-") || !strcmp(in, "-"))
    return false;
  if (!strcmp(in, out))
    return true;
  struct stat a, b;
  return stat(in, &a) == 0 && stat(out, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The output's folder must exist and take files: checked before any work is done, with the
 * library's wording (a read-only folder is caught here too, unless we run as root). */
static int check_output_folder(const char *out)
{
  if (!strcmp(out, "-"))
    return 0;
  const char *slash = strrchr(out, '/');
  char *dir = slash ? strndup(out, slash == out ? 1 : (size_t)(slash - out)) : strdup(".");
  if (!dir)
    abort();
  struct stat sb;
  int rc = 0;
  if (stat(dir, &sb) != 0 && errno == ENOENT)
    fprintf(stderr, "%s: cannot write: the folder '%s' does not exist\n", out, dir), rc = 1;
  else if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
    fprintf(stderr, "%s: cannot write: '%s' is not a folder\n", out, dir), rc = 1;
  else if (access(dir, W_OK) != 0)
    fprintf(stderr, "%s: cannot write: %s\n", out, strerror(errno)), rc = 1;
  free(dir);
  return rc ? EXIT_INPUT : 0;
}

static int cmd_convert(int argc, char **argv)
{
  cli c = {0};
  int rc = parse_args(argc, argv, 1, &c);
  if (!rc && c.ninputs < 1)
    rc = usage_error("%s", "no input given");
  if (!rc && !c.output)
    rc = usage_error("%s", "no output given (-o FILE.epub or -o FILE.pdf)");
  for (int i = 0; !rc && i < c.ninputs; i++)
    if (same_file(c.inputs[i], c.output))
      rc = usage_error("the output '%s' is also an input", c.output);
  if (!rc)
    rc = check_output_folder(c.output);
  const char *fmt = c.to;
  if (!rc && !fmt) {
    const char *dot = strrchr(c.output, '.');
    fmt = dot ? dot + 1 : NULL;
    if (!fmt || (strcasecmp(fmt, "epub") && strcasecmp(fmt, "pdf")))
      rc = usage_error("cannot tell the output format of '%s': use -t epub or -t pdf", c.output);
  }
  if (!rc && strcasecmp(fmt, "epub") && strcasecmp(fmt, "pdf"))
    rc = usage_error("unknown output format '%s' (epub or pdf)", fmt);
  bs_typeset_options to;
  if (!rc && !strcasecmp(fmt, "pdf"))
    rc = typeset_options(&c, &to);
  bs_node *root = NULL;
  int skipped = 0;
  if (!rc)
    rc = load(&c, &root, &skipped);
  if (!rc) {
    bs_error err;
    bs_error_clear(&err);
    bs_status st;
    if (!strcasecmp(fmt, "epub")) {
      bs_epub_options eo;
      bs_epub_options_init(&eo);
      eo.direction = c.direction;
      eo.css_path = c.css;
      eo.cover_path = c.cover;
      eo.embed_fonts = c.embed_fonts;
      eo.keep_going = c.keep_going;
      eo.source_date = cli_source_date();
      eo.jobs = c.jobs;
      eo.diag = on_warning;
      st = bs_epub_write(root, &eo, c.output, &err);
    } else {
      st = bs_pdf_write(root, &to, c.output, &err);
    }
    if (st != BS_OK)
      rc = fail(&err);
  }
  if (!rc && skipped)
    rc = left_out(skipped, c.ninputs);
  bs_node_free(root);
  free(c.inputs);
  free(c.authors);
  flush_warnings();
  return rc;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    help();
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    help();
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
    bisheng_print_version();
    return 0;
  }
  if (!strcmp(cmd, "dump"))
    return cmd_dump(argc, argv);
  if (!strcmp(cmd, "layout"))
    return cmd_layout(argc, argv);
  if (!strcmp(cmd, "build"))
    return bisheng_cmd_build(argc, argv);
  if (!strcmp(cmd, "init"))
    return bisheng_cmd_init(argc, argv);
  return cmd_convert(argc, argv);
}
