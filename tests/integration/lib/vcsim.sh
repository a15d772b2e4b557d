# Sourced by integration tests that migrate from vSphere: start_vcsim WORLD
# [OPTION...] builds the vcsim launcher (tests/peers/vcsim, our Go code over
# Debian's govmomi simulator) once per build tree, and serves the world file
# WORLD over TLS on a free loopback port with a throw-away certificate
# ($work/vcsim.crt). Sets vcsim_pid and vcsim_url; $work/vcsim.ready holds
# the launcher's ready line (URL and the VMs' morefs). When vcsim cannot be
# built here vcsim_url stays empty and a NOTE says why, so callers leave
# their vSphere part out. Needs itest.sh (work, fail).
line_written() {  # line_written FILE: FILE holds at least one whole line
  [ -f "$1" ] && [ "$(wc -l <"$1")" -ge 1 ]
}

start_vcsim() {
  local world=$1 vcsim="${MTV_BINARY_DIR:-$work}/peers/vcsim" brc
  shift
  vcsim_url=""
  set +e
  bash "$MTV_SOURCE_DIR/tests/peers/vcsim/build.sh" "$vcsim" >"$work/vcsim-build.log" 2>&1
  brc=$?
  set -e
  if [ "$brc" = 77 ]; then
    echo "NOTE: vSphere left out: $(cat "$work/vcsim-build.log")"
    return 0
  fi
  [ "$brc" = 0 ] || fail "building vcsim: $(cat "$work/vcsim-build.log")"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -days 2 -keyout "$work/vcsim.key" -out "$work/vcsim.crt" \
    2>/dev/null || fail "openssl could not make vcsim's certificate"
  # a previous start's ready line must not pass for this one's (the
  # launcher's shell truncates the file only once it runs)
  rm -f "$work/vcsim.ready"
  "$vcsim" -l 127.0.0.1:0 -vm 0 -world "$world" -tls-cert "$work/vcsim.crt" \
    -tls-key "$work/vcsim.key" "$@" >"$work/vcsim.ready" 2>"$work/vcsim.err" &
  vcsim_pid=$!
  # a loaded machine (ctest -j, sanitizer builds beside) can take long to
  # start the Go launcher: up to 2 minutes, unless it exits first
  local until=$((SECONDS + 120))
  # the ready line is complete once its newline is there
  while ! line_written "$work/vcsim.ready" && [ "$SECONDS" -lt "$until" ]; do
    kill -0 "$vcsim_pid" 2>/dev/null || fail "vcsim exited: $(cat "$work/vcsim.err")"
    sleep 0.1
  done
  vcsim_url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$work/vcsim.ready")
  [ -n "$vcsim_url" ] || fail "vcsim not ready after 120 s: $(cat "$work/vcsim.err")"
}
