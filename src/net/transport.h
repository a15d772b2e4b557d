/*
 * transport: the one way the program talks to anything (Kubernetes API,
 * Forklift inventory, vSphere SOAP, oVirt, OpenStack, Jira), in one of three
 * modes behind the same calls:
 *
 *   live    requests go out through libcurl (net/engine.h);
 *   record  as live, and each finished exchange is redacted and appended to
 *           the journal (recorder/journal.h), fsync'd, before the call returns;
 *           transport_finish turns the journal into a bundle;
 *   replay  nothing goes out: each request is answered from a cassette by its
 *           match key (recorder/matchkey.h), first in first out; an unmatched
 *           request fails with MTV_EXIT_DIVERGED and a near-miss report.
 *
 * The transport owns the run's clock and random source (util/clock.h,
 * util/rand.h): real and freshly seeded in live and record, virtual and
 * seeded from the cassette's log._variables in replay, where every sleep is
 * instant and the clock follows the recorded timeline. Code above must take
 * time and randomness only from transport_clock / transport_rand.
 *
 * Retries (transport_send and transport_stream): idempotent methods, or any
 * request with retry_safe set, are retried on connection errors and
 * timeouts and on 429/502/503/504, with exponential backoff and jitter
 * (endpoint.retry), honouring Retry-After up to its cap. Every attempt is
 * recorded, so a replay retries exactly as the recording did.
 *
 * Auth: the endpoint's bearer token, basic credentials or cookie are added
 * to the request headers (unless the request already carries that header)
 * and registered as secrets, so they are masked everywhere.
 *
 * Thread-safe: any number of threads may send on one transport. One
 * transport per scenario (it owns that scenario's journal or cassette).
 */
#ifndef MTV_NET_TRANSPORT_H
#define MTV_NET_TRANSPORT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/engine.h"
#include "net/http.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/rand.h"
#include "util/secrets.h"

typedef struct transport transport;

enum transport_mode { TRANSPORT_LIVE = 0, TRANSPORT_RECORD, TRANSPORT_REPLAY };

typedef struct transport_config {
    enum transport_mode mode;
    const char *journal_path;     /* record: journal file to create */
    const char *cassette_path;    /* replay: HAR file or bundle */
    const char *out_dir;          /* replay: unmatched.json goes here (NULL: nowhere) */
    const char *scenario;         /* recorded in the cassette */
    int repeat_last;              /* replay: an exhausted key repeats its last answer */
    int has_seed;                 /* live/record: use seed instead of fresh entropy */
    uint64_t seed;
    secret_registry *secrets;     /* borrowed; NULL = the logger's registry */
    mtv_clock *clock;             /* borrowed override (tests); NULL = the mode's own */
    int journal_nosync;           /* skip fsync per entry (benchmarks only) */
} transport_config;

/* Parses "live", "record" or "replay". */
int transport_mode_parse(const char *name, enum transport_mode *mode, mtv_err *err);
const char *transport_mode_name(enum transport_mode mode);

int transport_open(transport **out, const transport_config *cfg, mtv_err *err);
/* Frees everything; a recording's journal stays on disk (see transport_finish). */
void transport_free(transport *t);

enum transport_mode transport_get_mode(const transport *t);
mtv_clock *transport_clock(transport *t);
mtv_rand *transport_rand(transport *t);
secret_registry *transport_secrets(transport *t);

/* Registers a secret value with the transport's registry and the logger's. */
void transport_secret(transport *t, const char *label, const char *value);

/* One request, one response (any status). Returns 0 when a response
 * arrived, -1 with err (class 3 for network trouble, 4 for replay
 * divergence). resp is filled either way (status 0 when none arrived). */
int transport_send(transport *t, http_request *req, http_response *resp, mtv_err *err);

/* A streamed response (Kubernetes watch): a 2xx body is delivered frame by
 * frame to on_frame as it arrives; return non-zero from on_frame, or set
 * *req->cancel, to stop. Other statuses are collected in resp->body. The
 * recording keeps each frame with its time offset. */
