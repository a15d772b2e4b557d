/* Unit tests for the simulated OpenStack services: Keystone password auth
 * with X-Subject-Token and a catalog pointing at the lab; Nova servers,
 * flavors and volume attachments, Neutron networks and ports, Cinder
 * volumes covering the key sets and value types of the real recorded
 * responses (provider-samples/openstack); ids that agree with the
 * inventory; 401 without a token; os-stop; a server clone made as Nova
 * makes one (createImage, volumes from its snapshots, a server booted from
 * them) and deleted again in teardown order. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "labtest.h"
#include "providers/provider.h"
#include "util/log.h"
#include "testutil.h"

static labtest lab;
static char token_header[600];

static void stop(void)
{
    labtest_stop(&lab);
}

TestSuite(lab_openstack, .fini = stop, .timeout = 60);

static cJSON *sample(const char *name)
{
    tu_require_shared();
    char rel[256];
    snprintf(rel, sizeof rel, "reference/provider-samples/openstack/%s", name);
    char *text = tu_read(tu_shared(rel), NULL);
    cr_assert_not_null(text, "%s", rel);
    cJSON *j = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(j);
    return j;
}

static labtest_reply login(const char *password)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{"
             "\"name\":\"%s\",\"domain\":{\"name\":\"Default\"},\"password\":\"%s\"}}},"
             "\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"name\":\"Default\"}}}}}",
             lab_mtv_user(lab.mtv, LAB_SRC_OPENSTACK), password);
    const char *h[] = {"Content-Type: application/json", NULL};
    return labtest_http_headers(&lab, "POST", "/openstack/identity/v3/auth/tokens", body, h);
}

static cJSON *os_get(const char *path)
{
    const char *h[] = {token_header, NULL};
    labtest_reply r = labtest_http_headers(&lab, "GET", path, NULL, h);
    cr_assert_eq(r.code, 200, "%s: %ld %s", path, r.code, sb_str(&r.body));
    cJSON *j = cJSON_Parse(r.body.buf);
    cr_assert_not_null(j, "%s: %s", path, r.body.buf);
    labtest_reply_free(&r);
    return j;
}

static void start(void)
{
    labtest_start(&lab, NULL);
    labtest_reply r = login(lab_mtv_password(lab.mtv, LAB_SRC_OPENSTACK));
    cr_assert_eq(r.code, 201, "%s", r.body.buf);
    const char *t = strstr(r.headers.buf, "X-Subject-Token: ");
    cr_assert_not_null(t, "%s", r.headers.buf);
    t += 17;
    snprintf(token_header, sizeof token_header, "X-Auth-Token: %.*s", (int)strcspn(t, "\r\n"), t);
    labtest_reply_free(&r);
}

Test(lab_openstack, keystone_token_and_catalog)
{
    labtest_start(&lab, NULL);
    labtest_reply r = login(lab_mtv_password(lab.mtv, LAB_SRC_OPENSTACK));
    cr_assert_eq(r.code, 201);
    cr_assert(strstr(r.headers.buf, "X-Subject-Token: gAAAAAB"), "%s", r.headers.buf);
    cJSON *tok = cJSON_Parse(r.body.buf);
    cJSON *s = sample("keystone.v3.auth-tokens.project-scoped.json");
    labtest_json_covers(s, tok, "token", NULL);
    char want[512];
    snprintf(want, sizeof want, "\"url\":\"%s/openstack/compute/v2.1\"", lab_server_url(lab.srv));
    char *txt = cJSON_PrintUnformatted(tok);
    cr_assert(strstr(txt, want), "the catalog points at the lab: %s", txt);
    static const char *const types[] = {"\"type\":\"compute\"", "\"type\":\"network\"",
                                        "\"type\":\"volumev3\"", "\"type\":\"image\"",
                                        "\"type\":\"identity\"", NULL};
    for (const char *const *t = types; *t; t++)
        cr_assert(strstr(txt, *t), "%s missing from the catalog", *t);
    free(txt);
    cJSON_Delete(s);
    cJSON_Delete(tok);
    labtest_reply_free(&r);
    r = login("wrong-password");
    cr_assert_eq(r.code, 401);
    cr_assert(strstr(r.body.buf, "\"title\":\"Unauthorized\""), "%s", r.body.buf);
    labtest_reply_free(&r);
    const char *none[] = {NULL};
    r = labtest_http_headers(&lab, "GET", "/openstack/compute/v2.1/servers", NULL, none);
    cr_assert_eq(r.code, 401, "no token");
    labtest_reply_free(&r);
}

static const lab_vm *world_vm(const char *name)
{
    return lab_source_find_vm(&lab_mtv_world(lab.mtv)->src[LAB_SRC_OPENSTACK], NULL, name);
}

Test(lab_openstack, documents_cover_the_recorded_responses)
{
    start();
    const lab_vm *vm = world_vm("mtv-win2019-3disks");
    char path[512];
    /* addresses is keyed by network name: its entries are compared below */
    static const char *const volume_booted[] = {"image", "addresses", NULL};
    /* the recorded list caught its server while it was being built */
    static const char *const building[] = {"image", "OS-EXT-STS:task_state", "addresses", NULL};
    cJSON *list = os_get("/openstack/compute/v2.1/servers/detail");
    cJSON *s = sample("nova.servers.detail.json");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(list, "servers")),
                 (int)lab_mtv_world(lab.mtv)->src[LAB_SRC_OPENSTACK].nvms);
    labtest_json_covers(cJSON_GetArrayItem(cJSON_GetObjectItem(s, "servers"), 0),
                        cJSON_GetArrayItem(cJSON_GetObjectItem(list, "servers"), 0), "servers",
                        building);
    cJSON_Delete(s);
    cJSON_Delete(list);
    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s", vm->id);
    cJSON *srv = os_get(path);
    s = sample("nova.server.show.json");
    labtest_json_covers(cJSON_GetObjectItem(s, "server"), cJSON_GetObjectItem(srv, "server"), "server",
                        volume_booted);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(srv, "server.image")), "",
                     "servers booted from volumes have no image");
    const cJSON *sa = cJSON_GetArrayItem(labtest_path(s, "server.addresses")->child, 0);
    const cJSON *la = labtest_path(srv, "server.addresses.public.0");
    cr_assert_not_null(la, "addresses are keyed by network name");
    labtest_json_covers(sa, la, "server.addresses[net][0]", NULL);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(la, "OS-EXT-IPS-MAC:mac_addr")),
                     "00:50:56:aa:00:03");
    cJSON_Delete(s);
    snprintf(path, sizeof path, "/openstack/compute/v2.1/flavors/%s",
             cJSON_GetStringValue(labtest_path(srv, "server.flavor.id")));
    cJSON *fl = os_get(path);
    s = sample("nova.flavor.show.json");
    labtest_json_covers(s, fl, "flavor", NULL);
    cr_assert_eq(cJSON_GetNumberValue(labtest_path(fl, "flavor.vcpus")), 4);
    cr_assert_eq(cJSON_GetNumberValue(labtest_path(fl, "flavor.ram")), 8192);
    cJSON_Delete(s);
    cJSON_Delete(fl);
    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s/os-volume_attachments", vm->id);
    cJSON *att = os_get(path);
    s = sample("nova.os-volume_attachments.json");
    labtest_json_covers(s, att, "volumeAttachments", NULL);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(att, "volumeAttachments")), 3);
    cJSON_Delete(s);
    snprintf(path, sizeof path, "/openstack/volume/v3/%s/volumes/%s",
             cJSON_GetStringValue(labtest_path(srv, "server.tenant_id")),
             cJSON_GetStringValue(labtest_path(att, "volumeAttachments.0.volumeId")));
    cJSON *vol = os_get(path);
    s = sample("cinder.v3.volume.show.json");
    labtest_json_covers(s, vol, "volume", NULL);
    cr_assert_eq(cJSON_GetNumberValue(labtest_path(vol, "volume.size")), 60);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(vol, "volume.volume_type")), "tripleo");
    cJSON_Delete(s);
    cJSON_Delete(vol);
    cJSON_Delete(att);
    cJSON *nets = os_get("/openstack/network/v2.0/networks");
    s = sample("neutron.networks.json");
    labtest_json_covers(s, nets, "networks", NULL);
    cJSON_Delete(s);
    cJSON_Delete(nets);
    snprintf(path, sizeof path, "/openstack/network/v2.0/ports?device_id=%s", vm->id);
    cJSON *ports = os_get(path);
    s = sample("neutron.ports.list.json");
    const cJSON *sp, *compute = NULL;
    cJSON_ArrayForEach(sp, cJSON_GetObjectItem(s, "ports"))
    {
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(sp, "device_owner")), "compute:nova"))
            compute = sp;
    }
    labtest_json_covers(compute, cJSON_GetArrayItem(cJSON_GetObjectItem(ports, "ports"), 0), "port",
                        NULL);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ports, "ports")), 2);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(ports, "ports.0.mac_address")),
                     "00:50:56:aa:00:03");
    cJSON_Delete(s);
    cJSON_Delete(ports);
    cJSON_Delete(srv);
}

