/* The OpenStack adapter: records from the recorded MicroStack answers asserted
 * field by field, the Keystone catalog, error bodies, and the life cycle
 * (Keystone login, lookups, clone via snapshot image for an image-backed and
 * a volume-backed server, power with status waits, deletes of everything the
 * clones made) against a stateful fake cloud on the test server that serves
 * those same samples; recorded, then replayed with the server gone. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/providers.h"
#include "providers/openstack.h"
#include "testserver.h"
#include "testutil.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/log.h"

#define SAMPLES "reference/provider-samples/openstack/"
#define PASSWORD "Canary-Os-Pw-8b2f!"
#define TOKEN "gAAAAAfake-keystone-token-5e6f7a8b"
#define PROJECT "6e1ae8ec053b4f2bbd232def0a08db24"
#define SPEC_SERVER "0985cc99-9cc0-41a8-b91a-fd21a99cb745"
#define SPEC_VOLUME "e6bb638e-8a00-42ff-8260-b3c5de37c6fc"

static cJSON *sample(const char *name)
{
    tu_require_shared();
    char *text = tu_read(tu_shared(name), NULL);
    cr_assert_not_null(text, "%s", name);
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j, "%s", name);
    free(text);
    return j;
}

/* ---- pure parts --------------------------------------------------------------------- */

typedef struct docs {
    cJSON *networks, *image, *subnets, *volume, *snapshots;
} docs;

static const cJSON *docs_lookup(void *ud, const char *kind, const char *id)
{
    docs *d = ud;
    const cJSON *list = NULL, *e;
    if (strcmp(kind, "networks") == 0)
        list = cJSON_GetObjectItem(d->networks, "networks");
    else if (strcmp(kind, "subnets") == 0)
        list = d->subnets;
    else if (strcmp(kind, "images") == 0)
        return strcmp(id, cJSON_GetStringValue(cJSON_GetObjectItem(d->image, "id"))) == 0 ? d->image
                                                                                          : NULL;
    else if (strcmp(kind, "volumes") == 0)
        return strcmp(id, SPEC_VOLUME) == 0 ? cJSON_GetObjectItem(d->volume, "volume") : NULL;
    else if (strcmp(kind, "volume_snapshots") == 0)
        return d->snapshots ? cJSON_GetObjectItem(d->snapshots, "snapshots") : NULL;
    cJSON_ArrayForEach(e, list)
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "id")), id) == 0)
            return e;
    return NULL;
}

static cJSON *ports_for(const char *device)
{
    cJSON *all = sample(SAMPLES "neutron.ports.list.json");
    cJSON *out = cJSON_CreateArray();
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(all, "ports"))
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "device_id")), device) == 0)
            cJSON_AddItemToArray(out, cJSON_Duplicate(p, 1));
    cJSON_Delete(all);
    return out;
}

Test(openstack, microstack_server_record_field_by_field)
{
    docs d = {0};
    d.networks = sample(SAMPLES "neutron.networks.json");
    d.image = sample(SAMPLES "glance.v2.image.show.json");
    d.subnets = cJSON_Parse("[{\"id\":\"0d048620-604d-4cc9-a3aa-04422e00cae1\","
                            "\"cidr\":\"10.0.0.0/26\",\"gateway_ip\":\"10.0.0.1\"}]");
    cJSON *server = sample(SAMPLES "nova.server.show.json");
    cJSON *flavor = sample(SAMPLES "nova.flavor.show.json");
    cJSON *ports = ports_for(SPEC_SERVER);
    cr_assert_eq(cJSON_GetArraySize(ports), 1);
    openstack_parts parts = {.server = cJSON_GetObjectItem(server, "server"),
                             .flavor = cJSON_GetObjectItem(flavor, "flavor"),
                             .ports = ports, .lookup = docs_lookup, .ud = &d};
    vm_record r;
    vm_record_init(&r);
    openstack_record_from(&parts, &r);
    cr_assert_str_eq(r.id, SPEC_SERVER);
    cr_assert_str_eq(r.name, "manageiq-spec-server");
    cr_assert_str_eq(r.provider_type, "openstack");
    cr_assert_eq(r.power, VM_POWER_ON, "ACTIVE");
    cr_assert_eq(r.memory_mb, 512, "m1.tiny");
    cr_assert_eq(r.cpu_sockets, 1);
    cr_assert_eq(r.cpu_cores, 1);
    cr_assert_str_eq(r.host, "openstack.rb.nj.grare.com");
    cr_assert_str_eq(r.boot_firmware, "bios", "the image sets no hw_firmware_type");
    cr_assert_eq(r.win_os, 0);
    cr_assert_eq(r.nnics, 1);
    const vm_nic *n = &r.nics[0];
    cr_assert_str_eq(n->name, "manageiq-spec-network");
    cr_assert_str_eq(n->network_name, "manageiq-spec-network");
    cr_assert_str_eq(n->network_id, "e02971fe-2e62-451f-aa9a-a80ab16a7cda");
    cr_assert_str_eq(n->mac, "fa:16:3e:bb:38:18");
    cr_assert_eq(n->nips, 1);
    cr_assert_str_eq(n->ips[0].ip, "10.0.0.57");
    cr_assert_eq(n->ips[0].prefix, 26);
    cr_assert_str_eq(n->ips[0].gateway, "10.0.0.1");
    cr_assert_eq(r.ndisks, 1, "no volumes: the image-backed root disk");
    cr_assert_str_eq(r.disks[0].storage_name, "glance");
    cr_assert_eq(r.disks[0].size_kb, 1024 * 1024, "flavor disk 1 GB");
    cr_assert_str_eq(r.disks[0].device_key, "88f8439c-ef51-4c14-b6a7-c812da9d49a2");
    cr_assert_str_eq(r.disks[0].file, "/dev/vda");
    vm_record_free(&r);

    /* the same server caught while BUILDing has no addresses yet: no NICs
     * without ports, and an "other" power state */
    cJSON *detail = sample(SAMPLES "nova.servers.detail.json");
    openstack_parts building = {.server = cJSON_GetArrayItem(cJSON_GetObjectItem(detail, "servers"), 0),
                                .flavor = cJSON_GetObjectItem(flavor, "flavor")};
    vm_record_init(&r);
    openstack_record_from(&building, &r);
    cr_assert_eq(r.power, VM_POWER_OTHER);
    cr_assert_eq(r.nnics, 0);
    vm_record_free(&r);
    cJSON_Delete(detail);
    cJSON_Delete(server);
    cJSON_Delete(flavor);
    cJSON_Delete(ports);
    cJSON_Delete(d.networks);
    cJSON_Delete(d.image);
    cJSON_Delete(d.subnets);
}

