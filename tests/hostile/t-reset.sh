#!/bin/sh
# A server that sends N bytes, waits for them to be acknowledged, and
# resets the connection. Every byte before the reset is delivered, the
# reset itself is an ERROR (never a TIMEOUT or a hang), and a reset before
# any byte fails the connect or the first receive. The neighbour finishes;
# descriptors return to their baseline.
. "${HOSTILE_DIR:-$(dirname "$0")}/lib.sh"
srv_start RESET reset 100000
srv_start RESET0 reset 0
srv_start ECHO echo

ARGS="hostile.port=$RESET,hostile.timeout=5000,hostile.want=200000"
ARGS="$ARGS,hostile.size=100,hostile.repeat=4"
ARGS="$ARGS,bystander.port=$ECHO,watch.port=$ECHO"
run_watch reset -n -Pn -sn --script "$(scripts hostile bystander watch)" \
  --script-args "$ARGS,hostile.probes={drain,bufdrain,lines,bytes,sendrecv}" \
  127.0.0.1
check_rc reset 0
check_has reset '^\|.* drain: 100000 bytes then nil ERROR \(x4\)$'
check_has reset '^\|.* bufdrain: 0 bytes then nil ERROR \(x4\)$'
check_has reset "^\|.* lines: true 100000 'x+' \(x4\)$"
check_has reset "^\|.* bytes: true 100000 'x+' \(x4\)$"
# One receive returns what has arrived: a chunk or all of it, by timing.
check_has reset \
  "^\|.* sendrecv: send true, receive true [0-9]+ 'x+' \(x[1-4]\)$"
check_has reset '^\|_bystander: 20 of 20 round trips$'
watch_values reset
check_le reset "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"

ARGS="hostile.port=$RESET0,hostile.timeout=5000,watch.port=$ECHO"
run_watch reset0 -n -Pn -sn --script "$(scripts hostile watch)" \
  --script-args "$ARGS,hostile.probes={drain,ssl,churn}" 127.0.0.1
check_rc reset0 0
check_has reset0 '^\|.* drain: (connect nil ERROR|0 bytes then nil ERROR)$'
check_has reset0 '^\|.* ssl: nil ERROR$'
check_has reset0 '^\|.* churn: 50 x nil ERROR$'
watch_values reset0
check_le reset0 "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"
finish
