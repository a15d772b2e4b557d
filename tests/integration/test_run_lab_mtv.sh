#!/usr/bin/env bash
# `mtv-validate run` end to end against the lab's MTV controller, inventory
# and simulated sources (skipped when this build's lab has no MTV):
#  - a clean lab, with a real sshd standing in for every guest behind the
#    lab's VMI portforward: -m tier0 from oVirt (cold, warm with precopies and
#    a cutover, hooks), OpenStack and OpenShift (its source VMs powered
#    through KubeVirt's start/stop subresources) passes whole (exit 0), with
#    every scenario's check_vms executed and the checks it ran listed in
#    junit.xml (test_post_hook_retain_failed_vm leaves its VM off: check_vms
#    starts it for a moment to read the guest agent, as upstream does, and
#    stops it again); everything is torn down, and the run replays offline
#    (no lab, no sshd) with identical verdicts;
#  - OVA: tier0 passes whole (exit 0, check_vms executed) and is torn down
#    completely;
#  - a lab with faults: a VM failing at DiskTransfer fails its scenario naming
#    the step, and API faults (500s, 429s, resets, cut-off answers on creates,
#    dropped watches) change no verdict and create no object twice;
#    --skip-teardown leaves the objects for `cleanup`, which removes them all;
#  - kill -9 mid-migration (a VM hanging at DiskTransfer under the lab's
#    controller), then `cleanup`: the lab holds none of the run's objects.
# tier0 from vSphere (lab + vcsim), warm and clones included, with every
# check: test_run_lab_vsphere.sh.
set -euo pipefail

# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"
# shellcheck source=lib/guest_sshd.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
itest_init run-lab-mtv run_pid
lab_help=$("$MTV_BIN" lab serve --help 2>/dev/null || true)
case "$lab_help" in *--faults*) ;; *) echo "SKIP: this lab has no MTV controller"; exit 77 ;; esac
itest_need kubectl "the lab's kubectl checks need it"

# the guests: a throw-away sshd answering as each migrated VM
guest_pw="Guest-canary-pw-$$-3k"
start_guest_sshd "$guest_pw"

start_lab() {  # start_lab NAME [lab serve options]: state in $work/NAME
  local st="$work/$1"
  shift
  itest_lab "$st" --speed 100 --ssh-target "127.0.0.1:$port" --guest-dir "$work/guests" "$@"
  # the lab's providers file with the guests' login in every entry
  providers="$st.providers.json"
  itest_guest_logins "$st/.providers.json" "$providers" "$guest_pw" $(jq -r 'keys[]' "$st/.providers.json")
}
stop_lab() {
  stop "$lab_pid"
  lab_pid=""
}

