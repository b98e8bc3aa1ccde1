/* bisheng command line: thin glue over libbisheng. The only code that prints or exits. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bisheng/bisheng.h"
#include <yaml.h>

#include "cli.h"


int bisheng_cmd_build(int argc, char **argv); /* build.c */

static const char *prog = "bisheng";

/* One -M KEY=VALUE (or --title, --author, --lang, --direction), in command-line order. */
typedef struct {
  const char *key, *value;
} meta_arg;

typedef struct {
  const char **inputs;
  int ninputs;
  const char *output, *to, *from, *lang, *cover, *css, *font, *paper, *grid, *margins;
  const char *metadata_file;
  meta_arg *meta;
  int nmeta;
  const cli_opt **given; /* options that apply to one output only, to warn about the other */
  int ngiven;
  bs_direction direction;
  double font_size, indent;
  int embed_fonts, keep_going, vnum_sideways, dots, no_normalize, lossy, fail_if_warnings;
  int quiet;          /* -q: the warnings are counted (--fail-if-warnings), not printed */
  int toc, recto, crop_marks; /* toc/recto: 0 default, 1 on, 2 off */
  int toc_depth;
  double bleed;
  int jobs; /* PDF: threads laying chapters out (0: the number of cores) */
  unsigned cmd;
  bool helped;
  cli_warnings warn;  /* the run's warnings, printed at its end (fail, finish) */
} cli;

/* Warnings (diag_user: the command's cli) are merged in its table. */
static void on_warning(void *user, const bs_error *w)
{
  cli *c = user;
  char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
  cli_format_warning(w, line, sizeof line);
  cli_warnings_add(&c->warn, line, w->code == BS_NOTE);
}

/* Prints the warnings so far (unless -q) and forgets them. */
static void flush_warnings(cli *c)
{
  if (!c->quiet)
    cli_warnings_print(&c->warn, 0, "");
  cli_warnings_free(&c->warn);
}

static int fail(cli *c, const bs_error *err)
{
  char line[BS_ERROR_MESSAGE_MAX + BS_ERROR_PATH_MAX + 64];
  flush_warnings(c);
  /* `file:line: what is wrong`, as compilers print it; the program name when there is no file */
  if (err->path[0])
    fprintf(stderr, "%s\n", bs_error_format(err, line, sizeof line));
  else
    fprintf(stderr, "%s: %s\n", prog, bs_error_format(err, line, sizeof line));
  return cli_exit_code(err->code);
}

static int usage_error(const char *fmt, const char *arg)
{
  return cli_usage(CMD_CONVERT, fmt, arg);
}

/* A warning of the CLI's own given as a bs_error without a file: "bisheng: warning: ..." */
static void on_prog_warning(void *user, const bs_error *w)
{
  bs_error copy = *w;
  snprintf(copy.path, sizeof copy.path, "%s", prog);
  on_warning(user, &copy);
}

/* A warning of our own (not from the library), merged like the others. */
static void prog_warning(cli *c, const char *fmt, const char *a, const char *b)
{
  bs_error w;
  bs_error_clear(&w);
  snprintf(w.path, sizeof w.path, "%s", prog); /* "bisheng: warning: ..." */
  snprintf(w.message, sizeof w.message, fmt, a, b);
  on_warning(c, &w);
}

