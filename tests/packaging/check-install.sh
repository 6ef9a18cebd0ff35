#!/bin/sh
# 'make install' with PREFIX and DESTDIR: every file lands under the prefix
# (inside DESTDIR when given, and nowhere else), the installed nsx prints
# the project's version, and it still finds Nmap's scripts in
# /usr/share/nmap although nothing was installed there. The build itself
# is not redone ('make -o build'): ctest runs on a finished build.
# Environment (from CTest): NSX_SOURCE_DIR, NSX_BUILD_DIR, NSX_VERSION.
set -u
. "$(dirname "$0")/lib.sh"

command -v make >/dev/null 2>&1 || skip "make is not installed"
make_tmp install

FILES="bin/nsx share/man/man1/nsx.1 share/bash-completion/completions/nsx
share/doc/nsx/nsx-jsonl.schema.json"

run_install() {  # run_install NAME [make variables...]
  ri_name=$1
  shift
  # A make running this test (make test) passes its flags and variables
  # down in the environment; this install gets only its own.
  if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR -u PREFIX \
       make -s -C "$NSX_SOURCE_DIR" -o build install BUILD="$NSX_BUILD_DIR" \
       "$@" >"$T/$ri_name.log" 2>&1; then
    tap OK "make install $*"
  else
    tap NOTOK "make install $*" "$T/$ri_name.log"
  fi
}

check_tree() {  # check_tree ROOT WHAT: the files are under ROOT
  ct_missing=""
  for f in $FILES; do
    [ -f "$1/$f" ] || ct_missing="$ct_missing $f"
  done
  if [ -z "$ct_missing" ] && [ -x "$1/bin/nsx" ]; then
    tap OK "$2: files in place"
  else
    echo "missing:$ct_missing" >"$T/missing"
    find "$1" >>"$T/missing" 2>&1
    tap NOTOK "$2: files in place" "$T/missing"
  fi
}

# PREFIX and DESTDIR together: everything under DESTDIR/PREFIX.
run_install staged PREFIX=/opt/nsx-test DESTDIR="$T/stage"
check_tree "$T/stage/opt/nsx-test" "PREFIX=/opt/nsx-test DESTDIR"
stray=$(find "$T/stage" -type f | grep -v "^$T/stage/opt/nsx-test/" || true)
if [ -z "$stray" ]; then
  tap OK "DESTDIR: nothing outside the prefix"
else
  echo "$stray" >"$T/stray"
  tap NOTOK "DESTDIR: nothing outside the prefix" "$T/stray"
fi

# DESTDIR alone: the build's configured prefix (/usr/local by default).
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' \
  "$NSX_BUILD_DIR/CMakeCache.txt")
run_install default DESTDIR="$T/default"
check_tree "$T/default$prefix" "DESTDIR, default prefix $prefix"

# PREFIX alone, then run what was installed.
run_install prefix PREFIX="$T/prefix"
check_tree "$T/prefix" "PREFIX=<tmp>"
NSXI="$T/prefix/bin/nsx"
"$NSXI" --version >"$T/version" 2>&1
if grep -q "^nsx $NSX_VERSION " "$T/version"; then
  tap OK "installed nsx --version says $NSX_VERSION"
else
  tap NOTOK "installed nsx --version says $NSX_VERSION" "$T/version"
fi
if cmp -s "$NSX_SOURCE_DIR/doc/nsx.1" "$T/prefix/share/man/man1/nsx.1"; then
  tap OK "the installed man page is doc/nsx.1"
else
  tap NOTOK "the installed man page is doc/nsx.1"
fi

# The data path: a fresh HOME, no NMAPDIR, and no share/nmap under the
# prefix, so only the compiled-in /usr/share/nmap can supply the script.
if [ -f /usr/share/nmap/scripts/banner.nse ] &&
   [ -f /usr/share/nmap/nselib/stdnse.lua ]; then
  mkdir -p "$T/home"
  rc=0
  (cd "$T" && env -u NMAPDIR HOME="$T/home" "$NSXI" -v -n -sn --no-status \
     --script banner) >"$T/datapath" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ] && grep -q "Loaded 1 script" "$T/datapath"; then
    tap OK "installed nsx finds /usr/share/nmap from another prefix"
  else
    echo "exit status $rc" >>"$T/datapath"
    tap NOTOK "installed nsx finds /usr/share/nmap from another prefix" \
      "$T/datapath"
  fi
else
  echo "# skip: nmap-common is not installed; data path not checked"
fi

# The installed completion loads and registers itself.
if command -v bash >/dev/null 2>&1; then
  if bash -c '. "$1" && complete -p nsx' sh \
       "$T/prefix/share/bash-completion/completions/nsx" >"$T/comp" 2>&1 &&
     grep -q "_nsx" "$T/comp"; then
    tap OK "installed bash completion registers _nsx"
  else
    tap NOTOK "installed bash completion registers _nsx" "$T/comp"
  fi
fi
finish
