/*
 * lab_openstack: see lab_openstack.h. Each service is a function from a
 * split path to a JSON document built from the world's OpenStack source;
 * the same builders serve lists and single objects.
 */
#include "lab/lab_openstack.h"

#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_inv_int.h"
#include "util/log.h"
#include "util/rand.h"
#include "util/strmap.h"

/* What a server clone is made of, as Nova, Cinder and Glance keep it:
 * createImage snapshots every volume of a server (Cinder snapshots) into a
 * Glance image whose block_device_mapping names them; volumes made from
 * those snapshots boot a new server. A volume remembers the world disk it
 * descends from, so the server made from it gets that disk's shape.
 * POST /snapshots snapshots one volume on its own (the source adapter's
 * snapshot of a server). */
typedef struct os_snap {
    char *id, *name, *volume_id, *vm_id;   /* vm_id/disk: the disk it copies */
    char *description;                     /* may be NULL */
    size_t disk;
    long long size_gb;
} os_snap;

typedef struct os_image {
    char *id, *name, *server_id;
    char *bdm;                 /* block_device_mapping, a JSON text as Glance keeps it */
} os_image;

typedef struct os_volume {
    char *id, *name, *snapshot_id, *vm_id;  /* vm_id/disk: as its snapshot's */
    size_t disk;
    long long size_gb;
    char *server_id;           /* attached to (NULL: available) */
} os_volume;

struct lab_openstack {
    const lab_source *world;
    lab_source src;            /* servers now: the world's and those made through Nova */
    os_snap *snaps;
    size_t nsnaps;
    os_image *images;
    size_t nimages;
    os_volume *vols;
    size_t nvols;
    unsigned long made;        /* objects created so far: seeds their ids */
    pthread_rwlock_t data;     /* around src, snaps, images, vols */
    lab_power *power;
    lab_inv *inv;
    char *user, *password;
    /* set once the lab's port is known, while requests may already run;
     * the first value is kept until free so a reader never sees it freed */
    char *_Atomic base;
    char *first_base;
    pthread_mutex_t mu;
    strmap tokens;
    mtv_rand *rand;
};

#define TS "2026-01-01T00:00:00Z"
#define TSU "2026-01-01T00:00:00.000000"
#define USER_ID "0b5e9a6f3c7d4e8f9a0b1c2d3e4f5a6b"

lab_openstack *lab_openstack_new(const lab_source *src, lab_power *power, lab_inv *inv,
                                 const char *user, const char *password)
{
    lab_openstack *o = calloc(1, sizeof *o);
    if (!o)
        abort();
    o->world = src;
    lab_source_copy(&o->src, src);
    pthread_rwlock_init(&o->data, NULL);
    o->power = power;
    o->inv = inv;
    o->user = strdup(user ? user : "");
    o->password = strdup(password ? password : "");
    o->first_base = strdup("");
    atomic_store(&o->base, o->first_base);
    pthread_mutex_init(&o->mu, NULL);
    o->rand = rand_new_entropy();
    return o;
}

void lab_openstack_set_base(lab_openstack *o, const char *base_url)
{
    char *old = atomic_exchange(&o->base, strdup(base_url ? base_url : ""));
    if (old != o->first_base)
        free(old);
}

void lab_openstack_free(lab_openstack *o)
{
    if (!o)
        return;
    free(o->user);
    free(o->password);
    char *b = atomic_load(&o->base);
    if (b != o->first_base)
        free(b);
    free(o->first_base);
    strmap_free(&o->tokens);
    rand_free(o->rand);
    pthread_mutex_destroy(&o->mu);
    lab_source_release(&o->src);
    for (size_t i = 0; i < o->nsnaps; i++) {
        free(o->snaps[i].id);
        free(o->snaps[i].name);
        free(o->snaps[i].volume_id);
        free(o->snaps[i].vm_id);
        free(o->snaps[i].description);
    }
    free(o->snaps);
    for (size_t i = 0; i < o->nimages; i++) {
        free(o->images[i].id);
        free(o->images[i].name);
        free(o->images[i].server_id);
        free(o->images[i].bdm);
    }
    free(o->images);
    for (size_t i = 0; i < o->nvols; i++) {
        free(o->vols[i].id);
        free(o->vols[i].name);
        free(o->vols[i].snapshot_id);
        free(o->vols[i].vm_id);
        free(o->vols[i].server_id);
    }
    free(o->vols);
    pthread_rwlock_destroy(&o->data);
    free(o);
}

/* Nova's servers?name= filter is a regular expression searched in the
 * name ("^vm$" for an exact match); a pattern that does not compile is
 * taken as a plain substring. */
static int name_matches(const char *name, const char *pattern)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return strstr(name, pattern) != NULL;
    int hit = regexec(&re, name, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

static void project_id(char out[37])
{
    inv_openstack_project_id(out);
}

/* Keystone-style ids: 32 hex digits (a uuid without dashes). */
static void hex_id(const char *uuid, char out[33])
{
    size_t j = 0;
    for (size_t i = 0; uuid[i] && j < 32; i++)
        if (uuid[i] != '-')
            out[j++] = uuid[i];
    out[j] = '\0';
}

static void error(lab_resp *resp, int code, const char *key, const char *title,
                  const char *message)
{
    cJSON *e = cJSON_CreateObject();
    cJSON *inner = cJSON_AddObjectToObject(e, key);
    cJSON_AddNumberToObject(inner, "code", code);
    if (title)
        cJSON_AddStringToObject(inner, "title", title);
    cJSON_AddStringToObject(inner, "message", message);
    lab_resp_json(resp, code, e);
    cJSON_Delete(e);
}

static void send(lab_resp *resp, int code, cJSON *body)
{
    lab_resp_json(resp, code, body);
    cJSON_Delete(body);
}

static cJSON *links(const char *self, const char *bookmark)
{
    cJSON *l = cJSON_CreateArray();
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "rel", "self");
    cJSON_AddStringToObject(a, "href", self);
    cJSON_AddItemToArray(l, a);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "rel", "bookmark");
    cJSON_AddStringToObject(b, "href", bookmark);
    cJSON_AddItemToArray(l, b);
    return l;
}

/* ---- Keystone ---- */

static const char *jstr(const cJSON *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *save, *t = strtok_r(buf, ".", &save); t && cur; t = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, t);
    const char *s = cJSON_GetStringValue(cur);
    return s ? s : "";
}

static cJSON *endpoint_set(lab_openstack *o, const char *type, const char *name,
                           const char *path)
{
    cJSON *svc = cJSON_CreateObject();
    cJSON *eps = cJSON_AddArrayToObject(svc, "endpoints");
    static const char *const ifaces[] = {"admin", "internal", "public"};
    for (int i = 0; i < 3; i++) {
        cJSON *e = cJSON_CreateObject();
        char key[128], id[37], hex[33];
        snprintf(key, sizeof key, "openstack/endpoint/%s/%s", type, ifaces[i]);
        lab_stable_uuid(key, id);
        hex_id(id, hex);
        cJSON_AddStringToObject(e, "id", hex);
        cJSON_AddStringToObject(e, "interface", ifaces[i]);
        cJSON_AddStringToObject(e, "region_id", "RegionOne");
        strbuf url = STRBUF_INIT;
        sb_addf(&url, "%s/openstack/%s", atomic_load(&o->base), path);
        cJSON_AddStringToObject(e, "url", url.buf);
        sb_release(&url);
        cJSON_AddStringToObject(e, "region", "RegionOne");
        cJSON_AddItemToArray(eps, e);
    }
    char key[128], id[37], hex[33];
    snprintf(key, sizeof key, "openstack/service/%s", type);
    lab_stable_uuid(key, id);
    hex_id(id, hex);
    cJSON_AddStringToObject(svc, "id", hex);
    cJSON_AddStringToObject(svc, "type", type);
    cJSON_AddStringToObject(svc, "name", name);
    return svc;
}

