/*
 * ovf: OVF descriptor -> vm_record.
 *
 * Elements are matched by local name and attributes by local name in any
 * namespace: exporters disagree on prefixes (ovf:, rasd:, vmw:, none) and on
 * OVF 1 versus 2 (Item versus EthernetPortItem/StorageItem), and what they
 * mean is the same. Allocation units are read as DMTF writes them
 * ("byte * 2^20", "byte * 10^9", "MegaBytes").
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "providers/ova.h"
#include "providers/pxml.h"

/* An attribute by local name in any namespace (malloc'd or NULL). */
static char *attr(const xmlNode *n, const char *local)
{
    for (xmlAttr *a = n ? n->properties : NULL; a; a = a->next)
        if (strcmp((const char *)a->name, local) == 0) {
            xmlChar *v = xmlNodeGetContent((xmlNode *)a);
            char *s = strdup(v ? (const char *)v : "");
            xmlFree(v);
            return s;
        }
    return NULL;
}

/* First descendant element with that local name (depth-first). */
static xmlNode *find(const xmlNode *n, const char *local)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if (px_is(c, local))
            return c;
        xmlNode *d = find(c, local);
        if (d)
            return d;
    }
    return NULL;
}

/* Bytes per unit of a DMTF allocation unit string; 1 when absent. */
static double unit_bytes(const char *units)
{
    if (!units || !*units)
        return 1;
    if (strcasestr(units, "kilobyte") || strcasecmp(units, "KB") == 0)
        return 1024.0;
    if (strcasestr(units, "megabyte") || strcasecmp(units, "MB") == 0)
        return 1024.0 * 1024;
    if (strcasestr(units, "gigabyte") || strcasecmp(units, "GB") == 0)
        return 1024.0 * 1024 * 1024;
    double f = 1;
    const char *caret = strchr(units, '^');
    if (caret && caret > units) {
        int exp = atoi(caret + 1);
        int base = caret[-1] == '0' ? 10 : 2;   /* "10^9" or "2^30" */
        while (exp-- > 0)
            f *= base;
    }
    return f;
}

static long long ll(const char *s, long long dflt)
{
    if (!s || !*s)
        return dflt;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end ? dflt : v;
}

typedef struct ovf_disk_def {
    char *id, *file_ref;
    long long bytes;
} ovf_disk_def;

static void add_disk(vm_record *r, const xmlNode *item, const xmlNode *env,
                     const ovf_disk_def *defs, size_t ndefs)
{
    char *host = px_get(item, "HostResource");
    const char *ref = host ? strrchr(host, '/') : NULL;
    ref = ref ? ref + 1 : host;
    const ovf_disk_def *def = NULL;
    for (size_t i = 0; ref && i < ndefs && !def; i++)
        if (defs[i].id && strcmp(defs[i].id, ref) == 0)
            def = &defs[i];
    vm_disk *d = vm_record_add_disk(r);
    d->name = px_get(item, "ElementName");
    vr_set(&d->device_key, def ? def->id : ref);
    char *unit = px_get(item, "AddressOnParent");
    char *parent = px_get(item, "Parent");
    d->unit_number = ll(unit, VR_UNSET);
    d->controller_key = ll(parent, VR_UNSET);
    free(unit);
    free(parent);
    d->size_kb = def && def->bytes >= 0 ? def->bytes / 1024 : VR_UNSET;
    if (def && def->file_ref) {
        xmlNode *refs = find(env, "References");
        for (xmlNode *f = px_child(refs, "File"); f; f = px_next(f, "File")) {
            char *fid = attr(f, "id");
            if (fid && strcmp(fid, def->file_ref) == 0) {
                d->file = attr(f, "href");
                vr_set(&d->storage_name, d->file);
            }
            free(fid);
        }
    }
    free(host);
}

static void add_nic(vm_record *r, const xmlNode *item)
{
    vm_nic *nic = vm_record_add_nic(r);
    nic->name = px_get(item, "ElementName");
    nic->network_name = px_get(item, "Connection");
    char *mac = px_get(item, "Address");
    vr_set_mac(&nic->mac, mac && *mac ? mac : NULL);
    free(mac);
    nic->device_key = px_get(item, "InstanceID");
    char *auto_alloc = px_get(item, "AutomaticAllocation");
    nic->start_connected = auto_alloc ? strcasecmp(auto_alloc, "true") == 0 : -1;
    free(auto_alloc);
}

