#!/bin/sh
# Bad input of every kind: a clear one-line message naming the problem,
# the rest of the scan goes on, and the documented exit status.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
B="$SCRIPTS/bad"

run_nsx help --help
check_rc help 0
check_has help '^Usage: nsx'

run_nsx version --version
check_has version '^nsx [0-9]'

run_nsx badopt --frobnicate 127.0.0.1
check_rc badopt 2
check_has badopt "unknown option '--frobnicate'" err

run_nsx badports -p 70000 127.0.0.1
check_rc badports 2
check_has badports '70000' err

run_nsx badtime --script-timeout soon 127.0.0.1
check_rc badtime 2
check_has badtime "invalid value for --script-timeout: 'soon'" err

run_nsx noscript --script no-such-script-anywhere -n 127.0.0.1
check_rc noscript 2
check_has noscript "'no-such-script-anywhere' did not match a category, filename, or directory" err

run_nsx badargs --script "$B/good.nse" --script-args 'a=b=c' -n
check_rc badargs 2
check_has badargs 'script-args' err

# Scripts that cannot load are named and skipped; the others run.
run_nsx mixed -n -Pn -sn --script "$B/syntax.nse,$B/noaction.nse,$B/good.nse" 127.0.0.1
check_rc mixed 1
check_has mixed "syntax.nse.*(expected|near)" err
check_has mixed "noaction.nse is missing required field: 'action'" err
check_has mixed '^\|_good: pre-scan ok$'
check_has mixed '^\|_good: host 127.0.0.1$'

# Errors at run time are results: Nmap's text in the output, the reason on
# stderr, and the scan is not a failure.
run_nsx runtime -n --script "$B/runtime.nse,$B/yielder.nse,$B/strictg.nse,$B/good.nse"
check_rc runtime 0
check_has runtime '^\|_runtime: ERROR: Script execution failed \(use -d to debug\)$'
check_has runtime "runtime.nse:4: attempt to index a nil value" err
check_has runtime "strictg.nse:4: variable 'not_declared_anywhere' is not declared" err
check_has runtime '^\|_good: pre-scan ok$'
check_lacks runtime 'not reached'
run_nsx runtime_d -d -n --script "$B/yielder.nse"
check_has runtime_d 'yielded unexpectedly and cannot be resumed'

# Bad targets are named and skipped; good ones are scanned.
run_nsx targets -n -Pn -sn --script "$B/good.nse" 300.1.1.1 no-such-host.invalid 127.0.0.1
check_rc targets 1
check_has targets "invalid target.*300.1.1.1" err
check_has targets 'Failed to resolve "no-such-host.invalid"' err
check_has targets '^\|_good: host 127.0.0.1$'

run_nsx ranges -n -Pn -sn --script "$B/good.nse" 127.0.0.1-3 127.0.1.0/30
check_rc ranges 0
check_has ranges '^nsx done: 7 IP addresses \(7 hosts up\)'
check_has ranges '^\|_good: host 127.0.1.3$'

run_nsx none -n
check_rc none 0
check_has none 'No targets were specified' err

run_nsx oN -n -Pn -p 1 -oN "$OUT/normal.txt" 127.0.0.1
if grep -q '^# nsx .* scan initiated .* as: ' "$OUT/normal.txt" &&
   grep -q '^Nmap scan report for 127.0.0.1$' "$OUT/normal.txt" &&
   grep -q '^# nsx done at ' "$OUT/normal.txt"; then
  tap OK "oN: file has header, report and footer"
else
  tap NOTOK "oN: file has header, report and footer" "$OUT/normal.txt"
fi
finish
