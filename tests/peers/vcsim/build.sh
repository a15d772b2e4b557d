#!/usr/bin/env bash
# Builds the vcsim launcher from Debian's packaged govmomi, offline.
# usage: build.sh OUTPUT_BINARY
# Needs: golang-go golang-github-vmware-govmomi-dev (make deps-vcsim installs them).
# Exit 77 when the toolchain or library is missing, so tests can skip.
set -euo pipefail
out=${1:?usage: build.sh OUTPUT_BINARY}
case $out in /*) ;; *) out=$PWD/$out ;; esac
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ]; then
  echo "vcsim: go or golang-github-vmware-govmomi-dev is not installed" >&2
  exit 77
fi
mkdir -p "$(dirname "$out")"
# several tests may ask for the same binary at once: one builds, the others wait
exec 9>"$out.lock"
flock 9
fresh=1
for src in "$here"/*.go "$here/go.mod"; do
  [ -x "$out" ] && [ "$out" -nt "$src" ] || fresh=0
done
[ "$fresh" = 1 ] && exit 0
cache=$(dirname "$out")/go-cache
mkdir -p "$cache"
cd "$here"
# build beside and rename, so tests building it at the same time never run a
# half-written binary
GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GOCACHE="$cache" GOPATH="$cache/gopath" \
  go build -o "$out.tmp.$$" .
mv -f "$out.tmp.$$" "$out"
