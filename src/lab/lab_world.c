/*
 * lab_world: see lab_world.h. Loading is one pass per provider section
 * that checks every key's type (errors carry file:line:col from json_doc)
 * and fills defaults, then a derivation pass that gives every network,
 * storage, VM, disk and NIC the ids, MACs and file names the platform
 * would show, all derived from names with SHA-256 so they never change
 * between runs (cassettes and tests can rely on them).
 */
#include "lab/lab_world.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/fs.h"
#include "util/json.h"

static const char *const type_names[LAB_SRC_COUNT] = {"vsphere", "ovirt", "openstack",
                                                       "openshift", "ova", "hyperv"};

const char *lab_src_type_name(lab_src_type t)
{
    return (unsigned)t < LAB_SRC_COUNT ? type_names[t] : "unknown";
}

int lab_src_type_parse(const char *name)
{
    for (int i = 0; name && i < LAB_SRC_COUNT; i++)
        if (!strcmp(name, type_names[i]))
            return i;
    return -1;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    strbuf sb = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&sb, fmt, ap);
    va_end(ap);
    return sb.buf ? sb_detach(&sb, NULL) : xstrdup("");
}

void lab_stable_uuid(const char *text, char out[37])
{
    char hex[65];
    sha256_hex(text, strlen(text), hex);
    /* version 5-like layout: xxxxxxxx-xxxx-5xxx-8xxx-xxxxxxxxxxxx */
    snprintf(out, 37, "%.8s-%.4s-5%.3s-8%.3s-%.12s", hex, hex + 8, hex + 13, hex + 17, hex + 20);
}

static void stable_mac(const char *prefix, const char *text, char out[18])
{
    char hex[65];
    sha256_hex(text, strlen(text), hex);
    snprintf(out, 18, "%s:%.2s:%.2s:%.2s", prefix, hex, hex + 2, hex + 4);
}

/* ---- parsing helpers ---- */

typedef struct parse_ctx {
    json_doc *doc;
    mtv_err *err;
    strbuf ptr;       /* JSON pointer of the current object */
} parse_ctx;

static int fail_at(parse_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(parse_ctx *c, const char *key, const char *fmt, ...)
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
    /* "vms/2/cpus" reads better than "/vms/2/cpus" */
    const char *path = ptr.len ? ptr.buf + 1 : "(top level)";
    mtv_err_set(c->err, MTV_EXIT_USAGE, "%s: %s: %s", where.buf, path, msg.buf);
    sb_release(&ptr);
    sb_release(&where);
    sb_release(&msg);
    return -1;
}

static int get_int(parse_ctx *c, const cJSON *obj, const char *key, long long dflt, long long min,
                   long long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble)
        return fail_at(c, key, "expected an integer, got %s", json_type_name(v));
    if ((long long)v->valuedouble < min)
        return fail_at(c, key, "expected an integer of at least %lld, got %lld", min,
                       (long long)v->valuedouble);
    *out = (long long)v->valuedouble;
    return 0;
}

static int get_bool(parse_ctx *c, const cJSON *obj, const char *key, int dflt, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (!cJSON_IsBool(v))
        return fail_at(c, key, "expected true or false, got %s", json_type_name(v));
    *out = cJSON_IsTrue(v);
    return 0;
}

static int get_str(parse_ctx *c, const cJSON *obj, const char *key, const char *dflt, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        *out = dflt ? xstrdup(dflt) : NULL;
        return 0;
    }
    if (!cJSON_IsString(v))
        return fail_at(c, key, "expected a string, got %s", json_type_name(v));
    *out = xstrdup(v->valuestring);
    return 0;
}

static int check_keys(parse_ctx *c, const cJSON *obj, const char *const *known, const char *what)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        int ok = 0;
        for (const char *const *k = known; *k && !ok; k++)
            ok = !strcmp(*k, m->string);
        if (!ok) {
            strbuf list = STRBUF_INIT;
            for (const char *const *k = known; *k; k++)
                sb_addf(&list, "%s%s", k == known ? "" : ", ", *k);
            int rc = fail_at(c, m->string, "unknown key in %s; expected one of: %s", what,
                             list.buf);
            sb_release(&list);
            return rc;
        }
    }
    return 0;
}

static void ptr_push(parse_ctx *c, const char *key, long idx, size_t *mark)
{
    *mark = c->ptr.len;
    if (key)
        json_pointer_append(&c->ptr, key);
    if (idx >= 0)
        json_pointer_append_index(&c->ptr, (size_t)idx);
}

