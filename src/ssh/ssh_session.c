/*
 * ssh_session: see ssh_session.h. Every libssh2 call runs non-blocking in a
 * loop that waits (poll, in the directions libssh2 says it is blocked on)
 * until the call completes or its deadline passes; RETRY_LIBSSH2 spells the
 * loop once. When a call fails because the tunnel went away, the tunnel's
 * own reason (from the pump) is reported rather than libssh2's socket error.
 */
#include "ssh/ssh_session.h"

#include <errno.h>
#include <libssh2.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssh/ssh_pump.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/log.h"

struct ssh_session {
    LIBSSH2_SESSION *ssh;
    int fd;
    ssh_pump pump;
    ssh_options opt;
    char peer[256];
    char key_type[32];
    char key_sha256[64];
    const char *kbd_password;   /* borrowed during keyboard-interactive only */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void global_init(void)
{
    init_rc = libssh2_init(0);
}

/* ---- waiting -------------------------------------------------------------------- */

static long left_ms(ssh_session *s, clock_deadline dl)
{
    int64_t left = clock_deadline_left_ms(s->opt.clock, dl);
    return left > 86400000 ? 86400000 : (long)left;
}

/* Explains a failure: the tunnel's reason if it broke, else libssh2's. */
static int fail(ssh_session *s, mtv_err *err, const char *what)
{
    mtv_err tunnel;
    if (ssh_pump_failure(&s->pump, &tunnel))
        return mtv_err_set(err, MTV_EXIT_ENV, "%s %s: the tunnel failed: %s", what, s->peer, tunnel.msg);
    char *msg = NULL;
    int code = libssh2_session_last_error(s->ssh, &msg, NULL, 0);
    if (code == LIBSSH2_ERROR_SOCKET_DISCONNECT || code == LIBSSH2_ERROR_SOCKET_RECV ||
        code == LIBSSH2_ERROR_SOCKET_SEND)
        return mtv_err_set(err, MTV_EXIT_ENV, "%s %s: the connection was closed (%s)", what, s->peer,
                           msg && *msg ? msg : "no reason given");
    return mtv_err_set(err, MTV_EXIT_ENV, "%s %s: %s (libssh2 error %d)", what, s->peer,
                       msg && *msg ? msg : "failed", code);
}

/* Waits until libssh2 can make progress. 0, or -1 with err at the deadline. */
static int wait_io(ssh_session *s, clock_deadline dl, long limit_ms, const char *what, mtv_err *err)
{
    int dir = libssh2_session_block_directions(s->ssh);
    struct pollfd pfd = {.fd = s->fd, .events = 0};
    if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
        pfd.events |= POLLIN;
    if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
        pfd.events |= POLLOUT;
    if (!pfd.events)
        pfd.events = POLLIN;
    for (;;) {
        if (s->opt.cancel && atomic_load(s->opt.cancel))
            return mtv_err_set(err, MTV_EXIT_ENV, "%s %s: cancelled: the run is being interrupted", what,
                               s->peer);
        long left = left_ms(s, dl);
        if (left <= 0)
            return mtv_err_set(err, MTV_EXIT_ENV, "%s %s: no progress within %ld ms", what, s->peer,
                               limit_ms);
        /* with a cancel flag, wake up often enough to see it */
        long slice = s->opt.cancel && left > CLOCK_CANCEL_POLL_MS ? CLOCK_CANCEL_POLL_MS : left;
        int rc = poll(&pfd, 1, (int)slice);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return mtv_err_set(err, MTV_EXIT_ENV, "%s %s: waiting for the connection failed", what,
                               s->peer);
        if (rc > 0)
            return 0;
        if (slice < left)
            continue;
        /* poll waited all that was left: the deadline has passed, whatever the clock says */
        return mtv_err_set(err, MTV_EXIT_ENV, "%s %s: no progress within %ld ms", what, s->peer, limit_ms);
    }
}

/* Runs a libssh2 call returning int until it stops saying EAGAIN. */
#define RETRY_LIBSSH2(s, rc, call, dl, limit, what, err)                                     \
    do {                                                                                     \
        while (((rc) = (call)) == LIBSSH2_ERROR_EAGAIN)                                      \
            if (wait_io((s), (dl), (limit), (what), (err)) < 0) {                            \
                (rc) = -2;                                                                   \
                break;                                                                       \
            }                                                                                \
    } while (0)

/* ---- session ---------------------------------------------------------------------- */

static const char *key_type_name(int type)
{
    switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
    default: return "unknown";
    }
}

