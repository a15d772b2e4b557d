#!/usr/bin/env bash
# `mtv-validate cluster check` against `mtv-validate lab serve` over HTTPS:
# with the lab's kubeconfig (--kubeconfig and KUBECONFIG), with the
# OpenShift OAuth login from CLUSTER_* (CA bundle, and verification off),
# a wrong password, an untrusted CA, a broken kubeconfig and a stopped
# cluster; the login password and the tokens never reach output or log.
set -euo pipefail
# run and has (this script keeps its own prologue and fail)
# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"

: "${MTV_BIN:?}" "${MTV_SHARED_DIR:?}"
CRDS="$MTV_SHARED_DIR/reference/forklift-crds"
crds=()
[ -d "$CRDS" ] && crds=(--crds "$CRDS")

work=$(mktemp -d "${MTV_BINARY_DIR:-${TMPDIR:-/tmp}}/cluster-check.XXXXXX")
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
  exit 1
}

"$MTV_BIN" lab serve "${crds[@]}" --state-dir "$work/state" --log-file "$work/lab.log" \
  >"$work/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 600); do
  [ -s "$work/state/lab.json" ] && break
  kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$work/lab.out")"
  sleep 0.1
done
[ -s "$work/state/lab.json" ] || fail "no lab.json after 60 s"

field() {  # field NAME: a string member of lab.json
  sed -n "s/.*\"$1\":[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$work/state/lab.json" | head -1
}
url=$(field url)
user=$(field username)
password=$(field password)
token=$(sed -n 's/.*token:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$work/state/kubeconfig" | head -1 | tr -d "\"'")
[ -n "$url" ] && [ -n "$password" ] && [ -n "$token" ] || fail "cannot read the lab's files"
case "$token" in sha256~*) ;; *) fail "unexpected token format in the lab's kubeconfig" ;; esac

lacks() {
  case "$out" in *"$1"*) fail "'$1' must not appear in: $out" ;; esac
}

# the lab's kubeconfig, explicitly and through KUBECONFIG
run 0 env -u CLUSTER_HOST "$MTV_BIN" cluster check --kubeconfig "$work/state/kubeconfig" \
  --log-file "$work/check.log" --log-level debug
has "cluster access ok"; has "server      $url"; has "user        system:admin"
has "forklift    forklift.konveyor.io/v1beta1"; has "kubevirt    kubevirt.io/v1"
has "verified against the configured CA"; lacks "$token"
run 0 env -u CLUSTER_HOST KUBECONFIG="/nonexistent:$work/state/kubeconfig" "$MTV_BIN" cluster check --json
has '"ok":true'; has "\"server\":\"$url\""

# upstream's way in: CLUSTER_* and the OAuth challenge login
run 0 env -u KUBECONFIG HOME="$work" CLUSTER_HOST="$url" CLUSTER_USERNAME="$user" \
  CLUSTER_PASSWORD="$password" CLUSTER_CA_BUNDLE="$work/state/ca.crt" \
  "$MTV_BIN" cluster check --log-file "$work/check.log" --log-level trace
has "cluster access ok"; has "user        $user"; lacks "$password"
run 0 env -u KUBECONFIG HOME="$work" CLUSTER_HOST="${url#https://}" CLUSTER_USERNAME="$user" \
  CLUSTER_PASSWORD="$password" CLUSTER_VERIFY_SSL=false "$MTV_BIN" cluster check
has "NOT verified"; has "user        $user"

run 3 env -u KUBECONFIG HOME="$work" CLUSTER_HOST="$url" CLUSTER_USERNAME="$user" \
  CLUSTER_PASSWORD="wrong-$password" CLUSTER_CA_BUNDLE="$work/state/ca.crt" "$MTV_BIN" cluster check
has "rejected the user name or password (401 Unauthorized)"; lacks "$password"
run 3 env -u KUBECONFIG HOME="$work" CLUSTER_HOST="$url" CLUSTER_USERNAME="$user" \
  CLUSTER_PASSWORD="$password" "$MTV_BIN" cluster check
has "TLS verification of $url failed"
run 2 env -u KUBECONFIG HOME="$work" CLUSTER_HOST="$url" CLUSTER_USERNAME="$user" \
  "$MTV_BIN" cluster check
has "CLUSTER_PASSWORD is not set"

# configuration errors name file, line and key
printf 'clusters:\n- name: c\n  cluster:\n    server: [x]\ncontexts:\n- {name: x, context: {cluster: c}}\ncurrent-context: x\n' \
  >"$work/broken.kubeconfig"
run 2 env -u CLUSTER_HOST "$MTV_BIN" cluster check --kubeconfig "$work/broken.kubeconfig"
has "broken.kubeconfig:4:13: clusters[name=c].cluster.server: expected a string, found a list"
run 2 env -u CLUSTER_HOST "$MTV_BIN" cluster check --kubeconfig "$work/state/kubeconfig" --context nope
has "context 'nope' is not defined"

for f in "$work/check.log"; do
  if grep -q -F -e "$password" -e "$token" "$f"; then fail "a credential reached $f"; fi
  grep -q "logged in to $url as $user" "$f" || fail "no login line in $f"
done

# a cluster that went away
kill -TERM "$lab_pid"
wait "$lab_pid" 2>/dev/null || true
lab_pid=""
run 3 env -u CLUSTER_HOST "$MTV_BIN" cluster check --kubeconfig "$work/state/kubeconfig"
has "cluster access has problems"; has "cannot talk to $url"
echo "ok: cluster check against the lab"
