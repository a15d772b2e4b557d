/*
 * openstack: the OpenStack adapter's REST client and operations (see
 * openstack.h). Every call is a transport_send with upstream "openstack" and
 * the token in X-Auth-Token; linked objects read for records (networks,
 * subnets, volumes, images) are cached for the provider's life.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "providers/openstack.h"
#include "util/log.h"

#define OS_CACHE 128

enum os_service { OS_COMPUTE, OS_NETWORK, OS_VOLUME, OS_IMAGE, OS_SERVICES };
static const char *const SERVICE_NAMES[OS_SERVICES] = {"compute", "network", "volume", "image"};

typedef struct os_cached {
    char *kind, *id;
    cJSON *doc;       /* the whole answer; NULL when missing */
    const cJSON *obj;
} os_cached;

typedef struct os_state {
    net_endpoint ep;
    char *token;
    char *url[OS_SERVICES];
    os_cached cache[OS_CACHE];
    size_t ncache;
    source_provider *p;
} os_state;

static os_state *st(source_provider *p)
{
    return p->impl;
}

static const char *str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* ---- requests -------------------------------------------------------------------------- */

enum { OS_MAY_MISS = 1 };

static void excerpt(strbuf *out, const char *body, size_t n)
{
    size_t k = n < 160 ? n : 160;
    for (size_t i = 0; i < k; i++)
        sb_addc(out, body[i] >= 0x20 && body[i] < 0x7f ? body[i] : ' ');
}

/* One call to a service. 2xx: *out holds the JSON body (NULL when empty).
 * 404 with OS_MAY_MISS: 0 with *out NULL. *status and the Location header
 * (location, may be NULL) are filled when a response came. */
static int os_call(source_provider *p, enum os_service svc, const char *method, const char *path,
                   const cJSON *body, int flags, cJSON **out, long *status, strbuf *location,
                   mtv_err *err)
{
    os_state *s = st(p);
    *out = NULL;
    strbuf url = STRBUF_INIT;
    sb_addf(&url, "%s%s", s->url[svc], path);
    http_request req;
    http_request_init(&req, &s->ep, "openstack", method, url.buf);
    http_headers_set(&req.headers, "Accept", "application/json");
    if (s->token)
        http_headers_set(&req.headers, "X-Auth-Token", s->token);
    if (body) {
        char *text = cJSON_PrintUnformatted(body);
        http_request_body(&req, "application/json", text, strlen(text));
        free(text);
    }
    http_response resp = {0};
    int rc = transport_send(p->cfg.t, &req, &resp, err);
    if (rc) {
        mtv_err_prefix(err, "OpenStack %s %s %s", SERVICE_NAMES[svc], method, url.buf);
    } else {
        if (status)
            *status = resp.status;
        if (location) {
            const char *loc = http_headers_get(&resp.headers, "Location");
            sb_adds(location, loc ? loc : "");
        }
        if (resp.status == 404 && (flags & OS_MAY_MISS)) {
            rc = 0;
        } else if (resp.status < 200 || resp.status > 299) {
            strbuf why = STRBUF_INIT;
            if (openstack_error_text(resp.body.buf, resp.body.len, &why) != 0)
                excerpt(&why, sb_str(&resp.body), resp.body.len);
            rc = mtv_err_set(err, resp.status == 404 ? MTV_EXIT_USAGE : MTV_EXIT_ENV,
                             "OpenStack %s %s %s answered HTTP %ld%s%s%s", SERVICE_NAMES[svc],
                             method, path, resp.status,
                             resp.status == 401 ? " (the token was refused or expired)" : "",
                             why.len ? ": " : "", sb_str(&why));
            sb_release(&why);
        } else if (resp.body.len) {
            *out = cJSON_ParseWithLength(resp.body.buf, resp.body.len);
            if (!*out)
                rc = mtv_err_set(err, MTV_EXIT_ENV,
                                 "OpenStack %s %s %s: the answer is not valid JSON (%zu bytes; "
                                 "truncated?)", SERVICE_NAMES[svc], method, path, resp.body.len);
        }
    }
    sb_release(&url);
    http_request_free(&req);
    http_response_free(&resp);
    return rc;
}

/* ---- linked objects ------------------------------------------------------------------------ */

