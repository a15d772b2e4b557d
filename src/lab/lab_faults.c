/*
 * lab_faults: see lab_faults.h. The file is checked key by key with
 * file:line:col messages; VM and plan faults are pure lookups by pattern;
 * API faults keep a fire count and draw from a seeded generator under a
 * lock, so a run with the same seed and requests misbehaves the same way.
 */
#include "lab/lab_faults.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_status.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rand.h"

typedef struct vm_fault {
    char *vm, *plan;
    char *fail_at, *reason, *hang_at;
    cJSON *wrong;
    cJSON *source;
} vm_fault;

typedef struct plan_fault {
    char *plan, *message;
} plan_fault;

typedef struct provider_fault {
    char *provider;
    cJSON *secret;             /* key -> the plain value the lab stores instead */
} provider_fault;

enum api_kind { API_500, API_429, API_RESET, API_SLOW, API_TRUNCATE, API_DROP };

typedef struct api_fault {
    char *path, *method;
    double rate;
    long count, fired;
    enum api_kind kind;
    long retry_after, delay_ms, after_events;
} api_fault;

struct lab_faults {
    vm_fault *vms;
    size_t nvms;
    plan_fault *plans;
    size_t nplans;
    provider_fault *provs;
    size_t nprovs;
    api_fault *api;
    size_t napi;
    pthread_mutex_t mu;
    mtv_rand *rand;
};

static char *dup_s(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

void lab_faults_free(lab_faults *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nvms; i++) {
        free(f->vms[i].vm);
        free(f->vms[i].plan);
        free(f->vms[i].fail_at);
        free(f->vms[i].reason);
        free(f->vms[i].hang_at);
        cJSON_Delete(f->vms[i].wrong);
        cJSON_Delete(f->vms[i].source);
    }
    free(f->vms);
    for (size_t i = 0; i < f->nplans; i++) {
        free(f->plans[i].plan);
        free(f->plans[i].message);
    }
    free(f->plans);
    for (size_t i = 0; i < f->nprovs; i++) {
        free(f->provs[i].provider);
        cJSON_Delete(f->provs[i].secret);
    }
    free(f->provs);
    for (size_t i = 0; i < f->napi; i++) {
        free(f->api[i].path);
        free(f->api[i].method);
    }
    free(f->api);
    rand_free(f->rand);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

typedef struct pctx {
    json_doc *doc;
    mtv_err *err;
    strbuf ptr;
} pctx;

static int bad(pctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(pctx *c, const char *key, const char *fmt, ...)
{
    strbuf ptr = STRBUF_INIT, where = STRBUF_INIT, msg = STRBUF_INIT;
    sb_add(&ptr, c->ptr.buf ? c->ptr.buf : "", c->ptr.len);
    if (key)
        json_pointer_append(&ptr, key);
    json_doc_where(c->doc, ptr.buf ? ptr.buf : "", &where);
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&msg, fmt, ap);
    va_end(ap);
    mtv_err_set(c->err, MTV_EXIT_USAGE, "%s: %s: %s", where.buf,
                ptr.len ? ptr.buf + 1 : "(top level)", msg.buf);
    sb_release(&ptr);
    sb_release(&where);
    sb_release(&msg);
    return -1;
}

static int str_key(pctx *c, const cJSON *o, const char *key, int required, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v)
        return required ? bad(c, NULL, "missing \"%s\" (a string)", key) : 0;
    if (!cJSON_IsString(v))
        return bad(c, key, "expected a string, got %s", json_type_name(v));
    *out = dup_s(v->valuestring);
    return 0;
}

static int known(pctx *c, const cJSON *o, const char *const *keys)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, o)
    {
        int ok = 0;
        for (const char *const *k = keys; *k && !ok; k++)
            ok = !strcmp(*k, m->string);
        if (!ok) {
            strbuf list = STRBUF_INIT;
            for (const char *const *k = keys; *k; k++)
                sb_addf(&list, "%s%s", k == keys ? "" : ", ", *k);
            int rc = bad(c, m->string, "unknown key; expected one of: %s", list.buf);
            sb_release(&list);
            return rc;
        }
    }
    return 0;
}