static void ptr_pop(parse_ctx *c, size_t mark)
{
    sb_setlen(&c->ptr, mark);
}

static int expect_object(parse_ctx *c, const cJSON *v, const char *what)
{
    if (cJSON_IsObject(v))
        return 0;
    return fail_at(c, NULL, "expected %s (a JSON object), got %s", what, json_type_name(v));
}

/* ---- one VM ---- */

static const char *const vm_keys[] = {"name", "cpus", "cores_per_socket", "memory_mb", "guest_id",
                                      "firmware", "secure_boot", "power", "tools", "hostname",
                                      "disks", "nics", "id", "uuid", "tpm", "change_tracking",
                                      "os_type", NULL};
static const char *const disk_keys[] = {"size_gb", "thin", "storage", "shared", NULL};
static const char *const nic_keys[] = {"network", "mac", "ip", "prefix", "origin", "gateway",
                                       "connected", NULL};

static int parse_disk(parse_ctx *c, const cJSON *d, lab_disk *out)
{
    if (expect_object(c, d, "a disk") < 0 || check_keys(c, d, disk_keys, "a disk") < 0)
        return -1;
    long long gb = 0;
    if (get_int(c, d, "size_gb", 10, 0, &gb) < 0 || get_bool(c, d, "thin", 1, &out->thin) < 0 ||
        get_bool(c, d, "shared", 0, &out->shared) < 0 ||
        get_str(c, d, "storage", NULL, &out->storage) < 0)
        return -1;
    out->capacity = gb * 1024LL * 1024 * 1024;
    return 0;
}

