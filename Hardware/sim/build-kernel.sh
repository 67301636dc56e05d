#!/bin/bash
# Build (or reuse) the x86_64 kernel for the Smiley hardware-in-the-loop VM.
#
# Source: Debian's linux-source-6.1 package. Config: `make tinyconfig` plus every
# CONFIG_X=y line of kernel.config (next to this script), then `make olddefconfig`.
# The result is cached outside the repository at
#   ${SMILEY_SIM_CACHE:-/var/cache/smiley-sim}/kernel-<key>/bzImage
# where <key> is the sha256 of kernel.config followed by this script, so it is
# rebuilt only when either file changes. On success the bzImage path is the
# only line printed on stdout; progress goes to stderr.
#
# Environment:
#   SMILEY_SIM_CACHE   cache directory (default /var/cache/smiley-sim)
#   SMILEY_SIM_JOBS    make -j value (default: nproc)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONFIG_FRAGMENT="$HERE/kernel.config"
CACHE="${SMILEY_SIM_CACHE:-/var/cache/smiley-sim}"
JOBS="${SMILEY_SIM_JOBS:-$(nproc)}"
SOURCE_PKG=linux-source-6.1

log() { echo "build-kernel: $*" >&2; }
die() { echo "build-kernel: ERROR: $*" >&2; exit 1; }

[ -f "$CONFIG_FRAGMENT" ] || die "missing $CONFIG_FRAGMENT"
[ "$(uname -m)" = x86_64 ] || die "only x86_64 build hosts are supported (got $(uname -m))"

KEY="$(cat "$CONFIG_FRAGMENT" "$HERE/build-kernel.sh" | sha256sum | cut -c1-16)"
OUT_DIR="$CACHE/kernel-$KEY"
IMAGE="$OUT_DIR/bzImage"

if [ -s "$IMAGE" ]; then
    log "cached kernel for key $KEY"
    echo "$IMAGE"
    exit 0
fi

# --- build dependencies -------------------------------------------------------
need_pkgs=()
for p in build-essential flex bison bc libelf-dev libssl-dev xz-utils "$SOURCE_PKG"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$p")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing packages (${need_pkgs[*]}); run as root or: sudo apt-get install ${need_pkgs[*]}"
    log "installing: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >&2 \
        || die "apt-get install ${need_pkgs[*]} failed"
fi

TARBALL="$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1 || true)"
[ -n "$TARBALL" ] || die "$SOURCE_PKG is installed but /usr/src/linux-source-6.1.tar.* is missing"
SRC_VERSION="$(dpkg-query -W -f='${Version}' "$SOURCE_PKG")"

mkdir -p "$CACHE" || die "cannot create cache directory $CACHE (set SMILEY_SIM_CACHE)"
[ -w "$CACHE" ] || die "cache directory $CACHE is not writable (set SMILEY_SIM_CACHE)"

# --- unpack the source once per source package version --------------------------
SRC_DIR="$CACHE/src-$SRC_VERSION"
if [ ! -f "$SRC_DIR/.unpacked" ]; then
    log "unpacking $TARBALL ($SRC_VERSION)"
    rm -rf "$SRC_DIR"
    mkdir -p "$SRC_DIR"
    tar -xf "$TARBALL" -C "$SRC_DIR" --strip-components=1 || die "failed to unpack $TARBALL"
    touch "$SRC_DIR/.unpacked"
fi

# --- configure ------------------------------------------------------------------
BUILD_DIR="$OUT_DIR.build"
rm -rf "$BUILD_DIR"
mkdir -p "$BUILD_DIR"
MAKE=(make -C "$SRC_DIR" O="$BUILD_DIR" ARCH=x86_64)

log "configuring (tinyconfig + $CONFIG_FRAGMENT)"
"${MAKE[@]}" tinyconfig >"$BUILD_DIR/config.log" 2>&1 || die "make tinyconfig failed; see $BUILD_DIR/config.log"

wanted=()
while IFS= read -r line; do
    line="${line%%#*}"
    line="$(echo "$line" | tr -d '[:space:]')"
    [ -z "$line" ] && continue
    [[ "$line" =~ ^CONFIG_([A-Za-z0-9_]+)=y$ ]] || die "kernel.config: unsupported line '$line' (only CONFIG_X=y)"
    wanted+=("${BASH_REMATCH[1]}")
done <"$CONFIG_FRAGMENT"

# Enable twice with olddefconfig in between: some options only become visible once
# their dependencies are set.
for pass in 1 2; do
    for opt in "${wanted[@]}"; do
        "$SRC_DIR/scripts/config" --file "$BUILD_DIR/.config" --enable "$opt"
    done
    "${MAKE[@]}" olddefconfig >>"$BUILD_DIR/config.log" 2>&1 || die "make olddefconfig failed; see $BUILD_DIR/config.log"
done

missing=()
for opt in "${wanted[@]}"; do
    grep -qx "CONFIG_$opt=y" "$BUILD_DIR/.config" || missing+=("CONFIG_$opt")
done
[ "${#missing[@]}" -eq 0 ] || die "options from kernel.config not enabled after olddefconfig (unmet dependencies?): ${missing[*]}"

# --- build ----------------------------------------------------------------------
log "building bzImage with -j$JOBS (takes a few minutes; log: $BUILD_DIR/build.log)"
start=$(date +%s)
if ! "${MAKE[@]}" -j"$JOBS" bzImage >"$BUILD_DIR/build.log" 2>&1; then
    tail -n 30 "$BUILD_DIR/build.log" >&2
    die "kernel build failed; full log: $BUILD_DIR/build.log"
fi
log "built in $(( $(date +%s) - start ))s"

mkdir -p "$OUT_DIR"
cp "$BUILD_DIR/.config" "$OUT_DIR/config"
echo "$SRC_VERSION" >"$OUT_DIR/source-version"
cp "$BUILD_DIR/arch/x86/boot/bzImage" "$IMAGE.tmp"
mv "$IMAGE.tmp" "$IMAGE"
rm -rf "$BUILD_DIR"
echo "$IMAGE"
