/* version: see version.h. At most three reads (Subscriptions, one CSV, the
 * CSV list as a fallback); a run asks once, before its scenarios start. */
#include "mtv/version.h"

#include <string.h>

static const char *const OPERATORS[] = {"mtv-operator", "forklift-operator"};

/* name is an operator's package name, or (prefix) one of its CSV names
 * ("mtv-operator.v2.10.0"). */
static int is_operator(const char *name, int prefix)
{
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof OPERATORS / sizeof *OPERATORS; i++) {
        size_t n = strlen(OPERATORS[i]);
        if (prefix ? !strncmp(name, OPERATORS[i], n) && (name[n] == '.' || name[n] == '\0')
                   : !strcmp(name, OPERATORS[i]))
            return 1;
    }
    return 0;
}

static int csv_version(const char *ns, const cJSON *csv, strbuf *out, mtv_err *err)
{
    const char *v = k8s_obj_str(csv, "spec.version");
    const char *name = k8s_obj_str(csv, "metadata.name");
    if (!v || !*v)
        return mtv_err_set(err, MTV_EXIT_ENV, "ClusterServiceVersion %s/%s has no spec.version", ns,
                           name ? name : "?");
    sb_adds(out, v);
    return 0;
}

int mtv_version_read(k8s_client *c, const char *ns, strbuf *out, mtv_err *err)
{
    cJSON *subs = NULL, *csv = NULL, *csvs = NULL;
    int rc = -1;
    if (k8s_list(c, &K8S_SUBSCRIPTION, ns, NULL, &subs, err) < 0)
        return -1;
    const cJSON *it;
    const char *installed = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(subs, "items"))
    {
        if (is_operator(k8s_obj_str(it, "spec.name"), 0) && k8s_obj_str(it, "status.installedCSV")) {
            installed = k8s_obj_str(it, "status.installedCSV");
            break;
        }
    }
    if (installed) {
        int g = k8s_get(c, &K8S_CSV, ns, installed, &csv, err);
        if (g == 0)
            rc = csv_version(ns, csv, out, err);
        if (g != K8S_NOT_FOUND)
            goto out;
        mtv_err_clear(err);
    }
    if (k8s_list(c, &K8S_CSV, ns, NULL, &csvs, err) < 0)
        goto out;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(csvs, "items"))
    {
        if (is_operator(k8s_obj_str(it, "metadata.name"), 1)) {
            rc = csv_version(ns, it, out, err);
            goto out;
        }
    }
    mtv_err_set(err, MTV_EXIT_ENV,
                "no ClusterServiceVersion of the MTV operator (mtv-operator or forklift-operator) in "
                "namespace %s",
                ns);
out:
    cJSON_Delete(subs);
    cJSON_Delete(csv);
    cJSON_Delete(csvs);
    return rc;
}