static void capture_host_key(ssh_session *s)
{
    size_t len = 0;
    int type = 0;
    libssh2_session_hostkey(s->ssh, &len, &type);
    snprintf(s->key_type, sizeof s->key_type, "%s", key_type_name(type));
    const char *hash = libssh2_hostkey_hash(s->ssh, LIBSSH2_HOSTKEY_HASH_SHA256);
    strbuf b = STRBUF_INIT;
    if (hash)
        b64_encode(&b, hash, 32);
    while (b.len && b.buf[b.len - 1] == '=')
        sb_setlen(&b, b.len - 1);
    snprintf(s->key_sha256, sizeof s->key_sha256, "SHA256:%s", sb_str(&b));
    sb_release(&b);
}

int ssh_open(net_bytestream *bs, const ssh_options *o, ssh_session **out, mtv_err *err)
{
    *out = NULL;
    pthread_once(&init_once, global_init);
    if (init_rc != 0) {
        bs->close(bs);
        return mtv_err_set(err, MTV_EXIT_ENV, "libssh2 could not be initialised");
    }
    if (!o->clock) {
        bs->close(bs);
        return mtv_err_set(err, MTV_EXIT_USAGE, "an SSH session needs a clock");
    }
    ssh_session *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->opt = *o;
    if (s->opt.timeout_ms <= 0)
        s->opt.timeout_ms = 30000;
    snprintf(s->peer, sizeof s->peer, "%s", o->peer ? o->peer : "the guest");
    if (ssh_pump_start(&s->pump, bs, &s->fd, err) < 0) {
        free(s);
        return -1;
    }
    s->ssh = libssh2_session_init_ex(NULL, NULL, NULL, s);
    if (!s->ssh) {
        ssh_close(s);
        return mtv_err_set(err, MTV_EXIT_ENV, "libssh2 could not start a session");
    }
    libssh2_session_set_blocking(s->ssh, 0);
    clock_deadline dl = clock_deadline_in(s->opt.clock, s->opt.timeout_ms);
    int rc;
    RETRY_LIBSSH2(s, rc, libssh2_session_handshake(s->ssh, s->fd), dl, s->opt.timeout_ms,
                  "SSH handshake with", err);
    if (rc != 0) {
        if (rc != -2)
            fail(s, err, "SSH handshake with");
        ssh_close(s);
        return -1;
    }
    capture_host_key(s);
    log_info("SSH %s: host key %s %s (not checked: migrated guests are fresh clones)", s->peer,
             s->key_type, s->key_sha256);
    *out = s;
    return 0;
}

const char *ssh_host_key_type(const ssh_session *s)
{
    return s->key_type;
}

const char *ssh_host_key_sha256(const ssh_session *s)
{
    return s->key_sha256;
}

void ssh_close(ssh_session *s)
{
    if (!s)
        return;
    if (s->ssh) {
        clock_deadline dl = clock_deadline_in(s->opt.clock, 2000);
        mtv_err ignored;
        int rc;
        RETRY_LIBSSH2(s, rc, libssh2_session_disconnect(s->ssh, "done"), dl, 2000, "disconnecting from",
                      &ignored);
        RETRY_LIBSSH2(s, rc, libssh2_session_free(s->ssh), dl, 2000, "closing the session with",
                      &ignored);
        (void)rc;
    }
    if (s->fd >= 0)
        close(s->fd);
    if (s->pump.bs)
        ssh_pump_stop(&s->pump);
    free(s);
}

/* ---- login ------------------------------------------------------------------------- */

