#!/usr/bin/env bash
# The units as shipped, under systemd itself: installs smiley-device and smiley-hub with
# `apt-get install ./x.deb` into a copy of a Debian 12 root with systemd (systemd-root.sh), makes it an
# ext4 disk image and boots it in the hardware-in-the-loop VM's kernel (Hardware/sim/build-kernel.sh)
# with systemd as PID 1 and a gpio-sim chip for the buttons. The guest checks (systemd-test/guest.sh)
# run as a unit once the system is up; this script prints them and fails unless all passed.
# Needs root (chroot, image), qemu-system-x86 and e2fsprogs.
#
# usage: systemd-test.sh DEB_DIRECTORY [RESULT_DIRECTORY]
set -uo pipefail
debs="${1:?usage: systemd-test.sh DEB_DIRECTORY [RESULT_DIRECTORY]}"
here="$(cd "$(dirname "$0")" && pwd)"
sim="${here}/../Hardware/sim"
arch="$(dpkg --print-architecture)"
device_deb="$(ls "${debs}"/smiley-device_*_"${arch}".deb | tail -n 1)"
hub_deb="$(ls "${debs}"/smiley-hub_*_"${arch}".deb | tail -n 1)"
results="${2:-$(mktemp -d /tmp/smiley-systemd-test.XXXXXX)}"
mkdir -p "${results}"
work="$(mktemp -d /tmp/smiley-systemd-root.XXXXXX)"
trap 'umount "${root}/proc" 2>/dev/null; rm -rf "${work}"' EXIT
root="${work}/root"
die() { echo "systemd-test: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (chroot and the disk image)"
command -v mke2fs >/dev/null || die "mke2fs is missing (apt-get install e2fsprogs)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
kernel="$("${sim}/build-kernel.sh")" || die "no kernel (Hardware/sim/build-kernel.sh failed)"
cached="$("${here}/systemd-root.sh")" || die "no root (packaging/systemd-root.sh failed)"
started=$(date +%s)

# --- the root: the packages as an administrator installs them, plus the test's fixtures ------------
mkdir -p "${root}"
cp -a "${cached}/." "${root}/"
cp "${device_deb}" "${hub_deb}" "${root}/tmp/"
# /proc as on a running system (the Swift binaries need it: packaging/deb-test.sh says why).
mount -t proc proc "${root}/proc" || die "cannot mount /proc in ${root}"
in_root() { chroot "${root}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "${device_deb}")" \
    "/tmp/$(basename "${hub_deb}")" >"${results}/install.log" 2>&1 || die "apt-get install failed: ${results}/install.log"
rm -f "${root}/tmp/"*.deb

# The hub knows the device; the device's configuration and token are what `smileyctl provision` writes.
as_hub() { in_root setpriv --reuid=smiley-hub --regid=smiley-hub --init-groups /usr/bin/smiley-hub "$@"; }
as_hub centre add vm --state-directory /var/lib/smiley-hub --name "Test centre" --time-zone Asia/Thimphu \
    >/dev/null || die "smiley-hub centre add failed"
as_hub device add vm-1 --centre vm --state-directory /var/lib/smiley-hub --token-file /tmp/device-token \
    >/dev/null || die "smiley-hub device add failed"
install -m 0600 "${root}/tmp/device-token" "${root}/var/lib/smiley-device/device-token"
chroot "${root}" chown smiley:smiley /var/lib/smiley-device/device-token
rm -f "${root}/tmp/device-token"
cat >"${root}/etc/smiley/device.json" <<'JSON'
{
  "device": "vm-1",
  "centre": "vm",
  "hub": "http://127.0.0.1:8080",
  "stateDirectory": "/var/lib/smiley-device",
  "upload": { "initialRetryMillis": 500, "maximumRetryMillis": 5000 }
}
JSON

fixtures="${here}/systemd-test"
install -d "${root}/usr/local/lib/smiley-test"
# The same packages at a higher version, for the guest's upgrade under the running systemd (the
# maintainer scripts' daemon-reload and restart).
upgrade_version="$(dpkg-deb -f "${hub_deb}" Version)+upgrade1"
install -d "${root}/usr/local/lib/smiley-test/upgrade"
for deb in "${device_deb}" "${hub_deb}"; do
    package="$(dpkg-deb -f "${deb}" Package)"
    rm -rf "${work}/repack"
    dpkg-deb -R "${deb}" "${work}/repack" || die "cannot unpack ${deb}"
    sed -i "s/^Version: .*/Version: ${upgrade_version}/" "${work}/repack/DEBIAN/control"
    dpkg-deb --root-owner-group -Zgzip -z1 --build "${work}/repack" \
        "${root}/usr/local/lib/smiley-test/upgrade/${package}_${upgrade_version}_${arch}.deb" >/dev/null \
        || die "cannot repack ${deb} at ${upgrade_version}"
done
rm -rf "${work}/repack"
install -m 0755 "${fixtures}/guest.sh" "${fixtures}/sim-chip.sh" "${root}/usr/local/lib/smiley-test/"
cc -O2 -Wall -o "${root}/usr/local/lib/smiley-test/thread-stall" "${sim}/thread-stall.c" || die "cannot build thread-stall"
install -m 0644 "${fixtures}/60-smiley-gpio.rules" "${root}/etc/udev/rules.d/"
for unit in smiley-sim-chip smiley-systemd-test; do
    install -m 0644 "${fixtures}/${unit}.service" "${root}/etc/systemd/system/"
done
# (systemctl --root works on the root's files offline, without a running systemd.)
systemctl --root="${root}" enable smiley-sim-chip.service smiley-systemd-test.service >/dev/null 2>&1 \
    || die "cannot enable the test units"
# The serial console carries the guest's messages; no login prompt on it.
systemctl --root="${root}" mask serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1
echo smiley-vm >"${root}/etc/hostname"
echo "/dev/vda / ext4 defaults 0 0" >"${root}/etc/fstab"
# The journal in memory only (the checks copy what they need to the results share).
install -d "${root}/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"${root}/etc/systemd/journald.conf.d/volatile.conf"

umount "${root}/proc"
image="${work}/root.ext4"
mke2fs -q -t ext4 -L smiley-root -d "${root}" "${image}" 2G || die "mke2fs failed"
rm -rf "${root}"
prepared=$(date +%s)

# --- boot ---------------------------------------------------------------------------------
append="console=ttyS0 root=/dev/vda rw rootfstype=ext4 init=/lib/systemd/systemd panic=-1 no_timer_check"
if tsc_khz="$(cc -O2 -o "${work}/host-tsc-khz" "${sim}/host-tsc-khz.c" 2>/dev/null && "${work}/host-tsc-khz")"; then
    append+=" tsc_early_khz=${tsc_khz} tsc=reliable"
fi
rm -f "${results}/exit-code" "${results}/checks"
echo "systemd-test: booting ${kernel} with systemd; console: ${results}/console.log" >&2
timeout -k 5 "${SMILEY_SYSTEMD_TEST_TIMEOUT:-1200}" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 2 \
    -display none -monitor none -serial stdio -no-reboot \
    -kernel "${kernel}" -append "${append}" \
    -drive "file=${image},format=raw,if=virtio" \
    -virtfs "local,path=${results},mount_tag=results,security_model=none" \
    </dev/null >"${results}/console.log" 2>&1
qemu_status=$?
finished=$(date +%s)

echo "systemd-test: image $((prepared - started)) s, VM $((finished - prepared)) s (qemu status ${qemu_status})" \
    | tee "${results}/timing"
[ -f "${results}/checks" ] || { tail -n 30 "${results}/console.log" >&2; die "the guest checks did not run (console: ${results}/console.log)"; }
sed -e 's/^ok /✔ /' -e 's/^FAIL /✘ /' "${results}/checks"
passed=$(grep -c '^ok ' "${results}/checks")
failed=$(grep -c '^FAIL ' "${results}/checks")
[ -f "${results}/exit-code" ] || { failed=$((failed + 1)); echo "✘ the guest checks ran to the end"; }
for unit in smiley-device smiley-hub; do
    grep -h 'Overall exposure level' "${results}/security-${unit}.txt" 2>/dev/null | sed "s/^/${unit}: /"
done
echo "systemd tests: ${passed} passed, ${failed} failed (results: ${results})"
[ "${failed}" -eq 0 ]
