/*
 * secret_keys: which configuration values are secrets, and registering them.
 *
 * One rule for every configuration file: a value whose key contains
 * "password", "passphrase", "token" or "secret" (any case) is a credential.
 * It is registered with the secret registry as soon as the file is read, so
 * no later message, log line or recording can show it. When a file does not
 * even parse, its text is scanned for "key": "value" pairs with such keys
 * instead, because the syntax error quotes a line of that text.
 */
#ifndef MTV_CONFIG_SECRET_KEYS_H
#define MTV_CONFIG_SECRET_KEYS_H

#include <cjson/cJSON.h>

#include "util/secrets.h"
#include "util/strbuf.h"

int config_is_secret_key(const char *key);

/* Registers every string under a secret-looking key inside item, at any
 * depth, labelled "<label>.<key path>" (label is restored on return). */
void config_register_secrets(secret_registry *reg, const cJSON *item, strbuf *label);

/* Registers the values of "key": "value" pairs with secret-looking keys
 * found lexically in text (for text that is not valid JSON). */
void config_scan_secrets(secret_registry *reg, const char *text);

#endif
