/*
 * providers_check: the rules a providers file entry must follow, per type.
 *
 * The key tables mirror upstream's providers_schema.json: required keys per
 * type, string values, the guest logins every type may carry (openshift
 * too: its VMs are logged into like any other), the copy-offload block
 * with its vendor-specific requirements. Upstream allows extra keys everywhere except in openshift
 * entries; so do we, but an unknown key is reported as a warning with the
 * closest known key, because it is almost always a typo.
 */
#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "config/value.h"
#include "util/suggest.h"

typedef struct pkey {
    const char *name;
    unsigned types;
    int required;
    const char *const *choices;   /* allowed string values, NULL-terminated */
} pkey;

static const char *const ENDPOINT_TYPES[] = {"vcenter", "esxi", NULL};
static const char *const CLONE_METHODS[] = {"vib", "ssh", NULL};
static const char *const VENDORS[] = {
    "ontap", "vantara", "primera3par", "pureFlashArray", "powerflex",
    "powermax", "powerstore", "infinibox", "flashsystem", NULL,
};

static const pkey BASE_KEYS[] = {
    {"type", VT_STRING, 1, NULL},      {"version", VT_STRING, 1, NULL},
    {"fqdn", VT_STRING, 1, NULL},      {"api_url", VT_STRING, 1, NULL},
    {"username", VT_STRING, 1, NULL},  {"password", VT_STRING, 1, NULL},
    {NULL, 0, 0, NULL},
};
static const pkey GUEST_KEYS[] = {
    {"guest_vm_linux_user", VT_STRING, 0, NULL}, {"guest_vm_linux_password", VT_STRING, 0, NULL},
    {"guest_vm_win_user", VT_STRING, 0, NULL},   {"guest_vm_win_password", VT_STRING, 0, NULL},
    {NULL, 0, 0, NULL},
};
static const pkey VSPHERE_KEYS[] = {
    {"endpoint_type", VT_STRING, 0, ENDPOINT_TYPES}, {"vddk_init_image", VT_STRING, 0, NULL},
    {"clone_provider", VT_STRING, 0, NULL},          {"luks_passphrase", VT_STRING, 0, NULL},
    {"copyoffload", VT_OBJECT, 0, NULL},             {NULL, 0, 0, NULL},
};
static const pkey OPENSTACK_KEYS[] = {
    {"user_domain_name", VT_STRING, 1, NULL}, {"region_name", VT_STRING, 1, NULL},
    {"project_name", VT_STRING, 1, NULL},     {"user_domain_id", VT_STRING, 1, NULL},
    {"project_domain_id", VT_STRING, 1, NULL}, {NULL, 0, 0, NULL},
};
static const pkey OPENSHIFT_KEYS[] = {
    {"type", VT_STRING, 1, NULL},          {"version", VT_STRING, 1, NULL},
    {"host", VT_STRING, 1, NULL},          {"api_url", VT_STRING, 1, NULL},
    {"username", VT_STRING, 1, NULL},      {"password", VT_STRING, 1, NULL},
    {"storage_class", VT_STRING, 1, NULL}, {"verify_ssl", VT_STRING, 0, NULL},
    {"ca_bundle", VT_STRING, 0, NULL},     {NULL, 0, 0, NULL},
};
static const pkey HYPERV_KEYS[] = {
    {"smb_url", VT_STRING, 1, NULL}, {"smb_user", VT_STRING, 0, NULL},
    {"smb_password", VT_STRING, 0, NULL}, {NULL, 0, 0, NULL},
};
static const pkey COPYOFFLOAD_KEYS[] = {
    {"storage_vendor_product", VT_STRING, 1, VENDORS},
    {"datastore_id", VT_STRING, 1, NULL},
    {"default_vm_name", VT_STRING, 0, NULL},
    {"storage_hostname", VT_STRING, 0, NULL},
    {"storage_username", VT_STRING, 0, NULL},
    {"storage_password", VT_STRING, 0, NULL},
    {"secondary_datastore_id", VT_STRING, 0, NULL},
    {"non_xcopy_datastore_id", VT_STRING, 0, NULL},
    {"storage_secret_extra", VT_OBJECT, 0, NULL},
    {"dedicated_migration_hosts", VT_ARRAY, 0, NULL},
    {"esxi_clone_method", VT_STRING, 0, CLONE_METHODS},
    {"esxi_host", VT_STRING, 0, NULL},
    {"esxi_user", VT_STRING, 0, NULL},
    {"esxi_password", VT_STRING, 0, NULL},
    {"rdm_lun_uuid", VT_STRING, 0, NULL},
    {"resource_pool", VT_STRING, 0, NULL},
    {"ontap_svm", VT_STRING, 0, NULL},
    {"vantara_storage_id", VT_STRING, 0, NULL},
    {"vantara_storage_port", VT_STRING, 0, NULL},
    {"vantara_hostgroup_id_list", VT_STRING, 0, NULL},
    {"pure_cluster_prefix", VT_STRING, 0, NULL},
    {"powerflex_system_id", VT_STRING, 0, NULL},
    {"powermax_symmetrix_id", VT_STRING, 0, NULL},
    {NULL, 0, 0, NULL},
};

