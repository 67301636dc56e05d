#!/usr/bin/env bash
# Device figures in the gpio-sim VM: release-to-commit latency (median, p99), idle wake-ups per
# minute and resident memory of smiley-device. The VM runs under software emulation (TCG), which is
# many times slower than a Raspberry Pi's CPU: latencies here are an upper bound.
#   run.sh SMILEY_DEVICE_BINARY
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$(realpath "${1:?usage: run.sh SMILEY_DEVICE_BINARY}")"
results="$(mktemp -d /tmp/smiley-bench.XXXXXX)"
SMILEY_SIM_QUIET=1 SMILEY_SIM_GUEST_ENV="SMILEY_DEVICE_BIN" SMILEY_DEVICE_BIN="${bin}" \
    "${root}/Hardware/sim/run-vm.sh" "${root}/Benchmarks/device-in-vm/guest.sh" "${results}" >&2
python3 - "${results}" <<'PY'
import re, statistics, sys
results = sys.argv[1]
log = open(f"{results}/device.log").read()
release = sorted(int(x) / 1000 for x in re.findall(r"release_to_commit_us=(\d+)", log))
pressed = sorted(int(x) / 1000 for x in re.findall(r"press_to_commit_us=(\d+)", log))
def p99(values):
    return values[min(len(values) - 1, int(round(0.99 * (len(values) - 1))))]
print(f"presses stored: {len(release)}")
print(f"release edge -> durable commit: median {statistics.median(release):.1f} ms, p99 {p99(release):.1f} ms, max {release[-1]:.1f} ms")
print(f"first edge -> durable commit (80 ms holds): median {statistics.median(pressed):.1f} ms, p99 {p99(pressed):.1f} ms")
print(open(f"{results}/figures").read().strip())
before = dict(line.rsplit(" ", 1) for line in open(f"{results}/threads-before").read().splitlines())
after = dict(line.rsplit(" ", 1) for line in open(f"{results}/threads-after").read().splitlines())
busy = {name: int(after[name]) - int(before.get(name, 0)) for name in after if int(after[name]) - int(before.get(name, 0)) > 0}
print("threads that woke while idle:", busy or "none")
PY
