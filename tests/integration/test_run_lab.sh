#!/usr/bin/env bash
# `mtv-validate run`, `cleanup` and interruption against `mtv-validate lab
# serve` (the Kubernetes API; no MTV controller acts on what is created, so
# the source Provider never gets Ready and every run below is stopped):
#  - --timeout: the run cancels, tears down, writes its cassette and results
#    and exits 3, leaving nothing in the lab;
#  - SIGINT during the Provider wait: the same, exit 130;
#  - kill -9 during the wait: objects stay, resources.json lists them all,
#    `cleanup` removes them, and a second `cleanup` finds nothing to do;
#  - bad command lines exit 2 with a message.
# The provider password never reaches the output, logs or cassettes.
set -euo pipefail
# run and has (this script keeps its own prologue and fail)
# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"

: "${MTV_BIN:?}" "${MTV_SHARED_DIR:?}" "${MTV_SOURCE_DIR:?}"
CRDS="$MTV_SHARED_DIR/reference/forklift-crds"
[ -d "$CRDS" ] || { echo "SKIP: no $CRDS"; exit 77; }

work=$(mktemp -d "${MTV_BINARY_DIR:-${TMPDIR:-/tmp}}/run-lab.XXXXXX")
lab_pid=""
run_pid=""
cleanup() {
  for p in "$run_pid" "$lab_pid"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# only the API server: with an MTV controller the Provider would fail its
# connection test at once instead of waiting
api_only=()
case "$("$MTV_BIN" lab serve --help 2>/dev/null || true)" in *--no-mtv*) api_only=(--no-mtv) ;; esac
"$MTV_BIN" lab serve --crds "$CRDS" --state-dir "$work/state" --log-file "$work/lab.log" \
  ${api_only[@]+"${api_only[@]}"} >"$work/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 600); do
  [ -s "$work/state/lab.json" ] && break
  kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$work/lab.out")"
  sleep 0.1
done
[ -s "$work/state/lab.json" ] || fail "no lab.json after 60 s"
export KUBECONFIG="$work/state/kubeconfig"

secret="Run-lab-canary-pw-42"
cat >"$work/providers.json" <<EOF
{"vs": {"type": "vsphere", "version": "8.0", "fqdn": "vc.example.com",
        "api_url": "https://vc.example.com/sdk", "username": "admin@vsphere.local",
        "password": "$secret"}}
EOF
common=(--scenario test_sanity_cold_mtv_migration --provider vs --storage-class standard
        --providers-json "$work/providers.json" --catalog "$MTV_SOURCE_DIR/scenarios"
        --set source_provider_insecure_skip_verify=true)

no_secret() {  # no_secret FILE...
  for f in "$@"; do
    if grep -a -q "$secret" "$f"; then fail "$f holds the provider password"; fi
  done
}
all_deleted() {  # all_deleted RESOURCES_JSON
  grep -q '"kind":[[:space:]]*"Provider"' "$1" || fail "$1 lists no Provider"
  if grep -q '"state":[[:space:]]*"\(created\|leftover\)"' "$1"; then
    fail "$1 still lists live objects: $(cat "$1")"
  fi
}
lab_has_no_run_namespace() {  # lab_has_no_run_namespace: no auto-* namespace left
  local ns
  ns=$(kubectl --cache-dir "$work/kcache" get namespaces -o name 2>/dev/null | grep 'namespace/auto-' || true)
  [ -z "$ns" ] || fail "the lab still holds $ns"
}
wait_for_provider_recorded() {  # wait_for_provider_recorded DIR
  for _ in $(seq 1200); do
    if [ -f "$1/resources.json" ] && grep -q '"Provider"' "$1/resources.json"; then return 0; fi
    kill -0 "$run_pid" 2>/dev/null || fail "run exited early"
    sleep 0.1
  done
  fail "no Provider recorded in $1/resources.json after 120 s"
}

# usage errors
run 2 "$MTV_BIN" run --scenario test_sanity_cold_mtv_migration --catalog "$MTV_SOURCE_DIR/scenarios"
has "--provider"
run 2 "$MTV_BIN" run "${common[@]}" --shard 3/2
has "--shard"
run 2 "$MTV_BIN" run "${common[@]}" --timeout soon
has "--timeout"

