/*
 * lab_mtv: see lab_mtv.h. Attaching seeds the store with what an MTV
 * installation on OpenShift Virtualization shows a client (every object
 * created through the store, as a client would, so watches and
 * resourceVersions see them), mounts the services on the lab's listener,
 * and registers the webhooks. Starting (once the port is known) adds the
 * Route, writes .providers.json and the OVA files, and starts the
 * controller.
 */
#include "lab/lab_mtv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/lab_ctl.h"
#include "lab/lab_faults.h"
#include "lab/lab_inv.h"
#include "lab/lab_meta.h"
#include "lab/lab_sources.h"
#include "lab/lab_webhook.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/rand.h"

struct lab_mtv {
    lab_mtv_config cfg;
    lab_server *srv;
    lab_world world;
    lab_faults *faults;
    mtv_clock *clock;
    lab_inv *inv;
    lab_webhook *webhook;
    lab_ctl *ctl;
    lab_sources *sources;
    char *users[LAB_SRC_COUNT];
    char *passwords[LAB_SRC_COUNT];
    char *providers_path;
    char *ova_dir;
    char *ns;
    cJSON *guests;      /* VMIs of the stopped OpenShift source VMs, for lab_ctl_guest */
    int started;
};

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static int64_t mono_ms(void *ud)
{
    return clock_mono_ms(ud);
}

/* ---- seeding ---- */

static const lab_kind *kind(lab_mtv *m, const char *group, const char *version,
                            const char *plural)
{
    return lab_kinds_find(lab_server_kinds(m->srv), group, version, plural);
}

/* Creates obj (consumed) and, when given, writes its status (consumed). */
static void seed(lab_mtv *m, const lab_kind *k, cJSON *obj, cJSON *status)
{
    if (!k || !obj) {
        cJSON_Delete(obj);
        cJSON_Delete(status);
        return;
    }
    lab_store *s = lab_server_store(m->srv);
    lab_result res;
    lab_store_create(s, k, cJSON_GetStringValue(cJSON_GetObjectItem(
                               cJSON_GetObjectItem(obj, "metadata"), "namespace")),
                     obj, NULL, &res);
    if (res.code == 201 && status) {
        cJSON *o = cJSON_CreateObject();
        cJSON *meta = cJSON_AddObjectToObject(o, "metadata");
        cJSON_AddStringToObject(meta, "name", res.obj->name);
        cJSON_AddItemToObject(o, "status", status);
        status = NULL;
        lab_write_opts wo = {.subresource = "status"};
        lab_result r2;
        lab_store_update(s, k, res.obj->ns, res.obj->name, o, &wo, &r2);
        lab_result_release(&r2);
    } else if (res.code != 201 && res.code != 409) {
        log_warn("lab: seeding a %s failed with HTTP %d", k->kind, res.code);
    }
    cJSON_Delete(status);
    lab_result_release(&res);
}

static cJSON *parse(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    if (!o)
        log_error("lab: a built-in object does not parse: %.60s", json);
    return o;
}

static void seed_text(lab_mtv *m, const char *group, const char *version, const char *plural,
                      const char *json, const char *status)
{
    seed(m, kind(m, group, version, plural), parse(json), status ? parse(status) : NULL);
}

/* The common instancetypes and preferences OpenShift Virtualization ships,
 * as far as the lab's VMs use them: the u1 series' CPUs and memory, and the
 * preferences source VMs name. */
static void seed_instancetypes(lab_mtv *m)
{
    static const struct { const char *name; int cpus; const char *memory; } types[] = {
        {"u1.nano", 1, "512Mi"}, {"u1.micro", 1, "1Gi"}, {"u1.small", 1, "2Gi"},
        {"u1.medium", 1, "4Gi"}, {"u1.2xmedium", 2, "4Gi"}, {"u1.large", 2, "8Gi"},
        {"u1.xlarge", 4, "16Gi"}};
    char buf[512];
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        snprintf(buf, sizeof buf,
                 "{\"metadata\":{\"name\":\"%s\",\"labels\":{\"instancetype.kubevirt.io/"
                 "vendor\":\"redhat.com\"}},\"spec\":{\"cpu\":{\"guest\":%d},"
                 "\"memory\":{\"guest\":\"%s\"}}}",
                 types[i].name, types[i].cpus, types[i].memory);
        seed_text(m, "instancetype.kubevirt.io", "v1beta1", "virtualmachineclusterinstancetypes",
                  buf, NULL);
    }
    static const char *const prefs[] = {"rhel.8", "rhel.9", "fedora", "windows.2k19",
                                        "windows.2k22"};
    for (size_t i = 0; i < sizeof prefs / sizeof *prefs; i++) {
        snprintf(buf, sizeof buf,
                 "{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"devices\":"
                 "{\"preferredDiskBus\":\"virtio\",\"preferredInterfaceModel\":\"virtio\"}}}",
                 prefs[i]);
        seed_text(m, "instancetype.kubevirt.io", "v1beta1", "virtualmachineclusterpreferences",
                  buf, NULL);
    }
}