tar_has() {  # tar_has TAR PATTERN [grep options]: a member holds PATTERN
  tar xOf "$1" >"$work/members"
  grep -a -q ${3:-} -- "$2" "$work/members"
}
k() { kubectl --cache-dir "$work/kcache" "$@"; }
all_deleted() {  # all_deleted RESOURCES_JSON
  grep -q '"kind":[[:space:]]*"Plan"' "$1" || fail "$1 lists no Plan"
  if grep -q '"state":[[:space:]]*"\(created\|leftover\)"' "$1"; then
    fail "$1 still lists live objects: $(cat "$1")"
  fi
}
lab_has_no_run_namespace() {
  local ns
  ns=$(k get namespaces -o name | grep 'namespace/auto-' || true)
  [ -z "$ns" ] || fail "the lab still holds $ns"
}
verdict() {  # verdict RESULTS_JSON TEST_NAME STEP: that step's status
  tr -d '\n\t ' <"$1" | grep -o "\"test_name\":\"$2\".*" | grep -o "\"name\":\"$3\",[^}]*" |
    head -1 | grep -o '"status":"[a-z]*"' | cut -d'"' -f4
}
run_opts() {  # run_opts PROVIDER: the common options
  # the world's VMs are migrated themselves, so the guests' sshd answers for
  # them; migrating clones is test_clone_lab.sh's (OVA has nothing to clone:
  # its prepare runs as a plain run's does)
  local skip="--set skip_source_clone=true"
  [ "$1" != ova ] || skip=""
  echo --provider "$1" --storage-class standard --providers-json "$providers" \
    --catalog "$MTV_SOURCE_DIR/scenarios" -m tier0 -j 2 --log-level warn \
    $skip --set ocp_source_namespace=mtv-source-vms
}
every_check_vms_ran() {  # every_check_vms_ran PROVIDER: no scenario that ran skipped check_vms
  local r="$work/run-$1/results.json" ran
  ran=$(jq -r '[.scenarios[] | select(any(.steps[]; .name == "migrate" and .status != "skipped"))] | length' "$r")
  [ "$ran" -gt 0 ] || fail "$1: no scenario migrated: $out"
  [ "$(jq -r '[.scenarios[] | select(any(.steps[]; .name == "migrate" and .status != "skipped"))
      | .steps[] | select(.name == "check_vms" and .status == "passed")] | length' "$r")" = "$ran" ] ||
    fail "$1: not every migrated scenario passed check_vms: $out"
  [ "$(grep -c '<testcase [^>]*name="check_vms-' "$work/run-$1/junit.xml")" -ge "$ran" ] ||
    fail "$1: junit.xml lacks check_vms test cases"
}


# --- a clean lab ---------------------------------------------------------
start_lab lab-clean
for p in ovirt openstack openshift; do
  # shellcheck disable=SC2046
  run 0 "$MTV_BIN" run $(run_opts "$p") -o "$work/run-$p"
  every_check_vms_ran "$p"
  all_deleted "$work/run-$p/resources.json"
  r="$work/run-$p/results.json"
  for step in migrate check_vms; do
    [ "$(verdict "$r" "test_cold_migration_comprehensive-$p-standard" $step)" = passed ] ||
      fail "$p: $step of the comprehensive cold migration did not pass: $out"
  done
  grep -q "checks run for mtv-win2019-3disks: .*check_ssh_connectivity.*check_cpu" "$work/run-$p/junit.xml" ||
    fail "$p: junit.xml does not list the checks that ran"
  ! grep -qF -- "$guest_pw" "$work/run-$p/junit.xml" "$work/run-$p/run.log" || fail "$p: the guest password leaked"
  lab_has_no_run_namespace
done
# the retained failed VM was off: check_vms started it, read its agent, stopped it
for p in ovirt openshift; do
  [ "$(verdict "$work/run-$p/results.json" "test_post_hook_retain_failed_vm-$p-standard" check_vms)" = passed ] ||
    fail "$p: check_vms of the retained failed VM did not pass"
  grep -q 'checks run for [^:]*: [^<]*check_guest_agent' "$work/run-$p/junit.xml" ||
    fail "$p: check_guest_agent did not run"
done
grep -q 'PUT /apis/subresources.kubevirt.io/v1/namespaces/auto-[a-z0-9]*/virtualmachines/[^/]*/start -> 202' \
  "$work/lab.log" || fail "check_vms did not start the stopped target VM through the subresource"
grep -q 'PUT /apis/subresources.kubevirt.io/v1/namespaces/mtv-source-vms/virtualmachines/[^/]*/st[a-z]* -> 202' \
  "$work/lab.log" || fail "the OpenShift source VMs were not powered through the subresources"
r="$work/run-ovirt/results.json"
for t in test_sanity_warm_mtv_migration test_post_hook_retain_failed_vm; do
  [ "$(verdict "$r" "$t-ovirt-standard" migrate)" = passed ] || fail "ovirt: $t did not pass"
done
[ "$(verdict "$r" test_sanity_warm_mtv_migration-ovirt-standard check_vms)" = passed ] ||
  fail "ovirt: check_vms of the warm migration did not pass"
warm="$work/run-ovirt/cassettes/test_sanity_warm_mtv_migration.tar"
tar_has "$warm" 'precopies' || fail "no precopies recorded in $warm"
tar_has "$warm" '\\"cutover\\":\\"20' || fail "no cutover sent in $warm"
for p in ovirt openstack; do
  pw=$(tr -d '\n' <"$providers" | grep -o "\"$p\":[^}]*" | grep -o '"password":[^,}]*' |
    cut -d'"' -f4)
  [ -n "$pw" ] || continue
  if tar_has "$work/run-$p/cassettes/test_cold_migration_comprehensive.tar" "$pw" -F; then
    fail "$p: its source password is in the cassette"
  fi
  ! grep -qF -- "$pw" "$work/run-$p/results.json" || fail "$p: its source password is in results.json"
done
! grep -qF -- "$guest_pw" "$r" || fail "ovirt: the guest password is in results.json"
# each scenario keeps its source VMs' records (source_vms_data), by VM name
jq -e '.scenarios[] | select(.test_name == "test_cold_migration_comprehensive-ovirt-standard")
  | .source_vms_data | length > 0 and all(to_entries[];
      .value.name == .key and .value.cpu.num_sockets > 0 and .value.memory_in_mb > 0
      and (.value.network_interfaces | length > 0 and all(.[]; .macAddress != null))
      and (.value.disks | length > 0))' "$r" >/dev/null ||
  fail "ovirt: results.json lacks the comprehensive scenario's source_vms_data: $(jq -c \
    '[.scenarios[] | {test_name, source_vms_data}]' "$r" | head -c 2000)"
stop_lab


# --- a lab with faults ---------------------------------------------------
cat >"$work/faults.json" <<'EOF'
{"seed": 11,
 "vms": [{"vm": "mtv-win2019-3disks", "plan": "*-cold", "fail_at": "DiskTransfer",
          "reason": "Unable to connect to the source disk."}],
 "api": [{"path": "/apis/forklift.konveyor.io/", "method": "POST", "fault": "500",
          "rate": 0.5, "count": 4},
         {"path": "/api/v1/namespaces/", "method": "POST", "fault": "truncate", "count": 2},
         {"path": "/apis/forklift.konveyor.io/", "method": "POST", "fault": "reset", "count": 2},
         {"path": "/apis/forklift.konveyor.io/", "method": "GET", "fault": "429",
          "retry_after": 1, "rate": 0.3, "count": 3},
         {"path": "/api", "method": "GET", "fault": "reset", "rate": 0.05, "count": 10},
         {"path": "/api", "fault": "drop_watch", "rate": 0.05, "after_events": 1}]}
EOF
start_lab lab-faulty --faults "$work/faults.json"
# shellcheck disable=SC2046
run 1 "$MTV_BIN" run $(run_opts ovirt) -o "$work/faulty" --skip-teardown
r="$work/faulty/results.json"
[ "$(verdict "$r" test_cold_migration_comprehensive-ovirt-standard migrate)" = failed ] ||
  fail "the VM fault did not fail the cold migration: $out"
grep -q 'DiskTransfer' "$work/faulty/junit.xml" || fail "junit.xml does not name DiskTransfer"
for t in test_post_hook_retain_failed_vm test_sanity_warm_mtv_migration; do
  [ "$(verdict "$r" "$t-ovirt-standard" migrate)" = passed ] ||
    fail "API faults changed the verdict of $t"
done
grep -q 'injecting API fault' "$work/lab.log" || fail "no API fault was injected"
grep -q 'exists after a failed create' "$work/faulty/run.log" ||
  fail "no create was answered with a fault after it got through"
# exactly the objects resources.json lists exist: none was created twice
for kind in Plan Migration StorageMap NetworkMap Hook Secret Provider; do
  res=$(echo "${kind}s" | tr '[:upper:]' '[:lower:]')
  case $kind in Secret) ;; *) res="$res.forklift.konveyor.io" ;; esac
  listed=$(grep -c "\"kind\":[[:space:]]*\"$kind\"" "$work/faulty/resources.json" || true)
  live=$(k get "$res" -A --no-headers | grep -c '^auto-' || true)
  [ "$listed" = "$live" ] || fail "$kind: resources.json lists $listed, the lab holds $live"
