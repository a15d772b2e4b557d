/*
 * openshift: the OpenShift Virtualization adapter's operations (see
 * openshift.h), over the Kubernetes client.
 *
 * Cluster access is the run's own when the caller passes it (upstream reuses
 * the destination's token for an OpenShift source); otherwise the adapter
 * logs in with the entry's api_url, username and password through the
 * OpenShift OAuth flow, exactly as `oc login` would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/client.h"
#include "k8s/oauth.h"
#include "providers/kubevirt.h"
#include "providers/openshift.h"
#include "util/log.h"

static const k8s_kind CLUSTER_INSTANCETYPE = {"instancetype.kubevirt.io", "v1beta1",
                                              "VirtualMachineClusterInstancetype",
                                              "virtualmachineclusterinstancetypes", 0};
static const k8s_kind NS_INSTANCETYPE = {"instancetype.kubevirt.io", "v1beta1",
                                         "VirtualMachineInstancetype",
                                         "virtualmachineinstancetypes", 1};

typedef struct ocp_state {
    kube_config own;          /* filled when we logged in ourselves */
    const kube_config *kc;
    k8s_client *c;
    net_endpoint ep;
    char *ns;
} ocp_state;

static ocp_state *st(source_provider *p)
{
    return p->impl;
}

static char *xstrdup(const char *s)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        abort();
    return d;
}

/* "ns/name" or "name" (in the source namespace). */
static void split(source_provider *p, const char *vm, strbuf *ns, strbuf *name)
{
    const char *slash = strchr(vm, '/');
    if (slash) {
        sb_add(ns, vm, (size_t)(slash - vm));
        sb_adds(name, slash + 1);
    } else {
        sb_adds(ns, st(p)->ns);
        sb_adds(name, vm);
    }
}

static int ocp_open(source_provider *p, mtv_err *err)
{
    ocp_state *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    p->impl = s;
    if (p->cfg.kube) {
        s->kc = p->cfg.kube;
    } else {
        s->own.server = xstrdup(*p->url ? p->url : NULL);
        s->own.username = xstrdup(source_entry_str(p, "username"));
        s->own.password = xstrdup(source_entry_str(p, "password"));
        s->own.ca_file = xstrdup(p->cfg.ca_file);
        s->own.insecure = p->cfg.insecure;
        s->own.namespace_ = xstrdup("default");
        if (!s->own.server || !s->own.username || !s->own.password)
            return mtv_err_set(err, MTV_EXIT_USAGE, "OpenShift: api_url, username and password "
                                                    "are needed to log in");
        if (oauth_login(&s->own, p->cfg.t, err))
            return -1;
        s->kc = &s->own;
    }
    if (k8s_client_new(&s->c, s->kc, p->cfg.t, err))
        return -1;
    kubeconfig_endpoint(s->kc, &s->ep);
    s->ns = xstrdup(p->cfg.ocp_namespace ? p->cfg.ocp_namespace
                    : s->kc->namespace_ ? s->kc->namespace_ : "default");
    cJSON *version = NULL;
    if (k8s_get_raw(s->c, "/version", &version, err)) {
        mtv_err_prefix(err, "OpenShift at %s", s->kc->server);
        return -1;
    }
    log_debug("openshift: connected to %s (Kubernetes %s)", s->kc->server,
              k8s_obj_str(version, "gitVersion") ? k8s_obj_str(version, "gitVersion") : "?");
    cJSON_Delete(version);
    return 0;
}

static void ocp_close(source_provider *p)
{
    ocp_state *s = st(p);
    if (!s)
        return;
    k8s_client_free(s->c);
    kubeconfig_free(&s->own);
    free(s->ns);
    free(s);
    p->impl = NULL;
}

static int get_vm(source_provider *p, const char *ns, const char *name, cJSON **vm, mtv_err *err)
{
    int rc = k8s_get(st(p)->c, &K8S_VM, ns, name, vm, err);
    if (rc == K8S_NOT_FOUND)
        return mtv_err_set(err, MTV_EXIT_USAGE, "OpenShift at %s has no VirtualMachine %s/%s",
                           st(p)->kc->server, ns, name);
    return rc ? -1 : 0;
}

