/* settings: see settings.h. */
#include "config/settings.h"

#include <stdlib.h>
#include <string.h>

#include "config/secret_keys.h"
#include "config/value.h"
#include "util/fs.h"
#include "util/suggest.h"

#define BOOLISH (VT_BOOL | VT_BOOLSTR)

const setting_def SETTINGS_DEFS[] = {
    {"insecure_verify_skip", BOOLISH, 0, 0,
     "Skip TLS verification of the OpenShift API (env CLUSTER_VERIFY_SSL overrides, inverted)."},
    {"source_provider_insecure_skip_verify", BOOLISH, 0, 0,
     "Create the source Provider with insecureSkipVerify; when false its CA certificate is fetched."},
    {"ova_dir", VT_STRING, SETTING_RUNTIME, 0,
     "Local folder where the OVA provider's NFS share is mounted (for reading its VMs)."},
    {"skip_source_clone", BOOLISH, SETTING_RUNTIME, 0,
     "Migrate the scenarios' source VMs themselves instead of run-unique clones (as skip_clone "
     "does per scenario), for sources without templates to clone from."},
    {"ocp_source_namespace", VT_STRING, SETTING_RUNTIME, 0,
     "Namespace of an OpenShift source's VMs: where the run creates them (default: "
     "'<session>-source-vms', made and removed by the run) or, with skip_source_clone, "
     "where they are (default: the cluster access's namespace)."},
    {"ocp_source_datasource", VT_STRING, SETTING_RUNTIME, 0,
     "DataSource ('namespace/name') an OpenShift source's VMs are created from "
     "(default: openshift-virtualization-os-images/rhel9)."},
    {"number_of_vms", VT_INT, 0, 1, "Kept for upstream compatibility; unused."},
    {"check_vms_signals", BOOLISH, 0, 0, "Kept for upstream compatibility; unused."},
    {"target_namespace_prefix", VT_STRING, 0, 0, "Suffix of the per-run namespace ('auto' is dropped)."},
    {"mtv_namespace", VT_STRING, 0, 0, "Namespace of the MTV operator."},
    {"vm_name_search_pattern", VT_STRING, 0, 0, "Kept for upstream compatibility; unused."},
    {"remote_ocp_cluster", VT_STRING, 0, 0,
     "Enables the remote scenarios; must be part of the cluster API host name."},
    {"snapshots_interval", VT_INT, 0, 1, "Warm migration precopy interval (minutes) set on the ForkliftController."},
    {"mins_before_cutover", VT_INT, 0, 0, "Warm migration cutover time, in minutes from the start."},
    {"plan_wait_timeout", VT_INT, 0, 1, "Seconds to wait for a migration to finish."},
    {"guest_ssh_timeout", VT_INT, 0, 1,
     "Seconds the SSH check keeps trying to log into a guest (default 300, upstream's fixed value)."},
    {"static_ip_timeout", VT_INT, 0, 1,
     "Seconds the static IP check keeps re-reading a guest's addresses (default 600, upstream's fixed value)."},
    {"plan_ready_timeout", VT_INT, 0, 1, "Seconds to wait for a new Plan to get Ready (360 when unset)."},
    {"source_provider", VT_STRING, SETTING_RUNTIME, 0, "Entry of the providers file to migrate from."},
    {"storage_class", VT_STRING, SETTING_RUNTIME, 0, "Storage class of the migrated disks."},
    {"cluster_host", VT_STRING, SETTING_RUNTIME, 0, "OpenShift API host (env CLUSTER_HOST)."},
    {"cluster_username", VT_STRING, SETTING_RUNTIME, 0, "OpenShift user (env CLUSTER_USERNAME)."},
    {"cluster_password", VT_STRING, SETTING_RUNTIME | SETTING_SECRET, 0,
     "OpenShift password (env CLUSTER_PASSWORD)."},
    {"target_ocp_version", VT_STRING, SETTING_RUNTIME, 0, "OpenShift version, used in VM name suffixes."},
    {"upgrade_repo_url", VT_STRING, SETTING_RUNTIME, 0, "Upgrade scenario: repository with the upgrade script."},
    {"upgrade_repo_ref", VT_STRING, SETTING_RUNTIME, 0, "Upgrade scenario: git ref of that repository."},
    {"upgrade_script_path", VT_STRING, SETTING_RUNTIME, 0, "Upgrade scenario: script inside the repository."},
    {"mtv_upgrade_to_version", VT_STRING, SETTING_RUNTIME, 0, "Upgrade scenario: MTV version to upgrade to."},
    {"mtv_upgrade_to_source", VT_STRING, SETTING_RUNTIME, 0, "Upgrade scenario: catalog source of that version."},
    {"mtv_upgrade_image_index", VT_STRING, SETTING_RUNTIME, 0, "Upgrade scenario: index image of that version."},
    {NULL, 0, 0, 0, NULL},
};

const setting_def *settings_find(const char *name)
{
    for (const setting_def *d = SETTINGS_DEFS; d->name; d++)
        if (!strcmp(d->name, name))
            return d;
    return NULL;
}

static void def_names(const char **names, size_t *n)
{
    *n = 0;
    for (const setting_def *d = SETTINGS_DEFS; d->name; d++)
        names[(*n)++] = d->name;
}

