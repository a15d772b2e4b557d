#!/usr/bin/env bash
# Cold and warm migrations in the lab, driven by the real kubectl from JSON
# files (not by the validator): Providers, maps, Plans and Migrations reach
# Ready and Succeeded; their status uses the condition types, categories
# and pipeline step names of the real captured samples; the created
# VirtualMachine has forklift.md section 10's name, labels, runStrategy,
# scheduling fields, CPU/memory/firmware/MACs and PVC names (checked
# against a table of templates and the names they must give); the Halted
# migrated VM starts and stops through KubeVirt's lifecycle subresources.
set -euo pipefail

KUBECTL=${KUBECTL:-$(command -v kubectl || true)}
[ -n "$KUBECTL" ] || { echo "SKIP: no kubectl on PATH"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: no jq on PATH (make deps installs it)"; exit 77; }
: "${MTV_BIN:?}" "${MTV_SHARED_DIR:?}"
CRDS="$MTV_SHARED_DIR/reference/forklift-crds"
SAMPLES="$MTV_SHARED_DIR/reference/forklift-cr-samples"
[ -d "$CRDS" ] && [ -d "$SAMPLES" ] || { echo "SKIP: shared reference data not found"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lab-migration.XXXXXX")
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
  tail -n 30 "$work/lab.log" >&2 || true
  exit 1
}

"$MTV_BIN" lab serve --crds "$CRDS" --state-dir "$work/state" --speed 100 \
  --log-file "$work/lab.log" >"$work/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 600); do
  [ -s "$work/state/.providers.json" ] && break
  kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$work/lab.out")"
  sleep 0.1
done
export KUBECONFIG="$work/state/kubeconfig"
# the providers file the lab writes is one the validator accepts
if [ -n "${MTV_SOURCE_DIR:-}" ] && [ -d "$MTV_SOURCE_DIR/scenarios" ]; then
  "$MTV_BIN" config check --providers-json "$work/state/.providers.json" \
    --catalog "$MTV_SOURCE_DIR/scenarios" >"$work/check.out" 2>&1 \
    || fail "config check of the lab's .providers.json: $(cat "$work/check.out")"
  pw=$(jq -r .ovirt.password "$work/state/.providers.json")
  ! grep -qF "$pw" "$work/check.out" || fail "config check printed the oVirt password"
fi
n=0
k() {  # kubectl with a fresh cache dir (discovery is cached per host:port)
  n=$((n + 1))
  "$KUBECTL" --cache-dir "$work/cache.$n" "$@"
}
apply() { k create -f "$1" >/dev/null || fail "kubectl create -f $1: $(cat "$1")"; }
json() { k get "$@" -o json; }
ns=openshift-mtv

# --- sources: a vSphere served from the world, and the simulated oVirt ---
ovirt_url=$(jq -r .ovirt.api_url "$work/state/.providers.json")
ovirt_pass=$(jq -r .ovirt.password "$work/state/.providers.json")
cat >"$work/sources.json" <<JSON
{"apiVersion":"v1","kind":"List","items":[
 {"apiVersion":"v1","kind":"Secret","metadata":{"name":"vs","namespace":"$ns"},
  "stringData":{"user":"administrator@vsphere.local","password":"any-password","insecureSkipVerify":"true"}},
 {"apiVersion":"forklift.konveyor.io/v1beta1","kind":"Provider","metadata":{"name":"vsphere","namespace":"$ns"},
  "spec":{"type":"vsphere","url":"https://vcenter.lab.test/sdk","secret":{"name":"vs","namespace":"$ns"},
          "settings":{"vddkInitImage":"quay.io/kubev2v/vddk:lab"}}},
 {"apiVersion":"v1","kind":"Secret","metadata":{"name":"rhv","namespace":"$ns"},
  "stringData":{"user":"admin@internal","password":"$ovirt_pass","insecureSkipVerify":"false"}},
 {"apiVersion":"forklift.konveyor.io/v1beta1","kind":"Provider","metadata":{"name":"rhv","namespace":"$ns"},
  "spec":{"type":"ovirt","url":"$ovirt_url","secret":{"name":"rhv","namespace":"$ns"}}}
]}
JSON
for i in 0 1 2 3; do jq ".items[$i]" "$work/sources.json" >"$work/src$i.json"; apply "$work/src$i.json"; done
k wait --for=condition=Ready provider/vsphere provider/rhv -n $ns --timeout=30s >/dev/null \
  || fail "providers not Ready: $(json providers -n $ns | jq -c '[.items[] | {n: .metadata.name, s: .status}]')"
[ "$(json provider vsphere -n $ns | jq -r .spec.settings.sdkEndpoint)" = vcenter ] \
  || fail "the mutating webhook did not default sdkEndpoint"
[ "$(json provider vsphere -n $ns | jq -r '.status.conditions[] | select(.type=="ConnectionInsecure") | .category')" = Warn ] \
  || fail "insecureSkipVerify must give ConnectionInsecure (Warn)"

# a worker node labelled for the node selector, a NAD for the second network
k label node worker-1 mtv-comprehensive-node=lab-session >/dev/null
cat >"$work/nad.json" <<JSON
{"apiVersion":"k8s.cni.cncf.io/v1","kind":"NetworkAttachmentDefinition","metadata":{"name":"br-1","namespace":"default"},
 "spec":{"config":"{\"cniVersion\":\"0.3.1\",\"type\":\"bridge\",\"bridge\":\"br-1\"}"}}
JSON
apply "$work/nad.json"

maps() {  # maps PREFIX PROVIDER NET1 NET2 STORAGE
  cat >"$work/$1-net.json" <<JSON
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"NetworkMap","metadata":{"name":"$1-net","namespace":"$ns"},
 "spec":{"provider":{"source":{"name":"$2","namespace":"$ns"},"destination":{"name":"host","namespace":"$ns"}},
  "map":[{"source":{"name":"$3"},"destination":{"type":"pod"}},
         {"source":{"name":"$4"},"destination":{"type":"multus","name":"br-1","namespace":"default"}}]}}
JSON
  cat >"$work/$1-sto.json" <<JSON
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"StorageMap","metadata":{"name":"$1-sto","namespace":"$ns"},
 "spec":{"provider":{"source":{"name":"$2","namespace":"$ns"},"destination":{"name":"host","namespace":"$ns"}},
  "map":[{"source":{"name":"$5"},"destination":{"storageClass":"ocs-storagecluster-ceph-rbd","accessMode":"ReadWriteMany"}}]}}
