#!/usr/bin/env bash
# `mtv-validate guest exec|probe` end to end, offline: answers from
# tests/data/cassettes/guest-session.har (a recording of `uname -s` and of a
# command that fails, run as root with a key through the portforward test
# peer to a real sshd), divergence when the command or the login differs,
# the exit codes of bad usage, a kubeconfig whose cluster cannot be reached,
# a password and a token that never show up in messages, logs or
# recordings, and the real lab refusing a missing VMI (404) and a wrong
# token (401, not retried).
set -euo pipefail
bin=${MTV_BIN:?}
har=${MTV_SOURCE_DIR:?}/tests/data/cassettes/guest-session.har
work=$(mktemp -d)
lab_pid=""
cleanup() {
  if [ -n "$lab_pid" ] && kill -0 "$lab_pid" 2>/dev/null; then
    kill -TERM "$lab_pid" 2>/dev/null || true
    wait "$lab_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expected-code command...
  local want=$1; shift
  set +e; "$@" >"$work/out" 2>"$work/err"; local rc=$?; set -e
  [ "$rc" = "$want" ] || { cat "$work/out" "$work/err" >&2; fail "'$*' exited $rc, expected $want"; }
}
vm=(-n mtv-tests --vm rhel9-x7k2)
login=(--user root --key /nonexistent/key-not-read-in-replay)

# replay: the recorded command and its output
expect_rc 0 "$bin" guest exec "${vm[@]}" "${login[@]}" --replay "$har" -- uname -s
[ "$(cat "$work/out")" = "Linux" ] || fail "uname -s printed '$(cat "$work/out")'"

# a command that exited 3: its stderr, then exit code 1
expect_rc 1 "$bin" guest exec "${vm[@]}" "${login[@]}" --replay "$har" -- "echo 'no such file' >&2; exit 3"
grep -q "no such file" "$work/err" || fail "the command's stderr was not passed on"
grep -q "exited with status 3" "$work/err" || fail "the exit status was not reported"

# probe: the host key and the tries
expect_rc 0 "$bin" guest probe "${vm[@]}" "${login[@]}" --replay "$har"
grep -Eq "logged in as root after 1 try; host key ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}$" "$work/out" ||
  fail "probe printed '$(cat "$work/out")'"

# anything not recorded diverges (exit 4): another command, another user, another VM
expect_rc 4 "$bin" guest exec "${vm[@]}" "${login[@]}" --replay "$har" -- rm -rf /
expect_rc 4 "$bin" guest exec "${vm[@]}" --user admin --key k --replay "$har" -- uname -s
expect_rc 4 "$bin" guest exec -n mtv-tests --vm other "${login[@]}" --replay "$har" -- uname -s

# usage errors (exit 2)
expect_rc 2 "$bin" guest exec "${vm[@]}" "${login[@]}" --replay "$har"
grep -q "no command given" "$work/err" || fail "no message for a missing command"
expect_rc 2 "$bin" guest exec --vm x "${login[@]}" --replay "$har" -- true
grep -q -- "--replay needs --namespace" "$work/err" || fail "no message for a missing namespace"
expect_rc 2 "$bin" guest exec -n ns "${login[@]}" --replay "$har" -- true
grep -q -- "--vm names the VM" "$work/err" || fail "no message for a missing --vm"
expect_rc 2 "$bin" guest exec "${vm[@]}" --user root --replay "$har" -- true
grep -q -- "--key or --password-env" "$work/err" || fail "no message for a missing login"
expect_rc 2 "$bin" guest exec "${vm[@]}" "${login[@]}" --kubeconfig "$work/missing-kubeconfig" -- true
grep -q "missing-kubeconfig" "$work/err" || fail "no message for a missing kubeconfig"
expect_rc 2 "$bin" guest probe "${vm[@]}" "${login[@]}" --replay "$har" --record "$work/x.tar"
expect_rc 2 "$bin" guest exec "${vm[@]}" --user root --password-env MTV_UNSET_VARIABLE_X --replay "$har" -- true
grep -q 'MTV_UNSET_VARIABLE_X is not set' "$work/err" || fail "no message for an unset password variable"

