#!/bin/sh
# The socket API against local servers of every behaviour.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
srv_start ECHO echo
srv_start BANNER banner "HELLO there"
srv_start SILENT silent
srv_start CLOSE close
srv_start LINES lines 5
srv_start UDP --udp echo
srv_start GONE echo
srv_stop GONE
run_nsx sockets -n --script "$SCRIPTS/sockets.nse" --script-args \
  "sock.echo=$ECHO,sock.banner=$BANNER,sock.silent=$SILENT,sock.close=$CLOSE,sock.lines=$LINES,sock.udp=$UDP,sock.refused=$GONE"
check_passes sockets 40

# --script-trace logs connects, data (as a hex dump) and closes.
run_nsx trace -n -Pn -p "$BANNER" --script banner --script-trace 127.0.0.1
check_has trace "^NSE: TCP 127.0.0.1:[0-9]+ > 127.0.0.1:$BANNER \| CONNECT$"
check_has trace "^NSE: TCP 127.0.0.1:[0-9]+ < 127.0.0.1:$BANNER \| 00000000: 48 45 4c 4c 4f 20 74 68 65 72 65 0d 0a +HELLO there  $"
check_has trace "^NSE: TCP 127.0.0.1:[0-9]+ > 127.0.0.1:$BANNER \| CLOSE$"
finish
