/* jira_client: see jira_client.h. */
#include "reporters/jira_client.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct jira_client {
    const jira_config *cfg;
    transport *t;
    int own_transport;
    net_endpoint ep;
    FILE *dry;                 /* dry run output, or NULL */
};

void jira_reply_free(jira_reply *r)
{
    if (!r)
        return;
    cJSON_Delete(r->json);
    free(r->retry_after);
    memset(r, 0, sizeof *r);
}

int jira_client_new(jira_client **out, const jira_config *cfg, transport *t, mtv_err *err)
{
    *out = NULL;
    jira_client *jc = calloc(1, sizeof *jc);
    if (!jc)
        abort();
    jc->cfg = cfg;
    jc->t = t;
    if (!t) {
        transport_config tc = {.mode = TRANSPORT_LIVE, .secrets = cfg->secrets, .scenario = "jira"};
        if (transport_open(&jc->t, &tc, err) < 0) {
            free(jc);
            return -1;
        }
        jc->own_transport = 1;
    }
    net_endpoint *ep = &jc->ep;
    net_endpoint_init(ep);
    ep->base_url = cfg->url;
    ep->tls.ca_file = cfg->ca_file;
    ep->tls.insecure = !cfg->verify_tls;
    ep->total_timeout_ms = cfg->timeout_s * 1000;
    ep->retry.max_attempts = (int)cfg->retries + 1;
    ep->retry.base_delay_ms = (long)(cfg->backoff_s * 1000) > 0 ? (long)(cfg->backoff_s * 1000) : 1;
    ep->retry.max_retry_after_ms = 60000;
    if (cfg->token && cfg->username) {
        ep->auth = NET_AUTH_BASIC;            /* Cloud: e-mail + API token */
        ep->username = cfg->username;
        ep->password = cfg->token;
    } else if (cfg->token) {
        ep->auth = NET_AUTH_BEARER;           /* Data Center personal access token */
        ep->token = cfg->token;
    } else if (cfg->username && cfg->password) {
        ep->auth = NET_AUTH_BASIC;
        ep->username = cfg->username;
        ep->password = cfg->password;
    }
    if (cfg->token)
        transport_secret(jc->t, "jira.token", cfg->token);
    if (cfg->password)
        transport_secret(jc->t, "jira.password", cfg->password);
    *out = jc;
    return 0;
}

void jira_client_free(jira_client *jc)
{
    if (!jc)
        return;
    if (jc->own_transport)
        transport_free(jc->t);
    free(jc);
}

void jira_client_set_dry_run(jira_client *jc, FILE *out)
{
    jc->dry = out;
}

int jira_client_dry_run(const jira_client *jc)
{
    return jc->dry != NULL;
}

const jira_config *jira_client_config(const jira_client *jc)
{
    return jc->cfg;
}

int jira_client_is_cloud(const jira_client *jc)
{
    return jc->cfg->deployment == JIRA_DEPLOY_CLOUD;
}

transport *jira_client_transport(jira_client *jc)
{
    return jc->t;
}

const char *jira_client_api(const jira_client *jc)
{
    return jira_client_is_cloud(jc) ? "/rest/api/3" : "/rest/api/2";
}

void jira_browse_url(const jira_client *jc, const char *key, strbuf *out)
{
    sb_addf(out, "%s/browse/%s", jc->cfg->url, key);
}

void jira_jql_quote(strbuf *out, const char *s)
{
    sb_addc(out, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_addc(out, '\\');
        sb_addc(out, *p);
    }
    sb_addc(out, '"');
}

/* ---- one exchange ----------------------------------------------------------- */

/* Masks through every registry the client knows: the configuration's, the
 * transport's and the logger's (each may hold values the others lack). */
static void mask_all(const jira_client *jc, const char *in, size_t n, strbuf *out)
{
    const secret_registry *regs[] = {jc->cfg->secrets, transport_secrets(jc->t), log_secrets()};
    strbuf cur = STRBUF_INIT, next = STRBUF_INIT;
    sb_add(&cur, in, n);
    for (size_t i = 0; i < 3; i++) {
        if (!regs[i] || (i > 0 && regs[i] == regs[i - 1]))
            continue;
        sb_reset(&next);
        secrets_mask(regs[i], sb_str(&cur), cur.len, &next);
        strbuf t = cur;
        cur = next;
        next = t;
    }
    sb_add(out, sb_str(&cur), cur.len);
    sb_release(&cur);
    sb_release(&next);
}

