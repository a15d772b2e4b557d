#!/usr/bin/env bash
# The main job `make demo` runs: today, the tool's own overview and version.
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
# tier0 from its simulated oVirt (each VM cloned from its template first),
# recorded, then replayed offline. Nothing between starting that lab and
# stopping it can end the script.
echo
echo "== mtv-validate run: tier0 from the lab's oVirt, recorded; then replayed offline"
case "$("$bin" lab serve --help 2>/dev/null || true)" in
*--faults*)
  run_lab="$demo_tmp/run-lab"
  "$bin" lab serve "${crds[@]}" --state-dir "$run_lab/state" --speed 100 >"$demo_tmp/run-lab.out" 2>&1 &
  run_lab_pid=$!
  for _ in $(seq 200); do [ -s "$run_lab/state/.providers.json" ] && break; sleep 0.1; done
  KUBECONFIG="$run_lab/state/kubeconfig" "$bin" run --provider ovirt --storage-class standard \
      --providers-json "$run_lab/state/.providers.json" --catalog "$here/scenarios" \
      -m tier0 -j 2 -o "$run_lab/run" --log-level warn || true
  kill "$run_lab_pid" 2>/dev/null || true
  wait "$run_lab_pid" || true
  "$bin" replay "$run_lab/run" -o "$run_lab/replay" --log-level warn | tail -n 1
  ;;
*) echo "(this build's lab has no MTV controller)" ;;
esac
