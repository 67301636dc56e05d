#!/usr/bin/env bash
# The commands read their arguments where /proc is not mounted (a chroot, an image build): Swift's
# runtime on Linux finds argv through /proc/self/maps, and without it `smiley-hub --version` started the
# server and `smiley-device --version` printed the help (Sources/CSmileyArguments). Runs each binary
# in a private mount namespace whose /proc is an empty tmpfs.
#
# usage: arguments-without-proc.sh BIN_DIRECTORY
set -uo pipefail
bin="${1:?usage: arguments-without-proc.sh BIN_DIRECTORY}"
version="$("${bin}/smiley-hub" --version)"
passed=0
failed=0
without_proc() { unshare --map-root-user --mount sh -c 'mount -t tmpfs none /proc && exec "$@"' sh "$@"; }
check() {
    local name="$1"
    shift
    if "$@"; then echo "✔ ${name}"; passed=$((passed + 1)); else echo "✘ ${name}"; failed=$((failed + 1)); fi
}
check "smiley-hub --version with /proc prints a version (${version})" sh -c "echo '${version}' | grep -Eqx '[0-9]+[.][0-9]+[.][0-9]+'"
check "/proc is really empty in the namespace" \
    [ "$(without_proc sh -c 'ls /proc | wc -l')" = 0 ]
for binary in smiley-device smileyctl smiley-hub; do
    check "${binary} --version prints ${version} without /proc" \
        [ "$(without_proc timeout 20 "${bin}/${binary}" --version </dev/null 2>&1)" = "${version}" ]
done
check "an unknown option is named without /proc (the arguments were read)" \
    sh -c "timeout 20 unshare --map-root-user --mount sh -c 'mount -t tmpfs none /proc && exec \"\$0\" --no-such-option' '${bin}/smileyctl' 2>&1 | grep -q 'no-such-option'"
echo "arguments without /proc: ${passed} passed, ${failed} failed"
[ "${failed}" -eq 0 ]
