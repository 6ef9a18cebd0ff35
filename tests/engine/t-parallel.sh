#!/bin/sh
# Threads run concurrently: 50 sleeping threads overlap in time. Then
# 2048 threads sleep briefly with a socket open each: timers that come
# due while other threads run still wake theirs (nsx once waited in its
# poll for an event that never came; the run was cut at 30 s).
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
run_nsx overlap -n -Pn -sn --script "$SCRIPTS/overlap.nse" 127.0.0.1-50
check_has overlap '^\|_overlap: 50 sleeps, all overlapping$'
check_has overlap '^nsx done: 50 IP addresses \(50 hosts up\)'

srv_start ECHO echo
RC=0
timeout 30 "$NSX" -n -Pn -sn --script "$SCRIPTS/wakeups.nse" \
  --script-args "wakeups.port=$ECHO" 127.0.0.0/21 \
  >"$OUT/wakeups.out" 2>"$OUT/wakeups.err" || RC=$?
echo "$RC" >"$OUT/wakeups.rc"
check_rc wakeups 0
n=$(grep -c '^|_wakeups: 10 wake-ups$' "$OUT/wakeups.out")
if [ "$n" = 2048 ]; then
  tap OK "wakeups: 2048 threads woke ten times each"
else
  tap NOTOK "wakeups: $n of 2048 threads woke ten times each" \
    "$OUT/wakeups.err"
fi
finish
