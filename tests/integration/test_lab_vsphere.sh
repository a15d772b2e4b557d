#!/usr/bin/env bash
# The lab's vSphere inventory read from a real vcsim over SOAP: the vcsim
# launcher serves the lab's own world (`lab world --vsphere`), `lab serve
# --vsphere URL` collects it when a Provider points at it, the inventory
# shows the simulator's morefs, hardware and guest networking, a wrong
# password fails the connection test, and a cold migration powers the VM
# off in the simulator itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
KUBECTL=${KUBECTL:-$(command -v kubectl || true)}
[ -n "$KUBECTL" ] || { echo "SKIP: no kubectl on PATH"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: no jq on PATH"; exit 77; }
: "${MTV_BIN:?}" "${MTV_SHARED_DIR:?}"
CRDS="$MTV_SHARED_DIR/reference/forklift-crds"
[ -d "$CRDS" ] || { echo "SKIP: $CRDS not found"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lab-vsphere.XXXXXX")
lab_pid="" vcsim_pid=""
cleanup() {
  for p in $lab_pid $vcsim_pid; do
    kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- lab log:" >&2
  tail -n 30 "$work/lab.log" >&2 || true
  exit 1
}

vcsim="${MTV_BINARY_DIR:-$work}/peers/vcsim"
bash "$here/../peers/vcsim/build.sh" "$vcsim" || exit $?

"$MTV_BIN" lab world --vsphere >"$work/world.json"
"$vcsim" -l 127.0.0.1:0 -vm 0 -user lab-user -pass 'lab-p@ss<word>' -world "$work/world.json" \
  >"$work/ready" 2>"$work/vcsim.err" &
vcsim_pid=$!
for _ in $(seq 1200); do [ -f "$work/ready" ] && [ "$(wc -l <"$work/ready")" -ge 1 ] && break; sleep 0.1; done
url=$(jq -r .url "$work/ready" 2>/dev/null) || fail "vcsim not ready: $(cat "$work/vcsim.err")"
moref=$(jq -r '.vms["mtv-win2019-3disks"]' "$work/ready")

"$MTV_BIN" lab serve --crds "$CRDS" --state-dir "$work/state" --speed 100 --vsphere "$url" --log-level debug \
  --log-file "$work/lab.log" >"$work/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 600); do
  grep -q "^Stop with" "$work/lab.out" && break
  kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$work/lab.out")"
  sleep 0.1
done
export KUBECONFIG="$work/state/kubeconfig"
[ "$(jq -r .vsphere.api_url "$work/state/.providers.json")" = "$url" ] \
  || fail "the providers file does not point the vsphere entry at vcsim"
n=0
k() { n=$((n + 1)); "$KUBECTL" --cache-dir "$work/cache.$n" "$@"; }
apply() { k create -f "$1" >/dev/null || fail "kubectl create -f $1: $(cat "$1")"; }
ns=openshift-mtv

provider() {  # provider NAME PASSWORD
  cat >"$work/$1-secret.json" <<JSON
{"apiVersion":"v1","kind":"Secret","metadata":{"name":"$1","namespace":"$ns"},
 "stringData":{"user":"lab-user","password":"$2","insecureSkipVerify":"true"}}
JSON
  cat >"$work/$1.json" <<JSON
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"Provider","metadata":{"name":"$1","namespace":"$ns"},
 "spec":{"type":"vsphere","url":"$url","secret":{"name":"$1","namespace":"$ns"}}}
JSON
  apply "$work/$1-secret.json"
  apply "$work/$1.json"
}
provider vs 'lab-p@ss<word>'
provider wrong 'not-the-password'
k wait --for=condition=Ready provider/vs -n $ns --timeout=30s >/dev/null \
  || fail "provider not Ready: $(k get provider vs -n $ns -o json | jq -c .status)"
k wait --for=jsonpath='{.status.phase}'=ConnectionFailed provider/wrong -n $ns --timeout=30s >/dev/null \
  || fail "a wrong password must fail: $(k get provider wrong -n $ns -o json | jq -c .status)"
k get provider wrong -n $ns -o json | jq -e '.status.conditions[] | select(.type=="ConnectionTestFailed")
   | .category == "Critical" and (.message | test("Connection test, failed"))' >/dev/null \
  || fail "ConnectionTestFailed: $(k get provider wrong -n $ns -o json | jq -c .status.conditions)"

# the inventory, through the lab's Route, shows what vcsim has
token=$(sed -n 's/^ *token: *"\(.*\)"/\1/p' "$KUBECONFIG")
server=$(jq -r .url "$work/state/lab.json")
uid=$(k get provider vs -n $ns -o jsonpath='{.metadata.uid}')
inv() { curl -sf --cacert "$work/state/ca.crt" -H "Authorization: Bearer $token" "$server/providers/vsphere/$uid/$1"; }
vms=$(inv "vms")
[ "$(jq -c '[.[].name] | sort' <<<"$vms")" = "$(jq -c '.vms | keys' "$work/ready")" ] \
  || fail "inventory VMs $(jq -c '[.[].name]' <<<"$vms"), vcsim has $(jq -c '.vms | keys' "$work/ready")"
vm=$(inv "vms/$moref")
jq -e --argjson w "$(jq '.vms[] | select(.name=="mtv-win2019-3disks")' "$work/world.json")" \
  '.name == "mtv-win2019-3disks" and .cpuCount == $w.cpus and .coresPerSocket == $w.cores_per_socket
   and .memoryMB == $w.memory_mb and .powerState == "poweredOn" and .firmware == $w.firmware
   and ([.nics[].mac] == [$w.nics[].mac]) and (.disks | length) == ($w.disks | length)
   and ([.guestNetworks[] | select(.ip == $w.nics[0].ip) | .prefix] == [$w.nics[0].prefix])
   and ([.guestIpStacks[] | select(.network == "0.0.0.0") | .gateway] == [$w.nics[0].gateway])
   and .toolsStatus == "toolsOk" and (.host | startswith("host-"))' <<<"$vm" >/dev/null \
  || fail "inventory VM $moref: $(jq -c '{cpuCount, memoryMB, powerState, firmware, nics, guestNetworks, guestIpStacks, host}' <<<"$vm")"
inv "datastores" | jq -e 'map(.name) | index("LocalDS_0")' >/dev/null || fail "no LocalDS_0 datastore"
inv "networks" | jq -e 'map(.name) | index("mtv-net-a")' >/dev/null || fail "no mtv-net-a network"

# a cold migration powers the VM off in vcsim
cat >"$work/migration.json" <<JSON
{"apiVersion":"v1","kind":"List","items":[
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"NetworkMap","metadata":{"name":"n","namespace":"$ns"},
 "spec":{"provider":{"source":{"name":"vs","namespace":"$ns"},"destination":{"name":"host","namespace":"$ns"}},
  "map":[{"source":{"name":"VM Network"},"destination":{"type":"pod"}},
         {"source":{"name":"mtv-net-a"},"destination":{"type":"ignored"}}]}},
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"StorageMap","metadata":{"name":"s","namespace":"$ns"},
 "spec":{"provider":{"source":{"name":"vs","namespace":"$ns"},"destination":{"name":"host","namespace":"$ns"}},
  "map":[{"source":{"name":"LocalDS_0"},"destination":{"storageClass":"standard"}}]}},
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"Plan","metadata":{"name":"p","namespace":"$ns"},
 "spec":{"provider":{"source":{"name":"vs","namespace":"$ns"},"destination":{"name":"host","namespace":"$ns"}},
  "map":{"network":{"name":"n","namespace":"$ns"},"storage":{"name":"s","namespace":"$ns"}},
  "targetNamespace":"mtv-vms","vms":[{"name":"mtv-win2019-3disks"}]}},
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"Migration","metadata":{"name":"p-run","namespace":"$ns"},
 "spec":{"plan":{"name":"p","namespace":"$ns"}}}]}