Test(openstack, volume_backed_server_takes_cpu_and_firmware_from_image_metadata)
{
    docs d = {0};
    d.volume = sample(SAMPLES "cinder.v3.volume.show.json");
    d.snapshots = sample(SAMPLES "cinder.v2.snapshots.detail.json");
    cJSON *meta = cJSON_Parse("{\"hw_cpu_sockets\":\"2\",\"hw_cpu_cores\":\"2\","
                              "\"hw_firmware_type\":\"uefi\",\"os_secure_boot\":\"required\","
                              "\"os_type\":\"windows\"}");
    cJSON_AddItemToObject(cJSON_GetObjectItem(d.volume, "volume"), "volume_image_metadata", meta);
    cJSON *server = cJSON_Parse("{\"id\":\"s1\",\"name\":\"win\",\"status\":\"SHUTOFF\","
                                "\"flavor\":{\"vcpus\":4,\"ram\":4096,\"disk\":0,"
                                "\"original_name\":\"m1.large\"},\"image\":\"\"}");
    cJSON *atts = sample(SAMPLES "nova.os-volume_attachments.json");
    cJSON_SetValuestring(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(atts,
                         "volumeAttachments"), 0), "volumeId"), SPEC_VOLUME);
    openstack_parts parts = {.server = server,
                             .attachments = cJSON_GetObjectItem(atts, "volumeAttachments"),
                             .ports = NULL, .lookup = docs_lookup, .ud = &d};
    vm_record r;
    vm_record_init(&r);
    openstack_record_from(&parts, &r);
    cr_assert_eq(r.power, VM_POWER_OFF);
    cr_assert_eq(r.memory_mb, 4096, "embedded flavor (microversion 2.47+)");
    cr_assert_eq(r.cpu_sockets, 2);
    cr_assert_eq(r.cpu_cores, 2);
    cr_assert_str_eq(r.boot_firmware, "efi");
    cr_assert_eq(r.secure_boot, 1);
    cr_assert_eq(r.win_os, 1);
    cr_assert_eq(r.ndisks, 2, "two attachments, no image disk");
    cr_assert_str_eq(r.disks[0].name, "manageiq-spec-vol");
    cr_assert_eq(r.disks[0].size_kb, 1024 * 1024);
    cr_assert_str_eq(r.disks[0].storage_name, "__DEFAULT__");
    cr_assert_str_eq(r.disks[0].file, "/dev/vdd");
    cr_assert_eq(r.disks[1].unit_number, 1);
    cr_assert_str_eq(r.disks[1].name, "fd763573-0660-40f7-a9af-99877e1ea6e4",
                     "an unreadable volume is named by its id");
    cr_assert_geq(r.nsnapshots, 2);
    cr_assert_str_eq(r.snapshots[0].name, "EmsRefreshSpec-VolumeSnapshot_0_3");
    cr_assert_str_eq(r.snapshots[0].status, "available");
    vm_record_free(&r);
    cJSON_Delete(server);
    cJSON_Delete(atts);
    cJSON_Delete(d.volume);
    cJSON_Delete(d.snapshots);
}

