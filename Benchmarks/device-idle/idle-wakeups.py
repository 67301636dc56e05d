#!/usr/bin/env python3
"""Wake-ups of an idle smiley-device, per thread and in total.

Starts the given smiley-device binary as a simulated device that presses nothing, with a hub on
loopback (a small HTTP server in this script answering the device's status, heartbeat and ingest
requests) and a systemd notify socket of its own (so the watchdog runs, WATCHDOG_USEC), waits for it
to settle, then samples /proc/PID/task/*/status (voluntary + nonvoluntary context switches) and
/proc/PID/task/*/comm every half second over the idle window, and prints the wake-ups per idle minute
of each thread and of the whole process, and how many watchdog pings and heartbeats arrived.

    idle-wakeups.py .build/release/smiley-device [--seconds 60] [--settle 5]
        [--watchdog-usec 30000000] [--heartbeat-seconds 300] [--hub-down] [--runs 1]

--hub-down points the device at a closed port instead, so the uploader waits in its retry backoff.
Reading another process's /proc files does not wake it, so sampling adds nothing to the figures.
"""

import argparse
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


class Hub(http.server.BaseHTTPRequestHandler):
    """Just enough of the hub's device API for an idle device: it knows no presses of it."""

    protocol_version = "HTTP/1.1"
    heartbeats = 0

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(404, {"error": {"message": "no presses of this device yet"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.endswith("/heartbeat"):
            Hub.heartbeats += 1
            self.reply(200, {})
        else:
            count = len(body.get("presses", []))
            self.reply(200, {"accepted": count, "duplicates": 0, "highestSequence": 0, "highestContiguousSequence": 0,
                             "timeUncertain": 0, "hubTimeMillis": int(time.time() * 1000)})

    def log_message(self, *args):
        pass


def threads(pid):
    """{tid: (comm, context switches)} of the process now."""
    result = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return result
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
            switches = 0
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
            result[int(tid)] = (comm, switches)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return result


def measure(binary, args, run):
    state = tempfile.mkdtemp(prefix="smiley-idle.")
    with open(os.open(f"{state}/device-token", os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write("smiley_idle_benchmark\n")
    hub = None
    if args.hub_down:
        hub_url = "http://127.0.0.1:9"
    else:
        hub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
        threading.Thread(target=hub.serve_forever, daemon=True).start()
        hub_url = f"http://127.0.0.1:{hub.server_address[1]}"
    config = {
        "device": "idle-1", "centre": "bench", "hub": hub_url, "stateDirectory": state,
        "upload": {"heartbeatSeconds": args.heartbeat_seconds, "initialRetryMillis": 600000,
                   "maximumRetryMillis": 600000, "requestTimeoutMillis": 1000},
        "simulation": {"historyDays": 0, "liveMeanIntervalSeconds": 0},
    }
    with open(f"{state}/device.json", "w") as f:
        json.dump(config, f)
    notify_path = f"{state}/notify.sock"
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    messages = []
    def listen():
        while True:
            try:
                data = notify.recv(4096)
            except OSError:
                return
            messages.append((time.monotonic(), data.decode(errors="replace")))
    threading.Thread(target=listen, daemon=True).start()
    env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC=str(args.watchdog_usec))
    env.pop("WATCHDOG_PID", None)
    log = open(f"{state}/device.log", "w")
    device = subprocess.Popen([binary, "run", "--config", f"{state}/device.json"], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not any(m == "READY=1" for _, m in messages):
            if device.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"smiley-device did not become ready (log: {state}/device.log)")
            time.sleep(0.05)
        time.sleep(args.settle)
        start = time.monotonic()
        first = threads(device.pid)
        last = dict(first)
        heartbeats_before = Hub.heartbeats
        while time.monotonic() - start < args.seconds:
            time.sleep(0.5)
            last.update(threads(device.pid))
        elapsed = time.monotonic() - start
        window = [m for t, m in messages if start <= t <= start + elapsed]
        heartbeats = Hub.heartbeats - heartbeats_before
        if device.poll() is not None:
            sys.exit(f"smiley-device exited during the idle window (log: {state}/device.log)")
    finally:
        device.send_signal(signal.SIGTERM)
        try:
            device.wait(timeout=20)
        except subprocess.TimeoutExpired:
            device.kill()
        notify.close()
        if hub:
            hub.shutdown()
    per_minute = 60 / elapsed
    rows = []
    for tid, (comm, switches) in sorted(last.items()):
        woke = switches - first.get(tid, (comm, 0))[1]
        new = "" if tid in first else " (started in the window)"
        rows.append((comm, tid, woke * per_minute, new))
    total = sum(r[2] for r in rows)
    print(f"run {run}: {binary}, {elapsed:.0f} s idle after {args.settle} s settling, "
          f"WATCHDOG_USEC={args.watchdog_usec}, heartbeat every {args.heartbeat_seconds} s, "
          f"hub {'down' if args.hub_down else 'up'}")
    print(f"  {'thread':<20} {'tid':>8} {'wake-ups/min':>13}")
    for comm, tid, rate, new in rows:
        print(f"  {comm:<20} {tid:>8} {rate:13.1f}{new}")
    pings = sum(1 for m in window if "WATCHDOG=1" in m)
    print(f"  {'total':<29} {total:13.1f}   threads: {len(last)}, watchdog pings: {pings * per_minute:.1f}/min, "
          f"heartbeats: {heartbeats * per_minute:.1f}/min")
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--settle", type=float, default=5)
    parser.add_argument("--watchdog-usec", type=int, default=30_000_000)
    parser.add_argument("--heartbeat-seconds", type=int, default=300)
    parser.add_argument("--hub-down", action="store_true")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    totals = [measure(os.path.realpath(args.binary), args, run + 1) for run in range(args.runs)]
    print("total wake-ups per idle minute, each run: " + ", ".join(f"{t:.0f}" for t in totals))


if __name__ == "__main__":
    main()
