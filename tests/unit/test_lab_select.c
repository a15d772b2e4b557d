/* Unit tests for lab_select: the label and field selector grammars and
 * their matching, including the errors a 400 carries. */
#include <criterion/criterion.h>
#include <string.h>

#include "lab/lab_select.h"

static int lmatch(const char *sel, const char *labels_json)
{
    lab_selector s;
    strbuf err = STRBUF_INIT;
    cr_assert_eq(lab_labelsel_parse(sel, &s, &err), 0, "%s: %s", sel, sb_str(&err));
    cJSON *labels = cJSON_Parse(labels_json);
    int m = lab_labelsel_match(&s, labels);
    cJSON_Delete(labels);
    lab_selector_free(&s);
    sb_release(&err);
    return m;
}

Test(lab_select, label_operators)
{
    const char *l = "{\"app\":\"web\",\"tier\":\"front\",\"n\":\"5\"}";
    cr_assert(lmatch("", l));
    cr_assert(lmatch("app=web", l));
    cr_assert(lmatch("app==web,tier=front", l));
    cr_assert_not(lmatch("app=db", l));
    cr_assert(lmatch("app!=db", l));
    cr_assert(lmatch("missing!=x", l), "!= matches when the label is absent");
    cr_assert(lmatch("app in (db, web)", l));
    cr_assert_not(lmatch("app notin (web)", l));
    cr_assert(lmatch("tier", l));
    cr_assert_not(lmatch("!tier", l));
    cr_assert(lmatch("!missing", l));
    cr_assert(lmatch("n>3,n<9", l));
    cr_assert_not(lmatch("n>5", l));
    cr_assert_not(lmatch("app=web", "{}"));
}

Test(lab_select, label_parse_errors)
{
    const char *bad[] = {"app in web", "=x", "app in (a", "n>x", "a b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lab_selector s;
        strbuf err = STRBUF_INIT;
        cr_assert_eq(lab_labelsel_parse(bad[i], &s, &err), -1, "accepted '%s'", bad[i]);
        cr_assert(strstr(sb_str(&err), "unable to parse requirement"), "%s", sb_str(&err));
        sb_release(&err);
    }
}

static const char *getter(void *ctx, const char *path, strbuf *scratch)
{
    return lab_field_value(ctx, path, scratch);
}

Test(lab_select, field_selectors_with_escapes)
{
    cJSON *obj = cJSON_Parse("{\"metadata\":{\"name\":\"a,b=c\",\"namespace\":\"demo\"},"
                             "\"spec\":{\"nodeName\":\"n1\",\"replicas\":3,\"on\":true}}");
    const struct { const char *sel; int want; } cases[] = {
        {"metadata.name=a\\,b\\=c", 1},
        {"metadata.namespace==demo,spec.nodeName=n1", 1},
        {"spec.nodeName!=n1", 0},
        {"spec.replicas=3", 1},
        {"spec.on=true", 1},
        {"spec.missing=", 1},
        {"spec.missing=x", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lab_selector s;
        strbuf err = STRBUF_INIT;
        cr_assert_eq(lab_fieldsel_parse(cases[i].sel, &s, &err), 0, "%s", sb_str(&err));
        cr_assert_eq(lab_fieldsel_match(&s, getter, obj), cases[i].want, "%s", cases[i].sel);
        lab_selector_free(&s);
        sb_release(&err);
    }
    lab_selector s;
    strbuf err = STRBUF_INIT;
    cr_assert_eq(lab_fieldsel_parse("nonsense", &s, &err), -1);
    cr_assert(strstr(sb_str(&err), "invalid selector"));
    sb_release(&err);
    cJSON_Delete(obj);
}