int transport_stream(transport *t, http_request *req, enum net_framing framing,
                     net_frame_fn on_frame, void *ud, http_response *resp, mtv_err *err);

/*
 * Custom (non-HTTP) entries, e.g. an SSH command: request is a JSON value
 * describing the call ({"host":..,"user":..,"command":..}); live (called in
 * live and record mode) performs it and sets *response to a new JSON value
 * ({"stdout":..,"stderr":..,"exit_status":..}). Record mode journals both;
 * replay returns the recorded response for the same kind, upstream and
 * request. *response is the caller's to cJSON_Delete.
 */
typedef int (*transport_custom_fn)(void *ud, const cJSON *request, cJSON **response, mtv_err *err);
int transport_custom(transport *t, const char *kind, const char *upstream, const cJSON *request,
                     transport_custom_fn live, void *ud, cJSON **response, mtv_err *err);

/* Record mode: journals an exchange that was made outside the transport
 * (an import, a benchmark) exactly as transport_send journals its own:
 * redacted, keyed, fsync'd. req and resp are only read. */
int transport_record_exchange(transport *t, const http_request *req, const http_response *resp,
                              mtv_err *err);

/* A generated name ("auto-k3x9q2") from the run's seeded source; recorded in
 * the cassette's _variables.names (replay regenerates the same sequence). */
void transport_name(transport *t, const char *prefix, strbuf *out);
/* Run variables stored in the cassette; in replay, _get returns the recorded
 * value (NULL when unknown). The returned string lives until transport_free. */
int transport_var_set(transport *t, const char *name, const char *value, mtv_err *err);
const char *transport_var_get(transport *t, const char *name);

/*
 * Byte streams for tunnels (SSH over a KubeVirt VMI portforward): a
 * bidirectional stream opened by an HTTP upgrade to WebSocket
 * (net/websocket.h), whose binary messages carry the bytes. Live and record
 * open a real stream with one attempt (the caller owns retrying) and with
 * the endpoint's auth, TLS and proxy; the upgrade is not journalled, because
 * what flows through a tunnel is recorded by its user as custom entries (the
 * SSH layer records each guest command and its result). Replay refuses:
 * nothing in a replay may need raw bytes.
 *
 * read blocks until bytes arrive (> 0), the stream ends (0: the peer closed
 * normally, or shutdown was called) or fails (-1 with err). write sends all
 * n bytes or fails. One reader and one writer may run at once; shutdown may
 * be called from any thread. close ends the stream (closing handshake) and
 * frees it; no read or write may be running then.
 */
typedef struct net_bytestream net_bytestream;
struct net_bytestream {
    ssize_t (*read)(net_bytestream *s, void *buf, size_t n, mtv_err *err);
    int (*write)(net_bytestream *s, const void *buf, size_t n, mtv_err *err);
    void (*shutdown)(net_bytestream *s);
    void (*close)(net_bytestream *s);
    void *impl;
};

/* Opens req (its URL and endpoint; the method is ignored) as a WebSocket
 * offering subprotocol (NULL: none). On failure resp holds the answer that
 * came instead of 101 (status 0 when none: *failure says why), so a caller
 * can tell a refusal (403) from a missing VMI (404) from a network fault;
 * resp and failure may be NULL. */
int transport_open_bytestream(transport *t, http_request *req, const char *subprotocol,
                              net_bytestream **out, http_response *resp, enum net_failure *failure,
                              mtv_err *err);

/* Record: closes the journal and writes the scenario's bundle (log_path, if
 * readable, goes in as scenario.log). Refuses with exit 3 if a secret would
 * remain. Replay: no-op. Either way the transport stays usable for reads. */
int transport_finish(transport *t, const char *bundle_path, const char *log_path, mtv_err *err);

/* Replay: recorded entries never served, one line each; returns the count. */
size_t transport_unused(transport *t, strbuf *report);

/* Record: the journal path (NULL in other modes). */
const char *transport_journal_path(const transport *t);

#endif
