/*
 * value: the small type system shared by every configuration file and by
 * `--set key=value`: which JSON types a key accepts, how to say so in an
 * error message, and how to turn command-line text into a value of the
 * key's type. Kept in one place so that the providers file, the settings and
 * the scenario catalog phrase type errors the same way.
 */
#ifndef MTV_CONFIG_VALUE_H
#define MTV_CONFIG_VALUE_H

#include <cjson/cJSON.h>

#include "util/err.h"
#include "util/strbuf.h"

/* Bit set of accepted types. */
enum value_type {
    VT_STRING = 1 << 0,
    VT_BOOL = 1 << 1,      /* true/false; in settings also "true"/"false" strings */
    VT_INT = 1 << 2,       /* a JSON number without a fraction */
    VT_OBJECT = 1 << 3,
    VT_ARRAY = 1 << 4,
    VT_NULL = 1 << 5,
    VT_BOOLSTR = 1 << 6,   /* with VT_BOOL: the strings "true"/"false" count as booleans */
};

/* 1 when item has one of the types in mask. */
int value_matches(const cJSON *item, unsigned mask);

/* Appends "a string", "a boolean or a string", ... */
void value_describe(strbuf *out, unsigned mask);

/* Truth value as upstream reads a setting: booleans as they are, the
 * strings "false" (any case) and "" false and other strings true, zero and
 * null false, empty objects and arrays false. -1 when item is NULL. */
int value_truth(const cJSON *item);

/* Converts command-line text to a value of one of the types in mask:
 * true/false for booleans, decimal for whole numbers, JSON text for objects
 * and arrays, null, and otherwise the text itself as a string. *out is a new
 * cJSON (caller deletes). On mismatch fills err naming what was expected;
 * `name` is the key used in the message. */
int value_from_text(const char *name, const char *text, unsigned mask, cJSON **out, mtv_err *err);

#endif