static const cJSON *lookup(void *ud, const char *kind, const char *id)
{
    os_state *s = ud;
    for (size_t i = 0; i < s->ncache; i++)
        if (strcmp(s->cache[i].kind, kind) == 0 && strcmp(s->cache[i].id, id) == 0)
            return s->cache[i].obj;
    enum os_service svc;
    const char *key;
    strbuf path = STRBUF_INIT;
    if (strcmp(kind, "networks") == 0 || strcmp(kind, "subnets") == 0) {
        svc = OS_NETWORK;
        sb_addf(&path, "/v2.0/%s/%s", kind, id);
        key = strcmp(kind, "networks") == 0 ? "network" : "subnet";
    } else if (strcmp(kind, "volumes") == 0) {
        svc = OS_VOLUME;
        sb_addf(&path, "/volumes/%s", id);
        key = "volume";
    } else if (strcmp(kind, "volume_snapshots") == 0) {
        svc = OS_VOLUME;
        sb_addf(&path, "/snapshots/detail?volume_id=%s", id);
        key = "snapshots";
    } else if (strcmp(kind, "images") == 0) {
        svc = OS_IMAGE;
        sb_addf(&path, "/v2/images/%s", id);
        key = NULL;   /* Glance v2 answers the image itself */
    } else {
        sb_release(&path);
        return NULL;
    }
    cJSON *doc = NULL;
    long status = 0;
    mtv_err err;
    if (os_call(s->p, svc, "GET", path.buf, NULL, OS_MAY_MISS, &doc, &status, NULL, &err))
        log_warn("OpenStack: reading %s %s: %s", kind, id, err.msg);
    sb_release(&path);
    if (s->ncache == OS_CACHE) {
        free(s->cache[0].kind);
        free(s->cache[0].id);
        cJSON_Delete(s->cache[0].doc);
        memmove(&s->cache[0], &s->cache[1], sizeof s->cache[0] * (OS_CACHE - 1));
        s->ncache--;
    }
    os_cached *c = &s->cache[s->ncache++];
    c->kind = strdup(kind);
    c->id = strdup(id);
    c->doc = doc;
    c->obj = key ? cJSON_GetObjectItemCaseSensitive(doc, key) : doc;
    return c->obj;
}

static void forget(os_state *s)
{
    for (size_t i = 0; i < s->ncache; i++) {
        free(s->cache[i].kind);
        free(s->cache[i].id);
        cJSON_Delete(s->cache[i].doc);
    }
    s->ncache = 0;
}

/* ---- connect -------------------------------------------------------------------------------- */

static const char *override_for(const source_provider *p, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; p->cfg.service_urls && p->cfg.service_urls[i]; i++)
        if (strncmp(p->cfg.service_urls[i], name, n) == 0 && p->cfg.service_urls[i][n] == '=')
            return p->cfg.service_urls[i] + n + 1;
    return NULL;
}

static int pick_endpoints(source_provider *p, const cJSON *body, mtv_err *err)
{
    os_state *s = st(p);
    static const char *const types[OS_SERVICES][5] = {
        {"compute", NULL},
        {"network", NULL},
        {"volumev3", "block-storage", "volumev2", "volume", NULL},
        {"image", NULL},
    };
    const char *region = source_entry_str(p, "region_name");
    for (int i = 0; i < OS_SERVICES; i++) {
        const char *o = override_for(p, SERVICE_NAMES[i]);
        strbuf u = STRBUF_INIT;
        if (o) {
            sb_adds(&u, o);
        } else if (openstack_catalog_url(body, types[i], "public", region, &u) != 0) {
            sb_release(&u);
            return mtv_err_set(err, MTV_EXIT_ENV,
                               "OpenStack: the service catalog has no public %s endpoint in "
                               "region '%s'; check region_name, or give the URL (%s=URL)",
                               SERVICE_NAMES[i], region ? region : "(any)", SERVICE_NAMES[i]);
        }
        while (u.len && u.buf[u.len - 1] == '/')
            sb_setlen(&u, u.len - 1);
        s->url[i] = sb_detach(&u, NULL);
    }
    return 0;
}

static void add_domain(cJSON *parent, const char *id, const char *name)
{
    cJSON *d = cJSON_AddObjectToObject(parent, "domain");
    if (id)
        cJSON_AddStringToObject(d, "id", id);
    else if (name)
        cJSON_AddStringToObject(d, "name", name);
}

