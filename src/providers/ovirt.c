/*
 * ovirt: the oVirt adapter's REST client and operations (see ovirt.h).
 *
 * Every call is a transport_send with upstream "ovirt"; linked objects read
 * while building a record (disks, storage domains, vNIC profiles, networks)
 * are cached for the life of the provider, since the same few are read for
 * every VM. Status waits poll on the transport's clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/ovirt.h"
#include "providers/pxml.h"
#include "util/codec.h"
#include "util/log.h"

#define OV_CACHE 64

typedef struct ov_cached {
    char *collection, *id;
    xmlDoc *doc;      /* NULL: known to be missing */
} ov_cached;

typedef struct ov_state {
    net_endpoint ep;
    char *api;        /* without trailing '/' */
    char *token;
    ov_cached cache[OV_CACHE];
    size_t ncache;
    mtv_err lookup_err;
    source_provider *p;
} ov_state;

static ov_state *st(source_provider *p)
{
    return p->impl;
}

void ovirt_sso_url(const char *api_url, strbuf *out)
{
    size_t n = strlen(api_url);
    while (n && api_url[n - 1] == '/')
        n--;
    if (n >= 4 && strncmp(api_url + n - 4, "/api", 4) == 0)
        n -= 4;
    sb_add(out, api_url, n);
    sb_adds(out, "/sso/oauth/token");
}

/* ---- requests ------------------------------------------------------------------- */

static void excerpt(strbuf *out, const char *body, size_t n)
{
    size_t k = n < 160 ? n : 160;
    for (size_t i = 0; i < k; i++)
        sb_addc(out, body[i] >= 0x20 && body[i] < 0x7f ? body[i] : ' ');
}

/* An API error as a sentence: the XML <fault> when there is one. */
static int api_error(const char *method, const char *path, const http_response *resp,
                     mtv_err *err)
{
    strbuf why = STRBUF_INIT;
    xmlDoc *doc = NULL;
    mtv_err perr;
    if (resp->body.len && px_parse("fault", resp->body.buf, resp->body.len, &doc, &perr) == 0 &&
        px_is(xmlDocGetRootElement(doc), "fault")) {
        xmlNode *f = xmlDocGetRootElement(doc);
        char *reason = px_get(f, "reason");
        char *detail = px_get(f, "detail");
        sb_addf(&why, "%s%s%s", reason ? reason : "fault", detail ? ": " : "", detail ? detail : "");
        free(reason);
        free(detail);
    } else if (resp->body.len) {
        sb_adds(&why, "the body is not an oVirt fault: ");
        excerpt(&why, resp->body.buf, resp->body.len);
    }
    if (doc)
        xmlFreeDoc(doc);
    const char *hint = resp->status == 401 ? " (the SSO token was refused; check the user name "
                                             "and password, or whether the token expired)"
                       : resp->status == 403 ? " (the user lacks a permission for this)"
                                             : "";
    int rc = mtv_err_set(err, resp->status == 404 ? MTV_EXIT_USAGE : MTV_EXIT_ENV,
                         "oVirt %s %s answered HTTP %ld%s%s%s", method, path, resp->status, hint,
                         why.len ? ": " : "", sb_str(&why));
    sb_release(&why);
    return rc;
}

enum { OV_MAY_MISS = 1 };

/* One API call. 2xx: *doc holds the parsed body (NULL for an empty one).
 * 404 with OV_MAY_MISS: 0 with *doc NULL and *status 404. */
static int ov_call(source_provider *p, const char *method, const char *path, const char *search,
                   const char *body, int flags, xmlDoc **doc, long *status, mtv_err *err)
{
    ov_state *s = st(p);
    *doc = NULL;
    strbuf url = STRBUF_INIT;
    sb_addf(&url, "%s/%s", s->api, path);
    http_request req;
    http_request_init(&req, &s->ep, "ovirt", method, url.buf);
    if (search)
        http_request_query(&req, "search", search);
    http_headers_set(&req.headers, "Accept", "application/xml");
    http_headers_set(&req.headers, "Version", "4");
    if (body)
        http_request_body(&req, "application/xml", body, strlen(body));
    http_response resp = {0};
    int rc = transport_send(p->cfg.t, &req, &resp, err);
    if (rc) {
        mtv_err_prefix(err, "oVirt %s %s", method, url.buf);
    } else {
        if (status)
            *status = resp.status;
        if (resp.status == 404 && (flags & OV_MAY_MISS)) {
            rc = 0;
        } else if (resp.status < 200 || resp.status > 299) {
            rc = api_error(method, path, &resp, err);
        } else if (resp.body.len) {
            strbuf what = STRBUF_INIT;
            sb_addf(&what, "the oVirt answer to %s %s", method, path);
            rc = px_parse(what.buf, resp.body.buf, resp.body.len, doc, err);
            sb_release(&what);
        }
    }
    sb_release(&url);
    http_request_free(&req);
    http_response_free(&resp);
    return rc;
}

