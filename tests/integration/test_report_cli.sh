#!/usr/bin/env bash
# The report command family end to end on tests/data/results: junit (the
# file validates against the Jenkins xUnit schema), summary and its exit
# code, merge, jira's configuration errors and a dry run against a Jira
# that is down (reported, exit 0; --strict exits 3), and the canary token
# that must not appear in any output.
set -euo pipefail
bin=${MTV_BIN:?}
data=${MTV_SOURCE_DIR:?}/tests/data/results
shared=${MTV_SHARED_DIR:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expected-code command...
  local want=$1; shift
  set +e; "$@" >"$work/out" 2>"$work/err"; local rc=$?; set -e
  [ "$rc" = "$want" ] || { cat "$work/out" "$work/err" >&2; fail "'$*' exited $rc, expected $want"; }
}
unset PYTEST_JIRA_URL PYTEST_JIRA_TOKEN PYTEST_JIRA_USERNAME PYTEST_JIRA_PASSWORD NO_COLOR || true
cd "$work"   # no ./jira.cfg around

# junit: next to the results by default
mkdir run && cp "$data/sample.results.json" run/results.json
expect_rc 0 "$bin" report junit run/results.json
grep -q "wrote run/junit.xml: 9 tests, 1 failures, 1 errors, 2 skipped (1 xfailed)" "$work/out" || fail "junit summary line"
[ -f run/junit.xml ] || fail "no run/junit.xml"
if command -v xmllint >/dev/null && [ -f "$shared/reference/junit/jenkins-xunit-junit-10.xsd" ]; then
  xmllint --noout --schema "$shared/reference/junit/jenkins-xunit-junit-10.xsd" run/junit.xml 2>"$work/lint" \
    || { cat "$work/lint" >&2; fail "junit.xml does not validate"; }
fi
grep -q 'type="pytest.xfail"' run/junit.xml || fail "no xfail"
grep -q '#x07#x01' run/junit.xml || fail "control characters not made visible"
grep -q $'\x1b' run/junit.xml && fail "an escape sequence reached the XML"
expect_rc 0 "$bin" report junit -o custom.xml --max-output 1000 run/results.json
[ -f custom.xml ] || fail "-o ignored"

# summary: pytest's line; exit 1 because a step failed
expect_rc 1 "$bin" report summary run/results.json
grep -q "^5 passed, 1 failed, 1 skipped, 1 xfailed, 1 errors in 1843.25s (0:30:43)$" "$work/out" || fail "summary line"
grep -q "FAILED   test_sanity_cold_mtv_migration-vsphere-8-ceph-rbd::check_vms" "$work/out" || fail "failure line"
grep -q $'\x1b' "$work/out" && fail "colours when not on a terminal"
expect_rc 1 "$bin" report summary --color always run/junit.xml
grep -q $'\x1b\\[31m' "$work/out" || fail "--color always gave no colour"
grep -q "5 passed, 1 failed, 1 skipped, 1 xfailed, 1 errors" "$work/out" || fail "summary from JUnit differs"
expect_rc 2 "$bin" report summary --color sometimes run/results.json

# merge: two shards' files into one
expect_rc 0 "$bin" report merge merged.xml run/junit.xml custom.xml
grep -q 'tests="18" failures="2" errors="2"' merged.xml || fail "merged totals"
grep -q "is also in" "$work/err" || fail "duplicate tests not reported"
expect_rc 2 "$bin" report merge only-out.xml
printf '<html/>' > notjunit.xml
expect_rc 2 "$bin" report merge m.xml notjunit.xml
grep -q "notjunit.xml:1: the root element is <html>" "$work/err" || fail "merge error lacks the file and line"

# jira: configuration problems are usage errors
expect_rc 2 "$bin" report jira --junit run/junit.xml
grep -q "no Jira URL" "$work/err" || fail "missing URL"
expect_rc 2 "$bin" report jira --junit run/junit.xml -c url=https://jira.example.com
grep -q "no Jira project" "$work/err" || fail "missing project"
printf '[DEFAULT]\nurl = https://jira.example.com\nproject = MTV\nconnection_error_strategy = ignore\n' > bad.cfg
expect_rc 2 "$bin" report jira --junit run/junit.xml --jira-config bad.cfg
grep -q "bad.cfg:4: unknown Jira setting \"connection_error_strategy\"" "$work/err" || fail "unknown key"
expect_rc 2 "$bin" report jira -c url=https://j.example -c project=MTV
grep -q "give --junit FILE or --results FILE" "$work/err" || fail "no input"

# a dry run against a Jira that is down: reported, not fatal; nothing secret printed
canary="canary-Cli-t0ken-31337"
printf '[DEFAULT]\nurl = http://127.0.0.1:9\nconnection_retry_total = 0\n[mtv-validate]\nproject = MTV\n' > jira.cfg
export PYTEST_JIRA_TOKEN=$canary
expect_rc 0 "$bin" report jira --junit run/junit.xml --dry-run --build-url https://ci.example.com/job/9/
grep -q '\[dry run\] POST http://127.0.0.1:9/rest/api/2/issue (not sent)' "$work/out" || fail "dry run did not print the creation"
grep -q '/rest/api/2/issue/NEW/remotelink (not sent)' "$work/out" || fail "dry run did not print the link"
grep -q "would create an issue for test_sanity_cold_mtv_migration-vsphere-8-ceph-rbd::check_vms" "$work/out" || fail "decision"
grep -q "1 Jira error" "$work/out" || fail "the failed search was not counted"
cat "$work/out" "$work/err" | grep -q -- "$canary" && fail "the token was printed"
cat "$work/out" "$work/err" | grep -q -- "$(printf %s "bot:$canary" | base64)" && fail "the token was printed in base64"
expect_rc 0 "$bin" report jira --junit run/junit.xml
grep -q "no issue created or commented" "$work/out" || fail "without a search nothing may be created"
expect_rc 3 "$bin" report jira --junit run/junit.xml --strict
unset PYTEST_JIRA_TOKEN

# usage
expect_rc 2 "$bin" report
expect_rc 2 "$bin" report frobnicate
expect_rc 2 "$bin" report junit
expect_rc 2 "$bin" report junit does-not-exist.json
for sub in junit merge summary jira; do
  expect_rc 0 "$bin" report "$sub" --help
  grep -q "Examples:" "$work/out" || fail "report $sub --help has no examples"
done
echo "report CLI: all checks passed"
