#!/usr/bin/env bash
# Runs one test program (or script) with every sanitizer report written to a
# file, and fails when any report appears. Criterion's forked workers report
# a pass before LeakSanitizer runs at their exit, and programs started by
# integration scripts print to a stderr nobody checks, so reading the report
# files is the only way a leak or UB report reliably fails the test.
set -u
root="${MTV_BINARY_DIR:-${TMPDIR:-/tmp}}"
mkdir -p "$root/sanitizer-reports"
dir=$(mktemp -d "$root/sanitizer-reports/run-XXXXXX")
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$dir/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$dir/ubsan"
"$@"
rc=$?
if compgen -G "$dir/*" >/dev/null; then
  for f in "$dir"/*; do echo "==== sanitizer report $f"; cat "$f"; done
  echo "FAILED: sanitizer reports above"
  [ "$rc" = 0 ] && rc=1
fi
rm -rf "$dir"
exit "$rc"
