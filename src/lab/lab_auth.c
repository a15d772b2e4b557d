/* lab_auth: see lab_auth.h. */
#include "lab/lab_auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/lab_meta.h"
#include "lab/lab_status.h"
#include "util/codec.h"
#include "util/log.h"

#define LAB_TOKEN_TTL 86400

typedef struct token {
    char *value;
    char *user;
    char uid[37];
} token;

struct lab_auth {
    pthread_mutex_t mu;
    char *username;
    char *password;
    char *admin_token;
    char *issuer;
    token *tokens;
    size_t ntokens;
};

static char *random_text(const char *prefix, size_t bytes)
{
    unsigned char raw[48];
    if (bytes > sizeof raw || RAND_bytes(raw, (int)bytes) != 1)
        abort();
    strbuf s = STRBUF_INIT;
    sb_adds(&s, prefix);
    b64url_encode(&s, raw, bytes);
    return sb_detach(&s, NULL);
}

static void add_token(lab_auth *a, char *value, const char *user)
{
    a->tokens = realloc(a->tokens, (a->ntokens + 1) * sizeof *a->tokens);
    if (!a->tokens)
        abort();
    token *t = &a->tokens[a->ntokens++];
    t->value = value;
    t->user = strdup(user);
    lab_uid(t->uid);
    secrets_add(log_secrets(), "lab-token", value);
}

lab_auth *lab_auth_new(const char *username)
{
    lab_auth *a = calloc(1, sizeof *a);
    if (!a)
        abort();
    pthread_mutex_init(&a->mu, NULL);
    a->username = strdup(username && *username ? username : "kubeadmin");
    a->password = random_text("", 18);
    secrets_add(log_secrets(), "lab-password", a->password);
    a->admin_token = random_text("sha256~", 32);
    add_token(a, strdup(a->admin_token), "system:admin");
    a->issuer = strdup("https://127.0.0.1");
    return a;
}

void lab_auth_free(lab_auth *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ntokens; i++) {
        OPENSSL_cleanse(a->tokens[i].value, strlen(a->tokens[i].value));
        free(a->tokens[i].value);
        free(a->tokens[i].user);
    }
    free(a->tokens);
    OPENSSL_cleanse(a->password, strlen(a->password));
    free(a->password);
    free(a->admin_token);
    free(a->username);
    free(a->issuer);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

const char *lab_auth_admin_token(const lab_auth *a)
{
    return a->admin_token;
}

const char *lab_auth_username(const lab_auth *a)
{
    return a->username;
}

const char *lab_auth_password(const lab_auth *a)
{
    return a->password;
}

void lab_auth_set_issuer(lab_auth *a, const char *url)
{
    pthread_mutex_lock(&a->mu);
    free(a->issuer);
    a->issuer = strdup(url);
    pthread_mutex_unlock(&a->mu);
}

static int same_secret(const char *x, const char *y)
{
    size_t n = strlen(x);
    return n == strlen(y) && CRYPTO_memcmp(x, y, n) == 0;
}

int lab_auth_check(lab_auth *a, lab_req *req)
{
    const char *h = lab_req_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7))
        return 0;
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    int ok = 0;
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < a->ntokens && !ok; i++)
        if (same_secret(tok, a->tokens[i].value)) {
            lab_req_set_user(req, a->tokens[i].user);
            ok = 1;
        }
    pthread_mutex_unlock(&a->mu);
    return ok;
}

static void oauth_metadata(lab_auth *a, lab_resp *resp)
{
    cJSON *m = cJSON_CreateObject();
    strbuf u = STRBUF_INIT;
    pthread_mutex_lock(&a->mu);
    cJSON_AddStringToObject(m, "issuer", a->issuer);
    sb_addf(&u, "%s/oauth/authorize", a->issuer);
    cJSON_AddStringToObject(m, "authorization_endpoint", u.buf);
    sb_reset(&u);
    sb_addf(&u, "%s/oauth/token", a->issuer);
    cJSON_AddStringToObject(m, "token_endpoint", u.buf);
    pthread_mutex_unlock(&a->mu);
    static const char *const scopes[] = {"user:check-access", "user:full", "user:info",
                                         "user:list-projects", "user:list-scoped-projects", NULL};
    cJSON *s = cJSON_AddArrayToObject(m, "scopes_supported");
    for (const char *const *p = scopes; *p; p++)
        cJSON_AddItemToArray(s, cJSON_CreateString(*p));
    cJSON *rt = cJSON_AddArrayToObject(m, "response_types_supported");
    cJSON_AddItemToArray(rt, cJSON_CreateString("code"));
    cJSON_AddItemToArray(rt, cJSON_CreateString("token"));
    cJSON *gt = cJSON_AddArrayToObject(m, "grant_types_supported");
    cJSON_AddItemToArray(gt, cJSON_CreateString("authorization_code"));
    cJSON_AddItemToArray(gt, cJSON_CreateString("implicit"));
    cJSON *cc = cJSON_AddArrayToObject(m, "code_challenge_methods_supported");
    cJSON_AddItemToArray(cc, cJSON_CreateString("plain"));
    cJSON_AddItemToArray(cc, cJSON_CreateString("S256"));
    lab_resp_json(resp, 200, m);
    cJSON_Delete(m);
    sb_release(&u);
}