static int ov_get(source_provider *p, const char *path, xmlDoc **doc, mtv_err *err)
{
    return ov_call(p, "GET", path, NULL, NULL, 0, doc, NULL, err);
}

/* ---- lookups ------------------------------------------------------------------------ */

static xmlNode *lookup(void *ud, const char *collection, const char *id)
{
    ov_state *s = ud;
    for (size_t i = 0; i < s->ncache; i++)
        if (strcmp(s->cache[i].collection, collection) == 0 && strcmp(s->cache[i].id, id) == 0)
            return s->cache[i].doc ? xmlDocGetRootElement(s->cache[i].doc) : NULL;
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "%s/%s", collection, id);
    xmlDoc *doc = NULL;
    long status = 0;
    mtv_err err;
    if (ov_call(s->p, "GET", path.buf, NULL, NULL, OV_MAY_MISS, &doc, &status, &err)) {
        log_warn("oVirt: reading %s: %s", path.buf, err.msg);
        if (!mtv_err_is_set(&s->lookup_err))
            s->lookup_err = err;
    } else if (status == 404) {
        log_debug("oVirt: %s does not exist", path.buf);
    }
    sb_release(&path);
    if (s->ncache == OV_CACHE) {   /* full: drop the oldest */
        free(s->cache[0].collection);
        free(s->cache[0].id);
        if (s->cache[0].doc)
            xmlFreeDoc(s->cache[0].doc);
        memmove(&s->cache[0], &s->cache[1], sizeof s->cache[0] * (OV_CACHE - 1));
        s->ncache--;
    }
    ov_cached *c = &s->cache[s->ncache++];
    c->collection = strdup(collection);
    c->id = strdup(id);
    c->doc = doc;
    return doc ? xmlDocGetRootElement(doc) : NULL;
}

/* The id of the VM (collection "vms") or template ("templates") named name.
 * *found is 0 (and no error) when there is none. */
static int find_named(source_provider *p, const char *collection, const char *name, strbuf *id,
                      xmlDoc **keep, int *found, mtv_err *err)
{
    strbuf search = STRBUF_INIT;
    sb_addf(&search, "name=%s", name);
    xmlDoc *doc;
    *found = 0;
    int rc = ov_call(p, "GET", collection, search.buf, NULL, 0, &doc, NULL, err);
    sb_release(&search);
    if (rc)
        return -1;
    const char *elem = strcmp(collection, "vms") == 0 ? "vm" : "template";
    for (xmlNode *n = px_child(xmlDocGetRootElement(doc), elem); n; n = px_next(n, elem)) {
        if (px_get_is(n, "name", name)) {
            char *v = px_attr(n, "id");
            sb_adds(id, v ? v : "");
            free(v);
            *found = 1;
            break;
        }
    }
    if (keep && *found)
        *keep = doc;
    else if (doc)
        xmlFreeDoc(doc);
    return 0;
}

static int find_vm(source_provider *p, const char *name, strbuf *id, mtv_err *err)
{
    int found;
    if (find_named(p, "vms", name, id, NULL, &found, err))
        return -1;
    if (!found)
        return mtv_err_set(err, MTV_EXIT_USAGE, "oVirt at %s has no VM named '%s'", p->url, name);
    return 0;
}

/* ---- connect ------------------------------------------------------------------------- */

