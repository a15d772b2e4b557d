#!/usr/bin/env bash
# The guest-side checks against guests that answer as themselves: a vcsim
# serves the lab's world as the vSphere source, the lab migrates from it, and
# one real sshd stands in for every guest behind the lab's VMI portforward,
# answering each guest's `nmcli device show`, `ipconfig /all` and `xfs_info`
# from what the lab wrote for that VM (`lab serve --guest-dir`,
# tests/peers/sshd/start.sh SSHD_GUESTS). Rows:
#  - clean: the comprehensive cold scenario (a Windows guest with two static
#    IPv4 NICs, nested virtualization off) and the XFS scenario pass, with
#    check_static_ip_preservation, check_nic_name_preservation,
#    check_vbs_status and check_vm_command_output listed as run;
#  - one lab fault per property of the guest (address, prefix, gateway of the
#    first NIC; its name; the VBS status PowerShell prints; the output of
#    xfs_info) makes exactly that check fail, with a message naming the
#    expected and the actual value.
# The source guests answer too: vcsim (-guest-dir) answers the vSphere guest
# operations through which the adapter reads the source's NIC names
# (`ipconfig /all`, `ip -j link show`), so a NIC renamed on the target only fails
# check_nic_name_preservation and nothing else. The guest password (vSphere
# guest login and SSH alike) must appear in no file of any run.
# The static IP check re-reads the guest for 600 s before it fails; the rows
# cut that to 1 s (--set static_ip_timeout=1). The XFS VM is powered on in
# vcsim's world, and every row gets a fresh vcsim, because the lab reads a
# vSphere inventory once, when the Provider connects: a power-on by the
# scenario's preparation comes later, and a VM the previous row's migration
# powered off would be migrated without a guest agent.
set -euo pipefail

# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"
# shellcheck source=lib/guest_sshd.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
# shellcheck source=lib/vcsim.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/vcsim.sh"
itest_init check-faults-guest vcsim_pid

# the guests: one sshd on loopback accepting a password, answering per guest
pw="Guest-canary-pw-$$-g7"
start_guest_sshd "$pw"

"$MTV_BIN" lab world --vsphere |
  jq '(.vms[] | select(.name == "mtv-feature-rhel7-xfs")) |= (.power = "on" | .tools = true)' \
    >"$work/world.json"
# the source guests' own view, read through vSphere guest operations: each
# NIC named eth<N> in NIC order, as the lab names the migrated guest's
jq -r '.vms[] | [.name, (.guest_id // "" | test("win")), ([.nics[]?.mac] | join(" "))] | @tsv' \
  "$work/world.json" | while IFS=$'\t' read -r name win macs; do
  mkdir -p "$work/vguests/$name"
  if [ "$win" = true ]; then
    k=0
    for mac in $macs; do
      printf '\r\nEthernet adapter eth%d:\r\n\r\n   Physical Address. . . . . . . . . : %s\r\n' \
        "$k" "$(echo "$mac" | tr 'a-f:' 'A-F-')" >>"$work/vguests/$name/ipconfig__all"
      k=$((k + 1))
    done
  else
    jq -n --arg macs "$macs" '[{ifindex: 1, ifname: "lo", address: "00:00:00:00:00:00"}] +
      [$macs | split(" ") | map(select(. != "")) | to_entries[] |
       {ifindex: (.key + 2), ifname: "eth\(.key)", address: .value}]' \
      >"$work/vguests/$name/ip_-j_link_show"
  fi
done
# the shipped catalog with the guest agent wait cut from 600 s to 60 s, so a
# guest without an agent fails a row instead of stalling it
cp -r "$MTV_SOURCE_DIR/scenarios" "$work/catalog"
for sc in test_cold_migration_comprehensive test_cold_migration_xfs; do
  jq '.params.guest_agent_timeout = 60' "$MTV_SOURCE_DIR/scenarios/$sc.json" >"$work/catalog/$sc.json"
done

fresh_vcsim() {  # a fresh vcsim: a migration powers its source VM off
  stop "$vcsim_pid"
  start_vcsim "$work/world.json" -auto-guest -guest-dir "$work/vguests" -guest-user "$(id -un)" \
    -guest-pass "$pw"
  [ -n "$vcsim_url" ] || { echo "SKIP: the vSphere source needs vcsim"; exit 77; }
}

start_lab() {  # start_lab STATE_DIR FAULTS: a lab on a fresh vcsim
  fresh_vcsim
  itest_lab "$1" --speed 100 --vsphere "$vcsim_url" --ssh-target "127.0.0.1:$port" \
    --guest-dir "$work/guests" --faults "$2"
  itest_guest_logins "$1/.providers.json" "$work/providers.json" "$pw" vsphere
}

