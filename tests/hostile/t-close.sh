#!/bin/sh
# A server that accepts and closes before any banner: every receive
# returns EOF at once, a TLS handshake fails with ERROR, and connecting
# again and again leaks no descriptor. The neighbour finishes.
. "${HOSTILE_DIR:-$(dirname "$0")}/lib.sh"
srv_start CLOSE close
srv_start ECHO echo
ARGS="hostile.port=$CLOSE,hostile.timeout=5000,hostile.churn=200"
ARGS="$ARGS,bystander.port=$ECHO,watch.port=$ECHO"
PROBES="receive,buf,lines,bytes,drain,ssl,reconnect,churn"
run_watch close -n -Pn -sn --script "$(scripts hostile bystander watch)" \
  --script-args "$ARGS,hostile.probes={$PROBES}" 127.0.0.1
check_rc close 0
for p in receive buf lines bytes; do
  check_has close "^\|.* $p: nil EOF$"
done
check_has close '^\|.* drain: 0 bytes then nil EOF$'
check_has close '^\|.* ssl: nil ERROR$'
# reconnect_ssl on a connection the peer closed: a failure, not a hang.
check_has close '^\|.* reconnect: (nil|false) [A-Z]+'
check_has close '^\|.* churn: 200 x nil EOF$'
check_has close '^\|_bystander: 20 of 20 round trips$'
watch_values close
check_le close "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"
finish
