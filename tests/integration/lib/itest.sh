# Sourced first by the integration tests that stand up a lab. One prologue
# for all of them: ctest's MTV_* variables and the Forklift CRDs (skip, 77,
# when absent), a work folder under the build tree, an exit trap that stops
# every process the script started (whatever its PID variables hold by
# then) and removes the folder unless KEEP_WORK is set, fail() showing the
# lab's log, and the lab started the same way everywhere.
#
#   itest_init NAME [PID_VAR...]   $work, $CRDS, the trap; lab_pid and
#                                  sshd_pid are always stopped, the named
#                                  variables first (a run before its lab)
#   stop PID                       TERM and reap one process
#   fail MESSAGE                   print, show the lab log's tail, exit 1
#   itest_need CMD WHY             skip (77) unless CMD is on PATH
#   itest_lab STATE_DIR [OPTION...] `lab serve` in the background: lab_pid,
#                                  waits for its providers file, exports
#                                  KUBECONFIG
#   itest_guest_logins IN OUT PASSWORD KEY...  the providers file IN with
#                                  this user and PASSWORD as the Windows and
#                                  Linux guest logins of the entries KEY...
#   run EXPECTED_RC COMMAND...     run it, output in $out, fail on another
#                                  exit code (a script may define its own)
#   has TEXT                       fail unless $out holds TEXT

itest_init() {
  : "${MTV_BIN:?}" "${MTV_SHARED_DIR:?}" "${MTV_SOURCE_DIR:?}"
  CRDS="$MTV_SHARED_DIR/reference/forklift-crds"
  [ -d "$CRDS" ] || { echo "SKIP: no $CRDS"; exit 77; }
  itest_need jq "make deps installs it"
  work=$(mktemp -d "${MTV_BINARY_DIR:-${TMPDIR:-/tmp}}/$1.XXXXXX")
  shift
  ITEST_PID_VARS="$* lab_pid sshd_pid"
  local v
  for v in $ITEST_PID_VARS; do printf -v "$v" '%s' ""; done
  trap itest_cleanup EXIT
}

itest_need() {
  command -v "$1" >/dev/null || { echo "SKIP: no $1 on PATH ($2)"; exit 77; }
}

stop() {
  if [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}

itest_cleanup() {
  local v
  for v in $ITEST_PID_VARS; do stop "${!v:-}"; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}

fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/lab.log" ] && { echo "--- lab log:" >&2; tail -n 20 "$work/lab.log" >&2; }
  exit 1
}

itest_lab() {
  local st=$1
  shift
  "$MTV_BIN" lab serve --crds "$CRDS" --state-dir "$st" --log-file "$work/lab.log" "$@" \
    >"$work/lab.out" 2>&1 &
  lab_pid=$!
  for _ in $(seq 1200); do
    [ -s "$st/.providers.json" ] && break
    kill -0 "$lab_pid" 2>/dev/null || fail "lab serve exited: $(cat "$work/lab.out")"
    sleep 0.1
  done
  [ -s "$st/.providers.json" ] || fail "no $st/.providers.json after 120 s"
  export KUBECONFIG="$st/kubeconfig"
}

itest_guest_logins() {
  local in=$1 out=$2 pw=$3
  shift 3
  jq --arg u "$(id -un)" --arg p "$pw" --arg keys "$*" \
    'with_entries(if (.key | IN($keys | split(" ")[])) then .value += {
       guest_vm_win_user: $u, guest_vm_win_password: $p,
       guest_vm_linux_user: $u, guest_vm_linux_password: $p} else . end)' \
    "$in" >"$out"
}

run() {
  local want=$1
  shift
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
  [ "$rc" = "$want" ] || fail "$*: exit $rc, wanted $want: $out"
}

has() {
  case "$out" in *"$1"*) ;; *) fail "expected '$1' in: $out" ;; esac
}