static void help(unsigned cmd)
{
  switch (cmd) {
  case CMD_DUMP:
    printf("Usage: bisheng dump INPUT [options]   print the document tree as JSON\n\n"
           "Reads one article (.txt, .md, .html; '-' reads standard input) and prints its tree:\n"
           "metadata, blocks and inlines with their source positions.\n\nOptions:\n");
    cli_print_options(cmd, stdout);
    printf("\nExample:\n  bisheng dump article.md -M lang=ja | less\n");
    return;
  case CMD_LAYOUT:
    printf("Usage: bisheng layout INPUT... [options]   print the page layout as JSON\n\n"
           "Typesets the inputs as 'bisheng INPUT -o book.pdf' would and prints the pages, lines\n"
           "and glyphs with their positions instead of drawing them.\n\nOptions:\n");
    cli_print_options(cmd, stdout);
    printf("\nExample:\n  bisheng layout article.txt --direction vertical --paper B6\n");
    return;
  default: break;
  }
  printf(
      "Usage: bisheng INPUT... -o OUTPUT [options]   convert articles into a book\n"
      "       bisheng dump INPUT                     print the document tree as JSON\n"
      "       bisheng layout INPUT [options]         print the page layout as JSON\n"
      "       bisheng build [book.yaml] [--only NAME[:VOL]] [--plan] [-j N] [--json] [--check]\n"
      "                     [--force] [-q]         build every output a manifest names\n"
      "       bisheng init [DIR] [--ci github|gitlab]   write a documented book.yaml + chapters\n"
      "\n"
      "Inputs are plain-text article exports (.txt), Markdown (.md) or HTML (.html); '-' reads\n"
      "standard input. Several inputs make one book, one chapter each. The output format comes\n"
      "from OUTPUT's extension (.epub, .pdf) or -t; '-o -' writes to standard output. Options\n"
      "take their value as '--opt VALUE' or '--opt=VALUE' (short ones as '-o FILE' or '-oFILE').\n"
      "'bisheng COMMAND --help' describes a command.\n"
      "\n"
      "Options:\n");
  cli_print_options(CMD_CONVERT, stdout);
  printf("\n"
         "Example:\n"
         "  bisheng article.txt --direction vertical -o book.pdf\n"
         "  bisheng a.md b.md -M title=文集 -M author=徐秉君 --toc-depth=1 -obook.epub\n"
         "  bisheng build book.yaml --only epub -j 4     (see 'bisheng build --help')\n"
         "\n"
         "Exit status: 0 success, 1 bad input, 2 usage error, 3 internal failure.\n");
}


int cli_exit_code(bs_status st)
{
  switch (st) {
  case BS_OK: return 0;
  case BS_ERR_LIBRARY:
  case BS_ERR_ARGUMENT: return EXIT_INTERNAL; /* our bug or a library's, not the user's */
  default: return EXIT_INPUT;
  }
}

long long cli_source_date(bs_diag_fn warn, void *user)
{
  const char *s = getenv("SOURCE_DATE_EPOCH");
  if (!s || !*s)
    return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  /* up to 9999-12-31T23:59:59Z: the EPUB's dcterms:modified has four digits for the year */
  if (errno || *end || v < 0 || v > 253402300799LL) {
    static _Atomic int warned;
    if (warn && !warned++) {
      bs_error w;
      bs_error_clear(&w);
      snprintf(w.message, sizeof w.message,
               "SOURCE_DATE_EPOCH '%.40s' is not a number of seconds from 1970 to 9999: the "
               "current time is used", s);
      warn(user, &w);
    }
    return -1;
  }
  return v;
}

/* The metadata keys of -M and --metadata-file: the names front matter and manifests use. */
static const struct {
  const char *name;
  int key; /* bs_meta_key, or -1 authors, -2 tags */
} meta_names[] = {
    {"title", BS_META_TITLE},         {"subtitle", BS_META_SUBTITLE},
    {"author", -1},                   {"authors", -1},
    {"affiliation", BS_META_AFFILIATION}, {"date", BS_META_DATE},
    {"lang", BS_META_LANG},           {"language", BS_META_LANG},
    {"source", BS_META_SOURCE},       {"direction", BS_META_DIRECTION},
    {"description", BS_META_DESCRIPTION}, {"abstract", BS_META_DESCRIPTION},
    {"cover-image", BS_META_COVER},   {"identifier", BS_META_IDENTIFIER},
    {"publisher", BS_META_PUBLISHER}, {"editor", BS_META_EDITOR},
    {"url", BS_META_URL},             {"rights", BS_META_RIGHTS},
    {"keywords", -2},                 {"tags", -2},
};
enum { NMETA_NAMES = sizeof meta_names / sizeof meta_names[0] };

