/* fuzz_lab_body: what a client can send the lab: the first byte picks the
 * request (create in JSON, YAML or protobuf; merge, JSON or strategic patch;
 * a selector list), the rest is the body or query. Every answer must be a
 * response, never a crash, against a store with a CRD schema loaded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_crd.h"
#include "lab/lab_server.h"
#include "util/strbuf.h"

static const char *crd =
    "kind: CustomResourceDefinition\nspec:\n  group: example.com\n  scope: Namespaced\n"
    "  names: {kind: Widget, plural: widgets}\n  versions:\n  - name: v1\n    served: true\n"
    "    subresources: {status: {}}\n    schema:\n      openAPIV3Schema:\n        type: object\n"
    "        properties:\n          spec:\n            type: object\n            required: [size]\n"
    "            properties:\n              size: {type: integer, minimum: 1, default: 3}\n"
    "              name: {type: string, pattern: '^[a-z]+$', maxLength: 8}\n"
    "              tags: {type: array, items: {type: string, enum: [a, b]}}\n"
    "              any: {x-kubernetes-int-or-string: true}\n";

static lab_server *srv;

static void init(void)
{
    char dir[] = "/tmp/fuzz-lab-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "%s/crd.yaml", dir);
    FILE *f = fopen(path.buf, "w");
    fputs(crd, f);
    fclose(f);
    lab_server_config cfg = {.crds_dir = dir, .plain_http = 1};
    mtv_err err;
    if (lab_server_new(&cfg, &srv, &err) < 0)
        abort();
    remove(path.buf);
    remove(dir);
    sb_release(&path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv)
        init();
    if (size < 1)
        return 0;
    static const struct { const char *method, *target, *ctype; } reqs[] = {
        {"POST", "/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict", "application/json"},
        {"POST", "/apis/example.com/v1/namespaces/default/widgets", "application/yaml"},
        {"POST", "/api/v1/namespaces", "application/vnd.kubernetes.protobuf"},
        {"PATCH", "/apis/example.com/v1/namespaces/default/widgets/w", "application/merge-patch+json"},
        {"PATCH", "/apis/example.com/v1/namespaces/default/widgets/w", "application/json-patch+json"},
        {"PATCH", "/api/v1/namespaces/default", "application/strategic-merge-patch+json"},
        {"PUT", "/apis/example.com/v1/namespaces/default/widgets/w/status", "application/json"},
        {"GET", "/apis/example.com/v1/widgets?labelSelector=", NULL},
    };
    size_t pick = data[0] % (sizeof reqs / sizeof reqs[0]);
    const char *body = (const char *)data + 1;
    size_t n = size - 1;
    lab_req req;
    if (reqs[pick].ctype) {
        lab_req_init(&req, reqs[pick].method, reqs[pick].target);
        lab_req_add_header(&req, "Content-Type", reqs[pick].ctype);
        lab_req_set_body(&req, body, n);
    } else {
        strbuf t = STRBUF_INIT;
        sb_adds(&t, "/apis/example.com/v1/widgets?labelSelector=");
        for (size_t i = 0; i < n; i++)
            sb_addf(&t, "%%%02x", (unsigned char)body[i]);
        lab_req_init(&req, "GET", t.buf);
        sb_release(&t);
    }
    lab_req_add_header(&req, "Authorization", "Bearer x");
    lab_req_set_user(&req, "fuzz");
    lab_resp resp;
    lab_resp_init(&resp);
    lab_api_handle(lab_server_api(srv), &req, &resp);
    if (resp.status < 100 || resp.status > 599)
        abort();
    lab_resp_release(&resp);
    lab_req_release(&req);
    return 0;
}
