/* Unit tests for cli/opt: every option kind, interleaving, errors. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opt.h"

static int flag, neg = 1;
static const char *str;
static long num;
static opt_list list;

static const opt_def defs[] = {
    {OPT_FLAG, 'v', "verbose", NULL, "Talk more.", NULL, &flag, 0, 0, 0},
    {OPT_FLAG, 0, "record", NULL, "Record.", "on", &neg, 0, 0, 1},
    {OPT_STRING, 'p', "provider", "KEY", "Provider key.", NULL, &str, 0, 0, 0},
    {OPT_INT, 'j', "jobs", "N", "Parallel jobs.", "1", &num, 1, 64, 0},
    {OPT_LIST, 0, "set", "KEY=VALUE", "Override.", NULL, &list, 0, 0, 0},
    {0},
};
static const cli_doc doc = {.name = "t", .summary = "test", .usage = "t", .options = defs};

static void reset(void)
{
    flag = 0;
    neg = 1;
    str = NULL;
    num = 0;
    opt_list_free(&list);
}

static int parse(int argc, char **argv, mtv_err *err, char ***pos, int *npos)
{
    reset();
    mtv_err_clear(err);
    return opt_parse(&doc, argc, argv, pos, npos, err);
}

Test(opt, kinds_and_interleaving)
{
    char *argv[] = {"a", "-v", "--provider=vs", "b", "-j4", "--set", "x=1", "--set=y=2",
                    "--no-record", "--", "-c"};
    char **pos;
    int npos;
    mtv_err err;
    cr_assert_eq(parse(11, argv, &err, &pos, &npos), 0, "%s", err.msg);
    cr_assert_eq(flag, 1);
    cr_assert_eq(neg, 0);
    cr_assert_str_eq(str, "vs");
    cr_assert_eq(num, 4);
    cr_assert_eq(list.count, 2);
    cr_assert_str_eq(list.items[1], "y=2");
    cr_assert_eq(npos, 3);
    cr_assert_str_eq(pos[0], "a");
    cr_assert_str_eq(pos[1], "b");
    cr_assert_str_eq(pos[2], "-c");
    free(pos);
    reset();
}

Test(opt, errors_name_the_option)
{
    char **pos;
    int npos;
    mtv_err err;
    char *a1[] = {"--provder", "x"};
    cr_assert_eq(parse(2, a1, &err, &pos, &npos), -1);
    cr_assert(strstr(err.msg, "unknown option --provder"), "%s", err.msg);
    cr_assert(strstr(err.msg, "did you mean --provider"), "%s", err.msg);
    free(pos);
    char *a2[] = {"--jobs", "many"};
    cr_assert_eq(parse(2, a2, &err, &pos, &npos), -1);
    cr_assert(strstr(err.msg, "--jobs expects a whole number, got 'many'"), "%s", err.msg);
    free(pos);
    char *a3[] = {"--jobs", "0"};
    cr_assert_eq(parse(2, a3, &err, &pos, &npos), -1);
    cr_assert(strstr(err.msg, "between 1 and 64"), "%s", err.msg);
    free(pos);
    char *a4[] = {"--provider"};
    cr_assert_eq(parse(1, a4, &err, &pos, &npos), -1);
    cr_assert(strstr(err.msg, "needs a value (KEY)"), "%s", err.msg);
    free(pos);
    char *a5[] = {"--verbose=yes"};
    cr_assert_eq(parse(1, a5, &err, &pos, &npos), -1);
    cr_assert(strstr(err.msg, "takes no value"), "%s", err.msg);
    free(pos);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    reset();
}
