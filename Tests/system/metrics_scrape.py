#!/usr/bin/env python3
"""System test of the metrics: real smiley-hub and smiley-device binaries, real HTTP on loopback, real SQLite
files. Scrapes the hub's /metrics and reads the device's node_exporter textfile with prometheus-client's own
text parser, and checks each figure against what this test did.

usage: metrics_scrape.py BIN_DIRECTORY
"""
import functools
import json
import os
import time

from prometheus_client.parser import text_string_to_metric_families

import hubtest
from hubtest import free_port

TEST = hubtest.SystemTest(__doc__, "smiley-metrics-")
WORK, check, start, stop = TEST.work, TEST.check, TEST.start, TEST.stop
run = functools.partial(TEST.run, stderr=False)  # standard output only
# While waiting, any process of the test that ends stops the run.
wait_for = functools.partial(TEST.wait_for, watch=TEST.processes)
request = functools.partial(hubtest.request, timeout=30)
HUB_STATE = os.path.join(WORK, "hub")
DEVICE_STATE = os.path.join(WORK, "device")
TEXTFILE_DIR = os.path.join(WORK, "node-exporter")
DEVICE, CENTRE = "paro-exit-1", "paro-dcrc"


def samples(text):
    """{(name, frozenset(labels)): value} through prometheus-client's parser (which refuses bad text)."""
    result = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            result[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return result


def value(figures, name, **labels):
    return figures.get((name, frozenset(labels.items())))


def main():
    os.makedirs(TEXTFILE_DIR)
    os.makedirs(DEVICE_STATE)
    run("smiley-hub", "centre", "add", CENTRE, "--state-directory", HUB_STATE, "--name", "Paro DCRC",
        "--time-zone", "Asia/Thimphu")
    token_file = os.path.join(DEVICE_STATE, "device-token")
    run("smiley-hub", "device", "add", DEVICE, "--centre", CENTRE, "--state-directory", HUB_STATE,
        "--token-file", token_file)
    device_token = open(token_file).read().strip()

    # 1. Loopback only (the default): this machine may scrape, a proxied request may not.
    port = free_port()
    hub_url = f"http://127.0.0.1:{port}"
    hub = hubtest.Hub(TEST, "hub-loopback", state=HUB_STATE, port=port)
    status, text = request(hub_url + "/metrics")
    check("loopback-only /metrics answers 127.0.0.1", status == 200, status)
    check("the text parses", samples(text) is not None)
    status, text = request(hub_url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    check("a request a proxy forwarded is refused (403)", status == 403, status)
    hub.stop()

    # 2. With a token: the device runs against it, and the test sends refused batches of its own.
    metrics_token = "system-test-metrics-token-0123456789"
    metrics_token_file = os.path.join(WORK, "metrics-token")
    with open(metrics_token_file, "w") as f:
        f.write(metrics_token + "\n")
    hub = hubtest.Hub(TEST, "hub", ["--metrics-token-file", metrics_token_file], state=HUB_STATE, port=port)
    status, _ = request(hub_url + "/metrics")
    check("with a token file, /metrics without the token is refused (401)", status == 401, status)

    def scrape():
        status, text = request(hub_url + "/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
        assert status == 200, f"/metrics answered {status}: {text}"
        return samples(text)

    config = {
        "device": DEVICE, "centre": CENTRE, "hub": hub_url, "stateDirectory": DEVICE_STATE,
        "metricsTextfileDirectory": TEXTFILE_DIR,
        "upload": {"batchSize": 200, "initialRetryMillis": 200, "maximumRetryMillis": 2000, "heartbeatSeconds": 5},
        "simulation": {"historyDays": 3, "liveMeanIntervalSeconds": 0, "seed": 7, "timeZone": "Asia/Thimphu"},
    }
    config_path = os.path.join(DEVICE_STATE, "device.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    device = start(["smiley-device", "run", "--config", config_path], os.path.join(WORK, "device.log"), mode="w")
    textfile = os.path.join(TEXTFILE_DIR, "smiley-device.prom")

    def device_figures():
        try:
            return samples(open(textfile).read())
        except FileNotFoundError:
            return None

    def settled():
        figures = device_figures()
        if not figures or value(figures, "smiley_device_backlog_presses") != 0:
            return None
        stored = value(figures, "smiley_device_presses_stored_total")
        if not stored or value(scrape(), "smiley_hub_ingest_presses_total", outcome="accepted") != stored:
            return None
        return figures

    figures = wait_for("the history uploaded and a heartbeat after it", settled)
    stored = value(figures, "smiley_device_presses_stored_total")
    check("the device stored presses (3 days of simulated history)", stored > 0, stored)
    check("device: nothing waits for the hub", value(figures, "smiley_device_backlog_presses") == 0)
    check("device: the backlog's age is 0 when nothing waits", value(figures, "smiley_device_backlog_age_seconds") == 0)
    last_upload = value(figures, "smiley_device_last_upload_timestamp_seconds")
    check("device: the last upload is recent", last_upload is not None and abs(time.time() - last_upload) < 3600,
          last_upload)
    check("device: no stuck line, no lost event",
          value(figures, "smiley_device_stuck_lines") == 0 and value(figures, "smiley_device_gpio_events_lost_total") == 0)
    store_bytes = sum(os.path.getsize(os.path.join(DEVICE_STATE, f)) for f in os.listdir(DEVICE_STATE)
                      if f.startswith("presses.sqlite"))
    check("device: storage used is the press store's size", value(figures, "smiley_device_storage_bytes") > 0
          and abs(value(figures, "smiley_device_storage_bytes") - store_bytes) <= 4 * 1024 * 1024,
          (value(figures, "smiley_device_storage_bytes"), store_bytes))
    check("device: info names the device and centre",
          value(figures, "smiley_device_info", device=DEVICE, centre=CENTRE, version=run("smiley-device", "--version").strip()) == 1)
    check("device: no temporary file left beside the textfile", os.listdir(TEXTFILE_DIR) == ["smiley-device.prom"],
          os.listdir(TEXTFILE_DIR))

    # The test's own refused batches: a wrong token, bad JSON, and sequence 1 with other content (a conflict).
    press = {"device": DEVICE, "boot": "not-the-device-boot", "sequence": 1, "question": "satisfaction",
             "answer": "very-unhappy", "monotonicNanos": 1, "wallClockMillis": int(time.time() * 1000),
             "clockSynchronised": True, "suppressed": False}
    clock = {"boot": "not-the-device-boot", "monotonicNanos": 2, "wallClockMillis": int(time.time() * 1000),
             "synchronised": True}
    conflict = json.dumps({"device": DEVICE, "centre": CENTRE, "presses": [press], "clock": clock}).encode()
    ingest = hub_url + "/api/v1/ingest"
    json_type = {"Content-Type": "application/json"}
    statuses = [
        request(ingest, "POST", conflict, {**json_type, "Authorization": "Bearer wrong-token"})[0],
        request(ingest, "POST", b"{not json", {**json_type, "Authorization": f"Bearer {device_token}"})[0],
        request(ingest, "POST", conflict, {**json_type, "Authorization": f"Bearer {device_token}"})[0],
    ]
    check("the test's batches were refused 401, 400, 409", statuses == [401, 400, 409], statuses)

    hub_figures = scrape()
    check("hub: presses accepted = the device's presses stored",
          value(hub_figures, "smiley_hub_ingest_presses_total", outcome="accepted") == stored)
    for status in (401, 400, 409):
        check(f"hub: one batch refused with {status}",
              value(hub_figures, "smiley_hub_ingest_refused_total", status=str(status)) == 1)
    check("hub: one conflict", value(hub_figures, "smiley_hub_ingest_conflicts_total") == 1)
    refused = value(hub_figures, "smiley_hub_ingest_requests_total", outcome="refused")
    check("hub: requests refused = 3", refused == 3, refused)
    stored_batches = value(hub_figures, "smiley_hub_ingest_requests_total", outcome="stored")
    count = value(hub_figures, "smiley_hub_ingest_duration_seconds_count")
    check("hub: every ingest request is in the latency histogram", count == stored_batches + refused,
          (count, stored_batches, refused))
    check("hub: the device was seen in the last hour", value(hub_figures, "smiley_hub_devices_seen_last_hour") == 1)
    age = value(hub_figures, "smiley_hub_device_heartbeat_age_seconds", centre=CENTRE, device=DEVICE)
    check("hub: the device's heartbeat is younger than a minute", age is not None and 0 <= age < 60, age)
    # The hub's alert service logs each alert it opens or resolves: the open ones are those the log opened
    # and did not resolve since (the device's history may leave it silent for opening hours).
    # Both runs of the hub (the alerts are in the database the second run continued).
    log = "".join(open(os.path.join(WORK, name)).read() for name in ("hub-loopback.log", "hub.log"))
    opened = {}
    for line in log.splitlines():
        if "alert opened at" in line or "alert resolved at" in line:
            kind = line.split("alert ", 1)[1].split(": ")[1]
            opened[kind] = opened.get(kind, 0) + (1 if "alert opened" in line else -1)
    alerts = {dict(labels)["kind"]: v for (name, labels), v in hub_figures.items() if name == "smiley_hub_alerts_open"}
    check("hub: alerts open by kind are those the hub's log opened and did not resolve",
          set(alerts) >= {"dip", "silent-device", "device-offline"}
          and all(alerts[kind] == opened.get(kind, 0) for kind in alerts), (alerts, opened))
    check("hub: the database has a size", value(hub_figures, "smiley_hub_database_bytes", file="main") > 0)
    check("hub: this scrape's connection is counted", value(hub_figures, "smiley_hub_http_connections_open") >= 1
          and value(hub_figures, "smiley_hub_http_connections_total") >= 1)

    stop(device)
    hub.stop()


TEST.finish(main, prefix="metrics system tests: ", summary_if_aborted=True)
