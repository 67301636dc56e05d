#!/bin/sh
# Guest side of the systemd test (packaging/systemd-test.sh): runs inside the VM booted with systemd as
# PID 1 on a Debian 12 root where smiley-device and smiley-hub were installed with apt, as the unit
# smiley-systemd-test.service, once multi-user.target is reached. Checks the shipped units under
# systemd itself and writes "ok NAME" / "FAIL NAME" lines to $RESULTS/checks, what it saw to $RESULTS/,
# and its exit status to $RESULTS/exit-code; then ends the VM.
set -u
RESULTS=/run/smiley-test/results
DB=/var/lib/smiley-device/presses.sqlite
mkdir -p "$RESULTS"
: >"$RESULTS/checks"
failed=0

check() { # NAME COMMAND...: records whether COMMAND succeeded
    name=$1
    shift
    if "$@"; then
        echo "ok $name" >>"$RESULTS/checks"
    else
        echo "FAIL $name" >>"$RESULTS/checks"
        failed=$((failed + 1))
    fi
}
note() { echo "$*" >>"$RESULTS/notes"; }
prop() { systemctl show -P "$2" "$1"; }
# Waits up to $2 tenths of a second (by the clock, however slow each try is) for `$1`, a shell
# condition, to hold.
wait_until() {
    deadline=$(($(date +%s) + ($2 + 9) / 10))
    until eval "$1"; do
        [ "$(date +%s)" -le "$deadline" ] || return 1
        sleep 0.1
    done
}
count_presses() { sqlite3 "$DB" "SELECT count(*) FROM press"; }
SIM=$(cat /run/smiley-sim/sysfs)
press() { echo pull-down >"$SIM/sim_gpio$1/pull"; sleep 0.12; echo pull-up >"$SIM/sim_gpio$1/pull"; }
finish() {
    journalctl -b --no-pager -o short-monotonic >"$RESULTS/journal.txt" 2>&1
    systemctl list-units --failed --no-pager >"$RESULTS/failed-units.txt" 2>&1
    echo "$failed" >"$RESULTS/exit-code"
    sync
    # A reboot ends the VM (qemu -no-reboot); the kernel has no ACPI to power off with.
    systemctl reboot --no-block
    exit 0
}

# --- boot -------------------------------------------------------------------------
# (is-system-running --wait would wait for this very unit's start job.)
note "system state while the checks run: $(systemctl is-system-running)"
systemd-analyze time >>"$RESULTS/notes" 2>&1
check "systemd is PID 1" [ "$(cat /proc/1/comm)" = systemd ]
check "multi-user.target was reached" [ "$(systemctl is-active multi-user.target)" = active ]
check "the hub's unit is active (running) after boot" [ "$(prop smiley-hub ActiveState)/$(prop smiley-hub SubState)" = active/running ]
check "the hub serves /healthz on 127.0.0.1:8080" wait_until 'curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1' 1800
check "the device's unit is active (running) after boot" [ "$(prop smiley-device ActiveState)/$(prop smiley-device SubState)" = active/running ]
check "the device's unit is Type=notify with a 30 s watchdog" \
    [ "$(prop smiley-device Type) $(prop smiley-device WatchdogUSec)" = "notify 30s" ]
systemctl status --no-pager smiley-device smiley-hub >"$RESULTS/status-after-boot.txt" 2>&1

# --- active only after READY=1 ------------------------------------------------------
# Start the device and freeze it (SIGSTOP) as soon as it has a main PID, before it can send READY=1:
# systemd must keep it "activating" however long that takes; once thawed, it sends READY=1 and the
# unit becomes active. If the device was quicker than the freeze (already active), try again.
systemctl stop smiley-device
frozen=no
attempt=0
while [ $attempt -lt 5 ] && [ $frozen = no ]; do
    attempt=$((attempt + 1))
    systemctl start --no-block smiley-device
    wait_until '[ "$(prop smiley-device MainPID)" != 0 ]' 1800 || break
    pid=$(prop smiley-device MainPID)
    kill -STOP "$pid"
    if [ "$(prop smiley-device ActiveState)" = activating ]; then
        frozen=yes
    else
        kill -CONT "$pid"
        systemctl stop smiley-device
    fi