/* The key's slot, or -100 if unknown. */
static int meta_key(const char *name)
{
  for (size_t i = 0; i < NMETA_NAMES; i++)
    if (!strcmp(meta_names[i].name, name))
      return meta_names[i].key;
  return -100;
}

static int unknown_meta_key(const char *key)
{
  const char *cands[NMETA_NAMES];
  for (size_t i = 0; i < NMETA_NAMES; i++)
    cands[i] = meta_names[i].name;
  const char *s = cli_suggest(key, cands, NMETA_NAMES);
  if (s) {
    fprintf(stderr, "%s: unknown metadata key '%s'; did you mean '%s'?\n", prog, key, s);
    return EXIT_USAGE;
  }
  fprintf(stderr, "%s: unknown metadata key '%s' (title, subtitle, author, date, lang, "
                  "publisher, identifier, rights, description, keywords...)\n", prog, key);
  return EXIT_USAGE;
}

static int number(const char *v, const char *units, double lo, double hi, double *out)
{
  char *end;
  double d = strtod(v, &end);
  if (end == v || (*end && (!units || !strstr(units, end))) || d < lo || d > hi)
    return 0;
  *out = d;
  return 1;
}

/* True when s is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF):
 * metadata goes into XML and into Pango and Cairo, which all refuse anything else. */
static bool utf8_ok(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned c = *p, n = c < 0x80 ? 0 : c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2
                                  : c >= 0xF0 && c <= 0xF4 ? 3 : 9;
    if (n == 9)
      return false;
    unsigned cp = n ? c & (0x3F >> n) : c;
    for (unsigned i = 1; i <= n; i++) {
      if ((p[i] & 0xC0) != 0x80)
        return false;
      cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += n + 1;
  }
  return true;
}

