/*
 * vim_call: one vim25 method call: the SOAP envelope out, the response or
 * fault back, and faults turned into sentences. Every vSphere request of the
 * program goes through vim_call, so this is also where the session cookie is
 * attached and where "the server did not answer SOAP at all" is caught.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "providers/pxml.h"
#include "providers/vim.h"
#include "util/log.h"

#define SOAP_ENV_NS "http://schemas.xmlsoap.org/soap/envelope/"

void vim_reply_free(vim_reply *r)
{
    if (r->doc)
        xmlFreeDoc(r->doc);
    memset(r, 0, sizeof *r);
}

int vim_reply_moref(const vim_reply *r, strbuf *out)
{
    char *v = px_get(r->body, "returnval");
    if (!v || !*v) {
        free(v);
        return -1;
    }
    sb_adds(out, v);
    free(v);
    return 0;
}

/* ---- faults ----------------------------------------------------------------- */

/* The fault's type: its xsi:type, else its element name without "Fault". */
static void fault_type(const xmlNode *fault, char *type_out)
{
    type_out[0] = 0;
    if (!fault)
        return;
    char *t = px_type(fault);
    if (t) {
        snprintf(type_out, 64, "%s", t);
        free(t);
        return;
    }
    size_t n = strlen((const char *)fault->name);
    if (n > 5 && strcmp((const char *)fault->name + n - 5, "Fault") == 0)
        n -= 5;
    snprintf(type_out, 64, "%.*s", (int)n, (const char *)fault->name);
}

static void add_field(strbuf *out, const xmlNode *fault, const char *path, const char *fmt)
{
    char *v = px_get(fault, path);
    if (v && *v)
        sb_addf(out, fmt, v);
    free(v);
}

void vim_fault_describe(const xmlNode *fault, const char *text, strbuf *out, char *type_out)
{
    char type[64];
    fault_type(fault, type);
    if (type_out)
        snprintf(type_out, 64, "%s", type);
    /* vcsim puts Go type names ("*types.InvalidPowerState") where vCenter
     * puts a sentence; such text adds nothing */
    int useful = text && *text && text[0] != '*';
    if (strcmp(type, "InvalidLogin") == 0) {
        sb_adds(out, "login refused: wrong user name or password (InvalidLogin)");
    } else if (strcmp(type, "NotAuthenticated") == 0) {
        sb_adds(out, "the session is not logged in (NotAuthenticated): it expired or was logged "
                     "out; connect again");
        add_field(out, fault, "privilegeId", " (privilege %s)");
    } else if (strcmp(type, "ManagedObjectNotFound") == 0) {
        char *obj = px_get(fault, "obj");
        char *ot = px_attr(px_child(fault, "obj"), "type");
        if (obj && *obj)
            sb_addf(out, "%s %s does not exist (ManagedObjectNotFound): it was deleted or never "
                         "finished being created", ot ? ot : "object", obj);
        else if (useful)
            sb_addf(out, "%s (ManagedObjectNotFound)", text);
        else
            sb_adds(out, "the object does not exist (ManagedObjectNotFound)");
        free(obj);
        free(ot);
        return;
    } else if (strcmp(type, "InvalidPowerState") == 0) {
        char *want = px_get(fault, "requestedState");
        char *have = px_get(fault, "existingState");
        sb_addf(out, "the VM is %s but the operation needs it %s (InvalidPowerState)",
                have && *have ? have : "in another power state",
                want && *want ? want : "in another state");
        free(want);
        free(have);
    } else if (strcmp(type, "InvalidArgument") == 0 || strcmp(type, "InvalidProperty") == 0) {
        char *prop = px_get(fault, "invalidProperty");
        if (!prop)
            prop = px_get(fault, "name");
        sb_addf(out, "the server rejected %s%s%s (%s)", prop && *prop ? "'" : "an argument",
                prop && *prop ? prop : "", prop && *prop ? "'" : "", type);
        free(prop);
    } else if (strcmp(type, "MethodNotFound") == 0 || strcmp(type, "InvalidRequest") == 0) {
        sb_addf(out, "the server does not support this request (%s)", type);
    } else if (strcmp(type, "InvalidState") == 0 || strcmp(type, "InvalidVmConfig") == 0 ||
               strcmp(type, "NotSupported") == 0 || strcmp(type, "NoPermission") == 0 ||
               strcmp(type, "DuplicateName") == 0 || strcmp(type, "FileAlreadyExists") == 0 ||
               strcmp(type, "InsufficientResourcesFault") == 0 ||
               strcmp(type, "ToolsUnavailable") == 0) {
        static const struct { const char *t, *s; } words[] = {
            {"InvalidState", "the object is in a state that does not allow this"},
            {"InvalidVmConfig", "the VM configuration is invalid"},
            {"NotSupported", "the server does not support this operation here"},
            {"NoPermission", "the user lacks a privilege for this"},
            {"DuplicateName", "an object with that name already exists"},
            {"FileAlreadyExists", "a file with that name already exists on the datastore"},
            {"InsufficientResourcesFault", "not enough resources (CPU, memory or space)"},
            {"ToolsUnavailable", "VMware Tools are not running in the guest"},
        };
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
            if (strcmp(words[i].t, type) == 0)
                sb_addf(out, "%s (%s)", words[i].s, type);
        if (strcmp(type, "NoPermission") == 0)
            add_field(out, fault, "privilegeId", ": %s");
    } else if (type[0]) {
        sb_addf(out, "vSphere fault %s", type);
    } else {
        sb_adds(out, "vSphere fault");
    }
    if (useful)
        sb_addf(out, ": %s", text);
}

