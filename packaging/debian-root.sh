#!/usr/bin/env bash
# Prints the path of a minimal Debian 12 root (debootstrap --variant=minbase) for the package test,
# building it once and caching it outside the repository, like the HIL kernel:
#   ${SMILEY_SIM_CACHE:-/var/cache/smiley-sim}/debian-root-bookworm-<arch>/
# The cached root is never changed: the test copies it (cp -a) into a throwaway directory.
set -euo pipefail
cache="${SMILEY_SIM_CACHE:-/var/cache/smiley-sim}"
arch="$(dpkg --print-architecture)"
root="${cache}/debian-root-bookworm-${arch}"
mirror="${SMILEY_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if [ ! -f "${root}/.complete" ]; then
    command -v debootstrap >/dev/null || { echo "debian-root: debootstrap is missing (scripts/install-deps.sh debootstrap)" >&2; exit 1; }
    [ "$(id -u)" -eq 0 ] || { echo "debian-root: debootstrap needs root" >&2; exit 1; }
    mkdir -p "${cache}"
    partial="${root}.partial"
    rm -rf "${partial}"
    echo "debian-root: debootstrap bookworm (${arch}) into ${partial}" >&2
    debootstrap --variant=minbase --arch="${arch}" bookworm "${partial}" "${mirror}" >&2
    echo "deb ${mirror} bookworm main" >"${partial}/etc/apt/sources.list"
    # Installing a .deb with apt-get resolves its Depends from the archive: index it once here.
    chroot "${partial}" apt-get update -qq >&2
    chroot "${partial}" apt-get clean
    rm -rf "${root}"
    mv "${partial}" "${root}"
    touch "${root}/.complete"
fi
echo "${root}"