static void issue_token(lab_openstack *o, lab_req *req, lab_resp *resp)
{
    cJSON *body = cJSON_ParseWithLength(req->body ? req->body : "", req->body_len);
    const char *user = jstr(body, "auth.identity.password.user.name");
    const char *pass = jstr(body, "auth.identity.password.user.password");
    if (!*user || strcmp(user, o->user) || strcmp(pass, o->password)) {
        cJSON_Delete(body);
        error(resp, 401, "error", "Unauthorized",
              "The request you have made requires authentication.");
        return;
    }
    cJSON_Delete(body);
    strbuf tok = STRBUF_INIT;
    rand_name(o->rand, "gAAAAAB", 48, &tok);
    secrets_add(log_secrets(), "lab.openstack.token", tok.buf);
    pthread_mutex_lock(&o->mu);
    strmap_put(&o->tokens, tok.buf, (void *)1);
    pthread_mutex_unlock(&o->mu);
    char project[37], phex[33], uid[37], uhex[33];
    project_id(project);
    hex_id(project, phex);
    lab_stable_uuid("openstack/user/admin", uid);
    hex_id(uid, uhex);
    cJSON *root = cJSON_CreateObject();
    cJSON *t = cJSON_AddObjectToObject(root, "token");
    cJSON *methods = cJSON_AddArrayToObject(t, "methods");
    cJSON_AddItemToArray(methods, cJSON_CreateString("password"));
    cJSON *u = cJSON_AddObjectToObject(t, "user");
    cJSON *d = cJSON_AddObjectToObject(u, "domain");
    cJSON_AddStringToObject(d, "id", "default");
    cJSON_AddStringToObject(d, "name", "Default");
    cJSON_AddStringToObject(u, "id", uhex);
    cJSON_AddStringToObject(u, "name", o->user);
    cJSON_AddNullToObject(u, "password_expires_at");
    cJSON *audit = cJSON_AddArrayToObject(t, "audit_ids");
    cJSON_AddItemToArray(audit, cJSON_CreateString("kJpXbW12RUGMyjPTvwed3A"));
    cJSON_AddStringToObject(t, "expires_at", "9999-12-31T23:59:59.999999Z");
    cJSON_AddStringToObject(t, "issued_at", TSU "Z");
    cJSON *p = cJSON_AddObjectToObject(t, "project");
    cJSON *pd = cJSON_AddObjectToObject(p, "domain");
    cJSON_AddStringToObject(pd, "id", "default");
    cJSON_AddStringToObject(pd, "name", "Default");
    cJSON_AddStringToObject(p, "id", phex);
    cJSON_AddStringToObject(p, "name", "admin");
    cJSON_AddBoolToObject(t, "is_domain", 0);
    cJSON *roles = cJSON_AddArrayToObject(t, "roles");
    static const char *const rn[] = {"admin", "member", "reader"};
    for (int i = 0; i < 3; i++) {
        cJSON *r = cJSON_CreateObject();
        char key[64], id[37], hex[33];
        snprintf(key, sizeof key, "openstack/role/%s", rn[i]);
        lab_stable_uuid(key, id);
        hex_id(id, hex);
        cJSON_AddStringToObject(r, "id", hex);
        cJSON_AddStringToObject(r, "name", rn[i]);
        cJSON_AddItemToArray(roles, r);
    }
    cJSON *cat = cJSON_AddArrayToObject(t, "catalog");
    char vol[128];
    snprintf(vol, sizeof vol, "volume/v3/%s", phex);
    cJSON_AddItemToArray(cat, endpoint_set(o, "volumev3", "cinderv3", vol));
    cJSON_AddItemToArray(cat, endpoint_set(o, "network", "neutron", "network"));
    cJSON_AddItemToArray(cat, endpoint_set(o, "compute", "nova", "compute/v2.1"));
    cJSON_AddItemToArray(cat, endpoint_set(o, "image", "glance", "image"));
    cJSON_AddItemToArray(cat, endpoint_set(o, "identity", "keystone", "identity/v3"));
    lab_resp_header(resp, "X-Subject-Token", tok.buf);
    lab_resp_header(resp, "Vary", "X-Auth-Token");
    send(resp, 201, root);
    sb_release(&tok);
}

static int authorized(lab_openstack *o, const lab_req *req)
{
    const char *t = lab_req_header(req, "X-Auth-Token");
    if (!t)
        return 0;
    pthread_mutex_lock(&o->mu);
    int ok = strmap_get(&o->tokens, t) != NULL;
    pthread_mutex_unlock(&o->mu);
    return ok;
}

/* ---- Nova ---- */

static cJSON *flavor_ref(lab_openstack *o, const lab_vm *vm)
{
    char id[37];
    inv_openstack_flavor_id(vm, id);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "id", id);
    strbuf self = STRBUF_INIT, book = STRBUF_INIT;
    sb_addf(&self, "%s/openstack/compute/v2.1/flavors/%s", atomic_load(&o->base), id);
    sb_addf(&book, "%s/openstack/compute/flavors/%s", atomic_load(&o->base), id);
    cJSON *l = links(self.buf, book.buf);
    cJSON_DeleteItemFromArray(l, 0);
    cJSON_AddItemToObject(f, "links", l);
    sb_release(&self);
    sb_release(&book);
    return f;
}

static cJSON *server_json(lab_openstack *o, const lab_vm *vm, int detail, size_t index)
{
    int on = lab_power_get(o->power, LAB_SRC_OPENSTACK, vm);
    char project[37], phex[33];
    project_id(project);
    hex_id(project, phex);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "id", vm->id);
    cJSON_AddStringToObject(s, "name", vm->name);
    strbuf self = STRBUF_INIT, book = STRBUF_INIT;
    sb_addf(&self, "%s/openstack/compute/v2.1/servers/%s", atomic_load(&o->base), vm->id);
    sb_addf(&book, "%s/openstack/compute/servers/%s", atomic_load(&o->base), vm->id);
    if (!detail) {
        cJSON_AddItemToObject(s, "links", links(self.buf, book.buf));
        sb_release(&self);
        sb_release(&book);
        return s;
    }
    cJSON_AddStringToObject(s, "status", on ? "ACTIVE" : "SHUTOFF");
    cJSON_AddStringToObject(s, "tenant_id", phex);
    cJSON_AddStringToObject(s, "user_id", USER_ID);
    cJSON_AddObjectToObject(s, "metadata");
    cJSON_AddStringToObject(s, "hostId", "a3b5c0d7e1f24a6b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d");
    /* booted from a volume: Nova reports no image */
    cJSON_AddStringToObject(s, "image", "");
    cJSON_AddItemToObject(s, "flavor", flavor_ref(o, vm));
    cJSON_AddStringToObject(s, "created", TS);
    cJSON_AddStringToObject(s, "updated", TS);
    cJSON *addrs = cJSON_AddObjectToObject(s, "addresses");
    for (size_t i = 0; i < vm->nnics; i++) {
        const lab_nic *n = &vm->nics[i];
        cJSON *list = cJSON_GetObjectItemCaseSensitive(addrs, n->network);
        if (!list)
            list = cJSON_AddArrayToObject(addrs, n->network);
        if (!*n->ip)
            continue;
        cJSON *a = cJSON_CreateObject();
        cJSON_AddNumberToObject(a, "version", 4);
        cJSON_AddStringToObject(a, "addr", n->ip);
        cJSON_AddStringToObject(a, "OS-EXT-IPS:type", "fixed");
        cJSON_AddStringToObject(a, "OS-EXT-IPS-MAC:mac_addr", n->mac);
        cJSON_AddItemToArray(list, a);
    }
    cJSON_AddStringToObject(s, "accessIPv4", "");
    cJSON_AddStringToObject(s, "accessIPv6", "");
    cJSON_AddItemToObject(s, "links", links(self.buf, book.buf));
    sb_release(&self);
    sb_release(&book);
    cJSON_AddStringToObject(s, "OS-DCF:diskConfig", "MANUAL");
    cJSON_AddNumberToObject(s, "progress", 0);
    cJSON_AddStringToObject(s, "OS-EXT-AZ:availability_zone", "nova");
    cJSON_AddStringToObject(s, "config_drive", "");
    cJSON_AddNullToObject(s, "key_name");
    cJSON_AddStringToObject(s, "OS-SRV-USG:launched_at", TSU);
    cJSON_AddNullToObject(s, "OS-SRV-USG:terminated_at");
    cJSON *sg = cJSON_AddArrayToObject(s, "security_groups");
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "name", "default");
    cJSON_AddItemToArray(sg, g);
    cJSON_AddStringToObject(s, "OS-EXT-SRV-ATTR:host", "compute-0.lab.test");
    char inst[32];
    snprintf(inst, sizeof inst, "instance-%08zx", index + 1);
    cJSON_AddStringToObject(s, "OS-EXT-SRV-ATTR:instance_name", inst);
    cJSON_AddStringToObject(s, "OS-EXT-SRV-ATTR:hypervisor_hostname", "compute-0.lab.test");
    cJSON_AddStringToObject(s, "OS-EXT-SRV-ATTR:reservation_id", "r-lab0");
    cJSON_AddNumberToObject(s, "OS-EXT-SRV-ATTR:launch_index", 0);
    cJSON_AddStringToObject(s, "OS-EXT-SRV-ATTR:hostname", vm->hostname);
    cJSON_AddStringToObject(s, "OS-EXT-SRV-ATTR:kernel_id", "");
    cJSON_AddStringToObject(s, "OS-EXT-SRV-ATTR:ramdisk_id", "");
    cJSON_AddStringToObject(s, "OS-EXT-SRV-ATTR:root_device_name", "/dev/vda");
    cJSON_AddNullToObject(s, "OS-EXT-SRV-ATTR:user_data");
    cJSON_AddNullToObject(s, "OS-EXT-STS:task_state");
    cJSON_AddStringToObject(s, "OS-EXT-STS:vm_state", on ? "active" : "stopped");
    cJSON_AddNumberToObject(s, "OS-EXT-STS:power_state", on ? 1 : 4);
    cJSON *va = cJSON_AddArrayToObject(s, "os-extended-volumes:volumes_attached");
    for (size_t i = 0; i < vm->ndisks; i++) {
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "id", vm->disks[i].id);
        cJSON_AddBoolToObject(v, "delete_on_termination", 0);
        cJSON_AddItemToArray(va, v);
    }
    cJSON_AddBoolToObject(s, "locked", 0);
    return s;
}

