/* jirastub: see jirastub.h. */
#include "jirastub.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"

typedef struct stub_issue {
    char key[32];
    char *status, *category, *resolution, *resolved_at;
    char **labels;
    size_t n_labels;
    char **comments;
    size_t n_comments;
    char **links;
    size_t n_links;
    size_t attachments;
    char *create_body;
    int created;
} stub_issue;

typedef struct stub_fail {
    char *method, *prefix, *retry_after;
    int status, left;
} stub_fail;

struct jirastub {
    ts_server *srv;
    int cloud;
    const char *api;
    pthread_mutex_t lock;
    stub_issue *issues;
    size_t n_issues;
    stub_fail fails[8];
    size_t n_fails;
    int next_id;
};

static char *dup0(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static void push(char ***arr, size_t *n, const char *s)
{
    *arr = realloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[(*n)++] = dup0(s);
}

static stub_issue *find(jirastub *j, const char *key)
{
    for (size_t i = 0; i < j->n_issues; i++)
        if (!strcmp(j->issues[i].key, key))
            return &j->issues[i];
    return NULL;
}

static stub_issue *add_issue(jirastub *j, const char *key)
{
    j->issues = realloc(j->issues, (j->n_issues + 1) * sizeof *j->issues);
    stub_issue *is = &j->issues[j->n_issues++];
    memset(is, 0, sizeof *is);
    snprintf(is->key, sizeof is->key, "%s", key);
    is->status = dup0("Open");
    is->category = dup0("new");
    return is;
}

static int has_label(const stub_issue *is, const char *l)
{
    for (size_t i = 0; i < is->n_labels; i++)
        if (!strcmp(is->labels[i], l))
            return 1;
    return 0;
}

static cJSON *issue_json(const stub_issue *is)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", is->key);
    cJSON_AddStringToObject(o, "key", is->key);
    cJSON *f = cJSON_AddObjectToObject(o, "fields");
    cJSON_AddStringToObject(f, "summary", "stub issue");
    cJSON *st = cJSON_AddObjectToObject(f, "status");
    cJSON_AddStringToObject(st, "name", is->status);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(st, "statusCategory"), "key", is->category);
    if (is->resolution)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(f, "resolution"), "name", is->resolution);
    else
        cJSON_AddNullToObject(f, "resolution");
    if (is->resolved_at)
        cJSON_AddStringToObject(f, "resolutiondate", is->resolved_at);
    cJSON *labels = cJSON_AddArrayToObject(f, "labels");
    for (size_t i = 0; i < is->n_labels; i++)
        cJSON_AddItemToArray(labels, cJSON_CreateString(is->labels[i]));
    cJSON_AddArrayToObject(f, "versions");
    cJSON_AddArrayToObject(f, "fixVersions");
    cJSON_AddArrayToObject(f, "components");
    return o;
}