JSON
for i in 0 1 2 3; do jq ".items[$i]" "$work/migration.json" >"$work/m$i.json"; apply "$work/m$i.json"; done
k wait --for=condition=Succeeded plan/p -n $ns --timeout=60s >/dev/null \
  || fail "plan did not succeed: $(k get plan p -n $ns -o json | jq -c '.status.conditions')"
[ "$(k get vm mtv-win2019-3disks -n mtv-vms -o jsonpath='{.metadata.labels.vmID}')" = "$moref" ] \
  || fail "the target VM's vmID label is not the vcsim moref $moref"
soap() {
  curl -sf -c "$work/cookies" -b "$work/cookies" -H 'Content-Type: text/xml' "$url" --data-binary \
    "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>$1</soapenv:Body></soapenv:Envelope>"
}
soap '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>lab-user</userName><password>lab-p@ss&lt;word&gt;</password></Login>' >/dev/null \
  || fail "login to vcsim"
state=$(soap "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type=\"VirtualMachine\">$moref</obj></objectSet></specSet><options/></RetrievePropertiesEx>")
grep -q poweredOff <<<"$state" || fail "vcsim still has $moref powered on: $state"
if grep -q 'lab-p@ss' "$work/lab.log"; then fail "the vSphere password is in the lab log"; fi
echo "lab vSphere: inventory collected from vcsim, migration powered the source off"
