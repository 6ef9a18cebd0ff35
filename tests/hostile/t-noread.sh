#!/bin/sh
# A server that accepts everything and never reads. 2048 hosts' threads
# each connect, send 64 KiB (which the kernel takes) and wait for an
# answer that never comes: all 2048 end by their socket timeout, with
# their results, and every descriptor comes back. Then eight 8 MiB sends,
# which the kernel cannot take, end by their timeout and the memory they
# queued is bounded by what was sent; and many sends on one connection do
# not pile up what they queue.
# shellcheck disable=SC3045  # ulimit -n and -H: dash and bash have them
. "${HOSTILE_DIR:-$(dirname "$0")}/lib.sh"
MB=1048576
srv_start NOREAD noread
srv_start ECHO echo

ARGS="hostile.port=$NOREAD,hostile.timeout=3000,hostile.size=65536"
ARGS="$ARGS,bystander.port=$ECHO,bystander.rounds=5,watch.port=$ECHO"
run_watch noread -n -Pn -sn --script "$(scripts hostile bystander watch)" \
  --script-args "$ARGS,hostile.probes=sendrecv" \
  -oJ "$OUT/noread.jsonl" 127.0.0.0/21
check_rc noread 0
n=$(grep -c '"id":"hostile".*sendrecv: send true, receive nil TIMEOUT' \
  "$OUT/noread.jsonl")
check_le noread "hosts without their result (of 2048)" $((2048 - n)) 0
n=$(grep -c '"id":"bystander".*5 of 5 round trips' "$OUT/noread.jsonl")
check_le noread "hosts without the bystander's result (of 2048)" \
  $((2048 - n)) 0
watch_values noread
check_le noread "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"
# Every thread holds its connection for its whole receive timeout, so
# the 0.1 s samples see them open together (unless the open-file limit
# is too low for that, when nsx queues them instead).
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 8192 ]; then
  check_le noread "most descriptors seen at once, at least 1024" 1024 \
    "$(cat "$OUT/noread.fdmax")"
fi

ARGS="hostile.port=$NOREAD,hostile.timeout=1000,hostile.size=8388608"
run_watch bigsend -n -Pn -sn --script "$(scripts hostile watch)" \
  --script-args "$ARGS,hostile.repeat=8,watch.port=$ECHO,hostile.probes=send" \
  127.0.0.1
check_rc bigsend 0
check_has bigsend '^\|_  send: nil TIMEOUT \(x8\)$'
watch_values bigsend
check_le bigsend "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"
# Each send holds its Lua string and the copy libuv queues: 2 x 64 MiB.
check_le bigsend "memory growth (kB)" $((HWM_END - HWM_BASE)) \
  $(((3 * 64 * MB + 32 * MB) / 1024))

# One connection, 64 sends of 1 MiB that each time out: what a timed-out
# send leaves queued must not pile up without bound (finding D: sock.c
# keeps every timed-out write queued until the socket closes, so memory
# grows by each send; nsock drops a timed-out write).
ARGS="hostile.port=$NOREAD,hostile.timeout=100,hostile.sends=64"
run_watch sendloop -n -Pn -sn --script "$(scripts hostile watch)" \
  --script-args "$ARGS,watch.port=$ECHO,hostile.probes=sendloop" 127.0.0.1
check_rc sendloop 0
check_has sendloop \
  '^\|_  sendloop: ([0-9]+ x (true|nil TIMEOUT)(, |$))+'
watch_values sendloop
check_le sendloop "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"
check_le sendloop "memory growth (kB)" \
  $((HWM_END - HWM_BASE)) $((32 * MB / 1024))
finish
