/* crs_provider: namespace, provider Secrets and Providers (see crs.h).
 * The Secret keys per provider type are upstream's (§3.8), which are also
 * what Forklift reads (forklift.md §2.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/crs.h"

cJSON *mtv_cr_object(const char *api_version, const char *kind, const char *name,
                     const char *namespace_)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        abort();
    cJSON_AddStringToObject(o, "apiVersion", api_version);
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    if (namespace_)
        cJSON_AddStringToObject(md, "namespace", namespace_);
    return o;
}

static cJSON *labels_of(cJSON *obj)
{
    cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON *l = cJSON_GetObjectItemCaseSensitive(md, "labels");
    return l ? l : cJSON_AddObjectToObject(md, "labels");
}

cJSON *mtv_cr_namespace(const char *name)
{
    cJSON *ns = mtv_cr_object("v1", "Namespace", name, NULL);
    cJSON *l = labels_of(ns);
    cJSON_AddStringToObject(l, "pod-security.kubernetes.io/enforce", "restricted");
    cJSON_AddStringToObject(l, "pod-security.kubernetes.io/enforce-version", "latest");
    cJSON_AddStringToObject(l, "mutatevirtualmachines.kubemacpool.io", "ignore");
    return ns;
}

static cJSON *secret_object(mtv_ref ref)
{
    cJSON *s = mtv_cr_object("v1", "Secret", ref.name, ref.namespace_);
    cJSON_AddStringToObject(s, "type", "Opaque");
    return s;
}

const char *mtv_provider_url(const provider_entry *e, const char *cluster_url)
{
    if (e->type == PROVIDER_OPENSHIFT)
        return cluster_url ? cluster_url : "";
    const char *u = provider_str(e, "api_url");
    return u ? u : "";
}

int mtv_provider_needs_ca(enum provider_type type, int insecure)
{
    switch (type) {
    case PROVIDER_OVIRT:
        return 1;
    case PROVIDER_VSPHERE:
    case PROVIDER_OPENSTACK:
    case PROVIDER_HYPERV:
        return !insecure;
    default:
        return 0;
    }
}

int mtv_provider_ca_endpoint(const provider_entry *e, strbuf *host, int *port, mtv_err *err)
{
    *port = e->type == PROVIDER_HYPERV ? 5986 : 443;
    const char *url = provider_str(e, "api_url");
    const char *auth = url ? strstr(url, "://") : NULL;
    if (auth) {
        auth += 3;
        size_t n = strcspn(auth, "/?#");
        const char *colon = memchr(auth, ':', n);
        const char *at = memchr(auth, '@', n);
        if (at) {   /* userinfo is no part of the address */
            n -= (size_t)(at + 1 - auth);
            auth = at + 1;
            colon = memchr(auth, ':', n);
        }
        if (colon && auth[0] != '[' && colon > auth) {
            long p = strtol(colon + 1, NULL, 10);
            if (p > 0 && p < 65536) {
                sb_add(host, auth, (size_t)(colon - auth));
                *port = (int)p;
                return 0;
            }
        }
    }
    const char *fqdn = provider_str(e, "fqdn");
    if (!fqdn || !*fqdn)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "provider '%s': key \"fqdn\" is needed to fetch the server's CA "
                           "certificate (or set source_provider_insecure_skip_verify true)",
                           e->key);
    sb_adds(host, fqdn);
    return 0;
}

/* Adds key: the entry's value of from (required: error when absent). */
static int copy_key(cJSON *data, const provider_entry *e, const char *key, const char *from,
                    int required, mtv_err *err)
{
    const char *v = provider_str(e, from);
    if (!v) {
        if (!required)
            return 0;
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "provider '%s' (%s): key \"%s\" is needed for its Secret key \"%s\"",
                           e->key, provider_type_name(e->type), from, key);
    }
    cJSON_AddStringToObject(data, key, v);
    return 0;
}