/* Keys a vendor needs, after environment overrides. */
static const struct {
    const char *vendor;
    const char *keys[4];
} VENDOR_KEYS[] = {
    {"ontap", {"ontap_svm", NULL}},
    {"vantara", {"vantara_storage_id", "vantara_storage_port", "vantara_hostgroup_id_list", NULL}},
    {"pureFlashArray", {"pure_cluster_prefix", NULL}},
    {"powerflex", {"powerflex_system_id", NULL}},
    {"powermax", {"powermax_symmetrix_id", NULL}},
};

typedef struct checker {
    const providers_file *pf;
    const provider_entry *e;
    diag_list *diags;
    strbuf ptr;
} checker;

static const char *at(checker *c, const char *k1, const char *k2)
{
    sb_reset(&c->ptr);
    json_pointer_append(&c->ptr, c->e->key);
    if (k1)
        json_pointer_append(&c->ptr, k1);
    if (k2)
        json_pointer_append(&c->ptr, k2);
    return c->ptr.buf;
}

static const pkey *find_key(const pkey *const *tables, const char *name)
{
    for (size_t t = 0; tables[t]; t++)
        for (const pkey *k = tables[t]; k->name; k++)
            if (!strcmp(k->name, name))
                return k;
    return NULL;
}

static void list_choices(strbuf *out, const char *const *choices)
{
    for (size_t i = 0; choices[i]; i++)
        sb_addf(out, "%s%s", i ? ", " : "", choices[i]);
}

/* Checks one value against its key description; sub is the block name
 * ("copyoffload") or NULL. */
static void check_value(checker *c, const char *sub, const pkey *k, const cJSON *v)
{
    const char *where = at(c, sub, k->name);
    if (!value_matches(v, k->types)) {
        strbuf want = STRBUF_INIT;
        value_describe(&want, k->types);
        diag_at(c->diags, DIAG_ERROR, &c->pf->doc, where,
                "provider \"%s\": key \"%s%s%s\": expected %s, got %s", c->e->key, sub ? sub : "",
                sub ? "." : "", k->name, want.buf, json_type_name(v));
        sb_release(&want);
        return;
    }
    if (k->choices && cJSON_IsString(v)) {
        size_t n = 0;
        while (k->choices[n])
            n++;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(k->choices[i], v->valuestring))
                return;
        strbuf msg = STRBUF_INIT;
        list_choices(&msg, k->choices);
        strbuf hint = STRBUF_INIT;
        suggest_append(&hint, v->valuestring, k->choices, n);
        diag_at(c->diags, DIAG_ERROR, &c->pf->doc, where,
                "provider \"%s\": key \"%s%s%s\": '%s' is not one of: %s%s", c->e->key,
                sub ? sub : "", sub ? "." : "", k->name, v->valuestring, msg.buf, sb_str(&hint));
        sb_release(&msg);
        sb_release(&hint);
    }
}

/* Type-checks present keys, reports missing required ones and unknown ones. */
static void check_keys(checker *c, const char *sub, const cJSON *obj, const pkey *const *tables,
                       int strict)
{
    for (size_t t = 0; tables[t]; t++)
        for (const pkey *k = tables[t]; k->name; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, k->name);
            if (v)
                check_value(c, sub, k, v);
            else if (k->required) {
                strbuf want = STRBUF_INIT;
                value_describe(&want, k->types);
                diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, sub, NULL),
                        "provider \"%s\" (type %s): missing required key \"%s%s%s\" (%s)",
                        c->e->key, provider_type_name(c->e->type), sub ? sub : "", sub ? "." : "",
                        k->name, want.buf);
                sb_release(&want);
            }
        }
    const char *names[64];
    size_t n = 0;
    for (size_t t = 0; tables[t]; t++)
        for (const pkey *k = tables[t]; k->name && n < 64; k++)
            names[n++] = k->name;
    for (const cJSON *m = obj->child; m; m = m->next) {
        if (find_key(tables, m->string))
            continue;
        strbuf hint = STRBUF_INIT;
        suggest_append(&hint, m->string, names, n);
        if (strict) {
            strbuf all = STRBUF_INIT;
            for (size_t i = 0; i < n; i++)
                sb_addf(&all, "%s%s", i ? ", " : "", names[i]);
            diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, sub, m->string),
                    "provider \"%s\": unknown key \"%s\"%s; %s entries accept only: %s", c->e->key,
                    m->string, sb_str(&hint), provider_type_name(c->e->type), all.buf);
            sb_release(&all);
        } else {
            diag_at(c->diags, DIAG_WARNING, &c->pf->doc, at(c, sub, m->string),
                    "provider \"%s\": unknown key \"%s%s%s\"%s; it is ignored", c->e->key,
                    sub ? sub : "", sub ? "." : "", m->string, sb_str(&hint));
        }
        sb_release(&hint);
    }
}

