/* Unit tests for util/diag and util/suggest: every problem is kept with its
 * place, printing masks secrets, and suggestions only for plausible typos. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/diag.h"
#include "util/suggest.h"

Test(diag, keeps_every_problem_with_its_place)
{
    diag_list d = DIAG_LIST_INIT;
    json_doc doc;
    mtv_err err;
    const char *text = "{\n  \"a\": 1,\n  \"b\": {\"c\": 2}\n}\n";
    cr_assert_eq(json_doc_parse(&doc, "f.json", text, strlen(text), 0, &err), 0);
    diag_at(&d, DIAG_ERROR, &doc, "/b/c", "key %s is wrong", "c");
    diag_add(&d, DIAG_WARNING, "f.json", "odd");
    diag_add(&d, DIAG_ERROR, NULL, "no place");
    cr_assert_eq(d.count, 3);
    cr_assert_eq(d.errors, 2);
    cr_assert_eq(d.warnings, 1);
    cr_assert_str_eq(d.items[0].text, "f.json:3:9: error: key c is wrong");
    cr_assert_str_eq(d.items[1].text, "f.json: warning: odd");
    cr_assert_str_eq(d.items[2].text, "error: no place");
    cr_assert_eq(diag_first_error(&d, &err), -1);
    cr_assert_str_eq(err.msg, "f.json:3:9: key c is wrong (and 1 more problem; run 'mtv-validate config check' to see all)");
    json_doc_free(&doc);
    diag_free(&d);
}

Test(diag, adopts_located_errors_and_moves_lists)
{
    diag_list a = DIAG_LIST_INIT, b = DIAG_LIST_INIT;
    mtv_err err;
    mtv_err_set(&err, MTV_EXIT_USAGE, "x.json:7:5: missing ','\n    line\n    ^");
    diag_add_err(&b, &err);
    mtv_err_set(&err, MTV_EXIT_USAGE, "the file x is empty");
    diag_add_err(&b, &err);
    diag_take(&a, &b);
    cr_assert_eq(b.count, 0);
    cr_assert_eq(a.errors, 2);
    cr_assert_str_eq(a.items[0].text, "x.json:7:5: error: missing ','\n    line\n    ^");
    cr_assert_str_eq(a.items[1].text, "error: the file x is empty");
    mtv_err_clear(&err);
    diag_list none = DIAG_LIST_INIT;
    cr_assert_eq(diag_first_error(&none, &err), 0);
    diag_free(&a);
}

Test(diag, printing_masks_secrets)
{
    secret_registry *reg = secrets_new();
    secrets_add(reg, "vc.password", "Canary-Diag-42");
    diag_list d = DIAG_LIST_INIT;
    diag_add(&d, DIAG_ERROR, "p.json:1:1", "value Canary-Diag-42 leaked");
    char path[4096];
    snprintf(path, sizeof path, "%s/out.txt", tu_tmpdir());
    FILE *f = fopen(path, "w");
    diag_print(&d, f, reg);
    fclose(f);
    size_t n;
    char *text = tu_read(path, &n);
    cr_assert(!tu_contains(text, n, "Canary-Diag-42"), "%s", text);
    cr_assert(tu_contains(text, n, "value <redacted:vc.password> leaked\n"), "%s", text);
    free(text);
    diag_free(&d);
    secrets_free(reg);
}

Test(suggest, plausible_typos_only)
{
    const char *words[] = {"warm_migration", "target_power_state", "tier0", "tier1", NULL};
    cr_assert_eq(suggest_distance("tier0", "tier1"), 1);
    cr_assert_eq(suggest_distance("wram", "warm"), 1, "a swap is one edit");
    cr_assert_eq(suggest_distance("", "abc"), 3);
    cr_assert_str_eq(suggest_word("warm_migraton", words, 5), "warm_migration");
    cr_assert_str_eq(suggest_word("target_power_stat", words, 5), "target_power_state");
    cr_assert_null(suggest_word("copyoffload", words, 5));
    cr_assert_null(suggest_word("tier0", words, 5), "the word itself is no suggestion");
    strbuf sb = STRBUF_INIT;
    suggest_append(&sb, "tierO", words, 5);
    cr_assert_str_eq(sb.buf, " (did you mean 'tier0'?)");
    sb_release(&sb);
}
