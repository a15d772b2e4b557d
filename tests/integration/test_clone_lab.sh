#!/usr/bin/env bash
# Source clones against the lab, as upstream's prepare makes them (no
# skip_source_clone):
#  - oVirt (a VM from the template of the same name), OpenStack (snapshot
#    image, volumes from its volume snapshots, a server booted from them)
#    and vSphere (CloneVM_Task in a vcsim with simulated VMware Tools; left
#    out when vcsim cannot be built): a cold migration of the clone
#    migrates and passes check_vms (exit 0, the guests answering through
#    a real sshd), resources.json lists every source object it made, and
#    after teardown each is marked deleted and gone from the source;
#  - kill -9 mid-migration of an OpenStack clone: the clone and its
#    volumes are still on the source; `cleanup` without a reachable source
#    leaves them listed as left over and says why, `cleanup
#    --providers-json` removes them (trusting the chain the source
#    presents), and a second cleanup has nothing to do.
set -euo pipefail

# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"
# shellcheck source=lib/guest_sshd.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
# shellcheck source=lib/vcsim.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/vcsim.sh"
itest_init clone-lab run_pid vcsim_pid
lab_help=$("$MTV_BIN" lab serve --help 2>/dev/null || true)
case "$lab_help" in *--faults*) ;; *) echo "SKIP: this lab has no MTV controller"; exit 77 ;; esac

# the guests: a throw-away sshd answering as each migrated VM
pw="Guest-canary-pw-$$-c1"
start_guest_sshd "$pw"


# --- vcsim over TLS, with VMware Tools simulated for clones too ----------
"$MTV_BIN" lab world --vsphere >"$work/world.json"
start_vcsim "$work/world.json" -auto-guest

start_lab() {  # start_lab NAME [lab serve options]: state in $work/NAME
  local st="$work/$1"
  shift
  itest_lab "$st" --speed 100 --ssh-target "127.0.0.1:$port" --guest-dir "$work/guests" "$@"
  providers="$work/providers-$(basename "$st").json"
  itest_guest_logins "$st/.providers.json" "$providers" "$pw" $(jq -r 'keys[]' "$st/.providers.json")
  lab_ca="$st/ca.crt"
}
stop_lab() {
  stop "$lab_pid"
  lab_pid=""
}
ca_for() {  # ca_for PROVIDER: the CA its endpoint's certificate chains to
  if [ "$1" = vsphere ]; then echo "$work/vcsim.crt"; else echo "$lab_ca"; fi
}
on_source() {  # on_source PROVIDER VM: 0 when the source has a VM of that name
  "$MTV_BIN" source show --provider "$1" --providers-json "$providers" --ca-file "$(ca_for "$1")" \
    "$2" >"$work/show.out" 2>&1
}
source_vms() {  # source_vms RESOURCES_JSON: the names of the source VMs the run made
  jq -r '.resources[] | select(.side == "source" and .kind == "vm") | .name' "$1"
}
source_vm_ids() {  # source_vm_ids RESOURCES_JSON: their ids (OpenShift: namespace/name)
  jq -r '.resources[] | select(.side == "source" and .kind == "vm") | .id' "$1"
}
step() {  # step RESULTS_JSON STEP: its status in the (only) scenario
  jq -r --arg s "$2" '.scenarios[0].steps[] | select(.name == $s) | .status' "$1"
}

# --- a tier0 cold migration of a clone, from every source -----------------
# (from vSphere its sanity scenario: add_nic needs a clone; every check of
# check_vms passes, the guests answering through the sshd; from OpenShift
# the source VM is made new from the rhel9 DataSource, sized by the u1.small
# instancetype, its disk a DataVolume the lab's CDI turns into a PVC)

start_lab lab ${vcsim_url:+--vsphere "$vcsim_url"}
sources="ovirt openstack openshift"
[ -z "$vcsim_url" ] || sources="$sources vsphere"
for p in $sources; do
  d="$work/run-$p"
  case $p in
    vsphere) scenario=test_sanity_cold_mtv_migration vm=mtv-tests-rhel8 ;;
    *) scenario=test_cold_migration_comprehensive vm=mtv-win2019-3disks ;;
  esac
  set +e
  out=$("$MTV_BIN" run --provider "$p" --storage-class standard --providers-json "$providers" \
    --catalog "$MTV_SOURCE_DIR/scenarios" --scenario "$scenario" \
    --log-level warn -o "$d" 2>&1)
  rc=$?
  set -e
  [ "$rc" = 0 ] || fail "$p: exit $rc: $out $(grep -h -m3 '<failure' "$d/junit.xml" 2>/dev/null)"
  for s in prepare migrate; do
    [ "$(step "$d/results.json" $s)" = passed ] || fail "$p: $s did not pass: $out"
  done
  clone=$(source_vms "$d/resources.json")
  case "$clone" in auto-*-"$vm"-*) ;; *) fail "$p: no clone of $vm in resources.json: $clone" ;; esac
  grep -q "\"name\":\"$clone\"" <(tar xOf "$d/cassettes/$scenario.tar" | tr -d ' \\') ||
    fail "$p: the recorded Plan does not migrate the clone $clone"
  [ "$(jq '[.resources[] | select(.side == "source" and .state != "deleted")] | length' "$d/resources.json")" = 0 ] ||
    fail "$p: teardown left source objects: $(cat "$d/resources.json")"
  if on_source "$p" "$(source_vm_ids "$d/resources.json")"; then
    fail "$p: $clone is still on the source after teardown"
  fi
  [ "$p" = openshift ] && continue   # made new, not cloned from the world's VM
  on_source "$p" "$vm" || fail "$p: teardown touched the source VM: $(cat "$work/show.out")"
