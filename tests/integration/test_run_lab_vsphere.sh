#!/usr/bin/env bash
# `mtv-validate run` from vSphere against the lab, whose vSphere inventory is
# read from a real vcsim (tests/peers/vcsim) serving the lab's own world over
# TLS, with VMware Tools simulated (-auto-guest: clones and VMs powered on
# later report the world's guest data). A real sshd stands in for every
# guest behind the lab's VMI portforward, answering as each guest
# (--guest-dir, SSHD_GUESTS). -m tier0 plus the comprehensive
# cold and warm scenarios (source clones included, add_nic among them) must
# pass whole: exit 0, check_vms passed for every migrated scenario, and
# junit.xml lists the checks that ran; the run then replays offline with
# identical verdicts. Skipped when vcsim cannot be built.
set -euo pipefail

: "${MTV_BIN:?}" "${MTV_SHARED_DIR:?}" "${MTV_SOURCE_DIR:?}"
CRDS="$MTV_SHARED_DIR/reference/forklift-crds"
[ -d "$CRDS" ] || { echo "SKIP: no $CRDS"; exit 77; }
lab_help=$("$MTV_BIN" lab serve --help 2>/dev/null || true)
case "$lab_help" in *--vsphere*) ;; *) echo "SKIP: this lab has no vSphere inventory"; exit 77 ;; esac
command -v jq >/dev/null || { echo "SKIP: no jq on PATH (make deps installs it)"; exit 77; }

