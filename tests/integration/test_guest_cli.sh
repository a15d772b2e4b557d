#!/usr/bin/env bash
# `mtv-validate guest exec|probe` end to end, offline: answers from
# tests/data/cassettes/guest-session.har (a recording of `uname -s` and of a
# command that fails, run as root with a key through the portforward test
# peer to a real sshd), divergence when the command or the login differs,
# the exit codes of bad usage, a cluster that cannot be reached, and a
# password given through the environment that never shows up in messages
# or the log.
set -euo pipefail
bin=${MTV_BIN:?}
har=${MTV_SOURCE_DIR:?}/tests/data/cassettes/guest-session.har
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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
grep -q -- "--namespace and --vm" "$work/err" || fail "no message for a missing namespace"
expect_rc 2 "$bin" guest exec "${vm[@]}" --user root --replay "$har" -- true
grep -q -- "--key or --password-env" "$work/err" || fail "no message for a missing login"
expect_rc 2 "$bin" guest exec "${vm[@]}" "${login[@]}" -- true
grep -q -- "--server" "$work/err" || fail "no message for a missing --server"
expect_rc 2 "$bin" guest probe "${vm[@]}" "${login[@]}" --replay "$har" --record "$work/x.tar"
expect_rc 2 "$bin" guest exec "${vm[@]}" --user root --password-env MTV_UNSET_VARIABLE_X --replay "$har" -- true
grep -q 'MTV_UNSET_VARIABLE_X is not set' "$work/err" || fail "no message for an unset password variable"

# no cluster behind --server: an environment error (exit 3) after one try,
# and the password from the environment is in no message and no log
export MTV_TEST_GUEST_PW='Canary-Cli-Password-31337'
expect_rc 3 "$bin" guest exec "${vm[@]}" --user root --password-env MTV_TEST_GUEST_PW \
  --server https://127.0.0.1:1 --retry-seconds 0 --log-file "$work/run.log" -- true
grep -q "cannot talk to https://127.0.0.1:1" "$work/err" || { cat "$work/err" >&2; fail "unclear error"; }
grep -q "portforward to mtv-tests/rhel9-x7k2:22" "$work/err" || fail "the error does not name the VM"
if grep -rq "$MTV_TEST_GUEST_PW" "$work"; then fail "the password leaked"; fi

# --record writes a bundle even when the call failed, and it holds no password
expect_rc 3 "$bin" guest probe "${vm[@]}" --user root --password-env MTV_TEST_GUEST_PW \
  --server https://127.0.0.1:1 --retry-seconds 0 --record "$work/failed.tar"
[ -s "$work/failed.tar" ] || fail "no bundle was written"
expect_rc 0 "$bin" cassette show "$work/failed.tar"
grep -q "ssh" "$work/out" || fail "the bundle has no ssh entry"
if grep -aq "$MTV_TEST_GUEST_PW" "$work/failed.tar" "$work/failed.tar.journal"; then fail "the password was recorded"; fi
expect_rc 3 "$bin" guest probe "${vm[@]}" --user root --password-env MTV_TEST_GUEST_PW --replay "$work/failed.tar"
grep -q "cannot talk to" "$work/err" || fail "the replay did not repeat the recorded failure"
echo "guest CLI: ok"