static int authenticate(source_provider *p, mtv_err *err)
{
    os_state *s = st(p);
    const char *user = source_entry_str(p, "username");
    const char *pass = source_entry_str(p, "password");
    const char *project = source_entry_str(p, "project_name");
    if (!user || !pass || !project)
        return mtv_err_set(err, MTV_EXIT_USAGE, "OpenStack: username, password and project_name "
                                                "are needed");
    transport_secret(p->cfg.t, "openstack.password", pass);
    cJSON *body = cJSON_CreateObject();
    cJSON *auth = cJSON_AddObjectToObject(body, "auth");
    cJSON *identity = cJSON_AddObjectToObject(auth, "identity");
    cJSON *methods = cJSON_AddArrayToObject(identity, "methods");
    cJSON_AddItemToArray(methods, cJSON_CreateString("password"));
    cJSON *u = cJSON_AddObjectToObject(cJSON_AddObjectToObject(identity, "password"), "user");
    cJSON_AddStringToObject(u, "name", user);
    const char *udn = source_entry_str(p, "user_domain_name");
    add_domain(u, udn ? NULL : source_entry_str(p, "user_domain_id"), udn);
    cJSON_AddStringToObject(u, "password", pass);
    cJSON *proj = cJSON_AddObjectToObject(cJSON_AddObjectToObject(auth, "scope"), "project");
    cJSON_AddStringToObject(proj, "name", project);
    add_domain(proj, source_entry_str(p, "project_domain_id"), udn);

    strbuf url = STRBUF_INIT;
    size_t n = strlen(p->url);
    while (n && p->url[n - 1] == '/')
        n--;
    sb_add(&url, p->url, n);
    if (n < 3 || strncmp(p->url + n - 3, "/v3", 3) != 0)
        sb_adds(&url, "/v3");
    sb_adds(&url, "/auth/tokens");
    http_request req;
    http_request_init(&req, &s->ep, "openstack", "POST", url.buf);
    char *text = cJSON_PrintUnformatted(body);
    http_request_body(&req, "application/json", text, strlen(text));
    free(text);
    cJSON_Delete(body);
    req.retry_safe = 1;
    http_response resp = {0};
    int rc = transport_send(p->cfg.t, &req, &resp, err);
    cJSON *tok = NULL;
    if (rc) {
        mtv_err_prefix(err, "Keystone at %s", url.buf);
    } else if (resp.status != 201 && resp.status != 200) {
        strbuf why = STRBUF_INIT;
        if (openstack_error_text(resp.body.buf, resp.body.len, &why) != 0)
            excerpt(&why, sb_str(&resp.body), resp.body.len);
        rc = mtv_err_set(err, resp.status == 401 ? MTV_EXIT_USAGE : MTV_EXIT_ENV,
                         "Keystone at %s refused user '%s' for project '%s' (HTTP %ld): %s",
                         url.buf, user, project, resp.status, why.buf ? why.buf : "");
        sb_release(&why);
    } else {
        const char *token = http_headers_get(&resp.headers, "X-Subject-Token");
        tok = cJSON_ParseWithLength(resp.body.buf ? resp.body.buf : "", resp.body.len);
        if (!token || !*token || !tok)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "Keystone at %s answered without a token "
                                                "(X-Subject-Token) or catalog", url.buf);
        else {
            s->token = strdup(token);
            transport_secret(p->cfg.t, "openstack.token", token);
            rc = pick_endpoints(p, tok, err);
        }
    }
    cJSON_Delete(tok);
    http_request_free(&req);
    http_response_free(&resp);
    sb_release(&url);
    return rc;
}

static int os_open(source_provider *p, mtv_err *err)
{
    os_state *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    p->impl = s;
    s->p = p;
    net_endpoint_init(&s->ep);
    s->ep.tls = p->tls;
    if (!*p->url)
        return mtv_err_set(err, MTV_EXIT_USAGE, "OpenStack: no api_url (the Keystone URL) given");
    return authenticate(p, err);
}

static void os_close(source_provider *p)
{
    os_state *s = st(p);
    if (!s)
        return;
    forget(s);
    for (int i = 0; i < OS_SERVICES; i++)
        free(s->url[i]);
    free(s->token);
    free(s);
    p->impl = NULL;
}

/* ---- servers ------------------------------------------------------------------------------- */

/* The server named name (a copy of its object), or NULL with an error. */
static cJSON *find_server(source_provider *p, const char *name, mtv_err *err)
{
    strbuf path = STRBUF_INIT, q = STRBUF_INIT;
    /* Nova's name filter is a regular expression, searched: escaped but not
     * anchored (some Nova-alikes match substrings only), then the exact name
     * is picked below */
    for (const char *c = name; *c; c++) {
        if (strchr(".^$*+?()[]{}|\\", *c))
            sb_addc(&q, '\\');
        sb_addc(&q, *c);
    }
    http_request tmp;
    http_request_init(&tmp, NULL, "openstack", "GET", "x:///servers/detail");
    http_request_query(&tmp, "name", q.buf);
    sb_adds(&path, strstr(tmp.url.buf, "/servers/detail"));
    http_request_free(&tmp);
    cJSON *doc;
    cJSON *found = NULL;
    if (os_call(p, OS_COMPUTE, "GET", path.buf, NULL, 0, &doc, NULL, NULL, err) == 0) {
        const cJSON *sv;
        cJSON_ArrayForEach(sv, cJSON_GetObjectItemCaseSensitive(doc, "servers"))
            if (!found && str(sv, "name") && strcmp(str(sv, "name"), name) == 0)
                found = cJSON_Duplicate(sv, 1);
        if (!found)
            mtv_err_set(err, MTV_EXIT_USAGE, "OpenStack project '%s' has no server named '%s'",
                        source_entry_str(p, "project_name"), name);
        cJSON_Delete(doc);
    }
    sb_release(&path);
    sb_release(&q);
    return found;
}

