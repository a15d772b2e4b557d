/*
 * lab_world: the source platforms the lab pretends to migrate from, as one
 * JSON document (`--world FILE`, a default is compiled in).
 *
 * The top level is the vSphere part in exactly the shape the vcsim
 * launcher reads (tests/peers/README.md): "networks" (port group names) and
 * "vms" (name, cpus, cores_per_socket, memory_mb, guest_id, firmware,
 * secure_boot, power, tools, hostname, disks[{size_gb, thin}],
 * nics[{network, mac, ip, prefix, origin, gateway}]), so one file feeds both
 * the launcher and the lab. The lab reads a few more optional keys the
 * launcher ignores: per VM "id", "uuid", "tpm", "change_tracking",
 * "os_type"; per disk "storage", "shared"; per NIC "connected".
 *
 * The other providers are optional sections "ovirt", "openstack",
 * "openshift", "ova" and "hyperv", each {"networks", "storages", "vms"}
 * with the same per-VM shape (and "namespace" for openshift). A section
 * without "vms" takes the top-level VMs, so every shipped scenario finds
 * its VM on every provider type. Whatever a file leaves out is derived
 * deterministically (ids, MACs, UUIDs, networks, storages) so the same
 * world always produces the same inventory.
 *
 * Ownership: a lab_world owns everything in it (lab_world_free). After
 * loading it is read-only, except lab_vm.power_on, which the lab changes
 * under its own lock when a migration powers a source off.
 */
#ifndef MTV_LAB_WORLD_H
#define MTV_LAB_WORLD_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/err.h"
#include "util/strbuf.h"

typedef enum {
    LAB_SRC_VSPHERE, LAB_SRC_OVIRT, LAB_SRC_OPENSTACK, LAB_SRC_OPENSHIFT, LAB_SRC_OVA,
    LAB_SRC_HYPERV, LAB_SRC_COUNT
} lab_src_type;

/* "vsphere", "ovirt", ...; and back (-1 when unknown). */
const char *lab_src_type_name(lab_src_type t);
int lab_src_type_parse(const char *name);

typedef struct lab_disk {
    long long capacity;      /* bytes */
    int thin;
    int shared;
    char *storage;           /* datastore / storage domain / volume type / storage class name */
    char *storage_id;
    char *id;                /* disk id (oVirt/OpenStack/OVA), "" for vSphere */
    char *file;              /* vSphere "[ds] vm/vm_0.vmdk"; OVA file name */
    char *serial;
    int key, unit, controller_key;
    char *bus;               /* "scsi", "sata", "virtio", ... */
} lab_disk;

typedef struct lab_nic {
    char *network;           /* network name */
    char *network_id;
    char *mac;
    char *ip;                /* "" when the guest reports none */
    int prefix;
    char *origin;            /* "manual" (static) or "dhcp" */
    char *gateway;
    int connected;           /* starts connected */
    char *model;             /* "vmxnet3", "virtio", "e1000" */
    char *id;                /* NIC / port id where the platform has one */
} lab_nic;

typedef struct lab_vm {
    char *name;
    char *id;
    char *uuid;              /* BIOS uuid (vSphere serial) */
    int cpus, cores_per_socket;
    long long memory_mb;
    char *guest_id;          /* vSphere guestId ("rhel7_64Guest", "windows9Server64Guest") */
    char *os_type;           /* oVirt/OVA os type ("rhel_8x64", "windows_2019x64") */
    char *firmware;          /* "bios" or "efi" */
    int secure_boot, tpm;
    int power_on;            /* mutable: see the header comment */
    int tools;               /* guest tools / agent running when powered on */
    int change_tracking;
    char *hostname;
    char *host_id;           /* where it runs (vSphere host moref) */
    char *folder_path;       /* vSphere inventory path "/DC0/vm/<name>" */
    int is_windows;
    lab_disk *disks;
    size_t ndisks;
    lab_nic *nics;
    size_t nnics;
} lab_vm;

typedef struct lab_named {
    char *id;
    char *name;
} lab_named;

typedef struct lab_source {
    lab_src_type type;
    int present;             /* the world has this provider */
    char *namespace;         /* openshift: where the source VMs live */
    lab_named *networks;
    size_t nnetworks;
    lab_named *storages;
    size_t nstorages;
    lab_named *hosts;        /* vSphere hosts (id = moref) */
    size_t nhosts;
    char *about;             /* vSphere: apiVersion reported by the endpoint */
    lab_vm *vms;
    size_t nvms;
} lab_source;

typedef struct lab_world {
    lab_source src[LAB_SRC_COUNT];
    cJSON *vsphere_doc;      /* the top-level networks+vms as written (for `lab world`) */
} lab_world;

/* The compiled-in default world (JSON text). */
extern const char lab_world_default_json[];

/* Parses a world document; name is used in messages ("file:line:col: ...").
 * Returns 0, or -1 with err (class MTV_EXIT_USAGE) naming the key. */
int lab_world_parse(lab_world *w, const char *name, const char *text, size_t n, mtv_err *err);
int lab_world_load(lab_world *w, const char *path, mtv_err *err);   /* NULL path = default */
void lab_world_free(lab_world *w);

/* The vSphere part as the vcsim launcher reads it, pretty-printed. */
void lab_world_vsphere_json(const lab_world *w, strbuf *out);

const lab_vm *lab_source_find_vm(const lab_source *s, const char *id, const char *name);
const lab_named *lab_source_find(const lab_named *list, size_t n, const char *id,
                                 const char *name);

/* Deep copies (for snapshots taken from another thread). */
void lab_vm_copy(lab_vm *dst, const lab_vm *src);
void lab_vm_release(lab_vm *vm);
void lab_source_copy(lab_source *dst, const lab_source *src);
/* A copy of src under a new name with a fresh identity, as a platform's
 * clone gets: VM id and BIOS uuid, disk and NIC ids, and MACs under
 * mac_prefix ("56:6f:1a") unless keep_macs; powered off. Everything is
 * derived from seed (unique per clone), so a lab replays the same ids. */
void lab_vm_clone(lab_vm *dst, const lab_vm *src, const char *name, const char *seed,
                  const char *mac_prefix, int keep_macs);
/* Appends vm (taken over; *vm is cleared) to s->vms; removes the VM with
 * this id (0 removed, -1 none). */
void lab_source_add_vm(lab_source *s, lab_vm *vm);
int lab_source_remove_vm(lab_source *s, const char *id);
void lab_source_release(lab_source *s);

/* A stable RFC 4122-shaped id derived from text (sha256), for worlds that
 * name things but give no ids. */
void lab_stable_uuid(const char *text, char out[37]);

#endif