static int parse_nic(parse_ctx *c, const cJSON *n, lab_nic *out)
{
    if (expect_object(c, n, "a NIC") < 0 || check_keys(c, n, nic_keys, "a NIC") < 0)
        return -1;
    long long prefix = 0;
    if (get_str(c, n, "network", NULL, &out->network) < 0 ||
        get_str(c, n, "mac", NULL, &out->mac) < 0 || get_str(c, n, "ip", "", &out->ip) < 0 ||
        get_int(c, n, "prefix", 24, 0, &prefix) < 0 ||
        get_str(c, n, "origin", NULL, &out->origin) < 0 ||
        get_str(c, n, "gateway", "", &out->gateway) < 0 ||
        get_bool(c, n, "connected", 1, &out->connected) < 0)
        return -1;
    if (prefix > 128)
        return fail_at(c, "prefix", "expected a prefix length of at most 128, got %lld", prefix);
    out->prefix = (int)prefix;
    if (!out->origin)
        out->origin = xstrdup(*out->ip ? "dhcp" : "");
    else if (strcmp(out->origin, "manual") && strcmp(out->origin, "dhcp") &&
             strcmp(out->origin, "linklayer") && strcmp(out->origin, "random") &&
             strcmp(out->origin, "other"))
        return fail_at(c, "origin", "expected \"manual\" (static) or \"dhcp\", got \"%s\"",
                       out->origin);
    if (out->mac) {
        int ok = strlen(out->mac) == 17;
        for (int i = 0; ok && i < 17; i++)
            ok = (i % 3 == 2) ? out->mac[i] == ':' : isxdigit((unsigned char)out->mac[i]);
        if (!ok)
            return fail_at(c, "mac", "expected a MAC address like 00:50:56:aa:00:01, got \"%s\"",
                           out->mac);
        for (char *p = out->mac; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    return 0;
}

static int parse_vm(parse_ctx *c, const cJSON *v, lab_vm *vm)
{
    memset(vm, 0, sizeof *vm);
    if (expect_object(c, v, "a VM") < 0 || check_keys(c, v, vm_keys, "a VM") < 0)
        return -1;
    long long cpus = 0, cps = 0, mem = 0;
    char *power = NULL;
    if (get_str(c, v, "name", NULL, &vm->name) < 0)
        return -1;
    if (!vm->name || !*vm->name)
        return fail_at(c, NULL, "every VM needs a \"name\"");
    if (get_int(c, v, "cpus", 1, 1, &cpus) < 0 ||
        get_int(c, v, "cores_per_socket", 1, 1, &cps) < 0 ||
        get_int(c, v, "memory_mb", 1024, 1, &mem) < 0 ||
        get_str(c, v, "guest_id", "rhel7_64Guest", &vm->guest_id) < 0 ||
        get_str(c, v, "firmware", "bios", &vm->firmware) < 0 ||
        get_bool(c, v, "secure_boot", 0, &vm->secure_boot) < 0 ||
        get_str(c, v, "power", "on", &power) < 0 || get_str(c, v, "hostname", NULL, &vm->hostname) < 0 ||
        get_str(c, v, "id", NULL, &vm->id) < 0 || get_str(c, v, "uuid", NULL, &vm->uuid) < 0 ||
        get_bool(c, v, "tpm", 0, &vm->tpm) < 0 ||
        get_bool(c, v, "change_tracking", 1, &vm->change_tracking) < 0 ||
        get_str(c, v, "os_type", NULL, &vm->os_type) < 0) {
        free(power);
        return -1;
    }
    if (strcmp(power, "on") && strcmp(power, "off")) {
        free(power);
        return fail_at(c, "power", "expected \"on\" or \"off\"");
    }
    vm->power_on = !strcmp(power, "on");
    free(power);
    if (get_bool(c, v, "tools", 1, &vm->tools) < 0)
        return -1;
    if (strcmp(vm->firmware, "bios") && strcmp(vm->firmware, "efi"))
        return fail_at(c, "firmware", "expected \"bios\" or \"efi\", got \"%s\"", vm->firmware);
    if (cpus % cps)
        return fail_at(c, "cores_per_socket", "cpus (%lld) must be a multiple of "
                       "cores_per_socket (%lld)", cpus, cps);
    vm->cpus = (int)cpus;
    vm->cores_per_socket = (int)cps;
    vm->memory_mb = mem;
    const cJSON *disks = cJSON_GetObjectItemCaseSensitive(v, "disks");
    const cJSON *nics = cJSON_GetObjectItemCaseSensitive(v, "nics");
    if (disks && !cJSON_IsArray(disks))
        return fail_at(c, "disks", "expected an array of disks, got %s", json_type_name(disks));
    if (nics && !cJSON_IsArray(nics))
        return fail_at(c, "nics", "expected an array of NICs, got %s", json_type_name(nics));
    vm->ndisks = (size_t)cJSON_GetArraySize(disks);
    vm->disks = calloc(vm->ndisks ? vm->ndisks : 1, sizeof *vm->disks);
    vm->nnics = (size_t)cJSON_GetArraySize(nics);
    vm->nics = calloc(vm->nnics ? vm->nnics : 1, sizeof *vm->nics);
    if (!vm->disks || !vm->nics)
        abort();
    for (size_t i = 0; i < vm->ndisks; i++) {
        size_t mark;
        ptr_push(c, "disks", (long)i, &mark);
        int rc = parse_disk(c, cJSON_GetArrayItem(disks, (int)i), &vm->disks[i]);
        ptr_pop(c, mark);
        if (rc < 0)
            return -1;
    }
    for (size_t i = 0; i < vm->nnics; i++) {
        size_t mark;
        ptr_push(c, "nics", (long)i, &mark);
        int rc = parse_nic(c, cJSON_GetArrayItem(nics, (int)i), &vm->nics[i]);
        ptr_pop(c, mark);
        if (rc < 0)
            return -1;
    }
    return 0;
}

void lab_vm_release(lab_vm *vm)
{
    free(vm->name);
    free(vm->id);
    free(vm->uuid);
    free(vm->guest_id);
    free(vm->os_type);
    free(vm->firmware);
    free(vm->hostname);
    free(vm->host_id);
    free(vm->folder_path);
    for (size_t i = 0; i < vm->ndisks; i++) {
        lab_disk *d = &vm->disks[i];
        free(d->storage);
        free(d->storage_id);
        free(d->id);
        free(d->file);
        free(d->serial);
        free(d->bus);
    }
    free(vm->disks);
    for (size_t i = 0; i < vm->nnics; i++) {
        lab_nic *n = &vm->nics[i];
        free(n->network);
        free(n->network_id);
        free(n->mac);
        free(n->ip);
        free(n->origin);
        free(n->gateway);
        free(n->model);
        free(n->id);
    }
    free(vm->nics);
    memset(vm, 0, sizeof *vm);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void lab_vm_copy(lab_vm *dst, const lab_vm *src)
{
    *dst = *src;
    dst->name = dup_or_null(src->name);
    dst->id = dup_or_null(src->id);
    dst->uuid = dup_or_null(src->uuid);
    dst->guest_id = dup_or_null(src->guest_id);
    dst->os_type = dup_or_null(src->os_type);
    dst->firmware = dup_or_null(src->firmware);
    dst->hostname = dup_or_null(src->hostname);
    dst->host_id = dup_or_null(src->host_id);
    dst->folder_path = dup_or_null(src->folder_path);
    dst->disks = calloc(src->ndisks ? src->ndisks : 1, sizeof *dst->disks);
    dst->nics = calloc(src->nnics ? src->nnics : 1, sizeof *dst->nics);
    if (!dst->disks || !dst->nics)
        abort();
    for (size_t i = 0; i < src->ndisks; i++) {
        lab_disk *d = &dst->disks[i];
        const lab_disk *s = &src->disks[i];
        *d = *s;
        d->storage = dup_or_null(s->storage);
        d->storage_id = dup_or_null(s->storage_id);
        d->id = dup_or_null(s->id);
        d->file = dup_or_null(s->file);
        d->serial = dup_or_null(s->serial);
        d->bus = dup_or_null(s->bus);
    }
    for (size_t i = 0; i < src->nnics; i++) {
        lab_nic *n = &dst->nics[i];
        const lab_nic *s = &src->nics[i];
        *n = *s;
        n->network = dup_or_null(s->network);
        n->network_id = dup_or_null(s->network_id);
        n->mac = dup_or_null(s->mac);
        n->ip = dup_or_null(s->ip);
        n->origin = dup_or_null(s->origin);
        n->gateway = dup_or_null(s->gateway);
        n->model = dup_or_null(s->model);
        n->id = dup_or_null(s->id);
    }
}

static void named_free(lab_named *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].id);
        free(l[i].name);
    }
    free(l);
}

