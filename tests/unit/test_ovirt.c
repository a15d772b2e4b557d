/* The oVirt adapter: its record from the real engine samples, asserted field
 * by field, and its whole life cycle (SSO login, data-center precondition,
 * lookups, clone from template, power with status waits, snapshots, events,
 * deletes) against a stateful fake engine on the test server that answers
 * with those same samples. The life cycle is recorded and replayed with the
 * server gone; wrong credentials, a missing data center, refused tokens and
 * broken answers give clear errors. */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/providers.h"
#include "providers/ovirt.h"
#include "providers/prepare.h"
#include "providers/pxml.h"
#include "testserver.h"
#include "testutil.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/log.h"

#define SAMPLES "reference/provider-samples/ovirt/"
#define PASSWORD "Canary-Ov-Pw-4c1d!"
#define TOKEN "fake-sso-token-7d4e2b19a0c3"
#define CIRROS "0d37ca3b-cdbc-4b78-b0b9-7cd71ddc7e35"

static xmlDoc *load(const char *name)
{
    tu_require_shared();
    size_t n;
    char *text = tu_read(tu_shared(name), &n);
    cr_assert_not_null(text, "%s", name);
    xmlDoc *doc;
    mtv_err err;
    cr_assert_eq(px_parse(name, text, n, &doc, &err), 0, "%s", err.msg);
    free(text);
    return doc;
}

/* ---- the record from the samples ----------------------------------------------------- */

typedef struct lists {
    xmlDoc *disks, *domains, *profiles, *networks;
} lists;

static xmlNode *by_id(xmlDoc *doc, const char *id)
{
    for (xmlNode *n = px_child(xmlDocGetRootElement(doc), NULL); n; n = px_next(n, NULL)) {
        char *v = px_attr(n, "id");
        int hit = v && strcmp(v, id) == 0;
        free(v);
        if (hit)
            return n;
    }
    return NULL;
}

static xmlNode *list_lookup(void *ud, const char *collection, const char *id)
{
    lists *l = ud;
    xmlDoc *d = strcmp(collection, "disks") == 0            ? l->disks
                : strcmp(collection, "storagedomains") == 0 ? l->domains
                : strcmp(collection, "vnicprofiles") == 0   ? l->profiles
                : strcmp(collection, "networks") == 0       ? l->networks
                                                            : NULL;
    return d ? by_id(d, id) : NULL;
}

static void load_lists(lists *l)
{
    l->disks = load(SAMPLES "disks.list.xml");
    l->domains = load(SAMPLES "storagedomains.list.xml");
    l->profiles = load(SAMPLES "vnicprofiles.list.xml");
    l->networks = load(SAMPLES "networks.list.xml");
}

static void free_lists(lists *l)
{
    xmlFreeDoc(l->disks);
    xmlFreeDoc(l->domains);
    xmlFreeDoc(l->profiles);
    xmlFreeDoc(l->networks);
}