# a kubeconfig whose cluster does not answer: an environment error (exit 3)
# after one try; the namespace comes from its context; neither the password
# from the environment nor the kubeconfig's token is in any message or log
unset CLUSTER_HOST CLUSTER_USERNAME CLUSTER_PASSWORD KUBECONFIG
token='Canary-Kube-Token-424242'
cat > "$work/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: down
  cluster:
    server: https://127.0.0.1:1
users:
- name: tester
  user:
    token: $token
contexts:
- name: t
  context: {cluster: down, user: tester, namespace: mtv-tests}
current-context: t
KC
export MTV_TEST_GUEST_PW='Canary-Cli-Password-31337'
expect_rc 3 "$bin" guest exec --vm rhel9-x7k2 --kubeconfig "$work/kubeconfig" --user root \
  --password-env MTV_TEST_GUEST_PW --retry-seconds 0 --log-file "$work/run.log" -- true
grep -q "cannot talk to https://127.0.0.1:1" "$work/err" || { cat "$work/err" >&2; fail "unclear error"; }
grep -q "portforward to mtv-tests/rhel9-x7k2:22" "$work/err" || fail "the error does not name the VM"
for secret in "$MTV_TEST_GUEST_PW" "$token"; do
  if grep -rq --exclude=kubeconfig "$secret" "$work"; then fail "a secret leaked"; fi
done

# --record writes a bundle even when the call failed, and it holds no secret
expect_rc 3 "$bin" guest probe "${vm[@]}" --kubeconfig "$work/kubeconfig" --user root \
  --password-env MTV_TEST_GUEST_PW --retry-seconds 0 --record "$work/failed.tar"
[ -s "$work/failed.tar" ] || fail "no bundle was written"
expect_rc 0 "$bin" cassette show "$work/failed.tar"
grep -q "ssh" "$work/out" || fail "the bundle has no ssh entry"
for secret in "$MTV_TEST_GUEST_PW" "$token"; do
  if grep -aq "$secret" "$work/failed.tar" "$work/failed.tar.journal"; then fail "a secret was recorded"; fi
done
expect_rc 3 "$bin" guest probe "${vm[@]}" --user root --password-env MTV_TEST_GUEST_PW --replay "$work/failed.tar"
grep -q "cannot talk to" "$work/err" || fail "the replay did not repeat the recorded failure"
# the real lab over HTTPS with the kubeconfig it writes: the upgrade is sent
# with its token and CA, and the lab's refusals come back with their Status
"$bin" lab serve --state-dir "$work/lab" --log-file "$work/lab.log" >"$work/lab.out" 2>&1 &
lab_pid=$!
for _ in $(seq 600); do [ -s "$work/lab/kubeconfig" ] && break; sleep 0.1; done
[ -s "$work/lab/kubeconfig" ] || { cat "$work/lab.out" >&2; fail "the lab did not start"; }
expect_rc 3 "$bin" guest probe -n default --vm no-such-vm --kubeconfig "$work/lab/kubeconfig" \
  "${login[@]}" --retry-seconds 0
grep -q "refused the upgrade: 404" "$work/err" || { cat "$work/err" >&2; fail "no 404 from the lab"; }
sed 's/^\( *token:\).*/\1 not-the-lab-token-0000/' "$work/lab/kubeconfig" > "$work/wrong-kubeconfig"
grep -q "not-the-lab-token-0000" "$work/wrong-kubeconfig" || fail "could not make a kubeconfig with a wrong token"
expect_rc 3 "$bin" guest probe -n default --vm no-such-vm --kubeconfig "$work/wrong-kubeconfig" \
  "${login[@]}" --retry-seconds 60
grep -q "refused the upgrade: 401" "$work/err" || { cat "$work/err" >&2; fail "no 401 from the lab"; }
grep -q "gave up" "$work/err" && fail "a refused token was retried"
echo "guest CLI: ok"
