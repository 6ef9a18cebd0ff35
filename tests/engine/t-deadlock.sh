#!/bin/sh
# A deadlock is reported (who waits on what, where) and ended.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
run_nsx dl -n --script "$SCRIPTS/deadlock.nse,$SCRIPTS/after.nse"
check_has dl 'deadlock: 3 thread' err
check_has dl 'stuck: deadlock W:[0-9a-f]+ waits on a mutex' err
check_has dl 'stuck: deadlock M:[0-9a-f]+ waits on a condvar' err
check_has dl 'deadlock.nse:[0-9]+:' err
check_has dl '^\|_after: post-scan ran$'
check_lacks dl 'not reached'
finish
