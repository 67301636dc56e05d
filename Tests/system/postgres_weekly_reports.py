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
import threading
import time
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

import hubtest
from hubtest import free_port, request

TEST = hubtest.SystemTest(__doc__, "smiley-weekly-reports-")
PG = hubtest.Postgres("smiley_weekly_reports")
check, run, wait_for, WORK = TEST.check, TEST.run, TEST.wait_for, TEST.work
ZONE = "Asia/Thimphu"
DEVICE = "paro-exit-1"
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


def postgres_hub(name, args):
    """A `smiley-hub serve` process on PostgreSQL with `args`, answering once this returns."""
    return hubtest.Hub(TEST, name, [*PG.args, *args])


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
    PG.create()
    smtp_port = free_port()
    controller = Controller(MailHandler(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    db = PG.args
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
    ingest = postgres_hub("ingest-hub", [])
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
    hubs = [postgres_hub("hub-a", [*smtp, "--log-level", "debug"]),
            postgres_hub("hub-b", [*smtp, "--log-level", "debug"])]
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


TEST.finish(main)
