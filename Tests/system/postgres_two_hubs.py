#!/usr/bin/env python3
"""End-to-end test of the hub on PostgreSQL: two `smiley-hub serve --database postgres://…` processes on one
throwaway server (run under scripts/with-postgres.sh), provisioned by `smiley-hub migrate` from an SQLite hub
made with the CLI (with a manager who signs in there and, after the copy, on PostgreSQL with the same
password and the same session). Three devices (this test's own client, real batches over HTTP with the devices' tokens)
upload through both hubs in turns. One hub is killed with SIGKILL while a 5,000-press batch is on the wire,
and later again right after such a batch was sent whole (its fate unknown); each time the device sends the
same batch to the other hub. Afterwards every acknowledged press is held exactly once, the rollups equal a
recount from the presses and the test's own tally, the manager reads the same heatmap API, export and overview
from both hubs, equal to a recount of the presses, and /metrics the figures; a manager's live page (`/events`)
open on one hub hears the presses another hub stored, and so does today's centre page in a headless Chromium. The manager
adds an action and changes an alert rule on the centre page through one hub and sees both on the other. Then
centres and devices are provisioned straight on PostgreSQL with the CLI (`--database`), and a device enrolled
through one hub. A lobby display token made on SQLite before migrate, and one made with `display create
--database`, open the same screen on both hubs; revoked with `display revoke --database`, it is 410 on both. Last, alerts across hubs (evaluated every 5 s): unhappy presses open one dip, whose webhook
reaches this test's receiver once; the hub that evaluated it is killed with SIGKILL, and the other takes the
leases over, resolves the dip when happy presses follow, and opens and delivers the next one. Asked to stop
(SIGTERM) while the manager's live page is still open on it, that hub ends the page's stream and exits.

usage: scripts/with-postgres.sh python3 Tests/system/postgres_two_hubs.py BIN_DIRECTORY
"""
import datetime
import hashlib
import http.client
import http.server
import json
import os
import random
import signal
import subprocess
import threading
import time

import hubtest
from hubtest import browse, fetch, request

TEST = hubtest.SystemTest(__doc__, "smiley-two-hubs-")
PG = hubtest.Postgres("smiley_two_hubs")
check, run, wait_for = TEST.check, TEST.run, TEST.wait_for
WORK, URL, psql = TEST.work, PG.url, PG.rows
SQLITE_STATE = os.path.join(WORK, "sqlite-hub")
CENTRE = "tsirang-dcrc"
DEVICES = ["tsirang-exit-1", "tsirang-exit-2", "tsirang-lobby-1"]
PASSWORD = "correct horse battery"
ANSWERS = ["very-unhappy", "unhappy", "happy", "very-happy"]
HOOKS = []  # (delivery id, event, kind, centre) of every webhook the receiver got


class HookReceiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        alert = body.get("alert", {})
        HOOKS.append((self.headers.get("Smiley-Delivery"), body.get("event"), alert.get("kind"), alert.get("centre")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


RECEIVER = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HookReceiver)
threading.Thread(target=RECEIVER.serve_forever, daemon=True).start()
HOOK_SECRET = os.path.join(WORK, "webhook.secret")
with open(HOOK_SECRET, "w") as secret_file:
    secret_file.write("a webhook secret of this test\n")
# Every PostgreSQL hub: alerts evaluated every 5 s, delivered to the receiver.
HUB_ARGS = [*PG.args, "--alert-interval", "5", "--alert-webhook-url",
            f"http://127.0.0.1:{RECEIVER.server_address[1]}/hook", "--alert-webhook-secret-file", HOOK_SECRET]


class Device:
    """One device's presses, numbered from 1, and what the hubs acknowledged."""

    def __init__(self, name, token, seed):
        self.name = name
        self.token = token
        self.random = random.Random(seed)
        self.next = 1
        self.boot = f"boot-{name}"
        self.acknowledged = set()
        self.last_reply = None
        self.counted = {}  # answer -> presses that must be in the rollup (placed, not suppressed)

    def batch(self, size, just_now=False):
        """`size` presses of random answers placed an hour ago (out of the dip rule's last 15 minutes), or
        with `just_now` very happy ones placed a second ago (today in the centre's time, UTC+6, at any hour:
        an hour ago is yesterday there in the first hour of its day; happy, so that they open no dip), and
        the batch's body."""
        now = int(time.time() * 1000)
        start = now - 1000 if just_now else now - 3_600_000
        presses = []
        for _ in range(size):
            sequence = self.next
            self.next += 1
            answer = "very-happy" if just_now else self.random.choice(ANSWERS)
            presses.append({
                "device": self.name, "boot": self.boot, "sequence": sequence, "question": "satisfaction",
                "answer": answer, "monotonicNanos": 10 ** 12 + sequence * 10 ** 6,
                "wallClockMillis": min(start + sequence, now), "clockSynchronised": True,
                "suppressed": self.random.random() < 0.1})
        clock = {"boot": self.boot, "monotonicNanos": 10 ** 12 + self.next * 10 ** 6, "wallClockMillis": now,
                 "synchronised": True}
        return presses, json.dumps({"device": self.name, "centre": CENTRE, "presses": presses,
                                    "clock": clock}).encode()

    def headers(self):
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    def acknowledge(self, presses, reply):
        status, text = reply
        self.last_reply = reply
        if status != 200:
            return None
        receipt = json.loads(text)
        if receipt["accepted"] + receipt["duplicates"] != len(presses):
            raise SystemExit(f"{self.name}: a receipt that does not add up: {receipt} for {len(presses)} presses")
        for press in presses:
            if press["sequence"] not in self.acknowledged:
                self.acknowledged.add(press["sequence"])
                if not press["suppressed"]:
                    self.counted[press["answer"]] = self.counted.get(press["answer"], 0) + 1
        return receipt

    def upload(self, hub, presses, body):
        return self.acknowledge(presses, request(hub.url + "/api/v1/ingest", "POST", body, self.headers()))


class EventStream:
    """A signed-in browser's `/events` on a hub, read line by line on a thread of its own; the centres of its
    press events, in order, in `centres`."""

    def __init__(self, hub, session):
        self.connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=120)
        self.connection.request("GET", "/events", headers={"Cookie": f"smiley_session={session}",
                                                           "Accept": "text/event-stream"})
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.content_type = self.response.getheader("Content-Type")
        self.lines = []
        self.centres = []
        self.reader = threading.Thread(target=self.read, daemon=True)
        if self.status == 200:
            self.reader.start()

    def read(self):
        try:
            while True:
                line = self.response.readline()
                if not line:
                    return
                line = line.decode().rstrip("\n")
                self.lines.append(line)
                if line.startswith("data: "):
                    self.centres.append(line[len("data: "):])
        except (OSError, http.client.HTTPException, ValueError, AttributeError):
            return  # closed by `close()` (http.client drops its socket file then) or by the hub

    def close(self):
        self.connection.close()


