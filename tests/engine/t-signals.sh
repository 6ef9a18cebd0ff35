#!/bin/sh
# SIGUSR1 prints the live thread table; SIGINT writes what was found and
# exits with 130; hosts that finished before keep their results.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
"$NSX" -n -Pn -sn --script "$SCRIPTS/slowhost.nse" 127.0.0.1-5 \
  >"$OUT/int.out" 2>"$OUT/int.err" &
PID=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'done on 127.0.0.1' "$OUT/int.out"; do
  sleep 0.05
  i=$((i + 1))
done
kill -USR1 "$PID"
sleep 0.2
kill -INT "$PID"
RC=0
wait "$PID" || RC=$?
echo "$RC" >"$OUT/int.rc"
check_rc int 130
check_has int 'slowhost M:[0-9a-f]+ against 127.0.0.[2-5]: sleep' err
check_has int 'interrupted \(SIGINT\)' err
check_has int '^\|_slowhost: done on 127.0.0.1$'
check_has int '^Nmap scan report for 127.0.0.5$'
check_has int 'scanned in .* \(interrupted\)$'

# Interrupted in its port scan, a host is reported with what was found:
# the echo port (probed first, announced at -v) and not the 300 ports
# after it, which would take 15 s at --max-rate 20.
srv_start ECHO4 --bind 127.0.0.4 echo
"$NSX" -v -n -Pn -p "$ECHO4-$((ECHO4 + 300))" --max-rate 20 127.0.0.4 \
  >"$OUT/intdisc.out" 2>"$OUT/intdisc.err" &
PID=$!
i=0
while [ $i -lt 100 ] && ! grep -q "Discovered open port $ECHO4/tcp" \
    "$OUT/intdisc.out" "$OUT/intdisc.err"; do
  sleep 0.05
  i=$((i + 1))
done
kill -INT "$PID"
RC=0
wait "$PID" || RC=$?
echo "$RC" >"$OUT/intdisc.rc"
check_rc intdisc 130
check_has intdisc '^Nmap scan report for 127.0.0.4$'
check_has intdisc 'interrupted; results found so far follow'
check_has intdisc "^$ECHO4/tcp +open"
check_has intdisc '\(1 host up\) scanned in .* \(interrupted\)$'
finish
