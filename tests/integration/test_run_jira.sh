#!/usr/bin/env bash
# `run --jira` (known-issue gating) and `run --jira-report` (ticket
# automation) end to end: one lab, the unit tests' stateful Jira stand-in as
# a process (tests/peers/jirastub), and fast runs of one OpenStack scenario
# whose steps end with a Ready Plan. Two catalog copies: "pass" links the
# scenario to MTV-100 with run=false; "fail" names a source VM that does not
# exist (prepare errors) and links MTV-101 with run=true.
#  - open issues: the run=false scenario is skipped, the run=true one's
#    error is xfailed, both with the issue's browse URL as the reason;
#  - resolved issues: both run; the failure is reported: the first run
#    creates one issue (labels, MTV version in the description), a second
#    identical run comments on it (run id, summary, MTV version, cassette,
#    build URL) instead of opening another;
#  - a dead Jira: the report fails and says so, the exit code stays the
#    validation's (0 for the passing run, 1 for the failing one);
#  - the Jira token, a canary, never appears in run.log, junit.xml, the
#    console or anything the stand-in received.
# junit.xml carries the MTV version the lab's operator CSV announces.
set -euo pipefail

# shellcheck source=lib/itest.sh
source "${MTV_SOURCE_DIR:?}/tests/integration/lib/itest.sh"
itest_init run-jira jira_pid
peer="${MTV_BINARY_DIR:?}/jirastub-peer"
[ -x "$peer" ] || { echo "SKIP: no $peer (built with the tests)"; exit 77; }

token="Jira-canary-t0ken-$$-q8"
export PYTEST_JIRA_TOKEN="$token"
unset PYTEST_JIRA_URL PYTEST_JIRA_USERNAME PYTEST_JIRA_PASSWORD
cat >"$work/jira.cfg" <<'CFG'
[DEFAULT]
project = MTV
connection_retry_total = 1
connection_retry_backoff_factor = 0
timeout = 10
build_url = https://ci.example.com/job/mtv/7/
CFG

start_jira() {  # start_jira NAME ISSUE...: the stand-in, its URL in $jira
  local name=$1 a=()
  shift
  for i in "$@"; do a+=(--issue "$i"); done
  "$peer" --state "$work/jira.$name.json" "${a[@]}" >"$work/jira.$name.url" 2>"$work/jira.$name.err" &
  jira_pid=$!
  for _ in $(seq 600); do
    [ -s "$work/jira.$name.url" ] && break
    sleep 0.05
  done
  jira=$(head -n1 "$work/jira.$name.url")
  [ -n "$jira" ] || fail "the Jira stand-in did not start: $(cat "$work/jira.$name.err")"
}
stop_jira() {  # writes its state file
  stop "$jira_pid"
  jira_pid=""
}

st="$work/lab"
itest_lab "$st" --speed 100

scn=test_insecure_skip_verify_cold_migration
for c in pass fail; do cp -r "$MTV_SOURCE_DIR/scenarios" "$work/$c"; done
jq '.jira = [{"key": "MTV-100", "run": false}]' "$MTV_SOURCE_DIR/scenarios/$scn.json" >"$work/pass/$scn.json"
jq '.jira = [{"key": "MTV-101", "run": true}] | .params.virtual_machines[0].name = "mtv-no-such-vm"' \
  "$MTV_SOURCE_DIR/scenarios/$scn.json" >"$work/fail/$scn.json"

n=0
runs=()
mtv_run() {  # mtv_run WANT_RC CATALOG JIRA_URL OPTION...: output in $out, folder in $dir
  local want=$1 cat=$2 url=$3
  shift 3
  n=$((n + 1))
  dir="$work/run.$n"
  runs+=("$dir")
  set +e
  "$MTV_BIN" run --scenario "$scn" --provider openstack --storage-class standard \
    --providers-json "$st/.providers.json" --catalog "$work/$cat" -o "$dir" \
    --set source_provider_insecure_skip_verify=true --set skip_source_clone=true \
    --jira-config "$work/jira.cfg" -c "url=$url" "$@" >"$dir.out" 2>&1
  rc=$?
  set -e
  out=$(cat "$dir.out")
  [ "$rc" = "$want" ] || fail "run $n ($cat $*): exit $rc, wanted $want: $out"
  [ -s "$dir/junit.xml" ] || fail "run $n: no junit.xml: $out"
}
testcase() {  # testcase JUNIT STEP: that step's testcase as one line
  tr -d '\n' <"$1" | sed 's/<testcase /\n&/g' | grep "^<testcase [^>]*name=\"$2-" || true
}

# (a) open issues gate the scenarios
start_jira open MTV-100:Open:new MTV-101:Open:new
mtv_run 0 pass "$jira" --jira
tc=$(testcase "$dir/junit.xml" prepare)
case "$tc" in *'type="pytest.skip"'*"$jira/browse/MTV-100"*) ;; *) fail "run=false, open: not skipped with the browse URL: $tc" ;; esac
grep -q '<property name="mtv_version" value="2.10.0"/>' "$dir/junit.xml" ||
  fail "junit.xml lacks the lab's MTV version: $(grep '<property' "$dir/junit.xml" | head -8)"