/* ClusterVersion "version": the OpenShift release the cluster reports
 * (--openshift-version), completed in its history as a settled cluster's is. */
static void seed_cluster_version(lab_mtv *m)
{
    const char *v = m->cfg.openshift_version ? m->cfg.openshift_version : "4.20.0";
    int major = 4, minor = 20;
    sscanf(v, "%d.%d", &major, &minor);
    char spec[256], st[1024];
    snprintf(spec, sizeof spec,
             "{\"metadata\":{\"name\":\"version\"},\"spec\":{\"channel\":\"stable-%d.%d\","
             "\"clusterID\":\"6d1fbe6a-4d3b-4b8c-9d7e-5a2f1c0b3e4d\"}}", major, minor);
    snprintf(st, sizeof st,
             "{\"desired\":{\"version\":\"%s\"},\"history\":[{\"state\":\"Completed\","
             "\"version\":\"%s\",\"startedTime\":\"2026-01-01T00:00:00Z\","
             "\"completionTime\":\"2026-01-01T00:30:00Z\"}],\"conditions\":[{\"type\":"
             "\"Available\",\"status\":\"True\",\"lastTransitionTime\":\"2026-01-01T00:30:00Z\","
             "\"message\":\"Done applying %s\"},{\"type\":\"Progressing\",\"status\":\"False\","
             "\"lastTransitionTime\":\"2026-01-01T00:30:00Z\","
             "\"message\":\"Cluster version is %s\"}]}", v, v, v, v);
    seed_text(m, "config.openshift.io", "v1", "clusterversions", spec, st);
}