done
note "READY check: froze the device before READY=1 on attempt $attempt: $frozen"
check "froze the starting device before it sent READY=1" [ $frozen = yes ]
if [ $frozen = yes ]; then
    sleep 5
    check "a started device that has not sent READY=1 stays activating (start)" \
        [ "$(prop smiley-device ActiveState)/$(prop smiley-device SubState)" = activating/start ]
    kill -CONT "$pid"
    check "once thawed it sends READY=1 and the unit is active (running)" \
        wait_until '[ "$(prop smiley-device ActiveState)/$(prop smiley-device SubState)" = active/running ]' 1800
    check "the unit became active after the device logged 'lines requested, ready'" \
        sh -c "journalctl -u smiley-device _PID=$pid -o cat | grep -q 'lines requested, ready'"
fi

# --- a press through the shipped unit reaches the hub ---------------------------------
before=$(count_presses)
press 13
check "a press is stored by the device run from its unit" wait_until '[ "$(count_presses)" -gt "$before" ]' 600
token=$(cat /var/lib/smiley-device/device-token)
check "the hub, run from its unit, received the press" wait_until \
    'curl -fsS -H "Authorization: Bearer $token" http://127.0.0.1:8080/api/v1/devices/vm-1 2>/dev/null | grep -q "\"highestContiguousSequence\" *: *$((before + 1))"' 1200

# --- DevicePolicy=closed, DeviceAllow=char-gpiochip rw --------------------------------
# A process moved into the unit's cgroup is under the unit's BPF device program.
cgroup=/sys/fs/cgroup$(prop smiley-device ControlGroup)
in_unit_cgroup() { sh -c "echo \$\$ >'$cgroup/cgroup.procs' && exec $1" >/dev/null 2>&1; }
not() { ! "$@"; }
chip=$(cat /run/smiley-sim/chip)
check "in the device's cgroup ${chip} can be opened" in_unit_cgroup "head -c 0 ${chip}"
check "outside it /dev/vda (the disk) can be opened" sh -c "head -c 1 /dev/vda >/dev/null"
check "in the device's cgroup /dev/vda cannot be opened" not in_unit_cgroup "head -c 1 /dev/vda"
check "in the device's cgroup /dev/kmsg cannot be opened" not in_unit_cgroup "head -c 0 /dev/kmsg"

# --- systemctl stop lets the in-flight write finish ------------------------------------
# Another connection holds the store's write lock, so the device's write of the next press waits in
# SQLite's busy handler (timeout 10 s). The stop is requested while it waits; the lock is released only
# once systemd has sent SIGTERM (the unit is deactivating). The press must be stored, the exit clean.
rm -f /run/smiley-test-lock
mkfifo /run/smiley-test-lock
sqlite3 "$DB" </run/smiley-test-lock >/dev/null 2>&1 &
holder=$!
exec 3>/run/smiley-test-lock
rm -f /run/smiley-test-lock-held
printf '.timeout 10000\nBEGIN IMMEDIATE;\n.shell touch /run/smiley-test-lock-held\n' >&3
wait_until '[ -e /run/smiley-test-lock-held ]' 300
check "another connection holds the store's write lock" \
    not sqlite3 -cmd ".timeout 0" "$DB" "BEGIN IMMEDIATE; ROLLBACK;"
before=$(count_presses)
press 19
sleep 1
check "the press waits for the lock (not stored yet)" [ "$(count_presses)" = "$before" ]
systemctl stop --no-block smiley-device
check "systemctl stop: the unit is deactivating (SIGTERM sent) while the write waits" \
    wait_until '[ "$(prop smiley-device ActiveState)" = deactivating ]' 100
check "the write is still waiting when the stop has begun" [ "$(count_presses)" = "$before" ]
echo "COMMIT;" >&3
exec 3>&-
wait $holder
check "the unit stopped" wait_until '[ "$(prop smiley-device ActiveState)" = inactive ]' 200
check "the in-flight press was stored" [ "$(count_presses)" = $((before + 1)) ]
check "the device exited 0 on SIGTERM (Result=success, not killed)" \
    [ "$(prop smiley-device Result) $(prop smiley-device ExecMainCode) $(prop smiley-device ExecMainStatus)" = "success 1 0" ]
systemctl start smiley-device

