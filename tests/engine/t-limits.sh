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

# A host whose time runs out in its port scan is still reported (Nmap
# reports it as up too), with the ports found so far: the echo port is
# probed first, the 300 after it would take 15 s at --max-rate 20. On
# 127.0.0.3, where no other test listens, so only that port answers.
srv_start ECHO3 --bind 127.0.0.3 echo
run_nsx hostto-disc -n -Pn -p "$ECHO3-$((ECHO3 + 300))" --max-rate 20 \
  --host-timeout 1s 127.0.0.3
check_has hostto-disc '^Nmap scan report for 127.0.0.3$'
check_has hostto-disc 'Skipped the rest of this host: --host-timeout reached'
check_has hostto-disc "^$ECHO3/tcp +open"
check_has hostto-disc '\(1 host up\) scanned in'
check_rc hostto-disc 0

if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
  srv_start ECHO6 --bind ::1 echo
  run_nsx ipv6 -6 -n -Pn -p "$ECHO6" --script "$SCRIPTS/ipv6.nse" ::1
  check_passes ipv6 5
else
  echo "# skipped: no ::1 on lo"
fi
finish
