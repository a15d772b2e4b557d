/*
 * lab_ovirt: see lab_ovirt.h. Documents are written with libxml2's text
 * writer (escaping and indentation as the engine's), element by element
 * in the order the recorded engine writes them; the writers for each
 * resource are small functions so a VM in a list and a VM alone are the
 * same XML.
 */
#include "lab/lab_ovirt.h"

#include <fnmatch.h>
#include <libxml/xmlwriter.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_inv_int.h"
#include "util/codec.h"
#include "util/log.h"
#include "util/rand.h"
#include "util/strmap.h"

#define API "/ovirt-engine/api"

typedef struct ovirt_event {
    long id;
    int code;
    char *vm_id, *vm_name;
} ovirt_event;

struct lab_ovirt {
    const lab_source *world;   /* its VMs are also the templates */
    lab_source src;            /* the VMs now: the world's and the clones (under data) */
    pthread_rwlock_t data;
    unsigned long made;        /* VMs created so far: seeds their ids */
    lab_power *power;
    lab_inv *inv;
    char *user, *password;
    pthread_mutex_t mu;
    strmap tokens;
    mtv_rand *rand;
    ovirt_event *events;       /* the engine's audit log, oldest first (under mu) */
    size_t nevents;
};

lab_ovirt *lab_ovirt_new(const lab_source *src, lab_power *power, lab_inv *inv,
                         const char *user, const char *password)
{
    lab_ovirt *o = calloc(1, sizeof *o);
    if (!o)
        abort();
    o->world = src;
    lab_source_copy(&o->src, src);
    pthread_rwlock_init(&o->data, NULL);
    o->power = power;
    o->inv = inv;
    o->user = strdup(user ? user : "");
    o->password = strdup(password ? password : "");
    pthread_mutex_init(&o->mu, NULL);
    o->rand = rand_new_entropy();
    return o;
}

void lab_ovirt_free(lab_ovirt *o)
{
    if (!o)
        return;
    free(o->user);
    free(o->password);
    strmap_free(&o->tokens);
    rand_free(o->rand);
    for (size_t i = 0; i < o->nevents; i++) {
        free(o->events[i].vm_id);
        free(o->events[i].vm_name);
    }
    free(o->events);
    lab_source_release(&o->src);
    pthread_rwlock_destroy(&o->data);
    pthread_mutex_destroy(&o->mu);
    free(o);
}

/* ---- XML writing ---- */

typedef struct xw {
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
} xw;

static void xw_begin(xw *x)
{
    x->buf = xmlBufferCreate();
    x->w = xmlNewTextWriterMemory(x->buf, 0);
    xmlTextWriterSetIndent(x->w, 1);
    xmlTextWriterSetIndentString(x->w, BAD_CAST "    ");
    xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", "yes");
}

static void xw_send(xw *x, lab_resp *resp, int status)
{
    xmlTextWriterEndDocument(x->w);
    xmlFreeTextWriter(x->w);
    lab_resp_raw(resp, status, "application/xml", xmlBufferContent(x->buf),
                 (size_t)xmlBufferLength(x->buf));
    xmlBufferFree(x->buf);
}

static void open_el(xw *x, const char *tag)
{
    xmlTextWriterStartElement(x->w, BAD_CAST tag);
}

static void close_el(xw *x)
{
    xmlTextWriterEndElement(x->w);
}

