#!/bin/sh
# Checks every testsrv mode, and start.sh, with clients a fresh Debian 12
# has: bash's /dev/tcp and /dev/udp, coreutils, and curl only if it is
# installed (those checks are skipped otherwise). Prints TAP.
# Usage: sh test-testsrv.sh [path/to/testsrv]   (default: $TESTSRV)
set -u
TESTSRV=${1:-${TESTSRV:-}}
export TESTSRV
. "$(dirname "$0")/start.sh"
trap srv_stop_all EXIT

for tool in bash timeout head od; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool is not installed"
    exit 77
  fi
done

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# check DESC EXPECTED ACTUAL
check() {
  if [ "$2" = "$3" ]; then
    ok "$1"
  else
    not_ok "$1"
    printf '#   expected: %s\n#   got:      %s\n' "$2" "$3"
  fi
}

# check_true DESC COMMAND...
check_true() {
  srv__d=$1
  shift
  if "$@"; then ok "$srv__d"; else not_ok "$srv__d"; fi
}

# tcp PORT SEND SECONDS [BYTES]: connect, send the printf format SEND, then
# copy to stdout what arrives within SECONDS, or only its first BYTES.
# Exits with timeout's status: 124 if the time ran out.
tcp() {
  bash -c '
    exec 3<>"/dev/tcp/${ADDR:-127.0.0.1}/$1" || exit 99
    if [ -n "$2" ]; then printf "$2" >&3; fi
    if [ -n "${4:-}" ]; then exec timeout "$3" head -c "$4" <&3; fi
    exec timeout "$3" cat <&3
  ' tcp "$@"
}

# Show CR as '@' and LF as '#', so one line of output shows bytes exactly.
vis() { tr '\r\n' '@#'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Arguments the server must refuse, before anything starts.
for bad in "--bind 0.0.0.0 echo" "--bind :: echo" "--bind 10.1.2.3 echo" \
    "--bind localhost echo" "nosuchmode" "banner" "echo extra" \
    "--udp http" "--port 70000 echo" "--lifetime 0 echo" "flood 12x"; do
  # shellcheck disable=SC2086
  "$TESTSRV" $bad >/dev/null 2>&1
  check "refuses: $bad" 2 $?
done

srv_start LIFE --lifetime 0.5 --count-file "$SRV_DIR/life.count" silent ||
  exit 1
started=$(now_ms)

srv_start BANNER banner 'hello\tworld'
check "banner, then echo" "$(printf 'hello\tworld@#ping#')" \
  "$(tcp "$BANNER" 'ping\n' 2 18 | vis)"

srv_start ECHO --count-file "$SRV_DIR/echo.count" echo
check "echo" "abc#" "$(tcp "$ECHO" 'abc\n' 2 4 | vis)"
pids=
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  tcp "$ECHO" "client $i." 2 $((8 + ${#i})) >"$SRV_DIR/client.$i" &
  pids="$pids $!"
done
for p in $pids; do wait "$p"; done
got=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  if [ "$(cat "$SRV_DIR/client.$i")" = "client $i." ]; then
    got=$((got + 1))
  fi
done
check "20 echo clients at once" 20 "$got"
srv_stop ECHO
check "SIGTERM ends the server with status 0" 0 $?
check "the pidfile goes at exit" no "$(test -e "$SRV_DIR/ECHO.pid" &&
  echo yes || echo no)"
check "count file: 21 connections" 21 "$(cat "$SRV_DIR/echo.count")"

srv_start UDP --udp echo
check "udp echo" "ping" "$(bash -c 'exec 3<>"/dev/udp/127.0.0.1/$1" &&
  printf ping >&3 && timeout 2 head -c 4 <&3' udp "$UDP")"

if srv_start V6 --bind ::1 echo 2>/dev/null; then
  check "echo on ::1" "v6#" "$(ADDR=::1 tcp "$V6" 'v6\n' 2 3 | vis)"
else
  echo "# SKIP echo on ::1: IPv6 loopback is not available"
fi

srv_start WEB http --title "Test Title" --delay 200 --auth user:pass
page=$(tcp "$WEB" 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' 2)
want='HTTP/1.1 200 OK*Server: nsx-testsrv*Content-Length: *'
want="$want<title>Test Title</title>*</html>"
# shellcheck disable=SC2254
case $page in
  $want) ok "http: GET /" ;;
  *) not_ok "http: GET /"; echo "$page" | sed 's/^/#   /' ;;
esac
t0=$(now_ms)
req='GET /slow HTTP/1.1\r\n\r\nHEAD / HTTP/1.1\r\n\r\n'
req="${req}GET /nope HTTP/1.1\\r\\nConnection: close\\r\\n\\r\\n"
pipe=$(tcp "$WEB" "$req" 3)
t1=$(now_ms)
check "http: pipelined answers in order" \
  "HTTP/1.1 200 OK;HTTP/1.1 200 OK;HTTP/1.1 404 Not Found;" \
  "$(echo "$pipe" | tr -d '\r' | grep '^HTTP/' | tr '\n' ';')"
check "http: HEAD has no body, /slow waits --delay" "2 yes" \
  "$(echo "$pipe" | grep -c '<html>') $([ $((t1 - t0)) -ge 190 ] &&
     echo yes || echo no)"
check "http: /auth without credentials" \
  "HTTP/1.1 401 Unauthorized@#WWW-Authenticate: Basic realm=\"nsx-testsrv\"@#" \
  "$(tcp "$WEB" 'GET /auth HTTP/1.0\r\n\r\n' 2 |
     grep -E '^(HTTP|WWW-Auth)' | vis)"
