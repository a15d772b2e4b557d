/* lab_meta: see lab_meta.h. */
#include "lab/lab_meta.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lab_time_format(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int lab_time_parse(const char *s, time_t *out)
{
    struct tm tm = {0};
    const char *p = strptime(s ? s : "", "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return -1;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        off = (hh * 3600L + mm * 60L) * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out = timegm(&tm) - off;
    return 0;
}

void lab_age(strbuf *out, long long s)
{
    if (s < 0)
        s = 0;
    long long m = s / 60, h = s / 3600, d = h / 24;
    if (s < 120)
        sb_addf(out, "%llds", s);
    else if (m < 10)
        s % 60 ? sb_addf(out, "%lldm%llds", m, s % 60) : sb_addf(out, "%lldm", m);
    else if (h < 3)
        sb_addf(out, "%lldm", m);
    else if (h < 8)
        m % 60 ? sb_addf(out, "%lldh%lldm", h, m % 60) : sb_addf(out, "%lldh", h);
    else if (h < 48)
        sb_addf(out, "%lldh", h);
    else if (h < 24 * 8)
        h % 24 ? sb_addf(out, "%lldd%lldh", d, h % 24) : sb_addf(out, "%lldd", d);
    else if (h < 24 * 365 * 2)
        sb_addf(out, "%lldd", d);
    else if (h < 24 * 365 * 8)
        d % 365 ? sb_addf(out, "%lldy%lldd", d / 365, d % 365) : sb_addf(out, "%lldy", d / 365);
    else
        sb_addf(out, "%lldy", d / 365);
}

static int label_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return 0;
    return 1;
}

const char *lab_name_dns1123_label(const char *name)
{
    size_t n = strlen(name);
    if (n > 63)
        return "must be no more than 63 characters";
    if (!label_ok(name, n))
        return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
               "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
               "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    return NULL;
}

const char *lab_name_dns1123_subdomain(const char *name)
{
    size_t n = strlen(name);
    if (n > 253)
        return "must be no more than 253 characters";
    int ok = n > 0;
    for (const char *p = name; ok && *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        ok = label_ok(p, len);
        p += len + (dot ? 1 : 0);
        if (dot && !*p)
            ok = 0;
    }
    if (!ok)
        return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
               "'-' or '.', and must start and end with an alphanumeric character (e.g. "
               "'example.com', regex used for validation is "
               "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    return NULL;
}

void lab_uid(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        abort();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

void lab_name_suffix(strbuf *out)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    unsigned char b[5];
    if (RAND_bytes(b, sizeof b) != 1)
        abort();
    for (size_t i = 0; i < sizeof b; i++)
        sb_addc(out, alphabet[b[i] % (sizeof alphabet - 1)]);
}

static void move_to_end(cJSON *obj, const char *key)
{
    cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it) {
        cJSON_DetachItemViaPointer(obj, it);
        cJSON_AddItemToArray(obj, it); /* links the member back, key and all */
    }
}

static void reorder(cJSON *obj, const char *const *front, const char *const *back)
{
    /* Detach every key named in front, in order, then re-link them first. */
    cJSON *head = NULL, *tail = NULL;
    for (const char *const *k = front; *k; k++) {
        cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, *k);
        if (!it)
            continue;
        cJSON_DetachItemViaPointer(obj, it);
        it->prev = tail;
        it->next = NULL;
        if (tail)
            tail->next = it;
        else
            head = it;
        tail = it;
    }
    if (head) {
        cJSON *rest = obj->child;
        tail->next = rest;
        if (rest) {
            head->prev = rest->prev; /* cJSON keeps the last element in child->prev */
            rest->prev = tail;
        } else {
            head->prev = tail;
        }
        obj->child = head;
    }
    for (const char *const *k = back; back && *k; k++)
        move_to_end(obj, *k);
}

void lab_meta_normalize(cJSON *obj)
{
    static const char *const top[] = {"apiVersion", "kind", "metadata", NULL};
    static const char *const top_back[] = {"status", NULL};
    static const char *const meta[] = {"name", "generateName", "namespace", "selfLink", "uid",
                                       "resourceVersion", "generation", "creationTimestamp",
                                       "deletionTimestamp", "deletionGracePeriodSeconds",
                                       "labels", "annotations", "ownerReferences", "finalizers",
                                       "managedFields", NULL};
    if (!cJSON_IsObject(obj))
        return;
    reorder(obj, top, top_back);
    cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (cJSON_IsObject(m))
        reorder(m, meta, NULL);
}

cJSON *lab_meta(const cJSON *obj)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    return cJSON_IsObject(m) ? m : NULL;
}

const char *lab_meta_str(const cJSON *obj, const char *key)
{
    cJSON *m = lab_meta(obj);
    cJSON *v = m ? cJSON_GetObjectItemCaseSensitive(m, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int lab_json_equal(const cJSON *a, const cJSON *b)
{
    if (!a || !b)
        return a == b;
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return 0;
    switch (a->type & 0xFF) {
    case cJSON_False:
    case cJSON_True:
    case cJSON_NULL:
        return 1;
    case cJSON_Number:
        return a->valuedouble == b->valuedouble;
    case cJSON_String:
    case cJSON_Raw:
        return a->valuestring && b->valuestring && !strcmp(a->valuestring, b->valuestring);
    case cJSON_Array: {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!lab_json_equal(x, y))
                return 0;
        return !x && !y;
    }
    case cJSON_Object: {
        int na = 0, nb = 0;
        for (const cJSON *x = a->child; x; x = x->next)
            na++;
        for (const cJSON *y = b->child; y; y = y->next)
            nb++;
        if (na != nb)
            return 0;
        for (const cJSON *x = a->child; x; x = x->next) {
            const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
            if (!y || !lab_json_equal(x, y))
                return 0;
        }
        return 1;
    }
    default:
        return 0;
    }
}
