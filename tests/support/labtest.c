/* labtest: see labtest.h. */
#include "labtest.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "util/fs.h"

static const lab_kind *kind_of(labtest *t, const char *gvp)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", gvp);
    char *parts[3] = {0};
    int n = 0;
    for (char *save, *p = strtok_r(buf, "/", &save); p && n < 3; p = strtok_r(NULL, "/", &save))
        parts[n++] = p;
    const lab_kind *k = n == 3 ? lab_kinds_find(lab_server_kinds(t->srv), parts[0], parts[1], parts[2])
                        : n == 2 ? lab_kinds_find(lab_server_kinds(t->srv), "", parts[0], parts[1])
                                 : NULL;
    cr_assert_not_null(k, "no kind %s", gvp);
    return k;
}

void labtest_start(labtest *t, const labtest_opts *o)
{
    labtest_opts none = {0};
    if (!o)
        o = &none;
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "%s/lab", tu_tmpdir());
    snprintf(t->ca, sizeof t->ca, "%s/ca.crt", t->dir);
    const char *crds = tu_shared("reference/forklift-crds");
    lab_server_config cfg = {.state_dir = t->dir, .crds_dir = fs_is_dir(crds) ? crds : NULL,
                             .bookmark_interval_ms = 100};
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_server_new(&cfg, &t->srv, &err), 0, "%s", err.msg);
    lab_mtv_config mc = {.speed = o->speed ? o->speed : 1000, .ssh_target = o->ssh_target,
                         .guest_dir = o->guest_dir,
                         .vsphere_url = o->vsphere_url, .write_providers = 1,
                         .openshift_version = o->openshift_version};
    if (o->world_json)
        mc.world_path = tu_write(tu_tmpdir(), "world.json", o->world_json);
    if (o->faults_json)
        mc.faults_path = tu_write(tu_tmpdir(), "faults.json", o->faults_json);
    cr_assert_eq(lab_mtv_attach(t->srv, &mc, &t->mtv, &err), 0, "%s", err.msg);
    cr_assert_eq(lab_server_start(t->srv, &err), 0, "%s", err.msg);
    cr_assert_eq(lab_mtv_start(t->mtv, &err), 0, "%s", err.msg);
}

void labtest_stop(labtest *t)
{
    if (!t->srv)
        return;
    lab_server_stop(t->srv);
    lab_mtv_free(t->mtv);
    lab_server_free(t->srv);
    t->srv = NULL;
    t->mtv = NULL;
}

cJSON *labtest_get(labtest *t, const char *gvp, const char *ns, const char *name)
{
    lab_result res;
    lab_store_get(lab_server_store(t->srv), kind_of(t, gvp), ns ? ns : "", name, &res);
    cJSON *o = res.code == 200 ? lab_blob_parse(res.obj) : NULL;
    lab_result_release(&res);
    return o;
}

static int create(labtest *t, const char *gvp, const char *json, char **name, strbuf *msg)
{
    cJSON *obj = cJSON_Parse(json);
    cr_assert_not_null(obj, "bad JSON in the test: %s", json);
    const char *ns = cJSON_GetStringValue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "metadata"), "namespace"));
    lab_result res;
    lab_store_create(lab_server_store(t->srv), kind_of(t, gvp), ns ? ns : "", obj, NULL, &res);
    int code = res.code;
    if (name)
        *name = code == 201 ? strdup(res.obj->name) : NULL;
    if (msg && res.status)
        sb_adds(msg, cJSON_GetStringValue(cJSON_GetObjectItem(res.status, "message")));
    lab_result_release(&res);
    return code;
}

char *labtest_create(labtest *t, const char *gvp, const char *fmt, ...)
{
    strbuf json = STRBUF_INIT, msg = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&json, fmt, ap);
    va_end(ap);
    char *name = NULL;
    int code = create(t, gvp, json.buf, &name, &msg);
    cr_assert_eq(code, 201, "creating %s: HTTP %d %s\n%s", gvp, code, sb_str(&msg), json.buf);
    sb_release(&json);
    sb_release(&msg);
    return name;
}

int labtest_create_code(labtest *t, const char *gvp, const char *json, strbuf *message)
{
    return create(t, gvp, json, NULL, message);
}

void labtest_patch(labtest *t, const char *gvp, const char *ns, const char *name,
                   const char *merge_patch)
{
    cJSON *p = cJSON_Parse(merge_patch);
    cr_assert_not_null(p);
    lab_result res;
    lab_store_patch(lab_server_store(t->srv), kind_of(t, gvp), ns ? ns : "", name, LAB_PATCH_MERGE,
                    p, NULL, &res);
    cr_assert_eq(res.code, 200, "patching %s %s: HTTP %d", gvp, name, res.code);
    lab_result_release(&res);
    cJSON_Delete(p);
}

