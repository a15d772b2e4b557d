/*
 * lab_ctl_kubevirt: the lab's virt-controller for power. A kubevirt.io/v1
 * VirtualMachine's spec.runStrategy (Always, RerunOnFailure, Manual, Once,
 * Halted) or legacy spec.running, together with the start/stop requests
 * KubeVirt's subresources leave in status.stateChangeRequests, decides
 * whether its VirtualMachineInstance exists; this file creates or deletes
 * it and keeps the VM's status (printableStatus Starting/Running/Stopping/
 * Stopped/ErrorUnschedulable, ready, created, runStrategy, Ready) in step.
 *
 * What the guest shows when it runs (node, AgentConnected, interfaces with
 * their IPs, OS info, lab annotations) is the VM's "guest": the instance
 * the migration controller built for a migrated VM (faults included), the
 * one the world seeded for a source VM, the last instance seen, or else
 * one made up from the template (a pod IP from a hash, the agent up). So a
 * VM stopped and started again comes back as the same guest, and a fault
 * that made a migrated VM wrong holds for every instance.
 *
 * A change after creation passes through Starting or Stopping for a few
 * (speed-scaled) seconds as on a cluster; the first instance of a VM the
 * controller itself creates appears at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_ctl_int.h"
#include "util/codec.h"
#include "util/log.h"

#define KV_START_SECONDS 8.0
#define KV_STOP_SECONDS 4.0

enum { KV_IDLE, KV_STARTING, KV_STOPPING };

typedef struct kv_rt {
    cJSON *guest;      /* a VMI: metadata.annotations and status are what counts */
    int ran;           /* an instance was created (runStrategy Once) */
    int phase;         /* KV_IDLE, KV_STARTING, KV_STOPPING */
    int64_t due;       /* when the transition ends (mono ms) */
} kv_rt;

static void key_of(strbuf *k, const char *ns, const char *name)
{
    sb_addf(k, "%s/%s", ns ? ns : "", name);
}

static kv_rt *rt_get(lab_ctl *c, const char *ns, const char *name, int create)
{
    strbuf k = STRBUF_INIT;
    key_of(&k, ns, name);
    kv_rt *rt = strmap_get(&c->kvs, k.buf);
    if (!rt && create) {
        rt = calloc(1, sizeof *rt);
        if (!rt)
            abort();
        strmap_put(&c->kvs, k.buf, rt);
    }
    sb_release(&k);
    return rt;
}

static void rt_forget(lab_ctl *c, const char *ns, const char *name)
{
    strbuf k = STRBUF_INIT;
    key_of(&k, ns, name);
    kv_rt *rt = strmap_del(&c->kvs, k.buf);
    sb_release(&k);
    if (rt) {
        cJSON_Delete(rt->guest);
        free(rt);
    }
}

void ctl_kubevirt_free(lab_ctl *c)
{
    const char *k;
    void *v;
    for (size_t i = 0; strmap_next(&c->kvs, &i, &k, &v);) {
        kv_rt *rt = v;
        cJSON_Delete(rt->guest);
        free(rt);
    }
    strmap_free(&c->kvs);
}

void ctl_kubevirt_guest(lab_ctl *c, const char *ns, const char *name, cJSON *vmi)
{
    kv_rt *rt = rt_get(c, ns, name, 1);
    cJSON_Delete(rt->guest);
    rt->guest = vmi;
}

char *ctl_pick_node(lab_ctl *c, const cJSON *selector)
{
    cJSON *nodes = ctl_list(c, c->k_node, NULL);
    char *hit = NULL;
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes)
    {
        const cJSON *labels = jpath(n, "metadata.labels");
        int ok = !cJSON_IsTrue(jpath(n, "spec.unschedulable"));
        const cJSON *want;
        cJSON_ArrayForEach(want, selector)
        {
            const cJSON *have = cJSON_GetObjectItemCaseSensitive(labels, want->string);
            if (!have || (cJSON_IsString(want) && strcmp(js(labels, want->string), want->valuestring)))
                ok = 0;
        }
        if (ok && !strcmp(js(labels, "node-role.kubernetes.io/worker"), "") &&
            cJSON_GetObjectItemCaseSensitive(labels, "node-role.kubernetes.io/worker")) {
            hit = strdup(jpath_str(n, "metadata.name"));
            if (!hit)
                abort();
            break;
        }
    }
    cJSON_Delete(nodes);
    return hit;
}

/* A guest for a VM nobody described: every interface gets a MAC (its own,
 * else one from a hash) and an address from a hash of VM and interface,
 * the agent is up, the OS is what the VM's labels say. */
