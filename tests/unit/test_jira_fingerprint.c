/* Unit tests for reporters/jira_fingerprint: what varies between runs of
 * one failure is normalised away, what tells failures apart is kept. */
#include <criterion/criterion.h>
#include <string.h>

#include "reporters/jira_fingerprint.h"

static char *norm(const char *s)
{
    strbuf out = STRBUF_INIT;
    jira_fp_normalise(s, &out);
    return sb_detach(&out, NULL);
}

static void expect(const char *in, const char *want)
{
    char *got = norm(in);
    cr_assert_str_eq(got, want, "normalising: %s\n got: %s\nwant: %s", in, got, want);
    free(got);
}

Test(jira_fingerprint, normalises_what_varies)
{
    expect("plan plan-auto-k3x9q2 not Ready after 600 s", "plan plan-auto-<id> not Ready after 600 s");
    expect("at 2026-11-27T20:15:01.123Z and 2026-11-28 09:00:00+02:00", "at <time> and <time>");
    expect("started 21:19:54.5, took 1234.56s", "started <time>, took <n>s");
    expect("uid 3f2a9c1e-1b2c-4d5e-8f90-0123456789ab gone", "uid <uuid> gone");
    expect("connect 10.0.12.7:6443 refused; pod 192.168.1.1", "connect <ip> refused; pod <ip>");
    expect("sha256 9f86d081884c7d659a2feaa0c55ad015 differs", "sha256 <hex> differs");
    expect("vm-4021 and vm-12", "vm-<n> and vm-12");
    expect("\x1b[31mHTTP 403\x1b[0m   Forbidden\n  twice", "HTTP 403 Forbidden twice");
    expect("rhel9 vsphere8 DiskTransfer v2v win2019 x86", "rhel9 vsphere8 DiskTransfer v2v win2019 x86");
    expect("clone k3x9q2 of 7f3k2m, digest a1b2c3d4", "clone <id> of <id>, digest <hex>");
}

Test(jira_fingerprint, same_failure_same_print_different_failure_different_print)
{
    char a[13], b[13], c[13], d[13], e[13];
    jira_fingerprint("test_cold", "migrate", "plan plan-auto-k3x9q2 not Ready after 600 s at 2026-11-27T20:15:01Z", a);
    jira_fingerprint("test_cold", "migrate", "plan plan-auto-7f3k2m not Ready after 600 s at 2026-11-28T01:00:00Z", b);
    jira_fingerprint("test_cold", "migrate", "HTTP 404 for the plan", c);
    jira_fingerprint("test_cold", "check_vms", "plan plan-auto-k3x9q2 not Ready after 600 s", d);
    jira_fingerprint("test_warm", "migrate", "plan plan-auto-k3x9q2 not Ready after 600 s at 2026-11-27T20:15:01Z", e);
    cr_assert_eq(strlen(a), 12);
    cr_assert_str_eq(a, b, "one failure in two runs");
    cr_assert_str_neq(a, c);
    cr_assert_str_neq(a, d, "the step counts");
    cr_assert_str_neq(a, e, "the scenario counts");
    char f[13], g[13];
    jira_fingerprint("s", "x", "HTTP 403", f);
    jira_fingerprint("s", "x", "HTTP 404", g);
    cr_assert_str_neq(f, g, "403 and 404 must not merge");
    strbuf label = STRBUF_INIT;
    jira_fp_label("mtvval", a, &label);
    cr_assert_eq(label.len, strlen("mtvval-fp-") + 12);
    cr_assert(!strncmp(label.buf, "mtvval-fp-", 10));
    sb_release(&label);
}
