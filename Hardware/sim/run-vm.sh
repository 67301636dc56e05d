#!/bin/bash
# Boot the Smiley hardware-in-the-loop VM and run GUEST_SCRIPT inside it.
#
#   run-vm.sh GUEST_SCRIPT [RESULT_DIR]
#
# The VM (qemu, TCG) runs the kernel from build-kernel.sh with the host's / as
# its read-only root over 9p, so host binaries run unchanged. guest-init.sh
# (PID 1) creates a gpio-sim chip labelled "smiley-sim" with 28 lines named
# GPIO0..GPIO27, then runs GUEST_SCRIPT with:
#   SMILEY_SIM_CHIP       /dev/gpiochipN of the simulated chip
#   SMILEY_SIM_CHIP_NAME  gpiochipN
#   SMILEY_SIM_LABEL      chip label (smiley-sim)
#   SMILEY_SIM_SYSFS      /sys/devices/platform/gpio-sim.0/gpiochipN
#                         (write pull-up|pull-down to $SMILEY_SIM_SYSFS/sim_gpioK/pull,
#                          read outputs from $SMILEY_SIM_SYSFS/sim_gpioK/value)
#   SMILEY_SIM_RESULTS    guest mount of RESULT_DIR (writable; also the cwd)
#   SMILEY_SIM_NUM_LINES  28
#   TMPDIR, HOME          writable tmpfs directories
#   LD_LIBRARY_PATH       forwarded from the host if set
#   plus every host variable named in SMILEY_SIM_GUEST_ENV (space separated).
# RESULT_DIR (default: a new /tmp/smiley-sim.XXXXXX) is shared writable with the
# guest. Exit status: 0 only if the guest script ran and exited 0; non-zero with
# a reason on stderr if the kernel/qemu is missing, the VM does not boot, the
# guest script fails, or the run exceeds SMILEY_SIM_TIMEOUT seconds.
#
# Environment:
#   SMILEY_SIM_KERNEL   bzImage to boot (default: output of build-kernel.sh)
#   SMILEY_SIM_TIMEOUT  seconds before the VM is killed (default 300)
#   SMILEY_SIM_MEM      guest memory in MiB (default 1024)
#   SMILEY_SIM_SMP      guest CPUs (default 1)
#   SMILEY_SIM_QUIET    1: do not echo the guest console (still in console.log)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TIMEOUT="${SMILEY_SIM_TIMEOUT:-300}"
MEM="${SMILEY_SIM_MEM:-1024}"
SMP="${SMILEY_SIM_SMP:-1}"

die() { echo "run-vm: ERROR: $*" >&2; exit 1; }
log() { echo "run-vm: $*" >&2; }

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 GUEST_SCRIPT [RESULT_DIR]" >&2; exit 2; }
GUEST_SCRIPT="$(realpath -e "$1" 2>/dev/null)" || die "guest script '$1' not found"
[ -f "$GUEST_SCRIPT" ] && [ -r "$GUEST_SCRIPT" ] || die "guest script $GUEST_SCRIPT is not a readable file"

if [ $# -ge 2 ]; then
    mkdir -p "$2" || die "cannot create result directory $2"
    RESULT_DIR="$(realpath -e "$2")"
else
    RESULT_DIR="$(mktemp -d /tmp/smiley-sim.XXXXXX)"
fi
case "$RESULT_DIR" in *,*) die "result directory path must not contain ',' (qemu option syntax): $RESULT_DIR" ;; esac
case "$HERE" in *[[:space:]]*) die "the harness directory path must not contain whitespace (kernel command line): $HERE" ;; esac

# --- kernel and qemu ------------------------------------------------------------
if [ -n "${SMILEY_SIM_KERNEL:-}" ]; then
    KERNEL="$SMILEY_SIM_KERNEL"
else
    KERNEL="$("$HERE/build-kernel.sh")" || die "kernel build failed (see messages above)"
fi
[ -s "$KERNEL" ] || die "kernel image $KERNEL missing"
[ "$(dd if="$KERNEL" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] \
    || die "$KERNEL is not an x86 bzImage (no HdrS boot header)"

if ! command -v qemu-system-x86_64 >/dev/null; then
    [ "$(id -u)" -eq 0 ] || die "qemu-system-x86_64 not found; install qemu-system-x86"
    log "installing qemu-system-x86"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2 \
        || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >&2; } \
        || die "could not install qemu-system-x86"
