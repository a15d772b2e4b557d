#!/usr/bin/env bash
# JUnit files of real lab runs hold every status and stay valid: one lab with
# a faults file and a real sshd as the guests, and two `mtv-validate run`s:
#  - OpenStack: test_insecure_skip_verify_cold_migration passes (its steps
#    end with the Plan); the
#    comprehensive cold migration fails at DiskTransfer with a reason full of
#    ANSI colour codes and control characters (BEL, SOH, an OSC title
#    sequence), so migrate fails and check_vms is xfailed by the incremental
#    rule; test_ca_crt_cold_migration is skipped (it does not apply with
#    source_provider_insecure_skip_verify=true);
#  - oVirt: the comprehensive cold migration makes a VM with the wrong memory
#    (check_vms fails, check_memory), and a scenario whose source VM does
#    not exist errors in prepare.
# Each junit.xml, and `report merge` of the two as shards, validates with
# xmllint against the Jenkins xUnit schema and renders with xunit-viewer
# (console and HTML) without a complaint; the statuses are asserted in the
# XML; no terminal escape or XML-illegal byte reaches a file. Canary secrets
# (the guest password planted in the providers file, and the lab's source
# passwords) never appear in junit.xml, run.log or the console output.
set -euo pipefail

# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"
itest_init junit-lab
XSD="$MTV_SHARED_DIR/reference/junit/jenkins-xunit-junit-10.xsd"
VIEWER="$MTV_SOURCE_DIR/tests/node/node_modules/.bin/xunit-viewer"
[ -f "$XSD" ] || { echo "SKIP: no $XSD"; exit 77; }
itest_need xmllint "make deps installs libxml2-utils"
[ -x "$VIEWER" ] && command -v node >/dev/null || { echo "SKIP: no xunit-viewer (make deps installs it)"; exit 77; }

# the guests: a throw-away sshd on loopback accepting a planted password
pw="Guest-canary-pw-$$-j7"
# shellcheck source=lib/guest_sshd.sh
source "$MTV_SOURCE_DIR/tests/integration/lib/guest_sshd.sh"
start_guest_sshd "$pw"

# the faults: plan names carry the source type (<session>-source-<type>-...)
esc=$'\e'
bel=$'\a'
soh=$'\x01'
reason="${esc}[1;31mUnable to connect${esc}[0m to the source disk:${bel} bell,${soh} SOH,${esc}]0;title${bel} done"
jq -n --arg r "$reason" '{vms: [
  {vm: "mtv-win2019-3disks", plan: "*-source-openstack-*", fail_at: "DiskTransfer", reason: $r},
  {vm: "mtv-win2019-3disks", plan: "*-source-ovirt-*", wrong: {memory: "512Mi"}}]}' >"$work/faults.json"

st="$work/lab"
itest_lab "$st" --speed 100 --ssh-target "127.0.0.1:$port" --guest-dir "$work/guests" --faults "$work/faults.json"
itest_guest_logins "$st/.providers.json" "$work/providers.json" "$pw" ovirt openstack
# every password of the providers file is a canary
jq -r '.. | objects | to_entries[] | select(.key | test("password")) | .value | strings' \
  "$work/providers.json" | sort -u >"$work/canaries"
grep -qxF -- "$pw" "$work/canaries" || fail "the planted password is not in the providers file"
[ "$(wc -l <"$work/canaries")" -ge 2 ] || fail "no source password to watch: $(cat "$work/canaries")"

# a catalog copy with one scenario whose source VM does not exist
cp -r "$MTV_SOURCE_DIR/scenarios" "$work/catalog"
jq '.params.virtual_machines[0].name = "mtv-no-such-vm"' \
  "$MTV_SOURCE_DIR/scenarios/test_insecure_skip_verify_cold_migration_rhv.json" \
  >"$work/catalog/test_insecure_skip_verify_cold_migration_rhv.json"

run() {  # run PROVIDER DIR SCENARIO...: the console output in DIR.out
  local p=$1 dir=$2
  shift 2
  local sc=()
  for s in "$@"; do sc+=(--scenario "$s"); done
  set +e
  "$MTV_BIN" run --provider "$p" --storage-class standard --providers-json "$work/providers.json" \
    --catalog "$work/catalog" -o "$dir" -j 2 --set source_provider_insecure_skip_verify=true \
    --set skip_source_clone=true "${sc[@]}" >"$dir.out" 2>&1
  rc=$?
  set -e
  [ "$rc" = 1 ] || fail "$p: exit $rc, wanted 1: $(cat "$dir.out")"
  [ -s "$dir/junit.xml" ] || fail "$p: no junit.xml"
}
run openstack "$work/openstack" test_insecure_skip_verify_cold_migration test_cold_migration_comprehensive \
  test_ca_crt_cold_migration
run ovirt "$work/ovirt" test_cold_migration_comprehensive test_insecure_skip_verify_cold_migration_rhv

