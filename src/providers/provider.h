/*
 * provider: the common contract of the source provider adapters (vSphere,
 * oVirt, OpenStack, OVA, ...) and the registry that picks one by the type of
 * a providers-file entry.
 *
 * An adapter is a small table of operations (source_ops). Callers never use
 * the table directly: source_open() connects the adapter that matches the
 * entry's type and the source_*() functions call through it, answering
 * "not supported by the <type> adapter" for an operation a type lacks (OVA
 * VMs cannot be cloned or powered, for instance). VMs are named the way the
 * scenarios name them; adapters resolve names to their own ids.
 *
 * Everything goes through the transport given in source_config, so a session
 * records and replays; waits sleep on the transport's clock (cut short by the
 * config's cancel flag) and generated names come from its random source.
 *
 * Every object an adapter creates on the source side (a cloned VM, a
 * snapshot, an image, a volume) is reported through on_created the moment it
 * exists, so the runner's teardown ledger (resources.json) holds it even if
 * the run dies right after; source_delete() with the same kind and id removes
 * it again, during teardown or from a later cleanup run.
 *
 * Ownership: source_open allocates the provider; source_close disconnects and
 * frees it. source_config and everything it points to are borrowed and must
 * outlive the provider. Records and lists handed out are the caller's.
 */
#ifndef MTV_PROVIDERS_PROVIDER_H
#define MTV_PROVIDERS_PROVIDER_H

#include <stdatomic.h>
#include <stdint.h>

#include "config/providers.h"
#include "k8s/kubeconfig.h"
#include "net/transport.h"
#include "providers/vm_record.h"
#include "util/err.h"
#include "util/strbuf.h"

/* Called for every source-side object an adapter creates. kind is one of the
 * SOURCE_KIND_* names below; id is the platform's id (MoRef, UUID); name the
 * object's name (may be NULL). */
typedef void (*source_created_fn)(void *ud, const char *provider_type, const char *kind,
                                  const char *id, const char *name);

#define SOURCE_KIND_VM "vm"
#define SOURCE_KIND_SNAPSHOT "snapshot"
#define SOURCE_KIND_IMAGE "image"
#define SOURCE_KIND_VOLUME "volume"
#define SOURCE_KIND_VOLUME_SNAPSHOT "volume_snapshot"

typedef struct source_config {
    transport *t;                    /* required */
    const provider_entry *entry;     /* required: the providers-file entry */
    const providers_file *file;      /* optional: to find an ESXi entry's clone_provider */
    int insecure;                    /* explicit opt-in: do not verify TLS */
    const char *ca_file;             /* trust this PEM bundle (else the system's) */
    const char *ca_pem;              /* or this PEM text (a chain fetched from the server) */
    const char *url;                 /* overrides the entry's api_url (labs, tests) */
    /* "service=URL" overrides of OpenStack catalog endpoints ("compute=...",
     * "network=...", "volumev3=...", "image=..."), NULL-terminated */
    const char *const *service_urls;
    const char *ova_dir;             /* OVA: local folder where the share is mounted */
    const char *ovirt_datacenter;    /* oVirt: the data center MTV needs (default MTV-CNV) */
    /* OpenShift: the cluster access to use (borrowed; NULL = log in with the
     * entry's api_url, username and password), the namespace of the source
     * VMs (NULL = the access's namespace), and for the VMs it creates the
     * DataSource ("name" or "namespace/name"; default
     * openshift-virtualization-os-images/rhel9) and an extra Multus network
     * ("namespace/name"; NULL = none) */
    const kube_config *kube;
    const char *ocp_namespace;
    const char *ocp_datasource;
    const char *ocp_network;
    long poll_ms;                    /* first interval of power/status waits; default 1000 */
    /* the run's cancel flag (may be NULL): every wait of the adapter stops
     * with a "cancelled" error soon after it becomes non-zero */
    atomic_int *cancel;
    source_created_fn on_created;
    void *created_ud;
} source_config;

/* A disk added to a clone (upstream add_disks[i]). */
typedef struct clone_disk {
    long long size_gb;
    const char *provision_type;      /* thin (default), thick-lazy, thick-eager */
    const char *disk_mode;           /* persistent (default), independent_persistent,
                                        independent_nonpersistent */
    const char *datastore_id;        /* default: the clone's datastore */
    const char *datastore_path;      /* folder on the datastore */
} clone_disk;