static void dry_print(jira_client *jc, const http_request *req, const char *note)
{
    strbuf text = STRBUF_INIT, masked = STRBUF_INIT;
    sb_addf(&text, "[dry run] %s %s%s\n", req->method, sb_str(&req->url), note);
    const char *ct = http_headers_get(&req->headers, "Content-Type");
    if (req->body.len && ct && strstr(ct, "json")) {
        cJSON *j = cJSON_ParseWithLength(req->body.buf, req->body.len);
        char *pretty = j ? cJSON_Print(j) : NULL;
        sb_adds(&text, pretty ? pretty : sb_str(&req->body));
        sb_addc(&text, '\n');
        cJSON_free(pretty);
        cJSON_Delete(j);
    } else if (req->body.len) {
        sb_addf(&text, "(%zu bytes of %s)\n", req->body.len, ct ? ct : "data");
    }
    mask_all(jc, sb_str(&text), text.len, &masked);
    fputs(sb_str(&masked), jc->dry);
    fflush(jc->dry);
    sb_release(&text);
    sb_release(&masked);
}

/* "HTTP 400: Field 'x' is required; summary: too long" from Jira's error body. */
static void describe_error(const http_response *resp, const cJSON *json, strbuf *out)
{
    sb_addf(out, "HTTP %ld", resp->status);
    if (resp->reason && *resp->reason)
        sb_addf(out, " %s", resp->reason);
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(json, "errorMessages");
    const cJSON *errs = cJSON_GetObjectItemCaseSensitive(json, "errors");
    int any = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, msgs) if (cJSON_IsString(m)) {
        sb_addf(out, "%s%s", any++ ? "; " : ": ", m->valuestring);
    }
    cJSON_ArrayForEach(m, errs) if (cJSON_IsString(m)) {
        sb_addf(out, "%s%s: %s", any++ ? "; " : ": ", m->string, m->valuestring);
    }
    if (!any && resp->body.len) {
        const char *ct = http_headers_get(&resp->headers, "Content-Type");
        if (ct && strstr(ct, "html"))
            sb_adds(out, ": an HTML page instead of JSON (a login or proxy page?)");
        else
            sb_addf(out, ": %.200s", sb_str(&resp->body));
    }
}

static int exchange(jira_client *jc, http_request *req, int flags, jira_reply *reply, mtv_err *err)
{
    memset(reply, 0, sizeof *reply);
    if (jc->dry && (flags & JIRA_WRITE)) {
        dry_print(jc, req, " (not sent)");
        return 0;
    }
    if (jc->dry)
        dry_print(jc, req, " (read: sent)");
    req->retry_safe = (flags & JIRA_WRITE) ? (flags & JIRA_IDEMPOTENT) != 0 : 1;
    int attempts = (flags & JIRA_ONCE) || !(flags & JIRA_WRITE) || (flags & JIRA_IDEMPOTENT) ? 1 : 4;
    http_response resp = {0};
    int rc = -1;
    for (int n = 1;; n++) {
        http_response_free(&resp);
        rc = transport_send(jc->t, req, &resp, err);
        if (rc < 0 || n >= attempts || (resp.status != 429 && resp.status != 503))
            break;
        /* 429 and 503 mean "not processed": safe to send a comment again */
        long wait = http_retry_after_ms(http_headers_get(&resp.headers, "Retry-After"),
                                        clock_now_ms(transport_clock(jc->t)));
        if (wait < 0)
            wait = 1000L << (n - 1);
        if (wait > 60000)
            wait = 60000;
        log_info("jira: %s %s answered %ld; trying again in %ld ms", req->method, req->url.buf, resp.status,
                 wait);
        clock_sleep_ms(transport_clock(jc->t), wait);
    }
    reply->sent = 1;
    /* messages name the call without its query (long JQL says little) */
    const char *q = strchr(sb_str(&req->url), '?');
    int url_len = q ? (int)(q - req->url.buf) : (int)req->url.len;
    if (rc < 0) {
        mtv_err_prefix(err, "Jira %s %.*s", req->method, url_len, sb_str(&req->url));
        http_response_free(&resp);
        return -1;
    }
    reply->status = resp.status;
    const char *ra = http_headers_get(&resp.headers, "Retry-After");
    if (ra) {
        reply->retry_after = strdup(ra);
        if (!reply->retry_after)
            abort();
    }
    if (resp.body.len)
        reply->json = cJSON_ParseWithLength(resp.body.buf, resp.body.len);
    if (resp.status >= 200 && resp.status < 300) {
        http_response_free(&resp);
        return 0;
    }
    strbuf why = STRBUF_INIT;
    describe_error(&resp, reply->json, &why);
    if (resp.status == 401)
        sb_adds(&why, " (check username and token; Cloud takes e-mail + API token, Data Center a "
                      "personal access token alone)");
    mtv_err_set(err, MTV_EXIT_ENV, "Jira %s %.*s: %s", req->method, url_len, sb_str(&req->url), why.buf);
    sb_release(&why);
    http_response_free(&resp);
    return -1;
}