static void text(xw *x, const char *tag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void text(xw *x, const char *tag, const char *fmt, ...)
{
    char v[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    xmlTextWriterWriteElement(x->w, BAD_CAST tag, BAD_CAST v);
}

static void attr(xw *x, const char *name, const char *value)
{
    xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value);
}

/* <tag href="API/coll/id" id="id"> (left open) */
static void open_res(xw *x, const char *tag, const char *coll, const char *id)
{
    open_el(x, tag);
    char href[512];
    snprintf(href, sizeof href, API "/%s/%s", coll, id);
    attr(x, "href", href);
    attr(x, "id", id);
}

static void ref(xw *x, const char *tag, const char *coll, const char *id)
{
    open_res(x, tag, coll, id);
    close_el(x);
}

static void link(xw *x, const char *base, const char *rel)
{
    open_el(x, "link");
    char href[512];
    if (snprintf(href, sizeof href, "%s/%s", base, rel) >= (int)sizeof href)
        href[0] = '\0';   /* lab hrefs are short; never a cut one */
    attr(x, "href", href);
    attr(x, "rel", rel);
    close_el(x);
}

static void actions(xw *x, const char *base, const char *const *names)
{
    open_el(x, "actions");
    for (; *names; names++)
        link(x, base, *names);
    close_el(x);
}

static const char *tf(int b)
{
    return b ? "true" : "false";
}

/* ---- resources ---- */

static void stable(const char *what, const char *id, char out[37])
{
    strbuf k = STRBUF_INIT;
    sb_addf(&k, "ovirt/%s/%s", what, id);
    lab_stable_uuid(k.buf, out);
    sb_release(&k);
}

static void write_vm(lab_ovirt *o, xw *x, const lab_vm *vm)
{
    int up = lab_power_get(o->power, LAB_SRC_OVIRT, vm);
    char base[256], cluster[37], host[37], dc[37], id[37];
    snprintf(base, sizeof base, API "/vms/%s", vm->id);
    inv_ovirt_cluster_id(cluster);
    inv_ovirt_host_id(host);
    inv_ovirt_datacenter_id(dc);
    open_res(x, "vm", "vms", vm->id);
    static const char *const acts[] = {"detach", "export", "freezefilesystems", "logon",
                                       "maintenance", "previewsnapshot", "reordermacaddresses",
                                       "thawfilesystems", "undosnapshot", "commitsnapshot", "clone",
                                       "cancelmigration", "ticket", "reboot", "migrate", "shutdown",
                                       "start", "stop", "suspend", NULL};
    actions(x, base, acts);
    text(x, "name", "%s", vm->name);
    text(x, "description", "%s", "");
    text(x, "comment", "%s", "");
    static const char *const links[] = {"sessions", "affinitylabels", "cdroms", "nics",
                                        "snapshots", "applications", "hostdevices",
                                        "reporteddevices", "watchdogs", "graphicsconsoles",
                                        "numanodes", "katelloerrata", "permissions", "tags",
                                        "diskattachments", "statistics", NULL};
    for (const char *const *l = links; *l; l++)
        link(x, base, *l);
    open_el(x, "bios");
    open_el(x, "boot_menu");
    text(x, "enabled", "false");
    close_el(x);
    text(x, "type", "%s", !strcmp(vm->firmware, "efi")
                               ? (vm->secure_boot ? "q35_secure_boot" : "q35_ovmf")
                               : "q35_sea_bios");
    close_el(x);
    open_el(x, "cpu");
    text(x, "architecture", "x86_64");
    open_el(x, "topology");
    text(x, "cores", "%d", vm->cores_per_socket);
    text(x, "sockets", "%d", vm->cpus / vm->cores_per_socket);
    text(x, "threads", "1");
    close_el(x);
    close_el(x);
    open_el(x, "custom_properties");
    open_el(x, "custom_property");
    text(x, "name", "sap_agent");
    text(x, "value", "false");
    close_el(x);
    close_el(x);
    text(x, "cpu_shares", "0");
    text(x, "creation_time", "2026-01-01T00:00:00.000+00:00");
    text(x, "delete_protected", "false");
    open_el(x, "display");
    text(x, "address", "127.0.0.1");
    text(x, "allow_override", "false");
    open_el(x, "certificate");
    text(x, "content", "-----BEGIN CERTIFICATE-----\nlab\n-----END CERTIFICATE-----\n");
    text(x, "organization", "lab.test");
    text(x, "subject", "O=lab.test,CN=ovirt.lab.test");
    close_el(x);
    text(x, "copy_paste_enabled", "true");
    text(x, "disconnect_action", "LOCK_SCREEN");
    text(x, "file_transfer_enabled", "true");
    text(x, "monitors", "1");
    text(x, "port", "5900");
    text(x, "secure_port", "5901");
    text(x, "single_qxl_pci", "false");
    text(x, "smartcard_enabled", "false");
    text(x, "type", "vnc");
    close_el(x);
    if (up && vm->tools) {
        text(x, "fqdn", "%s", vm->hostname);
        open_el(x, "guest_operating_system");
        text(x, "architecture", "x86_64");
        text(x, "codename", "%s", vm->is_windows ? "" : "Ootpa");
        text(x, "distribution", "%s", vm->is_windows ? "Windows" : "Red Hat Enterprise Linux");
        text(x, "family", "%s", vm->is_windows ? "Windows" : "Linux");
        open_el(x, "kernel");
        open_el(x, "version");
        text(x, "build", "0");
        text(x, "full_version", "4.18.0-477.el8.x86_64");
        text(x, "major", "4");
        text(x, "minor", "18");
        text(x, "revision", "477");
        close_el(x);
        close_el(x);
        open_el(x, "version");
        text(x, "full_version", "%s", vm->is_windows ? "10.0" : "8.8");
        text(x, "major", "%s", vm->is_windows ? "10" : "8");
        close_el(x);
        close_el(x);
        open_el(x, "guest_time_zone");
        text(x, "name", "UTC");
        text(x, "utc_offset", "+00:00");
        close_el(x);
    }
    open_el(x, "high_availability");
    text(x, "enabled", "false");
    text(x, "priority", "1");
    close_el(x);
    open_el(x, "initialization");
    text(x, "authorized_ssh_keys", "%s", "");
    text(x, "custom_script", "%s", "");
    open_el(x, "nic_configurations");
    close_el(x);
    text(x, "regenerate_ssh_keys", "false");
    text(x, "user_name", "%s", "");
    close_el(x);
    open_el(x, "io");
    text(x, "threads", "0");
    close_el(x);
    stable("icon/large", "linux", id);
    ref(x, "large_icon", "icons", id);
    text(x, "memory", "%lld", vm->memory_mb * 1024 * 1024);
    open_el(x, "memory_policy");
    text(x, "ballooning", "true");
    text(x, "guaranteed", "%lld", vm->memory_mb * 1024 * 1024);
    text(x, "max", "%lld", vm->memory_mb * 4 * 1024 * 1024);
    close_el(x);
    open_el(x, "migration");
    text(x, "auto_converge", "inherit");
    text(x, "compressed", "inherit");
    close_el(x);
    text(x, "migration_downtime", "-1");
    text(x, "multi_queues_enabled", "true");
    text(x, "origin", "ovirt");
    open_el(x, "os");
    open_el(x, "boot");
    open_el(x, "devices");
    text(x, "device", "hd");
    close_el(x);
    close_el(x);
    text(x, "type", "%s", vm->os_type);
    close_el(x);
    open_el(x, "serial_number");
    text(x, "policy", "custom");
    text(x, "value", "%s", vm->uuid);
    close_el(x);
    stable("icon/small", "linux", id);
    ref(x, "small_icon", "icons", id);
    open_el(x, "sso");
    open_el(x, "methods");
    open_el(x, "method");
    attr(x, "id", "guest_agent");
    close_el(x);
    close_el(x);
    close_el(x);
    text(x, "start_paused", "false");
    text(x, "stateless", "false");
    text(x, "storage_error_resume_behaviour", "auto_resume");
    open_el(x, "time_zone");
    text(x, "name", "Etc/GMT");
    close_el(x);
    text(x, "type", "server");
    open_el(x, "usb");
    text(x, "enabled", "false");
    close_el(x);
    ref(x, "cluster", "clusters", cluster);
    stable("cpuprofile", "Default", id);
    ref(x, "cpu_profile", "cpuprofiles", id);
    stable("quota", "Default", id);
    open_el(x, "quota");
    attr(x, "id", id);
    close_el(x);
    text(x, "next_run_configuration_exists", "false");
    text(x, "numa_tune_mode", "interleave");
    open_el(x, "placement_policy");
    text(x, "affinity", "migratable");
    close_el(x);
    text(x, "run_once", "false");
    text(x, "start_time", "2026-01-01T00:00:10.000+00:00");
    text(x, "status", "%s", up ? "up" : "down");
    text(x, "stop_time", "2026-01-01T00:00:05.000+00:00");
    if (up)
        ref(x, "host", "hosts", host);
    ref(x, "original_template", "templates", "00000000-0000-0000-0000-000000000000");
    ref(x, "template", "templates", "00000000-0000-0000-0000-000000000000");
    close_el(x);
}

/* A NIC of a VM (owner "vms", the VM's id) or of a template ("templates"). */
static void write_nic(lab_ovirt *o, xw *x, const lab_vm *vm, size_t i, const char *owner,
                      const char *owner_id)
{
    const lab_nic *n = &vm->nics[i];
    char base[512], coll[256], prof[37];
    snprintf(coll, sizeof coll, "%s/%s/nics", owner, owner_id);
    snprintf(base, sizeof base, API "/%s/%s", coll, n->id);
    open_res(x, "nic", coll, n->id);
    static const char *const acts[] = {"activate", "deactivate", NULL};
    actions(x, base, acts);
    text(x, "name", "nic%zu", i + 1);
    static const char *const links[] = {"reporteddevices", "networkfilterparameters",
                                        "statistics", NULL};
    for (const char *const *l = links; *l; l++)
        link(x, base, *l);
    ref(x, !strcmp(owner, "vms") ? "vm" : "template", owner, owner_id);
    text(x, "interface", "virtio");
    text(x, "linked", "%s", tf(n->connected));
    open_el(x, "mac");
    text(x, "address", "%s", n->mac);
    close_el(x);
    text(x, "plugged", "true");
    if (!strcmp(owner, "vms") && lab_power_get(o->power, LAB_SRC_OVIRT, vm) && vm->tools &&
        *n->ip) {
        open_el(x, "reported_devices");
        open_el(x, "reported_device");
        char rid[37];
        stable("reported", n->id, rid);
        attr(x, "id", rid);
        text(x, "name", "eth%zu", i);
        open_el(x, "ips");
        open_el(x, "ip");
        text(x, "address", "%s", n->ip);
        text(x, "version", "v4");
        close_el(x);
        close_el(x);
        open_el(x, "mac");
        text(x, "address", "%s", n->mac);
        close_el(x);
        text(x, "type", "network");
        close_el(x);
        close_el(x);
    }
    inv_ovirt_profile_id(&o->src, n->network, prof);
    ref(x, "vnic_profile", "vnicprofiles", prof);
    close_el(x);
}

static void write_attachment(xw *x, const lab_vm *vm, size_t i)
{
    const lab_disk *d = &vm->disks[i];
    char coll[256];
    snprintf(coll, sizeof coll, "vms/%s/diskattachments", vm->id);
    open_res(x, "disk_attachment", coll, d->id);
    text(x, "active", "true");
    text(x, "bootable", "%s", tf(i == 0));
    text(x, "interface", "virtio_scsi");
    text(x, "pass_discard", "false");
    text(x, "read_only", "false");
    text(x, "uses_scsi_reservation", "false");
    ref(x, "disk", "disks", d->id);
    ref(x, "vm", "vms", vm->id);
    close_el(x);
}

static void write_disk(xw *x, const lab_vm *vm, size_t i)
{
    const lab_disk *d = &vm->disks[i];
    char base[256], id[37], dc[37];
    snprintf(base, sizeof base, API "/disks/%s", d->id);
    open_res(x, "disk", "disks", d->id);
    static const char *const acts[] = {"copy", "export", "move", "refreshlun", "sparsify", NULL};
    actions(x, base, acts);
    text(x, "name", "%s_Disk%zu", vm->name, i + 1);
    text(x, "description", "%s", "");
    link(x, base, "permissions");
    link(x, base, "statistics");
    text(x, "actual_size", "%lld", d->thin ? d->capacity / 4 : d->capacity);
    text(x, "alias", "%s_Disk%zu", vm->name, i + 1);
    text(x, "content_type", "data");
    text(x, "format", "%s", d->thin ? "cow" : "raw");
    stable("image", d->id, id);
    text(x, "image_id", "%s", id);
    text(x, "propagate_errors", "false");
    text(x, "provisioned_size", "%lld", d->capacity);
    text(x, "qcow_version", "qcow2_v3");
    text(x, "shareable", "%s", tf(d->shared));
    text(x, "sparse", "%s", tf(d->thin));
    text(x, "status", "ok");
    text(x, "storage_type", "image");
    text(x, "total_size", "%lld", d->thin ? d->capacity / 4 : d->capacity);
    text(x, "wipe_after_delete", "false");
    stable("diskprofile", d->storage_id, id);
    ref(x, "disk_profile", "diskprofiles", id);
    inv_ovirt_datacenter_id(dc);
    stable("quota", "Default", id);
    open_el(x, "quota");
    char href[256];
    snprintf(href, sizeof href, API "/datacenters/%s/quotas/%s", dc, id);
    attr(x, "href", href);
    attr(x, "id", id);
    close_el(x);
    open_el(x, "storage_domains");
    ref(x, "storage_domain", "storagedomains", d->storage_id);
    close_el(x);
    close_el(x);
}

static void write_storage_domain(xw *x, const lab_named *s, size_t i)
{
    char base[256], dc[37];
    snprintf(base, sizeof base, API "/storagedomains/%s", s->id);
    open_res(x, "storage_domain", "storagedomains", s->id);
    static const char *const acts[] = {"isattached", "updateovfstore", "refreshluns",
                                       "reduceluns", NULL};
    actions(x, base, acts);
    text(x, "name", "%s", s->name);
    static const char *const links[] = {"diskprofiles", "disks", "storageconnections",
                                        "permissions", "templates", "vms", "disksnapshots", NULL};
    for (const char *const *l = links; *l; l++)
        link(x, base, *l);
    text(x, "available", "%lld", 1024LL * 1024 * 1024 * 1024);
    text(x, "backup", "false");
    text(x, "committed", "%lld", 64LL * 1024 * 1024 * 1024);
    text(x, "critical_space_action_blocker", "5");
    text(x, "discard_after_delete", "false");
    text(x, "external_status", "ok");
    text(x, "master", "%s", tf(i == 0));
    open_el(x, "storage");
    text(x, "address", "nfs.lab.test");
    text(x, "nfs_version", "auto");
    text(x, "path", "/exports/%s", s->name);
    text(x, "type", "nfs");
    close_el(x);
    text(x, "storage_format", "v5");
    text(x, "supports_discard", "false");
    text(x, "supports_discard_zeroes_data", "false");
    text(x, "type", "data");
    text(x, "used", "%lld", 512LL * 1024 * 1024 * 1024);
    text(x, "warning_low_space_indicator", "10");
    text(x, "wipe_after_delete", "false");
    open_el(x, "data_centers");
    inv_ovirt_datacenter_id(dc);
    ref(x, "data_center", "datacenters", dc);
    close_el(x);
    close_el(x);
}

static void write_network(xw *x, const lab_named *n)
{
    char base[256], dc[37];
    snprintf(base, sizeof base, API "/networks/%s", n->id);
    open_res(x, "network", "networks", n->id);
    text(x, "name", "%s", n->name);
    text(x, "description", "%s", !strcmp(n->name, "ovirtmgmt") ? "Management Network" : "");
    text(x, "comment", "%s", "");
    link(x, base, "networklabels");
    link(x, base, "permissions");
    link(x, base, "vnicprofiles");
    text(x, "mtu", "0");
    text(x, "stp", "false");
    open_el(x, "usages");
    text(x, "usage", "vm");
    close_el(x);
    inv_ovirt_datacenter_id(dc);
    ref(x, "data_center", "datacenters", dc);
    close_el(x);
}

static void write_profile(lab_ovirt *o, xw *x, const lab_named *n)
{
    char id[37], base[256], filter[37];
    inv_ovirt_profile_id(&o->src, n->name, id);
    snprintf(base, sizeof base, API "/vnicprofiles/%s", id);
    open_res(x, "vnic_profile", "vnicprofiles", id);
    text(x, "name", "%s", n->name);
    link(x, base, "permissions");
    open_el(x, "pass_through");
    text(x, "mode", "disabled");
    close_el(x);
    text(x, "port_mirroring", "false");
    ref(x, "network", "networks", n->id);
    stable("networkfilter", "vdsm-no-mac-spoofing", filter);
    ref(x, "network_filter", "networkfilters", filter);
    close_el(x);
}

/* ---- templates: every world VM is also a template of the same name ---- */

static void template_id(const lab_vm *vm, char out[37])
{
    stable("template", vm->id, out);
}

static const lab_vm *find_template(lab_ovirt *o, const char *id)
{
    char tid[37];
    for (size_t i = 0; i < o->world->nvms; i++) {
        template_id(&o->world->vms[i], tid);
        if (!strcmp(tid, id))
            return &o->world->vms[i];
    }
    return NULL;
}

static void write_template(xw *x, const lab_vm *vm)
{
    char id[37], base[256], cluster[37];
    template_id(vm, id);
    snprintf(base, sizeof base, API "/templates/%s", id);
    open_res(x, "template", "templates", id);
    static const char *const acts[] = {"export", NULL};
    actions(x, base, acts);
    text(x, "name", "%s", vm->name);
    text(x, "description", "%s", "");
    text(x, "comment", "%s", "");
    static const char *const links[] = {"cdroms", "nics", "diskattachments", "permissions",
                                        "tags", "watchdogs", "graphicsconsoles", NULL};
    for (const char *const *l = links; *l; l++)
        link(x, base, *l);
    open_el(x, "cpu");
    text(x, "architecture", "x86_64");
    open_el(x, "topology");
    text(x, "cores", "%d", vm->cores_per_socket);
    text(x, "sockets", "%d", vm->cpus / vm->cores_per_socket);
    text(x, "threads", "1");
    close_el(x);
    close_el(x);
    text(x, "creation_time", "2026-01-01T00:00:00.000+00:00");
    text(x, "memory", "%lld", vm->memory_mb * 1024 * 1024);
    open_el(x, "os");
    text(x, "type", "%s", vm->os_type);
    close_el(x);
    text(x, "type", "server");
    text(x, "status", "ok");
    open_el(x, "version");
    text(x, "version_name", "base version");
    text(x, "version_number", "1");
    close_el(x);
    inv_ovirt_cluster_id(cluster);
    ref(x, "cluster", "clusters", cluster);
    close_el(x);
}

static void write_blank_template(xw *x)
{
    open_res(x, "template", "templates", "00000000-0000-0000-0000-000000000000");
    text(x, "name", "Blank");
    text(x, "description", "Blank template");
    text(x, "comment", "%s", "");
    text(x, "status", "ok");
    open_el(x, "version");
    text(x, "version_name", "base version");
    text(x, "version_number", "1");
    close_el(x);
    close_el(x);
}

static void write_root(xw *x)
{
    open_el(x, "api");
    static const char *const colls[] = {"clusters", "datacenters", "events", "hosts", "networks",
                                        "storagedomains", "templates", "vms", "disks",
                                        "vnicprofiles", "diskprofiles", "cpuprofiles", NULL};
    for (const char *const *c = colls; *c; c++) {
        link(x, API, *c);
        if (strcmp(*c, "vnicprofiles") && strcmp(*c, "diskprofiles") && strcmp(*c, "cpuprofiles")) {
            open_el(x, "link");
            char href[256], rel[128];
            snprintf(href, sizeof href, API "/%s?search={query}", *c);
            snprintf(rel, sizeof rel, "%s/search", *c);
            attr(x, "href", href);
            attr(x, "rel", rel);
            close_el(x);
        }
    }
    open_el(x, "special_objects");
    open_el(x, "blank_template");
    attr(x, "href", API "/templates/00000000-0000-0000-0000-000000000000");
    attr(x, "id", "00000000-0000-0000-0000-000000000000");
    close_el(x);
    close_el(x);
    open_el(x, "product_info");
    text(x, "instance_id", "5c3b1c6e-2b4a-4c7d-9e8f-0a1b2c3d4e5f");
    text(x, "name", "oVirt Engine");
    text(x, "vendor", "ovirt.org");
    open_el(x, "version");
    text(x, "build", "4");
    text(x, "full_version", "4.5.4-1.el8");
    text(x, "major", "4");
    text(x, "minor", "5");
    text(x, "revision", "0");
    close_el(x);
    close_el(x);
    text(x, "time", "2026-01-01T00:00:00.000+00:00");
    close_el(x);
}

/* ---- the handler ---- */

static void html(lab_resp *resp, int status, const char *what)
{
    char body[128];
    snprintf(body, sizeof body, "<html><head><title>Error</title></head><body>%s</body></html>",
             what);
    lab_resp_raw(resp, status, "text/html;charset=UTF-8", body, strlen(body));
}

static int authorized(lab_ovirt *o, const lab_req *req)
{
    const char *a = lab_req_header(req, "Authorization");
    if (!a)
        return 0;
    if (!strncasecmp(a, "Bearer ", 7)) {
        pthread_mutex_lock(&o->mu);
        int ok = strmap_get(&o->tokens, a + 7) != NULL;
        pthread_mutex_unlock(&o->mu);
        return ok;
    }
    if (strncasecmp(a, "Basic ", 6))
        return 0;
    strbuf dec = STRBUF_INIT;
    int ok = 0;
    if (b64_decode(&dec, a + 6, strlen(a + 6)) == 0 && dec.buf) {
        char *colon = strchr(dec.buf, ':');
        if (colon) {
            *colon = '\0';
            ok = !strcmp(dec.buf, o->user) && !strcmp(colon + 1, o->password);
        }
    }
    sb_release(&dec);
    return ok;
}

static void sso(lab_ovirt *o, lab_req *req, lab_resp *resp)
{
    /* application/x-www-form-urlencoded: grant_type=password&username=..&password=.. */
    strbuf user = STRBUF_INIT, pass = STRBUF_INIT;
    char *body = strndup(req->body ? req->body : "", req->body_len);
    char *save;
    for (char *kv = strtok_r(body, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (!strcmp(kv, "username"))
            url_decode(&user, eq + 1, strlen(eq + 1), 1);
        else if (!strcmp(kv, "password"))
            url_decode(&pass, eq + 1, strlen(eq + 1), 1);
    }
    free(body);
    const char *q_user = lab_req_query(req, "username"), *q_pass = lab_req_query(req, "password");
    if (!user.len && q_user)
        sb_adds(&user, q_user);
    if (!pass.len && q_pass)
        sb_adds(&pass, q_pass);
    cJSON *j = cJSON_CreateObject();
    int status;
    if (!strcmp(sb_str(&user), o->user) && !strcmp(sb_str(&pass), o->password)) {
        strbuf tok = STRBUF_INIT;
        rand_name(o->rand, "lab", 40, &tok);
        secrets_add(log_secrets(), "lab.ovirt.token", tok.buf);
        pthread_mutex_lock(&o->mu);
        strmap_put(&o->tokens, tok.buf, (void *)1);
        pthread_mutex_unlock(&o->mu);
        cJSON_AddStringToObject(j, "access_token", tok.buf);
        cJSON_AddStringToObject(j, "scope", "ovirt-app-api ovirt-ext=token-info:validate");
        cJSON_AddStringToObject(j, "exp", "9223372036854775807");
        cJSON_AddStringToObject(j, "token_type", "Bearer");
        sb_release(&tok);
        status = 200;
    } else {
        cJSON_AddStringToObject(j, "error_code", "access_denied");
        cJSON_AddStringToObject(j, "error", "Cannot authenticate user: The username or password "
                                            "is incorrect.");
        status = 401;
    }
    lab_resp_json(resp, status, j);
    cJSON_Delete(j);
    sb_release(&user);
    sb_release(&pass);
}

static const lab_vm *find_vm(lab_ovirt *o, const char *id)
{
    for (size_t i = 0; i < o->src.nvms; i++)
        if (!strcmp(o->src.vms[i].id, id))
            return &o->src.vms[i];
    return NULL;
}

void lab_ovirt_event(lab_ovirt *o, const char *vm_id, const char *vm_name, int code)
{
    pthread_mutex_lock(&o->mu);
    ovirt_event *grown = realloc(o->events, (o->nevents + 1) * sizeof *grown);
    if (!grown)
        abort();
    o->events = grown;
    ovirt_event *e = &o->events[o->nevents++];
    e->id = 16000 + (long)o->nevents;
    e->code = code;
    e->vm_id = strdup(vm_id ? vm_id : "");
    e->vm_name = strdup(vm_name ? vm_name : "");
    if (!e->vm_id || !e->vm_name)
        abort();
    pthread_mutex_unlock(&o->mu);
}

/* The events a search selects: "Vms.id = ID" (the validator's) or all. */
static void write_events(lab_ovirt *o, xw *x, const char *search)
{
    char want[128] = "";
    const char *p = search ? strstr(search, "Vms.id") : NULL;
    if (p) {
        p += 6;
        p += strspn(p, " =");
        snprintf(want, sizeof want, "%.*s", (int)strcspn(p, " "), p);
    }
    pthread_mutex_lock(&o->mu);
    for (size_t i = o->nevents; i-- > 0;) { /* newest first, as the engine lists them */
        const ovirt_event *e = &o->events[i];
        if (*want && strcmp(want, e->vm_id))
            continue;
        char id[32];
        snprintf(id, sizeof id, "%ld", e->id);
        open_res(x, "event", "events", id);
        if (e->code == LAB_OVIRT_USER_STOP_VM)
            text(x, "description", "VM %s powered off by admin@internal-authz (Host: host1).",
                 e->vm_name);
        else
            text(x, "description", "VM %s: event %d.", e->vm_name, e->code);
        text(x, "code", "%d", e->code);
        text(x, "custom_id", "-1");
        text(x, "flood_rate", "30");
        text(x, "origin", "oVirt");
        text(x, "severity", "normal");
        ref(x, "vm", "vms", e->vm_id);
        close_el(x);
    }
    pthread_mutex_unlock(&o->mu);
}

/* search=name=X (a pattern, as the engine's search does with *) */
static int search_ok(const char *search, const char *name)
{
    if (!search || !*search)
        return 1;
    const char *p = strstr(search, "name=");
    if (!p)
        return 1;
    p += 5;
    char pat[256];
    snprintf(pat, sizeof pat, "%.*s", (int)strcspn(p, " "), p);
    return fnmatch(pat, name, 0) == 0;
}

/* ---- creating and removing VMs ---- */

static void fault(lab_resp *resp, int status, const char *reason, const char *detail)
{
    xw x;
    xw_begin(&x);
    open_el(&x, "fault");
    text(&x, "reason", "%s", reason);
    text(&x, "detail", "%s", detail);
    close_el(&x);
    xw_send(&x, resp, status);
}

static xmlNode *child(xmlNode *n, const char *tag)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, tag))
            return c;
    return NULL;
}

