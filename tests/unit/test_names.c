/* Unit tests for mtv/names: upstream's naming rules, and that a replay
 * seeded from a recording regenerates the same names. */
#include <criterion/criterion.h>
#include <string.h>

#include "mtv/names.h"
#include "testutil.h"

static transport *seeded(uint64_t seed)
{
    transport_config cfg = {.mode = TRANSPORT_LIVE, .has_seed = 1, .seed = seed};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &cfg, &err), 0, "%s", err.msg);
    return t;
}

static int is_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return 0;
    return 1;
}

Test(names, session_base_and_generated_names_have_upstreams_shape)
{
    transport *t = seeded(42);
    strbuf session = STRBUF_INIT, base = STRBUF_INIT, plan = STRBUF_INIT;
    mtv_names_session(t, &session);
    cr_assert_eq(session.len, 9, "%s", session.buf);
    cr_assert_eq(strncmp(session.buf, "auto-", 5), 0);
    cr_assert(is_label(session.buf));
    mtv_names_base(session.buf, "vsphere", "8.0.3", 0, &base);
    strbuf want = STRBUF_INIT;
    sb_addf(&want, "%s-source-vsphere-8-0-3", session.buf);
    cr_assert_str_eq(base.buf, want.buf);
    mtv_names_generate(t, base.buf, "-cold", &plan);
    cr_assert_eq(strncmp(plan.buf, base.buf, base.len), 0);
    cr_assert_eq(plan.len, base.len + 1 + 4 + 5, "%s", plan.buf);
    cr_assert_str_eq(plan.buf + plan.len - 5, "-cold");
    cr_assert(is_label(plan.buf), "%s", plan.buf);
    sb_reset(&base);
    mtv_names_base("auto-a1b2", "vsphere", "8.0", 1, &base);
    cr_assert_str_eq(base.buf, "auto-a1b2-source-vsphere-8-0-xcopy");
    sb_release(&session);
    sb_release(&base);
    sb_release(&plan);
    sb_release(&want);
    transport_free(t);
}

Test(names, same_seed_same_names)
{
    transport *a = seeded(7), *b = seeded(7), *c = seeded(8);
    strbuf x = STRBUF_INIT, y = STRBUF_INIT, z = STRBUF_INIT;
    for (int i = 0; i < 3; i++) {
        mtv_names_generate(a, "auto-a1b2-source-ovirt-4-4", NULL, &x);
        mtv_names_generate(b, "auto-a1b2-source-ovirt-4-4", NULL, &y);
        mtv_names_generate(c, "auto-a1b2-source-ovirt-4-4", NULL, &z);
    }
    cr_assert_str_eq(x.buf, y.buf);
    cr_assert_str_neq(x.buf, z.buf);
    sb_release(&x);
    sb_release(&y);
    sb_release(&z);
    transport_free(a);
    transport_free(b);
    transport_free(c);
}

Test(names, long_names_keep_their_last_63)
{
    transport *t = seeded(1);
    strbuf n = STRBUF_INIT;
    const char *base = "auto-a1b2-source-vsphere-8-0-xcopy-with-a-very-long-feature-name-attached";
    mtv_names_generate(t, base, "-warm", &n);
    cr_assert_eq(n.len, 63, "%zu %s", n.len, n.buf);
    cr_assert_str_eq(n.buf + n.len - 5, "-warm");
    cr_assert(is_label(n.buf), "%s", n.buf);
    cr_assert(strstr(base, n.buf) == NULL);   /* the random tail survived */
    strbuf k = STRBUF_INIT;
    sb_adds(&k, "abc-");
    for (int i = 0; i < 60; i++)
        sb_addc(&k, 'x');
    mtv_names_keep_last(&k, 61);   /* cut lands right after a '-'... */
    cr_assert_eq(k.len, 60);       /* ...which is dropped */
    cr_assert_eq(k.buf[0], 'x');
    sb_release(&n);
    sb_release(&k);
    transport_free(t);
}

Test(names, sanitize_follows_upstream)
{
    static const struct {
        const char *in, *out;
        size_t max;
    } cases[] = {
        {"XCopy_Test_VM_CAPS", "xcopy-test-vm-caps", 63},
        {"web.01", "web-01", 63},
        {"  My VM (copy)!! ", "my-vm-copy", 63},
        {"a!!!b", "a-b", 63},
        {"a-!b", "a--b", 63},
        {"--lead--", "lead", 63},
        {"abcdef-ghij", "abcdef", 7},
        {"Ünïcode-vm", "n-code-vm", 63},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf out = STRBUF_INIT;
        mtv_err err;
        cr_assert_eq(mtv_names_sanitize(cases[i].in, cases[i].max, &out, &err), 0, "%s", err.msg);
        cr_assert_str_eq(out.buf, cases[i].out, "'%s' -> '%s'", cases[i].in, out.buf);
        sb_release(&out);
    }
    strbuf out = STRBUF_INIT;
    mtv_err err;
    cr_assert_eq(mtv_names_sanitize("___", 63, &out, &err), -1);
    cr_assert(strstr(err.msg, "'___'"));
    sb_release(&out);
}

Test(names, namespace_and_nad_base)
{
    strbuf ns = STRBUF_INIT, nad = STRBUF_INIT, nad2 = STRBUF_INIT;
    mtv_names_namespace("auto-a1b2", "auto", &ns);
    cr_assert_str_eq(ns.buf, "auto-a1b2");
    sb_reset(&ns);
    mtv_names_namespace("auto-a1b2", "-mtv-auto-tests", &ns);
    cr_assert_str_eq(ns.buf, "auto-a1b2-mtv--tests");
    mtv_names_nad_base("test_x-vsphere-ceph", "auto-a1b2", &nad);
    mtv_names_nad_base("test_y-vsphere-ceph", "auto-a1b2", &nad2);
    cr_assert_eq(nad.len, 9);
    cr_assert_eq(strncmp(nad.buf, "cb-", 3), 0);
    cr_assert_str_neq(nad.buf, nad2.buf);
    sb_release(&ns);
    sb_release(&nad);
    sb_release(&nad2);
}
