/* The Kubernetes client against the real lab (src/lab) over HTTPS, with the
 * kubeconfig the lab writes: Namespace and Plan create, get, list (paged),
 * merge and JSON patches, status, conflicts, update, watch, wait and delete
 * with a finalizer; a watch that resumes from too old a version and gets a
 * real 410; the OAuth login against the lab's OAuth endpoints; and a
 * recorded one-hour wait replayed after the lab is gone. The lab runs in
 * this process so no server can outlive a test. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/client.h"
#include "k8s/oauth.h"
#include "lab/lab_server.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/log.h"

static lab_server *lab;
static transport *tp;
static kube_config kc;
static k8s_client *cl;
static char dir[4096];

static void start_lab(size_t window)
{
    log_set_level(LOG_WARN);
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    strbuf state = STRBUF_INIT;
    fs_join(&state, dir, "state");
    const char *crds = tu_shared("reference/forklift-crds");
    lab_server_config cfg = {.state_dir = state.buf, .bookmark_interval_ms = 100,
                             .event_window = window, .crds_dir = fs_is_dir(crds) ? crds : NULL};
    mtv_err err;
    cr_assert_eq(lab_server_new(&cfg, &lab, &err), 0, "%s", err.msg);
    cr_assert_eq(lab_server_start(lab, &err), 0, "%s", err.msg);
    sb_release(&state);
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&tp, &tc, &err), 0, "%s", err.msg);
    cr_assert_eq(kubeconfig_load(&kc, lab_server_kubeconfig_path(lab), NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(k8s_client_new(&cl, &kc, tp, &err), 0, "%s", err.msg);
}

static void setup(void) { start_lab(0); }
static void setup_small_window(void) { start_lab(16); }

static void teardown(void)
{
    k8s_client_free(cl);
    kubeconfig_free(&kc);
    transport_free(tp);
    if (lab) {
        lab_server_stop(lab);
        lab_server_free(lab);
    }
    lab = NULL;
}

TestSuite(k8s_lab, .init = setup, .fini = teardown, .timeout = 120);
TestSuite(k8s_lab_window, .init = setup_small_window, .fini = teardown, .timeout = 120);

static cJSON *json(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j, "bad test JSON: %s", text);
    return j;
}

static cJSON *plan_body(const char *ns, const char *name, const char *warm)
{
    strbuf b = STRBUF_INIT;
    sb_addf(&b, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"labels\":{\"suite\":\"k8s\"}},"
                "\"spec\":{\"provider\":{\"source\":{\"name\":\"vsphere\",\"namespace\":\"%s\"},"
                "\"destination\":{\"name\":\"host\",\"namespace\":\"%s\"}},"
                "\"map\":{\"network\":{\"name\":\"net\",\"namespace\":\"%s\"},"
                "\"storage\":{\"name\":\"st\",\"namespace\":\"%s\"}},"
                "\"targetNamespace\":\"%s\",\"vms\":[{\"id\":\"vm-42\"}],\"warm\":%s}}",
            name, ns, ns, ns, ns, ns, ns, warm);
    cJSON *j = json(b.buf);
    sb_release(&b);
    return j;
}

static void create_namespace(const char *name)
{
    strbuf b = STRBUF_INIT;
    sb_addf(&b, "{\"metadata\":{\"name\":\"%s\"}}", name);
    cJSON *ns = json(b.buf);
    mtv_err err;
    cr_assert_eq(k8s_create(cl, &K8S_NAMESPACE, NULL, ns, NULL, &err), 0, "%s", err.msg);
    cJSON_Delete(ns);
    sb_release(&b);
}

static int add_annotation(void *ud, cJSON *obj, mtv_err *err)
{
    (void)ud;
    (void)err;
    cJSON *meta = cJSON_GetObjectItem(obj, "metadata");
    cJSON *ann = cJSON_GetObjectItem(meta, "annotations");
    if (!ann)
        ann = cJSON_AddObjectToObject(meta, "annotations");
    cJSON_AddStringToObject(ann, "mtv-validate/checked", "yes");
    return 0;
}

Test(k8s_lab, plan_and_namespace_lifecycle)
{
    mtv_err err;
    create_namespace("k8s-it");
    cJSON *dup = json("{\"metadata\":{\"name\":\"k8s-it\"}}");
    cr_assert_eq(k8s_create(cl, &K8S_NAMESPACE, NULL, dup, NULL, &err), K8S_EXISTS);
    cr_assert(strstr(err.msg, "Namespace k8s-it: 409 AlreadyExists"), "%s", err.msg);
    cJSON_Delete(dup);

    cJSON *plan = plan_body("k8s-it", "p1", "false");
    cJSON *created = NULL;
    cr_assert_eq(k8s_create(cl, &K8S_PLAN, NULL, plan, &created, &err), 0, "%s", err.msg);
    cr_assert_not_null(k8s_obj_str(created, "metadata.uid"));
    cJSON_Delete(created);
    cJSON_Delete(plan);

    cJSON *got = NULL;
    cr_assert_eq(k8s_get(cl, &K8S_PLAN, "k8s-it", "p1", &got, &err), 0, "%s", err.msg);
    cr_assert_str_eq(k8s_obj_str(got, "spec.targetNamespace"), "k8s-it");
    char *stale_rv = strdup(k8s_obj_str(got, "metadata.resourceVersion"));

    cJSON *merge = json("{\"spec\":{\"warm\":true}}");
    cr_assert_eq(k8s_patch(cl, &K8S_PLAN, "k8s-it", "p1", K8S_PATCH_MERGE, merge, NULL, NULL, &err), 0, "%s", err.msg);
    cJSON *jp = json("[{\"op\":\"add\",\"path\":\"/metadata/labels/stage\",\"value\":\"patched\"}]");
    cr_assert_eq(k8s_patch(cl, &K8S_PLAN, "k8s-it", "p1", K8S_PATCH_JSON, jp, NULL, NULL, &err), 0, "%s", err.msg);
    cJSON_Delete(merge);
    cJSON_Delete(jp);

    /* the object moved on: a PUT with the old resourceVersion conflicts */
    cr_assert_eq(k8s_replace(cl, &K8S_PLAN, "k8s-it", "p1", got, NULL, NULL, &err), K8S_CONFLICT);
    cr_assert(strstr(err.msg, "Plan k8s-it/p1: 409 Conflict"), "%s", err.msg);
    cJSON_Delete(got);
    cr_assert_eq(k8s_update(cl, &K8S_PLAN, "k8s-it", "p1", add_annotation, NULL, &err), 0, "%s", err.msg);

    cJSON *status = json("{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
                         "\"category\":\"Required\",\"lastTransitionTime\":\"2026-11-27T10:00:00Z\","
                         "\"reason\":\"Ok\",\"message\":\"The migration plan is ready.\"}]}}");
    cr_assert_eq(k8s_patch(cl, &K8S_PLAN, "k8s-it", "p1", K8S_PATCH_MERGE, status, "status", NULL, &err), 0,
                 "%s", err.msg);
    cJSON_Delete(status);

    k8s_list_opts lo = {.label_selector = "suite=k8s,stage=patched"};
    cJSON *list = NULL;
    cr_assert_eq(k8s_list(cl, &K8S_PLAN, NULL, &lo, &list, &err), 0, "%s", err.msg);
    cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItem(list, "items"), 0);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(list, "items")), 1);
    cr_assert_eq(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "spec"), "warm")), 1);
    cr_assert_str_eq(k8s_obj_str(item, "metadata.annotations.mtv-validate/checked"), "yes");
    cr_assert(k8s_condition_true(item, "Ready"));
    cr_assert_str_neq(k8s_obj_str(item, "metadata.resourceVersion"), stale_rv);
    cJSON_Delete(list);
    free(stale_rv);

    /* a finalizer keeps it until removed: delete, then wait while it goes */
    cJSON *fin = json("{\"metadata\":{\"finalizers\":[\"mtv-validate/test\"]}}");
    cr_assert_eq(k8s_patch(cl, &K8S_PLAN, "k8s-it", "p1", K8S_PATCH_MERGE, fin, NULL, NULL, &err), 0, "%s", err.msg);
    cJSON_Delete(fin);
    cr_assert_eq(k8s_delete(cl, &K8S_PLAN, "k8s-it", "p1", "Foreground", &err), 0, "%s", err.msg);
    cr_assert_eq(k8s_wait_deleted(cl, &K8S_PLAN, "k8s-it", "p1", 500, &err), -1);
    cr_assert(strstr(err.msg, "to be deleted; it is still there: deletionTimestamp "), "%s", err.msg);
    cr_assert(strstr(err.msg, "finalizers [mtv-validate/test]"), "%s", err.msg);
    cJSON *unfin = json("[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
    cr_assert_eq(k8s_patch(cl, &K8S_PLAN, "k8s-it", "p1", K8S_PATCH_JSON, unfin, NULL, NULL, &err), 0, "%s", err.msg);
    cJSON_Delete(unfin);
    cr_assert_eq(k8s_wait_deleted(cl, &K8S_PLAN, "k8s-it", "p1", 30000, &err), 0, "%s", err.msg);
    cr_assert_eq(k8s_get(cl, &K8S_PLAN, "k8s-it", "p1", &got, &err), K8S_NOT_FOUND);
    cr_assert(strstr(err.msg, "404 NotFound"), "%s", err.msg);

    cr_assert_eq(k8s_delete(cl, &K8S_NAMESPACE, NULL, "k8s-it", NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(k8s_wait_deleted(cl, &K8S_NAMESPACE, NULL, "k8s-it", 30000, &err), 0, "%s", err.msg);
    cr_assert_eq(k8s_delete(cl, &K8S_NAMESPACE, NULL, "k8s-it", NULL, &err), K8S_NOT_FOUND);
}

Test(k8s_lab, schema_errors_come_back_as_the_servers_message)
{
    if (!fs_is_dir(tu_shared("reference/forklift-crds")))
        cr_skip_test("no Forklift CRDs under %s", tu_shared("reference"));
    create_namespace("k8s-bad");
    cJSON *plan = plan_body("k8s-bad", "p9", "\"yes\"");
    mtv_err err;
    cr_assert_eq(k8s_create(cl, &K8S_PLAN, NULL, plan, NULL, &err), -1);
    cr_assert(strstr(err.msg, "Plan k8s-bad/p9: 422 Invalid: "), "%s", err.msg);
    cr_assert(strstr(err.msg, "spec.warm"), "%s", err.msg);
    cJSON_Delete(plan);
}

Test(k8s_lab, list_pages_through_the_lab)
{
    create_namespace("k8s-pages");
    mtv_err err;
    for (int i = 0; i < 7; i++) {
        strbuf b = STRBUF_INIT;
        sb_addf(&b, "{\"metadata\":{\"name\":\"cm-%d\",\"namespace\":\"k8s-pages\"},\"data\":{\"i\":\"%d\"}}", i, i);
        cJSON *cm = json(b.buf);
        cr_assert_eq(k8s_create(cl, &K8S_CONFIGMAP, NULL, cm, NULL, &err), 0, "%s", err.msg);
        cJSON_Delete(cm);
        sb_release(&b);
    }
    k8s_list_opts lo = {.limit = 3};
    cJSON *list = NULL;
    cr_assert_eq(k8s_list(cl, &K8S_CONFIGMAP, "k8s-pages", &lo, &list, &err), 0, "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(list, "items")), 7);
    cr_assert_not_null(k8s_obj_str(list, "metadata.resourceVersion"));
    cJSON_Delete(list);
}

/* ---- watch and wait --------------------------------------------------------------- */

typedef struct later {
    const char *server_kubeconfig;
    const char *ns, *name;
    int64_t delay_ms;
} later;

/* Marks the plan Ready after a delay, on a client of its own (so a recording
 * of the waiting side holds only the wait). */
static void *make_ready_later(void *ud)
{
    later *l = ud;
    mtv_clock *clk = clock_new_real();
    clock_sleep_ms(clk, l->delay_ms);
    clock_free(clk);
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    mtv_err err;
    kube_config c;
    k8s_client *k;
    if (transport_open(&t, &tc, &err) < 0)
        return NULL;
    if (kubeconfig_load(&c, l->server_kubeconfig, NULL, NULL, &err) == 0) {
        if (k8s_client_new(&k, &c, t, &err) == 0) {
            cJSON *st = cJSON_Parse("{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
                                    "\"category\":\"Required\",\"lastTransitionTime\":\"2026-11-27T10:00:00Z\"}]}}");
            if (k8s_patch(k, &K8S_PLAN, l->ns, l->name, K8S_PATCH_MERGE, st, "status", NULL, &err) < 0)
                log_error("%s", err.msg);
            cJSON_Delete(st);
            k8s_client_free(k);
        }
        kubeconfig_free(&c);
    }
    transport_free(t);
    return NULL;
}

static int plan_ready(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)err;
    int *calls = ud;
    (*calls)++;
    return k8s_condition_true(obj, "Ready");
}

static int wait_ready(k8s_client *c, const char *ns, const char *name, int *calls, mtv_err *err)
{
    return k8s_wait_for(c, &K8S_PLAN, ns, name, plan_ready, NULL, calls, 3600 * 1000, err);
}

Test(k8s_lab, a_recorded_one_hour_wait_replays_without_the_lab)
{
    create_namespace("k8s-wait");
    cJSON *plan = plan_body("k8s-wait", "p1", "false");
    mtv_err err;
    cr_assert_eq(k8s_create(cl, &K8S_PLAN, NULL, plan, NULL, &err), 0, "%s", err.msg);
    cJSON_Delete(plan);

    strbuf journal = STRBUF_INIT, bundle = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle, dir, "wait.tar");
    transport_config rec = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf, .scenario = "wait"};
    transport *t;
    cr_assert_eq(transport_open(&t, &rec, &err), 0, "%s", err.msg);
    k8s_client *rc_client;
    cr_assert_eq(k8s_client_new(&rc_client, &kc, t, &err), 0, "%s", err.msg);
    later l = {lab_server_kubeconfig_path(lab), "k8s-wait", "p1", 400};
    pthread_t th;
    pthread_create(&th, NULL, make_ready_later, &l);
    int live_calls = 0;
    cr_assert_eq(wait_ready(rc_client, "k8s-wait", "p1", &live_calls, &err), 0, "%s", err.msg);
    pthread_join(th, NULL);
    cr_assert_geq(live_calls, 2, "not ready at first, ready later");
    k8s_client_free(rc_client);
    cr_assert_eq(transport_finish(t, bundle.buf, NULL, &err), 0, "%s", err.msg);
    transport_free(t);

    /* the lab and its token are gone; the cassette answers */
    size_t n;
    char *bytes = tu_read(bundle.buf, &n);
    cr_assert(!tu_contains(bytes, n, kc.token), "the lab's token reached the cassette");
    free(bytes);
    lab_server_stop(lab);
    transport_config rep = {.mode = TRANSPORT_REPLAY, .cassette_path = bundle.buf};
    cr_assert_eq(transport_open(&t, &rep, &err), 0, "%s", err.msg);
    kube_config other = {.server = "https://api.elsewhere.invalid:6443", .namespace_ = "default"};
    cr_assert_eq(k8s_client_new(&rc_client, &other, t, &err), 0, "%s", err.msg);
    int replay_calls = 0;
    cr_assert_eq(wait_ready(rc_client, "k8s-wait", "p1", &replay_calls, &err), 0, "%s", err.msg);
    cr_assert_eq(replay_calls, live_calls, "the same events in the same order");
    strbuf unused = STRBUF_INIT;
    cr_assert_eq(transport_unused(t, &unused), 0, "%s", sb_str(&unused));
    cr_assert_geq(clock_mono_ms(transport_clock(t)), 400, "the recorded wait is on the virtual clock");
    k8s_client_free(rc_client);
    transport_free(t);
    sb_release(&unused);
    sb_release(&journal);
    sb_release(&bundle);
}

