#!/bin/sh
# A server that answers anything with a line of plain text where TLS was
# expected: the handshake fails with ERROR at once (not by a timeout),
# for connect(..., "ssl") and for reconnect_ssl alike; the same server
# read as plain text gives its line. Also TLS against a peer that floods
# non-TLS bytes. The neighbour finishes; descriptors return to baseline.
. "${HOSTILE_DIR:-$(dirname "$0")}/lib.sh"
srv_start GARBAGE tlsgarbage
srv_start FLOOD flood 10485760
srv_start ECHO echo

ARGS="hostile.port=$GARBAGE,hostile.timeout=10000,hostile.size=5"
ARGS="$ARGS,hostile.repeat=10,bystander.port=$ECHO,watch.port=$ECHO"
run_watch tls -n -Pn -sn --script "$(scripts hostile bystander watch)" \
  --script-args "$ARGS,hostile.probes={ssl,reconnect,sendrecv}" 127.0.0.1
check_rc tls 0
check_has tls '^\|.* ssl: nil ERROR \(x10\)$'
check_has tls '^\|.* reconnect: nil ERROR \(x10\)$'
check_has tls "^\|.* sendrecv: send true, receive true 30 \
'nsx-testsrv: this is not' \(x10\)$"
check_has tls '^\|_bystander: 20 of 20 round trips$'
watch_values tls
check_le tls "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"

ARGS="hostile.port=$FLOOD,hostile.timeout=10000,hostile.repeat=10"
run_watch tlsflood -n -Pn -sn --script "$(scripts hostile watch)" \
  --script-args "$ARGS,watch.port=$ECHO,hostile.probes=ssl" 127.0.0.1
check_rc tlsflood 0
check_has tlsflood '^\|_  ssl: nil ERROR \(x10\)$'
watch_values tlsflood
check_le tlsflood "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"
finish