static cJSON *get_server(source_provider *p, const char *id, long *status, mtv_err *err)
{
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/servers/%s", id);
    cJSON *doc = NULL;
    int rc = os_call(p, OS_COMPUTE, "GET", path.buf, NULL, OS_MAY_MISS, &doc, status, NULL, err);
    sb_release(&path);
    return rc ? NULL : doc;
}

/* The flavor object of a server: embedded (microversion 2.47+) or read. */
static cJSON *flavor_of(source_provider *p, const cJSON *server, mtv_err *err)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(server, "flavor");
    if (cJSON_GetObjectItemCaseSensitive(f, "vcpus"))
        return cJSON_Duplicate(f, 1);
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/flavors/%s", str(f, "id") ? str(f, "id") : "");
    cJSON *doc = NULL, *out = NULL;
    if (os_call(p, OS_COMPUTE, "GET", path.buf, NULL, 0, &doc, NULL, NULL, err) == 0) {
        out = cJSON_DetachItemFromObjectCaseSensitive(doc, "flavor");
        if (!out)
            mtv_err_set(err, MTV_EXIT_ENV, "OpenStack GET %s: no flavor in the answer", path.buf);
    }
    cJSON_Delete(doc);
    sb_release(&path);
    return out;
}

static cJSON *ports_of(source_provider *p, const char *server_id, mtv_err *err)
{
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/v2.0/ports?device_id=%s", server_id);
    cJSON *doc = NULL, *out = NULL;
    if (os_call(p, OS_NETWORK, "GET", path.buf, NULL, 0, &doc, NULL, NULL, err) == 0)
        out = cJSON_DetachItemFromObjectCaseSensitive(doc, "ports");
    cJSON_Delete(doc);
    sb_release(&path);
    return out ? out : (mtv_err_is_set(err) ? NULL : cJSON_CreateArray());
}

static int os_vm_info(source_provider *p, const char *vm, vm_record *out, mtv_err *err)
{
    mtv_err_clear(err);
    cJSON *server = find_server(p, vm, err);
    if (!server)
        return -1;
    cJSON *flavor = flavor_of(p, server, err);
    cJSON *ports = flavor ? ports_of(p, str(server, "id"), err) : NULL;
    cJSON *atts = NULL;
    int rc = flavor && ports ? 0 : -1;
    if (rc == 0) {
        strbuf path = STRBUF_INIT;
        sb_addf(&path, "/servers/%s/os-volume_attachments", str(server, "id"));
        rc = os_call(p, OS_COMPUTE, "GET", path.buf, NULL, 0, &atts, NULL, NULL, err);
        sb_release(&path);
    }
    if (rc == 0) {
        openstack_parts parts = {
            .server = server,
            .flavor = flavor,
            .ports = ports,
            .attachments = cJSON_GetObjectItemCaseSensitive(atts, "volumeAttachments"),
            .lookup = lookup,
            .ud = st(p),
        };
        openstack_record_from(&parts, out);
    }
    cJSON_Delete(server);
    cJSON_Delete(flavor);
    cJSON_Delete(ports);
    cJSON_Delete(atts);
    return rc;
}

/* Polls the server until its status is want; with want NULL until it is gone. */
static int wait_server(source_provider *p, const char *id, const char *label, const char *want,
                       int64_t timeout_ms, mtv_err *err)
{
    mtv_clock *clk = transport_clock(p->cfg.t);
    clock_deadline dl = clock_deadline_in(clk, timeout_ms > 0 ? timeout_ms : 600000);
    for (;;) {
        long status = 0;
        cJSON *doc = get_server(p, id, &status, err);
        if (!doc && status != 404)
            return -1;
        const cJSON *sv = cJSON_GetObjectItemCaseSensitive(doc, "server");
        const char *now = str(sv, "status");
        int rc = 1;
        if (!want && status == 404)
            rc = 0;
        else if (want && status == 404)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "server %s disappeared while waiting for %s",
                             label, want);
        else if (want && now && strcmp(now, want) == 0)
            rc = 0;
        else if (now && strcmp(now, "ERROR") == 0)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "server %s went into ERROR: %s", label,
                             str(cJSON_GetObjectItemCaseSensitive(sv, "fault"), "message")
                                 ? str(cJSON_GetObjectItemCaseSensitive(sv, "fault"), "message")
                                 : "no fault given");
        else if (clock_deadline_passed(clk, dl))
            rc = mtv_err_set(err, MTV_EXIT_ENV, "server %s is still %s after %lld s (waiting for "
                                                "%s)", label, now ? now : "?",
                             (long long)(timeout_ms / 1000), want ? want : "it to be deleted");
        cJSON_Delete(doc);
        if (rc <= 0)
            return rc;
        if (source_poll_sleep(p, p->cfg.poll_ms, "waiting for a server's status", err))
            return -1;
    }
}

