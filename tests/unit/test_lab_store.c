/* Unit tests for lab_store: the object semantics of the API server
 * (resourceVersion, generation, status subresource, optimistic concurrency,
 * finalizers, namespace termination, garbage collection) and watches
 * (resume, selector transitions, 410 when the window has moved on). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_store.h"

static lab_kinds *kinds;
static lab_store *store;
static const lab_kind *ns_kind, *plan, *cm, *pod;

static time_t fixed_now(void *ud)
{
    (void)ud;
    return 1750000000;
}

static void setup_window(size_t window)
{
    kinds = lab_kinds_new_builtin();
    lab_store_config cfg = {.event_window = window, .now = fixed_now};
    store = lab_store_new(kinds, &cfg);
    ns_kind = lab_kinds_find(kinds, "", "v1", "namespaces");
    plan = lab_kinds_find(kinds, "forklift.konveyor.io", "v1beta1", "plans");
    cm = lab_kinds_find(kinds, "", "v1", "configmaps");
    pod = lab_kinds_find(kinds, "", "v1", "pods");
}

static void setup(void)
{
    setup_window(0);
}

static void teardown(void)
{
    lab_store_free(store);
    lab_kinds_free(kinds);
}

TestSuite(lab_store, .init = setup, .fini = teardown);

static cJSON *J(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static cJSON *J(const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON *j = cJSON_Parse(buf);
    cr_assert_not_null(j, "bad JSON: %s", buf);
    return j;
}

static int create(const lab_kind *k, const char *ns, cJSON *obj, lab_result *res)
{
    lab_store_create(store, k, ns, obj, NULL, res);
    return res->code;
}

static void mkns(const char *name)
{
    lab_result r;
    cr_assert_eq(create(ns_kind, NULL, J("{\"metadata\":{\"name\":\"%s\"}}", name), &r), 201);
    lab_result_release(&r);
}

static lab_blob *mkplan(const char *ns, const char *name, const char *extra_meta)
{
    lab_result r;
    int code = create(plan, ns, J("{\"apiVersion\":\"forklift.konveyor.io/v1beta1\",\"kind\":"
                                  "\"Plan\",\"metadata\":{\"name\":\"%s\"%s},\"spec\":{\"warm\":"
                                  "false},\"status\":{\"ignored\":true}}", name,
                                  extra_meta ? extra_meta : ""), &r);
    cr_assert_eq(code, 201, "create %s: %d", name, code);
    lab_blob *b = r.obj;
    r.obj = NULL;
    lab_result_release(&r);
    return b;
}

static cJSON *tree(const lab_blob *b)
{
    return lab_blob_parse(b);
}

static const char *meta_s(cJSON *t, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), k));
}

static double meta_n(cJSON *t, const char *k)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), k));
}

static const char *status_msg(const lab_result *r)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(r->status, "message"));
}

Test(lab_store, create_sets_server_fields_and_drops_status)
{
    mkns("demo");
    lab_blob *b = mkplan("demo", "p1", NULL);
    cJSON *t = tree(b);
    cr_assert_eq(strlen(meta_s(t, "uid")), 36);
    cr_assert_str_eq(meta_s(t, "creationTimestamp"), "2025-06-15T15:06:40Z");
    cr_assert_eq(meta_n(t, "generation"), 1);
    cr_assert_eq(strtoull(meta_s(t, "resourceVersion"), NULL, 10), b->rv);
    cr_assert_eq(b->rv, lab_store_rv(store));
    cr_assert_null(cJSON_GetObjectItem(t, "status"), "status is written only through /status");
    cr_assert(strncmp(b->text, "{\"apiVersion\":\"forklift.konveyor.io/v1beta1\",\"kind\":\"Plan\","
                               "\"metadata\":{\"name\":\"p1\",\"namespace\":\"demo\",\"uid\":", 100) == 0,
              "%s", b->text);
    cJSON_Delete(t);
    lab_blob_unref(b);
}

Test(lab_store, create_errors_are_shaped_like_the_api_server)
{
    lab_result r;
    cr_assert_eq(create(plan, "nowhere", J("{\"metadata\":{\"name\":\"p\"}}"), &r), 404);
    cr_assert_str_eq(status_msg(&r), "namespaces \"nowhere\" not found");
    lab_result_release(&r);
    mkns("demo");
    lab_blob_unref(mkplan("demo", "p1", NULL));
    cr_assert_eq(create(plan, "demo", J("{\"metadata\":{\"name\":\"p1\"}}"), &r), 409);
    cr_assert_str_eq(status_msg(&r), "plans.forklift.konveyor.io \"p1\" already exists");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r.status, "reason")), "AlreadyExists");
    lab_result_release(&r);
    cr_assert_eq(create(plan, "demo", J("{\"metadata\":{\"name\":\"Bad_Name\"}}"), &r), 422);
    cr_assert(strstr(status_msg(&r), "Plan.forklift.konveyor.io \"Bad_Name\" is invalid: "
                                     "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC "
                                     "1123 subdomain must consist of"), "%s", status_msg(&r));
    cJSON *cause = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r.status, "details"),
                                                          "causes"), 0);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cause, "field")), "metadata.name");
    lab_result_release(&r);
    cr_assert_eq(create(plan, "demo", J("{\"metadata\":{}}"), &r), 422);
    cr_assert(strstr(status_msg(&r), "metadata.name: Required value: name or generateName is "
                                     "required"), "%s", status_msg(&r));
    lab_result_release(&r);
    cr_assert_eq(create(plan, "demo", J("{\"metadata\":{\"name\":\"x\",\"namespace\":\"other\"}}"),
                        &r), 400);
    lab_result_release(&r);
    int code = create(plan, "demo", J("{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}"), &r);
    cr_assert_eq(code, 400, "got %d: %s", code, r.status ? cJSON_PrintUnformatted(r.status) : "");
    cr_assert(strstr(status_msg(&r), "does not match the expected API version"));
    lab_result_release(&r);
    cr_assert_eq(create(plan, "demo", J("{\"metadata\":{\"generateName\":\"gen-\"}}"), &r), 201);
    cr_assert_eq(strlen(r.obj->name), 9);
    cr_assert(!strncmp(r.obj->name, "gen-", 4));
    lab_result_release(&r);
}

Test(lab_store, generation_moves_on_spec_changes_only)
{
    mkns("demo");
    lab_blob *b = mkplan("demo", "p1", NULL);
    uint64_t rv0 = b->rv;
    lab_blob_unref(b);
    lab_write_opts wo = {0};
    lab_result r;
    cJSON *p = J("{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
    lab_store_patch(store, plan, "demo", "p1", LAB_PATCH_MERGE, p, &wo, &r);
    cJSON_Delete(p);
    cr_assert_eq(r.code, 200);
    cJSON *t = tree(r.obj);
    cr_assert_eq(meta_n(t, "generation"), 1, "a label change keeps the generation");
    cr_assert_eq(r.obj->rv, rv0 + 1, "but it is a write");
    cJSON_Delete(t);
    lab_result_release(&r);

    p = J("{\"spec\":{\"warm\":true}}");
    lab_store_patch(store, plan, "demo", "p1", LAB_PATCH_MERGE, p, &wo, &r);
    t = tree(r.obj);
    cr_assert_eq(meta_n(t, "generation"), 2);
    uint64_t rv2 = r.obj->rv;
    cJSON_Delete(t);
    lab_result_release(&r);

    lab_store_patch(store, plan, "demo", "p1", LAB_PATCH_MERGE, p, &wo, &r);
    cr_assert_eq(r.code, 200);
    cr_assert_eq(r.obj->rv, rv2, "a no-op patch writes nothing");
    cr_assert_eq(lab_store_rv(store), rv2);
    lab_result_release(&r);
    cJSON_Delete(p);

    lab_write_opts st = {.subresource = "status"};
    p = J("{\"status\":{\"observedGeneration\":2},\"spec\":{\"warm\":false}}");
    lab_store_patch(store, plan, "demo", "p1", LAB_PATCH_MERGE, p, &st, &r);
    cJSON_Delete(p);
    t = tree(r.obj);
    cr_assert_eq(meta_n(t, "generation"), 2, "status writes keep the generation");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "spec"), "warm")),
              "/status ignores spec");
    cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "status"),
                                                          "observedGeneration")), 2);
    cJSON_Delete(t);
    lab_result_release(&r);

    p = J("{\"status\":{\"observedGeneration\":9}}");
    lab_store_patch(store, plan, "demo", "p1", LAB_PATCH_MERGE, p, &wo, &r);
    cJSON_Delete(p);
    t = tree(r.obj);
    cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "status"),
                                                          "observedGeneration")), 2,
                 "the main resource ignores status");
    cJSON_Delete(t);
    lab_result_release(&r);
}

Test(lab_store, optimistic_concurrency_rejects_stale_writers)
{
    mkns("demo");
    lab_blob *b = mkplan("demo", "p1", NULL);
    char stale[32];
    snprintf(stale, sizeof stale, "%llu", (unsigned long long)b->rv);
    lab_blob_unref(b);
    lab_result r;
    /* two clients read the same version; the first update wins */
    lab_store_update(store, plan, "demo", "p1",
                     J("{\"metadata\":{\"name\":\"p1\",\"resourceVersion\":\"%s\"},\"spec\":"
                       "{\"warm\":true}}", stale), NULL, &r);
    cr_assert_eq(r.code, 200);
    lab_result_release(&r);
    lab_store_update(store, plan, "demo", "p1",
                     J("{\"metadata\":{\"name\":\"p1\",\"resourceVersion\":\"%s\"},\"spec\":"
                       "{\"warm\":false}}", stale), NULL, &r);
    cr_assert_eq(r.code, 409);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r.status, "reason")), "Conflict");
    cr_assert_str_eq(status_msg(&r), "Operation cannot be fulfilled on plans.forklift.konveyor.io "
                                     "\"p1\": the object has been modified; please apply your "
                                     "changes to the latest version and try again");
    lab_result_release(&r);
    /* a patch that pins a stale resourceVersion conflicts too */
    cJSON *p = J("{\"metadata\":{\"resourceVersion\":\"%s\"},\"spec\":{\"warm\":false}}", stale);
    lab_store_patch(store, plan, "demo", "p1", LAB_PATCH_MERGE, p, NULL, &r);
    cr_assert_eq(r.code, 409);
    lab_result_release(&r);
    cJSON_Delete(p);
    /* an update without a resourceVersion is unconditional */
    lab_store_update(store, plan, "demo", "p1", J("{\"metadata\":{\"name\":\"p1\"},\"spec\":{}}"),
                     NULL, &r);
    cr_assert_eq(r.code, 200);
    lab_result_release(&r);
}