Test(openstack, catalog_and_error_bodies)
{
    cJSON *tok = sample(SAMPLES "keystone.v3.auth-tokens.project-scoped.json");
    static const char *const compute[] = {"compute", NULL};
    static const char *const volume[] = {"volumev3", "volumev2", NULL};
    strbuf u = STRBUF_INIT;
    cr_assert_eq(openstack_catalog_url(tok, compute, "public", "microstack", &u), 0);
    cr_assert_str_eq(u.buf, "https://11.22.33.44:8774/v2.1");
    sb_reset(&u);
    cr_assert_eq(openstack_catalog_url(tok, volume, "public", "microstack", &u), 0);
    cr_assert_str_eq(u.buf, "https://11.22.33.44:8776/v3/" PROJECT);
    sb_reset(&u);
    cr_assert_eq(openstack_catalog_url(tok, compute, "public", "RegionOne", &u), -1);
    cJSON_Delete(tok);
    char *body = tu_read(tu_shared(SAMPLES "cinder.error.404.itemNotFound.json"), NULL);
    sb_reset(&u);
    cr_assert_eq(openstack_error_text(body, strlen(body), &u), 0);
    cr_assert_str_eq(u.buf, "itemNotFound: Volume 97b01b22-1239-4295-84bc-8ba77cb203d6 could not "
                            "be found.");
    free(body);
    body = tu_read(tu_shared(SAMPLES "cinder.error.400.badRequest.json"), NULL);
    sb_reset(&u);
    cr_assert_eq(openstack_error_text(body, strlen(body), &u), 0);
    cr_assert(strstr(u.buf, "badRequest: Invalid input received"), "%s", u.buf);
    free(body);
    sb_reset(&u);
    cr_assert_eq(openstack_error_text("<html>", 6, &u), -1);
    sb_release(&u);
}

/* ---- a stateful fake cloud -------------------------------------------------------------------- */

typedef struct fserver {
    char id[64], name[128], status[16], next[16];
    int steps;
    cJSON *obj;      /* the server object served */
    cJSON *ports;    /* its Neutron ports */
    char volume[64]; /* attached volume (volume-backed) */
} fserver;

typedef struct cloud {
    pthread_mutex_t lock;
    char url[128];
    fserver servers[8];
    int nservers, made;
    cJSON *images;       /* array of image objects (with "_steps") */
    cJSON *volumes;      /* array of volume objects */
    cJSON *networks, *token, *flavor, *snapshots;
    int truncate_detail;
} cloud;

static void go(fserver *s, const char *now, const char *next, int steps)
{
    snprintf(s->status, sizeof s->status, "%s", now);
    snprintf(s->next, sizeof s->next, "%s", next);
    s->steps = steps;
}

static const char *observe(fserver *s)
{
    if (s->next[0] && --s->steps <= 0) {
        snprintf(s->status, sizeof s->status, "%s", s->next);
        s->next[0] = 0;
    }
    cJSON_ReplaceItemInObject(s->obj, "status", cJSON_CreateString(s->status));
    return s->status;
}

static void catalog_urls(cloud *c)
{
    const cJSON *svc;
    cJSON_ArrayForEach(svc, cJSON_GetObjectItem(cJSON_GetObjectItem(c->token, "token"), "catalog")) {
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(svc, "type"));
        char url[256];
        if (strcmp(type, "compute") == 0)
            snprintf(url, sizeof url, "%s/compute/v2.1", c->url);
        else if (strcmp(type, "network") == 0)
            snprintf(url, sizeof url, "%s/network", c->url);
        else if (strncmp(type, "volume", 6) == 0)
            snprintf(url, sizeof url, "%s/volume/v3/%s", c->url, PROJECT);
        else if (strcmp(type, "image") == 0)
            snprintf(url, sizeof url, "%s/image", c->url);
        else
            snprintf(url, sizeof url, "%s/%s", c->url, type);
        const cJSON *ep;
        cJSON_ArrayForEach(ep, cJSON_GetObjectItem(svc, "endpoints"))
            cJSON_ReplaceItemInObject((cJSON *)ep, "url", cJSON_CreateString(url));
    }
}

static void cloud_init(cloud *c, const char *url)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    snprintf(c->url, sizeof c->url, "%s", url);
    c->token = sample(SAMPLES "keystone.v3.auth-tokens.project-scoped.json");
    catalog_urls(c);
    c->networks = sample(SAMPLES "neutron.networks.json");
    c->flavor = sample(SAMPLES "nova.flavor.show.json");
    c->snapshots = sample(SAMPLES "cinder.v2.snapshots.detail.json");
    c->images = cJSON_CreateArray();
    cJSON_AddItemToArray(c->images, sample(SAMPLES "glance.v2.image.show.json"));
    c->volumes = cJSON_CreateArray();
    cJSON *vol = sample(SAMPLES "cinder.v3.volume.show.json");
    cJSON *v = cJSON_DetachItemFromObject(vol, "volume");
    cJSON_AddItemToObject(v, "volume_image_metadata",
                          cJSON_Parse("{\"hw_cpu_sockets\":\"2\",\"hw_cpu_cores\":\"2\","
                                      "\"hw_firmware_type\":\"uefi\",\"os_type\":\"windows\"}"));
    cJSON_AddItemToArray(c->volumes, v);
    cJSON_Delete(vol);
    /* the recorded image-backed server, ACTIVE, with its recorded port */
    cJSON *show = sample(SAMPLES "nova.server.show.json");
    fserver *s = &c->servers[c->nservers++];
    s->obj = cJSON_DetachItemFromObject(show, "server");
    cJSON_Delete(show);
    snprintf(s->id, sizeof s->id, SPEC_SERVER);
    snprintf(s->name, sizeof s->name, "manageiq-spec-server");
    go(s, "ACTIVE", "", 0);
    s->ports = ports_for(SPEC_SERVER);
    /* a volume-backed Windows server, SHUTOFF, flavor embedded */
    s = &c->servers[c->nservers++];
    snprintf(s->id, sizeof s->id, "vb000000-0000-0000-0000-000000000001");
    snprintf(s->name, sizeof s->name, "mtv-win2019-vol");
    go(s, "SHUTOFF", "", 0);
    snprintf(s->volume, sizeof s->volume, SPEC_VOLUME);
    s->obj = cJSON_Parse("{\"id\":\"vb000000-0000-0000-0000-000000000001\",\"name\":"
                         "\"mtv-win2019-vol\",\"status\":\"SHUTOFF\",\"image\":\"\","
                         "\"flavor\":{\"vcpus\":4,\"ram\":4096,\"disk\":0,\"original_name\":"
                         "\"m1.large\"},\"addresses\":{}}");
    s->ports = cJSON_Parse("[{\"id\":\"port-vb\",\"network_id\":\"ced923d5-4e3e-4d1b-b623-"
                           "a88efc38e3c9\",\"mac_address\":\"fa:16:3e:00:00:01\",\"admin_state_up\":"
                           "true,\"fixed_ips\":[{\"subnet_id\":\"f8d79c1c-67e4-4c9c-9a00-854339d822fa\","
                           "\"ip_address\":\"192.168.222.50\"}]}]");
}

