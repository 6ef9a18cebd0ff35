# lib.sh: helpers for the engine tests (POSIX sh). A test sources it,
# starts servers with srv_start, runs nsx with run_nsx, checks with the
# check_* functions (each prints one TAP line), and ends with 'finish'.
#   run_nsx NAME [nsx args...]   output in $OUT/NAME.out, stderr in
#                                $OUT/NAME.err, exit status in $RC
#   check_passes NAME [N]        no "FAIL" line; at least N "PASS" lines
#   check_has NAME PATTERN [FILE-SUFFIX]   grep -E in .out (or .err)
#   check_lacks NAME PATTERN [FILE-SUFFIX]
#   check_rc NAME WANT
set -u
: "${ENGINE_DIR:=$(cd "$(dirname "$0")" && pwd)}"
: "${NSX:=nsx}"
SCRIPTS="$ENGINE_DIR/scripts"
. "$ENGINE_DIR/../servers/start.sh"
OUT="$SRV_DIR"
T_COUNT=0
T_FAILED=0
trap 'srv_stop_all >/dev/null 2>&1' EXIT

tap() {  # tap OK|NOTOK description [diagnostic file]
  T_COUNT=$((T_COUNT + 1))
  if [ "$1" = OK ]; then
    echo "ok $T_COUNT - $2"
  else
    T_FAILED=$((T_FAILED + 1))
    echo "not ok $T_COUNT - $2"
    if [ -n "${3:-}" ] && [ -f "$3" ]; then sed 's/^/# /' "$3" | head -60; fi
  fi
}

run_nsx() {
  rn_name=$1
  shift
  RC=0
  timeout 100 "$NSX" "$@" >"$OUT/$rn_name.out" 2>"$OUT/$rn_name.err" || RC=$?
  echo "$RC" >"$OUT/$rn_name.rc"
}

check_passes() {
  cp_min=${2:-1}
  cp_n=$(grep -c 'PASS ' "$OUT/$1.out")
  if grep -q 'FAIL ' "$OUT/$1.out" || [ "$cp_n" -lt "$cp_min" ]; then
    cat "$OUT/$1.err" >>"$OUT/$1.out"
    tap NOTOK "$1: all checks pass ($cp_n PASS, want >= $cp_min)" "$OUT/$1.out"
  else
    tap OK "$1: $cp_n checks pass"
  fi
}

check_has() {
  if grep -Eq -- "$2" "$OUT/$1.${3:-out}"; then
    tap OK "$1: has /$2/"
  else
    tap NOTOK "$1: has /$2/" "$OUT/$1.${3:-out}"
  fi
}

check_lacks() {
  if grep -Eq -- "$2" "$OUT/$1.${3:-out}"; then
    tap NOTOK "$1: lacks /$2/" "$OUT/$1.${3:-out}"
  else
    tap OK "$1: lacks /$2/"
  fi
}

check_rc() {
  if [ "$(cat "$OUT/$1.rc")" = "$2" ]; then
    tap OK "$1: exit status $2"
  else
    tap NOTOK "$1: exit status $2 (got $(cat "$OUT/$1.rc"))" "$OUT/$1.err"
  fi
}

finish() {
  echo "1..$T_COUNT"
  [ "$T_FAILED" -eq 0 ]
}
