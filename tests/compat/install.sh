#!/bin/sh
# Installs the Debian packages the compatibility suite (tests/compat/run.sh)
# needs: the real services it scans and the tools it uses to configure them.
# Only missing packages are installed, so a second run is quick, quiet and
# needs no network. The packages' own system services are not started: the
# suite runs its own instances on 127.0.0.1 and needs the standard ports free.
set -eu

PKGS="nginx redis-server memcached vsftpd openssh-server openssl lua5.4 nmap"

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"
  then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

echo "compat/install: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "compat/install: need root to install:$missing" >&2
  exit 1
fi

# A policy-rc.d that answers 101 keeps invoke-rc.d from starting the
# packages' services during installation (Debian's documented switch). One
# that already exists (containers ship one) is left alone; ours is removed.
POLICY=/usr/sbin/policy-rc.d
ours=""
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  ours=1
  trap '$SUDO rm -f "$POLICY"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale.
$SUDO apt-get update -qq || true
log=$(mktemp)
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing \
    >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
[ -n "$ours" ] && $SUDO rm -f "$POLICY"
exit 0