static void seed_cluster(lab_mtv *m)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"%s\",\"labels\":{"
             "\"openshift.io/cluster-monitoring\":\"true\"}}}", m->ns);
    seed_text(m, "", "v1", "namespaces", buf, NULL);
    static const char *const nodes[][2] = {{"master-0", "master"}, {"worker-0", "worker"},
                                           {"worker-1", "worker"}, {"worker-2", "worker"}};
    for (size_t i = 0; i < 4; i++) {
        int worker = !strcmp(nodes[i][1], "worker");
        snprintf(buf, sizeof buf,
                 "{\"metadata\":{\"name\":\"%s\",\"labels\":{\"kubernetes.io/hostname\":\"%s\","
                 "\"kubernetes.io/os\":\"linux\",\"kubernetes.io/arch\":\"amd64\","
                 "\"node-role.kubernetes.io/%s\":\"\",%s"
                 "\"topology.kubernetes.io/zone\":\"zone-a\"}},\"spec\":{%s}}",
                 nodes[i][0], nodes[i][0], nodes[i][1],
                 worker ? "\"kubevirt.io/schedulable\":\"true\"," : "",
                 worker ? "" : "\"taints\":[{\"effect\":\"NoSchedule\",\"key\":"
                               "\"node-role.kubernetes.io/master\"}]");
        char st[1024];
        snprintf(st, sizeof st,
                 "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":"
                 "\"KubeletReady\",\"message\":\"kubelet is posting ready status\"}],"
                 "\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.0.0.%zu\"},"
                 "{\"type\":\"Hostname\",\"address\":\"%s\"}],"
                 "\"allocatable\":{\"cpu\":\"15500m\",\"memory\":\"%dGi\",\"pods\":\"250\"},"
                 "\"capacity\":{\"cpu\":\"16\",\"memory\":\"%dGi\",\"pods\":\"250\"},"
                 "\"nodeInfo\":{\"kubeletVersion\":\"v1.32.0\",\"architecture\":\"amd64\","
                 "\"operatingSystem\":\"linux\",\"osImage\":\"Red Hat Enterprise Linux CoreOS\"}}",
                 10 + i, nodes[i][0], 60 + (int)i * 2, 64 + (int)i * 2);
        seed_text(m, "", "v1", "nodes", buf, st);
    }
    static const char *const classes[][2] = {
        {"standard", "kubernetes.io/no-provisioner"},
        {"ocs-storagecluster-ceph-rbd", "openshift-storage.rbd.csi.ceph.com"},
        {"ocs-storagecluster-ceph-rbd-virtualization", "openshift-storage.rbd.csi.ceph.com"},
        {"nfs-csi", "nfs.csi.k8s.io"},
        {"local-path", "rancher.io/local-path"}};
    for (size_t i = 0; i < sizeof classes / sizeof *classes; i++) {
        snprintf(buf, sizeof buf,
                 "{\"metadata\":{\"name\":\"%s\"%s},\"provisioner\":\"%s\",\"reclaimPolicy\":"
                 "\"Delete\",\"volumeBindingMode\":\"Immediate\",\"allowVolumeExpansion\":true}",
                 classes[i][0], i == 0 ? ",\"annotations\":{\"storageclass.kubernetes.io/"
                                         "is-default-class\":\"true\"}" : "",
                 classes[i][1]);
        seed_text(m, "storage.k8s.io", "v1", "storageclasses", buf, NULL);
    }
    const lab_source *os = &m->world.src[LAB_SRC_OPENSHIFT];
    for (size_t i = 0; i < os->nstorages; i++) {
        snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"%s\"},\"provisioner\":"
                 "\"lab.mtv-validate/world\",\"reclaimPolicy\":\"Delete\","
                 "\"volumeBindingMode\":\"Immediate\"}", os->storages[i].name);
        seed_text(m, "storage.k8s.io", "v1", "storageclasses", buf, NULL);
    }
    seed_instancetypes(m);
    seed_cluster_version(m);
    /* MTV itself */
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"forklift-controller\",\"namespace\":\"%s\"},\"spec\":{"
             "\"feature_ui_plugin\":\"true\",\"feature_validation\":\"true\","
             "\"feature_volume_populator\":\"true\"}}", m->ns);
    seed_text(m, "forklift.konveyor.io", "v1beta1", "forkliftcontrollers", buf,
              "{\"conditions\":[{\"type\":\"Running\",\"status\":\"True\",\"reason\":"
              "\"Running\",\"message\":\"Running reconciliation\"},{\"type\":\"Successful\","
              "\"status\":\"True\",\"reason\":\"Successful\",\"message\":\"\"}]}");
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"host\",\"namespace\":\"%s\"},\"spec\":{\"type\":"
             "\"openshift\",\"url\":\"\",\"secret\":{}}}", m->ns);
    seed_text(m, "forklift.konveyor.io", "v1beta1", "providers", buf, NULL);
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"forklift-inventory\",\"namespace\":\"%s\",\"labels\":{"
             "\"app\":\"forklift\",\"service\":\"forklift-inventory\"}},\"spec\":{\"type\":"
             "\"ClusterIP\",\"clusterIP\":\"172.30.12.34\",\"ports\":[{\"name\":\"api-https\","
             "\"port\":8443,\"protocol\":\"TCP\",\"targetPort\":8443}],\"selector\":{"
             "\"control-plane\":\"controller-manager\"}}}", m->ns);
    seed_text(m, "", "v1", "services", buf, NULL);
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"mtv-operator\",\"namespace\":\"%s\"},\"spec\":{\"name\":"
             "\"mtv-operator\",\"channel\":\"release-v2.10\",\"source\":\"redhat-operators\","
             "\"sourceNamespace\":\"openshift-marketplace\"}}", m->ns);
    seed_text(m, "operators.coreos.com", "v1alpha1", "subscriptions", buf,
              "{\"installedCSV\":\"mtv-operator.v2.10.0\",\"currentCSV\":\"mtv-operator.v2.10.0\","
              "\"state\":\"AtLatestKnown\"}");
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"mtv-operator.v2.10.0\",\"namespace\":\"%s\"},\"spec\":{"
             "\"displayName\":\"Migration Toolkit for Virtualization Operator\",\"version\":"
             "\"2.10.0\"}}", m->ns);
    seed_text(m, "operators.coreos.com", "v1alpha1", "clusterserviceversions", buf,
              "{\"phase\":\"Succeeded\",\"reason\":\"InstallSucceeded\"}");
    static const char *const pods[][2] = {
        {"forklift-controller-7c9d8b6f4-x2k7p", "controller-manager"},
        {"forklift-api-5d7f9c8b6-q4m2n", "forklift-api"},
        {"forklift-validation-6b8d7c5f9-r7t4w", "forklift-validation"},
        {"forklift-ui-plugin-8f6c5d7b9-h3j6k", "forklift-ui-plugin"},
        {"forklift-volume-populator-controller-59c7d8f6b-p9s2l", "volume-populator"},
        {"forklift-operator-6c8b7d9f5-z5v8c", "forklift-operator"}};
    for (size_t i = 0; i < sizeof pods / sizeof *pods; i++) {
        snprintf(buf, sizeof buf,
                 "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"labels\":{\"app\":"
                 "\"forklift\",\"control-plane\":\"%s\"}},\"spec\":{\"nodeName\":\"worker-0\","
                 "\"containers\":[{\"name\":\"main\",\"image\":\"registry.redhat.io/mtv/%s\"}]}}",
                 pods[i][0], m->ns, pods[i][1], pods[i][1]);
        seed_text(m, "", "v1", "pods", buf,
                  "{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],"
                  "\"containerStatuses\":[{\"name\":\"main\",\"ready\":true,\"restartCount\":0,"
                  "\"state\":{\"running\":{\"startedAt\":\"2026-01-01T00:00:00Z\"}}}]}");
    }
}

