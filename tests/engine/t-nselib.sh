#!/bin/sh
# Nmap's own nselib test suite (the unittest script) passes under nsx, and
# --script-help prints what Nmap prints.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
run_nsx unittest -n --script unittest --script-args unittest.run
check_has unittest '^\|_unittest: All tests passed$'
check_rc unittest 0

run_nsx help --script-help 'http-title,banner'
check_has help '^http-title$'
check_has help '^Categories: default discovery safe$'
check_has help '^https://nmap.org/nsedoc/scripts/banner.html$'
check_has help '^  Shows the title of the default page of a web server.$'
if command -v nmap >/dev/null 2>&1; then
  nmap --script-help 'default and safe' 2>/dev/null | sed 1d >"$OUT/nmap-help.txt"
  "$NSX" --script-help 'default and safe' | sed 1d >"$OUT/nsx-help.txt"
  if cmp -s "$OUT/nmap-help.txt" "$OUT/nsx-help.txt"; then
    tap OK "script-help: 'default and safe' as Nmap prints it"
  else
    diff "$OUT/nmap-help.txt" "$OUT/nsx-help.txt" >"$OUT/help.diff"
    tap NOTOK "script-help: 'default and safe' as Nmap prints it" "$OUT/help.diff"
  fi
fi
finish