fi

# --- guest parameters (read by guest-init.sh from the results share) -------------
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
VM_DIR="$RESULT_DIR/.vm"
rm -rf "$VM_DIR"
mkdir -p "$VM_DIR"
{
    echo "SMILEY_SIM_GUEST_SCRIPT=$(quote "$GUEST_SCRIPT")"
    echo "SMILEY_SIM_LD_LIBRARY_PATH=$(quote "${LD_LIBRARY_PATH:-}")"
    for var in ${SMILEY_SIM_GUEST_ENV:-}; do
        [[ "$var" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "SMILEY_SIM_GUEST_ENV: bad variable name '$var'"
        [ -n "${!var+x}" ] || continue
        echo "$var=$(quote "${!var}"); export $var"
    done
} >"$VM_DIR/env"
CONSOLE="$RESULT_DIR/console.log"

# --- boot -----------------------------------------------------------------------
APPEND="console=ttyS0 root=root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144 ro"
APPEND+=" init=$HERE/guest-init.sh panic=-1 quiet"
# Under TCG on a busy host the guest's boot-time timer checks fail: the IO-APIC check panics
# (no_timer_check), the TSC calibration against the emulated PIT fails or comes out wrong, and the
# clocksource watchdog drops the TSC; the guest then runs on 4 ms jiffies, which quantises every
# timestamp and sleep. The guest's TSC is the host's under TCG, so give the kernel its frequency and
# trust it (docs/hardware-in-the-loop.md, "The guest's clock").
APPEND+=" no_timer_check"
if TSC_KHZ="$(cc -O2 -o "$VM_DIR/host-tsc-khz" "$HERE/host-tsc-khz.c" 2>/dev/null && "$VM_DIR/host-tsc-khz")"; then
    APPEND+=" tsc_early_khz=$TSC_KHZ tsc=reliable"
else
    log "warning: cannot measure the host's TSC frequency; the guest calibrates its own clock"
fi
QEMU=(qemu-system-x86_64 -accel tcg -cpu max -m "$MEM" -smp "$SMP"
    -display none -monitor none -serial stdio -no-reboot
    -kernel "$KERNEL" -append "$APPEND"
    -virtfs "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$RESULT_DIR,mount_tag=results,security_model=none")

log "booting $(basename "$(dirname "$KERNEL")") with $(basename "$GUEST_SCRIPT"); results in $RESULT_DIR"
start=$(date +%s.%N)
set +e
if [ "${SMILEY_SIM_QUIET:-0}" = 1 ]; then
    timeout -k 5 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$CONSOLE" 2>&1
    rc=$?
else
    timeout -k 5 "$TIMEOUT" "${QEMU[@]}" </dev/null 2>&1 | tee "$CONSOLE"
    rc=${PIPESTATUS[0]}
fi
set -e
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
printf '%.1f\n' "$elapsed" >"$VM_DIR/wall-seconds"

show_console_tail() {
    echo "---- last lines of $CONSOLE ----" >&2
    tail -n 25 "$CONSOLE" | tr -d '\r' >&2
    echo "--------" >&2
}

if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    show_console_tail
    die "VM timed out after ${TIMEOUT}s (SMILEY_SIM_TIMEOUT)"
fi
if [ -f "$VM_DIR/fatal" ]; then
    show_console_tail
    die "guest setup failed: $(cat "$VM_DIR/fatal")"
fi
if [ ! -f "$VM_DIR/exit-code" ]; then
    show_console_tail
    if grep -q "Kernel panic" "$CONSOLE"; then
        die "guest kernel panicked: $(grep -m1 'Kernel panic' "$CONSOLE" | tr -d '\r')"
    fi
    die "VM exited (qemu status $rc) without running the guest script to completion"
fi
[ "$rc" -eq 0 ] || log "warning: qemu exited with status $rc"
status="$(cat "$VM_DIR/exit-code")"
if [ "$status" != 0 ]; then
    die "guest script $(basename "$GUEST_SCRIPT") failed with status $status (console: $CONSOLE)"
fi
log "guest script passed in $(printf '%.1f' "$elapsed")s wall time; results in $RESULT_DIR"