static void build(jira_client *jc, http_request *req, const char *method, const char *path,
                  const char *const *query)
{
    http_request_init(req, &jc->ep, "jira", method, path);
    for (size_t i = 0; query && query[i]; i += 2)
        http_request_query(req, query[i], query[i + 1] ? query[i + 1] : "");
    http_headers_set(&req->headers, "Accept", "application/json");
}

int jira_call(jira_client *jc, const char *method, const char *path, const char *const *query,
              const cJSON *body, int flags, jira_reply *reply, mtv_err *err)
{
    http_request req;
    build(jc, &req, method, path, query);
    if (body) {
        char *text = cJSON_PrintUnformatted(body);
        if (!text)
            abort();
        /* the last line of defence: no JSON sent to Jira carries a known
         * secret, whatever field it came through */
        strbuf masked = STRBUF_INIT;
        mask_all(jc, text, strlen(text), &masked);
        http_request_body(&req, "application/json", sb_str(&masked), masked.len);
        sb_release(&masked);
        cJSON_free(text);
    }
    int rc = exchange(jc, &req, flags, reply, err);
    http_request_free(&req);
    return rc;
}

int jira_call_upload(jira_client *jc, const char *path, const char *filename, const void *data,
                     size_t n, int flags, jira_reply *reply, mtv_err *err)
{
    http_request req;
    build(jc, &req, "POST", path, NULL);
    /* Jira refuses uploads without this header (XSRF protection) */
    http_headers_set(&req.headers, "X-Atlassian-Token", "no-check");
    strbuf boundary = STRBUF_INIT, body = STRBUF_INIT, ct = STRBUF_INIT, safe = STRBUF_INIT;
    rand_name(transport_rand(jc->t), "mtv-validate-boundary", 24, &boundary);
    for (const char *p = filename; *p; p++)
        sb_addc(&safe, *p == '"' || *p == '\\' || (unsigned char)*p < 0x20 ? '_' : *p);
    sb_addf(&body, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                   "Content-Type: application/octet-stream\r\n\r\n",
            boundary.buf, safe.buf);
    sb_add(&body, data, n);
    sb_addf(&body, "\r\n--%s--\r\n", boundary.buf);
    sb_addf(&ct, "multipart/form-data; boundary=%s", boundary.buf);
    http_request_body(&req, ct.buf, body.buf, body.len);
    int rc = exchange(jc, &req, flags, reply, err);
    sb_release(&boundary);
    sb_release(&body);
    sb_release(&ct);
    sb_release(&safe);
    http_request_free(&req);
    return rc;
}

/* ---- search ------------------------------------------------------------------- */

#define MAX_PAGES 20

static void take_issues(cJSON *all, const cJSON *reply, size_t max, size_t *got, size_t *page_len)
{
    const cJSON *issues = cJSON_GetObjectItemCaseSensitive(reply, "issues");
    *page_len = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, issues)
    {
        (*page_len)++;
        if (*got < max && cJSON_IsObject(it)) {
            cJSON_AddItemToArray(all, cJSON_Duplicate(it, 1));
            (*got)++;
        }
    }
}