static cJSON *made_up_guest(const cJSON *vm, const char *ns, const char *name)
{
    cJSON *g = cJSON_CreateObject();
    cJSON *st = cJSON_AddObjectToObject(g, "status");
    cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
    cJSON *agent = cJSON_CreateObject();
    cJSON_AddStringToObject(agent, "type", "AgentConnected");
    cJSON_AddStringToObject(agent, "status", "True");
    cJSON_AddItemToArray(conds, agent);
    cJSON *ifs = cJSON_AddArrayToObject(st, "interfaces");
    const cJSON *ifc;
    size_t k = 0;
    cJSON_ArrayForEach(ifc, jpath(vm, "spec.template.spec.domain.devices.interfaces"))
    {
        char seed[512], hex[65], mac[32], ip[32], ifname[16];
        snprintf(seed, sizeof seed, "%s/%s/%s", ns, name, js(ifc, "name"));
        sha256_hex(seed, strlen(seed), hex);
        unsigned b[4];
        for (int i = 0; i < 4; i++)
            sscanf(hex + 2 * i, "%2x", &b[i]);
        if (*js(ifc, "macAddress"))
            snprintf(mac, sizeof mac, "%s", js(ifc, "macAddress"));
        else
            snprintf(mac, sizeof mac, "02:%02x:%02x:%02x:%02x:%02zx", b[0], b[1], b[2], b[3], k);
        snprintf(ip, sizeof ip, "10.%u.%u.%u", 128 + (unsigned)k, b[0], b[1] ? b[1] : 1);
        snprintf(ifname, sizeof ifname, "eth%zu", k);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", js(ifc, "name"));
        cJSON_AddStringToObject(e, "mac", mac);
        cJSON_AddStringToObject(e, "interfaceName", ifname);
        cJSON_AddStringToObject(e, "infoSource", "domain, guest-agent");
        cJSON_AddStringToObject(e, "ipAddress", ip);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(e, "ipAddresses"), cJSON_CreateString(ip));
        cJSON_AddItemToArray(ifs, e);
        k++;
    }
    const char *os = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        jpath(vm, "spec.template.metadata.annotations"), "vm.kubevirt.io/os"));
    const char *pref = jpath_str(vm, "spec.preference.name");
    int win = (os && strstr(os, "win")) || strstr(pref, "windows");
    cJSON *info = cJSON_AddObjectToObject(st, "guestOSInfo");
    cJSON_AddStringToObject(info, "id", win ? "mswindows" : "rhel");
    cJSON_AddStringToObject(info, "name", win ? "Microsoft Windows Server" : "Red Hat Enterprise Linux");
    return g;
}

/* The new instance of vm from its guest, on node. */
static cJSON *instance(const cJSON *vm, const cJSON *guest, const char *node)
{
    const char *name = jpath_str(vm, "metadata.name"), *ns = jpath_str(vm, "metadata.namespace");
    cJSON *vmi = cJSON_CreateObject();
    cJSON_AddStringToObject(vmi, "apiVersion", "kubevirt.io/v1");
    cJSON_AddStringToObject(vmi, "kind", "VirtualMachineInstance");
    cJSON *m = cJSON_AddObjectToObject(vmi, "metadata");
    cJSON_AddStringToObject(m, "name", name);
    cJSON_AddStringToObject(m, "namespace", ns);
    const cJSON *tl = jpath(vm, "spec.template.metadata.labels");
    cJSON *labels = cJSON_IsObject(tl) ? cJSON_Duplicate(tl, 1) : cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(labels, "kubevirt.io/domain");
    cJSON_DeleteItemFromObjectCaseSensitive(labels, "kubevirt.io/nodeName");
    cJSON_AddStringToObject(labels, "kubevirt.io/domain", name);
    cJSON_AddStringToObject(labels, "kubevirt.io/nodeName", node);
    cJSON_AddItemToObject(m, "labels", labels);
    const cJSON *ann = jpath(guest, "metadata.annotations");
    if (cJSON_IsObject(ann))
        cJSON_AddItemToObject(m, "annotations", cJSON_Duplicate(ann, 1));
    cJSON_AddItemToObject(m, "ownerReferences",
                          ctl_owner_refs("kubevirt.io/v1", "VirtualMachine", name,
                                         jpath_str(vm, "metadata.uid"), 1));
    const cJSON *ts = jpath(vm, "spec.template.spec");
    cJSON_AddItemToObject(vmi, "spec", cJSON_IsObject(ts) ? cJSON_Duplicate(ts, 1) : cJSON_CreateObject());
    return vmi;
}