req='GET /auth HTTP/1.0\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n'
check "http: /auth with credentials" "HTTP/1.1 200 OK@#" \
  "$(tcp "$WEB" "$req" 2 | head -n 1 | vis)"
check "http: /links" "href= src= url(" "$(tcp "$WEB" \
  'GET /links HTTP/1.1\r\nConnection: close\r\n\r\n' 2 |
  grep -o -E 'href=|src=|url\(' | sort -u | tr '\n' ' ' | sed 's/ $//')"
if command -v curl >/dev/null 2>&1; then
  check "curl: GET / twice on one connection" "200 1;200 0;" "$(curl -s \
    -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
    "http://127.0.0.1:$WEB/" "http://127.0.0.1:$WEB/" | tr '\n' ';')"
  check "curl: basic auth" "200" "$(curl -s -o /dev/null -w '%{http_code}' \
    -u user:pass "http://127.0.0.1:$WEB/auth")"
else
  echo "# SKIP curl checks: curl is not installed"
fi

srv_start SILENT silent
out=$(tcp "$SILENT" 'hello\n' 0.3)
check "silent: nothing, connection stays open" "124 ''" "$? '$out'"

srv_start CLOSE close
out=$(tcp "$CLOSE" '' 2)
check "close: EOF at once" "0 ''" "$? '$out'"

srv_start RESET reset 5
out=$(tcp "$RESET" '' 2 2>"$SRV_DIR/reset.err")
check "reset: 5 bytes, then a reset" "xxxxx yes" \
  "$out $(grep -q -i reset "$SRV_DIR/reset.err" && echo yes || echo no)"

srv_start TRICKLE trickle 'ab\x41' --interval 100
t0=$(now_ms)
out=$(tcp "$TRICKLE" '' 2)
t1=$(now_ms)
check "trickle: one byte per interval" "abA yes" \
  "$out $([ $((t1 - t0)) -ge 190 ] && echo yes || echo no)"

srv_start FLOOD flood 1000000
check "flood: 1000000 bytes, no newline" "1000000 0" \
  "$(tcp "$FLOOD" '' 3 | wc -c) $(tcp "$FLOOD" '' 3 | tr -d x | wc -c)"

srv_start LINES lines 1000
check "lines: 1000 numbered lines" "1000 line 1 line 1000" \
  "$(tcp "$LINES" '' 3 | wc -l) $(tcp "$LINES" '' 3 | head -n 1) $(tcp \
    "$LINES" '' 3 | tail -n 1)"

srv_start DELAY delay 300 'late'
t0=$(now_ms)
out=$(tcp "$DELAY" 'echo\n' 2 11 | vis)
t1=$(now_ms)
check "delay: banner after the delay, then echo" "late@#echo# yes" \
  "$out $([ $((t1 - t0)) -ge 290 ] && echo yes || echo no)"

srv_start NOREAD noread
bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
  exec timeout 0.5 head -c 134217728 /dev/zero >&3' noread "$NOREAD" 2>/dev/null
check "noread: the client's sends block" 124 $?

srv_start TLS tlsgarbage
out=$(tcp "$TLS" '\026\003\001\000\004abcd' 2 11)
check "tlsgarbage: answers, not with TLS" "nsx-testsrv" "$out"

# The lifetime server has had at least 0.5 s by now.
sleep_ms=$((700 - ($(now_ms) - started)))
if [ "$sleep_ms" -gt 0 ]; then sleep "0.$(printf %03d "$sleep_ms")"; fi
check "lifetime: gone, pidfile removed" no "$(test -e "$SRV_DIR/LIFE.pid" &&
  echo yes || echo no)"
srv_stop LIFE
check "lifetime: exit status 0, count file written" "0 0" \
  "$? $(cat "$SRV_DIR/life.count" 2>/dev/null)"

srv_stop_all
check "every server exits cleanly" 0 $?
echo "1..$n"
[ "$fails" -eq 0 ]