static void cloud_free(cloud *c)
{
    for (int i = 0; i < c->nservers; i++) {
        cJSON_Delete(c->servers[i].obj);
        cJSON_Delete(c->servers[i].ports);
    }
    cJSON_Delete(c->images);
    cJSON_Delete(c->volumes);
    cJSON_Delete(c->networks);
    cJSON_Delete(c->token);
    cJSON_Delete(c->flavor);
    cJSON_Delete(c->snapshots);
}

static void json(ts_response *r, int status, cJSON *body)
{
    char *t = cJSON_PrintUnformatted(body);
    r->status = status;
    ts_resp_body(r, "application/json", t, strlen(t));
    free(t);
    cJSON_Delete(body);
}

static void text(ts_response *r, int status, const char *t)
{
    r->status = status;
    ts_resp_body(r, "application/json", t, strlen(t));
}

static void missing(ts_response *r, const char *what)
{
    char b[512];
    snprintf(b, sizeof b, "{\"itemNotFound\": {\"message\": \"%s could not be found.\", \"code\": 404}}",
             what);
    text(r, 404, b);
}

static fserver *server_by(cloud *c, const char *id, size_t n)
{
    for (int i = 0; i < c->nservers; i++)
        if (strlen(c->servers[i].id) == n && strncmp(c->servers[i].id, id, n) == 0)
            return &c->servers[i];
    return NULL;
}

static cJSON *find_by_id(cJSON *list, const char *id)
{
    cJSON *e;
    cJSON_ArrayForEach(e, list)
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "id")), id) == 0)
            return e;
    return NULL;
}

/* volumes and images advance one status per read */
static void advance(cJSON *o)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, "status"));
    const char *next = strcmp(s, "queued") == 0 ? "saving" : strcmp(s, "saving") == 0 ? "active"
                       : strcmp(s, "creating") == 0 ? "available" : NULL;
    if (next)
        cJSON_ReplaceItemInObject(o, "status", cJSON_CreateString(next));
}

