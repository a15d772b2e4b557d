#!/usr/bin/env bash
# `mtv-validate run` from vSphere against the lab, whose vSphere inventory is
# read from a real vcsim (tests/peers/vcsim) serving the lab's own world over
# TLS, with VMware Tools simulated (-auto-guest: clones and VMs powered on
# later report the world's guest data). A real sshd stands in for every
# guest behind the lab's VMI portforward, answering as each guest
# (--guest-dir, SSHD_GUESTS). -m tier0, both comprehensive
# scenarios among them (source clones included, add_nic, shared disks), must
# pass whole: exit 0, check_vms passed for every migrated scenario, and
# junit.xml lists the checks that ran; the run then replays offline with
# identical verdicts. Skipped when vcsim cannot be built.
set -euo pipefail

# shellcheck source=lib/itest.sh
. "$MTV_SOURCE_DIR/tests/integration/lib/itest.sh"
# shellcheck source=lib/vcsim.sh
. "$MTV_SOURCE_DIR/tests/integration/lib/vcsim.sh"
# shellcheck source=lib/guest_sshd.sh
. "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
itest_init run-lab-vsphere vcsim_pid
case "$("$MTV_BIN" lab serve --help 2>/dev/null || true)" in
  *--vsphere*) ;;
  *) echo "SKIP: this lab has no vSphere inventory"; exit 77 ;;
esac

guest_pw="Guest-canary-pw-$$-vs"
vs_pw="Vsphere-canary-pw-$$-vc"   # vcsim's login; the lab collects with the Provider's
# each guest answers as itself (nmcli/ipconfig with the source's static IPs)
start_guest_sshd "$guest_pw"

"$MTV_BIN" lab world --vsphere >"$work/world.json"
start_vcsim "$work/world.json" -auto-guest -pass "$vs_pw"
[ -n "$vcsim_url" ] || { echo "SKIP: vcsim cannot be built here"; exit 77; }

st="$work/lab"
itest_lab "$st" --speed 100 --ssh-target "127.0.0.1:$port" --guest-dir "$work/guests" \
  --vsphere "$vcsim_url"
providers="$work/providers.json"
itest_guest_logins "$st/.providers.json" "$work/logins.json" "$guest_pw" vsphere
jq --arg vp "$vs_pw" '.vsphere.password = $vp' "$work/logins.json" >"$providers"

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
stop "$lab_pid"
stop "$vcsim_pid"
stop "$sshd_pid"
lab_pid="" vcsim_pid="" sshd_pid=""
set +e
rout=$("$MTV_BIN" replay "$out" -o "$work/replay" 2>&1)
rc=$?
set -e
[ "$rc" = 0 ] || fail "replay exited $rc: $rout"
case "$rout" in *"verdicts identical"*) ;; *) fail "replay verdicts differ: $rout" ;; esac
echo "ok"
