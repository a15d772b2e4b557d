/* Unit tests for the simulated oVirt engine: every element path of the
 * real recorded responses (provider-samples/ovirt) appears in the lab's
 * answer for the same resource; ids agree with the lab's inventory and
 * with each other (NIC -> vNIC profile -> network, disk -> storage
 * domain); authentication by Basic or an SSO token, 401 and 404 as the
 * engine's HTML pages; search by name; start/stop actions; templates, VMs
 * made from them and removed again. */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <string.h>

#include "labtest.h"
#include "testutil.h"
#include "util/codec.h"

static labtest lab;
static char auth_header[512];

static void start(void)
{
    labtest_start(&lab, NULL);
    strbuf cred = STRBUF_INIT, b64 = STRBUF_INIT;
    sb_addf(&cred, "%s:%s", lab_mtv_user(lab.mtv, LAB_SRC_OVIRT),
            lab_mtv_password(lab.mtv, LAB_SRC_OVIRT));
    b64_encode(&b64, cred.buf, cred.len);
    snprintf(auth_header, sizeof auth_header, "Authorization: Basic %s", b64.buf);
    sb_release(&cred);
    sb_release(&b64);
}

static void stop(void)
{
    labtest_stop(&lab);
}

TestSuite(lab_ovirt, .init = start, .fini = stop, .timeout = 60);

typedef struct reply {
    long code;
    strbuf body;
} reply;

static size_t collect(char *p, size_t s, size_t n, void *ud)
{
    sb_add(ud, p, s * n);
    return s * n;
}

static reply call(const char *method, const char *path, const char *auth, const char *form)
{
    reply r = {0};
    CURL *c = curl_easy_init();
    char url[1024];
    snprintf(url, sizeof url, "%s%s", lab_server_url(lab.srv), path);
    struct curl_slist *h = auth ? curl_slist_append(NULL, auth) : NULL;
    h = curl_slist_append(h, "Accept: application/xml");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_CAINFO, lab.ca);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (form)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

static xmlDocPtr get_xml(const char *path)
{
    reply r = call("GET", path, auth_header, NULL);
    cr_assert_eq(r.code, 200, "%s: %ld %s", path, r.code, sb_str(&r.body));
    xmlDocPtr d = xmlReadMemory(r.body.buf, (int)r.body.len, path, NULL, XML_PARSE_NONET);
    cr_assert_not_null(d, "%s is not XML: %s", path, r.body.buf);
    sb_release(&r.body);
    return d;
}

/* Every element path under node, as "a/b/c" lines in out. */
static void paths(xmlNodePtr node, const char *pre, strbuf *out)
{
    for (xmlNodePtr c = node; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", pre, (const char *)c->name);
        char line[1100];
        snprintf(line, sizeof line, "\n%s\n", p);
        if (!strstr(sb_str(out), line)) {
            if (!out->len)
                sb_addc(out, '\n');
            sb_addf(out, "%s\n", p);
        }
        paths(c->children, p, out);
    }
}

static void covers(const char *sample_rel, xmlNodePtr sample_root, xmlDocPtr lab_doc)
{
    strbuf want = STRBUF_INIT, have = STRBUF_INIT;
    paths(sample_root, "", &want);
    paths(xmlDocGetRootElement(lab_doc), "", &have);
    char *save, *copy = strdup(want.buf);
    int n = 0;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char probe[1100];
        snprintf(probe, sizeof probe, "\n%s\n", line);
        cr_assert(strstr(have.buf, probe), "%s: the lab has no element %s", sample_rel, line);
        n++;
    }
    cr_assert_gt(n, 3);
    free(copy);
    sb_release(&want);
    sb_release(&have);
}

static xmlDocPtr sample(const char *name)
{
    tu_require_shared();
    char rel[256];
    snprintf(rel, sizeof rel, "reference/provider-samples/ovirt/%s", name);
    xmlDocPtr d = xmlReadFile(tu_shared(rel), NULL, XML_PARSE_NONET);
    cr_assert_not_null(d, "%s", rel);
    return d;
}

static const char *vm_id(const char *name)
{
    static char id[64];
    const lab_source *s = &lab_mtv_world(lab.mtv)->src[LAB_SRC_OVIRT];
    snprintf(id, sizeof id, "%s", lab_source_find_vm(s, NULL, name)->id);
    return id;
}

