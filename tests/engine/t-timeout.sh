#!/bin/sh
# --script-timeout discards threads, even ones that never yield, and what
# they held is released.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
srv_start ECHO echo
run_nsx timeout -n -d --script-timeout 1 --script "$SCRIPTS/timeout/" \
  --script-args "to.echo=$ECHO" -oJ "$OUT/timeout.jsonl"
check_passes timeout 3
check_has timeout 'a-holder timed out'
check_lacks timeout 'not reached'
# JSON Lines records the discarded thread; normal output shows nothing.
cp "$OUT/timeout.jsonl" "$OUT/timeoutj.out"
check_has timeoutj '"id":"a-holder".*"status":"timeout".*"error":"timed out"'
check_lacks timeout 'a-holder:'

# A loop that never yields is ended by the count hook; the rest goes on.
run_nsx spin -n -d --script-timeout 1 --script "$SCRIPTS/spin/"
check_has spin 'spinner timed out'
check_has spin '^\|_hooked: neighbour finished$'
check_has spin '^nsx done:'
finish