static void sanitize_name(const char *in, strbuf *out)
{
    sb_reset(out);
    for (const char *p = in; *p; p++) {
        char c = (char)tolower((unsigned char)*p);
        if (!isalnum((unsigned char)c))
            c = '-';
        if (c == '-' && (!out->len || out->buf[out->len - 1] == '-'))
            continue;
        sb_addc(out, c);
    }
    while (out->len && out->buf[out->len - 1] == '-')
        sb_setlen(out, out->len - 1);
}

/* The world's OpenShift source VMs: VirtualMachines with their PVCs (and
 * DataVolumes), running ones with a VMI, secondary NICs on NADs. */
static void seed_openshift_sources(lab_mtv *m)
{
    const lab_source *s = &m->world.src[LAB_SRC_OPENSHIFT];
    if (!s->present || !s->nvms)
        return;
    const char *ns = s->namespace;
    char buf[1024];
    snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"%s\"}}", ns);
    seed_text(m, "", "v1", "namespaces", buf, NULL);
    strbuf nad = STRBUF_INIT;
    for (size_t i = 0; i < s->nnetworks; i++) {
        sanitize_name(s->networks[i].name, &nad);
        snprintf(buf, sizeof buf,
                 "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"spec\":{\"config\":"
                 "\"{\\\"cniVersion\\\":\\\"0.3.1\\\",\\\"type\\\":\\\"bridge\\\",\\\"bridge\\\":"
                 "\\\"%s\\\"}\"}}", nad.buf, ns, nad.buf);
        seed_text(m, "k8s.cni.cncf.io", "v1", "network-attachment-definitions", buf, NULL);
    }
    const lab_kind *k_vm = kind(m, "kubevirt.io", "v1", "virtualmachines");
    const lab_kind *k_vmi = kind(m, "kubevirt.io", "v1", "virtualmachineinstances");
    const lab_kind *k_pvc = kind(m, "", "v1", "persistentvolumeclaims");
    const lab_kind *k_dv = kind(m, "cdi.kubevirt.io", "v1beta1", "datavolumes");
    for (size_t i = 0; i < s->nvms; i++) {
        const lab_vm *v = &s->vms[i];
        cJSON *vm = cJSON_CreateObject();
        cJSON_AddStringToObject(vm, "apiVersion", "kubevirt.io/v1");
        cJSON_AddStringToObject(vm, "kind", "VirtualMachine");
        cJSON *meta = cJSON_AddObjectToObject(vm, "metadata");
        cJSON_AddStringToObject(meta, "name", v->name);
        cJSON_AddStringToObject(meta, "namespace", ns);
        cJSON *labels = cJSON_AddObjectToObject(meta, "labels");
        strbuf os = STRBUF_INIT;
        sb_addf(&os, "os.template.kubevirt.io/%s", v->is_windows ? "win2k19" : "rhel8.8");
        cJSON_AddStringToObject(labels, os.buf, "true");
        sb_release(&os);
        cJSON *spec = cJSON_AddObjectToObject(vm, "spec");
        cJSON_AddStringToObject(spec, "runStrategy", v->power_on ? "Always" : "Halted");
        cJSON *tmpl = cJSON_AddObjectToObject(spec, "template");
        cJSON *tm = cJSON_AddObjectToObject(tmpl, "metadata");
        cJSON *tl = cJSON_AddObjectToObject(tm, "labels");
        cJSON_AddStringToObject(tl, "kubevirt.io/domain", v->name);
        cJSON *ta = cJSON_AddObjectToObject(tm, "annotations");
        cJSON_AddStringToObject(ta, "vm.kubevirt.io/os", v->is_windows ? "windows2k19" : "rhel8");
        cJSON *ts = cJSON_AddObjectToObject(tmpl, "spec");
        cJSON *dom = cJSON_AddObjectToObject(ts, "domain");
        cJSON *cpu = cJSON_AddObjectToObject(dom, "cpu");
        cJSON_AddNumberToObject(cpu, "sockets", v->cpus / v->cores_per_socket);
        cJSON_AddNumberToObject(cpu, "cores", v->cores_per_socket);
        cJSON_AddNumberToObject(cpu, "threads", 1);
        cJSON *mem = cJSON_AddObjectToObject(dom, "memory");
        snprintf(buf, sizeof buf, "%lldMi", v->memory_mb);
        cJSON_AddStringToObject(mem, "guest", buf);
        cJSON *fw = cJSON_AddObjectToObject(dom, "firmware");
        cJSON_AddStringToObject(fw, "serial", v->uuid);
        cJSON *bl = cJSON_AddObjectToObject(fw, "bootloader");
        if (!strcmp(v->firmware, "efi")) {
            cJSON *efi = cJSON_AddObjectToObject(bl, "efi");
            cJSON_AddBoolToObject(efi, "secureBoot", v->secure_boot);
        } else {
            cJSON_AddObjectToObject(bl, "bios");
        }
        cJSON *devs = cJSON_AddObjectToObject(dom, "devices");
        cJSON *disks = cJSON_AddArrayToObject(devs, "disks");
        cJSON *ifaces = cJSON_AddArrayToObject(devs, "interfaces");
        cJSON *nets = cJSON_AddArrayToObject(ts, "networks");
        cJSON *vols = cJSON_AddArrayToObject(ts, "volumes");
        for (size_t d = 0; d < v->ndisks; d++) {
            char dname[64], claim[300];
            snprintf(dname, sizeof dname, "disk-%zu", d);
            snprintf(claim, sizeof claim, "%s-disk-%zu", v->name, d);
            long long mib = (v->disks[d].capacity + (1 << 20) - 1) >> 20;
            char size[32];
            snprintf(size, sizeof size, "%lldMi", mib);
            cJSON *dd = cJSON_CreateObject();
            cJSON_AddStringToObject(dd, "name", dname);
            cJSON *db = cJSON_AddObjectToObject(dd, "disk");
            cJSON_AddStringToObject(db, "bus", "virtio");
            if (d == 0)
                cJSON_AddNumberToObject(dd, "bootOrder", 1);
            cJSON_AddItemToArray(disks, dd);
            cJSON *vv = cJSON_CreateObject();
            cJSON_AddStringToObject(vv, "name", dname);
            cJSON *pv = cJSON_AddObjectToObject(vv, "persistentVolumeClaim");
            cJSON_AddStringToObject(pv, "claimName", claim);
            cJSON_AddItemToArray(vols, vv);
            char pj[1024];
            snprintf(pj, sizeof pj,
                     "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"spec\":{\"source\":"
                     "{\"blank\":{}},\"storage\":{\"resources\":{\"requests\":{\"storage\":"
                     "\"%s\"}},\"storageClassName\":\"%s\"}}}",
                     claim, ns, size, v->disks[d].storage);
            seed(m, k_dv, parse(pj), parse("{\"phase\":\"Succeeded\",\"progress\":\"100.0%\"}"));
            snprintf(pj, sizeof pj,
                     "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"spec\":{"
                     "\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{"
                     "\"storage\":\"%s\"}},\"storageClassName\":\"%s\",\"volumeMode\":"
                     "\"Filesystem\"}}", claim, ns, size, v->disks[d].storage);
            char ps[256];
            snprintf(ps, sizeof ps, "{\"phase\":\"Bound\",\"capacity\":{\"storage\":\"%s\"},"
                     "\"accessModes\":[\"ReadWriteOnce\"]}", size);
            seed(m, k_pvc, parse(pj), parse(ps));
        }
        for (size_t n = 0; n < v->nnics; n++) {
            char iname[32];
            snprintf(iname, sizeof iname, "nic-%zu", n);
            cJSON *ifc = cJSON_CreateObject();
            cJSON_AddStringToObject(ifc, "name", iname);
            cJSON_AddStringToObject(ifc, "macAddress", v->nics[n].mac);
            cJSON_AddStringToObject(ifc, "model", "virtio");
            cJSON *net = cJSON_CreateObject();
            cJSON_AddStringToObject(net, "name", iname);
            if (n == 0) {
                cJSON_AddObjectToObject(ifc, "masquerade");
                cJSON_AddObjectToObject(net, "pod");
            } else {
                cJSON_AddObjectToObject(ifc, "bridge");
                cJSON *mu = cJSON_AddObjectToObject(net, "multus");
                sanitize_name(v->nics[n].network, &nad);
                strbuf full = STRBUF_INIT;
                sb_addf(&full, "%s/%s", ns, nad.buf);
                cJSON_AddStringToObject(mu, "networkName", full.buf);
                sb_release(&full);
            }
            if (!v->nics[n].connected)
                cJSON_AddStringToObject(ifc, "state", "down");
            cJSON_AddItemToArray(ifaces, ifc);
            cJSON_AddItemToArray(nets, net);
        }
        cJSON *spec_copy = cJSON_Duplicate(ts, 1);
        char st[256];
        snprintf(st, sizeof st, "{\"printableStatus\":\"%s\",\"ready\":%s,\"created\":%s}",
                 v->power_on ? "Running" : "Stopped", v->power_on ? "true" : "false",
                 v->power_on ? "true" : "false");
        seed(m, k_vm, vm, parse(st));
        /* running: its instance; stopped: what its instance shows once started */
        cJSON *vmi = cJSON_CreateObject();
        cJSON_AddStringToObject(vmi, "apiVersion", "kubevirt.io/v1");
        cJSON_AddStringToObject(vmi, "kind", "VirtualMachineInstance");
        cJSON *im = cJSON_AddObjectToObject(vmi, "metadata");
        cJSON_AddStringToObject(im, "name", v->name);
        cJSON_AddStringToObject(im, "namespace", ns);
        cJSON_AddItemToObject(vmi, "spec", spec_copy);
        spec_copy = NULL;
        strbuf ist = STRBUF_INIT;
        sb_addf(&ist, "{\"phase\":\"Running\",\"nodeName\":\"worker-1\",\"conditions\":["
                      "{\"type\":\"Ready\",\"status\":\"True\"},{\"type\":\"AgentConnected\","
                      "\"status\":\"True\"}],\"interfaces\":[");
        for (size_t n = 0; n < v->nnics; n++)
            sb_addf(&ist, "%s{\"name\":\"nic-%zu\",\"mac\":\"%s\",\"ipAddress\":\"%s\"}",
                    n ? "," : "", n, v->nics[n].mac, v->nics[n].ip);
        sb_adds(&ist, "]}");
        if (v->power_on) {
            seed(m, k_vmi, vmi, parse(ist.buf));
        } else {
            cJSON_AddItemToObject(vmi, "status", parse(ist.buf));
            if (!m->guests)
                m->guests = cJSON_CreateArray();
            cJSON_AddItemToArray(m->guests, vmi);
        }
        sb_release(&ist);
        cJSON_Delete(spec_copy);
    }
    sb_release(&nad);
}