Test(ovirt, cirros_vm_record_field_by_field)
{
    lists l;
    load_lists(&l);
    xmlDoc *vm = load(SAMPLES "vm.my-cirros-vm.xml");
    xmlDoc *nics = load(SAMPLES "vm.my-cirros-vm.nics.xml");
    xmlDoc *atts = load(SAMPLES "vm.my-cirros-vm.diskattachments.xml");
    xmlDoc *snaps = load(SAMPLES "vm.my-cirros-vm.snapshots.xml");
    vm_record r;
    vm_record_init(&r);
    ovirt_record_from(xmlDocGetRootElement(vm), xmlDocGetRootElement(nics),
                      xmlDocGetRootElement(atts), xmlDocGetRootElement(snaps), list_lookup, &l, &r);
    cr_assert_str_eq(r.id, CIRROS);
    cr_assert_str_eq(r.name, "my-cirros-vm");
    cr_assert_str_eq(r.provider_type, "ovirt");
    cr_assert_eq(r.power, VM_POWER_ON);
    cr_assert_eq(r.cpu_cores, 4);
    cr_assert_eq(r.cpu_sockets, 2);
    cr_assert_eq(r.cpu_threads, 1);
    cr_assert_eq(r.memory_mb, 1024, "1073741824 bytes");
    cr_assert_str_eq(r.guest_os, "other");
    cr_assert_eq(r.win_os, 0);
    cr_assert_null(r.boot_firmware, "this engine reports no bios type");
    cr_assert_eq(r.tpm_present, -1);
    cr_assert_str_eq(r.host, "7f9f475c-883f-415e-aac0-e43d221b802b");
    cr_assert_eq(r.guest_agent_running, 0, "up, but no guest agent report");
    cr_assert_eq(r.nnics, 1);
    cr_assert_str_eq(r.nics[0].name, "nic1");
    cr_assert_str_eq(r.nics[0].mac, "00:1a:4a:16:01:00");
    cr_assert_str_eq(r.nics[0].device_key, "a57184f2-d147-4f06-8023-bfda8980dc80");
    cr_assert_eq(r.nics[0].connected, 1);
    cr_assert_null(r.nics[0].network_name, "its vNIC profile is not among the recorded ones");
    cr_assert_eq(r.ndisks, 1);
    const vm_disk *d = &r.disks[0];
    cr_assert_str_eq(d->name, "GlanceDisk-34bec3e");
    cr_assert_eq(d->size_kb, 46137344 / 1024, "provisioned_size in KiB");
    cr_assert_str_eq(d->storage_name, "master-data1");
    cr_assert_str_eq(d->storage_id, "4a4233bf-3173-4d3d-b4e3-c5c978383669");
    cr_assert_str_eq(d->device_key, "536617f1-ca8a-4b2a-9ec9-740c883ad252");
    cr_assert_str_eq(d->provision_type, "thin");
    cr_assert_eq(r.nsnapshots, 3);
    cr_assert_str_eq(r.snapshots[0].description, "Active VM");
    cr_assert_str_eq(r.snapshots[0].type, "active");
    cr_assert_str_eq(r.snapshots[1].name, "snap1");
    cr_assert_str_eq(r.snapshots[1].status, "ok");
    cr_assert_str_eq(r.snapshots[1].type, "regular");
    cr_assert_str_eq(r.snapshots[1].create_time, "2018-02-06T14:37:32.342+02:00");
    cr_assert_str_eq(r.snapshots[1].ref, CIRROS "/c1823dc1-f973-4721-8a56-6662b8b0969c");
    cr_assert_eq(r.cpu_cores, 4, "the snapshot's embedded vm (2 cores) is not the VM");
    vm_record_free(&r);
    xmlFreeDoc(vm);
    xmlFreeDoc(nics);
    xmlFreeDoc(atts);
    xmlFreeDoc(snaps);
    free_lists(&l);
}

Test(ovirt, vm_list_power_states_and_a_resolvable_profile)
{
    lists l;
    load_lists(&l);
    xmlDoc *vms = load(SAMPLES "vms.list.xml");
    xmlNode *off = px_child(xmlDocGetRootElement(vms), "vm");
    xmlNode *on = px_next(off, "vm");
    vm_record a, b;
    vm_record_init(&a);
    vm_record_init(&b);
    ovirt_record_from(off, NULL, NULL, NULL, list_lookup, &l, &a);
    ovirt_record_from(on, NULL, NULL, NULL, list_lookup, &l, &b);
    cr_assert_str_eq(a.name, "vm_off");
    cr_assert_eq(a.power, VM_POWER_OFF);
    cr_assert_eq(a.guest_agent_running, 0);
    cr_assert_str_eq(b.name, "vm_on");
    cr_assert_eq(b.power, VM_POWER_ON);
    /* a NIC on a recorded profile is named through profile -> network */
    const char *nic = "<nics><nic id=\"n1\"><name>nic1</name><mac><address>00:1A:4A:16:01:51"
                      "</address></mac><vnic_profile id=\"52ac0668-d782-4079-bd2e-c3fafea0c858\"/>"
                      "</nic></nics>";
    xmlDoc *nd;
    mtv_err err;
    cr_assert_eq(px_parse("nics", nic, strlen(nic), &nd, &err), 0);
    vm_record c;
    vm_record_init(&c);
    ovirt_record_from(NULL, xmlDocGetRootElement(nd), NULL, NULL, list_lookup, &l, &c);
    cr_assert_str_eq(c.nics[0].network_name, "ovirtmgmt");
    cr_assert_str_eq(c.nics[0].network_id, "b6a660fd-f1ff-4d26-b535-91fae6d42a3f");
    cr_assert_str_eq(c.nics[0].mac, "00:1a:4a:16:01:51");
    vm_record_free(&a);
    vm_record_free(&b);
    vm_record_free(&c);
    xmlFreeDoc(nd);
    xmlFreeDoc(vms);
    free_lists(&l);
}

Test(ovirt, sso_url_from_api_url)
{
    strbuf u = STRBUF_INIT;
    ovirt_sso_url("https://engine.example.com/ovirt-engine/api/", &u);
    cr_assert_str_eq(u.buf, "https://engine.example.com/ovirt-engine/sso/oauth/token");
    sb_release(&u);
}

