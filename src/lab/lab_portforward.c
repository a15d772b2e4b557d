/*
 * lab_portforward: see lab_portforward.h. The upgraded connection runs on
 * its own thread (lab_httpd gives it a blocking socket): it connects to
 * the target, then relays with poll(): WebSocket binary/text frames to
 * TCP, TCP reads to binary frames, pings answered, a close frame or
 * either side's end closes both.
 */
#include "lab/lab_portforward.h"
#include "lab/lab_kv_power.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab/lab_guest.h"
#include "lab/lab_status.h"
#include "lab/lab_ws.h"
#include "util/fs.h"
#include "util/log.h"

struct lab_portforward {
    lab_store *store;
    char *host, *port;
    char *guest_dir;            /* answering guests (lab_guest.h), or NULL */
    atomic_uint sessions;       /* numbers the sessions' source addresses */
};

lab_portforward *lab_portforward_new(lab_store *store, const char *target)
{
    lab_portforward *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->store = store;
    if (target && *target) {
        const char *colon = strrchr(target, ':');
        if (colon) {
            p->host = strndup(target, (size_t)(colon - target));
            p->port = strdup(colon + 1);
        }
    }
    return p;
}

void lab_portforward_set_guest_dir(lab_portforward *p, const char *dir)
{
    free(p->guest_dir);
    p->guest_dir = dir && *dir ? strdup(dir) : NULL;
}

void lab_portforward_free(lab_portforward *p)
{
    if (!p)
        return;
    free(p->guest_dir);
    free(p->host);
    free(p->port);
    free(p);
}

typedef struct session {
    char *host, *port;
    char *label;     /* ns/name:port, for logs */
    int closed;      /* the VMI's guest ports are closed (a lab fault) */
    char *facts;     /* the VMI's guest facts (lab_guest.h), or NULL */
    char *guest_dir; /* where its answers go, or NULL */
    char source[INET_ADDRSTRLEN]; /* the loopback address it connects from, or "" */
} session;

static void session_free(void *ctx)
{
    session *s = ctx;
    free(s->facts);
    free(s->guest_dir);
    free(s->host);
    free(s->port);
    free(s->label);
    free(s);
}

/* source: a loopback address to connect from, or "" for any */
static int dial(const char *host, const char *port, const char *source)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    if (getaddrinfo(host, port, &hints, &res))
        return -1;
    int fd = -1;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        struct sockaddr_in from = {.sin_family = AF_INET};
        if (fd >= 0 && *source && ai->ai_family == AF_INET &&
            (inet_pton(AF_INET, source, &from.sin_addr) != 1 ||
             bind(fd, (struct sockaddr *)&from, sizeof from) < 0)) {
            close(fd);
            fd = -1;
        }
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static void close_frame(int fd, int code, const char *why)
{
    unsigned char buf[128];
    buf[0] = (unsigned char)(code >> 8);
    buf[1] = (unsigned char)code;
    size_t n = strlen(why);
    if (n > sizeof buf - 2)
        n = sizeof buf - 2;
    memcpy(buf + 2, why, n);
    lab_ws_write_frame(fd, LAB_WS_CLOSE, buf, n + 2, 0);
    /* A socket closed with the client's bytes (its SSH banner) unread is
     * reset, and a reset can overtake the close frame: the client would see
     * "connection reset" instead of the reason. Read what it sends until it
     * closes too (its close frame, then EOF), for at most two seconds. */
    char sink[4096];
    for (int waited = 0; waited < 2000; waited += 100) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, 100);
        if (rc < 0)
            break;
        if (rc > 0 && read(fd, sink, sizeof sink) <= 0)
            break;
    }
}

