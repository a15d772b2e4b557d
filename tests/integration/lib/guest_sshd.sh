# Sourced by integration tests: start_guest_sshd PASSWORD starts a throw-away
# sshd on a free loopback port (tests/peers/sshd/start.sh) accepting PASSWORD
# for this user, as the guests behind the lab's portforward; each guest
# answers as itself (SSHD_GUESTS=$work/guests: give the lab
# --guest-dir "$work/guests"). Sets `port` and
# `sshd_pid` (the caller stops it); exits 77 when sshd cannot run here.
# Needs the caller's $work and fail().
start_guest_sshd() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  set +e
  SSHD_GUESTS="$work/guests" SSHD_FOREGROUND=1 SSHD_PASSWORD="$1" "$MTV_SOURCE_DIR/tests/peers/sshd/start.sh" "$work/sshd" "$port" \
    >"$work/sshd.out" 2>&1 &
  sshd_pid=$!
  set -e
  local rc
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    if ! kill -0 "$sshd_pid" 2>/dev/null; then
      wait "$sshd_pid" && rc=0 || rc=$?
      sshd_pid=""
      [ "$rc" = 77 ] && { echo "SKIP: $(cat "$work/sshd.out")"; exit 77; }
      fail "sshd did not start: $(cat "$work/sshd.out")"
    fi
    sleep 0.1
  done
}