/* The quoted strings inside "<word> in (...)" of jql. */
static size_t quoted_after(const char *jql, const char *word, char out[][64], size_t max)
{
    const char *p = strstr(jql, word);
    if (!p)
        return 0;
    p = strchr(p, '(');
    size_t n = 0;
    while (p && *p && *p != ')' && n < max) {
        const char *q = strchr(p, '"');
        if (!q)
            break;
        const char *e = strchr(q + 1, '"');
        if (!e)
            break;
        snprintf(out[n++], 64, "%.*s", (int)(e - q - 1), q + 1);
        p = e + 1;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return n;
}

static const char *query_param(const char *uri, const char *name, strbuf *out)
{
    const char *q = strchr(uri, '?');
    size_t nl = strlen(name);
    while (q && *q) {
        q++;
        if (!strncmp(q, name, nl) && q[nl] == '=') {
            const char *v = q + nl + 1;
            size_t len = strcspn(v, "&");
            url_decode(out, v, len, 1);
            return out->buf ? out->buf : "";
        }
        q = strchr(q, '&');
    }
    return NULL;
}

static void reply_json(ts_response *resp, int status, cJSON *body)
{
    char *text = cJSON_PrintUnformatted(body);
    resp->status = status;
    ts_resp_body(resp, "application/json", text, strlen(text));
    cJSON_free(text);
    cJSON_Delete(body);
}

static void search(jirastub *j, const char *jql, ts_response *resp)
{
    char keys[64][64], labels[64][64];
    size_t nk = quoted_after(jql, "key in", keys, 64);
    size_t nl = quoted_after(jql, "labels in", labels, 64);
    cJSON *body = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(body, "issues");
    for (size_t i = j->n_issues; i-- > 0;) {   /* newest first */
        const stub_issue *is = &j->issues[i];
        int hit = 0;
        for (size_t k = 0; k < nk; k++)
            hit |= !strcmp(keys[k], is->key);
        for (size_t k = 0; k < nl; k++)
            hit |= has_label(is, labels[k]);
        if (hit)
            cJSON_AddItemToArray(arr, issue_json(is));
    }
    if (j->cloud) {
        cJSON_AddBoolToObject(body, "isLast", 1);
    } else {
        cJSON_AddNumberToObject(body, "startAt", 0);
        cJSON_AddNumberToObject(body, "maxResults", 100);
        cJSON_AddNumberToObject(body, "total", cJSON_GetArraySize(arr));
    }
    reply_json(resp, 200, body);
}

static int take_fail(jirastub *j, const ts_request *req, ts_response *resp)
{
    for (size_t i = 0; i < j->n_fails; i++) {
        stub_fail *f = &j->fails[i];
        if (f->left <= 0 || strncmp(req->path, f->prefix, strlen(f->prefix)) != 0 ||
            (f->method && strcmp(f->method, req->method) != 0))
            continue;
        f->left--;
        if (f->status == 0)
            return 2;    /* process, then drop the answer */
        resp->status = f->status;
        if (f->retry_after)
            ts_resp_header(resp, "Retry-After", f->retry_after);
        ts_resp_body(resp, "application/json", "{\"errorMessages\":[\"stub: try later\"],\"errors\":{}}", 47);
        return 1;
    }
    return 0;
}

static void handle(void *ud, const ts_request *req, ts_response *resp)
{
    jirastub *j = ud;
    pthread_mutex_lock(&j->lock);
    int fail = take_fail(j, req, resp);
    if (fail == 1) {
        pthread_mutex_unlock(&j->lock);
        return;
    }
    char base[64];
    snprintf(base, sizeof base, "%s/", j->api);
    const char *p = req->path;
    strbuf q = STRBUF_INIT;
    if (strncmp(p, base, strlen(base)) != 0) {
        resp->status = 404;
        goto out;
    }
    p += strlen(base);
    if ((!strcmp(p, "search/jql") && j->cloud) || (!strcmp(p, "search") && !j->cloud)) {
        const char *jql = query_param(req->uri, "jql", &q);
        if (!jql) {
            reply_json(resp, 400, cJSON_Parse("{\"errorMessages\":[\"jql missing\"]}"));
            goto out;
        }
        search(j, jql, resp);
    } else if (!strcmp(p, "issue/bulkfetch") && j->cloud && !strcmp(req->method, "POST")) {
        cJSON *in = cJSON_ParseWithLength(req->body.buf, req->body.len);
        cJSON *body = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(body, "issues");
        cJSON_AddArrayToObject(body, "issueErrors");
        const cJSON *k;
        cJSON_ArrayForEach(k, cJSON_GetObjectItem(in, "issueIdsOrKeys"))
        {
            stub_issue *is = cJSON_IsString(k) ? find(j, k->valuestring) : NULL;
            if (is)
                cJSON_AddItemToArray(arr, issue_json(is));
        }
        cJSON_Delete(in);
        reply_json(resp, 200, body);
    } else if (!strcmp(p, "issue") && !strcmp(req->method, "POST")) {
        cJSON *in = cJSON_ParseWithLength(req->body.buf, req->body.len);
        const cJSON *f = cJSON_GetObjectItem(in, "fields");
        const cJSON *proj = cJSON_GetObjectItem(cJSON_GetObjectItem(f, "project"), "key");
        const cJSON *summary = cJSON_GetObjectItem(f, "summary");
        if (!cJSON_IsString(proj) || !cJSON_IsString(summary) || strlen(summary->valuestring) > 255 ||
            strchr(summary->valuestring, '\n')) {
            cJSON_Delete(in);
            reply_json(resp, 400, cJSON_Parse("{\"errorMessages\":[],\"errors\":{\"summary\":\"bad\"}}"));
            goto out;
        }
        char key[32];
        snprintf(key, sizeof key, "%s-%d", proj->valuestring, ++j->next_id);
        while (find(j, key))
            snprintf(key, sizeof key, "%s-%d", proj->valuestring, ++j->next_id);
        stub_issue *is = add_issue(j, key);
        is->created = 1;
        is->create_body = dup0(req->body.buf);
        const cJSON *l;
        cJSON_ArrayForEach(l, cJSON_GetObjectItem(f, "labels")) if (cJSON_IsString(l))
            push(&is->labels, &is->n_labels, l->valuestring);
        cJSON_Delete(in);
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "id", key);
        cJSON_AddStringToObject(body, "key", key);
        cJSON_AddStringToObject(body, "self", "http://stub/issue");
        reply_json(resp, 201, body);
    } else if (!strncmp(p, "issue/", 6)) {
        char key[32];
        size_t kl = strcspn(p + 6, "/");
        snprintf(key, sizeof key, "%.*s", (int)kl, p + 6);
        const char *rest = p + 6 + kl;
        stub_issue *is = find(j, key);
        if (!is) {
            reply_json(resp, 404, cJSON_Parse("{\"errorMessages\":[\"Issue does not exist or you do not have permission to see it.\"]}"));
        } else if (!strcmp(rest, "/comment") && !strcmp(req->method, "GET")) {
            cJSON *body = cJSON_CreateObject();
            cJSON *arr = cJSON_AddArrayToObject(body, "comments");
            for (size_t i = is->n_comments; i-- > 0;) {
                cJSON *c = cJSON_CreateObject();
                cJSON *b = cJSON_Parse(is->comments[i]);
                cJSON_AddItemToObject(c, "body", cJSON_DetachItemFromObject(b, "body"));
                cJSON_Delete(b);
                cJSON_AddItemToArray(arr, c);
            }
            cJSON_AddNumberToObject(body, "total", (double)is->n_comments);
            reply_json(resp, 200, body);
        } else if (!strcmp(rest, "/comment") && !strcmp(req->method, "POST")) {
            push(&is->comments, &is->n_comments, req->body.buf ? req->body.buf : "");
            reply_json(resp, 201, cJSON_Parse("{\"id\":\"1\"}"));
        } else if (!strcmp(rest, "/remotelink") && !strcmp(req->method, "POST")) {
            cJSON *in = cJSON_ParseWithLength(req->body.buf, req->body.len);
            const cJSON *gid = cJSON_GetObjectItem(in, "globalId");
            int existing = 0;
            for (size_t i = 0; cJSON_IsString(gid) && i < is->n_links; i++)
                existing |= !strcmp(is->links[i], gid->valuestring);
            if (!existing)
                push(&is->links, &is->n_links, cJSON_IsString(gid) ? gid->valuestring : "");
            cJSON_Delete(in);
            reply_json(resp, existing ? 200 : 201, cJSON_Parse("{\"id\":10000,\"self\":\"http://stub/link\"}"));
        } else if (!strcmp(rest, "/attachments") && !strcmp(req->method, "POST")) {
            const char *tok = http_headers_get(&req->headers, "X-Atlassian-Token");
            if (!tok || strcmp(tok, "no-check") != 0) {
                resp->status = 403;
            } else {
                is->attachments++;
                reply_json(resp, 200, cJSON_Parse("[{\"id\":\"1\"}]"));
            }
        } else {
            resp->status = 404;
        }
    } else {
        resp->status = 404;
    }
out:
    if (fail == 2) {
        /* the work is done; the client never learns it */
        resp->drop = 1;
    }
    sb_release(&q);
    pthread_mutex_unlock(&j->lock);
}

