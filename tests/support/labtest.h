/*
 * labtest: a running lab with MTV for unit tests: start one (HTTPS on a
 * free loopback port, the Forklift CRDs from ../shared when present, a
 * world, faults, speed), create, read, patch and wait for objects through
 * the store, and talk HTTP to it with curl verifying the lab's CA. Every
 * helper asserts, so tests read as the steps they take.
 */
#ifndef MTV_LABTEST_H
#define MTV_LABTEST_H

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "lab/lab_mtv.h"
#include "lab/lab_server.h"
#include "util/strbuf.h"

typedef struct labtest_opts {
    const char *world_json;     /* NULL = built-in world */
    const char *faults_json;    /* NULL = none */
    double speed;               /* 0 = 1000 */
    const char *ssh_target;
    const char *guest_dir;      /* answering guests' folder (sshp_start_guests); NULL = none */
    const char *vsphere_url;
    const char *openshift_version; /* NULL = the lab's default */
} labtest_opts;

typedef struct labtest {
    lab_server *srv;
    lab_mtv *mtv;
    char dir[4096];
    char ca[4200];
} labtest;

void labtest_start(labtest *t, const labtest_opts *o);
void labtest_stop(labtest *t);

/* Objects by group/version/plural ("" = core). */
cJSON *labtest_get(labtest *t, const char *gvp, const char *ns, const char *name);
/* "group/version/plural" or "v1/plural" helpers take this form. Creates
 * the object written as JSON (printf-style); returns its name. */
char *labtest_create(labtest *t, const char *gvp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The HTTP code of a create that is expected to fail (and its message). */
int labtest_create_code(labtest *t, const char *gvp, const char *json, strbuf *message);
void labtest_patch(labtest *t, const char *gvp, const char *ns, const char *name,
                   const char *merge_patch);
void labtest_delete(labtest *t, const char *gvp, const char *ns, const char *name);
/* Waits until status.conditions has a condition of that type (or the
 * object satisfies the JSON path test); returns the object or fails. */
cJSON *labtest_wait_cond(labtest *t, const char *gvp, const char *ns, const char *name,
                         const char *type, int timeout_ms);
/* Waits until the string at a dotted path equals want. */
cJSON *labtest_wait_str(labtest *t, const char *gvp, const char *ns, const char *name,
                        const char *path, const char *want, int timeout_ms);
int labtest_has_cond(const cJSON *obj, const char *type);
const cJSON *labtest_cond(const cJSON *obj, const char *type);
const cJSON *labtest_path(const cJSON *obj, const char *dotted);

/* The standard sources: an oVirt Provider "rhv" (the lab's credentials),
 * a vSphere Provider "vsphere" served from the world, maps "<p>-net" and
 * "<p>-sto" for both, all Ready. */
void labtest_sources(labtest *t);

/* Asserts that every key of sample (minus the NULL-terminated ignore
 * list, top level only) exists in lab with the same JSON type (any type
 * where the sample has null), recursively; arrays compare their first
 * elements. path names the place in messages. */
void labtest_json_covers(const cJSON *sample, const cJSON *lab, const char *path,
                         const char *const *ignore);

typedef struct labtest_reply {
    long code;                  /* HTTP code, or -CURLcode when the exchange failed */
    strbuf body, headers;
    int writes;                 /* how many pieces the body arrived in */
} labtest_reply;

labtest_reply labtest_http(labtest *t, const char *method, const char *path, const char *body,
                           const char *content_type);
/* The same with the given header lines instead of the lab's bearer token. */
labtest_reply labtest_http_headers(labtest *t, const char *method, const char *path,
                                   const char *body, const char *const *headers);
void labtest_reply_free(labtest_reply *r);

#endif
