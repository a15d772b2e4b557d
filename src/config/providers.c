/*
 * providers: loading the providers file, the model and its accessors (see
 * providers.h). The per-type rules live in providers_check.c.
 */
#include "config/providers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/secret_keys.h"
#include "util/fs.h"

const char *const PROVIDER_TYPE_NAMES[] = {
    NULL, "vsphere", "ovirt", "openstack", "openshift", "ova", "hyperv",
};

const char *const COPYOFFLOAD_ENV_KEYS[] = {
    "storage_hostname", "storage_username", "storage_password",
    "ontap_svm",
    "vantara_storage_id", "vantara_storage_port", "vantara_hostgroup_id_list",
    "pure_cluster_prefix", "powerflex_system_id", "powermax_symmetrix_id",
    "esxi_host", "esxi_user", "esxi_password",
    NULL,
};

const char *provider_type_name(enum provider_type t)
{
    return t > PROVIDER_UNKNOWN && t < PROVIDER_TYPE_COUNT ? PROVIDER_TYPE_NAMES[t] : "unknown";
}

enum provider_type provider_type_from_name(const char *name)
{
    for (int t = 1; name && t < PROVIDER_TYPE_COUNT; t++)
        if (!strcmp(name, PROVIDER_TYPE_NAMES[t]))
            return (enum provider_type)t;
    return PROVIDER_UNKNOWN;
}

const char *providers_resolve_path(const char *cli_path, strbuf *out)
{
    sb_reset(out);
    if (cli_path && *cli_path) {
        sb_adds(out, cli_path);
        return "--providers-json";
    }
    const char *env = getenv("PROVIDERS_JSON_PATH");
    if (env && *env) {
        sb_adds(out, env);
        return "$PROVIDERS_JSON_PATH";
    }
    sb_adds(out, ".providers.json");
    return "the default ./.providers.json";
}

static void upper_env_name(strbuf *out, const char *key)
{
    sb_reset(out);
    sb_adds(out, "COPYOFFLOAD_");
    for (const char *k = key; *k; k++)
        sb_addc(out, (char)toupper((unsigned char)*k));
}

static cJSON *resolve_copyoffload(const cJSON *block, const char *entry, diag_list *diags)
{
    cJSON *co = cJSON_Duplicate(block, 1);
    if (!co)
        abort();
    strbuf name = STRBUF_INIT;
    for (const char *const *k = COPYOFFLOAD_ENV_KEYS; *k; k++) {
        upper_env_name(&name, *k);
        const char *v = getenv(name.buf);
        if (!v || !*v)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(co, *k);
        cJSON_AddStringToObject(co, *k, v);
    }
    const char *extra = getenv("COPYOFFLOAD_STORAGE_SECRET_EXTRA");
    if (extra && *extra) {
        json_doc doc;
        mtv_err err;
        if (json_doc_parse(&doc, "$COPYOFFLOAD_STORAGE_SECRET_EXTRA", extra, strlen(extra),
                           JSON_STRICT, &err) < 0) {
            /* the parse error quotes the text, which may hold credentials */
            diag_add(diags, DIAG_ERROR, "$COPYOFFLOAD_STORAGE_SECRET_EXTRA",
                     "provider \"%s\": the variable is not valid JSON; it must hold a JSON object "
                     "of extra Secret keys",
                     entry);
        } else if (!cJSON_IsObject(doc.root)) {
            diag_add(diags, DIAG_ERROR, "$COPYOFFLOAD_STORAGE_SECRET_EXTRA",
                     "provider \"%s\": expected a JSON object of extra Secret keys, got %s", entry,
                     json_type_name(doc.root));
        } else {
            cJSON_DeleteItemFromObjectCaseSensitive(co, "storage_secret_extra");
            cJSON_AddItemToObject(co, "storage_secret_extra", doc.root);
            doc.root = NULL;
        }
        json_doc_free(&doc);
    }
    sb_release(&name);
    return co;
}