static lab_named *named_copy(const lab_named *l, size_t n)
{
    lab_named *out = calloc(n ? n : 1, sizeof *out);
    if (!out)
        abort();
    for (size_t i = 0; i < n; i++) {
        out[i].id = xstrdup(l[i].id);
        out[i].name = xstrdup(l[i].name);
    }
    return out;
}

void lab_source_release(lab_source *s)
{
    for (size_t i = 0; i < s->nvms; i++)
        lab_vm_release(&s->vms[i]);
    free(s->vms);
    named_free(s->networks, s->nnetworks);
    named_free(s->storages, s->nstorages);
    named_free(s->hosts, s->nhosts);
    free(s->namespace);
    free(s->about);
    memset(s, 0, sizeof *s);
}

void lab_source_copy(lab_source *dst, const lab_source *src)
{
    *dst = *src;
    dst->namespace = dup_or_null(src->namespace);
    dst->networks = named_copy(src->networks, src->nnetworks);
    dst->storages = named_copy(src->storages, src->nstorages);
    dst->hosts = named_copy(src->hosts, src->nhosts);
    dst->about = dup_or_null(src->about);
    dst->vms = calloc(src->nvms ? src->nvms : 1, sizeof *dst->vms);
    if (!dst->vms)
        abort();
    for (size_t i = 0; i < src->nvms; i++)
        lab_vm_copy(&dst->vms[i], &src->vms[i]);
}

static void reset_str(char **slot, const char *v)
{
    free(*slot);
    *slot = strdup(v);
    if (!*slot)
        abort();
}

void lab_vm_clone(lab_vm *dst, const lab_vm *src, const char *name, const char *seed,
                  const char *mac_prefix, int keep_macs)
{
    lab_vm_copy(dst, src);
    char id[37];
    strbuf k = STRBUF_INIT;
    reset_str(&dst->name, name);
    sb_addf(&k, "clone/%s/id", seed);
    lab_stable_uuid(k.buf, id);
    reset_str(&dst->id, id);
    sb_reset(&k);
    sb_addf(&k, "clone/%s/uuid", seed);
    lab_stable_uuid(k.buf, id);
    reset_str(&dst->uuid, id);
    reset_str(&dst->hostname, name);
    dst->power_on = 0;
    for (size_t i = 0; i < dst->ndisks; i++) {
        if (!dst->disks[i].id || !*dst->disks[i].id)
            continue;
        sb_reset(&k);
        sb_addf(&k, "clone/%s/disk/%zu", seed, i);
        lab_stable_uuid(k.buf, id);
        reset_str(&dst->disks[i].id, id);
    }
    for (size_t i = 0; i < dst->nnics; i++) {
        sb_reset(&k);
        sb_addf(&k, "clone/%s/nic/%zu", seed, i);
        if (dst->nics[i].id && *dst->nics[i].id) {
            lab_stable_uuid(k.buf, id);
            reset_str(&dst->nics[i].id, id);
        }
        if (!keep_macs) {
            char mac[18];
            stable_mac(mac_prefix, k.buf, mac);
            reset_str(&dst->nics[i].mac, mac);
        }
    }
    sb_release(&k);
}