/* ---- a stateful fake engine -------------------------------------------------------------- */

typedef struct fvm {
    char id[64], name[128], status[32], next[32];
    int steps;               /* GETs until status becomes next */
    int sample;              /* answers with the recorded my-cirros-vm documents */
    int snaps;               /* snapshots taken */
    int snap_gone[8];
} fvm;

typedef struct engine {
    pthread_mutex_t lock;
    lists l;
    xmlDoc *templates;
    char *vm_xml, *nics_xml, *atts_xml, *snaps_xml;
    fvm vms[16];
    int nvms, clones;
    int dc_state;            /* 0 up, 1 down, 2 missing */
    int expire_token;        /* answer 401 to API calls */
    int truncate_vm;         /* cut GET vms/{id} short */
} engine;

static char *sample_text(const char *name)
{
    char *t = tu_read(tu_shared(name), NULL);
    cr_assert_not_null(t);
    return t;
}

static void engine_init(engine *e)
{
    memset(e, 0, sizeof *e);
    pthread_mutex_init(&e->lock, NULL);
    load_lists(&e->l);
    e->templates = load(SAMPLES "templates.list.xml");
    e->vm_xml = sample_text(SAMPLES "vm.my-cirros-vm.xml");
    e->nics_xml = sample_text(SAMPLES "vm.my-cirros-vm.nics.xml");
    e->atts_xml = sample_text(SAMPLES "vm.my-cirros-vm.diskattachments.xml");
    e->snaps_xml = sample_text(SAMPLES "vm.my-cirros-vm.snapshots.xml");
    fvm *v = &e->vms[e->nvms++];
    snprintf(v->id, sizeof v->id, CIRROS);
    snprintf(v->name, sizeof v->name, "my-cirros-vm");
    snprintf(v->status, sizeof v->status, "up");
    v->sample = 1;
}

static void engine_free(engine *e)
{
    free_lists(&e->l);
    xmlFreeDoc(e->templates);
    free(e->vm_xml);
    free(e->nics_xml);
    free(e->atts_xml);
    free(e->snaps_xml);
}

static void xml(ts_response *r, int status, const char *body)
{
    r->status = status;
    ts_resp_body(r, "application/xml", body, strlen(body));
}

static void dump(ts_response *r, xmlDoc *doc, xmlNode *node)
{
    xmlBufferPtr b = xmlBufferCreate();
    xmlNodeDump(b, doc, node, 0, 0);
    xml(r, 200, (const char *)xmlBufferContent(b));
    xmlBufferFree(b);
}

static void not_found(ts_response *r, const char *what)
{
    char b[512];
    snprintf(b, sizeof b, "<fault><detail>Entity not found: %s</detail><reason>Operation Failed"
                          "</reason></fault>", what);
    xml(r, 404, b);
}

static fvm *vm_by_id(engine *e, const char *id, size_t n)
{
    for (int i = 0; i < e->nvms; i++)
        if (strlen(e->vms[i].id) == n && strncmp(e->vms[i].id, id, n) == 0)
            return &e->vms[i];
    return NULL;
}

/* the status a GET sees: transitions complete after a few reads */
static const char *observe(fvm *v)
{
    if (v->next[0] && --v->steps <= 0) {
        snprintf(v->status, sizeof v->status, "%s", v->next);
        v->next[0] = 0;
    }
    return v->status;
}

static void go(fvm *v, const char *now, const char *next, int steps)
{
    snprintf(v->status, sizeof v->status, "%s", now);
    snprintf(v->next, sizeof v->next, "%s", next);
    v->steps = steps;
}

static void search_value(const ts_request *req, strbuf *out)
{
    const char *q = strstr(req->uri, "search=");
    if (!q)
        return;
    q += 7;
    size_t n = strcspn(q, "&");
    url_decode(out, q, n, 1);
}

static void vm_doc(strbuf *b, engine *e, fvm *v)
{
    const char *status = observe(v);
    if (v->sample) {   /* the recorded document with the current status */
        const char *at = strstr(e->vm_xml, "<status>up</status>");
        sb_add(b, e->vm_xml, (size_t)(at - e->vm_xml));
        sb_addf(b, "<status>%s</status>%s", status, at + strlen("<status>up</status>"));
        return;
    }
    sb_addf(b, "<vm id=\"%s\"><name>%s</name><cpu><topology><cores>1</cores><sockets>2</sockets>"
               "<threads>1</threads></topology></cpu><memory>2147483648</memory><os><type>"
               "windows_2019x64</type></os><bios><type>q35_secure_boot</type></bios>"
               "<tpm_enabled>true</tpm_enabled><status>%s</status>%s</vm>",
            v->id, v->name, status,
            strcmp(status, "up") == 0 ? "<guest_operating_system><family>Windows</family>"
                                        "</guest_operating_system>" : "");
}

