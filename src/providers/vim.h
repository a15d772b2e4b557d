/*
 * vim: a small vSphere Web Services (vim25 SOAP) client over the transport.
 *
 * Only what the vSphere adapter needs: the session (RetrieveServiceContent,
 * Login, Logout with the vmware_soap_session cookie), any method call with
 * its SOAP fault turned into an error a user can act on, the property
 * collector (RetrievePropertiesEx with ContinueRetrievePropertiesEx paging,
 * container views, lookups by name) and task waits. Every call is one
 * transport_send with upstream "vsphere", so sessions record and replay;
 * waits sleep on the transport's clock.
 *
 * Works against vCenter (apiType VirtualCenter) and a standalone ESXi host
 * (HostAgent) alike: every managed object id it uses comes from the
 * ServiceContent, never from a vCenter-only constant.
 *
 * Ownership: a vim_client owns its strings and cached views; vim_close
 * releases them (after a best-effort Logout). A vim_reply or vim_objset owns
 * its XML documents; nodes taken from them live until the matching _free.
 */
#ifndef MTV_PROVIDERS_VIM_H
#define MTV_PROVIDERS_VIM_H

#include <libxml/tree.h>
#include <stdatomic.h>
#include <stdint.h>

#include "net/http.h"
#include "net/transport.h"
#include "util/err.h"
#include "util/strbuf.h"

typedef struct vim_config {
    const char *url;          /* "https://vcenter.example.com/sdk" */
    const char *username;
    const char *password;
    net_tls tls;              /* strings borrowed; live as long as the client */
    long timeout_ms;          /* per call; 0 = 120 s */
    atomic_int *cancel;       /* may be NULL: task waits stop once it is non-zero */
} vim_config;

#define VIM_VIEW_CACHE 8

typedef struct vim_client {
    transport *t;                 /* borrowed */
    net_endpoint ep;
    char *url;
    char *username;
    char *cookie;                 /* "vmware_soap_session=..." once logged in */
    char *soap_action;            /* "urn:vim25/6.7" */
    char *api_type;               /* VirtualCenter or HostAgent */
    char *api_version, *full_name;
    char *root_folder, *property_collector, *view_manager, *session_manager;
    char *file_manager;           /* may be NULL */
    struct { char *type; char *id; } views[VIM_VIEW_CACHE];
    long timeout_ms;
    atomic_int *cancel;           /* borrowed, may be NULL */
} vim_client;

/* RetrieveServiceContent then Login. Errors say what failed and why
 * (unreachable URL, TLS, wrong credentials, not a vSphere SDK endpoint). */
int vim_connect(vim_client *c, transport *t, const vim_config *cfg, mtv_err *err);
/* Logout (errors ignored) and free. Safe on a zeroed or failed client. */
void vim_close(vim_client *c);
/* 1 for a standalone ESXi host (apiType HostAgent). */
int vim_is_esxi(const vim_client *c);

/* ---- calls ---------------------------------------------------------------- */

typedef struct vim_reply {
    xmlDoc *doc;
    xmlNode *body;            /* the <OpResponse> element */
    char fault[64];           /* fault type when the call failed with one, else "" */
} vim_reply;

/* Calls op on _this = (this_type, this_value) with args (XML elements, already
 * escaped; may be NULL). Returns 0 with r filled, or -1 with err; r->fault
 * names the SOAP fault type when there was one (ManagedObjectNotFound, ...). */
int vim_call(vim_client *c, const char *op, const char *this_type, const char *this_value,
             const char *args, vim_reply *r, mtv_err *err);
void vim_reply_free(vim_reply *r);
/* As vim_call; also puts the response's "vmware_soap_session=..." cookie pair
 * (as sent, quoted or not) into cookie when there is one (Login). */
int vim_call_cookie(vim_client *c, const char *op, const char *this_type, const char *this_value,
                    const char *args, vim_reply *r, strbuf *cookie, mtv_err *err);

/* The first <returnval> of a reply: its text (a MoRef value) into out. */
int vim_reply_moref(const vim_reply *r, strbuf *out);

/* Parses a response body for op: the <OpResponse> element, or the SOAP fault
 * as an error (fault type into fault_type, 64 bytes). Used by vim_call and by
 * tests on recorded responses. On success the caller owns *doc. */
int vim_parse_response(const char *op, long status, const char *body, size_t n, xmlDoc **doc,
                       xmlNode **resp, char *fault_type, mtv_err *err);

/* A readable sentence for a vSphere fault: fault is the element carrying the
 * fault's xsi:type (a SOAP fault's detail child, or a LocalizedMethodFault's
 * <fault>); text is the server's faultstring or localizedMessage (may be
 * NULL or empty, as vcsim often sends). Writes the type into type_out (64). */
