/* The one option parser of every bisheng command: a table of options (which commands take
 * each, which output it applies to, its help line), parsed with getopt_long's spellings as
 * pandoc users type them: --opt value, --opt=value, -o FILE, -oFILE, -kq. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define READ (CMD_CONVERT | CMD_DUMP | CMD_LAYOUT)
#define TYPESET (CMD_CONVERT | CMD_LAYOUT)

/* In help order. A short name without a long one does not occur. */
const cli_opt cli_options[] = {
    {OPT_OUTPUT, 'o', "output", "FILE", CMD_CONVERT, 0, "output file ('-': standard output)"},
    {OPT_TO, 't', "to", "FORMAT", CMD_CONVERT, 0, "epub or pdf (default: from the output's extension)"},
    {OPT_FROM, 'f', "from", "FORMAT", READ, 0, "input format: text, markdown, html (default: from extension)"},
    {OPT_DIRECTION, 0, "direction", "DIR", READ, 0, "horizontal (default) or vertical"},
    {OPT_TITLE, 0, "title", "T", READ, 0, "book title (as -M title=T)"},
    {OPT_AUTHOR, 0, "author", "A", READ, 0, "author; may repeat (as -M author=A)"},
    {OPT_LANG, 0, "lang", "L", READ, 0, "language, BCP 47: zh-Hant, zh-Hans, ja, en..."},
    {OPT_METADATA, 'M', "metadata", "KEY=VALUE", READ, 0, "set a metadata field (title, author, date, lang, publisher...)"},
    {OPT_METADATA_FILE, 0, "metadata-file", "FILE", READ, 0, "metadata from a YAML file; the inputs' own metadata wins"},
    {OPT_TOC_DEPTH, 0, "toc-depth", "N", CMD_CONVERT | CMD_LAYOUT, 0, "heading levels listed in the contents (default: EPUB 6, PDF 2)"},
    {OPT_COVER, 0, "cover", "IMAGE", CMD_CONVERT, OUT_EPUB, "EPUB cover image"},
    {OPT_CSS, 0, "css", "FILE", CMD_CONVERT, OUT_EPUB, "EPUB: extra stylesheet"},
    {OPT_EMBED_FONTS, 0, "embed-fonts", NULL, CMD_CONVERT, OUT_EPUB, "EPUB: embed subsets of the CJK fonts used"},
    {OPT_PAPER, 0, "paper", "SIZE", TYPESET, OUT_PDF, "A4 A5 B5 B6 32K Letter or WxHmm (default A5)"},
    {OPT_FONT_SIZE, 0, "font-size", "PT", TYPESET, OUT_PDF, "body size in points (default 10.5)"},
    {OPT_GRID, 0, "grid", "CxL", TYPESET, OUT_PDF, "characters per line x lines per page"},
    {OPT_MARGINS, 0, "margins", "T,R,B,L", TYPESET, OUT_PDF, "margins in mm (the grid is derived from them)"},
    {OPT_FONT, 0, "font", "FAMILY", TYPESET, OUT_PDF, "body font family"},
    {OPT_INDENT, 0, "indent", "EM", TYPESET, OUT_PDF, "first-line indent (default 2 for Chinese, 1 for Japanese)"},
    {OPT_VNUM, 0, "vnum", "upright|sideways", TYPESET, OUT_PDF, "4+ digit numbers in vertical text (default upright)"},
    {OPT_EMPHASIS, 0, "emphasis", "bold|dots", TYPESET, OUT_PDF, "how strong text is set (default bold)"},
    {OPT_TOC, 0, "toc", NULL, TYPESET, OUT_PDF, "PDF table of contents (default: on for several inputs)"},
    {OPT_NO_TOC, 0, "no-toc", NULL, TYPESET, OUT_PDF, "no PDF table of contents"},
    {OPT_RECTO, 0, "recto-chapters", NULL, TYPESET, OUT_PDF, "chapters open on a recto (default: books)"},
    {OPT_NO_RECTO, 0, "no-recto-chapters", NULL, TYPESET, OUT_PDF, "chapters open on the next page"},
    {OPT_BLEED, 0, "bleed", "MM", TYPESET, OUT_PDF, "bleed around the trimmed page, e.g. 3mm"},
    {OPT_CROP_MARKS, 0, "crop-marks", "[=japanese]", TYPESET, OUT_PDF, "crop marks outside the trim (japanese: トンボ, double corner and centre marks)"},
    {OPT_ONLY, 0, "only", "NAME[:VOL]", CMD_BUILD, 0, "build only these outputs or volumes (comma-separated; may repeat)"},
    {OPT_PLAN, 0, "plan", NULL, CMD_BUILD, 0, "print the jobs (output x volume) and their commands, build nothing"},
    {OPT_JOBS, 'j', "jobs", "N", TYPESET | CMD_BUILD, 0, "threads (default: the number of cores; 1: one, EPUB too); build: processes, one output each"},
    {OPT_CHECK, 0, "check", NULL, CMD_BUILD, 0, "check the manifest (keys, paths, outputs) and stop"},
    {OPT_FORCE, 0, "force", NULL, CMD_BUILD, 0, "rebuild even outputs that are up to date"},
    {OPT_JSON, 0, "json", NULL, CMD_BUILD, 0, "print a report (or with --plan, the plan) as JSON on standard output"},
    {OPT_CI, 0, "ci", "github|gitlab", CMD_INIT, 0, "also write a CI workflow that builds the book"},
    {OPT_NO_NORMALIZE, 0, "no-normalize", NULL, READ | CMD_BUILD, 0, "keep ASCII punctuation inside CJK text as it is"},
    {OPT_LOSSY, 0, "lossy", NULL, READ | CMD_BUILD, 0, "replace invalid UTF-8 with U+FFFD instead of failing"},
    {OPT_KEEP_GOING, 'k', "keep-going", NULL, CMD_CONVERT | CMD_LAYOUT | CMD_BUILD, 0, "image problems become warnings; a bad article is left out (still exit 1)"},
    {OPT_ALLOW_OUTSIDE, 0, "allow-outside", NULL, CMD_BUILD, 0, "the manifest may name files outside its folder (absolute, ../)"},
    {OPT_FAIL_IF_WARNINGS, 0, "fail-if-warnings", NULL, READ | CMD_BUILD, 0, "exit with status 1 if there were warnings"},
    {OPT_QUIET, 'q', "quiet", NULL, READ | CMD_BUILD | CMD_INIT, 0, "no warnings (build: no progress either)"},
    {OPT_HELP, 'h', "help", NULL, CMD_ALL, 0, "this help"},
    {OPT_VERSION, 'V', "version", NULL, CMD_CONVERT, 0, "the versions of bisheng and its libraries"},
    {0, 0, NULL, NULL, 0, 0, NULL},
};

