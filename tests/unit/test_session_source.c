/* The source side of a session (mtv/session_source.c) against real vcsims:
 * the run's prepare clones an ESXi entry's VM through the vCenter entry its
 * clone_provider names (found because the session hands the adapter the
 * whole providers file), records the clone in the ledger under the ESXi
 * entry, and the session's teardown deletes it there; the session's cancel
 * flag reaches the adapter, so a guest wait of minutes ends when it is set.
 * No cluster is contacted: these steps talk to the source only. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s/client.h"
#include "mtv/session.h"
#include "mtv/session_int.h"
#include "providers/prepare.h"
#include "providers/provider.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/log.h"
#include "vcsimpeer.h"

#define USER "mtv-tester"
#define PASSWORD "Canary-Session-Pw-3c1d!"

typedef struct world {
    tu_vcsim vc, esx;
    providers_file pf;
    const provider_entry *esx_entry, *vc_entry;
    transport *t;
    kube_config kc;
    k8s_client *k8s;
    ledger *ledger;
    settings set;
    mtv_shared *shared;
    cJSON *params;
    atomic_int cancel;
    mtv_session *s;
} world;

static void start(world *w, const char *params)
{
    memset(w, 0, sizeof *w);
    log_set_level(getenv("MTV_TEST_LOG") ? LOG_DEBUG : LOG_OFF);
    static const char *const vc_args[] = {"-user", USER, "-pass", PASSWORD, "-auto-guest", NULL};
    static const char *const esx_args[] = {"-esx", "-user", USER, "-pass", PASSWORD, NULL};
    static const char VMS[] =
        "{\"vms\": [{\"name\": \"mtv-tests-rhel8\", \"cpus\": 2, \"memory_mb\": 1024,"
        " \"power\": \"off\", \"disks\": [{\"size_gb\": 1}],"
        " \"nics\": [{\"mac\": \"00:50:56:aa:40:01\", \"ip\": \"192.0.2.40\"}]},"
        " {\"name\": \"quiet-vm\", \"cpus\": 1, \"memory_mb\": 512, \"power\": \"on\","
        " \"disks\": [{\"size_gb\": 1}]}]}";
    tu_vcsim_start(&w->vc, VMS, vc_args);
    tu_vcsim_start(&w->esx, VMS, esx_args);
    const char *dir = tu_tmpdir();
    char text[4096];
    snprintf(text, sizeof text,
             "{\"esx\": {\"type\": \"vsphere\", \"version\": \"7.0\", \"fqdn\": \"127.0.0.1\","
             "  \"api_url\": \"%s\", \"username\": \"" USER "\", \"password\": \"" PASSWORD "\","
             "  \"endpoint_type\": \"esxi\", \"clone_provider\": \"vc\"},"
             " \"vc\": {\"type\": \"vsphere\", \"version\": \"7.0\", \"fqdn\": \"127.0.0.1\","
             "  \"api_url\": \"%s\", \"username\": \"" USER "\", \"password\": \"" PASSWORD "\"}}",
             w->esx.url, w->vc.url);
    mtv_err err;
    cr_assert_eq(providers_open(&w->pf, tu_write(dir, "providers.json", text), "esx", log_secrets(),
                                &w->esx_entry, &err), 0, "%s", err.msg);
    w->vc_entry = providers_get(&w->pf, "vc", &err);
    cr_assert_not_null(w->vc_entry);
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&w->t, &tc, &err), 0);
    w->kc.server = "https://127.0.0.1:1";   /* never called by these steps */
    cr_assert_eq(k8s_client_new(&w->k8s, &w->kc, w->t, &err), 0, "%s", err.msg);
    strbuf path = STRBUF_INIT;
    fs_join(&path, dir, "resources.json");
    cr_assert_eq(ledger_create(&w->ledger, path.buf, "run-1", &err), 0, "%s", err.msg);
    sb_release(&path);
    w->shared = mtv_shared_new();
    w->params = cJSON_Parse(params);
    cr_assert_not_null(w->params);
    mtv_session_config cfg = {.k8s = w->k8s, .t = w->t, .ledger = w->ledger, .set = &w->set,
                              .provider = w->esx_entry, .providers = &w->pf, .params = w->params,
                              .scenario = "esxi-clone", .test_name = "esxi-clone-esx-standard",
                              .storage_class = "standard", .cancel = &w->cancel,
                              .shared = w->shared};
    cr_assert_eq(mtv_session_new(&w->s, &cfg, &err), 0, "%s", err.msg);
}

