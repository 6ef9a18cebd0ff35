#!/bin/sh
# stdnse hooks, host and port tables, registries, script arguments.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
srv_start ECHO echo
run_nsx api -Pn -p "1,$ECHO" --script "$SCRIPTS/api.nse" \
  --script-args "api.port=$ECHO,t={x,k=v},api.flag" localhost
check_passes api 42
finish
