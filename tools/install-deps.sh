#!/bin/sh
# Installs the Debian 12 packages that building, testing and demonstrating nsx
# need. Only packages that are missing are installed, so a second run is quick
# and needs no network.
set -eu

# The services the compatibility suite scans (nginx, redis, memcached,
# vsftpd, sshd); their own start-up at install is blocked.
sh "$(dirname "$0")/../tests/compat/install.sh"

# Building: compilers, Lua 5.4, libuv, OpenSSL 3, zlib, lpeg, lfs.
# Running: nmap-common (nselib, scripts, nmap-services).
# Testing: nmap 7.93 as the reference, clang for the sanitizer and fuzz
# builds, and the checkers' tools (xmllint, jq, ndiff, python3 with
# jsonschema) that validate XML and JSON output, and the man page linters.
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev
liblua5.4-dev lua5.4 libuv1-dev libssl-dev zlib1g-dev
lua-lpeg lua-lpeg-dev lua-filesystem lua-filesystem-dev
nmap-common nmap time
libxml2-utils jq ndiff python3 python3-jsonschema
mandoc groff-base man-db bash-completion"

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-deps: need root to install:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale.
$SUDO apt-get update -qq || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
