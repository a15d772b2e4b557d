#!/usr/bin/env bash
# check_vms end to end: `mtv-validate run` of the tier0 comprehensive cold
# scenario from the lab's simulated OpenStack, with a real sshd standing in
# for the guest behind the lab's VMI portforward:
#  - a clean migration passes check_vms, and junit.xml lists the checks that
#    ran for the VM (SSH login and node placement included: the run labels a
#    worker node for target_node_selector and takes the label off at the end);
#  - the recorded run replays with no sshd and no lab, same verdicts;
#  - with a lab fault that gives the created VM a wrong CPU topology, only
#    check_cpu fails, naming expected and actual values in junit.xml.
# The guest password never reaches the output, logs, results or cassettes.
set -euo pipefail

# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"
itest_init run-checks
itest_need kubectl "the lab's kubectl tests need it"

# the guest: a throw-away sshd on loopback accepting a password for this user
pw="Guest-canary-pw-$$-7q"
# shellcheck source=lib/guest_sshd.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
start_guest_sshd "$pw"

start_lab() {  # start_lab STATE_DIR [FAULTS]
  local extra=()
  [ -n "${2:-}" ] && extra=(--faults "$2")
  itest_lab "$1" --speed 100 --ssh-target "127.0.0.1:$port" --guest-dir "$work/guests" "${extra[@]}"
  itest_guest_logins "$1/.providers.json" "$work/providers.json" "$pw" openstack
}

run() {  # run EXPECTED_RC OUT_DIR: the scenario into OUT_DIR, output in $out
  local want=$1 dir=$2
  set +e
  out=$("$MTV_BIN" run --scenario test_cold_migration_comprehensive --provider openstack \
    --storage-class standard --providers-json "$work/providers.json" \
    --catalog "$MTV_SOURCE_DIR/scenarios" -o "$dir" --set source_provider_insecure_skip_verify=true \
    --set skip_source_clone=true 2>&1)
  local rc=$?
  set -e
  [ "$rc" = "$want" ] || fail "run into $dir: exit $rc, wanted $want: $out"
}
no_secret() {
  for f in "$@"; do
    if grep -a -q -- "$pw" "$f"; then fail "$f holds the guest password"; fi
  done
}

# --- a clean migration: every applicable check passes ---
start_lab "$work/lab1"
run 0 "$work/clean"
junit="$work/clean/junit.xml"
grep -q 'name="check_vms-openstack-standard"' "$junit" || fail "no check_vms test case: $(cat "$junit")"
grep -q "checks run for mtv-win2019-3disks: .*check_ssh_connectivity.*check_cpu.*check_network.*check_storage" \
  "$junit" || fail "junit.xml does not list the checks that ran: $(cat "$junit")"
grep -q "checks run for _provider: check_ssl_configuration" "$junit" || fail "no provider-level check listed"
grep -q "checks run for mtv-win2019-3disks: .*check_vm_node_placement" "$junit" ||
  fail "node placement was not checked: $(cat "$junit")"
# the run labelled a worker node for target_node_selector, and took the label off again
grep -q '"kind":[[:space:]]*"NodeLabel"' "$work/clean/resources.json" || fail "no NodeLabel in resources.json"
labelled=$(kubectl --cache-dir "$work/kc.1" get nodes -l mtv-comprehensive-node -o name)
[ -z "$labelled" ] || fail "the node label was left behind: $labelled"
if grep -q "<failure" "$junit"; then fail "a clean migration failed: $(cat "$junit")"; fi
tar -tf "$work/clean/cassettes/test_cold_migration_comprehensive.tar" >/dev/null
"$MTV_BIN" cassette show "$work/clean/cassettes/test_cold_migration_comprehensive.tar" >"$work/show.out"
grep -q "guest:" "$work/show.out" || fail "the cassette holds no guest (ssh) entry: $(cat "$work/show.out")"
no_secret "$work/clean/run.log" "$work/clean/results.json" "$junit" \
  "$work/clean/cassettes/test_cold_migration_comprehensive.tar"
stop "$lab_pid"
lab_pid=""

# --- the recording replays with neither the lab nor the guest ---
stop "$sshd_pid"
sshd_pid=""
"$MTV_BIN" replay "$work/clean" -o "$work/replay" >"$work/replay.out" 2>&1 ||
  fail "replay: $(cat "$work/replay.out")"
grep -q 'check_vms' "$work/replay/junit.xml" || fail "the replay has no check_vms"
if grep -q "<failure" "$work/replay/junit.xml"; then fail "the replay failed: $(cat "$work/replay/junit.xml")"; fi

# --- a wrong CPU topology on the created VM fails check_cpu and nothing else ---
cat >"$work/faults.json" <<'JSON'
{"vms": [{"vm": "mtv-win2019-3disks", "wrong": {"cpu": {"sockets": 3, "cores": 1}}}]}
JSON
# the guest is not needed for this half: SSH is a check of its own, keep it up
SSHD_GUESTS="$work/guests" SSHD_FOREGROUND=1 SSHD_PASSWORD="$pw" "$MTV_SOURCE_DIR/tests/peers/sshd/start.sh" "$work/sshd" "$port" \
  >"$work/sshd.out" 2>&1 &
sshd_pid=$!
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
start_lab "$work/lab2" "$work/faults.json"
run 1 "$work/wrong"
junit="$work/wrong/junit.xml"
grep -q "check_cpu - CPU failed checks: num_cores: expected 2, got 1, num_sockets: expected 2, got 3" \
  "$junit" || fail "check_cpu's message is not in junit.xml: $(cat "$junit")"
msgs=$(grep -o 'check_[a-z_]* - ' "$junit" | sort -u)
[ "$msgs" = "check_cpu - " ] || fail "other checks failed too: $msgs"
[ "$(grep -c '<failure' "$junit")" = 1 ] || fail "more than one failed test case: $(cat "$junit")"
no_secret "$work/wrong/run.log" "$junit"
echo "run checks: ok"