int providers_file_load(providers_file *pf, const char *path, secret_registry *reg,
                        diag_list *diags)
{
    memset(pf, 0, sizeof *pf);
    if (!fs_exists(path)) {
        diag_add(diags, DIAG_ERROR, path,
                 "providers file not found; create it from docs/examples/providers.json.example "
                 "(see docs/providers.md)");
        return -1;
    }
    mtv_err err;
    mtv_err_clear(&err);
    if (json_doc_load(&pf->doc, path, JSON_HASH_COMMENTS, &err) < 0) {
        strbuf raw = STRBUF_INIT;
        mtv_err ignored;
        if (reg && fs_read_file(path, &raw, &ignored) == 0)
            config_scan_secrets(reg, sb_str(&raw));
        sb_release(&raw);
        if (strstr(err.msg, " is empty"))
            diag_add(diags, DIAG_ERROR, path,
                     "the providers file is empty%s; it must hold a JSON object of provider entries",
                     strstr(err.msg, "comments") ? " (only whitespace or comments)" : "");
        else
            diag_add_err(diags, &err);
        return -1;
    }
    const cJSON *root = pf->doc.root;
    if (!cJSON_IsObject(root)) {
        diag_at(diags, DIAG_ERROR, &pf->doc, "",
                "the top level must be a JSON object mapping entry names to providers, got %s",
                json_type_name(root));
        json_doc_free(&pf->doc);
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(root);
    pf->entries = calloc(n ? n : 1, sizeof *pf->entries);
    if (!pf->entries)
        abort();
    strbuf label = STRBUF_INIT;
    for (const cJSON *c = root->child; c; c = c->next) {
        if (!strcmp(c->string, "$schema"))
            continue;
        provider_entry *e = &pf->entries[pf->count++];
        e->key = strdup(c->string);
        if (!e->key)
            abort();
        e->json = c;
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(c, "type");
        e->type = cJSON_IsString(type) ? provider_type_from_name(type->valuestring) : PROVIDER_UNKNOWN;
        const cJSON *co = cJSON_GetObjectItemCaseSensitive(c, "copyoffload");
        if (cJSON_IsObject(co))
            e->copyoffload = resolve_copyoffload(co, e->key, diags);
        if (reg && cJSON_IsObject(c)) {
            sb_reset(&label);
            sb_adds(&label, e->key);
            config_register_secrets(reg, c, &label);
            if (e->copyoffload) {
                sb_reset(&label);
                sb_addf(&label, "%s.copyoffload", e->key);
                config_register_secrets(reg, e->copyoffload, &label);
            }
        }
    }
    sb_release(&label);
    return 0;
}

void providers_file_free(providers_file *pf)
{
    if (!pf)
        return;
    for (size_t i = 0; i < pf->count; i++) {
        free(pf->entries[i].key);
        cJSON_Delete(pf->entries[i].copyoffload);
    }
    free(pf->entries);
    json_doc_free(&pf->doc);
    memset(pf, 0, sizeof *pf);
}

const provider_entry *providers_get(const providers_file *pf, const char *key, mtv_err *err)
{
    for (size_t i = 0; i < pf->count; i++)
        if (!strcmp(pf->entries[i].key, key))
            return &pf->entries[i];
    strbuf names = STRBUF_INIT;
    for (size_t i = 0; i < pf->count; i++)
        sb_addf(&names, "%s%s", i ? ", " : "", pf->entries[i].key);
    mtv_err_set(err, MTV_EXIT_USAGE, "%s: no provider entry named '%s'; available: %s", pf->doc.name,
                key, pf->count ? names.buf : "(none)");
    sb_release(&names);
    return NULL;
}

int providers_open(providers_file *pf, const char *path, const char *key, secret_registry *reg,
                   const provider_entry **entry, mtv_err *err)
{
    diag_list diags = DIAG_LIST_INIT;
    *entry = NULL;
    int rc = providers_file_load(pf, path, reg, &diags);
    if (rc == 0 && !(*entry = providers_get(pf, key, err)))
        rc = -1;
    else if (rc == 0 && (providers_check(pf, key, &diags) || diags.errors))
        rc = -1;
    if (rc < 0 && diags.errors)
        diag_first_error(&diags, err);
    diag_free(&diags);
    if (rc < 0)
        *entry = NULL;
    return rc;
}

const char *provider_str(const provider_entry *e, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->json, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int provider_is_esxi(const provider_entry *e)
{
    const char *t = provider_str(e, "endpoint_type");
    return e->type == PROVIDER_VSPHERE && t && !strcmp(t, "esxi");
}

int provider_has_copyoffload(const provider_entry *e)
{
    return e->copyoffload != NULL;
}

const cJSON *copyoffload_item(const provider_entry *e, const char *key)
{
    return e->copyoffload ? cJSON_GetObjectItemCaseSensitive(e->copyoffload, key) : NULL;
}

const char *copyoffload_str(const provider_entry *e, const char *key)
{
    const cJSON *v = copyoffload_item(e, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}