static void drain_events(lab_watch *w, lab_event_type *types, char names[][64], size_t max,
                         size_t *n)
{
    lab_event ev;
    *n = 0;
    while (*n < max && lab_watch_next(w, 50, &ev) == 1) {
        types[*n] = ev.type;
        snprintf(names[*n], 64, "%s", ev.obj->name);
        (*n)++;
        lab_event_release(&ev);
    }
}

Test(lab_store, finalizers_hold_deletion_until_removed)
{
    mkns("demo");
    lab_blob *b = mkplan("demo", "p1", ",\"finalizers\":[\"forklift/hold\"]");
    char from[32];
    snprintf(from, sizeof from, "%llu", (unsigned long long)b->rv);
    lab_blob_unref(b);
    lab_watch_opts wo = {.ns = "demo", .resource_version = from};
    int code;
    cJSON *st;
    lab_watch *w = lab_store_watch(store, plan, &wo, &code, &st);
    cr_assert_not_null(w);

    lab_result r;
    lab_store_delete(store, plan, "demo", "p1", NULL, &r);
    cr_assert_eq(r.code, 200);
    cJSON *t = tree(r.obj);
    cr_assert_str_eq(meta_s(t, "deletionTimestamp"), "2025-06-15T15:06:40Z");
    cr_assert_eq(meta_n(t, "generation"), 2, "setting deletionTimestamp bumps the generation");
    cJSON_Delete(t);
    lab_result_release(&r);
    lab_store_get(store, plan, "demo", "p1", &r);
    cr_assert_eq(r.code, 200, "still there while a finalizer is pending");
    lab_result_release(&r);

    cJSON *add = J("{\"metadata\":{\"finalizers\":[\"forklift/hold\",\"other/new\"]}}");
    lab_store_patch(store, plan, "demo", "p1", LAB_PATCH_MERGE, add, NULL, &r);
    cJSON_Delete(add);
    cr_assert_eq(r.code, 422);
    cr_assert(strstr(status_msg(&r), "metadata.finalizers: Forbidden: no new finalizers can be "
                                     "added if the object is being deleted"), "%s",
              status_msg(&r));
    lab_result_release(&r);

    cJSON *rm = J("[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
    lab_store_patch(store, plan, "demo", "p1", LAB_PATCH_JSON, rm, NULL, &r);
    cJSON_Delete(rm);
    cr_assert_eq(r.code, 200);
    lab_result_release(&r);
    lab_store_get(store, plan, "demo", "p1", &r);
    cr_assert_eq(r.code, 404, "gone once the last finalizer is removed");
    lab_result_release(&r);

    lab_event_type types[8];
    char names[8][64];
    size_t n;
    drain_events(w, types, names, 8, &n);
    cr_assert_eq(n, 2);
    cr_assert_eq(types[0], LAB_MODIFIED, "deletionTimestamp arrives as MODIFIED");
    cr_assert_eq(types[1], LAB_DELETED);
    lab_watch_free(w);
}

Test(lab_store, namespace_termination_deletes_content)
{
    mkns("demo");
    lab_blob_unref(mkplan("demo", "p1", NULL));
    lab_blob_unref(mkplan("demo", "p2", ",\"finalizers\":[\"x/y\"]"));
    lab_result r;
    lab_store_delete(store, ns_kind, NULL, "demo", NULL, &r);
    cr_assert_eq(r.code, 200);
    lab_result_release(&r);
    lab_store_get(store, plan, "demo", "p1", &r);
    cr_assert_eq(r.code, 404);
    lab_result_release(&r);
    lab_store_get(store, ns_kind, NULL, "demo", &r);
    cr_assert_eq(r.code, 200, "p2's finalizer keeps the namespace");
    cJSON *t = tree(r.obj);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "status"),
                                                              "phase")), "Terminating");
    cJSON_Delete(t);
    lab_result_release(&r);
    cr_assert_eq(create(plan, "demo", J("{\"metadata\":{\"name\":\"late\"}}"), &r), 403);
    cr_assert(strstr(status_msg(&r), "because it is being terminated"));
    lab_result_release(&r);
    cJSON *rm = J("{\"metadata\":{\"finalizers\":null}}");
    lab_store_patch(store, plan, "demo", "p2", LAB_PATCH_MERGE, rm, NULL, &r);
    cJSON_Delete(rm);
    lab_result_release(&r);
    lab_store_get(store, ns_kind, NULL, "demo", &r);
    cr_assert_eq(r.code, 404, "the namespace goes once it is empty");
    lab_result_release(&r);
}

