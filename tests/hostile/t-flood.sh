#!/bin/sh
# A server that sends 100 MB without a newline. --max-receive bounds what
# one receive may buffer (nsx --help): receive_buf gives up with ERROR at
# the limit instead of buffering the flood, memory stays within a few
# times the limit per receive, the neighbour finishes and descriptors
# return to their baseline.
. "${HOSTILE_DIR:-$(dirname "$0")}/lib.sh"
MB=1048576
srv_start FLOOD flood 104857600
srv_start ECHO echo

# Eight of each probe at once under a 1 MiB limit.
ARGS="hostile.port=$FLOOD,hostile.timeout=20000,hostile.repeat=8"
ARGS="$ARGS,bystander.port=$ECHO,watch.port=$ECHO"
run_watch flood -n -Pn -sn --max-receive 1m \
  --script "$(scripts hostile bystander watch)" \
  --script-args "$ARGS,hostile.probes={buf,bufdrain,receive}" 127.0.0.1
check_rc flood 0
check_has flood '^\|.* buf: nil ERROR \(x8\)$'
check_has flood '^\|.* bufdrain: 0 bytes then nil ERROR \(x8\)$'
check_has flood "^\|.* receive: true [0-9]+ 'x+'"
check_has flood '^\|_bystander: 20 of 20 round trips$'
watch_values flood
check_le flood "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"
# 24 receives, 16 of them buffering up to 1 MiB: a few MiB apiece at
# most, never the flood.
check_le flood "memory growth (kB)" $((HWM_END - HWM_BASE)) \
  $(((16 * 4 * MB + 16 * MB) / 1024))
check_le flood "peak resident memory seen from outside (kB)" \
  "$(cat "$OUT/flood.hwm")" $((HWM_BASE + (16 * 4 * MB + 32 * MB) / 1024))

# receive_lines and receive_bytes are receives too: the same limit must
# hold for them (finding B: only receive_buf honours --max-receive; the
# others stop at sock.c's fixed 64 MiB).
ARGS="hostile.port=$FLOOD,hostile.timeout=20000,hostile.want=100000000"
run_watch floodlim -n -Pn -sn --max-receive 1m \
  --script "$(scripts hostile watch)" \
  --script-args "$ARGS,watch.port=$ECHO,hostile.probes={lines,bytes}" \
  127.0.0.1
check_rc floodlim 0
watch_values floodlim
for p in lines bytes; do
  n=$(sed -n "s/^|.* $p: true \([0-9]*\) .*/\1/p" "$OUT/floodlim.out")
  check_le floodlim "$p: bytes returned" "${n:-0}" \
    $((MB + 65536))
done
check_le floodlim "memory growth (kB)" \
  $((HWM_END - HWM_BASE)) $((32 * MB / 1024))

# One receive_buf against a 16 MiB limit should hold the buffer and one
# copy of it, not four (finding A: every read re-copies the whole buffer
# into a new Lua string for string.find, and re-scans it).
ARGS="hostile.port=$FLOOD,hostile.timeout=60000,watch.port=$ECHO"
run_watch flood16 -n -Pn -sn --max-receive 16m \
  --script "$(scripts hostile watch)" \
  --script-args "$ARGS,hostile.probes=buf" 127.0.0.1
check_rc flood16 0
check_has flood16 '^\|_  buf: nil ERROR$'
watch_values flood16
check_le flood16 "memory growth (kB)" \
  $((HWM_END - HWM_BASE)) $(((2 * 16 * MB + 16 * MB) / 1024))
finish