static cJSON *flavor_json(lab_openstack *o, const lab_vm *vm)
{
    char id[37], name[64];
    inv_openstack_flavor_id(vm, id);
    snprintf(name, sizeof name, "lab.%dcpu.%lldmb", vm->cpus, vm->memory_mb);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "id", id);
    cJSON_AddStringToObject(f, "name", name);
    cJSON_AddNumberToObject(f, "ram", (double)vm->memory_mb);
    cJSON_AddNumberToObject(f, "disk", 0);
    cJSON_AddStringToObject(f, "swap", "");
    cJSON_AddNumberToObject(f, "OS-FLV-EXT-DATA:ephemeral", 0);
    cJSON_AddBoolToObject(f, "OS-FLV-DISABLED:disabled", 0);
    cJSON_AddNumberToObject(f, "vcpus", vm->cpus);
    cJSON_AddBoolToObject(f, "os-flavor-access:is_public", 1);
    cJSON_AddNumberToObject(f, "rxtx_factor", 1);
    strbuf self = STRBUF_INIT, book = STRBUF_INIT;
    sb_addf(&self, "%s/openstack/compute/v2.1/flavors/%s", atomic_load(&o->base), id);
    sb_addf(&book, "%s/openstack/compute/flavors/%s", atomic_load(&o->base), id);
    cJSON_AddItemToObject(f, "links", links(self.buf, book.buf));
    sb_release(&self);
    sb_release(&book);
    return f;
}

static const lab_vm *find_vm(lab_openstack *o, const char *id, size_t *index)
{
    for (size_t i = 0; i < o->src.nvms; i++)
        if (!strcmp(o->src.vms[i].id, id)) {
            if (index)
                *index = i;
            return &o->src.vms[i];
        }
    return NULL;
}

/* ---- clones: snapshots, images, volumes and servers made through the API ---- */

static cJSON *volume_json(lab_openstack *o, const lab_vm *vm, size_t i);

static char *xdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static void grow(void **arr, size_t n, size_t size)
{
    void *g = realloc(*arr, (n + 1) * size);
    if (!g)
        abort();
    *arr = g;
}

/* A new id, unique in this lab and the same on every run of it. */
static void new_id(lab_openstack *o, const char *what, char out[37])
{
    char seed[64];
    snprintf(seed, sizeof seed, "openstack/%s/%lu", what, ++o->made);
    lab_stable_uuid(seed, out);
}

static os_volume *find_vol(lab_openstack *o, const char *id)
{
    for (size_t i = 0; i < o->nvols; i++)
        if (!strcmp(o->vols[i].id, id))
            return &o->vols[i];
    return NULL;
}

static os_snap *find_snap(lab_openstack *o, const char *id)
{
    for (size_t i = 0; i < o->nsnaps; i++)
        if (!strcmp(o->snaps[i].id, id))
            return &o->snaps[i];
    return NULL;
}

static os_image *find_image(lab_openstack *o, const char *id)
{
    for (size_t i = 0; i < o->nimages; i++)
        if (!strcmp(o->images[i].id, id))
            return &o->images[i];
    return NULL;
}

static int is_world_vm(lab_openstack *o, const char *id)
{
    return lab_source_find_vm(o->world, id, NULL) != NULL;
}

static long long gb_of(long long bytes)
{
    return (bytes + (1LL << 30) - 1) >> 30;
}

/* A volume made through Cinder: shaped as the disk it descends from;
 * attached to its server, or available. */
static cJSON *made_volume_json(lab_openstack *o, const os_volume *v)
{
    const lab_vm *server = v->server_id ? find_vm(o, v->server_id, NULL) : NULL;
    cJSON *j = NULL;
    for (size_t i = 0; server && !j && i < server->ndisks; i++)
        if (!strcmp(server->disks[i].id, v->id))
            j = volume_json(o, server, i);
    const lab_vm *from = lab_source_find_vm(&o->src, v->vm_id, NULL);
    if (!j && from && v->disk < from->ndisks) {
        j = volume_json(o, from, v->disk);
        cJSON_ReplaceItemInObjectCaseSensitive(j, "id", cJSON_CreateString(v->id));
        cJSON_ReplaceItemInObjectCaseSensitive(j, "status", cJSON_CreateString("available"));
        cJSON_ReplaceItemInObjectCaseSensitive(j, "attachments", cJSON_CreateArray());
    }
    if (!j) {
        j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", v->id);
        cJSON_AddStringToObject(j, "status", "available");
        cJSON_AddArrayToObject(j, "attachments");
    }
    cJSON_ReplaceItemInObjectCaseSensitive(j, "name", cJSON_CreateString(v->name));
    cJSON_ReplaceItemInObjectCaseSensitive(j, "size", cJSON_CreateNumber((double)v->size_gb));
    cJSON_ReplaceItemInObjectCaseSensitive(j, "snapshot_id", cJSON_CreateString(v->snapshot_id));
    return j;
}

static cJSON *snap_json(const os_snap *s)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", s->id);
    cJSON_AddStringToObject(j, "name", s->name);
    cJSON_AddStringToObject(j, "description", s->description ? s->description : "");
    cJSON_AddStringToObject(j, "status", "available");
    cJSON_AddNumberToObject(j, "size", (double)s->size_gb);
    cJSON_AddStringToObject(j, "volume_id", s->volume_id);
    cJSON_AddStringToObject(j, "created_at", TSU);
    cJSON_AddNullToObject(j, "updated_at");
    cJSON_AddObjectToObject(j, "metadata");
    return j;
}

