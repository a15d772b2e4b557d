/* lab_kinds: see lab_kinds.h. The built-in table mirrors what a cluster with
 * OpenShift Virtualization and MTV installed serves; printer columns follow
 * the CRDs (forklift) or the API server's own printers (core), reduced to
 * what a JSONPath can express. */
#include "lab/lab_kinds.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

#define NS LAB_KIND_NAMESPACED
#define ST LAB_KIND_STATUS
#define CR LAB_KIND_CUSTOM
#define NOGEN LAB_KIND_NO_GENERATION
#define LBL LAB_KIND_NAME_LABEL
#define AGE "Age|date|.metadata.creationTimestamp"
#define READY(n) n "|string|.status.conditions[?(@.type=='Ready')].status"

static const lab_kind_def builtin[] = {
    {"", "v1", "Namespace", "namespaces", "ns", NULL, ST | NOGEN | LBL,
     "Status|string|.status.phase;" AGE, "status.phase"},
    {"", "v1", "Secret", "secrets", NULL, NULL, NS | NOGEN, "Type|string|.type;" AGE, "type"},
    {"", "v1", "ConfigMap", "configmaps", "cm", NULL, NS | NOGEN, AGE, NULL},
    {"", "v1", "Node", "nodes", "no", NULL, ST | NOGEN,
     READY("Status") ";" AGE ";Version|string|.status.nodeInfo.kubeletVersion;"
     "Internal-IP|string|.status.addresses[?(@.type=='InternalIP')].address|1",
     "spec.unschedulable"},
    {"", "v1", "Pod", "pods", "po", "all", NS | ST,
     "Status|string|.status.phase;" AGE ";IP|string|.status.podIP|1;Node|string|.spec.nodeName|1",
     "spec.nodeName,spec.restartPolicy,spec.schedulerName,spec.serviceAccountName,status.phase,"
     "status.podIP,status.nominatedNodeName"},
    {"", "v1", "Service", "services", "svc", "all", NS | ST | NOGEN,
     "Type|string|.spec.type;Cluster-IP|string|.spec.clusterIP;" AGE, NULL},
    {"", "v1", "ServiceAccount", "serviceaccounts", "sa", NULL, NS | NOGEN, AGE, NULL},
    {"", "v1", "Event", "events", "ev", NULL, NS | NOGEN,
     "Type|string|.type;Reason|string|.reason;Object|string|.involvedObject.name;"
     "Message|string|.message",
     "involvedObject.kind,involvedObject.namespace,involvedObject.name,involvedObject.uid,"
     "involvedObject.apiVersion,involvedObject.resourceVersion,involvedObject.fieldPath,reason,"
     "reportingComponent,source,type"},
    {"", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "pvc", NULL, NS | ST | NOGEN,
     "Status|string|.status.phase;Volume|string|.spec.volumeName;"
     "Capacity|string|.status.capacity.storage;StorageClass|string|.spec.storageClassName;" AGE,
     NULL},
    {"", "v1", "PersistentVolume", "persistentvolumes", "pv", NULL, ST | NOGEN,
     "Capacity|string|.spec.capacity.storage;Status|string|.status.phase;"
     "Claim|string|.spec.claimRef.name;StorageClass|string|.spec.storageClassName;" AGE, NULL},
    {"batch", "v1", "Job", "jobs", NULL, "all", NS | ST,
     "Status|string|.status.conditions[0].type;Completions|integer|.status.succeeded;" AGE,
     "status.successful"},
    {"storage.k8s.io", "v1", "StorageClass", "storageclasses", "sc", NULL, NOGEN,
     "Provisioner|string|.provisioner;ReclaimPolicy|string|.reclaimPolicy;"
     "VolumeBindingMode|string|.volumeBindingMode;" AGE, NULL},
    {"route.openshift.io", "v1", "Route", "routes", NULL, NULL, NS | ST,
     "Host|string|.spec.host;Path|string|.spec.path;Services|string|.spec.to.name;" AGE,
     "spec.host,spec.path,spec.to.name"},
    {"apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
     "crd,crds", "api-extensions", ST, "Created At|string|.metadata.creationTimestamp", NULL},
    {"forklift.konveyor.io", "v1beta1", "Provider", "providers", NULL, NULL, NS | ST | CR,
     "TYPE|string|.spec.type;STATUS|string|.status.phase;" READY("READY") ";"
     "CONNECTED|string|.status.conditions[?(@.type=='ConnectionTestSucceeded')].status;"
     "INVENTORY|string|.status.conditions[?(@.type=='InventoryCreated')].status;"
     "URL|string|.spec.url;AGE|date|.metadata.creationTimestamp", NULL},
    {"forklift.konveyor.io", "v1beta1", "Plan", "plans", NULL, NULL, NS | ST | CR,
     READY("READY") ";EXECUTING|string|.status.conditions[?(@.type=='Executing')].status;"
     "SUCCEEDED|string|.status.conditions[?(@.type=='Succeeded')].status;"
     "FAILED|string|.status.conditions[?(@.type=='Failed')].status;"
     "AGE|date|.metadata.creationTimestamp", NULL},
    {"forklift.konveyor.io", "v1beta1", "Migration", "migrations", NULL, NULL, NS | ST | CR,
     READY("READY") ";RUNNING|string|.status.conditions[?(@.type=='Running')].status;"
     "SUCCEEDED|string|.status.conditions[?(@.type=='Succeeded')].status;"
     "FAILED|string|.status.conditions[?(@.type=='Failed')].status;"
     "AGE|date|.metadata.creationTimestamp", NULL},
    {"forklift.konveyor.io", "v1beta1", "NetworkMap", "networkmaps", NULL, NULL, NS | ST | CR,
     READY("READY") ";AGE|date|.metadata.creationTimestamp", NULL},
    {"forklift.konveyor.io", "v1beta1", "StorageMap", "storagemaps", NULL, NULL, NS | ST | CR,
     READY("READY") ";AGE|date|.metadata.creationTimestamp", NULL},
    {"forklift.konveyor.io", "v1beta1", "Hook", "hooks", NULL, NULL, NS | ST | CR,
     READY("Ready") ";Image|string|.spec.image;" AGE, NULL},
    {"forklift.konveyor.io", "v1beta1", "Host", "hosts", NULL, NULL, NS | ST | CR,
     READY("READY") ";CONNECTED|string|.status.conditions[?(@.type=='ConnectionTestSucceeded')]"
     ".status;AGE|date|.metadata.creationTimestamp", NULL},
    {"forklift.konveyor.io", "v1beta1", "ForkliftController", "forkliftcontrollers", NULL, NULL,
     NS | ST | CR, AGE, NULL},
    {"forklift.konveyor.io", "v1beta1", "Conversion", "conversions", NULL, NULL, NS | ST | CR,
     "TYPE|string|.spec.type;PHASE|string|.status.phase;STAGE|string|.status.stage;"
     READY("READY") ";AGE|date|.metadata.creationTimestamp", NULL},
    {"forklift.konveyor.io", "v1beta1", "OVAProviderServer", "ovaproviderservers", NULL, NULL,
     NS | ST | CR, AGE, NULL},
    {"forklift.konveyor.io", "v1beta1", "HyperVProviderServer", "hypervproviderservers", NULL,
     NULL, NS | ST | CR, "PHASE|string|.status.phase;SERVICE|string|.status.service.name", NULL},
    {"forklift.konveyor.io", "v1beta1", "OvirtVolumePopulator", "ovirtvolumepopulators",
     "ovvp,ovvps", NULL, NS | CR, AGE, NULL},
    {"forklift.konveyor.io", "v1beta1", "OpenstackVolumePopulator", "openstackvolumepopulators",
     "osvp,osvps", NULL, NS | CR, AGE, NULL},
    {"forklift.konveyor.io", "v1beta1", "VSphereXcopyVolumePopulator",
     "vspherexcopyvolumepopulators", "vxvp,vxvps", NULL, NS | CR, AGE, NULL},
    {"kubevirt.io", "v1", "VirtualMachine", "virtualmachines", "vm,vms", "all", NS | ST | CR,
     AGE ";Status|string|.status.printableStatus;" READY("Ready"), NULL},
    {"kubevirt.io", "v1", "VirtualMachineInstance", "virtualmachineinstances", "vmi,vmis", "all",
     NS | ST | CR,
     AGE ";Phase|string|.status.phase;IP|string|.status.interfaces[0].ipAddress;"
     "NodeName|string|.status.nodeName;" READY("Ready"), NULL},
    {"instancetype.kubevirt.io", "v1beta1", "VirtualMachineClusterInstancetype",
     "virtualmachineclusterinstancetypes", "vmclusterinstancetype,vmcf,vmcfs", NULL, CR | NOGEN,
     AGE, NULL},
    {"instancetype.kubevirt.io", "v1beta1", "VirtualMachineInstancetype",
     "virtualmachineinstancetypes", "vminstancetype,vmf,vmfs", NULL, NS | CR | NOGEN, AGE, NULL},
    {"instancetype.kubevirt.io", "v1beta1", "VirtualMachineClusterPreference",
     "virtualmachineclusterpreferences", "vmclusterpreference,vmcp,vmcps", NULL, CR | NOGEN,
     AGE, NULL},
    {"instancetype.kubevirt.io", "v1beta1", "VirtualMachinePreference",
     "virtualmachinepreferences", "vmpref,vmprefs,vmp,vmps", NULL, NS | CR | NOGEN, AGE, NULL},
    {"cdi.kubevirt.io", "v1beta1", "DataVolume", "datavolumes", "dv,dvs", "all", NS | ST | CR,
     "Phase|string|.status.phase;Progress|string|.status.progress;"
     "Restarts|integer|.status.restartCount;" AGE, NULL},
    {"k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition", "network-attachment-definitions",
     "net-attach-def", NULL, NS | CR, AGE, NULL},
    {"config.openshift.io", "v1", "ClusterVersion", "clusterversions", NULL, NULL, ST | CR,
     "Version|string|.status.history[?(@.state=='Completed')].version;"
     "Available|string|.status.conditions[?(@.type=='Available')].status;"
     "Progressing|string|.status.conditions[?(@.type=='Progressing')].status;"
     "Since|date|.status.conditions[?(@.type=='Progressing')].lastTransitionTime;"
     "Status|string|.status.conditions[?(@.type=='Progressing')].message", NULL},
    {"operators.coreos.com", "v1alpha1", "Subscription", "subscriptions", "sub,subs", "olm",
     NS | ST | CR,
     "Package|string|.spec.name;Source|string|.spec.source;Channel|string|.spec.channel", NULL},
    {"operators.coreos.com", "v1alpha1", "ClusterServiceVersion", "clusterserviceversions",
     "csv,csvs", "olm", NS | ST | CR,
     "Display|string|.spec.displayName;Version|string|.spec.version;"
     "Replaces|string|.spec.replaces;Phase|string|.status.phase", NULL},
};

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static char **split_list(const char *s, size_t *n)
{
    *n = 0;
    if (!s || !*s)
        return NULL;
    char **out = NULL;
    const char *p = s;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        out = realloc(out, (*n + 1) * sizeof *out);
        if (!out)
            abort();
        out[(*n)++] = strndup(p, len);
        if (!c)
            return out;
        p = c + 1;
    }
}

