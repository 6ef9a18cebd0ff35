#!/bin/sh
# doc/nsx.1: its .TH line carries the project's version, and it renders
# without a warning under groff (-ww: every warning), mandoc's linter and
# man(1), each checked when installed and skipped with a message if not.
# Environment (from CTest): NSX_SOURCE_DIR, NSX_VERSION.
set -u
. "$(dirname "$0")/lib.sh"

PAGE="$NSX_SOURCE_DIR/doc/nsx.1"
make_tmp man

grep '^\.TH ' "$PAGE" >"$T/th"
if grep -q "\"nsx $NSX_VERSION\"" "$T/th"; then
  tap OK ".TH says nsx $NSX_VERSION"
else
  tap NOTOK ".TH says nsx $NSX_VERSION (CMakeLists.txt's version)" "$T/th"
fi

if command -v groff >/dev/null 2>&1; then
  if groff -man -Tutf8 -ww -z "$PAGE" >"$T/groff" 2>&1 && [ ! -s "$T/groff" ]
  then
    tap OK "groff -man -ww: no warnings"
  else
    tap NOTOK "groff -man -ww: no warnings" "$T/groff"
  fi
else
  echo "# skip: groff is not installed"
fi

if command -v mandoc >/dev/null 2>&1; then
  if mandoc -T lint -W all "$PAGE" >"$T/mandoc" 2>&1; then
    tap OK "mandoc -T lint -W all: clean"
  else
    tap NOTOK "mandoc -T lint -W all: clean" "$T/mandoc"
  fi
else
  echo "# skip: mandoc is not installed"
fi

if command -v man >/dev/null 2>&1; then
  if MANWIDTH=80 man --warnings -l "$PAGE" >"$T/man" 2>"$T/man.err" &&
     [ ! -s "$T/man.err" ] && grep -q '^NSX(1)' "$T/man" &&
     grep -q '^OPTIONS' "$T/man"; then
    tap OK "man -l renders it without warnings"
  else
    cat "$T/man.err" >>"$T/man"
    tap NOTOK "man -l renders it without warnings" "$T/man"
  fi
else
  echo "# skip: man is not installed"
fi
[ "$T_COUNT" -gt 1 ] || echo "# no man page tool found: only .TH checked"
finish