work=$(mktemp -d "${MTV_BINARY_DIR:-${TMPDIR:-/tmp}}/run-lab-vsphere.XXXXXX")
lab_pid="" vcsim_pid="" sshd_pid=""
stop_pid() {  # stop_pid PID: TERM and reap one process this script started
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() {
  stop_pid "$lab_pid"
  stop_pid "$sshd_pid"
  stop_pid "$vcsim_pid"
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

vcsim="${MTV_BINARY_DIR:-$work}/peers/vcsim"
set +e
bash "$MTV_SOURCE_DIR/tests/peers/vcsim/build.sh" "$vcsim" >"$work/vcsim-build.log" 2>&1
vrc=$?
set -e
[ "$vrc" = 77 ] && { echo "SKIP: $(cat "$work/vcsim-build.log")"; exit 77; }
[ "$vrc" = 0 ] || fail "building vcsim: $(cat "$work/vcsim-build.log")"

# shellcheck source=lib/guest_sshd.sh
. "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
guest_pw="Guest-canary-pw-$$-vs"
# each guest answers as itself (nmcli/ipconfig with the source's static IPs)
export SSHD_GUESTS="$work/guests"
start_guest_sshd "$guest_pw"

"$MTV_BIN" lab world --vsphere >"$work/world.json"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -days 2 -keyout "$work/vcsim.key" -out "$work/vcsim.crt" \
  2>/dev/null || fail "openssl could not make vcsim's certificate"
vs_pw="Vsphere-canary-pw-$$-vc"   # vcsim's login; the lab collects with the Provider's
"$vcsim" -l 127.0.0.1:0 -vm 0 -auto-guest -pass "$vs_pw" -world "$work/world.json" -tls-cert "$work/vcsim.crt" \
  -tls-key "$work/vcsim.key" >"$work/vcsim.ready" 2>"$work/vcsim.err" &
vcsim_pid=$!
for _ in $(seq 300); do [ -s "$work/vcsim.ready" ] && break; sleep 0.1; done
vcsim_url=$(jq -r .url "$work/vcsim.ready" 2>/dev/null || true)
[ -n "$vcsim_url" ] || fail "vcsim not ready: $(cat "$work/vcsim.err")"

st="$work/lab"
"$MTV_BIN" lab serve --crds "$CRDS" --state-dir "$st" --speed 100 --log-file "$st.log" \
  --ssh-target "127.0.0.1:$port" --guest-dir "$work/guests" --vsphere "$vcsim_url" >"$st.out" 2>&1 &
lab_pid=$!
for _ in $(seq 300); do
  [ -s "$st/.providers.json" ] && break
  kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$st.out")"
  sleep 0.1
done
[ -s "$st/.providers.json" ] || fail "no .providers.json after 30 s"
export KUBECONFIG="$st/kubeconfig"
providers="$work/providers.json"
jq --arg u "$(id -un)" --arg p "$guest_pw" --arg vp "$vs_pw" \
  '.vsphere += {password: $vp, guest_vm_win_user: $u, guest_vm_win_password: $p,
                guest_vm_linux_user: $u, guest_vm_linux_password: $p}' \
  "$st/.providers.json" >"$providers"

# tier0, which holds both comprehensive scenarios
out="$work/run"
set +e
"$MTV_BIN" run --provider vsphere --storage-class standard --providers-json "$providers" \
  --catalog "$MTV_SOURCE_DIR/scenarios" -m tier0 \
  -j 2 --log-level info -o "$out" >"$work/run.out" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "run exited $rc: $(tail -60 "$work/run.out")"

r="$out/results.json"
ran=$(jq -r '[.scenarios[] | select(any(.steps[]; .name == "migrate" and .status != "skipped"))] | length' "$r")
[ "$ran" -ge 5 ] || fail "only $ran scenarios migrated: $(cat "$work/run.out")"
passed=$(jq -r '[.scenarios[] | select(any(.steps[]; .name == "migrate" and .status != "skipped"))
  | .steps[] | select(.name == "check_vms" and .status == "passed")] | length' "$r")
[ "$passed" = "$ran" ] || fail "check_vms passed in $passed of $ran migrated scenarios"
for t in test_sanity_cold_mtv_migration test_sanity_warm_mtv_migration test_shared_disk_rhel_migration \
  test_post_hook_retain_failed_vm test_cold_migration_comprehensive test_warm_migration_comprehensive; do
  jq -e --arg t "$t-vsphere-standard" '.scenarios[] | select(.test_name == $t) |
    .steps[] | select(.name == "check_vms" and .status == "passed")' "$r" >/dev/null ||
    fail "$t: check_vms did not pass"
done
# everything torn down, source clones included
grep -q '"kind":[[:space:]]*"Plan"' "$out/resources.json" || fail "resources.json lists no Plan"
! grep -q '"state":[[:space:]]*"\(created\|leftover\)"' "$out/resources.json" ||
  fail "resources.json still lists live objects: $(cat "$out/resources.json")"
junit="$out/junit.xml"
[ "$(grep -c '<testcase [^>]*name="check_vms-' "$junit")" -ge "$ran" ] || fail "junit.xml lacks check_vms test cases"
# the checks that apply ran, named in junit.xml
grep -q "checks run for [^:<]*mtv-win2019-3disks[^:<]*: [^<]*.*check_ssh_connectivity.*check_cpu" "$junit" ||
  fail "junit.xml does not list the comprehensive cold scenario's checks"
grep -q "checks run for [^:<]*mtv-win2022-ip-3disks[^:<]*: [^<]*.*check_static_ip_preservation" "$junit" ||
  fail "the warm comprehensive scenario did not check its static IPs"
grep -q "checks run for [^:<]*mtv-tests-rhel8[^:<]*: [^<]*check_disconnected_nic_state" "$junit" ||
  fail "the NIC add_nic added (disconnected) was not checked"
grep -q "checks run for [^:]*: [^<]*check_guest_agent" "$junit" || fail "check_guest_agent did not run"
grep -q "checks run for [^:]*: [^<]*check_serial_preservation" "$junit" || fail "the vSphere serial check did not run"
! grep -qF -- "$guest_pw" "$junit" "$out/run.log" || fail "the guest password leaked"
for f in "$out"/cassettes/*.tar; do
  tar xOf "$f" >"$work/members"
  ! grep -qaF -- "$vs_pw" "$work/members" || fail "the vSphere password is in $f"
  ! grep -qaF -- "$guest_pw" "$work/members" || fail "the guest password is in $f"
done
# offline, with the lab, vcsim and the guests gone: the same verdicts
stop_pid "$lab_pid"
stop_pid "$vcsim_pid"
stop_pid "$sshd_pid"
lab_pid="" vcsim_pid="" sshd_pid=""
set +e
rout=$("$MTV_BIN" replay "$out" -o "$work/replay" 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] || fail "replay exited $rc: $rout"
case "$rout" in *"verdicts identical"*) ;; *) fail "replay verdicts differ: $rout" ;; esac
echo "ok"