static void compute(cloud *c, const ts_request *q, ts_response *r, const char *path)
{
    if (strcmp(path, "/servers/detail") == 0) {
        strbuf want = STRBUF_INIT;
        const char *n = strstr(q->uri, "name=");
        url_decode(&want, n + 5, strcspn(n + 5, "&"), 1);
        cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "servers");
        /* Nova's name filter is a regular expression, searched (not anchored) */
        regex_t re;
        cr_assert_eq(regcomp(&re, want.buf, REG_EXTENDED | REG_NOSUB), 0, "bad name filter %s", want.buf);
        for (int i = 0; i < c->nservers; i++) {
            if (regexec(&re, c->servers[i].name, 0, NULL, 0) == 0) {
                observe(&c->servers[i]);
                cJSON_AddItemToArray(arr, cJSON_Duplicate(c->servers[i].obj, 1));
            }
        }
        regfree(&re);
        sb_release(&want);
        if (c->truncate_detail) {
            char *t = cJSON_PrintUnformatted(out);
            r->status = 200;
            ts_resp_body(r, "application/json", t, strlen(t) / 2);
            free(t);
            cJSON_Delete(out);
        } else {
            json(r, 200, out);
        }
    } else if (strcmp(path, "/flavors/1") == 0) {
        json(r, 200, cJSON_Duplicate(c->flavor, 1));
    } else if (strcmp(path, "/flavors/4") == 0) {
        text(r, 200, "{\"flavor\":{\"id\":\"4\",\"name\":\"m1.large\",\"vcpus\":4,\"ram\":4096,"
                     "\"disk\":0}}");
    } else if (strcmp(path, "/flavors/detail") == 0) {
        text(r, 200, "{\"flavors\":[{\"id\":\"1\",\"name\":\"m1.tiny\"},{\"id\":\"4\",\"name\":"
                     "\"m1.large\"}]}");
    } else if (strcmp(path, "/servers") == 0 && strcmp(q->method, "POST") == 0) {
        cJSON *body = cJSON_Parse(sb_str(&q->body));
        cJSON *sv = cJSON_GetObjectItem(body, "server");
        fserver *s = &c->servers[c->nservers++];
        snprintf(s->id, sizeof s->id, "made0000-0000-0000-0000-%012d", ++c->made);
        snprintf(s->name, sizeof s->name, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(sv, "name")));
        cJSON *bdm = cJSON_GetObjectItem(sv, "block_device_mapping_v2");
        const char *flavor = cJSON_GetStringValue(cJSON_GetObjectItem(sv, "flavorRef"));
        s->obj = cJSON_CreateObject();
        cJSON_AddStringToObject(s->obj, "id", s->id);
        cJSON_AddStringToObject(s->obj, "name", s->name);
        cJSON_AddStringToObject(s->obj, "status", "BUILD");
        cJSON *f = cJSON_AddObjectToObject(s->obj, "flavor");
        cJSON_AddStringToObject(f, "id", flavor);
        if (bdm)
            cJSON_AddStringToObject(s->obj, "image", "");
        else
            cJSON_AddStringToObject(cJSON_AddObjectToObject(s->obj, "image"), "id",
                                    cJSON_GetStringValue(cJSON_GetObjectItem(sv, "imageRef")));
        cJSON *addr = cJSON_AddObjectToObject(s->obj, "addresses");
        cJSON_AddItemToObject(addr, "net", cJSON_Parse("[{\"addr\":\"10.0.0.99\",\"version\":4}]"));
        s->ports = cJSON_CreateArray();
        if (bdm)
            snprintf(s->volume, sizeof s->volume, "%s",
                     cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(bdm, 0), "uuid")));
        go(s, "BUILD", "ACTIVE", 2);
        cJSON *resp = cJSON_CreateObject();
        cJSON_AddStringToObject(cJSON_AddObjectToObject(resp, "server"), "id", s->id);
        json(r, 202, resp);
        cJSON_Delete(body);
    } else if (strncmp(path, "/servers/", 9) == 0) {
        const char *id = path + 9;
        size_t n = strcspn(id, "/");
        const char *sub = id[n] ? id + n + 1 : "";
        fserver *s = server_by(c, id, n);
        if (!s) {
            missing(r, "Instance");
        } else if (!*sub && strcmp(q->method, "DELETE") == 0) {
            cJSON_Delete(s->obj);
            cJSON_Delete(s->ports);
            *s = c->servers[--c->nservers];
            r->status = 204;
        } else if (!*sub) {
            observe(s);
            cJSON *out = cJSON_CreateObject();
            cJSON_AddItemToObject(out, "server", cJSON_Duplicate(s->obj, 1));
            json(r, 200, out);
        } else if (strcmp(sub, "os-volume_attachments") == 0) {
            cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "volumeAttachments");
            if (s->volume[0]) {
                cJSON *a = cJSON_CreateObject();
                cJSON_AddStringToObject(a, "volumeId", s->volume);
                cJSON_AddStringToObject(a, "device", "/dev/vda");
                cJSON_AddItemToArray(arr, a);
            }
            json(r, 200, out);
        } else if (strcmp(sub, "action") == 0) {
            cJSON *body = cJSON_Parse(sb_str(&q->body));
            if (cJSON_GetObjectItem(body, "os-start")) {
                go(s, "SHUTOFF", "ACTIVE", 2);
                r->status = 202;
            } else if (cJSON_GetObjectItem(body, "os-stop")) {
                go(s, "ACTIVE", "SHUTOFF", 2);
                r->status = 202;
            } else if (cJSON_GetObjectItem(body, "createImage")) {
                cJSON *img = cJSON_CreateObject();
                char iid[64], loc[256];
                snprintf(iid, sizeof iid, "img00000-0000-0000-0000-%012d", ++c->made);
                cJSON_AddStringToObject(img, "id", iid);
                cJSON_AddStringToObject(img, "name", cJSON_GetStringValue(cJSON_GetObjectItem(
                                                         cJSON_GetObjectItem(body, "createImage"), "name")));
                cJSON_AddStringToObject(img, "status", "queued");
                if (s->volume[0])
                    cJSON_AddStringToObject(img, "block_device_mapping",
                                            "[{\"snapshot_id\": \"snap0000-0000-0000-0000-00000000000b\", "
                                            "\"boot_index\": 0, \"volume_size\": 1, \"source_type\": "
                                            "\"snapshot\"}]");
                cJSON_AddItemToArray(c->images, img);
                snprintf(loc, sizeof loc, "%s/image/v2/images/%s", c->url, iid);
                ts_resp_header(r, "Location", loc);
                r->status = 202;
            }
            cJSON_Delete(body);
        }
    } else {
        missing(r, path);
    }
}

