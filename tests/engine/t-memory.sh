#!/bin/sh
# A script that allocates without bound fails with "not enough memory"
# at --script-memory; peak memory stays near the limit; the scan goes on.
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
finish
