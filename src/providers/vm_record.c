/*
 * vm_record: see vm_record.h.
 *
 * One table per struct lists its JSON key paths, value kinds and offsets;
 * initialising, freeing, writing and reading JSON all walk these tables, so a
 * field added to a struct and its table is handled everywhere at once and the
 * JSON reader and writer cannot disagree.
 */
#include "providers/vm_record.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum vr_kind {
    VR_STR,     /* char * */
    VR_ID,      /* char *, written as a number when it is a decimal integer */
    VR_INT,     /* long long, VR_UNSET when unknown */
    VR_BOOL,    /* int, -1 when unknown */
    VR_ARRAY,   /* pointer + size_t count of elem */
};

typedef struct vr_desc vr_desc;

typedef struct vr_field {
    const char *path;       /* "cpu.num_cores": '.' nests objects */
    enum vr_kind kind;
    size_t off;
    const vr_desc *elem;    /* VR_ARRAY */
    size_t count_off;       /* VR_ARRAY */
} vr_field;

struct vr_desc {
    size_t size;
    const vr_field *fields;
};

#define F(path, kind, type, member) {path, kind, offsetof(type, member), NULL, 0}
#define A(path, type, member, count, desc) \
    {path, VR_ARRAY, offsetof(type, member), &(desc), offsetof(type, count)}

static const vr_field ip_fields[] = {
    F("ip_address", VR_STR, vm_ip, ip),
    F("subnet_mask", VR_INT, vm_ip, prefix),
    F("gateway", VR_STR, vm_ip, gateway),
    F("ip_origin", VR_STR, vm_ip, origin),
    F("is_static_ip", VR_BOOL, vm_ip, is_static),
    {NULL, 0, 0, NULL, 0},
};
static const vr_desc ip_desc = {sizeof(vm_ip), ip_fields};

static const vr_field nic_fields[] = {
    F("name", VR_STR, vm_nic, name),
    F("macAddress", VR_STR, vm_nic, mac),
    F("network.name", VR_STR, vm_nic, network_name),
    F("network.id", VR_STR, vm_nic, network_id),
    F("guest_nic_name", VR_STR, vm_nic, guest_nic_name),
    F("device_key", VR_ID, vm_nic, device_key),
    F("connected", VR_BOOL, vm_nic, connected),
    F("start_connected", VR_BOOL, vm_nic, start_connected),
    A("ip_addresses", vm_nic, ips, nips, ip_desc),
    {NULL, 0, 0, NULL, 0},
};
static const vr_desc nic_desc = {sizeof(vm_nic), nic_fields};

static const vr_field disk_fields[] = {
    F("name", VR_STR, vm_disk, name),
    F("size_in_kb", VR_INT, vm_disk, size_kb),
    F("storage.name", VR_STR, vm_disk, storage_name),
    F("storage.id", VR_STR, vm_disk, storage_id),
    F("device_key", VR_ID, vm_disk, device_key),
    F("unit_number", VR_INT, vm_disk, unit_number),
    F("controller_key", VR_INT, vm_disk, controller_key),
    F("file", VR_STR, vm_disk, file),
    F("provision_type", VR_STR, vm_disk, provision_type),
    F("disk_mode", VR_STR, vm_disk, disk_mode),
    {NULL, 0, 0, NULL, 0},
};
static const vr_desc disk_desc = {sizeof(vm_disk), disk_fields};

static const vr_field snap_fields[] = {
    F("name", VR_STR, vm_snapshot, name),
    F("id", VR_ID, vm_snapshot, id),
    F("description", VR_STR, vm_snapshot, description),
    F("create_time", VR_STR, vm_snapshot, create_time),
    F("state", VR_STR, vm_snapshot, state),
    F("snapshot_status", VR_STR, vm_snapshot, status),
    F("snapshot_type", VR_STR, vm_snapshot, type),
    F("ref", VR_STR, vm_snapshot, ref),
    {NULL, 0, 0, NULL, 0},
};
static const vr_desc snap_desc = {sizeof(vm_snapshot), snap_fields};

