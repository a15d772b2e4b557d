/* lab_table: see lab_table.h. */
#include "lab/lab_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_jsonpath.h"
#include "lab/lab_meta.h"
#include "util/strbuf.h"

int lab_include_parse(const char *s, lab_include *out)
{
    if (!s || !*s || !strcmp(s, "Metadata"))
        *out = LAB_INCLUDE_METADATA;
    else if (!strcmp(s, "Object"))
        *out = LAB_INCLUDE_OBJECT;
    else if (!strcmp(s, "None"))
        *out = LAB_INCLUDE_NONE;
    else
        return -1;
    return 0;
}

static cJSON *column_def(const char *name, const char *type, const char *format, const char *desc,
                         int priority)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "format", format ? format : "");
    cJSON_AddStringToObject(c, "description", desc ? desc : "");
    cJSON_AddNumberToObject(c, "priority", priority);
    return c;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

cJSON *lab_table_new(const lab_kind *k, int with_columns, uint64_t rv)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "kind", "Table");
    cJSON_AddStringToObject(t, "apiVersion", "meta.k8s.io/v1");
    cJSON *meta = cJSON_AddObjectToObject(t, "metadata");
    if (rv) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)rv);
        cJSON_AddStringToObject(meta, "resourceVersion", buf);
    }
    cJSON *cols = cJSON_AddArrayToObject(t, "columnDefinitions");
    if (with_columns) {
        cJSON_AddItemToArray(cols, column_def("Name", "string", "name",
                                              "Name must be unique within a namespace. Is "
                                              "required when creating resources, although some "
                                              "resources may allow a client to request the "
                                              "generation of an appropriate name automatically.",
                                              0));
        const cJSON *c;
        cJSON_ArrayForEach(c, k->columns)
        {
            const cJSON *prio = cJSON_GetObjectItemCaseSensitive(c, "priority");
            cJSON_AddItemToArray(cols, column_def(str_of(c, "name"), str_of(c, "type"),
                                                  str_of(c, "format"), str_of(c, "description"),
                                                  cJSON_IsNumber(prio) ? prio->valueint : 0));
        }
    }
    cJSON_AddArrayToObject(t, "rows");
    return t;
}

cJSON *lab_partial_metadata(const cJSON *obj)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "kind", "PartialObjectMetadata");
    cJSON_AddStringToObject(p, "apiVersion", "meta.k8s.io/v1");
    const cJSON *m = lab_meta(obj);
    cJSON_AddItemToObject(p, "metadata", m ? cJSON_Duplicate(m, 1) : cJSON_CreateObject());
    return p;
}

/* The API server's cellForJSONValue, plus printing for string columns. */
static cJSON *cell(const char *type, const cJSON *v, time_t now)
{
    if (!v || cJSON_IsNull(v))
        return cJSON_CreateNull();
    if (!strcmp(type, "date")) {
        time_t t;
        if (!cJSON_IsString(v) || lab_time_parse(v->valuestring, &t) < 0)
            return cJSON_CreateNull();
        strbuf age = STRBUF_INIT;
        lab_age(&age, (long long)(now - t));
        cJSON *c = cJSON_CreateString(age.buf);
        sb_release(&age);
        return c;
    }
    if (!strcmp(type, "integer"))
        return cJSON_IsNumber(v) ? cJSON_CreateNumber(floor(v->valuedouble)) : cJSON_CreateNull();
    if (!strcmp(type, "number"))
        return cJSON_IsNumber(v) ? cJSON_CreateNumber(v->valuedouble) : cJSON_CreateNull();
    if (!strcmp(type, "boolean"))
        return cJSON_IsBool(v) ? cJSON_CreateBool(cJSON_IsTrue(v)) : cJSON_CreateNull();
    if (cJSON_IsString(v))
        return cJSON_CreateString(v->valuestring);
    char *s = cJSON_PrintUnformatted(v);
    cJSON *c = cJSON_CreateString(s ? s : "");
    free(s);
    return c;
}

void lab_table_add_row(cJSON *table, const lab_kind *k, const cJSON *obj, lab_include inc,
                       time_t now)
{
    cJSON *row = cJSON_CreateObject();
    cJSON *cells = cJSON_AddArrayToObject(row, "cells");
    const char *name = lab_meta_str(obj, "name");
    cJSON_AddItemToArray(cells, cJSON_CreateString(name ? name : ""));
    const cJSON *c;
    cJSON_ArrayForEach(c, k->columns)
    {
        const char *type = str_of(c, "type"), *path = str_of(c, "jsonPath");
        cJSON_AddItemToArray(cells, cell(type ? type : "string",
                                         path ? lab_jsonpath_first(obj, path) : NULL, now));
    }
    if (inc == LAB_INCLUDE_OBJECT)
        cJSON_AddItemToObject(row, "object", cJSON_Duplicate(obj, 1));
    else if (inc == LAB_INCLUDE_METADATA)
        cJSON_AddItemToObject(row, "object", lab_partial_metadata(obj));
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(table, "rows"), row);
}
