#!/usr/bin/env bash
# SIGINT during check_vms ends the run promptly, with teardown done and the
# results written. A real sshd as the guests and, per case, a lab with a
# faults file and a run of test_cold_migration_comprehensive from the lab's
# OpenStack, interrupted while check_vms waits on a guest that never answers:
#  - the guest agent never connects (fault agent: false): check_vms waits up
#    to guest_agent_timeout (the scenario's 600 s) for AgentConnected;
#  - nothing listens in the guest (fault ssh: "closed"): check_vms retries
#    the SSH login every 15 s for up to 300 s (guest_ssh_timeout).
# Either way the run must end with exit 130 well inside those waits (the
# bound below is a generous timeout of the whole command, not a timing
# assertion), check_vms an error saying it was cancelled, every object it
# created deleted (resources.json) and results.json and junit.xml written.
set -euo pipefail

# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"
itest_init interrupt-checks run_pid

pw="Guest-canary-pw-$$-i4"
# shellcheck source=lib/guest_sshd.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
start_guest_sshd "$pw"

start_lab() {  # start_lab NAME FAULTS_JSON
  local st="$work/$1"
  echo "$2" >"$st.faults.json"
  itest_lab "$st" --speed 100 --ssh-target "127.0.0.1:$port" --guest-dir "$work/guests" --faults "$st.faults.json"
  itest_guest_logins "$st/.providers.json" "$work/providers.json" "$pw" openstack
}

# interrupt NAME WAIT_FOR: runs, sends SIGINT once the scenario's log shows
# WAIT_FOR (check_vms is then inside its wait), and checks the aftermath
interrupt() {
  local name=$1 mark=$2 dir="$work/run-$1"
  local log="$dir/test_cold_migration_comprehensive/scenario.log"
  "$MTV_BIN" run --scenario test_cold_migration_comprehensive --provider openstack --storage-class standard \
    --providers-json "$work/providers.json" --catalog "$MTV_SOURCE_DIR/scenarios" -o "$dir" \
    --set source_provider_insecure_skip_verify=true --set skip_source_clone=true \
    --set guest_ssh_timeout=300 >"$dir.out" 2>&1 &
  run_pid=$!
  local seen=""
  for _ in $(seq 1200); do   # the migration itself takes seconds in the lab
    if [ -f "$log" ] && grep -q -- "$mark" "$log"; then seen=1; break; fi
    kill -0 "$run_pid" 2>/dev/null || fail "$name: the run ended before '$mark': $(cat "$dir.out")"
    sleep 0.1
  done
  [ -n "$seen" ] || fail "$name: '$mark' never showed in $log"
  sleep 1
  kill -0 "$run_pid" 2>/dev/null || fail "$name: the run ended inside the wait: $(cat "$dir.out")"
  kill -INT "$run_pid"
  # a generous bound on the whole command: the waits it interrupts last minutes
  local rc="" waited=0
  while kill -0 "$run_pid" 2>/dev/null && [ "$waited" -lt 900 ]; do
    sleep 0.2
    waited=$((waited + 1))
  done
  if kill -0 "$run_pid" 2>/dev/null; then
    fail "$name: the run still runs 180 s after SIGINT: $(tail -n 5 "$dir.out")"
  fi
  wait "$run_pid" && rc=0 || rc=$?
  run_pid=""
  [ "$rc" = 130 ] || fail "$name: exit $rc, wanted 130: $(cat "$dir.out")"
  [ -s "$dir/results.json" ] || fail "$name: no results.json"
  [ -s "$dir/junit.xml" ] || fail "$name: no junit.xml"
  local r="$dir/results.json"
  st=$(jq -r '.scenarios[0].steps[] | select(.name == "check_vms") | .status' "$r")
  msg=$(jq -r '.scenarios[0].steps[] | select(.name == "check_vms") | .message' "$r")
  [ "$st" = error ] || fail "$name: check_vms is '$st', wanted error: $msg"
  case "$msg" in *cancelled*) ;; *) fail "$name: check_vms does not say it was cancelled: $msg" ;; esac
  [ "$(jq -r '.scenarios[0].steps[] | select(.name == "migrate") | .status' "$r")" = passed ] ||
    fail "$name: migrate did not pass"
  grep -q '"kind":[[:space:]]*"Plan"' "$dir/resources.json" || fail "$name: resources.json lists no Plan"
  if grep -q '"state":[[:space:]]*"\(created\|leftover\)"' "$dir/resources.json"; then
    fail "$name: teardown left objects: $(cat "$dir/resources.json")"
  fi
  grep -q 'testcase' "$dir/junit.xml" || fail "$name: junit.xml holds no test case"
  if grep -a -q -F -- "$pw" "$dir/junit.xml" "$dir/run.log" "$dir.out"; then fail "$name: the guest password leaked"; fi
  stop "$lab_pid"
  lab_pid=""
  echo "ok - $name: interrupted in check_vms, torn down, results written"
}

start_lab lab-agent '{"vms": [{"vm": "mtv-win2019-3disks", "wrong": {"agent": false}}]}'
interrupt agent "step check_vms"
start_lab lab-ssh '{"vms": [{"vm": "mtv-win2019-3disks", "wrong": {"ssh": "closed"}}]}'
interrupt ssh "not reachable yet"
echo "interrupt during check_vms: ok"
