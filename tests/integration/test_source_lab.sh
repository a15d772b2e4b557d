#!/usr/bin/env bash
# The source adapters against the lab's simulated sources (`lab serve`, its
# default world and its .providers.json): OpenStack (Keystone, Nova,
# Neutron, Cinder), OpenShift (KubeVirt VMs in the lab's store, logged in as
# the entry's user) and OVA (the archives written into --ova-dir) each give
# the world's VM; oVirt gives it or says the MTV-CNV data center MTV needs is
# missing. No password of the providers file shows in any output.
set -euo pipefail

: "${MTV_BIN:?}"
work=$(mktemp -d "${MTV_BINARY_DIR:-${TMPDIR:-/tmp}}/source-lab.XXXXXX")
lab_pid=""
cleanup() {
  if [ -n "$lab_pid" ] && kill -0 "$lab_pid" 2>/dev/null; then
    kill -TERM "$lab_pid" 2>/dev/null || true
    wait "$lab_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { grep -qF -- "$2" <<<"$1" || fail "missing '$2' in: $1"; }

"$MTV_BIN" lab serve --state-dir "$work/st" --ova-dir "$work/ova" --log-file "$work/lab.log" \
  >"$work/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 600); do
  [ -s "$work/st/.providers.json" ] && break
  kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$work/lab.out")"
  sleep 0.1
done
[ -s "$work/st/.providers.json" ] || fail "no .providers.json after 60 s"
passwords=$(sed -n 's/.*"password":[[:space:]]*"\([^"]\+\)".*/\1/p' "$work/st/.providers.json")
[ -n "$passwords" ] || fail "no passwords in the lab's providers file"

show() {  # show KEY VM [ARGS...]: flattened JSON record in $flat, or the error in $out
  local key=$1 vm=$2
  shift 2
  set +e
  out=$("$MTV_BIN" source show --providers-json "$work/st/.providers.json" --provider "$key" \
    --log-level warn --json "$vm" "$@" 2>&1)
  rc=$?
  set -e
  flat=$(tr -d ' \t\n' <<<"$out")
  while read -r pw; do
    ! grep -qF -- "$pw" <<<"$out" || fail "a provider password reached the output of $key"
  done <<<"$passwords"
}

show openstack mtv-tests-rhel8 --ca-file "$work/st/ca.crt"
[ "$rc" = 0 ] || fail "openstack: $out"
expect "$flat" '"provider_type":"openstack"'
expect "$flat" '"name":"mtv-tests-rhel8"'
expect "$flat" '"macAddress":"00:50:56:aa:00:01"'

show openshift mtv-source-vms/mtv-win2019-79 --ca-file "$work/st/ca.crt"
[ "$rc" = 0 ] || fail "openshift: $out"
expect "$flat" '"provider_type":"openshift"'
expect "$flat" '"win_os":true'
expect "$flat" '"storage":{"name":"standard"}'

show ova mtv-win2019-3disks --ova-dir "$work/ova"
[ "$rc" = 0 ] || fail "ova: $out"
expect "$flat" '"provider_type":"ova"'
expect "$flat" '"win_os":true'
[ "$(grep -o '"size_in_kb"' <<<"$flat" | wc -l)" = 3 ] || fail "ova: not 3 disks: $out"

show ovirt mtv-tests-rhel8 --ca-file "$work/st/ca.crt"
if [ "$rc" = 0 ]; then
  expect "$flat" '"provider_type":"ovirt"'
else
  [ "$rc" = 3 ] || fail "ovirt: exit $rc: $out"
  expect "$out" "no data center named 'MTV-CNV'"
fi
echo ok
