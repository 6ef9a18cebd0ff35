#!/bin/sh
# Limits and timeouts: --max-threads, --max-sockets, --host-timeout, IPv6.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
srv_start ECHO echo
run_nsx limits -n -Pn -sn --max-threads 3 --max-sockets 2 \
  --script "$SCRIPTS/limits.nse" --script-args "lim.echo=$ECHO" 127.0.0.1-10
check_has limits '^\|_limits: threads 10, most at once 3; sockets 30, most open 2, waited true$'

run_nsx hostto -n -Pn -p "$ECHO" --host-timeout 1s \
  --script "$SCRIPTS/hostsleep.nse" 127.0.0.1
check_has hostto 'Skipped the rest of this host: --host-timeout reached'
check_has hostto '^\|_hostsleep: port script done$'
check_lacks hostto 'not reached'
check_rc hostto 0

if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
  srv_start ECHO6 --bind ::1 echo
  run_nsx ipv6 -6 -n -Pn -p "$ECHO6" --script "$SCRIPTS/ipv6.nse" ::1
  check_passes ipv6 5
else
  echo "# skipped: no ::1 on lo"
fi
finish
