/*
 * vm_record: the normalised description of one source VM, the same for every
 * provider type, with upstream mtv-api-tests' key names (its vm_dict()).
 *
 * Adapters fill a record from their platform's API (vSphere properties, oVirt
 * XML, Nova/Neutron/Cinder JSON, an OVF descriptor); the post-migration checks
 * compare it with the migrated VM, and the runner stores it per scenario
 * ("source_vms_data"). JSON out and back in is lossless for every field below,
 * so a stored record is as good as a fresh one.
 *
 * Unknown values are explicit: strings NULL, numbers VR_UNSET, booleans -1.
 * They are left out of the JSON rather than written as guesses.
 *
 * JSON layout (upstream keys; extensions marked +):
 *   id, name, uuid, provider_type, power_state ("on"|"off"|"other"),
 *   memory_in_mb, cpu {num_cores, num_sockets, num_threads},
 *   firmware {boot_firmware, secure_boot, tpm_present},
 *   guest_agent_running, win_os, serial, +guest_os, +host, +template,
 *   network_interfaces [{name, macAddress, network {name, id}, guest_nic_name,
 *                        +connected, +start_connected, +device_key,
 *                        ip_addresses [{ip_address, subnet_mask (the prefix
 *                                       length, as upstream), gateway,
 *                                       ip_origin, is_static_ip}]}],
 *   disks [{name, size_in_kb, storage {name, id}, device_key, unit_number,
 *           controller_key, +file, +provision_type, +disk_mode}],
 *   snapshots_data [{name, id, description, create_time, state,
 *                    +snapshot_status, +snapshot_type, +ref}]
 * Identifiers that are numbers on some platforms and strings on others
 * (device_key, snapshot id) are kept as text and written as JSON numbers when
 * they are decimal integers, as upstream does.
 *
 * Ownership: a record owns every string and array in it; vm_record_free
 * releases them. Setters copy their arguments.
 */
#ifndef MTV_PROVIDERS_VM_RECORD_H
#define MTV_PROVIDERS_VM_RECORD_H

#include <cjson/cJSON.h>
#include <limits.h>
#include <stddef.h>

#include "util/err.h"
#include "util/strbuf.h"

#define VR_UNSET LLONG_MIN

enum vm_power { VM_POWER_UNKNOWN = 0, VM_POWER_ON, VM_POWER_OFF, VM_POWER_OTHER };

const char *vm_power_name(enum vm_power p);             /* "on", "off", "other", NULL */
enum vm_power vm_power_parse(const char *name);          /* 0 when unknown */

typedef struct vm_ip {
    char *ip;
    long long prefix;        /* prefix length ("subnet_mask" upstream) */
    char *gateway;
    char *origin;            /* manual, dhcp, linklayer, random, other */
    int is_static;           /* origin == manual */
} vm_ip;

typedef struct vm_nic {
    char *name;              /* device label or NIC name */
    char *mac;               /* lower case, colon separated */
    char *network_name;
    char *network_id;
    char *guest_nic_name;    /* the guest OS's name for it (eth0, ens192) */
    char *device_key;
    int connected, start_connected;
    vm_ip *ips;
    size_t nips;
} vm_nic;

typedef struct vm_disk {
    char *name;
    long long size_kb;
    char *storage_name;
    char *storage_id;
    char *device_key;
    long long unit_number;
    long long controller_key;
    char *file;              /* vSphere: "[datastore] folder/disk.vmdk" */
    char *provision_type;    /* thin, thick-lazy, thick-eager */
    char *disk_mode;         /* persistent, independent_persistent, ... */
} vm_disk;

typedef struct vm_snapshot {
    char *name;
    char *id;
    char *description;
    char *create_time;
    char *state;
    char *status;            /* snapshot_status (oVirt, OpenStack) */
    char *type;              /* snapshot_type (oVirt) */
    char *ref;               /* platform object id used to delete it */
} vm_snapshot;

typedef struct vm_record {
    char *id, *name, *uuid, *provider_type;
    enum vm_power power;
    long long memory_mb;
    long long cpu_cores, cpu_sockets, cpu_threads;
    char *boot_firmware;     /* bios, efi */
    int secure_boot, tpm_present;
    int guest_agent_running, win_os, is_template;
    char *serial, *guest_os, *host;
    vm_nic *nics;
    size_t nnics;
    vm_disk *disks;
    size_t ndisks;
    vm_snapshot *snapshots;
    size_t nsnapshots;
} vm_record;

void vm_record_init(vm_record *r);
void vm_record_free(vm_record *r);
/* Moves src into dst (dst freed first); src is left empty. */
void vm_record_move(vm_record *dst, vm_record *src);

/* Appends a zeroed (all unknown) element and returns it. */
vm_nic *vm_record_add_nic(vm_record *r);
vm_disk *vm_record_add_disk(vm_record *r);
vm_snapshot *vm_record_add_snapshot(vm_record *r);
vm_ip *vm_nic_add_ip(vm_nic *n);

/* Replaces *dst with a copy of s (NULL clears). */
void vr_set(char **dst, const char *s);
void vr_setn(char **dst, const char *s, size_t n);
/* MAC addresses are stored lower case with ':' separators. */
void vr_set_mac(char **dst, const char *mac);

/* The record as a new JSON object (caller cJSON_Deletes). */
cJSON *vm_record_to_json(const vm_record *r);
/* Reads a record written by vm_record_to_json (or by upstream's vm_dict:
 * unknown keys are ignored). Wrong types are errors naming the key path,
 * prefixed with where ("results.json: scenario x: source_vms_data.vm-a"). */
int vm_record_from_json(vm_record *r, const cJSON *json, const char *where, mtv_err *err);

/* A human summary, several lines, for `source show`. */
void vm_record_describe(const vm_record *r, strbuf *out);

#endif