static const char *const steps[] = {"Initialize", "PreHook", "PreflightInspection",
                                    "DiskAllocation", "DiskTransfer", "Cutover",
                                    "ImageConversion", "DiskTransferV2v",
                                    "ConvertOpenstackSnapshot", "VirtualMachineCreation",
                                    "WaitForGuestReboots", "PostHook",
                                    "WaitForFinalSnapshotConsolidation", NULL};

static int check_step(pctx *c, const char *key, const char *v)
{
    for (const char *const *s = steps; *s; s++)
        if (!strcmp(*s, v))
            return 0;
    strbuf list = STRBUF_INIT;
    for (const char *const *s = steps; *s; s++)
        sb_addf(&list, "%s%s", s == steps ? "" : ", ", *s);
    int rc = bad(c, key, "\"%s\" is not a pipeline step; expected one of: %s", v, list.buf);
    sb_release(&list);
    return rc;
}

/* What a "wrong" key must hold: a boolean, or a string (one of choices,
 * "a|b", when given). Keys not listed take any JSON value. */
typedef struct wrong_rule {
    const char *key;
    int boolean;
    const char *choices;
} wrong_rule;

static const wrong_rule wrong_values[] = {
    {"power", 0, "on|off"},     {"ssh", 0, "closed"},          {"firmware", 0, "bios|efi"},
    {"cpu_features", 0, NULL},  {"access_mode", 0, NULL},
    {"serial", 0, NULL},        {"agent", 1, NULL},            {"secure_boot", 1, NULL},
    {"tpm", 1, NULL},
};

static int wrong_value(pctx *c, const cJSON *w, const wrong_rule *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(w, r->key);
    if (!v)
        return 0;
    if (r->boolean)
        return cJSON_IsBool(v) ? 0 : bad(c, r->key, "expected true or false, got %s", json_type_name(v));
    if (!cJSON_IsString(v) || !*v->valuestring)
        return bad(c, r->key, "expected %s%s, got %s", r->choices ? "one of " : "a non-empty string",
                   r->choices ? r->choices : "", json_type_name(v));
    if (!r->choices)
        return 0;
    size_t n = strlen(v->valuestring);
    for (const char *p = r->choices; *p;) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, v->valuestring, n))
            return 0;
        p += len + (e ? 1 : 0);
    }
    return bad(c, r->key, "\"%s\" is not one of %s", v->valuestring, r->choices);
}

static int up_down(pctx *c, const char *key, const cJSON *v)
{
    if (cJSON_IsString(v) && (!strcmp(v->valuestring, "up") || !strcmp(v->valuestring, "down")))
        return 0;
    return bad(c, key, "expected \"up\" or \"down\", got %s", cJSON_IsString(v) ? v->valuestring
                                                                         : json_type_name(v));
}

/* "link": "up"/"down" (the first NIC) or {"MAC": "up"/"down", ...};
 * "disks": how many of the source's disks the target VM keeps. */
static int wrong_link_disks(pctx *c, const cJSON *w)
{
    const cJSON *link = cJSON_GetObjectItemCaseSensitive(w, "link"), *e;
    if (cJSON_IsObject(link)) {
        size_t mark = c->ptr.len;
        json_pointer_append(&c->ptr, "link");
        int rc = cJSON_GetArraySize(link) ? 0 : bad(c, NULL, "expected at least one \"MAC\": state");
        cJSON_ArrayForEach(e, link)
        {
            if (rc == 0)
                rc = up_down(c, e->string, e);
        }
        sb_setlen(&c->ptr, mark);
        if (rc < 0)
            return -1;
    } else if (link && up_down(c, "link", link) < 0) {
        return -1;
    }
    const cJSON *disks = cJSON_GetObjectItemCaseSensitive(w, "disks");
    if (disks && (!cJSON_IsNumber(disks) || disks->valuedouble < 0 ||
                  disks->valuedouble != (double)(long)disks->valuedouble))
        return bad(c, "disks", "expected a whole number of disks (0 or more)");
    return 0;
}

