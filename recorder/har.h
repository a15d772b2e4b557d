/*
 * har: HAR 1.2 entries and logs, with the extensions cassettes need.
 *
 * Output follows the HAR 1.2 schema (what har-validator and browser devtools
 * accept): "pages": [] and "cache": {} always present, required timings set
 * and never below -1, "time" the sum of the timings that apply, ordered
 * header arrays, bodies as UTF-8 text or base64 with "encoding": "base64".
 *
 * Extensions (all "_"-prefixed, ignored by other HAR readers):
 *   log._cassette   {format, tool_version, recorded_at, scenario}
 *   log._variables  {seed, start_time, start_ms, names[], values{}} restored on replay
 *   log._redaction  {rules{id: count}, locations[{seq, rule, where}]}, never values
 *   entry._seq      arrival order (assigned when the request started)
 *   entry._upstream logical back end; entry._origin scheme://host:port
 *   entry._key      match key (recorder/matchkey.h)
 *   entry._t_ms     start, in ms of monotonic time since the run started
 *   entry._stream   {framing: "lines"|"chunks", frames[{t_ms, text|base64}], end}
 *   entry._custom   {kind, request, response} for non-HTTP entries (SSH commands)
 *   entry._error    transport error when no response arrived
 *   request.postData._encoding  "base64" for binary request bodies
 *
 * Ownership: functions returning cJSON* give the caller a new tree (cJSON_Delete);
 * arguments marked "taken" are moved into the result.
 */
#ifndef MTV_RECORDER_HAR_H
#define MTV_RECORDER_HAR_H

#include <cjson/cJSON.h>

#include "net/http.h"
#include "util/strbuf.h"

#define HAR_FORMAT "mtv-cassette/1"

typedef struct har_exchange {
    const http_request *req;     /* redacted copy */
    const http_response *resp;   /* redacted copy; NULL when error is set */
    const char *error;           /* transport error, or NULL */
    long long seq;
    long long started_ms;        /* epoch ms */
    long long t_ms;              /* monotonic offset from the run start */
    const char *key;
    cJSON *stream;               /* taken; NULL unless a stream */
    cJSON *redactions;           /* taken; may be NULL */
    double error_ms;             /* with error: how long the attempt lasted (its "time") */
} har_exchange;

cJSON *har_entry_http(const har_exchange *x);

typedef struct har_custom {
    const char *kind;            /* "ssh" */
    const char *upstream;        /* "guest:vm-1" */
    long long seq, started_ms, t_ms;
    double duration_ms;
    const char *key;
    cJSON *request;              /* taken */
    cJSON *response;             /* taken; NULL when error is set */
    const char *error;
    cJSON *redactions;           /* taken; may be NULL */
} har_custom;

cJSON *har_entry_custom(const har_custom *c);

/* {"log": {...}} from entries (taken, an array sorted by _seq), variables,
 * cassette metadata and redaction summary (each taken; NULL = empty). */
cJSON *har_log_build(cJSON *entries, cJSON *variables, cJSON *cassette, cJSON *redaction);

/* Serialises a HAR root: pretty-printed, first byte '{', trailing newline. */
void har_print(strbuf *out, const cJSON *root);

/* Checks the structure HAR 1.2 requires. Appends one line per problem
 * (at most max) to problems, naming the JSON pointer; returns the count. */
int har_check(const cJSON *root, strbuf *problems, int max);

/* A JSON number from a file as an integer in [lo, hi] (NaN gives lo):
 * casting an out-of-range double is undefined behaviour in C. */
long long har_clamp(double v, long long lo, long long hi);
/* Bounds for times in ms (about 31 years) and for sequence numbers. */
#define HAR_MAX_MS 1000000000000LL
#define HAR_MAX_SEQ 9007199254740992LL

/* Body helpers shared with the loader: a body goes in as UTF-8 text when it
 * is valid UTF-8 without NUL bytes, otherwise as base64. */
int har_is_text(const void *data, size_t n);
/* Decodes {text, encoding} (content or postData) into out. -1 on bad base64. */
int har_body_decode(const cJSON *holder, const char *encoding_field, strbuf *out);

#endif