Test(lab_store, owner_references_cascade)
{
    mkns("demo");
    lab_blob *owner = mkplan("demo", "p1", NULL);
    lab_result r;
    cr_assert_eq(create(cm, "demo", J("{\"metadata\":{\"name\":\"dep\",\"ownerReferences\":[{"
                                      "\"apiVersion\":\"forklift.konveyor.io/v1beta1\",\"kind\":"
                                      "\"Plan\",\"name\":\"p1\",\"uid\":\"%s\"}]}}", owner->uid),
                        &r), 201);
    lab_result_release(&r);
    cr_assert_eq(create(cm, "demo", J("{\"metadata\":{\"name\":\"free\"}}"), &r), 201);
    lab_result_release(&r);
    lab_store_delete(store, plan, "demo", "p1", NULL, &r);
    lab_result_release(&r);
    lab_store_get(store, cm, "demo", "dep", &r);
    cr_assert_eq(r.code, 404, "dependents are garbage collected");
    lab_result_release(&r);
    lab_store_get(store, cm, "demo", "free", &r);
    cr_assert_eq(r.code, 200);
    lab_result_release(&r);
    lab_blob_unref(owner);
}

Test(lab_store, watch_resumes_from_a_resource_version)
{
    mkns("demo");
    lab_blob *a = mkplan("demo", "a", NULL);
    uint64_t after_a = a->rv;
    lab_blob_unref(a);
    lab_blob_unref(mkplan("demo", "b", NULL));
    lab_blob_unref(mkplan("demo", "c", NULL));
    char rv[32];
    snprintf(rv, sizeof rv, "%llu", (unsigned long long)after_a);
    lab_watch_opts wo = {.ns = "demo", .resource_version = rv};
    int code;
    cJSON *st;
    lab_watch *w = lab_store_watch(store, plan, &wo, &code, &st);
    lab_event_type types[8];
    char names[8][64];
    size_t n;
    drain_events(w, types, names, 8, &n);
    cr_assert_eq(n, 2, "only what happened after the resourceVersion");
    cr_assert_str_eq(names[0], "b");
    cr_assert_str_eq(names[1], "c");
    cr_assert_eq(lab_watch_next(w, 10, &(lab_event){0}), 0, "then nothing until a write");
    lab_watch_free(w);

    wo.resource_version = "0";
    w = lab_store_watch(store, plan, &wo, &code, &st);
    drain_events(w, types, names, 8, &n);
    cr_assert_eq(n, 3, "rv 0 starts with the current state as ADDED");
    cr_assert_eq(types[0], LAB_ADDED);
    cr_assert_str_eq(names[0], "a");
    lab_watch_free(w);
}