def browser_sees_presses_through_another_hub(page_hub, press_hub, device, session):
    """A real browser (headless Chromium, Selenium) signed in as the manager shows today's centre page served by
    `page_hub`; presses sent to `press_hub` appear on it without a reload."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    try:
        driver.get(page_hub.url + "/login")
        driver.add_cookie({"name": "smiley_session", "value": session, "path": "/"})
        driver.get(f"{page_hub.url}/centres/{CENTRE}?window=today")
        driver.execute_script("window.smileyMarker = 42")
        def status():
            return driver.execute_script(
                "const s = document.getElementById('live-status'); return s ? s.textContent.trim() : '';")

        wait_for("the browser's page to follow live updates", lambda: status().startswith(("Live", "Updated at")))

        def shown():
            # Presses in opening hours and outside them, read in one script (a refresh replaces the figures).
            return driver.execute_script(
                "const p = document.querySelector('#question-satisfaction .presses');"
                "const o = document.querySelector('#question-satisfaction [data-outside]');"
                "return (p ? Number(p.dataset.presses) : 0) + (o ? Number(o.dataset.outside) : 0);")

        before = shown()
        presses, body = device.batch(5, just_now=True)
        counted = sum(1 for press in presses if not press["suppressed"])
        check(f"five presses through {press_hub.name} while the page is open on {page_hub.name}",
              device.upload(press_hub, presses, body) is not None, device.last_reply)
        wait_for(f"the page on {page_hub.name} to show the presses sent to {press_hub.name}",
                 lambda: shown() >= before + counted)
        check(f"the browser's centre page on {page_hub.name} shows the {counted} counted presses sent to "
              f"{press_hub.name} without a reload", shown() == before + counted
              and driver.execute_script("return window.smileyMarker") == 42
              and "Updated at" in status(), (before, shown(), counted, status()))
    finally:
        driver.quit()


def send_then_kill(hub, device, body, whole):
    """Sends a batch to `hub` and kills it with SIGKILL: half-way through the body, or right after its last
    byte. Returns what the device learnt (None: no answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=60)
    connection.putrequest("POST", "/api/v1/ingest")
    for key, value in device.headers().items():
        connection.putheader(key, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    cut = len(body) if whole else len(body) // 2
    connection.send(body[:cut])
    hub.kill()
    try:
        if not whole:
            connection.send(body[cut:])
        response = connection.getresponse()
        return response.status
    except (ConnectionError, http.client.HTTPException, OSError):
        return None
    finally:
        connection.close()


def main():
    PG.create()
    os.makedirs(SQLITE_STATE)
    run("smiley-hub", "centre", "add", CENTRE, "--state-directory", SQLITE_STATE, "--name", "Tsirang DCRC",
        "--time-zone", "Asia/Thimphu")
    run("smiley-hub", "centre", "set", CENTRE, "--state-directory", SQLITE_STATE, "--hours", "Mon-Sat 08:00-18:00",
        "--holiday", "2026-12-17")
    devices = []
    for index, name in enumerate(DEVICES):
        token_file = os.path.join(WORK, f"{name}.token")
        run("smiley-hub", "device", "add", name, "--centre", CENTRE, "--state-directory", SQLITE_STATE,
            "--token-file", token_file)
        devices.append(Device(name, open(token_file).read().strip(), seed=index + 1))

    # A manager added on the SQLite hub, signed in there: migrate carries the password and the session over.
    run("smiley-hub", "user", "add", "kinley", "--role", "manager", "--centre", CENTRE, "--state-directory",
        SQLITE_STATE, "--password-stdin", "--bcrypt-cost", "4", stdin=PASSWORD + "\n")

    # Some presses reach the SQLite hub first: migrate carries them over.
    sqlite_hub = hubtest.Hub(TEST, "sqlite-hub", [], state=SQLITE_STATE)
    for device in devices:
        presses, body = device.batch(40)
        check(f"{device.name}: a first batch stored on SQLite", device.upload(sqlite_hub, presses, body) is not None,
              device.last_reply)
    status, _, sqlite_session, location = sqlite_hub.sign_in("kinley", PASSWORD)
    check("kinley signs in on the SQLite hub", status == 303 and sqlite_session, (status, location))
    sqlite_hub.stop()
    # A lobby screen's address handed out by the SQLite hub: migrate carries its token's hash over.
    output = run("smiley-hub", "display", "create", CENTRE, "--state-directory", SQLITE_STATE, "--label",
                 "entrance screen", "--base-url", "http://hub.example")
    sqlite_screen = output.partition("screen: http://hub.example")[2].partition("\n")[0]

    source = "sqlite:" + os.path.join(SQLITE_STATE, "hub.sqlite")
    output = run("smiley-hub", "migrate", "--from", source, "--to", URL)
    print(output)
    check("migrate copies 120 presses, kinley and a display token and finds both sides equal",
          "120 presses (0 already held)" in output and " 1 people, " in output and "1 display tokens" in output
          and "display_token rows: sqlite 1, postgresql 1" in output and "both sides agree" in output, output)
    output = run("smiley-hub", "migrate", "--from", source, "--to", URL)
    check("migrate again copies nothing twice", "0 presses (120 already held)" in output
          and "both sides agree" in output, output)
    with_password = run("smiley-hub", "serve", "--database",
                        f"postgres://{PG.user}:secret@/{PG.database}?host={PG.socket}", expect=64)
    check("a database URL carrying a password is refused", "--database-password-file" in with_password,
          with_password)

    hubs = [hubtest.Hub(TEST, "hub-a", HUB_ARGS), hubtest.Hub(TEST, "hub-b", HUB_ARGS)]
    start_log = hubs[0].read_log()
    check("the log says what the hub serves from PostgreSQL, live updates and the lobby screen included",
          "live updates (/events" in start_log and "the lobby screen and its poster" in start_log
          and "not on PostgreSQL yet" not in start_log)
    status, page, _, _ = browse(hubs[0].url + "/account/tokens", cookies={"smiley_session": sqlite_session})
    check("the session opened on the SQLite hub holds on a PostgreSQL hub",
          status == 200 and "Signed in as <strong>kinley</strong>" in page, status)
    status, _, session, location = hubs[1].sign_in("kinley", PASSWORD)
    check("kinley, added on SQLite before migrate, signs in on a PostgreSQL hub with the same password",
          status == 303 and location == "/" and session, (status, location))
    check("… and not with another", hubs[0].sign_in("kinley", "not the password")[0] == 401)
    # Live updates across hubs: kinley's page on hub b hears a batch that reaches hub a.
    stream = EventStream(hubs[1], session)
    check("kinley's /events on hub b is an event stream", stream.status == 200
          and stream.content_type == "text/event-stream", (stream.status, stream.content_type))
    wait_for("the event stream's first comment", lambda: ": connected" in stream.lines)
    check("… and carries nothing yet", stream.centres == [], stream.centres)
    wait_for("both hubs to listen for every hub's presses",
             lambda: all("listening for presses of every hub on channel 'smiley_press'" in hub.read_log()
                         for hub in hubs))
    presses, body = devices[0].batch(3)
    check("three presses through hub a", devices[0].upload(hubs[0], presses, body) is not None, devices[0].last_reply)
    wait_for("hub b's stream to carry the presses through hub a", lambda: stream.centres)
    check("kinley's stream on hub b carries the centre of the presses sent to hub a", stream.centres == [CENTRE],
          stream.centres)
    stream.close()
    browser_sees_presses_through_another_hub(hubs[1], hubs[0], devices[0], session)
    anonymous = EventStream(hubs[1], "not-a-session")
    check("/events without a session is sent to sign in", anonymous.status == 303, anonymous.status)
    anonymous.close()
    status, text = request(hubs[0].url + "/metrics")
    check("/metrics answers the hub's own machine on PostgreSQL, naming the devices",
          status == 200 and all(f'device="{device}"' in text for device in DEVICES), (status, text[:300]))
    status, text = request(hubs[0].url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    check("… and refuses a forwarded request, as on SQLite", status == 403, status)
    status, text = request(hubs[0].url + "/api/v1/centres")
    check("the heatmap API wants a person on PostgreSQL too", status == 401, (status, text))

    restarts = 0
    for round_number in range(8):
        for index, device in enumerate(devices):
            hub = hubs[(round_number + index) % 2]
            other = hubs[(round_number + index + 1) % 2]
            if (round_number, index) in [(2, 0), (5, 1)]:
                # A big batch, and the hub dies under it: half-way through the body the first time, after
                # the whole body the second (stored or not: only the other hub's receipt tells).
                presses, body = device.batch(5000)
                status = send_then_kill(hub, device, body, whole=(round_number == 5))
                check(f"{device.name}: no receipt from the killed {hub.name}", status is None, status)
                receipt = device.upload(other, presses, body)
                check(f"{device.name}: the same batch stored through {other.name}", receipt is not None)
                restarts += 1
                hubs[hubs.index(hub)] = hubtest.Hub(TEST, f"{hub.name}-{restarts}", HUB_ARGS)
                continue
            presses, body = device.batch(random.Random(round_number * 7 + index).randint(20, 300))
            receipt = device.upload(hub, presses, body)
            check(f"round {round_number}: {device.name} through {hub.name}", receipt is not None, device.last_reply)
            if round_number % 3 == 1:
                # A retry whose first receipt was lost, to the other hub: all duplicates.
                again = device.upload(other, presses, body)
                check(f"round {round_number}: {device.name}'s resend through {other.name} is all duplicates",
                      again is not None and again["duplicates"] == len(presses) and again["accepted"] == 0, again)

    for device in devices:
        status, text = request(f"{hubs[1].url}/api/v1/devices/{device.name}", headers=device.headers())
        held = json.loads(text) if status == 200 else {}
        check(f"{device.name}: the hub holds 1…{device.next - 1} without a gap",
              held.get("highestContiguousSequence") == device.next - 1 == held.get("highestSequence"), (status, text))

    # Exactly once, from the database itself.
    for device in devices:
        [(count, distinct, low, high)] = psql(
            f"SELECT COUNT(*), COUNT(DISTINCT sequence), MIN(sequence), MAX(sequence) FROM press "
            f"WHERE device_id = '{device.name}'")
        expected = len(device.acknowledged)
        check(f"{device.name}: every acknowledged press held once ({expected})",
              int(count) == int(distinct) == expected and int(low) == 1 and int(high) == expected
              and device.acknowledged == set(range(1, expected + 1)), (count, distinct, low, high, expected))
        rolled = {answer: int(total) for answer, total in psql(
            f"SELECT answer, SUM(count) FROM hourly_rollup WHERE device_id = '{device.name}' GROUP BY answer")}
        check(f"{device.name}: the rollup counts each press once (the test's own tally)", rolled == device.counted,
              (rolled, device.counted))
    recount = """SELECT device_id, question, answer, local_hour, COUNT(*), SUM(score) FROM press
                 WHERE time_status <> 'uncertain' AND NOT suppressed GROUP BY 1, 2, 3, 4"""
    rollup = "SELECT device_id, question, answer, local_hour, count, score_sum FROM hourly_rollup WHERE count > 0"
    differ = psql(f"SELECT COUNT(*) FROM (({recount}) EXCEPT ({rollup})) a") + \
        psql(f"SELECT COUNT(*) FROM (({rollup}) EXCEPT ({recount})) b")
    check("hourly_rollup equals a recount of the presses", differ == [["0"], ["0"]], differ)
    summed = """SELECT centre_id, question, substr(local_hour, 1, 10)::date - date '1970-01-01', hour, answer,
                       SUM(count) FROM hourly_rollup WHERE count > 0 GROUP BY 1, 2, 3, 4, 5"""
    heatmap = "SELECT centre_id, question, day, hour, answer, count FROM centre_hour WHERE count > 0"
    differ = psql(f"SELECT COUNT(*) FROM (({summed}) EXCEPT ({heatmap})) a") + \
        psql(f"SELECT COUNT(*) FROM (({heatmap}) EXCEPT ({summed})) b")
    check("centre_hour (what the heatmaps read) equals the rollup summed over devices", differ == [["0"], ["0"]],
          differ)
    [[total]] = psql("SELECT COUNT(*) FROM press")
    print(f"{total} presses held from {sum(len(d.acknowledged) for d in devices)} acknowledged")
    read_figures(hubs, devices)
    care_across_hubs(hubs)

    # The SQLite hub is behind now: migrate again doubles nothing, and says the sides differ (exit 1).
    rollup_before = psql("SELECT SUM(count) FROM hourly_rollup")
    output = run("smiley-hub", "migrate", "--from", source, "--to", URL, expect=1)
    check("migrate against a database that moved on copies nothing and exits 1 naming the difference",
          "0 presses (120 already held)" in output and "DIFFERENT" in output, output)
    check("… and changes nothing", psql("SELECT COUNT(*) FROM press") == [[total]]
          and psql("SELECT SUM(count) FROM hourly_rollup") == rollup_before)

    provision_on_postgres(hubs)
    lobby_across_hubs(hubs, sqlite_screen)
    for hub in alerts_across_hubs(hubs, devices[0]):
        stops_with_a_live_page_open(hub)


def stops_with_a_live_page_open(hub):
    """A hub asked to stop (SIGTERM) while a manager's live page is open ends that page's stream and exits: an
    open page, which never ends its request itself, must not hold up a restart. The page stays open here."""
    status, _, session, _ = hub.sign_in("kinley", PASSWORD)
    stream = EventStream(hub, session)
    wait_for("the live page's stream opens", lambda: ": connected" in stream.lines, hub.process, attempts=100)
    hub.process.send_signal(signal.SIGTERM)
    try:
        code = hub.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        code = None
    check(f"{hub.name}, asked to stop while a manager's live page is open, exits (within 20 s, exit 0)",
          code == 0, code)
    stream.reader.join(timeout=5)
    check("… and ended the page's stream itself (the browser reconnects after 3 s)", not stream.reader.is_alive(),
          stream.lines[-3:])
    stream.close()
    if code is None:
        hub.kill()
    else:
        TEST.processes.remove(hub.process)


OPEN_DAYS = range(0, 6)  # Mon-Sat, as the centre was set on SQLite and copied by migrate
OPEN_HOURS = range(8, 18)
HOLIDAYS = {"2026-12-17"}


def is_open(local_hour):
    """Whether a `YYYY-MM-DDTHH` hour is open at the centre: the test's own reading of its hours."""
    day, hour = local_hour[:10], int(local_hour[11:13])
    return (day not in HOLIDAYS and datetime.date.fromisoformat(day).weekday() in OPEN_DAYS
            and hour in OPEN_HOURS)


def read_figures(hubs, devices):
    """kinley, signed in on each hub, reads the heatmap API, the export and the overview: the same from both
    hubs, and equal to a recount from the presses held and to the test's own tally."""
    replies = []
    for hub in hubs:
        status, _, session, _ = hub.sign_in("kinley", PASSWORD)
        cookie = {"Cookie": f"smiley_session={session}"}
        heatmap = request(f"{hub.url}/api/v1/centres/{CENTRE}/heatmap?window=last-4-weeks", headers=cookie)
        export = request(f"{hub.url}/api/v1/centres/{CENTRE}/export?format=json&window=last-4-weeks", headers=cookie)
        overview = request(f"{hub.url}/?window=last-4-weeks", headers=cookie)
        centres = request(f"{hub.url}/api/v1/centres", headers=cookie)
        check(f"kinley reads the heatmap API, the export and the overview on {hub.name}",
              status == 303 and heatmap[0] == 200 and export[0] == 200 and overview[0] == 200
              and centres[0] == 200, (status, heatmap[0], export[0], overview[0], centres[0]))
        replies.append((heatmap, export, overview, centres))
    check("both hubs answer the same heatmap", replies[0][0] == replies[1][0])
    check("both hubs answer the same export", replies[0][1] == replies[1][1])
    check("both hubs answer the same list of centres", replies[0][3] == replies[1][3]
          and [c["id"] for c in json.loads(replies[0][3][1])] == [CENTRE], replies[0][3])
    forms = [reply[2][1].replace(reply[2][1].partition('name="csrf" value="')[2].partition('"')[0], "TOKEN")
             for reply in replies]
    check("both hubs draw the same overview", forms[0] == forms[1] and "Tsirang DCRC" in forms[0])

    heatmap = json.loads(replies[0][0][1])
    window = heatmap["window"]
    last = (datetime.date.fromisoformat(window["to"]) + datetime.timedelta(days=1)).isoformat()
    rows = psql(f"""SELECT local_hour, answer, COUNT(*) FROM press p JOIN device d ON d.id = p.device_id
                    WHERE d.centre_id = '{CENTRE}' AND question = 'satisfaction' AND time_status <> 'uncertain'
                    AND NOT suppressed AND local_hour >= '{window["from"]}' AND local_hour < '{last}'
                    GROUP BY 1, 2""")
    open_counts = {}
    closed = 0
    for local_hour, answer, count in rows:
        if is_open(local_hour):
            open_counts[answer] = open_counts.get(answer, 0) + int(count)
        else:
            closed += int(count)
    answers = {entry["answer"]: entry["count"] for entry in heatmap["answers"] if entry["count"]}
    check("the heatmap's presses by answer equal a recount of the presses in open hours",
          answers == open_counts and heatmap["presses"] == sum(open_counts.values()), (answers, open_counts))
    check("… and its presses outside opening hours the rest", heatmap["outsideOpeningHours"] == closed,
          (heatmap["outsideOpeningHours"], closed))
    tally = sum(sum(device.counted.values()) for device in devices)
    check("… which add up to the test's own tally of the presses acknowledged",
          heatmap["presses"] + heatmap["outsideOpeningHours"] == tally and tally > 0,
          (heatmap["presses"], heatmap["outsideOpeningHours"], tally))
    exported = sum(row["count"] for row in json.loads(replies[0][1][1])["rows"])
    check("the export counts every press of the tally", exported == tally, (exported, tally))


def care_across_hubs(hubs):
    """kinley adds an action and changes an alert rule on the centre page through one hub; the other hub's
    centre page shows both (one database, nothing kept in a process), and refuses an empty action alike."""
    a, b = hubs
    _, _, session_a, _ = a.sign_in("kinley", PASSWORD)
    status, page, _, _ = browse(f"{a.url}/centres/{CENTRE}", cookies={"smiley_session": session_a})
    check(f"kinley opens the centre page on {a.name}", status == 200 and "Tsirang DCRC" in page, status)
    csrf = page.partition('name="csrf" value="')[2].partition('"')[0]
    today = datetime.date.today().isoformat()
    status, _, _, location = browse(
        f"{a.url}/centres/{CENTRE}/actions",
        {"date": today, "text": "Second counter opened on Mondays", "hours": "Mon 08:00-12:00", "csrf": csrf},
        {"smiley_session": session_a})
    check(f"an action added through {a.name}'s form", status == 303 and location == f"/centres/{CENTRE}#actions",
          (status, location))
    status, _, _, location = browse(f"{a.url}/centres/{CENTRE}/alert-rules",
                                    {"dip.window-minutes": "45", "csrf": csrf}, {"smiley_session": session_a})
    check(f"an alert rule changed through {a.name}'s form", status == 303, (status, location))

    _, _, session_b, _ = b.sign_in("kinley", PASSWORD)
    status, page_b, _, _ = browse(f"{b.url}/centres/{CENTRE}", cookies={"smiley_session": session_b})
    check(f"{b.name}'s centre page shows the action added through {a.name}",
          status == 200 and "Second counter opened on Mondays" in page_b and "Mon 08:00-12:00" in page_b, status)
    check("… and the rule changed there", 'name="dip.window-minutes" value="45"' in page_b)
    csrf_b = page_b.partition('name="csrf" value="')[2].partition('"')[0]
    status, text, _, _ = browse(f"{b.url}/centres/{CENTRE}/actions",
                                {"date": today, "text": "   ", "hours": "", "csrf": csrf_b},
                                {"smiley_session": session_b})
    check(f"an empty action is refused by {b.name}, naming what is missing",
          status == 400 and "needs a description" in text, (status, text[:200]))
    check("the database holds the one action, by kinley",
          psql("SELECT text, recorded_by FROM centre_action") == [["Second counter opened on Mondays", "kinley"]])
    for path in [f"/centres/{CENTRE}", f"/centres/{CENTRE}/actions", f"/centres/{CENTRE}/alert-rules"]:
        form = {"date": today, "text": "Anonymous action", "hours": ""} if path.endswith("/actions") else (
            {"dip.window-minutes": "5"} if path.endswith("/alert-rules") else None)
        status, text, _, location = browse(f"{b.url}{path}", form)
        check(f"nobody signed in: {path} on {b.name} sends to the sign-in page and shows nothing",
              status == 303 and (location or "").startswith("/login") and "Tsirang" not in text, (status, location))
    check("… and nothing was stored by them",
          psql("SELECT text FROM centre_action") == [["Second counter opened on Mondays"]]
          and psql("SELECT value FROM alert_rule_setting WHERE name = 'dip.window-minutes'") == [["45"]])


def provision_on_postgres(hubs):
    """Centres and devices added straight on PostgreSQL with the CLI, and a device enrolled through a hub."""
    db = PG.args
    output = run("smiley-hub", "centre", "add", "paro-dcrc", *db, "--name", "Paro DCRC")
    check("centre add --database adds a centre on PostgreSQL", "added centre paro-dcrc" in output
          and psql("SELECT name, time_zone FROM centre WHERE id = 'paro-dcrc'") == [["Paro DCRC", "Asia/Thimphu"]],
          output)
    output = run("smiley-hub", "centre", "set", "paro-dcrc", *db, "--hours", "Mon-Fri 09:00-17:00",
                 "--holiday", "2026-12-17")
    check("centre set --database sets hours and holidays on PostgreSQL", "open Mon-Fri 09:00-17:00" in output
          and psql("SELECT date FROM centre_holiday WHERE centre_id = 'paro-dcrc'") == [["2026-12-17"]], output)
    output = run("smiley-hub", "centre", "set", "paro-dcrc", *db, "--group", "west", expect=1)
    check("centre set --group --database of an unknown group is refused by name", "unknown group 'west'" in output,
          output)
    run("smiley-hub", "group", "add", "west", *db)
    output = run("smiley-hub", "centre", "set", "paro-dcrc", *db, "--group", "west")
    check("group add and centre set --group --database put the centre in the group on PostgreSQL",
          "in group west" in output and psql("SELECT group_name FROM centre WHERE id = 'paro-dcrc'") == [["west"]]
          and "west\tparo-dcrc" in run("smiley-hub", "group", "list", *db), output)
    output = run("smiley-hub", "centre", "list", *db)
    check("centre list --database lists both centres", "paro-dcrc\t" in output and CENTRE + "\t" in output, output)

    token = run("smiley-hub", "device", "add", "tsirang-exit-9", "--centre", CENTRE, *db).strip()
    added = Device("tsirang-exit-9", token, seed=9)
    presses, body = added.batch(30)
    receipt = added.upload(hubs[0], presses, body)
    check("device add --database: its printed token uploads through a hub", receipt is not None
          and receipt["accepted"] == 30, added.last_reply)
    output = run("smiley-hub", "device", "add", "tsirang-exit-9", "--centre", CENTRE, *db, expect=64)
    check("device add --database of an existing id is refused", "already exists" in output, output)

    code = run("smiley-hub", "enroll", "--centre", CENTRE, *db).strip()
    enroll = lambda hub, name: request(hub.url + "/api/v1/enroll", "POST",
                                       json.dumps({"code": code, "device": name}).encode(),
                                       {"Content-Type": "application/json"})
    status, text = enroll(hubs[1], "tsirang-entrance-1")
    check("enroll --database: the code redeemed through a hub", status == 200, (status, text))
    enrolled = Device("tsirang-entrance-1", json.loads(text)["token"] if status == 200 else "", seed=10)
    status, text = enroll(hubs[0], "tsirang-entrance-2")
    check("… and refused through the other hub for another device", status == 409 and "already used" in text,
          (status, text))
    presses, body = enrolled.batch(10)
    receipt = enrolled.upload(hubs[0], presses, body)
    check("the enrolled device uploads through the other hub", receipt is not None and receipt["accepted"] == 10,
          enrolled.last_reply)

    output = run("smiley-hub", "device", "list", *db)
    check("device list --database shows the new devices with their presses",
          "tsirang-exit-9\ttsirang-dcrc\t30 presses\thighest sequence 30" in output
          and "tsirang-entrance-1\ttsirang-dcrc\t10 presses" in output, output)
    output = run("smiley-hub", "device", "revoke", "tsirang-exit-9", *db)
    presses, body = added.batch(5)
    check("device revoke --database: the hubs refuse its token",
          "revoked device" in output and added.upload(hubs[1], presses, body) is None
          and added.last_reply[0] == 401, (output, added.last_reply))
    output = run("smiley-hub", "device", "set-key", "tsirang-exit-9", *db, "--public-key", "x", expect=64)
    check("device set-key --database refuses a malformed key by name",
          "expected base64 of a 32-byte Ed25519 public key" in output, output)
    output = run("smiley-hub", "backup", os.path.join(WORK, "copy.sqlite"), *db, expect=64)
    check("a command with no PostgreSQL side does not take --database", "--database" in output, output)


def lobby_across_hubs(hubs, sqlite_screen):
    """Display tokens on PostgreSQL: one copied by migrate, one made with `display create --database`; both hubs
    serve the same screen and poster for each; `display revoke --database` switches one off at both hubs."""
    db = PG.args
    for hub in hubs:
        status, page = request(hub.url + sqlite_screen)
        check(f"the screen of the token migrate copied is served by {hub.name}",
              status == 200 and "Tsirang DCRC" in page and "Last week:" in page, (status, page[:200]))
    output = run("smiley-hub", "display", "create", CENTRE, *db, "--label", "hall screen", "--base-url", hubs[0].url)
    screen = output.partition("screen: " + hubs[0].url)[2].partition("\n")[0]
    poster = output.partition("poster: " + hubs[0].url)[2].partition("\n")[0]
    token = screen.rpartition("/")[2]
    check("display create --database prints the screen's and the poster's addresses once",
          output.startswith(f"display #2 for {CENTRE} (shown once; only its hash is kept):")
          and screen.startswith("/display/display_") and poster == screen + "/poster", output)
    pages = {}
    for hub in hubs:
        for path in [screen, poster]:
            pages[(hub.name, path)] = request(hub.url + path)
            check(f"{path.rpartition('/')[2] == 'poster' and 'poster' or 'screen'} served by {hub.name}",
                  pages[(hub.name, path)][0] == 200 and "Tsirang DCRC" in pages[(hub.name, path)][1],
                  pages[(hub.name, path)][0])
    check("both hubs serve the same screen and poster",
          all(pages[(hubs[0].name, path)] == pages[(hubs[1].name, path)] for path in [screen, poster]))
    fonts = [fetch(hub.url + "/display-font/uchen.ttf") for hub in hubs]
    installed = "/usr/share/fonts/truetype/tibetan/DDC_Uchen.ttf"  # fonts-ddc-uchen, serve's --lobby-font default
    if os.path.exists(installed):
        with open(installed, "rb") as font:
            expected = font.read()
        check("both hubs serve the installed lobby font, byte for byte",
              fonts[0] == fonts[1] == (200, expected), [(status, len(body)) for status, body in fonts])
    else:
        check("both hubs answer 404 for the lobby font that is not installed (never 503)",
              fonts[0][0] == fonts[1][0] == 404, [status for status, _ in fonts])
    check("the database holds the token's SHA-256, not the token",
          psql(f"SELECT token_hash, label FROM display_token WHERE id = 2")
          == [[hashlib.sha256(token.encode()).hexdigest(), "hall screen"]]
          and psql(f"SELECT COUNT(*) FROM display_token WHERE token_hash LIKE '%{token[8:20]}%' "
                   f"OR label LIKE '%{token[8:20]}%'") == [["0"]])
    output = run("smiley-hub", "display", "list", CENTRE, *db)
    lines = output.splitlines()
    check("display list --database lists both tokens, active",
          len(lines) == 2 and lines[0].startswith(f"1\t{CENTRE}\tentrance screen\tcreated ")
          and lines[1].startswith(f"2\t{CENTRE}\thall screen\tcreated ") and all(l.endswith("\tactive") for l in lines),
          output)
    output = run("smiley-hub", "display", "create", "nowhere-dcrc", *db, "--label", "x", expect=1)
    check("display create --database for an unknown centre is refused by name",
          "unknown centre 'nowhere-dcrc'" in output, output)
    output = run("smiley-hub", "display", "create", CENTRE, *db, "--label", "x" * 81, expect=1)
    check("… and a label of 81 characters", "at most 80 characters" in output, output)
    check("… and nothing was stored", psql("SELECT COUNT(*) FROM display_token") == [["2"]])

    output = run("smiley-hub", "display", "revoke", "2", *db)
    check("display revoke --database", "revoked display #2" in output, output)
    for hub in hubs:
        status, text = request(hub.url + screen)
        check(f"the revoked screen answers 410 at {hub.name}'s next request", status == 410 and "switched off" in text,
              (status, text))
        check(f"… and its poster", request(hub.url + poster)[0] == 410)
        check(f"the copied token's screen is still served by {hub.name}", request(hub.url + sqlite_screen)[0] == 200)
    output = run("smiley-hub", "display", "revoke", "2", *db, expect=1)
    check("revoking it again is refused by name", "no display token #2, or it is already revoked" in output, output)
    output = run("smiley-hub", "display", "list", *db)
    check("display list --database shows it revoked", "\thall screen\t" in output
          and output.splitlines()[1].split("\t")[-1].startswith("revoked "), output)
    check("the audit log names both changes", "display token created" in run("smiley-hub", "audit", *db)
          and "display token revoked" in run("smiley-hub", "audit", *db))


def unhappy_then_happy(device, answers):
    """A batch of `answers` placed now (the dip rule reads the last minutes), and its body."""
    now = int(time.time() * 1000)
    presses = []
    for answer in answers:
        sequence = device.next
        device.next += 1
        presses.append({
            "device": device.name, "boot": device.boot, "sequence": sequence, "question": "satisfaction",
            "answer": answer, "monotonicNanos": 10 ** 12 + sequence * 10 ** 6, "wallClockMillis": now - 1000,
            "clockSynchronised": True, "suppressed": False})
    clock = {"boot": device.boot, "monotonicNanos": 10 ** 12 + device.next * 10 ** 6, "wallClockMillis": now,
             "synchronised": True}
    return presses, json.dumps({"device": device.name, "centre": CENTRE, "presses": presses,
                                "clock": clock}).encode()


def alerts_across_hubs(hubs, device):
    """A dip opened by the hub holding the lease "alert-evaluation", delivered once; that hub killed, the other
    takes over. Returns the hubs still running."""
    def dips():
        return [hook for hook in HOOKS if hook[2] == "dip" and hook[3] == CENTRE]

    def open_dips():
        return psql(f"SELECT COUNT(*) FROM alert WHERE kind = 'dip' AND centre_id = '{CENTRE}' "
                    "AND resolved_millis IS NULL")

    check("no dip before the unhappy presses", open_dips() == [["0"]] and dips() == [], (open_dips(), dips()))
    presses, body = unhappy_then_happy(device, ["very-unhappy"] * 8)
    check("eight unhappy presses stored through hub 1", device.upload(hubs[1], presses, body) is not None,
          device.last_reply)
    wait_for("a dip alert opens", lambda: open_dips() == [["1"]], attempts=150)
    wait_for("the dip's webhook arrives", lambda: len(dips()) >= 1, attempts=150)
    evaluated = [hub for hub in hubs if f"alert opened at {CENTRE}: dip" in hub.read_log()]
    check("exactly one hub evaluated the dip (the lease holder)", len(evaluated) == 1, [h.name for h in hubs])
    holder = evaluated[0]
    survivor = hubs[1 - hubs.index(holder)]
    check(f"… and {survivor.name} did not", f"alert opened at {CENTRE}: dip" not in survivor.read_log())
    holder.kill()
    print(f"killed {holder.name}, the holder of 'alert-evaluation'")
    presses, body = unhappy_then_happy(device, ["very-happy"] * 30)
    check(f"thirty happy presses stored through {survivor.name}", device.upload(survivor, presses, body) is not None,
          device.last_reply)
    wait_for(f"{survivor.name} resolves the dip", lambda: open_dips() == [["0"]], survivor.process, attempts=150)
    survivor_log = survivor.read_log()
    check(f"{survivor.name} took the lease over and resolved the dip",
          "lease taken: this hub runs 'alert-evaluation'" in survivor_log
          and f"alert resolved at {CENTRE}: dip" in survivor_log, survivor.log)
    check("the first dip's webhook arrived once", len(dips()) == 1 and dips()[0][1] == "opened", dips())
    presses, body = unhappy_then_happy(device, ["very-unhappy"] * 40)
    check(f"forty unhappy presses stored through {survivor.name}", device.upload(survivor, presses, body) is not None,
          device.last_reply)
    wait_for("a second dip opens", lambda: open_dips() == [["1"]], survivor.process, attempts=150)
    wait_for("its webhook arrives", lambda: len(dips()) >= 2, survivor.process, attempts=150)
    wait_for("both dips' deliveries recorded as delivered", lambda: psql(
        "SELECT COUNT(*) FROM alert_delivery d JOIN alert a ON a.id = d.alert_id "
        f"WHERE a.kind = 'dip' AND a.centre_id = '{CENTRE}' AND d.state = 'delivered' AND d.attempts = 1") == [["2"]],
        survivor.process, attempts=150)
    check(f"{survivor.name} delivered the second dip, once",
          len(dips()) == 2 and len({hook[0] for hook in dips()}) == 2
          and "lease taken: this hub runs 'alert-delivery'" in survivor.read_log(), dips())
    status, text = request(survivor.url + "/metrics")
    check("/metrics counts the open dip from the database", 'smiley_hub_alerts_open{kind="dip"} 1' in text,
          [line for line in text.splitlines() if "alerts_open" in line])
    return [survivor]


TEST.finish(main)