void lab_source_add_vm(lab_source *s, lab_vm *vm)
{
    lab_vm *vms = realloc(s->vms, (s->nvms + 1) * sizeof *vms);
    if (!vms)
        abort();
    s->vms = vms;
    s->vms[s->nvms++] = *vm;
    memset(vm, 0, sizeof *vm);
}

int lab_source_remove_vm(lab_source *s, const char *id)
{
    for (size_t i = 0; i < s->nvms; i++) {
        if (strcmp(s->vms[i].id, id))
            continue;
        lab_vm_release(&s->vms[i]);
        memmove(&s->vms[i], &s->vms[i + 1], (s->nvms - i - 1) * sizeof *s->vms);
        s->nvms--;
        return 0;
    }
    return -1;
}

void lab_world_free(lab_world *w)
{
    for (int i = 0; i < LAB_SRC_COUNT; i++)
        lab_source_release(&w->src[i]);
    cJSON_Delete(w->vsphere_doc);
    memset(w, 0, sizeof *w);
}

/* ---- derivation ---- */

static int named_index(const lab_named *l, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(l[i].name, name))
            return (int)i;
    return -1;
}

static void named_add(lab_named **l, size_t *n, const char *name)
{
    if (named_index(*l, *n, name) >= 0)
        return;
    *l = realloc(*l, (*n + 1) * sizeof **l);
    if (!*l)
        abort();
    (*l)[*n].name = xstrdup(name);
    (*l)[*n].id = NULL;
    (*n)++;
}

static const char *const default_storage[LAB_SRC_COUNT] = {"LocalDS_0", "data-nfs", "tripleo",
                                                            "standard", "ova-store",
                                                            "hyperv-datastore"};
static const char *const default_network[LAB_SRC_COUNT] = {"VM Network", "ovirtmgmt", "public",
                                                            "pod", "VM Network", "External Switch"};
static const char *const mac_prefix[LAB_SRC_COUNT] = {"00:50:56", "56:6f:1a", "fa:16:3e",
                                                       "02:6b:76", "00:50:56", "00:15:5d"};

static int is_windows(const lab_vm *vm)
{
    const char *s[] = {vm->guest_id, vm->os_type};
    for (int i = 0; i < 2; i++)
        if (s[i] && strcasestr(s[i], "win"))
            return 1;
    return 0;
}