jirastub *jirastub_start(int cloud)
{
    jirastub *j = calloc(1, sizeof *j);
    j->cloud = cloud;
    j->api = cloud ? "/rest/api/3" : "/rest/api/2";
    pthread_mutex_init(&j->lock, NULL);
    j->srv = ts_start(TS_HTTP);
    ts_route(j->srv, NULL, "/rest/*", handle, j);
    return j;
}

static void free_list(char **a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(a[i]);
    free(a);
}

void jirastub_stop(jirastub *j)
{
    if (!j)
        return;
    ts_stop(j->srv);
    for (size_t i = 0; i < j->n_issues; i++) {
        stub_issue *is = &j->issues[i];
        free(is->status);
        free(is->category);
        free(is->resolution);
        free(is->resolved_at);
        free(is->create_body);
        free_list(is->labels, is->n_labels);
        free_list(is->comments, is->n_comments);
        free_list(is->links, is->n_links);
    }
    free(j->issues);
    for (size_t i = 0; i < j->n_fails; i++) {
        free(j->fails[i].method);
        free(j->fails[i].prefix);
        free(j->fails[i].retry_after);
    }
    pthread_mutex_destroy(&j->lock);
    free(j);
}

const char *jirastub_url(const jirastub *j)
{
    return ts_url(j->srv);
}