/* The text of <tag> under n, or "" (caller frees). */
static char *child_text(xmlNode *n, const char *tag)
{
    xmlNode *c = child(n, tag);
    xmlChar *v = c ? xmlNodeGetContent(c) : NULL;
    char *out = strdup(v ? (const char *)v : "");
    xmlFree(v);
    return out;
}

static char *attr_of(xmlNode *n, const char *name)
{
    xmlChar *v = n ? xmlGetProp(n, BAD_CAST name) : NULL;
    char *out = strdup(v ? (const char *)v : "");
    xmlFree(v);
    return out;
}

/* POST /vms: a VM from a template (by id or name); with clone=true its disks
 * are independent copies, which in the lab is all the same. The new VM is
 * down, with new ids and MACs, and the inventory re-reads the engine. */
static void create_vm(lab_ovirt *o, lab_req *req, lab_resp *resp)
{
    xmlDoc *doc = req->body_len ? xmlReadMemory(req->body, (int)req->body_len, "vm.xml", NULL,
                                                XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                    XML_PARSE_NOWARNING)
                                : NULL;
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || strcmp((const char *)root->name, "vm")) {
        fault(resp, 400, "Bad Request", "The request body is not a <vm> document.");
        if (doc)
            xmlFreeDoc(doc);
        return;
    }
    char *name = child_text(root, "name");
    xmlNode *tn = child(root, "template");
    char *tid = attr_of(tn, "id"), *tname = child_text(tn, "name");
    const lab_vm *tmpl = *tid ? find_template(o, tid) : NULL;
    for (size_t i = 0; !tmpl && !*tid && *tname && i < o->world->nvms; i++)
        if (!strcmp(o->world->vms[i].name, tname))
            tmpl = &o->world->vms[i];
    int taken = 0;
    for (size_t i = 0; i < o->src.nvms; i++)
        taken |= !strcmp(o->src.vms[i].name, name);
    if (!*name) {
        fault(resp, 400, "Incomplete parameters", "Vm [name] required for add");
    } else if (!tn || (!*tid && !*tname)) {
        fault(resp, 400, "Incomplete parameters", "Vm [template.id|name] required for add");
    } else if (!tmpl && (*tid ? strcmp(tid, "00000000-0000-0000-0000-000000000000") != 0
                              : strcmp(tname, "Blank") != 0)) {
        fault(resp, 404, "Operation Failed", "Entity not found: template");
    } else if (!tmpl) {
        fault(resp, 409, "Operation Failed", "[Cannot add VM. The lab makes VMs from its world's "
                                             "templates only, not from Blank.]");
    } else if (taken) {
        fault(resp, 409, "Operation Failed", "[Cannot add VM. The VM name is already in use in "
                                             "the system.]");
    } else {
        char seed[64];
        snprintf(seed, sizeof seed, "ovirt/%lu", ++o->made);
        lab_vm vm;
        lab_vm_clone(&vm, tmpl, name, seed, "56:6f:1a", 0);
        lab_power_set(o->power, LAB_SRC_OVIRT, vm.id, 0);
        log_info("lab ovirt: VM %s (%s) created from template %s", vm.name, vm.id, tmpl->name);
        lab_source_add_vm(&o->src, &vm);
        xw x;
        xw_begin(&x);
        write_vm(o, &x, &o->src.vms[o->src.nvms - 1]);
        xw_send(&x, resp, 201);
        lab_inv_stale_type(o->inv, "ovirt");
    }
    free(name);
    free(tid);
    free(tname);
    xmlFreeDoc(doc);
}

