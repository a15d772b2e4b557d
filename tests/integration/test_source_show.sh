#!/usr/bin/env bash
# `source show` end to end against a real vcsim: the summary and the JSON
# record of a VM, a recording, and a replay of it with vcsim stopped that
# prints the same bytes; wrong names exit 2 with a clear message; the
# password never shows in any output or in the bundle.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${MTV_BINARY_DIR:-/tmp}/source-show.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
vcsim="${MTV_BINARY_DIR:-$work}/peers/vcsim"
bash "$here/../peers/vcsim/build.sh" "$vcsim" || exit $?
pw='Canary-Cli-Pw-3a7c!'

cat > "$work/world.json" <<'JSON'
{"networks": ["mtv-net-a"],
 "vms": [{"name": "mtv-tests-rhel8", "cpus": 4, "cores_per_socket": 2, "memory_mb": 2048,
          "power": "on", "disks": [{"size_gb": 1}, {"size_gb": 2, "thin": false}],
          "nics": [{"network": "mtv-net-a", "mac": "00:50:56:aa:30:01", "ip": "192.0.2.30",
                    "prefix": 24, "origin": "manual", "gateway": "192.0.2.1"}]}]}
JSON
"$vcsim" -l 127.0.0.1:0 -vm 0 -user tester -pass "$pw" -world "$work/world.json" > "$work/ready" 2> "$work/err" &
pid=$!
for _ in $(seq 1200); do [ -f "$work/ready" ] && [ "$(wc -l <"$work/ready")" -ge 1 ] && break; sleep 0.1; done
url=$(sed -E 's/.*"url":"([^"]+)".*/\1/' "$work/ready")
[ -n "$url" ] || { echo "vcsim not ready: $(cat "$work/err")"; exit 1; }
cat > "$work/providers.json" <<JSON
{"vc": {"type": "vsphere", "version": "6.5", "fqdn": "127.0.0.1", "api_url": "$url",
        "username": "tester", "password": "$pw"}}
JSON
show() { "$MTV_BIN" source show --providers-json "$work/providers.json" --log-level warn "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
expect() { grep -qF -- "$2" <<<"$1" || { echo "missing: $2"; echo "$1"; exit 1; }; }

text=$(show --provider vc mtv-tests-rhel8)
expect "$text" "mtv-tests-rhel8 (vsphere, id vm-"
expect "$text" "2 socket(s) x 2 core(s)"
expect "$text" "192.0.2.30/24 manual static gw 192.0.2.1"

show -p vc mtv-tests-rhel8 --json --record "$work/rec" > "$work/live.json"
live=$(cat "$work/live.json")
expect "$live" '"macAddress":	"00:50:56:aa:30:01"'
expect "$live" '"is_static_ip":	true'
expect "$live" '"provision_type":	"thick-lazy"'
expect "$live" '"power_state":	"on"'
[ -s "$work/rec/source-show.tar" ] || fail "no bundle written"

kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
show -p vc mtv-tests-rhel8 --json --replay "$work/rec/source-show.tar" > "$work/replayed.json"
cmp "$work/live.json" "$work/replayed.json" || fail "replay printed something else"

set +e
out=$(show -p vc no-such-vm --replay "$work/rec/source-show.tar" 2>&1); rc=$?
[ "$rc" = 2 ] || fail "a VM the recording does not know must exit 2, got $rc: $out"
expect "$out" "has no VirtualMachine named 'no-such-vm'"
out=$(show -p nope mtv-tests-rhel8 2>&1); rc=$?
[ "$rc" = 2 ] || fail "an unknown entry must exit 2, got $rc"
expect "$out" "nope"
out=$(show mtv-tests-rhel8 2>&1); rc=$?
[ "$rc" = 2 ] || fail "no --provider must exit 2"
expect "$out" "--provider KEY is required"
set -e
if grep -qF "$pw" "$work/live.json" "$work/replayed.json" "$work/rec/source-show.tar"; then
  fail "the password leaked"
fi
"$MTV_BIN" help source | grep -q "show" || fail "help source"
echo "source show: live, recorded and replayed alike"