int ssh_key_is_rsa(const char *key_file, const char *pubkey_file)
{
    strbuf pub_path = STRBUF_INIT, text = STRBUF_INIT;
    if (pubkey_file)
        sb_adds(&pub_path, pubkey_file);
    else if (key_file)
        sb_addf(&pub_path, "%s.pub", key_file);
    int rsa = 0;
    mtv_err ignored;
    if (pub_path.len && fs_read_file(pub_path.buf, &text, &ignored) == 0) {
        rsa = strncmp(sb_str(&text), "ssh-rsa ", 8) == 0;
    } else if (key_file && fs_read_file(key_file, &text, &ignored) == 0) {
        const char *t = sb_str(&text);
        if (strstr(t, "BEGIN RSA PRIVATE KEY")) {
            rsa = 1;
        } else if (strstr(t, "BEGIN OPENSSH PRIVATE KEY")) {
            /* the public part of an OpenSSH key is in the clear: look for its type */
            const char *b = strchr(t, '\n');
            const char *e = strstr(t, "-----END");
            strbuf raw = STRBUF_INIT;
            if (b && e && e > b && b64_decode(&raw, b + 1, (size_t)(e - b - 1)) == 0)
                rsa = raw.len > 7 && memmem(raw.buf, raw.len, "ssh-rsa", 7) != NULL;
            OPENSSL_cleanse(raw.buf, raw.len);
            sb_release(&raw);
        }
    }
    OPENSSL_cleanse(text.buf, text.len);
    sb_release(&text);
    sb_release(&pub_path);
    return rsa;
}

static void kbd_answer(const char *name, int name_len, const char *instruction, int instruction_len,
                       int num_prompts, const LIBSSH2_USERAUTH_KBDINT_PROMPT *prompts,
                       LIBSSH2_USERAUTH_KBDINT_RESPONSE *responses, void **abstract)
{
    (void)name;
    (void)name_len;
    (void)instruction;
    (void)instruction_len;
    (void)prompts;
    ssh_session *s = *abstract;
    for (int i = 0; i < num_prompts; i++) {
        /* libssh2 frees each answer with the default allocator (free) */
        responses[i].text = strdup(s->kbd_password ? s->kbd_password : "");
        responses[i].length = responses[i].text ? (unsigned)strlen(responses[i].text) : 0;
    }
}

