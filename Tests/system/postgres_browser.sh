#!/usr/bin/env bash
# The dashboard's and the lobby's browser tests (Tests/system/dashboard_browser.py, lobby_browser.py) against a
# hub on PostgreSQL holding the demo's data, moved there as an operator would: the demo (scripts/demo.sh, on
# SQLite) runs until its history, alerts and failed alert e-mail are in, is stopped, `smiley-hub migrate` copies
# its hub.sqlite into a fresh database of the throwaway server, and `smiley-hub serve --database` serves it on a
# free port with the demo hub's alert delivery settings. The demo's logins file, its lobby addresses pointed at
# that hub, is what the browser tests read: the demo's passwords, API token and display token were carried over.
# Stops everything it started, also when a check fails or it is interrupted; exits 1 when any check failed.
#
# usage: scripts/with-postgres.sh Tests/system/postgres_browser.sh BIN_DIRECTORY PYTHON
set -uo pipefail

bin="${1:?usage: scripts/with-postgres.sh postgres_browser.sh BIN_DIRECTORY PYTHON}"
python="${2:?usage: scripts/with-postgres.sh postgres_browser.sh BIN_DIRECTORY PYTHON}"
socket="${SMILEY_TEST_POSTGRES_SOCKET:?run under scripts/with-postgres.sh}"
pg_user="${SMILEY_TEST_POSTGRES_USER:?run under scripts/with-postgres.sh}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/smiley-pg-browser.XXXXXX)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
demo_port="$(free_port)"
demo="http://127.0.0.1:${demo_port}"
database="smiley_browser"
url="postgres://${pg_user}@/${database}?host=${socket}"
started="$(date +%s)"
passed=0
failed=0
demo_pid=""
hub_pid=""
browser_pid=""

check() {
    local name="$1"
    shift
    if "$@"; then
        echo "✔ ${name}"
        passed=$((passed + 1))
    else
        echo "✘ ${name}"
        failed=$((failed + 1))
    fi
}

# Stops what is still running: SIGTERM, then SIGKILL after 60 s.
stop() {
    local pid="$1" _
    [ -n "${pid}" ] || return 0
    kill -TERM "${pid}" 2>/dev/null || return 0
    for _ in $(seq 1 120); do
        kill -0 "${pid}" 2>/dev/null || break
        sleep 0.5
    done
    kill -KILL "${pid}" 2>/dev/null || true
    wait "${pid}" 2>/dev/null || true
}

