"""Writes the edge traces of the trace scenarios (Tests/hil/scenarios.sh) into a directory.

    python3 Tests/hil/traces/make-traces.py OUT_DIR

The traces are generated, not recorded, so they are reproducible (the child's spam uses a fixed seed)
and small. The format is the one `smileyctl buttons record` writes and `smiley-device replay` reads:
`MONOTONIC_NANOS LINE_NAME LEVEL`, 1 pressed, 0 released. Each file starts with a comment saying what
it is; the settings each scenario runs with are in scenarios.sh.

Times stay clear of the debouncer's thresholds (20 ms window, 30 ms minimum press) by a few
milliseconds, so the player's lateness under emulation changes no decision.
"""
import os
import random
import sys

MS = 1_000_000
US = 1_000
BASE = 1_000 * MS  # traces start at 1 s, like a recording; only relative times matter


class Trace:
    def __init__(self, description):
        self.description = description
        self.edges = []

    def edge(self, at, line, level):
        self.edges.append((BASE + int(at), line, level))

    def pulses(self, start, line, count, width, period, level=1):
        """`count` pulses to `level` of `width` ns, one every `period` ns, from `start`."""
        for k in range(count):
            self.edge(start + k * period, line, level)
            self.edge(start + k * period + width, line, 1 - level)

    def press(self, start, line, hold, bounce=0):
        """A press held `hold` ns; `bounce` > 0 adds two 1 ms bounces on press and on release."""
        if bounce:
            self.pulses(start, line, 2, 1 * MS, 2 * MS)
            start += 4 * MS
        self.edge(start, line, 1)
        if bounce:
            self.pulses(start + hold, line, 2, 1 * MS, 2 * MS, level=0)
            hold += 4 * MS
        self.edge(start + hold, line, 0)

    def text(self):
        edges = sorted(self.edges, key=lambda edge: edge[0])  # stable: equal times keep their order
        levels = {}
        for at, line, level in edges:
            if levels.get(line, 0) == level:
                raise ValueError(f"{self.description}: {line} repeats level {level} at {at}")
            levels[line] = level
        if any(levels.values()):
            raise ValueError(f"{self.description}: a line ends pressed")
        header = "".join(f"# {line}\n" for line in self.description.splitlines())
        return header + "".join(f"{at} {line} {level}\n" for at, line, level in edges)


def ringing():
    t = Trace("ringing: a contact ringing at several kHz beside a held press.\n"
              "GPIO19 held 600 ms, chattering open twice (5 pulses of 100 us at 5 kHz); GPIO13 on the same\n"
              "panel rings in bursts (6 pulses of 100 us at 4 kHz) while it is held; GPIO21 (other panel)\n"
              "is pressed and released through 3 kHz ringing. Bursts stay under 16 edges a line.\n"
              "Expected: GPIO19 and GPIO21 count once each; the ringing makes no press and no chord.")
    t.edge(0, "GPIO19", 1)
    for start in (150 * MS, 350 * MS):
        t.pulses(start, "GPIO19", 5, 100 * US, 200 * US, level=0)
    t.edge(600 * MS, "GPIO19", 0)
    for start in range(50 * MS, 600 * MS, 100 * MS):
        t.pulses(start, "GPIO13", 6, 100 * US, 250 * US)
    t.pulses(800 * MS, "GPIO21", 7, 150 * US, 333 * US)
    t.edge(800 * MS + 7 * 333 * US, "GPIO21", 1)
    t.pulses(1000 * MS, "GPIO21", 7, 150 * US, 333 * US, level=0)
    t.edge(1000 * MS + 7 * 333 * US, "GPIO21", 0)
    return t


LINES = ["GPIO5", "GPIO6", "GPIO13", "GPIO19", "GPIO16", "GPIO20", "GPIO21"]


