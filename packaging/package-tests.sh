#!/usr/bin/env bash
# `make package-tests`, the last part of `make test`: the package test (deb-test.sh) and the systemd test
# (systemd-test.sh) on packages of the debug build that `make build` made. The three commands are linked
# again from that build's objects with the Swift runtime linked in (link-static.py: about 20 s, nothing
# compiled, .build/debug untouched) into .build/debug-static/, packed by build-deb.sh into
# .build/deb-debug/, then installed with apt in a throwaway Debian root and booted under systemd.
# `make deb` stays the shipping (release) build.
#
# Both tests need root (debootstrap, chroot, mount, the VM's disk image). Not root: with CI set, this is
# a failure; otherwise the tests are skipped with a message saying so.
#
# usage: package-tests.sh [SWIFT]
set -euo pipefail
swift="${1:-swift}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${root}"

if [ "$(id -u)" -ne 0 ]; then
    if [ -n "${CI:-}" ]; then
        echo "package-tests: FAILED: needs root (debootstrap, chroot and the VM's disk image); CI is set, so" \
            "the package and systemd tests may not be skipped" >&2
        exit 1
    fi
    echo "package-tests: skipped: needs root (debootstrap, chroot and the VM's disk image);" \
        "run \`sudo make package-tests\` to run them"
    exit 0
fi

case "$(dpkg --print-architecture)" in
    amd64) qemu=qemu-system-x86 ;;
    arm64) qemu=qemu-system-arm ;;
    *) qemu="" ;;
esac
# shellcheck disable=SC2086
scripts/install-deps.sh debootstrap e2fsprogs ${qemu}

started=$(date +%s)
rm -rf "${root}/.build/debug-static" "${root}/.build/deb-debug"
packaging/link-static.py "$("${swift}" build --show-bin-path)" "${root}/.build/debug-static" \
    smiley-device smileyctl smiley-hub
linked=$(date +%s)
SMILEY_DEB_COMPRESSION="-Zgzip -z1" packaging/build-deb.sh "${root}/.build/debug-static" "${root}/.build/deb-debug"
packed=$(date +%s)
packaging/deb-test.sh "${root}/.build/deb-debug"
tested=$(date +%s)
packaging/systemd-test.sh "${root}/.build/deb-debug"
finished=$(date +%s)
echo "package-tests: link $((linked - started)) s, pack $((packed - linked)) s, deb-test $((tested - packed)) s," \
    "systemd-test $((finished - tested)) s, total $((finished - started)) s"