typedef struct count_events {
    int added, modified;
    const char *stop_name;
} count_events;

static int until_named(void *ud, const char *type, const cJSON *obj, mtv_err *err)
{
    (void)err;
    count_events *c = ud;
    if (!strcmp(type, "ADDED"))
        c->added++;
    if (!strcmp(type, "MODIFIED"))
        c->modified++;
    const char *name = k8s_obj_str(obj, "metadata.name");
    return name && !strcmp(name, c->stop_name);
}

Test(k8s_lab_window, a_too_old_resource_version_gets_410_and_relists)
{
    create_namespace("k8s-old");
    mtv_err err;
    cJSON *cm = json("{\"metadata\":{\"name\":\"first\",\"namespace\":\"k8s-old\"}}");
    cJSON *out = NULL;
    cr_assert_eq(k8s_create(cl, &K8S_CONFIGMAP, NULL, cm, &out, &err), 0, "%s", err.msg);
    char *old_rv = strdup(k8s_obj_str(out, "metadata.resourceVersion"));
    cJSON_Delete(out);
    cJSON_Delete(cm);
    /* push the first version out of the lab's 16-event window */
    for (int i = 0; i < 40; i++) {
        cJSON *p = json("{\"data\":{\"n\":\"x\"}}");
        cJSON_GetObjectItem(cJSON_GetObjectItem(p, "data"), "n")->valuestring[0] = (char)('a' + i % 26);
        cr_assert_eq(k8s_patch(cl, &K8S_CONFIGMAP, "k8s-old", "first", K8S_PATCH_MERGE, p, NULL, NULL, &err), 0,
                     "%s", err.msg);
        cJSON_Delete(p);
    }
    count_events c = {.stop_name = "first"};
    k8s_watch_opts o = {.resource_version = old_rv, .timeout_ms = 30000};
    cr_assert_eq(k8s_watch(cl, &K8S_CONFIGMAP, "k8s-old", &o, until_named, &c, &err), 0, "%s", err.msg);
    cr_assert_eq(c.added, 1, "the relist delivered the current object as ADDED");
    free(old_rv);
}