JSON
  apply "$work/$1-net.json"
  apply "$work/$1-sto.json"
  k wait --for=condition=Ready networkmap/"$1-net" storagemap/"$1-sto" -n $ns --timeout=30s >/dev/null \
    || fail "maps $1 not Ready: $(json networkmap "$1-net" -n $ns | jq -c .status)"
}
maps vs vsphere "VM Network" mtv-net-a LocalDS_0
maps rhv rhv ovirtmgmt mtv-net-a data-nfs
refs=$(json networkmap vs-net -n $ns | jq -c '[.status.references[] | .name]')
[ "$refs" = '["VM Network","mtv-net-a"]' ] || fail "status.references of vs-net: $refs"

tmpl='{{ .VmName | trunc 32 | trimSuffix \"-\" }}-{{ .VmName | trunc -4 }}-disk-{{.DiskIndex}}'
plan() {  # plan NAME MAPS_PREFIX VM EXTRA
  local provider=$2
  [ "$2" = vs ] && provider=vsphere
  cat >"$work/$1.json" <<JSON
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"Plan","metadata":{"name":"$1","namespace":"$ns"},
 "spec":{"provider":{"source":{"name":"$provider","namespace":"$ns"},"destination":{"name":"host","namespace":"$ns"}},
  "map":{"network":{"name":"$2-net","namespace":"$ns"},"storage":{"name":"$2-sto","namespace":"$ns"}},
  "targetNamespace":"mtv-vms-$1","vms":[{"name":"$3"}]$4}}
JSON
  apply "$work/$1.json"
}
migrate() {  # migrate PLAN EXTRA_SPEC
  cat >"$work/$1-mig.json" <<JSON
{"apiVersion":"forklift.konveyor.io/v1beta1","kind":"Migration","metadata":{"name":"$1-run","namespace":"$ns"},
 "spec":{"plan":{"name":"$1","namespace":"$ns"}$2}}
JSON
  apply "$work/$1-mig.json"
}
wait_plan() {
  k wait --for=condition=Ready plan/"$1" -n $ns --timeout=30s >/dev/null \
    || fail "plan $1 not Ready: $(json plan "$1" -n $ns | jq -c .status.conditions)"
}
succeeded() {
  k wait --for=condition=Succeeded plan/"$1" -n $ns --timeout="${2:-60}s" >/dev/null \
    || fail "plan $1 did not succeed: $(json plan "$1" -n $ns | jq -c '.status.conditions, [.status.migration.vms[] | {phase, error, conditions}]')"
  k wait --for=condition=Succeeded migration/"$1-run" -n $ns --timeout=30s >/dev/null \
    || fail "migration $1-run did not succeed: $(json migration "$1-run" -n $ns | jq -c .status.conditions)"
}

