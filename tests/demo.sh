#!/usr/bin/env bash
# The main job `make demo` runs: the tool's own overview and version first.
set -euo pipefail
bin=${1:-build/mtv-validate}
"$bin" help
"$bin" version
# Then the shipped scenario catalog, listed and validated with the example
# providers file.
here=$(cd "$(dirname "$0")/.." && pwd)
echo
echo "== The catalog: upstream's tier0 scenarios for a vSphere source"
"$bin" list --catalog "$here/scenarios" -m tier0 \
    --providers-json "$here/docs/examples/providers.json.example" --provider vsphere
echo
echo "== Validating the example providers file, the settings and the catalog"
"$bin" config check --catalog "$here/scenarios" \
    --providers-json "$here/docs/examples/providers.json.example"
# Then two recorded runs of a cold migration (tests/data/cassettes): the
# first was killed mid-write, the second failed. Recover, inspect, verify
# and diff them.
echo
echo "== Cassettes: recover a killed run's journal, show it, verify it"
demo_tmp=$(mktemp -d)
trap 'rm -rf "$demo_tmp"' EXIT
"$bin" cassette recover -o "$demo_tmp/good.tar" "$here/tests/data/cassettes/cold-migration.good.journal.ndjson"
"$bin" cassette recover -o "$demo_tmp/bad.tar" "$here/tests/data/cassettes/cold-migration.bad.journal.ndjson"
"$bin" cassette show "$demo_tmp/good.tar"
"$bin" cassette verify "$demo_tmp/good.tar"
echo
echo "== Where the failing run diverged from the good one"
"$bin" cassette diff "$demo_tmp/good.tar" "$demo_tmp/bad.tar" || true
# The lab: a simulated cluster API that the real kubectl talks to.
echo
echo "== The lab: kubectl against mtv-validate lab serve"
lab_dir=$(mktemp -d)
crds=()
[ -d "$here/../shared/reference/forklift-crds" ] && crds=(--crds "$here/../shared/reference/forklift-crds")
"$bin" lab serve "${crds[@]}" --state-dir "$lab_dir" >"$lab_dir/out" 2>&1 &
lab_pid=$!
trap 'kill "$lab_pid" 2>/dev/null; wait "$lab_pid" 2>/dev/null; rm -rf "$lab_dir" "$demo_tmp"' EXIT
for _ in $(seq 100); do [ -s "$lab_dir/kubeconfig" ] && break; sleep 0.1; done
cat "$lab_dir/out"
if command -v kubectl >/dev/null && [ -s "$lab_dir/kubeconfig" ]; then
  KUBECONFIG="$lab_dir/kubeconfig" kubectl --cache-dir "$lab_dir/cache" get namespaces
  KUBECONFIG="$lab_dir/kubeconfig" kubectl --cache-dir "$lab_dir/cache" get crd
fi
# Then the reports of a recorded run's results (tests/data/results): the
# console summary, the JUnit file CI reads, and what `report jira` would send
# (here to a Jira that is down: the failure is reported, the exit code stays 0).
echo
echo "== Reports: the summary line, JUnit XML, and a Jira dry run"
cp "$here/tests/data/results/sample.results.json" "$demo_tmp/results.json"
"$bin" report summary "$demo_tmp/results.json" || true
"$bin" report junit "$demo_tmp/results.json"
sed -n '1,12p' "$demo_tmp/junit.xml"
"$bin" report jira --results "$demo_tmp/results.json" --dry-run --jira-config /dev/null \
    -c url=http://127.0.0.1:9 -c project=MTV -c connection_retry_total=0 \
    -c build_url=https://ci.example.com/job/1/ | sed -n '1,40p'
# Cluster access as a run resolves it, against the lab: its kubeconfig.
echo
echo "== Cluster access: mtv-validate cluster check against the lab"
if [ -s "$lab_dir/kubeconfig" ]; then
  "$bin" cluster check --kubeconfig "$lab_dir/kubeconfig"
