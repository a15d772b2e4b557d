/* context: see context.h. Everything is masked through the logger's secret
 * registry before it is handed out, so a context can be journaled as is. */
#include "runner/context.h"

#include <stdlib.h>
#include <string.h>

#include "k8s/kubeconfig.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

static char *masked_print(const cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);
    if (!text)
        abort();
    strbuf m = STRBUF_INIT;
    secrets_mask(log_secrets(), text, strlen(text), &m);
    cJSON_free(text);
    return sb_detach(&m, NULL);
}

char *run_context_text(const run_env *env, const selected *sel, const char *xfail)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "format", RUN_CONTEXT_FORMAT);
    cJSON_AddStringToObject(c, "scenario", sel->sc->name);
    cJSON_AddStringToObject(c, "test_name", sel->test_name);
    cJSON_AddItemToObject(c, "scenario_file", cJSON_Duplicate(sel->sc->doc.root, 1));
    if (env->set && env->set->values)
        cJSON_AddItemToObject(c, "settings", cJSON_Duplicate(env->set->values, 1));
    if (env->provider) {
        cJSON_AddStringToObject(c, "provider_key", env->provider_key ? env->provider_key : env->provider->key);
        cJSON *p = cJSON_Duplicate(env->provider->json, 1);
        if (env->provider->copyoffload) {   /* as resolved with the environment */
            cJSON_DeleteItemFromObjectCaseSensitive(p, "copyoffload");
            cJSON_AddItemToObject(p, "copyoffload", cJSON_Duplicate(env->provider->copyoffload, 1));
        }
        cJSON_AddItemToObject(c, "provider", p);
        /* an ESXi entry clones through another entry: replay needs it too */
        const char *cp = provider_str(env->provider, "clone_provider");
        mtv_err e;
        const provider_entry *ce = cp && env->providers ? providers_get(env->providers, cp, &e) : NULL;
        if (ce) {
            cJSON *o = cJSON_AddObjectToObject(c, "clone_provider");
            cJSON_AddStringToObject(o, "key", cp);
            cJSON_AddItemToObject(o, "entry", cJSON_Duplicate(ce->json, 1));
        }
    }
    if (env->storage_class)
        cJSON_AddStringToObject(c, "storage_class", env->storage_class);
    if (xfail)
        cJSON_AddStringToObject(c, "xfail", xfail);
    if (env->kc) {
        cJSON *k = cJSON_AddObjectToObject(c, "cluster");
        if (env->kc->server)
            cJSON_AddStringToObject(k, "server", env->kc->server);
        if (env->kc->namespace_)
            cJSON_AddStringToObject(k, "namespace", env->kc->namespace_);
    }
    char *text = masked_print(c);
    cJSON_Delete(c);
    return text;
}

char *run_verdicts_text(const scenario_result *s)
{
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "scenario", s->scenario);
    cJSON_AddStringToObject(v, "test_name", s->test_name);
    cJSON *steps = cJSON_AddArrayToObject(v, "steps");
    for (size_t i = 0; i < s->n_steps; i++) {
        cJSON *st = cJSON_CreateObject();
        cJSON_AddStringToObject(st, "name", s->steps[i].name);
        cJSON_AddStringToObject(st, "status", step_status_name(s->steps[i].status));
        if (s->steps[i].message)
            cJSON_AddStringToObject(st, "message", s->steps[i].message);
        cJSON_AddItemToArray(steps, st);
    }
    char *text = masked_print(v);
    cJSON_Delete(v);
    return text;
}

