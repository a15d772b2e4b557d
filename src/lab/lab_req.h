/*
 * lab_req: one HTTP exchange as the lab's handlers see it, independent of
 * the HTTP library underneath.
 *
 * Handlers take a lab_req and fill a lab_resp; lab_httpd converts to and
 * from libmicrohttpd, and tests build requests directly, so every API
 * behaviour can be tested without a socket. A response is a buffered body,
 * a stream (watch: the read callback may block up to wait_ms and is called
 * until it reports the end), or a protocol upgrade (the callback gets the
 * raw, already-decrypted socket on its own thread; for KubeVirt's
 * portforward/console subresources).
 *
 * Ownership: a lab_req owns its strings (lab_req_release); a lab_resp owns
 * its body, headers and stream/upgrade contexts (freed through the given
 * free functions by lab_resp_release or by the transport once done).
 */
#ifndef MTV_LAB_REQ_H
#define MTV_LAB_REQ_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/strbuf.h"

typedef struct lab_kv {
    char *key;
    char *value;
} lab_kv;

typedef struct lab_req {
    char *method;
    char *path;            /* decoded, without the query */
    lab_kv *query;         /* decoded */
    size_t nquery;
    lab_kv *headers;
    size_t nheaders;
    char *body;
    size_t body_len;
    char *user;            /* authenticated user, set by the auth layer */
    char *host;            /* Host header value, for absolute URLs */
} lab_req;

/* target is "PATH[?QUERY]" with the query percent-encoded. */
void lab_req_init(lab_req *r, const char *method, const char *target);
void lab_req_add_query(lab_req *r, const char *key, const char *value);
void lab_req_add_header(lab_req *r, const char *key, const char *value);
void lab_req_set_body(lab_req *r, const void *body, size_t n);
void lab_req_set_user(lab_req *r, const char *user);
/* Last value of a query parameter / first of a header (case-insensitive); NULL if absent. */
const char *lab_req_query(const lab_req *r, const char *key);
const char *lab_req_header(const lab_req *r, const char *name);
void lab_req_release(lab_req *r);

/* > 0 bytes written to buf; 0 nothing within wait_ms (call again); -1 end. */
typedef long (*lab_stream_read)(void *ctx, char *buf, size_t max, int wait_ms);
/* Runs on a thread of its own with the upgraded socket; returns when done
 * (the transport then closes the socket). extra holds bytes the client
 * sent after the request head. */
typedef void (*lab_upgrade_fn)(void *ctx, int fd, const char *extra, size_t extra_len);

/* Transport-level misbehaviour a response can ask for (API faults). */
enum lab_resp_fault {
    LAB_RESP_FAULT_NONE = 0,
    LAB_RESP_FAULT_RESET,     /* close the connection without answering */
    LAB_RESP_FAULT_TRUNCATE,  /* announce the full length, close halfway through the body */
    LAB_RESP_FAULT_SLOW,      /* send the body in small chunks, fault_arg ms apart */
    LAB_RESP_FAULT_DROP,      /* end a stream abruptly after fault_arg chunks */
};

typedef struct lab_resp {
    int status;
    enum lab_resp_fault fault;
    long fault_arg;
    strbuf body;
    lab_kv *headers;
    size_t nheaders;
    lab_stream_read stream;
    void *stream_ctx;
    void (*stream_free)(void *ctx);
    lab_upgrade_fn upgrade;
    void *upgrade_ctx;
    void (*upgrade_free)(void *ctx);
} lab_resp;

void lab_resp_init(lab_resp *r);
void lab_resp_release(lab_resp *r);
void lab_resp_header(lab_resp *r, const char *key, const char *value);
const char *lab_resp_header_get(const lab_resp *r, const char *key);
/* Replaces the body with JSON of obj (not consumed); sets Content-Type. */
void lab_resp_json(lab_resp *r, int status, const cJSON *obj);
void lab_resp_raw(lab_resp *r, int status, const char *content_type, const void *data, size_t n);
/* A Status object (consumed); the HTTP code is its "code". */
void lab_resp_status(lab_resp *r, cJSON *status);
void lab_resp_stream(lab_resp *r, int status, const char *content_type, lab_stream_read read,
                     void *ctx, void (*ctx_free)(void *));
void lab_resp_upgrade(lab_resp *r, const char *protocol, lab_upgrade_fn fn, void *ctx,
                      void (*ctx_free)(void *));

/* A handler fills resp for req. */
typedef void (*lab_handler)(void *ud, lab_req *req, lab_resp *resp);

#endif