typedef struct pvc_cache {
    source_provider *p;
    const char *ns;
    cJSON *items;   /* fetched PVCs */
} pvc_cache;

static const cJSON *pvc_lookup(void *ud, const char *name)
{
    pvc_cache *c = ud;
    const cJSON *e;
    cJSON_ArrayForEach(e, c->items)
        if (k8s_obj_str(e, "metadata.name") && strcmp(k8s_obj_str(e, "metadata.name"), name) == 0)
            return e;
    cJSON *pvc = NULL;
    mtv_err err;
    if (k8s_get(st(c->p)->c, &K8S_PVC, c->ns, name, &pvc, &err) != 0) {
        log_debug("openshift: PVC %s/%s: %s", c->ns, name, err.msg);
        return NULL;
    }
    cJSON_AddItemToArray(c->items, pvc);
    return pvc;
}

static int ocp_vm_info(source_provider *p, const char *vm, vm_record *out, mtv_err *err)
{
    ocp_state *s = st(p);
    strbuf ns = STRBUF_INIT, name = STRBUF_INIT;
    split(p, vm, &ns, &name);
    cJSON *obj = NULL, *vmi = NULL, *itype = NULL;
    int rc = get_vm(p, ns.buf, name.buf, &obj, err);
    mtv_err soft;
    if (rc == 0 && k8s_get(s->c, &K8S_VMI, ns.buf, name.buf, &vmi, &soft) != 0)
        vmi = NULL;   /* not running */
    const char *it = rc == 0 ? k8s_obj_str(obj, "spec.instancetype.name") : NULL;
    if (it) {
        const char *kind = k8s_obj_str(obj, "spec.instancetype.kind");
        int namespaced = kind && strcmp(kind, "VirtualMachineInstancetype") == 0;
        if (k8s_get(s->c, namespaced ? &NS_INSTANCETYPE : &CLUSTER_INSTANCETYPE, ns.buf, it,
                    &itype, &soft) != 0) {
            log_debug("openshift: instancetype %s: %s", it, soft.msg);
            itype = NULL;
        }
    }
    if (rc == 0) {
        pvc_cache cache = {p, ns.buf, cJSON_CreateArray()};
        kubevirt_record_from(obj, vmi, itype, pvc_lookup, &cache, out);
        cJSON_Delete(cache.items);
    }
    cJSON_Delete(obj);
    cJSON_Delete(vmi);
    cJSON_Delete(itype);
    sb_release(&ns);
    sb_release(&name);
    return rc;
}

/* ---- power ------------------------------------------------------------------------------- */

static int ocp_power(source_provider *p, const char *vm, enum vm_power want, int64_t timeout_ms,
                     mtv_err *err)
{
    strbuf ns = STRBUF_INIT, name = STRBUF_INIT;
    split(p, vm, &ns, &name);
    int rc = kubevirt_power(st(p)->c, ns.buf, name.buf, want, timeout_ms, p->cfg.cancel, err);
    sb_release(&ns);
    sb_release(&name);
    return rc;
}

static int agent_connected(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)ud;
    (void)err;
    return k8s_condition_true(obj, "AgentConnected");
}

static int ocp_wait_guest(source_provider *p, const char *vm, int64_t timeout_ms, mtv_err *err)
{
    strbuf ns = STRBUF_INIT, name = STRBUF_INIT;
    split(p, vm, &ns, &name);
    cJSON *obj = NULL;
    int rc = get_vm(p, ns.buf, name.buf, &obj, err);
    const char *now = rc == 0 ? k8s_obj_str(obj, "status.printableStatus") : NULL;
    if (rc == 0 && now && strcmp(now, "Stopped") == 0)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "the VM is Stopped, so no guest agent can connect; "
                                            "start it first");
    if (rc == 0)
        rc = k8s_wait_for_cancel(st(p)->c, &K8S_VMI, ns.buf, name.buf, agent_connected, NULL, NULL,
                                 timeout_ms > 0 ? timeout_ms : 600000, p->cfg.cancel, err);
    cJSON_Delete(obj);
    sb_release(&ns);
    sb_release(&name);
    return rc;
}

