#!/usr/bin/env bash
# The real kubectl against `mtv-validate lab serve` over HTTPS with the
# kubeconfig the lab writes: raw GETs, tables, JSON, create -f with
# validation against the real Forklift CRDs, patches, watches, wait,
# delete with a finalizer, protobuf namespace creation, and a clean stop
# on SIGTERM. The API server alone (--no-mtv: no webhooks, no controller).
# Every kubectl call gets a fresh --cache-dir, because kubectl caches
# discovery and the dispatcher's version probe per host:port.
set -euo pipefail

KUBECTL=${KUBECTL:-$(command -v kubectl || true)}
if [ -z "$KUBECTL" ]; then
  echo "SKIP: no kubectl on PATH (make deps installs Debian's kubernetes-client)"
  exit 77
fi
: "${MTV_BIN:?}" "${MTV_SHARED_DIR:?}"
CRDS="$MTV_SHARED_DIR/reference/forklift-crds"
if [ ! -d "$CRDS" ]; then
  echo "SKIP: $CRDS not found"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lab-kubectl.XXXXXX")
lab_pid=""
cleanup() {
  if [ -n "$lab_pid" ] && kill -0 "$lab_pid" 2>/dev/null; then
    kill -TERM "$lab_pid" 2>/dev/null || true
    wait "$lab_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- lab log:" >&2
  tail -n 40 "$work/lab.log" >&2 || true
  exit 1
}

"$MTV_BIN" lab serve --no-mtv --crds "$CRDS" --state-dir "$work/state" --log-file "$work/lab.log" \
  >"$work/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 600); do
  # the URL line comes after the kubeconfig, once MTV is seeded too
  [ -s "$work/state/kubeconfig" ] && grep -q "^Stop with" "$work/lab.out" && break
  kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$work/lab.out")"
  sleep 0.1
done
[ -s "$work/state/kubeconfig" ] || fail "no kubeconfig after 60 s"
export KUBECONFIG="$work/state/kubeconfig"
grep -q "serving the Kubernetes API at https://127.0.0.1:" "$work/lab.out" \
  || fail "lab serve did not print its URL: $(cat "$work/lab.out")"

n=0
k() {  # kubectl with a fresh cache dir; output in $out, exit code in $rc
  n=$((n + 1))
  last="kubectl $*"
  set +e
  out=$("$KUBECTL" --cache-dir "$work/cache.$n" "$@" 2>&1)
  rc=$?
  set -e
}
expect() {  # expect RC TEXT: the last k call's exit code and a substring
  [ "$rc" = "$1" ] || fail "$last: exit $rc, wanted $1: $out"
  case "$out" in *"$2"*) ;; *) fail "$last: expected '$2' in: $out" ;; esac
}

# kubectl older than 1.24 validates with OpenAPI v2 protobuf, which the lab
# does not serve; the server-side validation below still applies to them.
minor=$("$KUBECTL" version --client 2>/dev/null | grep -o 'v1\.[0-9]*' | head -1 | cut -d. -f2)
validate=()
if [ -n "$minor" ] && [ "$minor" -lt 24 ]; then validate=(--validate=false); fi

k get --raw /version;                      expect 0 '"minor":"32"'
k get --raw /apis/forklift.konveyor.io/v1beta1; expect 0 '"name":"plans"'
k get ns;                                  expect 0 'kube-system'
k create ns demo;                          expect 0 'namespace/demo created'
k create ns demo;                          expect 1 'AlreadyExists'

plan() {  # plan NAME EXTRA_SPEC_JSON
  cat >"$work/$1.json" <<JSON
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"Plan","metadata":{"name":"$1","namespace":"demo"},
 "spec":{"provider":{"source":{"name":"vsphere","namespace":"demo"},"destination":{"name":"host","namespace":"demo"}},
 "map":{"network":{"name":"net","namespace":"demo"},"storage":{"name":"st","namespace":"demo"}},
 "targetNamespace":"demo","vms":[{"id":"vm-42"}]$2}}
JSON
}
plan p1 ''
k create -f "$work/p1.json" "${validate[@]}";   expect 0 'plan.forklift.konveyor.io/p1 created'
plan p2 ',"warm":"yes"'
k create -f "$work/p2.json" "${validate[@]}"
expect 1 'spec.warm: Invalid value: "string": spec.warm in body must be of type boolean: "string"'
plan p3 ',"bogus":1'
if [ ${#validate[@]} -eq 0 ]; then
  k create -f "$work/p3.json";               expect 1 'strict decoding error: unknown field "spec.bogus"'
fi

k get plans -A;                            expect 0 'NAMESPACE   NAME   READY   EXECUTING   SUCCEEDED   FAILED   AGE'
case "$out" in *"demo        p1 "*) ;; *) fail "no p1 row: $out" ;; esac
k get plans -A -o json;                    expect 0 '"preserveStaticIPs": true'
case "$out" in *'"name": "p1"'*) ;; *) fail "no p1 in JSON: $out" ;; esac
k get plan p1 -n demo -o jsonpath='{.metadata.generation}'; expect 0 '1'

