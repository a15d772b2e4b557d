/* jira_issue: see jira_issue.h. */
#include "reporters/jira_issue.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *dup_or(const char *s, const char *dflt)
{
    if (!s && !dflt)
        return NULL;
    char *d = strdup(s ? s : dflt);
    if (!d)
        abort();
    return d;
}

static const char *str_at(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* [{"name": ..}, ...] or ["a", ...] into a list. */
static void names(const cJSON *arr, jira_list *out)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        const char *n = cJSON_IsString(it) ? it->valuestring : str_at(it, "name");
        if (!n)
            continue;
        out->items = realloc(out->items, (out->count + 1) * sizeof *out->items);
        if (!out->items)
            abort();
        out->items[out->count++] = dup_or(n, "");
    }
}

int jira_issue_from_json(const cJSON *j, jira_issue *out)
{
    memset(out, 0, sizeof *out);
    const char *key = str_at(j, "key");
    if (!key)
        return -1;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "fields");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(f, "status");
    const cJSON *cat = cJSON_GetObjectItemCaseSensitive(status, "statusCategory");
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(f, "resolution");
    out->key = dup_or(key, "");
    out->summary = dup_or(str_at(f, "summary"), "");
    out->status = dup_or(str_at(status, "name"), "");
    out->category = dup_or(str_at(cat, "key"), "");
    out->resolution = cJSON_IsObject(res) ? dup_or(str_at(res, "name"), "") : NULL;
    out->resolved_at = dup_or(str_at(f, "resolutiondate"), NULL);
    names(cJSON_GetObjectItemCaseSensitive(f, "labels"), &out->labels);
    names(cJSON_GetObjectItemCaseSensitive(f, "versions"), &out->versions);
    names(cJSON_GetObjectItemCaseSensitive(f, "fixVersions"), &out->fix_versions);
    names(cJSON_GetObjectItemCaseSensitive(f, "components"), &out->components);
    return 0;
}

static void list_free(jira_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
}

void jira_issue_free(jira_issue *is)
{
    free(is->key);
    free(is->summary);
    free(is->status);
    free(is->category);
    free(is->resolution);
    free(is->resolved_at);
    list_free(&is->labels);
    list_free(&is->versions);
    list_free(&is->fix_versions);
    list_free(&is->components);
    memset(is, 0, sizeof *is);
}

static int in_list(const jira_list *l, const char *s, int nocase)
{
    for (size_t i = 0; s && i < l->count; i++)
        if (nocase ? !strcasecmp(l->items[i], s) : !strcmp(l->items[i], s))
            return 1;
    return 0;
}

int jira_issue_has_label(const jira_issue *is, const char *label)
{
    return in_list(&is->labels, label, 0);
}

int jira_issue_done(const jira_issue *is)
{
    if (*is->category)
        return !strcmp(is->category, "done");
    return is->resolution != NULL;
}

int jira_issue_resolved(const jira_config *cfg, const jira_issue *is, strbuf *why)
{
    sb_addf(why, "%s", *is->status ? is->status : "(no status)");
    if (is->resolution)
        sb_addf(why, " (resolution %s)", *is->resolution ? is->resolution : "set");
    int closed = in_list(&cfg->resolved_statuses, is->status, 1) ||
                 (cfg->resolved_by_category && !strcmp(is->category, "done"));
    if (closed && cfg->resolved_resolutions.count && !in_list(&cfg->resolved_resolutions, is->resolution, 1)) {
        sb_adds(why, ": the resolution is not one of resolved_resolutions, so still open");
        closed = 0;
    }
    if (closed) {
        if (cfg->version && in_list(&is->versions, cfg->version, 0) && !in_list(&is->fix_versions, cfg->version, 0)) {
            sb_addf(why, ": closed, but affects %s without a fix for it", cfg->version);
            return 0;
        }
        sb_adds(why, ": resolved");
        return 1;
    }
    int version_ok = !cfg->version || is->versions.count == 0 || in_list(&is->versions, cfg->version, 0);
    int component_ok = cfg->components.count == 0 || is->components.count == 0;
    for (size_t i = 0; !component_ok && i < cfg->components.count; i++)
        component_ok = in_list(&is->components, cfg->components.items[i], 0);
    if (!version_ok) {
        sb_addf(why, ": open, but not for version %s", cfg->version);
        return 1;
    }
    if (!component_ok) {
        sb_adds(why, ": open, but for other components");
        return 1;
    }
    sb_adds(why, ": open");
    return 0;
}