static void fake_engine(void *ud, const ts_request *req, ts_response *r)
{
    engine *e = ud;
    pthread_mutex_lock(&e->lock);
    const char *api = "/ovirt-engine/api";
    const char *path = req->path;
    if (strcmp(path, "/ovirt-engine/sso/oauth/token") == 0) {
        const char *body = sb_str(&req->body);
        strbuf want = STRBUF_INIT;
        sb_adds(&want, "password=");
        url_encode(&want, PASSWORD, strlen(PASSWORD), 1);
        if (strstr(body, want.buf) && strstr(body, "grant_type=password")) {
            const char *ok = "{\"access_token\":\"" TOKEN "\",\"token_type\":\"bearer\","
                             "\"exp\":\"9999999999000\"}";
            ts_resp_body(r, "application/json", ok, strlen(ok));
        } else {
            const char *no = "{\"error_code\":\"access_denied\",\"error\":\"Cannot authenticate "
                             "user 'admin@internal': The username or password is incorrect..\"}";
            r->status = 400;
            ts_resp_body(r, "application/json", no, strlen(no));
        }
        sb_release(&want);
        goto out;
    }
    const char *auth = http_headers_get(&req->headers, "Authorization");
    if (strncmp(path, api, strlen(api)) != 0 || !auth ||
        strcmp(auth, "Bearer " TOKEN) != 0 || e->expire_token) {
        char *html = tu_read(tu_shared(SAMPLES "error.401.unauthenticated.html"), NULL);
        r->status = 401;
        ts_resp_body(r, "text/html;charset=UTF-8", html, strlen(html));
        free(html);
        goto out;
    }
    path += strlen(api);
    strbuf b = STRBUF_INIT, search = STRBUF_INIT;
    search_value(req, &search);
    if (strcmp(path, "") == 0 || strcmp(path, "/") == 0) {
        xml(r, 200, "<api><product_info><name>oVirt Engine</name><version><full_version>4.5.4"
                    "</full_version><major>4</major><minor>5</minor></version></product_info></api>");
    } else if (strcmp(path, "/datacenters") == 0) {
        sb_adds(&b, "<data_centers>");
        if (e->dc_state != 2 && strcmp(search.buf, "name=MTV-CNV") == 0)
            sb_addf(&b, "<data_center id=\"dc-1\"><name>MTV-CNV</name><status>%s</status>"
                        "</data_center>", e->dc_state ? "maintenance" : "up");
        sb_adds(&b, "</data_centers>");
        xml(r, 200, b.buf);
    } else if (strcmp(path, "/vms") == 0 && strcmp(req->method, "GET") == 0) {
        sb_adds(&b, "<vms>");
        for (int i = 0; i < e->nvms; i++)
            if (strncmp(search.buf, "name=", 5) == 0 && strcmp(e->vms[i].name, search.buf + 5) == 0)
                sb_addf(&b, "<vm id=\"%s\"><name>%s</name><status>%s</status></vm>", e->vms[i].id,
                        e->vms[i].name, e->vms[i].status);
        sb_adds(&b, "</vms>");
        xml(r, 200, b.buf);
    } else if (strcmp(path, "/vms") == 0 && strcmp(req->method, "POST") == 0) {
        cr_assert(strstr(req->uri, "clone=true"));
        xmlDoc *d = xmlReadMemory(sb_str(&req->body), (int)req->body.len, NULL, NULL, 0);
        xmlNode *root = d ? xmlDocGetRootElement(d) : NULL;
        char *name = px_get(root, "name");
        char *tid = px_attr(px_child(root, "template"), "id");
        char *cid = px_attr(px_child(root, "cluster"), "id");
        if (!name || !tid || !cid || !by_id(e->templates, tid)) {
            xml(r, 400, "<fault><reason>Operation Failed</reason><detail>[Cannot add VM. The "
                        "relevant Cluster doesn't exist.]</detail></fault>");
        } else {
            fvm *v = &e->vms[e->nvms++];
            snprintf(v->id, sizeof v->id, "clone-%04d-0000-0000-0000", ++e->clones);
            snprintf(v->name, sizeof v->name, "%s", name);
            go(v, "image_locked", "down", 2);
            sb_addf(&b, "<vm id=\"%s\"><name>%s</name><status>image_locked</status></vm>", v->id,
                    v->name);
            xml(r, 202, b.buf);
        }
        free(name);
        free(tid);
        free(cid);
        xmlFreeDoc(d);
    } else if (strncmp(path, "/vms/", 5) == 0) {
        const char *id = path + 5;
        size_t idn = strcspn(id, "/");
        const char *sub = id[idn] == '/' ? id + idn + 1 : "";
        fvm *v = vm_by_id(e, id, idn);
        if (!v) {
            not_found(r, id);
        } else if (!*sub && strcmp(req->method, "GET") == 0) {
            vm_doc(&b, e, v);
            if (e->truncate_vm)
                sb_setlen(&b, b.len / 2);
            xml(r, 200, b.buf);
        } else if (!*sub && strcmp(req->method, "DELETE") == 0) {
            *v = e->vms[--e->nvms];
            xml(r, 200, "<action><status>complete</status></action>");
        } else if (strcmp(sub, "start") == 0) {
            go(v, "wait_for_launch", "up", 2);
            xml(r, 200, "<action><status>complete</status></action>");
        } else if (strcmp(sub, "shutdown") == 0) {
            go(v, "powering_down", "down", 2);
            xml(r, 200, "<action><status>complete</status></action>");
        } else if (strcmp(sub, "stop") == 0) {
            go(v, "down", "", 0);
            xml(r, 200, "<action><status>complete</status></action>");
        } else if (strcmp(sub, "nics") == 0) {
            xml(r, 200, v->sample ? e->nics_xml
                                  : "<nics><nic id=\"nic-c1\"><name>nic1</name><linked>true"
                                    "</linked><mac><address>56:6f:05:0f:00:01</address></mac>"
                                    "<vnic_profile id=\"52ac0668-d782-4079-bd2e-c3fafea0c858\"/>"
                                    "</nic></nics>");
        } else if (strcmp(sub, "diskattachments") == 0) {
            xml(r, 200, v->sample ? e->atts_xml : "<disk_attachments/>");
        } else if (strcmp(sub, "snapshots") == 0 && strcmp(req->method, "GET") == 0) {
            sb_adds(&b, "<snapshots>");
            for (int i = 0; i < v->snaps; i++)
                if (!v->snap_gone[i])
                    sb_addf(&b, "<snapshot id=\"s-%d\"><description>snap-%d</description>"
                                "<snapshot_status>ok</snapshot_status><snapshot_type>regular"
                                "</snapshot_type></snapshot>", i, i);
            sb_adds(&b, "</snapshots>");
            xml(r, 200, v->sample ? e->snaps_xml : b.buf);
        } else if (strcmp(sub, "snapshots") == 0) {
            sb_addf(&b, "<snapshot id=\"s-%d\"><snapshot_status>locked</snapshot_status>"
                        "</snapshot>", v->snaps++);
            xml(r, 201, b.buf);
        } else if (strncmp(sub, "snapshots/s-", 12) == 0) {
            int i = atoi(sub + 12);
            if (i >= v->snaps || v->snap_gone[i])
                not_found(r, sub);
            else if (strcmp(req->method, "DELETE") == 0)
                v->snap_gone[i] = 1, xml(r, 200, "<action><status>complete</status></action>");
            else
                xml(r, 200, "<snapshot><snapshot_status>ok</snapshot_status></snapshot>");
        } else {
            not_found(r, sub);
        }
    } else if (strcmp(path, "/templates") == 0) {
        sb_adds(&b, "<templates>");
        for (xmlNode *t = px_child(xmlDocGetRootElement(e->templates), "template"); t;
             t = px_next(t, "template")) {
            if (strncmp(search.buf, "name=", 5) == 0 && px_get_is(t, "name", search.buf + 5)) {
                xmlBufferPtr xb = xmlBufferCreate();
                xmlNodeDump(xb, e->templates, t, 0, 0);
                sb_adds(&b, (const char *)xmlBufferContent(xb));
                xmlBufferFree(xb);
            }
        }
        sb_adds(&b, "</templates>");
        xml(r, 200, b.buf);
    } else if (strncmp(path, "/templates/", 11) == 0 && strstr(path, "/nics")) {
        xml(r, 200, "<nics><nic id=\"tn1\"><name>nic1</name><vnic_profile id=\"52ac0668-d782-"
                    "4079-bd2e-c3fafea0c858\"/></nic></nics>");
    } else if (strcmp(path, "/events") == 0) {
        if (strcmp(search.buf, "Vms.id = " CIRROS) == 0)
            xml(r, 200, "<events><event id=\"1\"><code>33</code></event><event id=\"2\"><code>35"
                        "</code></event></events>");
        else
            xml(r, 200, "<events/>");
    } else {
        static const struct { const char *prefix; size_t off; } lists_at[] = {
            {"/disks/", offsetof(lists, disks)}, {"/storagedomains/", offsetof(lists, domains)},
            {"/vnicprofiles/", offsetof(lists, profiles)}, {"/networks/", offsetof(lists, networks)}};
        int done = 0;
        for (size_t i = 0; i < 4 && !done; i++) {
            size_t n = strlen(lists_at[i].prefix);
            if (strncmp(path, lists_at[i].prefix, n) == 0) {
                xmlDoc *d = *(xmlDoc **)((char *)&e->l + lists_at[i].off);
                xmlNode *node = by_id(d, path + n);
                if (node)
                    dump(r, d, node);
                else
                    not_found(r, path + n);
                done = 1;
            }
        }
        if (!done)
            not_found(r, path);
    }
    sb_release(&b);
    sb_release(&search);
out:
    pthread_mutex_unlock(&e->lock);
}

