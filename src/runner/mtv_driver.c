/* mtv_driver: see mtv_driver.h. The scenario's markers and pattern become
 * session flags here, so the lifecycle never needs the scenario model. */
#include "runner/mtv_driver.h"

#include <stdlib.h>
#include <string.h>

#include "k8s/client.h"
#include "providers/prepare.h"
#include "runner/check_step.h"
#include "runner/placeholder.h"
#include "runner/run.h"
#include "util/log.h"

typedef struct drv_state {
    k8s_client *k8s;
    mtv_session *session;
    check_step_ctx checks;
} drv_state;

static const char *const STEPS[] = {"prepare", "storagemap", "networkmap", "plan", "migrate",
                                    "check_vms", "verify_xfs_version"};

/* Steps that are checks of the table run alone (src/checks/checks.c). */
static const char *const XFS_ONLY[] = {"check_vm_command_output", NULL};

static int implements(void *ud, const char *step)
{
    (void)ud;
    for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0]; i++)
        if (!strcmp(step, STEPS[i]))
            return 1;
    return 0;
}

static int expand(void *ud, const char *in, const char *session, const char *rand4, strbuf *out,
                  mtv_err *err)
{
    (void)ud;
    placeholder_values v = {session, rand4};
    return placeholder_expand(in, &v, out, err);
}

static unsigned flags_of(const scenario *sc)
{
    unsigned f = 0;
    if (scenario_has_marker(sc, "remote"))
        f |= MTV_SESSION_REMOTE;
    if (sc->pattern && !strcmp(sc->pattern->name, "ca_crt"))
        f |= MTV_SESSION_CA_CRT;
    if (sc->pattern && !strcmp(sc->pattern->name, "insecure_skip_verify"))
        f |= MTV_SESSION_INSECURE;
    for (size_t i = 0; sc->pattern && i < sc->pattern->count; i++) {
        const step_def *d = &sc->pattern->steps[i];
        if (!strcmp(d->name, "migrate") && d->note && strstr(d->note, "expects the migration to fail"))
            f |= MTV_SESSION_EXPECT_FAIL;
    }
    return f;
}

static int begin(void *ud, scenario_ctx *ctx, void **state, mtv_err *err)
{
    *state = NULL;
    const run_env *env = ctx->env;
    if (!env->kc)
        return mtv_err_set(err, MTV_EXIT_USAGE, "no cluster: give --kubeconfig or set KUBECONFIG");
    if (!env->provider)
        return mtv_err_set(err, MTV_EXIT_USAGE, "no source provider: give --provider");
    drv_state *st = calloc(1, sizeof *st);
    if (!st)
        abort();
    if (k8s_client_new(&st->k8s, env->kc, ctx->t, err) < 0) {
        free(st);
        return -1;
    }
    const scenario *sc = ctx->sel->sc;
    mtv_session_config cfg = {
        .k8s = st->k8s,
        .t = ctx->t,
        .ledger = ctx->ledger,
        .set = env->set,
        .provider = env->provider,
        .providers = env->providers,
        .params = sc->params,
        .scenario = sc->name,
        .test_name = ctx->sel->test_name,
        .flags = flags_of(sc),
        .storage_class = env->storage_class,
        .cancel = ctx->cancel,
        .progress = ctx->progress,
        .shared = ud,
        .expand = expand,
    };
    if (mtv_session_new(&st->session, &cfg, err) < 0) {
        k8s_client_free(st->k8s);
        free(st);
        return -1;
    }
    st->checks = (check_step_ctx){.k8s = st->k8s, .t = ctx->t, .set = env->set,
                                  .provider = env->provider, .params = sc->params,
                                  .storage_class = env->storage_class, .session = st->session,
                                  .cancel = ctx->cancel};
    *state = st;
    return 0;
}

static enum step_status step(void *ud, void *state, const char *name, strbuf *detail, mtv_err *err)
{
    (void)ud;
    drv_state *st = state;
    if (!strcmp(name, "check_vms"))
        return runner_check_step(&st->checks, NULL, detail, err);
    if (!strcmp(name, "verify_xfs_version"))
        return runner_check_step(&st->checks, XFS_ONLY, detail, err);
    int (*fn)(mtv_session *, strbuf *, mtv_err *) =
        !strcmp(name, "prepare")      ? mtv_session_prepare
        : !strcmp(name, "storagemap") ? mtv_session_storagemap
        : !strcmp(name, "networkmap") ? mtv_session_networkmap
        : !strcmp(name, "plan")       ? mtv_session_plan
        : !strcmp(name, "migrate")    ? mtv_session_migrate
                                      : NULL;
    if (!fn) {
        mtv_err_set(err, MTV_EXIT_USAGE, "step %s is not carried out by this driver", name);
        return STEP_ERROR;
    }
    int rc = fn(st->session, detail, err);
    return rc == 0 ? STEP_PASSED : rc == MTV_STEP_FAILED ? STEP_FAILED : STEP_ERROR;
}

static long teardown(void *ud, void *state, strbuf *leftovers, mtv_err *err)
{
    (void)ud;
    drv_state *st = state;
    return mtv_session_teardown(st->session, leftovers, err);
}

static void end(void *ud, void *state)
{
    (void)ud;
    drv_state *st = state;
    if (!st)
        return;
    mtv_session_free(st->session);
    k8s_client_free(st->k8s);
    free(st);
}

/* upstream's source_vms_data: each prepared source VM's record, by the name
 * the plan migrates it under */
static cJSON *data(void *ud, void *state)
{
    (void)ud;
    drv_state *st = state;
    mtv_session_facts f;
    mtv_session_get_facts(st->session, &f);
    if (!f.n_prepared)
        return NULL;
    cJSON *d = cJSON_CreateObject();
    cJSON *vms = cJSON_AddObjectToObject(d, "source_vms_data");
    for (size_t i = 0; i < f.n_prepared; i++)
        if (f.prepared[i].name)
            cJSON_AddItemToObject(vms, f.prepared[i].name, vm_record_to_json(&f.prepared[i].record));
    return d;
}

runner_driver runner_mtv_driver(mtv_shared *shared)
{
    runner_driver d = {shared, implements, begin, step, teardown, end, data};
    return d;
}