static void oauth_error(lab_resp *resp, int code, const char *error, const char *desc)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "error", error);
    cJSON_AddStringToObject(e, "error_description", desc);
    lab_resp_json(resp, code, e);
    cJSON_Delete(e);
}

/* Checks "Basic base64(user:password)". */
static int basic_ok(lab_auth *a, const char *h)
{
    if (!h || strncasecmp(h, "Basic ", 6))
        return 0;
    strbuf raw = STRBUF_INIT;
    int ok = 0;
    if (b64_decode(&raw, h + 6, strlen(h + 6)) == 0 && raw.len) {
        const char *colon = memchr(raw.buf, ':', raw.len);
        if (colon) {
            size_t ulen = (size_t)(colon - raw.buf);
            ok = ulen == strlen(a->username) && !memcmp(raw.buf, a->username, ulen) &&
                 same_secret(colon + 1, a->password);
        }
        OPENSSL_cleanse(raw.buf, raw.len);
    }
    sb_release(&raw);
    return ok;
}

static void authorize(lab_auth *a, lab_req *req, lab_resp *resp)
{
    const char *client = lab_req_query(req, "client_id");
    const char *rtype = lab_req_query(req, "response_type");
    if (!client || strcmp(client, "openshift-challenging-client")) {
        oauth_error(resp, 400, "unauthorized_client",
                    "the lab's OAuth server knows the openshift-challenging-client only");
        return;
    }
    if (!rtype || strcmp(rtype, "token")) {
        oauth_error(resp, 400, "unsupported_response_type",
                    "the lab's OAuth server issues tokens with response_type=token only");
        return;
    }
    const char *auth = lab_req_header(req, "Authorization");
    if (!auth) {
        const char *csrf = lab_req_header(req, "X-CSRF-Token");
        if (!csrf || !*csrf) {
            const char *msg = "A non-empty X-CSRF-Token header is required to receive basic-auth "
                              "challenges\n";
            lab_resp_raw(resp, 401, "text/plain; charset=utf-8", msg, strlen(msg));
            lab_resp_header(resp, "Warning", "199 Origin \"A non-empty X-CSRF-Token header is "
                                             "required to receive basic-auth challenges\"");
            return;
        }
        lab_resp_raw(resp, 401, "text/plain; charset=utf-8", "", 0);
        lab_resp_header(resp, "WWW-Authenticate", "Basic realm=\"openshift\"");
        return;
    }
    if (!basic_ok(a, auth)) {
        lab_resp_raw(resp, 401, "text/plain; charset=utf-8", "", 0);
        lab_resp_header(resp, "WWW-Authenticate", "Basic realm=\"openshift\"");
        return;
    }
    char *tok = random_text("sha256~", 32);
    strbuf loc = STRBUF_INIT;
    pthread_mutex_lock(&a->mu);
    sb_addf(&loc, "%s/oauth/token/implicit#access_token=%s&expires_in=%d&scope=user%%3Afull"
            "&token_type=Bearer", a->issuer, tok, LAB_TOKEN_TTL);
    add_token(a, tok, a->username);
    pthread_mutex_unlock(&a->mu);
    lab_resp_raw(resp, 302, "text/plain; charset=utf-8", "", 0);
    lab_resp_header(resp, "Location", loc.buf);
    lab_resp_header(resp, "Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
    OPENSSL_cleanse(loc.buf, loc.len);
    sb_release(&loc);
}

void lab_auth_oauth_handle(void *ud, lab_req *req, lab_resp *resp)
{
    lab_auth *a = ud;
    if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
        oauth_error(resp, 405, "invalid_request", "use GET");
    } else if (!strcmp(req->path, "/.well-known/oauth-authorization-server")) {
        oauth_metadata(a, resp);
    } else if (!strcmp(req->path, "/oauth/authorize")) {
        authorize(a, req, resp);
    } else if (!strcmp(req->path, "/oauth/token/implicit")) {
        const char *page = "<!DOCTYPE html><title>mtv-validate lab</title>"
                           "<p>The access token is in this page's URL fragment.</p>\n";
        lab_resp_raw(resp, 200, "text/html; charset=utf-8", page, strlen(page));
    } else {
        oauth_error(resp, 404, "invalid_request", "no such OAuth endpoint in the lab");
    }
}

void lab_auth_user_handle(void *ud, lab_req *req, lab_resp *resp)
{
    (void)ud;
    if (strcmp(req->path, "/apis/user.openshift.io/v1/users/~")) {
        lab_resp_status(resp, lab_status_new(404, "NotFound", "the server could not find the "
                                             "requested resource", NULL));
        return;
    }
    cJSON *u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "kind", "User");
    cJSON_AddStringToObject(u, "apiVersion", "user.openshift.io/v1");
    cJSON *m = cJSON_AddObjectToObject(u, "metadata");
    cJSON_AddStringToObject(m, "name", req->user ? req->user : "system:anonymous");
    cJSON *groups = cJSON_AddArrayToObject(u, "groups");
    cJSON_AddItemToArray(groups, cJSON_CreateString("system:authenticated"));
    if (req->user && !strcmp(req->user, "system:admin"))
        cJSON_AddItemToArray(groups, cJSON_CreateString("system:masters"));
    cJSON_AddArrayToObject(u, "identities");
    lab_resp_json(resp, 200, u);
    cJSON_Delete(u);
}
