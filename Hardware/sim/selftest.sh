#!/bin/bash
# Host-side shim self-test: compiles shim-selftest.c against libgpiod 1.6 (the
# system libgpiod-dev) and libgpiod 2.x (private prefix from libgpiod2-prefix.sh),
# runs each build in the gpio-sim VM (run-vm.sh + shim-selftest.sh) and checks
# the results.
#
#   selftest.sh [OUT_DIR]     (default OUT_DIR: a new /tmp/smiley-selftest.XXXXXX)
#
# Exit status 0 only if both builds pass.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHIM_DIR="$ROOT/Sources/CGPIOD"

die() { echo "selftest: ERROR: $*" >&2; exit 1; }
log() { echo "selftest: $*" >&2; }

OUT="${1:-$(mktemp -d /tmp/smiley-selftest.XXXXXX)}"
mkdir -p "$OUT"
OUT="$(realpath "$OUT")"
[ -f "$SHIM_DIR/shim.h" ] || die "$SHIM_DIR/shim.h not found"
command -v cc >/dev/null || die "no C compiler (apt-get install build-essential)"

if ! pkg-config --exists libgpiod 2>/dev/null; then
    [ "$(id -u)" -eq 0 ] || die "libgpiod-dev (1.6) missing; apt-get install libgpiod-dev pkg-config"
    log "installing libgpiod-dev (1.6)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libgpiod-dev pkg-config >&2 \
        || die "could not install libgpiod-dev"
fi
v1_version="$(pkg-config --modversion libgpiod)"
case "$v1_version" in 1.6*) ;; *) die "system libgpiod is $v1_version, expected 1.6.x" ;; esac

SMILEY_SIM_KERNEL="$("$HERE/build-kernel.sh")" || die "kernel build failed"
export SMILEY_SIM_KERNEL
PREFIX="$("$HERE/libgpiod2-prefix.sh")" || die "could not prepare the libgpiod 2.x prefix"
V2_LIBDIR="$PREFIX/usr/lib/$(gcc -print-multiarch)"
v2_version="$(PKG_CONFIG_PATH="$V2_LIBDIR/pkgconfig" pkg-config --modversion libgpiod)"

CFLAGS=(-std=gnu11 -O2 -g -Wall -Wextra -Werror -I"$SHIM_DIR")
mkdir -p "$OUT/v1" "$OUT/v2"
log "compiling against libgpiod $v1_version (system)"
# shellcheck disable=SC2046
cc "${CFLAGS[@]}" $(pkg-config --cflags libgpiod) -o "$OUT/v1/shim-selftest" "$HERE/shim-selftest.c" \
    $(pkg-config --libs libgpiod) || die "compilation against libgpiod $v1_version failed"
log "compiling against libgpiod $v2_version ($PREFIX)"
# shellcheck disable=SC2046
cc "${CFLAGS[@]}" $(PKG_CONFIG_PATH="$V2_LIBDIR/pkgconfig" pkg-config --cflags libgpiod) \
    -o "$OUT/v2/shim-selftest" "$HERE/shim-selftest.c" \
    $(PKG_CONFIG_PATH="$V2_LIBDIR/pkgconfig" pkg-config --libs libgpiod) \
    || die "compilation against libgpiod $v2_version failed"
readelf -d "$OUT/v1/shim-selftest" | grep -q 'libgpiod.so.2' || die "v1 build is not linked to libgpiod.so.2"
readelf -d "$OUT/v2/shim-selftest" | grep -q 'libgpiod.so.3' || die "v2 build is not linked to libgpiod.so.3"

export SMILEY_SIM_GUEST_ENV="SMILEY_SELFTEST_BIN SMILEY_SELFTEST_TAG"
failed=()
declare -A wall
for v in v1 v2; do
    log "running the $v build in the VM"
    if [ "$v" = v1 ]; then
        lib_env=(env -u LD_LIBRARY_PATH)
        want="libgpiod $v1_version (API 1)"
    else
        lib_env=(env LD_LIBRARY_PATH="$V2_LIBDIR")
        want="libgpiod $v2_version (API 2)"
    fi
    if ! "${lib_env[@]}" SMILEY_SELFTEST_BIN="$OUT/$v/shim-selftest" SMILEY_SELFTEST_TAG="$v" \
        "$HERE/run-vm.sh" "$HERE/shim-selftest.sh" "$OUT/$v"; then
        failed+=("$v: VM run failed")
        continue
    fi
    wall[$v]="$(cat "$OUT/$v/.vm/wall-seconds" 2>/dev/null || echo '?')"
    logf="$OUT/$v/$v.log"
    [ -f "$logf" ] || { failed+=("$v: no log"); continue; }
    grep -qF "# $want" "$logf" || failed+=("$v: expected '$want' in $logf")
    grep -q '^RESULT: PASS' "$logf" || failed+=("$v: program did not report PASS")
    if grep -q '^not ok' "$logf"; then failed+=("$v: failed checks: $(grep -c '^not ok' "$logf")"); fi
    grep -q '^ok - sysfs: sim_gpio23/value=1' "$logf" || failed+=("$v: GPIO23 level not confirmed via sysfs")
done

echo
for v in v1 v2; do
    [ -f "$OUT/$v/$v.log" ] && echo "$v: $(grep '^RESULT:' "$OUT/$v/$v.log" || echo 'no RESULT line') [VM ${wall[$v]:-?}s]"
done
if [ "${#failed[@]}" -gt 0 ]; then
    printf 'selftest: FAILED: %s\n' "${failed[@]}" >&2
    echo "selftest: logs in $OUT" >&2
    exit 1
fi
echo "selftest: PASS (logs in $OUT)"