static cJSON *parse_columns(const char *spec)
{
    cJSON *cols = cJSON_CreateArray();
    if (!spec)
        return cols;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *col = strndup(p, len);
        char *fields[4] = {0};
        int nf = 0;
        for (char *save, *tok = strtok_r(col, "|", &save); tok && nf < 4;
             tok = strtok_r(NULL, "|", &save))
            fields[nf++] = tok;
        if (nf >= 3) {
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "name", fields[0]);
            cJSON_AddStringToObject(c, "type", fields[1]);
            cJSON_AddStringToObject(c, "jsonPath", fields[2]);
            if (nf == 4)
                cJSON_AddNumberToObject(c, "priority", atoi(fields[3]));
            cJSON_AddItemToArray(cols, c);
        }
        free(col);
        p += len + (end ? 1 : 0);
    }
    return cols;
}

static void kind_free(lab_kind *k)
{
    if (!k)
        return;
    free(k->group);
    free(k->version);
    free(k->kind);
    free(k->plural);
    free(k->singular);
    free(k->list_kind);
    free(k->api_version);
    free_list(k->short_names, k->n_short);
    free_list(k->categories, k->n_categories);
    free_list(k->fields, k->n_fields);
    cJSON_Delete(k->schema);
    cJSON_Delete(k->columns);
    free(k->source);
    free(k);
}