/* ---- the life cycle ------------------------------------------------------------------------ */

static const char *providers_for(const char *dir, const char *url)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"rhv\": {\"type\": \"ovirt\", \"version\": \"4.5\", \"fqdn\": \"127.0.0.1\","
             " \"api_url\": \"%s/ovirt-engine/api\", \"username\": \"admin@internal\","
             " \"password\": \"" PASSWORD "\"}}", url);
    return tu_write(dir, "providers.json", text);
}

static void created(void *ud, const char *type, const char *kind, const char *id, const char *name)
{
    sb_addf(ud, "created %s %s %s %s\n", type, kind, id, name ? name : "-");
}

static void note(strbuf *log, const char *what, int rc, const mtv_err *err)
{
    sb_addf(log, "%s rc=%d %s\n", what, rc, rc ? err->msg : "");
}

static void note_json(strbuf *log, const vm_record *r)
{
    cJSON *j = vm_record_to_json(r);
    char *t = cJSON_PrintUnformatted(j);
    sb_addf(log, "record %s\n", t);
    free(t);
    cJSON_Delete(j);
}

static void lifecycle(transport *t, const char *providers, strbuf *log)
{
    providers_file pf;
    const provider_entry *entry;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, providers, "rhv", log_secrets(), &entry, &err), 0, "%s",
                 err.msg);
    source_config cfg = {.t = t, .entry = entry, .poll_ms = 50, .on_created = created,
                         .created_ud = log};
    source_provider *p;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    vm_record r;
    cr_assert_eq(source_vm_info(p, "my-cirros-vm", &r, &err), 0, "%s", err.msg);
    note_json(log, &r);
    cr_assert_str_eq(r.disks[0].storage_name, "master-data1");
    vm_record_free(&r);

    source_network *nets;
    size_t n;
    cr_assert_eq(source_networks(p, "cirros-0.4", &nets, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(nets[0].name, "ovirtmgmt", "a template's networks, before cloning");
    source_networks_free(nets, n);

    strbuf name = STRBUF_INIT, id = STRBUF_INIT;
    source_clone_name(t, "auto-ov", "cirros-0.4", &name);
    int rc = source_clone(p, "cirros-0.4", name.buf, NULL, &id, &err);
    note(log, "clone", rc, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert(strstr(log->buf, "created ovirt vm clone-0001"), "%s", log->buf);
    rc = source_clone(p, "no-such-template", "x", NULL, NULL, &err);
    note(log, "clone-missing", rc, &err);
    cr_assert(strstr(err.msg, "no template named 'no-such-template'"), "%s", err.msg);

    cr_assert_eq(source_power(p, name.buf, VM_POWER_ON, 10000, &err), 0, "%s", err.msg);
    cr_assert_eq(source_wait_guest(p, name.buf, 10000, &err), 0, "%s", err.msg);
    cr_assert_eq(source_vm_info(p, name.buf, &r, &err), 0, "%s", err.msg);
    note_json(log, &r);
    cr_assert_eq(r.power, VM_POWER_ON);
    cr_assert_eq(r.guest_agent_running, 1);
    cr_assert_eq(r.win_os, 1);
    cr_assert_str_eq(r.boot_firmware, "efi");
    cr_assert_eq(r.secure_boot, 1);
    cr_assert_eq(r.tpm_present, 1);
    cr_assert_eq(r.memory_mb, 2048);
    cr_assert_str_eq(r.nics[0].network_name, "ovirtmgmt");
    vm_record_free(&r);
    cr_assert_eq(source_power(p, name.buf, VM_POWER_OFF, 10000, &err), 0, "%s", err.msg);
    rc = source_wait_guest(p, name.buf, 10000, &err);
    note(log, "guest-of-down", rc, &err);
    cr_assert(strstr(err.msg, "is down"), "%s", err.msg);

    strbuf snap = STRBUF_INIT;
    cr_assert_eq(source_snapshot_create(p, name.buf, "before", NULL, &snap, &err), 0, "%s",
                 err.msg);
    cr_assert_str_eq(snap.buf, "clone-0001-0000-0000-0000/s-0");
    vm_snapshot *snaps;
    size_t ns;
    cr_assert_eq(source_snapshot_list(p, name.buf, &snaps, &ns, &err), 0);
    cr_assert_eq(ns, 1);
    source_snapshots_free(snaps, ns);
    cr_assert_eq(source_delete(p, SOURCE_KIND_SNAPSHOT, snap.buf, "before", &err), 0, "%s",
                 err.msg);
    cr_assert_eq(source_delete(p, SOURCE_KIND_SNAPSHOT, snap.buf, "before", &err), 0,
                 "already gone");

    size_t events;
    cr_assert_eq(ovirt_vm_event_count(p, "my-cirros-vm", 33, &events, &err), 0, "%s", err.msg);
    sb_addf(log, "events %zu\n", events);
    cr_assert_eq(events, 1, "one USER_STOP_VM event");

    cr_assert_eq(source_power(p, name.buf, VM_POWER_ON, 10000, &err), 0, "%s", err.msg);
    rc = source_delete(p, SOURCE_KIND_VM, id.buf, name.buf, &err);
    note(log, "delete", rc, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    rc = source_delete(p, SOURCE_KIND_VM, id.buf, name.buf, &err);
    note(log, "delete-again", rc, &err);
    cr_assert_eq(rc, 0);
    rc = source_vm_info(p, name.buf, &r, &err);
    note(log, "gone", rc, &err);
    cr_assert(strstr(err.msg, "has no VM named"), "%s", err.msg);

    /* prepare: RHV sources are templates; the clone is powered on and its
     * guest agent waited for */
    cJSON *params = cJSON_Parse("{\"virtual_machines\": [{\"name\": \"cirros-0.4\","
                                " \"source_vm_power\": \"on\", \"guest_agent\": true}],"
                                " \"guest_agent_timeout\": 10}");
    prepare_options po = {.params = params, .name_prefix = "auto-prep"};
    prepared_vm *pvs;
    size_t npv;
    rc = source_prepare(p, &po, &pvs, &npv, &err);
    note(log, "prepare", rc, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(npv, 1);
    cr_assert(pvs[0].cloned);
    cr_assert_str_eq(pvs[0].source_name, "cirros-0.4");
    cr_assert_eq(pvs[0].record.power, VM_POWER_ON);
    cr_assert_eq(pvs[0].record.guest_agent_running, 1);
    cr_assert_str_eq(pvs[0].id, "clone-0002-0000-0000-0000");
    cr_assert_eq(source_delete(p, SOURCE_KIND_VM, pvs[0].id, pvs[0].name, &err), 0, "%s", err.msg);
    source_prepare_free(pvs, npv);
    cJSON_Delete(params);

    sb_release(&name);
    sb_release(&id);
    sb_release(&snap);
    source_close(p);
    providers_file_free(&pf);
}

Test(ovirt, lifecycle_recorded_then_replayed_without_the_engine)
{
    engine e;
    engine_init(&e);
    ts_server *s = ts_start(TS_HTTP);
    ts_route(s, NULL, "/ovirt-engine/*", fake_engine, &e);
    const char *dir = tu_tmpdir();
    const char *providers = providers_for(dir, ts_url(s));
    strbuf journal = STRBUF_INIT, bundle = STRBUF_INIT, live = STRBUF_INIT, again = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle, dir, "ovirt.tar");
    transport_config rec = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf,
                            .scenario = "ovirt"};
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
    sb_release(&unused);
    sb_release(&journal);
    sb_release(&bundle);
    sb_release(&live);
    sb_release(&again);
    engine_free(&e);
}

static int open_against(engine *e, const char *password, source_provider **p, mtv_err *err)
{
    ts_server *s = ts_start(TS_HTTP);
    ts_route(s, NULL, "/ovirt-engine/*", fake_engine, e);
    const char *dir = tu_tmpdir();
    char text[2048];
    snprintf(text, sizeof text,
             "{\"rhv\": {\"type\": \"ovirt\", \"version\": \"4.5\", \"fqdn\": \"h\","
             " \"api_url\": \"%s/ovirt-engine/api\", \"username\": \"admin@internal\","
             " \"password\": \"%s\"}}", ts_url(s), password);
    providers_file pf;
    const provider_entry *entry;
    cr_assert_eq(providers_open(&pf, tu_write(dir, "p.json", text), "rhv", log_secrets(), &entry,
                                err), 0);
    transport *t;
    transport_config cfg = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &cfg, err), 0);
    source_config sc = {.t = t, .entry = entry, .poll_ms = 20};
    int rc = source_open(p, &sc, err);
    if (rc == 0) {
        vm_record r;
        e->truncate_vm = e->truncate_vm ? 1 : 0;
        rc = source_vm_info(*p, "my-cirros-vm", &r, err);
        if (rc == 0)
            vm_record_free(&r);
        source_close(*p);
    }
    transport_free(t);
    providers_file_free(&pf);
    ts_stop(s);
    return rc;
}

