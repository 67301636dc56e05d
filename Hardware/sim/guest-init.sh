#!/bin/sh
# PID 1 of the Smiley hardware-in-the-loop VM (started by run-vm.sh via init=).
#
# The guest root is the host's / over 9p, read-only. This script:
#   1. mounts proc, sysfs, devtmpfs, configfs, tmpfs (/run, /dev/shm) and the
#      writable results share (9p tag "results") at /run/smiley-sim/results;
#   2. creates the gpio-sim chip "smiley-sim": one bank, 28 lines GPIO0..GPIO27;
#   3. runs the guest script named in results/.vm/env with SMILEY_SIM_* set;
#   4. writes the script's exit status to results/.vm/exit-code and reboots
#      (qemu runs with -no-reboot, so the VM exits).
# Anything that goes wrong is printed as "smiley-sim: FATAL: ..." on the console;
# run-vm.sh treats a missing exit-code file as a failure.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

RUN=/run/smiley-sim
RESULTS=$RUN/results
SIM_CFG=/sys/kernel/config/gpio-sim/smiley
SIM_LABEL=smiley-sim
SIM_LINES=28

say() { echo "smiley-sim: $*"; }

power_off() {
    sync
    # systemctl-provided reboot works without systemd when forced; perl's raw
    # reboot(2) (LINUX_REBOOT_CMD_RESTART) is the fallback. If both fail, PID 1
    # exits and the kernel panics, which also ends the VM (panic=-1, -no-reboot).
    reboot -f >/dev/null 2>&1
    perl -e 'syscall(169, 0xfee1dead, 672274793, 0x01234567, 0)' >/dev/null 2>&1
    exit 1
}

fatal() {
    say "FATAL: $*"
    if [ -d "$RESULTS/.vm" ]; then
        echo "$*" >"$RESULTS/.vm/fatal" 2>/dev/null
    fi
    power_off
}

# (mountpoint(1) cannot be trusted here: the 9p root reports the host's mount
# points as separate devices, so check /proc/mounts instead.)
mount -t proc proc /proc || fatal "mount /proc failed"
mount -t sysfs sysfs /sys || fatal "mount /sys failed"
grep -q '^devtmpfs /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev || fatal "mount devtmpfs on /dev failed"
mount -t tmpfs -o mode=0755 tmpfs /run || fatal "mount tmpfs on /run failed"
mkdir -p /dev/shm && mount -t tmpfs -o mode=1777 tmpfs /dev/shm || fatal "mount /dev/shm failed"
mount -t configfs configfs /sys/kernel/config || fatal "mount configfs failed (CONFIG_CONFIGFS_FS?)"
mkdir -p "$RESULTS" "$RUN/tmp" "$RUN/home" || fatal "cannot create $RUN"
chmod 1777 "$RUN/tmp"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "$RESULTS" \
    || fatal "mount of the results share failed (qemu -virtfs ...,mount_tag=results missing?)"
[ -r "$RESULTS/.vm/env" ] || fatal "$RESULTS/.vm/env missing (start the VM with run-vm.sh)"
. "$RESULTS/.vm/env"

# --- gpio-sim chip --------------------------------------------------------------
[ -d /sys/kernel/config/gpio-sim ] || fatal "/sys/kernel/config/gpio-sim missing (CONFIG_GPIO_SIM?)"
mkdir "$SIM_CFG" "$SIM_CFG/bank0" || fatal "cannot create gpio-sim configfs entries"
if [ -e "$SIM_CFG/bank0/label" ]; then
    echo "$SIM_LABEL" >"$SIM_CFG/bank0/label" || fatal "cannot set gpio-sim label"
fi
echo "$SIM_LINES" >"$SIM_CFG/bank0/num_lines" || fatal "cannot set gpio-sim num_lines"
n=0
while [ "$n" -lt "$SIM_LINES" ]; do
    mkdir "$SIM_CFG/bank0/line$n" && echo "GPIO$n" >"$SIM_CFG/bank0/line$n/name" \
        || fatal "cannot name gpio-sim line $n"
    n=$((n + 1))
done
echo 1 >"$SIM_CFG/live" || fatal "cannot activate gpio-sim chip"
SIM_DEV=$(cat "$SIM_CFG/dev_name")
SIM_CHIP=$(cat "$SIM_CFG/bank0/chip_name")
[ -c "/dev/$SIM_CHIP" ] || fatal "/dev/$SIM_CHIP did not appear"
[ -d "/sys/devices/platform/$SIM_DEV/$SIM_CHIP" ] || fatal "/sys/devices/platform/$SIM_DEV/$SIM_CHIP missing"

SMILEY_SIM_CHIP=/dev/$SIM_CHIP
SMILEY_SIM_CHIP_NAME=$SIM_CHIP
SMILEY_SIM_LABEL=$(cat "$SIM_CFG/bank0/label" 2>/dev/null || echo "$SIM_DEV-node0")
SMILEY_SIM_SYSFS=/sys/devices/platform/$SIM_DEV/$SIM_CHIP
SMILEY_SIM_NUM_LINES=$SIM_LINES
SMILEY_SIM_RESULTS=$RESULTS
SMILEY_SIM_GUEST=1
TMPDIR=$RUN/tmp
HOME=$RUN/home
export SMILEY_SIM_CHIP SMILEY_SIM_CHIP_NAME SMILEY_SIM_LABEL SMILEY_SIM_SYSFS SMILEY_SIM_NUM_LINES \
    SMILEY_SIM_RESULTS SMILEY_SIM_GUEST TMPDIR HOME
if [ -n "${SMILEY_SIM_LD_LIBRARY_PATH:-}" ]; then
    LD_LIBRARY_PATH=$SMILEY_SIM_LD_LIBRARY_PATH
    export LD_LIBRARY_PATH
fi

say "chip $SMILEY_SIM_CHIP label=$SMILEY_SIM_LABEL lines=$SIM_LINES sysfs=$SMILEY_SIM_SYSFS"
say "running $SMILEY_SIM_GUEST_SCRIPT"

# --- guest script ---------------------------------------------------------------
cd "$RESULTS" || fatal "cd $RESULTS failed"
if [ -x "$SMILEY_SIM_GUEST_SCRIPT" ]; then
    "$SMILEY_SIM_GUEST_SCRIPT" </dev/null
else
    sh "$SMILEY_SIM_GUEST_SCRIPT" </dev/null
fi
status=$?
echo "$status" >"$RESULTS/.vm/exit-code.tmp" && mv "$RESULTS/.vm/exit-code.tmp" "$RESULTS/.vm/exit-code"
say "guest script exit status $status"
cd /
umount "$RESULTS" 2>/dev/null
power_off