static int login(source_provider *p, mtv_err *err)
{
    ov_state *s = st(p);
    const char *user = source_entry_str(p, "username");
    const char *pass = source_entry_str(p, "password");
    if (!user || !pass)
        return mtv_err_set(err, MTV_EXIT_USAGE, "oVirt: username and password are needed");
    transport_secret(p->cfg.t, "ovirt.password", pass);
    strbuf url = STRBUF_INIT, form = STRBUF_INIT;
    ovirt_sso_url(s->api, &url);
    sb_adds(&form, "grant_type=password&scope=ovirt-app-api&username=");
    url_encode(&form, user, strlen(user), 1);
    sb_adds(&form, "&password=");
    url_encode(&form, pass, strlen(pass), 1);
    net_endpoint ep = s->ep;
    ep.auth = NET_AUTH_NONE;
    http_request req;
    http_request_init(&req, &ep, "ovirt", "POST", url.buf);
    http_request_body(&req, "application/x-www-form-urlencoded", form.buf, form.len);
    http_headers_set(&req.headers, "Accept", "application/json");
    req.retry_safe = 1;
    http_response resp = {0};
    int rc = transport_send(p->cfg.t, &req, &resp, err);
    cJSON *j = NULL;
    if (rc) {
        mtv_err_prefix(err, "oVirt SSO login at %s", url.buf);
    } else {
        j = cJSON_ParseWithLength(resp.body.buf ? resp.body.buf : "", resp.body.len);
        const char *token = cJSON_GetStringValue(cJSON_GetObjectItem(j, "access_token"));
        const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(j, "error_description"));
        if (!why)
            why = cJSON_GetStringValue(cJSON_GetObjectItem(j, "error"));
        if (resp.status == 200 && token && *token) {
            s->token = strdup(token);
            transport_secret(p->cfg.t, "ovirt.token", token);
        } else if (resp.status == 200) {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "oVirt SSO login at %s answered without an "
                                                "access_token; is api_url an oVirt engine?",
                             url.buf);
        } else {
            strbuf ex = STRBUF_INIT;
            if (!why)
                excerpt(&ex, sb_str(&resp.body), resp.body.len);
            rc = mtv_err_set(err, resp.status == 400 || resp.status == 401 ? MTV_EXIT_USAGE
                                                                           : MTV_EXIT_ENV,
                             "oVirt SSO login as '%s' at %s was refused (HTTP %ld): %s", user,
                             url.buf, resp.status, why ? why : sb_str(&ex));
            sb_release(&ex);
        }
    }
    cJSON_Delete(j);
    http_request_free(&req);
    http_response_free(&resp);
    sb_release(&url);
    sb_release(&form);
    if (rc == 0) {
        s->ep.auth = NET_AUTH_BEARER;
        s->ep.token = s->token;
    }
    return rc;
}

static int check_datacenter(source_provider *p, mtv_err *err)
{
    const char *name = p->cfg.ovirt_datacenter ? p->cfg.ovirt_datacenter : "MTV-CNV";
    strbuf search = STRBUF_INIT;
    sb_addf(&search, "name=%s", name);
    xmlDoc *doc;
    int rc = ov_call(p, "GET", "datacenters", search.buf, NULL, 0, &doc, NULL, err);
    sb_release(&search);
    if (rc)
        return -1;
    xmlNode *dc = NULL;
    for (xmlNode *n = px_child(xmlDocGetRootElement(doc), "data_center"); n && !dc;
         n = px_next(n, "data_center"))
        if (px_get_is(n, "name", name))
            dc = n;
    char *status = dc ? px_get(dc, "status") : NULL;
    if (!dc)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "oVirt at %s has no data center named '%s', which "
                                            "MTV migrations from oVirt need (as upstream "
                                            "mtv-api-tests requires)", p->url, name);
    else if (!status || strcmp(status, "up") != 0)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "oVirt data center '%s' is %s, not up", name,
                         status ? status : "in no known state");
    free(status);
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}

static int ov_open(source_provider *p, mtv_err *err)
{
    ov_state *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    p->impl = s;
    s->p = p;
    net_endpoint_init(&s->ep);
    s->ep.tls = p->tls;
    size_t n = strlen(p->url);
    while (n && p->url[n - 1] == '/')
        n--;
    s->api = strndup(p->url, n);
    if (!n)
        return mtv_err_set(err, MTV_EXIT_USAGE, "oVirt: no api_url given");
    if (login(p, err))
        return -1;
    xmlDoc *root;
    if (ov_get(p, "", &root, err))
        return -1;
    char *version = px_get(xmlDocGetRootElement(root), "product_info/version/full_version");
    log_debug("oVirt: connected to %s (%s)", s->api, version ? version : "version unknown");
    free(version);
    if (root)
        xmlFreeDoc(root);
    return check_datacenter(p, err);
}

