/*
 * vim_session: connecting to a vSphere SDK endpoint and leaving it.
 *
 * RetrieveServiceContent tells what the server is (vCenter or ESXi, API
 * version) and where its managers live; Login opens the session whose cookie
 * every later call sends. The cookie's value is registered as a secret the
 * moment it is seen, so neither logs nor recordings can show it (vcsim also
 * echoes it inside view ids and LoginResponse).
 */
#include <stdlib.h>
#include <string.h>

#include "providers/pxml.h"
#include "providers/vim.h"
#include "util/log.h"

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

int vim_is_esxi(const vim_client *c)
{
    return c->api_type && strcmp(c->api_type, "HostAgent") == 0;
}

static int service_content(vim_client *c, mtv_err *err)
{
    vim_reply r;
    if (vim_call(c, "RetrieveServiceContent", "ServiceInstance", "ServiceInstance", NULL, &r, err))
        return -1;
    xmlNode *rv = px_child(r.body, "returnval");
    c->root_folder = px_get(rv, "rootFolder");
    c->property_collector = px_get(rv, "propertyCollector");
    c->view_manager = px_get(rv, "viewManager");
    c->session_manager = px_get(rv, "sessionManager");
    c->file_manager = px_get(rv, "fileManager");
    c->api_type = px_get(rv, "about/apiType");
    c->api_version = px_get(rv, "about/apiVersion");
    c->full_name = px_get(rv, "about/fullName");
    vim_reply_free(&r);
    if (!c->root_folder || !c->property_collector || !c->session_manager)
        return mtv_err_set(err, MTV_EXIT_ENV,
                           "vSphere at %s: the ServiceContent lacks rootFolder, propertyCollector "
                           "or sessionManager; is this a vSphere SDK endpoint?", c->url);
    if (!c->view_manager)
        return mtv_err_set(err, MTV_EXIT_ENV,
                           "vSphere at %s (%s): no ViewManager; vSphere 4.0 or later is needed",
                           c->url, c->full_name ? c->full_name : "unknown version");
    strbuf action = STRBUF_INIT;
    sb_addf(&action, "\"urn:vim25/%s\"", c->api_version ? c->api_version : "6.0");
    c->soap_action = sb_detach(&action, NULL);
    return 0;
}

int vim_connect(vim_client *c, transport *t, const vim_config *cfg, mtv_err *err)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    net_endpoint_init(&c->ep);
    c->ep.tls = cfg->tls;
    c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 120000;
    c->cancel = cfg->cancel;
    c->ep.total_timeout_ms = c->timeout_ms;
    c->url = dup_or_null(cfg->url);
    c->username = dup_or_null(cfg->username);
    if (!c->url || !*c->url)
        return mtv_err_set(err, MTV_EXIT_USAGE, "vSphere: no SDK URL (api_url) given");
    if (!cfg->username || !cfg->password)
        return mtv_err_set(err, MTV_EXIT_USAGE, "vSphere at %s: username and password are needed",
                           c->url);
    transport_secret(t, "vsphere.password", cfg->password);
    if (service_content(c, err))
        return -1;

    strbuf args = STRBUF_INIT, cookie = STRBUF_INIT;
    px_elem(&args, "userName", cfg->username);
    px_elem(&args, "password", cfg->password);
    vim_reply r;
    int rc = vim_call_cookie(c, "Login", "SessionManager", c->session_manager, args.buf, &r,
                             &cookie, err);
    sb_release(&args);
    if (rc) {
        if (strcmp(r.fault, "InvalidLogin") == 0)
            mtv_err_prefix(err, "logging in to vSphere as '%s'", cfg->username);
        sb_release(&cookie);
        return -1;
    }
    char *key = px_get(r.body, "returnval/key");
    if (key)
        transport_secret(t, "vsphere.session", key);
    free(key);
    vim_reply_free(&r);
    if (!cookie.len) {
        sb_release(&cookie);
        return mtv_err_set(err, MTV_EXIT_ENV,
                           "vSphere at %s: Login succeeded but the answer set no "
                           "vmware_soap_session cookie", c->url);
    }
    const char *val = strchr(cookie.buf, '=') + 1;
    transport_secret(t, "vsphere.session", val);
    if (*val == '"') {
        strbuf bare = STRBUF_INIT;
        sb_add(&bare, val + 1, strlen(val + 1) - (val[strlen(val) - 1] == '"'));
        transport_secret(t, "vsphere.session", bare.buf);
        sb_release(&bare);
    }
    c->cookie = sb_detach(&cookie, NULL);
    c->ep.auth = NET_AUTH_COOKIE;
    c->ep.cookie = c->cookie;
    log_debug("vsphere: logged in to %s (%s, API %s) as %s", c->url,
              c->full_name ? c->full_name : "?", c->api_version ? c->api_version : "?",
              cfg->username);
    return 0;
}

void vim_close(vim_client *c)
{
    if (c->cookie && c->session_manager) {
        vim_reply r;
        mtv_err err;
        if (vim_call(c, "Logout", "SessionManager", c->session_manager, NULL, &r, &err) == 0)
            vim_reply_free(&r);
        else
            log_debug("vsphere: logout: %s", err.msg);
    }
    for (int i = 0; i < VIM_VIEW_CACHE; i++) {
        free(c->views[i].type);
        free(c->views[i].id);
    }
    free(c->url);
    free(c->username);
    free(c->cookie);
    free(c->soap_action);
    free(c->api_type);
    free(c->api_version);
    free(c->full_name);
    free(c->root_folder);
    free(c->property_collector);
    free(c->view_manager);
    free(c->session_manager);
    free(c->file_manager);
    memset(c, 0, sizeof *c);
}