/* ---- creating source VMs ------------------------------------------------------------------- */

static cJSON *source_vm(source_provider *p, const char *ns, const char *name)
{
    const char *ds = p->cfg.ocp_datasource ? p->cfg.ocp_datasource
                                            : "openshift-virtualization-os-images/rhel9";
    const char *slash = strchr(ds, '/');
    strbuf ds_ns = STRBUF_INIT, disk = STRBUF_INIT;
    if (slash)
        sb_add(&ds_ns, ds, (size_t)(slash - ds));
    else
        sb_adds(&ds_ns, "openshift-virtualization-os-images");
    sb_addf(&disk, "%s-rootdisk", name);
    cJSON *vm = cJSON_CreateObject();
    cJSON_AddStringToObject(vm, "apiVersion", "kubevirt.io/v1");
    cJSON_AddStringToObject(vm, "kind", "VirtualMachine");
    cJSON *md = cJSON_AddObjectToObject(vm, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    cJSON_AddStringToObject(md, "namespace", ns);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "labels"), "app.kubernetes.io/created-by",
                            "mtv-validate");
    cJSON *spec = cJSON_AddObjectToObject(vm, "spec");
    cJSON_AddStringToObject(spec, "runStrategy", "Manual");
    cJSON *it = cJSON_AddObjectToObject(spec, "instancetype");
    cJSON_AddStringToObject(it, "kind", "VirtualMachineClusterInstancetype");
    cJSON_AddStringToObject(it, "name", "u1.small");
    cJSON *pref = cJSON_AddObjectToObject(spec, "preference");
    cJSON_AddStringToObject(pref, "kind", "VirtualMachineClusterPreference");
    cJSON_AddStringToObject(pref, "name", "rhel.9");
    cJSON *dvt = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(dvt, "metadata"), "name", disk.buf);
    cJSON *dvs = cJSON_AddObjectToObject(dvt, "spec");
    cJSON *ref = cJSON_AddObjectToObject(dvs, "sourceRef");
    cJSON_AddStringToObject(ref, "kind", "DataSource");
    cJSON_AddStringToObject(ref, "name", slash ? slash + 1 : ds);
    cJSON_AddStringToObject(ref, "namespace", ds_ns.buf);
    cJSON *storage = cJSON_AddObjectToObject(dvs, "storage");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(storage, "resources"),
                                                    "requests"), "storage", "30Gi");
    if (source_entry_str(p, "storage_class"))
        cJSON_AddStringToObject(storage, "storageClassName", source_entry_str(p, "storage_class"));
    cJSON_AddItemToArray(cJSON_AddArrayToObject(spec, "dataVolumeTemplates"), dvt);
    cJSON *tspec = cJSON_AddObjectToObject(cJSON_AddObjectToObject(spec, "template"), "spec");
    cJSON *ifaces = cJSON_AddArrayToObject(
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(tspec, "domain"), "devices"), "interfaces");
    cJSON *nets = cJSON_AddArrayToObject(tspec, "networks");
    cJSON *i0 = cJSON_CreateObject();
    cJSON_AddStringToObject(i0, "name", "default");
    cJSON_AddObjectToObject(i0, "masquerade");
    cJSON_AddItemToArray(ifaces, i0);
    cJSON *n0 = cJSON_CreateObject();
    cJSON_AddStringToObject(n0, "name", "default");
    cJSON_AddObjectToObject(n0, "pod");
    cJSON_AddItemToArray(nets, n0);
    if (p->cfg.ocp_network) {
        cJSON *i1 = cJSON_CreateObject();
        cJSON_AddStringToObject(i1, "name", "secondary");
        cJSON_AddObjectToObject(i1, "bridge");
        cJSON_AddItemToArray(ifaces, i1);
        cJSON *n1 = cJSON_CreateObject();
        cJSON_AddStringToObject(n1, "name", "secondary");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(n1, "multus"), "networkName",
                                p->cfg.ocp_network);
        cJSON_AddItemToArray(nets, n1);
    }
    cJSON *vols = cJSON_AddArrayToObject(tspec, "volumes");
    cJSON *v0 = cJSON_CreateObject();
    cJSON_AddStringToObject(v0, "name", "rootdisk");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(v0, "dataVolume"), "name", disk.buf);
    cJSON_AddItemToArray(vols, v0);
    /* upstream's test-guest login (user rhel); not a credential of the user */
    cJSON *v1 = cJSON_CreateObject();
    cJSON_AddStringToObject(v1, "name", "cloudinitdisk");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(v1, "cloudInitNoCloud"), "userData",
                            "#cloud-config\nuser: rhel\npassword: 123456\n"
                            "chpasswd: { expire: False }\n");
    cJSON_AddItemToArray(vols, v1);
    sb_release(&ds_ns);
    sb_release(&disk);
    return vm;
}