# --- cold, vSphere: every plan-level option of the comprehensive scenario ---
plan cold-vs vs mtv-win2019-3disks ",\"targetPowerState\":\"on\",\"preserveStaticIPs\":true,
  \"enableNestedVirtualization\":false,\"pvcNameTemplate\":\"$tmpl\",\"pvcNameTemplateUseGenerateName\":false,
  \"targetNodeSelector\":{\"mtv-comprehensive-node\":\"lab-session\"},
  \"targetLabels\":{\"mtv-comprehensive-label\":\"lab-session\",\"test-type\":\"comprehensive\"},
  \"targetAffinity\":{\"podAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"podAffinityTerm\":
    {\"labelSelector\":{\"matchLabels\":{\"app\":\"test\"}},\"topologyKey\":\"kubernetes.io/hostname\"},\"weight\":50}]}}"
wait_plan cold-vs
[ "$(json plan cold-vs -n $ns | jq -r '.metadata.annotations.populatorLabels')" = True ] \
  || fail "the Plan webhook did not add populatorLabels"
migrate cold-vs ""
succeeded cold-vs

# ordering and shapes against the samples
plan_json=$(json plan cold-vs -n $ns)
steps=$(jq -c '[.status.migration.vms[0].pipeline[].name]' <<<"$plan_json")
sample_steps=$(jq -c '[.items[] | .status.migration.vms[]? | select(.id=="vm-35512") | .pipeline[].name] | .[0:5]' \
  "$SAMPLES/console-plugin.plans.K8s.json")
[ "$steps" = "$sample_steps" ] || fail "vSphere cold pipeline $steps, the sample has $sample_steps"
jq -e '.status.migration.vms[0] | .phase == "Completed" and (.conditions[] | select(.type=="Succeeded") | .category=="Advisory" and .durable)
   and .restorePowerState == "On" and (.started|length>0) and (.completed|length>0)' <<<"$plan_json" >/dev/null \
  || fail "VM status: $(jq -c '.status.migration.vms[0] | del(.pipeline)' <<<"$plan_json")"
jq -e '[.status.migration.vms[0].pipeline[] | .phase == "Completed" and (.progress.total > 0)] | all' <<<"$plan_json" >/dev/null \
  || fail "pipeline not completed: $steps"
jq -e '.status.migration.vms[0].pipeline[] | select(.name=="DiskTransferV2v") | .annotations.unit == "MB"
   and .progress.completed == .progress.total and (.tasks | length == 3)' <<<"$plan_json" >/dev/null \
  || fail "disk step tasks"
hist=$(jq -c '.status.migration.history[0] | [keys, (.migration.name), (.conditions[0].type)]' <<<"$plan_json")
[ "$hist" = '[["conditions","map","migration","plan","provider"],"cold-vs-run","Succeeded"]' ] \
  || fail "history snapshot: $hist"
# every condition type the samples know carries the sample's category
samples_cats=$(jq -c -s '[.[] | .. | objects | select(has("type") and has("category")) | {(.type): .category}] | add' \
  "$SAMPLES"/console-plugin.*.json)
for kind in plan/cold-vs migration/cold-vs-run provider/vsphere networkmap/vs-net storagemap/vs-sto; do
  json "$kind" -n $ns | jq -e --argjson s "$samples_cats" \
    '[.. | objects | select(has("type") and has("category")) | select($s[.type] != null) | $s[.type] == .category] | all' \
    >/dev/null || fail "$kind: a condition's category differs from the samples"
done
mig=$(json migration cold-vs-run -n $ns)
jq -e '(.metadata.ownerReferences[0].kind == "Plan") and (.status.completed|length>0) and
       ([.status.conditions[].type] | sort == ["Ready","Succeeded"]) and (.status.vms | length == 1)' <<<"$mig" >/dev/null \
  || fail "migration status: $(jq -c '.metadata.ownerReferences, .status.conditions' <<<"$mig")"

# the created VirtualMachine (forklift.md 10)
vm=$(json vm mtv-win2019-3disks -n mtv-vms-cold-vs)
plan_uid=$(jq -r .metadata.uid <<<"$plan_json")
jq -e --arg p "$plan_uid" '.metadata.labels | .plan == $p and .vmID == "vm-1001" and .resource == "vm-config"
   and ."plan-name" == "cold-vs" and ."plan-namespace" == "openshift-mtv" and .guestConverted == "true"
   and (.migration|length>0)' <<<"$vm" >/dev/null || fail "VM labels: $(jq -c .metadata.labels <<<"$vm")"
jq -e '.spec.runStrategy == "Always" and (.spec.template.metadata.labels | .app == "mtv-win2019-3disks"
   and ."test-type" == "comprehensive" and ."mtv-comprehensive-label" == "lab-session")
   and .spec.template.spec.nodeSelector == {"mtv-comprehensive-node":"lab-session"}
   and .spec.template.spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight == 50' \
   <<<"$vm" >/dev/null || fail "VM spec: $(jq -c .spec <<<"$vm")"