/* power_state is handled beside the table: it is an enum with names. */
static const vr_field record_fields[] = {
    F("id", VR_STR, vm_record, id),
    F("name", VR_STR, vm_record, name),
    F("uuid", VR_STR, vm_record, uuid),
    F("provider_type", VR_STR, vm_record, provider_type),
    F("memory_in_mb", VR_INT, vm_record, memory_mb),
    F("cpu.num_cores", VR_INT, vm_record, cpu_cores),
    F("cpu.num_sockets", VR_INT, vm_record, cpu_sockets),
    F("cpu.num_threads", VR_INT, vm_record, cpu_threads),
    F("firmware.boot_firmware", VR_STR, vm_record, boot_firmware),
    F("firmware.secure_boot", VR_BOOL, vm_record, secure_boot),
    F("firmware.tpm_present", VR_BOOL, vm_record, tpm_present),
    F("guest_agent_running", VR_BOOL, vm_record, guest_agent_running),
    F("win_os", VR_BOOL, vm_record, win_os),
    F("template", VR_BOOL, vm_record, is_template),
    F("serial", VR_STR, vm_record, serial),
    F("guest_os", VR_STR, vm_record, guest_os),
    F("host", VR_STR, vm_record, host),
    A("network_interfaces", vm_record, nics, nnics, nic_desc),
    A("disks", vm_record, disks, ndisks, disk_desc),
    A("snapshots_data", vm_record, snapshots, nsnapshots, snap_desc),
    {NULL, 0, 0, NULL, 0},
};
static const vr_desc record_desc = {sizeof(vm_record), record_fields};

#define AT(obj, off, type) ((type *)((char *)(obj) + (off)))
#define CAT(obj, off, type) ((const type *)((const char *)(obj) + (off)))

/* ---- init / free ---------------------------------------------------------- */

static void desc_init(const vr_desc *d, void *obj)
{
    memset(obj, 0, d->size);
    for (const vr_field *f = d->fields; f->path; f++) {
        if (f->kind == VR_INT)
            *AT(obj, f->off, long long) = VR_UNSET;
        else if (f->kind == VR_BOOL)
            *AT(obj, f->off, int) = -1;
    }
}

static void desc_free(const vr_desc *d, void *obj)
{
    for (const vr_field *f = d->fields; f->path; f++) {
        if (f->kind == VR_STR || f->kind == VR_ID) {
            free(*AT(obj, f->off, char *));
        } else if (f->kind == VR_ARRAY) {
            char *items = *AT(obj, f->off, char *);
            size_t n = *AT(obj, f->count_off, size_t);
            for (size_t i = 0; i < n; i++)
                desc_free(f->elem, items + i * f->elem->size);
            free(items);
        }
    }
    desc_init(d, obj);
}

static void *array_add(const vr_field *f, void *obj)
{
    char **items = AT(obj, f->off, char *);
    size_t *n = AT(obj, f->count_off, size_t);
    char *grown = realloc(*items, (*n + 1) * f->elem->size);
    if (!grown)
        abort();
    *items = grown;
    void *elem = grown + *n * f->elem->size;
    desc_init(f->elem, elem);
    (*n)++;
    return elem;
}