ts_server *jirastub_server(jirastub *j)
{
    return j->srv;
}

void jirastub_add_issue(jirastub *j, const char *key, const char *status, const char *category,
                        const char *resolution, const char *resolved_at, const char *labels)
{
    pthread_mutex_lock(&j->lock);
    stub_issue *is = add_issue(j, key);
    pthread_mutex_unlock(&j->lock);
    jirastub_set_status(j, key, status, category, resolution, resolved_at);
    pthread_mutex_lock(&j->lock);
    const char *p = labels ? labels : "";
    while (*p) {
        size_t n = strcspn(p, ",");
        char l[128];
        snprintf(l, sizeof l, "%.*s", (int)n, p);
        if (*l)
            push(&is->labels, &is->n_labels, l);
        p += n + (p[n] ? 1 : 0);
    }
    pthread_mutex_unlock(&j->lock);
}

void jirastub_set_status(jirastub *j, const char *key, const char *status, const char *category,
                         const char *resolution, const char *resolved_at)
{
    pthread_mutex_lock(&j->lock);
    stub_issue *is = find(j, key);
    if (is) {
        free(is->status);
        free(is->category);
        free(is->resolution);
        free(is->resolved_at);
        is->status = dup0(status);
        is->category = dup0(category);
        is->resolution = resolution ? dup0(resolution) : NULL;
        is->resolved_at = resolved_at ? dup0(resolved_at) : NULL;
    }
    pthread_mutex_unlock(&j->lock);
}

void jirastub_fail(jirastub *j, const char *method, const char *prefix, int status,
                   const char *retry_after, int n)
{
    pthread_mutex_lock(&j->lock);
    if (j->n_fails < 8) {
        stub_fail *f = &j->fails[j->n_fails++];
        f->method = method ? dup0(method) : NULL;
        f->prefix = dup0(prefix);
        f->retry_after = retry_after ? dup0(retry_after) : NULL;
        f->status = status;
        f->left = n;
    }
    pthread_mutex_unlock(&j->lock);
}

size_t jirastub_issue_count(jirastub *j)
{
    pthread_mutex_lock(&j->lock);
    size_t n = j->n_issues;
    pthread_mutex_unlock(&j->lock);
    return n;
}

size_t jirastub_created(jirastub *j)
{
    pthread_mutex_lock(&j->lock);
    size_t n = 0;
    for (size_t i = 0; i < j->n_issues; i++)
        n += j->issues[i].created;
    pthread_mutex_unlock(&j->lock);
    return n;
}