void labtest_delete(labtest *t, const char *gvp, const char *ns, const char *name)
{
    lab_result res;
    lab_store_delete(lab_server_store(t->srv), kind_of(t, gvp), ns ? ns : "", name, NULL, &res);
    cr_assert_eq(res.code, 200, "deleting %s %s: HTTP %d", gvp, name, res.code);
    lab_result_release(&res);
}

const cJSON *labtest_path(const cJSON *obj, const char *dotted)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    const cJSON *cur = obj;
    for (char *save, *p = strtok_r(buf, ".", &save); p && cur; p = strtok_r(NULL, ".", &save)) {
        char *end;
        long idx = strtol(p, &end, 10);
        cur = (*end || !cJSON_IsArray(cur)) ? cJSON_GetObjectItemCaseSensitive(cur, p)
                                             : cJSON_GetArrayItem(cur, (int)idx);
    }
    return cur;
}

const cJSON *labtest_cond(const cJSON *obj, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, labtest_path(obj, "status.conditions"))
    {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(c, "type"));
        if (t && !strcmp(t, type))
            return c;
    }
    return NULL;
}

int labtest_has_cond(const cJSON *obj, const char *type)
{
    return labtest_cond(obj, type) != NULL;
}

static void nap(void)
{
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
}

cJSON *labtest_wait_cond(labtest *t, const char *gvp, const char *ns, const char *name,
                         const char *type, int timeout_ms)
{
    cJSON *o = NULL;
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        cJSON_Delete(o);
        o = labtest_get(t, gvp, ns, name);
        if (o && labtest_has_cond(o, type))
            return o;
        nap();
    }
    char *txt = o ? cJSON_PrintUnformatted(labtest_path(o, "status")) : NULL;
    cr_assert_fail("%s %s/%s: no %s condition after %d ms; status: %s", gvp, ns ? ns : "", name,
                   type, timeout_ms, txt ? txt : "(absent)");
    return NULL;
}

cJSON *labtest_wait_str(labtest *t, const char *gvp, const char *ns, const char *name,
                        const char *path, const char *want, int timeout_ms)
{
    cJSON *o = NULL;
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        cJSON_Delete(o);
        o = labtest_get(t, gvp, ns, name);
        const char *s = o ? cJSON_GetStringValue(labtest_path(o, path)) : NULL;
        if (s && !strcmp(s, want))
            return o;
        nap();
    }
    char *txt = o ? cJSON_PrintUnformatted(o) : NULL;
    cr_assert_fail("%s %s/%s: %s is not %s after %d ms: %s", gvp, ns ? ns : "", name, path, want,
                   timeout_ms, txt ? txt : "(absent)");
    return NULL;
}

#define FK "forklift.konveyor.io/v1beta1/"

