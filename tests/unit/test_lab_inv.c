/* Unit tests for lab_inv: the inventory's resources cover the key sets and
 * JSON types of the real captured samples (kubectl-mtv's vSphere VMs,
 * networks, datastores and hosts, minus the fields kubectl-mtv computes;
 * the console's GET /providers?detail=1 per type), and the REST layer
 * behaves as forklift.md 9.4 says: detail levels, name and path filters,
 * limit/offset, 206 until synced, 404 with X-Reason: ProviderNotFound,
 * 400 on bad query values; a changed source is re-read when it is due or
 * marked stale, and not before. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_inv.h"
#include "lab/lab_kinds.h"
#include "labtest.h"
#include "testutil.h"

static int64_t fake_now = 1000;
static int64_t now_ms(void *ud)
{
    (void)ud;
    return fake_now;
}

static cJSON *load_sample(const char *rel)
{
    tu_require_shared();
    char *text = tu_read(tu_shared(rel), NULL);
    cr_assert_not_null(text, "%s", rel);
    cJSON *j = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(j);
    return j;
}

static lab_world world;
static lab_kinds *kinds;
static lab_store *store;
static lab_inv *inv;

static void setup(void)
{
    mtv_err err;
    cr_assert_eq(lab_world_load(&world, NULL, &err), 0, "%s", err.msg);
    kinds = lab_kinds_new_builtin();
    store = lab_store_new(kinds, NULL);
    inv = lab_inv_new(store, now_ms, NULL);
    fake_now = 1000;
}

static void teardown(void)
{
    lab_inv_free(inv);
    lab_store_free(store);
    lab_kinds_free(kinds);
    lab_world_free(&world);
}

TestSuite(lab_inv, .init = setup, .fini = teardown);

static cJSON *provider_cr(const char *uid, const char *name, const char *type)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "apiVersion", "forklift.konveyor.io/v1beta1");
    cJSON_AddStringToObject(p, "kind", "Provider");
    cJSON *m = cJSON_AddObjectToObject(p, "metadata");
    cJSON_AddStringToObject(m, "name", name);
    cJSON_AddStringToObject(m, "namespace", "openshift-mtv");
    cJSON_AddStringToObject(m, "uid", uid);
    cJSON_AddStringToObject(m, "resourceVersion", "42");
    cJSON *s = cJSON_AddObjectToObject(p, "spec");
    cJSON_AddStringToObject(s, "type", type);
    return p;
}

typedef struct answer {
    int status;
    cJSON *json;
    char *reason;
    size_t len;
} answer;

static answer get(const char *target, int watch)
{
    lab_req req;
    lab_req_init(&req, "GET", target);
    if (watch)
        lab_req_add_header(&req, "X-Watch", "snapshot");
    lab_resp resp;
    lab_resp_init(&resp);
    lab_inv_handle(inv, &req, &resp);
    answer a = {resp.status, resp.body.len ? cJSON_Parse(resp.body.buf) : NULL, NULL,
                resp.body.len};
    const char *r = lab_resp_header_get(&resp, "X-Reason");
    a.reason = r ? strdup(r) : NULL;
    lab_resp_release(&resp);
    lab_req_release(&req);
    return a;
}

static void answer_free(answer *a)
{
    cJSON_Delete(a->json);
    free(a->reason);
}

static void put(const char *uid, const char *name, lab_src_type t, int64_t synced)
{
    cJSON *cr = provider_cr(uid, name, lab_src_type_name(t));
    lab_inv_put(inv, cr, t == LAB_SRC_OPENSHIFT ? NULL : &world.src[t], synced);
    cJSON_Delete(cr);
}

Test(lab_inv, vsphere_resources_cover_the_kubectl_mtv_samples)
{
    put("u-vs", "vsphere", LAB_SRC_VSPHERE, 0);
    static const char *const vm_computed[] = {"provider", "powerStateHuman", "memoryGB",
                                              "diskCapacity", "storageUsedGB", "concernsHuman",
                                              "criticalConcerns", "warningConcerns",
                                              "infoConcerns", NULL};
    static const char *const net_computed[] = {"provider", "hostCount", NULL};
    static const char *const ds_computed[] = {"provider", "capacityHuman", "freeHuman", NULL};
    static const char *const host_computed[] = {"provider", NULL};
    struct {
        const char *sample, *route;
        const char *const *ignore;
    } cases[] = {
        {"reference/inventory-samples/kubectl-mtv.vsphere-vms.json",
         "/providers/vsphere/u-vs/vms?detail=4", vm_computed},
        {"reference/inventory-samples/kubectl-mtv.vsphere-networks.json",
         "/providers/vsphere/u-vs/networks?detail=4", net_computed},
        {"reference/inventory-samples/kubectl-mtv.vsphere-datastores.json",
         "/providers/vsphere/u-vs/datastores?detail=4", ds_computed},
        {"reference/inventory-samples/kubectl-mtv.vsphere-hosts.json",
         "/providers/vsphere/u-vs/hosts?detail=4", host_computed},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *sample = load_sample(cases[i].sample);
        answer a = get(cases[i].route, 0);
        cr_assert_eq(a.status, 200, "%s: %d", cases[i].route, a.status);
        cr_assert(cJSON_GetArraySize(a.json) > 0, "%s: empty", cases[i].route);
        /* the DvSwitch network sample: compare with a port group, the shared keys */
        const cJSON *lab = cJSON_GetArrayItem(a.json, cJSON_GetArraySize(a.json) - 1);
        labtest_json_covers(cJSON_GetArrayItem(sample, 0), lab, cases[i].route, cases[i].ignore);
        answer_free(&a);
        cJSON_Delete(sample);
    }
}

