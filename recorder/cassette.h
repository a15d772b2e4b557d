/*
 * cassette: a HAR cassette loaded for reading (replay, show, diff, verify).
 *
 * Accepts a HAR file (optionally with a UTF-8 BOM) or a bundle (the tar is
 * sniffed; its cassette.har is read). Loading parses once and checks only
 * what replay relies on, with errors that name the entry and field
 * ("cassette.har: /log/entries/12/response/status: expected a number");
 * bodies stay in the tree and are decoded only when an entry is served.
 * Entries without `_key` (foreign HAR files) get one computed from their
 * request, so any HAR can be replayed.
 *
 * Ownership: the cassette owns the tree; entries point into it.
 */
#ifndef MTV_RECORDER_CASSETTE_H
#define MTV_RECORDER_CASSETTE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "net/http.h"
#include "util/err.h"

typedef struct cassette_entry {
    const cJSON *json;        /* the HAR entry */
    long long seq;            /* _seq, or the position when absent */
    const char *key;          /* _key or computed */
    char *owned_key;          /* set when computed */
    const char *method, *url, *upstream;
    long status;
    long long t_ms;           /* _t_ms, or -1 */
    double time_ms;           /* entry time */
    const cJSON *stream;      /* _stream or NULL */
    const cJSON *custom;      /* _custom or NULL */
    const char *error;        /* _error or NULL */
} cassette_entry;

typedef struct cassette {
    char *name;               /* file name for messages */
    cJSON *root;
    cassette_entry *entries;  /* in file order */
    size_t count;
    const cJSON *variables;   /* log._variables or NULL */
    size_t bytes;             /* size of the HAR text */
} cassette;

int cassette_parse(cassette *c, const char *name, const char *text, size_t n, mtv_err *err);
/* A .har file or a bundle. */
int cassette_load(cassette *c, const char *path, mtv_err *err);
void cassette_free(cassette *c);

/* Fills resp (status, reason, version, headers, decoded body) from an entry.
 * Stream entries get an empty body (frames come from cassette_frame_*). */
int cassette_entry_response(const cassette *c, const cassette_entry *e, http_response *resp,
                            mtv_err *err);
/* The recorded request body (decoded), for near-miss reports. */
void cassette_entry_request_body(const cassette_entry *e, strbuf *out);

#endif