static int on_option(void *user, const cli_opt *o, const char *v)
{
  cli *c = user;
  if (!o) {
    c->inputs[c->ninputs++] = v;
    return 0;
  }
  if (o->out)
    c->given[c->ngiven++] = o;
  double d;
  if ((o->id == OPT_TITLE || o->id == OPT_AUTHOR || o->id == OPT_LANG ||
       o->id == OPT_METADATA) && !utf8_ok(v))
    return cli_usage(c->cmd, "--%s: the value is not valid UTF-8", o->lng);
  switch (o->id) {
  case OPT_HELP:
    help(c->cmd);
    c->helped = true;
    return -1;
  case OPT_VERSION:
    bisheng_print_version();
    c->helped = true;
    return -1;
  case OPT_OUTPUT: c->output = v; break;
  case OPT_TO: c->to = v; break;
  case OPT_FROM:
    c->from = v;
    if (bs_format_from_string(v) == BS_FORMAT_AUTO || bs_format_from_string(v) == BS_FORMAT_MANIFEST)
      return cli_usage(c->cmd, "unknown input format '%s' (text, markdown or html)", v);
    break;
  case OPT_DIRECTION:
    c->direction = bs_direction_from_string(v);
    if (c->direction == BS_DIR_DEFAULT)
      return cli_usage(c->cmd, "--direction takes horizontal or vertical, not '%s'", v);
    c->meta[c->nmeta++] = (meta_arg){"direction", v};
    break;
  case OPT_TITLE: c->meta[c->nmeta++] = (meta_arg){"title", v}; break;
  case OPT_AUTHOR: c->meta[c->nmeta++] = (meta_arg){"author", v}; break;
  case OPT_LANG:
    c->lang = v;
    c->meta[c->nmeta++] = (meta_arg){"lang", v};
    break;
  case OPT_METADATA: {
    /* KEY=VALUE (pandoc's KEY:VALUE too); the key must be one we carry */
    size_t kl = strcspn(v, "=:");
    if (!v[kl] || !kl)
      return cli_usage(c->cmd, "-M takes KEY=VALUE, such as -M title=文集, not '%s'", v);
    char *key = strndup(v, kl);
    if (!key)
      abort();
    int k = meta_key(key);
    if (k == -100) {
      int rc = unknown_meta_key(key);
      free(key);
      return rc;
    }
    for (size_t i = 0; i < NMETA_NAMES; i++)
      if (!strcmp(meta_names[i].name, key))
        c->meta[c->nmeta++] = (meta_arg){meta_names[i].name, v + kl + 1};
    if (k == BS_META_LANG)
      c->lang = v + kl + 1;
    if (k == BS_META_DIRECTION) {
      c->direction = bs_direction_from_string(v + kl + 1);
      if (c->direction == BS_DIR_DEFAULT)
        return cli_usage(c->cmd, "direction takes horizontal or vertical, not '%s'", v + kl + 1);
    }
    free(key);
    break;
  }
  case OPT_METADATA_FILE: c->metadata_file = v; break;
  case OPT_TOC_DEPTH:
    if (!number(v, NULL, 1, 6, &d) || d != (int)d)
      return cli_usage(c->cmd, "--toc-depth takes a heading level from 1 to 6, not '%s'", v);
    c->toc_depth = (int)d;
    break;
  case OPT_COVER: c->cover = v; break;
  case OPT_CSS: c->css = v; break;
  case OPT_FONT: c->font = v; break;
  case OPT_PAPER: c->paper = v; break;
  case OPT_GRID: c->grid = v; break;
  case OPT_MARGINS: c->margins = v; break;
  case OPT_FONT_SIZE:
    if (!number(v, "pt", 0, 1000, &d))
      return cli_usage(c->cmd, "bad number '%s'", v);
    if (d < 4)
      return cli_usage(c->cmd, "font size '%s' is too small (4pt at least)", v);
    c->font_size = d;
    break;
  case OPT_INDENT:
    if (!number(v, "em", 0, 1000, &d))
      return cli_usage(c->cmd, "bad number '%s'", v);
    c->indent = d;
    break;
  case OPT_VNUM:
    if (strcmp(v, "sideways") && strcmp(v, "upright"))
      return cli_usage(c->cmd, "--vnum takes upright or sideways, not '%s'", v);
    c->vnum_sideways = !strcmp(v, "sideways");
    break;
  case OPT_EMPHASIS:
    if (strcmp(v, "dots") && strcmp(v, "bold"))
      return cli_usage(c->cmd, "--emphasis takes bold or dots, not '%s'", v);
    c->dots = !strcmp(v, "dots");
    break;
  case OPT_TOC: c->toc = 1; break;
  case OPT_NO_TOC: c->toc = 2; break;
  case OPT_RECTO: c->recto = 1; break;
  case OPT_NO_RECTO: c->recto = 2; break;
  case OPT_CROP_MARKS:
    if (!v || !strcmp(v, "corner"))
      c->crop_marks = BS_CROP_CORNER;
    else if (!strcmp(v, "japanese"))
      c->crop_marks = BS_CROP_JAPANESE;
    else
      return cli_usage(CMD_CONVERT, "--crop-marks= takes corner or japanese, not '%s'", v);
    break;
  case OPT_BLEED:
    if (!number(v, "mm", 0, 20, &c->bleed))
      return cli_usage(c->cmd, "--bleed takes a length in mm up to 20mm, not '%s'", v);
    break;
  case OPT_EMBED_FONTS: c->embed_fonts = 1; break;
  case OPT_KEEP_GOING: c->keep_going = 1; break;
  case OPT_NO_NORMALIZE: c->no_normalize = 1; break;
  case OPT_LOSSY: c->lossy = 1; break;
  case OPT_FAIL_IF_WARNINGS: c->fail_if_warnings = 1; break;
  case OPT_QUIET: c->quiet = 1; break;
  case OPT_JOBS: {
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 1 || n > 1024)
      return cli_usage(c->cmd, "-j takes a number of threads from 1 to 1024, not '%s'", v);
    c->jobs = (int)n;
    break;
  }
  default: return cli_usage(c->cmd, "option '--%s' is not handled here", o->lng);
  }
  return 0;
}

