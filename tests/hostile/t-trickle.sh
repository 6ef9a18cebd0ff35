#!/bin/sh
# A server that trickles one byte a second and never sends a newline.
# Each socket operation has its own timeout, so receive() returns the
# first byte, receive_lines and receive_bytes return what came before
# their timeout, and receive_buf, whose every read gets a byte in time,
# is ended by --script-timeout. The neighbour finishes; descriptors return
# to their baseline.
. "${HOSTILE_DIR:-$(dirname "$0")}/lib.sh"
srv_start SLOW trickle abcdefghijklmnopqrstuvwxyz0123456789 --interval 1000
srv_start ECHO echo
ARGS="hostile.port=$SLOW,hostile.timeout=1500,hang.port=$SLOW"
ARGS="$ARGS,hang.timeout=1500,bystander.port=$ECHO,watch.port=$ECHO"
run_watch trickle -n -Pn -sn --script-timeout 4s \
  --script "$(scripts hostile hang bystander watch)" \
  --script-args "$ARGS,hostile.probes={receive,lines,bytes}" \
  -oJ "$OUT/trickle.jsonl" 127.0.0.1
check_rc trickle 0
check_has trickle "^\|.* receive: true 1 'a'$"
# Partial data at the operation's timeout is a success, as in Nmap.
check_has trickle "^\|.* lines: true [0-9]+ 'a[b-z]*'$"
check_has trickle "^\|.* bytes: true [0-9]+ 'a[b-z]*'$"
check_status trickle hang timeout
check_lacks trickle 'not reached'
check_has trickle '^\|_bystander: 20 of 20 round trips$'
watch_values trickle
check_le trickle "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"
finish