static void fake_cloud(void *ud, const ts_request *q, ts_response *r)
{
    cloud *c = ud;
    pthread_mutex_lock(&c->lock);
    const char *path = q->path;
    if (strcmp(path, "/identity/v3/auth/tokens") == 0) {
        cJSON *body = cJSON_Parse(sb_str(&q->body));
        cJSON *user = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(body, "auth"), "identity"), "password"), "user"),
            "password");
        (void)user;
        const char *pw = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(body, "auth"), "identity"),
                                "password"), "user"), "password"));
        if (pw && strcmp(pw, PASSWORD) == 0) {
            ts_resp_header(r, "X-Subject-Token", TOKEN);
            json(r, 201, cJSON_Duplicate(c->token, 1));
        } else {
            text(r, 401, "{\"error\":{\"code\":401,\"message\":\"The request you have made requires "
                         "authentication.\",\"title\":\"Unauthorized\"}}");
        }
        cJSON_Delete(body);
        goto out;
    }
    const char *tok = http_headers_get(&q->headers, "X-Auth-Token");
    if (!tok || strcmp(tok, TOKEN) != 0) {
        text(r, 401, "{\"error\":{\"code\":401,\"message\":\"The request you have made requires "
                     "authentication.\",\"title\":\"Unauthorized\"}}");
        goto out;
    }
    if (strncmp(path, "/compute/v2.1", 13) == 0) {
        compute(c, q, r, path + 13);
    } else if (strcmp(path, "/network/v2.0/ports") == 0) {
        const char *dev = strstr(q->uri, "device_id=") + 10;
        fserver *s = server_by(c, dev, strcspn(dev, "&"));
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "ports", s ? cJSON_Duplicate(s->ports, 1) : cJSON_CreateArray());
        json(r, 200, out);
    } else if (strncmp(path, "/network/v2.0/networks/", 23) == 0) {
        cJSON *n = find_by_id(cJSON_GetObjectItem(c->networks, "networks"), path + 23);
        cJSON *out = cJSON_CreateObject();
        if (n) {
            cJSON_AddItemToObject(out, "network", cJSON_Duplicate(n, 1));
            json(r, 200, out);
        } else {
            cJSON_Delete(out);
            text(r, 404, "{\"NeutronError\":{\"type\":\"NetworkNotFound\",\"message\":\"Network "
                         "could not be found.\",\"detail\":\"\"}}");
        }
    } else if (strncmp(path, "/network/v2.0/subnets/", 22) == 0) {
        const char *id = path + 22;
        char b[512];
        snprintf(b, sizeof b, "{\"subnet\":{\"id\":\"%s\",\"cidr\":\"%s\",\"gateway_ip\":\"%s\"}}",
                 id, id[0] == '0' ? "10.0.0.0/26" : "192.168.222.0/24",
                 id[0] == '0' ? "10.0.0.1" : "192.168.222.1");
        text(r, 200, b);
    } else if (strncmp(path, "/volume/v3/" PROJECT, 11 + 32) == 0) {
        const char *p = path + 11 + 32;
        if (strcmp(p, "/snapshots/detail") == 0) {
            json(r, 200, cJSON_Duplicate(c->snapshots, 1));
        } else if (strncmp(p, "/snapshots/", 11) == 0) {
            r->status = 202;
        } else if (strcmp(p, "/volumes") == 0) {
            cJSON *body = cJSON_Parse(sb_str(&q->body));
            cJSON *v = cJSON_Duplicate(cJSON_GetObjectItem(body, "volume"), 1);
            char vid[64];
            snprintf(vid, sizeof vid, "vol00000-0000-0000-0000-%012d", ++c->made);
            cJSON_AddStringToObject(v, "id", vid);
            cJSON_AddStringToObject(v, "status", "creating");
            cJSON_AddItemToArray(c->volumes, v);
            cJSON *out = cJSON_CreateObject();
            cJSON_AddItemToObject(out, "volume", cJSON_Duplicate(v, 1));
            json(r, 202, out);
            cJSON_Delete(body);
        } else if (strncmp(p, "/volumes/", 9) == 0) {
            cJSON *v = find_by_id(c->volumes, p + 9);
            if (!v) {
                missing(r, "Volume");
            } else if (strcmp(q->method, "DELETE") == 0) {
                cJSON_DetachItemViaPointer(c->volumes, v);
                cJSON_Delete(v);
                r->status = 202;
            } else {
                advance(v);
                cJSON *out = cJSON_CreateObject();
                cJSON_AddItemToObject(out, "volume", cJSON_Duplicate(v, 1));
                json(r, 200, out);
            }
        } else {
            missing(r, p);
        }
    } else if (strncmp(path, "/image/v2/images/", 17) == 0) {
        cJSON *img = find_by_id(c->images, path + 17);
        if (!img) {
            r->status = 404;
        } else if (strcmp(q->method, "DELETE") == 0) {
            cJSON_DetachItemViaPointer(c->images, img);
            cJSON_Delete(img);
            r->status = 204;
        } else {
            advance(img);
            json(r, 200, cJSON_Duplicate(img, 1));
        }
    } else {
        missing(r, path);
    }
out:
    pthread_mutex_unlock(&c->lock);
}

/* ---- the life cycle -------------------------------------------------------------------------- */