static int parse_args(int argc, char **argv, int start, unsigned cmd, cli *c)
{
  size_t n = (size_t)argc + 1;
  c->inputs = calloc(n, sizeof *c->inputs);
  c->meta = calloc(n, sizeof *c->meta);
  c->given = calloc(n, sizeof *c->given);
  if (!c->inputs || !c->meta || !c->given)
    abort();
  c->indent = -1;
  c->cmd = cmd;
  return cli_parse(cmd, argc, argv, start, on_option, c);
}

static void cli_free(cli *c)
{
  free(c->inputs);
  free(c->meta);
  free(c->given);
  cli_warnings_free(&c->warn);
}

/* --metadata-file: a YAML mapping of the keys -M takes (a list for authors and keywords).
 * The inputs' own metadata wins over it, as in pandoc; -M and --title win over both. */
static int metadata_file(cli *c, bs_node *root)
{
  FILE *f = fopen(c->metadata_file, "rb");
  if (!f) {
    fprintf(stderr, "%s: cannot open: %s\n", c->metadata_file, strerror(errno));
    return EXIT_INPUT;
  }
  yaml_parser_t p;
  yaml_document_t d;
  yaml_parser_initialize(&p);
  yaml_parser_set_input_file(&p, f);
  int rc = 0;
  if (!yaml_parser_load(&p, &d)) {
    fprintf(stderr, "%s:%zu: %s\n", c->metadata_file, p.problem_mark.line + 1,
            p.problem ? p.problem : "YAML error");
    yaml_parser_delete(&p);
    fclose(f);
    return EXIT_INPUT;
  }
  yaml_node_t *top = yaml_document_get_root_node(&d);
  if (top && top->type != YAML_MAPPING_NODE) {
    fprintf(stderr, "%s:%zu: metadata must be a mapping of keys to values\n",
            c->metadata_file, top->start_mark.line + 1);
    rc = EXIT_INPUT;
  }
  for (yaml_node_pair_t *pr = top && !rc ? top->data.mapping.pairs.start : NULL;
       pr && pr < top->data.mapping.pairs.top && !rc; pr++) {
    yaml_node_t *k = yaml_document_get_node(&d, pr->key), *v = yaml_document_get_node(&d, pr->value);
    if (!k || k->type != YAML_SCALAR_NODE || !v)
      continue;
    const char *key = (const char *)k->data.scalar.value;
    int slot = meta_key(key);
    size_t line = k->start_mark.line + 1;
    if (slot == -100) {
      bs_error w;
      bs_error_clear(&w);
      snprintf(w.path, sizeof w.path, "%s", c->metadata_file);
      w.line = (int)line;
      snprintf(w.message, sizeof w.message, "metadata '%s' is not used", key);
      on_warning(c, &w);
      continue;
    }
    if (slot >= 0) {
      if (v->type != YAML_SCALAR_NODE) {
        fprintf(stderr, "%s:%zu: '%s' takes one value\n", c->metadata_file, line, key);
        rc = EXIT_INPUT;
      } else if (!bs_node_get_meta(root, (bs_meta_key)slot)) {
        bs_node_set_meta(root, (bs_meta_key)slot, (const char *)v->data.scalar.value);
      }
      continue;
    }
    bs_meta_list_key lk = slot == -1 ? BS_META_AUTHORS : BS_META_TAGS;
    if (bs_node_get_meta_count(root, lk))
      continue;
    if (v->type == YAML_SCALAR_NODE) {
      bs_node_add_meta_item(root, lk, (const char *)v->data.scalar.value);
    } else if (v->type == YAML_SEQUENCE_NODE) {
      for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
           it++) {
        yaml_node_t *e = yaml_document_get_node(&d, *it);
        if (e && e->type == YAML_SCALAR_NODE)
          bs_node_add_meta_item(root, lk, (const char *)e->data.scalar.value);
      }
    }
  }
  yaml_document_delete(&d);
  yaml_parser_delete(&p);
  fclose(f);
  return rc;
}

