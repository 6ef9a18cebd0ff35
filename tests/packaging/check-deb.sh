#!/bin/sh
# 'make package': CPack builds nsx_<version>_<arch>.deb (here into a
# temporary directory), whose version is the project's and nsx --version's,
# whose files are the ones 'make install' puts under /usr, and whose Depends
# names the package of every shared library the binary needs, plus
# nmap-common, lua-lpeg and lua-filesystem. The package is then installed
# into a throwaway root with dpkg --root (never into the system), against
# the dependencies this machine has, and the nsx it holds is run.
# Environment (from CTest): NSX, NSX_BUILD_DIR, NSX_VERSION, NSX_SANITIZE.
set -u
. "$(dirname "$0")/lib.sh"

case "${NSX_SANITIZE:-OFF}" in
ON | on | 1 | TRUE | true | YES | yes)
  skip "a sanitizer build is not packaged (it links libasan and libubsan)" ;;
esac
for tool in cpack dpkg dpkg-deb; do
  command -v $tool >/dev/null 2>&1 || skip "$tool is not installed"
done
make_tmp deb

arch=$(dpkg --print-architecture)
deb="$T/pkg/nsx_${NSX_VERSION}_$arch.deb"
if cpack -G DEB --config "$NSX_BUILD_DIR/CPackConfig.cmake" -B "$T/pkg" \
     >"$T/cpack.log" 2>&1 && [ -f "$deb" ]; then
  tap OK "cpack builds nsx_${NSX_VERSION}_$arch.deb"
else
  ls -l "$T/pkg" >>"$T/cpack.log" 2>&1
  tap NOTOK "cpack builds nsx_${NSX_VERSION}_$arch.deb" "$T/cpack.log"
  finish
  exit 1
fi

field() { dpkg-deb -f "$deb" "$1"; }

dpkg-deb -I "$deb" >"$T/info" 2>&1
if [ "$(field Package)" = nsx ] && [ "$(field Version)" = "$NSX_VERSION" ] &&
   [ "$(field Architecture)" = "$arch" ] && [ -n "$(field Maintainer)" ] &&
   [ "$(field Description | wc -l)" -ge 3 ] && [ -n "$(field Section)" ]; then
  tap OK "control: nsx $NSX_VERSION $arch, maintainer, section, description"
else
  tap NOTOK "control: nsx $NSX_VERSION $arch, maintainer, section, \
description" "$T/info"
fi

# Every NEEDED library's package is a dependency. dpkg -S knows a library
# by the path ldd prints (on merged-/usr systems, not always the canonical
# one), so both are tried.
depends=" $(field Depends | tr ',' '\n' | sed 's/(.*)//; s/^ *//; s/ *$//' |
  tr '\n' ' ')"
needed=$(objdump -p "$NSX" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }')
[ -n "$needed" ] ||
  needed=$(ldd "$NSX" | awk '$2 == "=>" && $3 ~ /^\// { print $1 }')
: >"$T/deps"
for lib in $needed; do
  path=$(ldd "$NSX" | awk -v l="$lib" '$1 == l { print $3 }')
  pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" \
    2>/dev/null)
  pkg=$(echo "$pkg" | sed -n '1s/[:,].*//p')
  case "$depends" in
  *" $pkg "*) ;;
  *) echo "$lib ($path) is in '${pkg:-no package}', not Depends" >>"$T/deps" ;;
  esac
done
for pkg in nmap-common lua-lpeg lua-filesystem; do
  case "$depends" in
  *" $pkg "*) ;;
  *) echo "$pkg is not in Depends" >>"$T/deps" ;;
  esac
done
if [ -n "$needed" ] && [ ! -s "$T/deps" ]; then
  n=$(echo "$needed" | wc -l)
  tap OK "Depends covers the $n libraries nsx needs, and its data:$depends"
else
  echo "Depends:$depends" >>"$T/deps"
  tap NOTOK "Depends covers the libraries nsx links and its data" "$T/deps"
fi

# The files: those of 'make install' under /usr, owned by root, no others.
dpkg-deb -c "$deb" >"$T/contents" 2>&1
missing=""
for f in usr/bin/nsx usr/share/man/man1/nsx.1 \
         usr/share/bash-completion/completions/nsx \
         usr/share/doc/nsx/nsx-jsonl.schema.json; do
  grep -q " \./$f\$" "$T/contents" || missing="$missing $f"
done
if [ -z "$missing" ] &&
   ! grep -v ' \./usr/' "$T/contents" | grep -q . &&
   ! awk '{ print $2 }' "$T/contents" | grep -qv '^root/root$'; then
  tap OK "contents: the installed files under /usr, owned by root"
else
  echo "missing:$missing" >>"$T/contents"
  tap NOTOK "contents: the installed files under /usr, owned by root" \
    "$T/contents"
fi

# A throwaway root whose dpkg database holds this machine's entries for the
# dependencies, so dpkg checks Depends for real.
R="$T/root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
unmet=""
for pkg in $depends; do
  dpkg-query -s "$pkg" >>"$R/var/lib/dpkg/status" 2>/dev/null ||
    unmet="$unmet $pkg"
  echo >>"$R/var/lib/dpkg/status"
done
force=""
[ -n "$unmet" ] && force="--force-depends" &&
  echo "# not installed here, so not checked:$unmet"
if dpkg --root="$R" --force-not-root --log=/dev/null $force -i "$deb" \
     >"$T/dpkg.log" 2>&1 &&
   dpkg --root="$R" -s nsx 2>/dev/null | grep -q "^Status: install ok installed"
then
  tap OK "dpkg --root installs it${unmet:+ (forcing$unmet)}"
else
  tap NOTOK "dpkg --root installs it" "$T/dpkg.log"
fi
"$R/usr/bin/nsx" --version >"$T/version" 2>&1
if grep -q "^nsx $NSX_VERSION " "$T/version"; then
  tap OK "the packaged nsx --version says $NSX_VERSION"
else
  tap NOTOK "the packaged nsx --version says $NSX_VERSION" "$T/version"
fi
finish