static cJSON *image_json(const os_image *im)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", im->id);
    cJSON_AddStringToObject(j, "name", im->name);
    cJSON_AddStringToObject(j, "status", "active");
    cJSON_AddStringToObject(j, "visibility", "private");
    cJSON_AddNumberToObject(j, "size", 0);
    cJSON_AddStringToObject(j, "disk_format", "qcow2");
    cJSON_AddStringToObject(j, "container_format", "bare");
    cJSON_AddStringToObject(j, "image_type", "snapshot");
    cJSON_AddStringToObject(j, "instance_uuid", im->server_id);
    cJSON_AddStringToObject(j, "bdm_v2", "True");
    cJSON_AddStringToObject(j, "root_device_name", "/dev/vda");
    cJSON_AddStringToObject(j, "block_device_mapping", im->bdm);
    cJSON_AddStringToObject(j, "created_at", TS);
    cJSON_AddStringToObject(j, "updated_at", TS);
    char self[64];
    snprintf(self, sizeof self, "/v2/images/%s", im->id);
    cJSON_AddStringToObject(j, "self", self);
    cJSON_AddStringToObject(j, "schema", "/v2/schemas/image");
    return j;
}

/* POST /servers/ID/action {"createImage": {"name": N}}: a Cinder snapshot
 * of every volume and an image naming them, in boot order. */
static void create_image(lab_openstack *o, const lab_vm *vm, const cJSON *act, lab_resp *resp)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(act, "name"));
    if (!name || !*name) {
        error(resp, 400, "badRequest", NULL, "Invalid input for field/attribute createImage. "
                                             "'name' is a required property");
        return;
    }
    cJSON *bdm = cJSON_CreateArray();
    for (size_t i = 0; i < vm->ndisks; i++) {
        char id[37];
        new_id(o, "snapshot", id);
        grow((void **)&o->snaps, o->nsnaps, sizeof *o->snaps);
        os_snap *s = &o->snaps[o->nsnaps++];
        strbuf sn = STRBUF_INIT;
        sb_addf(&sn, "snapshot for %s", name);
        *s = (os_snap){.id = xdup(id), .name = sb_detach(&sn, NULL),
                       .volume_id = xdup(vm->disks[i].id), .vm_id = xdup(vm->id), .disk = i,
                       .size_gb = gb_of(vm->disks[i].capacity)};
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "source_type", "snapshot");
        cJSON_AddStringToObject(m, "destination_type", "volume");
        cJSON_AddStringToObject(m, "snapshot_id", id);
        cJSON_AddNumberToObject(m, "volume_size", (double)s->size_gb);
        if (i == 0)
            cJSON_AddNumberToObject(m, "boot_index", 0);
        else
            cJSON_AddNullToObject(m, "boot_index");
        char dev[16];
        snprintf(dev, sizeof dev, "/dev/vd%c", (char)('a' + i));
        cJSON_AddStringToObject(m, "device_name", dev);
        cJSON_AddBoolToObject(m, "delete_on_termination", 0);
        cJSON_AddItemToArray(bdm, m);
    }
    char iid[37];
    new_id(o, "image", iid);
    grow((void **)&o->images, o->nimages, sizeof *o->images);
    char *text = cJSON_PrintUnformatted(bdm);
    o->images[o->nimages++] = (os_image){.id = xdup(iid), .name = xdup(name),
                                         .server_id = xdup(vm->id), .bdm = text};
    cJSON_Delete(bdm);
    log_info("lab openstack: image %s (%s) of server %s, %zu volume snapshots", name, iid,
             vm->name, vm->ndisks);
    strbuf loc = STRBUF_INIT;
    sb_addf(&loc, "%s/openstack/image/v2/images/%s", atomic_load(&o->base), iid);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "image_id", iid);
    send(resp, 202, body);
    lab_resp_header(resp, "Location", loc.buf);
    sb_release(&loc);
}

static int cmp_boot_index(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    const cJSON *bx = cJSON_GetObjectItemCaseSensitive(x, "boot_index");
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(y, "boot_index");
    double vx = cJSON_IsNumber(bx) && bx->valuedouble >= 0 ? bx->valuedouble : 1e9;
    double vy = cJSON_IsNumber(by) && by->valuedouble >= 0 ? by->valuedouble : 1e9;
    return vx < vy ? -1 : vx > vy;
}

/* POST /servers: a server booted from available volumes
 * (block_device_mapping_v2, one per disk of the server they descend from)
 * or from a snapshot image (imageRef). It is ACTIVE at once. */
static void create_server(lab_openstack *o, lab_req *req, lab_resp *resp)
{
    cJSON *body = cJSON_ParseWithLength(req->body ? req->body : "", req->body_len);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(body, "server");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "name"));
    const cJSON *bdm = cJSON_GetObjectItemCaseSensitive(s, "block_device_mapping_v2");
    const char *image = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "imageRef"));
    size_t nb = (size_t)cJSON_GetArraySize(bdm);
    const cJSON **maps = calloc(nb + 1, sizeof *maps);
    if (!maps)
        abort();
    size_t k = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, bdm) maps[k++] = m;
    qsort(maps, nb, sizeof *maps, cmp_boot_index);
    const char *why = NULL;
    const lab_vm *from = NULL;
    os_volume **vols = calloc(nb + 1, sizeof *vols);
    if (!vols)
        abort();
    if (!name || !*name) {
        why = "Invalid input for field/attribute server. 'name' is a required property";
    } else if (nb) {
        for (size_t i = 0; i < nb && !why; i++) {
            const char *uuid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(maps[i], "uuid"));
            const char *st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(maps[i],
                                                                                  "source_type"));
            vols[i] = uuid && st && !strcmp(st, "volume") ? find_vol(o, uuid) : NULL;
            if (!vols[i])
                why = "Block Device Mapping is Invalid: the lab boots servers from volumes made "
                      "from snapshots (source_type volume, uuid of such a volume).";
            else if (vols[i]->server_id)
                why = "Block Device Mapping is Invalid: a volume is in use.";
        }
        from = why ? NULL : lab_source_find_vm(&o->src, vols[0]->vm_id, NULL);
        if (!why && (!from || from->ndisks != nb))
            why = "Block Device Mapping is Invalid: the lab needs one volume per disk of the "
                  "server the snapshots were taken of.";
    } else if (image) {
        const os_image *im = find_image(o, image);
        from = im ? lab_source_find_vm(&o->src, im->server_id, NULL) : NULL;
        if (!from)
            why = "Image not found.";
    } else {
        why = "Block Device Mapping is Invalid: no boot volume or image was given.";
    }
    if (why) {
        error(resp, 400, "badRequest", NULL, why);
    } else {
        char seed[64];
        snprintf(seed, sizeof seed, "openstack/server/%lu", ++o->made);
        lab_vm vm;
        lab_vm_clone(&vm, from, name, seed, "fa:16:3e", 0);
        for (size_t i = 0; i < nb; i++) {
            free(vm.disks[i].id);
            vm.disks[i].id = xdup(vols[i]->id);
            free(vols[i]->server_id);
            vols[i]->server_id = xdup(vm.id);
        }
        lab_power_set(o->power, LAB_SRC_OPENSTACK, vm.id, 1);
        log_info("lab openstack: server %s (%s) created from %s", vm.name, vm.id, from->name);
        cJSON *root = cJSON_CreateObject();
        cJSON *out = cJSON_AddObjectToObject(root, "server");
        cJSON_AddStringToObject(out, "id", vm.id);
        strbuf self = STRBUF_INIT, book = STRBUF_INIT;
        sb_addf(&self, "%s/openstack/compute/v2.1/servers/%s", atomic_load(&o->base), vm.id);
        sb_addf(&book, "%s/openstack/compute/servers/%s", atomic_load(&o->base), vm.id);
        cJSON_AddItemToObject(out, "links", links(self.buf, book.buf));
        sb_release(&self);
        sb_release(&book);
        cJSON_AddStringToObject(out, "OS-DCF:diskConfig", "MANUAL");
        lab_source_add_vm(&o->src, &vm);
        send(resp, 202, root);
        lab_inv_stale_type(o->inv, "openstack");
    }
    free(maps);
    free(vols);
    cJSON_Delete(body);
}

/* DELETE /servers/ID: the server goes; its volumes stay, available
 * (delete_on_termination false). The world's servers stay. */