Test(lab_store, watch_translates_selector_changes)
{
    mkns("demo");
    lab_blob_unref(mkplan("demo", "p", ",\"labels\":{\"team\":\"a\"}"));
    lab_selector sel;
    strbuf err = STRBUF_INIT;
    lab_labelsel_parse("team=a", &sel, &err);
    lab_watch_opts wo = {.ns = "demo", .labels = &sel, .resource_version = NULL};
    int code;
    cJSON *st;
    lab_watch *w = lab_store_watch(store, plan, &wo, &code, &st);
    lab_result r;
    const char *patches[] = {"{\"metadata\":{\"labels\":{\"team\":\"b\"}}}",
                             "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}",
                             "{\"spec\":{\"warm\":true}}"};
    for (int i = 0; i < 3; i++) {
        cJSON *p = cJSON_Parse(patches[i]);
        lab_store_patch(store, plan, "demo", "p", LAB_PATCH_MERGE, p, NULL, &r);
        lab_result_release(&r);
        cJSON_Delete(p);
    }
    lab_event_type types[8];
    char names[8][64];
    size_t n;
    drain_events(w, types, names, 8, &n);
    cr_assert_eq(n, 4);
    cr_assert_eq(types[0], LAB_ADDED, "initial state");
    cr_assert_eq(types[1], LAB_DELETED, "left the selector");
    cr_assert_eq(types[2], LAB_ADDED, "came back");
    cr_assert_eq(types[3], LAB_MODIFIED);
    lab_watch_free(w);
    lab_selector_free(&sel);
    sb_release(&err);
}