Test(lab_openstack, ids_agree_with_the_inventory_and_os_stop)
{
    start();
    free(labtest_create(&lab, "v1/secrets",
                        "{\"metadata\":{\"name\":\"osp\",\"namespace\":\"openshift-mtv\"},"
                        "\"stringData\":{\"username\":\"%s\",\"password\":\"%s\"}}",
                        lab_mtv_user(lab.mtv, LAB_SRC_OPENSTACK),
                        lab_mtv_password(lab.mtv, LAB_SRC_OPENSTACK)));
    free(labtest_create(&lab, "forklift.konveyor.io/v1beta1/providers",
                        "{\"metadata\":{\"name\":\"osp\",\"namespace\":\"openshift-mtv\"},\"spec\":{"
                        "\"type\":\"openstack\",\"url\":\"%s/openstack/identity/v3\",\"secret\":{"
                        "\"name\":\"osp\",\"namespace\":\"openshift-mtv\"}}}",
                        lab_server_url(lab.srv)));
    cJSON *p = labtest_wait_cond(&lab, "forklift.konveyor.io/v1beta1/providers", "openshift-mtv",
                                 "osp", "Ready", 5000);
    const lab_vm *vm = world_vm("mtv-rhel8-warm-2disks2nics");
    char path[512];
    snprintf(path, sizeof path, "/providers/openstack/%s/vms/%s",
             cJSON_GetStringValue(labtest_path(p, "metadata.uid")), vm->id);
    labtest_reply r = labtest_http(&lab, "GET", path, NULL, NULL);
    cr_assert_eq(r.code, 200, "%s", r.body.buf);
    cJSON *inv = cJSON_Parse(r.body.buf);
    labtest_reply_free(&r);
    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s", vm->id);
    cJSON *srv = os_get(path);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(srv, "server.flavor.id")),
                     cJSON_GetStringValue(labtest_path(inv, "flavorID")));
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(srv, "server.os-extended-volumes:volumes_attached.1.id")),
                     cJSON_GetStringValue(labtest_path(inv, "attachedVolumes.1.ID")));
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(srv, "server.tenant_id")),
                     cJSON_GetStringValue(labtest_path(inv, "tenantID")));
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(srv, "server.status")), "ACTIVE");
    cJSON_Delete(srv);
    cJSON_Delete(inv);
    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s/action", vm->id);
    const char *h[] = {token_header, "Content-Type: application/json", NULL};
    r = labtest_http_headers(&lab, "POST", path, "{\"os-stop\": null}", h);
    cr_assert_eq(r.code, 202);
    labtest_reply_free(&r);
    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s", vm->id);
    srv = os_get(path);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(srv, "server.status")), "SHUTOFF");
    cr_assert_eq(cJSON_GetNumberValue(labtest_path(srv, "server.OS-EXT-STS:power_state")), 4);
    cJSON_Delete(srv);
    snprintf(path, sizeof path, "/providers/openstack/%s/vms/%s",
             cJSON_GetStringValue(labtest_path(p, "metadata.uid")), vm->id);
    r = labtest_http(&lab, "GET", path, NULL, NULL);
    cr_assert(strstr(r.body.buf, "\"status\":\"SHUTOFF\""), "the inventory follows: %s", r.body.buf);
    labtest_reply_free(&r);
    cJSON_Delete(p);
    const char *h2[] = {token_header, NULL};
    r = labtest_http_headers(&lab, "GET", "/openstack/compute/v2.1/servers/nope", NULL, h2);
    cr_assert_eq(r.code, 404);
    cr_assert(strstr(r.body.buf, "\"itemNotFound\""), "%s", r.body.buf);
    labtest_reply_free(&r);
}