static void delete_server(lab_openstack *o, const char *id, lab_resp *resp)
{
    const lab_vm *vm = find_vm(o, id, NULL);
    if (!vm) {
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "Instance %s could not be found.", id);
        error(resp, 404, "itemNotFound", NULL, m.buf);
        sb_release(&m);
        return;
    }
    if (is_world_vm(o, id)) {
        error(resp, 409, "conflictingRequest", NULL, "The lab keeps the servers of its world.");
        return;
    }
    for (size_t i = 0; i < o->nvols; i++)
        if (o->vols[i].server_id && !strcmp(o->vols[i].server_id, id)) {
            free(o->vols[i].server_id);
            o->vols[i].server_id = NULL;
        }
    log_info("lab openstack: server %s (%s) deleted", vm->name, id);
    lab_source_remove_vm(&o->src, id);
    lab_resp_raw(resp, 204, "application/json", "", 0);
    lab_inv_stale_type(o->inv, "openstack");
}

/* POST /volumes {"volume": {"snapshot_id", "size", "name"}}: available at once. */
static void create_volume(lab_openstack *o, lab_req *req, lab_resp *resp)
{
    cJSON *body = cJSON_ParseWithLength(req->body ? req->body : "", req->body_len);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "volume");
    const char *snap = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "snapshot_id"));
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "name"));
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(v, "size");
    const os_snap *s = snap ? find_snap(o, snap) : NULL;
    if (!s) {
        error(resp, snap ? 404 : 400, snap ? "itemNotFound" : "badRequest", NULL,
              snap ? "Snapshot could not be found."
                   : "The lab makes volumes from snapshots only: give snapshot_id.");
    } else {
        char id[37];
        new_id(o, "volume", id);
        grow((void **)&o->vols, o->nvols, sizeof *o->vols);
        os_volume *nv = &o->vols[o->nvols++];
        *nv = (os_volume){.id = xdup(id), .name = xdup(name), .snapshot_id = xdup(s->id),
                          .vm_id = xdup(s->vm_id), .disk = s->disk,
                          .size_gb = cJSON_IsNumber(size) ? (long long)size->valuedouble
                                                          : s->size_gb};
        log_info("lab openstack: volume %s (%s) from snapshot %s", nv->name, id, s->id);
        cJSON *root = cJSON_CreateObject();
        cJSON_AddItemToObject(root, "volume", made_volume_json(o, nv));
        send(resp, 202, root);
    }
    cJSON_Delete(body);
}

static void delete_volume(lab_openstack *o, const char *id, lab_resp *resp)
{
    os_volume *v = find_vol(o, id);
    int world = 0;
    for (size_t i = 0; !v && i < o->src.nvms; i++)
        for (size_t j = 0; j < o->src.vms[i].ndisks; j++)
            world |= !strcmp(o->src.vms[i].disks[j].id, id);
    if (!v && !world) {
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "Volume %s could not be found.", id);
        error(resp, 404, "itemNotFound", NULL, m.buf);
        sb_release(&m);
        return;
    }
    if (world || v->server_id) {
        error(resp, 400, "badRequest", NULL, "Invalid volume: Volume status must be available or "
                                             "error or error_restoring or error_extending or "
                                             "error_managing and must not be migrating, attached, "
                                             "belong to a group, have snapshots or be "
                                             "disassociated from snapshots after volume transfer.");
        return;
    }
    log_info("lab openstack: volume %s (%s) deleted", v->name, id);
    free(v->id);
    free(v->name);
    free(v->snapshot_id);
    free(v->vm_id);
    size_t i = (size_t)(v - o->vols);
    memmove(&o->vols[i], &o->vols[i + 1], (o->nvols - i - 1) * sizeof *o->vols);
    o->nvols--;
    lab_resp_raw(resp, 202, "application/json", "", 0);
}

/* POST /snapshots {"snapshot": {"volume_id", "name", "description", "force"}}:
 * a snapshot of a world server's disk or of a volume made from one; an
 * attached volume needs force, as Cinder's. */
static void create_snapshot(lab_openstack *o, lab_req *req, lab_resp *resp)
{
    cJSON *body = cJSON_ParseWithLength(req->body ? req->body : "", req->body_len);
    const cJSON *sn = cJSON_GetObjectItemCaseSensitive(body, "snapshot");
    const char *vid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sn, "volume_id"));
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sn, "name"));
    const char *desc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sn, "description"));
    int force = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sn, "force"));
    const lab_vm *vm = NULL;
    size_t disk = 0;
    for (size_t i = 0; vid && !vm && i < o->src.nvms; i++)
        for (size_t d = 0; d < o->src.vms[i].ndisks; d++)
            if (!strcmp(o->src.vms[i].disks[d].id, vid)) {
                vm = &o->src.vms[i];
                disk = d;
                break;
            }
    const os_volume *made = vid && !vm ? find_vol(o, vid) : NULL;
    if (!vid) {
        error(resp, 400, "badRequest", NULL, "Invalid input for field/attribute snapshot. "
                                             "'volume_id' is a required property");
    } else if (!vm && !made) {
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "Volume %s could not be found.", vid);
        error(resp, 404, "itemNotFound", NULL, m.buf);
        sb_release(&m);
    } else if (!force && (vm || made->server_id)) {
        error(resp, 400, "badRequest", NULL, "Invalid volume: Volume status must be available "
                                             "to snapshot, but current status is: in-use.");
    } else {
        char id[37];
        new_id(o, "snapshot", id);
        const char *from_vm = vm ? vm->id : made->vm_id;
        long long gb = vm ? gb_of(vm->disks[disk].capacity) : made->size_gb;
        grow((void **)&o->snaps, o->nsnaps, sizeof *o->snaps);
        os_snap *s = &o->snaps[o->nsnaps++];
        *s = (os_snap){.id = xdup(id), .name = xdup(name ? name : ""), .volume_id = xdup(vid),
                       .vm_id = xdup(from_vm), .disk = vm ? disk : made->disk, .size_gb = gb,
                       .description = desc ? xdup(desc) : NULL};
        log_info("lab openstack: snapshot %s (%s) of volume %s", s->name, id, vid);
        cJSON *root = cJSON_CreateObject();
        cJSON_AddItemToObject(root, "snapshot", snap_json(s));
        send(resp, 202, root);
    }
    cJSON_Delete(body);
}

static void snapshots(lab_openstack *o, lab_req *req, lab_resp *resp, char **p, size_t n)
{
    if (n == 3 && !strcmp(req->method, "POST")) {
        create_snapshot(o, req, resp);
        return;
    }
    const char *volume = lab_req_query(req, "volume_id");
    if (!strcmp(req->method, "GET") && (n == 3 || (n == 4 && !strcmp(p[3], "detail")))) {
        cJSON *root = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(root, "snapshots");
        for (size_t i = 0; i < o->nsnaps; i++)
            if (!volume || !strcmp(volume, o->snaps[i].volume_id))
                cJSON_AddItemToArray(list, snap_json(&o->snaps[i]));
        send(resp, 200, root);
        return;
    }
    os_snap *s = n == 4 ? find_snap(o, p[3]) : NULL;
    if (!s) {
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "Snapshot %s could not be found.", n >= 4 ? p[3] : "");
        error(resp, 404, "itemNotFound", NULL, m.buf);
        sb_release(&m);
        return;
    }
    if (!strcmp(req->method, "GET")) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddItemToObject(root, "snapshot", snap_json(s));
        send(resp, 200, root);
        return;
    }
    if (strcmp(req->method, "DELETE")) {
        error(resp, 405, "badRequest", NULL, "Method not allowed.");
        return;
    }
    log_info("lab openstack: snapshot %s deleted", s->id);
    free(s->id);
    free(s->name);
    free(s->volume_id);
    free(s->vm_id);
    free(s->description);
    size_t i = (size_t)(s - o->snaps);
    memmove(&o->snaps[i], &o->snaps[i + 1], (o->nsnaps - i - 1) * sizeof *o->snaps);
    o->nsnaps--;
    lab_resp_raw(resp, 202, "application/json", "", 0);
}

static void glance_404(lab_resp *resp)
{
    /* Glance answers 404 in plain text */
    const char *msg = "404 Not Found\n\nThe resource could not be found.\n\n   ";
    lab_resp_raw(resp, 404, "text/plain; charset=UTF-8", msg, strlen(msg));
}

