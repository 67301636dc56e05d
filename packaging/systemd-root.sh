#!/usr/bin/env bash
# Prints the path of a Debian 12 root with systemd as its init, for the systemd test (systemd-test.sh):
# the minimal root of debian-root.sh plus systemd, udev, the libraries the packages depend on and the
# tools the guest checks use. Built once and cached outside the repository, like the HIL kernel:
#   ${SMILEY_SIM_CACHE:-/var/cache/smiley-sim}/systemd-root-bookworm-<arch>/
# The cached root is never changed: the test copies it into a throwaway disk image.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SMILEY_SIM_CACHE:-/var/cache/smiley-sim}"
arch="$(dpkg --print-architecture)"
root="${cache}/systemd-root-bookworm-${arch}"
packages=(systemd systemd-sysv udev dbus libgpiod2 libsqlite3-0 libstdc++6 zlib1g adduser
    gpiod sqlite3 curl procps iproute2)
if [ ! -f "${root}/.complete" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "systemd-root: needs root (chroot)" >&2; exit 1; }
    base="$("${here}/debian-root.sh")"
    partial="${root}.partial"
    rm -rf "${partial}"
    echo "systemd-root: ${packages[*]} into ${partial}" >&2
    cp -a "${base}/." "${partial}/"
    rm -f "${partial}/.complete"
    cp /etc/resolv.conf "${partial}/etc/resolv.conf"
    chroot "${partial}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
    chroot "${partial}" apt-get clean
    rm -rf "${root}"
    mv "${partial}" "${root}"
    touch "${root}/.complete"
fi
echo "${root}"