# --timeout: cancelled, torn down, finalised
run 3 "$MTV_BIN" run "${common[@]}" -o "$work/timeout" --timeout 6s --log-level warn
has "stopped by --timeout"
has "$work/timeout/junit.xml"
all_deleted "$work/timeout/resources.json"
[ -s "$work/timeout/cassettes/test_sanity_cold_mtv_migration.tar" ] || fail "no cassette"
grep -q '"status":[[:space:]]*"error"' "$work/timeout/results.json" || fail "prepare is not an error"
grep -q 'testcase' "$work/timeout/junit.xml" || fail "no junit.xml test cases"
no_secret "$work/timeout/run.log" "$work/timeout/cassettes/test_sanity_cold_mtv_migration.tar" \
  "$work/timeout/results.json" "$work/timeout/junit.xml"
lab_has_no_run_namespace
run 0 "$MTV_BIN" cleanup "$work/timeout"
has "nothing left to remove"

# a second run into the same folder is refused
run 2 "$MTV_BIN" run "${common[@]}" -o "$work/timeout"
has "already holds a run"

# SIGINT while waiting for the Provider
"$MTV_BIN" run "${common[@]}" -o "$work/sigint" --log-level warn >"$work/sigint.out" 2>&1 &
run_pid=$!
wait_for_provider_recorded "$work/sigint"
sleep 0.5
kill -INT "$run_pid"
set +e
wait "$run_pid"
rc=$?
set -e
run_pid=""
[ "$rc" = 130 ] || fail "SIGINT: exit $rc, wanted 130: $(cat "$work/sigint.out")"
grep -q "interrupted by signal 2" "$work/sigint.out" || fail "no interruption in the summary"
all_deleted "$work/sigint/resources.json"
[ -s "$work/sigint/cassettes/test_sanity_cold_mtv_migration.tar" ] || fail "no cassette after SIGINT"
lab_has_no_run_namespace

# kill -9: the ledger survives, cleanup removes everything, twice is fine
"$MTV_BIN" run "${common[@]}" -o "$work/killed" --log-level warn >"$work/killed.out" 2>&1 &
run_pid=$!
wait_for_provider_recorded "$work/killed"
# resources.json lists an object just before it is created: wait until it is
for _ in $(seq 600); do
  kubectl --cache-dir "$work/kcache" get providers -A -o name 2>/dev/null | grep -q "/auto-" && break
  sleep 0.1
done
kill -KILL "$run_pid"
wait "$run_pid" 2>/dev/null || true
run_pid=""
grep -q '"state":[[:space:]]*"created"' "$work/killed/resources.json" || fail "nothing live after kill -9"
[ -s "$work/killed/test_sanity_cold_mtv_migration/journal.ndjson" ] || fail "no journal after kill -9"
kp=$(kubectl --cache-dir "$work/kcache" get providers -A -o name 2>&1 || true)
case "$kp" in */auto-*) ;; *) fail "the lab lost the Provider: $kp" ;; esac
run 0 "$MTV_BIN" cleanup "$work/killed" --dry-run
has "would remove"
run 0 "$MTV_BIN" cleanup "$work/killed" --log-level warn
has "removed"
all_deleted "$work/killed/resources.json"
lab_has_no_run_namespace
if kubectl --cache-dir "$work/kcache" get providers -A -o name | grep -q "/auto-"; then
  fail "a Provider is left after cleanup"
fi
run 0 "$MTV_BIN" cleanup "$work/killed/resources.json"
has "nothing left to remove"
run 0 "$MTV_BIN" cassette recover -o "$work/killed.tar" "$work/killed/test_sanity_cold_mtv_migration/journal.ndjson"
no_secret "$work/killed/resources.json" "$work/killed.tar"

# cleanup of something that is not a run
echo '{}' >"$work/bogus.json"
run 2 "$MTV_BIN" cleanup "$work/bogus.json"
has "not a resources file"
echo "ok"
