/*
 * lab_api_int: what lab_api.c (routing, verbs) and lab_api_watch.c (watch
 * streams) share. Private to those two files.
 */
#ifndef MTV_LAB_API_INT_H
#define MTV_LAB_API_INT_H

#include "lab/lab_api.h"
#include "lab/lab_openapi.h"
#include "lab/lab_select.h"
#include "lab/lab_table.h"

typedef struct lab_subres {
    char *group, *plural, *name;
    lab_subresource_fn fn;
    void *ud;
} lab_subres;

struct lab_api {
    lab_store *store;
    const lab_kinds *kinds;
    lab_openapi *openapi;
    char *server_address;
    int bookmark_ms;
    char *kube_minor;
    lab_subres *subs;
    size_t nsubs;
};

/* How the client wants objects back. */
typedef enum { LAB_FMT_JSON, LAB_FMT_TABLE, LAB_FMT_META } lab_format;

typedef struct lab_watch_params {
    const lab_kind *kind;
    const char *ns;                   /* NULL = all */
    lab_selector labels, fields;      /* moved into the stream */
    const char *resource_version;
    int send_initial;
    int bookmarks;
    long timeout_s;                   /* 0 = until the client leaves */
    lab_format format;
    lab_include include;
} lab_watch_params;

/* Starts the stream on resp (or answers with an error Status). Consumes the
 * selectors in p. */
void lab_api_watch(lab_api *api, lab_watch_params *p, lab_resp *resp);

#endif
