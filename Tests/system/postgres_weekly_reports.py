#!/usr/bin/env python3
"""End-to-end test of the weekly report mail on PostgreSQL, with a real SMTP server (aiosmtpd on loopback).

Two centres and their people are provisioned straight on PostgreSQL with the CLI (`--database`): Paro's and
Haa's managers with an e-mail address each, and a viewer with one (who gets no report). `report weekly
--database` names the latest due week (the hub's own rule, by the real clock); presses of that week reach
Paro through a hub on PostgreSQL over HTTP. Then two `smiley-hub serve --database` processes run with
`--smtp-host`: exactly one report mail per centre reaches the SMTP server, from one hub only (the lease
"weekly-reports"), to each manager once, with the week's subject and the figures `report weekly --database`
prints. `report send --database` is refused while a hub holds the lease. The mailing hub is killed with
SIGKILL; the other takes the lease over at its next pass (once a minute) and mails nothing again; once it is
stopped, `report send --database` runs a pass of its own and finds nothing due. `report status --database`
shows both weeks sent; `report` answers on PostgreSQL as on SQLite (an unknown centre, an empty ledger).

usage: scripts/with-postgres.sh python3 Tests/system/postgres_weekly_reports.py BIN_DIRECTORY
"""
import datetime
import email
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

BIN = sys.argv[1] if len(sys.argv) > 1 else sys.exit(__doc__)
SOCKET = os.environ.get("SMILEY_TEST_POSTGRES_SOCKET") or sys.exit("run under scripts/with-postgres.sh")
PG_USER = os.environ["SMILEY_TEST_POSTGRES_USER"]
DATABASE = "smiley_weekly_reports"
URL = f"postgres://{PG_USER}@/{DATABASE}?host={SOCKET}"
WORK = tempfile.mkdtemp(prefix="smiley-weekly-reports-")
ZONE = "Asia/Thimphu"
DEVICE = "paro-exit-1"
processes = []
passed = failed = 0
MAILS = []  # every message the SMTP server accepted
MAIL_LOCK = threading.Lock()


class MailHandler:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        with MAIL_LOCK:
            MAILS.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                          "subject": str(message["subject"]),
                          "text": text.get_content().replace("\r\n", "\n") if text is not None else ""})
        return "250 OK: queued"


def mails():
    with MAIL_LOCK:
        return list(MAILS)


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"✔ {name}")
    else:
        failed += 1
        print(f"✘ {name} {detail}")


def run(*args, expect=0, stdin=None):
    result = subprocess.run([os.path.join(BIN, args[0]), *args[1:]], capture_output=True, text=True, input=stdin)
    if result.returncode != expect:
        raise SystemExit(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, process=None, attempts=600):
    """Polls without a wall-clock bound on the thing itself: up to `attempts` tries, 0.2 s apart."""
    for _ in range(attempts):
        value = predicate()
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{what}: the process ended ({process.returncode}); see {WORK}")
        time.sleep(0.2)
    raise SystemExit(f"gave up waiting for {what}: see {WORK}")


