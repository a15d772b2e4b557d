/* Unit tests for the cleaner that `cleanup` deletes source objects with:
 * a clone made on the lab's oVirt through the adapter is deleted through
 * the entry resources.json names, and again without error once gone; an
 * unreachable source (no providers file, no such entry, an untrusted
 * certificate) gives each object the same reason, naming the entry;
 * entries without an id or made on another provider type are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "labtest.h"
#include "mtv/source_cleanup.h"
#include "providers/provider.h"
#include "testutil.h"
#include "util/log.h"

static labtest lab;

static void stop(void)
{
    labtest_stop(&lab);
}

TestSuite(source_cleanup, .fini = stop, .timeout = 60);

static ledger_entry entry(char *provider, char *type, char *kind, char *id, char *name)
{
    ledger_entry e;
    memset(&e, 0, sizeof e);
    e.side = "source";
    e.provider = provider;
    e.provider_type = type;
    e.kind = kind;
    e.id = id;
    e.name = name;
    return e;
}

Test(source_cleanup, without_a_providers_file_every_object_says_why)
{
    transport *t = NULL;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    mtv_err err;
    cr_assert_eq(transport_open(&t, &tc, &err), 0);
    mtv_source_cleaner_config cfg = {.t = t, .file_error = "providers file x.json not found"};
    mtv_source_cleaner *c = mtv_source_cleaner_new(&cfg);
    ledger_entry a = entry("rhv", "ovirt", "vm", "1111", "clone-a");
    ledger_entry b = entry("rhv", "ovirt", "vm", "2222", "clone-b");
    for (int i = 0; i < 2; i++) {
        mtv_err_clear(&err);
        cr_assert_eq(mtv_source_cleaner_delete(c, i ? &b : &a, &err), -1);
        cr_assert(strstr(err.msg, "cannot reach source provider 'rhv'"), "%s", err.msg);
        cr_assert(strstr(err.msg, "x.json not found"), "%s", err.msg);
    }
    ledger_entry noid = entry("rhv", "ovirt", "vm", NULL, "clone-c");
    cr_assert_eq(mtv_source_cleaner_delete(c, &noid, &err), -1);
    cr_assert(strstr(err.msg, "no id"), "%s", err.msg);
    ledger_entry nokey = entry(NULL, "ovirt", "vm", "3333", NULL);
    cr_assert_eq(mtv_source_cleaner_delete(c, &nokey, &err), -1);
    cr_assert(strstr(err.msg, "--provider"), "%s", err.msg);
    mtv_source_cleaner_free(c);
    transport_free(t);
}

Test(source_cleanup, deletes_a_lab_ovirt_clone_through_its_entry)
{
    labtest_start(&lab, NULL);
    providers_file pf;
    memset(&pf, 0, sizeof pf);
    diag_list diags = DIAG_LIST_INIT;
    cr_assert_eq(providers_file_load(&pf, lab_mtv_providers_path(lab.mtv), log_secrets(), &diags), 0);
    diag_free(&diags);
    mtv_err gerr;
    const provider_entry *pe = providers_get(&pf, "ovirt", &gerr);
    cr_assert_not_null(pe);
    transport *t = NULL;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    mtv_err err;
    cr_assert_eq(transport_open(&t, &tc, &err), 0);

    /* a clone, made as a run's prepare makes it */
    source_config sc = {.t = t, .entry = pe, .ca_file = lab.ca, .poll_ms = 10};
    source_provider *p = NULL;
    cr_assert_eq(source_open(&p, &sc, &err), 0, "%s", err.msg);
    strbuf id = STRBUF_INIT;
    clone_options o;
    memset(&o, 0, sizeof o);
    cr_assert_eq(source_clone(p, "mtv-tests-rhel8", "cleanup-me", &o, &id, &err), 0, "%s", err.msg);
    vm_record r;
    vm_record_init(&r);
    cr_assert_eq(source_vm_info(p, "cleanup-me", &r, &err), 0, "%s", err.msg);
    vm_record_free(&r);

    /* a CA bundle that does not hold the lab's CA: the reason names the
     * entry and TLS */
    mtv_source_cleaner_config bad = {.t = t, .file = &pf, .ca_file = "/etc/ssl/certs/ca-certificates.crt"};
    mtv_source_cleaner *c = mtv_source_cleaner_new(&bad);
    ledger_entry e = entry("ovirt", "ovirt", "vm", id.buf, "cleanup-me");
    cr_assert_eq(mtv_source_cleaner_delete(c, &e, &err), -1);
    cr_assert(strstr(err.msg, "cannot reach source provider 'ovirt'") && strstr(err.msg, "TLS"),
              "%s", err.msg);
    mtv_source_cleaner_free(c);

    mtv_source_cleaner_config good = {.t = t, .file = &pf, .ca_file = lab.ca};
    c = mtv_source_cleaner_new(&good);
    ledger_entry other = entry("no-such-entry", "ovirt", "vm", id.buf, "cleanup-me");
    cr_assert_eq(mtv_source_cleaner_delete(c, &other, &err), -1);
    cr_assert(strstr(err.msg, "no-such-entry"), "%s", err.msg);
    ledger_entry wrong = entry("ovirt", "vsphere", "vm", id.buf, "cleanup-me");
    cr_assert_eq(mtv_source_cleaner_delete(c, &wrong, &err), -1);
    cr_assert(strstr(err.msg, "vsphere") && strstr(err.msg, "ovirt"), "%s", err.msg);
    mtv_source_cleaner_free(c);

    /* neither a CA file nor insecure: the chain the server presents is
     * trusted, as `run` trusts it */
    mtv_source_cleaner_config fetched = {.t = t, .file = &pf};
    c = mtv_source_cleaner_new(&fetched);
    cr_assert_eq(mtv_source_cleaner_delete(c, &e, &err), 0, "%s", err.msg);
    vm_record_init(&r);
    cr_assert_eq(source_vm_info(p, "cleanup-me", &r, &err), -1, "the clone is gone");
    vm_record_free(&r);
    cr_assert_eq(mtv_source_cleaner_delete(c, &e, &err), 0, "already gone is done: %s", err.msg);
    mtv_source_cleaner_free(c);

    source_close(p);
    sb_release(&id);
    transport_free(t);
    providers_file_free(&pf);
}
