/* What the bisheng commands share: exit codes, SOURCE_DATE_EPOCH, the commands themselves. */
#ifndef BS_CLI_H
#define BS_CLI_H

#include "bisheng/bisheng.h"

/* Exit status: 0 success, 1 bad input, 2 usage error, 3 internal failure (README). */
enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* The exit status for a library status. */
int cli_exit_code(bs_status st);
/* SOURCE_DATE_EPOCH as seconds, or -1 when unset or malformed. */
long long cli_source_date(void);

int bisheng_cmd_build(int argc, char **argv);
int bisheng_cmd_init(int argc, char **argv);
void bisheng_print_version(void);

#endif
