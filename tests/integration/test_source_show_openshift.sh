#!/usr/bin/env bash
# `source show` for an OpenShift source against `mtv-validate lab serve`: a
# KubeVirt VM with its instance and PVC, read with the lab's kubeconfig and
# with the entry's user and password (OAuth login); a recording of the login
# and the read replayed with the lab stopped prints the same record; a missing
# VM exits 2 naming it; the password and the token never show in any output,
# log or bundle.
set -euo pipefail

: "${MTV_BIN:?}"
work=$(mktemp -d "${MTV_BINARY_DIR:-${TMPDIR:-/tmp}}/source-show-ocp.XXXXXX")
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
lacks() { ! grep -qF -- "$2" <<<"$1" || fail "'$2' must not appear in: $1"; }

"$MTV_BIN" lab serve --state-dir "$work/state" --log-file "$work/lab.log" >"$work/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 600); do
  [ -s "$work/state/lab.json" ] && break
  kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$work/lab.out")"
  sleep 0.1
done
[ -s "$work/state/lab.json" ] || fail "no lab.json after 60 s"
field() { sed -n "s/.*\"$1\":[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$work/state/lab.json" | head -1; }
url=$(field url)
user=$(field username)
password=$(field password)
token=$(sed -n 's/.*token:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$work/state/kubeconfig" | head -1 | tr -d "\"'")
[ -n "$url" ] && [ -n "$password" ] && [ -n "$token" ] || fail "cannot read the lab's files"

api() {  # api METHOD PATH [JSON]: as KubeVirt and CDI would leave things
  local type=application/json
  [ "$1" = PATCH ] && type=application/merge-patch+json
  curl -fsS --cacert "$work/state/ca.crt" -H "Authorization: Bearer $token" \
    -H "Content-Type: $type" -X "$1" "$url$2" ${3:+--data "$3"} >/dev/null
}
api POST /api/v1/namespaces '{"metadata":{"name":"src-vms"}}'
api POST /apis/kubevirt.io/v1/namespaces/src-vms/virtualmachines '{
  "apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"rhel9-src"},
  "spec":{"runStrategy":"Always","template":{"spec":{
    "domain":{"cpu":{"cores":2,"sockets":1},"memory":{"guest":"2Gi"},
      "firmware":{"bootloader":{"efi":{"secureBoot":false}}},
      "devices":{"interfaces":[{"name":"default","masquerade":{}},{"name":"nic2","bridge":{},"macAddress":"02:00:00:00:0a:02"}]}},
    "networks":[{"name":"default","pod":{}},{"name":"nic2","multus":{"networkName":"mtv-tests/mybridge"}}],
    "volumes":[{"name":"root","dataVolume":{"name":"rhel9-src-root"}},
               {"name":"cloudinit","cloudInitNoCloud":{"userData":"#cloud-config"}}]}}}}'
api PATCH /apis/kubevirt.io/v1/namespaces/src-vms/virtualmachines/rhel9-src/status \
  '{"status":{"printableStatus":"Running"}}'
api POST /apis/kubevirt.io/v1/namespaces/src-vms/virtualmachineinstances '{
  "apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"rhel9-src"},
  "spec":{"domain":{"cpu":{"cores":2,"sockets":1,"threads":1},"memory":{"guest":"2Gi"},"devices":{}}}}'
api PATCH /apis/kubevirt.io/v1/namespaces/src-vms/virtualmachineinstances/rhel9-src/status '{
  "status":{"nodeName":"worker-3","conditions":[{"type":"AgentConnected","status":"True"}],
  "interfaces":[{"name":"default","mac":"02:00:00:00:0a:01","interfaceName":"eth0","ipAddresses":["10.0.2.2"]},
                {"name":"nic2","mac":"02:00:00:00:0a:02","interfaceName":"eth1","ipAddresses":["192.0.2.7"]}]}}'
api POST /api/v1/namespaces/src-vms/persistentvolumeclaims '{
  "apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"rhel9-src-root"},
  "spec":{"storageClassName":"lab-rbd","accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"30Gi"}}}}'
for f in "$work/state/kubeconfig" "$work/state/ca.crt"; do [ -f "$f" ] || fail "no $f"; done

cat >"$work/providers.json" <<JSON
{"ocp": {"type": "openshift", "version": "4.18", "host": "lab", "api_url": "$url",
         "username": "$user", "password": "$password", "storage_class": "lab-rbd"}}
JSON
show() { "$MTV_BIN" source show --providers-json "$work/providers.json" --provider ocp "$@"; }

# with the lab's kubeconfig
text=$(show --kubeconfig "$work/state/kubeconfig" -n src-vms rhel9-src --log-level warn)
expect "$text" "rhel9-src (openshift"
expect "$text" "02:00:00:00:0a:02"
expect "$text" "mybridge"
js=$(show --kubeconfig "$work/state/kubeconfig" src-vms/rhel9-src --json --log-level warn)
flat=$(tr -d ' \t\n' <<<"$js")
expect "$flat" '"power_state":"on"'
expect "$flat" '"guest_agent_running":true'
expect "$flat" '"guest_nic_name":"eth1"'
expect "$flat" '"ip_address":"192.0.2.7"'
expect "$flat" '"size_in_kb":31457280'
expect "$flat" '"memory_in_mb":2048'
lacks "$flat" "cloudinit"

# with the entry's user and password, recorded
rec=$(show --ca-file "$work/state/ca.crt" src-vms/rhel9-src --json --record "$work/rec" \
  --log-level debug --log-file "$work/show.log" 2>"$work/show.err")
[ "$rec" = "$js" ] || fail "the OAuth login read a different record: $rec"
[ -s "$work/rec/source-show.tar" ] || fail "no bundle"
for secret in "$password" "$token"; do
  lacks "$rec" "$secret"
  ! grep -qF -- "$secret" "$work/show.log" "$work/show.err" || fail "a secret reached the log"
  ! grep -qaF -- "$secret" "$work/rec/source-show.tar" || fail "a secret reached the bundle"
done

# a missing VM: exit 2, named
set +e
out=$(show --kubeconfig "$work/state/kubeconfig" -n src-vms no-such-vm 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] || fail "missing VM: exit $rc: $out"
expect "$out" "no VirtualMachine src-vms/no-such-vm"

# the lab is gone; the recording answers
kill -TERM "$lab_pid"
wait "$lab_pid" 2>/dev/null || true
lab_pid=""
replayed=$(show src-vms/rhel9-src --json --replay "$work/rec/source-show.tar" --log-level warn)
[ "$replayed" = "$js" ] || fail "the replay differs: $replayed"
echo "ok"