static const char *providers_for(const char *dir, const char *url, const char *region,
                                 const char *password)
{
    char t[2048];
    snprintf(t, sizeof t,
             "{\"osp\": {\"type\": \"openstack\", \"version\": \"2023.1\", \"fqdn\": \"h\","
             " \"api_url\": \"%s/identity/v3\", \"username\": \"admin\", \"password\": \"%s\","
             " \"user_domain_name\": \"Default\", \"region_name\": \"%s\", \"project_name\": \"admin\","
             " \"user_domain_id\": \"default\", \"project_domain_id\": \"default\"}}",
             url, password, region);
    return tu_write(dir, "providers.json", t);
}

static void created(void *ud, const char *type, const char *kind, const char *id, const char *name)
{
    strbuf *log = ud;
    sb_addf(log, "created %s %s %s %s\n", type, kind, id, name ? name : "-");
}

typedef struct made {
    char kind[32], id[128];
} made;

static void lifecycle(transport *t, const char *providers, strbuf *log)
{
    providers_file pf;
    const provider_entry *e;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, providers, "osp", log_secrets(), &e, &err), 0, "%s", err.msg);
    source_config cfg = {.t = t, .entry = e, .poll_ms = 20, .on_created = created,
                         .created_ud = log};
    source_provider *p;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    vm_record r;
    cr_assert_eq(source_vm_info(p, "manageiq-spec-server", &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.nics[0].ips[0].gateway, "10.0.0.1");
    cr_assert_eq(r.nics[0].ips[0].prefix, 26);
    cJSON *j = vm_record_to_json(&r);
    char *t1 = cJSON_PrintUnformatted(j);
    sb_addf(log, "record %s\n", t1);
    free(t1);
    cJSON_Delete(j);
    vm_record_free(&r);
    cr_assert_eq(source_vm_info(p, "mtv-win2019-vol", &r, &err), 0, "%s", err.msg);
    cr_assert_eq(r.win_os, 1);
    cr_assert_eq(r.cpu_sockets, 2);
    cr_assert_str_eq(r.nics[0].network_name, "test");
    vm_record_free(&r);
    source_network *nets;
    size_t n;
    cr_assert_eq(source_networks(p, "mtv-win2019-vol", &nets, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(nets[0].name, "test");
    source_networks_free(nets, n);

    const char *sources[] = {"manageiq-spec-server", "mtv-win2019-vol"};
    for (int i = 0; i < 2; i++) {
        strbuf name = STRBUF_INIT, id = STRBUF_INIT;
        source_clone_name(t, "auto-os", sources[i], &name);
        int rc = source_clone(p, sources[i], name.buf, NULL, &id, &err);
        sb_addf(log, "clone %s rc=%d %s\n", sources[i], rc, rc ? err.msg : id.buf);
        cr_assert_eq(rc, 0, "%s", err.msg);
        cr_assert_eq(source_vm_info(p, name.buf, &r, &err), 0, "%s", err.msg);
        cr_assert_eq(r.power, VM_POWER_ON);
        vm_record_free(&r);
        cr_assert_eq(source_wait_guest(p, name.buf, 5000, &err), 0, "%s", err.msg);
        cr_assert_eq(source_power(p, name.buf, VM_POWER_OFF, 5000, &err), 0, "%s", err.msg);
        cr_assert_eq(source_vm_info(p, name.buf, &r, &err), 0, "%s", err.msg);
        cr_assert_eq(r.power, VM_POWER_OFF);
        vm_record_free(&r);
        sb_release(&name);
        sb_release(&id);
    }
    cr_assert(strstr(log->buf, "created openstack image img"), "%s", log->buf);
    cr_assert(strstr(log->buf, "created openstack volume_snapshot snap0000"), "%s", log->buf);
    cr_assert(strstr(log->buf, "created openstack volume vol0000"), "%s", log->buf);
    cr_assert(strstr(log->buf, "created openstack vm made0000"), "%s", log->buf);

    /* teardown from the ledger, newest first, and once more: all succeed */
    made items[16];
    int count = 0;
    for (char *line = log->buf; line && (line = strstr(line, "created openstack ")); line++) {
        cr_assert_lt(count, 16);
        sscanf(line, "created openstack %31s %127s", items[count].kind, items[count].id);
        count++;
    }
    for (int pass = 0; pass < 2; pass++)
        for (int i = count - 1; i >= 0; i--) {
            int rc = source_delete(p, items[i].kind, items[i].id, NULL, &err);
            sb_addf(log, "delete %s %s rc=%d\n", items[i].kind, items[i].id, rc);
            cr_assert_eq(rc, 0, "%s", err.msg);
        }
    int rc = source_power(p, "no-such-server", VM_POWER_ON, 1000, &err);
    cr_assert(strstr(err.msg, "has no server named 'no-such-server'"), "%s", err.msg);
    sb_addf(log, "missing rc=%d\n", rc);
    source_close(p);
    providers_file_free(&pf);
}

Test(openstack, lifecycle_recorded_then_replayed_without_the_cloud)
{
    ts_server *s = ts_start(TS_HTTP);
    cloud c;
    cloud_init(&c, ts_url(s));
    ts_route(s, NULL, "/*", fake_cloud, &c);
    const char *dir = tu_tmpdir();
    const char *providers = providers_for(dir, ts_url(s), "microstack", PASSWORD);
    strbuf journal = STRBUF_INIT, bundle = STRBUF_INIT, live = STRBUF_INIT, again = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle, dir, "openstack.tar");
    transport_config rec = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf,
                            .scenario = "openstack"};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &rec, &err), 0, "%s", err.msg);
    lifecycle(t, providers, &live);
    cr_assert_eq(transport_finish(t, bundle.buf, NULL, &err), 0, "%s", err.msg);
    transport_free(t);
    ts_stop(s);
    transport_config rp = {.mode = TRANSPORT_REPLAY, .cassette_path = bundle.buf};
    cr_assert_eq(transport_open(&t, &rp, &err), 0, "%s", err.msg);
    lifecycle(t, providers, &again);
    strbuf unused = STRBUF_INIT;
    cr_assert_eq(transport_unused(t, &unused), 0, "%s", sb_str(&unused));
    transport_free(t);
    cr_assert_str_eq(again.buf, live.buf);
    size_t n;
    char *bytes = tu_read(bundle.buf, &n);
    cr_assert_not(tu_contains(bytes, n, PASSWORD));
    cr_assert_not(tu_contains(bytes, n, TOKEN));
    free(bytes);
    cloud_free(&c);
    sb_release(&unused);
    sb_release(&journal);
    sb_release(&bundle);
    sb_release(&live);
    sb_release(&again);
}

