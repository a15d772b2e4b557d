/* Unit tests for mtv/inventory: the HTTP client against a real loopback
 * server (206 and ProviderNotFound retried on a virtual clock, errors naming
 * the path, provider id by name, VM waits), and the mapping-source walk per
 * provider type over inventory-shaped records (the vSphere VM is the
 * captured sample from shared/reference/inventory-samples). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/inventory.h"
#include "testserver.h"
#include "testutil.h"
#include "util/json.h"

/* ---- fake fetch over a path -> JSON table -------------------------------- */

typedef struct fake {
    cJSON *table;   /* {"<path>": <json>} */
    int calls;
} fake;

static int fake_fetch(void *ud, const char *path, cJSON **out, mtv_err *err)
{
    fake *f = ud;
    f->calls++;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->table, path);
    if (!v)
        return mtv_err_set(err, MTV_EXIT_ENV, "no %s", path);
    *out = cJSON_Duplicate(v, 1);
    return 0;
}

static const char *src_at(const cJSON *arr, int i, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, i), key));
}

Test(inventory_sources, vsphere_captured_vm_maps_datastore_and_network_names)
{
    tu_require_shared();
    json_doc doc;
    mtv_err err;
    cr_assert_eq(json_doc_load(&doc, tu_shared("reference/inventory-samples/kubectl-mtv.vsphere-vms.json"),
                               JSON_STRICT, &err),
                 0, "%s", err.msg);
    cJSON *vms = cJSON_CreateArray();
    cJSON_AddItemToArray(vms, cJSON_Duplicate(doc.root->child, 1));
    cJSON_AddItemToArray(vms, cJSON_Duplicate(doc.root->child, 1));   /* same storage twice */
    json_doc_free(&doc);
    fake f = {cJSON_Parse("{\"vsphere/p1/datastores/datastore-13341\": {\"id\": \"datastore-13341\", "
                          "\"name\": \"example-iscsi-ds1\"},"
                          "\"vsphere/p1/networks/dvportgroup-17756\": {\"id\": \"dvportgroup-17756\", "
                          "\"name\": \"VM Network\"}}"),
              0};
    cJSON *s;
    cr_assert_eq(mtv_inventory_storage_sources("vsphere", "p1", vms, fake_fetch, &f, &s, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(cJSON_GetArraySize(s), 1, "deduplicated");
    cr_assert_str_eq(src_at(s, 0, "name"), "example-iscsi-ds1");
    cJSON_Delete(s);
    cr_assert_eq(mtv_inventory_network_sources("vsphere", "p1", vms, 1, fake_fetch, &f, &s, &err), 0);
    cr_assert_eq(cJSON_GetArraySize(s), 1);
    cr_assert_str_eq(src_at(s, 0, "name"), "VM Network");
    cJSON_Delete(s);
    cr_assert_eq(mtv_inventory_network_sources("vsphere", "p1", vms, 0, fake_fetch, &f, &s, &err), 0);
    cr_assert_eq(cJSON_GetArraySize(s), 2, "one per NIC of each VM");
    cJSON_Delete(s);
    cJSON_Delete(vms);
    cJSON_Delete(f.table);
}

Test(inventory_sources, an_id_that_is_no_path_segment_is_found_in_the_listing)
{
    /* vcsim's local datastores have path-like morefs */
    cJSON *vms = cJSON_Parse("[{\"name\": \"vm\", \"disks\": [{\"datastore\": {\"id\": "
                             "\"/tmp/govcsim-DC0-LocalDS_0-1@folder-5\"}}]}]");
    fake f = {cJSON_Parse("{\"vsphere/p1/datastores?detail=1\": [{\"id\": \"datastore-1\", "
                          "\"name\": \"other\"}, {\"id\": \"/tmp/govcsim-DC0-LocalDS_0-1@folder-5\", "
                          "\"name\": \"LocalDS_0\"}]}"),
              0};
    cJSON *s;
    mtv_err err;
    cr_assert_eq(mtv_inventory_storage_sources("vsphere", "p1", vms, fake_fetch, &f, &s, &err), 0, "%s",
                 err.msg);
    cr_assert_str_eq(src_at(s, 0, "name"), "LocalDS_0");
    cJSON_Delete(s);
    cJSON_Delete(cJSON_DetachItemViaPointer(
        cJSON_GetArrayItem(vms, 0), cJSON_GetObjectItem(cJSON_GetArrayItem(vms, 0), "disks")));
    cJSON_AddItemToObject(cJSON_GetArrayItem(vms, 0), "disks",
                          cJSON_Parse("[{\"datastore\": {\"id\": \"/tmp/gone@folder-5\"}}]"));
    cr_assert_eq(mtv_inventory_storage_sources("vsphere", "p1", vms, fake_fetch, &f, &s, &err), -1);
    cr_assert(strstr(err.msg, "no datastores with id '/tmp/gone@folder-5'"), "%s", err.msg);
    cJSON_Delete(vms);
    cJSON_Delete(f.table);
}

Test(inventory_sources, ovirt_follows_disks_domains_and_nic_profiles)
{
    cJSON *vms = cJSON_Parse(
        "[{\"name\": \"rhel\", \"diskAttachments\": [{\"id\": \"a1\", \"disk\": \"d1\"}, {\"id\": \"a2\", "
        "\"disk\": \"d2\"}], \"nics\": [{\"id\": \"n1\", \"profile\": \"prof1\"}, {\"id\": \"n2\", "
        "\"profile\": \"prof2\"}]}]");
    fake f = {cJSON_Parse("{\"ovirt/p/disks/d1\": {\"storageDomain\": \"sd1\"},"
                          "\"ovirt/p/disks/d2\": {\"storageDomain\": \"sd2\"},"
                          "\"ovirt/p/storagedomains/sd1\": {\"name\": \"data1\"},"
                          "\"ovirt/p/storagedomains/sd2\": {\"name\": \"data2\"},"
                          "\"ovirt/p/nicprofiles/prof1\": {\"network\": \"net1\"},"
                          "\"ovirt/p/nicprofiles/prof2\": {\"network\": \"net1\"},"
                          "\"ovirt/p/networks/net1\": {\"name\": \"ovirtmgmt\", \"path\": \"Default/ovirtmgmt\"}}"),
              0};
    cJSON *s;
    mtv_err err;
    cr_assert_eq(mtv_inventory_storage_sources("ovirt", "p", vms, fake_fetch, &f, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(s), 2);
    cr_assert_str_eq(src_at(s, 1, "name"), "data2");
    cJSON_Delete(s);
    cr_assert_eq(mtv_inventory_network_sources("ovirt", "p", vms, 1, fake_fetch, &f, &s, &err), 0);
    cr_assert_eq(cJSON_GetArraySize(s), 1);
    cr_assert_str_eq(src_at(s, 0, "name"), "Default/ovirtmgmt", "the network's inventory path");
    cJSON_Delete(s);
    cr_assert_eq(mtv_inventory_network_sources("ovirt", "p", vms, 0, fake_fetch, &f, &s, &err), 0);
    cr_assert_eq(cJSON_GetArraySize(s), 2);
    cJSON_Delete(s);
    cJSON_Delete(vms);
    cJSON_Delete(f.table);
}

Test(inventory_sources, openstack_volume_types_glance_and_address_networks)
{
    cJSON *vms = cJSON_Parse("[{\"name\": \"osp-vm\", \"imageID\": \"img-1\", "
                             "\"attachedVolumes\": [{\"ID\": \"v1\"}], "
                             "\"addresses\": {\"private\": [{\"addr\": \"10.0.0.5\"}]}}]");
    fake f = {cJSON_Parse("{\"openstack/p/volumes/v1\": {\"volumeType\": \"tripleo\"},"
                          "\"openstack/p/networks?detail=4\": [{\"id\": \"net-9\", \"name\": \"private\"}, "
                          "{\"id\": \"net-1\", \"name\": \"public\"}]}"),
              0};
    cJSON *s;
    mtv_err err;
    cr_assert_eq(mtv_inventory_storage_sources("openstack", "p", vms, fake_fetch, &f, &s, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(cJSON_GetArraySize(s), 2);
    cr_assert_str_eq(src_at(s, 0, "name"), "tripleo");
    cr_assert_str_eq(src_at(s, 1, "name"), "glance");
    cJSON_Delete(s);
    cr_assert_eq(mtv_inventory_network_sources("openstack", "p", vms, 1, fake_fetch, &f, &s, &err), 0);
    cr_assert_str_eq(src_at(s, 0, "id"), "net-9");
    cr_assert_str_eq(src_at(s, 0, "name"), "private");
    cJSON_Delete(s);
    cJSON_Delete(vms);
    cJSON_Delete(f.table);
}

Test(inventory_sources, ova_openshift_and_hyperv)
{
    mtv_err err;
    cJSON *s;
    cJSON *ova = cJSON_Parse("[{\"name\": \"win2019\", \"networks\": [{\"ID\": \"n1\"}]}]");
    fake f = {cJSON_Parse("{\"ova/p/storages?detail=4\": [{\"id\": \"s1\", \"name\": \"win2019/disk1.vmdk\"}, "
                          "{\"id\": \"s2\", \"name\": \"other/disk.vmdk\"}],"
                          "\"ova/p/networks/n1\": {\"ID\": \"n1\", \"Name\": \"VM Network\"}}"),
              0};
    cr_assert_eq(mtv_inventory_storage_sources("ova", "p", ova, fake_fetch, &f, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(s), 1);
    cr_assert_str_eq(src_at(s, 0, "id"), "s1");
    cJSON_Delete(s);
    cr_assert_eq(mtv_inventory_network_sources("ova", "p", ova, 1, fake_fetch, &f, &s, &err), 0, "%s", err.msg);
    cr_assert_str_eq(src_at(s, 0, "name"), "VM Network");
    cJSON_Delete(s);
    cJSON_Delete(ova);
    cJSON_Delete(f.table);

    cJSON *ocp = cJSON_Parse(
        "[{\"name\": \"vm1\", \"object\": {\"metadata\": {\"namespace\": \"src\"}, \"spec\": {\"template\": "
        "{\"spec\": {\"volumes\": [{\"name\": \"root\", \"dataVolume\": {\"name\": \"vm1-root\"}}, "
        "{\"name\": \"ci\", \"cloudInitNoCloud\": {}}], \"networks\": [{\"name\": \"default\", \"pod\": {}}, "
        "{\"name\": \"net2\", \"multus\": {\"networkName\": \"src/br1\"}}]}}}}}]");
    fake g = {cJSON_Parse("{\"openshift/p/persistentvolumeclaims?detail=4\": [{\"object\": {\"metadata\": "
                          "{\"name\": \"vm1-root\", \"namespace\": \"src\"}, \"spec\": {\"storageClassName\": "
                          "\"ocs-rbd\"}}}]}"),
              0};
    cr_assert_eq(mtv_inventory_storage_sources("openshift", "p", ocp, fake_fetch, &g, &s, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(cJSON_GetArraySize(s), 1);
    cr_assert_str_eq(src_at(s, 0, "name"), "ocs-rbd");
    cJSON_Delete(s);
    cr_assert_eq(mtv_inventory_network_sources("openshift", "p", ocp, 1, fake_fetch, &g, &s, &err), 0);
    cr_assert_str_eq(src_at(s, 0, "type"), "pod");
    cr_assert_str_eq(src_at(s, 1, "name"), "src/br1");
    cJSON_Delete(s);
    cJSON_Delete(ocp);
    cJSON_Delete(g.table);

    cJSON *hv = cJSON_Parse("[{\"name\": \"hv1\", \"disks\": [{\"datastore\": {\"id\": \"st1\"}}], "
                            "\"nics\": [{\"network\": {\"id\": \"sw1\"}}]}]");
    fake h = {cJSON_Parse("{\"hyperv/p/storages/st1\": {\"name\": \"C:\\\\VMs\"},"
                          "\"hyperv/p/networks/sw1\": {\"name\": \"External\"}}"),
              0};
    cr_assert_eq(mtv_inventory_storage_sources("hyperv", "p", hv, fake_fetch, &h, &s, &err), 0, "%s", err.msg);
    cr_assert_str_eq(src_at(s, 0, "name"), "C:\\VMs");
    cJSON_Delete(s);
    cr_assert_eq(mtv_inventory_network_sources("hyperv", "p", hv, 1, fake_fetch, &h, &s, &err), 0);
    cr_assert_str_eq(src_at(s, 0, "id"), "sw1");
    cr_assert_str_eq(src_at(s, 0, "name"), "External");
    cJSON_Delete(s);
    cJSON_Delete(hv);
    cJSON_Delete(h.table);
}

Test(inventory_sources, empty_and_broken_records_are_errors)
{
    mtv_err err;
    cJSON *s;
    cJSON *vms = cJSON_Parse("[{\"name\": \"nodisk\", \"disks\": []}]");
    fake f = {cJSON_CreateObject(), 0};
    cr_assert_eq(mtv_inventory_storage_sources("vsphere", "p", vms, fake_fetch, &f, &s, &err), -1);
    cr_assert(strstr(err.msg, "no storage"), "%s", err.msg);
    cJSON_Delete(vms);
    vms = cJSON_Parse("[{\"name\": \"web\", \"disks\": [{\"file\": \"x\"}]}]");
    cr_assert_eq(mtv_inventory_storage_sources("vsphere", "p", vms, fake_fetch, &f, &s, &err), -1);
    cr_assert(strstr(err.msg, "'web'") && strstr(err.msg, "datastore"), "%s", err.msg);
    cr_assert_eq(mtv_inventory_storage_sources("ec2", "p", vms, fake_fetch, &f, &s, &err), -1);
    cr_assert(strstr(err.msg, "ec2"));
    cJSON_Delete(vms);
    cJSON_Delete(f.table);
}

/* ---- the client over HTTP --------------------------------------------------- */

typedef struct client {
    ts_server *srv;
    mtv_clock *clk;
    transport *t;
    mtv_inventory *inv;
} client;

static client open_client(void)
{
    client c;
    c.srv = ts_start(TS_HTTP);
    c.clk = clock_new_virtual(1700000000000LL);
    transport_config tc = {.mode = TRANSPORT_LIVE, .clock = c.clk};
    mtv_err err;
    cr_assert_eq(transport_open(&c.t, &tc, &err), 0, "%s", err.msg);
    mtv_inventory_config ic = {.t = c.t, .base_url = ts_url(c.srv), .token = "inventory-token-canary",
                               .not_ready_timeout_ms = 60000};
    cr_assert_eq(mtv_inventory_open(&c.inv, &ic, &err), 0, "%s", err.msg);
    return c;
}

static void close_client(client *c)
{
    mtv_inventory_free(c->inv);
    transport_free(c->t);
    clock_free(c->clk);
    ts_stop(c->srv);
}

Test(inventory_http, not_ready_answers_are_retried_then_served)
{
    client c = open_client();
    ts_script_step steps[] = {
        {206, NULL, NULL, "", 0},
        {404, "X-Reason", "ProviderNotFound", "", 0},
        {200, NULL, NULL, "[{\"id\": \"vm-1\", \"name\": \"web\"}]", 0},
    };
    ts_route_script(c.srv, "GET", "/providers/vsphere/p1/vms", steps, 3);
    cJSON *out;
    mtv_err err;
    cr_assert_eq(mtv_inventory_get(c.inv, "vsphere/p1/vms?detail=4", &out, &err), 0, "%s", err.msg);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(out->child, "id")), "vm-1");
    cJSON_Delete(out);
    cr_assert_eq(ts_count_path(c.srv, "/providers/vsphere/p1/vms"), 3);
    const ts_request *r = ts_request_at(c.srv, 0);
    cr_assert_str_eq(http_headers_get(&r->headers, "Authorization"), "Bearer inventory-token-canary");
    cr_assert(strstr(r->uri, "detail=4"));
    cr_assert_geq(clock_mono_ms(c.clk), 10000, "two 5 s pauses on the virtual clock");
    close_client(&c);
}

Test(inventory_http, errors_name_path_and_status_and_give_up_in_time)
{
    client c = open_client();
    ts_script_step boom[] = {{403, "forklift-error-message", "not allowed to get provider", "", 0}};
    ts_route_script(c.srv, "GET", "/providers/ovirt/p/vms", boom, 1);
    ts_script_step loading[] = {{206, NULL, NULL, "", 0}};
    ts_route_script(c.srv, "GET", "/providers/ovirt/p/networks", loading, 1);
    ts_script_step notfound[] = {{404, NULL, NULL, "", 0}};
    ts_route_script(c.srv, "GET", "/providers/ovirt/p/disks/x", notfound, 1);
    cJSON *out;
    mtv_err err;
    cr_assert_eq(mtv_inventory_get(c.inv, "ovirt/p/vms", &out, &err), -1);
    cr_assert(strstr(err.msg, "/providers/ovirt/p/vms: HTTP 403: not allowed"), "%s", err.msg);
    cr_assert_eq(mtv_inventory_get(c.inv, "ovirt/p/disks/x", &out, &err), -1);
    cr_assert(strstr(err.msg, "HTTP 404"), "a plain 404 is not 'loading': %s", err.msg);
    cr_assert_eq(mtv_inventory_get(c.inv, "ovirt/p/networks", &out, &err), -1);
    cr_assert(strstr(err.msg, "still loading") && strstr(err.msg, "60 s"), "%s", err.msg);
    cr_assert_geq(clock_mono_ms(c.clk), 60000);
    close_client(&c);
}

Test(inventory_http, provider_id_by_name_and_vm_wait)
{
    client c = open_client();
    ts_script_step provs[] = {
        {200, NULL, NULL, "[]", 0},
        {200, NULL, NULL,
         "[{\"uid\": \"u-other\", \"name\": \"other\", \"namespace\": \"ns\"}, "
         "{\"uid\": \"u-src\", \"name\": \"src\", \"namespace\": \"ns\"}]",
         0},
    };
    ts_route_script(c.srv, "GET", "/providers/vsphere", provs, 2);
    strbuf id = STRBUF_INIT;
    mtv_err err;
    cr_assert_eq(mtv_inventory_provider_id(c.inv, "vsphere", "src", "ns", 180000, &id, &err), 0, "%s",
                 err.msg);
    cr_assert_str_eq(id.buf, "u-src");
    sb_release(&id);

    ts_script_step list[] = {
        {200, NULL, NULL, "[{\"id\": \"vm-7\", \"name\": \"db\"}]", 0},
        {200, NULL, NULL, "[{\"id\": \"vm-7\", \"name\": \"db\"}, {\"id\": \"vm-9\", \"name\": \"web\"}]", 0},
    };
    ts_route_script(c.srv, "GET", "/providers/vsphere/u-src/vms", list, 2);
    static const char vm9[] = "{\"id\": \"vm-9\", \"name\": \"web\", \"disks\": []}";
    ts_route_static(c.srv, "GET", "/providers/vsphere/u-src/vms/vm-9", 200, "application/json", vm9,
                    strlen(vm9));
    cJSON *vm;
    cr_assert_eq(mtv_inventory_wait_vm(c.inv, "vsphere", "u-src", "web", 300000, &vm, &err), 0, "%s",
                 err.msg);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(vm, "id")), "vm-9");
    cJSON_Delete(vm);
    cr_assert_eq(mtv_inventory_wait_vm(c.inv, "vsphere", "u-src", "absent", 30000, &vm, &err), -1);
    cr_assert(strstr(err.msg, "'absent'") && strstr(err.msg, "db, web"), "%s", err.msg);
    close_client(&c);
}