k patch plan p1 -n demo --type=merge -p '{"spec":{"warm":true}}'; expect 0 'plan.forklift.konveyor.io/p1 patched'
k patch plan p1 -n demo --type=merge -p '{"spec":{"warm":true}}'; expect 0 'patched (no change)'
k patch plan p1 -n demo --type=json -p '[{"op":"add","path":"/spec/description","value":"from json patch"}]'
expect 0 'patched'
k get plan p1 -n demo -o jsonpath='{.spec.warm} {.spec.description} {.metadata.generation}'
expect 0 'true from json patch 3'

# get -w prints the list, then each change
"$KUBECTL" --cache-dir "$work/cache.watch" get plans -n demo -w >"$work/watch.out" 2>&1 &
watch_pid=$!
sleep 1.5
k label plan p1 -n demo team=a;            expect 0 'labeled'
sleep 1
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
[ "$(grep -c '^p1 ' "$work/watch.out")" -ge 2 ] || fail "get -w showed no change: $(cat "$work/watch.out")"

# wait --for=condition=Ready while the status is written through /status
gen=$("$KUBECTL" --cache-dir "$work/cache.gen" get plan p1 -n demo -o jsonpath='{.metadata.generation}')
cat >"$work/status.json" <<JSON
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"Plan","metadata":{"name":"p1","namespace":"demo"},
 "status":{"observedGeneration":$gen,"conditions":[{"type":"Ready","status":"True","category":"Required",
 "lastTransitionTime":"2026-01-01T00:00:00Z","message":"The migration plan is ready."}]}}
JSON
( sleep 1.5; "$KUBECTL" --cache-dir "$work/cache.status" replace --raw \
    /apis/forklift.konveyor.io/v1beta1/namespaces/demo/plans/p1/status -f "$work/status.json" "${validate[@]}" \
    >"$work/status.out" 2>&1 ) &
status_pid=$!
k wait --for=condition=Ready plan/p1 -n demo --timeout=30s
expect 0 'plan.forklift.konveyor.io/p1 condition met'
wait "$status_pid" || fail "writing the status failed: $(cat "$work/status.out")"
k get plans -n demo;                       expect 0 'True'

# delete waits for a finalizer that is removed a little later
k patch plan p1 -n demo --type=merge -p '{"metadata":{"finalizers":["lab.test/hold"]}}'; expect 0 'patched'
( sleep 1.5; "$KUBECTL" --cache-dir "$work/cache.fin" patch plan p1 -n demo --type=json \
    -p '[{"op":"remove","path":"/metadata/finalizers"}]' >"$work/fin.out" 2>&1 ) &
fin_pid=$!
k delete plan p1 -n demo --timeout=30s;    expect 0 'plan.forklift.konveyor.io "p1" deleted'
wait "$fin_pid" || fail "removing the finalizer failed: $(cat "$work/fin.out")"
k get plan p1 -n demo;                     expect 1 'plans.forklift.konveyor.io "p1" not found'

# typed creates send protobuf
k create secret generic creds -n demo --from-literal=password=lab-canary-secret; expect 0 'secret/creds created'
k create configmap settings -n demo --from-literal=mode=cold; expect 0 'configmap/settings created'
k get secret creds -n demo -o jsonpath='{.type}';             expect 0 'Opaque'
if grep -q 'lab-canary-secret' "$work/lab.log"; then fail "a secret's value reached the lab log"; fi

# namespaces go away with their content
k delete ns demo;                          expect 0 'namespace "demo" deleted'
k get configmap settings -n demo;          expect 1 'not found'

# SIGTERM stops the lab cleanly
kill -TERM "$lab_pid"
set +e
wait "$lab_pid"
status=$?
set -e
lab_pid=""
[ "$status" = 0 ] || fail "lab serve exited $status on SIGTERM"
grep -q 'SIGTERM received, stopping' "$work/lab.log" || fail "no stop message in the log"
echo "PASS: kubectl $("$KUBECTL" version --client 2>/dev/null | head -1) against the lab"