static int server_action(source_provider *p, const char *id, cJSON *body, strbuf *location,
                         mtv_err *err)
{
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/servers/%s/action", id);
    cJSON *doc = NULL;
    int rc = os_call(p, OS_COMPUTE, "POST", path.buf, body, 0, &doc, NULL, location, err);
    if (location && doc && str(doc, "image_id")) {   /* 2.45+: the image id in the body */
        sb_reset(location);
        sb_addf(location, "/%s", str(doc, "image_id"));
    }
    cJSON_Delete(doc);
    cJSON_Delete(body);
    sb_release(&path);
    return rc;
}

static int os_power(source_provider *p, const char *vm, enum vm_power want, int64_t timeout_ms,
                    mtv_err *err)
{
    cJSON *server = find_server(p, vm, err);
    if (!server)
        return -1;
    const char *target = want == VM_POWER_ON ? "ACTIVE" : "SHUTOFF";
    int rc = 0;
    if (!str(server, "status") || strcmp(str(server, "status"), target) != 0) {
        cJSON *body = cJSON_CreateObject();
        cJSON_AddNullToObject(body, want == VM_POWER_ON ? "os-start" : "os-stop");
        rc = server_action(p, str(server, "id"), body, NULL, err);
        if (rc == 0)
            rc = wait_server(p, str(server, "id"), vm, target, timeout_ms, err);
    }
    cJSON_Delete(server);
    return rc;
}

static int os_wait_guest(source_provider *p, const char *vm, int64_t timeout_ms, mtv_err *err)
{
    mtv_clock *clk = transport_clock(p->cfg.t);
    clock_deadline dl = clock_deadline_in(clk, timeout_ms > 0 ? timeout_ms : 600000);
    for (;;) {
        cJSON *server = find_server(p, vm, err);
        if (!server)
            return -1;
        const char *status = str(server, "status");
        const cJSON *addrs = cJSON_GetObjectItemCaseSensitive(server, "addresses");
        int ready = status && strcmp(status, "ACTIVE") == 0 && addrs && addrs->child;
        int rc = 1;
        if (ready)
            rc = 0;
        else if (status && strcmp(status, "SHUTOFF") == 0)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "the server is SHUTOFF; start it first");
        else if (clock_deadline_passed(clk, dl))
            rc = mtv_err_set(err, MTV_EXIT_ENV, "the server has no address after %lld s (status "
                                                "%s)", (long long)(timeout_ms / 1000),
                             status ? status : "?");
        cJSON_Delete(server);
        if (rc <= 0)
            return rc;
        if (source_poll_sleep(p, p->cfg.poll_ms, "waiting for the server's addresses", err))
            return -1;
    }
}

/* ---- clone ---------------------------------------------------------------------------------- */

/* Polls a Cinder volume or Glance image until its status is want. */
static int wait_status(source_provider *p, enum os_service svc, const char *path, const char *key,
                       const char *want, const char *label, int64_t timeout_ms, mtv_err *err)
{
    mtv_clock *clk = transport_clock(p->cfg.t);
    clock_deadline dl = clock_deadline_in(clk, timeout_ms);
    for (;;) {
        cJSON *doc = NULL;
        if (os_call(p, svc, "GET", path, NULL, 0, &doc, NULL, NULL, err))
            return -1;
        const cJSON *o = key ? cJSON_GetObjectItemCaseSensitive(doc, key) : doc;
        const char *now = str(o, "status");
        int rc = 1;
        if (now && strcasecmp(now, want) == 0)
            rc = 0;
        else if (now && (strcasecmp(now, "error") == 0 || strcasecmp(now, "killed") == 0 ||
                         strcasecmp(now, "deleted") == 0))
            rc = mtv_err_set(err, MTV_EXIT_ENV, "%s went into status %s", label, now);
        else if (clock_deadline_passed(clk, dl))
            rc = mtv_err_set(err, MTV_EXIT_ENV, "%s is still %s after %lld s", label,
                             now ? now : "?", (long long)(timeout_ms / 1000));
        cJSON_Delete(doc);
        if (rc <= 0)
            return rc;
        char what[256];
        snprintf(what, sizeof what, "waiting for %s to be %s", label, want);
        if (source_poll_sleep(p, p->cfg.poll_ms, what, err))
            return -1;
    }
}

