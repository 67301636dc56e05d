#!/bin/sh
# Guest scenario (run inside the gpio-sim VM by Hardware/sim/run-vm.sh): the real smiley-device binary
# reads the default pin map from the simulated chip. The host-side runner checks the store afterwards.
#   SMILEY_DEVICE_BIN: the smiley-device binary to run.
set -u
BIN=${SMILEY_DEVICE_BIN:?SMILEY_DEVICE_BIN must name the smiley-device binary}
SIM=${SMILEY_SIM_SYSFS:?not running inside the smiley-sim VM}
OUT=$SMILEY_SIM_RESULTS
STATE=${TMPDIR:-/tmp}/smiley-state; mkdir -p "$STATE"
log() { echo "$*" >>"$OUT/scenario.log"; }
pull() { echo "$2" >"$SIM/sim_gpio$1/pull"; }
# Buttons at rest: pulled up (active-low wiring).
for line in 5 6 13 19 16 20 21; do pull $line pull-up; done

cat >"$OUT/device.json" <<JSON
{ "device": "hil-1", "centre": "hil-centre", "hub": "http://127.0.0.1:9", "stateDirectory": "$STATE",
  "upload": { "initialRetryMillis": 60000, "maximumRetryMillis": 60000, "requestTimeoutMillis": 200 } }
JSON
"$BIN" run --config "$OUT/device.json" --log-level debug >"$OUT/device.log" 2>&1 &
pid=$!
i=0
until grep -q "buttons: gpio started" "$OUT/device.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -le 600 ] || { log "device did not start"; cat "$OUT/device.log"; exit 1; }
    kill -0 $pid 2>/dev/null || { log "device exited"; cat "$OUT/device.log"; exit 1; }
    sleep 0.1
done
sleep 1

press() { # line, hold seconds
    pull "$1" pull-down; sleep "$2"; pull "$1" pull-up
}
watch_led() { # line: 1 if the LED was seen lit within 2 s
    j=0
    while [ $j -lt 100 ]; do
        [ "$(cat "$SIM/sim_gpio$1/value")" = 1 ] && { echo 1; return; }
        j=$((j + 1)); sleep 0.02
    done
    echo 0
}
# 1. very happy, then its LED.
press 19 0.2
log "led23 $(watch_led 23)"
# 2. easy (other panel, own LED).
press 21 0.2
log "led24 $(watch_led 24)"
# 3. a 3 ms glitch on happy: must not count.
pull 13 pull-down; pull 13 pull-up
sleep 6
# 4. a bouncing press on happy, after the response interval.
pull 13 pull-down; pull 13 pull-up; pull 13 pull-down; pull 13 pull-up; pull 13 pull-down; sleep 0.2
pull 13 pull-up; pull 13 pull-down; pull 13 pull-up
sleep 0.5
# 5. a repeat within the response interval: kept, suppressed.
press 6 0.15
sleep 0.5
kill -TERM $pid
wait $pid
log "exit $?"
cp -r "$STATE" "$OUT/state"
# Lines are released: another request for them must succeed.
if gpioget "$SMILEY_SIM_CHIP_NAME" 5 >/dev/null 2>&1 || gpioget -c "$SMILEY_SIM_CHIP_NAME" 5 >/dev/null 2>&1; then
    log "released 1"
else
    log "released 0"
fi
