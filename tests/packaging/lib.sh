# shellcheck shell=sh
# lib.sh: TAP helpers for the packaging tests (POSIX sh). A test sources
# it, prints one line per check with 'tap', and ends with 'finish'; 'skip'
# ends a test whose tools are missing (exit 77, which CTest reports as
# skipped); 'make_tmp' gives it a work directory that goes away with it.
T_COUNT=0
T_FAILED=0

tap() {  # tap OK|NOTOK description [diagnostic file]
  T_COUNT=$((T_COUNT + 1))
  if [ "$1" = OK ]; then
    echo "ok $T_COUNT - $2"
  else
    T_FAILED=$((T_FAILED + 1))
    echo "not ok $T_COUNT - $2"
    if [ -n "${3:-}" ] && [ -f "$3" ]; then sed 's/^/#   /' "$3" | head -40; fi
  fi
}

make_tmp() {  # make_tmp NAME: a temporary directory $T, removed at exit
  T=$(mktemp -d "${TMPDIR:-/tmp}/nsx-$1.XXXXXX") || exit 1
  trap 'rm -rf "$T"' EXIT
  trap 'exit 1' HUP INT TERM PIPE
}

skip() {
  echo "# skip: $*"
  exit 77
}

finish() {
  echo "1..$T_COUNT"
  [ "$T_FAILED" -eq 0 ]
}
