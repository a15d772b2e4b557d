/* lab_discovery: see lab_discovery.h. Groups appear in registry order and
 * versions in the order their first kind appears, which puts the built-in
 * groups first as the API server does. */
#include "lab/lab_discovery.h"

#include <stdio.h>
#include <string.h>

static const char *const verbs[] = {"create", "delete", "deletecollection", "get", "list",
                                    "patch", "update", "watch", NULL};
static const char *const sub_verbs[] = {"get", "patch", "update", NULL};

static cJSON *string_array(const char *const *list)
{
    cJSON *a = cJSON_CreateArray();
    for (; *list; list++)
        cJSON_AddItemToArray(a, cJSON_CreateString(*list));
    return a;
}

static cJSON *names_array(char **names, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
    return a;
}

cJSON *lab_discovery_api(const lab_kinds *k, const char *server_address)
{
    (void)k;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "kind", "APIVersions");
    cJSON *v = cJSON_AddArrayToObject(d, "versions");
    cJSON_AddItemToArray(v, cJSON_CreateString("v1"));
    cJSON *cidrs = cJSON_AddArrayToObject(d, "serverAddressByClientCIDRs");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "clientCIDR", "0.0.0.0/0");
    cJSON_AddStringToObject(c, "serverAddress", server_address ? server_address : "");
    cJSON_AddItemToArray(cidrs, c);
    return d;
}

static cJSON *group_version(const char *group, const char *version)
{
    cJSON *gv = cJSON_CreateObject();
    char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", group, version);
    cJSON_AddStringToObject(gv, "groupVersion", buf);
    cJSON_AddStringToObject(gv, "version", version);
    return gv;
}

cJSON *lab_discovery_apis(const lab_kinds *k)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "kind", "APIGroupList");
    cJSON_AddStringToObject(d, "apiVersion", "v1");
    cJSON *groups = cJSON_AddArrayToObject(d, "groups");
    for (size_t i = 0; i < k->count; i++) {
        const lab_kind *kind = k->items[i];
        if (!*kind->group)
            continue;
        cJSON *g = NULL, *it;
        cJSON_ArrayForEach(it, groups)
        {
            if (!strcmp(cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring, kind->group))
                g = it;
        }
        if (!g) {
            g = cJSON_CreateObject();
            cJSON_AddStringToObject(g, "name", kind->group);
            cJSON_AddArrayToObject(g, "versions");
            cJSON_AddItemToObject(g, "preferredVersion", group_version(kind->group, kind->version));
            cJSON_AddItemToArray(groups, g);
        }
        cJSON *versions = cJSON_GetObjectItemCaseSensitive(g, "versions");
        int seen = 0;
        cJSON_ArrayForEach(it, versions)
        {
            seen |= !strcmp(cJSON_GetObjectItemCaseSensitive(it, "version")->valuestring,
                            kind->version);
        }
        if (!seen)
            cJSON_AddItemToArray(versions, group_version(kind->group, kind->version));
    }
    return d;
}

cJSON *lab_discovery_resources(const lab_kinds *k, const char *group, const char *version)
{
    cJSON *d = NULL, *res = NULL;
    for (size_t i = 0; i < k->count; i++) {
        const lab_kind *kind = k->items[i];
        if (strcmp(kind->group, group) || strcmp(kind->version, version))
            continue;
        if (!d) {
            d = cJSON_CreateObject();
            cJSON_AddStringToObject(d, "kind", "APIResourceList");
            cJSON_AddStringToObject(d, "apiVersion", "v1");
            cJSON_AddStringToObject(d, "groupVersion", kind->api_version);
            res = cJSON_AddArrayToObject(d, "resources");
        }
        int ns = (kind->flags & LAB_KIND_NAMESPACED) != 0;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "name", kind->plural);
        cJSON_AddStringToObject(r, "singularName", kind->singular);
        cJSON_AddBoolToObject(r, "namespaced", ns);
        cJSON_AddStringToObject(r, "kind", kind->kind);
        cJSON_AddItemToObject(r, "verbs", string_array(verbs));
        if (kind->n_short)
            cJSON_AddItemToObject(r, "shortNames", names_array(kind->short_names, kind->n_short));
        if (kind->n_categories)
            cJSON_AddItemToObject(r, "categories",
                                  names_array(kind->categories, kind->n_categories));
        cJSON_AddItemToArray(res, r);
        if (kind->flags & LAB_KIND_STATUS) {
            char name[300];
            snprintf(name, sizeof name, "%s/status", kind->plural);
            cJSON *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "name", name);
            cJSON_AddStringToObject(s, "singularName", "");
            cJSON_AddBoolToObject(s, "namespaced", ns);
            cJSON_AddStringToObject(s, "kind", kind->kind);
            cJSON_AddItemToObject(s, "verbs", string_array(sub_verbs));
            cJSON_AddItemToArray(res, s);
        }
    }
    return d;
}

