#!/usr/bin/env bash
# Installs every Debian package l2tpx needs to build, run and test.
# Safe to run repeatedly. Debian's xl2tpd (and later freeradius) would start their
# services on install and grab UDP 1701 (1812) in the root namespace; a
# temporary policy-rc.d forbids that (the tests start their own instances
# inside network namespaces).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PKGS=(
  build-essential meson ninja-build pkg-config clang clang-format
  libclang-rt-14-dev llvm
  nettle-dev libinih-dev libjson-c-dev libmnl-dev libcmocka-dev
  python3-pytest
  iproute2 iputils-ping tshark xl2tpd iperf3 dhcpcd-base
  procps psmisc util-linux
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

policy=/usr/sbin/policy-rc.d
had_policy=0
if [ -e "$policy" ]; then had_policy=1; cp -a "$policy" "$policy.l2tpx-save"; fi
restore() {
  if [ "$had_policy" = 1 ]; then mv -f "$policy.l2tpx-save" "$policy"; else rm -f "$policy"; fi
}
trap restore EXIT
printf '#!/bin/sh\nexit 101\n' > "$policy"
chmod 755 "$policy"

# wireshark-common asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections

apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