done
# OpenShift: the VM was made in the run's own <session>-source-vms namespace,
# its disk a PVC on the storage class the providers entry names, its second
# NIC on the run's NAD, which the NetworkMap maps; all gone now
r="$work/run-openshift/resources.json"
src_ns=$(jq -r '.resources[] | select(.kind == "Namespace") | .name' "$r" | grep -- '-source-vms$' || true)
[ -n "$src_ns" ] || fail "openshift: no <session>-source-vms namespace in resources.json: $(cat "$r")"
case "$(source_vm_ids "$r")" in "$src_ns"/*) ;; *) fail "openshift: the VM is not in $src_ns" ;; esac
grep -q '"instancetype":{"kind":"VirtualMachineClusterInstancetype","name":"u1.small"}' \
  <(tar xOf "$work/run-openshift/cassettes/test_cold_migration_comprehensive.tar" | tr -d ' \\') ||
  fail "openshift: the source VM was not sized by the u1.small instancetype"
nad=$(jq -r '.resources[] | select(.kind == "NetworkAttachmentDefinition") | "\(.namespace)/\(.name)"' "$r" | head -1)
[ -n "$nad" ] || fail "openshift: the run made no NetworkAttachmentDefinition"
cassette=$(tar xOf "$work/run-openshift/cassettes/test_cold_migration_comprehensive.tar" | tr -d ' \\')
case "$cassette" in *"\"multus\":{\"networkName\":\"$nad\"}"*) ;; *) fail "openshift: the source VM has no NIC on $nad" ;; esac
case "$cassette" in *"\"source\":{\"name\":\"$nad\"}"*) ;; *) fail "openshift: the NetworkMap does not map $nad" ;; esac
[ "$(jq -r --arg n "$src_ns" '.resources[] | select(.kind == "Namespace" and .name == $n) | .state' "$r")" = deleted ] ||
  fail "openshift: teardown did not delete the namespace $src_ns: $(cat "$r")"
n=$(jq '[.resources[] | select(.side == "source")] | length' "$work/run-openstack/resources.json")
[ "$n" -ge 4 ] || fail "openstack: expected an image, volume snapshots, volumes and a server, got $n"
for kind in image volume_snapshot volume vm; do
  jq -e --arg k "$kind" '.resources[] | select(.side == "source" and .kind == $k)' \
    "$work/run-openstack/resources.json" >/dev/null || fail "openstack: no $kind in resources.json"
done
stop_lab
stop "$vcsim_pid"
vcsim_pid=""

# --- kill -9 mid-migration of an OpenStack clone, then cleanup -----------
echo '{"vms": [{"vm": "*", "hang_at": "DiskTransfer"}]}' >"$work/hang.json"
start_lab lab-kill --faults "$work/hang.json"
"$MTV_BIN" run --provider openstack --storage-class standard --providers-json "$providers" \
  --catalog "$MTV_SOURCE_DIR/scenarios" --scenario test_cold_migration_comprehensive \
  --log-level warn -o "$work/killed" >"$work/killed.out" 2>&1 &
run_pid=$!
mid=""
for _ in $(seq 600); do
  if grep -q '"kind":[[:space:]]*"Migration"' "$work/killed/resources.json" 2>/dev/null; then
    mid=1
    break
  fi
  kill -0 "$run_pid" 2>/dev/null || fail "the run ended early: $(cat "$work/killed.out")"
  sleep 0.1
done
[ -n "$mid" ] || fail "no migration got under way: $(cat "$work/killed.out")"
kill -KILL "$run_pid"
wait "$run_pid" 2>/dev/null || true
run_pid=""
clone=$(source_vms "$work/killed/resources.json")
[ -n "$clone" ] || fail "the killed run lists no clone: $(cat "$work/killed/resources.json")"
on_source openstack "$clone" || fail "the clone is not on the source: the test proves nothing"
# the source cannot be reached: the cluster is cleaned, the clone is left over with the reason
run 3 "$MTV_BIN" cleanup "$work/killed" --providers-json "$work/missing.json" --log-level warn
has "cannot reach source provider 'openstack'"
has "$work/missing.json"
on_source openstack "$clone" || fail "a failed cleanup removed the clone"
jq -e '.resources[] | select(.side == "source" and .state == "leftover")' \
  "$work/killed/resources.json" >/dev/null || fail "resources.json marks no source object left over"
# no CA file: cleanup trusts the chain the source presents, as run does
run 0 "$MTV_BIN" cleanup "$work/killed" --providers-json "$providers" --log-level warn
has "removed"
if on_source openstack "$clone"; then fail "cleanup left the clone $clone on the source"; fi
[ "$(jq '[.resources[] | select(.state != "deleted")] | length' "$work/killed/resources.json")" = 0 ] ||
  fail "resources.json still lists live objects: $(cat "$work/killed/resources.json")"
run 0 "$MTV_BIN" cleanup "$work/killed" --providers-json "$providers" --source-ca-file "$lab_ca"
has "nothing left to remove"
stop_lab
echo "ok"
