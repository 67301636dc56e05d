#!/bin/sh
# Guest script for the shim self-test (run by run-vm.sh inside the VM).
# Starts the compiled shim-selftest program ($SMILEY_SELFTEST_BIN) and plays the
# "hardware" side: toggles the simulated pulls of GPIO5/GPIO6 and checks the
# simulated levels of the outputs GPIO23/GPIO24 through gpio-sim's sysfs files.
# Log: $SMILEY_SIM_RESULTS/${SMILEY_SELFTEST_TAG:-shim}.log
set -u

BIN=${SMILEY_SELFTEST_BIN:?SMILEY_SELFTEST_BIN must name the compiled shim-selftest}
TAG=${SMILEY_SELFTEST_TAG:-shim}
SIM=${SMILEY_SIM_SYSFS:?not running inside the smiley-sim VM}
LOG=$SMILEY_SIM_RESULTS/$TAG.log

cd "$SMILEY_SIM_RESULTS" || exit 1
rm -f phase-* "$LOG"

"$BIN" >"$LOG" 2>&1 &
pid=$!

fail() {
    echo "not ok - shim-selftest.sh: $*" >>"$LOG"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    cat "$LOG"
    exit 1
}

wait_file() {
    i=0
    while [ ! -e "$1" ]; do
        kill -0 "$pid" 2>/dev/null || [ -e "$1" ] || return 1
        i=$((i + 1))
        [ "$i" -le 400 ] || return 1
        sleep 0.05
    done
}

set_pull() { echo "$2" >"$SIM/sim_gpio$1/pull" || fail "cannot write $2 to sim_gpio$1/pull"; }

wait_file phase-inputs || fail "program did not request its inputs"
set_pull 5 pull-down   # press the very-unhappy button (wired to ground)
set_pull 6 pull-up
touch phase-pressed
wait_file phase-read-pressed || fail "program did not read the pressed state"
set_pull 5 pull-up     # release
set_pull 6 pull-down
touch phase-released

wait_file phase-outputs || fail "program did not set its outputs"
v23=$(cat "$SIM/sim_gpio23/value")
v24=$(cat "$SIM/sim_gpio24/value")
touch phase-outputs-checked
wait "$pid"
rc=$?

if [ "$v23" = 1 ] && [ "$v24" = 1 ]; then
    echo "ok - sysfs: sim_gpio23/value=$v23 sim_gpio24/value=$v24" >>"$LOG"
else
    echo "not ok - sysfs: sim_gpio23/value=$v23 sim_gpio24/value=$v24 (expected 1 and 1)" >>"$LOG"
    rc=1
fi
rm -f phase-*
cat "$LOG"
echo "shim-selftest.sh: program exit status $rc"
exit "$rc"