Test(ovirt, errors_name_the_cause)
{
    engine e;
    engine_init(&e);
    source_provider *p;
    mtv_err err;
    cr_assert_eq(open_against(&e, "Wrong-Password-1", &p, &err), -1);
    cr_assert(strstr(err.msg, "SSO login as 'admin@internal'"), "%s", err.msg);
    cr_assert(strstr(err.msg, "was refused (HTTP 400): Cannot authenticate user"), "%s", err.msg);
    cr_assert(strstr(err.msg, "ovirt provider 'rhv'"), "%s", err.msg);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert_null(strstr(err.msg, "Wrong-Password-1"));

    e.dc_state = 2;
    cr_assert_eq(open_against(&e, PASSWORD, &p, &err), -1);
    cr_assert(strstr(err.msg, "no data center named 'MTV-CNV'"), "%s", err.msg);
    e.dc_state = 1;
    cr_assert_eq(open_against(&e, PASSWORD, &p, &err), -1);
    cr_assert(strstr(err.msg, "data center 'MTV-CNV' is maintenance, not up"), "%s", err.msg);
    e.dc_state = 0;

    e.truncate_vm = 1;
    cr_assert_eq(open_against(&e, PASSWORD, &p, &err), -1);
    cr_assert(strstr(err.msg, "not well-formed XML"), "%s", err.msg);
    e.truncate_vm = 0;

    e.expire_token = 1;
    cr_assert_eq(open_against(&e, PASSWORD, &p, &err), -1);
    cr_assert(strstr(err.msg, "answered HTTP 401 (the SSO token was refused"), "%s", err.msg);
    cr_assert(strstr(err.msg, "Unauthorized"), "the engine's HTML page, excerpted: %s", err.msg);
    engine_free(&e);
}

