"""Host-side checks of the hardware-in-the-loop scenarios (see scenarios.sh)."""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trace_report  # noqa: E402

name, results = sys.argv[1], sys.argv[2]
only = set((os.environ.get("SMILEY_HIL_ONLY") or "").split()) or None


def scenario(key):
    directory = os.path.join(results, key)
    seen = {}
    if os.path.exists(os.path.join(directory, "seen")):
        for line in open(os.path.join(directory, "seen")):
            parts = line.split(" ", 1)
            if len(parts) == 2:
                seen[parts[0]] = parts[1].strip()
    rows = []
    path = os.path.join(directory, "presses.sqlite")
    if os.path.exists(path):
        rows = sqlite3.connect(path).execute(
            "SELECT sequence, answer, suppressed, boot FROM press ORDER BY sequence").fetchall()
    log = ""
    if os.path.exists(os.path.join(directory, "device.log")):
        log = open(os.path.join(directory, "device.log")).read()
    return rows, seen, log


def answers(rows):
    return [(answer, suppressed) for _, answer, suppressed, _ in rows]


checks = []


def check(key, description, condition, detail):
    if only and key not in only:
        return
    checks.append((f"{key}: {description}", bool(condition), detail))


rows, seen, log = scenario("every-button")
api = "2" if name.startswith("libgpiod2") else "1"
check("every-button", f"the device runs on libgpiod API {api}", f"(API {api})" in log, "log")
expected = ["very-unhappy", "unhappy", "happy", "very-happy", "hard", "so-so", "easy"]
check("every-button", "each of the seven buttons is stored once", answers(rows) == [(a, 0) for a in expected], rows)
check("every-button", "the panel's LED lights after each press",
      all(seen.get(f"led{line}") == "1" for line in (5, 6, 13, 19, 16, 20, 21)), seen)

rows, seen, _ = scenario("contacts")
check("contacts", "bounce bursts count once, a glitch not at all, a 40 ms tap once",
      answers(rows) == [("very-happy", 0), ("easy", 0)], rows)

rows, seen, _ = scenario("repeats")
check("repeats", "repeats within the response interval are kept and flagged suppressed",
      answers(rows) == [("very-happy", 0), ("happy", 1), ("very-unhappy", 1), ("easy", 0)], rows)

rows, seen, log = scenario("stuck")
check("stuck", "a held button counts nothing; after release it counts again", answers(rows) == [("unhappy", 0)], rows)
check("stuck", "the stuck flag is raised and cleared", "button stuck" in log and "no longer stuck" in log, "log")

rows, seen, _ = scenario("two-together")
check("two-together", "two buttons of one panel together: neither counts, both kept",
      sorted(answers(rows)) == [("very-happy", 1), ("very-unhappy", 1)], rows)

rows, seen, _ = scenario("sigkill")
before = int(seen.get("before", "0"))
check("sigkill", "every press acknowledged before SIGKILL survives it", before == 7 and len(rows) == 9, (before, rows))
check("sigkill", "sequence numbers continue after the restart, none reused",
      [row[0] for row in rows] == list(range(1, len(rows) + 1)), rows)
check("sigkill", "presses before and after the restart are the ones pressed",
      [a for a, _ in answers(rows)] == ["very-happy", "hard", "happy", "so-so", "unhappy", "easy", "very-unhappy",
                                        "very-happy", "easy"], rows)

rows, seen, _ = scenario("provision")
directory = os.path.join(results, "provision")
busy = open(os.path.join(directory, "busy.out")).read() if os.path.exists(os.path.join(directory, "busy.out")) else ""
free = open(os.path.join(directory, "free.out")).read() if os.path.exists(os.path.join(directory, "free.out")) else ""
check("provision", "a line held by the running daemon is named busy, with its holder",
      seen.get("busy-status") == "1" and "is busy: held by 'smiley-device'" in busy, busy)
check("provision", "with the lines free it gets to the hub, and writes nothing when the hub is absent",
      seen.get("free-status") == "1" and "cannot reach the hub" in free and seen.get("written") == "0", (seen, free))

missing = open(os.path.join(directory, "missing.out")).read() if os.path.exists(os.path.join(directory, "missing.out")) else ""
check("provision", "a line no chip has is named",
      seen.get("missing-status", "0") != "0" and "no line named GPIO99 on any chip" in missing, missing)
listing = open(os.path.join(directory, "gpio-list.out")).read() if os.path.exists(os.path.join(directory, "gpio-list.out")) else ""
check("provision", "smileyctl gpio list shows the chip's lines and who holds them",
      "[smiley-sim]" in listing and any("GPIO5" in line and "used by smiley-device" in line for line in listing.splitlines())
      and any("GPIO4 " in line and "free" in line for line in listing.splitlines()), listing)

rows, seen, _ = scenario("buttons-test")
directory = os.path.join(results, "buttons-test")
live = open(os.path.join(directory, "live.out")).read() if os.path.exists(os.path.join(directory, "live.out")) else ""
direct = open(os.path.join(directory, "direct.out")).read() if os.path.exists(os.path.join(directory, "direct.out")) else ""
check("buttons-test", "through the daemon the technician sees the press, and the LED blinks",
      "connected to smiley-device" in live and "GPIO19  satisfaction/very-happy  counts" in live and seen.get("led") == "1",
      (live, seen))