static void derive(lab_source *s)
{
    const char *t = lab_src_type_name(s->type);
    char id[64];
    for (size_t i = 0; i < s->nvms; i++)
        for (size_t j = 0; j < s->vms[i].nnics; j++)
            if (s->vms[i].nics[j].network)
                named_add(&s->networks, &s->nnetworks, s->vms[i].nics[j].network);
    if (!s->nnetworks)
        named_add(&s->networks, &s->nnetworks, default_network[s->type]);
    if (s->type == LAB_SRC_OVA) {
        /* an OVA's storages are its disk files */
        named_free(s->storages, s->nstorages);
        s->storages = NULL;
        s->nstorages = 0;
        for (size_t i = 0; i < s->nvms; i++)
            for (size_t j = 0; j < s->vms[i].ndisks; j++) {
                free(s->vms[i].disks[j].storage);
                s->vms[i].disks[j].storage = xprintf("%s-disk%zu.vmdk", s->vms[i].name, j + 1);
                named_add(&s->storages, &s->nstorages, s->vms[i].disks[j].storage);
            }
    }
    if (!s->nstorages)
        named_add(&s->storages, &s->nstorages, default_storage[s->type]);
    if (s->type == LAB_SRC_VSPHERE && !s->nhosts) {
        named_add(&s->hosts, &s->nhosts, "DC0_H0");
        s->hosts[0].id = xstrdup("host-21");
    }
    for (size_t i = 0; i < s->nvms; i++)
        for (size_t j = 0; j < s->vms[i].ndisks; j++)
            if (s->vms[i].disks[j].storage)
                named_add(&s->storages, &s->nstorages, s->vms[i].disks[j].storage);
    for (size_t i = 0; i < s->nnetworks; i++) {
        strbuf key = STRBUF_INIT;
        sb_addf(&key, "%s/network/%s", t, s->networks[i].name);
        if (s->type == LAB_SRC_VSPHERE)
            snprintf(id, sizeof id, !strcmp(s->networks[i].name, "VM Network") ? "network-%zu"
                                                                              : "dvportgroup-%zu",
                     !strcmp(s->networks[i].name, "VM Network") ? (size_t)7 : 100 + i);
        else if (s->type == LAB_SRC_OPENSHIFT)
            snprintf(id, sizeof id, "%s/%s", s->namespace, s->networks[i].name);
        else
            lab_stable_uuid(key.buf, id);
        free(s->networks[i].id);
        s->networks[i].id = xstrdup(id);
        sb_release(&key);
    }
    for (size_t i = 0; i < s->nstorages; i++) {
        strbuf key = STRBUF_INIT;
        sb_addf(&key, "%s/storage/%s", t, s->storages[i].name);
        if (s->type == LAB_SRC_VSPHERE)
            snprintf(id, sizeof id, "datastore-%zu", 200 + i);
        else if (s->type == LAB_SRC_OPENSHIFT)
            snprintf(id, sizeof id, "%s", s->storages[i].name);
        else
            lab_stable_uuid(key.buf, id);
        free(s->storages[i].id);
        s->storages[i].id = xstrdup(id);
        sb_release(&key);
    }
    for (size_t i = 0; i < s->nvms; i++) {
        lab_vm *vm = &s->vms[i];
        strbuf key = STRBUF_INIT;
        sb_addf(&key, "%s/vm/%s", t, vm->name);
        if (!vm->id) {
            if (s->type == LAB_SRC_VSPHERE)
                vm->id = xprintf("vm-%zu", 1000 + i);
            else if (s->type == LAB_SRC_OPENSHIFT)
                vm->id = xstrdup(""); /* the uid comes when the VM is created */
            else {
                lab_stable_uuid(key.buf, id);
                vm->id = xstrdup(id);
            }
        }
        if (!vm->uuid) {
            sb_adds(&key, "/uuid");
            lab_stable_uuid(key.buf, id);
            vm->uuid = xstrdup(id);
        }
        vm->is_windows = is_windows(vm);
        if (!vm->os_type)
            vm->os_type = xstrdup(vm->is_windows ? "windows_2019x64" : "rhel_8x64");
        if (!vm->hostname)
            vm->hostname = xstrdup(vm->name);
        vm->host_id = xstrdup(s->type == LAB_SRC_VSPHERE ? "host-21" : "");
        vm->folder_path = xprintf("/DC0/vm/%s", vm->name);
        for (size_t j = 0; j < vm->ndisks; j++) {
            lab_disk *d = &vm->disks[j];
            if (!d->storage)
                d->storage = xstrdup(s->storages[0].name);
            int si = named_index(s->storages, s->nstorages, d->storage);
            d->storage_id = xstrdup(s->storages[si < 0 ? 0 : si].id);
            strbuf dk = STRBUF_INIT;
            sb_addf(&dk, "%s/disk/%s/%zu", t, vm->name, j);
            if (d->shared)
                sb_addf(&dk, "/shared");
            lab_stable_uuid(dk.buf, id);
            d->id = xstrdup(s->type == LAB_SRC_VSPHERE ? "" : id);
            char hex[65];
            sha256_hex(dk.buf, dk.len, hex);
            d->serial = xprintf("6000C29%.1s-%.4s-%.4s-%.4s-%.12s", hex, hex + 1, hex + 5, hex + 9,
                                hex + 13);
            sb_release(&dk);
            if (s->type == LAB_SRC_VSPHERE)
                d->file = xprintf("[%s] %s/%s_%zu.vmdk", d->storage, vm->name, vm->name, j);
            else if (s->type == LAB_SRC_OVA)
                d->file = xprintf("%s-disk%zu.vmdk", vm->name, j + 1);
            else if (s->type == LAB_SRC_HYPERV)
                d->file = xprintf("C:\\VMs\\%s\\%s_%zu.vhdx", vm->name, vm->name, j);
            else
                d->file = xstrdup("");
            d->key = 2000 + (int)j;
            d->unit = (int)j;
            d->controller_key = 1000;
            d->bus = xstrdup(s->type == LAB_SRC_VSPHERE || s->type == LAB_SRC_OVA ? "scsi"
                                                                                  : "virtio");
        }
        for (size_t j = 0; j < vm->nnics; j++) {
            lab_nic *n = &vm->nics[j];
            if (!n->network)
                n->network = xstrdup(s->networks[0].name);
            int ni = named_index(s->networks, s->nnetworks, n->network);
            n->network_id = xstrdup(s->networks[ni < 0 ? 0 : ni].id);
            strbuf nk = STRBUF_INIT;
            sb_addf(&nk, "%s/nic/%s/%zu", t, vm->name, j);
            if (!n->mac) {
                char mac[18];
                stable_mac(mac_prefix[s->type], nk.buf, mac);
                n->mac = xstrdup(mac);
            }
            lab_stable_uuid(nk.buf, id);
            n->id = xstrdup(id);
            n->model = xstrdup(s->type == LAB_SRC_VSPHERE ? "vmxnet3" : "virtio");
            sb_release(&nk);
        }
        sb_release(&key);
    }
}

