/*
 * guest: see guest.h. Each public call is one transport_custom call whose
 * "live" function does the real work (tunnel, SSH, retries); in a replay
 * transport_custom answers from the cassette instead and the live function
 * never runs, which is what makes guest checks replay with no guest.
 */
#include "ssh/guest.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/websocket.h"
#include "recorder/har.h"
#include "util/codec.h"
#include "util/log.h"

#define GUEST_KIND "ssh"

struct guest_session {
    guest_ctx *ctx;
    char *ns, *name, *user;
    int port;
    const char *auth;        /* "password" or "key" */
    ssh_session *ssh;        /* NULL in replay */
    char key_type[32];
    char key_sha256[64];
    int attempts;
};

static int port_of(const guest_target *vm)
{
    return vm->port > 0 ? vm->port : 22;
}

void guest_portforward_path(const guest_target *vm, strbuf *out)
{
    sb_adds(out, "/apis/subresources.kubevirt.io/v1/namespaces/");
    url_encode(out, vm->namespace, strlen(vm->namespace), 0);
    sb_adds(out, "/virtualmachineinstances/");
    url_encode(out, vm->name, strlen(vm->name), 0);
    sb_addf(out, "/portforward/%d", port_of(vm));
}

int guest_creds_from_provider(const provider_entry *e, int win_os, ssh_creds *out, mtv_err *err)
{
    memset(out, 0, sizeof *out);
    const char *ukey = win_os ? "guest_vm_win_user" : "guest_vm_linux_user";
    const char *pkey = win_os ? "guest_vm_win_password" : "guest_vm_linux_password";
    out->user = provider_str(e, ukey);
    out->password = provider_str(e, pkey);
    if (!out->user || !*out->user || !out->password || !*out->password)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "providers entry '%s' has no %s: SSH checks of %s guests need %s and %s",
                           e->key, !out->user || !*out->user ? ukey : pkey,
                           win_os ? "Windows" : "Linux", ukey, pkey);
    return 0;
}

/* A string member, or "". */
static const char *member(const cJSON *obj, const char *name)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
    return v ? v : "";
}

/* "guest:NS/VM": cassettes group a VM's commands under it */
static void upstream_of(const char *ns, const char *name, strbuf *out)
{
    sb_addf(out, "guest:%s/%s", ns, name);
}

static cJSON *base_request(const char *op, const char *ns, const char *name, int port, const char *user)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "op", op);
    cJSON_AddStringToObject(r, "namespace", ns);
    cJSON_AddStringToObject(r, "vm", name);
    cJSON_AddNumberToObject(r, "port", port);
    cJSON_AddStringToObject(r, "user", user);
    return r;
}

/* ---- connect ------------------------------------------------------------------------ */

typedef struct connect_call {
    guest_ctx *ctx;
    const guest_target *vm;
    const ssh_creds *creds;
    char peer[256];
    ssh_session *ssh;     /* out */
    int attempts;
} connect_call;

/* One try. *permanent = 1 when trying again cannot help. */
static int attempt(connect_call *cc, int *permanent, mtv_err *err)
{
    guest_ctx *ctx = cc->ctx;
    *permanent = 0;
    strbuf path = STRBUF_INIT;
    guest_portforward_path(cc->vm, &path);
    http_request req;
    http_request_init(&req, ctx->cluster, "kubernetes", "GET", path.buf);
    req.cancel = ctx->cancel;
    sb_release(&path);
    net_bytestream *bs = NULL;
    http_response resp = {0};
    enum net_failure failure = NET_OK;
    int rc = transport_open_bytestream(ctx->t, &req, WS_PROTOCOL_KUBEVIRT, &bs, &resp, &failure, err);
    http_request_free(&req);
    if (rc < 0) {
        *permanent = resp.status == 401 || resp.status == 403 || failure == NET_FAIL_TLS ||
                     failure == NET_FAIL_OTHER || err->exit_code == MTV_EXIT_USAGE ||
                     err->exit_code == MTV_EXIT_DIVERGED;
        http_response_free(&resp);
        mtv_err_prefix(err, "portforward to %s", cc->peer);
        return -1;
    }
    http_response_free(&resp);
    ssh_options so = {.clock = transport_clock(ctx->t), .timeout_ms = ctx->ssh_timeout_ms, .peer = cc->peer,
                      .cancel = ctx->cancel};
    ssh_session *ssh = NULL;
    if (ssh_open(bs, &so, &ssh, err) < 0)
        return -1;
    if (ssh_auth(ssh, cc->creds, err) < 0) {
        *permanent = 1;
        ssh_close(ssh);
        return -1;
    }
    cc->ssh = ssh;
    return 0;
}

/* 1 (err set) when the run is being interrupted. */
static int cancelled(const guest_ctx *ctx, const char *peer, mtv_err *err)
{
    if (!ctx->cancel || !atomic_load(ctx->cancel))
        return 0;
    mtv_err_set(err, MTV_EXIT_ENV, "SSH %s: cancelled: the run is being interrupted", peer);
    return 1;
}

