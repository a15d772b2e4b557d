/*
 * lab_server: one simulated cluster API, assembled.
 *
 * Builds the kind registry (built-ins plus --crds), the store (seeded with
 * the default, kube-system and kube-public namespaces and the loaded CRD
 * objects), the REST API, authentication and the HTTPS listener, then
 * writes the files a client needs into the state folder:
 *
 *   kubeconfig  server URL, CA data and the admin bearer token (mode 0600)
 *   ca.crt      the lab CA certificate
 *   lab.json    url, paths, and the OAuth login user and password (0600)
 *
 * Extension points for the rest of the lab (controller, inventory,
 * sources): lab_server_store (write hooks, admission, direct writes),
 * lab_server_api (subresource handlers), lab_server_httpd (extra routes),
 * and lab_server_state_dir for files of their own. Register them between
 * lab_server_new and lab_server_start.
 */
#ifndef MTV_LAB_SERVER_H
#define MTV_LAB_SERVER_H

#include <stddef.h>
#include <time.h>

#include "lab/lab_api.h"
#include "lab/lab_auth.h"
#include "lab/lab_httpd.h"
#include "lab/lab_kinds.h"
#include "lab/lab_store.h"
#include "util/err.h"

typedef struct lab_server_config {
    const char *listen;             /* "HOST:PORT", "[V6]:PORT", ":PORT"; NULL = 127.0.0.1:0 */
    const char *crds_dir;           /* NULL = built-in kinds, forklift kinds schemaless */
    const char *state_dir;          /* NULL = write no files */
    int plain_http;                 /* serve http:// (no TLS) */
    const char *username;           /* OAuth login user; NULL = kubeadmin */
    int bookmark_interval_ms;       /* 0 = 60 s */
    size_t event_window;            /* 0 = 10000 events */
    const char *kube_minor;         /* /version minor; NULL = "32" */
    time_t (*now)(void *ud);        /* the lab's clock (timestamps, ages); NULL = time() */
    void *now_ud;
} lab_server_config;

typedef struct lab_server lab_server;

int lab_server_new(const lab_server_config *cfg, lab_server **out, mtv_err *err);
/* Binds, starts serving, writes the state files. */
int lab_server_start(lab_server *s, mtv_err *err);
/* Stops serving; watches end. Safe to call twice. */
void lab_server_stop(lab_server *s);
void lab_server_free(lab_server *s);

const char *lab_server_url(const lab_server *s);          /* after start */
int lab_server_port(const lab_server *s);
const char *lab_server_token(const lab_server *s);
const char *lab_server_ca_pem(const lab_server *s);       /* NULL with plain HTTP */
const char *lab_server_state_dir(const lab_server *s);
const char *lab_server_kubeconfig_path(const lab_server *s); /* NULL without a state dir */
int lab_server_crd_count(const lab_server *s);

lab_store *lab_server_store(lab_server *s);
lab_api *lab_server_api(lab_server *s);
lab_httpd *lab_server_httpd(lab_server *s);
lab_auth *lab_server_auth(lab_server *s);
const lab_kinds *lab_server_kinds(const lab_server *s);

/* Splits a --listen value. host is malloc'd. Returns 0 or -1 with err. */
int lab_parse_listen(const char *listen, char **host, int *port, mtv_err *err);

#endif
