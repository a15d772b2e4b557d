/*
 * cassette: a HAR cassette loaded for reading (replay, show, diff, verify).
 *
 * Accepts a HAR file (optionally with a UTF-8 BOM) or a bundle (the tar is
 * sniffed; its cassette.har is read). Loading is one validating pass over the
 * text that indexes the entries and reads only the fields replay needs
 * (sequence, key, method, URL, upstream, status, timing, error); the JSON of
 * an entry is parsed the first time someone asks for it, so a 100 MB cassette
 * loads at scanning speed and bodies that are never served are never parsed.
 * Errors name the entry and field ("cassette.har: /log/entries/12/response/
 * status: expected a number"), or the line and column of bad JSON.
 * Entries without `_key` (foreign HAR files) get one computed from their
 * request, so any HAR can be replayed.
 *
 * Ownership: the cassette owns the text, the index and the parsed entries.
 * Reading entries (cassette_entry_json and the helpers on it) is thread-safe.
 */
#ifndef MTV_RECORDER_CASSETTE_H
#define MTV_RECORDER_CASSETTE_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stddef.h>

#include "net/http.h"
#include "util/err.h"

typedef struct cassette_entry {
    size_t offset, length;    /* the entry's JSON within the cassette text */
    size_t response_offset, response_length;   /* its "response" object */
    size_t timings_offset, timings_length;     /* its "timings" object (length 0: none) */
    long long seq;            /* _seq, or the position when absent */
    const char *key;          /* _key or computed */
    const char *method, *url, *upstream;
    const char *error;        /* _error or NULL */
    long status;
    long long t_ms;           /* _t_ms, or -1 */
    double time_ms;           /* entry time */
    int has_stream;           /* _stream present */
    int has_custom;           /* _custom present */
    char *strings;            /* owns key/method/url/upstream/error */
    _Atomic(cJSON *) json;    /* parsed on demand */
} cassette_entry;

typedef struct cassette {
    char *name;               /* file name for messages */
    char *text;               /* the HAR text (owned) */
    size_t bytes;
    cassette_entry *entries;  /* in file order */
    size_t count;
    cJSON *meta;              /* log._cassette, or NULL */
    cJSON *variables;         /* log._variables, or NULL */
} cassette;

int cassette_parse(cassette *c, const char *name, const char *text, size_t n, mtv_err *err);
/* A .har file or a bundle. */
int cassette_load(cassette *c, const char *path, mtv_err *err);
void cassette_free(cassette *c);

/* The entry's JSON (parsed on first use, then shared). NULL never happens
 * for an entry the loader accepted, except when memory runs out. */
const cJSON *cassette_entry_json(const cassette *c, const cassette_entry *e);
/* entry._stream and entry._custom, or NULL. */
const cJSON *cassette_entry_stream(const cassette *c, const cassette_entry *e);
const cJSON *cassette_entry_custom(const cassette *c, const cassette_entry *e);

/* Fills resp (status, reason, version, headers, decoded body) from an entry.
 * Stream entries get an empty body (frames come from cassette_entry_stream). */
int cassette_entry_response(const cassette *c, const cassette_entry *e, http_response *resp,
                            mtv_err *err);
/* The recorded request body (decoded), for near-miss reports. */
void cassette_entry_request_body(const cassette *c, const cassette_entry *e, strbuf *out);

#endif
