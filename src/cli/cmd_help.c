/*
 * help: the overview a new user sees first, and `help COMMAND` as a synonym
 * for `COMMAND --help`. The command list is printed from the same table the
 * dispatcher uses, so it only ever names commands that exist.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void print_overview(FILE *out)
{
    fputs("mtv-validate - validate VM migrations done by the Migration Toolkit for\n"
          "Virtualization (MTV, upstream Forklift) into OpenShift Virtualization.\n"
          "\n"
          "Usage:\n"
          "  mtv-validate <command> [options]\n"
          "  mtv-validate help <command>      same as 'mtv-validate <command> --help'\n"
          "\n"
          "Commands:\n",
          out);
    for (const cli_command *c = cli_commands; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fputs("\n"
          "Scenarios come from the catalog (scenarios/*.json, or --catalog DIR); source\n"
          "providers from .providers.json (--providers-json, $PROVIDERS_JSON_PATH).\n"
          "Documentation: docs/ in the source tree, or 'mtv-validate <command> --help'.\n"
          "\n",
          out);
    fputs(CLI_EXIT_CODES_HELP, out);
}

int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(argc == 0 ? stderr : stdout);
        return MTV_EXIT_OK;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_overview(stdout);
        return MTV_EXIT_OK;
    }
    for (const cli_command *c = cli_commands; c->name; c++) {
        if (strcmp(c->name, argv[1]) != 0 || strcmp(c->name, "help") == 0)
            continue;
        /* "help config check" -> "config check --help" */
        char *args[8] = {0};
        int n = 0;
        for (int i = 1; i < argc && n < 6; i++)
            args[n++] = argv[i];
        args[n++] = "--help";
        return c->run(n, args);
    }
    if (!strcmp(argv[1], "help")) {
        print_overview(stdout);
        return MTV_EXIT_OK;
    }
    mtv_err err;
    mtv_err_set(&err, MTV_EXIT_USAGE, "no help for '%s': it is not an mtv-validate command", argv[1]);
    return cli_fail(&err);
}