static const vr_field *field_named(const vr_desc *d, const char *path)
{
    for (const vr_field *f = d->fields; f->path; f++)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

void vm_record_init(vm_record *r)
{
    desc_init(&record_desc, r);
}

void vm_record_free(vm_record *r)
{
    desc_free(&record_desc, r);
}

void vm_record_move(vm_record *dst, vm_record *src)
{
    vm_record_free(dst);
    *dst = *src;
    vm_record_init(src);
}

vm_nic *vm_record_add_nic(vm_record *r)
{
    return array_add(field_named(&record_desc, "network_interfaces"), r);
}

vm_disk *vm_record_add_disk(vm_record *r)
{
    return array_add(field_named(&record_desc, "disks"), r);
}

vm_snapshot *vm_record_add_snapshot(vm_record *r)
{
    return array_add(field_named(&record_desc, "snapshots_data"), r);
}

vm_ip *vm_nic_add_ip(vm_nic *n)
{
    return array_add(field_named(&nic_desc, "ip_addresses"), n);
}

void vr_set(char **dst, const char *s)
{
    char *copy = s ? strdup(s) : NULL;
    if (s && !copy)
        abort();
    free(*dst);
    *dst = copy;
}

void vr_setn(char **dst, const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (!copy)
        abort();
    memcpy(copy, s, n);
    copy[n] = 0;
    free(*dst);
    *dst = copy;
}

void vr_set_mac(char **dst, const char *mac)
{
    if (!mac || !*mac) {
        vr_set(dst, NULL);
        return;
    }
    vr_set(dst, mac);
    for (char *p = *dst; *p; p++)
        *p = *p == '-' ? ':' : (char)tolower((unsigned char)*p);
}

const char *vm_power_name(enum vm_power p)
{
    switch (p) {
    case VM_POWER_ON: return "on";
    case VM_POWER_OFF: return "off";
    case VM_POWER_OTHER: return "other";
    default: return NULL;
    }
}

enum vm_power vm_power_parse(const char *name)
{
    if (!name)
        return VM_POWER_UNKNOWN;
    if (strcmp(name, "on") == 0)
        return VM_POWER_ON;
    if (strcmp(name, "off") == 0)
        return VM_POWER_OFF;
    if (strcmp(name, "other") == 0)
        return VM_POWER_OTHER;
    return VM_POWER_UNKNOWN;
}

/* ---- JSON out ------------------------------------------------------------- */

/* The object that holds the last segment of path, created as needed;
 * *leaf points at that segment. */
static cJSON *parent_for(cJSON *obj, const char *path, const char **leaf, int create)
{
    const char *dot;
    while ((dot = strchr(path, '.'))) {
        char seg[64];
        size_t n = (size_t)(dot - path);
        if (n >= sizeof seg)
            return NULL;
        memcpy(seg, path, n);
        seg[n] = 0;
        cJSON *next = cJSON_GetObjectItemCaseSensitive(obj, seg);
        if (!next) {
            if (!create)
                return NULL;
            next = cJSON_AddObjectToObject(obj, seg);
        }
        obj = next;
        path = dot + 1;
    }
    *leaf = path;
    return obj;
}

static int is_decimal(const char *s)
{
    if (!s || !*s || strlen(s) > 15)
        return 0;
    const char *p = s + (*s == '-');
    if (!*p || (*p == '0' && p[1]))
        return 0;
    for (; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    return 1;
}

static void desc_to_json(const vr_desc *d, const void *obj, cJSON *out)
{
    for (const vr_field *f = d->fields; f->path; f++) {
        const char *leaf = NULL;
        cJSON *item = NULL;
        switch (f->kind) {
        case VR_STR:
        case VR_ID: {
            const char *s = *CAT(obj, f->off, char *);
            if (!s)
                continue;
            item = f->kind == VR_ID && is_decimal(s) ? cJSON_CreateNumber((double)strtoll(s, NULL, 10))
                                                     : cJSON_CreateString(s);
            break;
        }
        case VR_INT: {
            long long v = *CAT(obj, f->off, long long);
            if (v == VR_UNSET)
                continue;
            item = cJSON_CreateNumber((double)v);
            break;
        }
        case VR_BOOL: {
            int v = *CAT(obj, f->off, int);
            if (v < 0)
                continue;
            item = cJSON_CreateBool(v);
            break;
        }
        case VR_ARRAY: {
            const char *items = *CAT(obj, f->off, char *);
            size_t n = *CAT(obj, f->count_off, size_t);
            item = cJSON_CreateArray();
            for (size_t i = 0; i < n; i++) {
                cJSON *e = cJSON_CreateObject();
                desc_to_json(f->elem, items + i * f->elem->size, e);
                cJSON_AddItemToArray(item, e);
            }
            break;
        }
        }
        cJSON *parent = parent_for(out, f->path, &leaf, 1);
        cJSON_AddItemToObject(parent, leaf, item);
    }
}

cJSON *vm_record_to_json(const vm_record *r)
{
    cJSON *out = cJSON_CreateObject();
    desc_to_json(&record_desc, r, out);
    if (vm_power_name(r->power))
        cJSON_AddStringToObject(out, "power_state", vm_power_name(r->power));
    return out;
}

/* ---- JSON in -------------------------------------------------------------- */

static int type_error(mtv_err *err, const strbuf *where, const char *path, const char *want,
                      const cJSON *got)
{
    return mtv_err_set(err, MTV_EXIT_USAGE, "%s.%s: expected %s, found %s", sb_str(where), path,
                       want, cJSON_IsNull(got) ? "null" : cJSON_IsNumber(got) ? "a number"
                                                        : cJSON_IsString(got) ? "a string"
                                                        : cJSON_IsBool(got)   ? "a boolean"
                                                        : cJSON_IsArray(got)  ? "an array"
                                                                              : "an object");
}

static int desc_from_json(const vr_desc *d, void *obj, const cJSON *json, strbuf *where,
                          mtv_err *err)
{
    for (const vr_field *f = d->fields; f->path; f++) {
        const char *leaf = NULL;
        const cJSON *parent = parent_for((cJSON *)json, f->path, &leaf, 0);
        const cJSON *v = parent && cJSON_IsObject(parent)
                             ? cJSON_GetObjectItemCaseSensitive(parent, leaf)
                             : NULL;
        if (!v || cJSON_IsNull(v))
            continue;   /* unknown stays unknown */
        switch (f->kind) {
        case VR_STR:
            if (!cJSON_IsString(v))
                return type_error(err, where, f->path, "a string", v);
            vr_set(AT(obj, f->off, char *), v->valuestring);
            break;
        case VR_ID:
            if (cJSON_IsString(v)) {
                vr_set(AT(obj, f->off, char *), v->valuestring);
            } else if (cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble) {
                char num[32];
                snprintf(num, sizeof num, "%lld", (long long)v->valuedouble);
                vr_set(AT(obj, f->off, char *), num);
            } else {
                return type_error(err, where, f->path, "a string or a whole number", v);
            }
            break;
        case VR_INT:
            if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble)
                return type_error(err, where, f->path, "a whole number", v);
            *AT(obj, f->off, long long) = (long long)v->valuedouble;
            break;
        case VR_BOOL:
            if (!cJSON_IsBool(v))
                return type_error(err, where, f->path, "true or false", v);
            *AT(obj, f->off, int) = cJSON_IsTrue(v);
            break;
        case VR_ARRAY: {
            if (!cJSON_IsArray(v))
                return type_error(err, where, f->path, "an array", v);
            size_t i = 0;
            const cJSON *e;
            cJSON_ArrayForEach(e, v) {
                size_t mark = where->len;
                sb_addf(where, ".%s[%zu]", f->path, i++);
                if (!cJSON_IsObject(e)) {
                    int rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: expected an object",
                                         sb_str(where));
                    sb_setlen(where, mark);
                    return rc;
                }
                void *elem = array_add(f, obj);
                int rc = desc_from_json(f->elem, elem, e, where, err);
                sb_setlen(where, mark);
                if (rc)
                    return rc;
            }
            break;
        }
        }
    }
    return 0;
}