Test(lab_store, watch_too_old_is_gone)
{
    teardown();
    setup_window(16);
    mkns("demo");
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        lab_blob_unref(mkplan("demo", name, NULL));
    }
    lab_watch_opts wo = {.ns = "demo", .resource_version = "101"};
    int code;
    cJSON *st;
    cr_assert_null(lab_store_watch(store, plan, &wo, &code, &st));
    cr_assert_eq(code, 410);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(st, "reason")), "Expired");
    cr_assert(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(st, "message")),
                     "too old resource version: 101"));
    cJSON_Delete(st);
    /* a watch that falls behind while open is told so too */
    char rv[32];
    snprintf(rv, sizeof rv, "%llu", (unsigned long long)lab_store_rv(store));
    wo.resource_version = rv;
    lab_watch *w = lab_store_watch(store, plan, &wo, &code, &st);
    cr_assert_not_null(w);
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "q%d", i);
        lab_blob_unref(mkplan("demo", name, NULL));
    }
    lab_event ev;
    cr_assert_eq(lab_watch_next(w, 10, &ev), -2);
    lab_watch_free(w);
}

Test(lab_store, list_selectors_and_pages)
{
    mkns("a");
    mkns("b");
    const char *spots[][3] = {{"b", "x", "red"}, {"a", "z", "red"}, {"a", "y", "blue"}, {"b", "w", "red"}};
    for (int i = 0; i < 4; i++) {
        char meta[64];
        snprintf(meta, sizeof meta, ",\"labels\":{\"color\":\"%s\"}", spots[i][2]);
        lab_blob_unref(mkplan(spots[i][0], spots[i][1], meta));
    }
    lab_list l;
    cJSON *st;
    cr_assert_eq(lab_store_list(store, plan, NULL, NULL, &l, &st), 0);
    cr_assert_eq(l.count, 4);
    cr_assert_str_eq(l.items[0]->name, "y", "sorted by namespace, then name");
    cr_assert_str_eq(l.items[3]->name, "x");
    cr_assert_eq(l.rv, lab_store_rv(store));
    lab_list_release(&l);

    lab_selector sel;
    strbuf err = STRBUF_INIT;
    lab_labelsel_parse("color=red", &sel, &err);
    lab_list_opts lo = {.labels = &sel, .limit = 2};
    cr_assert_eq(lab_store_list(store, plan, NULL, &lo, &l, &st), 0);
    cr_assert_eq(l.count, 2);
    cr_assert_str_eq(l.items[0]->name, "z");
    cr_assert_not_null(l.continue_token);
    cr_assert_eq(l.remaining, 1);
    lo.continue_token = l.continue_token;
    lab_list next;
    cr_assert_eq(lab_store_list(store, plan, NULL, &lo, &next, &st), 0);
    cr_assert_eq(next.count, 1);
    cr_assert_str_eq(next.items[0]->name, "x");
    cr_assert_null(next.continue_token);
    lab_list_release(&next);
    lab_list_release(&l);
    lab_selector_free(&sel);
    sb_release(&err);
}

