/*
 * session: one scenario's Forklift lifecycle on a cluster, upstream's
 * fixtures and test bodies as a sequence of calls (research/mtv-api-tests.md
 * §5, §7):
 *
 *   prepare     session id and names; the run namespace with upstream's labels
 *               (and vm_target_namespace / multus_namespace when the scenario
 *               names them); the source Secret (CA fetched from the server when
 *               verification is on) and Provider, Ready within 600 s (stopping
 *               at ConnectionFailed); the destination Provider (local, or
 *               remote for "remote" scenarios); the inventory route, provider
 *               id and every scenario VM (inventory_timeout); Hooks; LUKS
 *               Secrets; for warm scenarios the ForkliftController precopy
 *               interval (reverted when the last warm scenario of the run ends)
 *   storagemap  StorageMap from the VMs' storage (copy-offload: XCOPY plugin)
 *   networkmap  NADs and a NetworkMap (deduplicated, or per NIC)
 *   plan        Plan with every plan-level key, Ready within plan_ready_timeout (360 s), else the
 *               Plan's and both Providers' conditions
 *   migrate     Migration (warm: cutover now + mins_before_cutover, UTC),
 *               watched until Succeeded/Failed or plan_wait_timeout, with
 *               per-VM progress; expected failures (expected_migration_result
 *               fail, hooks expected to fail) pass only as expected
 *   teardown    mtv_teardown over what this scenario recorded
 *
 * prepare also prepares the source VMs through the source adapter
 * (providers/prepare.h: clone, power per source_vm_power, guest wait), each
 * source object recorded in the ledger as it is made and deleted by teardown
 * after the cluster objects; the VMs' records taken then are the facts'
 * source_vms_data, and the inventory is waited for under the clones' names.
 *
 * Every object is recorded in the ledger just before it is created, so a
 * killed run never leaves an object resources.json does not list. Every
 * request goes through the scenario's transport; waits watch, use the
 * transport's clock and stop when the cancel flag is set.
 *
 * Step functions return 0 (passed), MTV_STEP_FAILED (the product did not do
 * what the scenario expects; err says what) or -1 (the step could not be
 * carried out: configuration, API, cancellation; err says why).
 */
#ifndef MTV_MTV_SESSION_H
#define MTV_MTV_SESSION_H

#include <stdatomic.h>

#include "config/providers.h"
#include "config/settings.h"
#include "k8s/client.h"
#include "util/ledger.h"
#include "util/progress.h"
#include "util/strbuf.h"

#define MTV_STEP_FAILED 1

/* Run-wide state shared by the sessions of one run (the ForkliftController
 * precopy interval is cluster-wide). Thread-safe. */
typedef struct mtv_shared mtv_shared;
mtv_shared *mtv_shared_new(void);
void mtv_shared_free(mtv_shared *s);

enum {
    MTV_SESSION_REMOTE = 1 << 0,     /* destination: a remote Provider with a token (marker remote) */
    MTV_SESSION_CA_CRT = 1 << 1,     /* the CA goes under ca.crt, not cacert (ca_crt pattern) */
    MTV_SESSION_INSECURE = 1 << 2,   /* source Provider with insecureSkipVerify (pattern) */
    MTV_SESSION_EXPECT_FAIL = 1 << 3,/* the pattern's migrate step expects the migration to fail */
};

/* Expands the scenario's run-time placeholders ({session}, {rand4}) in a
 * string such as vm_target_namespace; provided by the scenario layer. */
typedef int (*mtv_expand_fn)(void *ud, const char *in, const char *session, const char *rand4,
                             strbuf *out, mtv_err *err);

typedef struct mtv_session_config {
    k8s_client *k8s;                 /* over t */
    transport *t;
    ledger *ledger;
    const settings *set;
    const provider_entry *provider;
    const providers_file *providers; /* the whole file, for an ESXi entry's clone_provider; may be NULL */
    const cJSON *params;             /* the scenario's params (upstream's tests_params entry) */
    const char *scenario;            /* catalog key: ledger entries and progress name it */
    const char *test_name;           /* "<scenario>-<provider>-<storage class>" */
    unsigned flags;                  /* MTV_SESSION_* below */
    const char *storage_class;
    atomic_int *cancel;
    progress_sink progress;
    mtv_shared *shared;
    mtv_expand_fn expand;            /* NULL: strings are used as written */
    void *expand_ud;
} mtv_session_config;

typedef struct mtv_session mtv_session;

int mtv_session_new(mtv_session **out, const mtv_session_config *cfg, mtv_err *err);
void mtv_session_free(mtv_session *s);

int mtv_session_prepare(mtv_session *s, strbuf *detail, mtv_err *err);
int mtv_session_storagemap(mtv_session *s, strbuf *detail, mtv_err *err);
int mtv_session_networkmap(mtv_session *s, strbuf *detail, mtv_err *err);
int mtv_session_plan(mtv_session *s, strbuf *detail, mtv_err *err);
int mtv_session_migrate(mtv_session *s, strbuf *detail, mtv_err *err);
/* Cancels, archives and deletes what the session created; returns the number
 * of objects left behind (listed in leftovers), or -1. */
long mtv_session_teardown(mtv_session *s, strbuf *leftovers, mtv_err *err);

/* Opens the scenario's source adapter as the session trusts it (the CA chain
 * fetched for the Provider Secret, or insecure as configured; OpenShift: the
 * session's cluster; OVA: the ova_dir setting), for the steps that read the
 * source after prepare. The caller closes it with source_close. */
struct source_provider;
int mtv_session_source_open(mtv_session *s, struct source_provider **out, mtv_err *err);

/* The session id ("auto-xxxx"), once prepare has started; else NULL. */
const char *mtv_session_id(const mtv_session *s);

/* Where the session's objects are, for the post-migration checks. Names are
 * NULL until the step that creates them ran. Borrowed: valid until
 * mtv_session_free. */
typedef struct mtv_session_facts {
    const char *session;             /* the session id */
    const char *namespace_;          /* Providers, maps, Plan, Secrets */
    const char *vm_namespace;        /* where the migrated VMs are */
    const char *source_provider, *source_secret;
    const char *storage_map, *network_map, *plan;
    const char *provider_type;       /* the source's type name */
    const struct mtv_plan_vm *vms;   /* the plan's VMs (mtv/crs.h), in scenario order */
    size_t n_vms;
    /* the source VMs as prepare left them (providers/prepare.h), in scenario
     * order: upstream's source_vms_data; NULL when prepare did not get there */
    const struct prepared_vm *prepared;
    size_t n_prepared;
} mtv_session_facts;

void mtv_session_get_facts(const mtv_session *s, mtv_session_facts *out);

#endif