jq -e '.spec.template.spec.domain | .cpu.sockets == 2 and .cpu.cores == 2 and .memory.guest == "8192Mi"
   and .firmware.bootloader.efi.secureBoot == false
   and (.firmware.serial|startswith("VMware-") and length==54)
   and ([.cpu.features[] | .name + "=" + .policy] == ["vmx=disable","svm=disable"])
   and ([.devices.interfaces[] | .macAddress] == ["00:50:56:aa:00:03","00:50:56:aa:00:04"])
   and (.devices.interfaces[0].masquerade != null) and (.devices.interfaces[1].bridge != null)' <<<"$vm" >/dev/null \
  || fail "VM domain: $(jq -c .spec.template.spec.domain <<<"$vm")"
jq -e '.spec.template.spec.networks == [{"name":"net-0","pod":{}},{"name":"net-1","multus":{"networkName":"default/br-1"}}]' \
  <<<"$vm" >/dev/null || fail "VM networks: $(jq -c .spec.template.spec.networks <<<"$vm")"
# PVC names: the scenario's template with useGenerateName false gives exact names
claims=$(jq -c '[.spec.template.spec.volumes[].persistentVolumeClaim.claimName]' <<<"$vm")
[ "$claims" = '["mtv-win2019-3disks-isks-disk-0","mtv-win2019-3disks-isks-disk-1","mtv-win2019-3disks-isks-disk-2"]' ] \
  || fail "PVC names $claims"
pvc=$(json pvc mtv-win2019-3disks-isks-disk-1 -n mtv-vms-cold-vs)
jq -e '.spec.storageClassName == "ocs-storagecluster-ceph-rbd" and .spec.accessModes == ["ReadWriteMany"]
   and .status.phase == "Bound" and .metadata.ownerReferences[0].kind == "VirtualMachine"
   and .metadata.annotations."forklift.konveyor.io/disk-index" == "1"' <<<"$pvc" >/dev/null \
  || fail "PVC: $(jq -c '.spec, .metadata' <<<"$pvc")"
vmi=$(json vmi mtv-win2019-3disks -n mtv-vms-cold-vs)
jq -e '.status.phase == "Running" and .status.nodeName == "worker-1"
   and ([.status.conditions[].type] | index("AgentConnected") != null)
   and .status.interfaces[0].ipAddress == "192.0.2.20" and .status.interfaces[1].ipAddress == "198.51.100.20"' \
   <<<"$vmi" >/dev/null || fail "VMI: $(jq -c .status <<<"$vmi")"
[ "$(json vm mtv-win2019-3disks -n mtv-vms-cold-vs | jq -r .status.printableStatus)" = Running ] || fail "VM not Running"

# --- cold, oVirt: the captured succeeded oVirt plan's pipeline; a source that was off stays Halted ---
plan cold-rhv rhv mtv-tests-rhel8 ",\"pvcNameTemplate\":\"{{.PlanName}}-{{.VmName}}-{{.DiskIndex}}\""
wait_plan cold-rhv
migrate cold-rhv ""
succeeded cold-rhv
steps=$(json plan cold-rhv -n $ns | jq -c '[.status.migration.vms[0].pipeline[].name]')
sample_steps=$(jq -c '[.items[] | select(.metadata.name=="bkhizgiy-plan") | .status.migration.vms[0].pipeline[].name]' \
  "$SAMPLES/console-plugin.plans.K8s.json")
[ "$steps" = "$sample_steps" ] || fail "oVirt cold pipeline $steps, the sample has $sample_steps"
vm=$(json vm mtv-tests-rhel8 -n mtv-vms-cold-rhv)
jq -e '.spec.runStrategy == "Halted" and .status.printableStatus == "Stopped" and (.metadata.labels.guestConverted == null)' \
  <<<"$vm" >/dev/null || fail "oVirt VM: $(jq -c '.spec.runStrategy, .status, .metadata.labels' <<<"$vm")"
