# lib.sh: helpers for the hostile-server tests (POSIX sh): everything of
# ../engine/lib.sh (srv_start, run_nsx, check_*, finish), with SCRIPTS
# pointing at tests/hostile/scripts, plus:
#   run_watch NAME [nsx args...]  like run_nsx, but samples the process
#       every 0.1 s: the most descriptors open at once goes to
#       $OUT/NAME.fdmax and the peak resident memory (VmHWM, kB) to
#       $OUT/NAME.hwm. The run is killed after $WATCH_LIMIT s (100).
#   watch_values NAME        sets FDS_END FDS_BASE HWM_BASE HWM_END from
#       the watch.nse postrule line of $OUT/NAME.out (-1 when absent)
#   check_le NAME WHAT VALUE BOUND   one TAP line: VALUE <= BOUND
#   check_status NAME ID STATUS      the -oJ file $OUT/NAME.jsonl has a
#       result of script ID with that status (ok, error, timeout)
#   scripts NAME...          "$SCRIPTS/NAME.nse,..." for --script
#   noaccept_start VAR       srv_start for $NOACCEPT (noaccept.c, a port
#       whose connects never complete); returns 77 if it is not built
#   xfail FINDING CHECK...   runs a check that is known to fail until
#       FINDING is fixed: a failure prints "not ok ... # TODO FINDING" and
#       does not fail the test; a pass says the finding did not show
#       (some findings are intermittent). Drop the xfail once it is fixed.
# Memory numbers are only compared with generous, size-derived bounds, and
# nothing is compared with elapsed time.
: "${HOSTILE_DIR:=$(cd "$(dirname "$0")" && pwd)}"
ENGINE_DIR=${ENGINE_DIR:-$HOSTILE_DIR/../engine}
. "$ENGINE_DIR/lib.sh"
SCRIPTS="$HOSTILE_DIR/scripts"
WATCH_LIMIT=${WATCH_LIMIT:-100}
# Under AddressSanitizer, freed memory sits in a quarantine that would
# count as resident: keep it small so memory bounds mean the same there.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
export ASAN_OPTIONS

# Whether PID runs (a zombie does not).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
    Z* | X* | '') return 1 ;;
  esac
  return 0
}

run_watch() {
  rw_name=$1
  shift
  RC=0
  "$NSX" "$@" >"$OUT/$rw_name.out" 2>"$OUT/$rw_name.err" &
  rw_pid=$!
  rw_fdmax=0
  rw_hwm=0
  rw_i=0
  while alive "$rw_pid"; do
    if [ "$rw_i" -ge $((WATCH_LIMIT * 10)) ]; then
      echo "run_watch: $rw_name still running after ${WATCH_LIMIT}s; killed" \
        >>"$OUT/$rw_name.err"
      kill -9 "$rw_pid" 2>/dev/null
      break
    fi
    rw_n=$(ls "/proc/$rw_pid/fd" 2>/dev/null | wc -l)
    [ "$rw_n" -gt "$rw_fdmax" ] && rw_fdmax=$rw_n
    rw_h=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' \
      "/proc/$rw_pid/status" 2>/dev/null)
    [ -n "$rw_h" ] && [ "$rw_h" -gt "$rw_hwm" ] && rw_hwm=$rw_h
    rw_i=$((rw_i + 1))
    sleep 0.1
  done
  wait "$rw_pid" || RC=$?
  echo "$RC" >"$OUT/$rw_name.rc"
  echo "$rw_fdmax" >"$OUT/$rw_name.fdmax"
  echo "$rw_hwm" >"$OUT/$rw_name.hwm"
}

noaccept_start() {
  [ -n "${NOACCEPT:-}" ] && [ -x "$NOACCEPT" ] || return 77
  na_save=${TESTSRV:-}
  TESTSRV=$NOACCEPT
  na_rc=0
  srv_start "$1" || na_rc=$?
  TESTSRV=$na_save
  return "$na_rc"
}

scripts() {
  sc_list=
  for sc_name in "$@"; do
    sc_list="$sc_list${sc_list:+,}$SCRIPTS/$sc_name.nse"
  done
  echo "$sc_list"
}

watch_values() {
  wv_n='\([0-9]*\)'
  wv_re="s/.*watch: fds end=$wv_n base=$wv_n; hwm base=$wv_n end=$wv_n.*"
  wv_line=$(sed -n "$wv_re/\1 \2 \3 \4/p" "$OUT/$1.out" | head -1)
  # shellcheck disable=SC2086  # split on purpose
  set -- ${wv_line:--1 -1 -1 -1}
  # shellcheck disable=SC2034  # the tests use them
  FDS_END=$1 FDS_BASE=$2 HWM_BASE=$3 HWM_END=$4
}

check_le() {
  if [ "$3" -ge 0 ] && [ "$3" -le "$4" ]; then
    tap OK "$1: $2 $3 <= $4"
  else
    tap NOTOK "$1: $2 $3 <= $4" "$OUT/$1.err"
  fi
}

check_status() {
  if grep -Eq "\"id\":\"$2\".*\"status\":\"$3\"" "$OUT/$1.jsonl"; then
    tap OK "$1: $2 ended with status $3"
  else
    tap NOTOK "$1: $2 ended with status $3" "$OUT/$1.jsonl"
  fi
}

xfail() {
  xf_finding=$1
  shift
  xf_failed=$T_FAILED
  xf_count=$T_COUNT
  "$@" >"$OUT/xfail.tap"
  if [ "$T_FAILED" -gt "$xf_failed" ]; then
    T_FAILED=$xf_failed
    sed "s/^\(not ok .*\)/\1 # TODO $xf_finding/" "$OUT/xfail.tap"
  else
    sed "s/^\(ok .*\)/\1 # $xf_finding did not show (fixed, or not hit)/" \
      "$OUT/xfail.tap"
  fi
  [ "$T_COUNT" -gt "$xf_count" ] || :
}