static void require_resolved(checker *c, const char *key, const char *why)
{
    if (copyoffload_str(c->e, key))
        return;
    strbuf env = STRBUF_INIT;
    int overridable = 0;
    for (const char *const *k = COPYOFFLOAD_ENV_KEYS; *k; k++)
        overridable |= !strcmp(*k, key);
    if (overridable) {
        sb_adds(&env, " or in $COPYOFFLOAD_");
        for (const char *p = key; *p; p++)
            sb_addc(&env, (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p));
    }
    diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, "copyoffload", NULL),
            "provider \"%s\": copyoffload: \"%s\" is required %s; set it in the file%s", c->e->key,
            key, why, sb_str(&env));
    sb_release(&env);
}

static void check_copyoffload(checker *c, const cJSON *block)
{
    static const pkey *const tables[] = {COPYOFFLOAD_KEYS, NULL};
    check_keys(c, "copyoffload", block, tables, 0);
    if (!c->e->copyoffload)
        return;
    require_resolved(c, "storage_hostname", "to reach the storage array");
    require_resolved(c, "storage_username", "to reach the storage array");
    require_resolved(c, "storage_password", "to reach the storage array");
    const char *vendor = copyoffload_str(c->e, "storage_vendor_product");
    for (size_t i = 0; vendor && i < sizeof VENDOR_KEYS / sizeof VENDOR_KEYS[0]; i++) {
        if (strcmp(VENDOR_KEYS[i].vendor, vendor) != 0)
            continue;
        strbuf why = STRBUF_INIT;
        sb_addf(&why, "when storage_vendor_product is \"%s\"", vendor);
        for (size_t k = 0; VENDOR_KEYS[i].keys[k]; k++)
            require_resolved(c, VENDOR_KEYS[i].keys[k], why.buf);
        sb_release(&why);
    }
    const char *method = copyoffload_str(c->e, "esxi_clone_method");
    if (method && !strcmp(method, "ssh")) {
        require_resolved(c, "esxi_host", "when esxi_clone_method is \"ssh\"");
        require_resolved(c, "esxi_user", "when esxi_clone_method is \"ssh\"");
        require_resolved(c, "esxi_password", "when esxi_clone_method is \"ssh\"");
    }
    const char *lun = copyoffload_str(c->e, "rdm_lun_uuid");
    if (lun && strncmp(lun, "naa.", 4) != 0)
        diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, "copyoffload", "rdm_lun_uuid"),
                "provider \"%s\": key \"copyoffload.rdm_lun_uuid\": '%s' is not an NAA LUN id "
                "(expected 'naa.' followed by the identifier)",
                c->e->key, lun);
    const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(block, "dedicated_migration_hosts");
    if (cJSON_IsArray(hosts)) {
        if (!cJSON_GetArraySize(hosts))
            diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, "copyoffload", "dedicated_migration_hosts"),
                    "provider \"%s\": key \"copyoffload.dedicated_migration_hosts\": expected at least "
                    "one ESXi host id (e.g. \"host-3078\"), got an empty array",
                    c->e->key);
        int i = 0;
        for (const cJSON *h = hosts->child; h; h = h->next, i++)
            if (!cJSON_IsString(h) || !h->valuestring[0]) {
                strbuf p = STRBUF_INIT;
                sb_adds(&p, at(c, "copyoffload", "dedicated_migration_hosts"));
                json_pointer_append_index(&p, (size_t)i);
                diag_at(c->diags, DIAG_ERROR, &c->pf->doc, p.buf,
                        "provider \"%s\": copyoffload.dedicated_migration_hosts[%d]: expected a "
                        "non-empty string (an ESXi host id), got %s",
                        c->e->key, i, json_type_name(h));
                sb_release(&p);
            }
    }
    const cJSON *extra = copyoffload_item(c->e, "storage_secret_extra");
    if (cJSON_IsObject(extra))
        for (const cJSON *x = extra->child; x; x = x->next)
            if (!cJSON_IsString(x) && !cJSON_IsBool(x))
                diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, "copyoffload", "storage_secret_extra"),
                        "provider \"%s\": copyoffload.storage_secret_extra.%s: expected a string or a "
                        "boolean (it becomes a Secret value), got %s",
                        c->e->key, x->string, json_type_name(x));
}

