/*
 * lab_proto: the Kubernetes protobuf envelope, decoded into JSON.
 *
 * kubectl's typed commands (`create namespace`, `create secret`, `create
 * configmap`) send `application/vnd.kubernetes.protobuf` bodies and never
 * fall back to JSON, so the lab reads them: the "k8s\0" magic, the Unknown
 * envelope (TypeMeta, raw), and inside the raw message the ObjectMeta every
 * kind keeps as field 1 (name, generateName, namespace, labels, annotations,
 * finalizers) plus the payload of the kinds kubectl creates this way:
 * Namespace (spec.finalizers), ConfigMap (data, binaryData, immutable) and
 * Secret (data, type, stringData, immutable). Answers stay JSON, which
 * kubectl accepts.
 */
#ifndef MTV_LAB_PROTO_H
#define MTV_LAB_PROTO_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/strbuf.h"

/* Returns the object as JSON (caller frees), or NULL with a reason in err
 * (unsupported kind, malformed message). */
cJSON *lab_proto_decode(const void *data, size_t n, strbuf *err);

#endif
