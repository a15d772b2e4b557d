/*
 * obj: reading values out of API objects without a schema: dotted paths and
 * status conditions, the two things every wait predicate needs.
 */
#include <stdlib.h>
#include <string.h>

#include "k8s/client.h"

/* The member at a dotted path; a segment of digits indexes an array. */
static const cJSON *obj_at(const cJSON *obj, const char *path)
{
    const cJSON *cur = obj;
    const char *p = path;
    char seg[256];
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0 || n >= sizeof seg)
            return NULL;
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (cJSON_IsArray(cur)) {
            char *end;
            long i = strtol(seg, &end, 10);
            cur = *end || i < 0 ? NULL : cJSON_GetArrayItem(cur, (int)i);
        } else {
            cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
        }
        p += n + (dot ? 1 : 0);
    }
    return cur;
}

const cJSON *k8s_obj_get(const cJSON *obj, const char *dotted_path)
{
    return obj && dotted_path ? obj_at(obj, dotted_path) : NULL;
}

const char *k8s_obj_str(const cJSON *obj, const char *dotted_path)
{
    if (!obj || !dotted_path)
        return NULL;
    return cJSON_GetStringValue(obj_at(obj, dotted_path));
}

const cJSON *k8s_condition(const cJSON *obj, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, obj_at(obj, "status.conditions")) {
        const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "type"));
        if (t && type && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

/* An observedGeneration (of the status or of the condition) behind
 * metadata.generation means the controller has not seen the latest spec. */
static int generation_current(const cJSON *obj, const cJSON *observed)
{
    const cJSON *gen = obj_at(obj, "metadata.generation");
    if (!cJSON_IsNumber(observed) || !cJSON_IsNumber(gen))
        return 1;
    return observed->valuedouble == gen->valuedouble;
}

int k8s_condition_true(const cJSON *obj, const char *type)
{
    const cJSON *c = k8s_condition(obj, type);
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "status"));
    if (!status || strcmp(status, "True") != 0)
        return 0;
    return generation_current(obj, obj_at(obj, "status.observedGeneration")) &&
           generation_current(obj, cJSON_GetObjectItemCaseSensitive(c, "observedGeneration"));
}
