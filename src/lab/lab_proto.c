/* lab_proto: see lab_proto.h. A minimal protobuf wire reader: varints and
 * length-delimited fields are all these messages use; fixed-width fields are
 * skipped correctly so unknown fields never derail the walk. */
#include "lab/lab_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"

typedef struct pb {
    const unsigned char *p, *end;
} pb;

typedef struct pb_field {
    uint32_t num;
    int wire;
    uint64_t varint;
    const unsigned char *data;
    size_t len;
} pb_field;

static int read_varint(pb *b, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end)
            return -1;
        unsigned char c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* 1 = field read, 0 = end, -1 = malformed. */
static int next_field(pb *b, pb_field *f)
{
    if (b->p >= b->end)
        return 0;
    uint64_t key;
    if (read_varint(b, &key) < 0)
        return -1;
    f->num = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    f->data = NULL;
    f->len = 0;
    switch (f->wire) {
    case 0:
        return read_varint(b, &f->varint) < 0 ? -1 : 1;
    case 1:
    case 5: {
        size_t n = f->wire == 1 ? 8 : 4;
        if ((size_t)(b->end - b->p) < n)
            return -1;
        b->p += n;
        return 1;
    }
    case 2: {
        uint64_t n;
        if (read_varint(b, &n) < 0 || n > (uint64_t)(b->end - b->p))
            return -1;
        f->data = b->p;
        f->len = (size_t)n;
        b->p += n;
        return 1;
    }
    default:
        return -1;
    }
}

static cJSON *str_of(const pb_field *f)
{
    char *s = strndup((const char *)f->data, f->len);
    cJSON *j = cJSON_CreateString(s ? s : "");
    free(s);
    return j;
}

/* A map<string,string|bytes> entry {1: key, 2: value} into obj. */
static int map_entry(const pb_field *f, cJSON *obj, int bytes_as_base64)
{
    pb b = {f->data, f->data + f->len};
    pb_field e;
    int rc;
    char *key = NULL;
    cJSON *val = NULL;
    while ((rc = next_field(&b, &e)) > 0) {
        if (e.wire != 2)
            continue;
        if (e.num == 1) {
            free(key);
            key = strndup((const char *)e.data, e.len);
        } else if (e.num == 2) {
            cJSON_Delete(val);
            if (bytes_as_base64) {
                strbuf s = STRBUF_INIT;
                b64_encode(&s, e.data, e.len);
                val = cJSON_CreateString(sb_str(&s));
                sb_release(&s);
            } else {
                val = str_of(&e);
            }
        }
    }
    if (rc == 0 && key) {
        cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
        cJSON_AddItemToObject(obj, key, val ? val : cJSON_CreateString(""));
        val = NULL;
    }
    free(key);
    cJSON_Delete(val);
    return rc;
}

static cJSON *child(cJSON *obj, const char *key, int array)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!c)
        cJSON_AddItemToObject(obj, key, c = array ? cJSON_CreateArray() : cJSON_CreateObject());
    return c;
}

static int object_meta(const pb_field *f, cJSON *meta)
{
    static const char *const strings[] = {NULL, "name", "generateName", "namespace"};
    pb b = {f->data, f->data + f->len};
    pb_field m;
    int rc;
    while ((rc = next_field(&b, &m)) > 0) {
        if (m.wire != 2)
            continue;
        if (m.num >= 1 && m.num <= 3) {
            if (m.len)
                cJSON_AddItemToObject(meta, strings[m.num], str_of(&m));
        } else if (m.num == 11 || m.num == 12) {
            if (map_entry(&m, child(meta, m.num == 11 ? "labels" : "annotations", 0), 0) < 0)
                return -1;
        } else if (m.num == 14) {
            cJSON_AddItemToArray(child(meta, "finalizers", 1), str_of(&m));
        }
    }
    return rc;
}

static int decode_kind(const char *kind, const unsigned char *raw, size_t n, cJSON *obj, strbuf *err)
{
    int is_ns = !strcmp(kind, "Namespace"), is_cm = !strcmp(kind, "ConfigMap"),
        is_secret = !strcmp(kind, "Secret");
    if (!is_ns && !is_cm && !is_secret) {
        sb_addf(err, "the lab decodes protobuf bodies for Namespace, ConfigMap and Secret only, "
                "not %s; send application/json", kind);
        return -1;
    }
    pb b = {raw, raw + n};
    pb_field f;
    int rc;
    while ((rc = next_field(&b, &f)) > 0) {
        if (f.num == 1 && f.wire == 2) {
            if (object_meta(&f, child(obj, "metadata", 0)) < 0)
                return -1;
        } else if (is_ns && f.num == 2 && f.wire == 2) {
            pb s = {f.data, f.data + f.len};
            pb_field g;
            while (next_field(&s, &g) > 0)
                if (g.num == 1 && g.wire == 2)
                    cJSON_AddItemToArray(child(child(obj, "spec", 0), "finalizers", 1), str_of(&g));
        } else if ((is_cm || is_secret) && f.num == 2 && f.wire == 2) {
            if (map_entry(&f, child(obj, "data", 0), is_secret) < 0)
                return -1;
        } else if (is_cm && f.num == 3 && f.wire == 2) {
            if (map_entry(&f, child(obj, "binaryData", 0), 1) < 0)
                return -1;
        } else if (is_secret && f.num == 3 && f.wire == 2) {
            cJSON_AddItemToObject(obj, "type", str_of(&f));
        } else if (is_secret && f.num == 4 && f.wire == 2) {
            if (map_entry(&f, child(obj, "stringData", 0), 0) < 0)
                return -1;
        } else if (((is_cm && f.num == 4) || (is_secret && f.num == 5)) && f.wire == 0) {
            cJSON_AddBoolToObject(obj, "immutable", f.varint != 0);
        }
    }
    return rc;
}

cJSON *lab_proto_decode(const void *data, size_t n, strbuf *err)
{
    const unsigned char *d = data;
    if (n < 4 || memcmp(d, "k8s\0", 4) != 0) {
        sb_adds(err, "not a Kubernetes protobuf message: the \"k8s\\0\" prefix is missing");
        return NULL;
    }
    pb b = {d + 4, d + n};
    pb_field f;
    int rc;
    char *api_version = NULL, *kind = NULL;
    const unsigned char *raw = NULL;
    size_t raw_len = 0;
    while ((rc = next_field(&b, &f)) > 0) {
        if (f.num == 1 && f.wire == 2) {
            pb t = {f.data, f.data + f.len};
            pb_field tf;
            while (next_field(&t, &tf) > 0) {
                if (tf.wire != 2)
                    continue;
                if (tf.num == 1) {
                    free(api_version);
                    api_version = strndup((const char *)tf.data, tf.len);
                } else if (tf.num == 2) {
                    free(kind);
                    kind = strndup((const char *)tf.data, tf.len);
                }
            }
        } else if (f.num == 2 && f.wire == 2) {
            raw = f.data;
            raw_len = f.len;
        }
    }
    cJSON *obj = NULL;
    if (rc < 0 || !kind || !api_version) {
        sb_adds(err, "malformed protobuf envelope (no TypeMeta)");
    } else {
        obj = cJSON_CreateObject();
        cJSON_AddStringToObject(obj, "apiVersion", api_version);
        cJSON_AddStringToObject(obj, "kind", kind);
        if (decode_kind(kind, raw ? raw : d, raw ? raw_len : 0, obj, err) < 0) {
            if (!err->len)
                sb_addf(err, "malformed protobuf %s message", kind);
            cJSON_Delete(obj);
            obj = NULL;
        }
    }
    free(api_version);
    free(kind);
    return obj;
}
