#!/usr/bin/env bash
# The fault table of check_vms, source side: the checks that look at the
# source platform or at properties only some sources have (vSphere serial,
# boot firmware, the added NIC's link, snapshots; oVirt's forced power-off
# events; the disk count of add_disks scenarios; the Provider Secret's TLS
# setting). As in test_check_faults.sh, each row is one lab
# (`lab serve --faults`) and one `mtv-validate run` of the comprehensive
# cold scenario, used as it is (skip_source_clone), with a real sshd as the
# guest; the row's fault breaks exactly one property, and the run must fail
# that check (and only the checks the row names) with a message naming the
# expected and the actual value.
#
# vSphere rows need the vcsim launcher (go + Debian's govmomi): one vcsim
# over TLS serving the lab's vSphere world is shared by every vSphere row
# (each row's run powers the VM back on; the snapshot row, which leaves a
# snapshot behind, runs last). Without it the vSphere rows are skipped with a
# note and the other rows still run.
#
# Rows: source | check(s) expected to fail (space-separated; the first is
# the row's subject) | faults file | a piece of the message naming expected
# and actual | extra lab options | extra run options | a jq edit of the
# scenario. MAC and UUID placeholders (@MAC2@) are filled from the world.
set -euo pipefail

# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"
itest_init check-faults-source vcsim_pid
# shellcheck source=lib/guest_sshd.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
# shellcheck source=lib/vcsim.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/vcsim.sh"

# --- the guest: a throw-away sshd on loopback --------------------------------
pw="Guest-canary-pw-$$-4e"
start_guest_sshd "$pw"

# --- vSphere: vcsim over TLS serving the lab's world, when it builds ---------
vm=mtv-win2019-3disks
"$MTV_BIN" lab world --vsphere >"$work/world.json"
mac2=$(jq -r --arg vm "$vm" '.vms[] | select(.name == $vm) | .nics[1].mac' "$work/world.json")
[ -n "$mac2" ] && [ "$mac2" != null ] || fail "the world's $vm has no second NIC"
start_vcsim "$work/world.json"

# A snapshot of the VM taken before the run (vcsim over SOAP, two calls), so
# the snapshot check has something to compare.
soap() {  # soap BODY: one call with the session cookie jar
  curl -sS --cacert "$work/vcsim.crt" -b "$work/vcsim.jar" -c "$work/vcsim.jar" \
    -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: "urn:vim25/6.5"' \
    --data-binary "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>$1</soapenv:Body></soapenv:Envelope>" \
    "$vcsim_url"
}
snapshot_before() {  # once: later snapshot rows find what the earlier ones left
  [ ! -s "$work/soap.snap" ] || return 0
  local moref
  moref=$(jq -r --arg vm "$vm" '.vms[$vm] // empty' "$work/vcsim.ready")
  [ -n "$moref" ] || fail "vcsim did not report the moref of $vm: $(cat "$work/vcsim.ready")"
  soap '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login>' \
    >"$work/soap.login" || fail "vcsim Login: $(cat "$work/soap.login")"
  soap "<CreateSnapshot_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">$moref</_this><name>before-migration</name><memory>false</memory><quiesce>false</quiesce></CreateSnapshot_Task>" \
    >"$work/soap.snap" || fail "vcsim CreateSnapshot_Task: $(cat "$work/soap.snap")"
  grep -q 'task-' "$work/soap.snap" || fail "vcsim CreateSnapshot_Task: $(cat "$work/soap.snap")"
}

# the shipped catalog, with the guest agent wait cut to 2 s and static IP
# preservation off: its checks run commands in the guest, which the sshd
# standing in for a Windows guest cannot answer, and they are not about the
# source side
cp -r "$MTV_SOURCE_DIR/scenarios" "$work/catalog"
sc="$work/catalog/test_cold_migration_comprehensive.json"
jq '.params.guest_agent_timeout = 2 | .params.preserve_static_ips = false' "$sc" >"$work/scenario.json"

start_lab() {  # start_lab STATE_DIR FAULTS [lab options]
  local st=$1 faults=$2
  shift 2
  itest_lab "$st" --speed 100 --ssh-target "127.0.0.1:$port" --guest-dir "$work/guests" --faults "$faults" \
    ${vcsim_url:+--vsphere "$vcsim_url"} "$@"
  itest_guest_logins "$st/.providers.json" "$work/providers.json" "$pw" $(jq -r 'keys[]' "$st/.providers.json")
}

