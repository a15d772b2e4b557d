/*
 * lab_ctl_hook: hooks as the plan controller runs them (forklift.md 6):
 * a ConfigMap with playbook.yml, plan.yml and workload.yml, a Job owned by
 * the Plan (backoffLimit 1, generateName <plan>-<vm>-<step>-) and its Pod,
 * all labelled plan, migration, vmID, step, hook and resource. The lab has
 * no Ansible: it decodes the base64 playbook, parses the YAML and decides
 * the outcome from the tasks: a `fail` (or ansible.builtin.fail) task that
 * is not switched off by `when: false` fails the hook with its msg;
 * anything else succeeds. AAP hooks (spec.aap) are not called; they
 * succeed.
 */
#include "lab/lab_ctl_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/log.h"
#include "util/yamldoc.h"

typedef struct hook_result {
    int fails;
    char *message;
} hook_result;

static int when_false(const cJSON *task)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(task, "when");
    return cJSON_IsFalse(w) || (cJSON_IsString(w) && !strcasecmp(w->valuestring, "false"));
}

/* Finds the first failing task in a task list (blocks included). */
static const cJSON *failing(const cJSON *tasks)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, tasks)
    {
        if (!cJSON_IsObject(t) || when_false(t))
            continue;
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(t, "fail");
        if (!f)
            f = cJSON_GetObjectItemCaseSensitive(t, "ansible.builtin.fail");
        if (f)
            return f;
        static const char *const nested[] = {"block", "rescue", "always", NULL};
        for (const char *const *k = nested; *k; k++) {
            const cJSON *inner = failing(cJSON_GetObjectItemCaseSensitive(t, *k));
            if (inner)
                return inner;
        }
    }
    return NULL;
}

int ctl_playbook_check(const char *b64, int *fails, strbuf *why)
{
    *fails = 0;
    strbuf text = STRBUF_INIT;
    if (b64_decode(&text, b64, strlen(b64)) < 0) {
        sb_adds(why, "The playbook is not valid: it is not base64.");
        sb_release(&text);
        return -1;
    }
    cJSON *docs = NULL;
    mtv_err err;
    mtv_err_clear(&err);
    int rc = 0;
    if (yamldoc_parse("playbook.yml", text.buf ? text.buf : "", text.len, &docs, &err) < 0) {
        sb_addf(why, "The playbook is not valid: %s", err.msg);
        rc = -1;
    } else {
        const cJSON *plays = cJSON_GetArrayItem(docs, 0);
        if (!cJSON_IsArray(plays)) {
            sb_adds(why, "The playbook is not valid: expected a list of plays.");
            rc = -1;
        } else {
            const cJSON *play;
            cJSON_ArrayForEach(play, plays)
            {
                static const char *const lists[] = {"pre_tasks", "tasks", "post_tasks", NULL};
                for (const char *const *k = lists; *k && !*fails; k++) {
                    const cJSON *f = failing(cJSON_GetObjectItemCaseSensitive(play, *k));
                    if (f) {
                        *fails = 1;
                        const char *msg = cJSON_IsString(f) ? f->valuestring
                                                            : cJSON_GetStringValue(cJSON_GetObjectItem(f, "msg"));
                        sb_adds(why, msg ? msg : "Failed as requested from task");
                    }
                }
            }
        }
    }
    cJSON_Delete(docs);
    sb_release(&text);
    return rc;
}

static const cJSON *hook_ref(const cJSON *spec_vm, const char *step)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(spec_vm, "hooks"))
    {
        if (!strcmp(js(h, "step"), step))
            return cJSON_GetObjectItem(h, "hook");
    }
    return NULL;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static cJSON *labels(const cJSON *plan, const cJSON *mig, const char *vm_id, const char *step,
                     const cJSON *hook)
{
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "plan", jpath_str(plan, "metadata.uid"));
    cJSON_AddStringToObject(l, "migration", jpath_str(mig, "metadata.uid"));
    cJSON_AddStringToObject(l, "vmID", vm_id);
    cJSON_AddStringToObject(l, "step", step);
    cJSON_AddStringToObject(l, "hook", jpath_str(hook, "metadata.uid"));
    cJSON_AddStringToObject(l, "resource", "hook-config");
    return l;
}