static cJSON *instance_status(const cJSON *guest, const char *node)
{
    const cJSON *gs = jpath(guest, "status");
    cJSON *st = cJSON_IsObject(gs) ? cJSON_Duplicate(gs, 1) : cJSON_CreateObject();
    static const char *const own[] = {"phase", "nodeName", "conditions"};
    for (size_t i = 0; i < 3; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(st, own[i]);
    cJSON_AddStringToObject(st, "phase", "Running");
    cJSON_AddStringToObject(st, "nodeName", node);
    cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
    cJSON *ready = cJSON_CreateObject();
    cJSON_AddStringToObject(ready, "type", "Ready");
    cJSON_AddStringToObject(ready, "status", "True");
    cJSON_AddItemToArray(conds, ready);
    const cJSON *c;
    cJSON_ArrayForEach(c, jpath(gs, "conditions"))
    {
        if (strcmp(js(c, "type"), "Ready"))
            cJSON_AddItemToArray(conds, cJSON_Duplicate(c, 1));
    }
    return st;
}

/* The strategy in force: runStrategy, else running, else Halted. */
static const char *strategy(const cJSON *vm)
{
    const char *rs = jpath_str(vm, "spec.runStrategy");
    if (*rs)
        return rs;
    const cJSON *running = jpath(vm, "spec.running");
    return cJSON_IsTrue(running) ? "Always" : "Halted";
}

/* Creates the instance now; 1 done, 0 unschedulable. */
/* As virt-controller does, the instance of a VM sized by an instancetype
 * gets its CPUs (as sockets) and memory in spec.domain. */
static void expand_instancetype(lab_ctl *c, const cJSON *vm, const char *ns, cJSON *vmi)
{
    const char *it = jpath_str(vm, "spec.instancetype.name");
    if (!*it)
        return;
    int namespaced = !strcmp(jpath_str(vm, "spec.instancetype.kind"), "VirtualMachineInstancetype");
    const lab_kind *k = lab_kinds_find(lab_store_kinds(c->cfg.store), "instancetype.kubevirt.io", "v1beta1",
                                       namespaced ? "virtualmachineinstancetypes"
                                                  : "virtualmachineclusterinstancetypes");
    cJSON *itype = k ? ctl_get(c, k, namespaced ? ns : NULL, it) : NULL;
    if (!itype)
        return;
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(vmi, "spec");
    cJSON *dom = cJSON_GetObjectItemCaseSensitive(spec, "domain");
    if (!dom)
        dom = cJSON_AddObjectToObject(spec, "domain");
    const cJSON *guest = jpath(itype, "spec.cpu.guest");
    if (cJSON_IsNumber(guest) && !cJSON_GetObjectItemCaseSensitive(dom, "cpu")) {
        cJSON *cpu = cJSON_AddObjectToObject(dom, "cpu");
        cJSON_AddNumberToObject(cpu, "sockets", guest->valueint);
        cJSON_AddNumberToObject(cpu, "cores", 1);
        cJSON_AddNumberToObject(cpu, "threads", 1);
    }
    const char *mem = jpath_str(itype, "spec.memory.guest");
    if (*mem && !jpath(dom, "memory.guest")) {
        cJSON *m = cJSON_GetObjectItemCaseSensitive(dom, "memory");
        if (!m)
            m = cJSON_AddObjectToObject(dom, "memory");
        cJSON_AddStringToObject(m, "guest", mem);
    }
    cJSON_Delete(itype);
}

static int start_now(lab_ctl *c, const cJSON *vm, kv_rt *rt, const char *ns, const char *name)
{
    if (!rt->guest)
        rt->guest = made_up_guest(vm, ns, name);
    const char *fixed = jpath_str(rt->guest, "status.nodeName");
    char *node = *fixed ? strdup(fixed) : ctl_pick_node(c, jpath(vm, "spec.template.spec.nodeSelector"));
    if (!node)
        return 0;
    cJSON *vmi = instance(vm, rt->guest, node);
    expand_instancetype(c, vm, ns, vmi);
    if (ctl_create(c, c->k_vmi, ns, vmi, NULL) == 201)
        ctl_write_status(c, c->k_vmi, ns, name, instance_status(rt->guest, node));
    rt->ran = 1;
    log_info("lab kubevirt: started VirtualMachine %s/%s on %s", ns, name, node);
    free(node);
    return 1;
}

static void write_vm_status(lab_ctl *c, const char *ns, const char *name, const char *printable,
                            const char *rs)
{
    int up = !strcmp(printable, "Running");
    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "printableStatus", printable);
    cJSON_AddBoolToObject(st, "ready", up);
    cJSON_AddBoolToObject(st, "created", up || !strcmp(printable, "Stopping"));
    cJSON_AddStringToObject(st, "runStrategy", rs);
    cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
    cJSON *ready = cJSON_CreateObject();
    cJSON_AddStringToObject(ready, "type", "Ready");
    cJSON_AddStringToObject(ready, "status", up ? "True" : "False");
    if (!strcmp(printable, "ErrorUnschedulable")) {
        cJSON_AddStringToObject(ready, "reason", "Unschedulable");
        cJSON_AddStringToObject(ready, "message", "0/3 nodes are available: node(s) didn't match "
                                                  "Pod's node affinity/selector");
    }
    cJSON_AddItemToArray(conds, ready);
    ctl_write_status(c, c->k_vm, ns, name, st);
}

