#!/bin/sh
# Resource limits (issue 5 item 4). Under 'ulimit -n 256', nsx keeps half
# of the descriptors for script sockets (128) and queues the other
# connects: 10,000 hosts' threads, all started at once and each needing a
# socket, all get their result, none fails for lack of descriptors, and
# no more than the limit are open at once. A thread waiting for a slot
# never waits forever: slots come back when holders time out, and a
# --script-timeout ends holders and waiters alike.
# shellcheck disable=SC3045  # ulimit -n and -H: dash and bash have them
. "${HOSTILE_DIR:-$(dirname "$0")}/lib.sh"
srv_start ECHO echo
srv_start SILENT silent

# 10,000 targets: 127.0.0.0 to 127.0.39.15, scripts only (-sn -Pn), all
# admitted at once (--max-hostgroup).
(
  ulimit -n 256 || exit 77
  run_watch many -n -Pn -sn --max-hostgroup 10000 \
    --script "$(scripts connect-all watch)" \
    --script-args "all.port=$ECHO,watch.port=$ECHO" \
    -oJ "$OUT/many.jsonl" 127.0.0-38.0-255 127.0.39.0-15
) || { echo "# skipped: cannot set ulimit -n 256"; finish; exit 77; }
check_rc many 0
check_has many '^\|_connect-all: hosts 10000, ok 10000; most open [0-9]+, '\
'most waiting [0-9]+; failures: none$'
n=$(grep -c '"id":"connect-all".*"output":"ok"' "$OUT/many.jsonl")
check_le many "hosts without an ok result (of 10000)" $((10000 - n)) 0
most=$(sed -n 's/.*most open \([0-9]*\),.*/\1/p' "$OUT/many.out")
check_le many "sockets open at once" "${most:--1}" 128
waited=$(sed -n 's/.*most waiting \([0-9]*\);.*/\1/p' "$OUT/many.out")
check_le many "connects queued at some point, at least 1" 1 "${waited:-0}"
check_lacks many 'Too many open files|EMFILE|internal error' err
check_le many "descriptors seen at once, within the limit" \
  "$(cat "$OUT/many.fdmax")" 256
watch_values many
check_le many "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"

# Four slots, forty threads; holders time out after 300 ms and pass their
# slot on, so every thread ends with its own TIMEOUT.
(
  ulimit -n 256
  run_watch slots -n -Pn -sn --max-sockets 4 \
    --script "$(scripts connect-all watch)" \
    --script-args "all.port=$SILENT,all.timeout=300,watch.port=$ECHO" \
    127.0.0.1-40
)
check_rc slots 0
check_has slots '^\|_connect-all: hosts 40, ok 0; most open 4, most '\
'waiting [0-9]+; failures: 40 x receive TIMEOUT$'
watch_values slots
check_le slots "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"

# Holders that never let go: --script-timeout ends them and the threads
# queued behind them, and the run ends.
(
  ulimit -n 256
  run_watch stuck -n -Pn -sn --max-sockets 4 --script-timeout 2s \
    --script "$(scripts connect-all watch)" \
    --script-args "all.port=$SILENT,all.timeout=-1,watch.port=$ECHO" \
    -oJ "$OUT/stuck.jsonl" 127.0.0.1-40
)
# A waiter ended in the middle of its connect can leave a socket that
# outlives its host (finding F: under ASan, a use-after-free and exit
# status 1 at the end). Intermittent.
check_rc stuck 0
n=$(grep -c '"id":"connect-all".*"status":"timeout"' "$OUT/stuck.jsonl")
check_le stuck "threads not ended by --script-timeout (of 40)" $((40 - n)) 0
# (Killed holders never count themselves out, so "most open" means
# nothing here.)
check_has stuck '^\|_connect-all: hosts 40, ok 0; .*; failures: none$'
# When the holders are ended, the slots they free go to waiters that are
# being ended too: some runs lose the hand-off (finding E) and the
# deadlock check ends the rest, or end a waiter in the middle of its
# connect, whose socket then stays open (finding F). Intermittent.
check_lacks stuck 'deadlock|stuck' err
watch_values stuck
check_le stuck \
  "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" "$FDS_BASE"

# A slot handed to a waiter that ends before it runs must go on to the
# next waiter (finding E: lsock.c's wake_slot_waiter unlinks the waiter it
# wakes, and a thread ended before it resumes gives nothing back, so the
# next waiter sleeps on a free slot until the deadlock check ends it).
run_watch handoff -n -Pn -sn --max-sockets 1 \
  --script "$(scripts slot-handoff)" --script-args "handoff.port=$ECHO" \
  127.0.0.1-2
check_rc handoff 0
check_has handoff '^\|_slot-handoff: holder done$'
check_has handoff '^\|_slot-handoff: connect true$'
check_lacks handoff 'deadlock|stuck' err
finish
