#!/usr/bin/env bash
# `mtv-validate guest exec|probe` through the lab's VMI portforward
# subresource to a real sshd (tests/peers/sshd), over HTTPS with the
# kubeconfig the lab writes: a command's output and exit status, the probe,
# a recording, and its replay with the lab and sshd stopped.
set -euo pipefail
bin=${MTV_BIN:?}
src=${MTV_SOURCE_DIR:?}
work=$(mktemp -d)
lab_pid="" sshd_pid=""
stop() { # pid
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() { stop "$lab_pid"; stop "$sshd_pid"; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expected-code command...
  local want=$1; shift
  set +e; "$@" >"$work/out" 2>"$work/err"; local rc=$?; set -e
  [ "$rc" = "$want" ] || { cat "$work/out" "$work/err" >&2; fail "'$*' exited $rc, expected $want"; }
}

# sshd on a free loopback port (another run may take the one we picked: retry)
for _ in $(seq 20); do
  port=$((20000 + RANDOM % 40000))
  SSHD_FOREGROUND=1 bash "$src/tests/peers/sshd/start.sh" "$work/sshd" "$port" >"$work/sshd.log" 2>&1 &
  sshd_pid=$!
  for _ in $(seq 1200); do
    grep -q "Server listening" "$work/sshd.log" 2>/dev/null && break
    kill -0 "$sshd_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "Server listening" "$work/sshd.log" && break
  set +e; wait "$sshd_pid"; rc=$?; set -e
  sshd_pid=""
  [ "$rc" = 77 ] && { echo "skip: openssh-server is not installed"; exit 77; }
done
[ -n "$sshd_pid" ] || { cat "$work/sshd.log" >&2; fail "sshd did not start"; }

"$bin" lab serve --state-dir "$work/lab" --ssh-target "127.0.0.1:$port" --log-file "$work/lab.log" \
  >"$work/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 1200); do [ -s "$work/lab/kubeconfig" ] && break; sleep 0.1; done
[ -s "$work/lab/kubeconfig" ] || { cat "$work/lab.out" >&2; fail "the lab did not start"; }

# the built-in world's running OpenShift source VM has a Running VMI
vm=(-n mtv-source-vms --vm mtv-win2019-3disks --kubeconfig "$work/lab/kubeconfig")
login=(--user "$(id -un)" --key "$work/sshd/client_ed25519")

expect_rc 0 "$bin" guest exec "${vm[@]}" "${login[@]}" --record "$work/session.tar" -- uname -s
[ "$(cat "$work/out")" = "Linux" ] || fail "uname -s printed '$(cat "$work/out")'"
expect_rc 1 "$bin" guest exec "${vm[@]}" "${login[@]}" -- "echo out; echo oops >&2; exit 3"
[ "$(cat "$work/out")" = "out" ] || fail "stdout was '$(cat "$work/out")'"
grep -q "oops" "$work/err" || fail "the command's stderr was not passed on"
grep -q "exited with status 3" "$work/err" || fail "the exit status was not reported"
expect_rc 0 "$bin" guest probe "${vm[@]}" "${login[@]}"
grep -Eq "host key ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}$" "$work/out" || fail "probe printed '$(cat "$work/out")'"

# a VMI that is not there: the lab's 404, not retried for long
expect_rc 3 "$bin" guest probe -n mtv-source-vms --vm not-there --kubeconfig "$work/lab/kubeconfig" \
  "${login[@]}" --retry-seconds 0
grep -q "404" "$work/err" || { cat "$work/err" >&2; fail "no 404 from the lab"; }

# the recording replays with neither the lab nor sshd running
stop "$lab_pid"; lab_pid=""
stop "$sshd_pid"; sshd_pid=""
expect_rc 0 "$bin" guest exec -n mtv-source-vms --vm mtv-win2019-3disks "${login[@]}" \
  --replay "$work/session.tar" -- uname -s
[ "$(cat "$work/out")" = "Linux" ] || fail "the replay printed '$(cat "$work/out")'"
token=$(sed -n 's/^ *token: *//p' "$work/lab/kubeconfig" | tr -d '"' | head -1)
[ -n "$token" ] || fail "no token in the lab's kubeconfig"
if grep -aq "$token" "$work/session.tar"*; then fail "the lab's token was recorded"; fi
echo "guest through the lab: ok"