static void ov_close(source_provider *p)
{
    ov_state *s = st(p);
    if (!s)
        return;
    for (size_t i = 0; i < s->ncache; i++) {
        free(s->cache[i].collection);
        free(s->cache[i].id);
        if (s->cache[i].doc)
            xmlFreeDoc(s->cache[i].doc);
    }
    free(s->api);
    free(s->token);
    free(s);
    p->impl = NULL;
}

/* ---- operations ------------------------------------------------------------------------ */

static int read_vm(source_provider *p, const char *id, vm_record *out, mtv_err *err)
{
    ov_state *s = st(p);
    static const char *const subs[] = {"nics", "diskattachments", "snapshots"};
    xmlDoc *docs[4] = {NULL, NULL, NULL, NULL};
    strbuf path = STRBUF_INIT;
    int rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++) {
        sb_reset(&path);
        sb_addf(&path, "vms/%s%s%s", id, i ? "/" : "", i ? subs[i - 1] : "");
        rc = ov_get(p, path.buf, &docs[i], err);
    }
    sb_release(&path);
    if (rc == 0) {
        mtv_err_clear(&s->lookup_err);
        ovirt_record_from(xmlDocGetRootElement(docs[0]), xmlDocGetRootElement(docs[1]),
                          xmlDocGetRootElement(docs[2]), xmlDocGetRootElement(docs[3]), lookup,
                          s, out);
        if (mtv_err_is_set(&s->lookup_err)) {   /* a linked object could not be read */
            *err = s->lookup_err;
            rc = -1;
        }
    }
    for (int i = 0; i < 4; i++)
        if (docs[i])
            xmlFreeDoc(docs[i]);
    return rc;
}

static int ov_vm_info(source_provider *p, const char *vm, vm_record *out, mtv_err *err)
{
    strbuf id = STRBUF_INIT;
    int rc = find_vm(p, vm, &id, err);
    if (rc == 0)
        rc = read_vm(p, id.buf, out, err);
    sb_release(&id);
    return rc;
}

/* The VM's status, or NULL (and *gone = 1) when it no longer exists. */
static char *vm_status(source_provider *p, const char *id, int *gone, xmlDoc **keep,
                       mtv_err *err)
{
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "vms/%s", id);
    xmlDoc *doc;
    long status = 0;
    *gone = 0;
    int rc = ov_call(p, "GET", path.buf, NULL, NULL, OV_MAY_MISS, &doc, &status, err);
    sb_release(&path);
    if (rc)
        return NULL;
    if (status == 404 || !doc) {
        *gone = 1;
        return NULL;
    }
    char *s = px_get(xmlDocGetRootElement(doc), "status");
    if (keep)
        *keep = doc;
    else
        xmlFreeDoc(doc);
    if (!s)
        mtv_err_set(err, MTV_EXIT_ENV, "oVirt VM %s reports no status", id);
    return s;
}

/* Polls until the VM's status is want (or, with want NULL, until it is gone). */
static int wait_status(source_provider *p, const char *id, const char *label, const char *want,
                       int64_t timeout_ms, mtv_err *err)
{
    mtv_clock *clk = transport_clock(p->cfg.t);
    clock_deadline dl = clock_deadline_in(clk, timeout_ms > 0 ? timeout_ms : 600000);
    for (;;) {
        int gone;
        char *s = vm_status(p, id, &gone, NULL, err);
        if (!s && !gone)
            return -1;
        if (want ? s && strcmp(s, want) == 0 : gone) {
            free(s);
            return 0;
        }
        if (!want && !s) {
            return 0;
        }
        if (want && gone)
            return mtv_err_set(err, MTV_EXIT_ENV, "VM %s disappeared while waiting for it to be %s",
                               label, want);
        if (clock_deadline_passed(clk, dl)) {
            int rc = mtv_err_set(err, MTV_EXIT_ENV, "VM %s is still %s after %lld s (waiting for "
                                                    "%s)", label, s, (long long)(timeout_ms / 1000),
                                 want ? want : "it to be removed");
            free(s);
            return rc;
        }
        free(s);
        if (source_poll_sleep(p, p->cfg.poll_ms, "waiting for a VM's status", err))
            return -1;
    }
}

static int action(source_provider *p, const char *id, const char *verb, mtv_err *err)
{
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "vms/%s/%s", id, verb);
    xmlDoc *doc;
    int rc = ov_call(p, "POST", path.buf, NULL, "<action/>", 0, &doc, NULL, err);
    if (doc)
        xmlFreeDoc(doc);
    sb_release(&path);
    return rc;
}

