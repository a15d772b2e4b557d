/*
 * redact: removes credentials from an exchange before it is written anywhere.
 *
 * Rules, applied in this order to a copy of each request and response:
 *   header      Authorization, Proxy-Authorization, Cookie, Set-Cookie,
 *               X-Auth-Token, X-Subject-Token, X-Api-Key and any header whose
 *               name holds token, secret, password, session, apikey or
 *               credential. The auth scheme and cookie names are kept:
 *               "Bearer <redacted:header.authorization>".
 *   query       URL query and fragment parameters with a sensitive name (below),
 *               also in Location and Content-Location headers (an OAuth
 *               redirect's #access_token=...).
 *   k8s-secret  every value under data and stringData of a Kubernetes Secret
 *               (also inside SecretList items and watch events), and its
 *               last-applied-configuration annotation. data values stay valid
 *               base64 (of the placeholder), so consumers still decode them.
 *   json-key    string members whose name is sensitive: password, passwd,
 *               passphrase, secret, token, credential, apikey, privatekey,
 *               accesskey, cookie, key-data ... (but not ...Name, ...Ref,
 *               ...Namespace, ...Url, ...File, ...Path, ...Type), and names
 *               ending in "key" (weak: redacted but not learned).
 *   xml-element the text of <password>, <passwd>, <passphrase> elements in any
 *               namespace (vSphere Login, oVirt).
 *   form-field  x-www-form-urlencoded fields with a sensitive name (OAuth
 *               password grants).
 *   known-secret every value of the secret registry (util/secrets.h), in every
 *               encoding it knows, anywhere in URL, headers and bodies.
 *
 * Values caught by the strong rules are also added ("learned") to the
 * registry, so the same credential is masked wherever else it appears later
 * (a session cookie echoed in a SOAP body, a token in a query) and the final
 * bundle scan knows it. Placeholders depend only on the rule and field name,
 * never on the value, so the same request always redacts to the same bytes and
 * replay still matches.
 *
 * Every hit is reported as {"rule": ID, "where": "request.body/data/password"}:
 * locations and rule ids, never values.
 *
 * Thread-safe when the registry is (it is). The redactor borrows the registry.
 */
#ifndef MTV_RECORDER_REDACT_H
#define MTV_RECORDER_REDACT_H

#include <cjson/cJSON.h>

#include "net/http.h"
#include "util/secrets.h"
#include "util/strbuf.h"

typedef struct redactor {
    secret_registry *secrets;   /* borrowed; may be NULL (no known-secret rule) */
} redactor;

/* 1 when a field or parameter of that name is treated as a credential;
 * *learn is set to 1 for the strong names (values worth learning). */
int redact_name_sensitive(const char *name, int *learn);

/* Each function rewrites its argument in place and appends one report item
 * per hit to report (a cJSON array; NULL = no report). where prefixes the
 * reported location ("request", "response", "frame 3"). */
void redact_headers(const redactor *r, http_headers *h, const char *where, cJSON *report);
void redact_url(const redactor *r, strbuf *url, const char *where, cJSON *report);
void redact_body(const redactor *r, strbuf *body, const char *content_type, const char *where,
                 cJSON *report);
/* JSON rules and the registry on an already parsed value (custom entries). */
void redact_json(const redactor *r, cJSON *item, const char *where, cJSON *report);

/* Request or response in one call: headers, URL (request) and body. */
void redact_request(const redactor *r, http_request *req, cJSON *report);
void redact_response(const redactor *r, http_response *resp, cJSON *report);

#endif