static void stop(world *w)
{
    mtv_session_free(w->s);
    mtv_shared_free(w->shared);
    cJSON_Delete(w->params);
    ledger_free(w->ledger);
    k8s_client_free(w->k8s);
    transport_free(w->t);
    providers_file_free(&w->pf);
    tu_vcsim_stop(&w->esx);
    tu_vcsim_stop(&w->vc);
}

/* 1 when the VM named vm exists on the entry's server. */
static int exists_on(world *w, const provider_entry *e, const char *vm)
{
    source_config sc = {.t = w->t, .entry = e, .file = &w->pf};
    source_provider *p;
    mtv_err err;
    cr_assert_eq(source_open(&p, &sc, &err), 0, "%s", err.msg);
    vm_record r;
    int found = source_vm_info(p, vm, &r, &err) == 0;
    if (found)
        vm_record_free(&r);
    source_close(p);
    return found;
}

/* No .timeout: Criterion's timeout bookkeeping leaks (LeakSanitizer) when
 * two timed tests running simulators overlap; every wait here is bounded. */
Test(session_source, esxi_prepare_clones_through_the_clone_provider)
{
    world w;
    start(&w, "{\"virtual_machines\": [{\"name\": \"mtv-tests-rhel8\", \"source_vm_power\": \"on\","
              " \"guest_agent\": true}], \"guest_agent_timeout\": 60}");
    mtv_err err;
    cr_assert_eq(mtv_session_prepare_sources(w.s, &err), 0, "%s", err.msg);
    mtv_session_facts f;
    mtv_session_get_facts(w.s, &f);
    cr_assert_eq(f.n_prepared, 1);
    const prepared_vm *pv = &f.prepared[0];
    cr_assert(pv->cloned);
    cr_assert_str_eq(pv->source_name, "mtv-tests-rhel8");
    cr_assert_eq(pv->record.power, VM_POWER_ON);
    cr_assert_eq(pv->record.guest_agent_running, 1);
    cr_assert(exists_on(&w, w.vc_entry, pv->name), "the clone is on the clone_provider's vCenter");
    cr_assert_not(exists_on(&w, w.esx_entry, pv->name), "not made by the host's simulator");

    /* in the ledger under the run's (ESXi) entry, the moment it existed */
    ledger_entry *le;
    size_t n;
    cr_assert_eq(ledger_snapshot(w.ledger, "esxi-clone", 1, &le, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(le[0].side, "source");
    cr_assert_str_eq(le[0].kind, SOURCE_KIND_VM);
    cr_assert_str_eq(le[0].provider, "esx");
    cr_assert_str_eq(le[0].name, pv->name);
    /* teardown deletes it where it lives */
    cr_assert_eq(mtv_session_source_delete(w.s, &le[0], &err), 0, "%s", err.msg);
    cr_assert_not(exists_on(&w, w.vc_entry, pv->name), "the clone is gone");
    cr_assert(exists_on(&w, w.vc_entry, "mtv-tests-rhel8"), "its source stays");
    ledger_entries_free(le, n);
    stop(&w);
}

typedef struct later {
    atomic_int *flag;
} later;

static void *set_flag_soon(void *ud)
{
    later *l = ud;
    usleep(300 * 1000);   /* the wait is under way by then; nothing depends on how long */
    atomic_store(l->flag, 1);
    return NULL;
}

Test(session_source, the_session_cancel_flag_ends_a_source_wait, .timeout = 60)
{
    world w;
    start(&w, "{\"virtual_machines\": [{\"name\": \"quiet-vm\"}]}");
    source_provider *p;
    mtv_err err;
    cr_assert_eq(mtv_session_source_open(w.s, &p, &err), 0, "%s", err.msg);
    /* quiet-vm runs without VMware Tools: its guest never reports */
    later l = {&w.cancel};
    pthread_t th;
    pthread_create(&th, NULL, set_flag_soon, &l);
    int rc = source_wait_guest(p, "quiet-vm", 20 * 60000, &err);
    pthread_join(th, NULL);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "cancelled while waiting for the guest to report"), "%s", err.msg);
    source_close(p);
    stop(&w);
}