/* ---- credentials and .providers.json ---- */

static void make_credentials(lab_mtv *m)
{
    static const char *const users[LAB_SRC_COUNT] = {"administrator@vsphere.local",
                                                     "admin@internal", "admin", NULL, NULL,
                                                     "Administrator"};
    mtv_rand *r = rand_new_entropy();
    for (int t = 0; t < LAB_SRC_COUNT; t++) {
        if (!users[t] || !m->world.src[t].present)
            continue;
        if (t == LAB_SRC_VSPHERE && !m->cfg.vsphere_url) {
            /* served from the world, with no endpoint a client could log in to */
            continue;
        } else if (t == LAB_SRC_VSPHERE) {
            m->users[t] = xstrdup(m->cfg.vsphere_user ? m->cfg.vsphere_user : "user");
            m->passwords[t] = xstrdup(m->cfg.vsphere_password ? m->cfg.vsphere_password : "pass");
        } else {
            m->users[t] = xstrdup(users[t]);
            strbuf pw = STRBUF_INIT;
            rand_name(r, "Lab", 18, &pw);
            m->passwords[t] = sb_detach(&pw, NULL);
        }
        strbuf label = STRBUF_INIT;
        sb_addf(&label, "lab.%s.password", lab_src_type_name((lab_src_type)t));
        secrets_add(log_secrets(), label.buf, m->passwords[t]);
        sb_release(&label);
    }
    rand_free(r);
}