/* The flavor's id: the server names it, or (2.47+) only its original name. */
static int flavor_id(source_provider *p, const cJSON *server, strbuf *id, mtv_err *err)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(server, "flavor");
    if (str(f, "id")) {
        sb_adds(id, str(f, "id"));
        return 0;
    }
    const char *name = str(f, "original_name");
    cJSON *doc;
    if (!name || os_call(p, OS_COMPUTE, "GET", "/flavors/detail", NULL, 0, &doc, NULL, NULL, err))
        return name ? -1 : mtv_err_set(err, MTV_EXIT_ENV, "the server names no flavor");
    const cJSON *fl;
    cJSON_ArrayForEach(fl, cJSON_GetObjectItemCaseSensitive(doc, "flavors"))
        if (!id->len && str(fl, "name") && strcmp(str(fl, "name"), name) == 0 && str(fl, "id"))
            sb_adds(id, str(fl, "id"));
    cJSON_Delete(doc);
    return id->len ? 0 : mtv_err_set(err, MTV_EXIT_ENV, "no flavor named '%s'", name);
}

static int cmp_boot(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    const cJSON *bx = cJSON_GetObjectItemCaseSensitive(x, "boot_index");
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(y, "boot_index");
    double vx = cJSON_IsNumber(bx) && bx->valuedouble >= 0 ? bx->valuedouble : 1e9;
    double vy = cJSON_IsNumber(by) && by->valuedouble >= 0 ? by->valuedouble : 1e9;
    return vx < vy ? -1 : vx > vy;
}

/* Volumes from the snapshot image's volume snapshots, in boot order, as
 * block_device_mapping_v2 entries appended to bdm. */
static int volumes_from_image(source_provider *p, const cJSON *image, const char *clone_name,
                              cJSON *bdm, mtv_err *err)
{
    const char *raw = str(image, "block_device_mapping");
    cJSON *maps = raw ? cJSON_Parse(raw) : NULL;
    int n = cJSON_GetArraySize(maps), rc = 0, k = 0;
    const cJSON **sorted = calloc((size_t)n + 1, sizeof *sorted);
    if (!sorted)
        abort();
    const cJSON *m;
    cJSON_ArrayForEach(m, maps)
        if (str(m, "snapshot_id"))
            sorted[k++] = m;
    qsort(sorted, (size_t)k, sizeof *sorted, cmp_boot);
    for (int i = 0; i < k && rc == 0; i++) {
        const char *snap = str(sorted[i], "snapshot_id");
        source_report_created(p, SOURCE_KIND_VOLUME_SNAPSHOT, snap, NULL);
        cJSON *body = cJSON_CreateObject();
        cJSON *v = cJSON_AddObjectToObject(body, "volume");
        cJSON_AddStringToObject(v, "snapshot_id", snap);
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(sorted[i], "volume_size");
        if (cJSON_IsNumber(size))
            cJSON_AddNumberToObject(v, "size", size->valuedouble);
        strbuf vname = STRBUF_INIT, path = STRBUF_INIT;
        sb_addf(&vname, "%s-disk-%d", clone_name, i);
        cJSON_AddStringToObject(v, "name", vname.buf);
        cJSON *doc = NULL;
        rc = os_call(p, OS_VOLUME, "POST", "/volumes", body, 0, &doc, NULL, NULL, err);
        cJSON_Delete(body);
        const char *vid = str(cJSON_GetObjectItemCaseSensitive(doc, "volume"), "id");
        if (rc == 0 && !vid)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "Cinder created a volume but named no id");
        if (rc == 0) {
            source_report_created(p, SOURCE_KIND_VOLUME, vid, vname.buf);
            sb_addf(&path, "/volumes/%s", vid);
            rc = wait_status(p, OS_VOLUME, path.buf, "volume", "available", vname.buf, 1800000,
                             err);
        }
        if (rc == 0) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "uuid", vid);
            cJSON_AddStringToObject(e, "source_type", "volume");
            cJSON_AddStringToObject(e, "destination_type", "volume");
            cJSON_AddNumberToObject(e, "boot_index", i);
            cJSON_AddBoolToObject(e, "delete_on_termination", 0);
            cJSON_AddItemToArray(bdm, e);
        }
        cJSON_Delete(doc);
        sb_release(&vname);
        sb_release(&path);
    }
    free(sorted);
    cJSON_Delete(maps);
    return rc;
}