size_t jirastub_comment_count(jirastub *j, const char *key)
{
    pthread_mutex_lock(&j->lock);
    stub_issue *is = find(j, key);
    size_t n = is ? is->n_comments : 0;
    pthread_mutex_unlock(&j->lock);
    return n;
}

const char *jirastub_comment(jirastub *j, const char *key, size_t i)
{
    pthread_mutex_lock(&j->lock);
    stub_issue *is = find(j, key);
    const char *c = is && i < is->n_comments ? is->comments[i] : NULL;
    pthread_mutex_unlock(&j->lock);
    return c;
}

size_t jirastub_remote_links(jirastub *j, const char *key)
{
    pthread_mutex_lock(&j->lock);
    stub_issue *is = find(j, key);
    size_t n = is ? is->n_links : 0;
    pthread_mutex_unlock(&j->lock);
    return n;
}

size_t jirastub_attachments(jirastub *j, const char *key)
{
    pthread_mutex_lock(&j->lock);
    stub_issue *is = find(j, key);
    size_t n = is ? is->attachments : 0;
    pthread_mutex_unlock(&j->lock);
    return n;
}

const char *jirastub_key_with_label(jirastub *j, const char *label)
{
    pthread_mutex_lock(&j->lock);
    const char *k = NULL;
    for (size_t i = j->n_issues; i-- > 0 && !k;)
        if (has_label(&j->issues[i], label))
            k = j->issues[i].key;
    pthread_mutex_unlock(&j->lock);
    return k;
}

const char *jirastub_create_body(jirastub *j, const char *key)
{
    pthread_mutex_lock(&j->lock);
    stub_issue *is = find(j, key);
    const char *b = is ? is->create_body : NULL;
    pthread_mutex_unlock(&j->lock);
    return b;
}

size_t jirastub_requests(jirastub *j, const char *method, const char *part)
{
    size_t n = 0, total = ts_count(j->srv);
    for (size_t i = 0; i < total; i++) {
        const ts_request *r = ts_request_at(j->srv, i);
        if (r && strstr(r->path, part) && (!method || !strcmp(method, r->method)))
            n++;
    }
    return n;
}

char *jirastub_state_json(jirastub *j)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *issues = cJSON_AddArrayToObject(root, "issues");
    pthread_mutex_lock(&j->lock);
    for (size_t i = 0; i < j->n_issues; i++) {
        const stub_issue *is = &j->issues[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "key", is->key);
        cJSON_AddStringToObject(o, "status", is->status);
        cJSON_AddBoolToObject(o, "created", is->created);
        if (is->create_body)
            cJSON_AddStringToObject(o, "create_body", is->create_body);
        cJSON *labels = cJSON_AddArrayToObject(o, "labels");
        for (size_t k = 0; k < is->n_labels; k++)
            cJSON_AddItemToArray(labels, cJSON_CreateString(is->labels[k]));
        cJSON *comments = cJSON_AddArrayToObject(o, "comments");
        for (size_t k = 0; k < is->n_comments; k++)
            cJSON_AddItemToArray(comments, cJSON_CreateString(is->comments[k]));
        cJSON *links = cJSON_AddArrayToObject(o, "remote_links");
        for (size_t k = 0; k < is->n_links; k++)
            cJSON_AddItemToArray(links, cJSON_CreateString(is->links[k]));
        cJSON_AddNumberToObject(o, "attachments", (double)is->attachments);
        cJSON_AddItemToArray(issues, o);
    }
    pthread_mutex_unlock(&j->lock);
    cJSON *reqs = cJSON_AddArrayToObject(root, "requests");
    size_t total = ts_count(j->srv);
    for (size_t i = 0; i < total; i++) {
        const ts_request *r = ts_request_at(j->srv, i);
        if (!r)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "method", r->method);
        cJSON_AddStringToObject(o, "uri", r->uri);
        cJSON_AddStringToObject(o, "body", r->body.buf ? r->body.buf : "");
        cJSON_AddItemToArray(reqs, o);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        abort();
    return text;
}
