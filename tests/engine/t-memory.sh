#!/bin/sh
# A script that allocates without bound fails with "not enough memory"
# at --script-memory; peak memory stays near the limit; the scan goes on.
# Threads whose rule fails are not all held at once: they are created in
# batches, each run to its rule before the next.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
if ! [ -x /usr/bin/time ]; then
  echo "# SKIP: /usr/bin/time (Debian package 'time') is not installed"
  exit 77
fi
RC=0
/usr/bin/time -f "peak %M KB" -o "$OUT/hog.time" "$NSX" -n --script-memory 64m \
  --script "$SCRIPTS/hog.nse,$SCRIPTS/after.nse" >"$OUT/hog.out" 2>"$OUT/hog.err" || RC=$?
echo "$RC" >"$OUT/hog.rc"
check_rc hog 0
check_has hog '^\|_hog: ERROR: Script execution failed' out
check_has hog 'hog failed: not enough memory' err
check_has hog '^\|_after: post-scan ran$'
KB=$(sed -n 's/^peak \([0-9]*\) KB$/\1/p' "$OUT/hog.time")
if grep -q __asan_init "$NSX" 2>/dev/null; then
  echo "# skip the peak-memory bound: sanitizer builds use much more memory"
elif [ -n "$KB" ] && [ "$KB" -lt 200000 ]; then
  tap OK "hog: peak memory ${KB} KB < 200 MB with a 64 MB limit"
else
  tap NOTOK "hog: peak memory ${KB:-?} KB < 200 MB with a 64 MB limit" "$OUT/hog.time"
fi

# 4,096 hosts admitted at once (the default --max-hostgroup), one hostrule
# thread each, the rule true for 16 of them: all 4,096 threads are made
# and the 16 run, but no more than a batch (512) plus those 16 is alive
# at any time (before, all 4,096 were created before any rule ran).
run_nsx few -d -n -Pn -sn --script "$SCRIPTS/fewhosts.nse" 127.0.0.0/20
check_rc few 0
N=$(grep -c '^|_fewhosts: ran on 127\.0\.[0-9]*\.1$' "$OUT/few.out")
if [ "$N" = 16 ]; then
  tap OK "few: the rule held and the action ran on 16 hosts"
else
  tap NOTOK "few: the rule held and the action ran on 16 hosts (got $N)" \
    "$OUT/few.out"
fi
check_has few 'NSE: Timing: .*; 4096 threads, '
PEAK=$(sed -n 's/.*at most \([0-9]*\) threads at once.*/\1/p' "$OUT/few.out")
if [ -n "$PEAK" ] && [ "$PEAK" -le 528 ]; then
  tap OK "few: at most $PEAK threads alive at once (<= 512 + 16)"
else
  tap NOTOK "few: at most ${PEAK:-?} threads alive at once (<= 512 + 16)" \
    "$OUT/few.out"
fi
finish