int ovf_record(const char *name, const char *xml, size_t n, vm_record *r, mtv_err *err)
{
    xmlDoc *doc;
    if (px_parse(name, xml, n, &doc, err))
        return -1;
    xmlNode *env = xmlDocGetRootElement(doc);
    xmlNode *vs = px_is(env, "Envelope") ? find(env, "VirtualSystem") : NULL;
    if (!vs) {
        xmlFreeDoc(doc);
        return mtv_err_set(err, MTV_EXIT_USAGE, "%s: no <Envelope> with a <VirtualSystem>; not "
                                                "an OVF descriptor", name);
    }
    r->name = px_get(vs, "Name");
    if (!r->name || !*r->name) {
        free(r->name);
        r->name = attr(vs, "id");
    }
    vr_set(&r->provider_type, "ova");
    r->power = VM_POWER_OFF;
    r->guest_agent_running = 0;

    /* disks declared in DiskSection */
    size_t ndefs = 0;
    ovf_disk_def *defs = NULL;
    for (xmlNode *d = px_child(find(env, "DiskSection"), "Disk"); d; d = px_next(d, "Disk")) {
        defs = realloc(defs, (ndefs + 1) * sizeof *defs);
        if (!defs)
            abort();
        ovf_disk_def *def = &defs[ndefs++];
        def->id = attr(d, "diskId");
        def->file_ref = attr(d, "fileRef");
        char *cap = attr(d, "capacity");
        char *units = attr(d, "capacityAllocationUnits");
        long long c = ll(cap, -1);
        def->bytes = c < 0 ? -1 : (long long)((double)c * unit_bytes(units));
        free(cap);
        free(units);
    }

    xmlNode *os = find(vs, "OperatingSystemSection");
    char *os_type = attr(os, "osType");
    char *os_desc = px_get(os, "Description");
    vr_set(&r->guest_os, os_type ? os_type : os_desc);
    r->win_os = (os_type && strcasestr(os_type, "win")) || (os_desc && strcasestr(os_desc, "windows"));
    free(os_type);
    free(os_desc);

    xmlNode *hw = find(vs, "VirtualHardwareSection");
    long long cpus = VR_UNSET, cores = VR_UNSET;
    r->secure_boot = 0;
    r->tpm_present = 0;
    for (xmlNode *it = px_child(hw, NULL); it; it = px_next(it, NULL)) {
        if (px_is(it, "Config") || px_is(it, "ExtraConfig")) {   /* vmw:Config key/value */
            char *key = attr(it, "key");
            char *value = attr(it, "value");
            if (key && value && strcmp(key, "firmware") == 0)
                vr_set(&r->boot_firmware, value);
            if (key && value && strcmp(key, "bootOptions.efiSecureBootEnabled") == 0)
                r->secure_boot = strcasecmp(value, "true") == 0;
            free(key);
            free(value);
            continue;
        }
        if (!px_is(it, "Item") && !px_is(it, "EthernetPortItem") && !px_is(it, "StorageItem"))
            continue;
        char *rt = px_get(it, "ResourceType");
        long long type = ll(rt, -1);
        free(rt);
        if (type == 3) {
            char *q = px_get(it, "VirtualQuantity");
            char *c = px_get(it, "CoresPerSocket");
            cpus = ll(q, VR_UNSET);
            cores = ll(c, VR_UNSET);
            free(q);
            free(c);
        } else if (type == 4) {
            char *q = px_get(it, "VirtualQuantity");
            char *units = px_get(it, "AllocationUnits");
            long long v = ll(q, -1);
            if (v >= 0)
                r->memory_mb = (long long)((double)v * unit_bytes(units ? units : "byte * 2^20") /
                                           (1024.0 * 1024.0));
            free(q);
            free(units);
        } else if (type == 10 || px_is(it, "EthernetPortItem")) {
            add_nic(r, it);
        } else if (type == 17 || (px_is(it, "StorageItem") && px_child(it, "HostResource"))) {
            add_disk(r, it, env, defs, ndefs);
        } else if (type == 1 && px_get_is(it, "ResourceSubType", "vmware.vtpm")) {
            r->tpm_present = 1;
        }
    }
    if (!r->boot_firmware)
        vr_set(&r->boot_firmware, "bios");
    if (cores == VR_UNSET || cores <= 0)
        cores = cpus == VR_UNSET ? VR_UNSET : 1;
    r->cpu_cores = cores;
    r->cpu_sockets = cpus != VR_UNSET && cores != VR_UNSET ? cpus / cores : VR_UNSET;
    for (size_t i = 0; i < ndefs; i++) {
        free(defs[i].id);
        free(defs[i].file_ref);
    }
    free(defs);
    xmlFreeDoc(doc);
    return 0;
}
