#!/bin/sh
# Worker threads, mutexes, condition variables, nested coroutines.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
run_nsx sync -n --script "$SCRIPTS/sync.nse"
check_passes sync 27
check_rc sync 0
finish