static void relay(void *ctx, int ws, const char *extra, size_t extra_len)
{
    session *s = ctx;
    if (s->closed) {
        log_info("lab: portforward %s: the guest's port is closed (faults file)", s->label);
        close_frame(ws, 1011, "dial tcp: connect: connection refused");
        return;
    }
    strbuf gdir = STRBUF_INIT;
    if (s->guest_dir && *s->source) {
        mtv_err err;
        mtv_err_clear(&err);
        fs_join(&gdir, s->guest_dir, s->source);
        if (lab_guest_write(s->facts, gdir.buf, &err) < 0) {
            log_warn("lab: portforward %s: the guest's answers: %s", s->label, err.msg);
            close_frame(ws, 1011, "the lab could not prepare the guest");
            sb_release(&gdir);
            return;
        }
    }
    int tcp = dial(s->host, s->port, s->source);
    if (tcp < 0) {
        if (gdir.len)
            lab_guest_remove(gdir.buf);
        sb_release(&gdir);
        log_info("lab: portforward %s: cannot connect to %s:%s", s->label, s->host, s->port);
        close_frame(ws, 1011, "the lab's ssh target does not answer");
        return;
    }
    log_debug("lab: portforward %s -> %s:%s", s->label, s->host, s->port);
    lab_ws_reader r = {ws, extra, extra_len, 0};
    strbuf payload = STRBUF_INIT;
    char buf[16384];
    for (;;) {
        if (!lab_ws_buffered(&r)) {
            struct pollfd pf[2] = {{.fd = ws, .events = POLLIN}, {.fd = tcp, .events = POLLIN}};
            if (poll(pf, 2, -1) < 0)
                break;
            if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = read(tcp, buf, sizeof buf);
                if (n <= 0) {
                    close_frame(ws, 1000, "");
                    break;
                }
                if (lab_ws_write_frame(ws, LAB_WS_BINARY, buf, (size_t)n, 0) < 0)
                    break;
            }
            if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
        }
        int op, fin;
        if (lab_ws_read_frame(&r, &op, &fin, &payload, 1 << 24) < 0)
            break;
        if (op == LAB_WS_CLOSE) {
            lab_ws_write_frame(ws, LAB_WS_CLOSE, payload.buf, payload.len > 2 ? 2 : payload.len, 0);
            break;
        }
        if (op == LAB_WS_PING) {
            lab_ws_write_frame(ws, LAB_WS_PONG, payload.buf, payload.len, 0);
            continue;
        }
        if (op == LAB_WS_PONG)
            continue;
        size_t off = 0;
        while (off < payload.len) {
            ssize_t n = write(tcp, payload.buf + off, payload.len - off);
            if (n <= 0)
                goto done;
            off += (size_t)n;
        }
    }
done:
    sb_release(&payload);
    close(tcp);
    if (gdir.len)
        lab_guest_remove(gdir.buf);
    sb_release(&gdir);
    log_debug("lab: portforward %s closed", s->label);
}

static int is_loopback(const char *host)
{
    return !strcmp(host, "localhost") || !strncmp(host, "127.", 4);
}

static const char *discovery =
    "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":"
    "\"subresources.kubevirt.io/v1\",\"resources\":["
    "{\"name\":\"virtualmachineinstances/portforward\",\"singularName\":\"\",\"namespaced\":true,"
    "\"kind\":\"VirtualMachineInstance\",\"verbs\":[\"get\"]},"
    "{\"name\":\"virtualmachines/portforward\",\"singularName\":\"\",\"namespaced\":true,"
    "\"kind\":\"VirtualMachine\",\"verbs\":[\"get\"]},"
    "{\"name\":\"virtualmachines/start\",\"singularName\":\"\",\"namespaced\":true,"
    "\"kind\":\"VirtualMachine\",\"verbs\":[\"update\"]},"
    "{\"name\":\"virtualmachines/stop\",\"singularName\":\"\",\"namespaced\":true,"
    "\"kind\":\"VirtualMachine\",\"verbs\":[\"update\"]},"
    "{\"name\":\"virtualmachines/restart\",\"singularName\":\"\",\"namespaced\":true,"
    "\"kind\":\"VirtualMachine\",\"verbs\":[\"update\"]}]}";

static int header_has(const lab_req *req, const char *name, const char *token)
{
    const char *v = lab_req_header(req, name);
    if (!v)
        return 0;
    char *copy = strdup(v), *save;
    int hit = 0;
    for (char *t = strtok_r(copy, ", ", &save); t && !hit; t = strtok_r(NULL, ", ", &save))
        hit = !strcasecmp(t, token);
    free(copy);
    return hit;
}