/* What happens to the source VM while the migration runs. */
static int source_fault(pctx *c, const cJSON *s)
{
    static const char *const keys[] = {"snapshot", "stop_event", NULL};
    if (!cJSON_IsObject(s))
        return bad(c, NULL, "expected an object, got %s", json_type_name(s));
    if (known(c, s, keys) < 0)
        return -1;
    const cJSON *snap = cJSON_GetObjectItemCaseSensitive(s, "snapshot");
    if (snap && !(cJSON_IsString(snap) &&
                  (!strcmp(snap->valuestring, "add") || !strcmp(snap->valuestring, "remove"))))
        return bad(c, "snapshot", "expected \"add\" or \"remove\"");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(s, "stop_event");
    if (ev && !cJSON_IsBool(ev))
        return bad(c, "stop_event", "expected true or false, got %s", json_type_name(ev));
    if (!cJSON_GetArraySize(s))
        return bad(c, NULL, "expected \"snapshot\" or \"stop_event\"");
    return 0;
}

static int parse_vm(pctx *c, const cJSON *o, vm_fault *f)
{
    static const char *const keys[] = {"vm", "plan", "fail_at", "reason", "hang_at", "wrong",
                                       "source", NULL};
    if (!cJSON_IsObject(o))
        return bad(c, NULL, "expected an object, got %s", json_type_name(o));
    if (known(c, o, keys) < 0 || str_key(c, o, "vm", 1, &f->vm) < 0 ||
        str_key(c, o, "plan", 0, &f->plan) < 0 || str_key(c, o, "fail_at", 0, &f->fail_at) < 0 ||
        str_key(c, o, "reason", 0, &f->reason) < 0 || str_key(c, o, "hang_at", 0, &f->hang_at) < 0)
        return -1;
    if (f->fail_at && check_step(c, "fail_at", f->fail_at) < 0)
        return -1;
    if (f->hang_at && check_step(c, "hang_at", f->hang_at) < 0)
        return -1;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "wrong");
    if (w) {
        static const char *const wkeys[] = {"labels", "power", "cpu", "memory", "mac", "network",
                                            "storage_class", "pvc_name", "node", "affinity",
                                            "agent", "ssh", "cpu_features", "access_mode",
                                            "serial", "firmware", "secure_boot", "tpm", "link",
                                            "disks", "guest", NULL};
        size_t mark = c->ptr.len;
        json_pointer_append(&c->ptr, "wrong");
        int rc = cJSON_IsObject(w) ? known(c, w, wkeys)
                                   : bad(c, NULL, "expected an object, got %s", json_type_name(w));
        for (size_t i = 0; rc == 0 && i < sizeof wrong_values / sizeof *wrong_values; i++)
            rc = wrong_value(c, w, &wrong_values[i]);
        if (rc == 0)
            rc = wrong_link_disks(c, w);
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(w, "guest");
        if (rc == 0 && g) {
            static const char *const gkeys[] = {"ip", "prefix", "gateway", "nic_name", "output",
                                                NULL};
            json_pointer_append(&c->ptr, "guest");
            rc = cJSON_IsObject(g) ? known(c, g, gkeys)
                                   : bad(c, NULL, "expected an object, got %s", json_type_name(g));
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(g, "prefix");
            if (rc == 0 && p && (!cJSON_IsNumber(p) || p->valuedouble < 0 || p->valuedouble > 32))
                rc = bad(c, "prefix", "expected a prefix length 0..32, got %s",
                         cJSON_IsNumber(p) ? "a number out of range" : json_type_name(p));
        }
        sb_setlen(&c->ptr, mark);
        if (rc < 0)
            return -1;
        f->wrong = cJSON_Duplicate(w, 1);
    }
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "source");
    if (src) {
        size_t mark = c->ptr.len;
        json_pointer_append(&c->ptr, "source");
        int rc = source_fault(c, src);
        sb_setlen(&c->ptr, mark);
        if (rc < 0)
            return -1;
        f->source = cJSON_Duplicate(src, 1);
    }
    if (!f->fail_at && !f->hang_at && !f->wrong && !f->source)
        return bad(c, NULL, "a VM fault needs \"fail_at\", \"hang_at\", \"wrong\" or \"source\"");
    if (!f->reason && f->fail_at) {
        strbuf r = STRBUF_INIT;
        sb_addf(&r, "The %s step failed (injected by the lab).", f->fail_at);
        f->reason = sb_detach(&r, NULL);
    }
    return 0;
}

