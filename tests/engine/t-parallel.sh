#!/bin/sh
# Threads run concurrently: 50 sleeping threads overlap in time.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
run_nsx overlap -n -Pn -sn --script "$SCRIPTS/overlap.nse" 127.0.0.1-50
check_has overlap '^\|_overlap: 50 sleeps, all overlapping$'
check_has overlap '^nsx done: 50 IP addresses \(50 hosts up\)'
finish