/* DELETE /vms/ID: a VM that is down goes with its disks. The world's own VMs
 * stay: they are what every scenario starts from. */
static void delete_vm(lab_ovirt *o, const char *id, lab_resp *resp)
{
    const lab_vm *vm = find_vm(o, id);
    if (!vm) {
        fault(resp, 404, "Operation Failed", "Entity not found: vm");
        return;
    }
    if (lab_source_find_vm(o->world, id, NULL)) {
        fault(resp, 409, "Operation Failed", "[Cannot remove VM. The lab keeps the VMs of its "
                                             "world.]");
        return;
    }
    if (lab_power_get(o->power, LAB_SRC_OVIRT, vm)) {
        fault(resp, 409, "Operation Failed", "[Cannot remove VM. VM is running.]");
        return;
    }
    log_info("lab ovirt: VM %s (%s) removed", vm->name, id);
    lab_source_remove_vm(&o->src, id);
    xw x;
    xw_begin(&x);
    open_el(&x, "action");
    text(&x, "status", "complete");
    close_el(&x);
    xw_send(&x, resp, 200);
    lab_inv_stale_type(o->inv, "ovirt");
}

void lab_ovirt_source(lab_ovirt *o, lab_source *out)
{
    pthread_rwlock_rdlock(&o->data);
    lab_source_copy(out, &o->src);
    pthread_rwlock_unlock(&o->data);
}

