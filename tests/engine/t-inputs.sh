#!/bin/sh
# Inputs that skip discovery: ADDR:PORT words, -iL lists (files and a
# pipe), masscan -oL and -oJ, and Nmap XML written by nmap itself.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
srv_start B --count-file "$SRV_DIR/b.count" banner "HELLO there"
P=$B

# The service nmap-services gives port $1, nil if it has none: the test
# server's port is random, and nmap-services names 900 of the ephemeral
# ports (most of them "unknown").
service_of() {
  s=$(awk -v p="$1/tcp" '$2 == p { print $1; exit }' \
    "${NMAPDIR:-/usr/share/nmap}/nmap-services" 2>/dev/null)
  echo "${s:-nil}"
}

# ADDR:PORT: the script's connection is the only one (no port scan).
run_nsx word -n --script banner "127.0.0.1:$P"
check_has word '^\|_banner: HELLO there$'
SVC=$(service_of "$P")
[ "$SVC" = nil ] && SVC=unknown
check_has word "^$P/tcp open +$SVC$"
srv_stop B
if [ "$(cat "$SRV_DIR/b.count")" = 1 ]; then
  tap OK "word: one connection: no discovery"
else
  tap NOTOK "word: one connection: no discovery (got $(cat "$SRV_DIR/b.count"))"
fi
srv_start B banner "HELLO there"
P=$B

# A list mixing targets and ADDR:PORT entries, with comments.
printf '# targets\n127.0.0.1:%s\n127.0.0.2 # discovered with -p\n[::1]:%s\n' \
  "$P" "$P" >"$OUT/list.txt"
run_nsx list -n -Pn -p 1 --script banner -iL "$OUT/list.txt"
check_has list '^Nmap scan report for 127.0.0.1$'
check_has list '^\|_banner: HELLO there$'
check_has list '^1/tcp +closed'
check_has list '^Nmap scan report for ::1$'

# From a pipe, read without blocking the loop: the first host's report
# is written while the producer still sleeps.
(printf '127.0.0.1:%s\n' "$P"; sleep 2; printf '127.0.0.3:%s\n' "$P") |
  "$NSX" -n --script banner -iL - >"$OUT/pipe.out" 2>"$OUT/pipe.err" &
PIPE_PID=$!
sleep 1
cp "$OUT/pipe.out" "$OUT/early.out"
wait "$PIPE_PID"
check_has early '^\|_banner: HELLO there$'
check_has pipe '^Nmap scan report for 127.0.0.3$'

# masscan -oL and -oJ: ports scattered over the file end up on one host.
cat >"$OUT/masscan.txt" <<EOM
#masscan
open tcp $P 127.0.0.1 1700000000
open tcp 1 127.0.0.4 1700000000
open tcp 2 127.0.0.1 1700000001
# end
EOM
SVC=$(service_of "$P")
run_nsx masscanl -n --script "$SCRIPTS/portinfo.nse" -iL "$OUT/masscan.txt"
check_has masscanl "^\\|_portinfo: 127.0.0.1 open $P/tcp service=$SVC "
check_has masscanl '^\|_portinfo: 127.0.0.1 open 2/tcp service=compressnet'
check_has masscanl '^nsx done: 2 IP addresses'
cat >"$OUT/masscan.json" <<EOM
[
{   "ip": "127.0.0.1",   "timestamp": "1700000000", "ports": [ {"port": $P, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 64} ] }
]
EOM
run_nsx masscanj -n --script banner -iL "$OUT/masscan.json"
check_has masscanj '^\|_banner: HELLO there$'

# Nmap's XML, written by nmap: its ports and services are used as they are.
if command -v nmap >/dev/null 2>&1; then
  nmap -sT -Pn -n -p "$P,1" 127.0.0.1 -oX "$OUT/nmap.xml" >/dev/null 2>&1
  run_nsx nmapxml -n --script "$SCRIPTS/portinfo.nse" -iL "$OUT/nmap.xml"
  check_has nmapxml "^\\|_portinfo: 127.0.0.1 open $P/tcp service=$SVC "
  check_lacks nmapxml 'portinfo: 127.0.0.1 closed'
  check_has nmapxml '^1/tcp +closed'
else
  echo "# SKIP nmap is not installed"
fi

run_nsx badlist -n -iL "$OUT/no-such-file"
check_rc badlist 2
check_has badlist "no-such-file" err
finish
