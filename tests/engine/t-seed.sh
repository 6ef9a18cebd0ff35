#!/bin/sh
# The seed's examples 9.10-9.13 run as written, against a local server.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
srv_start WEB http
srv_start E1 echo
srv_start E2 echo
srv_start E3 echo

run_nsx s910 -n -p "$WEB" --script "$SCRIPTS/seed-9.10.nse" \
  --script-args "seed.port=$WEB" 127.0.0.1
check_has s910 '^\|_seed-9.10: 24 responses: 2 found, 22 not found$'

run_nsx s911 -n -p "$WEB,$E1,$E2,$E3" --script "$SCRIPTS/seed-9.11.nse" \
  127.0.0.1
check_has s911 'seed-9.11: at most 1 thread\(s\) inside'
check_lacks s911 'at most [2-9]'
[ "$(grep -c 'seed-9.11' "$OUT/s911.out")" -eq 4 ] && tap OK "s911: four threads" \
  || tap NOTOK "s911: four threads" "$OUT/s911.out"

run_nsx s913 -n -p "$WEB" --script "$SCRIPTS/seed-9.13.nse" \
  --script-args "seed.port=$WEB" 127.0.0.1
check_has s913 '^\| seed-9.13: true 1$'
check_has s913 '^\| true 2$'
check_has s913 '^\| true 3$'
check_has s913 '^\|_links: /img/bg.png .?/img/div.png.? /style.css / /slow sub/page.html http://example.com/outside /js/app.js /img/logo.png$'
finish