static void serve(lab_ovirt *o, lab_req *req, lab_resp *resp, char **parts, size_t n)
{
    const char *search = lab_req_query(req, "search");
    int post = !strcmp(req->method, "POST");
    xw x;
    int found = 1;
    if (post) {
        const lab_vm *vm = n == 3 && !strcmp(parts[0], "vms") ? find_vm(o, parts[1]) : NULL;
        if (!vm || (strcmp(parts[2], "start") && strcmp(parts[2], "stop") &&
                    strcmp(parts[2], "shutdown"))) {
            html(resp, 404, "Not Found");
            return;
        }
        int on = !strcmp(parts[2], "start");
        lab_power_set(o->power, LAB_SRC_OVIRT, vm->id, on);
        lab_inv_set_power_type(o->inv, "ovirt", vm->id, on);
        xw_begin(&x);
        open_el(&x, "action");
        text(&x, "status", "complete");
        ref(&x, "vm", "vms", vm->id);
        close_el(&x);
        xw_send(&x, resp, 200);
        return;
    }
    xw_begin(&x);
    if (n == 0) {
        write_root(&x);
    } else if (!strcmp(parts[0], "vms")) {
        const lab_vm *vm = n >= 2 ? find_vm(o, parts[1]) : NULL;
        if (n == 1) {
            open_el(&x, "vms");
            for (size_t i = 0; i < o->src.nvms; i++)
                if (search_ok(search, o->src.vms[i].name))
                    write_vm(o, &x, &o->src.vms[i]);
            close_el(&x);
        } else if (!vm) {
            found = 0;
        } else if (n == 2) {
            write_vm(o, &x, vm);
        } else if (n == 3 && !strcmp(parts[2], "nics")) {
            open_el(&x, "nics");
            for (size_t i = 0; i < vm->nnics; i++)
                write_nic(o, &x, vm, i, "vms", vm->id);
            close_el(&x);
        } else if (n == 3 && !strcmp(parts[2], "diskattachments")) {
            open_el(&x, "disk_attachments");
            for (size_t i = 0; i < vm->ndisks; i++)
                write_attachment(&x, vm, i);
            close_el(&x);
        } else if (n == 3 && !strcmp(parts[2], "snapshots")) {
            char sid[37], base[256];
            stable("snapshot/active", vm->id, sid);
            snprintf(base, sizeof base, API "/vms/%s/snapshots/%s", vm->id, sid);
            open_el(&x, "snapshots");
            char coll[256];
            snprintf(coll, sizeof coll, "vms/%s/snapshots", vm->id);
            open_res(&x, "snapshot", coll, sid);
            static const char *const acts[] = {"restore", NULL};
            actions(&x, base, acts);
            text(&x, "description", "Active VM");
            text(&x, "date", "2026-01-01T00:00:00.000+00:00");
            text(&x, "persist_memorystate", "false");
            text(&x, "snapshot_status", "ok");
            text(&x, "snapshot_type", "active");
            ref(&x, "vm", "vms", vm->id);
            close_el(&x);
            close_el(&x);
        } else {
            found = 0;
        }
    } else if (!strcmp(parts[0], "disks")) {
        int one = n == 2;
        if (!one)
            open_el(&x, "disks");
        int hit = 0;
        for (size_t i = 0; i < o->src.nvms; i++)
            for (size_t j = 0; j < o->src.vms[i].ndisks; j++)
                if (!one || !strcmp(o->src.vms[i].disks[j].id, parts[1])) {
                    if (!one || !hit)
                        write_disk(&x, &o->src.vms[i], j);
                    hit = 1;
                }
        if (!one)
            close_el(&x);
        found = !one || hit;
    } else if (!strcmp(parts[0], "storagedomains") || !strcmp(parts[0], "networks") ||
               !strcmp(parts[0], "vnicprofiles")) {
        int sd = parts[0][0] == 's', net = parts[0][0] == 'n';
        const lab_named *list = sd ? o->src.storages : o->src.networks;
        size_t cnt = sd ? o->src.nstorages : o->src.nnetworks;
        int one = n == 2, hit = 0;
        if (!one)
            open_el(&x, sd ? "storage_domains" : net ? "networks" : "vnic_profiles");
        for (size_t i = 0; i < cnt; i++) {
            char pid[37];
            inv_ovirt_profile_id(&o->src, list[i].name, pid);
            const char *id = sd || net ? list[i].id : pid;
            if (one && strcmp(id, parts[1]))
                continue;
            hit = 1;
            if (sd)
                write_storage_domain(&x, &list[i], i);
            else if (net)
                write_network(&x, &list[i]);
            else
                write_profile(o, &x, &list[i]);
        }
        if (!one)
            close_el(&x);
        found = !one || hit;
    } else if (!strcmp(parts[0], "templates") && n == 1) {
        open_el(&x, "templates");
        if (search_ok(search, "Blank"))
            write_blank_template(&x);
        for (size_t i = 0; i < o->world->nvms; i++)
            if (search_ok(search, o->world->vms[i].name))
                write_template(&x, &o->world->vms[i]);
        close_el(&x);
    } else if (!strcmp(parts[0], "templates") && (n == 2 || n == 3)) {
        const lab_vm *t = find_template(o, parts[1]);
        if (!t) {
            found = 0;
        } else if (n == 2) {
            write_template(&x, t);
        } else if (!strcmp(parts[2], "nics")) {
            open_el(&x, "nics");
            for (size_t i = 0; i < t->nnics; i++)
                write_nic(o, &x, t, i, "templates", parts[1]);
            close_el(&x);
        } else {
            found = 0;
        }
    } else if ((!strcmp(parts[0], "clusters") || !strcmp(parts[0], "datacenters") ||
                !strcmp(parts[0], "hosts")) && n <= 2) {
        char id[37];
        const char *tag = parts[0][0] == 'c' ? "cluster" : parts[0][0] == 'd' ? "data_center"
                                                                              : "host";
        if (tag[0] == 'c')
            inv_ovirt_cluster_id(id);
        else if (tag[0] == 'd')
            inv_ovirt_datacenter_id(id);
        else
            inv_ovirt_host_id(id);
        const char *name = tag[0] == 'h' ? "host1" : tag[0] == 'd' ? INV_OVIRT_DATACENTER : "Default";
        found = n == 1 || !strcmp(parts[1], id);
        if (n == 1)
            open_el(&x, parts[0][0] == 'c' ? "clusters" : parts[0][0] == 'd' ? "data_centers"
                                                                             : "hosts");
        if (n == 2 || search_ok(lab_req_query(req, "search"), name)) {
            open_res(&x, tag, parts[0], id);
            text(&x, "name", "%s", name);
            if (tag[0] != 'c')
                text(&x, "status", "up");
            close_el(&x);
        }
        if (n == 1)
            close_el(&x);
    } else if (!strcmp(parts[0], "events") && n == 1) {
        open_el(&x, "events");
        write_events(o, &x, lab_req_query(req, "search"));
        close_el(&x);
    } else {
        found = 0;
    }
    if (!found) {
        xmlFreeTextWriter(x.w);
        xmlBufferFree(x.buf);
        html(resp, 404, "Not Found");
        return;
    }
    xw_send(&x, resp, 200);
}