def request(url, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None, ""


class Hub:
    def __init__(self, name, args):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(WORK, f"{name}.log")
        state = os.path.join(WORK, f"{name}-state")
        os.makedirs(state, exist_ok=True)
        self.process = subprocess.Popen(
            [os.path.join(BIN, "smiley-hub"), "serve", "--port", str(self.port), "--state-directory", state,
             "--database", URL, *args],
            stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        processes.append(self.process)
        wait_for(f"hub {name}", lambda: request(self.url + "/healthz")[0] == 200, self.process)

    def read_log(self):
        return open(self.log).read()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)
        processes.remove(self.process)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        processes.remove(self.process)


def presses_body(monday, token):
    """Paro's presses of the due week: Monday 10:00 and Tuesday 11:00 at the centre, as a device sends them."""
    zone = ZoneInfo(ZONE)
    answers = [(0, 10, "very-happy")] * 6 + [(0, 10, "unhappy")] * 2 + [(1, 11, "happy")] * 4
    presses = []
    for sequence, (day, hour, answer) in enumerate(answers, start=1):
        local = datetime.datetime.combine(monday + datetime.timedelta(days=day), datetime.time(hour, 5), zone)
        presses.append({
            "device": DEVICE, "boot": "boot-1", "sequence": sequence, "question": "satisfaction", "answer": answer,
            "monotonicNanos": 10 ** 12 + sequence * 10 ** 9,
            "wallClockMillis": int(local.timestamp() * 1000) + sequence * 1000, "clockSynchronised": True,
            "suppressed": False})
    now = int(time.time() * 1000)
    clock = {"boot": "boot-1", "monotonicNanos": 10 ** 12 + 100 * 10 ** 9, "wallClockMillis": now,
             "synchronised": True}
    body = json.dumps({"device": DEVICE, "centre": "paro-dcrc", "presses": presses, "clock": clock}).encode()
    return len(presses), body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def main():
    subprocess.run(["createdb", "-h", SOCKET, "-U", PG_USER, DATABASE], check=True)
    smtp_port = free_port()
    controller = Controller(MailHandler(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    db = ["--database", URL]
    sqlite = ["--state-directory", os.path.join(WORK, "sqlite-state")]
    os.makedirs(sqlite[1])

    # The same two centres on an SQLite hub and on PostgreSQL: `report` answers alike before anything is sent.
    for store in (db, sqlite):
        for centre, name in [("paro-dcrc", "Paro DCRC"), ("haa-dcrc", "Haa DCRC")]:
            run("smiley-hub", "centre", "add", centre, *store, "--name", name, "--time-zone", ZONE)
            run("smiley-hub", "centre", "set", centre, *store, "--hours", "Mon-Fri 09:00-17:00")
    for args, expect in [(["status"], 0), (["status", "--centre", "nowhere"], 1),
                         (["weekly", "--centre", "nowhere"], 1), (["weekly", "--centre", "haa-dcrc"], 0),
                         (["weekly", "--centre", "paro-dcrc", "--week", "2026-02-30"], 64)]:
        on_postgres = run("smiley-hub", "report", *args, *db, expect=expect)
        on_sqlite = run("smiley-hub", "report", *args, *sqlite, expect=expect)
        check(f"report {' '.join(args)}: the same output and exit status ({expect}) on PostgreSQL as on SQLite",
              on_postgres == on_sqlite, (on_postgres, on_sqlite))
    output = run("smiley-hub", "report", "status", *db)
    check("report status --database: nothing fell due yet", "No weekly report has fallen due yet." in output, output)

    token_file = os.path.join(WORK, "device.token")
    run("smiley-hub", "device", "add", DEVICE, "--centre", "paro-dcrc", *db, "--token-file", token_file)
    for name, role, centre in [("dorji", "manager", "paro-dcrc"), ("karma", "manager", "haa-dcrc"),
                               ("pema", "viewer", "paro-dcrc")]:
        run("smiley-hub", "user", "add", name, "--role", role, "--centre", centre, *db)
        run("smiley-hub", "user", "email", name, f"{name}@example.bt", *db)

    # The latest due week by the hub's own rule and the real clock (its last opening hour over at the centre).
    output = run("smiley-hub", "report", "weekly", "--centre", "paro-dcrc", *db)
    subject = output.splitlines()[0]
    first_day = subject.split(", ")[-1].split(" to ")[0]
    monday = datetime.date.fromisoformat(first_day)
    sunday = monday + datetime.timedelta(days=6)
    check("report weekly --database names the latest due week, a Monday to Sunday",
          subject == f"Subject: Smiley weekly report: Paro DCRC, {monday} to {sunday}" and monday.weekday() == 0,
          subject)

    # That week's presses reach PostgreSQL through a hub that mails nothing (no --smtp-host).
    ingest = Hub("ingest-hub", [])
    count, body, headers = presses_body(monday, open(token_file).read().strip())
    status, text = request(ingest.url + "/api/v1/ingest", "POST", body, headers)
    check(f"{count} presses of the week of {monday} stored on PostgreSQL",
          status == 200 and json.loads(text)["accepted"] == count, (status, text))
    ingest.stop()
    expected_text = os.path.join(WORK, "paro.txt")
    output = run("smiley-hub", "report", "weekly", "--centre", "paro-dcrc", *db, "--text-output", expected_text)
    expected = open(expected_text).read()
    check("report weekly --database counts them", "Satisfaction: 12 presses. Index" in expected, expected[:400])

    smtp = ["--smtp-host", "127.0.0.1", "--smtp-port", str(smtp_port), "--smtp-from", "smiley-hub@example.bt",
            "--smtp-security", "none"]
    hubs = [Hub("hub-a", [*smtp, "--log-level", "debug"]), Hub("hub-b", [*smtp, "--log-level", "debug"])]
    wait_for("both centres' reports reach the SMTP server", lambda: len(mails()) >= 2, attempts=300)
    mailing = wait_for("the mailing hub's log", lambda: [h for h in hubs if "sent to" in h.read_log()], attempts=150)
    other = [h for h in hubs if h not in mailing]
    check("one hub mailed (it holds the lease 'weekly-reports')", len(mailing) == 1, [h.name for h in mailing])
    mailer, survivor = mailing[0], other[0]
    wait_for(f"{survivor.name} finds the lease held", lambda: "'weekly-reports' runs in another hub"
             in survivor.read_log(), survivor.process, attempts=300)
    check(f"{survivor.name} found the lease held and mailed nothing",
          "sent to" not in survivor.read_log() and "weekly report pass done" not in survivor.read_log())

    by_centre = {}
    for mail in mails():
        by_centre.setdefault(mail["subject"], []).append(mail)
    paro_subject = f"Smiley weekly report: Paro DCRC, {monday} to {sunday}"
    haa_subject = f"Smiley weekly report: Haa DCRC, {monday} to {sunday}"
    check("exactly one mail per centre reached the SMTP server",
          len(mails()) == 2 and sorted(by_centre) == sorted([paro_subject, haa_subject]),
          [m["subject"] for m in mails()])
    recipients = [address for mail in mails() for address in mail["to"]]
    check("each manager got one report, the viewer none",
          sorted(recipients) == ["dorji@example.bt", "karma@example.bt"], recipients)
    paro = by_centre.get(paro_subject, [{}])[0]
    check("Paro's report went to its manager from --smtp-from",
          paro.get("to") == ["dorji@example.bt"] and paro.get("from") == "smiley-hub@example.bt", paro)
    check("Paro's report holds the week's figures, as report weekly --database prints them",
          paro.get("text") == expected and "Satisfaction: 12 presses. Index" in paro.get("text", ""),
          paro.get("text", "")[:400])

    output = run("smiley-hub", "report", "status", *db)
    check("report status --database shows both weeks sent",
          f"paro-dcrc week of {monday}: sent to dorji@example.bt" in output
          and f"haa-dcrc week of {monday}: sent to karma@example.bt" in output, output)
    output = run("smiley-hub", "report", "send", *db, *smtp, expect=1)
    check("report send --database is refused while a hub holds the lease, naming it",
          "holds the lease 'weekly-reports'" in output and len(mails()) == 2, output)

    mark = len(survivor.read_log())
    mailer.kill()
    print(f"killed {mailer.name}, the hub that mailed")
    # The survivor's next pass comes within a minute (its poll interval): it takes the lease and finds the week sent.
    wait_for(f"{survivor.name} takes the lease over and runs a pass",
             lambda: "weekly report pass done: 0 tried" in survivor.read_log()[mark:], survivor.process, attempts=600)
    taken = survivor.read_log()[mark:]
    check(f"{survivor.name} took the lease 'weekly-reports' over",
          "lease taken: this hub runs 'weekly-reports'" in taken, taken[-500:])
    check(f"… and mailed no week again", len(mails()) == 2 and "sent to" not in taken, [m["subject"] for m in mails()])
    survivor.stop()

    output = run("smiley-hub", "report", "send", *db, *smtp)
    check("with no hub running, report send --database runs a pass and finds nothing due",
          "No weekly report is due." in output and len(mails()) == 2, output)
    output = run("smiley-hub", "report", "status", "--centre", "paro-dcrc", *db)
    check("report status --centre --database: Paro's week sent, once",
          output.strip() == f"paro-dcrc week of {monday}: sent to dorji@example.bt", output)
    controller.stop()


try:
    main()
finally:
    for process in processes:
        process.kill()
    if failed == 0:
        shutil.rmtree(WORK, ignore_errors=True)
    else:
        print(f"logs kept in {WORK}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