typedef struct stopper {
    ts_server *s;
    atomic_int *flag;
} stopper;

static void *stop_after_polls(void *ud)
{
    stopper *k = ud;
    size_t start = ts_count(k->s);
    while (ts_count(k->s) < start + 3)   /* the wait is under way */
        usleep(10000);
    atomic_store(k->flag, 1);
    return NULL;
}

/* A VM that stays wait_for_launch: the guest wait would poll for twenty
 * minutes; the run's cancel flag ends it. */
Test(ovirt, the_cancel_flag_ends_a_status_wait, .timeout = 60)
{
    engine e;
    engine_init(&e);
    snprintf(e.vms[0].status, sizeof e.vms[0].status, "wait_for_launch");
    ts_server *s = ts_start(TS_HTTP);
    ts_route(s, NULL, "/ovirt-engine/*", fake_engine, &e);
    providers_file pf;
    const provider_entry *entry;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, providers_for(tu_tmpdir(), ts_url(s)), "rhv", log_secrets(),
                                &entry, &err), 0, "%s", err.msg);
    transport *t;
    transport_config cfg = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &cfg, &err), 0);
    atomic_int cancel = 0;
    source_config sc = {.t = t, .entry = entry, .poll_ms = 50, .cancel = &cancel};
    source_provider *p;
    cr_assert_eq(source_open(&p, &sc, &err), 0, "%s", err.msg);
    stopper k = {s, &cancel};
    pthread_t th;
    pthread_create(&th, NULL, stop_after_polls, &k);
    int rc = source_wait_guest(p, "my-cirros-vm", 20 * 60000, &err);
    pthread_join(th, NULL);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "cancelled while waiting for the guest agent"), "%s", err.msg);
    source_close(p);
    transport_free(t);
    providers_file_free(&pf);
    ts_stop(s);
    engine_free(&e);
}