static int power_id(source_provider *p, const char *id, const char *label, enum vm_power want,
                    int64_t timeout_ms, mtv_err *err)
{
    int gone;
    char *now = vm_status(p, id, &gone, NULL, err);
    if (!now)
        return gone ? mtv_err_set(err, MTV_EXIT_USAGE, "VM %s does not exist", label) : -1;
    const char *target = want == VM_POWER_ON ? "up" : "down";
    int rc = 0;
    if (strcmp(now, target) != 0)
        rc = action(p, id, want == VM_POWER_ON ? "start" : "shutdown", err);
    free(now);
    return rc ? rc : wait_status(p, id, label, target, timeout_ms, err);
}

static int ov_power(source_provider *p, const char *vm, enum vm_power want, int64_t timeout_ms,
                    mtv_err *err)
{
    strbuf id = STRBUF_INIT;
    int rc = find_vm(p, vm, &id, err);
    if (rc == 0)
        rc = power_id(p, id.buf, vm, want, timeout_ms, err);
    sb_release(&id);
    return rc;
}

static int ov_wait_guest(source_provider *p, const char *vm, int64_t timeout_ms, mtv_err *err)
{
    strbuf id = STRBUF_INIT;
    int rc = find_vm(p, vm, &id, err);
    mtv_clock *clk = transport_clock(p->cfg.t);
    clock_deadline dl = clock_deadline_in(clk, timeout_ms > 0 ? timeout_ms : 600000);
    while (rc == 0) {
        int gone;
        xmlDoc *doc = NULL;
        char *s = vm_status(p, id.buf, &gone, &doc, err);
        if (!s) {
            rc = gone ? mtv_err_set(err, MTV_EXIT_ENV, "the VM disappeared") : -1;
            break;
        }
        xmlNode *v = xmlDocGetRootElement(doc);
        int ready = strcmp(s, "up") == 0 &&
                    (px_child(v, "guest_operating_system") || px_child(v, "fqdn"));
        int down = strcmp(s, "down") == 0;
        if (!ready && down)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "the VM is down, so its guest agent reports "
                                                "nothing; power it on first");
        else if (!ready && clock_deadline_passed(clk, dl))
            rc = mtv_err_set(err, MTV_EXIT_ENV, "no guest agent report after %lld s (status %s)",
                             (long long)(timeout_ms / 1000), s);
        free(s);
        xmlFreeDoc(doc);
        if (ready || rc)
            break;
        rc = source_poll_sleep(p, p->cfg.poll_ms, "waiting for the guest agent", err);
    }
    sb_release(&id);
    return rc;
}

static int ov_clone(source_provider *p, const char *source, const char *clone_name,
                    const clone_options *o, strbuf *out_id, mtv_err *err)
{
    strbuf tid = STRBUF_INIT, body = STRBUF_INIT, id = STRBUF_INIT;
    xmlDoc *tdoc = NULL, *doc = NULL;
    int found;
    int rc = find_named(p, "templates", source, &tid, &tdoc, &found, err);
    if (rc == 0 && !found)
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "oVirt at %s has no template named '%s' (oVirt "
                                              "sources are cloned from templates)", p->url, source);
    if (rc == 0) {
        char *cluster = NULL;
        for (xmlNode *n = px_child(xmlDocGetRootElement(tdoc), "template"); n && !cluster;
             n = px_next(n, "template"))
            if (px_get_is(n, "name", source))
                cluster = px_attr(px_child(n, "cluster"), "id");
        sb_adds(&body, "<vm>");
        px_elem(&body, "name", clone_name);
        if (o->cluster) {
            sb_adds(&body, "<cluster>");
            px_elem(&body, "name", o->cluster);
            sb_adds(&body, "</cluster>");
        } else if (cluster) {
            sb_adds(&body, "<cluster id=\"");
            px_escape(&body, cluster);
            sb_adds(&body, "\"/>");
        } else {
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "template '%s' names no cluster; give the "
                                                  "clone's cluster", source);
        }
        sb_adds(&body, "<template id=\"");
        px_escape(&body, tid.buf);
        sb_adds(&body, "\"/></vm>");
        free(cluster);
    }
    if (rc == 0) {
        strbuf path = STRBUF_INIT;
        sb_adds(&path, "vms?clone=true");
        rc = ov_call(p, "POST", path.buf, NULL, body.buf, 0, &doc, NULL, err);
        sb_release(&path);
    }
    if (rc == 0) {
        char *v = px_attr(xmlDocGetRootElement(doc), "id");
        if (v && *v) {
            sb_adds(&id, v);
            source_report_created(p, SOURCE_KIND_VM, v, clone_name);
            if (out_id)
                sb_adds(out_id, v);
        } else {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "oVirt accepted the clone but named no VM id");
        }
        free(v);
    }
    if (rc == 0)
        rc = wait_status(p, id.buf, clone_name, "down", 1200000, err);
    if (tdoc)
        xmlFreeDoc(tdoc);
    if (doc)
        xmlFreeDoc(doc);
    sb_release(&tid);
    sb_release(&body);
    sb_release(&id);
    return rc;
}

