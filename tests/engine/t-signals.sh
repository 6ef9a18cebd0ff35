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
finish