Test(lab_inv, provider_resources_cover_the_console_sample)
{
    cJSON *sample = load_sample("reference/inventory-samples/console-plugin.providers.Inventory.json");
    put("u-vs", "vsphere", LAB_SRC_VSPHERE, 0);
    put("u-ov", "rhv", LAB_SRC_OVIRT, 0);
    put("u-os", "osp", LAB_SRC_OPENSTACK, 0);
    put("u-oc", "host", LAB_SRC_OPENSHIFT, 0);
    answer a = get("/providers?detail=1", 0);
    cr_assert_eq(a.status, 200);
    static const char *const types[] = {"vsphere", "ovirt", "openstack", "openshift", NULL};
    for (const char *const *t = types; *t; t++) {
        const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(sample, *t), 0);
        const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItem(a.json, *t), 0);
        cr_assert_not_null(l, "no %s provider listed", *t);
        static const char *const ignore[] = {"object", NULL};
        labtest_json_covers(s, l, *t, ignore);
        cr_assert(cJSON_IsObject(cJSON_GetObjectItem(l, "object")));
    }
    /* every type key is present, empty when nothing is registered */
    cr_assert(cJSON_IsArray(cJSON_GetObjectItem(a.json, "ova")));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a.json, "hyperv")), 0);
    const cJSON *vs = cJSON_GetArrayItem(cJSON_GetObjectItem(a.json, "vsphere"), 0);
    cr_assert_str_eq(cJSON_GetObjectItem(vs, "selfLink")->valuestring, "providers/vsphere/u-vs");
    cr_assert_eq(cJSON_GetObjectItem(vs, "vmCount")->valueint, (int)world.src[0].nvms);
    answer_free(&a);
    /* detail 0: only the base fields */
    a = get("/providers/ovirt", 0);
    cr_assert_eq(a.status, 200);
    const cJSON *o = cJSON_GetArrayItem(a.json, 0);
    cr_assert_null(cJSON_GetObjectItem(o, "object"));
    cr_assert_str_eq(cJSON_GetObjectItem(o, "version")->valuestring, "42");
    answer_free(&a);
    cJSON_Delete(sample);
}