def storm():
    t = Trace("storm: 24 pulses on every line at once (48 edges a line, all due at the same moment; the\n"
              "kernel queues 16 a line: with libgpiod 1.6 it drops the newest, with 2.x the oldest). On GPIO21\n"
              "the storm ends in a press held 150 ms (a contact ringing as it closes). Then a clean press on\n"
              "each panel (GPIO13, GPIO20).\n"
              "Replay of the trace: GPIO21, GPIO13 and GPIO20 count. With lost events docs/debouncer.md\n"
              "promises: the storm makes no press, the press whose edges were dropped (GPIO21) is lost,\n"
              "the clean presses count; with 2.x the device reports the loss, with 1.6 it cannot see it.")
    for k in range(24):
        for line in LINES:
            t.edge(100 * MS, line, 1)
            t.edge(100 * MS, line, 0)
    t.edge(100 * MS, "GPIO21", 1)
    t.edge(250 * MS, "GPIO21", 0)
    t.press(400 * MS, "GPIO13", 100 * MS, bounce=1)
    t.press(700 * MS, "GPIO20", 100 * MS, bounce=1)
    return t


def starved_storm():
    t = Trace("starved-storm: 7 pulses of 1 ms on every line, one every 6 ms, the lines 0.3 ms apart: 98\n"
              "edges over 40 ms, 14 a line, so every queue fills but none overflows (16 a line). Played with\n"
              "--spin-below-us, the player holds the CPU throughout, so the device's loop finds all of them\n"
              "queued, 40 ms old, with its timer due. Then a clean press on each panel.\n"
              "Expected: the storm makes no press, no event is lost, the clean presses count. A loop that\n"
              "lets the debouncer advance before it has read every queued edge makes presses of the storm.")
    for k, line in enumerate(LINES):
        t.pulses(100 * MS + k * 300 * US, line, 7, 1 * MS, 6 * MS)
    t.press(400 * MS, "GPIO13", 100 * MS, bounce=1)
    t.press(700 * MS, "GPIO20", 100 * MS, bounce=1)
    return t


def child_spam():
    rng = random.Random(16)
    t = Trace("child-spam: a child hammering the satisfaction panel, 14 presses in about 3 s on random\n"
              "faces, 45 to 120 ms long with bounce, a few too-short jabs (12 ms) between them.\n"
              "Expected: the first press counts, the rest within the response interval are suppressed.")
    at = 0
    faces = ["GPIO5", "GPIO6", "GPIO13", "GPIO19"]
    for k in range(14):
        face = rng.choice(faces)
        t.press(at, face, rng.randrange(45, 120) * MS, bounce=rng.random() < 0.6)
        at += rng.randrange(170, 260) * MS
        if k % 4 == 3:
            t.press(at, rng.choice(faces), 12 * MS)
            at += 60 * MS
    return t


def chord():
    t = Trace("chord: two faces of one panel held together (GPIO5 + GPIO19), then two of the other\n"
              "(GPIO16 + GPIO20), then a roll GPIO6 -> GPIO13 overlapping only by 2 ms, then one face of\n"
              "each panel at the same moment (GPIO13 + GPIO21).\n"
              "Expected: the chords are kept, suppressed, never counted; the roll counts GPIO6 and\n"
              "suppresses GPIO13 (same panel, within the interval); the cross-panel pair counts twice.")
    t.press(0, "GPIO5", 200 * MS, bounce=1)
    t.press(80 * MS, "GPIO19", 200 * MS, bounce=1)
    t.press(600 * MS, "GPIO16", 150 * MS)
    t.press(650 * MS, "GPIO20", 300 * MS, bounce=1)
    t.press(1200 * MS, "GPIO6", 100 * MS)
    t.press(1298 * MS, "GPIO13", 100 * MS)
    t.press(1700 * MS, "GPIO13", 100 * MS, bounce=1)
    t.press(1700 * MS, "GPIO21", 100 * MS, bounce=1)
    return t


def long_hold():
    t = Trace("long-hold: GPIO16 held 1.5 s with bounce (a long but honest press), GPIO20 held 3.5 s\n"
              "(past a 3 s stuck limit), then a tap on GPIO21.\n"
              "Expected: GPIO16 counts; GPIO20 is reported stuck and cleared, never a press; GPIO21 counts.")
    t.press(0, "GPIO16", 1500 * MS, bounce=1)
    t.press(1800 * MS, "GPIO20", 3500 * MS, bounce=1)
    t.press(5600 * MS, "GPIO21", 80 * MS, bounce=1)
    return t


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    for name, make in [("ringing", ringing), ("storm", storm), ("starved-storm", starved_storm), ("child-spam", child_spam), ("chord", chord),
                       ("long-hold", long_hold)]:
        with open(os.path.join(out, f"{name}.trace"), "w") as file:
            file.write(make().text())


if __name__ == "__main__":
    main()
