#!/bin/sh
# Makes the gpio-sim chip that stands in for a Raspberry Pi's GPIO header in the systemd test VM
# (smiley-sim-chip.service, before smiley-device.service): one bank, 28 lines named GPIO0..GPIO27, the
# buttons pulled up (released). Writes the chip's /dev path and sysfs directory to /run/smiley-sim/.
set -eu
cfg=/sys/kernel/config/gpio-sim/smiley
grep -q ' /sys/kernel/config ' /proc/mounts || mount -t configfs configfs /sys/kernel/config
mkdir "$cfg" "$cfg/bank0"
echo smiley-sim >"$cfg/bank0/label"
echo 28 >"$cfg/bank0/num_lines"
n=0
while [ $n -lt 28 ]; do
    mkdir "$cfg/bank0/line$n"
    echo "GPIO$n" >"$cfg/bank0/line$n/name"
    n=$((n + 1))
done
echo 1 >"$cfg/live"
chip=$(cat "$cfg/bank0/chip_name")
sysfs=/sys/devices/platform/$(cat "$cfg/dev_name")/$chip
for line in 5 6 13 19 16 20 21; do echo pull-up >"$sysfs/sim_gpio$line/pull"; done
# The udev rule (as docs/packaging.md tells an administrator of plain Debian) gives the chip to gpio.
udevadm settle --timeout=60 || true
mkdir -p /run/smiley-sim
echo "/dev/$chip" >/run/smiley-sim/chip
echo "$sysfs" >/run/smiley-sim/sysfs
ls -l "/dev/$chip"
