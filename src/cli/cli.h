/* What the bisheng commands share: exit codes, SOURCE_DATE_EPOCH, the commands themselves. */
#ifndef BS_CLI_H
#define BS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "bisheng/bisheng.h"

/* Exit status: 0 success, 1 bad input, 2 usage error, 3 internal failure (README). */
enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* The exit status for a library status. */
int cli_exit_code(bs_status st);
/* SOURCE_DATE_EPOCH as seconds, or -1 (the current time) when unset or malformed; a malformed
 * value is a warning to `warn`, once per process. */
long long cli_source_date(bs_diag_fn warn, void *user);

/* Sets the heap up for typesetting (main.c): call once, before a PDF is made. */
void cli_heap_for_typesetting(void);

/* ---- Reporting (report.c) ---- */

/* Warnings are merged: the same line is printed once with a count (fz_flush_warnings). One
 * table per command run or output, owned by it (no globals). */
typedef struct cli_warning {
  char *text;
  int count;
  bool note; /* BS_NOTE: information, printed as "note:", not counted by --fail-if-warnings */
} cli_warning;
typedef struct cli_warnings {
  cli_warning *v;
  size_t n;
} cli_warnings;
/* Counts `line` (copied) once more; `note`: it is a note, not a warning. */
void cli_warnings_add(cli_warnings *w, const char *line, bool note);
/* How many of w's entries are warnings (not notes). */
size_t cli_warnings_count(const cli_warnings *w);
/* Prints entries [from, n) to stderr after `prefix`, a repeated one as "LINE (×N)". */
void cli_warnings_print(const cli_warnings *w, size_t from, const char *prefix);
/* Frees the entries; the table is empty again. */
void cli_warnings_free(cli_warnings *w);
/* A warning as the line the table merges: "file:line:col: warning: message" ("note:" for a
 * BS_NOTE). */
void cli_format_warning(const bs_error *e, char *line, size_t size);
/* `s` as a JSON string, escaped as the library's dumps escape ("null" for NULL). */
void cli_json_str(FILE *f, const char *s);

/* ---- Options (opts.c): one table for every command ---- */

/* The commands, as bits: an option lists the commands that take it. */
enum { CMD_CONVERT = 1, CMD_DUMP = 2, CMD_LAYOUT = 4, CMD_BUILD = 8, CMD_INIT = 16,
       CMD_ALL = 31 };
/* The output an option applies to (0: any); others get a warning that it is ignored. */
enum { OUT_EPUB = 1, OUT_PDF = 2 };

enum {
  OPT_OUTPUT = 1, OPT_TO, OPT_FROM, OPT_DIRECTION, OPT_TITLE, OPT_AUTHOR, OPT_LANG,
  OPT_METADATA, OPT_METADATA_FILE, OPT_TOC_DEPTH, OPT_COVER, OPT_CSS, OPT_EMBED_FONTS,
  OPT_PAPER, OPT_FONT_SIZE, OPT_GRID, OPT_MARGINS, OPT_FONT, OPT_INDENT, OPT_VNUM,
  OPT_EMPHASIS, OPT_TOC, OPT_NO_TOC, OPT_RECTO, OPT_NO_RECTO, OPT_BLEED, OPT_CROP_MARKS,
  OPT_ONLY, OPT_PLAN, OPT_JOBS, OPT_CHECK, OPT_FORCE, OPT_JSON, OPT_CI, OPT_NO_NORMALIZE,
  OPT_LOSSY, OPT_KEEP_GOING, OPT_ALLOW_OUTSIDE, OPT_FAIL_IF_WARNINGS, OPT_QUIET, OPT_HELP, OPT_VERSION
};

typedef struct cli_opt {
  int id;
  char shrt;          /* 'o' for -o, or 0 */
  const char *lng;    /* "output" for --output */
  const char *arg;    /* the value's name in help, NULL for a flag */
  unsigned cmds;      /* CMD_* bits */
  unsigned out;       /* OUT_* it applies to, 0 for any */
  const char *help;
} cli_opt;

/* The table, ended by an entry with id 0. */
extern const cli_opt cli_options[];

/* Called for each option (o, its value or NULL) and each operand (o NULL, the operand);
 * a non-zero return stops parsing and is returned. */
typedef int (*cli_opt_fn)(void *user, const cli_opt *o, const char *value);
/* Parses argv[start..] for `cmd`: --opt value, --opt=value, -o FILE, -oFILE, clustered
 * flags (-kq), '--' ending the options. Unknown options get a suggestion; returns 0 or the
 * exit status (after printing the usage error). */
int cli_parse(unsigned cmd, int argc, char **argv, int start, cli_opt_fn fn, void *user);
/* Prints the options `cmd` takes, one a line, from the table. */
void cli_print_options(unsigned cmd, FILE *f);
/* "dump", "build"...; "" for the conversion. */
const char *cli_cmd_name(unsigned cmd);
/* Prints "bisheng: MESSAGE" and the help hint for `cmd`; returns EXIT_USAGE. */
int cli_usage(unsigned cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The candidate nearest to `word` (typos, transpositions, prefixes), or NULL if none is
 * close. */
const char *cli_suggest(const char *word, const char *const *cands, size_t n);

int bisheng_cmd_build(int argc, char **argv);
int bisheng_cmd_init(int argc, char **argv);
void bisheng_print_version(void);

#endif