static int hook_calls;
static void count_hook(void *ud, const lab_event *ev)
{
    (void)ud;
    (void)ev;
    hook_calls++;
}

static int deny_red(void *ud, const lab_admission *a, cJSON **status)
{
    (void)ud;
    if (a->phase == LAB_ADMIT_MUTATE && a->obj) {
        cJSON *meta = cJSON_GetObjectItem(a->obj, "metadata");
        cJSON *ann = cJSON_AddObjectToObject(meta, "annotations");
        cJSON_AddStringToObject(ann, "mutated", "yes");
    }
    if (a->phase == LAB_ADMIT_VALIDATE && a->obj &&
        strstr(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(a->obj, "metadata"),
                                                        "name")), "red")) {
        *status = cJSON_CreateObject();
        cJSON_AddNumberToObject(*status, "code", 400);
        cJSON_AddStringToObject(*status, "message", "admission webhook denied the request");
        return 400;
    }
    return 0;
}

Test(lab_store, hooks_see_writes_and_admission_can_refuse)
{
    mkns("demo");
    lab_store_on_write(store, count_hook, NULL);
    lab_store_add_admission(store, deny_red, NULL);
    lab_result r;
    cr_assert_eq(create(cm, "demo", J("{\"metadata\":{\"name\":\"red-one\"}}"), &r), 400);
    lab_result_release(&r);
    cr_assert_eq(hook_calls, 0);
    cr_assert_eq(create(cm, "demo", J("{\"metadata\":{\"name\":\"ok\"}}"), &r), 201);
    cJSON *t = tree(r.obj);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
                         cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), "annotations"),
                         "mutated")), "yes");
    cJSON_Delete(t);
    lab_result_release(&r);
    cr_assert_eq(hook_calls, 1);
    lab_write_opts dry = {.dry_run = 1};
    lab_store_create(store, cm, "demo", J("{\"metadata\":{\"name\":\"dry\"}}"), &dry, &r);
    cr_assert_eq(r.code, 201);
    lab_result_release(&r);
    lab_store_get(store, cm, "demo", "dry", &r);
    cr_assert_eq(r.code, 404, "a dry run stores nothing");
    lab_result_release(&r);
    cr_assert_eq(hook_calls, 1);
}

Test(lab_store, core_defaults)
{
    mkns("demo");
    lab_result r;
    const lab_kind *secret = lab_kinds_find(kinds, "", "v1", "secrets");
    cr_assert_eq(create(secret, "demo", J("{\"metadata\":{\"name\":\"s\"},\"stringData\":{\"user\":"
                                          "\"admin\"}}"), &r), 201);
    cJSON *t = tree(r.obj);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(t, "type")), "Opaque");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "data"),
                                                              "user")), "YWRtaW4=");
    cr_assert_null(cJSON_GetObjectItem(t, "stringData"));
    cr_assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), "generation"),
                   "secrets have no generation");
    cJSON_Delete(t);
    lab_result_release(&r);
    lab_store_get(store, ns_kind, NULL, "demo", &r);
    t = tree(r.obj);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "status"),
                                                              "phase")), "Active");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
                         cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), "labels"),
                         "kubernetes.io/metadata.name")), "demo");
    cJSON_Delete(t);
    lab_result_release(&r);
    cr_assert_eq(create(pod, "demo", J("{\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":"
                                       "\"Running\"}}"), &r), 201);
    t = tree(r.obj);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "status"),
                                                              "phase")), "Pending");
    cJSON_Delete(t);
    lab_result_release(&r);
}
