#!/usr/bin/env bash
# The fault table of check_vms: for every check the lab can reach, a lab
# fault that breaks exactly that property of the migrated VM makes that
# check, and no other, fail, with a message naming the expected and the
# actual value. Each row is one lab (`lab serve --faults`) and one
# `mtv-validate run` of the comprehensive cold scenario from the lab's
# simulated OpenStack (used as it is, skip_source_clone: the rows are about
# the target, and clones are test_clone_lab.sh's), with a real sshd as the
# guest behind the portforward.
#
# Rows: check | the "wrong" object of the faults file | a piece of the
# message that names expected and actual values | extra run options | a jq
# edit of the scenario (the power row expects "off" and gets a running VM:
# a VM that is off has no VMI, so agent and node placement would fail too).
# The source-side checks (vSphere serial, boot configuration, disconnected
# NIC, snapshots; oVirt forced power-off; the add_disks disk count; the
# Provider Secret's TLS setting) have their rows in
# test_check_faults_source.sh (oVirt, and vSphere from vcsim). The guest-side
# checks this lab's sshd cannot answer (static IPs, NIC names, xfs_check
# output) are proven in tests/unit/test_checks.c.
set -euo pipefail

# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"
itest_init check-faults

# the guest: a throw-away sshd on loopback accepting a password for this user
pw="Guest-canary-pw-$$-9f"
# shellcheck source=lib/guest_sshd.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
start_guest_sshd "$pw"

# the shipped catalog, with the guest agent wait cut from 600 s to 2 s so the
# agent fault does not wait out upstream's timeout
cp -r "$MTV_SOURCE_DIR/scenarios" "$work/catalog"
sc="$work/catalog/test_cold_migration_comprehensive.json"
jq '.params.guest_agent_timeout = 2' "$sc" >"$work/scenario.json"

start_lab() {  # start_lab STATE_DIR FAULTS
  itest_lab "$1" --speed 100 --ssh-target "127.0.0.1:$port" --guest-dir "$work/guests" --faults "$2"
  itest_guest_logins "$1/.providers.json" "$work/providers.json" "$pw" openstack
}

rows="$work/rows"
cat >"$rows" <<'ROWS'
check_vms_power_state|{"power": "on"}|expected power state off (target_power_state), got on||.params.target_power_state = "off"
check_guest_agent|{"agent": false}|expected the guest agent to be connected (VMI condition AgentConnected=True), got not connected|
check_ssh_connectivity|{"ssh": "closed"}|connection refused|--set guest_ssh_timeout=1
check_vm_node_placement|{"node": "worker-2"}|expected the VM on node worker-0 (labelled by the run), got worker-2|
check_vm_labels|{"labels": {"test-type": "other"}}|test-type: expected "comprehensive", got "other"|
check_vm_affinity|{"affinity": null}|expected affinity {"podAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"test"}},"topologyKey":"kubernetes.io/hostname"},"weight":50}]}}, got null|
check_cpu_features|{"cpu_features": "optional"}|expected CPU feature vmx with policy disable (nested virtualization off), got policy optional|
check_cpu|{"cpu": {"sockets": 3, "cores": 1}}|num_cores: expected 2, got 1, num_sockets: expected 2, got 3|
check_memory|{"memory": "512Mi"}|memory_in_mb: expected 8192, got 512|
check_network|{"network": "default/wrong-net"}|(network public): expected network pod, got wrong-net|
check_storage|{"storage_class": "slow"}|expected storage class standard, got slow|
check_pvc_names|{"pvc_name": "wrong-name"}|expected a PVC named with the prefix "mtv-win2019-3disks-disk", got [wrong-name, mtv-win2019-3disks-disk||.params.pvc_name_template = "{{ .VmName }}-disk" | .params.pvc_name_template_use_generate_name = true
ROWS

n=0
while IFS='|' read -r check wrong want extra edit; do
  [ -n "$check" ] || continue
  n=$((n + 1))
  jq "${edit:-.}" "$work/scenario.json" >"$sc"
  jq -n --argjson w "$wrong" '{vms: [{vm: "mtv-win2019-3disks", wrong: $w}]}' >"$work/faults.$n.json"
  start_lab "$work/lab.$n" "$work/faults.$n.json"
  dir="$work/run.$n"
  # shellcheck disable=SC2086 # extra holds whole options
  set +e
  out=$("$MTV_BIN" run --scenario test_cold_migration_comprehensive --provider openstack \
    --storage-class standard --providers-json "$work/providers.json" --catalog "$work/catalog" \
    -o "$dir" --set source_provider_insecure_skip_verify=true --set skip_source_clone=true $extra 2>&1)
  rc=$?
  set -e
  stop "$lab_pid"
  lab_pid=""
  junit="$dir/junit.xml"
  [ "$rc" = 1 ] || fail "$check: exit $rc, wanted 1: $out"
  msgs=$(grep -o 'check_[a-z_]* - ' "$junit" | sort -u | tr -d '\n')
  [ "$msgs" = "$check - " ] || fail "$check: the failing checks are '$msgs': $(grep -m1 '<failure' "$junit")"
  grep -qF -- "$(printf '%s - ' "$check")" "$junit" || fail "$check: no message"
  # the message in junit.xml is XML-escaped; compare with the escaped fragment
  esc=$(printf '%s' "$want" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g')
  grep -qF -- "$esc" "$junit" || fail "$check: '$want' is not in: $(grep -m1 '<failure' "$junit")"
  grep -q "<failure" "$junit" && [ "$(grep -c '<failure' "$junit")" = 1 ] ||
    fail "$check: not exactly one failed test case: $(grep '<failure' "$junit")"
  if grep -a -q -- "$pw" "$dir/run.log" "$junit"; then fail "$check: the guest password leaked"; fi
  echo "ok $n - $check"
done <"$rows"
[ "$n" -ge 12 ] || fail "only $n rows ran"
echo "check faults: $n rows ok"
