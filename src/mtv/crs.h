/*
 * crs: the request bodies of every object the Forklift lifecycle creates,
 * built from the scenario, the providers entry and inventory data. Pure
 * functions: no I/O, no clock, no randomness (names come in), so each body
 * is unit-tested against upstream's shapes and a replay rebuilds it byte for
 * byte.
 *
 * Shapes follow upstream mtv-api-tests (research/mtv-api-tests.md §3.8, §5)
 * and the Forklift API (research/forklift.md §2-§6): forklift.konveyor.io/v1beta1
 * Provider, StorageMap, NetworkMap, Hook, Plan, Migration; v1 Namespace and
 * Secret; k8s.cni.cncf.io/v1 NetworkAttachmentDefinition.
 *
 * Plan booleans: every plan-level key the scenario sets is sent with the
 * scenario's value, false included. Several of them default to true in the
 * CRD (preserveStaticIPs, migrateSharedDisks, runPreflightInspection, ...),
 * so leaving a false out would silently turn the feature on.
 *
 * Ownership: every cJSON * returned is the caller's (cJSON_Delete). Inputs
 * are borrowed.
 */
#ifndef MTV_MTV_CRS_H
#define MTV_MTV_CRS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "config/providers.h"
#include "util/err.h"

#define MTV_API_FORKLIFT "forklift.konveyor.io/v1beta1"
#define MTV_HOOK_IMAGE "quay.io/konveyor/hook-runner:latest"

typedef struct mtv_ref {
    const char *name;
    const char *namespace_;
} mtv_ref;

/* {"apiVersion", "kind", "metadata": {"name", "namespace"?}} for any kind. */
cJSON *mtv_cr_object(const char *api_version, const char *kind, const char *name,
                     const char *namespace_);

/* The run namespace with upstream's labels: pod security "restricted"
 * (enforce, enforce-version latest) and kubemacpool "ignore". */
cJSON *mtv_cr_namespace(const char *name);

/* ---- source provider ------------------------------------------------- */

typedef struct mtv_secret_spec {
    mtv_ref ref;                 /* the Secret's name and namespace */
    const provider_entry *entry; /* credentials and per-type keys */
    const char *url;             /* the Provider's spec.url, repeated in the Secret */
    int insecure;                /* insecureSkipVerify */
    const char *cacert;          /* PEM to trust, or NULL */
    const char *ca_key;          /* "cacert" (default when NULL) or "ca.crt" */
    const char *token;           /* openshift source: the cluster token */
} mtv_secret_spec;

/* The source provider's Secret with upstream's keys per type (§3.8),
 * labelled createdForProviderType. Errors name a missing entry key. */
int mtv_cr_provider_secret(const mtv_secret_spec *s, cJSON **out, mtv_err *err);

/* spec.url for the entry: api_url (openshift: cluster_url). */
const char *mtv_provider_url(const provider_entry *e, const char *cluster_url);

/* 1 when the provider's Secret must carry the server's CA: oVirt always
 * (imageio needs it), vsphere/openstack/hyperv when verification is on,
 * never openshift and ova. */
int mtv_provider_needs_ca(enum provider_type type, int insecure);
/* Host and port whose certificate chain is fetched: those of api_url when it
 * names a port (the server the provider is reached at), else fqdn:443
 * (hyperv 5986) as upstream's openssl s_client. host is appended to. */
int mtv_provider_ca_endpoint(const provider_entry *e, strbuf *host, int *port, mtv_err *err);

/* The source Provider: spec.type, url, secret ref; vSphere settings
 * vddkInitImage (vddk_init_image) and sdkEndpoint (endpoint_type); the
 * empty-vddk-init-image annotation when copyoffload is on. */
cJSON *mtv_cr_provider(mtv_ref ref, const provider_entry *e, const char *url, mtv_ref secret,
                       int copyoffload);

/* The destination: local (url NULL: type openshift, url "", empty secret)
 * or remote (url and a token secret). */
cJSON *mtv_cr_destination(mtv_ref ref, const char *url, const mtv_ref *token_secret);

/* A Secret holding a bearer token (remote destination, openshift source). */
cJSON *mtv_cr_token_secret(mtv_ref ref, const char *token, int insecure);

/* ---- maps --------------------------------------------------------------- */

typedef struct mtv_offload {
    const char *secret;          /* copy-offload storage Secret (same namespace) */
    const char *vendor;          /* storageVendorProduct */
    const cJSON *dedicated_hosts;/* array of host ids, or NULL */
    const char *const *datastores; /* datastore ids the plugin serves, NULL-terminated */
} mtv_offload;

