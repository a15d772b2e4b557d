/* shared: the run-wide state of the sessions (session.h), and the
 * ForkliftController precopy interval that warm scenarios set.
 *
 * The interval is cluster-wide, so parallel warm scenarios share it: the
 * first that finds it different sets it and remembers the original; the
 * last warm scenario to end puts the original back. Which scenario reverted
 * depends on timing, so that decision is stored in the scenario's cassette
 * (run variable forklift.precopy.revert) and a replay takes it from there. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/crs.h"
#include "mtv/session_int.h"
#include "util/log.h"

#define REVERT_VAR "forklift.precopy.revert"
#define CONTROLLER_NAME "forklift-controller"

struct mtv_shared {
    pthread_mutex_t lock;
    int users;
    int changed;
    char original[32];          /* "" when the field was absent */
};

mtv_shared *mtv_shared_new(void)
{
    mtv_shared *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

void mtv_shared_free(mtv_shared *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* The interval as text ("60"), or "" when unset. */
static void interval_text(const cJSON *fc, char out[32])
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(fc, "spec");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, "controller_precopy_interval");
    if (cJSON_IsNumber(v))
        snprintf(out, 32, "%.0f", v->valuedouble);
    else if (cJSON_IsString(v))
        snprintf(out, 32, "%s", v->valuestring);
    else
        out[0] = '\0';
}

static int patch_interval(mtv_session *s, const char *value, mtv_err *err)
{
    cJSON *patch;
    if (value && *value) {
        patch = mtv_patch_precopy_interval(strtol(value, NULL, 10));
    } else {
        patch = cJSON_CreateObject();
        cJSON_AddNullToObject(cJSON_AddObjectToObject(patch, "spec"), "controller_precopy_interval");
    }
    int rc = k8s_patch(s->k8s, &K8S_FORKLIFTCONTROLLER, s->mtv_ns, CONTROLLER_NAME, K8S_PATCH_MERGE,
                       patch, NULL, NULL, err);
    cJSON_Delete(patch);
    if (rc != 0)
        mtv_err_prefix(err, "setting the ForkliftController precopy interval");
    return rc == 0 ? 0 : -1;
}

int mtv_shared_precopy_acquire(mtv_session *s, long minutes, mtv_err *err)
{
    mtv_shared *sh = s->shared;
    pthread_mutex_lock(&sh->lock);
    cJSON *fc = NULL;
    int rc = k8s_get(s->k8s, &K8S_FORKLIFTCONTROLLER, s->mtv_ns, CONTROLLER_NAME, &fc, err);
    if (rc != 0) {
        mtv_err_prefix(err, "reading the ForkliftController for the warm precopy interval");
        pthread_mutex_unlock(&sh->lock);
        return -1;
    }
    char now[32], want[32];
    interval_text(fc, now);
    snprintf(want, sizeof want, "%ld", minutes);
    cJSON_Delete(fc);
    rc = 0;
    if (strcmp(now, want)) {
        log_info("ForkliftController: precopy interval %s -> %s minutes", *now ? now : "(default)", want);
        rc = patch_interval(s, want, err);
        if (rc == 0 && !sh->changed) {
            sh->changed = 1;
            snprintf(sh->original, sizeof sh->original, "%s", now);
        }
    }
    if (rc == 0) {
        sh->users++;
        s->precopy_held = 1;
    }
    pthread_mutex_unlock(&sh->lock);
    return rc;
}

void mtv_shared_precopy_release(mtv_session *s)
{
    if (!s->precopy_held)
        return;
    s->precopy_held = 0;
    mtv_shared *sh = s->shared;
    pthread_mutex_lock(&sh->lock);
    sh->users--;
    char value[40];
    int revert;
    if (transport_get_mode(s->t) == TRANSPORT_REPLAY) {
        const char *v = transport_var_get(s->t, REVERT_VAR);
        revert = v && strncmp(v, "none", 4);
        snprintf(value, sizeof value, "%s", revert && !strncmp(v, "to:", 3) ? v + 3 : "");
    } else {
        revert = sh->users == 0 && sh->changed;
        snprintf(value, sizeof value, "%s", sh->original);
        char var[48];
        snprintf(var, sizeof var, revert ? "to:%s" : "none", value);
        mtv_err verr;
        if (transport_var_set(s->t, REVERT_VAR, var, &verr) < 0)
            log_error("%s", verr.msg);
    }
    if (revert) {
        mtv_err err;
        log_info("ForkliftController: precopy interval back to %s", *value ? value : "(default)");
        if (patch_interval(s, value, &err) < 0)
            log_error("%s", err.msg);
        sh->changed = 0;
    }
    pthread_mutex_unlock(&sh->lock);
}
