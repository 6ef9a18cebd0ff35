#!/bin/sh
# Politeness: --max-rate, --max-host-conns, --host-error-budget, --shard.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
srv_start ECHO echo
S="$SCRIPTS/polite.nse"

# 30 connects at 10 a second: never more than 11 in a second (one token
# of burst), so the run spans about two seconds and a half.
run_nsx rate -n -Pn -sn --max-rate 10 --script "$S" \
  --script-args "polite.port=$ECHO,polite.n=30" 127.0.0.1
if grep -Eq '^\|_polite: 30 connects, at most (1[01]|[0-9]) per second' "$OUT/rate.out"; then
  tap OK "rate: at most 11 connects in any second with --max-rate 10"
else
  tap NOTOK "rate: at most 11 connects in any second with --max-rate 10" "$OUT/rate.out"
fi

run_nsx hostconns -n -Pn -sn --max-host-conns 2 --script "$S" \
  --script-args "polite.port=$ECHO,polite.n=20" 127.0.0.1
check_has hostconns '^\|_polite: 20 connects, .* at most 2 open$'

# TLS to an echo server fails every time: after 3 failures the host is
# cut short, its other threads end, and the report says so.
run_nsx budget -n -Pn -sn --host-error-budget 3 --script "$S" \
  --script-args "polite.port=$ECHO,polite.mode=tls,polite.n=20" 127.0.0.1 127.0.0.2
check_has budget 'Skipped the rest of this host: [0-9]+ errors \(--host-error-budget\)'
check_has budget '127.0.0.1: [0-9]+ errors \(--host-error-budget\); skipping' err
check_has budget '^nsx done: 2 IP addresses \(2 hosts up\)'

# Shards split the hosts: disjoint, and together all of them.
run_nsx shard1 -n -Pn -sn --shard 1/2 127.0.0.1-20
run_nsx shard2 -n -Pn -sn --shard 2/2 127.0.0.1-20
grep -h '^Nmap scan report for' "$OUT/shard1.out" "$OUT/shard2.out" | sort >"$OUT/union.txt"
sort -u "$OUT/union.txt" >"$OUT/unique.txt"
N1=$(grep -c '^Nmap scan report' "$OUT/shard1.out")
if [ "$(wc -l <"$OUT/union.txt")" -eq 20 ] && [ "$(wc -l <"$OUT/unique.txt")" -eq 20 ] &&
   [ "$N1" -gt 0 ] && [ "$N1" -lt 20 ]; then
  tap OK "shards: 1/2 and 2/2 cover the 20 hosts once ($N1 + $((20 - N1)))"
else
  tap NOTOK "shards: 1/2 and 2/2 cover the 20 hosts once" "$OUT/union.txt"
fi
run_nsx badshard --shard 3/2 127.0.0.1
check_rc badshard 2
finish