check("buttons-test", "the test press is kept apart: only the press after the test is a citizen's",
      answers(rows) == [("happy", 0)], rows)
check("buttons-test", "with the daemon stopped the lines are read directly, and the LED blinks",
      "reading the lines directly" in direct and "GPIO21  accessibility/easy  counts" in direct
      and seen.get("direct-led") == "1", (direct, seen))

rows, seen, _ = scenario("record")
directory = os.path.join(results, "record")
trace = open(os.path.join(directory, "trace.txt")).read() if os.path.exists(os.path.join(directory, "trace.txt")) else ""
replayed = open(os.path.join(directory, "replay.out")).read() if os.path.exists(os.path.join(directory, "replay.out")) else ""
edges = [line for line in trace.splitlines() if line and not line.startswith("#")]
check("record", "smileyctl buttons record writes every raw edge of a bouncing press",
      seen.get("record-status") == "0" and len(edges) >= 4 and all(" GPIO19 " in line for line in edges), trace)
check("record", "smiley-device replay makes one very-happy press of the recorded trace",
      seen.get("replay-status") == "0" and replayed.count('"event":"press"') == 1 and '"answer":"very-happy"' in replayed,
      replayed)

rows, seen, _ = scenario("sigterm")
check("sigterm", "SIGTERM stops the device with status 0 after storing the press",
      seen.get("exit") == "0" and answers(rows) == [("happy", 0)], (seen, rows))
check("sigterm", "the lines are released after SIGTERM", seen.get("released") == "1", seen)

# Trace scenarios (Hardware/sim/trace-player.c, Tests/hil/traces/make-traces.py): what the device stored must
# be what `smiley-device replay` makes of the trace as the player applied it, press by press; where the
# kernel drops events, what docs/debouncer.md promises instead, and the device's lost-event count says so.
for key in ("ringing", "storm", "starved-storm", "child-spam", "chord", "long-hold"):
    if only and key not in only:
        continue
    directory = os.path.join(results, key)
    _, seen, log = scenario(key)
    lines = {line["what"]: line for line in trace_report.report(directory)}
    player = lines["player"]
    check(key, "the player played every edge of the trace",
          seen.get("player-status") == "0" and player.get("applied", 0) > 0 and player.get("skipped") == 0,
          (seen, player))
    check(key, "SIGTERM stopped the device cleanly after the trace", seen.get("exit") == "0", seen)
    stored = trace_report.stored(directory)
    events = trace_report.replay_events(trace_report.read(directory, "replay.jsonl"))
    replayed = trace_report.presses(events)
    counts = trace_report.device_counts(log)
    check(key, "the replay of the applied trace has presses to compare",
          seen.get("replay-status") == "0" and any(not suppressed for _, suppressed, _ in replayed), replayed)
    if key != "storm":
        ok, detail = trace_report.agree(stored, replayed)
        check(key, "the presses stored are the replay of the trace as applied", ok, (detail, stored, replayed))
        check(key, "no events lost (no line had more than 16 edges queued)",
              counts["lostEvents"] == 0 and counts["lossReports"] == 0, counts)
        stuck = sum(1 for e in events if e["event"] == "stuck")
        check(key, "the device reported as many stuck lines as the replay, and cleared them",
              counts["stuckLines"] == stuck and counts["stuckCleared"] == stuck, (counts, stuck))
    else:
        # The storm overflows every line's queue. GPIO21's press closes the storm, so its edges are among
        # the dropped ones (1.6 keeps the oldest 16, 2.x the newest of the request's 7 x 16): it must be
        # lost, and only it; the storm makes no press; the clean presses count.
        promised = [p for p in replayed if p[0] != "GPIO21"]
        ok, detail = trace_report.agree(stored, promised)
        check(key, "the replay counts the press that closes the storm (GPIO21) and the two clean ones",
              sorted((line, suppressed) for line, suppressed, _ in replayed)
              == [("GPIO13", False), ("GPIO20", False), ("GPIO21", False)], replayed)
        if api == "2":
            check(key, "stored: the clean presses only; the storm made none, the press under way at the loss is lost",
                  ok, (detail, stored, promised))
        else:
            # 1.6 keeps each line's oldest 16 events. Their last level is normally released, and GPIO21's
            # press is missed; the kernel's handler reads the level when it runs, so if it merged two
            # edges the last kept level can be the true one (pressed), and the press counts as replayed.
            counted_too, _ = trace_report.agree(stored, replayed)
            check(key, "stored: the clean presses; the storm made none; GPIO21's press missed (or, if its kept "
                  "edges end pressed, as replayed)", ok or counted_too, (detail, stored, promised))
        if api == "2":
            check(key, "libgpiod 2.x: the device reports the events the kernel dropped",
                  counts["lostEvents"] > 0 and counts["lossReports"] > 0, counts)
        else:
            check(key, "libgpiod 1.6: the kernel's drops are invisible, the device reports none",
                  counts["lostEvents"] == 0, counts)

failed = 0
for description, ok, detail in checks:
    print(("✔ " if ok else "✘ ") + f"[{name}] {description}")
    if not ok:
        failed += 1
        print(f"    got: {detail}")
print(f"hil {name}: {len(checks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
