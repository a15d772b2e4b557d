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