void vim_fault_describe(const xmlNode *fault, const char *text, strbuf *out, char *type_out);

/* ---- property collector ---------------------------------------------------- */

typedef struct vim_prop {
    char *name;               /* "config.hardware.device" */
    xmlNode *val;
} vim_prop;

typedef struct vim_missing {
    char *path;
    char *fault;              /* fault type: NotAuthenticated, InvalidProperty, ... */
} vim_missing;

typedef struct vim_obj {
    char *type, *value;
    vim_prop *props;
    size_t nprops;
    vim_missing *missing;
    size_t nmissing;
} vim_obj;

typedef struct vim_objset {
    vim_obj *objs;
    size_t count;
    xmlDoc **docs;
    size_t ndocs;
    int pages;                /* responses it was assembled from */
} vim_objset;

void vim_objset_free(vim_objset *s);
/* Takes doc and adds the ObjectContents under result (a RetrievePropertiesEx
 * or Continue... returnval, or a RetrieveProperties response). Objects seen
 * before (same type and value) get the new properties merged in. The page's
 * token, if any, goes to token. */
void vim_objset_take(vim_objset *s, xmlDoc *doc, const xmlNode *result, strbuf *token);
const vim_obj *vim_objset_get(const vim_objset *s, const char *type, const char *value);

/* A PropertyFilterSpec under construction: propSets then objectSets. */
typedef struct vim_spec {
    strbuf props, objects;
} vim_spec;
void vim_spec_init(vim_spec *s);
void vim_spec_free(vim_spec *s);
/* Properties to read for objects of type (paths NULL-terminated; NULL = all). */
void vim_spec_props(vim_spec *s, const char *type, const char *const *paths);
/* One object by id. */
void vim_spec_obj(vim_spec *s, const char *type, const char *value);
/* Every object in a container view. */
void vim_spec_view(vim_spec *s, const char *view_id);

/* RetrievePropertiesEx, then ContinueRetrievePropertiesEx while a token comes
 * back. A NotAuthenticated in a missingSet is an error, as is any fault. */
int vim_retrieve(vim_client *c, const vim_spec *spec, vim_objset *out, mtv_err *err);
/* The same; on failure the fault type (if any) goes to fault (64 bytes). */
int vim_retrieve_f(vim_client *c, const vim_spec *spec, vim_objset *out, char *fault,
                   mtv_err *err);

/* The value node of a property, looked up by exact name. */
xmlNode *vim_obj_prop(const vim_obj *o, const char *name);
/* The nodes at a dotted path ("config.hardware.device"), whether the path was
 * retrieved itself or an ancestor was ("config"). Array values yield their
 * items. Returns the count (at most max items stored). */
size_t vim_obj_nodes(const vim_obj *o, const char *path, xmlNode **items, size_t max);
/* Text / number / boolean of the first node at path (malloc'd / dflt). */
char *vim_obj_str(const vim_obj *o, const char *path);
long long vim_obj_ll(const vim_obj *o, const char *path, long long dflt);
int vim_obj_bool(const vim_obj *o, const char *path, int dflt);

/* A container view over the root folder for type (cached per client). */
int vim_view(vim_client *c, const char *type, const char **view_id, mtv_err *err);
/* The id of the object of type named name; a clear error (with a
 * did-you-mean) when there is none. */
int vim_find(vim_client *c, const char *type, const char *name, strbuf *value, mtv_err *err);
/* Names and ids of every object of type (objects carry a "name" prop). */
int vim_list(vim_client *c, const char *type, vim_objset *out, mtv_err *err);

/* ---- tasks -------------------------------------------------------------------- */

/* Polls the task's info until it leaves queued/running, sleeping on the
 * transport clock (250 ms growing to 2 s). success: its result MoRef value
 * (if any) into result (may be NULL). error: the task's fault, described,
 * prefixed with what ("cloning VM 'x'"), its type into fault (64 bytes, may
 * be NULL). Timeout: an error naming the task, its state and the seconds.
 * The client's cancel flag ends the wait with a "cancelled" error. */
int vim_task_wait(vim_client *c, const char *task, int64_t timeout_ms, const char *what,
                  strbuf *result, char *fault, mtv_err *err);

/* The sleep between two polls of a wait (tasks, guest processes) on the
 * transport's clock: 0, or -1 with a "cancelled while <what>" error as soon
 * as the client's cancel flag is set. */
int vim_poll_sleep(vim_client *c, int64_t ms, const char *what, mtv_err *err);

/* Calls a *_Task method and waits for its task: vim_call + vim_task_wait.
 * fault (64 bytes, may be NULL) gets the fault type of either step. */
int vim_run_task(vim_client *c, const char *op, const char *this_type, const char *this_value,
                 const char *args, int64_t timeout_ms, const char *what, strbuf *result,
                 char *fault, mtv_err *err);

#endif
