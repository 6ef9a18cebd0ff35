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
#   COMPAT_KEEP=1  keep the work directory (outputs, configs, logs); a
#                  failed run keeps it anyway
#   COMPAT_STRICT=1  a known failure that now matches fails the test
#   COMPAT_HOLD=N  only start the services and keep them up N seconds (or
#                  until interrupted), for scanning them by hand
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${NSX:=$HERE/../../build/nsx}"
: "${NMAP:=nmap}"
: "${COMPAT_SELF:=}"
: "${COMPAT_KEEP:=}"
: "${COMPAT_STRICT:=}"
: "${COMPAT_HOLD:=}"
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
if [ -z "$COMPAT_SELF$COMPAT_HOLD" ] && [ ! -x "$NSX" ]; then
  echo "compat: no nsx binary at $NSX (set NSX)" >&2
  exit 1
fi

. "$HERE/services.sh"
svc_ports_free || skip "a standard port is taken by another program"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nsx-compat.XXXXXX")
HOLD_PID=""
cleanup() {
  cleanup_rc=$?
  [ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null
  svc_stop_all
  # A failed comparison keeps its evidence: both scanners' outputs and
  # the services' own logs (sshd -e, nginx, vsftpd) are in $WORK.
  if [ -n "$COMPAT_KEEP" ] || [ "$cleanup_rc" = 1 ]; then
    echo "compat: outputs and service logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -n "$COMPAT_HOLD" ] && SVC_LIFETIME=$((COMPAT_HOLD + 60))
svc_setup
svc_start_all || exit 1

# Brute-force lists: small, and holding the right credentials (nginx's
# basic-auth login; vsftpd's anonymous login).
printf 'root\n%s\nanonymous\n' "$COMPAT_USER" >"$WORK/users.txt"
printf 'letmein\n123456\n%s\n%s\n' "$COMPAT_PASS" "$COMPAT_FTP_PASS" \
  >"$WORK/passwords.txt"

if [ -n "$COMPAT_HOLD" ]; then
  echo "compat: services up on 127.0.0.1 ports $SVC_PORTS for $COMPAT_HOLD s"
  echo "compat: work directory $WORK (basic auth $COMPAT_USER:$COMPAT_PASS)"
  echo "compat: lists $WORK/users.txt $WORK/passwords.txt"
  sleep "$COMPAT_HOLD" &
  HOLD_PID=$!
  wait $HOLD_PID
  exit 0
fi

# Passes: "[pass NAME]" lines of scripts.txt split it into scans, with
# their "@" settings; COMPAT_SCRIPTS makes one pass of its own.
mkdir -p "$WORK/passes"
if [ -n "${COMPAT_SCRIPTS:-}" ]; then
  printf '%s\n' "$COMPAT_SCRIPTS" | tr ',' '\n' >"$WORK/passes/custom"
else
  awk -v dir="$WORK/passes" '
    /^[ \t]*#/ { next }
    { sub(/[ \t]+#.*/, ""); sub(/^[ \t]+/, ""); sub(/[ \t]+$/, "") }
    /^\[pass .*\]$/ { name = substr($0, 7, length($0) - 7); next }
    $0 != "" { print > (dir "/" (name == "" ? "main" : name)) }
  ' "$HERE/scripts.txt"
fi
ARGS="userdb=$WORK/users.txt,passdb=$WORK/passwords.txt"
ARGS="$ARGS,http-brute.path=/secret/,http-auth.path=/secret/"
ARGS="$ARGS,ssh.user=$COMPAT_USER"
ALL_PORTS=$(printf '%s' "$SVC_PORTS" | tr ' ' ',')

now() { date +%s.%N; }

# setting FILE NAME: the value of "@NAME ..." in a pass file.
setting() {
  sed -n "s/^@$2[[:space:]][[:space:]]*//p" "$1" | tail -1
}

# scan NAME BINARY PASS-FILE: one scan; outputs in $WORK/NAME.*, its exit
# status in $WORK/NAME.rc.
scan() {
  sc_target=$(setting "$3" target)
  sc_ports=$(setting "$3" ports)
  sc_opts=$(setting "$3" options)
  sc_args=$(setting "$3" args)
  sc_scripts=$(grep -v '^@' "$3" | paste -sd, -)
  sc_t0=$(now)
  sc_rc=0
  # shellcheck disable=SC2086
  timeout -k 5 $SCAN_TIMEOUT "$2" -sT -Pn -n -p "${sc_ports:-$ALL_PORTS}" \
    ${sc_scripts:+--script "$sc_scripts"} $sc_opts \
    --script-args "$ARGS${sc_args:+,$sc_args}" \
    -oN "$WORK/$1.nmap" -oX "$WORK/$1.xml" "${sc_target:-127.0.0.1}" \
    >"$WORK/$1.stdout" 2>"$WORK/$1.stderr" || sc_rc=$?
  echo "$sc_rc" >"$WORK/$1.rc"
  printf '# %s: exit %d, %s s (%s)\n' "$1" "$sc_rc" \
    "$(awk "BEGIN { printf \"%.1f\", $(now) - $sc_t0 }")" "$2"
  if [ "$sc_rc" -ne 0 ] || [ -s "$WORK/$1.stderr" ]; then
    sed "s/^/#   $1 stderr: /" "$WORK/$1.stderr" | head -20
  fi
  # A scanner that died early may have left no files: compare empty ones.
  touch "$WORK/$1.nmap" "$WORK/$1.xml"
}

if [ -n "$COMPAT_SELF" ]; then
  RIGHT=nmap2
  RIGHT_BIN=$NMAP
  ORDER=""
  # The known failures are nsx's; nmap against nmap has none.
  KNOWN="--known /dev/null"
else
  RIGHT=nsx
  RIGHT_BIN=$NSX
  ORDER=--order
  KNOWN=""
fi

T0=$(now)
for pass_file in "$WORK"/passes/*; do
  pass=$(basename "$pass_file")
  out="$WORK/compare-$pass.txt"
  grep -v '^@' "$pass_file" >"$WORK/ids-$pass"
  echo "# pass $pass: $(grep -c . "$WORK/ids-$pass") scripts" \
    "$(grep '^@' "$pass_file" | paste -sd' ' -)"
  scan "nmap-$pass" "$NMAP" "$pass_file"
  scan "$RIGHT-$pass" "$RIGHT_BIN" "$pass_file"
  # Both scanners must end the same way (nsx: 0 unless something was
  # rejected, a signal or the time limit: 124).
  rc_left=$(cat "$WORK/nmap-$pass.rc")
  rc_right=$(cat "$WORK/$RIGHT-$pass.rc")
  if [ "$rc_left" = "$rc_right" ]; then
    echo "PASS  (exit status) [process]" >"$out"
  else
    echo "FAIL  (exit status) [process]  nmap exited $rc_left," \
      "$RIGHT $rc_right" >"$out"
  fi
  # Without a list (-sC), any id-shaped name starts a result block.
  ids=""
  [ -s "$WORK/ids-$pass" ] && ids="--scripts $WORK/ids-$pass"
  # shellcheck disable=SC2086
  lua5.4 "$HERE/compare.lua" $ids --pass "$pass" \
    --left nmap --right "$RIGHT" ${COMPAT_STRICT:+--strict} $ORDER $KNOWN \
    --stderr "$WORK/nmap-$pass.stderr" "$WORK/$RIGHT-$pass.stderr" \
    --screen "$WORK/nmap-$pass.stdout" "$WORK/$RIGHT-$pass.stdout" \
    "$WORK/nmap-$pass.nmap" "$WORK/$RIGHT-$pass.nmap" \
    "$WORK/nmap-$pass.xml" "$WORK/$RIGHT-$pass.xml" >>"$out" 2>&1
  # 1 means "some pair failed" (counted from its lines); more is an error.
  cmp_rc=$?
  [ $cmp_rc -gt 1 ] && echo "# compare.lua failed (exit $cmp_rc)" >>"$out"
  cat "$out"
done

# One summary for all passes; the verdict counts every FAIL line (and,
# with COMPAT_STRICT, every XPASS line).
secs=$(awk "BEGIN { printf \"%.0f\", $(now) - $T0 }")
cat "$WORK"/compare-*.txt | awk -v secs="$secs" -v strict="$COMPAT_STRICT" '
  /^(PASS|FAIL|XFAIL|XPASS|BUILD) / { n[$1]++ }
  /^# compare.lua failed/ { n["FAIL"]++ }
  END {
    printf "# total: %d PASS, %d FAIL, %d XFAIL, %d XPASS, %d BUILD" \
      " (scans and comparison: %d s)\n",
      n["PASS"], n["FAIL"], n["XFAIL"], n["XPASS"], n["BUILD"], secs
    exit (n["FAIL"] > 0 || (strict != "" && n["XPASS"] > 0)) ? 1 : 0
  }'
exit $?
