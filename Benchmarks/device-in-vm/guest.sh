#!/bin/sh
# Guest side of the device benchmark (inside the gpio-sim VM, see run.sh): 60 presses for the
# release-to-commit latency, then a minute idle for wake-ups, then memory.
set -u
BIN=${SMILEY_DEVICE_BIN:?}
SIM=${SMILEY_SIM_SYSFS:?}
OUT=$SMILEY_SIM_RESULTS
STATE=$TMPDIR/bench
mkdir -p "$STATE"
(umask 077 && echo "smiley_bench" >"$STATE/device-token")
for line in 5 6 13 19 16 20 21; do echo pull-up >"$SIM/sim_gpio$line/pull"; done
cat >"$OUT/device.json" <<JSON
{ "device": "bench-1", "centre": "bench", "hub": "http://127.0.0.1:9", "stateDirectory": "$STATE",
  "upload": { "initialRetryMillis": 600000, "maximumRetryMillis": 600000, "requestTimeoutMillis": 100 } }
JSON
WATCHDOG_USEC=30000000 "$BIN" run --config "$OUT/device.json" --log-level debug >"$OUT/device.log" 2>&1 &
PID=$!
until grep -q "lines requested, ready" "$OUT/device.log"; do sleep 0.1; done
sleep 2
i=0
while [ $i -lt 60 ]; do
    for line in 19 21; do
        echo pull-down >"$SIM/sim_gpio$line/pull"; sleep 0.08; echo pull-up >"$SIM/sim_gpio$line/pull"; sleep 0.12
    done
    i=$((i + 2))
done
sleep 5
switches() {
    total=0
    for status in /proc/$PID/task/*/status; do
        v=$(awk '/^voluntary_ctxt_switches/ {print $2}' "$status")
        n=$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$status")
        total=$((total + v + n))
    done
    echo $total
}
for task in /proc/$PID/task/*; do
    echo "$(cat "$task/comm") $(awk '/ctxt_switches/ {s += $2} END {print s}' "$task/status")" >>"$OUT/threads-before"
done
before=$(switches)
sleep 60
after=$(switches)
for task in /proc/$PID/task/*; do
    echo "$(cat "$task/comm") $(awk '/ctxt_switches/ {s += $2} END {print s}' "$task/status")" >>"$OUT/threads-after"
done
echo "idle_switches_per_minute $((after - before))" >>"$OUT/figures"
awk '/^VmRSS|^VmHWM/ {print $1, $2}' /proc/$PID/status >>"$OUT/figures"
echo "threads $(ls /proc/$PID/task | wc -l)" >>"$OUT/figures"
kill -TERM $PID
wait $PID
