/* value: see value.h. */
#include "config/value.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/json.h"

static int is_bool_string(const cJSON *item)
{
    return cJSON_IsString(item) &&
           (!strcasecmp(item->valuestring, "true") || !strcasecmp(item->valuestring, "false"));
}

int value_matches(const cJSON *item, unsigned mask)
{
    if (!item)
        return 0;
    if ((mask & VT_STRING) && cJSON_IsString(item))
        return 1;
    if ((mask & VT_BOOL) && cJSON_IsBool(item))
        return 1;
    if ((mask & VT_BOOL) && (mask & VT_BOOLSTR) && is_bool_string(item))
        return 1;
    if ((mask & VT_INT) && cJSON_IsNumber(item) && floor(item->valuedouble) == item->valuedouble &&
        fabs(item->valuedouble) < 9007199254740992.0)
        return 1;
    if ((mask & VT_OBJECT) && cJSON_IsObject(item))
        return 1;
    if ((mask & VT_ARRAY) && cJSON_IsArray(item))
        return 1;
    if ((mask & VT_NULL) && cJSON_IsNull(item))
        return 1;
    return 0;
}

void value_describe(strbuf *out, unsigned mask)
{
    static const struct {
        unsigned bit;
        const char *text;
    } names[] = {
        {VT_BOOL, "a boolean (true or false)"},
        {VT_INT, "a whole number"},
        {VT_STRING, "a string"},
        {VT_OBJECT, "an object"},
        {VT_ARRAY, "an array"},
        {VT_NULL, "null"},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(mask & names[i].bit))
            continue;
        if (n)
            sb_adds(out, " or ");
        sb_adds(out, names[i].text);
        n++;
    }
    if (!n)
        sb_adds(out, "nothing");
}

int value_truth(const cJSON *item)
{
    if (!item)
        return -1;
    if (cJSON_IsBool(item))
        return cJSON_IsTrue(item) ? 1 : 0;
    if (cJSON_IsString(item))
        return strcasecmp(item->valuestring, "false") != 0 && item->valuestring[0] != '\0';
    if (cJSON_IsNumber(item))
        return item->valuedouble != 0;
    if (cJSON_IsNull(item))
        return 0;
    return cJSON_GetArraySize(item) > 0;
}

int value_from_text(const char *name, const char *text, unsigned mask, cJSON **out, mtv_err *err)
{
    *out = NULL;
    if ((mask & VT_BOOL) && (!strcasecmp(text, "true") || !strcasecmp(text, "false"))) {
        *out = cJSON_CreateBool(!strcasecmp(text, "true"));
        return 0;
    }
    if (mask & VT_INT) {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (*text && !*end && !errno) {
            *out = cJSON_CreateNumber((double)v);
            return 0;
        }
    }
    if ((mask & VT_NULL) && !strcmp(text, "null")) {
        *out = cJSON_CreateNull();
        return 0;
    }
    if ((mask & (VT_OBJECT | VT_ARRAY)) && (text[0] == '{' || text[0] == '[')) {
        json_doc doc;
        mtv_err perr;
        if (json_doc_parse(&doc, name, text, strlen(text), JSON_STRICT, &perr) < 0) {
            if (mask & VT_STRING) {
                *out = cJSON_CreateString(text);
                return 0;
            }
            mtv_err_set(err, MTV_EXIT_USAGE, "%s: the value is not valid JSON: %s", name, perr.msg);
            return -1;
        }
        if (value_matches(doc.root, mask)) {
            *out = doc.root;
            doc.root = NULL;
            json_doc_free(&doc);
            return 0;
        }
        json_doc_free(&doc);
    }
    if (mask & VT_STRING) {
        *out = cJSON_CreateString(text);
        return 0;
    }
    strbuf want = STRBUF_INIT;
    value_describe(&want, mask & ~VT_BOOLSTR);
    mtv_err_set(err, MTV_EXIT_USAGE, "%s: expected %s, got '%s'", name, want.buf, text);
    sb_release(&want);
    return -1;
}