/* ---- responses -------------------------------------------------------------- */

static void body_excerpt(strbuf *out, const char *body, size_t n)
{
    size_t k = n < 160 ? n : 160;
    for (size_t i = 0; i < k; i++) {
        unsigned char ch = (unsigned char)body[i];
        sb_addc(out, ch >= 0x20 && ch < 0x7f ? (char)ch : ' ');
    }
    if (n > k)
        sb_adds(out, "...");
}

int vim_parse_response(const char *op, long status, const char *body, size_t n, xmlDoc **doc,
                       xmlNode **resp, char *fault_type, mtv_err *err)
{
    *doc = NULL;
    *resp = NULL;
    if (fault_type)
        fault_type[0] = 0;
    const char *ct_hint = !n                                               ? " (an empty body)"
                          : body[0] != '<' && (unsigned char)body[0] != 0xef ? " (the body is not XML)"
                          : memmem(body, n, "<html", 5) || memmem(body, n, "<HTML", 5)
                              ? " (an HTML page)"
                              : "";
    if (status != 200 && status != 500) {
        strbuf ex = STRBUF_INIT;
        body_excerpt(&ex, body, n);
        int rc = mtv_err_set(err, MTV_EXIT_ENV,
                             "%s: the server answered HTTP %ld instead of a SOAP response%s%s%s; "
                             "is the URL a vSphere SDK endpoint (https://HOST/sdk)?",
                             op, status, ct_hint, ex.len ? ": " : "", sb_str(&ex));
        sb_release(&ex);
        return rc;
    }
    strbuf what = STRBUF_INIT;
    sb_addf(&what, "the vSphere response to %s", op);
    xmlDoc *d;
    if (px_parse(what.buf, body, n, &d, err)) {
        sb_release(&what);
        return -1;
    }
    sb_release(&what);
    xmlNode *root = xmlDocGetRootElement(d);
    /* a bare response element (no envelope) is accepted too: some tools store
     * only the body */
    xmlNode *first = px_is(root, "Envelope") ? px_child(px_child(root, "Body"), NULL) : root;
    if (px_is(first, "Fault")) {
        char *fs = px_get(first, "faultstring");
        xmlNode *detail = px_child(px_child(first, "detail"), NULL);
        strbuf msg = STRBUF_INIT;
        char type[64];
        vim_fault_describe(detail, fs, &msg, type);
        if (fault_type)
            snprintf(fault_type, 64, "%s", type);
        mtv_err_set(err, strcmp(type, "InvalidLogin") == 0 ? MTV_EXIT_USAGE : MTV_EXIT_ENV,
                    "%s failed: %s", op, msg.buf);
        sb_release(&msg);
        free(fs);
        xmlFreeDoc(d);
        return -1;
    }
    strbuf want = STRBUF_INIT;
    sb_addf(&want, "%sResponse", op);
    if (!px_is(first, want.buf)) {
        int rc = mtv_err_set(err, MTV_EXIT_ENV,
                             "%s: the server answered HTTP %ld with <%s> where <%s> was expected",
                             op, status, first ? (const char *)first->name : "nothing", want.buf);
        sb_release(&want);
        xmlFreeDoc(d);
        return rc;
    }
    sb_release(&want);
    if (status != 200) {
        xmlFreeDoc(d);
        return mtv_err_set(err, MTV_EXIT_ENV, "%s: HTTP %ld with a response but no fault", op,
                           status);
    }
    *doc = d;
    *resp = first;
    return 0;
}