static void entry_common(cJSON *e, const char *type, const char *version, const char *url,
                         const char *user, const char *password)
{
    cJSON_AddStringToObject(e, "type", type);
    cJSON_AddStringToObject(e, "version", version);
    cJSON_AddStringToObject(e, "fqdn", "127.0.0.1");
    cJSON_AddStringToObject(e, "api_url", url);
    cJSON_AddStringToObject(e, "username", user ? user : "");
    cJSON_AddStringToObject(e, "password", password ? password : "");
}

static int write_providers(lab_mtv *m, mtv_err *err)
{
    const char *dir = lab_server_state_dir(m->srv);
    if (!dir || !m->cfg.write_providers)
        return 0;
    const char *url = lab_server_url(m->srv);
    cJSON *root = cJSON_CreateObject();
    strbuf u = STRBUF_INIT;
    const char *guest_user = getenv("USER") ? getenv("USER") : "root";
    if (m->world.src[LAB_SRC_VSPHERE].present && m->cfg.vsphere_url) {
        cJSON *e = cJSON_AddObjectToObject(root, "vsphere");
        entry_common(e, "vsphere", "6.5", m->cfg.vsphere_url, m->users[LAB_SRC_VSPHERE],
                     m->passwords[LAB_SRC_VSPHERE]);
        cJSON_AddStringToObject(e, "vddk_init_image", "quay.io/kubev2v/vddk:lab");
        cJSON_AddStringToObject(e, "guest_vm_linux_user", guest_user);
        cJSON_AddStringToObject(e, "guest_vm_win_user", "Administrator");
    }
    if (m->world.src[LAB_SRC_OVIRT].present) {
        sb_reset(&u);
        sb_addf(&u, "%s/ovirt-engine/api", url);
        cJSON *e = cJSON_AddObjectToObject(root, "ovirt");
        entry_common(e, "ovirt", "4.5", u.buf, m->users[LAB_SRC_OVIRT],
                     m->passwords[LAB_SRC_OVIRT]);
        cJSON_AddStringToObject(e, "guest_vm_linux_user", guest_user);
    }
    if (m->world.src[LAB_SRC_OPENSTACK].present) {
        sb_reset(&u);
        sb_addf(&u, "%s/openstack/identity/v3", url);
        cJSON *e = cJSON_AddObjectToObject(root, "openstack");
        entry_common(e, "openstack", "17.1", u.buf, m->users[LAB_SRC_OPENSTACK],
                     m->passwords[LAB_SRC_OPENSTACK]);
        cJSON_AddStringToObject(e, "user_domain_name", "Default");
        cJSON_AddStringToObject(e, "region_name", "RegionOne");
        cJSON_AddStringToObject(e, "project_name", "admin");
        cJSON_AddStringToObject(e, "user_domain_id", "default");
        cJSON_AddStringToObject(e, "project_domain_id", "default");
        cJSON_AddStringToObject(e, "guest_vm_linux_user", guest_user);
    }
    if (m->world.src[LAB_SRC_OPENSHIFT].present) {
        cJSON *e = cJSON_AddObjectToObject(root, "openshift");
        cJSON_AddStringToObject(e, "type", "openshift");
        cJSON_AddStringToObject(e, "version", "4.20");
        cJSON_AddStringToObject(e, "host", "127.0.0.1");
        cJSON_AddStringToObject(e, "api_url", url);
        cJSON_AddStringToObject(e, "username", lab_auth_username(lab_server_auth(m->srv)));
        cJSON_AddStringToObject(e, "password", lab_auth_password(lab_server_auth(m->srv)));
        cJSON_AddStringToObject(e, "storage_class", "standard");
    }
    if (m->world.src[LAB_SRC_OVA].present && m->ova_dir) {
        sb_reset(&u);
        sb_addf(&u, "127.0.0.1:%s", m->ova_dir);
        cJSON *e = cJSON_AddObjectToObject(root, "ova");
        entry_common(e, "ova", "1.0", u.buf, "", "");
    }
    sb_release(&u);
    char *txt = cJSON_Print(root);
    cJSON_Delete(root);
    strbuf path = STRBUF_INIT;
    fs_join(&path, dir, ".providers.json");
    int rc = fs_write_atomic(path.buf, txt, strlen(txt), err);
    free(txt);
    if (rc == 0) {
        chmod(path.buf, 0600);
        m->providers_path = sb_detach(&path, NULL);
    }
    sb_release(&path);
    return rc;
}