static int parse_api(pctx *c, const cJSON *o, api_fault *f)
{
    static const char *const keys[] = {"path", "method", "rate", "fault", "retry_after",
                                       "count", "delay_ms", "after_events", NULL};
    if (!cJSON_IsObject(o))
        return bad(c, NULL, "expected an object, got %s", json_type_name(o));
    char *kind = NULL;
    if (known(c, o, keys) < 0 || str_key(c, o, "path", 0, &f->path) < 0 ||
        str_key(c, o, "method", 0, &f->method) < 0 || str_key(c, o, "fault", 1, &kind) < 0)
        return -1;
    static const char *const kinds[] = {"500", "429", "reset", "slow", "truncate", "drop_watch",
                                        NULL};
    int k = -1;
    for (int i = 0; kinds[i]; i++)
        if (!strcmp(kinds[i], kind))
            k = i;
    free(kind);
    if (k < 0)
        return bad(c, "fault", "expected one of: 500, 429, reset, slow, truncate, drop_watch");
    f->kind = (enum api_kind)k;
    const cJSON *rate = cJSON_GetObjectItem(o, "rate");
    f->rate = 1;
    if (rate) {
        if (!cJSON_IsNumber(rate) || rate->valuedouble < 0 || rate->valuedouble > 1)
            return bad(c, "rate", "expected a probability from 0 to 1");
        f->rate = rate->valuedouble;
    }
    static const char *const nums[] = {"retry_after", "count", "delay_ms", "after_events"};
    long *slots[] = {&f->retry_after, &f->count, &f->delay_ms, &f->after_events};
    long dflt[] = {1, 0, 200, 1};
    for (int i = 0; i < 4; i++) {
        const cJSON *v = cJSON_GetObjectItem(o, nums[i]);
        *slots[i] = dflt[i];
        if (v && (!cJSON_IsNumber(v) || v->valuedouble < 0))
            return bad(c, nums[i], "expected a non-negative number");
        if (v)
            *slots[i] = (long)v->valuedouble;
    }
    return 0;
}

/* "providers": [{"provider": PATTERN, "secret": {"insecureSkipVerify": "true"}}] */
static int parse_providers(pctx *c, const cJSON *arr, lab_faults *f)
{
    if (!arr)
        return 0;
    sb_reset(&c->ptr);
    if (!cJSON_IsArray(arr))
        return bad(c, "providers", "expected an array, got %s", json_type_name(arr));
    size_t n = (size_t)cJSON_GetArraySize(arr);
    f->provs = calloc(n ? n : 1, sizeof *f->provs);
    if (!f->provs)
        abort();
    static const char *const keys[] = {"provider", "secret", NULL};
    for (size_t i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(arr, (int)i), *v;
        sb_reset(&c->ptr);
        json_pointer_append(&c->ptr, "providers");
        json_pointer_append_index(&c->ptr, i);
        provider_fault *p = &f->provs[f->nprovs++];
        if (!cJSON_IsObject(e))
            return bad(c, NULL, "expected an object, got %s", json_type_name(e));
        if (known(c, e, keys) < 0 || str_key(c, e, "provider", 1, &p->provider) < 0)
            return -1;
        const cJSON *sec = cJSON_GetObjectItemCaseSensitive(e, "secret");
        if (!cJSON_IsObject(sec) || !cJSON_GetArraySize(sec))
            return bad(c, "secret", "expected an object of Secret keys and the string values the "
                                    "lab stores instead");
        json_pointer_append(&c->ptr, "secret");
        cJSON_ArrayForEach(v, sec)
        {
            if (!cJSON_IsString(v))
                return bad(c, v->string, "expected a string, got %s", json_type_name(v));
        }
        p->secret = cJSON_Duplicate(sec, 1);
    }
    return 0;
}