static int ocp_clone(source_provider *p, const char *source, const char *clone_name,
                     const clone_options *o, strbuf *id, mtv_err *err)
{
    (void)o;
    (void)source;   /* OpenShift sources are created from the DataSource, not copied */
    strbuf ns = STRBUF_INIT, name = STRBUF_INIT, ref = STRBUF_INIT;
    split(p, clone_name, &ns, &name);
    cJSON *vm = source_vm(p, ns.buf, name.buf);
    int rc = k8s_create(st(p)->c, &K8S_VM, ns.buf, vm, NULL, err);
    cJSON_Delete(vm);
    if (rc == K8S_EXISTS)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "VirtualMachine %s/%s already exists", ns.buf,
                         name.buf);
    if (rc == 0) {
        sb_addf(&ref, "%s/%s", ns.buf, name.buf);
        source_report_created(p, SOURCE_KIND_VM, ref.buf, name.buf);
        if (id)
            sb_adds(id, ref.buf);
    }
    sb_release(&ns);
    sb_release(&name);
    sb_release(&ref);
    return rc ? -1 : 0;
}

static int ocp_remove(source_provider *p, const char *kind, const char *id, const char *name,
                      mtv_err *err)
{
    if (strcmp(kind, SOURCE_KIND_VM) != 0)
        return mtv_err_set(err, MTV_EXIT_USAGE, "OpenShift objects of kind '%s' cannot be "
                                                "deleted (vm can)", kind);
    /* the ledger's id is "ns/name"; a record's id is the VM's uid, which
     * names nothing, so then the name (in the source namespace) does */
    const char *ref = strchr(id, '/') || !name || !*name ? id : name;
    strbuf ns = STRBUF_INIT, vm = STRBUF_INIT;
    split(p, ref, &ns, &vm);
    int rc = k8s_delete(st(p)->c, &K8S_VM, ns.buf, vm.buf, "Foreground", err);
    if (rc == K8S_NOT_FOUND) {
        log_info("%s: VirtualMachine %s/%s is already gone", p->cfg.entry->key, ns.buf, vm.buf);
        rc = 0;
    } else if (rc == 0) {
        rc = k8s_wait_deleted_cancel(st(p)->c, &K8S_VM, ns.buf, vm.buf, 600000, p->cfg.cancel, err);
    }
    sb_release(&ns);
    sb_release(&vm);
    return rc ? -1 : 0;
}

const source_ops openshift_source_ops = {
    .type = "openshift",
    .open = ocp_open,
    .close = ocp_close,
    .vm_info = ocp_vm_info,
    .clone = ocp_clone,
    .power = ocp_power,
    .wait_guest = ocp_wait_guest,
    .remove = ocp_remove,
};
