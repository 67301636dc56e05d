#!/usr/bin/env python3
"""The `smiley-hub` commands of a centre's care and of backlog files, run on both backends: once with
`--state-directory` (SQLite) and once with `--database postgres://…` (a throwaway server, run under
scripts/with-postgres.sh), told the same things. `action`, `alert` (list, acknowledge, rules, set, reset,
deliveries, retry), `device set-key` and `import` print the same on both, and refuse bad input (an unknown
centre, a bad key, a tampered file) in the same words, changing nothing. A backlog signed with the device's
Ed25519 key (by openssl) is imported twice on each: every press is stored once, the rollup holds the counted
presses, and the heatmap API of a `serve` process on each backend equals a recount of the file.

usage: scripts/with-postgres.sh python3 Tests/system/hub_cli_backends.py BIN_DIRECTORY
"""
import base64
import json
import os
import re
import sqlite3
import subprocess
import time

import hubtest
from hubtest import request

TEST = hubtest.SystemTest(__doc__, "smiley-cli-")
PG = hubtest.Postgres("smiley_cli")
check, WORK = TEST.check, TEST.work
SQLITE_STATE = os.path.join(WORK, "sqlite-state")
DEVICE = "wangdue-exit-1"
CENTRE = "wangdue-dcrc"
ANSWERS = ["very-happy", "happy", "unhappy", "very-unhappy"]
THIMPHU = 6 * 3_600_000  # UTC+6, no daylight saving


class Backend:
    def __init__(self, name, args):
        self.name = name
        self.args = args

    def run(self, *args, expect=0):
        """(exit status, standard output, standard error) of a smiley-hub command on this backend."""
        return TEST.command("smiley-hub", *args, *self.args, expect=expect, context=f"{self.name}: ")

    def sql(self, statement):
        """Rows of a query, as tuples of text."""
        if self.name == "sqlite":
            with sqlite3.connect(os.path.join(SQLITE_STATE, "hub.sqlite")) as connection:
                rows = connection.execute(statement).fetchall()
            return [tuple("" if v is None else str(v) for v in row) for row in rows]
        return [tuple(row) for row in PG.rows(statement, separator="\t")]

    def held(self):
        """What a refusal must not change: every table the commands touch."""
        return {table: sorted(self.sql(f"SELECT * FROM {table}"))
                for table in ["centre_action", "alert", "alert_delivery", "alert_rule_setting", "device", "press",
                              "hourly_rollup", "centre_hour", "centre_day"]}


def masked(text):
    """Output with the moments of the run itself (now) replaced: the two backends ran seconds apart."""
    text = re.sub(r"command line \([^)]*\)", "command line (USER)", text)
    return re.sub(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", lambda m: m.group(0) if m.group(0) < "2026-11-29" else "NOW",
                  text)


def serve(backend):
    """A `smiley-hub serve` process on the backend's database, answering once this returns."""
    if backend.name == "sqlite":
        return hubtest.Hub(TEST, backend.name, state=SQLITE_STATE)
    return hubtest.Hub(TEST, backend.name, PG.args, state=os.path.join(WORK, "pg-state"))