/* Reads every input; one document is returned as is, several become a book. With
 * --keep-going a bad article among several is reported and left out (counted in *skipped);
 * the caller still fails in the end. */
static int load(cli *c, bs_node **out, int *skipped)
{
  bs_read_options ro;
  bs_read_options_init(&ro);
  ro.format = bs_format_from_string(c->from);
  ro.lang = c->lang;
  ro.normalize = !c->no_normalize;
  ro.lossy = c->lossy;
  ro.diag = on_warning;
  ro.diag_user = c;
  bs_node *book = c->ninputs > 1 ? bs_node_new(BS_NODE_BOOK) : NULL;
  bs_node *doc = NULL;
  *skipped = 0;
  for (int i = 0; i < c->ninputs; i++) {
    bs_error err;
    bs_error_clear(&err);
    if (bs_read_file(c->inputs[i], &ro, &doc, &err) != BS_OK) {
      int rc = fail(c, &err);
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
  if (c->metadata_file) {
    int rc = metadata_file(c, root);
    if (rc) {
      bs_node_free(root);
      return rc;
    }
  }
  /* -M, --title, --author...: in order, a list key's first value replacing the inputs' */
  bool list_set[BS_META_LIST_COUNT] = {false};
  for (int i = 0; i < c->nmeta; i++) {
    int k = meta_key(c->meta[i].key);
    if (k >= 0) {
      bs_node_set_meta(root, (bs_meta_key)k, c->meta[i].value);
      continue;
    }
    bs_meta_list_key lk = k == -1 ? BS_META_AUTHORS : BS_META_TAGS;
    if (!list_set[lk])
      bs_node_clear_meta_list(root, lk);
    list_set[lk] = true;
    bs_node_add_meta_item(root, lk, c->meta[i].value);
  }
  bs_book_settle_lang(book);
  *out = root;
  return 0;
}

/* --keep-going built the book without some articles: say so, and fail like make -k. */
static int left_out(cli *c, int skipped, int total)
{
  flush_warnings(c);
  fprintf(stderr, "%s: %d of %d articles left out (--keep-going); the rest were built\n", prog,
          skipped, total);
  return EXIT_INPUT;
}

/* The options as output settings: checked and mapped onto the writers' options by the same
 * layer as a manifest's keys (settings.h). Paper, grid and margins are checked for PDF only
 * (they mean nothing to an EPUB). */
static int output_settings(const cli *c, bool pdf, bs_output_settings *s)
{
  bs_output_settings_init(s);
  s->direction = c->direction;
  s->font = c->font;
  s->css = c->css;
  s->cover = c->cover;
  s->font_size_pt = c->font_size;
  s->indent_em = c->indent;
  s->bleed_mm = c->bleed;
  s->vnum_sideways = c->vnum_sideways;
  s->emphasis_dots = c->dots;
  s->embed_fonts = c->embed_fonts;
  s->keep_going = c->keep_going;
  s->crop_marks = c->crop_marks;
  if (c->toc)
    s->toc = c->toc == 1;
  if (c->recto)
    s->recto_chapters = c->recto == 1;
  s->jobs = c->jobs > 0 ? c->jobs : bs_jobs_default();
  const struct {
    const char *key, *value;
  } text[] = {{"paper", c->paper}, {"grid", c->grid}, {"margins", c->margins}};
  for (size_t i = 0; pdf && i < sizeof text / sizeof text[0]; i++) {
    const char *expect;
    if (text[i].value && !bs_output_settings_set(s, text[i].key, text[i].value, &expect)) {
      char fmt[160];
      snprintf(fmt, sizeof fmt, "--%s takes %s, not '%%s'", text[i].key, expect);
      return usage_error(fmt, text[i].value);
    }
  }
  return 0;
}

static int typeset_options(cli *c, bs_typeset_options *o)
{
  bs_output_settings s;
  int rc = output_settings(c, true, &s);
  if (rc)
    return rc;
  bs_output_settings_apply(&s, NULL, o);
  o->diag = on_warning;
  o->diag_user = c;
  o->source_date = cli_source_date(on_prog_warning, c);
  o->toc_depth = c->toc_depth;
  return 0;
}

/* The end of every command: --fail-if-warnings turns printed warnings (not notes) into exit
 * status 1 (the output stays: it is complete, only not clean); then the warnings are flushed. */
static int finish(cli *c, int rc)
{
  size_t n = cli_warnings_count(&c->warn);
  flush_warnings(c);
  if (!rc && n && c->fail_if_warnings) {
    fprintf(stderr, "%s: %zu warning%s (--fail-if-warnings)\n", prog, n, n > 1 ? "s" : "");
    rc = EXIT_INPUT;
  }
  cli_free(c);
  return rc;
}

static int cmd_dump(int argc, char **argv)
{
  cli c = {0};
  int rc = parse_args(argc, argv, 2, CMD_DUMP, &c);
  if (c.helped) {
    cli_free(&c);
    return 0;
  }
  if (!rc && c.ninputs != 1)
    rc = cli_usage(CMD_DUMP, "%s", c.ninputs ? "dump takes one input" : "dump needs an input");
  bs_node *root = NULL;
  int skipped = 0;
  if (!rc)
    rc = load(&c, &root, &skipped);
  if (!rc) {
    bs_error err;
    bs_error_clear(&err);
    if (bs_node_dump_json(root, stdout, &err) != BS_OK)
      rc = fail(&c, &err);
  }
  bs_node_free(root);
  return finish(&c, rc);
}

static int cmd_layout(int argc, char **argv)
{
  cli c = {0};
  int rc = parse_args(argc, argv, 2, CMD_LAYOUT, &c);
  if (c.helped) {
    cli_free(&c);
    return 0;
  }
  if (!rc && c.ninputs < 1)
    rc = cli_usage(CMD_LAYOUT, "%s", "layout needs an input");
  bs_typeset_options to;
  if (!rc)
    rc = typeset_options(&c, &to);
  if (!rc)
    cli_heap_for_typesetting();
  bs_node *root = NULL;
  int skipped = 0;
  if (!rc)
    rc = load(&c, &root, &skipped);
  if (!rc) {
    bs_error err;
    bs_error_clear(&err);
    if (bs_layout_dump(root, &to, stdout, &err) != BS_OK)
      rc = fail(&c, &err);
  }
  if (!rc && skipped)
    rc = left_out(&c, skipped, c.ninputs);
  bs_node_free(root);
  return finish(&c, rc);
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

/* Options that belong to the other output are ignored, with a warning: --paper means nothing
 * to an EPUB. */
static void warn_inapplicable(cli *c, unsigned out)
{
  for (int i = 0; i < c->ngiven; i++) {
    const cli_opt *o = c->given[i];
    bool seen = false;
    for (int k = 0; k < i; k++)
      seen |= c->given[k] == o;
    if (!seen && !(o->out & out)) {
      char name[64];
      snprintf(name, sizeof name, "--%s", o->lng);
      prog_warning(c, "%s applies to %s output; ignored", name, o->out == OUT_PDF ? "PDF" : "EPUB");
    }
  }
}

static int cmd_convert(int argc, char **argv)
{
  cli c = {0};
  int rc = parse_args(argc, argv, 1, CMD_CONVERT, &c);
  if (c.helped) {
    cli_free(&c);
    return 0;
  }
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
  if (!rc)
    warn_inapplicable(&c, strcasecmp(fmt, "epub") ? OUT_PDF : OUT_EPUB);
  bs_typeset_options to;
  if (!rc && !strcasecmp(fmt, "pdf")) {
    rc = typeset_options(&c, &to);
    if (!rc)
      cli_heap_for_typesetting();
  }
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
      bs_output_settings s;
      output_settings(&c, false, &s);
      bs_output_settings_apply(&s, &eo, NULL);
      eo.toc_depth = c.toc_depth;
      eo.source_date = cli_source_date(on_prog_warning, &c);
      eo.diag = on_warning;
      eo.diag_user = &c;
      st = bs_epub_write(root, &eo, c.output, &err);
    } else {
      st = bs_pdf_write(root, &to, c.output, &err);
    }
    if (st != BS_OK)
      rc = fail(&c, &err);
  }
  if (!rc && skipped)
    rc = left_out(&c, skipped, c.ninputs);
  bs_node_free(root);
  return finish(&c, rc);
}

/* The first word is a command, or an input. One that is neither a file nor has the look of
 * one (no dot, no slash) but is near a command is a mistyped command. */
static int mistyped_command(const char *word)
{
  static const char *const cmds[] = {"build", "init", "dump", "layout", "help", "version"};
  struct stat sb;
  if (word[0] == '-' || strchr(word, '.') || strchr(word, '/') || stat(word, &sb) == 0)
    return 0;
  const char *s = cli_suggest(word, cmds, sizeof cmds / sizeof cmds[0]);
  if (s) {
    fprintf(stderr, "%s: '%s' is not a command; did you mean '%s'?\n", prog, word, s);
    fprintf(stderr, "Try '%s --help'.\n", prog);
    return EXIT_USAGE;
  }
  return 0;
}

/* Interrupted or hung up: the outputs being written leave no temporary behind, then the signal
 * takes its usual course (the exit status tells the shell). */
static void on_signal(int sig)
{
  bs_remove_temporaries();
  signal(sig, SIG_DFL);
  raise(sig);
}

/* The heap on transparent huge pages, before typesetting (#19). A PDF of a 100-article book
 * touches some 30 MB of heap for the first time: 8,000 page faults of 4 KB, each several
 * microseconds in a virtual machine, and two outputs built at once (-j 2, a process each)
 * fault side by side and slow each other in the kernel. So glibc's heap is grown here once by
 * RESERVE (address space: pages are only taken as they are touched), that range is marked
 * MADV_HUGEPAGE and faulted 2 MB at a time (2,800 faults), and blocks up to 32 MB stay on it,
 * never trimmed below it, instead of being mapped and faulted afresh each time. Not for an
 * EPUB alone: it touches little heap, and its peak memory would grow by the huge pages' slack.
 * A no-op where the kernel's THP is off, and where malloc is not glibc's own (the sanitizers,
 * valgrind): the block is not on the program break's heap then. */
void cli_heap_for_typesetting(void)
{
#ifdef __GLIBC__
  enum { RESERVE = 64 << 20, HUGE = 2 << 20 };
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 2 * RESERVE);
  mallopt(M_TOP_PAD, RESERVE);
  char *p = malloc(HUGE); /* more than the heap has: it grows by HUGE + RESERVE */
  char *end = sbrk(0);
  mallopt(M_TOP_PAD, 128 << 10); /* glibc's default, for any later growth */
  if (p && end != (char *)-1 && p < end && end - p <= 2 * RESERVE) {
    uintptr_t a = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
    uintptr_t e = (uintptr_t)end & ~(uintptr_t)(HUGE - 1);
    if (e > a)
      madvise((void *)a, e - a, MADV_HUGEPAGE);
  }
  free(p);
#endif
}

int main(int argc, char **argv)
{
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sigs[i], &sa, NULL);
  }
  /* Cairo then writes page contents and images uncompressed, and the PDF writer, which
   * rewrites every page's contents anyway, deflates them once (src/typeset/pdftext.c)
   * instead of inflating what zlib deflated at level 6: 7 % of a PDF's time. Set here,
   * before any thread: the library leaves the environment to its caller. */
  setenv("CAIRO_DEBUG_PDF", "1", 0);
  if (argc < 2) {
    help(CMD_CONVERT);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    if (argc > 2 && !strcmp(cmd, "help")) /* bisheng help build */
      return main(3, (char *[]){argv[0], argv[2], "--help", NULL});
    help(CMD_CONVERT);
    return 0;
  }
  if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
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
  int rc = mistyped_command(cmd);
  return rc ? rc : cmd_convert(argc, argv);
}
