/* catalog: see catalog.h. */
#include "runner/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "config/secret_keys.h"
#include "config/value.h"
#include "runner/params.h"
#include "util/fs.h"
#include "util/suggest.h"

#ifndef MTV_CATALOG_INSTALL_DIR
#define MTV_CATALOG_INSTALL_DIR "/usr/local/share/mtv-validate/scenarios"
#endif

const char *catalog_resolve_dir(const char *cli_dir, strbuf *out)
{
    sb_reset(out);
    if (cli_dir && *cli_dir) {
        sb_adds(out, cli_dir);
        return "--catalog";
    }
    const char *env = getenv("MTV_CATALOG_DIR");
    if (env && *env) {
        sb_adds(out, env);
        return "$MTV_CATALOG_DIR";
    }
    if (fs_is_dir("scenarios")) {
        sb_adds(out, "scenarios");
        return "./scenarios";
    }
    if (fs_is_dir(MTV_CATALOG_INSTALL_DIR)) {
        sb_adds(out, MTV_CATALOG_INSTALL_DIR);
        return "the installed catalog";
    }
    sb_adds(out, "no scenario catalog found: tried ./scenarios and " MTV_CATALOG_INSTALL_DIR
                 "; pass --catalog DIR or set $MTV_CATALOG_DIR");
    return NULL;
}

int catalog_load(catalog *c, const char *dir, secret_registry *reg, diag_list *diags)
{
    memset(c, 0, sizeof *c);
    c->dir = strdup(dir);
    if (!c->dir)
        abort();
    settings_init(&c->settings);
    char **names = NULL;
    size_t n = 0;
    mtv_err err;
    mtv_err_clear(&err);
    if (!fs_is_dir(dir)) {
        diag_add(diags, DIAG_ERROR, dir, "the scenario catalog is not a directory");
        return -1;
    }
    if (fs_list_dir(dir, ".json", &names, &n, &err) < 0) {
        diag_add_err(diags, &err);
        return -1;
    }
    strbuf path = STRBUF_INIT;
    fs_join(&path, dir, "settings.json");
    settings_free(&c->settings);
    settings_load(&c->settings, path.buf, reg, diags);
    c->items = calloc(n ? n : 1, sizeof *c->items);
    if (!c->items)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(names[i], "settings.json"))
            continue;
        fs_join(&path, dir, names[i]);
        scenario *sc = &c->items[c->count];
        if (scenario_load(sc, path.buf, reg, diags) < 0) {
            scenario_free(sc);
            continue;
        }
        c->count++;
    }
    if (c->count == 0)
        diag_add(diags, DIAG_ERROR, dir, "the catalog holds no scenario files (<scenario_key>.json)");
    sb_release(&path);
    fs_free_list(names, n);
    return 0;
}

const scenario *catalog_find(const catalog *c, const char *name)
{
    for (size_t i = 0; i < c->count; i++)
        if (!strcmp(c->items[i].name, name))
            return &c->items[i];
    return NULL;
}

void catalog_free(catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++)
        scenario_free(&c->items[i]);
    free(c->items);
    settings_free(&c->settings);
    free(c->dir);
    memset(c, 0, sizeof *c);
}

void catalog_check(const catalog *c, diag_list *diags)
{
    for (size_t i = 0; i < c->count; i++)
        params_check(&c->items[i], diags);
}

#define ANY_TYPE (VT_STRING | VT_BOOL | VT_INT | VT_OBJECT | VT_ARRAY | VT_NULL)

/* Applies one override below a scenario's params. parts[0] is the first key
 * under params. Returns -1 with err. */
static int set_param(scenario *sc, char **parts, size_t np, const char *text, const char *option,
                     secret_registry *reg, mtv_err *err)
{
    if (!sc->params)
        return mtv_err_set(err, MTV_EXIT_USAGE, "%s: scenario %s has no usable params", option, sc->name);
    cJSON *node = sc->params;
    enum param_scope scope = SCOPE_PLAN;
    strbuf ptr = STRBUF_INIT;
    sb_adds(&ptr, "/params");
    int rc = -1;
    for (size_t i = 0; i < np; i++) {
        const char *comp = parts[i];
        int last = i + 1 == np;
        unsigned types = ANY_TYPE;
        enum param_scope next = SCOPE_NONE;
        if (cJSON_IsArray(node)) {
            char *end;
            long idx = strtol(comp, &end, 10);
            int size = cJSON_GetArraySize(node);
            if (*end || !*comp || idx < 0 || idx > size || (idx == size && !last)) {
                mtv_err_set(err, MTV_EXIT_USAGE, "%s: '%s' is not an index of this array (it has %d "
                            "entries: 0..%d)", option, comp, size, size - 1);
                goto out;
            }
            json_pointer_append_index(&ptr, (size_t)idx);
            next = scope;
            types = scope != SCOPE_NONE ? VT_OBJECT : ANY_TYPE;
            if (last) {
                cJSON *v;
                if (value_from_text(option, text, types, &v, err) < 0)
                    goto out;
                if (idx == size)
                    cJSON_AddItemToArray(node, v);
                else
                    cJSON_ReplaceItemInArray(node, (int)idx, v);
                break;
            }
            node = cJSON_GetArrayItem(node, (int)idx);
            scope = next;
            continue;
        }
        if (!cJSON_IsObject(node)) {
            mtv_err_set(err, MTV_EXIT_USAGE, "%s: cannot go into '%s': the value above it is %s, not "
                        "an object or array", option, comp, json_type_name(node));
            goto out;
        }
        if (scope != SCOPE_NONE) {
            const param_def *def = params_find(scope, comp);
            if (!def) {
                const char *names[64];
                size_t n = 0;
                for (const param_def *d = PARAM_DEFS; d->name && n < 64; d++)
                    if (d->scope == scope)
                        names[n++] = d->name;
                strbuf hint = STRBUF_INIT;
                suggest_append(&hint, comp, names, n);
                mtv_err_set(err, MTV_EXIT_USAGE, "%s: unknown %s key \"%s\"%s", option,
                            params_scope_name(scope), comp, sb_str(&hint));
                sb_release(&hint);
                goto out;
            }
            types = def->types;
            next = def->child;   /* arrays keep the child scope for their entries */
        }
        json_pointer_append(&ptr, comp);
        cJSON *child = cJSON_GetObjectItemCaseSensitive(node, comp);
        if (last) {
            cJSON *v;
            if (config_is_secret_key(comp) && reg)
                secrets_add(reg, comp, text);
            if (value_from_text(option, text, types, &v, err) < 0)
                goto out;
            if (child)
                cJSON_ReplaceItemInObjectCaseSensitive(node, comp, v);
            else
                cJSON_AddItemToObject(node, comp, v);
            break;
        }
        if (!child) {
            child = cJSON_AddObjectToObject(node, comp);
            if (!child)
                abort();
        }
        node = child;
        scope = next;
    }
    scenario_note_override(sc, ptr.buf, option);
    rc = 0;
out:
    sb_release(&ptr);
    return rc;
}