int mtv_cr_provider_secret(const mtv_secret_spec *s, cJSON **out, mtv_err *err)
{
    *out = NULL;
    const provider_entry *e = s->entry;
    cJSON *sec = secret_object(s->ref);
    cJSON_AddStringToObject(labels_of(sec), "createdForProviderType", provider_type_name(e->type));
    cJSON *d = cJSON_AddObjectToObject(sec, "stringData");
    int rc = 0;
    if (e->type == PROVIDER_OPENSHIFT) {
        if (!s->token) {
            cJSON_Delete(sec);
            return mtv_err_set(err, MTV_EXIT_USAGE,
                               "an openshift source provider needs the cluster's bearer token "
                               "(the kubeconfig or OAuth login gave none)");
        }
        cJSON_AddStringToObject(d, "token", s->token);
        cJSON_AddStringToObject(d, "insecureSkipVerify", "true");
        *out = sec;
        return 0;
    }
    cJSON_AddStringToObject(d, "url", s->url ? s->url : "");
    cJSON_AddStringToObject(d, "insecureSkipVerify", s->insecure ? "true" : "false");
    switch (e->type) {
    case PROVIDER_VSPHERE:
    case PROVIDER_OVIRT:
        rc = copy_key(d, e, "user", "username", 1, err) ||
             copy_key(d, e, "password", "password", 1, err);
        break;
    case PROVIDER_OPENSTACK:
        rc = copy_key(d, e, "username", "username", 1, err) ||
             copy_key(d, e, "password", "password", 1, err) ||
             copy_key(d, e, "regionName", "region_name", 1, err) ||
             copy_key(d, e, "projectName", "project_name", 1, err) ||
             copy_key(d, e, "domainName", "user_domain_name", 1, err);
        break;
    case PROVIDER_HYPERV:
        rc = copy_key(d, e, "username", "username", 1, err) ||
             copy_key(d, e, "password", "password", 1, err) ||
             copy_key(d, e, "smbUrl", "smb_url", 1, err) ||
             copy_key(d, e, "smbUser", "smb_user", 0, err) ||
             copy_key(d, e, "smbPassword", "smb_password", 0, err);
        break;
    case PROVIDER_OVA:
        break;
    default:
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "provider '%s' has no known type", e->key);
    }
    if (rc) {
        cJSON_Delete(sec);
        return -1;
    }
    if (s->cacert && mtv_provider_needs_ca(e->type, s->insecure))
        cJSON_AddStringToObject(d, s->ca_key ? s->ca_key : "cacert", s->cacert);
    *out = sec;
    return 0;
}

cJSON *mtv_cr_provider(mtv_ref ref, const provider_entry *e, const char *url, mtv_ref secret,
                       int copyoffload)
{
    cJSON *p = mtv_cr_object(MTV_API_FORKLIFT, "Provider", ref.name, ref.namespace_);
    if (e->type == PROVIDER_VSPHERE && copyoffload) {
        cJSON *md = cJSON_GetObjectItemCaseSensitive(p, "metadata");
        cJSON *a = cJSON_AddObjectToObject(md, "annotations");
        cJSON_AddStringToObject(a, "forklift.konveyor.io/empty-vddk-init-image", "yes");
    }
    cJSON *spec = cJSON_AddObjectToObject(p, "spec");
    cJSON_AddStringToObject(spec, "type", provider_type_name(e->type));
    cJSON_AddStringToObject(spec, "url", url ? url : "");
    cJSON *sr = cJSON_AddObjectToObject(spec, "secret");
    cJSON_AddStringToObject(sr, "name", secret.name);
    cJSON_AddStringToObject(sr, "namespace", secret.namespace_);
    if (e->type == PROVIDER_VSPHERE) {
        const char *vddk = provider_str(e, "vddk_init_image");
        const char *endpoint = provider_str(e, "endpoint_type");
        if (vddk || endpoint) {
            cJSON *st = cJSON_AddObjectToObject(spec, "settings");
            if (vddk)
                cJSON_AddStringToObject(st, "vddkInitImage", vddk);
            if (endpoint)
                cJSON_AddStringToObject(st, "sdkEndpoint", endpoint);
        }
    }
    return p;
}

cJSON *mtv_cr_destination(mtv_ref ref, const char *url, const mtv_ref *token_secret)
{
    cJSON *p = mtv_cr_object(MTV_API_FORKLIFT, "Provider", ref.name, ref.namespace_);
    cJSON *spec = cJSON_AddObjectToObject(p, "spec");
    cJSON_AddStringToObject(spec, "type", "openshift");
    cJSON_AddStringToObject(spec, "url", url ? url : "");
    cJSON *sr = cJSON_AddObjectToObject(spec, "secret");
    if (url && token_secret) {
        cJSON_AddStringToObject(sr, "name", token_secret->name);
        cJSON_AddStringToObject(sr, "namespace", token_secret->namespace_);
    }
    return p;
}