/* ---- OAuth login against the lab's OAuth server ----------------------------------- */

Test(k8s_lab, oauth_login_against_the_lab)
{
    lab_auth *a = lab_server_auth(lab);
    kube_config login = {0};
    login.server = strdup(lab_server_url(lab));
    login.ca_data = strdup(lab_server_ca_pem(lab));
    login.username = strdup(lab_auth_username(a));
    login.password = strdup(lab_auth_password(a));
    mtv_err err;
    cr_assert_eq(oauth_login(&login, tp, &err), 0, "%s", err.msg);
    cr_assert(!strncmp(login.token, "sha256~", 7), "%s", login.token);
    k8s_client *c;
    cr_assert_eq(k8s_client_new(&c, &login, tp, &err), 0, "%s", err.msg);
    cJSON *me = NULL;
    cr_assert_eq(k8s_get_raw(c, "/apis/user.openshift.io/v1/users/~", &me, &err), 0, "%s", err.msg);
    cr_assert_str_eq(k8s_obj_str(me, "metadata.name"), lab_auth_username(a));
    cJSON_Delete(me);
    k8s_client_free(c);

    free(login.password);
    login.password = strdup("not-the-password");
    cr_assert_eq(oauth_login(&login, tp, &err), -1);
    cr_assert(strstr(err.msg, "rejected the user name or password"), "%s", err.msg);
    kubeconfig_free(&login);
}