void lab_ovirt_handle(void *ud, lab_req *req, lab_resp *resp)
{
    lab_ovirt *o = ud;
    const char *path = req->path;
    if (!strncmp(path, "/ovirt-engine/sso/oauth/token", 29) && !strcmp(req->method, "POST")) {
        sso(o, req, resp);
        return;
    }
    if (strncmp(path, API, strlen(API)) || (path[strlen(API)] && path[strlen(API)] != '/')) {
        html(resp, 404, "Not Found");
        return;
    }
    if (!authorized(o, req)) {
        html(resp, 401, "Unauthorized");
        lab_resp_header(resp, "WWW-Authenticate", "Basic realm=\"RESTAPI\"");
        return;
    }
    char *parts[8];
    size_t n = 0;
    char *copy = strdup(path + strlen(API)), *save;
    for (char *t = strtok_r(copy, "/", &save); t && n < 8; t = strtok_r(NULL, "/", &save))
        parts[n++] = t;
    if (!strcmp(req->method, "POST") && n == 1 && !strcmp(parts[0], "vms")) {
        pthread_rwlock_wrlock(&o->data);
        create_vm(o, req, resp);
        pthread_rwlock_unlock(&o->data);
    } else if (!strcmp(req->method, "DELETE") && n == 2 && !strcmp(parts[0], "vms")) {
        pthread_rwlock_wrlock(&o->data);
        delete_vm(o, parts[1], resp);
        pthread_rwlock_unlock(&o->data);
    } else if (!strcmp(req->method, "GET") || !strcmp(req->method, "POST")) {
        pthread_rwlock_rdlock(&o->data);
        serve(o, req, resp, parts, n);
        pthread_rwlock_unlock(&o->data);
    } else {
        html(resp, 405, "Method Not Allowed");
    }
    free(copy);
}
