#!/usr/bin/env bash
# Hardware-in-the-loop scenarios: boots the gpio-sim VM (Hardware/sim) once per libgpiod build of
# smiley-device, runs Tests/hil/scenarios.sh in it, then checks each scenario's SQLite store and what
# the scenario saw of the LED lines. A VM that cannot start is a failure with its reason, never a skip.
#   run.sh NAME=SMILEY_DEVICE_BINARY[:LD_LIBRARY_PATH] ...
#   SMILEY_HIL_ONLY="SCENARIO ..." runs only those scenarios.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: run.sh NAME=BINARY[:LD_LIBRARY_PATH] ..." >&2; exit 2; }
status=0
# With SMILEY_HIL_TRACE (play-trace.sh) standard output carries only the report's JSON lines.
say() { if [ -n "${SMILEY_HIL_TRACE:-}" ]; then echo "$@" >&2; else echo "$@"; fi; }
for build in "$@"; do
    name="${build%%=*}"
    rest="${build#*=}"
    bin="$(realpath "${rest%%:*}")"
    libs=""
    [[ "${rest}" == *:* ]] && libs="${rest#*:}"
    results="$(mktemp -d /tmp/smiley-hil-"${name}".XXXXXX)"
    say "hil: ${name}: ${bin} (results in ${results})"
    # The trace player, the LED watch and the traces of the trace scenarios, where the guest finds them.
    mkdir -p "${results}/.trace"
    cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "${results}/.trace/trace-player" "${root}/Hardware/sim/trace-player.c" \
        || { say "✘ ${name}: cannot compile Hardware/sim/trace-player.c"; status=1; continue; }
    cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "${results}/.trace/led-watch" "${root}/Hardware/sim/led-watch.c" \
        || { say "✘ ${name}: cannot compile Hardware/sim/led-watch.c"; status=1; continue; }
    python3 "${root}/Tests/hil/traces/make-traces.py" "${results}/.trace/traces" \
        || { say "✘ ${name}: cannot generate the traces"; status=1; continue; }
    [ -z "${SMILEY_HIL_TRACE:-}" ] || cp "${SMILEY_HIL_TRACE}" "${results}/.trace/play.trace" || { status=1; continue; }
    start=$(date +%s)
    if ! LD_LIBRARY_PATH="${libs}" SMILEY_SIM_QUIET=1 SMILEY_SIM_TIMEOUT="${SMILEY_SIM_TIMEOUT:-1200}" \
        SMILEY_SIM_GUEST_ENV="SMILEY_DEVICE_BIN SMILEY_HIL_ONLY SMILEY_HIL_TRACE SMILEY_HIL_DEBOUNCE" \
        SMILEY_DEVICE_BIN="${bin}" SMILEY_HIL_ONLY="${SMILEY_HIL_ONLY:-}" \
        SMILEY_HIL_TRACE="${SMILEY_HIL_TRACE:+/run/smiley-sim/results/.trace/play.trace}" \
        SMILEY_HIL_DEBOUNCE="${SMILEY_HIL_DEBOUNCE:-}" \
        "${root}/Hardware/sim/run-vm.sh" "${root}/Tests/hil/scenarios.sh" "${results}"; then
        say "✘ ${name}: the VM run failed: see ${results}/console.log"
        status=1
        continue
    fi
    say "hil: ${name}: VM run took $(($(date +%s) - start)) s"
    # What the debouncer makes of each played trace, as applied and as intended (see scenarios.sh).
    for dir in "${results}"/*/; do
        [ -f "${dir}applied.trace" ] || continue
        LD_LIBRARY_PATH="${libs}" "${bin}" replay "${dir}applied.trace" --config "${dir}device.json" \
            >"${dir}replay.jsonl" 2>"${dir}replay.err"
        echo "replay-status $?" >>"${dir}seen"
        LD_LIBRARY_PATH="${libs}" "${bin}" replay "${dir}intended.trace" --config "${dir}device.json" \
            >"${dir}intended.jsonl" 2>>"${dir}replay.err"
    done
    if [ -n "${SMILEY_HIL_TRACE:-}" ]; then
        python3 "${root}/Tests/hil/trace_report.py" "${results}/play-trace" || status=1
    else
        python3 "${root}/Tests/hil/check.py" "${name}" "${results}" || status=1
    fi
done
exit ${status}