static cJSON *response_kind(const lab_kind *kind)
{
    cJSON *rk = cJSON_CreateObject();
    cJSON_AddStringToObject(rk, "group", kind->group);
    cJSON_AddStringToObject(rk, "version", kind->version);
    cJSON_AddStringToObject(rk, "kind", kind->kind);
    return rk;
}

cJSON *lab_discovery_aggregated(const lab_kinds *k, int core, const char *version)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "kind", "APIGroupDiscoveryList");
    char av[64];
    snprintf(av, sizeof av, "apidiscovery.k8s.io/%s", version);
    cJSON_AddStringToObject(d, "apiVersion", av);
    cJSON_AddObjectToObject(d, "metadata");
    cJSON *items = cJSON_AddArrayToObject(d, "items");
    for (size_t i = 0; i < k->count; i++) {
        const lab_kind *kind = k->items[i];
        if (core != !*kind->group)
            continue;
        cJSON *g = NULL, *it;
        cJSON_ArrayForEach(it, items)
        {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(it, "metadata"), "name");
            if ((core && !n) || (n && !strcmp(n->valuestring, kind->group)))
                g = it;
        }
        if (!g) {
            g = cJSON_CreateObject();
            cJSON *meta = cJSON_AddObjectToObject(g, "metadata");
            if (!core)
                cJSON_AddStringToObject(meta, "name", kind->group);
            cJSON_AddArrayToObject(g, "versions");
            cJSON_AddItemToArray(items, g);
        }
        cJSON *versions = cJSON_GetObjectItemCaseSensitive(g, "versions"), *v = NULL;
        cJSON_ArrayForEach(it, versions)
        {
            if (!strcmp(cJSON_GetObjectItemCaseSensitive(it, "version")->valuestring, kind->version))
                v = it;
        }
        if (!v) {
            v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "version", kind->version);
            cJSON_AddArrayToObject(v, "resources");
            cJSON_AddStringToObject(v, "freshness", "Current");
            cJSON_AddItemToArray(versions, v);
        }
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "resource", kind->plural);
        cJSON_AddItemToObject(r, "responseKind", response_kind(kind));
        cJSON_AddStringToObject(r, "scope", (kind->flags & LAB_KIND_NAMESPACED) ? "Namespaced"
                                                                                : "Cluster");
        cJSON_AddStringToObject(r, "singularResource", kind->singular);
        cJSON_AddItemToObject(r, "verbs", string_array(verbs));
        if (kind->n_short)
            cJSON_AddItemToObject(r, "shortNames", names_array(kind->short_names, kind->n_short));
        if (kind->n_categories)
            cJSON_AddItemToObject(r, "categories",
                                  names_array(kind->categories, kind->n_categories));
        if (kind->flags & LAB_KIND_STATUS) {
            cJSON *subs = cJSON_AddArrayToObject(r, "subresources"), *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "subresource", "status");
            cJSON_AddItemToObject(s, "responseKind", response_kind(kind));
            cJSON_AddItemToObject(s, "verbs", string_array(sub_verbs));
            cJSON_AddItemToArray(subs, s);
        }
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(v, "resources"), r);
    }
    return d;
}
