/*
 * lab_vsphere: see lab_vsphere.h. One SOAP session per call (login, work,
 * logout), so a collect never holds a session the simulator could expire
 * and a restarted simulator just works on the next reconcile.
 */
#include "lab/lab_vsphere.h"

#include <libxml/parser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_vsphere_int.h"
#include "net/transport.h"
#include "util/strbuf.h"
#include "util/text.h"

typedef struct cred {
    char *url, *user, *password, *cacert;
    int insecure;
} cred;

struct lab_vsphere {
    transport *t;
    pthread_mutex_t mu;
    cred *creds;
    size_t ncreds;
};

typedef struct session {
    lab_vsphere *v;
    const char *url;
    net_endpoint ep;
    char *cookie;
    char *pc, *root, *views, *sm, *about;
} session;

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

lab_vsphere *lab_vsphere_new(mtv_err *err)
{
    lab_vsphere *v = calloc(1, sizeof *v);
    if (!v)
        abort();
    transport_config tc = {.mode = TRANSPORT_LIVE, .scenario = "lab-vsphere"};
    if (transport_open(&v->t, &tc, err) < 0) {
        free(v);
        return NULL;
    }
    pthread_mutex_init(&v->mu, NULL);
    return v;
}

static void cred_free(cred *c)
{
    free(c->url);
    free(c->user);
    free(c->password);
    free(c->cacert);
}

void lab_vsphere_free(lab_vsphere *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->ncreds; i++)
        cred_free(&v->creds[i]);
    free(v->creds);
    pthread_mutex_destroy(&v->mu);
    transport_free(v->t);
    free(v);
}

/* ---- SOAP ------------------------------------------------------------ */

static void esc(strbuf *out, const char *s)
{
    text_xml_escape(out, s, strlen(s), TEXT_XML_CONTENT);
}

/* Posts one call; *ret is the response's <returnval> (NULL for void calls)
 * inside *doc, which the caller frees. A SOAP fault becomes err. */