W="{\"vms\": [{\"vm\": \"$vm\", "
rows="$work/rows"
cat >"$rows" <<ROWS
vsphere|check_serial_preservation|$W"wrong": {"serial": "not-the-uuid"}}]}|(OpenShift 4.20.0), got "not-the-uuid"|||
vsphere|check_serial_preservation|$W"wrong": {"serial": "VMware-00 11"}}]}|(OpenShift 4.19.7), got "VMware-00 11"|--openshift-version 4.19.7||
vsphere|check_boot_configuration|$W"wrong": {"firmware": "bios"}}]}|boot_firmware: expected efi, got bios|||
vsphere|check_boot_configuration|$W"wrong": {"secure_boot": true}}]}|secure_boot: expected false, got true|||
vsphere|check_boot_configuration|$W"wrong": {"tpm": true}}]}|tpm_present: expected false, got true|||
vsphere|check_disconnected_nic_state|$W"wrong": {"link": {"$mac2": "down"}}}]}|the added NIC $mac2: expected link up, got down|||.params.virtual_machines[0] += {add_nic: true, add_nic_start_connected: true}
vsphere|verify_vm_disk_count check_storage|$W"wrong": {"disks": 2}}]}|expected 3 disks (1 + 2 added), got 2|||.params.virtual_machines[0].add_disks = [{size_gb: 1}, {size_gb: 1}] | del(.params.pvc_name_template, .params.pvc_name_template_use_generate_name)
vsphere|check_snapshots|$W"source": {"snapshot": "add"}}]}|expected 1 snapshots (as before the migration), got 2|||
vsphere|check_snapshots|$W"source": {"snapshot": "remove"}}]}|expected 2 snapshots (as before the migration), got 1|||
ovirt|check_false_vm_power_off|$W"source": {"stop_event": true}}]}|expected no USER_STOP_VM (code 33) event for the source VM, got 1|||
ovirt|check_ssl_configuration|{"providers": [{"provider": "*", "secret": {"insecureSkipVerify": "true"}}]}|insecureSkipVerify: expected "false", got "true"|||
ROWS

n=0 skipped=0
while IFS='|' read -r src checks faults want labopts extra edit; do
  [ -n "$src" ] || continue
  check=${checks%% *}
  [ -z "${ONLY:-}" ] || [[ "$check" == *"$ONLY"* ]] || continue  # ONLY=serial: a subset, by hand
  if [ "$src" = vsphere ] && [ -z "$vcsim_url" ]; then
    skipped=$((skipped + 1))
    echo "skip - $check (no vcsim)"
    continue
  fi
  n=$((n + 1))
  [ "$check" != check_snapshots ] || snapshot_before
  jq "${edit:-.}" "$work/scenario.json" >"$sc"
  printf '%s\n' "$faults" >"$work/faults.$n.json"
  # shellcheck disable=SC2086 # labopts holds whole options
  start_lab "$work/lab.$n" "$work/faults.$n.json" $labopts
  dir="$work/run.$n"
  set +e
  # shellcheck disable=SC2086 # extra holds whole options
  out=$("$MTV_BIN" run --scenario test_cold_migration_comprehensive --provider "$src" \
    --storage-class standard --providers-json "$work/providers.json" --catalog "$work/catalog" \
    -o "$dir" --set skip_source_clone=true $extra 2>&1)
  rc=$?
  set -e
  stop "$lab_pid"
  lab_pid=""
  junit="$dir/junit.xml"
  [ "$rc" = 1 ] || fail "$check: exit $rc, wanted 1: $out"
  got=$(grep -o '\(check\|verify\)_[a-z_]* - ' "$junit" | sed 's/ - $//' | sort -u | tr '\n' ' ')
  wanted=$(printf '%s\n' $checks | sort -u | tr '\n' ' ')
  [ "$got" = "$wanted" ] || fail "$check: the failing checks are '$got', wanted '$wanted': $(grep -m1 '<failure' "$junit")"
  esc=$(printf '%s' "$check - " | sed -e 's/&/\&amp;/g' -e 's/"/\&quot;/g')
  grep -qF -- "$esc" "$junit" || fail "$check: no message"
  esc=$(printf '%s' "$want" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g')
  grep -qF -- "$esc" "$junit" || fail "$check: '$want' is not in: $(grep -m1 '<failure' "$junit")"
  [ "$(grep -c '<failure' "$junit")" = 1 ] ||
    fail "$check: not exactly one failed test case: $(grep '<failure' "$junit")"
  if grep -a -q -- "$pw" "$dir/run.log" "$junit"; then fail "$check: the guest password leaked"; fi
  echo "ok $n - $check ($src)"
done <"$rows"
[ "$n" -gt 0 ] || { echo "SKIP: no row could run"; exit 77; }
[ -n "${ONLY:-}" ] || [ "$n" -ge 2 ] || fail "only $n rows ran"
echo "check faults (source side): $n rows ok, $skipped skipped"
