#!/bin/sh
# Guest side of the hardware-in-the-loop scenarios (run inside the gpio-sim VM by Hardware/sim/run-vm.sh).
# Each scenario starts the real smiley-device binary with a config file against the simulated chip,
# drives the button lines through gpio-sim's pulls, watches the LED lines, and leaves the device's
# SQLite store and what it saw in $SMILEY_SIM_RESULTS/<scenario>/ for the host to check (Tests/hil/run.sh).
#   SMILEY_DEVICE_BIN   the smiley-device binary
#   SMILEY_HIL_ONLY     optional: run only these scenarios (names separated by spaces)
#   SMILEY_HIL_TRACE    optional: play this one trace (scenario "play-trace", Tests/hil/play-trace.sh)
#   SMILEY_HIL_DEBOUNCE optional: extra "debounce" settings for it
# The trace player and the generated traces are in $SMILEY_SIM_RESULTS/.trace/ (put there by run.sh).
set -u
BIN=${SMILEY_DEVICE_BIN:?SMILEY_DEVICE_BIN must name the smiley-device binary}
SIM=${SMILEY_SIM_SYSFS:?not running inside the smiley-sim VM}
RESULTS=$SMILEY_SIM_RESULTS
ONLY=${SMILEY_HIL_ONLY:-}

pull() { echo "$2" >"$SIM/sim_gpio$1/pull"; }
down() { pull "$1" pull-down; }
up() { pull "$1" pull-up; }
press() { down "$1"; sleep "$2"; up "$1"; }
note() { echo "$1 $2" >>"$OUT/seen"; }

# The LED lines are watched by Hardware/sim/led-watch.c (compiled by run.sh): it reads the line every
# millisecond without starting a process per reading, which under emulation can outlast a 250 ms blink.
WATCH=$RESULTS/.trace/led-watch

# Watches LED line $1 from before a press: starts the watch, waits until it has read the line once, and
# leaves it running; watched_led waits for its verdict in LIT: 1 if the line lit (a rising edge) within
# 10 s, 0 if not, "error" if the line could not be read.
watch_led_from_now() {
    rm -f "$OUT/watch.ready"
    "$WATCH" --edge --timeout-ms 10000 --ready "$OUT/watch.ready" "$SIM/sim_gpio$1/value" >"$OUT/watch.out" 2>>"$OUT/watch.err" &
    WATCHER=$!
    w=0
    until [ -e "$OUT/watch.ready" ]; do
        w=$((w + 1))
        if [ $w -gt 300 ] || ! kill -0 $WATCHER 2>/dev/null; then break; fi
        sleep 0.01
    done
}
watched_led() {
    wait $WATCHER
    LIT=$(cat "$OUT/watch.out")
    [ -n "$LIT" ] || LIT=error
}

# The LED line is lit now or lights within 5 s.
watch_led() { "$WATCH" --timeout-ms 5000 "$SIM/sim_gpio$1/value" 2>>"$OUT/watch.err" || echo error; }

stored() { grep -c "press stored" "$OUT/device.log" 2>/dev/null || echo 0; }

# Waits up to 5 s until the device logged N stored presses in all (it may stop short; the checks say so).
wait_stored() {
    k=0
    until [ "$(stored)" -ge "$1" ]; do
        k=$((k + 1))
        [ $k -le 50 ] || return 1
        sleep 0.1
    done
}

# Waits up to 30 s for FILE to contain TEXT.
wait_for() {
    k=0
    until grep -q "$2" "$1" 2>/dev/null; do
        k=$((k + 1))
        [ $k -le 300 ] || return 1
        sleep 0.1
    done
}

start_device() { # extra debounce JSON
    STATE=$TMPDIR/$SCENARIO
    mkdir -p "$STATE"
    # No hub in the VM: any token will do, but the device insists on a private token file.
    (umask 077 && echo "smiley_hil" >"$STATE/device-token")
    cat >"$OUT/device.json" <<JSON
{ "device": "hil-1", "centre": "hil", "hub": "http://127.0.0.1:9", "stateDirectory": "$STATE",
  "debounce": { $1 },
  "upload": { "initialRetryMillis": 600000, "maximumRetryMillis": 600000, "requestTimeoutMillis": 100 } }
JSON
    "$BIN" run --config "$OUT/device.json" --log-level debug >>"$OUT/device.log" 2>&1 &
    PID=$!
    i=0
    until [ "$(grep -c 'lines requested, ready' "$OUT/device.log")" -ge "${STARTS:-1}" ]; do
        i=$((i + 1))
        if [ $i -gt 900 ] || ! kill -0 $PID 2>/dev/null; then
            note start failed
            return 1
        fi
        sleep 0.1
    done
}

