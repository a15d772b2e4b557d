/*
 * providers: the source providers file (.providers.json), compatible with
 * upstream mtv-api-tests.
 *
 * The file maps an entry name (what --provider selects; upstream's
 * `source_provider`) to a provider description whose keys depend on its
 * "type": vsphere, ovirt, openstack, openshift, ova or hyperv. A vSphere
 * entry may carry a "copyoffload" block; its credential-like keys can be
 * overridden from COPYOFFLOAD_<KEY> environment variables, and the resolved
 * block (file + environment) is what other modules read.
 *
 * Loading registers every secret-looking value (passwords, passphrases,
 * tokens, secrets) with the given secret registry before anything else
 * happens, so no later log line, error or recording can show one. Messages
 * name the file, line and column, the entry and the key; they never quote a
 * value of a secret key.
 *
 * Ownership: a providers_file owns its text, its tree, its entries and the
 * resolved copy-offload blocks. Strings returned by accessors point into it
 * and live until providers_file_free.
 */
#ifndef MTV_CONFIG_PROVIDERS_H
#define MTV_CONFIG_PROVIDERS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/diag.h"
#include "util/err.h"
#include "util/json.h"
#include "util/secrets.h"
#include "util/strbuf.h"

enum provider_type {
    PROVIDER_UNKNOWN = 0,
    PROVIDER_VSPHERE,
    PROVIDER_OVIRT,
    PROVIDER_OPENSTACK,
    PROVIDER_OPENSHIFT,
    PROVIDER_OVA,
    PROVIDER_HYPERV,
};

/* The type names as written in the file, in enum order (index 0 unused). */
extern const char *const PROVIDER_TYPE_NAMES[];
#define PROVIDER_TYPE_COUNT 7

const char *provider_type_name(enum provider_type t);      /* "unknown" for 0 */
enum provider_type provider_type_from_name(const char *name); /* 0 when unknown */

typedef struct provider_entry {
    char *key;                  /* entry name; owned */
    enum provider_type type;    /* PROVIDER_UNKNOWN when "type" is missing or wrong */
    const cJSON *json;          /* the entry as written; owned by the file's tree */
    cJSON *copyoffload;         /* resolved block (environment applied) or NULL; owned */
} provider_entry;

typedef struct providers_file {
    json_doc doc;
    provider_entry *entries;    /* owned, in file order */
    size_t count;
} providers_file;

/* Where the providers file comes from: --providers-json PATH, then
 * $PROVIDERS_JSON_PATH, then ./.providers.json. Writes the path into out and
 * returns a short description of the source for messages. */
const char *providers_resolve_path(const char *cli_path, strbuf *out);

/* Reads and parses the file (whole-line '#' comments allowed), registers its
 * secrets with reg (may be NULL), and builds the entries, resolving each
 * copy-offload block against the environment. A missing file, an empty file,
 * a syntax error and a non-object top level are errors of their own; they
 * are appended to diags and -1 is returned. Entry contents are not checked
 * here (see providers_check). */
int providers_file_load(providers_file *pf, const char *path, secret_registry *reg,
                        diag_list *diags);
void providers_file_free(providers_file *pf);

/* Checks every entry (key == NULL) or only the named one against its type's
 * rules, appending every problem to diags. Returns the number of errors. */
size_t providers_check(const providers_file *pf, const char *key, diag_list *diags);

/* The entry named key; NULL with an error listing the available entries. */
const provider_entry *providers_get(const providers_file *pf, const char *key, mtv_err *err);

/* Loads the file at path, selects `key` and checks that entry: what commands
 * that run against one provider use. Fails with the first problem. */
int providers_open(providers_file *pf, const char *path, const char *key, secret_registry *reg,
                   const provider_entry **entry, mtv_err *err);

/* Typed accessors: the value when present with that type, else NULL/dflt. */
const char *provider_str(const provider_entry *e, const char *key);
int provider_is_esxi(const provider_entry *e);   /* vsphere with endpoint_type "esxi" */

/* The resolved copy-offload block. */
int provider_has_copyoffload(const provider_entry *e);
const char *copyoffload_str(const provider_entry *e, const char *key);
const cJSON *copyoffload_item(const provider_entry *e, const char *key);

/* The copy-offload keys whose value COPYOFFLOAD_<KEY> may override,
 * NULL-terminated. */
extern const char *const COPYOFFLOAD_ENV_KEYS[];

#endif