/* Renames a shared VM list's networks and storages position by position
 * from the top-level lists to the section's own. */
static void remap(lab_source *s, const lab_named *from_net, size_t nfrom_net,
                  const lab_named *from_sto, size_t nfrom_sto)
{
    for (size_t i = 0; i < s->nvms; i++) {
        lab_vm *vm = &s->vms[i];
        for (size_t j = 0; j < vm->nnics; j++) {
            int k = vm->nics[j].network ? named_index(from_net, nfrom_net, vm->nics[j].network)
                                        : 0;
            if (k >= 0 && (size_t)k < s->nnetworks) {
                free(vm->nics[j].network);
                vm->nics[j].network = xstrdup(s->networks[k].name);
            }
        }
        for (size_t j = 0; j < vm->ndisks; j++) {
            int k = vm->disks[j].storage ? named_index(from_sto, nfrom_sto, vm->disks[j].storage)
                                         : 0;
            if (k >= 0 && (size_t)k < s->nstorages) {
                free(vm->disks[j].storage);
                vm->disks[j].storage = xstrdup(s->storages[k].name);
            }
        }
    }
}

static int parse_names(parse_ctx *c, const cJSON *obj, const char *key, lab_named **out,
                       size_t *n)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return fail_at(c, key, "expected an array of names, got %s", json_type_name(arr));
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, arr)
    {
        if (!cJSON_IsString(e) || !*e->valuestring) {
            size_t mark;
            ptr_push(c, key, i, &mark);
            int rc = fail_at(c, NULL, "expected a non-empty name, got %s", json_type_name(e));
            ptr_pop(c, mark);
            return rc;
        }
        named_add(out, n, e->valuestring);
        i++;
    }
    return 0;
}

static int parse_vms(parse_ctx *c, const cJSON *arr, lab_source *s)
{
    if (!cJSON_IsArray(arr))
        return fail_at(c, "vms", "expected an array of VMs, got %s", json_type_name(arr));
    s->nvms = (size_t)cJSON_GetArraySize(arr);
    s->vms = calloc(s->nvms ? s->nvms : 1, sizeof *s->vms);
    if (!s->vms)
        abort();
    for (size_t i = 0; i < s->nvms; i++) {
        size_t mark;
        ptr_push(c, "vms", (long)i, &mark);
        int rc = parse_vm(c, cJSON_GetArrayItem(arr, (int)i), &s->vms[i]);
        ptr_pop(c, mark);
        if (rc < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s->vms[j].name, s->vms[i].name)) {
                ptr_push(c, "vms", (long)i, &mark);
                rc = fail_at(c, "name", "VM name \"%s\" is used twice", s->vms[i].name);
                ptr_pop(c, mark);
                return rc;
            }
    }
    return 0;
}

static const char *const top_keys[] = {"networks", "vms", "datastores", "ovirt", "openstack",
                                       "openshift", "ova", "hyperv", "$schema", NULL};
static const char *const section_keys[] = {"networks", "storages", "vms", "namespace", NULL};