static void seed_route(lab_mtv *m)
{
    const char *url = lab_server_url(m->srv);
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"forklift-inventory\",\"namespace\":\"%s\",\"labels\":{"
             "\"app\":\"forklift\",\"service\":\"forklift-inventory\"},\"annotations\":{"
             "\"haproxy.router.openshift.io/timeout\":\"360s\"}},\"spec\":{\"host\":\"%s\","
             "\"to\":{\"kind\":\"Service\",\"name\":\"forklift-inventory\",\"weight\":100},"
             "\"port\":{\"targetPort\":\"api-https\"},\"tls\":{\"termination\":\"reencrypt\"}}}",
             m->ns, host);
    char st[512];
    snprintf(st, sizeof st,
             "{\"ingress\":[{\"host\":\"%s\",\"routerName\":\"default\",\"conditions\":[{\"type\":"
             "\"Admitted\",\"status\":\"True\"}]}]}", host);
    seed_text(m, "route.openshift.io", "v1", "routes", buf, st);
}

/* ---- lifecycle ---- */

int lab_mtv_attach(lab_server *srv, const lab_mtv_config *cfg, lab_mtv **out, mtv_err *err)
{
    *out = NULL;
    lab_mtv *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    m->cfg = *cfg;
    m->srv = srv;
    m->ns = xstrdup(cfg->namespace ? cfg->namespace : "openshift-mtv");
    if (m->cfg.speed <= 0)
        m->cfg.speed = 1;
    if (lab_world_load(&m->world, cfg->world_path, err) < 0 ||
        lab_faults_load(&m->faults, cfg->faults_path, err) < 0) {
        lab_mtv_free(m);
        return -1;
    }
    m->clock = clock_new_real();
    lab_store *store = lab_server_store(srv);
    m->inv = lab_inv_new(store, mono_ms, m->clock);
    make_credentials(m);
    seed_cluster(m);
    seed_openshift_sources(m);
    m->webhook = lab_webhook_new(store);
    const char *state = lab_server_state_dir(srv);
    if (cfg->ova_dir) {
        m->ova_dir = realpath(cfg->ova_dir, NULL);
        if (!m->ova_dir)
            m->ova_dir = xstrdup(cfg->ova_dir);
    } else if (state) {
        strbuf d = STRBUF_INIT;
        fs_join(&d, state, "ova");
        m->ova_dir = sb_detach(&d, NULL);
    }
    lab_sources_config sc = {
        .server = srv, .world = &m->world, .faults = m->faults, .inv = m->inv,
        .ssh_target = cfg->ssh_target, .guest_dir = cfg->guest_dir,
        .vsphere_url = cfg->vsphere_url, .ova_dir = m->ova_dir,
    };
    for (int t = 0; t < LAB_SRC_COUNT; t++) {
        sc.users[t] = m->users[t];
        sc.passwords[t] = m->passwords[t];
    }
    if (lab_sources_attach(&sc, &m->sources, err) < 0) {
        lab_mtv_free(m);
        return -1;
    }
    lab_httpd_mount(lab_server_httpd(srv), "/providers", 0, lab_inv_handle, m->inv);
    *out = m;
    return 0;
}

