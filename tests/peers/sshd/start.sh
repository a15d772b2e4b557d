#!/usr/bin/env bash
# Starts a throw-away OpenSSH server on loopback for tests: its own host key,
# config, authorized keys and pid file under DIR; never the system service.
# usage: start.sh DIR PORT   -> prints "pid=<pid> key=<DIR>/client_ed25519"
# The client key (ed25519: libssh2 1.10 cannot sign rsa-sha2) is authorised
# for the current user. Exit 77 when sshd is not installed.
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
cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys/%u
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PrintMotd no
LogLevel VERBOSE
CFG
[ "$(id -u)" = 0 ] && mkdir -p -m 0755 /run/sshd
/usr/sbin/sshd -t -f "$dir/sshd_config"
/usr/sbin/sshd -D -e -f "$dir/sshd_config" > "$dir/sshd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
  grep -q "Server listening" "$dir/sshd.log" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$dir/sshd.log" >&2; exit 1; }
  sleep 0.1
done
echo "pid=$pid key=$dir/client_ed25519"