int lab_world_parse(lab_world *w, const char *name, const char *text, size_t n, mtv_err *err)
{
    memset(w, 0, sizeof *w);
    json_doc doc;
    if (json_doc_parse(&doc, name, text, n, JSON_HASH_COMMENTS, err) < 0)
        return -1;
    parse_ctx c = {.doc = &doc, .err = err};
    int rc = -1;
    const cJSON *root = doc.root;
    if (expect_object(&c, root, "a world document") < 0 ||
        check_keys(&c, root, top_keys, "the world document") < 0)
        goto out;
    lab_source *vs = &w->src[LAB_SRC_VSPHERE];
    vs->type = LAB_SRC_VSPHERE;
    vs->present = 1;
    const cJSON *top_vms = cJSON_GetObjectItemCaseSensitive(root, "vms");
    if (parse_names(&c, root, "networks", &vs->networks, &vs->nnetworks) < 0 ||
        parse_names(&c, root, "datastores", &vs->storages, &vs->nstorages) < 0)
        goto out;
    if (top_vms && parse_vms(&c, top_vms, vs) < 0)
        goto out;
    /* the top-level names before derivation, for remapping shared lists */
    lab_source base;
    memset(&base, 0, sizeof base);
    base.type = LAB_SRC_VSPHERE;
    base.networks = named_copy(vs->networks, vs->nnetworks);
    base.nnetworks = vs->nnetworks;
    for (size_t i = 0; i < vs->nvms; i++)
        for (size_t j = 0; j < vs->vms[i].nnics; j++)
            named_add(&base.networks, &base.nnetworks,
                      vs->vms[i].nics[j].network ? vs->vms[i].nics[j].network : "VM Network");
    base.storages = named_copy(vs->storages, vs->nstorages);
    base.nstorages = vs->nstorages;
    named_add(&base.storages, &base.nstorages, default_storage[LAB_SRC_VSPHERE]);
    rc = 0;
    for (int t = LAB_SRC_OVIRT; t < LAB_SRC_COUNT && rc == 0; t++) {
        lab_source *s = &w->src[t];
        s->type = (lab_src_type)t;
        const cJSON *sec = cJSON_GetObjectItemCaseSensitive(root, type_names[t]);
        if (!sec)
            continue;
        size_t mark;
        ptr_push(&c, type_names[t], -1, &mark);
        rc = -1;
        if (expect_object(&c, sec, "a provider section") < 0 ||
            check_keys(&c, sec, section_keys, "a provider section") < 0 ||
            parse_names(&c, sec, "networks", &s->networks, &s->nnetworks) < 0 ||
            parse_names(&c, sec, "storages", &s->storages, &s->nstorages) < 0 ||
            get_str(&c, sec, "namespace", t == LAB_SRC_OPENSHIFT ? "mtv-source-vms" : NULL,
                    &s->namespace) < 0) {
            ptr_pop(&c, mark);
            break;
        }
        const cJSON *vms = cJSON_GetObjectItemCaseSensitive(sec, "vms");
        if (vms) {
            rc = parse_vms(&c, vms, s);
        } else {
            s->nvms = vs->nvms;
            s->vms = calloc(s->nvms ? s->nvms : 1, sizeof *s->vms);
            if (!s->vms)
                abort();
            for (size_t i = 0; i < s->nvms; i++)
                lab_vm_copy(&s->vms[i], &vs->vms[i]);
            remap(s, base.networks, base.nnetworks, base.storages, base.nstorages);
            rc = 0;
        }
        ptr_pop(&c, mark);
        s->present = 1;
    }
    lab_source_release(&base);
    if (rc < 0)
        goto out;
    for (int t = 0; t < LAB_SRC_COUNT; t++)
        if (w->src[t].present)
            derive(&w->src[t]);
    w->vsphere_doc = cJSON_CreateObject();
    const cJSON *top_nets = cJSON_GetObjectItemCaseSensitive(root, "networks");
    cJSON_AddItemToObject(w->vsphere_doc, "networks",
                          top_nets ? cJSON_Duplicate(top_nets, 1) : cJSON_CreateArray());
    cJSON_AddItemToObject(w->vsphere_doc, "vms",
                          top_vms ? cJSON_Duplicate(top_vms, 1) : cJSON_CreateArray());
out:
    sb_release(&c.ptr);
    json_doc_free(&doc);
    if (rc < 0)
        lab_world_free(w);
    return rc;
}

int lab_world_load(lab_world *w, const char *path, mtv_err *err)
{
    if (!path)
        return lab_world_parse(w, "(built-in world)", lab_world_default_json,
                               strlen(lab_world_default_json), err);
    strbuf text = STRBUF_INIT;
    if (fs_read_file(path, &text, err) < 0) {
        mtv_err_prefix(err, "--world");
        return -1;
    }
    int rc = lab_world_parse(w, path, text.buf ? text.buf : "", text.len, err);
    sb_release(&text);
    return rc;
}

void lab_world_vsphere_json(const lab_world *w, strbuf *out)
{
    char *txt = cJSON_Print(w->vsphere_doc);
    sb_adds(out, txt ? txt : "{}");
    sb_addc(out, '\n');
    free(txt);
}

const lab_vm *lab_source_find_vm(const lab_source *s, const char *id, const char *name)
{
    for (size_t i = 0; i < s->nvms; i++) {
        if (id && *id && !strcmp(s->vms[i].id, id))
            return &s->vms[i];
    }
    for (size_t i = 0; name && *name && i < s->nvms; i++)
        if (!strcmp(s->vms[i].name, name))
            return &s->vms[i];
    return NULL;
}

const lab_named *lab_source_find(const lab_named *list, size_t n, const char *id,
                                 const char *name)
{
    for (size_t i = 0; id && *id && i < n; i++)
        if (!strcmp(list[i].id, id))
            return &list[i];
    for (size_t i = 0; name && *name && i < n; i++)
        if (!strcmp(list[i].name, name))
            return &list[i];
    return NULL;
}
