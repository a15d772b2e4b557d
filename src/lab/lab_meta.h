/*
 * lab_meta: the object-metadata conventions every Kubernetes object follows.
 *
 * Timestamps in RFC 3339 with second precision ("2025-06-01T10:00:00Z"),
 * the human ages kubectl shows ("5m5s", "3d4h"), the DNS-1123 name rules and
 * their exact error wording, uids, generateName suffixes, and the field
 * order the API server writes objects in (apiVersion, kind, metadata, ...,
 * status; metadata keys in ObjectMeta order). Pure functions, no state.
 */
#ifndef MTV_LAB_META_H
#define MTV_LAB_META_H

#include <cjson/cJSON.h>
#include <time.h>

#include "util/strbuf.h"

void lab_time_format(time_t t, char out[32]);
/* Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm)". Returns 0 or -1. */
int lab_time_parse(const char *s, time_t *out);

/* apimachinery's HumanDuration of a number of seconds ("0s" when negative). */
void lab_age(strbuf *out, long long seconds);

/* Name rules. Each returns NULL when valid, else the API server's message
 * (static text) to put after `Invalid value: "<name>": `. */
const char *lab_name_dns1123_subdomain(const char *name);
const char *lab_name_dns1123_label(const char *name);

/* A random RFC 4122 version 4 uid into out (37 bytes). */
void lab_uid(char out[37]);
/* Appends the 5-character random suffix generateName uses. */
void lab_name_suffix(strbuf *out);

/* Reorders obj's top-level keys (apiVersion, kind, metadata, others,
 * status) and metadata's keys (ObjectMeta field order), in place. */
void lab_meta_normalize(cJSON *obj);

/* Deep equality of two JSON values, object key order ignored. (cJSON_Compare
 * re-walks every subtree once per direction, which is exponential in depth
 * and unusable on CRD schemas.) */
int lab_json_equal(const cJSON *a, const cJSON *b);

/* Convenience accessors; return NULL/"" when absent. */
cJSON *lab_meta(const cJSON *obj);
const char *lab_meta_str(const cJSON *obj, const char *key);

#endif