void labtest_sources(labtest *t)
{
    const char *ns = "openshift-mtv";
    free(labtest_create(t, "v1/secrets",
                        "{\"metadata\":{\"name\":\"rhv\",\"namespace\":\"%s\"},\"stringData\":{"
                        "\"user\":\"%s\",\"password\":\"%s\"}}",
                        ns, lab_mtv_user(t->mtv, LAB_SRC_OVIRT),
                        lab_mtv_password(t->mtv, LAB_SRC_OVIRT)));
    free(labtest_create(t, FK "providers",
                        "{\"metadata\":{\"name\":\"rhv\",\"namespace\":\"%s\"},\"spec\":{\"type\":"
                        "\"ovirt\",\"url\":\"%s/ovirt-engine/api\",\"secret\":{\"name\":\"rhv\","
                        "\"namespace\":\"%s\"}}}",
                        ns, lab_server_url(t->srv), ns));
    free(labtest_create(t, "v1/secrets",
                        "{\"metadata\":{\"name\":\"vs\",\"namespace\":\"%s\"},\"stringData\":{"
                        "\"user\":\"u\",\"password\":\"anything\"}}", ns));
    free(labtest_create(t, FK "providers",
                        "{\"metadata\":{\"name\":\"vsphere\",\"namespace\":\"%s\"},\"spec\":{"
                        "\"type\":\"vsphere\",\"url\":\"https://vc.lab.test/sdk\",\"secret\":{"
                        "\"name\":\"vs\",\"namespace\":\"%s\"},\"settings\":{\"vddkInitImage\":"
                        "\"quay.io/kubev2v/vddk:lab\"}}}", ns, ns));
    static const char *const p[][4] = {{"rhv", "ovirtmgmt", "mtv-net-a", "data-nfs"},
                                       {"vsphere", "VM Network", "mtv-net-a", "LocalDS_0"}};
    for (int i = 0; i < 2; i++) {
        free(labtest_create(
            t, FK "networkmaps",
            "{\"metadata\":{\"name\":\"%s-net\",\"namespace\":\"%s\"},\"spec\":{\"provider\":{"
            "\"source\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"destination\":{\"name\":\"host\","
            "\"namespace\":\"%s\"}},\"map\":[{\"source\":{\"name\":\"%s\"},\"destination\":{"
            "\"type\":\"pod\"}},{\"source\":{\"name\":\"%s\"},\"destination\":{\"type\":"
            "\"ignored\"}}]}}",
            p[i][0], ns, p[i][0], ns, ns, p[i][1], p[i][2]));
        free(labtest_create(
            t, FK "storagemaps",
            "{\"metadata\":{\"name\":\"%s-sto\",\"namespace\":\"%s\"},\"spec\":{\"provider\":{"
            "\"source\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"destination\":{\"name\":\"host\","
            "\"namespace\":\"%s\"}},\"map\":[{\"source\":{\"name\":\"%s\"},\"destination\":{"
            "\"storageClass\":\"standard\"}}]}}",
            p[i][0], ns, p[i][0], ns, ns, p[i][3]));
    }
    for (int i = 0; i < 2; i++) {
        char n[64];
        cJSON_Delete(labtest_wait_cond(t, FK "providers", ns, p[i][0], "Ready", 5000));
        snprintf(n, sizeof n, "%s-net", p[i][0]);
        cJSON_Delete(labtest_wait_cond(t, FK "networkmaps", ns, n, "Ready", 5000));
        snprintf(n, sizeof n, "%s-sto", p[i][0]);
        cJSON_Delete(labtest_wait_cond(t, FK "storagemaps", ns, n, "Ready", 5000));
    }
}

static int jtype(const cJSON *j)
{
    return cJSON_IsBool(j) ? cJSON_True : (j->type & 0xff);
}

void labtest_json_covers(const cJSON *sample, const cJSON *lab, const char *path,
                         const char *const *ignore)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, sample)
    {
        int skip = 0;
        for (const char *const *i = ignore; i && *i; i++)
            skip |= !strcmp(*i, s->string);
        if (skip)
            continue;
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(lab, s->string);
        cr_assert_not_null(l, "%s.%s: the lab has no such key", path, s->string);
        /* a null in a sample says nothing about the type a value takes */
        if (cJSON_IsNull(s))
            continue;
        cr_assert_eq(jtype(s), jtype(l), "%s.%s: sample type %d, lab type %d", path, s->string,
                     jtype(s), jtype(l));
        char sub[512];
        snprintf(sub, sizeof sub, "%s.%s", path, s->string);
        if (cJSON_IsObject(s))
            labtest_json_covers(s, l, sub, NULL);
        if (cJSON_IsArray(s) && cJSON_GetArraySize(s) && cJSON_GetArraySize(l) &&
            cJSON_IsObject(cJSON_GetArrayItem(s, 0)))
            labtest_json_covers(cJSON_GetArrayItem(s, 0), cJSON_GetArrayItem(l, 0), sub, NULL);
    }
}

static size_t collect(char *p, size_t s, size_t n, void *ud)
{
    sb_add(ud, p, s * n);
    return s * n;
}

static size_t collect_body(char *p, size_t s, size_t n, void *ud)
{
    labtest_reply *r = ud;
    sb_add(&r->body, p, s * n);
    r->writes++;
    return s * n;
}

labtest_reply labtest_http(labtest *t, const char *method, const char *path, const char *body,
                           const char *content_type)
{
    char auth[600], ct[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", lab_server_token(t->srv));
    const char *headers[3] = {auth, NULL, NULL};
    if (content_type) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        headers[1] = ct;
    }
    return labtest_http_headers(t, method, path, body, headers);
}

labtest_reply labtest_http_headers(labtest *t, const char *method, const char *path,
                                   const char *body, const char *const *headers)
{
    labtest_reply r = {0};
    CURL *c = curl_easy_init();
    char url[1024];
    snprintf(url, sizeof url, "%s%s", lab_server_url(t->srv), path);
    struct curl_slist *h = NULL;
    for (const char *const *x = headers; x && *x; x++)
        h = curl_slist_append(h, *x);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_CAINFO, t->ca);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
    else
        r.code = -(long)rc;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

void labtest_reply_free(labtest_reply *r)
{
    sb_release(&r->body);
    sb_release(&r->headers);
}