Test(lab_inv, detail_levels_filters_and_paging)
{
    put("u-vs", "vsphere", LAB_SRC_VSPHERE, 0);
    put("u-ov", "rhv", LAB_SRC_OVIRT, 0);
    answer a = get("/providers/ovirt/u-ov/vms", 0);
    const cJSON *vm = cJSON_GetArrayItem(a.json, 0);
    cr_assert_eq(cJSON_GetArraySize(vm), 6, "detail 0 keeps the base fields");
    cr_assert_not_null(cJSON_GetObjectItem(vm, "selfLink"));
    answer_free(&a);
    a = get("/providers/ovirt/u-ov/vms?detail=1", 0);
    vm = cJSON_GetArrayItem(a.json, 0);
    cr_assert_not_null(cJSON_GetObjectItem(vm, "nics"));
    cr_assert_not_null(cJSON_GetObjectItem(vm, "diskAttachments"));
    cr_assert_null(cJSON_GetObjectItem(vm, "cpuSockets"));
    answer_free(&a);
    a = get("/providers/ovirt/u-ov/vms?detail=all&name=mtv-win2019-3disks", 0);
    cr_assert_eq(cJSON_GetArraySize(a.json), 1);
    vm = cJSON_GetArrayItem(a.json, 0);
    cr_assert_eq(cJSON_GetObjectItem(vm, "cpuSockets")->valueint, 2);
    cr_assert_eq(cJSON_GetObjectItem(vm, "memory")->valuedouble, 8192.0 * 1024 * 1024);
    answer_free(&a);
    /* the vSphere vms list is full detail at any level; inventory paths match */
    a = get("/providers/vsphere/u-vs/vms?name=/DC0/vm/mtv-tests-rhel8", 0);
    cr_assert_eq(cJSON_GetArraySize(a.json), 1);
    cr_assert_not_null(cJSON_GetObjectItem(cJSON_GetArrayItem(a.json, 0), "guestId"));
    answer_free(&a);
    a = get("/providers/vsphere/u-vs/vms?name=/Other/vm/mtv-tests-rhel8", 0);
    cr_assert_eq(cJSON_GetArraySize(a.json), 0);
    answer_free(&a);
    a = get("/providers/vsphere/u-vs/vms?limit=2&offset=3", 0);
    cr_assert_eq(cJSON_GetArraySize(a.json), 2);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(a.json, 0), "id")->valuestring,
                     "vm-1003");
    answer_free(&a);
    /* one object by id; vSphere hosts honour detail even then */
    a = get("/providers/vsphere/u-vs/vms/vm-1001", 0);
    cr_assert_eq(a.status, 200);
    cr_assert_str_eq(cJSON_GetObjectItem(a.json, "name")->valuestring, "mtv-win2019-3disks");
    answer_free(&a);
    a = get("/providers/vsphere/u-vs/hosts/host-21", 0);
    cr_assert_null(cJSON_GetObjectItem(a.json, "networking"));
    answer_free(&a);
    a = get("/providers/vsphere/u-vs/workloads/vm-1001", 0);
    cr_assert(cJSON_IsObject(cJSON_GetObjectItem(a.json, "host")), "workloads expand the host");
    cr_assert_not_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, "host"),
                                                               "cluster"), "datacenter"));
    answer_free(&a);
}

Test(lab_inv, status_codes)
{
    put("u-vs", "vsphere", LAB_SRC_VSPHERE, 5000);
    answer a = get("/providers/vsphere/u-vs/vms", 0);
    cr_assert_eq(a.status, 206, "not synced yet");
    cr_assert_eq(a.len, 0);
    answer_free(&a);
    fake_now = 5000;
    a = get("/providers/vsphere/u-vs/vms", 0);
    cr_assert_eq(a.status, 200);
    answer_free(&a);
    a = get("/providers/vsphere/no-such-uid/vms", 0);
    cr_assert_eq(a.status, 404);
    cr_assert_str_eq(a.reason, "ProviderNotFound");
    answer_free(&a);
    lab_inv_remove(inv, "u-vs");
    a = get("/providers/vsphere/u-vs", 0);
    cr_assert_eq(a.status, 404);
    cr_assert_str_eq(a.reason, "ProviderNotFound", "a deleted provider");
    answer_free(&a);
    put("u-vs", "vsphere", LAB_SRC_VSPHERE, 0);
    a = get("/providers/vsphere/u-vs/vms/vm-9999", 0);
    cr_assert_eq(a.status, 404);
    cr_assert_null(a.reason, "an unknown object is a plain 404");
    answer_free(&a);
    a = get("/providers/vsphere/u-vs/vms?detail=lots", 0);
    cr_assert_eq(a.status, 400);
    answer_free(&a);
    a = get("/providers/vsphere/u-vs/vms?limit=-1", 0);
    cr_assert_eq(a.status, 400);
    answer_free(&a);
    a = get("/providers", 1);
    cr_assert_eq(a.status, 400, "provider lists cannot be watched");
    answer_free(&a);
}

