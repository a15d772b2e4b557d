/* Unit tests for runner/expr: pytest's -m/-k grammar, precedence
 * (not > and > or), parentheses, identifier characters and errors with
 * their column. */
#include <criterion/criterion.h>
#include <string.h>

#include "runner/expr.h"

/* Matches identifiers against a space-separated set of words. */
static int in_set(const char *ident, void *ctx)
{
    const char *set = ctx;
    size_t n = strlen(ident);
    for (const char *p = set; (p = strstr(p, ident)); p += n)
        if ((p == set || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

static int eval(const char *text, const char *set)
{
    expr *e;
    mtv_err err;
    cr_assert_eq(expr_parse("-m", text, &e, &err), 0, "%s: %s", text, err.msg);
    int r = expr_eval(e, in_set, (void *)set);
    expr_free(e);
    return r;
}

static void parse_error(const char *text, const char *want)
{
    expr *e = (expr *)1;
    mtv_err err;
    cr_assert_eq(expr_parse("-m", text, &e, &err), -1, "%s parsed", text);
    cr_assert_null(e);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, want), "expected '%s' in: %s", want, err.msg);
}

Test(expr, identifiers_and_operators)
{
    cr_assert_eq(eval("tier0", "tier0 warm"), 1);
    cr_assert_eq(eval("tier1", "tier0 warm"), 0);
    cr_assert_eq(eval("tier0 and warm", "tier0 warm"), 1);
    cr_assert_eq(eval("tier0 and not warm", "tier0 warm"), 0);
    cr_assert_eq(eval("tier0 and not warm", "tier0"), 1);
    cr_assert_eq(eval("tier1 or warm", "warm"), 1);
    cr_assert_eq(eval("not not tier0", "tier0"), 1);
}

Test(expr, precedence_not_and_or)
{
    /* a or b and c  ==  a or (b and c) */
    cr_assert_eq(eval("a or b and c", "a"), 1);
    cr_assert_eq(eval("a or b and c", "b"), 0);
    /* not a and b  ==  (not a) and b */
    cr_assert_eq(eval("not a and b", "b"), 1);
    cr_assert_eq(eval("not a and b", "a b"), 0);
    cr_assert_eq(eval("not a or b", "a"), 0);
    cr_assert_eq(eval("(a or b) and c", "a"), 0);
    cr_assert_eq(eval("(a or b) and c", "b c"), 1);
    cr_assert_eq(eval("not (a or b)", "c"), 1);
    cr_assert_eq(eval("((a))", "a"), 1);
}

Test(expr, empty_selects_everything_and_identifier_characters)
{
    cr_assert_eq(eval("", ""), 1);
    cr_assert_eq(eval("   ", ""), 1);
    cr_assert_eq(eval("MTV-559:copyoffload-thin", "MTV-559:copyoffload-thin"), 1);
    cr_assert_eq(eval("a.b/c[1]+d\\e", "a.b/c[1]+d\\e"), 1);
    cr_assert_eq(eval("android", "android"), 1, "an identifier starting with 'and' is not the operator");
    cr_assert_eq(eval("order or nothing", "nothing"), 1);
}

static void collect(const char *ident, void *ctx)
{
    strcat(ctx, ident);
    strcat(ctx, ",");
}

Test(expr, each_identifier_is_visited)
{
    expr *e;
    mtv_err err;
    char seen[64] = "";
    cr_assert_eq(expr_parse("-m", "a and (b or not c)", &e, &err), 0);
    expr_each_ident(e, collect, seen);
    cr_assert_str_eq(seen, "a,b,c,");
    expr_free(e);
}

Test(expr, errors_name_the_column)
{
    parse_error("tier0 and", "-m \"tier0 and\": at column 10: expected 'not', '(' or an identifier; got end of input");
    parse_error("(tier0", "at column 7: expected ')' or an operator; got end of input");
    parse_error("tier0 tier1", "at column 7: expected 'and', 'or' or end of input; got an identifier");
    parse_error("and tier0", "at column 1: expected 'not', '(' or an identifier; got 'and'");
    parse_error("tier0 )", "at column 7: expected 'and', 'or' or end of input; got ')'");
    parse_error("tier0 & warm", "at column 7: unexpected character '&'");
    parse_error("not", "at column 4: expected 'not', '(' or an identifier; got end of input");
}
