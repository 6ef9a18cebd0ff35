#!/bin/sh
# make demo: starts two small services on 127.0.0.1 (a web server and a
# banner service, both from nsx's own test server), scans them with real
# Nmap scripts from the nmap-common package, and stops them again.
# Usage: tools/demo.sh BUILD_DIR
set -eu
BUILD=${1:-build}
NSX="$BUILD/nsx"
TESTSRV="$BUILD/tests/servers/testsrv"
[ -x "$NSX" ] && [ -x "$TESTSRV" ] || { echo "demo: build first (make build)" >&2; exit 1; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/nsx-demo.XXXXXX")
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  for p in $PIDS; do wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# Starts "testsrv MODE ARGS" on the first free port of a list, on
# 127.0.0.1 only, for at most ten minutes; prints the port.
start() {
  list=$1
  shift
  for port in $list; do
    "$TESTSRV" --port "$port" --lifetime 600 "$@" >"$DIR/out.$port" 2>/dev/null &
    pid=$!
    i=0
    while [ $i -lt 50 ] && ! grep -q '^PORT' "$DIR/out.$port" 2>/dev/null; do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
      i=$((i + 1))
    done
    if grep -q '^PORT' "$DIR/out.$port" 2>/dev/null; then
      PIDS="$PIDS $pid"
      START_PORT=$port
      return 0
    fi
    wait "$pid" 2>/dev/null || true
  done
  echo "demo: no free port among: $list" >&2
  exit 1
}

# Ports that Nmap's portrules treat as web and FTP ports, so the scripts
# run exactly as they would against real services there.
start "8080 8000 8088 8180 7080" http --title "Welcome to the nsx demo"
WEB=$START_PORT
start "2121 2100 2221" banner "220 nsx demo FTP service ready"
FTP=$START_PORT

echo "demo: web server on 127.0.0.1:$WEB, banner service on 127.0.0.1:$FTP"
# banner.ports keeps banner off the web port, where it would wait 5 s
# for a greeting a web server never sends.
set -- -n -p "$WEB,$FTP" \
  --script http-title,http-headers,http-methods,http-server-header,banner \
  --script-args "banner.ports=$FTP" 127.0.0.1
echo "demo: $NSX $*"
echo
"$NSX" "$@"