static int offers(const char *methods, const char *m)
{
    size_t n = strlen(m);
    for (const char *p = methods; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, m, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static int refused(ssh_session *s, const ssh_creds *c, const char *how, const char *methods,
                   mtv_err *err)
{
    int rsa = c->key_file && !c->password && ssh_key_is_rsa(c->key_file, c->pubkey_file);
    return mtv_err_set(
        err, MTV_EXIT_ENV, "SSH login to %s as '%s' with %s was refused (the guest offers: %s)%s", s->peer,
        c->user, how, methods && *methods ? methods : "nothing",
        rsa ? ". The key is RSA: libssh2 1.10 signs RSA keys only with SHA-1 (ssh-rsa), which "
              "OpenSSH 8.8 and later refuse unless the guest allows it (PubkeyAcceptedAlgorithms "
              "+ssh-rsa); use an ed25519 or ECDSA key"
            : "");
}

int ssh_auth(ssh_session *s, const ssh_creds *c, mtv_err *err)
{
    if (!c->user || !*c->user)
        return mtv_err_set(err, MTV_EXIT_USAGE, "SSH login to %s: no user name", s->peer);
    if (!c->password && !c->key_file)
        return mtv_err_set(err, MTV_EXIT_USAGE, "SSH login to %s as '%s': neither a password nor a key",
                           s->peer, c->user);
    clock_deadline dl = clock_deadline_in(s->opt.clock, s->opt.timeout_ms);
    unsigned ulen = (unsigned)strlen(c->user);
    char *list;
    while (!(list = libssh2_userauth_list(s->ssh, c->user, ulen)) &&
           libssh2_session_last_errno(s->ssh) == LIBSSH2_ERROR_EAGAIN)
        if (wait_io(s, dl, s->opt.timeout_ms, "SSH login to", err) < 0)
            return -1;
    if (!list) {
        if (libssh2_userauth_authenticated(s->ssh))
            return 0;   /* the guest let us in with "none" */
        return fail(s, err, "SSH login to");
    }
    strbuf methods = STRBUF_INIT;
    sb_adds(&methods, list);
    int rc;
    const char *how;
    if (c->password) {
        how = "a password";
        if (offers(methods.buf, "password")) {
            RETRY_LIBSSH2(s, rc, libssh2_userauth_password_ex(s->ssh, c->user, ulen, c->password,
                                                              (unsigned)strlen(c->password), NULL),
                          dl, s->opt.timeout_ms, "SSH login to", err);
        } else if (offers(methods.buf, "keyboard-interactive")) {
            how = "a password (keyboard-interactive)";
            s->kbd_password = c->password;
            RETRY_LIBSSH2(s, rc, libssh2_userauth_keyboard_interactive_ex(s->ssh, c->user, ulen, kbd_answer),
                          dl, s->opt.timeout_ms, "SSH login to", err);
            s->kbd_password = NULL;
        } else {
            rc = mtv_err_set(err, MTV_EXIT_ENV,
                             "SSH login to %s as '%s': the guest does not accept passwords (it offers: %s)",
                             s->peer, c->user, methods.buf);
            sb_release(&methods);
            return rc;
        }
    } else {
        how = "key";
        if (!offers(methods.buf, "publickey")) {
            rc = mtv_err_set(err, MTV_EXIT_ENV,
                             "SSH login to %s as '%s': the guest does not accept keys (it offers: %s)",
                             s->peer, c->user, methods.buf);
            sb_release(&methods);
            return rc;
        }
        if (access(c->key_file, R_OK) != 0) {
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "SSH login to %s: cannot read the key file %s: %s", s->peer,
                             c->key_file, strerror(errno));
            sb_release(&methods);
            return rc;
        }
        RETRY_LIBSSH2(s, rc, libssh2_userauth_publickey_fromfile_ex(s->ssh, c->user, ulen, c->pubkey_file,
                                                                    c->key_file, c->passphrase),
                      dl, s->opt.timeout_ms, "SSH login to", err);
    }
    if (rc == 0) {
        sb_release(&methods);
        return 0;
    }
    if (rc == -2) {
        sb_release(&methods);
        return -1;
    }
    if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) {
        strbuf h = STRBUF_INIT;
        if (c->password)
            sb_adds(&h, how);
        else
            sb_addf(&h, "key %s", c->key_file);
        refused(s, c, h.buf, methods.buf, err);
        sb_release(&h);
    } else if (rc == LIBSSH2_ERROR_FILE) {
        char *msg = NULL;
        libssh2_session_last_error(s->ssh, &msg, NULL, 0);
        mtv_err_set(err, MTV_EXIT_USAGE,
                    "SSH login to %s: the key %s cannot be used (%s): it must be an OpenSSH or PEM "
                    "private key, with its passphrase if it has one",
                    s->peer, c->key_file, msg && *msg ? msg : "unreadable");
    } else {
        fail(s, err, "SSH login to");
    }
    sb_release(&methods);
    return -1;
}

/* ---- commands ---------------------------------------------------------------------- */

void ssh_result_free(ssh_result *r)
{
    sb_release(&r->out);
    sb_release(&r->err);
    memset(r, 0, sizeof *r);
}

/* Reads what is there of one stream; 1 = got bytes, 0 = nothing now, -1 = error. */
static int drain(ssh_session *s, LIBSSH2_CHANNEL *ch, int stream, strbuf *into, int *truncated)
{
    char buf[16384];
    int got = 0;
    for (;;) {
        ssize_t n = libssh2_channel_read_ex(ch, stream, buf, sizeof buf);
        if (n == LIBSSH2_ERROR_EAGAIN)
            return got;
        if (n < 0)
            return -1;
        if (n == 0)
            return got;
        got = 1;
        size_t keep = into->len < SSH_OUTPUT_MAX ? SSH_OUTPUT_MAX - into->len : 0;
        if ((size_t)n > keep)
            *truncated = 1;
        sb_add(into, buf, (size_t)n < keep ? (size_t)n : keep);
        (void)s;
    }
}