static int soap(session *s, const char *call, xmlDoc **doc, xmlNode **ret, mtv_err *err)
{
    *doc = NULL;
    if (ret)
        *ret = NULL;
    strbuf body = STRBUF_INIT;
    sb_adds(&body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                   "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                   "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>");
    sb_adds(&body, call);
    sb_adds(&body, "</soapenv:Body></soapenv:Envelope>");
    http_request req;
    http_response resp = {0};
    http_request_init(&req, &s->ep, "vsphere", "POST", s->url);
    http_request_body(&req, "text/xml; charset=utf-8", body.buf, body.len);
    http_headers_set(&req.headers, "SOAPAction", "urn:vim25/6.5");
    sb_release(&body);
    int rc = transport_send(s->v->t, &req, &resp, err);
    http_request_free(&req);
    if (rc < 0) {
        mtv_err_prefix(err, "vSphere %s", s->url);
        http_response_free(&resp);
        return -1;
    }
    if (s->ep.auth == NET_AUTH_NONE) {
        /* Login's answer carries the session cookie */
        const char *sc = http_headers_get(&resp.headers, "Set-Cookie");
        if (sc) {
            free(s->cookie);
            s->cookie = strndup(sc, strcspn(sc, ";"));
        }
    }
    xmlDoc *d = resp.body.len ? xmlReadMemory(resp.body.buf, (int)resp.body.len, s->url, NULL,
                                              XML_PARSE_NONET | XML_PARSE_NOBLANKS |
                                                  XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
                              : NULL;
    xmlNode *answer = d ? vsx_child(vsx_child(xmlDocGetRootElement(d), "Body"), NULL) : NULL;
    if (!answer) {
        mtv_err_set(err, MTV_EXIT_ENV, "vSphere %s: HTTP %ld without a SOAP answer", s->url,
                    resp.status);
        xmlFreeDoc(d);
        http_response_free(&resp);
        return -1;
    }
    http_response_free(&resp);
    if (!strcmp((const char *)answer->name, "Fault")) {
        char *why = vsx_text(vsx_child(answer, "faultstring"));
        xmlNode *detail = vsx_child(vsx_child(answer, "detail"), NULL);
        mtv_err_set(err, MTV_EXIT_ENV, "vSphere %s: %s%s%s", s->url, *why ? why : "SOAP fault",
                    detail ? " " : "", detail ? (const char *)detail->name : "");
        free(why);
        xmlFreeDoc(d);
        return -1;
    }
    *doc = d;
    if (ret)
        *ret = vsx_child(answer, "returnval");
    return 0;
}

/* A call whose returnval text is all we need (a moref). */
static int soap_ref(session *s, const char *call, char **out, mtv_err *err)
{
    xmlDoc *d;
    xmlNode *ret;
    if (soap(s, call, &d, &ret, err) < 0)
        return -1;
    *out = vsx_text(ret);
    xmlFreeDoc(d);
    return 0;
}

static void session_close(session *s)
{
    if (s->cookie) {
        strbuf call = STRBUF_INIT;
        sb_addf(&call, "<Logout xmlns=\"urn:vim25\"><_this type=\"SessionManager\">%s</_this>"
                       "</Logout>", s->sm);
        xmlDoc *d;
        mtv_err ignored;
        mtv_err_clear(&ignored);
        if (soap(s, call.buf, &d, NULL, &ignored) == 0)
            xmlFreeDoc(d);
        sb_release(&call);
    }
    free(s->cookie);
    free(s->pc);
    free(s->root);
    free(s->views);
    free(s->sm);
    free(s->about);
    memset(s, 0, sizeof *s);
}

static int session_open(session *s, lab_vsphere *v, const lab_vsphere_login *l, mtv_err *err)
{
    memset(s, 0, sizeof *s);
    s->v = v;
    s->url = l->url;
    net_endpoint_init(&s->ep);
    s->ep.tls.insecure = l->insecure;
    s->ep.tls.ca_pem = l->cacert && *l->cacert ? l->cacert : NULL;
    s->ep.connect_timeout_ms = 5000;
    s->ep.total_timeout_ms = 30000;
    s->ep.retry.max_attempts = 1; /* the controller retries the connection test itself */
    if (l->password)
        transport_secret(v->t, "vsphere.password", l->password);
    xmlDoc *d;
    xmlNode *sc;
    if (soap(s, "<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">"
                "ServiceInstance</_this></RetrieveServiceContent>",
             &d, &sc, err) < 0)
        return -1;
    s->pc = vsx_text(vsx_child(sc, "propertyCollector"));
    s->root = vsx_text(vsx_child(sc, "rootFolder"));
    s->views = vsx_text(vsx_child(sc, "viewManager"));
    s->sm = vsx_text(vsx_child(sc, "sessionManager"));
    s->about = vsx_text(vsx_path(sc, "about/apiVersion"));
    xmlFreeDoc(d);
    strbuf call = STRBUF_INIT;
    sb_addf(&call, "<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">%s</_this><userName>",
            s->sm);
    esc(&call, l->user ? l->user : "");
    sb_adds(&call, "</userName><password>");
    esc(&call, l->password ? l->password : "");
    sb_adds(&call, "</password></Login>");
    int rc = soap(s, call.buf, &d, NULL, err);
    if (call.buf) /* it held the password */
        memset(call.buf, 0, call.len);
    sb_release(&call);
    if (rc < 0) {
        session_close(s);
        return -1;
    }
    xmlFreeDoc(d);
    if (!s->cookie) {
        mtv_err_set(err, MTV_EXIT_ENV, "vSphere %s: Login returned no session cookie", l->url);
        session_close(s);
        return -1;
    }
    s->ep.auth = NET_AUTH_COOKIE;
    s->ep.cookie = s->cookie;
    return 0;
}

/* ---- collect --------------------------------------------------------- */

static const char *const vm_paths[] = {
    "name", "config.uuid", "config.hardware.numCPU", "config.hardware.numCoresPerSocket",
    "config.hardware.memoryMB", "config.hardware.device", "config.guestId", "config.firmware",
    "config.bootOptions", "config.changeTrackingEnabled", "runtime.powerState", "runtime.host",
    "guest.hostName", "guest.toolsRunningStatus", "guest.toolsStatus", "guest.net", "guest.ipStack", NULL};
static const char *const named_types[] = {"Datacenter", "Network", "DistributedVirtualPortgroup",
                                          "Datastore", "HostSystem", NULL};

static void prop_spec(strbuf *b, const char *type, const char *const *paths)
{
    sb_addf(b, "<propSet><type>%s</type>", type);
    for (const char *const *p = paths; *p; p++)
        sb_addf(b, "<pathSet>%s</pathSet>", *p);
    sb_adds(b, "</propSet>");
}

static int retrieve_all(session *s, const char *view, vsx_objects *out, mtv_err *err)
{
    strbuf call = STRBUF_INIT;
    sb_addf(&call, "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">"
                   "%s</_this><specSet>", s->pc);
    prop_spec(&call, "VirtualMachine", vm_paths);
    static const char *const name_only[] = {"name", NULL};
    for (const char *const *t = named_types; *t; t++)
        prop_spec(&call, *t, name_only);
    sb_addf(&call, "<objectSet><obj type=\"ContainerView\">%s</obj><skip>true</skip>"
                   "<selectSet xsi:type=\"TraversalSpec\"><name>view</name>"
                   "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet>"
                   "</objectSet></specSet><options><maxObjects>100</maxObjects></options>"
                   "</RetrievePropertiesEx>", view);
    xmlDoc *d;
    xmlNode *ret;
    int rc = soap(s, call.buf, &d, &ret, err);
    sb_release(&call);
    /* pages continue while a token comes back */
    for (int page = 0; rc == 0; page++) {
        vsx_objects_add_doc(out, d, ret);
        char *token = ret ? vsx_text(vsx_child(ret, "token")) : xstrdup("");
        if (!*token || page > 10000) {
            free(token);
            break;
        }
        strbuf more = STRBUF_INIT;
        sb_addf(&more, "<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\"><_this "
                       "type=\"PropertyCollector\">%s</_this><token>", s->pc);
        esc(&more, token);
        sb_adds(&more, "</token></ContinueRetrievePropertiesEx>");
        free(token);
        rc = soap(s, more.buf, &d, &ret, err);
        sb_release(&more);
    }
    return rc;
}

static void remember(lab_vsphere *v, const lab_vsphere_login *l)
{
    pthread_mutex_lock(&v->mu);
    cred *c = NULL;
    for (size_t i = 0; i < v->ncreds && !c; i++)
        if (!strcmp(v->creds[i].url, l->url))
            c = &v->creds[i];
    if (!c) {
        cred *n = realloc(v->creds, (v->ncreds + 1) * sizeof *n);
        if (!n)
            abort();
        v->creds = n;
        c = &v->creds[v->ncreds++];
    } else {
        cred_free(c);
    }
    c->url = xstrdup(l->url);
    c->user = xstrdup(l->user);
    c->password = xstrdup(l->password);
    c->cacert = l->cacert ? xstrdup(l->cacert) : NULL;
    c->insecure = l->insecure;
    pthread_mutex_unlock(&v->mu);
}

int lab_vsphere_collect(lab_vsphere *v, const lab_vsphere_login *l, lab_source *src,
                        mtv_err *err)
{
    memset(src, 0, sizeof *src);
    session s;
    if (session_open(&s, v, l, err) < 0)
        return -1;
    strbuf call = STRBUF_INIT;
    sb_addf(&call, "<CreateContainerView xmlns=\"urn:vim25\"><_this type=\"ViewManager\">%s</_this>"
                   "<container type=\"Folder\">%s</container>", s.views, s.root);
    sb_adds(&call, "<type>VirtualMachine</type>");
    for (const char *const *t = named_types; *t; t++)
        sb_addf(&call, "<type>%s</type>", *t);
    sb_adds(&call, "<recursive>true</recursive></CreateContainerView>");
    char *view = NULL;
    int rc = soap_ref(&s, call.buf, &view, err);
    sb_release(&call);
    vsx_objects objs = {0};
    if (rc == 0)
        rc = retrieve_all(&s, view, &objs, err);
    if (rc == 0) {
        vsx_build_source(&objs, s.about, src);
        remember(v, l);
    }
    if (view) {
        strbuf destroy = STRBUF_INIT;
        sb_addf(&destroy, "<DestroyView xmlns=\"urn:vim25\"><_this type=\"ContainerView\">%s"
                          "</_this></DestroyView>", view);
        xmlDoc *d;
        mtv_err ignored;
        mtv_err_clear(&ignored);
        if (soap(&s, destroy.buf, &d, NULL, &ignored) == 0)
            xmlFreeDoc(d);
        sb_release(&destroy);
    }
    free(view);
    vsx_objects_free(&objs);
    session_close(&s);
    return rc;
}

/* ---- power ----------------------------------------------------------- */

static int wait_task(session *s, const char *task, mtv_err *err)
{
    mtv_clock *clk = transport_clock(s->v->t);
    for (int i = 0; i < 300; i++) {
        strbuf call = STRBUF_INIT;
        sb_addf(&call, "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this "
                       "type=\"PropertyCollector\">%s</_this><specSet><propSet><type>Task</type>"
                       "<pathSet>info</pathSet></propSet><objectSet><obj type=\"Task\">%s</obj>"
                       "</objectSet></specSet><options/></RetrievePropertiesEx>", s->pc, task);
        xmlDoc *d;
        xmlNode *ret;
        int rc = soap(s, call.buf, &d, &ret, err);
        sb_release(&call);
        if (rc < 0)
            return -1;
        xmlNode *info = vsx_path(ret, "objects/propSet/val");
        char *state = vsx_text(vsx_child(info, "state"));
        int done = !strcmp(state, "success"), failed = !strcmp(state, "error");
        if (failed) {
            char *msg = vsx_text(vsx_path(info, "error/localizedMessage"));
            mtv_err_set(err, MTV_EXIT_ENV, "vSphere task %s failed: %s", task,
                        *msg ? msg : "no message");
            free(msg);
        }
        free(state);
        xmlFreeDoc(d);
        if (done || failed)
            return done ? 0 : -1;
        clock_sleep_ms(clk, 100);
    }
    mtv_err_set(err, MTV_EXIT_ENV, "vSphere task %s did not finish in 30 s", task);
    return -1;
}

/* A session on url with the credentials of its last successful collect;
 * *c holds them until the caller has closed the session (cred_free). */
static int open_remembered(lab_vsphere *v, const char *url, const char *what, session *s,
                           cred *cr, mtv_err *err)
{
    pthread_mutex_lock(&v->mu);
    cred c = {0};
    for (size_t i = 0; i < v->ncreds; i++)
        if (!strcmp(v->creds[i].url, url)) {
            c.url = xstrdup(url);
            c.user = xstrdup(v->creds[i].user);
            c.password = xstrdup(v->creds[i].password);
            c.cacert = v->creds[i].cacert ? xstrdup(v->creds[i].cacert) : NULL;
            c.insecure = v->creds[i].insecure;
        }
    pthread_mutex_unlock(&v->mu);
    if (!c.url)
        return mtv_err_set(err, MTV_EXIT_ENV, "vSphere %s: no successful login to %s with", url,
                           what);
    lab_vsphere_login l = {.url = c.url, .user = c.user, .password = c.password,
                           .cacert = c.cacert, .insecure = c.insecure};
    *cr = c;
    if (session_open(s, v, &l, err) < 0) {
        cred_free(cr);
        return -1;
    }
    return 0;
}

/* Calls method on _this (type, moref) with extra arguments and waits for
 * the task it returns. */
static int run_task(session *s, const char *method, const char *type, const char *moref,
                    const char *args, mtv_err *err)
{
    strbuf call = STRBUF_INIT;
    sb_addf(&call, "<%s xmlns=\"urn:vim25\"><_this type=\"%s\">", method, type);
    esc(&call, moref);
    sb_addf(&call, "</_this>%s</%s>", args ? args : "", method);
    char *task = NULL;
    int rc = soap_ref(s, call.buf, &task, err);
    sb_release(&call);
    if (rc == 0)
        rc = wait_task(s, task, err);
    free(task);
    return rc;
}

int lab_vsphere_power(lab_vsphere *v, const char *url, const char *moref, int on, mtv_err *err)
{
    session s;
    cred c;
    if (open_remembered(v, url, "power a VM", &s, &c, err) < 0)
        return -1;
    int rc = run_task(&s, on ? "PowerOnVM_Task" : "PowerOffVM_Task", "VirtualMachine", moref,
                      NULL, err);
    session_close(&s);
    cred_free(&c);
    return rc;
}

/* The VM's current snapshot (a moref, caller frees), or NULL when it has none. */
static char *current_snapshot(session *s, const char *moref, mtv_err *err)
{
    strbuf call = STRBUF_INIT;
    sb_addf(&call, "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this "
                   "type=\"PropertyCollector\">%s</_this><specSet><propSet><type>VirtualMachine"
                   "</type><pathSet>snapshot.currentSnapshot</pathSet></propSet><objectSet><obj "
                   "type=\"VirtualMachine\">", s->pc);
    esc(&call, moref);
    sb_adds(&call, "</obj></objectSet></specSet><options/></RetrievePropertiesEx>");
    xmlDoc *d;
    xmlNode *ret;
    int rc = soap(s, call.buf, &d, &ret, err);
    sb_release(&call);
    if (rc < 0)
        return NULL;
    xmlNode *val = vsx_path(ret, "objects/propSet/val");
    char *snap = val ? vsx_text(val) : NULL;
    xmlFreeDoc(d);
    if (snap && !*snap) {
        free(snap);
        snap = NULL;
    }
    return snap;
}

int lab_vsphere_snapshot(lab_vsphere *v, const char *url, const char *moref, int add,
                         mtv_err *err)
{
    session s;
    cred c;
    if (open_remembered(v, url, add ? "snapshot a VM" : "remove a VM's snapshot", &s, &c, err) < 0)
        return -1;
    int rc;
    if (add) {
        rc = run_task(&s, "CreateSnapshot_Task", "VirtualMachine", moref,
                      "<name>lab-fault</name><description>taken by the lab during the migration"
                      "</description><memory>false</memory><quiesce>false</quiesce>", err);
    } else {
        mtv_err_clear(err);
        char *snap = current_snapshot(&s, moref, err);
        rc = snap ? run_task(&s, "RemoveSnapshot_Task", "VirtualMachineSnapshot", snap,
                             "<removeChildren>false</removeChildren>", err)
             : err->msg[0] ? -1
                            : mtv_err_set(err, MTV_EXIT_ENV, "VM %s has no snapshot to remove", moref);
        free(snap);
    }
    session_close(&s);
    cred_free(&c);
    return rc;
}
