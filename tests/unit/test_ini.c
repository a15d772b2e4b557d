/* Unit tests for util/ini: ConfigParser's syntax (sections, both
 * separators, comments, continuation lines, DEFAULT fallback) and errors
 * that name the file and line. */
#include <criterion/criterion.h>
#include <string.h>

#include "util/ini.h"

static const char CFG[] =
    "# pytest-jira's file\n"
    "[DEFAULT]\n"
    "URL = https://issues.example.com\n"
    "token:   abc123def\n"
    "; another comment\n"
    "components = a,\n"
    "   b,\n"
    "\tc\n"
    "\n"
    "[mtv-validate]\n"
    "project = MTV\n"
    "url = https://other.example.com\n";

Test(ini, parses_configparser_syntax)
{
    ini_file f;
    mtv_err err;
    cr_assert_eq(ini_parse(&f, "jira.cfg", CFG, sizeof CFG - 1, &err), 0, "%s", err.msg);
    const ini_entry *e = ini_get(&f, "DEFAULT", "url");
    cr_assert_not_null(e);
    cr_assert_str_eq(e->value, "https://issues.example.com");
    cr_assert_eq(e->line, 3);
    cr_assert_str_eq(ini_get(&f, NULL, "token")->value, "abc123def");
    cr_assert_str_eq(ini_get(&f, NULL, "components")->value, "a,\nb,\nc");
    /* a section's own value wins; others fall back to DEFAULT */
    cr_assert_str_eq(ini_get(&f, "mtv-validate", "url")->value, "https://other.example.com");
    cr_assert_str_eq(ini_get(&f, "mtv-validate", "token")->value, "abc123def");
    cr_assert_null(ini_get(&f, NULL, "project"));
    cr_assert_null(ini_get(&f, "mtv-validate", "nothing"));
    ini_free(&f);
}

static void expect_error(const char *text, const char *want)
{
    ini_file f;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(ini_parse(&f, "x.cfg", text, strlen(text), &err), -1, "accepted: %s", text);
    cr_assert(strstr(err.msg, want), "got: %s (wanted %s)", err.msg, want);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
}

Test(ini, errors_name_file_and_line)
{
    expect_error("url = x\n", "x.cfg:1: \"key = value\" before any section");
    expect_error("[DEFAULT]\nurl = a\nthis line is not a key\n", "x.cfg:3: expected \"key = value\"");
    expect_error("[DEFAULT]\nurl = a\nURL = b\n", "x.cfg:3: key \"url\" is already set in [DEFAULT] on line 2");
    expect_error("[DEFAULT\n", "x.cfg:1: a section header must look like [name]");
    expect_error("[DEFAULT]\n= value\n", "x.cfg:2: a key is missing");
    char nul[] = "[DEFAULT]\nurl = a\0b\n";
    ini_file f;
    mtv_err err;
    cr_assert_eq(ini_parse(&f, "x.cfg", nul, sizeof nul - 1, &err), -1);
    cr_assert(strstr(err.msg, "x.cfg:2: the line holds a NUL byte"), "%s", err.msg);
}

Test(ini, byte_order_mark_and_crlf)
{
    const char text[] = "\xef\xbb\xbf[DEFAULT]\r\nurl = https://a.example\r\n";
    ini_file f;
    mtv_err err;
    cr_assert_eq(ini_parse(&f, "w.cfg", text, sizeof text - 1, &err), 0, "%s", err.msg);
    cr_assert_str_eq(ini_get(&f, NULL, "url")->value, "https://a.example");
    ini_free(&f);
}