typedef struct clone_options {
    const char *disk_type;           /* thin, thick-lazy, thick-eager; NULL keeps the source's */
    const clone_disk *add_disks;
    size_t nadd_disks;
    const char *target_datastore_id; /* vSphere: datastore MoRef id */
    const char *target_host;         /* vSphere: ESXi host MoRef id or name */
    const char *resource_pool;       /* vSphere: pool MoRef id or name */
    int keep_macs;                   /* 1 keeps the source's MACs (default: new ones) */
    int enable_cbt;                  /* vSphere: changed block tracking (warm migrations) */
    int add_nic;                     /* vSphere: add a NIC copying the backing of the first
                                        secondary NIC (else the first) ... */
    int add_nic_start_connected;     /* ... connected at power-on or not */
    const char *cluster;             /* oVirt: cluster name (default: the template's) */
} clone_options;

typedef struct source_network {
    char *name;
    char *id;
} source_network;

typedef struct source_provider source_provider;

typedef struct source_ops {
    const char *type;                /* "vsphere", ... */
    int (*open)(source_provider *p, mtv_err *err);       /* connect and test */
    void (*close)(source_provider *p);
    int (*vm_info)(source_provider *p, const char *vm, vm_record *out, mtv_err *err);
    /* Clones source (a VM or template) as clone_name; the clone's id into id. */
    int (*clone)(source_provider *p, const char *source, const char *clone_name,
                 const clone_options *o, strbuf *id, mtv_err *err);
    int (*power)(source_provider *p, const char *vm, enum vm_power want, int64_t timeout_ms,
                 mtv_err *err);
    /* Waits until the guest reports its agent/tools and IP addresses. */
    int (*wait_guest)(source_provider *p, const char *vm, int64_t timeout_ms, mtv_err *err);
    int (*snapshot_create)(source_provider *p, const char *vm, const char *name,
                           const char *description, strbuf *id, mtv_err *err);
    /* Deletes an object of kind by id (name for messages, may be NULL).
     * An object that is already gone is not an error. */
    int (*remove)(source_provider *p, const char *kind, const char *id, const char *name,
                  mtv_err *err);
    /* Networks a VM or template is attached to, in NIC order, deduplicated.
     * NULL: taken from vm_info's NICs. */
    int (*networks)(source_provider *p, const char *vm, source_network **out, size_t *n,
                    mtv_err *err);
} source_ops;

struct source_provider {
    const source_ops *ops;
    source_config cfg;               /* copy; pointers borrowed */
    enum provider_type type;
    const char *type_name;
    char *url;                       /* the API URL in use */
    net_tls tls;                     /* from cfg: CA file, insecure */
    void *impl;                      /* the adapter's state */
};

/* The adapter for a provider type, or NULL when none exists. */
const source_ops *source_ops_for(enum provider_type type);

/* Connects to the entry's provider and checks the connection works. */
int source_open(source_provider **out, const source_config *cfg, mtv_err *err);
void source_close(source_provider *p);

int source_vm_info(source_provider *p, const char *vm, vm_record *out, mtv_err *err);
int source_clone(source_provider *p, const char *source, const char *clone_name,
                 const clone_options *o, strbuf *id, mtv_err *err);
int source_power(source_provider *p, const char *vm, enum vm_power want, int64_t timeout_ms,
                 mtv_err *err);
int source_wait_guest(source_provider *p, const char *vm, int64_t timeout_ms, mtv_err *err);
int source_snapshot_create(source_provider *p, const char *vm, const char *name,
                           const char *description, strbuf *id, mtv_err *err);
/* The VM's snapshots (from its record); *out is the caller's (free with
 * source_snapshots_free). */
int source_snapshot_list(source_provider *p, const char *vm, vm_snapshot **out, size_t *n,
                         mtv_err *err);
void source_snapshots_free(vm_snapshot *s, size_t n);
int source_delete(source_provider *p, const char *kind, const char *id, const char *name,
                  mtv_err *err);
int source_networks(source_provider *p, const char *vm, source_network **out, size_t *n,
                    mtv_err *err);
void source_networks_free(source_network *nets, size_t n);

/* 1 when the adapter implements the operation ("clone", "power", "snapshot",
 * "guest"). */
int source_can(const source_provider *p, const char *op);

/* For adapters: reports a created object through the config's callback. */
void source_report_created(source_provider *p, const char *kind, const char *id,
                           const char *name);
/* For adapters: the sleep between two polls of a wait, on the transport's
 * clock. Returns 0, or -1 with a "cancelled while <what>" error as soon as
 * the config's cancel flag is set (before or during the sleep). */
int source_poll_sleep(source_provider *p, int64_t ms, const char *what, mtv_err *err);
/* For adapters: a value of the entry ("username", ...) or NULL. */
const char *source_entry_str(const source_provider *p, const char *key);

/* A clone name: "<prefix>-<base>-<6 random chars>" from the transport's
 * random source, sanitised to a DNS-1123 label (lower case, [a-z0-9-]) and
 * keeping the last 63 characters, as upstream does. prefix may be NULL. */
void source_clone_name(transport *t, const char *prefix, const char *base, strbuf *out);

#endif