static cJSON *obj(const char *api, const char *kind, const char *ns, const char *gen)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", api);
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON *m = cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(m, "generateName", gen);
    cJSON_AddStringToObject(m, "namespace", ns);
    return o;
}

int ctl_hook_start(lab_ctl *c, const cJSON *plan, const cJSON *mig, const cJSON *spec_vm,
                   const char *vm_id, const char *step, cJSON *workload, char **job_out,
                   mtv_err *err)
{
    *job_out = NULL;
    const char *pns = jpath_str(plan, "metadata.namespace");
    const cJSON *ref = hook_ref(spec_vm, step);
    cJSON *hook = ref ? ctl_get(c, c->k_hook, *js(ref, "namespace") ? js(ref, "namespace") : pns,
                                js(ref, "name"))
                      : NULL;
    if (!hook) {
        cJSON_Delete(workload);
        return mtv_err_set(err, MTV_EXIT_ENV, "the %s hook was not found", step);
    }
    const cJSON *hspec = cJSON_GetObjectItem(hook, "spec");
    hook_result *res = calloc(1, sizeof *res);
    if (!res)
        abort();
    const char *pb = js(hspec, "playbook");
    strbuf why = STRBUF_INIT;
    if (*pb && ctl_playbook_check(pb, &res->fails, &why) < 0)
        res->fails = 1;
    res->message = why.buf ? sb_detach(&why, NULL) : NULL;
    strbuf gen = STRBUF_INIT;
    sb_addf(&gen, "%s-%s-%s-", jpath_str(plan, "metadata.name"), vm_id, step);
    lower(gen.buf);
    /* ConfigMap */
    cJSON *cm = obj("v1", "ConfigMap", pns, gen.buf);
    cJSON_AddItemToObject(cJSON_GetObjectItem(cm, "metadata"), "labels",
                          labels(plan, mig, vm_id, step, hook));
    cJSON *data = cJSON_AddObjectToObject(cm, "data");
    strbuf text = STRBUF_INIT;
    b64_decode(&text, pb, strlen(pb));
    cJSON_AddStringToObject(data, "playbook.yml", text.buf ? text.buf : "");
    sb_release(&text);
    char *plan_txt = cJSON_Print(cJSON_GetObjectItem(plan, "spec"));
    cJSON_AddStringToObject(data, "plan.yml", plan_txt ? plan_txt : "{}");
    free(plan_txt);
    char *wl_txt = workload ? cJSON_Print(workload) : NULL;
    cJSON_AddStringToObject(data, "workload.yml", wl_txt ? wl_txt : "{}");
    free(wl_txt);
    cJSON_Delete(workload);
    char *cm_name = NULL;
    ctl_create(c, c->k_cm, pns, cm, &cm_name);
    /* Job */
    cJSON *job = obj("batch/v1", "Job", pns, gen.buf);
    cJSON *jm = cJSON_GetObjectItem(job, "metadata");
    cJSON_AddItemToObject(jm, "labels", labels(plan, mig, vm_id, step, hook));
    cJSON_AddItemToObject(jm, "ownerReferences",
                          ctl_owner_refs("forklift.konveyor.io/v1beta1", "Plan",
                                         jpath_str(plan, "metadata.name"),
                                         jpath_str(plan, "metadata.uid"), 0));
    cJSON *js_ = cJSON_AddObjectToObject(job, "spec");
    cJSON_AddNumberToObject(js_, "backoffLimit", 1);
    const cJSON *deadline = cJSON_GetObjectItem(hspec, "deadline");
    if (cJSON_IsNumber(deadline) && deadline->valuedouble > 0)
        cJSON_AddNumberToObject(js_, "activeDeadlineSeconds", deadline->valuedouble);
    cJSON *tmpl = cJSON_AddObjectToObject(js_, "template");
    cJSON *ts = cJSON_AddObjectToObject(tmpl, "spec");
    cJSON_AddStringToObject(ts, "restartPolicy", "Never");
    if (*js(hspec, "serviceAccount"))
        cJSON_AddStringToObject(ts, "serviceAccountName", js(hspec, "serviceAccount"));
    cJSON *ctrs = cJSON_AddArrayToObject(ts, "containers");
    cJSON *ctr = cJSON_CreateObject();
    cJSON_AddStringToObject(ctr, "name", "hook");
    cJSON_AddStringToObject(ctr, "image", *js(hspec, "image") ? js(hspec, "image")
                                                              : "quay.io/konveyor/hook-runner");
    cJSON *mounts = cJSON_AddArrayToObject(ctr, "volumeMounts");
    cJSON *mnt = cJSON_CreateObject();
    cJSON_AddStringToObject(mnt, "name", "hook");
    cJSON_AddStringToObject(mnt, "mountPath", "/tmp/hook");
    cJSON_AddItemToArray(mounts, mnt);
    cJSON_AddItemToArray(ctrs, ctr);
    cJSON *vols = cJSON_AddArrayToObject(ts, "volumes");
    cJSON *vol = cJSON_CreateObject();
    cJSON_AddStringToObject(vol, "name", "hook");
    cJSON *cmv = cJSON_AddObjectToObject(vol, "configMap");
    cJSON_AddStringToObject(cmv, "name", cm_name ? cm_name : "");
    cJSON_AddItemToArray(vols, vol);
    cJSON *pod_spec = cJSON_Duplicate(ts, 1);
    char *job_name = NULL;
    int code = ctl_create(c, c->k_job, pns, job, &job_name);
    if (code != 201) {
        cJSON_Delete(pod_spec);
        free(cm_name);
        free(res->message);
        free(res);
        sb_release(&gen);
        cJSON_Delete(hook);
        return mtv_err_set(err, MTV_EXIT_ENV, "creating the %s hook Job failed (HTTP %d)", step,
                           code);
    }
    cJSON *jst = cJSON_CreateObject();
    cJSON_AddNumberToObject(jst, "active", 1);
    char now[32];
    ctl_now_str(c, now);
    cJSON_AddStringToObject(jst, "startTime", now);
    ctl_write_status(c, c->k_job, pns, job_name, jst);
    cJSON *job_obj = ctl_get(c, c->k_job, pns, job_name);
    /* the ConfigMap belongs to the Job */
    cJSON *cmo = ctl_get(c, c->k_cm, pns, cm_name);
    if (cmo) {
        cJSON *m = cJSON_GetObjectItem(cmo, "metadata");
        cJSON_AddItemToObject(m, "ownerReferences",
                              ctl_owner_refs("batch/v1", "Job", job_name, jpath_str(job_obj, "metadata.uid"), 0));
        cJSON_DeleteItemFromObjectCaseSensitive(m, "resourceVersion");
        ctl_update(c, c->k_cm, pns, cm_name, cmo);
    }
    /* its Pod */
    strbuf pgen = STRBUF_INIT;
    sb_addf(&pgen, "%s-", job_name);
    cJSON *pod = obj("v1", "Pod", pns, pgen.buf);
    cJSON *pm = cJSON_GetObjectItem(pod, "metadata");
    cJSON *pl = labels(plan, mig, vm_id, step, hook);
    cJSON_AddStringToObject(pl, "job-name", job_name);
    cJSON_AddStringToObject(pl, "controller-uid", jpath_str(job_obj, "metadata.uid"));
    cJSON_AddItemToObject(pm, "labels", pl);
    cJSON_AddItemToObject(pm, "ownerReferences",
                          ctl_owner_refs("batch/v1", "Job", job_name, jpath_str(job_obj, "metadata.uid"), 0));
    cJSON_AddStringToObject(pod_spec, "nodeName", "worker-0");
    cJSON_AddItemToObject(pod, "spec", pod_spec);
    char *pod_name = NULL;
    if (ctl_create(c, c->k_pod, pns, pod, &pod_name) == 201) {
        cJSON *pst = cJSON_CreateObject();
        cJSON_AddStringToObject(pst, "phase", "Running");
        cJSON_AddStringToObject(pst, "startTime", now);
        ctl_write_status(c, c->k_pod, pns, pod_name, pst);
    }
    strbuf key = STRBUF_INIT;
    sb_addf(&key, "%s/%s", pns, job_name);
    hook_result *prev = strmap_put(&c->hooks, key.buf, res);
    if (prev) {
        free(prev->message);
        free(prev);
    }
    sb_release(&key);
    log_info("lab controller: %s hook %s started for VM %s (Job %s/%s)", step,
             jpath_str(hook, "metadata.name"), vm_id, pns, job_name);
    *job_out = job_name;
    free(pod_name);
    sb_release(&pgen);
    cJSON_Delete(job_obj);
    free(cm_name);
    sb_release(&gen);
    cJSON_Delete(hook);
    return 0;
}