static int os_clone(source_provider *p, const char *source, const char *clone_name,
                    const clone_options *o, strbuf *out_id, mtv_err *err)
{
    (void)o;   /* placement options are vSphere's */
    cJSON *server = find_server(p, source, err);
    if (!server)
        return -1;
    const char *sid = str(server, "id");
    strbuf loc = STRBUF_INIT, image_id = STRBUF_INIT, path = STRBUF_INIT, flavor = STRBUF_INIT;
    cJSON *ports = NULL, *image = NULL, *created = NULL, *body = NULL;
    int rc = flavor_id(p, server, &flavor, err);
    if (rc == 0) {
        ports = ports_of(p, sid, err);
        rc = ports ? 0 : -1;
    }
    if (rc == 0) {
        cJSON *act = cJSON_CreateObject();
        strbuf iname = STRBUF_INIT;
        sb_addf(&iname, "%s-image", clone_name);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(act, "createImage"), "name", iname.buf);
        rc = server_action(p, sid, act, &loc, err);
        const char *slash = strrchr(sb_str(&loc), '/');
        if (rc == 0 && (!slash || !slash[1]))
            rc = mtv_err_set(err, MTV_EXIT_ENV, "Nova made the snapshot image but named no id");
        if (rc == 0) {
            sb_adds(&image_id, slash + 1);
            source_report_created(p, SOURCE_KIND_IMAGE, image_id.buf, iname.buf);
            sb_addf(&path, "/v2/images/%s", image_id.buf);
            rc = wait_status(p, OS_IMAGE, path.buf, NULL, "active", iname.buf, 3600000, err);
        }
        sb_release(&iname);
    }
    if (rc == 0)
        rc = os_call(p, OS_IMAGE, "GET", path.buf, NULL, 0, &image, NULL, NULL, err);
    if (rc == 0) {
        body = cJSON_CreateObject();
        cJSON *s = cJSON_AddObjectToObject(body, "server");
        cJSON_AddStringToObject(s, "name", clone_name);
        cJSON_AddStringToObject(s, "flavorRef", flavor.buf);
        cJSON *nets = cJSON_AddArrayToObject(s, "networks");
        const cJSON *port;
        cJSON_ArrayForEach(port, ports) {
            const char *net = str(port, "network_id");
            int dup = !net;
            const cJSON *e;
            cJSON_ArrayForEach(e, nets)
                dup |= net && strcmp(str(e, "uuid"), net) == 0;
            if (!dup) {
                cJSON *entry = cJSON_CreateObject();
                cJSON_AddStringToObject(entry, "uuid", net);
                cJSON_AddItemToArray(nets, entry);
            }
        }
        cJSON *bdm = cJSON_CreateArray();
        rc = volumes_from_image(p, image, clone_name, bdm, err);
        if (cJSON_GetArraySize(bdm) > 0)
            cJSON_AddItemToObject(s, "block_device_mapping_v2", bdm);
        else {
            cJSON_Delete(bdm);
            cJSON_AddStringToObject(s, "imageRef", image_id.buf);
        }
    }
    if (rc == 0)
        rc = os_call(p, OS_COMPUTE, "POST", "/servers", body, 0, &created, NULL, NULL, err);
    const char *new_id = str(cJSON_GetObjectItemCaseSensitive(created, "server"), "id");
    if (rc == 0 && !new_id)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "Nova accepted the server but named no id");
    if (rc == 0) {
        source_report_created(p, SOURCE_KIND_VM, new_id, clone_name);
        if (out_id)
            sb_adds(out_id, new_id);
        rc = wait_server(p, new_id, clone_name, "ACTIVE", 1800000, err);
    }
    cJSON_Delete(server);
    cJSON_Delete(ports);
    cJSON_Delete(image);
    cJSON_Delete(created);
    cJSON_Delete(body);
    sb_release(&loc);
    sb_release(&image_id);
    sb_release(&path);
    sb_release(&flavor);
    return rc;
}

/* ---- snapshots ------------------------------------------------------------------------------ */

/* A snapshot of a server is what its record lists as snapshots_data: a
 * Cinder snapshot of each attached volume (forced, as they are in use), all
 * named name. Each is reported as a volume_snapshot; id gets the first (the
 * boot volume's). An image-backed server without volumes has nothing Cinder
 * can snapshot. */