static int connect_live(void *ud, const cJSON *request, cJSON **response, mtv_err *err)
{
    (void)request;
    connect_call *cc = ud;
    guest_ctx *ctx = cc->ctx;
    mtv_clock *clock = transport_clock(ctx->t);
    long total = ctx->retry_total_ms > 0 ? ctx->retry_total_ms : 300000;
    long interval = ctx->retry_interval_ms > 0 ? ctx->retry_interval_ms : 15000;
    int64_t t0 = clock_mono_ms(clock);
    clock_deadline dl = clock_deadline_in(clock, total);
    for (cc->attempts = 1;; cc->attempts++) {
        int permanent = 0;
        if (cancelled(ctx, cc->peer, err))
            return -1;
        if (attempt(cc, &permanent, err) == 0)
            break;
        if (cancelled(ctx, cc->peer, err))
            return -1;
        int64_t left = clock_deadline_left_ms(clock, dl);
        if (permanent || left <= 0) {
            if (cc->attempts > 1)
                mtv_err_prefix(err, "gave up after %d tries in %lld s", cc->attempts,
                               (long long)((clock_mono_ms(clock) - t0) / 1000));
            return -1;
        }
        long wait = left < interval ? (long)left : interval;
        log_info("SSH %s not reachable yet (try %d): %s; trying again in %ld s", cc->peer, cc->attempts,
                 err->msg, (wait + 999) / 1000);
        if (clock_sleep_ms_cancel(clock, wait, ctx->cancel) < 0) {
            cancelled(ctx, cc->peer, err);
            return -1;
        }
    }
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "host_key_type", ssh_host_key_type(cc->ssh));
    cJSON_AddStringToObject(r, "host_key_sha256", ssh_host_key_sha256(cc->ssh));
    cJSON_AddNumberToObject(r, "attempts", cc->attempts);
    *response = r;
    return 0;
}

int guest_connect(guest_ctx *ctx, const guest_target *vm, const ssh_creds *creds, guest_session **out,
                  mtv_err *err)
{
    *out = NULL;
    if (!vm->namespace || !*vm->namespace || !vm->name || !*vm->name)
        return mtv_err_set(err, MTV_EXIT_USAGE, "SSH to a guest needs the VMI's namespace and name");
    if (!creds->user || (!creds->password && !creds->key_file))
        return mtv_err_set(err, MTV_EXIT_USAGE, "SSH to %s/%s needs a user and a password or key",
                           vm->namespace, vm->name);
    if (transport_get_mode(ctx->t) != TRANSPORT_REPLAY && (!ctx->cluster || !ctx->cluster->base_url))
        return mtv_err_set(err, MTV_EXIT_USAGE, "SSH to %s/%s needs the cluster's API endpoint",
                           vm->namespace, vm->name);
    if (creds->password)
        transport_secret(ctx->t, "guest.password", creds->password);
    if (creds->passphrase)
        transport_secret(ctx->t, "guest.key-passphrase", creds->passphrase);
    connect_call cc = {.ctx = ctx, .vm = vm, .creds = creds};
    snprintf(cc.peer, sizeof cc.peer, "%s/%s:%d", vm->namespace, vm->name, port_of(vm));
    const char *auth = creds->password ? "password" : "key";
    cJSON *req = base_request("connect", vm->namespace, vm->name, port_of(vm), creds->user);
    cJSON_AddStringToObject(req, "auth", auth);
    cJSON *resp = NULL;
    strbuf upstream = STRBUF_INIT;
    upstream_of(vm->namespace, vm->name, &upstream);
    int rc = transport_custom(ctx->t, GUEST_KIND, upstream.buf, req, connect_live, &cc, &resp, err);
    sb_release(&upstream);
    cJSON_Delete(req);
    if (rc < 0) {
        if (err->exit_code == MTV_EXIT_DIVERGED)
            mtv_err_prefix(err, "SSH login as '%s' (%s) to %s was not recorded", creds->user, auth, cc.peer);
        ssh_close(cc.ssh);
        return -1;
    }
    guest_session *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->ctx = ctx;
    s->ns = strdup(vm->namespace);
    s->name = strdup(vm->name);
    s->user = strdup(creds->user);
    s->port = port_of(vm);
    s->auth = auth;
    s->ssh = cc.ssh;
    snprintf(s->key_type, sizeof s->key_type, "%s",
             member(resp, "host_key_type"));
    snprintf(s->key_sha256, sizeof s->key_sha256, "%s",
             member(resp, "host_key_sha256"));
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(resp, "attempts");
    s->attempts = cJSON_IsNumber(att) ? att->valueint : 1;
    cJSON_Delete(resp);
    log_info("SSH %s: logged in as '%s' (%s, try %d)", cc.peer, creds->user, auth, s->attempts);
    *out = s;
    return 0;
}

const char *guest_host_key_type(const guest_session *s)
{
    return s->key_type;
}

const char *guest_host_key_sha256(const guest_session *s)
{
    return s->key_sha256;
}

