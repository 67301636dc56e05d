#!/usr/bin/env bash
# Hardware-in-the-loop run: boots the gpio-sim VM (Hardware/sim), runs the real smiley-device binary
# in it against the simulated chip (Tests/hil/presses.sh), then checks the device's SQLite store and
# what the scenario saw of the LED lines. Fails with the reason if the VM cannot start.
#   run.sh SMILEY_DEVICE_BINARY
set -uo pipefail
bin="$(realpath "${1:?usage: run.sh SMILEY_DEVICE_BINARY}")"
root="$(cd "$(dirname "$0")/../.." && pwd)"
results="$(mktemp -d /tmp/smiley-hil.XXXXXX)"
SMILEY_SIM_QUIET=1 SMILEY_SIM_TIMEOUT="${SMILEY_SIM_TIMEOUT:-240}" SMILEY_SIM_GUEST_ENV="SMILEY_DEVICE_BIN" \
    SMILEY_DEVICE_BIN="${bin}" "${root}/Hardware/sim/run-vm.sh" "${root}/Tests/hil/presses.sh" "${results}" \
    || { echo "hil: the VM run failed: see ${results}/console.log"; echo "hil: 0 passed, 1 failed"; exit 1; }
python3 - "${results}" <<'PY'
import sqlite3, sys
results = sys.argv[1]
seen = dict(line.split(" ", 1) for line in open(f"{results}/scenario.log").read().split("\n") if " " in line)
rows = sqlite3.connect(f"{results}/state/presses.sqlite").execute(
    "SELECT sequence, question, answer, suppressed FROM press ORDER BY sequence").fetchall()
checks = [
    ("every press stored once, the glitch not at all, the repeat kept as suppressed",
     rows == [(1, "satisfaction", "very-happy", 0), (2, "accessibility", "easy", 0),
              (3, "satisfaction", "happy", 0), (4, "satisfaction", "unhappy", 1)]),
    ("the satisfaction LED (GPIO23) lit after its press", seen.get("led23") == "1"),
    ("the accessibility LED (GPIO24) lit after its press", seen.get("led24") == "1"),
    ("SIGTERM stops the device with status 0", seen.get("exit") == "0"),
    ("the lines are released after SIGTERM", seen.get("released") == "1"),
]
failed = 0
for name, ok in checks:
    print(("✔ " if ok else "✘ ") + name)
    failed += 0 if ok else 1
if failed:
    print("store:", rows, "scenario:", seen)
print(f"hil: {len(checks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
