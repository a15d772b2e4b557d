/* lab_cond: see lab_cond.h. */
#include "lab/lab_cond.h"

#include <string.h>

#include "lab/lab_meta.h"

static const char *str(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

cJSON *lab_cond_stage(const cJSON *old)
{
    cJSON *list = cJSON_CreateArray();
    const cJSON *c;
    cJSON_ArrayForEach(c, old)
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "durable")))
            cJSON_AddItemToArray(list, cJSON_Duplicate(c, 1));
    }
    return list;
}

const cJSON *lab_cond_find(const cJSON *list, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        if (!strcmp(str(c, "type"), type))
            return c;
    }
    return NULL;
}

int lab_cond_has(const cJSON *list, const char *type)
{
    return lab_cond_find(list, type) != NULL;
}

void lab_cond_remove(cJSON *list, const char *type)
{
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        if (!strcmp(str(c, "type"), type)) {
            cJSON_DeleteItemFromArray(list, i);
            return;
        }
        i++;
    }
}

void lab_cond_set(cJSON *list, const char *type, const char *category, const char *reason,
                  const char *message, int durable, cJSON *items)
{
    lab_cond_remove(list, type);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddStringToObject(c, "category", category);
    if (reason && *reason)
        cJSON_AddStringToObject(c, "reason", reason);
    if (message && *message)
        cJSON_AddStringToObject(c, "message", message);
    if (durable)
        cJSON_AddBoolToObject(c, "durable", 1);
    if (items && cJSON_GetArraySize(items) > 0)
        cJSON_AddItemToObject(c, "items", items);
    else
        cJSON_Delete(items);
    cJSON_AddItemToArray(list, c);
}

int lab_cond_blocked(const cJSON *list)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        const char *cat = str(c, "category");
        if (!strcmp(cat, LAB_CAT_CRITICAL) || !strcmp(cat, LAB_CAT_ERROR))
            return 1;
    }
    return 0;
}

static int same(const cJSON *a, const cJSON *b)
{
    static const char *const keys[] = {"status", "category", "reason", "message", "durable",
                                       "items", NULL};
    for (const char *const *k = keys; *k; k++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, *k);
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, *k);
        if (!x != !y || (x && !lab_json_equal(x, y)))
            return 0;
    }
    return 1;
}

void lab_cond_finish(cJSON *list, const cJSON *old, const char *now)
{
    cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        const cJSON *prev = lab_cond_find(old, str(c, "type"));
        const char *t = now;
        if (prev && same(prev, c) && *str(prev, "lastTransitionTime"))
            t = str(prev, "lastTransitionTime");
        cJSON *copy = cJSON_CreateString(t);
        if (cJSON_GetObjectItemCaseSensitive(c, "lastTransitionTime"))
            cJSON_ReplaceItemInObjectCaseSensitive(c, "lastTransitionTime", copy);
        else
            cJSON_AddItemToObject(c, "lastTransitionTime", copy);
    }
}
