#!/usr/bin/env bash
# Hardware-in-the-loop scenarios: boots the gpio-sim VM (Hardware/sim) once per libgpiod build of
# smiley-device, runs Tests/hil/scenarios.sh in it, then checks each scenario's SQLite store and what
# the scenario saw of the LED lines. A VM that cannot start is a failure with its reason, never a skip.
#   run.sh NAME=SMILEY_DEVICE_BINARY[:LD_LIBRARY_PATH] ...
#   SMILEY_HIL_ONLY=SCENARIO runs one scenario.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: run.sh NAME=BINARY[:LD_LIBRARY_PATH] ..." >&2; exit 2; }
status=0
for build in "$@"; do
    name="${build%%=*}"
    rest="${build#*=}"
    bin="$(realpath "${rest%%:*}")"
    libs=""
    [[ "${rest}" == *:* ]] && libs="${rest#*:}"
    results="$(mktemp -d /tmp/smiley-hil-"${name}".XXXXXX)"
    echo "hil: ${name}: ${bin} (results in ${results})"
    start=$(date +%s)
    if ! LD_LIBRARY_PATH="${libs}" SMILEY_SIM_QUIET=1 SMILEY_SIM_TIMEOUT="${SMILEY_SIM_TIMEOUT:-600}" \
        SMILEY_SIM_GUEST_ENV="SMILEY_DEVICE_BIN SMILEY_HIL_ONLY" SMILEY_DEVICE_BIN="${bin}" \
        SMILEY_HIL_ONLY="${SMILEY_HIL_ONLY:-}" \
        "${root}/Hardware/sim/run-vm.sh" "${root}/Tests/hil/scenarios.sh" "${results}"; then
        echo "✘ ${name}: the VM run failed: see ${results}/console.log"
        status=1
        continue
    fi
    echo "hil: ${name}: VM run took $(($(date +%s) - start)) s"
    python3 "${root}/Tests/hil/check.py" "${name}" "${results}" || status=1
done
exit ${status}