has "Artifacts:"
has "log        $dir/run.log"
mtv_run 0 fail "$jira" --jira
tc=$(testcase "$dir/junit.xml" prepare)
case "$tc" in *'type="pytest.xfail"'*"$jira/browse/MTV-101"*mtv-no-such-vm*) ;; *) fail "run=true, open: the error is not xfailed with the browse URL: $tc" ;; esac
stop_jira

# (a) resolved issues let them run; (b) the failure is reported once, then commented
start_jira resolved MTV-100:Closed:done:Done MTV-101:Closed:done:Done
mtv_run 0 pass "$jira" --jira
tc=$(testcase "$dir/junit.xml" plan)
[ -n "$tc" ] || fail "resolved: no plan step: $(cat "$dir/junit.xml")"
case "$tc" in *"<skipped"* | *"<failure"* | *"<error"*) fail "resolved: the plan step did not pass: $tc" ;; esac
mtv_run 1 fail "$jira" --jira --jira-report
first="$dir"
tc=$(testcase "$dir/junit.xml" prepare)
case "$tc" in *"<error"*mtv-no-such-vm*) ;; *) fail "resolved, run=true: the error is not an error: $tc" ;; esac
has "jira: created MTV-"
has "1 created"
run_id1=$(jq -r .run_id "$dir/results.json")
mtv_run 1 fail "$jira" --jira --jira-report
second="$dir"
has " commented (open issue"
has "0 created, 1 commented"
run_id2=$(jq -r .run_id "$dir/results.json")
stop_jira
state="$work/jira.resolved.json"
[ -s "$state" ] || fail "the stand-in wrote no state: $(cat "$work/jira.resolved.err")"
created=$(jq '[.issues[] | select(.created)] | length' "$state")
[ "$created" = 1 ] || fail "$created issues created, wanted 1: $(jq -c '[.issues[] | {key, created, labels}]' "$state")"
key=$(jq -r '.issues[] | select(.created) | .key' "$state")
jq -e --arg k "$key" '.issues[] | select(.key == $k) | .labels | index("mtv-validate")' "$state" >/dev/null ||
  fail "$key lacks the mtv-validate label"
jq -e --arg k "$key" '.issues[] | select(.key == $k) | .labels | map(test("^mtvval-fp-[0-9a-f]{12}$")) | any' \
  "$state" >/dev/null || fail "$key lacks a fingerprint label"
desc=$(jq -r --arg k "$key" '.issues[] | select(.key == $k) | .create_body | fromjson | .fields.description' "$state")
case "$desc" in *"2.10.0"*) ;; *) fail "the description lacks the MTV version: $desc" ;; esac
case "$desc" in *"$run_id1"*) ;; *) fail "the description lacks the run id $run_id1: $desc" ;; esac
case "$desc" in *"$first/cassettes/$scn.tar"*) ;; *) fail "the description lacks the first run's cassette: $desc" ;; esac
ncomments=$(jq --arg k "$key" '.issues[] | select(.key == $k) | .comments | length' "$state")
[ "$ncomments" = 1 ] || fail "$key has $ncomments comments, wanted 1"
comment=$(jq -r --arg k "$key" '.issues[] | select(.key == $k) | .comments[0] | fromjson | .body' "$state")
for want in "$run_id2" "2.10.0" "https://ci.example.com/job/mtv/7/" "0 passed, 0 failed, 0 skipped, 3 xfailed, 1 errors" \
  "$second/cassettes/$scn.tar"; do
  case "$comment" in *"$want"*) ;; *) fail "the comment lacks '$want': $comment" ;; esac
done
[ -f "$second/cassettes/$scn.tar" ] || fail "the cassette the comment names is not there: $(ls "$second/cassettes")"
[ "$(jq --arg k "$key" '.issues[] | select(.key == $k) | .remote_links | length' "$state")" = 2 ] ||
  fail "wanted one build link per run on $key"

# (c) a dead Jira: reported, and the exit code stays the validation's
dead="http://127.0.0.1:1"
mtv_run 0 pass "$dead" --jira-report --log-file "$work/dead.log"
has "jira: no failed or errored step: nothing to report"
has "log        $work/dead.log"
[ ! -e "$dir/run.log" ] || fail "--log-file given, yet a run.log was written"
mtv_run 1 fail "$dead" --jira-report
has "jira: the report failed (1 Jira error"
has "the exit code is the validation's"
{ [ -s "$dir/junit.xml" ] && [ -s "$dir/results.json" ]; } || fail "a dead Jira cost the run its results"

# (d) the token: never in logs, reports, the console or what Jira received
b64=$(printf '%s' "$token" | base64 -w0)
for d in "${runs[@]}"; do
  for f in "$d/run.log" "$d/junit.xml" "$d.out"; do
    [ ! -f "$f" ] || ! grep -a -q -F -e "$token" -e "$b64" "$f" || fail "the Jira token is in $f"
  done
done
! grep -a -q -F -e "$token" -e "$b64" "$work/dead.log" || fail "the Jira token is in $work/dead.log"
for s in "$work"/jira.*.json; do
  jq -r '.requests[] | .uri, .body' "$s" | grep -a -q -F -e "$token" -e "$b64" &&
    fail "the Jira token reached the stand-in in a URL or body ($s)"
  [ "$(jq '.requests | length' "$s")" -gt 0 ] || fail "$s: the stand-in received nothing: the check proves nothing"
done
echo "run --jira gating, --jira-report create then comment, a dead Jira and the token: ok"
