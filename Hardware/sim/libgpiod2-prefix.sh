#!/bin/bash
# Fetch libgpiod 2.x (library, headers, tools) from Debian bookworm-backports and
# unpack it into a private prefix, without installing anything system-wide:
#   ${SMILEY_SIM_CACHE:-/var/cache/smiley-sim}/libgpiod2
# The pkg-config file is rewritten to point into the prefix, so
#   PKG_CONFIG_PATH=<prefix>/usr/lib/<multiarch>/pkgconfig pkg-config --cflags --libs libgpiod
# yields the 2.x headers/library. At run time use
#   LD_LIBRARY_PATH=<prefix>/usr/lib/<multiarch>
# On success the prefix path is the only line printed on stdout.
#
# Environment:
#   SMILEY_SIM_CACHE         cache directory (default /var/cache/smiley-sim)
#   SMILEY_LIBGPIOD2_VERSION exact Debian version to fetch (default: 2.1.3-1~bpo12+1
#                            if available, otherwise the bookworm-backports candidate)
set -euo pipefail

CACHE="${SMILEY_SIM_CACHE:-/var/cache/smiley-sim}"
PREFIX="$CACHE/libgpiod2"
PKGS=(libgpiod3 libgpiod-dev gpiod)
SUITE=bookworm-backports
MULTIARCH="$(gcc -print-multiarch)"

log() { echo "libgpiod2-prefix: $*" >&2; }
die() { echo "libgpiod2-prefix: ERROR: $*" >&2; exit 1; }

if [ -f "$PREFIX/.complete" ]; then
    log "cached $(cat "$PREFIX/.complete")"
    echo "$PREFIX"
    exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found (Debian bookworm host required)"

have_backports() {
    grep -rqsE "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

candidate() {  # candidate version of $1 in bookworm-backports, empty if none
    apt-cache madison "$1" 2>/dev/null | awk -F'|' -v s="$SUITE" '$3 ~ s {gsub(/ /,"",$2); print $2; exit}'
}

if ! have_backports; then
    [ "$(id -u)" -eq 0 ] || die "no $SUITE apt source configured; as root add one for http://deb.debian.org/debian"
    log "adding $SUITE apt source (/etc/apt/sources.list.d/$SUITE.sources)"
    cat >"/etc/apt/sources.list.d/$SUITE.sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

VERSION="${SMILEY_LIBGPIOD2_VERSION:-}"
if [ -z "$VERSION" ] || ! apt-cache madison libgpiod-dev 2>/dev/null | grep -qF "$VERSION"; then
    if [ -z "$(candidate libgpiod-dev)" ]; then
        [ "$(id -u)" -eq 0 ] || die "$SUITE package lists missing; run 'apt-get update' as root"
        log "apt-get update"
        apt-get update -qq >&2 || die "apt-get update failed"
    fi
fi
if [ -z "$VERSION" ]; then
    if apt-cache madison libgpiod-dev 2>/dev/null | grep -qF "2.1.3-1~bpo12+1"; then
        VERSION="2.1.3-1~bpo12+1"
    else
        VERSION="$(candidate libgpiod-dev)"
    fi
fi
[ -n "$VERSION" ] || die "libgpiod-dev not found in $SUITE"
case "$VERSION" in 2.*) ;; *) die "expected libgpiod 2.x in $SUITE, found $VERSION" ;; esac

mkdir -p "$CACHE" || die "cannot create $CACHE (set SMILEY_SIM_CACHE)"
WORK="$(mktemp -d "$CACHE/libgpiod2.tmp.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log "downloading ${PKGS[*]} $VERSION"
(
    cd "$WORK"
    sandbox=(); [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
    apt-get download -qq "${sandbox[@]}" $(for p in "${PKGS[@]}"; do printf '%s=%s ' "$p" "$VERSION"; done) >&2
) || die "apt-get download of ${PKGS[*]} $VERSION failed"

mkdir -p "$WORK/root"
for deb in "$WORK"/*.deb; do
    dpkg-deb -x "$deb" "$WORK/root" || die "failed to unpack $deb"
done

PCDIR="$WORK/root/usr/lib/$MULTIARCH/pkgconfig"
PC="$PCDIR/libgpiod.pc"
[ -f "$PC" ] || die "libgpiod.pc missing from libgpiod-dev $VERSION"
[ -f "$WORK/root/usr/include/gpiod.h" ] || die "gpiod.h missing from libgpiod-dev $VERSION"
ls "$WORK/root/usr/lib/$MULTIARCH"/libgpiod.so.3* >/dev/null 2>&1 || die "libgpiod.so.3 missing from libgpiod3 $VERSION"

rm -rf "$PREFIX"
mv "$WORK/root" "$PREFIX"
sed -i "s|^prefix=.*|prefix=$PREFIX/usr|" "$PREFIX/usr/lib/$MULTIARCH/pkgconfig/libgpiod.pc"
# Any remaining absolute /usr paths (libdir/includedir without \${prefix}) are redirected too.
sed -i -E "s#^(libdir|includedir|exec_prefix)=/usr#\1=$PREFIX/usr#" "$PREFIX/usr/lib/$MULTIARCH/pkgconfig/libgpiod.pc"

got="$(PKG_CONFIG_PATH="$PREFIX/usr/lib/$MULTIARCH/pkgconfig" pkg-config --modversion libgpiod 2>/dev/null || true)"
case "$got" in 2.*) ;; *) die "pkg-config in the prefix reports '$got', expected 2.x" ;; esac
PKG_CONFIG_PATH="$PREFIX/usr/lib/$MULTIARCH/pkgconfig" pkg-config --cflags --libs libgpiod | grep -qF "$PREFIX" \
    || die "pkg-config flags do not point into $PREFIX"

echo "libgpiod $got (Debian $VERSION)" >"$PREFIX/.complete"
log "libgpiod $got unpacked"
echo "$PREFIX"