static const char *const cmd_names[] = {"", "dump", "layout", "build", "init"};

const char *cli_cmd_name(unsigned cmd)
{
  for (unsigned i = 0; i < 5; i++)
    if (cmd == 1u << i)
      return cmd_names[i];
  return "";
}

int cli_usage(unsigned cmd, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("bisheng: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  const char *name = cli_cmd_name(cmd);
  fprintf(stderr, "\nTry 'bisheng %s%s--help'.\n", name, *name ? " " : "");
  return EXIT_USAGE;
}

/* Optimal string alignment distance (a swap of two letters counts one: biuld → build). */
static size_t distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64)
    return (size_t)-1;
  size_t d[65][65];
  for (size_t i = 0; i <= la; i++)
    d[i][0] = i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      size_t cost = a[i - 1] != b[j - 1];
      size_t v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v)
        v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < v)
        v = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[la][lb];
}

const char *cli_suggest(const char *word, const char *const *cands, size_t n)
{
  const char *best = NULL;
  size_t bestd = (size_t)-1, wl = strlen(word);
  for (size_t i = 0; i < n; i++) {
    size_t d = distance(word, cands[i]);
    /* the start of a longer name counts as close too: --embed, --embd → --embed-fonts */
    if (wl >= 3 && strlen(cands[i]) > wl + 1) {
      char head[64];
      snprintf(head, sizeof head, "%.*s", (int)wl, cands[i]);
      size_t dh = distance(word, head);
      if (dh < d)
        d = dh;
    }
    if (d < bestd)
      bestd = d, best = cands[i];
  }
  size_t limit = wl <= 3 ? 1 : wl <= 6 ? 2 : 3;
  return bestd <= limit ? best : NULL;
}