stop_device() {
    kill -TERM $PID
    wait $PID
    note exit $?
    cp "$STATE"/presses.sqlite* "$OUT/" 2>/dev/null
}

begin() {
    SCENARIO=$1
    case " $ONLY " in "  " | *" $SCENARIO "*) ;; *) return 1 ;; esac
    OUT=$RESULTS/$SCENARIO
    mkdir -p "$OUT"
    : >"$OUT/seen"
    STARTS=1
    for line in 5 6 13 19 16 20 21; do up $line; done
    echo "scenario $SCENARIO" >&2
}

# Every button of both panels once; each panel's LED acknowledges.
if begin every-button; then
    start_device '"responseIntervalMillis": 200' && {
        for line in 5 6 13 19; do watch_led_from_now 23; press $line 0.12; watched_led; note "led$line" "$LIT"; sleep 0.3; done
        for line in 16 20 21; do watch_led_from_now 24; press $line 0.12; watched_led; note "led$line" "$LIT"; sleep 0.3; done
        wait_stored 7
        stop_device
    }
fi

# Bounce bursts on press and release, a glitch shorter than the window, and a quick 40 ms tap.
if begin contacts; then
    start_device '"responseIntervalMillis": 200' && {
        down 19; up 19; down 19; up 19; down 19; sleep 0.15; up 19; down 19; up 19; down 19; up 19
        sleep 0.5
        down 13; up 13
        sleep 0.5
        press 21 0.04
        wait_stored 2
        stop_device
    }
fi

# Presses on one panel within the response interval: kept, flagged suppressed.
if begin repeats; then
    start_device '"responseIntervalMillis": 5000' && {
        press 19 0.1; sleep 0.4; press 13 0.1; sleep 0.4; press 5 0.1; sleep 0.4
        press 21 0.1
        wait_stored 4
        stop_device
    }
fi

# A button held down past the stuck limit counts nothing; once released, presses count again.
if begin stuck; then
    start_device '"stuckAfterMillis": 2000, "responseIntervalMillis": 200' && {
        down 6; sleep 3; up 6
        sleep 0.5
        press 6 0.1
        wait_stored 1
        stop_device
    }
fi

# Two buttons of one panel pressed together: neither counts, both kept.
if begin two-together; then
    start_device '"responseIntervalMillis": 200' && {
        down 5; down 19; sleep 0.2; up 5; up 19
        wait_stored 2
        stop_device
    }
fi

# SIGKILL mid-stream, then a restart: nothing acknowledged is lost, no sequence number reused.
if begin sigkill; then
    start_device '"responseIntervalMillis": 100' && {
        for line in 19 16 13 20 6 21 5; do press $line 0.06; sleep 0.15; done
        wait_stored 7
        note before "$(stored)"
        kill -KILL $PID
        wait $PID 2>/dev/null
        STARTS=2
        start_device '"responseIntervalMillis": 100' && {
            for line in 19 21; do press $line 0.06; sleep 0.3; done
            wait_stored 9
            stop_device
        }
    }
fi

# smileyctl provision checks the lines first: busy lines are named with their holder, and nothing
# is written; once free, it gets as far as the (absent) hub and still writes nothing.
if begin provision; then
    CTL=$(dirname "$BIN")/smileyctl
    P=$TMPDIR/provision
    start_device '"responseIntervalMillis": 200' && {
        "$CTL" gpio list >"$OUT/gpio-list.out" 2>&1
        "$CTL" provision --hub http://127.0.0.1:9 --code ABCD-EFGH-JKLM --device hil-2 --config "$P/device.json" \
            --state-directory "$P/state" >"$OUT/busy.out" 2>&1
        note busy-status $?
        stop_device
        "$CTL" provision --hub http://127.0.0.1:9 --code ABCD-EFGH-JKLM --device hil-2 --config "$P/device.json" \
            --state-directory "$P/state" >"$OUT/free.out" 2>&1
        note free-status $?
        [ -e "$P/device.json" ] || [ -e "$P/state/device-token" ] && note written 1 || note written 0
        # A line the chip does not have is named (the same lookup provisioning uses).
        sed 's/"stateDirectory"/"buttons": [{"line": "GPIO99", "question": "satisfaction", "answer": "happy"}], "stateDirectory"/' \
            "$OUT/device.json" >"$OUT/missing.json"
        "$BIN" run --config "$OUT/missing.json" >"$OUT/missing.out" 2>&1
        note missing-status $?
    }
fi

