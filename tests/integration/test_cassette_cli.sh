#!/usr/bin/env bash
# The cassette command family end to end on the sample journals in
# tests/data/cassettes: recover (with a torn last line), show, verify,
# unpack/pack reproducibility, tamper and secret detection, diff, and the
# exit codes of bad usage.
set -euo pipefail
bin=${MTV_BIN:?}
data=${MTV_SOURCE_DIR:?}/tests/data/cassettes
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() { # expected-code command...
  local want=$1; shift
  set +e; "$@" >"$work/out" 2>"$work/err"; local rc=$?; set -e
  [ "$rc" = "$want" ] || { cat "$work/out" "$work/err" >&2; fail "'$*' exited $rc, expected $want"; }
}

# recover: the good run's journal ends in a torn line
expect_rc 0 "$bin" cassette recover -o "$work/good.tar" "$data/cold-migration.good.journal.ndjson"
grep -q "6 entries" "$work/out" || fail "recover did not report 6 entries"
grep -q "last line is incomplete" "$work/err" || fail "recover did not warn about the torn line"
expect_rc 0 "$bin" cassette recover -o "$work/bad.tar" "$data/cold-migration.bad.journal.ndjson"

# show
expect_rc 0 "$bin" cassette show "$work/good.tar"
for want in "6 entries" "scenario cold-migration" "kubernetes" "inventory" "vsphere" "ssh" "stream, 2 frames"; do
  grep -q -- "$want" "$work/out" || fail "show lacks '$want'"
done
expect_rc 0 "$bin" cassette show --no-timeline "$work/good.tar"
grep -q "timeline:" "$work/out" && fail "--no-timeline still printed a timeline"

# verify passes on what recover wrote
expect_rc 0 "$bin" cassette verify "$work/good.tar"
[ "$(grep -c '^ok' "$work/out")" = 3 ] || fail "verify did not pass all three checks"

# unpack then pack gives the very same bytes (reproducible bundles)
expect_rc 0 "$bin" cassette unpack -o "$work/unpacked" "$work/good.tar"
[ -f "$work/unpacked/cassette.har" ] && [ -f "$work/unpacked/manifest.json" ] || fail "unpack missed members"
expect_rc 0 "$bin" cassette pack -o "$work/repacked.tar" "$work/unpacked"
cmp -s "$work/good.tar" "$work/repacked.tar" || fail "pack of an unpacked bundle is not byte-identical"

# a member changed behind the manifest's back is caught
sed -i 's/vm-web-01/vm-web-99/' "$work/unpacked/cassette.har"
(cd "$work/unpacked" && tar -cf "$work/tampered.tar" cassette.har manifest.json)
expect_rc 1 "$bin" cassette verify "$work/tampered.tar"
grep -q "cassette.har: SHA-256" "$work/err" || fail "verify did not name the changed member"

# a known secret in a member: verify fails, pack refuses and writes nothing
printf '# values to look for\nvm-web-01\n' > "$work/secrets.txt"
expect_rc 1 "$bin" cassette verify --secrets-file "$work/secrets.txt" "$work/good.tar"
grep -q "known-secret:secrets-file:1" "$work/err" || fail "verify did not name the secret's label"
grep -q "vm-web-01" "$work/err" && fail "verify printed the secret value"
expect_rc 0 "$bin" cassette unpack -o "$work/again" "$work/good.tar"
expect_rc 3 "$bin" cassette pack --secrets-file "$work/secrets.txt" -o "$work/refused.tar" "$work/again"
[ -e "$work/refused.tar" ] && fail "a refused pack left a bundle behind"
ls "$work" | grep -q '\.tmp\.' && fail "a refused pack left a temporary file"

# diff: a run against itself matches; the failing run diverges at the plan
expect_rc 0 "$bin" cassette diff "$work/good.tar" "$work/repacked.tar"
grep -q "cassettes match" "$work/out" || fail "diff of equal runs"
expect_rc 1 "$bin" cassette diff "$work/good.tar" "$work/bad.tar"
grep -q "first divergence" "$work/out" || fail "diff did not point at the first divergence"
grep -q 'phase' "$work/out" || fail "diff did not show the watch phase change"
grep -q '"Succeeded" -> "Failed"' "$work/out" || fail "diff did not show the plan condition"
grep -q "resourceVersion" "$work/out" && fail "diff did not mask resourceVersion"
expect_rc 1 "$bin" cassette diff --json "$work/good.tar" "$work/bad.tar"
grep -q '"only_in_b":' "$work/out" || fail "diff --json lacks the summary"

# bad usage and bad input
expect_rc 2 "$bin" cassette show
expect_rc 2 "$bin" cassette frobnicate
expect_rc 2 "$bin" cassette show "$work/does-not-exist.tar"
echo '{"log": {"entries": [{"request": {}, "response": {"status": 200}}]}}' > "$work/broken.har"
expect_rc 2 "$bin" cassette show "$work/broken.har"
grep -q "/log/entries/0/request/method: expected a string" "$work/err" || fail "loader error lacks the field"
for sub in show verify diff pack unpack recover; do
  expect_rc 0 "$bin" cassette "$sub" --help
  grep -q "Examples:" "$work/out" || fail "cassette $sub --help has no examples"
done
echo "cassette CLI: all checks passed"