cJSON *mtv_cr_token_secret(mtv_ref ref, const char *token, int insecure)
{
    cJSON *s = secret_object(ref);
    cJSON_AddStringToObject(labels_of(s), "createdForProviderType", "openshift");
    cJSON *d = cJSON_AddObjectToObject(s, "stringData");
    cJSON_AddStringToObject(d, "token", token ? token : "");
    cJSON_AddStringToObject(d, "insecureSkipVerify", insecure ? "true" : "false");
    return s;
}

cJSON *mtv_cr_luks_secret(mtv_ref ref, const char *passphrase)
{
    cJSON *s = secret_object(ref);
    cJSON *d = cJSON_AddObjectToObject(s, "stringData");
    cJSON_AddStringToObject(d, "key", passphrase ? passphrase : "");
    return s;
}

/* copy-offload block key -> storage Secret key, per vendor field. */
static const char *const OFFLOAD_KEYS[][2] = {
    {"storage_hostname", "STORAGE_HOSTNAME"},
    {"storage_username", "STORAGE_USERNAME"},
    {"storage_password", "STORAGE_PASSWORD"},
    {"ontap_svm", "ONTAP_SVM"},
    {"vantara_storage_id", "STORAGE_ID"},
    {"vantara_storage_port", "STORAGE_PORT"},
    {"vantara_hostgroup_id_list", "HOSTGROUP_ID_LIST"},
    {"pure_cluster_prefix", "PURE_CLUSTER_PREFIX"},
    {"powerflex_system_id", "POWERFLEX_SYSTEM_ID"},
    {"powermax_symmetrix_id", "POWERMAX_SYMMETRIX_ID"},
};

int mtv_cr_offload_secret(mtv_ref ref, const provider_entry *e, cJSON **out, mtv_err *err)
{
    *out = NULL;
    if (!provider_has_copyoffload(e))
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "provider '%s' has no \"copyoffload\" block; copy-offload scenarios "
                           "need one (docs/providers.md)",
                           e->key);
    for (int i = 0; i < 3; i++)
        if (!copyoffload_str(e, OFFLOAD_KEYS[i][0]))
            return mtv_err_set(err, MTV_EXIT_USAGE,
                               "provider '%s': copyoffload.%s is needed (or COPYOFFLOAD_%s in the "
                               "environment)",
                               e->key, OFFLOAD_KEYS[i][0], OFFLOAD_KEYS[i][1]);
    cJSON *s = secret_object(ref);
    cJSON *d = cJSON_AddObjectToObject(s, "stringData");
    for (size_t i = 0; i < sizeof OFFLOAD_KEYS / sizeof OFFLOAD_KEYS[0]; i++) {
        const cJSON *v = copyoffload_item(e, OFFLOAD_KEYS[i][0]);
        if (cJSON_IsString(v))
            cJSON_AddStringToObject(d, OFFLOAD_KEYS[i][1], v->valuestring);
        else if (cJSON_IsNumber(v)) {
            char num[32];
            snprintf(num, sizeof num, "%.0f", v->valuedouble);
            cJSON_AddStringToObject(d, OFFLOAD_KEYS[i][1], num);
        }
    }
    const cJSON *extra = copyoffload_item(e, "storage_secret_extra");
    for (const cJSON *x = cJSON_IsObject(extra) ? extra->child : NULL; x; x = x->next) {
        cJSON_DeleteItemFromObjectCaseSensitive(d, x->string);
        if (cJSON_IsString(x))
            cJSON_AddStringToObject(d, x->string, x->valuestring);
        else if (cJSON_IsBool(x))
            cJSON_AddStringToObject(d, x->string, cJSON_IsTrue(x) ? "true" : "false");
        else if (cJSON_IsNumber(x)) {
            char num[32];
            snprintf(num, sizeof num, "%.15g", x->valuedouble);
            cJSON_AddStringToObject(d, x->string, num);
        }
    }
    *out = s;
    return 0;
}