def signing_key():
    """(PEM file of a new Ed25519 private key, base64 of its raw public key)."""
    pem = os.path.join(WORK, "signing-key.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", pem], check=True, capture_output=True)
    der = subprocess.run(["openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return pem, base64.b64encode(der[-32:]).decode()


def backlog(pem, count, now):
    """A smiley-export-v2 file of `count` presses of the last days, signed by `pem`, and the presses."""
    presses = []
    for sequence in range(1, count + 1):
        presses.append({
            "device": DEVICE, "boot": "boot-1", "sequence": sequence, "question": "satisfaction",
            "answer": ANSWERS[(sequence * 7) % 4], "monotonicNanos": 10 ** 12 + sequence * 10 ** 9,
            "wallClockMillis": now - 5 * 86_400_000 + sequence * 1_237_000, "clockSynchronised": True,
            "suppressed": sequence % 11 == 0})
    payload = json.dumps({
        "device": DEVICE, "centre": CENTRE, "exportedAtMillis": now,
        "clock": {"boot": "boot-1", "monotonicNanos": 10 ** 12 + (count + 1) * 10 ** 9, "wallClockMillis": now,
                  "synchronised": True},
        "presses": presses}).encode()
    payload_file = os.path.join(WORK, "payload.json")
    with open(payload_file, "wb") as f:
        f.write(payload)
    signature = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", pem, "-rawin", "-in", payload_file],
                               check=True, capture_output=True).stdout
    return {"format": "smiley-export-v2", "device": DEVICE, "payload": base64.b64encode(payload).decode(),
            "signature": base64.b64encode(signature).decode()}, presses


def write(name, document):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        json.dump(document, f)
    return path


def recount(presses):
    """The heatmap's cells from the file: counted presses by the centre's weekday and hour."""
    cells = {}
    for press in presses:
        if press["suppressed"]:
            continue
        local = time.gmtime((press["wallClockMillis"] + THIMPHU) // 1000)
        key = (local.tm_wday + 1, local.tm_hour)
        cells[key] = cells.get(key, 0) + 1
    return cells


ALERT_FIXTURE = [
    # An open dip alert with a delivered webhook and a failed e-mail, a resolved one, one at Paro.
    "INSERT INTO alert (centre_id, kind, subject, opened_millis, evidence, resolved_millis) VALUES "
    "('wangdue-dcrc', 'dip', 'satisfaction', 1764300000000, "
    "'{\"answers\":12,\"firstPressMillis\":1764299100000,\"fromMillis\":1764299000000,\"lastPressMillis\":1764299940000,"
    "\"negative\":7,\"summary\":\"7 of 12 answers negative in 15 minutes\",\"toMillis\":1764300000000}', NULL)",
    "INSERT INTO alert (centre_id, kind, subject, opened_millis, evidence, resolved_millis) VALUES "
    "('wangdue-dcrc', 'device-offline', 'wangdue-exit-1', 1764200000000, "
    "'{\"answers\":0,\"fromMillis\":1764199000000,\"negative\":0,\"summary\":\"the device is offline\","
    "\"toMillis\":1764200000000}', 1764210000000)",
    "INSERT INTO alert (centre_id, kind, subject, opened_millis, evidence, resolved_millis) VALUES "
    "('paro-dcrc', 'dip', 'accessibility', 1764300500000, "
    "'{\"answers\":9,\"fromMillis\":1764299000000,\"negative\":6,\"summary\":\"6 of 9 answers negative in 15 minutes\","
    "\"toMillis\":1764300500000}', NULL)",
    "INSERT INTO alert_delivery (alert_id, event, channel, state, attempts, next_attempt_millis, last_error, "
    "created_millis, delivered_millis) VALUES (1, 'opened', 'webhook', 'delivered', 1, 1764300000000, NULL, "
    "1764300000000, 1764300001000)",
    "INSERT INTO alert_delivery (alert_id, event, channel, state, attempts, next_attempt_millis, last_error, "
    "created_millis, delivered_millis) VALUES (1, 'opened', 'email', 'failed', 8, 1764300000000, "
    "'SMTP 550 mailbox unavailable', 1764300000000, NULL)",
    "INSERT INTO alert_delivery (alert_id, event, channel, state, attempts, next_attempt_millis, last_error, "
    "created_millis, delivered_millis) VALUES (3, 'opened', 'webhook', 'failed', 8, 1764300500000, "
    "'HTTP 500', 1764300500000, NULL)",
]


def tell(backend):
    """The same story on one backend; returns each command's output, masked."""
    out = []

    def say(*args, expect=0):
        status, stdout, stderr = backend.run(*args, expect=expect)
        out.append(f"$ {' '.join(args)} -> {status}\n{masked(stdout)}{masked(stderr)}")
        return stdout + stderr

    # Set-up, whose output names files and links of its own.
    backend.run("centre", "add", CENTRE, "--name", "Wangdue DCRC")
    backend.run("centre", "add", "paro-dcrc", "--name", "Paro DCRC")
    backend.run("device", "add", DEVICE, "--centre", CENTRE, "--token-file",
                os.path.join(WORK, f"{backend.name}.token"))
    backend.run("user", "add", "dorji", "--role", "manager", "--centre", CENTRE)
    for statement in ALERT_FIXTURE:
        backend.sql(statement) if backend.name == "postgres" else sqlite_execute(statement)
    say("action", "add", CENTRE, "--date", "2026-11-02", "--hours", "Mon 09:00-12:00", "A second counter opened")
    say("action", "add", CENTRE, "--date", "2026-11-03", "Queue signs put up")
    say("action", "add", CENTRE, "--date", "2026-11-04", "Ramp repaired")
    say("action", "remove", CENTRE, "2")
    say("action", "list", CENTRE)
    say("alert", "set", CENTRE, "dip.minimum-answers=6", "enabled.drift=no")
    say("alert", "rules", CENTRE)
    say("alert", "set", "paro-dcrc", "silent.open-hours=3")
    say("alert", "reset", "paro-dcrc")
    say("alert", "rules", "paro-dcrc")
    say("alert", "list")
    say("alert", "list", "--centre", CENTRE, "--limit", "1")
    say("alert", "deliveries")
    say("alert", "acknowledge", "1", "--comment", "Extra staff at the counter")
    say("alert", "retry", "2")
    say("alert", "deliveries", "--centre", CENTRE)
    say("alert", "list", "--centre", CENTRE)
    audit = backend.run("audit")[1]
    check(f"{backend.name}: the retry is in the audit log, as the acknowledgement is",
          re.search(r"retry delivery.*wangdue-dcrc delivery 2", audit)
          and re.search(r"acknowledge alert.*wangdue-dcrc alert 1", audit), audit)

    # Refusals: each in the same words on both backends, and nothing stored changes.
    before = backend.held()
    say("action", "add", "nowhere-dcrc", "--date", "2026-11-02", "Nothing", expect=1)
    say("action", "list", "nowhere-dcrc", expect=1)
    say("action", "remove", CENTRE, "2", expect=1)
    say("action", "add", CENTRE, "--date", "2026-11-02", "   ", expect=1)
    say("alert", "rules", "nowhere-dcrc", expect=1)
    say("alert", "set", "nowhere-dcrc", "dip.minimum-answers=6", expect=1)
    say("alert", "set", CENTRE, "dip.minimum-answers=6", "dip.window-minutes=0", expect=1)
    say("alert", "acknowledge", "1", "--comment", "Again", expect=1)
    say("alert", "acknowledge", "2", "--comment", "Late", expect=1)
    say("alert", "acknowledge", "99", "--comment", "None", expect=1)
    say("alert", "retry", "1", expect=1)
    say("alert", "retry", "2", expect=1)
    say("alert", "retry", "99", expect=1)
    say("device", "set-key", DEVICE, "--public-key", "not-a-key", expect=64)
    say("device", "set-key", "nowhere-1", "--public-key", PUBLIC_KEY, expect=64)
    say("import", SIGNED, expect=64)  # before the device's key is set
    check(f"{backend.name}: the refusals changed nothing", backend.held() == before)

    say("device", "set-key", DEVICE, "--public-key", PUBLIC_KEY)
    before = backend.held()
    say("import", TAMPERED, expect=64)
    say("import", OTHER_DEVICE, expect=64)
    say("import", NOT_A_BACKLOG, expect=64)
    check(f"{backend.name}: a tampered or foreign file changes nothing", backend.held() == before)
    first = say("import", SIGNED)
    again = say("import", SIGNED)
    check(f"{backend.name}: the first import stores every press",
          f"imported {len(PRESSES)} new presses (0 already held)" in first, first)
    check(f"{backend.name}: importing again stores none twice",
          f"imported 0 new presses ({len(PRESSES)} already held)" in again, again)
    return out


def sqlite_execute(statement):
    with sqlite3.connect(os.path.join(SQLITE_STATE, "hub.sqlite")) as connection:
        connection.execute(statement)


def main():
    global PUBLIC_KEY, SIGNED, TAMPERED, OTHER_DEVICE, NOT_A_BACKLOG, PRESSES
    PG.create()
    os.makedirs(SQLITE_STATE)
    now = int(time.time() * 1000)
    pem, PUBLIC_KEY = signing_key()
    document, PRESSES = backlog(pem, 300, now)
    SIGNED = write("signed.smiley", document)
    payload = bytearray(base64.b64decode(document["payload"]))
    payload[payload.index(b'"very-happy"') + 6] ^= 0x01  # one letter of one answer
    TAMPERED = write("tampered.smiley", {**document, "payload": base64.b64encode(bytes(payload)).decode()})
    OTHER_DEVICE = write("other.smiley", {**document, "device": "paro-exit-9"})
    NOT_A_BACKLOG = write("not-a-backlog.smiley", {"format": "smiley-export-v2", "device": DEVICE})

    sqlite = Backend("sqlite", ["--state-directory", SQLITE_STATE])
    postgres = Backend("postgres", PG.args)
    told = {backend.name: tell(backend) for backend in [sqlite, postgres]}
    for lite, pg in zip(told["sqlite"], told["postgres"]):
        check(f"same on both: {lite.splitlines()[0]}", lite == pg, f"\nSQLite:\n{lite}\nPostgreSQL:\n{pg}")
    transcript = "\n".join(told["postgres"])
    check("an unknown centre is named", "unknown centre 'nowhere-dcrc'" in transcript)
    check("a bad key is named", "public key: expected base64 of a 32-byte Ed25519 public key" in transcript)
    check("a tampered file is named", "signature does not match device 'wangdue-exit-1'" in transcript)

    counted = sum(1 for press in PRESSES if not press["suppressed"])
    expected = recount(PRESSES)
    heatmaps = {}
    for backend in [sqlite, postgres]:
        stored = backend.sql(f"SELECT count(*), count(DISTINCT sequence) FROM press WHERE device_id = '{DEVICE}'")
        check(f"{backend.name}: each press stored once", stored == [(str(len(PRESSES)), str(len(PRESSES)))], stored)
        rollup = backend.sql(f"SELECT sum(count) FROM hourly_rollup WHERE device_id = '{DEVICE}'")
        check(f"{backend.name}: the rollup holds the counted presses", rollup == [(str(counted),)], rollup)
        _, token, _ = backend.run("token", "create", "dorji", "--name", "heatmap-check")
        hub = serve(backend)
        status, body = request(f"{hub.url}/api/v1/centres/{CENTRE}/heatmap?question=satisfaction",
                               headers={"Authorization": f"Bearer {token.strip()}"})
        hub.stop()
        # Every open hour has a cell; those without a counted press hold 0.
        cells = {(c["weekday"], c["hour"]): c["count"] for c in json.loads(body)["cells"]
                 if c["count"] > 0} if status == 200 else None
        heatmaps[backend.name] = body
        differing = None if cells is None else {key: (cells.get(key), expected.get(key))
                                                 for key in set(cells) | set(expected)
                                                 if cells.get(key) != expected.get(key)}
        check(f"{backend.name}: the heatmap equals a recount of the file", cells == expected,
              f"{status} {body[:300]}" if cells is None else f"(heatmap, recount) differ at {differing}")
    check("the heatmap API answers the same bytes on both backends", heatmaps["sqlite"] == heatmaps["postgres"],
          heatmaps)


TEST.finish(main)