int jira_search(jira_client *jc, const char *jql, const char *fields, size_t max_issues,
                int keys_lookup, cJSON **issues, mtv_err *err)
{
    cJSON *all = cJSON_CreateArray();
    size_t got = 0;
    char path[64];
    snprintf(path, sizeof path, "%s/%s", jira_client_api(jc), jira_client_is_cloud(jc) ? "search/jql" : "search");
    char *token = NULL;
    long start = 0;
    int rc = 0;
    for (int page = 0; page < MAX_PAGES && got < max_issues; page++) {
        char max_s[24], start_s[24];
        size_t want = max_issues - got < 100 ? max_issues - got : 100;
        snprintf(max_s, sizeof max_s, "%zu", want);
        snprintf(start_s, sizeof start_s, "%ld", start);
        const char *q[12];
        size_t k = 0;
        q[k++] = "jql", q[k++] = jql, q[k++] = "fields", q[k++] = fields, q[k++] = "maxResults", q[k++] = max_s;
        if (jira_client_is_cloud(jc)) {
            if (token)
                q[k++] = "nextPageToken", q[k++] = token;
        } else {
            q[k++] = "startAt", q[k++] = start_s;
            if (keys_lookup)
                q[k++] = "validateQuery", q[k++] = "false";
        }
        q[k] = NULL;
        jira_reply r;
        if (jira_call(jc, "GET", path, q, NULL, JIRA_READ, &r, err) < 0) {
            jira_reply_free(&r);
            rc = -1;
            break;
        }
        if (!cJSON_IsObject(r.json)) {
            jira_reply_free(&r);
            rc = mtv_err_set(err, MTV_EXIT_ENV, "Jira GET %s: the answer is not a JSON object", path);
            break;
        }
        size_t page_len;
        take_issues(all, r.json, max_issues, &got, &page_len);
        int last;
        if (jira_client_is_cloud(jc)) {
            const cJSON *next = cJSON_GetObjectItemCaseSensitive(r.json, "nextPageToken");
            const cJSON *is_last = cJSON_GetObjectItemCaseSensitive(r.json, "isLast");
            last = cJSON_IsTrue(is_last) || !cJSON_IsString(next) || !*next->valuestring || page_len == 0;
            free(token);
            token = last ? NULL : strdup(next->valuestring);
        } else {
            const cJSON *total = cJSON_GetObjectItemCaseSensitive(r.json, "total");
            start += (long)page_len;
            last = page_len == 0 || !cJSON_IsNumber(total) || start >= total->valuedouble;
        }
        jira_reply_free(&r);
        if (last)
            break;
    }
    free(token);
    if (rc < 0) {
        cJSON_Delete(all);
        *issues = NULL;
        return -1;
    }
    *issues = all;
    return 0;
}

int jira_fetch_issues(jira_client *jc, const char *const *keys, size_t n, const char *fields,
                      cJSON **issues, mtv_err *err)
{
    cJSON *all = cJSON_CreateArray();
    for (size_t at = 0; at < n; at += 100) {
        size_t chunk = n - at < 100 ? n - at : 100;
        cJSON *part = NULL;
        int rc;
        if (jira_client_is_cloud(jc)) {
            cJSON *body = cJSON_CreateObject();
            cJSON *ks = cJSON_AddArrayToObject(body, "issueIdsOrKeys");
            for (size_t i = 0; i < chunk; i++)
                cJSON_AddItemToArray(ks, cJSON_CreateString(keys[at + i]));
            cJSON *fs = cJSON_AddArrayToObject(body, "fields");
            const char *p = fields;
            while (*p) {
                size_t len = strcspn(p, ",");
                char *f = strndup(p, len);
                if (!f)
                    abort();
                cJSON_AddItemToArray(fs, cJSON_CreateString(f));
                free(f);
                p += len + (p[len] ? 1 : 0);
            }
            char path[64];
            snprintf(path, sizeof path, "%s/issue/bulkfetch", jira_client_api(jc));
            jira_reply r;
            rc = jira_call(jc, "POST", path, NULL, body, JIRA_READ, &r, err);
            cJSON_Delete(body);
            if (rc == 0) {
                part = cJSON_DetachItemFromObjectCaseSensitive(r.json, "issues");
                if (!cJSON_IsArray(part)) {
                    cJSON_Delete(part);
                    part = cJSON_CreateArray();
                }
                const cJSON *e;
                cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r.json, "issueErrors"))
                {
                    const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
                    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "errorMessage");
                    log_warn("jira: bulk fetch could not return %s: %s",
                             cJSON_IsString(id) ? id->valuestring : "an issue",
                             cJSON_IsString(msg) ? msg->valuestring : "no reason given");
                }
            }
            jira_reply_free(&r);
        } else {
            strbuf jql = STRBUF_INIT;
            sb_adds(&jql, "key in (");
            for (size_t i = 0; i < chunk; i++) {
                if (i)
                    sb_adds(&jql, ", ");
                jira_jql_quote(&jql, keys[at + i]);
            }
            sb_addc(&jql, ')');
            rc = jira_search(jc, jql.buf, fields, chunk, 1, &part, err);
            sb_release(&jql);
        }
        if (rc < 0) {
            cJSON_Delete(all);
            *issues = NULL;
            return -1;
        }
        cJSON *it;
        while ((it = cJSON_DetachItemFromArray(part, 0)))
            cJSON_AddItemToArray(all, it);
        cJSON_Delete(part);
    }
    *issues = all;
    return 0;
}