static char *dup_str(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

/* A recorded secret is only its "<redacted:LABEL>" placeholder. Replay puts
 * a stand-in value there, registered under the same label, so the requests
 * it builds redact to the very bytes the recording holds (a placeholder
 * itself would be left alone by the redaction rules). */
static void stand_in_secrets(cJSON *node)
{
    for (cJSON *c = node ? node->child : NULL; c; c = c->next) {
        if (!cJSON_IsString(c)) {
            stand_in_secrets(c);
            continue;
        }
        const char *v = c->valuestring;
        if (!strstr(v, "<redacted:"))
            continue;
        strbuf out = STRBUF_INIT;
        while (*v) {
            const char *p = strstr(v, "<redacted:");
            const char *end = p ? strchr(p, '>') : NULL;
            if (!p || !end) {
                sb_adds(&out, v);
                break;
            }
            sb_add(&out, v, (size_t)(p - v));
            strbuf label = STRBUF_INIT, value = STRBUF_INIT;
            sb_add(&label, p + 10, (size_t)(end - p - 10));
            sb_addf(&value, "replay-secret-%s", label.buf);
            secrets_add(log_secrets(), label.buf, value.buf);
            sb_add(&out, value.buf, value.len);
            sb_release(&label);
            sb_release(&value);
            v = end + 1;
        }
        cJSON_SetValuestring(c, out.buf);
        sb_release(&out);
    }
}

static int write_json(const char *path, const cJSON *o, mtv_err *err)
{
    char *text = cJSON_Print(o);
    if (!text)
        abort();
    int rc = fs_write_atomic(path, text, strlen(text), err);
    cJSON_free(text);
    return rc;
}

int run_context_restore(const char *text, const char *cassette, const char *dir, run_context *out,
                        mtv_err *err)
{
    memset(out, 0, sizeof *out);
    cJSON *c = cJSON_Parse(text ? text : "");
    const char *fmt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "format"));
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(c, "scenario_file");
    out->scenario = dup_str(c, "scenario");
    if (!c || !fmt || strcmp(fmt, RUN_CONTEXT_FORMAT) || !cJSON_IsObject(file) || !out->scenario ||
        strchr(out->scenario, '/') || out->scenario[0] == '.') {
        cJSON_Delete(c);
        run_context_free(out);
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s holds no usable run context (variable %s): it was not recorded by "
                           "'mtv-validate run', or by an incompatible version",
                           cassette, RUN_CONTEXT_VAR);
    }
    stand_in_secrets(c);
    out->test_name = dup_str(c, "test_name");
    out->provider_key = dup_str(c, "provider_key");
    out->storage_class = dup_str(c, "storage_class");
    out->xfail = dup_str(c, "xfail");
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(c, "cluster");
    out->server = dup_str(cl, "server");
    out->cluster_namespace = dup_str(cl, "namespace");

    strbuf cat = STRBUF_INIT, p = STRBUF_INIT;
    fs_join(&cat, dir, "catalog");
    int rc = fs_mkdir_p(cat.buf, 0755, err);
    fs_join(&p, cat.buf, "settings.json");
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(c, "settings");
    if (rc == 0 && !fs_exists(p.buf)) {
        cJSON *empty = cJSON_CreateObject();
        rc = write_json(p.buf, cJSON_IsObject(set) ? set : empty, err);
        cJSON_Delete(empty);
    }
    if (rc == 0) {
        sb_reset(&p);
        sb_addf(&p, "%s/%s.json", cat.buf, out->scenario);
        rc = write_json(p.buf, file, err);
    }
    const cJSON *prov = cJSON_GetObjectItemCaseSensitive(c, "provider");
    const cJSON *clone = cJSON_GetObjectItemCaseSensitive(c, "clone_provider");
    const char *clone_key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(clone, "key"));
    const cJSON *clone_entry = cJSON_GetObjectItemCaseSensitive(clone, "entry");
    if (rc == 0 && out->provider_key && cJSON_IsObject(prov)) {
        fs_join(&p, dir, "providers.json");
        cJSON *all = NULL;
        strbuf old = STRBUF_INIT;
        if (fs_exists(p.buf) && fs_read_file(p.buf, &old, err) == 0)
            all = cJSON_Parse(old.buf ? old.buf : "");
        sb_release(&old);
        if (!cJSON_IsObject(all)) {
            cJSON_Delete(all);
            all = cJSON_CreateObject();
        }
        cJSON_DeleteItemFromObjectCaseSensitive(all, out->provider_key);
        cJSON_AddItemToObject(all, out->provider_key, cJSON_Duplicate(prov, 1));
        if (clone_key && cJSON_IsObject(clone_entry) && strcmp(clone_key, out->provider_key)) {
            cJSON_DeleteItemFromObjectCaseSensitive(all, clone_key);
            cJSON_AddItemToObject(all, clone_key, cJSON_Duplicate(clone_entry, 1));
        }
        rc = write_json(p.buf, all, err);
        cJSON_Delete(all);
    }
    if (rc < 0)
        mtv_err_prefix(err, "restoring the run context of %s", cassette);
    sb_release(&cat);
    sb_release(&p);
    cJSON_Delete(c);
    if (rc < 0)
        run_context_free(out);
    return rc;
}

void run_context_free(run_context *c)
{
    free(c->scenario);
    free(c->test_name);
    free(c->provider_key);
    free(c->storage_class);
    free(c->server);
    free(c->cluster_namespace);
    free(c->xfail);
    memset(c, 0, sizeof *c);
}

int run_verdicts_add(run_results *r, const char *text, const char *cassette, mtv_err *err)
{
    cJSON *v = cJSON_Parse(text ? text : "");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "scenario"));
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(v, "steps");
    if (!name || !cJSON_IsArray(steps)) {
        cJSON_Delete(v);
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s holds no recorded verdicts (variable %s): the recording did not "
                           "finish the scenario",
                           cassette, RUN_VERDICTS_VAR);
    }
    scenario_result *s = results_add_scenario(
        r, name, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "test_name")), NULL);
    scenario_set_cassette(s, cassette);
    int i = 0;
    for (const cJSON *st = steps->child; st; st = st->next, i++) {
        enum step_status status;
        const char *sn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "name"));
        if (!sn || step_status_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "status")),
                                     &status) < 0) {
            cJSON_Delete(v);
            return mtv_err_set(err, MTV_EXIT_USAGE, "%s: recorded verdict %d is malformed", cassette, i);
        }
        scenario_add_step(s, sn, NULL, status,
                          cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "message")), NULL,
                          NULL, 0, 0);
    }
    cJSON_Delete(v);
    return 0;
}