static void check_clone_provider(checker *c)
{
    const char *target = provider_str(c->e, "clone_provider");
    if (!target)
        return;
    for (size_t i = 0; i < c->pf->count; i++) {
        const provider_entry *o = &c->pf->entries[i];
        if (strcmp(o->key, target) != 0)
            continue;
        if (o == c->e || o->type != PROVIDER_VSPHERE || provider_is_esxi(o))
            diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, "clone_provider", NULL),
                    "provider \"%s\": clone_provider \"%s\" must name another vsphere entry "
                    "connected to a vCenter (endpoint_type \"vcenter\")",
                    c->e->key, target);
        return;
    }
    strbuf names = STRBUF_INIT;
    for (size_t i = 0; i < c->pf->count; i++)
        if (c->pf->entries[i].type == PROVIDER_VSPHERE && &c->pf->entries[i] != c->e)
            sb_addf(&names, "%s%s", names.len ? ", " : "", c->pf->entries[i].key);
    diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, "clone_provider", NULL),
            "provider \"%s\": clone_provider \"%s\" is not an entry of this file; vsphere entries: %s",
            c->e->key, target, names.len ? names.buf : "(none)");
    sb_release(&names);
}

static void check_entry(checker *c)
{
    const cJSON *j = c->e->json;
    if (!cJSON_IsObject(j)) {
        diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, NULL, NULL),
                "provider \"%s\": expected an object describing the provider, got %s", c->e->key,
                json_type_name(j));
        return;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
    if (c->e->type == PROVIDER_UNKNOWN) {
        strbuf all = STRBUF_INIT, hint = STRBUF_INIT;
        for (int t = 1; t < PROVIDER_TYPE_COUNT; t++)
            sb_addf(&all, "%s%s", t > 1 ? ", " : "", PROVIDER_TYPE_NAMES[t]);
        if (!type)
            diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, NULL, NULL),
                    "provider \"%s\": missing required key \"type\" (one of: %s)", c->e->key, all.buf);
        else if (!cJSON_IsString(type))
            diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, "type", NULL),
                    "provider \"%s\": key \"type\": expected a string (one of: %s), got %s", c->e->key,
                    all.buf, json_type_name(type));
        else {
            suggest_append(&hint, type->valuestring, PROVIDER_TYPE_NAMES + 1, PROVIDER_TYPE_COUNT - 1);
            diag_at(c->diags, DIAG_ERROR, &c->pf->doc, at(c, "type", NULL),
                    "provider \"%s\": key \"type\": '%s' is not a provider type%s; expected one of: %s",
                    c->e->key, type->valuestring, sb_str(&hint), all.buf);
        }
        sb_release(&all);
        sb_release(&hint);
        return;
    }
    const pkey *const vsphere[] = {BASE_KEYS, GUEST_KEYS, VSPHERE_KEYS, NULL};
    const pkey *const plain[] = {BASE_KEYS, GUEST_KEYS, NULL};
    const pkey *const openstack[] = {BASE_KEYS, GUEST_KEYS, OPENSTACK_KEYS, NULL};
    const pkey *const openshift[] = {OPENSHIFT_KEYS, GUEST_KEYS, NULL};
    const pkey *const hyperv[] = {BASE_KEYS, GUEST_KEYS, HYPERV_KEYS, NULL};
    switch (c->e->type) {
    case PROVIDER_VSPHERE: {
        check_keys(c, NULL, j, vsphere, 0);
        const cJSON *co = cJSON_GetObjectItemCaseSensitive(j, "copyoffload");
        if (cJSON_IsObject(co))
            check_copyoffload(c, co);
        check_clone_provider(c);
        break;
    }
    case PROVIDER_OPENSTACK:
        check_keys(c, NULL, j, openstack, 0);
        break;
    case PROVIDER_OPENSHIFT:
        check_keys(c, NULL, j, openshift, 1);
        break;
    case PROVIDER_HYPERV:
        check_keys(c, NULL, j, hyperv, 0);
        break;
    default:
        check_keys(c, NULL, j, plain, 0);
        break;
    }
}

size_t providers_check(const providers_file *pf, const char *key, diag_list *diags)
{
    size_t before = diags->errors;
    checker c = {pf, NULL, diags, STRBUF_INIT};
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(pf->doc.root, "$schema");
    if (!key && schema && !cJSON_IsString(schema))
        diag_at(diags, DIAG_ERROR, &pf->doc, "/$schema",
                "key \"$schema\": expected a string (a JSON Schema URI), got %s",
                json_type_name(schema));
    for (size_t i = 0; i < pf->count; i++) {
        if (key && strcmp(pf->entries[i].key, key) != 0)
            continue;
        c.e = &pf->entries[i];
        check_entry(&c);
    }
    sb_release(&c.ptr);
    return diags->errors - before;
}
