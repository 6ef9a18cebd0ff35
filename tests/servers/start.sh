# start.sh: start and stop testsrv instances from POSIX sh test scripts.
#
# Usage, in a test script (sh, dash or bash; safe under set -eu):
#   . "$(dirname "$0")/../servers/start.sh"   # wherever this file lies
#   trap srv_stop_all EXIT
#   srv_start WEB http --title "Hello"    # sets $WEB to the server's port
#   srv_start DNS --udp echo              # testsrv options, MODE, its ARGS
#   srv_start N --count-file "$SRV_DIR/n" echo
#   srv_stop N && cat "$SRV_DIR/n"        # stop one: its count file is ready
#
# srv_start VAR [TESTSRV-OPTIONS] MODE [ARGS]
#   Starts "$TESTSRV" in the background with --pidfile "$SRV_DIR/VAR.pid"
#   (stdout and stderr in VAR.out and VAR.err), waits up to
#   $SRV_START_TIMEOUT whole seconds (default 5) for its "PORT n" line, and sets
#   VAR to n and SRV_PID_VAR to the server's PID. On failure it shows the
#   server's stderr and returns 1. Call it from the test's own shell, never
#   inside $(...) or a pipeline: the servers must be that shell's children.
# srv_stop VAR
#   Sends SIGTERM, waits up to 3 s (then SIGKILL), reaps the server and
#   returns its exit status: 0 after a clean exit.
# srv_stop_all
#   Stops every server still running, then removes $SRV_DIR. Returns
#   non-zero if any of them did not exit cleanly.
# SRV_DIR
#   A temporary directory, made when this file is sourced (and again by the
#   next srv_start after srv_stop_all), for the servers' files and the
#   test's own: count files, say.
# TESTSRV defaults to the first executable found at
#   $NSX_BUILD_DIR/tests/servers/testsrv, ./tests/servers/testsrv,
#   ../servers/testsrv, ./build/tests/servers/testsrv
# which covers a build tree's root and its tests/*/ directories (where ctest
# runs tests) and the source root. CMake tests should rather set
# TESTSRV=${NSX_TESTSRV} (set by tests/servers/CMakeLists.txt) in their
# ENVIRONMENT property. Names starting 'srv__' are this file's own.

SRV_NAMES=${SRV_NAMES:-}  # The VARs of the servers still running.

srv__mkdir() {
  if [ -z "${SRV_DIR:-}" ]; then
    SRV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/testsrv.XXXXXX") || return 1
  fi
}
srv__mkdir

srv__find() {
  for srv__f in "${TESTSRV:-}" \
      "${NSX_BUILD_DIR:+$NSX_BUILD_DIR/tests/servers/testsrv}" \
      tests/servers/testsrv ../servers/testsrv build/tests/servers/testsrv; do
    if [ -n "$srv__f" ] && [ -x "$srv__f" ]; then
      echo "$srv__f"
      return 0
    fi
  done
  echo "start.sh: testsrv not found; set TESTSRV" >&2
  return 1
}

# Whether PID is running: a zombie (exited, not yet reaped) is not.
srv__alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) in
    Z* | X*) return 1 ;;
  esac
  return 0
}

srv_start() {
  srv__var=${1:-}
  case $srv__var in
    '' | [0-9]* | *[!A-Za-z0-9_]*)
      echo "srv_start: bad variable name '$srv__var'" >&2
      return 2 ;;
  esac
  shift
  eval "srv__pid=\${SRV_PID_$srv__var:-}"
  if [ -n "$srv__pid" ]; then
    echo "srv_start: $srv__var is still running; srv_stop it first" >&2
    return 2
  fi
  srv__bin=$(srv__find) || return 1
  srv__mkdir || return 1
  srv__base=$SRV_DIR/$srv__var
  : >"$srv__base.out"  # Before the server starts, for the loop below.
  "$srv__bin" --pidfile "$srv__base.pid" "$@" \
    >"$srv__base.out" 2>"$srv__base.err" &
  srv__pid=$!
  SRV_NAMES="$SRV_NAMES $srv__var"
  eval "SRV_PID_$srv__var=\$srv__pid"
  srv__i=0
  srv__limit=$((${SRV_START_TIMEOUT:-5} * 20))
  while :; do
    srv__port=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$srv__base.out" \
      2>/dev/null)
    if [ -n "$srv__port" ]; then
      eval "$srv__var=\$srv__port"
      return 0
    fi
    if ! srv__alive "$srv__pid" || [ "$srv__i" -ge "$srv__limit" ]; then
      echo "srv_start: testsrv $* did not start:" >&2
      cat "$srv__base.err" >&2
      srv_stop "$srv__var" || :
      return 1
    fi
    srv__i=$((srv__i + 1))
    sleep 0.05
  done
}

# Stop PID and reap it; return its exit status.
srv__stop_pid() {
  kill "$1" 2>/dev/null || :
  srv__i=0
  while srv__alive "$1" && [ "$srv__i" -lt 60 ]; do
    srv__i=$((srv__i + 1))
    sleep 0.05
  done
  if srv__alive "$1"; then
    echo "start.sh: testsrv $1 ignored SIGTERM; killing it" >&2
    kill -9 "$1" 2>/dev/null || :
  fi
  srv__rc=0
  wait "$1" || srv__rc=$?
  return "$srv__rc"
}

srv_stop() {
  eval "srv__pid=\${SRV_PID_$1:-}"
  if [ -z "$srv__pid" ]; then
    echo "srv_stop: no server started as $1" >&2
    return 2
  fi
  eval "unset SRV_PID_$1"
  srv__rest=
  for srv__v in $SRV_NAMES; do
    if [ "$srv__v" != "$1" ]; then
      srv__rest="$srv__rest $srv__v"
    fi
  done
  SRV_NAMES=$srv__rest
  srv__stop_pid "$srv__pid"
}

srv_stop_all() {
  srv__all=0
  for srv__q in $SRV_NAMES; do
    srv_stop "$srv__q" || srv__all=$?
  done
  if [ -n "$SRV_DIR" ]; then
    rm -rf "$SRV_DIR"
    SRV_DIR=
  fi
  return "$srv__all"
}