static void free_channel(ssh_session *s, LIBSSH2_CHANNEL *ch)
{
    clock_deadline dl = clock_deadline_in(s->opt.clock, 2000);
    mtv_err ignored;
    int rc;
    RETRY_LIBSSH2(s, rc, libssh2_channel_free(ch), dl, 2000, "closing a channel to", &ignored);
    (void)rc;
}

int ssh_exec(ssh_session *s, const char *command, long timeout_ms, ssh_result *r, mtv_err *err)
{
    memset(r, 0, sizeof *r);
    r->exit_status = -1;
    if (timeout_ms <= 0)
        timeout_ms = 120000;
    clock_deadline dl = clock_deadline_in(s->opt.clock, timeout_ms);
    LIBSSH2_CHANNEL *ch;
    while (!(ch = libssh2_channel_open_session(s->ssh)) &&
           libssh2_session_last_errno(s->ssh) == LIBSSH2_ERROR_EAGAIN)
        if (wait_io(s, dl, timeout_ms, "opening a channel to", err) < 0)
            return -1;
    if (!ch)
        return fail(s, err, "opening a channel to");
    int rc;
    RETRY_LIBSSH2(s, rc, libssh2_channel_exec(ch, command), dl, timeout_ms, "starting a command on", err);
    if (rc != 0) {
        if (rc != -2)
            fail(s, err, "starting a command on");
        free_channel(s, ch);
        return -1;
    }
    /* no input: a command that reads stdin sees its end instead of waiting */
    RETRY_LIBSSH2(s, rc, libssh2_channel_send_eof(ch), dl, timeout_ms, "starting a command on", err);
    if (rc != 0) {
        if (rc != -2)
            fail(s, err, "starting a command on");
        free_channel(s, ch);
        return -1;
    }
    for (;;) {
        int a = drain(s, ch, 0, &r->out, &r->truncated);
        int b = drain(s, ch, SSH_EXTENDED_DATA_STDERR, &r->err, &r->truncated);
        if (a < 0 || b < 0) {
            fail(s, err, "reading a command's output from");
            free_channel(s, ch);
            return -1;
        }
        if (libssh2_channel_eof(ch))
            break;
        if (a || b)
            continue;
        /* Reading one stream can pull the other's data off the socket into
         * libssh2's queue; waiting on the socket then would wait for bytes
         * that have already arrived (the peer may have nothing more to say). */
        if (libssh2_poll_channel_read(ch, 0) || libssh2_poll_channel_read(ch, 1))
            continue;
        if (wait_io(s, dl, timeout_ms, "waiting for a command on", err) < 0) {
            mtv_err_set(err, MTV_EXIT_ENV, "the command on %s did not finish within %ld ms", s->peer,
                        timeout_ms);
            free_channel(s, ch);
            return -1;
        }
    }
    RETRY_LIBSSH2(s, rc, libssh2_channel_close(ch), dl, timeout_ms, "closing a channel to", err);
    if (rc == 0)
        RETRY_LIBSSH2(s, rc, libssh2_channel_wait_closed(ch), dl, timeout_ms, "closing a channel to", err);
    if (rc != 0) {
        if (rc != -2)
            fail(s, err, "closing a channel to");
        free_channel(s, ch);
        return -1;
    }
    char *sig = NULL;
    size_t siglen = 0;
    libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL, NULL, NULL, NULL);
    if (sig && siglen) {
        snprintf(r->exit_signal, sizeof r->exit_signal, "%.*s", (int)siglen, sig);
        r->exit_status = -1;
    } else {
        r->exit_status = libssh2_channel_get_exit_status(ch);
    }
    if (sig)
        libssh2_free(s->ssh, sig);
    free_channel(s, ch);
    return 0;
}