static labtest_reply os_call(const char *method, const char *path, const char *body)
{
    const char *h[] = {token_header, "Content-Type: application/json", NULL};
    return labtest_http_headers(&lab, method, path, body, h);
}

Test(lab_openstack, server_clone_from_snapshots_and_its_removal)
{
    start();
    const lab_vm *vm = world_vm("mtv-win2019-3disks");
    cr_assert_not_null(vm);
    char path[512], vpath[256], body[1024];
    cJSON *srv = os_get("/openstack/compute/v2.1/servers?name=%5Emtv-win2019-3disks%24");
    cJSON_Delete(srv);
    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s", vm->id);
    srv = os_get(path);
    snprintf(vpath, sizeof vpath, "/openstack/volume/v3/%s",
             cJSON_GetStringValue(labtest_path(srv, "server.tenant_id")));
    cJSON_Delete(srv);

    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s/action", vm->id);
    labtest_reply r = os_call("POST", path, "{\"createImage\":{\"name\":\"c1-image\"}}");
    cr_assert_eq(r.code, 202, "%s", r.body.buf);
    const char *loc = strstr(r.headers.buf, "Location: ");
    cr_assert_not_null(loc, "%s", r.headers.buf);
    cJSON *made = cJSON_Parse(r.body.buf);
    char image[64];
    snprintf(image, sizeof image, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(made, "image_id")));
    cr_assert(strstr(loc, image), "the Location names the image");
    cJSON_Delete(made);
    labtest_reply_free(&r);
    snprintf(path, sizeof path, "/openstack/image/v2/images/%s", image);
    cJSON *im = os_get(path);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(im, "status")), "active");
    cJSON *bdm = cJSON_Parse(cJSON_GetStringValue(cJSON_GetObjectItem(im, "block_device_mapping")));
    cJSON_Delete(im);
    cr_assert_eq(cJSON_GetArraySize(bdm), (int)vm->ndisks, "one volume snapshot per disk");
    char vols[3][64], snaps[3][64];
    strbuf mapping = STRBUF_INIT;
    for (int i = 0; i < 3; i++) {
        const cJSON *m = cJSON_GetArrayItem(bdm, i);
        snprintf(snaps[i], sizeof snaps[i], "%s",
                 cJSON_GetStringValue(cJSON_GetObjectItem(m, "snapshot_id")));
        snprintf(path, sizeof path, "%s/snapshots/detail?volume_id=%s", vpath, vm->disks[i].id);
        cJSON *sl = os_get(path);
        cr_assert_str_eq(cJSON_GetStringValue(labtest_path(sl, "snapshots.0.id")), snaps[i],
                         "the snapshot of disk %d is listed under its volume", i);
        cJSON_Delete(sl);
        snprintf(body, sizeof body, "{\"volume\":{\"snapshot_id\":\"%s\",\"size\":%g,"
                                    "\"name\":\"c1-disk-%d\"}}",
                 snaps[i], cJSON_GetNumberValue(cJSON_GetObjectItem(m, "volume_size")), i);
        snprintf(path, sizeof path, "%s/volumes", vpath);
        r = os_call("POST", path, body);
        cr_assert_eq(r.code, 202, "%s", r.body.buf);
        cJSON *v = cJSON_Parse(r.body.buf);
        snprintf(vols[i], sizeof vols[i], "%s", cJSON_GetStringValue(labtest_path(v, "volume.id")));
        cr_assert_str_eq(cJSON_GetStringValue(labtest_path(v, "volume.status")), "available");
        cJSON_Delete(v);
        labtest_reply_free(&r);
        sb_addf(&mapping, "%s{\"uuid\":\"%s\",\"source_type\":\"volume\","
                          "\"destination_type\":\"volume\",\"boot_index\":%d}",
                i ? "," : "", vols[i], i);
    }
    cJSON_Delete(bdm);
    snprintf(body, sizeof body, "{\"server\":{\"name\":\"c1\",\"flavorRef\":\"x\","
                                "\"block_device_mapping_v2\":[%s]}}", mapping.buf);
    sb_release(&mapping);
    r = os_call("POST", "/openstack/compute/v2.1/servers", body);
    cr_assert_eq(r.code, 202, "%s", r.body.buf);
    cJSON *ns = cJSON_Parse(r.body.buf);
    char sid[64];
    snprintf(sid, sizeof sid, "%s", cJSON_GetStringValue(labtest_path(ns, "server.id")));
    cJSON_Delete(ns);
    labtest_reply_free(&r);
    r = os_call("POST", "/openstack/compute/v2.1/servers", body);
    cr_assert_eq(r.code, 400, "the volumes are in use now: %s", r.body.buf);
    labtest_reply_free(&r);
    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s", sid);
    srv = os_get(path);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(srv, "server.status")), "ACTIVE");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(
                         srv, "server.os-extended-volumes:volumes_attached.0.id")),
                     vols[0], "it boots from the new volumes");
    cJSON_Delete(srv);
    snprintf(path, sizeof path, "%s/volumes/%s", vpath, vols[0]);
    r = os_call("DELETE", path, NULL);
    cr_assert_eq(r.code, 400, "an attached volume stays: %s", r.body.buf);
    labtest_reply_free(&r);
    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s", vm->id);
    r = os_call("DELETE", path, NULL);
    cr_assert_eq(r.code, 409, "the world's servers stay: %s", r.body.buf);
    labtest_reply_free(&r);

    /* teardown order: the server, each volume and its snapshot, the image */
    snprintf(path, sizeof path, "/openstack/compute/v2.1/servers/%s", sid);
    r = os_call("DELETE", path, NULL);
    cr_assert_eq(r.code, 204, "%s", r.body.buf);
    labtest_reply_free(&r);
    r = os_call("GET", path, NULL);
    cr_assert_eq(r.code, 404);
    labtest_reply_free(&r);
    for (int i = 2; i >= 0; i--) {
        snprintf(path, sizeof path, "%s/volumes/%s", vpath, vols[i]);
        r = os_call("DELETE", path, NULL);
        cr_assert_eq(r.code, 202, "%s", r.body.buf);
        labtest_reply_free(&r);
        r = os_call("GET", path, NULL);
        cr_assert_eq(r.code, 404);
        labtest_reply_free(&r);
        snprintf(path, sizeof path, "%s/snapshots/%s", vpath, snaps[i]);
        r = os_call("DELETE", path, NULL);
        cr_assert_eq(r.code, 202, "%s", r.body.buf);
        labtest_reply_free(&r);
        r = os_call("DELETE", path, NULL);
        cr_assert_eq(r.code, 404, "already gone");
        labtest_reply_free(&r);
    }
    snprintf(path, sizeof path, "/openstack/image/v2/images/%s", image);
    r = os_call("DELETE", path, NULL);
    cr_assert_eq(r.code, 204, "%s", r.body.buf);
    labtest_reply_free(&r);
    r = os_call("GET", path, NULL);
    cr_assert_eq(r.code, 404);
    labtest_reply_free(&r);
}

