/* cli: top-level dispatch, common options and error reporting. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/strbuf.h"

int cli_common_apply(const cli_common *c, mtv_err *err)
{
    if (c->log_level) {
        enum log_level lvl;
        if (log_level_parse(c->log_level, &lvl, err) < 0)
            return -1;
        log_set_level(lvl);
    }
    if (c->log_file && log_set_file(c->log_file, LOG_DEBUG, err) < 0)
        return -1;
    return 0;
}

int cli_fail(const mtv_err *err)
{
    log_report_error(err);
    return err->exit_code ? err->exit_code : MTV_EXIT_ENV;
}

int cli_parse(const cli_doc *doc, const cli_common *common, int argc, char **argv, char ***pos,
              int *npos)
{
    mtv_err err;
    mtv_err_clear(&err);
    int rc = opt_parse(doc, argc - 1, argv + 1, pos, npos, &err);
    if (rc == 0 && common && cli_common_apply(common, &err) < 0)
        rc = -1;
    if (rc < 0)
        cli_fail(&err);
    if (rc != 0) {
        free(*pos);
        *pos = NULL;
    }
    return rc;
}

static void print_table(FILE *out, const cli_command *table)
{
    for (const cli_command *c = table; c->name; c++)
        fprintf(out, "  %-14s %s\n", c->name, c->summary);
}

int cli_dispatch(const char *group, const char *group_summary, const cli_command *table, int argc,
                 char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "mtv-validate %s - %s\n\nUsage:\n  mtv-validate %s <command> [options]\n\nCommands:\n",
                group, group_summary, group);
        print_table(out, table);
        fprintf(out, "\nRun 'mtv-validate %s <command> --help' for a command's options.\n\n%s", group,
                CLI_EXIT_CODES_HELP);
        return argc < 2 ? MTV_EXIT_USAGE : MTV_EXIT_OK;
    }
    for (const cli_command *c = table; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0)
            return c->run(argc - 1, argv + 1);
    strbuf names = STRBUF_INIT;
    for (const cli_command *c = table; c->name; c++)
        sb_addf(&names, "%s%s", names.len ? ", " : "", c->name);
    mtv_err err;
    mtv_err_set(&err, MTV_EXIT_USAGE, "'%s' is not a command of 'mtv-validate %s'; commands are: %s",
                argv[1], group, names.buf);
    sb_release(&names);
    return cli_fail(&err);
}

int cli_main(int argc, char **argv)
{
    if (argc < 2)
        {
        cmd_help(0, NULL);
        return MTV_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        name = "help";
    else if (!strcmp(name, "--version") || !strcmp(name, "-V"))
        name = "version";
    for (const cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) {
            argv[1] = (char *)c->name;
            return c->run(argc - 1, argv + 1);
        }
    strbuf names = STRBUF_INIT;
    for (const cli_command *c = cli_commands; c->name; c++)
        sb_addf(&names, "%s%s", names.len ? ", " : "", c->name);
    mtv_err err;
    mtv_err_set(&err, MTV_EXIT_USAGE, "'%s' is not an mtv-validate command; commands are: %s (see 'mtv-validate help')",
                argv[1], names.buf);
    sb_release(&names);
    return cli_fail(&err);
}