/* StorageMap: one entry per source item (inventory refs: {"name"} or {"id"}),
 * each to storage_class with accessMode/volumeMode when given. With offload,
 * one entry per offload datastore {"id"} with the vsphereXcopyConfig plugin
 * (volumeMode Block unless volume_mode says otherwise). */
cJSON *mtv_cr_storagemap(mtv_ref ref, mtv_ref source, mtv_ref destination, const cJSON *sources,
                         const char *storage_class, const char *access_mode,
                         const char *volume_mode, const mtv_offload *offload);

/* NetworkMap: the first source on the pod network, each further one on the
 * Multus NAD <nad_base>-<n> (n from 1) in multus_ns. pod_only maps all to pod. */
cJSON *mtv_cr_networkmap(mtv_ref ref, mtv_ref source, mtv_ref destination, const cJSON *sources,
                         const char *nad_base, const char *multus_ns, int pod_only);

/* NADs a NetworkMap of n_sources entries needs: max(0, n_sources - 1). */
size_t mtv_nad_count(size_t n_sources);
/* NetworkAttachmentDefinition <nad_base>-<n>; the first (n == 1) uses the
 * cnv-bridge CNI, the others a Linux bridge named after the NAD. */
cJSON *mtv_cr_nad(const char *nad_base, size_t n, const char *namespace_);

/* ---- hooks, plan, migration ------------------------------------------------ */

/* The predefined playbooks (YAML) for expected_result "succeed" / "fail". */
extern const char MTV_PLAYBOOK_SUCCEED[];
extern const char MTV_PLAYBOOK_FAIL[];

/* A Hook from a scenario's pre_hook/post_hook dict: expected_result
 * (predefined playbook), playbook_base64 (custom) or aap_job_template_id. */
int mtv_cr_hook(mtv_ref ref, const cJSON *hook_params, cJSON **out, mtv_err *err);
/* The step a hook dict expects to fail ("PreHook"/"PostHook") when its
 * expected_result is "fail", else NULL. */
const char *mtv_hook_expected_failure(const cJSON *params);

typedef struct mtv_plan_vm {
    const char *id;              /* inventory id */
    const char *name;            /* source name */
    const char *target_name;     /* OVA: the unique target name; else NULL */
    const char *namespace_;      /* openshift source VM namespace; else NULL */
    const char *luks_secret;     /* Secret with the LUKS passphrase; else NULL */
    const cJSON *params;         /* the scenario's virtual_machines[i] */
} mtv_plan_vm;

typedef struct mtv_plan_spec {
    mtv_ref ref;
    mtv_ref source, destination, storage_map, network_map;
    const char *target_namespace;
    const mtv_plan_vm *vms;
    size_t n_vms;
    mtv_ref pre_hook, post_hook;   /* name NULL: none */
    const cJSON *params;           /* the scenario's params */
    const char *provider_type;     /* picks a per-provider pvc_name_template */
    const char *session;           /* JSON null in labels/node selector means this */
} mtv_plan_spec;

/* The Plan with every plan-level key the scenario sets (§5.7). Errors name
 * the scenario key that cannot be turned into the Plan field. */
int mtv_cr_plan(const mtv_plan_spec *p, cJSON **out, mtv_err *err);

/* pvc_name_template as upstream resolves it: a string as is; an object by the
 * provider type, else its "default"; copy-offload forces "pvc". NULL when the
 * scenario sets none; -1 when a map has neither key. */
int mtv_pvc_name_template(const cJSON *params, const char *provider_type, const char **out,
                          mtv_err *err);

/* Migration for plan; cutover_ms > 0 adds spec.cutover (UTC, seconds). */
cJSON *mtv_cr_migration(mtv_ref ref, mtv_ref plan, int64_t cutover_ms);
/* "%Y-%m-%dT%H:%M:%SZ" of an epoch millisecond time. out holds 32 bytes. */
void mtv_format_cutover(int64_t ms, char out[32]);

/* {"spec": {"cancel": <vms>}}: cancel every VM of the Plan. */
cJSON *mtv_patch_cancel(const cJSON *plan);
/* {"spec": {"archived": true}}. */
cJSON *mtv_patch_archive(void);
/* {"spec": {"controller_precopy_interval": minutes}}. */
cJSON *mtv_patch_precopy_interval(long minutes);

/* A Secret of LUKS passphrases (key "key") for a VM's encrypted disks. */
cJSON *mtv_cr_luks_secret(mtv_ref ref, const char *passphrase);
/* The copy-offload storage Secret: STORAGE_HOSTNAME/USERNAME/PASSWORD, the
 * vendor's keys, then storage_secret_extra (which wins). */
int mtv_cr_offload_secret(mtv_ref ref, const provider_entry *e, cJSON **out, mtv_err *err);

#endif