int lab_faults_parse(lab_faults **out, const char *name, const char *text, mtv_err *err)
{
    *out = NULL;
    lab_faults *f = calloc(1, sizeof *f);
    if (!f)
        abort();
    pthread_mutex_init(&f->mu, NULL);
    f->rand = rand_new(1);
    if (!text) {
        *out = f;
        return 0;
    }
    json_doc doc;
    if (json_doc_parse(&doc, name, text, strlen(text), JSON_HASH_COMMENTS, err) < 0) {
        lab_faults_free(f);
        return -1;
    }
    pctx c = {.doc = &doc, .err = err};
    int rc = -1;
    static const char *const top[] = {"seed", "vms", "plans", "api", "providers", "$schema", NULL};
    if (!cJSON_IsObject(doc.root)) {
        bad(&c, NULL, "expected a JSON object with \"vms\", \"plans\" and \"api\"");
        goto out;
    }
    if (known(&c, doc.root, top) < 0)
        goto out;
    const cJSON *seed = cJSON_GetObjectItem(doc.root, "seed");
    if (seed) {
        if (!cJSON_IsNumber(seed)) {
            bad(&c, "seed", "expected a number");
            goto out;
        }
        rand_free(f->rand);
        f->rand = rand_new((uint64_t)seed->valuedouble);
    }
    static const char *const lists[] = {"vms", "plans", "api"};
    for (int l = 0; l < 3; l++) {
        const cJSON *arr = cJSON_GetObjectItem(doc.root, lists[l]);
        if (!arr)
            continue;
        if (!cJSON_IsArray(arr)) {
            bad(&c, lists[l], "expected an array, got %s", json_type_name(arr));
            goto out;
        }
        size_t n = (size_t)cJSON_GetArraySize(arr);
        if (l == 0)
            f->vms = calloc(n ? n : 1, sizeof *f->vms);
        else if (l == 1)
            f->plans = calloc(n ? n : 1, sizeof *f->plans);
        else
            f->api = calloc(n ? n : 1, sizeof *f->api);
        for (size_t i = 0; i < n; i++) {
            const cJSON *e = cJSON_GetArrayItem(arr, (int)i);
            sb_reset(&c.ptr);
            json_pointer_append(&c.ptr, lists[l]);
            json_pointer_append_index(&c.ptr, i);
            int r;
            if (l == 0) {
                r = parse_vm(&c, e, &f->vms[f->nvms++]);
            } else if (l == 1) {
                plan_fault *p = &f->plans[f->nplans++];
                static const char *const pkeys[] = {"plan", "never_ready", NULL};
                r = !cJSON_IsObject(e) ? bad(&c, NULL, "expected an object")
                    : known(&c, e, pkeys) < 0 ? -1
                    : str_key(&c, e, "plan", 1, &p->plan) < 0 ? -1
                    : str_key(&c, e, "never_ready", 1, &p->message);
            } else {
                r = parse_api(&c, e, &f->api[f->napi++]);
            }
            if (r < 0)
                goto out;
        }
    }
    if (parse_providers(&c, cJSON_GetObjectItem(doc.root, "providers"), f) < 0)
        goto out;
    rc = 0;
out:
    sb_release(&c.ptr);
    json_doc_free(&doc);
    if (rc < 0) {
        lab_faults_free(f);
        return -1;
    }
    *out = f;
    return 0;
}

int lab_faults_load(lab_faults **out, const char *path, mtv_err *err)
{
    if (!path)
        return lab_faults_parse(out, NULL, NULL, err);
    strbuf text = STRBUF_INIT;
    if (fs_read_file(path, &text, err) < 0) {
        mtv_err_prefix(err, "--faults");
        return -1;
    }
    int rc = lab_faults_parse(out, path, text.buf ? text.buf : "", err);
    sb_release(&text);
    return rc;
}

static const vm_fault *vm_match(const lab_faults *f, const char *plan, const char *vm, int i)
{
    const vm_fault *v = &f->vms[i];
    if (!vm || fnmatch(v->vm, vm, 0))
        return NULL;
    if (v->plan && (!plan || fnmatch(v->plan, plan, 0)))
        return NULL;
    return v;
}

const char *lab_faults_vm_fail(const lab_faults *f, const char *plan, const char *vm,
                               const char *step)
{
    for (size_t i = 0; f && i < f->nvms; i++) {
        const vm_fault *v = vm_match(f, plan, vm, (int)i);
        if (v && v->fail_at && !strcmp(v->fail_at, step))
            return v->reason;
    }
    return NULL;
}