finish() {
    local status=$?
    trap - EXIT INT TERM HUP
    # A browser test cut short: its process group, Chromium and its driver included.
    [ -n "${browser_pid}" ] && kill -TERM -- "-${browser_pid}" 2>/dev/null
    stop "${browser_pid}"
    stop "${hub_pid}"
    stop "${demo_pid}"
    [ "${status}" -ne 0 ] && [ "${failed}" -eq 0 ] && failed=1
    echo "postgres browser tests: ${passed} passed, ${failed} failed in $(($(date +%s) - started)) s"
    if [ "${failed}" -eq 0 ]; then
        rm -rf "${work}"
        exit 0
    fi
    echo "logs in ${work}"
    exit 1
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The demo on SQLite, as demo-smoke.sh starts it: three weeks of history, alerts, the alerts' failed e-mail.
(
    cd "${root}" || exit 1
    SMILEY_DEMO_PORT="${demo_port}" SMILEY_DEMO_STATE="${work}/state" SMILEY_DEMO_HISTORY_DAYS=21 \
        SMILEY_DEMO_LIVE_SECONDS=2 exec scripts/demo.sh "${bin}"
) >"${work}/demo.out" 2>&1 &
demo_pid=$!
dashboard_printed() { grep -q "^Dashboard: ${demo}/$" "${work}/demo.out"; }
for _ in $(seq 1 480); do
    dashboard_printed && break
    kill -0 "${demo_pid}" 2>/dev/null || break
    sleep 0.5
done
check "the demo runs on SQLite and prints its dashboard line" dashboard_printed
if ! dashboard_printed; then
    cat "${work}/demo.out"
    exit 1
fi

# The operator stops the SQLite hub before moving its data: nothing arrives there during the copy.
demo_stops() {
    stop "${demo_pid}"
    demo_pid=""
    ! pgrep -f "${work}/state" >/dev/null
}
check "the demo stops (SIGTERM) with everything it started" demo_stops

migrates() {
    createdb -h "${socket}" -U "${pg_user}" "${database}" || return 1
    "${bin}/smiley-hub" migrate --from "sqlite:${work}/state/hub/hub.sqlite" --to "${url}" >"${work}/migrate.out" 2>&1 \
        && grep -q "^both sides agree$" "${work}/migrate.out" \
        && grep -q "^alert_delivery rows: sqlite [1-9][0-9]*, postgresql [1-9]" "${work}/migrate.out" \
        && grep -q "^display_token rows: sqlite 1, postgresql 1$" "${work}/migrate.out"
}
check "smiley-hub migrate copies the demo's hub into a fresh PostgreSQL database and finds both sides equal" migrates

# The demo hub's alert delivery settings (scripts/demo.sh): e-mail with no recipient fails, and a retry fails again.
hub_port="$(free_port)"
hub="http://127.0.0.1:${hub_port}"
mkdir -p "${work}/postgres-hub"
"${bin}/smiley-hub" serve --database "${url}" --state-directory "${work}/postgres-hub" --port "${hub_port}" \
    --alert-interval 10 --smtp-host 127.0.0.1 --smtp-port 25 --smtp-security none --smtp-from smiley-demo@localhost \
    >"${work}/postgres-hub.log" 2>&1 &
hub_pid=$!
serves() {
    local _
    for _ in $(seq 1 240); do
        curl -fsS "${hub}/healthz" >/dev/null 2>&1 && return 0
        kill -0 "${hub_pid}" 2>/dev/null || return 1
        sleep 0.25
    done
    return 1
}
check "smiley-hub serve --database serves the copy" serves

# The demo's logins, its lobby addresses now at the PostgreSQL hub (the display token's hash was copied).
logins="${work}/logins.json"
writes_logins() {
    (umask 077 && python3 - "${work}/state/demo-logins.json" "${demo}" "${hub}" >"${logins}") <<'PY'
import json, sys
logins = json.load(open(sys.argv[1]))
for key in ("screen", "poster"):
    assert logins["lobby"][key].startswith(sys.argv[2] + "/"), logins["lobby"][key]
    logins["lobby"][key] = sys.argv[3] + logins["lobby"][key][len(sys.argv[2]):]
json.dump(logins, sys.stdout, indent=2)
PY
}
check "the logins file points the browser tests at the PostgreSQL hub" writes_logins

copied_token_reads() {
    local token
    token="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["apiToken"])' "${logins}")"
    [ "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${token}" \
        "${hub}/api/v1/centres/paro-dcrc/heatmap?window=last-4-weeks")" = 200 ]
}
check "the demo's API token, copied by migrate, reads the PostgreSQL hub's heatmap" copied_token_reads

# Runs a browser test in a process group of its own, in the background so that a signal is handled at once
# (bash waits for a foreground command before running a trap) and stops its Chromium too.
run_browser_test() {
    local status
    setsid "$@" &
    browser_pid=$!
    wait "${browser_pid}"
    status=$?
    browser_pid=""
    return "${status}"
}

browser_tests_pass() {
    run_browser_test "${python}" "${root}/Tests/system/dashboard_browser.py" "${hub}" "${url}" "${bin}/smiley-hub" \
        --logins "${logins}"
}
check "the dashboard's browser tests pass against the PostgreSQL hub" browser_tests_pass

lobby_browser_tests_pass() {
    run_browser_test "${python}" "${root}/Tests/system/lobby_browser.py" --logins "${logins}"
}
check "the lobby screen's and poster's browser tests pass against the PostgreSQL hub" lobby_browser_tests_pass

hub_stops() {
    local since
    since="$(date +%s)"
    stop "${hub_pid}"
    hub_pid=""
    echo "  the PostgreSQL hub stopped in $(($(date +%s) - since)) s"
    ! pgrep -f "${work}/postgres-hub" >/dev/null
}
check "the PostgreSQL hub stops (SIGTERM)" hub_stops