done
run 0 "$MTV_BIN" cleanup "$work/faulty" --log-level warn
has "removed"
lab_has_no_run_namespace
run 0 "$MTV_BIN" cleanup "$work/faulty"
has "nothing left to remove"
stop_lab
# offline, with the lab and the guests' sshd gone
stop "$sshd_pid"
sshd_pid=""
run 0 "$MTV_BIN" replay "$work/run-ovirt" -o "$work/replay-ovirt"
has "verdicts identical"

# --- OVA: tier0 passes whole and is torn down ---------------------------
start_guest_sshd "$guest_pw"
start_lab lab-more
# shellcheck disable=SC2046
run 0 "$MTV_BIN" run $(run_opts ova) -o "$work/run-ova"
all_deleted "$work/run-ova/resources.json"
[ "$(verdict "$work/run-ova/results.json" test_ova_cold_migration-ova-standard migrate)" = passed ] ||
  fail "ova: test_ova_cold_migration did not migrate: $out"
every_check_vms_ran ova
lab_has_no_run_namespace
stop_lab

# --- kill -9 mid-migration, then cleanup ---------------------------------
echo '{"vms": [{"vm": "*", "hang_at": "DiskTransfer"}]}' >"$work/hang.json"
start_lab lab-kill --faults "$work/hang.json"
"$MTV_BIN" run --provider ovirt --storage-class standard --providers-json "$providers" \
  --catalog "$MTV_SOURCE_DIR/scenarios" --scenario test_cold_migration_comprehensive \
  --set skip_source_clone=true --log-level warn -o "$work/killed" >"$work/killed.out" 2>&1 &
run_pid=$!
mid=""
for _ in $(seq 600); do
  if grep -q '"kind":[[:space:]]*"Migration"' "$work/killed/resources.json" 2>/dev/null &&
    k get plans.forklift.konveyor.io -A -o jsonpath='{.items[*].status.migration.vms[*].phase}' |
    grep -q 'CopyDisks\|AllocateDisks\|CreateDataVolumes'; then
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
[ -n "$(k get namespaces -o name | grep 'namespace/auto-' || true)" ] ||
  fail "nothing of the killed run is in the lab: the test proves nothing"
run 0 "$MTV_BIN" cleanup "$work/killed" --log-level warn
has "removed"
all_deleted "$work/killed/resources.json"
lab_has_no_run_namespace
left=$(k get providers.forklift.konveyor.io,plans.forklift.konveyor.io,migrations.forklift.konveyor.io,storagemaps.forklift.konveyor.io,networkmaps.forklift.konveyor.io,hooks.forklift.konveyor.io \
  -A --no-headers 2>&1 | grep 'auto-' || true)
[ -z "$left" ] || fail "the lab still holds: $left"
stop_lab
echo "ok"