static void glance(lab_openstack *o, lab_req *req, lab_resp *resp, char **p, size_t n)
{
    if (n == 2 && !strcmp(p[0], "v2") && !strcmp(p[1], "images") && !strcmp(req->method, "GET")) {
        cJSON *root = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(root, "images");
        for (size_t i = 0; i < o->nimages; i++)
            cJSON_AddItemToArray(list, image_json(&o->images[i]));
        cJSON_AddStringToObject(root, "schema", "/v2/schemas/images");
        cJSON_AddStringToObject(root, "first", "/v2/images");
        send(resp, 200, root);
        return;
    }
    os_image *im = n == 3 && !strcmp(p[0], "v2") && !strcmp(p[1], "images") ? find_image(o, p[2])
                                                                            : NULL;
    if (!im) {
        glance_404(resp);
    } else if (!strcmp(req->method, "GET")) {
        send(resp, 200, image_json(im));
    } else if (!strcmp(req->method, "DELETE")) {
        log_info("lab openstack: image %s (%s) deleted", im->name, im->id);
        free(im->id);
        free(im->name);
        free(im->server_id);
        free(im->bdm);
        size_t i = (size_t)(im - o->images);
        memmove(&o->images[i], &o->images[i + 1], (o->nimages - i - 1) * sizeof *o->images);
        o->nimages--;
        lab_resp_raw(resp, 204, "text/plain", "", 0);
    } else {
        glance_404(resp);
    }
}

void lab_openstack_source(lab_openstack *o, lab_source *out)
{
    pthread_rwlock_rdlock(&o->data);
    lab_source_copy(out, &o->src);
    pthread_rwlock_unlock(&o->data);
}

static void nova(lab_openstack *o, lab_req *req, lab_resp *resp, char **p, size_t n)
{
    /* p: v2.1 servers ... */
    if (n < 2 || strcmp(p[0], "v2.1")) {
        error(resp, 404, "itemNotFound", NULL, "The resource could not be found.");
        return;
    }
    if (!strcmp(p[1], "servers")) {
        const char *name = lab_req_query(req, "name");
        if (n == 2 && !strcmp(req->method, "POST")) {
            create_server(o, req, resp);
            return;
        }
        if (n == 3 && !strcmp(req->method, "DELETE")) {
            delete_server(o, p[2], resp);
            return;
        }
        if (n == 2 || (n == 3 && !strcmp(p[2], "detail"))) {
            cJSON *root = cJSON_CreateObject();
            cJSON *list = cJSON_AddArrayToObject(root, "servers");
            for (size_t i = 0; i < o->src.nvms; i++)
                if (!name || name_matches(o->src.vms[i].name, name))
                    cJSON_AddItemToArray(list, server_json(o, &o->src.vms[i], n == 3, i));
            send(resp, 200, root);
            return;
        }
        size_t idx = 0;
        const lab_vm *vm = find_vm(o, p[2], &idx);
        if (!vm) {
            strbuf m = STRBUF_INIT;
            sb_addf(&m, "Instance %s could not be found.", p[2]);
            error(resp, 404, "itemNotFound", NULL, m.buf);
            sb_release(&m);
            return;
        }
        if (n == 3) {
            cJSON *root = cJSON_CreateObject();
            cJSON_AddItemToObject(root, "server", server_json(o, vm, 1, idx));
            send(resp, 200, root);
            return;
        }
        if (n == 4 && !strcmp(p[3], "action") && !strcmp(req->method, "POST")) {
            cJSON *body = cJSON_ParseWithLength(req->body ? req->body : "", req->body_len);
            int stop = cJSON_GetObjectItem(body, "os-stop") != NULL;
            int start = cJSON_GetObjectItem(body, "os-start") != NULL;
            const cJSON *image = cJSON_GetObjectItemCaseSensitive(body, "createImage");
            if (image) {
                create_image(o, vm, image, resp);
                cJSON_Delete(body);
                return;
            }
            cJSON_Delete(body);
            if (!stop && !start) {
                error(resp, 400, "badRequest", NULL, "The server could not comply with the request "
                                                     "since it is either malformed or otherwise "
                                                     "incorrect.");
                return;
            }
            lab_power_set(o->power, LAB_SRC_OPENSTACK, vm->id, start);
            lab_inv_set_power_type(o->inv, "openstack", vm->id, start);
            lab_resp_raw(resp, 202, "application/json", "", 0);
            return;
        }
        if (n == 4 && !strcmp(p[3], "os-volume_attachments")) {
            cJSON *root = cJSON_CreateObject();
            cJSON *list = cJSON_AddArrayToObject(root, "volumeAttachments");
            for (size_t i = 0; i < vm->ndisks; i++) {
                cJSON *a = cJSON_CreateObject();
                char dev[32];
                snprintf(dev, sizeof dev, "/dev/vd%c", (char)('a' + i));
                cJSON_AddStringToObject(a, "device", dev);
                cJSON_AddStringToObject(a, "serverId", vm->id);
                cJSON_AddStringToObject(a, "id", vm->disks[i].id);
                cJSON_AddStringToObject(a, "volumeId", vm->disks[i].id);
                cJSON_AddItemToArray(list, a);
            }
            send(resp, 200, root);
            return;
        }
        if (n == 4 && !strcmp(p[3], "os-interface")) {
            cJSON *root = cJSON_CreateObject();
            cJSON *list = cJSON_AddArrayToObject(root, "interfaceAttachments");
            for (size_t i = 0; i < vm->nnics; i++) {
                const lab_nic *nic = &vm->nics[i];
                cJSON *a = cJSON_CreateObject();
                cJSON_AddStringToObject(a, "port_state", "ACTIVE");
                cJSON *fips = cJSON_AddArrayToObject(a, "fixed_ips");
                char subnet[37];
                inv_openstack_subnet_id(nic->network_id, subnet);
                if (*nic->ip) {
                    cJSON *f = cJSON_CreateObject();
                    cJSON_AddStringToObject(f, "subnet_id", subnet);
                    cJSON_AddStringToObject(f, "ip_address", nic->ip);
                    cJSON_AddItemToArray(fips, f);
                }
                cJSON_AddStringToObject(a, "port_id", nic->id);
                cJSON_AddStringToObject(a, "net_id", nic->network_id);
                cJSON_AddStringToObject(a, "mac_addr", nic->mac);
                cJSON_AddItemToArray(list, a);
            }
            send(resp, 200, root);
            return;
        }
    } else if (!strcmp(p[1], "flavors")) {
        if (n == 2 || (n == 3 && !strcmp(p[2], "detail"))) {
            cJSON *root = cJSON_CreateObject();
            cJSON *list = cJSON_AddArrayToObject(root, "flavors");
            for (size_t i = 0; i < o->src.nvms; i++) {
                char id[37];
                inv_openstack_flavor_id(&o->src.vms[i], id);
                int dup = 0;
                const cJSON *e;
                cJSON_ArrayForEach(e, list)
                {
                    dup |= !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "id")), id);
                }
                if (!dup)
                    cJSON_AddItemToArray(list, flavor_json(o, &o->src.vms[i]));
            }
            send(resp, 200, root);
            return;
        }
        for (size_t i = 0; n == 3 && i < o->src.nvms; i++) {
            char id[37];
            inv_openstack_flavor_id(&o->src.vms[i], id);
            if (!strcmp(id, p[2])) {
                cJSON *root = cJSON_CreateObject();
                cJSON_AddItemToObject(root, "flavor", flavor_json(o, &o->src.vms[i]));
                send(resp, 200, root);
                return;
            }
        }
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "Flavor %s could not be found.", n == 3 ? p[2] : "");
        error(resp, 404, "itemNotFound", NULL, m.buf);
        sb_release(&m);
        return;
    }
    error(resp, 404, "itemNotFound", NULL, "The resource could not be found.");
}

/* ---- Neutron ---- */