static int ov_snapshot_create(source_provider *p, const char *vm, const char *name,
                              const char *description, strbuf *out_id, mtv_err *err)
{
    (void)description;   /* oVirt snapshots have only a description: the name */
    strbuf id = STRBUF_INIT, body = STRBUF_INIT, path = STRBUF_INIT;
    xmlDoc *doc = NULL;
    int rc = find_vm(p, vm, &id, err);
    if (rc == 0) {
        sb_adds(&body, "<snapshot>");
        px_elem(&body, "description", name);
        sb_adds(&body, "<persist_memorystate>false</persist_memorystate></snapshot>");
        sb_addf(&path, "vms/%s/snapshots", id.buf);
        rc = ov_call(p, "POST", path.buf, NULL, body.buf, 0, &doc, NULL, err);
    }
    char *sid = rc == 0 ? px_attr(xmlDocGetRootElement(doc), "id") : NULL;
    if (rc == 0 && !sid)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "oVirt accepted the snapshot but named no id");
    if (rc == 0) {
        strbuf ref = STRBUF_INIT;
        sb_addf(&ref, "%s/%s", id.buf, sid);
        source_report_created(p, SOURCE_KIND_SNAPSHOT, ref.buf, name);
        if (out_id)
            sb_adds(out_id, ref.buf);
        /* wait until it is no longer locked */
        mtv_clock *clk = transport_clock(p->cfg.t);
        clock_deadline dl = clock_deadline_in(clk, 600000);
        sb_reset(&path);
        sb_addf(&path, "vms/%s/snapshots/%s", id.buf, sid);
        for (;;) {
            xmlDoc *sd;
            if ((rc = ov_get(p, path.buf, &sd, err)))
                break;
            char *status = px_get(xmlDocGetRootElement(sd), "snapshot_status");
            int ok = status && strcmp(status, "ok") == 0;
            xmlFreeDoc(sd);
            if (ok) {
                free(status);
                break;
            }
            if (clock_deadline_passed(clk, dl)) {
                rc = mtv_err_set(err, MTV_EXIT_ENV, "snapshot %s is still %s after 600 s", ref.buf,
                                 status ? status : "in no known state");
                free(status);
                break;
            }
            free(status);
            if ((rc = source_poll_sleep(p, p->cfg.poll_ms, "waiting for the snapshot", err)))
                break;
        }
        sb_release(&ref);
    }
    free(sid);
    if (doc)
        xmlFreeDoc(doc);
    sb_release(&id);
    sb_release(&body);
    sb_release(&path);
    return rc;
}

