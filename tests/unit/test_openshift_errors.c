/*
 * The OpenShift source adapter facing a cluster that answers badly: a
 * refused token, a VM that does not exist, bodies that are not JSON, not an
 * object or cut short, and a connection dropped mid-answer. Each gives an
 * error that names what was asked and why, never a crash, and never the
 * token (a canary) in the message; and a guest wait that the run's
 * interruption ends at once.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <string.h>

#include "config/providers.h"
#include "k8s/kubeconfig.h"
#include "net/transport.h"
#include "providers/provider.h"
#include "providers/vm_record.h"
#include "testserver.h"
#include "testutil.h"
#include "util/log.h"
#include "util/secrets.h"

#define TOKEN "sha256~Canary-Ocp-Token-77c1"
#define VMS "/apis/kubevirt.io/v1/namespaces/src/virtualmachines/"
#define VMIS "/apis/kubevirt.io/v1/namespaces/src/virtualmachineinstances/"

static const char *VERSION = "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0\"}";

typedef struct fixture {
    ts_server *s;
    transport *t;
    kube_config kc;
    providers_file pf;
    const provider_entry *entry;
} fixture;

static void start(fixture *f)
{
    log_set_level(LOG_ERROR);
    memset(f, 0, sizeof *f);
    f->s = ts_start(TS_HTTP);
    transport_config tc = {.mode = TRANSPORT_LIVE};
    mtv_err err;
    cr_assert_eq(transport_open(&f->t, &tc, &err), 0, "%s", err.msg);
    f->kc.server = strdup(ts_url(f->s));
    f->kc.token = strdup(TOKEN);
    f->kc.namespace_ = strdup("src");
    secrets_add(log_secrets(), "kubeconfig token", TOKEN);
    char text[1024];
    snprintf(text, sizeof text,
             "{\"ocp\": {\"type\": \"openshift\", \"version\": \"4.20\", \"host\": \"c\","
             " \"api_url\": \"%s\", \"username\": \"kubeadmin\","
             " \"password\": \"Canary-Ocp-Pw-55\", \"storage_class\": \"standard\"}}",
             ts_url(f->s));
    cr_assert_eq(providers_open(&f->pf, tu_write(tu_tmpdir(), "p.json", text), "ocp",
                                log_secrets(), &f->entry, &err),
                 0, "%s", err.msg);
}

static void finish(fixture *f)
{
    providers_file_free(&f->pf);
    kubeconfig_free(&f->kc);
    transport_free(f->t);
    ts_stop(f->s);
}

static int open_adapter(fixture *f, source_provider **p, mtv_err *err)
{
    source_config cfg = {.t = f->t, .entry = f->entry, .kube = &f->kc};
    return source_open(p, &cfg, err);
}

static void no_token(const char *msg)
{
    cr_assert_null(strstr(msg, "Canary-Ocp-Token"), "the token leaked: %s", msg);
}

/* vm_info of src/NAME against a cluster whose VM route answers as given */
static void vm_info_fails(const char *name, int status, const char *body, int drop,
                          const char *expect)
{
    fixture f;
    start(&f);
    ts_route_static(f.s, "GET", "/version", 200, "application/json", VERSION, strlen(VERSION));
    ts_script_step step = {.status = status, .body = body, .drop = drop};
    char path[256];
    snprintf(path, sizeof path, VMS "%s", name);
    ts_route_script(f.s, "GET", path, &step, 1);
    source_provider *p = NULL;
    mtv_err err;
    cr_assert_eq(open_adapter(&f, &p, &err), 0, "%s", err.msg);
    vm_record r;
    vm_record_init(&r);
    cr_assert_eq(source_vm_info(p, name, &r, &err), -1, "%s answered %d: vm_info succeeded", name,
                 status);
    cr_assert(strstr(err.msg, expect), "expected '%s' in: %s", expect, err.msg);
    cr_assert(strstr(err.msg, name), "the error does not name the VM: %s", err.msg);
    no_token(err.msg);
    vm_record_free(&r);
    source_close(p);
    finish(&f);
}

Test(openshift_errors, a_refused_token_names_the_cluster_and_the_status)
{
    fixture f;
    start(&f);
    static const char *status = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}";
    ts_route_static(f.s, "GET", "/version", 401, "application/json", status, strlen(status));
    source_provider *p = NULL;
    mtv_err err;
    cr_assert_eq(open_adapter(&f, &p, &err), -1);
    cr_assert(strstr(err.msg, ts_url(f.s)), "the cluster is not named: %s", err.msg);
    cr_assert(strstr(err.msg, "401") || strstr(err.msg, "Unauthorized"), "%s", err.msg);
    no_token(err.msg);
    source_close(p);
    finish(&f);
}

Test(openshift_errors, a_missing_vm_is_named)
{
    static const char *status = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                "\"message\":\"virtualmachines.kubevirt.io \\\"gone\\\" not found\","
                                "\"reason\":\"NotFound\",\"code\":404}";
    vm_info_fails("gone", 404, status, 0, "has no VirtualMachine src/gone");
}

