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

: "${MTV_BIN:?}" "${MTV_SHARED_DIR:?}" "${MTV_SOURCE_DIR:?}"
CRDS="$MTV_SHARED_DIR/reference/forklift-crds"
[ -d "$CRDS" ] || { echo "SKIP: no $CRDS"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: no jq on PATH (make deps installs it)"; exit 77; }

work=$(mktemp -d "${MTV_BINARY_DIR:-${TMPDIR:-/tmp}}/check-faults-source.XXXXXX")
lab_pid="" sshd_pid="" vcsim_pid=""
stop() {  # stop PID: TERM and reap one process this script started
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$lab_pid"
  stop "$sshd_pid"
  stop "$vcsim_pid"
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/lab.log" ] && { echo "--- lab log:" >&2; tail -n 20 "$work/lab.log" >&2; }
  exit 1
}

# --- the guest: a throw-away sshd on loopback --------------------------------
pw="Guest-canary-pw-$$-4e"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
set +e
SSHD_FOREGROUND=1 SSHD_PASSWORD="$pw" "$MTV_SOURCE_DIR/tests/peers/sshd/start.sh" "$work/sshd" "$port" \
  >"$work/sshd.out" 2>&1 &
sshd_pid=$!
set -e
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  if ! kill -0 "$sshd_pid" 2>/dev/null; then
    wait "$sshd_pid" && rc=0 || rc=$?
    sshd_pid=""
    [ "$rc" = 77 ] && { echo "SKIP: $(cat "$work/sshd.out")"; exit 77; }
    fail "sshd did not start: $(cat "$work/sshd.out")"
  fi
  sleep 0.1
done

# --- vSphere: vcsim over TLS serving the lab's world, when it builds ---------
vm=mtv-win2019-3disks
"$MTV_BIN" lab world --vsphere >"$work/world.json"
mac2=$(jq -r --arg vm "$vm" '.vms[] | select(.name == $vm) | .nics[1].mac' "$work/world.json")
[ -n "$mac2" ] && [ "$mac2" != null ] || fail "the world's $vm has no second NIC"
vcsim_url=""
vcsim="${MTV_BINARY_DIR:-$work}/peers/vcsim"
set +e
bash "$MTV_SOURCE_DIR/tests/peers/vcsim/build.sh" "$vcsim" >"$work/vcsim-build.log" 2>&1
brc=$?
set -e
if [ "$brc" = 0 ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -days 2 -keyout "$work/vcsim.key" -out "$work/vcsim.crt" \
    2>/dev/null || fail "openssl could not make vcsim's certificate"
  "$vcsim" -l 127.0.0.1:0 -vm 0 -world "$work/world.json" -tls-cert "$work/vcsim.crt" \
    -tls-key "$work/vcsim.key" >"$work/vcsim.ready" 2>"$work/vcsim.err" &
  vcsim_pid=$!
  for _ in $(seq 300); do [ -s "$work/vcsim.ready" ] && break; sleep 0.1; done
  vcsim_url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$work/vcsim.ready")
  [ -n "$vcsim_url" ] || fail "vcsim not ready: $(cat "$work/vcsim.err")"
elif [ "$brc" = 77 ]; then
  echo "NOTE: vSphere rows skipped: $(cat "$work/vcsim-build.log")"
else
  fail "building vcsim: $(cat "$work/vcsim-build.log")"
fi

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
  "$MTV_BIN" lab serve --crds "$CRDS" --state-dir "$st" --speed 100 --ssh-target "127.0.0.1:$port" \
    --log-file "$work/lab.log" --faults "$faults" ${vcsim_url:+--vsphere "$vcsim_url"} "$@" \
    >"$work/lab.out" 2>&1 &
  lab_pid=$!
  for _ in $(seq 100); do
    [ -s "$st/.providers.json" ] && break
    kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$work/lab.out")"
    sleep 0.1
  done
  [ -s "$st/.providers.json" ] || fail "no .providers.json after 10 s"
  export KUBECONFIG="$st/kubeconfig"
  jq --arg u "$(id -un)" --arg p "$pw" \
    'with_entries(.value += {guest_vm_win_user: $u, guest_vm_win_password: $p,
                             guest_vm_linux_user: $u, guest_vm_linux_password: $p})' \
    "$st/.providers.json" >"$work/providers.json"
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