int lab_faults_vm_hang(const lab_faults *f, const char *plan, const char *vm, const char *step)
{
    for (size_t i = 0; f && i < f->nvms; i++) {
        const vm_fault *v = vm_match(f, plan, vm, (int)i);
        if (v && v->hang_at && !strcmp(v->hang_at, step))
            return 1;
    }
    return 0;
}

const cJSON *lab_faults_vm_wrong(const lab_faults *f, const char *plan, const char *vm)
{
    for (size_t i = 0; f && i < f->nvms; i++) {
        const vm_fault *v = vm_match(f, plan, vm, (int)i);
        if (v && v->wrong)
            return v->wrong;
    }
    return NULL;
}

const cJSON *lab_faults_vm_source(const lab_faults *f, const char *plan, const char *vm)
{
    for (size_t i = 0; f && i < f->nvms; i++) {
        const vm_fault *v = vm_match(f, plan, vm, (int)i);
        if (v && v->source)
            return v->source;
    }
    return NULL;
}

const cJSON *lab_faults_provider_secret(const lab_faults *f, const char *provider)
{
    for (size_t i = 0; f && provider && i < f->nprovs; i++)
        if (!fnmatch(f->provs[i].provider, provider, 0))
            return f->provs[i].secret;
    return NULL;
}

const char *lab_faults_plan_blocked(const lab_faults *f, const char *plan)
{
    for (size_t i = 0; f && plan && i < f->nplans; i++)
        if (!fnmatch(f->plans[i].plan, plan, 0))
            return f->plans[i].message;
    return NULL;
}

int lab_faults_api(lab_faults *f, const lab_req *req, lab_resp *resp)
{
    if (!f || !f->napi)
        return 0;
    const char *watch = lab_req_query(req, "watch");
    int is_watch = resp->stream != NULL || (watch && !strcmp(watch, "true"));
    pthread_mutex_lock(&f->mu);
    api_fault *hit = NULL;
    for (size_t i = 0; i < f->napi && !hit; i++) {
        api_fault *a = &f->api[i];
        if (a->path && strncmp(req->path, a->path, strlen(a->path)))
            continue;
        if (a->method && strcasecmp(a->method, req->method))
            continue;
        if (a->count && a->fired >= a->count)
            continue;
        if ((a->kind == API_DROP) != is_watch)
            continue;
        if (resp->upgrade)
            continue;
        if (a->rate < 1 && rand_unit(f->rand) >= a->rate)
            continue;
        a->fired++;
        hit = a;
    }
    pthread_mutex_unlock(&f->mu);
    if (!hit)
        return 0;
    log_info("lab: injecting API fault %s into %s %s",
             hit->kind == API_500 ? "500" : hit->kind == API_429 ? "429"
             : hit->kind == API_RESET ? "reset" : hit->kind == API_SLOW ? "slow"
             : hit->kind == API_TRUNCATE ? "truncate" : "drop_watch",
             req->method, req->path);
    switch (hit->kind) {
    case API_500:
    case API_429: {
        /* drop whatever the handler produced, stream or body */
        lab_resp fresh;
        lab_resp_init(&fresh);
        lab_resp_release(resp);
        *resp = fresh;
        if (hit->kind == API_500) {
            lab_resp_status(resp, lab_status_internal("an error on the server (\"injected by the "
                                                      "lab\") has prevented the request from "
                                                      "succeeding"));
        } else {
            lab_resp_status(resp, lab_status_new(429, "TooManyRequests",
                                                 "the server has received too many requests "
                                                 "and has asked us to try again later",
                                                 NULL));
            char ra[32];
            snprintf(ra, sizeof ra, "%ld", hit->retry_after);
            lab_resp_header(resp, "Retry-After", ra);
        }
        break;
    }
    case API_RESET: resp->fault = LAB_RESP_FAULT_RESET; break;
    case API_SLOW:
        resp->fault = LAB_RESP_FAULT_SLOW;
        resp->fault_arg = hit->delay_ms;
        break;
    case API_TRUNCATE: resp->fault = LAB_RESP_FAULT_TRUNCATE; break;
    case API_DROP:
        resp->fault = LAB_RESP_FAULT_DROP;
        resp->fault_arg = hit->after_events;
        break;
    }
    return 1;
}
