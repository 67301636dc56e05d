#!/usr/bin/env bash
# Plays one edge trace into the gpio-sim VM against the real smiley-device and shows, side by side as
# JSON lines, what the device stored, what `smiley-device replay` makes of the trace as applied, and the
# device's own counts of lost events and stuck lines (Tests/hil/trace_report.py).
#   play-trace.sh TRACE [--libgpiod 1.6|2] [--debounce 'JSON settings']
# The device runs with the default pin map and its default debounce settings, plus --debounce (the
# inside of the config's "debounce" object, e.g. '"responseIntervalMillis": 200').
# The binary is .build/debug/smiley-device (1.6) or .build-gpiod2/debug/smiley-device (2), or
# SMILEY_DEVICE_BIN. Exit status: 0 when the store agrees with the replay, 1 when not or the VM failed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
usage() { echo "usage: play-trace.sh TRACE [--libgpiod 1.6|2] [--debounce JSON]" >&2; exit 2; }
[ $# -ge 1 ] || usage
trace="$1"
shift
[ -r "${trace}" ] || { echo "play-trace: cannot read the trace ${trace}" >&2; exit 2; }
libgpiod=1.6
debounce=""
while [ $# -gt 0 ]; do
    case "$1" in
    --libgpiod) [ $# -ge 2 ] || usage; libgpiod="$2"; shift 2 ;;
    --debounce) [ $# -ge 2 ] || usage; debounce="$2"; shift 2 ;;
    *) usage ;;
    esac
done
case "${libgpiod}" in
1.6)
    bin="${SMILEY_DEVICE_BIN:-${root}/.build/debug/smiley-device}"
    build="libgpiod1.6=${bin}"
    ;;
2)
    bin="${SMILEY_DEVICE_BIN:-${root}/.build-gpiod2/debug/smiley-device}"
    build="libgpiod2=${bin}:$("${root}/Hardware/sim/libgpiod2-prefix.sh")/usr/lib/x86_64-linux-gnu"
    ;;
*) echo "play-trace: --libgpiod takes 1.6 or 2, got '${libgpiod}'" >&2; exit 2 ;;
esac
[ -x "${bin}" ] || { echo "play-trace: no smiley-device at ${bin} (make build, or make build-gpiod2)" >&2; exit 1; }
# The device's replay is the trace format's judge: a trace it cannot read is not played.
if ! "${bin}" replay "${trace}" >/dev/null; then
    echo "play-trace: smiley-device replay cannot read ${trace} (see above)" >&2
    exit 2
fi
SMILEY_HIL_TRACE="$(realpath "${trace}")" SMILEY_HIL_DEBOUNCE="${debounce}" SMILEY_HIL_ONLY=play-trace \
    "${root}/Tests/hil/run.sh" "${build}"