Test(openshift_errors, a_body_that_is_not_json)
{
    vm_info_fails("garbled", 200, "{\"kind\":\"VirtualMachine\",\"metadata\":", 0, "JSON");
}

Test(openshift_errors, a_body_that_is_not_an_object)
{
    vm_info_fails("listy", 200, "[1,2,3]", 0, "answered without an object");
}

Test(openshift_errors, a_dropped_connection)
{
    vm_info_fails("dropped", 200, NULL, 1, "dropped");
}

/* A VM whose spec is odd (wrong types everywhere) reads without a crash. */
Test(openshift_errors, odd_types_in_a_vm_do_not_crash_the_reader)
{
    fixture f;
    start(&f);
    ts_route_static(f.s, "GET", "/version", 200, "application/json", VERSION, strlen(VERSION));
    static const char *vm =
        "{\"kind\":\"VirtualMachine\",\"metadata\":{\"name\":\"odd\",\"namespace\":\"src\","
        "\"uid\":7},\"spec\":{\"instancetype\":\"u1.small\",\"template\":{\"spec\":{\"domain\":"
        "{\"cpu\":\"four\",\"memory\":{\"guest\":12},\"devices\":{\"interfaces\":{}}},"
        "\"volumes\":[null,{\"dataVolume\":7}],\"networks\":\"pod\"}}},\"status\":[]}";
    ts_route_static(f.s, "GET", VMS "odd", 200, "application/json", vm, strlen(vm));
    static const char *nf = "{\"kind\":\"Status\",\"code\":404,\"reason\":\"NotFound\"}";
    ts_route_static(f.s, "GET", VMIS "odd", 404, "application/json", nf, strlen(nf));
    source_provider *p = NULL;
    mtv_err err;
    cr_assert_eq(open_adapter(&f, &p, &err), 0, "%s", err.msg);
    vm_record r;
    vm_record_init(&r);
    int rc = source_vm_info(p, "odd", &r, &err);
    if (rc == 0)
        cr_assert_eq(r.memory_mb, VR_UNSET, "a memory that is a number of nothing is unknown");
    else
        no_token(err.msg);
    vm_record_free(&r);
    source_close(p);
    finish(&f);
}

/* The VMI list answers an instance without its agent; a watch stays quiet. */
static void quiet_vmis(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    ts_resp_header(resp, "Content-Type", "application/json");
    if (strstr(req->uri, "watch=true")) {
        static const char *bookmark = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":"
                                      "\"VirtualMachineInstance\",\"metadata\":{\"resourceVersion\":\"6\"}}}\n";
        ts_resp_frame(resp, 60000, bookmark, strlen(bookmark));
        return;
    }
    static const char *list = "{\"kind\":\"VirtualMachineInstanceList\",\"metadata\":"
                              "{\"resourceVersion\":\"5\"},\"items\":[{\"metadata\":{\"name\":\"slow\","
                              "\"namespace\":\"src\",\"resourceVersion\":\"5\"},\"status\":{}}]}";
    ts_resp_body(resp, "application/json", list, strlen(list));
}

typedef struct canceller {
    atomic_int *flag;
    fixture *f;
} canceller;

static void *cancel_when_watching(void *ud)
{
    canceller *c = ud;
    /* once the watch is open, the run is interrupted */
    for (int i = 0; i < 500; i++) {
        for (size_t k = 0; k < ts_count(c->f->s); k++) {
            const ts_request *r = ts_request_at(c->f->s, k);
            if (r && strstr(r->uri, "virtualmachineinstances?") && strstr(r->uri, "watch=true")) {
                atomic_store(c->flag, 1);
                return NULL;
            }
        }
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    atomic_store(c->flag, 1);
    return NULL;
}

Test(openshift_errors, a_guest_wait_ends_when_the_run_is_interrupted)
{
    fixture f;
    start(&f);
    ts_route_static(f.s, "GET", "/version", 200, "application/json", VERSION, strlen(VERSION));
    static const char *vm = "{\"kind\":\"VirtualMachine\",\"metadata\":{\"name\":\"slow\",\"namespace\":"
                            "\"src\"},\"spec\":{},\"status\":{\"printableStatus\":\"Running\"}}";
    ts_route_static(f.s, "GET", VMS "slow", 200, "application/json", vm, strlen(vm));
    ts_route(f.s, "GET", "/apis/kubevirt.io/v1/namespaces/src/virtualmachineinstances", quiet_vmis,
             NULL);
    atomic_int cancel = 0;
    source_config cfg = {.t = f.t, .entry = f.entry, .kube = &f.kc, .cancel = &cancel};
    source_provider *p = NULL;
    mtv_err err;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    canceller c = {&cancel, &f};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, cancel_when_watching, &c), 0);
    /* a 20-minute wait: only the interruption ends it within the test */
    int rc = source_wait_guest(p, "slow", 1200000, &err);
    pthread_join(th, NULL);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "cancelled"), "%s", err.msg);
    source_close(p);
    finish(&f);
}