static int os_snapshot_create(source_provider *p, const char *vm, const char *name,
                              const char *description, strbuf *id, mtv_err *err)
{
    cJSON *server = find_server(p, vm, err);
    if (!server)
        return -1;
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/servers/%s/os-volume_attachments", str(server, "id"));
    cJSON *atts = NULL;
    int rc = os_call(p, OS_COMPUTE, "GET", path.buf, NULL, 0, &atts, NULL, NULL, err);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(atts, "volumeAttachments");
    if (rc == 0 && cJSON_GetArraySize(list) == 0)
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "server '%s' has no volume: its snapshots are Cinder "
                                              "snapshots of its volumes, and an image-backed "
                                              "server has none", vm);
    const cJSON *a;
    for (a = list ? list->child : NULL; rc == 0 && a; a = a->next) {
        cJSON *body = cJSON_CreateObject(), *made = NULL;
        cJSON *sn = cJSON_AddObjectToObject(body, "snapshot");
        cJSON_AddStringToObject(sn, "volume_id", str(a, "volumeId"));
        cJSON_AddStringToObject(sn, "name", name);
        cJSON_AddStringToObject(sn, "description", description ? description : "");
        cJSON_AddBoolToObject(sn, "force", 1);
        rc = os_call(p, OS_VOLUME, "POST", "/snapshots", body, 0, &made, NULL, NULL, err);
        cJSON_Delete(body);
        const char *sid = str(cJSON_GetObjectItemCaseSensitive(made, "snapshot"), "id");
        if (rc == 0 && !sid)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "Cinder accepted the snapshot of volume %s but "
                                                "named no id", str(a, "volumeId"));
        if (rc == 0) {
            source_report_created(p, SOURCE_KIND_VOLUME_SNAPSHOT, sid, name);
            if (id && !id->len)
                sb_adds(id, sid);
            sb_reset(&path);
            sb_addf(&path, "/snapshots/%s", sid);
            char label[160];
            snprintf(label, sizeof label, "snapshot %s of volume %s", sid, str(a, "volumeId"));
            rc = wait_status(p, OS_VOLUME, path.buf, "snapshot", "available", label, 600000, err);
        }
        cJSON_Delete(made);
    }
    forget(st(p));   /* the volumes' snapshot lists changed */
    cJSON_Delete(atts);
    cJSON_Delete(server);
    sb_release(&path);
    return rc;
}

/* ---- delete and networks ------------------------------------------------------------------- */

static int os_remove(source_provider *p, const char *kind, const char *id, const char *name,
                     mtv_err *err)
{
    const char *label = name ? name : id;
    strbuf path = STRBUF_INIT;
    enum os_service svc;
    if (strcmp(kind, SOURCE_KIND_VM) == 0) {
        svc = OS_COMPUTE;
        sb_addf(&path, "/servers/%s", id);
    } else if (strcmp(kind, SOURCE_KIND_IMAGE) == 0) {
        svc = OS_IMAGE;
        sb_addf(&path, "/v2/images/%s", id);
    } else if (strcmp(kind, SOURCE_KIND_VOLUME) == 0) {
        svc = OS_VOLUME;
        sb_addf(&path, "/volumes/%s", id);
    } else if (strcmp(kind, SOURCE_KIND_VOLUME_SNAPSHOT) == 0) {
        svc = OS_VOLUME;
        sb_addf(&path, "/snapshots/%s", id);
    } else {
        sb_release(&path);
        return mtv_err_set(err, MTV_EXIT_USAGE, "OpenStack objects of kind '%s' cannot be deleted "
                                                "(vm, image, volume and volume_snapshot can)",
                           kind);
    }
    cJSON *doc = NULL;
    long status = 0;
    int rc = os_call(p, svc, "DELETE", path.buf, NULL, OS_MAY_MISS, &doc, &status, NULL, err);
    cJSON_Delete(doc);
    if (rc == 0 && status == 404)
        log_info("%s: %s %s is already gone", p->cfg.entry->key, kind, label);
    else if (rc == 0 && svc == OS_COMPUTE)
        rc = wait_server(p, id, label, NULL, 600000, err);
    forget(st(p));   /* what lists it (a volume's snapshots) is stale now */
    sb_release(&path);
    return rc;
}

static int os_networks(source_provider *p, const char *vm, source_network **out, size_t *n,
                       mtv_err *err)
{
    cJSON *server = find_server(p, vm, err);
    if (!server)
        return -1;
    cJSON *ports = ports_of(p, str(server, "id"), err);
    int rc = ports ? 0 : -1;
    if (rc == 0) {
        source_network *nets = calloc((size_t)cJSON_GetArraySize(ports) + 1, sizeof *nets);
        size_t k = 0;
        const cJSON *port;
        cJSON_ArrayForEach(port, ports) {
            const char *id = str(port, "network_id");
            int dup = !id;
            for (size_t j = 0; j < k && !dup; j++)
                dup = strcmp(nets[j].id, id) == 0;
            if (dup)
                continue;
            vr_set(&nets[k].id, id);
            vr_set(&nets[k].name, str(lookup(st(p), "networks", id), "name"));
            if (!nets[k].name)
                vr_set(&nets[k].name, id);
            k++;
        }
        *out = nets;
        *n = k;
    }
    cJSON_Delete(ports);
    cJSON_Delete(server);
    return rc;
}

const source_ops openstack_source_ops = {
    .type = "openstack",
    .open = os_open,
    .close = os_close,
    .vm_info = os_vm_info,
    .clone = os_clone,
    .power = os_power,
    .wait_guest = os_wait_guest,
    .snapshot_create = os_snapshot_create,
    .remove = os_remove,
    .networks = os_networks,
};