static void on_made(void *ud, const char *type, const char *kind, const char *id, const char *name)
{
    sb_addf(ud, "%s %s %s %s\n", type, kind, id, name ? name : "-");
}

/* The adapter's snapshots of a server: a Cinder snapshot of each of its
 * volumes, listed in its record (snapshots_data) and deleted again. */
Test(lab_openstack, adapter_snapshots_a_server_lists_and_deletes_them)
{
    labtest_start(&lab, NULL);
    const lab_vm *vm = world_vm("mtv-win2019-3disks");
    cr_assert_not_null(vm);
    providers_file pf;
    const provider_entry *e;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, lab_mtv_providers_path(lab.mtv), "openstack", log_secrets(), &e,
                                &err), 0, "%s", err.msg);
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &tc, &err), 0);
    strbuf made = STRBUF_INIT, id = STRBUF_INIT;
    source_config sc = {.t = t, .entry = e, .ca_file = lab.ca, .poll_ms = 10, .on_created = on_made,
                        .created_ud = &made};
    source_provider *p;
    cr_assert_eq(source_open(&p, &sc, &err), 0, "%s", err.msg);
    cr_assert(source_can(p, "snapshot"));
    vm_snapshot *snaps;
    size_t n;
    cr_assert_eq(source_snapshot_list(p, "mtv-win2019-3disks", &snaps, &n, &err), 0, "%s", err.msg);
    size_t before = n;
    source_snapshots_free(snaps, n);

    cr_assert_eq(source_snapshot_create(p, "mtv-win2019-3disks", "before-migration", "taken by a test",
                                        &id, &err), 0, "%s", err.msg);
    cr_assert_gt(id.len, 0);
    size_t reported = 0;
    for (const char *l = made.buf; (l = strstr(l, "openstack volume_snapshot ")); l++)
        reported++;
    cr_assert_eq(reported, vm->ndisks, "one per volume, each in the ledger: %s", made.buf);
    cr_assert_eq(source_snapshot_list(p, "mtv-win2019-3disks", &snaps, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, before + vm->ndisks);
    size_t named = 0, first = 0;
    for (size_t i = 0; i < n; i++) {
        if (snaps[i].name && !strcmp(snaps[i].name, "before-migration")) {
            named++;
            cr_assert_str_eq(snaps[i].description, "taken by a test");
        }
        first += snaps[i].id && !strcmp(snaps[i].id, id.buf);
    }
    cr_assert_eq(named, vm->ndisks);
    cr_assert_eq(first, 1, "the id handed back is one of them");
    source_snapshots_free(snaps, n);

    /* deleted as teardown deletes them, from what was reported */
    for (const char *l = made.buf; (l = strstr(l, "volume_snapshot ")); l++) {
        char sid[64];
        cr_assert_eq(sscanf(l, "volume_snapshot %63s", sid), 1);
        cr_assert_eq(source_delete(p, SOURCE_KIND_VOLUME_SNAPSHOT, sid, NULL, &err), 0, "%s", err.msg);
        cr_assert_eq(source_delete(p, SOURCE_KIND_VOLUME_SNAPSHOT, sid, NULL, &err), 0,
                     "already gone is done: %s", err.msg);
    }
    cr_assert_eq(source_snapshot_list(p, "mtv-win2019-3disks", &snaps, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, before, "all gone");
    source_snapshots_free(snaps, n);
    cr_assert_eq(source_snapshot_create(p, "no-such-server", "x", NULL, NULL, &err), -1);
    cr_assert(strstr(err.msg, "no-such-server"), "%s", err.msg);
    source_close(p);
    transport_free(t);
    providers_file_free(&pf);
    sb_release(&made);
    sb_release(&id);
}