# the step with this name in this scenario's testsuite, as one line
testcase() {  # testcase JUNIT SCENARIO_TEST_NAME STEP
  tr -d '\n' <"$1" | sed 's/<testsuite /\n&/g' | grep "<testsuite name=\"$2\"" |
    sed 's/<testcase /\n&/g' | grep "^<testcase [^>]*name=\"$3-"
}
want() {  # want JUNIT SCENARIO STEP ELEMENT [TEXT]: the testcase holds ELEMENT (and TEXT)
  local tc
  tc=$(testcase "$1" "$2" "$3") || fail "$1: no testcase $3 in $2"
  case "$4" in
    passed) case "$tc" in *"<failure"* | *"<error"* | *"<skipped"*) fail "$2 $3 did not pass: $tc" ;; esac ;;
    *) case "$tc" in *"$4"*) ;; *) fail "$2 $3: no $4 in: $tc" ;; esac ;;
  esac
  [ -z "${5:-}" ] || case "$tc" in *"$5"*) ;; *) fail "$2 $3: no '$5' in: $tc" ;; esac
}
j="$work/openstack/junit.xml"
want "$j" test_insecure_skip_verify_cold_migration-openstack-standard prepare passed
want "$j" test_insecure_skip_verify_cold_migration-openstack-standard plan passed
want "$j" test_cold_migration_comprehensive-openstack-standard migrate "<failure" "Unable to connect"
want "$j" test_cold_migration_comprehensive-openstack-standard check_vms 'type="pytest.xfail"' \
  "previous step failed (migrate)"
want "$j" test_ca_crt_cold_migration-openstack-standard prepare 'type="pytest.skip"' "insecure=false"
j="$work/ovirt/junit.xml"
want "$j" test_cold_migration_comprehensive-ovirt-standard migrate passed
want "$j" test_cold_migration_comprehensive-ovirt-standard check_vms "<failure" "check_memory - "
want "$j" test_insecure_skip_verify_cold_migration_rhv-ovirt-standard prepare "<error" "mtv-no-such-vm"
# the MTV version, as the lab's operator CSV announces it, in both files' properties
for f in "$work/openstack/junit.xml" "$work/ovirt/junit.xml"; do
  grep -q '<property name="mtv_version" value="2.10.0"/>' "$f" || fail "$f lacks the MTV version property"
done

# no terminal escape and no XML-illegal byte in any file; the reason's text stays
for f in "$work/openstack/junit.xml" "$work/ovirt/junit.xml"; do
  if LC_ALL=C grep -q -P '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]' "$f"; then
    fail "$f holds control characters: $(LC_ALL=C grep -n -P '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]' "$f" | cat -v | head -3)"
  fi
done
grep -q 'Unable to connect to the source disk:' "$work/openstack/junit.xml" ||
  fail "the fault reason lost its text: $(grep -o '<failure message="[^"]*' "$work/openstack/junit.xml")"
grep -q "${esc}\[1;31m" "$work/openstack/run.log" "$work/openstack"/*/scenario.log ||
  fail "the escape codes never reached the logs: the test proves nothing"

# merged as shards
"$MTV_BIN" report merge "$work/merged.xml" "$work/openstack/junit.xml" "$work/ovirt/junit.xml" \
  >"$work/merge.out" 2>&1 || fail "report merge: $(cat "$work/merge.out")"
[ "$(grep -c '<testsuite ' "$work/merged.xml")" = 5 ] || fail "the merged file does not hold 5 testsuites"

# counts the viewer prints, from the XML itself
count() { grep -c "$2" "$1" || true; }
for b in openstack ovirt merged; do
  f="$work/$b/junit.xml"
  [ "$b" != merged ] || f="$work/merged.xml"
  xmllint --noout --schema "$XSD" "$f" >"$work/lint" 2>&1 || fail "$f is not valid: $(cat "$work/lint")"
  mkdir -p "$work/view-$b"
  (cd "$work/view-$b" && "$VIEWER" -r "$f" -c -n -C false >"$work/$b.viewer.out" 2>"$work/$b.viewer.err" &&
    "$VIEWER" -r "$f" -o "$work/$b.html" >>"$work/$b.viewer.out" 2>>"$work/$b.viewer.err") ||
    fail "xunit-viewer failed on $f: $(cat "$work/$b.viewer.err")"
  [ ! -s "$work/$b.viewer.err" ] || fail "xunit-viewer complained about $f: $(cat "$work/$b.viewer.err")"
  [ -s "$work/$b.html" ] || fail "xunit-viewer wrote no HTML for $f"
  # its summary line ("13 passed, 8 skipped, 1 error, 2 failure") agrees with the XML
  sum=$(grep -E '^[0-9]+ (passed|skipped|error|failure)' "$work/$b.viewer.out" | tail -1)
  for pair in '<failure |failure' '<error |error' '<skipped |skipped'; do
    n=$(count "$f" "${pair%%|*}")
    case "$n" in 0) continue ;; esac
    case ", $sum," in *", $n ${pair#*|}"[s,]*) ;; *) fail "xunit-viewer shows '$sum' for $f, not $n ${pair#*|}" ;; esac
  done
done
m="$work/merged.xml"
for el in '<failure ' '<error ' 'type="pytest.skip"' 'type="pytest.xfail"'; do
  [ "$(count "$m" "$el")" -gt 0 ] || fail "the merged file has no $el"
done

# the canaries: never in junit.xml, run.log or the console
while IFS= read -r secret; do
  [ -n "$secret" ] || continue
  for f in "$work"/openstack/junit.xml "$work"/ovirt/junit.xml "$work/merged.xml" \
    "$work"/openstack/run.log "$work"/ovirt/run.log "$work"/openstack.out "$work"/ovirt.out; do
    if grep -a -q -F -- "$secret" "$f"; then fail "a password of the providers file is in $f"; fi
  done
done <"$work/canaries"
echo "junit from lab runs: statuses, schema, xunit-viewer, merge and canaries ok"