int lab_mtv_start(lab_mtv *m, mtv_err *err)
{
    seed_route(m);
    if (lab_sources_start(m->sources, err) < 0 || write_providers(m, err) < 0)
        return -1;
    lab_ctl_config cc = {
        .store = lab_server_store(m->srv), .inv = m->inv, .world = &m->world,
        .faults = m->faults, .speed = m->cfg.speed, .namespace = m->ns,
        .self_url = lab_server_url(m->srv), .clock = m->clock,
    };
    for (int t = 0; t < LAB_SRC_COUNT; t++) {
        cc.users[t] = m->users[t];
        cc.passwords[t] = m->passwords[t];
    }
    lab_sources_wire(m->sources, &cc);
    m->ctl = lab_ctl_new(&cc);
    const cJSON *g;
    cJSON_ArrayForEach(g, m->guests)
    {
        lab_ctl_guest(m->ctl, g);
    }
    if (lab_ctl_start(m->ctl, err) < 0)
        return -1;
    m->started = 1;
    log_info("lab: MTV controller running (speed %g, %s world)", m->cfg.speed,
             m->cfg.world_path ? m->cfg.world_path : "built-in");
    return 0;
}

void lab_mtv_stop(lab_mtv *m)
{
    if (!m)
        return;
    lab_ctl_stop(m->ctl);
    lab_sources_stop(m->sources);
}

void lab_mtv_free(lab_mtv *m)
{
    if (!m)
        return;
    lab_mtv_stop(m);
    lab_ctl_free(m->ctl);
    lab_sources_free(m->sources);
    lab_webhook_free(m->webhook);
    lab_inv_free(m->inv);
    lab_faults_free(m->faults);
    lab_world_free(&m->world);
    clock_free(m->clock);
    for (int t = 0; t < LAB_SRC_COUNT; t++) {
        free(m->users[t]);
        free(m->passwords[t]);
    }
    free(m->providers_path);
    free(m->ova_dir);
    free(m->ns);
    cJSON_Delete(m->guests);
    free(m);
}

const lab_world *lab_mtv_world(const lab_mtv *m)
{
    return &m->world;
}

const char *lab_mtv_user(const lab_mtv *m, lab_src_type t)
{
    return (unsigned)t < LAB_SRC_COUNT ? m->users[t] : NULL;
}

const char *lab_mtv_password(const lab_mtv *m, lab_src_type t)
{
    return (unsigned)t < LAB_SRC_COUNT ? m->passwords[t] : NULL;
}

const char *lab_mtv_providers_path(const lab_mtv *m)
{
    return m->providers_path;
}

const char *lab_mtv_ova_dir(const lab_mtv *m)
{
    return m->ova_dir;
}

void lab_mtv_settle(lab_mtv *m, int timeout_ms)
{
    if (m->ctl)
        lab_ctl_settle(m->ctl, timeout_ms);
}