static cJSON *network_json(const lab_named *net)
{
    char project[37], phex[33], subnet[37];
    project_id(project);
    hex_id(project, phex);
    inv_openstack_subnet_id(net->id, subnet);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", net->id);
    cJSON_AddStringToObject(j, "name", net->name);
    cJSON_AddStringToObject(j, "tenant_id", phex);
    cJSON_AddBoolToObject(j, "admin_state_up", 1);
    cJSON_AddNumberToObject(j, "mtu", 1442);
    cJSON_AddStringToObject(j, "status", "ACTIVE");
    cJSON *subs = cJSON_AddArrayToObject(j, "subnets");
    cJSON_AddItemToArray(subs, cJSON_CreateString(subnet));
    cJSON_AddBoolToObject(j, "shared", 0);
    cJSON_AddArrayToObject(j, "availability_zone_hints");
    cJSON *az = cJSON_AddArrayToObject(j, "availability_zones");
    cJSON_AddItemToArray(az, cJSON_CreateString("nova"));
    cJSON_AddNullToObject(j, "ipv4_address_scope");
    cJSON_AddNullToObject(j, "ipv6_address_scope");
    cJSON_AddBoolToObject(j, "router:external", 0);
    cJSON_AddStringToObject(j, "description", "");
    cJSON_AddBoolToObject(j, "port_security_enabled", 1);
    cJSON_AddBoolToObject(j, "is_default", 0);
    cJSON_AddArrayToObject(j, "tags");
    cJSON_AddStringToObject(j, "created_at", TS);
    cJSON_AddStringToObject(j, "updated_at", TS);
    cJSON_AddNumberToObject(j, "revision_number", 2);
    cJSON_AddStringToObject(j, "project_id", phex);
    cJSON_AddStringToObject(j, "provider:network_type", "geneve");
    cJSON_AddStringToObject(j, "provider:physical_network", "physnet1");
    cJSON_AddNullToObject(j, "provider:segmentation_id");
    return j;
}

static cJSON *port_json(const lab_vm *vm, const lab_nic *nic)
{
    char project[37], phex[33], subnet[37];
    project_id(project);
    hex_id(project, phex);
    inv_openstack_subnet_id(nic->network_id, subnet);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", nic->id);
    cJSON_AddStringToObject(j, "name", "");
    cJSON_AddStringToObject(j, "network_id", nic->network_id);
    cJSON_AddStringToObject(j, "tenant_id", phex);
    cJSON_AddStringToObject(j, "mac_address", nic->mac);
    cJSON_AddBoolToObject(j, "admin_state_up", nic->connected);
    cJSON_AddStringToObject(j, "status", "ACTIVE");
    cJSON_AddStringToObject(j, "device_id", vm->id);
    cJSON_AddStringToObject(j, "device_owner", "compute:nova");
    cJSON *fips = cJSON_AddArrayToObject(j, "fixed_ips");
    if (*nic->ip) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "subnet_id", subnet);
        cJSON_AddStringToObject(f, "ip_address", nic->ip);
        cJSON_AddItemToArray(fips, f);
    }
    cJSON_AddArrayToObject(j, "allowed_address_pairs");
    cJSON_AddArrayToObject(j, "extra_dhcp_opts");
    cJSON_AddArrayToObject(j, "security_groups");
    cJSON_AddStringToObject(j, "description", "");
    cJSON_AddStringToObject(j, "binding:vnic_type", "normal");
    cJSON_AddObjectToObject(j, "binding:profile");
    cJSON_AddStringToObject(j, "binding:host_id", "compute-0.lab.test");
    cJSON_AddStringToObject(j, "binding:vif_type", "ovs");
    cJSON *vd = cJSON_AddObjectToObject(j, "binding:vif_details");
    cJSON_AddBoolToObject(vd, "port_filter", 1);
    cJSON_AddBoolToObject(j, "port_security_enabled", 1);
    cJSON_AddArrayToObject(j, "tags");
    cJSON_AddStringToObject(j, "created_at", TS);
    cJSON_AddStringToObject(j, "updated_at", TS);
    cJSON_AddNumberToObject(j, "revision_number", 3);
    cJSON_AddStringToObject(j, "project_id", phex);
    return j;
}

static void neutron(lab_openstack *o, lab_req *req, lab_resp *resp, char **p, size_t n)
{
    if (n >= 2 && !strcmp(p[0], "v2.0") && !strcmp(p[1], "networks")) {
        const char *name = lab_req_query(req, "name");
        cJSON *root = cJSON_CreateObject();
        if (n == 3) {
            const lab_named *hit = lab_source_find(o->src.networks, o->src.nnetworks, p[2], NULL);
            if (!hit) {
                cJSON_Delete(root);
                error(resp, 404, "NeutronError", NULL, "Network could not be found.");
                return;
            }
            cJSON_AddItemToObject(root, "network", network_json(hit));
        } else {
            cJSON *list = cJSON_AddArrayToObject(root, "networks");
            for (size_t i = 0; i < o->src.nnetworks; i++)
                if (!name || !strcmp(name, o->src.networks[i].name))
                    cJSON_AddItemToArray(list, network_json(&o->src.networks[i]));
        }
        send(resp, 200, root);
        return;
    }
    if (n == 2 && !strcmp(p[0], "v2.0") && !strcmp(p[1], "ports")) {
        const char *device = lab_req_query(req, "device_id");
        cJSON *root = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(root, "ports");
        for (size_t i = 0; i < o->src.nvms; i++) {
            const lab_vm *vm = &o->src.vms[i];
            if (device && strcmp(device, vm->id))
                continue;
            for (size_t j = 0; j < vm->nnics; j++)
                cJSON_AddItemToArray(list, port_json(vm, &vm->nics[j]));
        }
        send(resp, 200, root);
        return;
    }
    if (n == 2 && !strcmp(p[0], "v2.0") && !strcmp(p[1], "subnets")) {
        cJSON *root = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(root, "subnets");
        for (size_t i = 0; i < o->src.nnetworks; i++) {
            char id[37], cidr[32], gw[32];
            inv_openstack_subnet_id(o->src.networks[i].id, id);
            snprintf(cidr, sizeof cidr, "10.%zu.0.0/24", 10 + i);
            snprintf(gw, sizeof gw, "10.%zu.0.1", 10 + i);
            cJSON *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "id", id);
            cJSON_AddStringToObject(s, "name", o->src.networks[i].name);
            cJSON_AddStringToObject(s, "network_id", o->src.networks[i].id);
            cJSON_AddNumberToObject(s, "ip_version", 4);
            cJSON_AddStringToObject(s, "cidr", cidr);
            cJSON_AddStringToObject(s, "gateway_ip", gw);
            cJSON_AddBoolToObject(s, "enable_dhcp", 1);
            cJSON_AddItemToArray(list, s);
        }
        send(resp, 200, root);
        return;
    }
    error(resp, 404, "NeutronError", NULL, "The resource could not be found.");
}

/* ---- Cinder ---- */