Test(lab_ovirt, documents_have_the_recorded_element_structure)
{
    char path[512];
    const char *id = vm_id("mtv-win2019-3disks");   /* powered on, guest agent running */
    struct {
        const char *sample, *route;
        int first_child_only;
    } cases[] = {
        {"vms.list.xml", "/ovirt-engine/api/vms", 0},
        {"vm.my-cirros-vm.xml", "/ovirt-engine/api/vms/%s", 0},
        {"vm.my-cirros-vm.nics.xml", "/ovirt-engine/api/vms/%s/nics", 0},
        {"vm.my-cirros-vm.diskattachments.xml", "/ovirt-engine/api/vms/%s/diskattachments", 0},
        {"vm.my-cirros-vm.snapshots.xml", "/ovirt-engine/api/vms/%s/snapshots", 1},
        {"disks.list.xml", "/ovirt-engine/api/disks", 0},
        {"storagedomains.list.xml", "/ovirt-engine/api/storagedomains", 1},
        {"networks.list.xml", "/ovirt-engine/api/networks", 0},
        {"vnicprofiles.list.xml", "/ovirt-engine/api/vnicprofiles", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(path, sizeof path, cases[i].route, id);
        xmlDocPtr s = sample(cases[i].sample);
        xmlDocPtr l = get_xml(path);
        xmlNodePtr root = xmlDocGetRootElement(s);
        if (cases[i].first_child_only) {
            /* the sample's first item only (an active snapshot, a data domain) */
            xmlNodePtr first = xmlFirstElementChild(root);
            xmlNodePtr copy = xmlNewNode(NULL, root->name);
            xmlAddChild(copy, xmlCopyNode(first, 1));
            covers(cases[i].sample, copy, l);
            xmlFreeNode(copy);
        } else {
            covers(cases[i].sample, root, l);
        }
        xmlFreeDoc(s);
        xmlFreeDoc(l);
    }
}

static char *xpath_str(xmlDocPtr d, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(d);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    char *s = (char *)xmlXPathCastToString(o);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return s;
}

Test(lab_ovirt, ids_agree_with_the_inventory_and_each_other)
{
    labtest_sources(&lab);
    const char *id = vm_id("mtv-rhel8-warm-2disks2nics");
    cJSON *p = labtest_get(&lab, "forklift.konveyor.io/v1beta1/providers", "openshift-mtv", "rhv");
    char inv_path[512];
    snprintf(inv_path, sizeof inv_path, "/providers/ovirt/%s/vms/%s",
             cJSON_GetStringValue(labtest_path(p, "metadata.uid")), id);
    cJSON_Delete(p);
    labtest_reply r = labtest_http(&lab, "GET", inv_path, NULL, NULL);
    cr_assert_eq(r.code, 200, "%s", r.body.buf);
    cJSON *inv = cJSON_Parse(r.body.buf);
    labtest_reply_free(&r);
    char path[512];
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s/nics", id);
    xmlDocPtr nics = get_xml(path);
    char *mac = xpath_str(nics, "/nics/nic[2]/mac/address");
    char *profile = xpath_str(nics, "/nics/nic[2]/vnic_profile/@id");
    cr_assert_str_eq(mac, cJSON_GetStringValue(labtest_path(inv, "nics.1.mac")));
    cr_assert_str_eq(profile, cJSON_GetStringValue(labtest_path(inv, "nics.1.profile")));
    snprintf(path, sizeof path, "/ovirt-engine/api/vnicprofiles/%s", profile);
    xmlDocPtr prof = get_xml(path);
    char *net = xpath_str(prof, "/vnic_profile/network/@id");
    snprintf(path, sizeof path, "/ovirt-engine/api/networks/%s", net);
    xmlDocPtr netdoc = get_xml(path);
    char *netname = xpath_str(netdoc, "/network/name");
    cr_assert_str_eq(netname, "mtv-net-a");
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s/diskattachments", id);
    xmlDocPtr das = get_xml(path);
    char *disk = xpath_str(das, "/disk_attachments/disk_attachment[2]/disk/@id");
    cr_assert_str_eq(disk, cJSON_GetStringValue(labtest_path(inv, "diskAttachments.1.disk")));
    snprintf(path, sizeof path, "/ovirt-engine/api/disks/%s", disk);
    xmlDocPtr dd = get_xml(path);
    char *size = xpath_str(dd, "/disk/provisioned_size");
    cr_assert_str_eq(size, "5368709120");
    char *sd = xpath_str(dd, "/disk/storage_domains/storage_domain/@id");
    snprintf(path, sizeof path, "/ovirt-engine/api/storagedomains/%s", sd);
    xmlDocPtr sdd = get_xml(path);
    char *sdname = xpath_str(sdd, "/storage_domain/name");
    cr_assert_str_eq(sdname, "data-nfs");
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s", id);
    xmlDocPtr vm = get_xml(path);
    char *cores = xpath_str(vm, "/vm/cpu/topology/cores");
    char *mem = xpath_str(vm, "/vm/memory");
    cr_assert_str_eq(cores, "2");
    cr_assert_str_eq(mem, "4294967296");
    xmlFree(mac);
    xmlFree(profile);
    xmlFree(net);
    xmlFree(netname);
    xmlFree(disk);
    xmlFree(size);
    xmlFree(sd);
    xmlFree(sdname);
    xmlFree(cores);
    xmlFree(mem);
    xmlFreeDoc(nics);
    xmlFreeDoc(prof);
    xmlFreeDoc(netdoc);
    xmlFreeDoc(das);
    xmlFreeDoc(dd);
    xmlFreeDoc(sdd);
    xmlFreeDoc(vm);
    cJSON_Delete(inv);
}

Test(lab_ovirt, authentication_search_and_actions)
{
    reply r = call("GET", "/ovirt-engine/api/vms", NULL, NULL);
    cr_assert_eq(r.code, 401);
    cr_assert(strstr(r.body.buf, "<body>Unauthorized</body>"), "%s", r.body.buf);
    sb_release(&r.body);
    r = call("GET", "/ovirt-engine/api/vms", "Authorization: Basic YWRtaW5AaW50ZXJuYWw6bm8=", NULL);
    cr_assert_eq(r.code, 401, "a wrong password");
    sb_release(&r.body);
    char form[512];
    snprintf(form, sizeof form, "grant_type=password&scope=ovirt-app-api&username=%s&password=%s",
             lab_mtv_user(lab.mtv, LAB_SRC_OVIRT), lab_mtv_password(lab.mtv, LAB_SRC_OVIRT));
    r = call("POST", "/ovirt-engine/sso/oauth/token", NULL, form);
    cr_assert_eq(r.code, 200, "%s", r.body.buf);
    cJSON *tok = cJSON_Parse(r.body.buf);
    char bearer[512];
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s",
             cJSON_GetStringValue(cJSON_GetObjectItem(tok, "access_token")));
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(tok, "token_type")), "Bearer");
    cJSON_Delete(tok);
    sb_release(&r.body);
    r = call("GET", "/ovirt-engine/api/vms?search=name%3Dmtv-win2019-%2A", bearer, NULL);
    cr_assert_eq(r.code, 200);
    cr_assert(strstr(r.body.buf, "<name>mtv-win2019-3disks</name>"));
    cr_assert(strstr(r.body.buf, "<name>mtv-win2019-79</name>"));
    cr_assert_null(strstr(r.body.buf, "<name>mtv-tests-rhel8</name>"), "the search filters");
    sb_release(&r.body);
    r = call("POST", "/ovirt-engine/sso/oauth/token", NULL, "grant_type=password&username=x&password=y");
    cr_assert_eq(r.code, 401);
    sb_release(&r.body);
    r = call("GET", "/ovirt-engine/api/nothing-here", auth_header, NULL);
    cr_assert_eq(r.code, 404);
    cr_assert(strstr(r.body.buf, "<html>"));
    sb_release(&r.body);
    const char *id = vm_id("mtv-tests-rhel9-luks");
    char path[512];
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s", id);
    xmlDocPtr d = get_xml(path);
    char *status = xpath_str(d, "/vm/status");
    cr_assert_str_eq(status, "up");
    xmlFree(status);
    xmlFreeDoc(d);
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s/stop", id);
    r = call("POST", path, auth_header, "<action/>");
    cr_assert_eq(r.code, 200);
    cr_assert(strstr(r.body.buf, "<status>complete</status>"));
    sb_release(&r.body);
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s", id);
    d = get_xml(path);
    status = xpath_str(d, "/vm/status");
    cr_assert_str_eq(status, "down");
    xmlFree(status);
    xmlFreeDoc(d);
    d = get_xml("/ovirt-engine/api");
    char *major = xpath_str(d, "/api/product_info/version/major");
    cr_assert_str_eq(major, "4");
    xmlFree(major);
    xmlFreeDoc(d);
}

