/*
 * settings: the global run settings (scenarios/settings.json), with upstream
 * mtv-api-tests' names and meanings (its tests_config/config.py globals and
 * its runtime --tc keys).
 *
 * Every known setting is declared once in SETTINGS_DEFS with its type; the
 * file supplies values, `--set name=value` overrides them. A setting absent
 * from both is unset, and each consumer applies upstream's code default
 * (settings_int(s, "plan_wait_timeout", 600) mirrors upstream's fallback).
 * Booleans accept true/false or the strings "true"/"false", as upstream's
 * get_value_from_py_config() does.
 *
 * Ownership: a settings value owns its parsed file and its merged values;
 * returned strings live until settings_free or the next settings_set of the
 * same name.
 */
#ifndef MTV_CONFIG_SETTINGS_H
#define MTV_CONFIG_SETTINGS_H

#include <cjson/cJSON.h>

#include "util/diag.h"
#include "util/err.h"
#include "util/json.h"
#include "util/secrets.h"

enum setting_flags {
    SETTING_SECRET = 1 << 0,    /* its value is a credential: registered, never printed */
    SETTING_RUNTIME = 1 << 1,   /* normally given per run (upstream passes them with --tc) */
};

typedef struct setting_def {
    const char *name;
    unsigned types;             /* enum value_type bits */
    unsigned flags;
    long min;                   /* for whole numbers */
    const char *help;
} setting_def;

/* Every known setting, NULL-name terminated. */
extern const setting_def SETTINGS_DEFS[];

const setting_def *settings_find(const char *name);

typedef struct settings {
    json_doc doc;               /* the file as read (empty when none) */
    cJSON *values;              /* owned: file values plus overrides */
} settings;

/* An empty set (no file). */
void settings_init(settings *s);

/* Reads path (whole-line '#' comments allowed), checks every key and type,
 * appending every problem to diags, and registers secret values with reg.
 * Returns -1 when the file could not be read or parsed. */
int settings_load(settings *s, const char *path, secret_registry *reg, diag_list *diags);
void settings_free(settings *s);

/* Sets name from command-line text, type-checked against its definition. */
int settings_set(settings *s, const char *name, const char *text, secret_registry *reg,
                 mtv_err *err);

const cJSON *settings_get(const settings *s, const char *name);
const char *settings_str(const settings *s, const char *name, const char *dflt);
long long settings_int(const settings *s, const char *name, long long dflt);
int settings_bool(const settings *s, const char *name, int dflt);

#endif