static void reconcile(lab_ctl *c, const char *ns, const char *name, int at_once)
{
    cJSON *vm = ctl_get(c, c->k_vm, ns, name);
    cJSON *vmi = ctl_get(c, c->k_vmi, ns, name);
    if (!vm) {
        if (vmi && !strcmp(jpath_str(vmi, "metadata.ownerReferences.0.kind"), "VirtualMachine"))
            ctl_delete(c, c->k_vmi, ns, name);
        ctl_kubevirt_volumes_collect(c, ns, name);
        rt_forget(c, ns, name);
        cJSON_Delete(vmi);
        return;
    }
    ctl_kubevirt_volumes(c, vm, ns);
    kv_rt *rt = rt_get(c, ns, name, 1);
    if (vmi && !rt->guest)
        rt->guest = cJSON_Duplicate(vmi, 1);
    /* requests from the start/stop/restart subresources */
    int start_req = 0, stop_req = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, jpath(vm, "status.stateChangeRequests"))
    {
        if (!strcmp(js(r, "action"), "Start"))
            start_req = 1;
        else if (!strcmp(js(r, "action"), "Stop"))
            stop_req = 1;
    }
    if (stop_req && start_req && vmi) {
        /* a restart: the old instance goes at once, the new one starts */
        ctl_delete(c, c->k_vmi, ns, name);
        cJSON_Delete(vmi);
        vmi = NULL;
        stop_req = 0;
    }
    const char *rs = strategy(vm);
    int want;
    if (!strcmp(rs, "Always"))
        want = 1;
    else if (!strcmp(rs, "Halted"))
        want = 0;
    else /* Manual, RerunOnFailure, Once: requests decide, else things stay as they are */
        want = start_req                     ? 1
               : stop_req                    ? 0
               : rt->phase == KV_STARTING    ? 1
               : rt->phase == KV_STOPPING    ? 0
                                             : vmi != NULL || (!rt->ran && strcmp(rs, "Manual"));
    if (want && rt->phase == KV_STOPPING)
        rt->phase = KV_IDLE;
    if (!want && rt->phase == KV_STARTING)
        rt->phase = KV_IDLE;
    int64_t now = ctl_now(c);
    const char *printable;
    if (want && vmi) {
        rt->phase = KV_IDLE;
        printable = "Running";
    } else if (!want && !vmi) {
        rt->phase = KV_IDLE;
        printable = "Stopped";
    } else if (want) {
        if (!at_once && rt->phase != KV_STARTING) {
            rt->phase = KV_STARTING;
            rt->due = now + ctl_scaled(c, KV_START_SECONDS);
        }
        if (at_once || now >= rt->due) {
            rt->phase = KV_IDLE;
            printable = start_now(c, vm, rt, ns, name) ? "Running" : "ErrorUnschedulable";
            if (*printable == 'E') /* try again, as the scheduler does */
                ctl_after(c, KEY_KUBEVIRT, ns, name, ctl_scaled(c, 30));
        } else {
            printable = "Starting";
            ctl_after(c, KEY_KUBEVIRT, ns, name, rt->due - now);
        }
    } else {
        if (!at_once && rt->phase != KV_STOPPING) {
            rt->phase = KV_STOPPING;
            rt->due = now + ctl_scaled(c, KV_STOP_SECONDS);
        }
        if (at_once || now >= rt->due) {
            rt->phase = KV_IDLE;
            cJSON_Delete(rt->guest);   /* the next start shows the guest as it was last */
            rt->guest = cJSON_Duplicate(vmi, 1);
            ctl_delete(c, c->k_vmi, ns, name);
            log_info("lab kubevirt: stopped VirtualMachine %s/%s", ns, name);
            printable = "Stopped";
        } else {
            printable = "Stopping";
            ctl_after(c, KEY_KUBEVIRT, ns, name, rt->due - now);
        }
    }
    write_vm_status(c, ns, name, printable, rs);
    cJSON_Delete(vm);
    cJSON_Delete(vmi);
}

void ctl_kubevirt(lab_ctl *c, const char *ns, const char *name)
{
    reconcile(c, ns, name, 0);
}

void ctl_kubevirt_now(lab_ctl *c, const char *ns, const char *name)
{
    reconcile(c, ns, name, 1);
}
