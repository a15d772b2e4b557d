#!/usr/bin/env bash
# The vcsim launcher builds from Debian's govmomi and serves a world with the
# guest data the adapters need (static IP with prefix and origin, gateway,
# tools running), over plain SOAP. Proves the peer recipe before any adapter
# relies on it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
vcsim="${MTV_BINARY_DIR:-$work}/peers/vcsim"
bash "$here/../peers/vcsim/build.sh" "$vcsim" || exit $?

cat > "$work/world.json" <<'JSON'
{"networks": ["mtv-net-a"],
 "vms": [{"name": "mtv-tests-rhel8", "cpus": 4, "cores_per_socket": 2, "memory_mb": 2048,
          "power": "on", "disks": [{"size_gb": 1}],
          "nics": [{"network": "mtv-net-a", "mac": "00:50:56:aa:00:01", "ip": "192.0.2.10",
                    "prefix": 26, "origin": "manual", "gateway": "192.0.2.1"}]},
         {"name": "powered-off", "cpus": 1, "memory_mb": 512, "power": "off",
          "nics": [{"mac": "00:50:56:aa:00:02", "ip": "192.0.2.11"}]}]}
JSON
"$vcsim" -l 127.0.0.1:0 -vm 0 -world "$work/world.json" > "$work/ready" 2> "$work/err" &
pid=$!
for _ in $(seq 600); do [ -f "$work/ready" ] && [ "$(wc -l <"$work/ready")" -ge 1 ] && break; sleep 0.1; done
ready=$(cat "$work/ready")
url=$(sed -E 's/.*"url":"([^"]+)".*/\1/' <<<"$ready")
ref=$(sed -E 's/.*"mtv-tests-rhel8":"([^"]+)".*/\1/' <<<"$ready")
off=$(sed -E 's/.*"powered-off":"([^"]+)".*/\1/' <<<"$ready")
[ -n "$url" ] && [ -n "$ref" ] || { echo "launcher not ready: $ready $(cat "$work/err")"; exit 1; }

soap() {
  curl -sf -c "$work/c" -b "$work/c" -H 'Content-Type: text/xml' "$url" --data-binary \
    "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>$1</soapenv:Body></soapenv:Envelope>"
}
props() {
  soap "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><pathSet>guest</pathSet><pathSet>config.hardware</pathSet><pathSet>runtime.powerState</pathSet></propSet><objectSet><obj type=\"VirtualMachine\">$1</obj></objectSet></specSet><options/></RetrievePropertiesEx>"
}
soap '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>user</userName><password>pass</password></Login>' >/dev/null
on=$(props "$ref")
expect() { grep -q -- "$2" <<<"$1" || { echo "missing $2"; echo "$1" | head -c 2000; exit 1; }; }
expect "$on" '<numCPU>4</numCPU>'
expect "$on" '<numCoresPerSocket>2</numCoresPerSocket>'
expect "$on" '<memoryMB>2048</memoryMB>'
expect "$on" '<macAddress>00:50:56:aa:00:01</macAddress>'
expect "$on" '<network>mtv-net-a</network>'
expect "$on" '<prefixLength>26</prefixLength><origin>manual</origin>'
expect "$on" '<gateway><ipAddress>192.0.2.1</ipAddress>'
expect "$on" '<toolsStatus>toolsOk</toolsStatus>'
expect "$on" 'poweredOn'
offp=$(props "$off")
expect "$offp" 'poweredOff'
if grep -q 'toolsOk\|192.0.2.11' <<<"$offp"; then echo "a powered-off VM must have no guest data"; exit 1; fi
echo "vcsim peer: world served with guest data"