Test(lab_ovirt, templates_clone_and_delete)
{
    xmlDocPtr d = get_xml("/ovirt-engine/api/templates?search=name%3Dmtv-tests-rhel8");
    char *name = xpath_str(d, "/templates/template/name");
    cr_assert_str_eq(name, "mtv-tests-rhel8");
    xmlFree(name);
    char *count = xpath_str(d, "count(/templates/template)");
    cr_assert_str_eq(count, "1", "the search filters templates (Blank included)");
    xmlFree(count);
    char *tid = xpath_str(d, "string(/templates/template/@id)");
    char *cluster = xpath_str(d, "string(/templates/template/cluster/@id)");
    cr_assert(tid && *tid && cluster && *cluster);
    xmlFreeDoc(d);
    char path[512];
    snprintf(path, sizeof path, "/ovirt-engine/api/templates/%s/nics", tid);
    d = get_xml(path);
    char *tmac = xpath_str(d, "/nics/nic[1]/mac/address");
    cr_assert(tmac && strlen(tmac) == 17, "the template's NICs: %s", tmac ? tmac : "none");
    xmlFreeDoc(d);

    char body[512];
    snprintf(body, sizeof body, "<vm><name>clone-of-rhel8</name><cluster id=\"%s\"/>"
                                "<template id=\"%s\"/></vm>", cluster, tid);
    reply r = call("POST", "/ovirt-engine/api/vms?clone=true", auth_header, body);
    cr_assert_eq(r.code, 201, "%s", r.body.buf);
    xmlDocPtr made = xmlReadMemory(r.body.buf, (int)r.body.len, "vm.xml", NULL, XML_PARSE_NONET);
    char *cid = xpath_str(made, "string(/vm/@id)");
    char *status = xpath_str(made, "/vm/status");
    cr_assert_str_eq(status, "down");
    cr_assert_str_neq(cid, vm_id("mtv-tests-rhel8"), "a new id");
    xmlFree(status);
    xmlFreeDoc(made);
    sb_release(&r.body);
    r = call("POST", "/ovirt-engine/api/vms?clone=true", auth_header, body);
    cr_assert_eq(r.code, 409, "the name is taken: %s", r.body.buf);
    cr_assert(strstr(r.body.buf, "<fault>") && strstr(r.body.buf, "already in use"), "%s",
              r.body.buf);
    sb_release(&r.body);
    r = call("POST", "/ovirt-engine/api/vms", auth_header,
             "<vm><name>x</name><template id=\"00000000-1111-0000-0000-000000000000\"/></vm>");
    cr_assert_eq(r.code, 404, "an unknown template: %s", r.body.buf);
    sb_release(&r.body);

    d = get_xml("/ovirt-engine/api/vms?search=name%3Dclone-of-rhel8");
    char *found = xpath_str(d, "string(/vms/vm/@id)");
    cr_assert_str_eq(found, cid, "the new VM is found by name");
    xmlFree(found);
    xmlFreeDoc(d);
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s/nics", cid);
    d = get_xml(path);
    char *cmac = xpath_str(d, "/nics/nic[1]/mac/address");
    cr_assert(cmac && strlen(cmac) == 17);
    cr_assert_str_neq(cmac, tmac, "the clone has MACs of its own");
    xmlFree(cmac);
    xmlFreeDoc(d);
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s/diskattachments", cid);
    d = get_xml(path);
    char *disk = xpath_str(d, "string(/disk_attachments/disk_attachment[1]/disk/@id)");
    xmlFreeDoc(d);
    snprintf(path, sizeof path, "/ovirt-engine/api/disks/%s", disk);
    xmlFreeDoc(get_xml(path));

    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s", vm_id("mtv-tests-rhel8"));
    r = call("DELETE", path, auth_header, NULL);
    cr_assert_eq(r.code, 409, "the world's VMs stay: %s", r.body.buf);
    sb_release(&r.body);
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s/start", cid);
    r = call("POST", path, auth_header, "<action/>");
    sb_release(&r.body);
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s", cid);
    r = call("DELETE", path, auth_header, NULL);
    cr_assert_eq(r.code, 409, "a running VM is not removed: %s", r.body.buf);
    sb_release(&r.body);
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s/stop", cid);
    r = call("POST", path, auth_header, "<action/>");
    sb_release(&r.body);
    snprintf(path, sizeof path, "/ovirt-engine/api/vms/%s", cid);
    r = call("DELETE", path, auth_header, NULL);
    cr_assert_eq(r.code, 200, "%s", r.body.buf);
    sb_release(&r.body);
    r = call("GET", path, auth_header, NULL);
    cr_assert_eq(r.code, 404, "gone");
    sb_release(&r.body);
    snprintf(path, sizeof path, "/ovirt-engine/api/disks/%s", disk);
    r = call("GET", path, auth_header, NULL);
    cr_assert_eq(r.code, 404, "its disks went with it");
    sb_release(&r.body);
    xmlFree(disk);
    xmlFree(tmac);
    xmlFree(cid);
    xmlFree(tid);
    xmlFree(cluster);
}