static int try_open(cloud *c, ts_server *s, const char *region, const char *password,
                    mtv_err *err)
{
    (void)c;
    const char *dir = tu_tmpdir();
    providers_file pf;
    const provider_entry *e;
    cr_assert_eq(providers_open(&pf, providers_for(dir, ts_url(s), region, password), "osp",
                                log_secrets(), &e, err), 0);
    transport *t;
    transport_config cfg = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &cfg, err), 0);
    source_config sc = {.t = t, .entry = e, .poll_ms = 20};
    source_provider *p;
    int rc = source_open(&p, &sc, err);
    if (rc == 0) {
        vm_record r;
        rc = source_vm_info(p, "manageiq-spec-server", &r, err);
        if (rc == 0)
            vm_record_free(&r);
        source_close(p);
    }
    transport_free(t);
    providers_file_free(&pf);
    return rc;
}

Test(openstack, errors_name_the_cause)
{
    ts_server *s = ts_start(TS_HTTP);
    cloud c;
    cloud_init(&c, ts_url(s));
    ts_route(s, NULL, "/*", fake_cloud, &c);
    mtv_err err;
    cr_assert_eq(try_open(&c, s, "microstack", "Wrong-Password-2", &err), -1);
    cr_assert(strstr(err.msg, "refused user 'admin' for project 'admin' (HTTP 401): The request "
                              "you have made requires authentication."), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "Wrong-Password-2"));
    cr_assert_eq(try_open(&c, s, "RegionOne", PASSWORD, &err), -1);
    cr_assert(strstr(err.msg, "no public compute endpoint in region 'RegionOne'"), "%s", err.msg);
    c.truncate_detail = 1;
    cr_assert_eq(try_open(&c, s, "microstack", PASSWORD, &err), -1);
    cr_assert(strstr(err.msg, "not valid JSON"), "%s", err.msg);
    ts_stop(s);
    cloud_free(&c);
}

static void *cancel_after_polls(void *ud)
{
    void **a = ud;
    ts_server *s = a[0];
    atomic_int *flag = a[1];
    size_t start = ts_count(s);
    while (ts_count(s) < start + 3)   /* the wait is under way */
        usleep(10000);
    atomic_store(flag, 1);
    return NULL;
}

/* A server stuck in BUILD: the guest wait would poll for twenty minutes; the
 * run's cancel flag ends it. */
Test(openstack, the_cancel_flag_ends_a_status_wait, .timeout = 60)
{
    ts_server *s = ts_start(TS_HTTP);
    cloud c;
    cloud_init(&c, ts_url(s));
    go(&c.servers[1], "BUILD", "", 0);
    ts_route(s, NULL, "/*", fake_cloud, &c);
    providers_file pf;
    const provider_entry *e;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, providers_for(tu_tmpdir(), ts_url(s), "microstack", PASSWORD),
                                "osp", log_secrets(), &e, &err), 0, "%s", err.msg);
    transport *t;
    transport_config cfg = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &cfg, &err), 0);
    atomic_int cancel = 0;
    source_config sc = {.t = t, .entry = e, .poll_ms = 50, .cancel = &cancel};
    source_provider *p;
    cr_assert_eq(source_open(&p, &sc, &err), 0, "%s", err.msg);
    void *args[] = {s, &cancel};
    pthread_t th;
    pthread_create(&th, NULL, cancel_after_polls, args);
    int rc = source_wait_guest(p, "mtv-win2019-vol", 20 * 60000, &err);
    pthread_join(th, NULL);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "cancelled while waiting for the server's addresses"), "%s", err.msg);
    source_close(p);
    transport_free(t);
    providers_file_free(&pf);
    ts_stop(s);
    cloud_free(&c);
}
