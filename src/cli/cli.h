/*
 * cli: the subcommand table and what every command shares.
 *
 * Each subcommand lives in its own file (src/cli/cmd_<name>.c) and exposes
 * one `int cmd_<name>(int argc, char **argv)` that returns the process exit
 * code (enum mtv_exit). argv[0] is the command's own name. Commands with
 * subcommands of their own ("config check") dispatch with cli_dispatch over a
 * table of the same shape, so help and errors look the same at every level.
 */
#ifndef MTV_CLI_CLI_H
#define MTV_CLI_CLI_H

#include "cli/opt.h"
#include "util/err.h"

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_command;

/* The top-level commands, NULL-name terminated (src/cli/commands.c). */
extern const cli_command cli_commands[];

/* The commands themselves (one file each). */
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_config_check(int argc, char **argv);
int cmd_cassette(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_cluster_check(int argc, char **argv);
int cmd_guest(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_source(int argc, char **argv);
int cmd_source_show(int argc, char **argv);

/* Entry point used by main(). */
int cli_main(int argc, char **argv);

/* Runs the subcommand named by argv[1] from table; group is the parent's
 * name ("config") for messages. Without a subcommand prints the group's help. */
int cli_dispatch(const char *group, const char *group_summary, const cli_command *table,
                 int argc, char **argv);

/* Options every command accepts. */
typedef struct cli_common {
    const char *log_level;
    const char *log_file;
} cli_common;

#define CLI_COMMON_OPTIONS(c)                                                                   \
    {OPT_STRING, 0, "log-level", "LEVEL",                                                       \
     "Console log level: trace, debug, info, warn, error or off.", "info", &(c)->log_level,     \
     0, 0, 0},                                                                                  \
    {OPT_STRING, 0, "log-file", "PATH",                                                         \
     "Also append the log, at debug level, to PATH.", NULL, &(c)->log_file, 0, 0, 0}

/* Applies the common options (log level and file). */
int cli_common_apply(const cli_common *c, mtv_err *err);

/* Parses argv for a command; on --help returns 1 (caller exits 0); on a usage
 * error prints it and returns -1 (caller exits 2). Applies common options. */
int cli_parse(const cli_doc *doc, const cli_common *common, int argc, char **argv, char ***pos,
              int *npos);

/* Prints the error (masked) and returns its exit class. */
int cli_fail(const mtv_err *err);

#endif
