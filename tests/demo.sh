#!/usr/bin/env bash
# The main job `make demo` runs: today, the tool's own overview and version.
set -euo pipefail
bin=${1:-build/mtv-validate}
"$bin" help
"$bin" version