# Rows: scenario | VM | the faults file's wrong.guest ("" = a clean run) |
# the failing check, or the checks that must be listed as run | a piece of
# the message naming expected and actual values
xfs4='meta-data=/dev/sdb1 isize=512 agcount=4\n         = crc=1 finobt=1, sparse=1, rmapbt=0\n'
rows="$work/rows"
cat >"$rows" <<ROWS
test_cold_migration_comprehensive|mtv-win2019-3disks||check_ssh_connectivity.*check_static_ip_preservation, check_nic_name_preservation.*check_cpu_features, check_vbs_status.*check_serial_preservation|
test_cold_migration_xfs|mtv-feature-rhel7-xfs||check_ssh_connectivity.*check_vm_command_output|
test_cold_migration_comprehensive|mtv-win2019-3disks|{"ip": "192.0.2.99"}|check_static_ip_preservation|192.0.2.20: expected on guest interface eth0, not there
test_cold_migration_comprehensive|mtv-win2019-3disks|{"prefix": 16}|check_static_ip_preservation|192.0.2.20 on eth0: prefix expected /24, got /16
test_cold_migration_comprehensive|mtv-win2019-3disks|{"gateway": "192.0.2.254"}|check_static_ip_preservation|192.0.2.20 on eth0: gateway expected 192.0.2.1, got 192.0.2.254
test_cold_migration_comprehensive|mtv-win2019-3disks|{"nic_name": "ens9"}|check_nic_name_preservation|NIC 00:50:56:aa:00:03: expected guest interface name eth0, got ens9
test_cold_migration_comprehensive|mtv-win2019-3disks|{"output": {"powershell": "2\r\n"}}|check_vbs_status|VBS is still running: VirtualizationBasedSecurityStatus 2
test_cold_migration_xfs|mtv-feature-rhel7-xfs|{"output": {"xfs_info": "$xfs4"}}|check_vm_command_output|expected output containing "crc=0", got "meta-data=/dev/sdb1 isize=512 agcount=4
ROWS

n=0
while IFS='|' read -r scenario vm wrong check want; do
  [ -n "$scenario" ] || continue
  n=$((n + 1))
  if [ -n "$wrong" ]; then
    jq -n --arg vm "$vm" --argjson g "$wrong" '{vms: [{vm: $vm, wrong: {guest: $g}}]}' >"$work/faults.$n.json"
  else
    echo '{}' >"$work/faults.$n.json"
  fi
  start_lab "$work/lab.$n" "$work/faults.$n.json"
  dir="$work/run.$n"
  set +e
  out=$("$MTV_BIN" run --scenario "$scenario" --provider vsphere --storage-class standard \
    --providers-json "$work/providers.json" --catalog "$work/catalog" -o "$dir" \
    --set skip_source_clone=true --set static_ip_timeout=1 --log-level warn 2>&1)
  rc=$?
  set -e
  stop "$lab_pid"
  lab_pid=""
  junit="$dir/junit.xml"
  [ -f "$junit" ] || fail "row $n: no junit.xml: $out"
  if [ -z "$wrong" ]; then
    [ "$rc" = 0 ] || fail "$scenario (clean): exit $rc: $out"
    grep -q "checks run for $vm: .*$check" "$junit" ||
      fail "$scenario (clean): junit.xml does not list $check as run: $(grep -o 'checks run[^<]*' "$junit")"
    echo "ok $n - $scenario clean"
  else
    [ "$rc" = 1 ] || fail "$check: exit $rc, wanted 1: $out"
    msgs=$(grep -o 'check_[a-z_]* - ' "$junit" | sort -u | tr -d '\n')
    [ "$msgs" = "$check - " ] || fail "$check: the failing checks are '$msgs': $(grep -m1 '<failure' "$junit")"
    esc=$(printf '%s' "$want" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g')
    grep -qF -- "$esc" "$junit" || fail "$check: '$want' is not in: $(grep -m1 '<failure' "$junit")"
    [ "$(grep -c '<failure' "$junit")" = 1 ] || fail "$check: not exactly one failed test case"
    echo "ok $n - $check $wrong"
  fi
  if grep -r -a -q -- "$pw" "$dir"; then fail "row $n: the guest password leaked: $(grep -r -a -l -- "$pw" "$dir")"; fi
done <"$rows"
[ "$n" -ge 8 ] || fail "only $n rows ran"
# every session's answers were removed when it ended
[ -z "$(ls -A "$work/guests")" ] || fail "answers left behind: $(ls "$work/guests")"
echo "guest check faults: $n rows ok"