lab_kinds *lab_kinds_new(void)
{
    lab_kinds *k = calloc(1, sizeof *k);
    if (!k)
        abort();
    return k;
}

lab_kinds *lab_kinds_new_builtin(void)
{
    lab_kinds *k = lab_kinds_new();
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        lab_kinds_add(k, &builtin[i]);
    return k;
}

void lab_kinds_free(lab_kinds *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->count; i++)
        kind_free(k->items[i]);
    free(k->items);
    free(k);
}

lab_kind *lab_kinds_add(lab_kinds *k, const lab_kind_def *def)
{
    lab_kind *kind = calloc(1, sizeof *kind);
    if (!kind)
        abort();
    kind->group = xstrdup(def->group);
    kind->version = xstrdup(def->version);
    kind->kind = xstrdup(def->kind);
    kind->plural = xstrdup(def->plural);
    kind->singular = xstrdup(def->kind);
    for (char *c = kind->singular; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    strbuf s = STRBUF_INIT;
    sb_addf(&s, "%sList", def->kind);
    kind->list_kind = sb_detach(&s, NULL);
    if (*kind->group)
        sb_addf(&s, "%s/%s", kind->group, kind->version);
    else
        sb_adds(&s, kind->version);
    kind->api_version = sb_detach(&s, NULL);
    kind->short_names = split_list(def->short_names, &kind->n_short);
    kind->categories = split_list(def->categories, &kind->n_categories);
    kind->fields = split_list(def->fields, &kind->n_fields);
    kind->flags = def->flags;
    kind->columns = parse_columns(def->columns);
    kind->source = xstrdup("built-in");

    for (size_t i = 0; i < k->count; i++) {
        lab_kind *old = k->items[i];
        if (!strcmp(old->group, kind->group) && !strcmp(old->version, kind->version) &&
            !strcmp(old->plural, kind->plural)) {
            kind->index = old->index;
            k->items[i] = kind;
            kind_free(old);
            return kind;
        }
    }
    k->items = realloc(k->items, (k->count + 1) * sizeof *k->items);
    if (!k->items)
        abort();
    kind->index = (int)k->count;
    k->items[k->count++] = kind;
    return kind;
}

lab_kind *lab_kinds_find(const lab_kinds *k, const char *group, const char *version,
                         const char *plural)
{
    for (size_t i = 0; i < k->count; i++) {
        lab_kind *c = k->items[i];
        if (!strcmp(c->group, group) && !strcmp(c->version, version) && !strcmp(c->plural, plural))
            return c;
    }
    return NULL;
}

lab_kind *lab_kinds_find_kind(const lab_kinds *k, const char *group, const char *version,
                              const char *kind)
{
    for (size_t i = 0; i < k->count; i++) {
        lab_kind *c = k->items[i];
        if (!strcmp(c->group, group) && !strcmp(c->version, version) && !strcmp(c->kind, kind))
            return c;
    }
    return NULL;
}

const char **lab_kinds_group_versions(const lab_kinds *k, size_t *count)
{
    const char **out = calloc(k->count + 1, sizeof *out);
    if (!out)
        abort();
    *count = 0;
    for (size_t i = 0; i < k->count; i++) {
        int seen = 0;
        for (size_t j = 0; j < *count && !seen; j++)
            seen = strcmp(out[j], k->items[i]->api_version) == 0;
        if (!seen)
            out[(*count)++] = k->items[i]->api_version;
    }
    return out;
}

void lab_kind_set_columns(lab_kind *kind, cJSON *columns)
{
    cJSON_Delete(kind->columns);
    kind->columns = columns ? columns : cJSON_CreateArray();
}

static char **copy_names(const cJSON *arr, size_t *n)
{
    *n = 0;
    char **out = NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it))
            continue;
        out = realloc(out, (*n + 1) * sizeof *out);
        if (!out)
            abort();
        out[(*n)++] = xstrdup(it->valuestring);
    }
    return out;
}

void lab_kind_set_names(lab_kind *kind, const cJSON *short_names, const cJSON *categories)
{
    free_list(kind->short_names, kind->n_short);
    free_list(kind->categories, kind->n_categories);
    kind->short_names = copy_names(short_names, &kind->n_short);
    kind->categories = copy_names(categories, &kind->n_categories);
}

int lab_kind_field_ok(const lab_kind *kind, const char *path)
{
    if (!strcmp(path, "metadata.name") || !strcmp(path, "metadata.namespace"))
        return 1;
    for (size_t i = 0; i < kind->n_fields; i++)
        if (!strcmp(kind->fields[i], path))
            return 1;
    return 0;
}