int ctl_hook_finish(lab_ctl *c, const char *ns, const char *job, const char **reason)
{
    *reason = NULL;
    strbuf key = STRBUF_INIT;
    sb_addf(&key, "%s/%s", ns, job);
    hook_result *res = strmap_get(&c->hooks, key.buf);
    sb_release(&key);
    int ok = !res || !res->fails;
    char now[32];
    ctl_now_str(c, now);
    cJSON *pods = ctl_list(c, c->k_pod, ns);
    const cJSON *p;
    cJSON_ArrayForEach(p, pods)
    {
        if (strcmp(jpath_str(p, "metadata.labels.job-name"), job))
            continue;
        cJSON *pst = cJSON_CreateObject();
        cJSON_AddStringToObject(pst, "phase", ok ? "Succeeded" : "Failed");
        cJSON_AddStringToObject(pst, "startTime", jpath_str(p, "status.startTime"));
        cJSON *cs = cJSON_AddArrayToObject(pst, "containerStatuses");
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", "hook");
        cJSON *state = cJSON_AddObjectToObject(s, "state");
        cJSON *term = cJSON_AddObjectToObject(state, "terminated");
        cJSON_AddNumberToObject(term, "exitCode", ok ? 0 : 2);
        cJSON_AddStringToObject(term, "reason", ok ? "Completed" : "Error");
        if (!ok && res && res->message)
            cJSON_AddStringToObject(term, "message", res->message);
        cJSON_AddStringToObject(term, "finishedAt", now);
        cJSON_AddItemToArray(cs, s);
        ctl_write_status(c, c->k_pod, ns, jpath_str(p, "metadata.name"), pst);
    }
    cJSON_Delete(pods);
    cJSON *jst = cJSON_CreateObject();
    cJSON_AddNumberToObject(jst, ok ? "succeeded" : "failed", ok ? 1 : 2);
    cJSON_AddStringToObject(jst, "completionTime", now);
    cJSON *conds = cJSON_AddArrayToObject(jst, "conditions");
    cJSON *cnd = cJSON_CreateObject();
    cJSON_AddStringToObject(cnd, "type", ok ? "Complete" : "Failed");
    cJSON_AddStringToObject(cnd, "status", "True");
    if (!ok) {
        cJSON_AddStringToObject(cnd, "reason", "BackoffLimitExceeded");
        cJSON_AddStringToObject(cnd, "message", "Job has reached the specified backoff limit");
        *reason = "Job has reached the specified backoff limit";
    }
    cJSON_AddStringToObject(cnd, "lastTransitionTime", now);
    cJSON_AddItemToArray(conds, cnd);
    ctl_write_status(c, c->k_job, ns, job, jst);
    return ok;
}

void ctl_hooks_free(lab_ctl *c)
{
    const char *k;
    void *v;
    for (size_t i = 0; strmap_next(&c->hooks, &i, &k, &v);) {
        hook_result *r = v;
        free(r->message);
        free(r);
    }
    strmap_free(&c->hooks);
}