void settings_init(settings *s)
{
    memset(s, 0, sizeof *s);
    s->values = cJSON_CreateObject();
    if (!s->values)
        abort();
}

/* Returns 0 when v fits def, else fills why. */
static int check_value(const setting_def *d, const cJSON *v, strbuf *why)
{
    if (!value_matches(v, d->types)) {
        sb_adds(why, "expected ");
        value_describe(why, d->types);
        sb_addf(why, ", got %s", json_type_name(v));
        if (cJSON_IsString(v) && (d->types & VT_BOOL) && !(d->flags & SETTING_SECRET))
            sb_addf(why, " '%s'", v->valuestring);
        return -1;
    }
    if ((d->types & VT_INT) && cJSON_IsNumber(v) && v->valuedouble < (double)d->min) {
        sb_addf(why, "must be at least %ld, got %.0f", d->min, v->valuedouble);
        return -1;
    }
    return 0;
}

int settings_load(settings *s, const char *path, secret_registry *reg, diag_list *diags)
{
    settings_init(s);
    mtv_err err;
    mtv_err_clear(&err);
    if (!fs_exists(path)) {
        diag_add(diags, DIAG_ERROR, path, "settings file not found (every catalog has a settings.json)");
        return -1;
    }
    if (json_doc_load(&s->doc, path, JSON_HASH_COMMENTS, &err) < 0) {
        strbuf raw = STRBUF_INIT;
        mtv_err ignored;
        if (reg && fs_read_file(path, &raw, &ignored) == 0)
            config_scan_secrets(reg, sb_str(&raw));
        sb_release(&raw);
        diag_add_err(diags, &err);
        return -1;
    }
    if (!cJSON_IsObject(s->doc.root)) {
        diag_at(diags, DIAG_ERROR, &s->doc, "",
                "the top level must be a JSON object of settings, got %s", json_type_name(s->doc.root));
        return -1;
    }
    const char *names[64];
    size_t n;
    def_names(names, &n);
    strbuf ptr = STRBUF_INIT, why = STRBUF_INIT;
    for (const cJSON *c = s->doc.root->child; c; c = c->next) {
        sb_reset(&ptr);
        json_pointer_append(&ptr, c->string);
        const setting_def *d = settings_find(c->string);
        if (!d) {
            sb_reset(&why);
            suggest_append(&why, c->string, names, n);
            diag_at(diags, DIAG_ERROR, &s->doc, ptr.buf,
                    "unknown setting \"%s\"%s; see docs/scenarios.md for the settings", c->string,
                    why.buf);
            continue;
        }
        sb_reset(&why);
        if (check_value(d, c, &why) < 0) {
            diag_at(diags, DIAG_ERROR, &s->doc, ptr.buf, "setting \"%s\": %s", c->string, why.buf);
            continue;
        }
        if ((d->flags & SETTING_SECRET) && reg && cJSON_IsString(c))
            secrets_add(reg, c->string, c->valuestring);
        cJSON *dup = cJSON_Duplicate(c, 1);
        if (!dup)
            abort();
        cJSON_AddItemToObject(s->values, c->string, dup);
    }
    sb_release(&ptr);
    sb_release(&why);
    return 0;
}

void settings_free(settings *s)
{
    if (!s)
        return;
    cJSON_Delete(s->values);
    json_doc_free(&s->doc);
    memset(s, 0, sizeof *s);
}

int settings_set(settings *s, const char *name, const char *text, secret_registry *reg,
                 mtv_err *err)
{
    const setting_def *d = settings_find(name);
    if (!d) {
        const char *names[64];
        size_t n;
        def_names(names, &n);
        strbuf hint = STRBUF_INIT;
        suggest_append(&hint, name, names, n);
        mtv_err_set(err, MTV_EXIT_USAGE, "--set %s: unknown setting%s", name, sb_str(&hint));
        sb_release(&hint);
        return -1;
    }
    if ((d->flags & SETTING_SECRET) && reg)
        secrets_add(reg, name, text);
    cJSON *v = NULL;
    strbuf label = STRBUF_INIT;
    sb_addf(&label, "--set %s", name);
    int rc = value_from_text(label.buf, text, d->types & ~VT_BOOLSTR, &v, err);
    if (rc == 0) {
        strbuf why = STRBUF_INIT;
        if (check_value(d, v, &why) < 0) {
            mtv_err_set(err, MTV_EXIT_USAGE, "%s: %s", label.buf, why.buf);
            cJSON_Delete(v);
            rc = -1;
        } else {
            cJSON_DeleteItemFromObjectCaseSensitive(s->values, name);
            cJSON_AddItemToObject(s->values, name, v);
        }
        sb_release(&why);
    }
    sb_release(&label);
    return rc;
}

const cJSON *settings_get(const settings *s, const char *name)
{
    return s->values ? cJSON_GetObjectItemCaseSensitive(s->values, name) : NULL;
}

const char *settings_str(const settings *s, const char *name, const char *dflt)
{
    const cJSON *v = settings_get(s, name);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

long long settings_int(const settings *s, const char *name, long long dflt)
{
    const cJSON *v = settings_get(s, name);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

int settings_bool(const settings *s, const char *name, int dflt)
{
    int t = value_truth(settings_get(s, name));
    return t < 0 ? dflt : t;
}
