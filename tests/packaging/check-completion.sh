#!/bin/sh
# doc/nsx.bash-completion, run in bash as the shell would run it (COMP_WORDS
# and COMP_CWORD set, _nsx called): options, files for output and argument
# files, directories for --datadir, and script names and categories for
# --script, read from a data directory made here (script.db and *.nse).
# Its names start with "alpha" and "zz", which /usr/share/nmap, searched
# too, does not have.
# Environment (from CTest): NSX_SOURCE_DIR.
set -u
. "$(dirname "$0")/lib.sh"

command -v bash >/dev/null 2>&1 || skip "bash is not installed"
make_tmp comp

mkdir -p "$T/data/scripts" "$T/data/nselib" "$T/files/subdir"
cat >"$T/data/scripts/script.db" <<'EOF'
Entry { filename = "alpha-title.nse", categories = { "default", "zzsafe", } }
Entry { filename = "alpha-brute.nse", categories = { "zzbrute", "zzint", } }
EOF
: >"$T/data/scripts/alpha-local.nse"
: >"$T/files/out.xml"
: >"$T/files/out.txt"

# complete EXPECTED WORD...: the last WORD is the one being completed; the
# sorted replies, joined by spaces, must equal EXPECTED.
complete_is() {
  ci_want=$1
  shift
  # The single-quoted script is the inner bash's, and so are its '$'s.
  # shellcheck disable=SC2016
  ci_got=$(cd "$T/files" && env -u NMAPDIR HOME="$T/home" bash -c '
    . "$1"
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _nsx
    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
    sh "$NSX_SOURCE_DIR/doc/nsx.bash-completion" "$@" 2>&1)
  ci_got=${ci_got% }
  if [ "$ci_got" = "$ci_want" ]; then
    tap OK "[$*] -> $ci_want"
  else
    echo "got: '$ci_got'" >"$T/got"
    tap NOTOK "[$*] -> $ci_want" "$T/got"
  fi
}

D="$T/data"
complete_is "--script-args --script-args-file" nsx --script-a
complete_is "-oA -oJ -oN -oX" nsx -o
complete_is "-T0 -T1 -T2 -T3 -T4 -T5" nsx -T
complete_is "out.txt out.xml" nsx -oX out
complete_is "out.txt out.xml" nsx --script-args-file = out
complete_is "subdir" nsx --datadir sub
complete_is "alpha-brute alpha-local alpha-title" \
  nsx --datadir "$D" --script alpha
complete_is "zzbrute" nsx --datadir "$D" --script zzb
complete_is "default,zzsafe" nsx --datadir "$D" --script default,zzs
complete_is "+alpha-title" nsx --datadir "$D" --script +alpha-t
complete_is "zzint" nsx --datadir = "$D" --script zzi
complete_is "" nsx -p 8
finish
