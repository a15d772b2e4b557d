/*
 * jira_client: the one way mtv-validate talks to Jira, over net/transport
 * (upstream "jira", so a recorded run keeps its Jira exchanges too).
 *
 * It hides what differs between the two deployments:
 *
 *   Cloud        https://<site>.atlassian.net, REST v3, HTTP Basic with the
 *                account's e-mail and an API token, rich text as Atlassian
 *                Document Format, search at /rest/api/3/search/jql (token
 *                paging), several issues at once by /issue/bulkfetch;
 *   Data Center  REST v2, a personal access token as Bearer (or Basic user
 *                and password), rich text as wiki markup, search at
 *                /rest/api/2/search (offset paging; validateQuery=false so
 *                that a deleted key does not fail the whole search).
 *
 * Retries: reads are retried by the transport (connection errors, 429,
 * 502-504, honouring Retry-After); a write that cannot double an effect
 * (JIRA_IDEMPOTENT: a remote link with a globalId) likewise; other writes
 * (comments, attachments) only on 429 and 503, which mean the request was
 * not processed, after Retry-After; JIRA_ONCE writes (issue creation) are
 * never re-sent: the caller reconciles by searching.
 *
 * Dry run: writes are printed (method, URL, body; never headers) instead of
 * sent and answer as if accepted with status 0; reads are sent, so the
 * decisions shown are the real ones. Everything printed is masked.
 *
 * Ownership: the client borrows the config and the transport (or opens a
 * live transport of its own when given none); replies own their JSON.
 */
#ifndef MTV_REPORTERS_JIRA_CLIENT_H
#define MTV_REPORTERS_JIRA_CLIENT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "net/transport.h"
#include "reporters/jira_config.h"
#include "util/err.h"
#include "util/strbuf.h"

typedef struct jira_client jira_client;

enum jira_call_flags {
    JIRA_READ = 0,            /* reads (GET, or bulkfetch's POST): always sent */
    JIRA_WRITE = 1 << 0,      /* changes Jira: a dry run prints it instead */
    JIRA_IDEMPOTENT = 1 << 1, /* with WRITE: repeating it cannot double an effect */
    JIRA_ONCE = 1 << 2,       /* with WRITE: never re-sent, not even after 429/503 */
};

typedef struct jira_reply {
    long status;              /* HTTP status; 0 when nothing arrived or not sent (dry run) */
    cJSON *json;              /* the body when it is JSON; owned (jira_reply_free) */
    char *retry_after;        /* the Retry-After header, if any; owned */
    int sent;                 /* 0 for a dry run's write */
} jira_reply;

void jira_reply_free(jira_reply *r);

/* t may be NULL: a live transport of the client's own is opened. */
int jira_client_new(jira_client **out, const jira_config *cfg, transport *t, mtv_err *err);
void jira_client_free(jira_client *jc);

/* Writes are printed to out instead of sent (NULL turns the dry run off). */
void jira_client_set_dry_run(jira_client *jc, FILE *out);
int jira_client_dry_run(const jira_client *jc);

const jira_config *jira_client_config(const jira_client *jc);
int jira_client_is_cloud(const jira_client *jc);
transport *jira_client_transport(jira_client *jc);
/* "/rest/api/3" (Cloud) or "/rest/api/2" (Data Center). */
const char *jira_client_api(const jira_client *jc);
/* "<url>/browse/<key>": what a skip or xfail reason shows. */
void jira_browse_url(const jira_client *jc, const char *key, strbuf *out);

/*
 * One call. path is absolute on the site ("/rest/api/2/issue"); query is
 * NULL or name, value pairs ending with NULL; body (may be NULL) is sent as
 * JSON. Returns 0 on a 2xx answer (or a dry run's write), else -1 with err
 * naming the method, the path and Jira's own error text
 * ("errorMessages" and "errors"); reply->status tells which.
 */
int jira_call(jira_client *jc, const char *method, const char *path, const char *const *query,
              const cJSON *body, int flags, jira_reply *reply, mtv_err *err);

/* A multipart/form-data upload of one file as part "file" (attachments). */
int jira_call_upload(jira_client *jc, const char *path, const char *filename, const void *data,
                     size_t n, int flags, jira_reply *reply, mtv_err *err);

/*
 * A JQL search, every page up to max_issues (and at most 20 pages), asking
 * for fields (comma-separated). *issues is a new JSON array of issue
 * objects (caller deletes). keys_only_validation = 1 passes
 * validateQuery=false on Data Center, where a missing key would otherwise
 * fail the search.
 */
int jira_search(jira_client *jc, const char *jql, const char *fields, size_t max_issues,
                int keys_lookup, cJSON **issues, mtv_err *err);

/* Issues by key, in one request per 100 keys (Cloud: bulkfetch; Data
 * Center: a key search). Keys Jira does not return are simply absent. */
int jira_fetch_issues(jira_client *jc, const char *const *keys, size_t n, const char *fields,
                      cJSON **issues, mtv_err *err);

/* Appends s quoted for JQL ("a \"b\"" with backslash escapes). */
void jira_jql_quote(strbuf *out, const char *s);

#endif