static int ov_remove(source_provider *p, const char *kind, const char *id, const char *name,
                     mtv_err *err)
{
    const char *label = name ? name : id;
    strbuf path = STRBUF_INIT;
    xmlDoc *doc = NULL;
    long status = 0;
    int rc;
    if (strcmp(kind, SOURCE_KIND_VM) == 0) {
        int gone;
        char *s = vm_status(p, id, &gone, NULL, err);
        if (!s) {
            sb_release(&path);
            if (gone)
                log_info("%s: VM %s is already gone", p->cfg.entry->key, label);
            return gone ? 0 : -1;
        }
        rc = 0;
        if (strcmp(s, "down") != 0) {   /* upstream stops (not shuts down) before removing */
            rc = action(p, id, "stop", err);
            if (rc == 0)
                rc = wait_status(p, id, label, "down", 600000, err);
        }
        free(s);
        sb_addf(&path, "vms/%s", id);
        if (rc == 0)
            rc = ov_call(p, "DELETE", path.buf, NULL, NULL, OV_MAY_MISS, &doc, &status, err);
        if (rc == 0 && status != 404)
            rc = wait_status(p, id, label, NULL, 600000, err);
    } else if (strcmp(kind, SOURCE_KIND_SNAPSHOT) == 0) {
        if (!strchr(id, '/')) {
            sb_release(&path);
            return mtv_err_set(err, MTV_EXIT_USAGE, "an oVirt snapshot id is VM_ID/SNAPSHOT_ID, "
                                                    "not '%s'", id);
        }
        sb_addf(&path, "vms/%.*s/snapshots/%s", (int)(strchr(id, '/') - id), id,
                strchr(id, '/') + 1);
        rc = ov_call(p, "DELETE", path.buf, NULL, NULL, OV_MAY_MISS, &doc, &status, err);
        if (rc == 0 && status == 404)
            log_info("%s: snapshot %s is already gone", p->cfg.entry->key, label);
    } else {
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "oVirt objects of kind '%s' cannot be deleted (vm "
                                              "and snapshot can)", kind);
    }
    if (doc)
        xmlFreeDoc(doc);
    sb_release(&path);
    return rc;
}

static int ov_networks(source_provider *p, const char *vm, source_network **out, size_t *n,
                       mtv_err *err)
{
    ov_state *s = st(p);
    strbuf id = STRBUF_INIT, path = STRBUF_INIT;
    int found;
    const char *collection = "vms";
    int rc = find_named(p, "vms", vm, &id, NULL, &found, err);
    if (rc == 0 && !found) {   /* before cloning, the source is a template */
        collection = "templates";
        rc = find_named(p, "templates", vm, &id, NULL, &found, err);
        if (rc == 0 && !found)
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "oVirt at %s has no VM or template named '%s'",
                             p->url, vm);
    }
    xmlDoc *doc = NULL;
    if (rc == 0) {
        sb_addf(&path, "%s/%s/nics", collection, id.buf);
        rc = ov_get(p, path.buf, &doc, err);
    }
    if (rc == 0) {
        vm_record r;
        vm_record_init(&r);
        ovirt_record_from(NULL, xmlDocGetRootElement(doc), NULL, NULL, lookup, s, &r);
        source_network *nets = calloc(r.nnics + 1, sizeof *nets);
        size_t k = 0;
        for (size_t i = 0; nets && i < r.nnics; i++) {
            int dup = !r.nics[i].network_name;
            for (size_t j = 0; j < k && !dup; j++)
                dup = strcmp(nets[j].name, r.nics[i].network_name) == 0;
            if (dup)
                continue;
            vr_set(&nets[k].name, r.nics[i].network_name);
            vr_set(&nets[k].id, r.nics[i].network_id);
            k++;
        }
        *out = nets;
        *n = k;
        vm_record_free(&r);
    }
    if (doc)
        xmlFreeDoc(doc);
    sb_release(&id);
    sb_release(&path);
    return rc;
}

int ovirt_vm_event_count(source_provider *p, const char *vm, int code, size_t *count,
                         mtv_err *err)
{
    *count = 0;
    if (p->type != PROVIDER_OVIRT)
        return mtv_err_set(err, MTV_EXIT_USAGE, "provider '%s' is not an oVirt provider",
                           p->cfg.entry->key);
    strbuf id = STRBUF_INIT, search = STRBUF_INIT;
    int rc = find_vm(p, vm, &id, err);
    xmlDoc *doc = NULL;
    if (rc == 0) {
        sb_addf(&search, "Vms.id = %s", id.buf);
        rc = ov_call(p, "GET", "events", search.buf, NULL, 0, &doc, NULL, err);
    }
    for (xmlNode *e = doc ? px_child(xmlDocGetRootElement(doc), "event") : NULL; e;
         e = px_next(e, "event"))
        if (px_get_ll(e, "code", -1) == code)
            (*count)++;
    if (doc)
        xmlFreeDoc(doc);
    sb_release(&id);
    sb_release(&search);
    return rc;
}

const source_ops ovirt_source_ops = {
    .type = "ovirt",
    .open = ov_open,
    .close = ov_close,
    .vm_info = ov_vm_info,
    .clone = ov_clone,
    .power = ov_power,
    .wait_guest = ov_wait_guest,
    .snapshot_create = ov_snapshot_create,
    .remove = ov_remove,
    .networks = ov_networks,
};