int vm_record_from_json(vm_record *r, const cJSON *json, const char *where, mtv_err *err)
{
    vm_record_init(r);
    strbuf w = STRBUF_INIT;
    sb_adds(&w, where && *where ? where : "record");
    int rc;
    if (!cJSON_IsObject(json)) {
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: expected a VM record (a JSON object)", w.buf);
    } else {
        rc = desc_from_json(&record_desc, r, json, &w, err);
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(json, "power_state");
        if (rc == 0 && p && !cJSON_IsNull(p)) {
            if (!cJSON_IsString(p) || !vm_power_parse(p->valuestring))
                rc = mtv_err_set(err, MTV_EXIT_USAGE,
                                 "%s.power_state: expected \"on\", \"off\" or \"other\"", w.buf);
            else
                r->power = vm_power_parse(p->valuestring);
        }
    }
    if (rc)
        vm_record_free(r);
    sb_release(&w);
    return rc;
}

/* ---- human summary --------------------------------------------------------- */

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static void add_num(strbuf *out, long long v)
{
    if (v == VR_UNSET)
        sb_adds(out, "?");
    else
        sb_addf(out, "%lld", v);
}

static const char *yes_no(int v)
{
    return v < 0 ? "?" : v ? "yes" : "no";
}

void vm_record_describe(const vm_record *r, strbuf *out)
{
    sb_addf(out, "%s (%s, id %s)\n", or_dash(r->name), or_dash(r->provider_type), or_dash(r->id));
    if (r->uuid)
        sb_addf(out, "  uuid:      %s\n", r->uuid);
    sb_addf(out, "  power:     %s\n", vm_power_name(r->power) ? vm_power_name(r->power) : "?");
    sb_adds(out, "  cpu:       ");
    add_num(out, r->cpu_sockets);
    sb_adds(out, " socket(s) x ");
    add_num(out, r->cpu_cores);
    sb_adds(out, " core(s)");
    if (r->cpu_threads != VR_UNSET)
        sb_addf(out, " x %lld thread(s)", r->cpu_threads);
    sb_adds(out, "\n  memory:    ");
    add_num(out, r->memory_mb);
    sb_adds(out, " MiB\n");
    sb_addf(out, "  firmware:  %s, secure boot %s, TPM %s\n", or_dash(r->boot_firmware),
            yes_no(r->secure_boot), yes_no(r->tpm_present));
    sb_addf(out, "  guest:     %s, agent running %s, windows %s\n", or_dash(r->guest_os),
            yes_no(r->guest_agent_running), yes_no(r->win_os));
    if (r->host)
        sb_addf(out, "  host:      %s\n", r->host);
    for (size_t i = 0; i < r->nnics; i++) {
        const vm_nic *n = &r->nics[i];
        sb_addf(out, "  nic %zu:     %s %s on %s", i, or_dash(n->name), or_dash(n->mac),
                or_dash(n->network_name));
        if (n->guest_nic_name)
            sb_addf(out, " (guest %s)", n->guest_nic_name);
        sb_addc(out, '\n');
        for (size_t j = 0; j < n->nips; j++) {
            const vm_ip *ip = &n->ips[j];
            sb_addf(out, "             %s", or_dash(ip->ip));
            if (ip->prefix != VR_UNSET)
                sb_addf(out, "/%lld", ip->prefix);
            sb_addf(out, " %s%s%s%s\n", or_dash(ip->origin), ip->is_static > 0 ? " static" : "",
                    ip->gateway ? " gw " : "", ip->gateway ? ip->gateway : "");
        }
    }
    for (size_t i = 0; i < r->ndisks; i++) {
        const vm_disk *d = &r->disks[i];
        sb_addf(out, "  disk %zu:    %s ", i, or_dash(d->name));
        add_num(out, d->size_kb);
        sb_addf(out, " KiB on %s", or_dash(d->storage_name));
        if (d->controller_key != VR_UNSET || d->unit_number != VR_UNSET) {
            sb_adds(out, " (controller ");
            add_num(out, d->controller_key);
            sb_adds(out, " unit ");
            add_num(out, d->unit_number);
            sb_adds(out, ")");
        }
        if (d->provision_type)
            sb_addf(out, " %s", d->provision_type);
        sb_addc(out, '\n');
    }
    for (size_t i = 0; i < r->nsnapshots; i++) {
        const vm_snapshot *s = &r->snapshots[i];
        sb_addf(out, "  snapshot:  %s (id %s) %s %s\n", or_dash(s->name), or_dash(s->id),
                or_dash(s->create_time), or_dash(s->state ? s->state : s->status));
    }
}
