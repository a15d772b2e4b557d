#!/usr/bin/env bash
# The CLI against the shipped catalog, end to end: the selection upstream
# users expect, config check pinpointing a syntax error, secrets never shown,
# and exit codes. Expected sets are written out by hand from upstream's test
# classes, not read from the catalog.
set -euo pipefail
bin=${MTV_BIN:?}
src=${MTV_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MTV_CATALOG_DIR="$src/scenarios"
unset PROVIDERS_JSON_PATH
cd "$work"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# 1. upstream's tier0 cold scenarios for vSphere, and no others: the tier0
#    classes that carry the vsphere marker or none, minus warm and OVA ones.
expected="test_cold_migration_comprehensive-vsphere
test_post_hook_retain_failed_vm-vsphere
test_sanity_cold_mtv_migration-vsphere
test_shared_disk_rhel_migration-vsphere"
out=$("$bin" list -m "tier0 and not warm" --provider-type vsphere)
got=$(printf '%s\n' "$out" | grep -E '^test_' | sort)
[ "$got" = "$expected" ] || fail "tier0 and not warm on vsphere: got
$got"
printf '%s\n' "$out" | grep -q 'steps:   base: storagemap > networkmap > plan > migrate > check_vms' \
    || fail "list does not show the steps"
printf '%s\n' "$out" | grep -q 'vms:     mtv-feature-shared-rhel1, mtv-feature-shared-rhel2' \
    || fail "list does not show the VMs"

# 2. warm on OpenStack: selected but skipped with upstream's reason
out=$("$bin" list -m "warm and copyoffload" --provider-type openstack)
printf '%s\n' "$out" | grep -q 'SKIPPED: openstack warm migration is not supported.' \
    || fail "no upstream skip reason for warm on openstack"

# 3. a providers file with a syntax error on line 7: line, caret, exit 2,
#    and the password on that line never shown
cat > broken.json <<'JSON'
{
  "vsphere": {
    "type": "vsphere",
    "version": "8.0.3",
    "fqdn": "vcenter.example.com",
    "username": "administrator@vsphere.local"
    "password": "Canary-Integration-7x!",
    "api_url": "https://vcenter.example.com/sdk"
  }
}
JSON
set +e
out=$("$bin" config check --providers-json broken.json 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] || fail "config check on a syntax error exited $rc, not 2"
printf '%s\n' "$out" | grep -q 'broken.json:7:5: error: missing' || fail "no line 7 in: $out"
printf '%s\n' "$out" | grep -qE '^ +\^$' || fail "no caret in: $out"
printf '%s\n' "$out" | grep -q 'Canary-Integration-7x!' && fail "the password was printed: $out"

# 4. the shipped example providers file (with # comments) checks clean
"$bin" config check --providers-json "$src/docs/examples/providers.json.example" >/dev/null \
    || fail "config check of the example failed"

# 5. --provider through $PROVIDERS_JSON_PATH; unknown entries list the real ones
cp "$src/docs/examples/providers.json.example" .providers.json
out=$("$bin" list --provider vsphere-esxi -m tier0 --storage-class ceph-rbd)
printf '%s\n' "$out" | grep -q '^test_sanity_cold_mtv_migration-vsphere-esxi-ceph-rbd$' \
    || fail "test name not <scenario>-<provider>-<storage class>: $out"
printf '%s\n' "$out" | grep -q '^test_cold_migration_comprehensive' \
    && fail "an ESXi entry took a scenario written for vCenter only"
set +e
out=$(PROVIDERS_JSON_PATH="$src/docs/examples/providers.json.example" "$bin" list --provider vsphere8 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] || fail "unknown provider exited $rc"
printf '%s\n' "$out" | grep -q "no provider entry named 'vsphere8'; available: vsphere, vsphere-copy-offload" \
    || fail "unknown provider message: $out"

# 6. --set is type-checked
set +e
out=$("$bin" config check --providers-json .providers.json --set test_sanity_cold_mtv_migration.warm_migration=yes 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] || fail "a mistyped --set exited $rc"
printf '%s\n' "$out" | grep -q "expected a boolean (true or false), got 'yes'" || fail "--set message: $out"

# 7. JSON output for scripts
"$bin" list --json --scenario test_sanity_warm_mtv_migration --provider-type ovirt > list.json
grep -q '"test_name":	"test_sanity_warm_mtv_migration-ovirt"' list.json || fail "json test name: $(cat list.json)"
grep -q '"applies":	true' list.json || fail "the MTV-2846 link should apply on ovirt: $(cat list.json)"

# 8. help for each command, exit 0
"$bin" help list | grep -q -- '--provider-type TYPE' || fail "help list"
"$bin" config check --help | grep -q -- '--providers-json PATH' || fail "config check --help"

[ "$fails" = 0 ] || exit 1
echo "ok"
