#!/bin/sh
# A peer whose connects never complete (its accept queue is full): a
# connect with a socket timeout ends with TIMEOUT, and a thread ended by
# --script-timeout in the middle of a connect gives back its socket, its
# descriptor and its --max-sockets slot at once.
. "${HOSTILE_DIR:-$(dirname "$0")}/lib.sh"
noaccept_start PENDING || { echo "# skipped: noaccept not built"; exit 77; }
srv_start ECHO echo

# Fifty connects time out; every descriptor comes back.
ARGS="pending.port=$PENDING,pending.timeout=500,watch.port=$ECHO"
run_watch pending -n -Pn -sn --script "$(scripts connect-pending watch)" \
  --script-args "$ARGS" -oJ "$OUT/pending.jsonl" 127.0.0.1-50
check_rc pending 0
n=$(grep -c '"id":"connect-pending".*"output":"connect nil TIMEOUT"' \
  "$OUT/pending.jsonl")
check_le pending "connects not ended by TIMEOUT (of 50)" $((50 - n)) 0
watch_values pending
check_le pending "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"

# One slot; the thread holding it is ended while connecting, and the
# next runlevel's connect needs the slot (finding F: lsock.c counts the
# socket from open_conn() but makes the thread its owner only once the
# connect succeeds, so nsx_lsock_thread_end never closes it: the slot
# and the descriptor stay taken until the garbage collector runs, and
# when it does, after the host is freed, close_conn() decrements the
# freed host's socket count: a heap-use-after-free that ASan builds
# report at exit, making the exit status 1).
ARGS="pending.port=$PENDING,after.port=$ECHO,watch.port=$ECHO"
run_watch ended -n -Pn -sn --max-sockets 1 --script-timeout 1s \
  --script "$(scripts connect-pending connect-after watch)" \
  --script-args "$ARGS" -oJ "$OUT/ended.jsonl" 127.0.0.1
check_rc ended 0
check_lacks ended 'AddressSanitizer' err
check_status ended connect-pending timeout
check_has ended '^\|_connect-after: connect true$'
check_lacks ended 'deadlock|stuck' err
watch_values ended
check_le ended \
  "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" "$FDS_BASE"
finish