static cJSON *volume_json(lab_openstack *o, const lab_vm *vm, size_t i)
{
    const lab_disk *d = &vm->disks[i];
    char project[37], phex[33];
    project_id(project);
    hex_id(project, phex);
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "id", d->id);
    cJSON_AddStringToObject(v, "status", "in-use");
    cJSON_AddNumberToObject(v, "size", (double)((d->capacity + (1LL << 30) - 1) >> 30));
    cJSON_AddStringToObject(v, "availability_zone", "nova");
    cJSON_AddStringToObject(v, "created_at", TSU);
    cJSON_AddStringToObject(v, "updated_at", TSU);
    cJSON *att = cJSON_AddArrayToObject(v, "attachments");
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "server_id", vm->id);
    cJSON_AddStringToObject(a, "attachment_id", d->id);
    cJSON_AddStringToObject(a, "attached_at", TSU);
    cJSON_AddStringToObject(a, "host_name", "compute-0.lab.test");
    cJSON_AddStringToObject(a, "volume_id", d->id);
    char dev[32];
    snprintf(dev, sizeof dev, "/dev/vd%c", (char)('a' + i));
    cJSON_AddStringToObject(a, "device", dev);
    cJSON_AddStringToObject(a, "id", d->id);
    cJSON_AddItemToArray(att, a);
    char name[300];
    snprintf(name, sizeof name, "%s-disk-%zu", vm->name, i);
    cJSON_AddStringToObject(v, "name", name);
    cJSON_AddStringToObject(v, "description", "");
    cJSON_AddStringToObject(v, "volume_type", d->storage);
    cJSON_AddNullToObject(v, "snapshot_id");
    cJSON_AddNullToObject(v, "source_volid");
    cJSON_AddObjectToObject(v, "metadata");
    strbuf self = STRBUF_INIT, book = STRBUF_INIT;
    sb_addf(&self, "%s/openstack/volume/v3/%s/volumes/%s", atomic_load(&o->base), phex, d->id);
    sb_addf(&book, "%s/openstack/volume/%s/volumes/%s", atomic_load(&o->base), phex, d->id);
    cJSON_AddItemToObject(v, "links", links(self.buf, book.buf));
    sb_release(&self);
    sb_release(&book);
    cJSON_AddStringToObject(v, "user_id", USER_ID);
    cJSON_AddStringToObject(v, "bootable", i == 0 ? "true" : "false");
    if (i == 0) {
        /* the image properties Nova boots with: CPU topology, firmware, OS */
        cJSON *im = cJSON_AddObjectToObject(v, "volume_image_metadata");
        int cps = vm->cores_per_socket > 0 ? vm->cores_per_socket : 1;
        char num[24];
        snprintf(num, sizeof num, "%d", vm->cpus / cps > 0 ? vm->cpus / cps : 1);
        cJSON_AddStringToObject(im, "hw_cpu_sockets", num);
        snprintf(num, sizeof num, "%d", cps);
        cJSON_AddStringToObject(im, "hw_cpu_cores", num);
        int efi = vm->firmware && !strcmp(vm->firmware, "efi");
        cJSON_AddStringToObject(im, "hw_firmware_type", efi ? "uefi" : "bios");
        if (efi && vm->secure_boot)
            cJSON_AddStringToObject(im, "os_secure_boot", "required");
        if (vm->tpm)
            cJSON_AddStringToObject(im, "hw_tpm_version", "2.0");
        cJSON_AddStringToObject(im, "os_type", vm->is_windows ? "windows" : "linux");
    }
    cJSON_AddBoolToObject(v, "encrypted", 0);
    cJSON_AddNullToObject(v, "replication_status");
    cJSON_AddNullToObject(v, "consistencygroup_id");
    cJSON_AddBoolToObject(v, "multiattach", d->shared);
    cJSON_AddNullToObject(v, "migration_status");
    cJSON_AddStringToObject(v, "os-vol-tenant-attr:tenant_id", phex);
    cJSON_AddNullToObject(v, "os-vol-mig-status-attr:migstat");
    cJSON_AddNullToObject(v, "os-vol-mig-status-attr:name_id");
    cJSON_AddNullToObject(v, "os-vol-host-attr:host");
    return v;
}

static void cinder(lab_openstack *o, lab_req *req, lab_resp *resp, char **p, size_t n)
{
    char project[37], phex[33];
    project_id(project);
    hex_id(project, phex);
    if (n < 3 || strcmp(p[0], "v3") || strcmp(p[1], phex)) {
        error(resp, 404, "itemNotFound", NULL, "The resource could not be found.");
        return;
    }
    if (!strcmp(p[2], "volumes")) {
        if (n == 3 && !strcmp(req->method, "POST")) {
            create_volume(o, req, resp);
            return;
        }
        if (n == 4 && !strcmp(req->method, "DELETE")) {
            delete_volume(o, p[3], resp);
            return;
        }
        if (n == 3 || (n == 4 && !strcmp(p[3], "detail"))) {
            cJSON *root = cJSON_CreateObject();
            cJSON *list = cJSON_AddArrayToObject(root, "volumes");
            for (size_t i = 0; i < o->src.nvms; i++)
                for (size_t j = 0; j < o->src.vms[i].ndisks; j++)
                    if (!find_vol(o, o->src.vms[i].disks[j].id))
                        cJSON_AddItemToArray(list, volume_json(o, &o->src.vms[i], j));
            for (size_t i = 0; i < o->nvols; i++)
                cJSON_AddItemToArray(list, made_volume_json(o, &o->vols[i]));
            send(resp, 200, root);
            return;
        }
        if (n == 4 && find_vol(o, p[3])) {
            cJSON *root = cJSON_CreateObject();
            cJSON_AddItemToObject(root, "volume", made_volume_json(o, find_vol(o, p[3])));
            send(resp, 200, root);
            return;
        }
        for (size_t i = 0; n == 4 && i < o->src.nvms; i++)
            for (size_t j = 0; j < o->src.vms[i].ndisks; j++)
                if (!strcmp(o->src.vms[i].disks[j].id, p[3])) {
                    cJSON *root = cJSON_CreateObject();
                    cJSON_AddItemToObject(root, "volume", volume_json(o, &o->src.vms[i], j));
                    send(resp, 200, root);
                    return;
                }
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "Volume %s could not be found.", n >= 4 ? p[3] : "");
        error(resp, 404, "itemNotFound", NULL, m.buf);
        sb_release(&m);
        return;
    }
    if (!strcmp(p[2], "types")) {
        cJSON *root = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(root, "volume_types");
        for (size_t i = 0; i < o->src.nstorages; i++) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "id", o->src.storages[i].id);
            cJSON_AddStringToObject(t, "name", o->src.storages[i].name);
            cJSON_AddStringToObject(t, "description", "");
            cJSON_AddBoolToObject(t, "is_public", 1);
            cJSON_AddObjectToObject(t, "extra_specs");
            cJSON_AddItemToArray(list, t);
        }
        send(resp, 200, root);
        return;
    }
    if (!strcmp(p[2], "snapshots")) {
        snapshots(o, req, resp, p, n);
        return;
    }
    error(resp, 404, "itemNotFound", NULL, "The resource could not be found.");
}

/* ---- the handler ---- */

static void serve(lab_openstack *o, lab_req *req, lab_resp *resp, char **parts, size_t n);

void lab_openstack_handle(void *ud, lab_req *req, lab_resp *resp)
{
    lab_openstack *o = ud;
    char *parts[12];
    size_t n = 0;
    char *copy = strdup(req->path), *save;
    for (char *t = strtok_r(copy, "/", &save); t && n < 12; t = strtok_r(NULL, "/", &save))
        parts[n++] = t;
    /* openstack SERVICE ... */
    if (n < 2) {
        error(resp, 404, "itemNotFound", NULL, "The resource could not be found.");
    } else if (!strcmp(parts[1], "identity")) {
        if (n == 5 && !strcmp(parts[2], "v3") && !strcmp(parts[3], "auth") &&
            !strcmp(parts[4], "tokens") && !strcmp(req->method, "POST")) {
            issue_token(o, req, resp);
        } else if (n == 3 && !strcmp(parts[2], "v3")) {
            cJSON *root = cJSON_Parse("{\"version\":{\"id\":\"v3.14\",\"status\":\"stable\","
                                      "\"updated\":\"2020-04-07T00:00:00Z\"}}");
            send(resp, 200, root);
        } else {
            error(resp, 404, "error", "Not Found", "The resource could not be found.");
        }
    } else if (!authorized(o, req)) {
        error(resp, 401, "error", "Unauthorized",
              "The request you have made requires authentication.");
    } else {
        int reads = !strcmp(req->method, "GET");
        if (reads)
            pthread_rwlock_rdlock(&o->data);
        else
            pthread_rwlock_wrlock(&o->data);
        serve(o, req, resp, parts, n);
        pthread_rwlock_unlock(&o->data);
    }
    free(copy);
}

static void serve(lab_openstack *o, lab_req *req, lab_resp *resp, char **parts, size_t n)
{
    if (!strcmp(parts[1], "compute")) {
        nova(o, req, resp, parts + 2, n - 2);
    } else if (!strcmp(parts[1], "network")) {
        neutron(o, req, resp, parts + 2, n - 2);
    } else if (!strcmp(parts[1], "volume")) {
        cinder(o, req, resp, parts + 2, n - 2);
    } else if (!strcmp(parts[1], "image")) {
        glance(o, req, resp, parts + 2, n - 2);
    } else {
        error(resp, 404, "itemNotFound", NULL, "The resource could not be found.");
    }
}