# --- the watchdog restarts a device whose button thread stalls ------------------------
check "the device is active again" wait_until '[ "$(prop smiley-device ActiveState)" = active ]' 1800
pid=$(prop smiley-device MainPID)
restarts=$(prop smiley-device NRestarts)
/usr/local/lib/smiley-test/thread-stall "$pid" smiley-gpio 120 >"$RESULTS/stalled-thread" 2>&1 &
staller=$!
check "only the button thread (smiley-gpio) is stopped" wait_until '[ -s "$RESULTS/stalled-thread" ]' 50
check "the watchdog restarts the device (new main PID, NRestarts + 1)" \
    wait_until '[ "$(prop smiley-device NRestarts)" -gt "$restarts" ] && [ "$(prop smiley-device MainPID)" != "$pid" ] && [ "$(prop smiley-device ActiveState)" = active ]' 3000
check "the journal says why: the watchdog timed out" \
    sh -c "journalctl -u smiley-device -o cat | grep -q 'Watchdog timeout'"
wait $staller 2>/dev/null
journalctl -u smiley-device --no-pager -o short-monotonic >"$RESULTS/device-journal.txt" 2>&1

# --- hardening scores ---------------------------------------------------------------------
systemd-analyze security --no-pager smiley-device >"$RESULTS/security-smiley-device.txt" 2>&1
systemd-analyze security --no-pager smiley-hub >"$RESULTS/security-smiley-hub.txt" 2>&1
check "systemd-analyze security rates both units" \
    sh -c "grep -q 'Overall exposure level' '$RESULTS/security-smiley-device.txt' && grep -q 'Overall exposure level' '$RESULTS/security-smiley-hub.txt'"

# --- the hub stops cleanly ------------------------------------------------------------
systemctl stop smiley-device
systemctl stop smiley-hub
check "the hub stopped cleanly (Result=success, exit 0)" \
    [ "$(prop smiley-hub ActiveState) $(prop smiley-hub Result) $(prop smiley-hub ExecMainStatus)" = "inactive success 0" ]
systemctl start smiley-hub
check "the hub starts again and serves" wait_until 'curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1' 1800

# --- an upgrade under the running systemd ------------------------------------------------
# The same packages at a higher version (systemd-test.sh repacked them): the maintainer scripts reload
# systemd and restart both running daemons on the new files; the data stays.
systemctl start smiley-device
check "before the upgrade, both units are active" \
    wait_until '[ "$(prop smiley-device ActiveState) $(prop smiley-hub ActiveState)" = "active active" ]' 1800
device_pid=$(prop smiley-device MainPID)
hub_pid=$(prop smiley-hub MainPID)
presses=$(count_presses)
device_at_hub() { curl -fsS -H "Authorization: Bearer $token" http://127.0.0.1:8080/api/v1/devices/vm-1 2>/dev/null | grep -o '"highestContiguousSequence" *: *[0-9]*'; }
at_hub=$(device_at_hub)
# dpkg, as apt would run it (apt's own part, resolving against Debian's whole index, took more than two
# minutes under TCG; the apt upgrade is make deb-test's).
DEBIAN_FRONTEND=noninteractive dpkg -i /usr/local/lib/smiley-test/upgrade/*.deb >"$RESULTS/upgrade.log" 2>&1
check "dpkg -i installs the upgrade under the running systemd" [ $? -eq 0 ]
upgraded=$(basename /usr/local/lib/smiley-test/upgrade/smiley-hub_*.deb | cut -d_ -f2)
check "both packages are at $upgraded" \
    [ "$(dpkg-query -W -f='${Version} ' smiley-device smiley-hub)" = "$upgraded $upgraded " ]
check "the upgrade restarted the running hub (new main PID), which serves again" \
    wait_until '[ "$(prop smiley-hub ActiveState)" = active ] && [ "$(prop smiley-hub MainPID)" != "$hub_pid" ] && curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1' 1800
check "the upgrade restarted the running device (new main PID, active)" \
    wait_until '[ "$(prop smiley-device ActiveState)" = active ] && [ "$(prop smiley-device MainPID)" != "$device_pid" ]' 1800
check "the device's stored presses are kept across the upgrade" [ "$(count_presses)" = "$presses" ]
check "the hub's database is kept across the upgrade (the device's presses: $at_hub)" \
    [ -n "$at_hub" -a "$(device_at_hub)" = "$at_hub" ]
journalctl -u smiley-hub --no-pager -o short-monotonic >"$RESULTS/hub-journal.txt" 2>&1
finish
