#!/usr/bin/env bash
# Starts a throw-away OpenSSH server on loopback for tests: its own host key,
# config, authorized keys and pid file under DIR; never the system service.
# usage: start.sh DIR PORT   -> prints "pid=<pid> key=<DIR>/client_ed25519"
# The client key (ed25519: libssh2 1.10 cannot sign rsa-sha2) is authorised
# for the current user. Exit 77 when sshd is not installed.
#
# Environment:
#   SSHD_FOREGROUND=1  exec sshd in the foreground instead (its log on
#                      stderr, same pid as this script): the caller owns it
#                      and can tie its life to its own (PR_SET_PDEATHSIG).
#   SSHD_PASSWORD=...  also accept this password for the current user. sshd
#                      checks passwords against /etc/shadow, so it runs in a
#                      private mount namespace where a copy of the shadow file
#                      with that password is bind-mounted over the real one;
#                      nothing on the machine changes. Needs root and
#                      unshare(1); exit 77 otherwise.
#   As root (with unshare) sshd always runs in a private mount namespace
#   where the user's login shell is /bin/sh: sshd runs every command through
#   it, and a machine's own bash start-up files (~/.bashrc: pyenv, cargo)
#   would otherwise cost half a second per command, as no minimal guest does.
#   SSHD_GUESTS=DIR    stand in for the lab's guests (`lab serve --guest-dir
#                      DIR`): every session runs guest-shell, which answers
#                      a guest's commands from DIR/<client address>/cmd/.
set -euo pipefail
dir=${1:?usage: start.sh DIR PORT}
port=${2:?usage: start.sh DIR PORT}
[ -x /usr/sbin/sshd ] || { echo "sshd: openssh-server is not installed" >&2; exit 77; }
mkdir -p "$dir/authorized_keys"
dir=$(cd "$dir" && pwd)
user=$(id -un)
[ -f "$dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key"
[ -f "$dir/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/client_ed25519"
cp "$dir/client_ed25519.pub" "$dir/authorized_keys/$user"
password_auth=no
root_login=prohibit-password
if [ -n "${SSHD_PASSWORD:-}" ]; then
  { [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -m true 2>/dev/null; } ||
    { echo "sshd: password logins need root and unshare (a private mount namespace)" >&2; exit 77; }
  hash=$(printf '%s\n' "$SSHD_PASSWORD" | openssl passwd -6 -stdin)
  awk -F: -v OFS=: -v u="$user" -v h="$hash" '$1 == u { $2 = h } { print }' /etc/shadow > "$dir/shadow"
  chmod 600 "$dir/shadow"
  password_auth=yes
  root_login=yes
fi
cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys/%u
StrictModes no
UsePAM no
PasswordAuthentication $password_auth
KbdInteractiveAuthentication no
PermitRootLogin $root_login
PrintMotd no
LogLevel VERBOSE
CFG
if [ -n "${SSHD_GUESTS:-}" ]; then
  here=$(cd "$(dirname "$0")" && pwd)
  mkdir -p "$SSHD_GUESTS"
  printf 'SetEnv MTV_GUESTS=%s\nForceCommand %s/guest-shell\n' "$(cd "$SSHD_GUESTS" && pwd)" "$here" \
    >>"$dir/sshd_config"
fi
[ "$(id -u)" = 0 ] && mkdir -p -m 0755 /run/sshd
/usr/sbin/sshd -t -f "$dir/sshd_config"
run=(/usr/sbin/sshd -D -e -f "$dir/sshd_config")
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
  awk -F: -v OFS=: -v u="$user" '$1 == u { $7 = "/bin/sh" } { print }' /etc/passwd > "$dir/passwd"
  shadow=/etc/shadow
  [ -z "${SSHD_PASSWORD:-}" ] || shadow="$dir/shadow"
  # unshare without --fork execs: sshd keeps this script's pid
  run=(unshare -m --propagation private sh -c \
       'mount --bind "$0" /etc/passwd && mount --bind "$1" /etc/shadow && shift && exec "$@"'
       "$dir/passwd" "$shadow" "${run[@]}")
fi
if [ "${SSHD_FOREGROUND:-}" = 1 ]; then
  exec "${run[@]}"
fi
"${run[@]}" > "$dir/sshd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  grep -q "Server listening" "$dir/sshd.log" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$dir/sshd.log" >&2; exit 1; }
  sleep 0.1
done
echo "pid=$pid key=$dir/client_ed25519"