static const cli_opt *find_long(const char *name, size_t len)
{
  for (const cli_opt *o = cli_options; o->id; o++)
    if (strlen(o->lng) == len && !strncmp(o->lng, name, len))
      return o;
  return NULL;
}

static const cli_opt *find_short(char c)
{
  for (const cli_opt *o = cli_options; o->id; o++)
    if (o->shrt == c)
      return o;
  return NULL;
}

/* An option the table knows but this command does not take, or one nobody knows: say which,
 * and the nearest option this command takes. */
static int unknown(unsigned cmd, const char *given, const char *name, const cli_opt *known)
{
  const char *name_of_cmd = cli_cmd_name(cmd);
  if (known)
    return cli_usage(cmd, "option '%s' does not apply to 'bisheng%s%s'", given,
                     *name_of_cmd ? " " : "", name_of_cmd);
  const char *cands[64];
  size_t n = 0;
  for (const cli_opt *o = cli_options; o->id && n < 64; o++)
    if (o->cmds & cmd)
      cands[n++] = o->lng;
  const char *s = cli_suggest(name, cands, n);
  if (s)
    return cli_usage(cmd, "unknown option '%s'; did you mean '--%s'?", given, s);
  return cli_usage(cmd, "unknown option '%s'", given);
}

int cli_parse(unsigned cmd, int argc, char **argv, int start, cli_opt_fn fn, void *user)
{
  bool options = true;
  for (int i = start; i < argc; i++) {
    const char *a = argv[i];
    int rc;
    if (!options || a[0] != '-' || !a[1]) {
      if ((rc = fn(user, NULL, a)) != 0)
        return rc;
      continue;
    }
    if (!strcmp(a, "--")) {
      options = false;
      continue;
    }
    if (a[1] == '-') {
      const char *name = a + 2, *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      const cli_opt *o = find_long(name, len);
      if (!o || !(o->cmds & cmd)) {
        char bare[128];
        snprintf(bare, sizeof bare, "%.*s", (int)(len < 100 ? len : 100), name);
        return unknown(cmd, a, bare, o);
      }
      const char *v = NULL;
      if (o->arg && o->arg[0] == '[') {
        v = eq ? eq + 1 : NULL; /* an optional value is only ever given with '=' */
      } else if (o->arg) {
        if (eq)
          v = eq + 1;
        else if (i + 1 < argc)
          v = argv[++i];
        else
          return cli_usage(cmd, "option '--%s' needs a value (%s)", o->lng, o->arg);
      } else if (eq) {
        return cli_usage(cmd, "option '--%s' takes no value", o->lng);
      }
      if ((rc = fn(user, o, v)) != 0)
        return rc;
      continue;
    }
    /* short options, clustered: -kq, -oFILE, -j4, -o FILE */
    for (const char *p = a + 1; *p; p++) {
      const cli_opt *o = find_short(*p);
      if (!o || !(o->cmds & cmd)) {
        char given[3] = {'-', *p, 0};
        return unknown(cmd, given, given + 1, o);
      }
      const char *v = NULL;
      if (o->arg) {
        if (p[1])
          v = p + 1;
        else if (i + 1 < argc)
          v = argv[++i];
        else
          return cli_usage(cmd, "option '-%c' needs a value (%s)", *p, o->arg);
      }
      if ((rc = fn(user, o, v)) != 0)
        return rc;
      if (v)
        break;
    }
  }
  return 0;
}

void cli_print_options(unsigned cmd, FILE *f)
{
  for (const cli_opt *o = cli_options; o->id; o++) {
    if (!(o->cmds & cmd))
      continue;
    char head[64];
    int n = 0;
    if (o->shrt)
      n = snprintf(head, sizeof head, "-%c, ", o->shrt);
    else
      n = snprintf(head, sizeof head, "    ");
    snprintf(head + n, sizeof head - (size_t)n, "--%s%s%s", o->lng, o->arg && o->arg[0] != '[' ? " " : "",
             o->arg ? o->arg : "");
    const char *what = o->help;
    if (cmd == CMD_CONVERT && o->out == OUT_PDF && strncmp(what, "PDF", 3))
      fprintf(f, "  %-28s PDF: %s\n", head, what);
    else
      fprintf(f, "  %-28s %s\n", head, what);
  }
}