void lab_portforward_handle(void *ud, lab_req *req, lab_resp *resp)
{
    lab_portforward *p = ud;
    char *parts[10];
    size_t n = 0;
    char *path = strdup(req->path), *save;
    for (char *t = strtok_r(path, "/", &save); t && n < 10; t = strtok_r(NULL, "/", &save))
        parts[n++] = t;
    /* apis subresources.kubevirt.io v1 namespaces NS KIND NAME portforward PORT [proto] */
    if (n == 3 && !strcmp(parts[2], "v1")) {
        lab_resp_raw(resp, 200, "application/json", discovery, strlen(discovery));
        free(path);
        return;
    }
    if (n == 8 && !strcmp(parts[2], "v1") && !strcmp(parts[3], "namespaces") &&
        !strcmp(parts[5], "virtualmachines") && lab_kv_power_verb(parts[7])) {
        lab_kv_power_handle(p->store, req, resp, parts[4], parts[6], parts[7]);
        free(path);
        return;
    }
    if (n < 9 || n > 10 || strcmp(parts[2], "v1") || strcmp(parts[3], "namespaces") ||
        strcmp(parts[7], "portforward") ||
        (strcmp(parts[5], "virtualmachineinstances") && strcmp(parts[5], "virtualmachines")) ||
        (n == 10 && strcasecmp(parts[9], "tcp"))) {
        lab_resp_status(resp, lab_status_new(404, "NotFound",
                                             "the server could not find the requested resource",
                                             NULL));
        free(path);
        return;
    }
    const char *ns = parts[4], *name = parts[6], *port = parts[8];
    const lab_kind *vmi_kind = lab_kinds_find(lab_store_kinds(p->store), "kubevirt.io", "v1",
                                              "virtualmachineinstances");
    lab_result res;
    lab_store_get(p->store, vmi_kind, ns, name, &res);
    cJSON *vmi = res.code == 200 ? lab_blob_parse(res.obj) : NULL;
    lab_result_release(&res);
    const char *phase = vmi ? cJSON_GetStringValue(cJSON_GetObjectItem(
                                  cJSON_GetObjectItem(vmi, "status"), "phase"))
                            : NULL;
    if (!vmi) {
        lab_resp_status(resp, lab_status_not_found("kubevirt.io", "virtualmachineinstances", name));
    } else if (!phase || strcmp(phase, "Running")) {
        lab_resp_status(resp, lab_status_bad_request("VirtualMachineInstance is not running"));
    } else if (!header_has(req, "Upgrade", "websocket") || !lab_req_header(req, "Sec-WebSocket-Key")) {
        lab_resp_status(resp, lab_status_bad_request("websocket: the client is not using the "
                                                     "websocket protocol: 'upgrade' token not "
                                                     "found in 'Connection' header"));
    } else if (!p->host) {
        lab_resp_status(resp, lab_status_new(503, "ServiceUnavailable",
                                             "the lab forwards guest ports to --ssh-target, and "
                                             "none was given", NULL));
    } else {
        session *s = calloc(1, sizeof *s);
        if (!s)
            abort();
        s->host = strdup(p->host);
        s->port = strdup(p->port);
        const cJSON *ann = cJSON_GetObjectItem(cJSON_GetObjectItem(vmi, "metadata"), "annotations");
        const char *ports = cJSON_GetStringValue(cJSON_GetObjectItem(ann, LAB_GUEST_PORTS));
        s->closed = ports && !strcmp(ports, "closed");
        const char *facts = cJSON_GetStringValue(cJSON_GetObjectItem(ann, LAB_GUEST_FACTS));
        if (p->guest_dir && is_loopback(p->host)) {
            /* 127.77.0.1 and up: one source address per session names its guest */
            unsigned n = atomic_fetch_add(&p->sessions, 1) % 65535 + 1;
            snprintf(s->source, sizeof s->source, "127.77.%u.%u", n >> 8, n & 255);
            s->guest_dir = strdup(p->guest_dir);
            s->facts = facts ? strdup(facts) : NULL;
        }
        strbuf label = STRBUF_INIT;
        sb_addf(&label, "%s/%s:%s", ns, name, port);
        s->label = sb_detach(&label, NULL);
        char accept[29];
        lab_ws_accept(lab_req_header(req, "Sec-WebSocket-Key"), accept);
        lab_resp_upgrade(resp, "websocket", relay, s, session_free);
        lab_resp_header(resp, "Sec-WebSocket-Accept", accept);
        if (header_has(req, "Sec-WebSocket-Protocol", "plain.kubevirt.io"))
            lab_resp_header(resp, "Sec-WebSocket-Protocol", "plain.kubevirt.io");
    }
    cJSON_Delete(vmi);
    free(path);
}
