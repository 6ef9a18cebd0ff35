#!/bin/sh
# run.sh: the compatibility suite. Starts real services on 127.0.0.1 on
# their standard ports (nginx HTTP and HTTPS, vsftpd, OpenSSH, Redis,
# memcached; services.sh), runs the scripts of scripts.txt against them
# with Debian's nmap and with nsx, and compares the two per (port, script)
# with compare.lua. Exits 0 when every pair matches or is a listed known
# failure, 1 otherwise, 77 (skip) when it cannot run here.
# Environment:
#   NSX            the nsx binary (default: ../../build/nsx)
#   NMAP           the nmap binary (default: nmap)
#   COMPAT_SCRIPTS comma-separated script ids instead of scripts.txt
#   COMPAT_SELF=1  compare nmap with a second nmap run instead of nsx
#                  (shows what differs between runs: the masks' job)
#   COMPAT_KEEP=1  keep the work directory (outputs, configs, logs)
#   COMPAT_STRICT=1  a known failure that now matches fails the test
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${NSX:=$HERE/../../build/nsx}"
: "${NMAP:=nmap}"
: "${COMPAT_SELF:=}"
: "${COMPAT_KEEP:=}"
: "${COMPAT_STRICT:=}"
# Each scanner gets this long for the whole scan; services get stopped on
# any exit.
SCAN_TIMEOUT=200

skip() {
  echo "SKIP: compat: $*"
  exit 77
}

[ "$(id -u)" -eq 0 ] ||
  skip "needs root (standard ports, sshd's privilege separation)"
for tool in "$NMAP" nginx vsftpd /usr/sbin/sshd ssh-keygen redis-server \
    memcached openssl lua5.4 timeout; do
  command -v "$tool" >/dev/null 2>&1 ||
    skip "'$tool' is missing (install with: sh tests/compat/install.sh)"
done
if [ -z "$COMPAT_SELF" ] && [ ! -x "$NSX" ]; then
  echo "compat: no nsx binary at $NSX (set NSX)" >&2
  exit 1
fi

. "$HERE/services.sh"
svc_ports_free || skip "a standard port is taken by another program"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nsx-compat.XXXXXX")
cleanup() {
  svc_stop_all
  if [ -n "$COMPAT_KEEP" ]; then
    echo "compat: outputs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

svc_setup
svc_start_all || exit 1

# Brute-force lists: small, and holding the right credentials (nginx's
# basic-auth login; vsftpd takes "anonymous" with any password).
printf 'root\n%s\nanonymous\n' "$COMPAT_USER" >"$WORK/users.txt"
printf 'letmein\n123456\n%s\n' "$COMPAT_PASS" >"$WORK/passwords.txt"

# Passes: "[pass NAME]" lines of scripts.txt split the scripts into
# scans; COMPAT_SCRIPTS makes one pass of its own.
mkdir -p "$WORK/passes"
if [ -n "${COMPAT_SCRIPTS:-}" ]; then
  printf '%s\n' "$COMPAT_SCRIPTS" | tr ',' '\n' >"$WORK/passes/custom"
else
  awk -v dir="$WORK/passes" '
    { sub(/#.*/, ""); gsub(/[ \t]/, "") }
    /^\[pass.*\]$/ { name = substr($0, 6, length($0) - 6); next }
    $0 != "" { print > (dir "/" (name == "" ? "main" : name)) }
  ' "$HERE/scripts.txt"
fi
ARGS="userdb=$WORK/users.txt,passdb=$WORK/passwords.txt"
ARGS="$ARGS,http-brute.path=/secret/,http-auth.path=/secret/"
ARGS="$ARGS,ssh.user=$COMPAT_USER,brute.firstonly=true"
PORTS=$(printf '%s' "$SVC_PORTS" | tr ' ' ',')

now() { date +%s.%N; }

# scan NAME BINARY SCRIPTS: one scan of every service; outputs in
# $WORK/NAME.*.
scan() {
  sc_t0=$(now)
  sc_rc=0
  timeout -k 5 $SCAN_TIMEOUT "$2" -sT -Pn -n -p "$PORTS" \
    --script "$3" --script-args "$ARGS" \
    -oN "$WORK/$1.nmap" -oX "$WORK/$1.xml" 127.0.0.1 \
    >"$WORK/$1.stdout" 2>"$WORK/$1.stderr" || sc_rc=$?
  sc_t1=$(now)
  printf '# %s: exit %d, %s s (%s)\n' "$1" "$sc_rc" \
    "$(awk "BEGIN { printf \"%.1f\", $sc_t1 - $sc_t0 }")" "$2"
  if [ "$sc_rc" -ne 0 ] || [ -s "$WORK/$1.stderr" ]; then
    sed "s/^/#   $1 stderr: /" "$WORK/$1.stderr" | head -20
  fi
  [ -s "$WORK/$1.nmap" ] || {
    echo "compat: $1 wrote no output" >&2
    return 1
  }
}

if [ -n "$COMPAT_SELF" ]; then
  RIGHT=nmap2
  RIGHT_BIN=$NMAP
  ORDER=""
else
  RIGHT=nsx
  RIGHT_BIN=$NSX
  ORDER=--order
fi

status=0
for pass_file in "$WORK"/passes/*; do
  pass=$(basename "$pass_file")
  scripts=$(paste -sd, "$pass_file")
  echo "# pass $pass: $(wc -l <"$pass_file") scripts on ports $PORTS"
  scan "nmap-$pass" "$NMAP" "$scripts" || exit 1
  scan "$RIGHT-$pass" "$RIGHT_BIN" "$scripts" || exit 1
  lua5.4 "$HERE/compare.lua" --scripts "$pass_file" \
    --left nmap --right "$RIGHT" ${COMPAT_STRICT:+--strict} $ORDER \
    "$WORK/nmap-$pass.nmap" "$WORK/$RIGHT-$pass.nmap" \
    "$WORK/nmap-$pass.xml" "$WORK/$RIGHT-$pass.xml" >"$WORK/compare-$pass.txt"
  rc=$?
  cat "$WORK/compare-$pass.txt"
  [ $rc -eq 0 ] || status=1
done

# One summary line for all passes.
cat "$WORK"/compare-*.txt | awk '
  /^# [0-9]+ PASS, / { p += $2; f += $4; xf += $6; xp += $8; b += $10 }
  END { printf "# total: %d PASS, %d FAIL, %d XFAIL, %d XPASS, %d BUILD\n",
          p, f, xf, xp, b }'
exit $status