Test(lab_inv, controller_lookups_and_power)
{
    put("u-ov", "rhv", LAB_SRC_OVIRT, 0);
    lab_vm vm;
    cJSON *wl;
    cr_assert_eq(lab_inv_find_vm(inv, "u-ov", NULL, "mtv-tests-rhel9-luks", &vm, &wl), 0);
    cr_assert(vm.power_on);
    cr_assert_not_null(cJSON_GetObjectItem(wl, "diskAttachments"));
    char *id = strdup(vm.id);
    lab_vm_release(&vm);
    cJSON_Delete(wl);
    cr_assert_eq(lab_inv_set_power(inv, "u-ov", id, 0), 0);
    cr_assert_eq(lab_inv_find_vm(inv, "u-ov", id, NULL, &vm, NULL), 0);
    cr_assert(!vm.power_on);
    lab_vm_release(&vm);
    char path[256];
    snprintf(path, sizeof path, "/providers/ovirt/u-ov/vms/%s", id);
    answer a = get(path, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(a.json, "status")->valuestring, "down");
    cr_assert_eq(cJSON_GetObjectItem(a.json, "revision")->valueint, 2, "a change is a new revision");
    answer_free(&a);
    free(id);
    char *rid, *rname;
    cr_assert_eq(lab_inv_find_ref(inv, "u-ov", "network", NULL, "ovirtmgmt", NULL, &rid, &rname), 0);
    cr_assert_str_eq(rname, "ovirtmgmt");
    cr_assert_eq(strlen(rid), 36);
    free(rid);
    free(rname);
    cr_assert_eq(lab_inv_find_ref(inv, "u-ov", "storage", NULL, "nowhere", NULL, &rid, &rname), -1);
}

/* A source that grows: each read adds one clone of the first VM. */
typedef struct growing {
    int reads;
} growing;

static int grow_source(void *ud, const cJSON *provider, lab_source *out)
{
    growing *g = ud;
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(provider, "metadata.uid")), "u-ov");
    lab_source_copy(out, &world.src[LAB_SRC_OVIRT]);
    g->reads++;
    for (int i = 0; i < g->reads; i++) {
        char name[64], seed[64];
        snprintf(name, sizeof name, "clone-%d", i);
        snprintf(seed, sizeof seed, "test/%d", i);
        lab_vm vm;
        lab_vm_clone(&vm, &out->vms[0], name, seed, "56:6f:1a", 0);
        lab_source_add_vm(out, &vm);
    }
    return 0;
}

static int has_vm(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/providers/ovirt/u-ov/vms?name=%s", name);
    answer a = get(path, 0);
    cr_assert_eq(a.status, 200);
    int n = cJSON_GetArraySize(a.json);
    answer_free(&a);
    return n;
}

Test(lab_inv, changed_sources_are_read_again_when_due_or_stale)
{
    growing g = {0};
    put("u-ov", "rhv", LAB_SRC_OVIRT, 0);
    lab_inv_set_refresh(inv, grow_source, &g, 5000);
    const char *first = world.src[LAB_SRC_OVIRT].vms[0].id;
    cr_assert_eq(lab_inv_set_power(inv, "u-ov", first, 0), 0);
    cr_assert_eq(has_vm("clone-0"), 0, "read at connect time only");
    cr_assert_eq(g.reads, 0, "not due yet");
    fake_now += 5000;
    cr_assert_eq(has_vm("clone-0"), 1, "due: read again");
    cr_assert_eq(g.reads, 1);
    char path[256];
    snprintf(path, sizeof path, "/providers/ovirt/u-ov/vms/%s", first);
    answer a = get(path, 0);
    cr_assert_eq(cJSON_GetObjectItem(a.json, "revision")->valueint, 2, "revisions never go back");
    answer_free(&a);
    cr_assert_eq(has_vm("clone-1"), 0);
    cr_assert_eq(g.reads, 1, "not again within the period");
    lab_inv_stale_type(inv, "vsphere");
    cr_assert_eq(has_vm("clone-1"), 0, "another type's change is not this provider's");
    lab_inv_stale_type(inv, "ovirt");
    cr_assert_eq(has_vm("clone-1"), 1, "stale: read at the next request");
    cr_assert_eq(g.reads, 2);
    lab_vm vm;
    cr_assert_eq(lab_inv_find_vm(inv, "u-ov", NULL, "clone-1", &vm, NULL), 0,
                 "the controller finds it too");
    cr_assert_str_neq(vm.nics[0].mac, world.src[LAB_SRC_OVIRT].vms[0].nics[0].mac,
                      "a clone has MACs of its own");
    lab_vm_release(&vm);
    lab_inv_set_refresh(inv, NULL, NULL, 0);
    lab_inv_stale_type(inv, "ovirt");
    cr_assert_eq(has_vm("clone-2"), 0, "refreshing off");
}