# smileyctl buttons test: through the running daemon (test presses kept apart, LED still blinks),
# then with the daemon stopped, reading the lines itself.
if begin buttons-test; then
    CTL=$(dirname "$BIN")/smileyctl
    start_device '"responseIntervalMillis": 200' && {
        "$CTL" buttons test --seconds 6 --config "$OUT/device.json" >"$OUT/live.out" 2>&1 &
        tester=$!
        wait_for "$OUT/live.out" "ready"
        press 19 0.1
        note led "$(watch_led 23)"
        wait $tester
        wait_for "$OUT/device.log" "buttons test ended"
        press 13 0.1
        wait_stored 1
        stop_device
        "$CTL" buttons test --seconds 6 --config "$OUT/device.json" >"$OUT/direct.out" 2>&1 &
        tester=$!
        wait_for "$OUT/direct.out" "ready"
        press 21 0.1
        note direct-led "$(watch_led 24)"
        wait $tester
        note direct-status $?
    }
fi

# smileyctl buttons record writes the raw edges; smiley-device replay debounces them into one press.
if begin record; then
    CTL=$(dirname "$BIN")/smileyctl
    STATE=$TMPDIR/record
    mkdir -p "$STATE"
    echo "{ \"device\": \"hil-1\", \"centre\": \"hil\", \"hub\": \"http://127.0.0.1:9\", \"stateDirectory\": \"$STATE\" }" >"$OUT/device.json"
    "$CTL" buttons record --seconds 6 --out "$OUT/trace.txt" --config "$OUT/device.json" >"$OUT/record.out" 2>&1 &
    recorder=$!
    wait_for "$OUT/record.out" "recording the buttons"
    down 19; up 19; down 19; sleep 0.15; up 19; down 19; up 19
    wait $recorder
    note record-status $?
    "$BIN" replay "$OUT/trace.txt" --config "$OUT/device.json" >"$OUT/replay.out" 2>&1
    note replay-status $?
fi

# Trace scenarios: the player (Hardware/sim/trace-player.c) drives the pulls at the trace's times under
# SCHED_FIFO 10 (below the kernel's interrupt threads, above the device) and writes the trace as applied.
# The host replays it (and the trace as intended) with `smiley-device replay` and compares (run.sh, check.py).
PLAYER=$RESULTS/.trace/trace-player
TRACES=$RESULTS/.trace/traces

# Waits until the device has stored nothing new for 1 s (at most 10 s): its last decision falls due a
# window (20 ms) after the trace's last edge. A press stored later than that is missing from the store,
# and the host's comparison says so.
settle() {
    last=-1
    k=0
    while [ "$(stored)" != "$last" ] && [ $k -lt 10 ]; do
        last=$(stored)
        k=$((k + 1))
        sleep 1
    done
}

play_trace() { # SCENARIO TRACE DEBOUNCE_JSON [PLAYER_OPTIONS]
    if begin "$1"; then
        cp "$2" "$OUT/intended.trace"
        start_device "$3" && {
            # shellcheck disable=SC2086 # the options are words
            "$PLAYER" --fifo 10 ${4:-} --applied "$OUT/applied.trace" --stats "$OUT/player.json" "$2" 2>"$OUT/player.err"
            note player-status $?
            settle
            stop_device
        }
    fi
}
if [ -n "${SMILEY_HIL_TRACE:-}" ]; then
    play_trace play-trace "$SMILEY_HIL_TRACE" "${SMILEY_HIL_DEBOUNCE:-}"
fi
play_trace ringing "$TRACES/ringing.trace" '"responseIntervalMillis": 200'
play_trace storm "$TRACES/storm.trace" '"responseIntervalMillis": 200'
play_trace starved-storm "$TRACES/starved-storm.trace" '"responseIntervalMillis": 200' '--spin-below-us 2000'
play_trace child-spam "$TRACES/child-spam.trace" ''
play_trace chord "$TRACES/chord.trace" '"responseIntervalMillis": 300'
play_trace long-hold "$TRACES/long-hold.trace" '"stuckAfterMillis": 3000, "responseIntervalMillis": 200'

# SIGTERM: a clean stop that releases the lines for others.
if begin sigterm; then
    start_device '"responseIntervalMillis": 200' && {
        press 13 0.1
        wait_stored 1
        stop_device
        if gpioget "$SMILEY_SIM_CHIP_NAME" 5 >/dev/null 2>&1 || gpioget -c "$SMILEY_SIM_CHIP_NAME" 5 >/dev/null 2>&1; then
            note released 1
        else
            note released 0
        fi
    }
fi
exit 0