int guest_attempts(const guest_session *s)
{
    return s->attempts;
}

void guest_disconnect(guest_session *s)
{
    if (!s)
        return;
    ssh_close(s->ssh);
    free(s->ns);
    free(s->name);
    free(s->user);
    free(s);
}

/* ---- commands ---------------------------------------------------------------------- */

typedef struct run_call {
    guest_session *s;
    const char *command;
    long timeout_ms;
} run_call;

static void put_output(cJSON *r, const char *name, const strbuf *b)
{
    if (har_is_text(b->buf, b->len)) {
        cJSON_AddStringToObject(r, name, sb_str(b));
        return;
    }
    strbuf enc = STRBUF_INIT, key = STRBUF_INIT;
    b64_encode(&enc, b->buf, b->len);
    sb_addf(&key, "%s_base64", name);
    cJSON_AddStringToObject(r, key.buf, enc.buf);
    sb_release(&enc);
    sb_release(&key);
}

static void get_output(const cJSON *r, const char *name, strbuf *into)
{
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, name));
    if (text) {
        sb_adds(into, text);
        return;
    }
    strbuf key = STRBUF_INIT;
    sb_addf(&key, "%s_base64", name);
    const char *b64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, key.buf));
    if (b64)
        b64_decode(into, b64, strlen(b64));
    sb_release(&key);
}

static int run_live(void *ud, const cJSON *request, cJSON **response, mtv_err *err)
{
    (void)request;
    run_call *rc = ud;
    guest_session *s = rc->s;
    if (!s->ssh)
        return mtv_err_set(err, MTV_EXIT_USAGE, "SSH %s/%s: the session is not connected", s->ns, s->name);
    ssh_result r;
    if (ssh_exec(s->ssh, rc->command, rc->timeout_ms, &r, err) < 0) {
        ssh_result_free(&r);
        return -1;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "exit_status", r.exit_status);
    if (r.exit_signal[0])
        cJSON_AddStringToObject(j, "exit_signal", r.exit_signal);
    put_output(j, "stdout", &r.out);
    put_output(j, "stderr", &r.err);
    if (r.truncated)
        cJSON_AddBoolToObject(j, "truncated", 1);
    ssh_result_free(&r);
    *response = j;
    return 0;
}

int guest_run(guest_session *s, const char *command, long timeout_ms, ssh_result *r, mtv_err *err)
{
    memset(r, 0, sizeof *r);
    r->exit_status = -1;
    run_call rc = {s, command, timeout_ms > 0 ? timeout_ms : s->ctx->command_timeout_ms};
    cJSON *req = base_request("exec", s->ns, s->name, s->port, s->user);
    cJSON_AddStringToObject(req, "command", command);
    cJSON *resp = NULL;
    log_debug("SSH %s/%s:%d: %s", s->ns, s->name, s->port, command);
    strbuf upstream = STRBUF_INIT;
    upstream_of(s->ns, s->name, &upstream);
    int ok = transport_custom(s->ctx->t, GUEST_KIND, upstream.buf, req, run_live, &rc, &resp, err);
    sb_release(&upstream);
    cJSON_Delete(req);
    if (ok < 0) {
        if (err->exit_code == MTV_EXIT_DIVERGED)
            mtv_err_prefix(err, "SSH command '%s' as '%s' on %s/%s was not recorded", command, s->user, s->ns,
                           s->name);
        return -1;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(resp, "exit_status");
    if (!cJSON_IsNumber(st)) {
        cJSON_Delete(resp);
        return mtv_err_set(err, MTV_EXIT_USAGE, "SSH %s/%s: the recorded result has no exit_status", s->ns,
                           s->name);
    }
    r->exit_status = st->valueint;
    snprintf(r->exit_signal, sizeof r->exit_signal, "%s",
             member(resp, "exit_signal"));
    get_output(resp, "stdout", &r->out);
    get_output(resp, "stderr", &r->err);
    r->truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "truncated"));
    cJSON_Delete(resp);
    log_debug("SSH %s/%s:%d: exit %d, %zu bytes out, %zu bytes err", s->ns, s->name, s->port,
              r->exit_status, r->out.len, r->err.len);
    return 0;
}

int guest_exec(guest_ctx *ctx, const guest_target *vm, const ssh_creds *creds, const char *command,
               ssh_result *r, mtv_err *err)
{
    memset(r, 0, sizeof *r);
    r->exit_status = -1;
    guest_session *s;
    if (guest_connect(ctx, vm, creds, &s, err) < 0)
        return -1;
    int rc = guest_run(s, command, 0, r, err);
    guest_disconnect(s);
    return rc;
}

int guest_probe(guest_ctx *ctx, const guest_target *vm, const ssh_creds *creds, int *attempts,
                mtv_err *err)
{
    guest_session *s;
    if (attempts)
        *attempts = 0;
    if (guest_connect(ctx, vm, creds, &s, err) < 0)
        return -1;
    if (attempts)
        *attempts = s->attempts;
    guest_disconnect(s);
    return 0;
}