# generateName (the default): the PVC name starts with the rendered template
claim=$(jq -r '.spec.template.spec.volumes[0].persistentVolumeClaim.claimName' <<<"$vm")
case "$claim" in cold-rhv-mtv-tests-rhel8-0-?????) ;; *) fail "generateName PVC $claim" ;; esac
[ "$(json plan cold-rhv -n $ns | jq -r '.status.migration.vms[0].pipeline[1].tasks[0].name' | grep -c '^[0-9a-f-]\{36\}$')" = 1 ] \
  || fail "oVirt disk tasks are named by disk id"

# --- KubeVirt power: the Halted migrated VM started and stopped through the lifecycle
#     subresources (kubectl replace --raw is the PUT virtctl sends) ---
sub=/apis/subresources.kubevirt.io/v1/namespaces/mtv-vms-cold-rhv/virtualmachines/mtv-tests-rhel8
echo '{}' >"$work/empty.json"
k replace --raw "$sub/start" -f "$work/empty.json" >/dev/null || fail "start subresource refused"
k wait --for=jsonpath='{.status.printableStatus}'=Running vm/mtv-tests-rhel8 -n mtv-vms-cold-rhv \
  --timeout=30s >/dev/null || fail "started VM: $(json vm mtv-tests-rhel8 -n mtv-vms-cold-rhv | jq -c .status)"
jq -e '.spec.runStrategy == "Always"' <<<"$(json vm mtv-tests-rhel8 -n mtv-vms-cold-rhv)" >/dev/null ||
  fail "start on a Halted VM sets runStrategy Always"
jq -e '.status.phase == "Running" and ([.status.conditions[].type] | index("AgentConnected") != null)
   and (.status.interfaces[0].ipAddress | length > 0)' <<<"$(json vmi mtv-tests-rhel8 -n mtv-vms-cold-rhv)" \
  >/dev/null || fail "VMI after start: $(json vmi mtv-tests-rhel8 -n mtv-vms-cold-rhv | jq -c .status)"
if msg=$(k replace --raw "$sub/start" -f "$work/empty.json" 2>&1); then fail "a second start was accepted"; fi
case "$msg" in *"VM is already running"*) ;; *) fail "second start: $msg" ;; esac
k replace --raw "$sub/stop" -f "$work/empty.json" >/dev/null || fail "stop subresource refused"
k wait --for=jsonpath='{.status.printableStatus}'=Stopped vm/mtv-tests-rhel8 -n mtv-vms-cold-rhv \
  --timeout=30s >/dev/null || fail "stopped VM: $(json vm mtv-tests-rhel8 -n mtv-vms-cold-rhv | jq -c .status)"
! k get vmi mtv-tests-rhel8 -n mtv-vms-cold-rhv >/dev/null 2>&1 || fail "the stopped VM still has a VMI"

# --- warm, vSphere: precopies every controller_precopy_interval, cutover at spec.cutover ---
k patch forkliftcontroller forklift-controller -n $ns --type=merge -p '{"spec":{"controller_precopy_interval":1}}' >/dev/null
plan warm-vs vs mtv-rhel8-warm-2disks2nics ",\"warm\":true"
wait_plan warm-vs
cutover=$(date -u -d '+3 minutes' +%Y-%m-%dT%H:%M:%SZ)
migrate warm-vs ",\"cutover\":\"$cutover\""
succeeded warm-vs 120
plan_json=$(json plan warm-vs -n $ns)
steps=$(jq -c '[.status.migration.vms[0].pipeline[].name]' <<<"$plan_json")
[ "$steps" = '["Initialize","PreflightInspection","DiskTransfer","Cutover","ImageConversion","VirtualMachineCreation"]' ] \
  || fail "vSphere warm pipeline $steps"
jq -e '.status.migration.vms[0].warm | .successes >= 2 and (.precopies | length) == .successes
   and (.precopies[0].deltas | length) == 2 and (.nextPrecopyAt|length>0)' <<<"$plan_json" >/dev/null \
  || fail "warm status: $(jq -c .status.migration.vms[0].warm <<<"$plan_json")"
jq -e '.status.migration.vms[0].pipeline[] | select(.name=="DiskTransfer") | .tasks[0].annotations.Precopy != null' \
  <<<"$plan_json" >/dev/null || fail "precopy annotations on the disk tasks"
echo "PASS: cold (vSphere, oVirt) and warm (vSphere) migrations in the lab"
