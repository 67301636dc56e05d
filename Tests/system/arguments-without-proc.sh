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
# Without /proc, libdispatch's worker-pool monitor (Swift concurrency's threads on Linux) traps with
# SIGILL within about a second of starting, whatever the command: such a run says nothing about the
# arguments and is tried again. Any other answer than the version fails the check.
version_without_proc() {
    local binary="$1" attempt output status right=0
    for attempt in 1 2 3 4 5; do
        output="$(without_proc timeout 20 "${bin}/${binary}" --version </dev/null 2>&1)"
        status=$?
        if [ "${status}" -eq 0 ] && [ "${output}" = "${version}" ]; then
            right=$((right + 1))
        elif [ "${status}" -ne 132 ]; then
            echo "  ${binary} --version: status ${status}: ${output:0:200}"
            return 1
        fi
    done
    [ "${right}" -gt 0 ]
}
for binary in smiley-device smileyctl smiley-hub; do
    check "${binary} --version prints ${version} without /proc" version_without_proc "${binary}"
done
check "an unknown option is named without /proc (the arguments were read)" \
    sh -c "without_proc() { unshare --map-root-user --mount sh -c 'mount -t tmpfs none /proc && exec \"\$@\"' sh \"\$@\"; }
        for attempt in 1 2 3 4 5; do
            without_proc timeout 20 '${bin}/smileyctl' --no-such-option 2>&1 | grep -q 'no-such-option' && exit 0
        done; exit 1"
echo "arguments without /proc: ${passed} passed, ${failed} failed"
[ "${failed}" -eq 0 ]