/* ---- the call ------------------------------------------------------------------- */

/* The vmware_soap_session pair of a Set-Cookie header, quoted or not. */
static void session_cookie(const http_headers *h, strbuf *out)
{
    for (size_t i = 0; i < h->count; i++) {
        if (strcasecmp(h->items[i].name, "Set-Cookie") != 0)
            continue;
        const char *v = h->items[i].value;
        while (*v == ' ')
            v++;
        if (strncmp(v, "vmware_soap_session=", 20) != 0)
            continue;
        size_t n = strcspn(v, ";");
        while (n && v[n - 1] == ' ')
            n--;
        sb_reset(out);
        sb_add(out, v, n);
        return;
    }
}

int vim_call(vim_client *c, const char *op, const char *this_type, const char *this_value,
             const char *args, vim_reply *r, mtv_err *err)
{
    return vim_call_cookie(c, op, this_type, this_value, args, r, NULL, err);
}

int vim_call_cookie(vim_client *c, const char *op, const char *this_type, const char *this_value,
                    const char *args, vim_reply *r, strbuf *cookie, mtv_err *err)
{
    memset(r, 0, sizeof *r);
    strbuf env = STRBUF_INIT;
    sb_adds(&env, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                  "<soapenv:Envelope xmlns:soapenv=\"" SOAP_ENV_NS "\" "
                  "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
                  "xmlns:xsi=\"" PX_XSI_NS "\"><soapenv:Body>");
    sb_addf(&env, "<%s xmlns=\"urn:vim25\"><_this type=\"%s\">", op, this_type);
    px_escape(&env, this_value);
    sb_adds(&env, "</_this>");
    if (args)
        sb_adds(&env, args);
    sb_addf(&env, "</%s></soapenv:Body></soapenv:Envelope>", op);

    http_request req;
    http_request_init(&req, &c->ep, "vsphere", "POST", c->url);
    http_request_body(&req, "text/xml; charset=utf-8", env.buf, env.len);
    http_headers_set(&req.headers, "SOAPAction", c->soap_action ? c->soap_action : "\"urn:vim25\"");
    /* reads may be retried; anything that changes state may not */
    req.retry_safe = strncmp(op, "Retrieve", 8) == 0 || strncmp(op, "Continue", 8) == 0;
    req.timeout_ms = c->timeout_ms;
    sb_release(&env);
    http_response resp = {0};
    log_trace("vsphere: %s on %s:%s", op, this_type, this_value);
    int rc = transport_send(c->t, &req, &resp, err);
    if (rc) {
        mtv_err_prefix(err, "vSphere %s at %s", op, c->url);
    } else {
        rc = vim_parse_response(op, resp.status, resp.body.buf, resp.body.len, &r->doc, &r->body,
                                r->fault, err);
        if (rc)
            mtv_err_prefix(err, "vSphere at %s", c->url);
        else if (cookie)
            session_cookie(&resp.headers, cookie);
    }
    http_request_free(&req);
    http_response_free(&resp);
    return rc;
}
