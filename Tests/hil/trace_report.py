"""What a played trace did, side by side (Tests/hil/play-trace.sh, check.py).

    python3 Tests/hil/trace_report.py SCENARIO_DIR

reads a trace scenario's results (presses.sqlite, replay.jsonl of the trace as applied, intended.jsonl,
device.log, player.json) and prints JSON lines: the presses the device stored and the presses the
replay makes of the applied trace, each counted and suppressed per line; the device's own counts of
lost events and stuck lines; the player's timing; and whether store and replay agree press by press.
"""
import json
import os
import re
import sqlite3
import sys

# The default pin map (ButtonConfiguration.defaultLayout): answer -> line.
LINE_OF_ANSWER = {
    "very-unhappy": "GPIO5", "unhappy": "GPIO6", "happy": "GPIO13", "very-happy": "GPIO19",
    "hard": "GPIO16", "so-so": "GPIO20", "easy": "GPIO21",
}


def read(directory, name):
    path = os.path.join(directory, name)
    return open(path).read() if os.path.exists(path) else ""


def stored(directory):
    """[(line, suppressed, monotonic_nanos)] in the order stored."""
    path = os.path.join(directory, "presses.sqlite")
    if not os.path.exists(path):
        return []
    rows = sqlite3.connect(path).execute(
        "SELECT answer, suppressed, monotonic_nanos FROM press ORDER BY sequence").fetchall()
    return [(LINE_OF_ANSWER.get(answer, answer), bool(suppressed), nanos) for answer, suppressed, nanos in rows]


def replay_events(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def presses(events):
    """[(line, suppressed, at_nanos)] of the press events of a replay."""
    return [(e["line"], bool(e.get("suppressed")), e["atNanos"]) for e in events if e["event"] == "press"]


def per_line(press_list):
    counts = {}
    for line, suppressed, _ in press_list:
        entry = counts.setdefault(line, {"counted": 0, "suppressed": 0})
        entry["suppressed" if suppressed else "counted"] += 1
    return dict(sorted(counts.items(), key=lambda item: int(item[0][4:]) if item[0][4:].isdigit() else 0))


def device_counts(log):
    lost = sum(int(n) for n in re.findall(r"the kernel dropped (\d+) GPIO events", log))
    stuck = re.findall(r"button stuck: (\S+)", log)
    cleared = re.findall(r"button released: (\S+) is no longer stuck", log)
    return {"lostEvents": lost, "lossReports": len(re.findall(r"the kernel dropped", log)),
            "stuckLines": len(stuck), "stuckCleared": len(cleared)}


# The kernel stamps an edge when it handles the simulated interrupt, not when the player writes the pull:
# under TCG that is often hundreds of microseconds later, and several milliseconds when the host takes
# the CPU away from the VM. gpio-sim also ignores a line's edges while its interrupt is masked for the
# threaded handler, so edges closer together than that merge into one, stamped late
# (docs/hardware-in-the-loop.md). A stored press agrees with a replayed one when it is on the same line,
# with the same flag, and stamped no earlier than the write of the edge the replay dates it by and at
# most this much later: far less than the distance between two presses of one line in the traces.
LATE_STAMP_NANOS = 50_000_000


def agree(stored_presses, replayed):
    """Whether the store holds exactly the replay's presses, line by line (see LATE_STAMP_NANOS)."""
    if len(stored_presses) != len(replayed):
        return False, f"{len(stored_presses)} stored, {len(replayed)} replayed"
    worst = 0
    for line in sorted({p[0] for p in stored_presses} | {p[0] for p in replayed}):
        mine = sorted((at, suppressed) for l, suppressed, at in stored_presses if l == line)
        theirs = sorted((at, suppressed) for l, suppressed, at in replayed if l == line)
        if len(mine) != len(theirs):
            return False, f"{line}: {len(mine)} stored, {len(theirs)} replayed"
        for (at, suppressed), (rat, rsuppressed) in zip(mine, theirs):
            if suppressed != rsuppressed or not 0 <= at - rat <= LATE_STAMP_NANOS:
                return False, (f"{line}: stored suppressed={suppressed} at {at}, replay suppressed={rsuppressed} "
                               f"at {rat}")
            worst = max(worst, at - rat)
    return True, f"kernel stamps at most {worst} ns after the player began the write"


def report(directory):
    """The side-by-side lines as dictionaries."""
    events = replay_events(read(directory, "replay.jsonl"))
    store = stored(directory)
    replayed = presses(events)
    ok, detail = agree(store, replayed)
    intended = presses(replay_events(read(directory, "intended.jsonl")))
    faithful = [p[:2] for p in intended] == [p[:2] for p in replayed]
    stuck_replayed = sum(1 for e in events if e["event"] == "stuck")
    player = json.loads(read(directory, "player.json") or "{}")
    return [
        {"what": "stored", "presses": len(store), "lines": per_line(store)},
        {"what": "replay of the applied trace", "presses": len(replayed), "lines": per_line(replayed),
         "stuckLines": stuck_replayed},
        dict({"what": "device"}, **device_counts(read(directory, "device.log")),
             exitStatus=next((int(line.split()[1]) for line in read(directory, "seen").splitlines()
                              if line.startswith("exit ")), None)),
        dict({"what": "player"}, **{k: player[k] for k in ("edges", "applied", "skipped", "late_ns", "write_ns")
                                    if k in player}),
        {"what": "agreement", "storedEqualsReplay": ok, "detail": detail,
         "appliedMeansIntended": faithful},
    ]


if __name__ == "__main__":
    lines = report(sys.argv[1])
    for line in lines:
        print(json.dumps(line))
    sys.exit(0 if lines[-1]["storedEqualsReplay"] else 1)