fi
# Guest access: a recorded SSH session into a migrated VM (through the VMI
# portforward) answered again with no cluster and no guest, and a command
# that was not recorded.
echo
echo "== Guest SSH: replaying a recorded session (no cluster, no guest)"
guest=(-n mtv-tests --vm rhel9-x7k2 --user root --key unused --replay "$here/tests/data/cassettes/guest-session.har")
"$bin" cassette show --no-timeline "$here/tests/data/cassettes/guest-session.har"
"$bin" guest probe "${guest[@]}"
"$bin" guest exec "${guest[@]}" -- uname -s
"$bin" guest exec "${guest[@]}" -- "echo 'no such file' >&2; exit 3" || echo "(exit $?: the command failed in the guest)"
"$bin" guest exec "${guest[@]}" -- cat /etc/os-release || echo "(exit $?: not in the recording)"
# A live run against the lab's MTV controller (when this build's lab has one):
# tier0 from its simulated oVirt (each VM cloned from its template first)
# and, when the vcsim launcher builds here, from vSphere (the lab's world
# served by a real vcsim), with a real sshd answering as every migrated
# guest so check_vms logs in; each run recorded, then replayed offline.
# Nothing between starting the peers and stopping them can end the script.
echo
echo "== mtv-validate run: tier0 from the lab's oVirt and vSphere, recorded; then replayed offline"
case "$("$bin" lab serve --help 2>/dev/null || true)" in
*--faults*)
  run_lab="$demo_tmp/run-lab"
  mkdir -p "$run_lab"
  peers=()
  trap 'kill "${peers[@]}" "$lab_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$lab_dir" "$demo_tmp"' EXIT
  # the guests: a throw-away sshd on loopback (needs root for password logins)
  guest_pw="demo-guest-$$"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  SSHD_GUESTS="$run_lab/guests" SSHD_FOREGROUND=1 SSHD_PASSWORD="$guest_pw" \
    bash "$here/tests/peers/sshd/start.sh" "$run_lab/sshd" "$port" >"$run_lab/sshd.out" 2>&1 &
  peers+=($!)
  guests=()
  for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      guests=(--ssh-target "127.0.0.1:$port" --guest-dir "$run_lab/guests")
      break
    fi
    kill -0 "${peers[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  [ ${#guests[@]} -gt 0 ] || echo "(no guest sshd here: $(tail -n 1 "$run_lab/sshd.out"); check_vms will fail its SSH checks)"
  # vSphere: the vcsim launcher over the lab's world, when it builds here
  vsphere=()
  if bash "$here/tests/peers/vcsim/build.sh" "$here/build/peers/vcsim" >"$run_lab/vcsim-build.log" 2>&1; then
    "$bin" lab world --vsphere >"$run_lab/world.json"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
      -addext subjectAltName=IP:127.0.0.1 -days 2 -keyout "$run_lab/vcsim.key" -out "$run_lab/vcsim.crt" \
      2>/dev/null
    "$here/build/peers/vcsim" -l 127.0.0.1:0 -vm 0 -auto-guest -world "$run_lab/world.json" \
      -tls-cert "$run_lab/vcsim.crt" -tls-key "$run_lab/vcsim.key" >"$run_lab/vcsim.ready" 2>"$run_lab/vcsim.err" &
    peers+=($!)
    for _ in $(seq 300); do [ -s "$run_lab/vcsim.ready" ] && break; sleep 0.1; done
    url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$run_lab/vcsim.ready")
    [ -n "$url" ] && vsphere=(--vsphere "$url")
  fi
  [ ${#vsphere[@]} -gt 0 ] || echo "(vSphere left out: vcsim cannot be built here: $(tail -n 1 "$run_lab/vcsim-build.log"))"
  "$bin" lab serve "${crds[@]}" --state-dir "$run_lab/state" --speed 100 "${guests[@]}" "${vsphere[@]}" \
    >"$demo_tmp/run-lab.out" 2>&1 &
  run_lab_pid=$!
  for _ in $(seq 200); do [ -s "$run_lab/state/.providers.json" ] && break; sleep 0.1; done
  jq --arg u "$(id -un)" --arg p "$guest_pw" \
    'with_entries(.value += {guest_vm_win_user: $u, guest_vm_win_password: $p,
                             guest_vm_linux_user: $u, guest_vm_linux_password: $p})' \
    "$run_lab/state/.providers.json" >"$run_lab/providers.json"
  sources=ovirt
  [ ${#vsphere[@]} -gt 0 ] && sources="ovirt vsphere"
  for src in $sources; do
    echo "-- tier0 from $src"
    KUBECONFIG="$run_lab/state/kubeconfig" "$bin" run --provider "$src" --storage-class standard \
        --providers-json "$run_lab/providers.json" --catalog "$here/scenarios" \
        -m tier0 -j 2 -o "$run_lab/run-$src" --log-level warn || true
  done
  kill "$run_lab_pid" "${peers[@]}" 2>/dev/null || true
  wait "$run_lab_pid" "${peers[@]}" 2>/dev/null || true
  for src in $sources; do
    echo "-- replay of the $src run (no lab, no guests)"
    "$bin" replay "$run_lab/run-$src" -o "$run_lab/replay-$src" --log-level warn | tail -n 1
  done
  ;;
*) echo "(this build's lab has no MTV controller)" ;;
esac