static void apply_one(catalog *c, const char *set, secret_registry *reg, diag_list *diags)
{
    const char *eq = strchr(set, '=');
    mtv_err err;
    mtv_err_clear(&err);
    if (!eq || eq == set) {
        diag_add(diags, DIAG_ERROR, "--set", "'%s': expected KEY=VALUE (a setting, or "
                 "<scenario>.<param>, e.g. test_sanity_cold_mtv_migration.warm_migration=true)", set);
        return;
    }
    char *key = strndup(set, (size_t)(eq - set));
    const char *text = eq + 1;
    const char *k = !strncmp(key, "tests_params.", 13) ? key + 13 : key;
    strbuf option = STRBUF_INIT;
    sb_addf(&option, "--set %s", k);
    char *parts[32];
    size_t np = 0;
    char *copy = strdup(k);
    if (!key || !copy)
        abort();
    for (char *save = NULL, *t = strtok_r(copy, ".", &save); t && np < 32; t = strtok_r(NULL, ".", &save))
        parts[np++] = t;
    int rc = 0;
    if (np == 0) {
        rc = mtv_err_set(&err, MTV_EXIT_USAGE, "%s: empty key", option.buf);
    } else if (settings_find(parts[0])) {
        if (np > 1)
            rc = mtv_err_set(&err, MTV_EXIT_USAGE, "%s: '%s' is a setting and has no sub-keys",
                             option.buf, parts[0]);
        else
            rc = settings_set(&c->settings, parts[0], text, reg, &err);
    } else {
        scenario *sc = NULL;
        for (size_t i = 0; i < c->count; i++)
            if (!strcmp(c->items[i].name, parts[0]))
                sc = &c->items[i];
        if (!sc) {
            const char **names = calloc(c->count + 64, sizeof *names);
            size_t n = 0;
            if (!names)
                abort();
            for (const setting_def *d = SETTINGS_DEFS; d->name; d++)
                names[n++] = d->name;
            for (size_t i = 0; i < c->count; i++)
                names[n++] = c->items[i].name;
            strbuf hint = STRBUF_INIT;
            suggest_append(&hint, parts[0], names, n);
            rc = mtv_err_set(&err, MTV_EXIT_USAGE, "%s: '%s' is neither a setting nor a scenario of "
                             "the catalog%s", option.buf, parts[0], sb_str(&hint));
            sb_release(&hint);
            free(names);
        } else if (np == 1) {
            rc = mtv_err_set(&err, MTV_EXIT_USAGE, "%s: name a key of the scenario's params, e.g. "
                             "%s.warm_migration=true", option.buf, parts[0]);
        } else {
            rc = set_param(sc, parts + 1, np - 1, text, option.buf, reg, &err);
        }
    }
    if (rc < 0)
        diag_add(diags, DIAG_ERROR, NULL, "%s", err.msg);
    free(copy);
    free(key);
    sb_release(&option);
}

void catalog_apply_sets(catalog *c, const char *const *sets, size_t n, secret_registry *reg,
                        diag_list *diags)
{
    for (size_t i = 0; i < n; i++)
        apply_one(c, sets[i], reg, diags);
}

int catalog_open(catalog *c, const char *cli_dir, const char *const *sets, size_t n,
                 secret_registry *reg, diag_list *diags)
{
    strbuf dir = STRBUF_INIT;
    const char *src = catalog_resolve_dir(cli_dir, &dir);
    int rc = -1;
    if (!src) {
        memset(c, 0, sizeof *c);
        settings_init(&c->settings);
        diag_add(diags, DIAG_ERROR, NULL, "%s", dir.buf);
    } else if (catalog_load(c, dir.buf, reg, diags) == 0) {
        catalog_apply_sets(c, sets, n, reg, diags);
        catalog_check(c, diags);
        rc = 0;
    }
    sb_release(&dir);
    return rc;
}
