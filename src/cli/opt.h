/*
 * opt: the one command-line option parser, used by every subcommand.
 *
 * A command describes itself once (cli_doc: summary, usage, description,
 * options with their defaults, examples) and the same table drives parsing,
 * error messages and --help, so help can never drift from what is accepted.
 * Options and positional arguments may be interleaved; "--" ends options.
 * Long options take "--name VALUE" or "--name=VALUE"; short ones "-x VALUE"
 * or "-xVALUE"; flags may be negated with "--no-name" when declared so.
 */
#ifndef MTV_CLI_OPT_H
#define MTV_CLI_OPT_H

#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

enum opt_kind {
    OPT_END = 0,
    OPT_FLAG,      /* int*: set to 1 (or 0 with --no-<name> when negatable) */
    OPT_STRING,    /* const char**: last one wins */
    OPT_INT,       /* long*: decimal, range-checked by min/max */
    OPT_LIST,      /* opt_list*: every occurrence appended */
};

typedef struct opt_list {
    const char **items;   /* points into argv; array owned (opt_list_free) */
    size_t count;
} opt_list;

typedef struct opt_def {
    enum opt_kind kind;
    char short_name;            /* 0 for none */
    const char *long_name;
    const char *arg_name;       /* shown in help: PATH, KEY, N, ... */
    const char *help;
    const char *default_doc;    /* shown as "(default: ...)"; NULL for none */
    void *dest;
    long min, max;              /* OPT_INT bounds when min < max */
    int negatable;              /* OPT_FLAG: accept --no-<name> */
} opt_def;

typedef struct cli_doc {
    const char *name;           /* "config check" */
    const char *summary;        /* one line */
    const char *usage;          /* after "mtv-validate ", may hold several lines */
    const char *description;    /* paragraphs */
    const char *examples;       /* lines: "$ command\n  what it does" */
    const opt_def *options;     /* OPT_END-terminated */
} cli_doc;

/* Result of parsing: 0 = parsed, 1 = --help was printed (exit 0),
 * -1 = usage error in err (exit 2). Positional arguments are collected in
 * *pos (array owned by caller: free()). */
int opt_parse(const cli_doc *doc, int argc, char **argv, char ***pos, int *npos, mtv_err *err);

void opt_print_help(const cli_doc *doc, FILE *out);
void opt_list_free(opt_list *list);

/* The exit-code table printed at the end of every --help. */
extern const char CLI_EXIT_CODES_HELP[];

#endif
