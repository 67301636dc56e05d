#!/usr/bin/env bash
# System test of `make demo`: the real binaries, real HTTP on loopback, real SQLite files, and a real
# headless browser. Starts scripts/demo.sh on a free port with a shorter history, checks the heatmaps
# over HTTP, runs the dashboard's browser tests (Tests/system/dashboard_browser.py: Selenium, headless
# Chromium, axe-core), then stops the demo with Ctrl-C (SIGINT) and checks it cleaned up.
#
# usage: demo-smoke.sh BIN_DIRECTORY PYTHON [--screenshots DIR]
set -uo pipefail

bin="${1:?usage: demo-smoke.sh BIN_DIRECTORY PYTHON [--screenshots DIR]}"
python="${2:?usage: demo-smoke.sh BIN_DIRECTORY PYTHON [--screenshots DIR]}"
shift 2
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/smiley-demo-smoke.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
hub="http://127.0.0.1:${port}"
passed=0
failed=0

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

finish() {
    [ -n "${demo_pid:-}" ] && kill -INT "${demo_pid}" 2>/dev/null
    echo "system tests: ${passed} passed, ${failed} failed"
    [ "${failed}" -eq 0 ] && rm -rf "${work}"
    [ "${failed}" -eq 0 ]
}

(
    cd "${root}" || exit 1
    SMILEY_DEMO_PORT="${port}" SMILEY_DEMO_STATE="${work}/state" SMILEY_DEMO_HISTORY_DAYS="${SMILEY_SMOKE_HISTORY_DAYS:-21}" \
        SMILEY_DEMO_LIVE_SECONDS=2 exec scripts/demo.sh "${bin}"
) >"${work}/demo.out" 2>&1 &
demo_pid=$!

dashboard_printed() { grep -q "^Dashboard: ${hub}/$" "${work}/demo.out"; }
for _ in $(seq 1 480); do
    dashboard_printed && break
    kill -0 "${demo_pid}" 2>/dev/null || break
    sleep 0.5
done
check "make demo prints the dashboard line" dashboard_printed
if ! dashboard_printed; then
    cat "${work}/demo.out"
    tail -n 20 "${work}"/state/logs/*.log 2>/dev/null
    finish
    exit 1
fi

logins="${work}/state/demo-logins.json"
demo_prints_logins() {
    grep -q "^  sign in as administrator: admin / " "${work}/demo.out" \
        && grep -q "^  sign in as manager of paro-dcrc only: paro-manager / " "${work}/demo.out" \
        && [ "$(stat -c %a "${logins}")" = 600 ]
}
check "make demo prints the administrator's and the manager's logins" demo_prints_logins
api_token="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["apiToken"])' "${logins}")"
authorization="Authorization: Bearer ${api_token}"

anonymous_reads_nothing() {
    [ "$(curl -sS -o /dev/null -w '%{http_code}' "${hub}/api/v1/centres/paro-dcrc/heatmap")" = 401 ] \
        && [ "$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "${hub}/centres/paro-dcrc")" = "303 ${hub}/login" ]
}
check "without signing in the API answers 401 and pages lead to the sign-in page" anonymous_reads_nothing

device_token_reads_nothing() {
    local token
    token="$(cat "${work}/state/paro-exit-1/device-token")"
    [ "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${token}" \
        "${hub}/api/v1/centres/paro-dcrc/heatmap")" = 401 ]
}
check "a device token does not open the managers' API" device_token_reads_nothing

heatmap_is_plausible() {
    local centre="$1" question="$2"
    curl -fsS -H "${authorization}" "${hub}/api/v1/centres/${centre}/heatmap?question=${question}&window=last-4-weeks" \
        | python3 -c '
import json, sys
body = json.load(sys.stdin)
cells = [cell for cell in body["cells"] if cell["count"] > 0]
assert len(cells) >= 5, f"only {len(cells)} cells"
assert all(0 <= cell["low"] <= cell["index"] <= cell["high"] <= 100 for cell in cells)
assert not [cell for cell in body["cells"] if cell["weekday"] == 7], "a Sunday drawn"
assert all(9 <= cell["hour"] <= 16 for cell in body["cells"]), "hours outside opening hours drawn"
assert len({cell["weekday"] for cell in cells}) >= 5, "too few weekdays"
assert body["presses"] == sum(cell["count"] for cell in body["cells"])
'
}
for centre in thimphu-dcrc paro-dcrc; do
    for question in satisfaction accessibility; do
        check "heatmap of ${centre} (${question}) has cells on weekdays and none on Sundays" \
            heatmap_is_plausible "${centre}" "${question}"
    done
done

hub_holds_four_devices() {
    [ "$("${bin}/smiley-hub" device list --state-directory "${work}/state/hub" | wc -l)" -eq 4 ]
}
check "the hub heard from all four devices" hub_holds_four_devices

demo_patterns_show() {
    python3 - "${hub}" "${api_token}" "${logins}" <<'PY'
import datetime, json, sys, urllib.request
hub, token = sys.argv[1], sys.argv[2]
fixed = {action["centre"]: action["date"] for action in json.load(open(sys.argv[3]))["lobby"]["actions"]}
def get(path):
    request = urllib.request.Request(hub + path, headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(request, timeout=20))
def cells(centre, question):
    # The history before the centres fixed their problems (the actions the demo records).
    first = datetime.date.fromisoformat(min(fixed.values())) - datetime.timedelta(days=90)
    last = datetime.date.fromisoformat(fixed[centre]) - datetime.timedelta(days=1)
    return get(f"/api/v1/centres/{centre}/heatmap?question={question}&from={first}&to={last}")
# Monday mornings are worse than other mornings at Thimphu.
thimphu = cells("thimphu-dcrc", "satisfaction")["cells"]
def mean(selected):
    total = sum(c["count"] for c in selected)
    return sum(c["index"] * c["count"] for c in selected if c["count"]) / total
monday = [c for c in thimphu if c["weekday"] == 1 and 9 <= c["hour"] <= 11 and c["count"]]
others = [c for c in thimphu if c["weekday"] in (2, 3, 4, 5) and 9 <= c["hour"] <= 11 and c["count"]]
assert mean(monday) + 10 < mean(others), (mean(monday), mean(others))
# Accessibility is worse at Paro than at Thimphu.
assert cells("paro-dcrc", "accessibility")["index"] + 10 < cells("thimphu-dcrc", "accessibility")["index"]
PY
}
check "the demo's history holds its patterns (Monday mornings at Thimphu, accessibility at Paro)" demo_patterns_show

actions_show_their_effect() {
    python3 - "${hub}" "${api_token}" "${logins}" <<'PY'
import json, re, sys, urllib.request
hub, token = sys.argv[1], sys.argv[2]
for action in json.load(open(sys.argv[3]))["lobby"]["actions"]:
    # Thirteen weeks hold the action's day, so the trend marks it.
    request = urllib.request.Request(
        f"{hub}/centres/{action['centre']}?window=last-13-weeks", headers={"Authorization": f"Bearer {token}"})
    page = urllib.request.urlopen(request, timeout=20).read().decode()
    assert f'<time datetime="{action["date"]}">{action["date"]}</time>: {action["text"]}' in page, action
    name = action["question"].capitalize()
    row = re.search(rf'<tr data-verdict="([a-z-]+)"><th scope="row">{name}</th><td>([^<]*)</td><td>([^<]*)</td>', page)
    assert row and row.group(1) == "better", (action, row and row.groups())
    assert "index" in row.group(2) and "index" in row.group(3), row.groups()
    assert '<g class="action-marker">' in page, "no mark on the trend"
PY
}
check "the centre pages show the two actions with a before and an after, both better" actions_show_their_effect

lobby_is_public_and_revocable() {
    local screen token status
    screen="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["lobby"]["screen"])' "${logins}")"
    grep -qF "Lobby screen (public, no sign-in): ${screen}" "${work}/demo.out" || return 1
    [ "$(curl -sS -o /dev/null -w '%{http_code}' "${screen}")" = 200 ] || return 1
    token="$("${bin}/smiley-hub" display create paro-dcrc --label smoke --base-url "${hub}" \
        --state-directory "${work}/state/hub" | sed -n 's/^screen: //p')"
    [ "$(curl -sS -o /dev/null -w '%{http_code}' "${token}")" = 200 ] || return 1
    "${bin}/smiley-hub" display revoke "$("${bin}/smiley-hub" display list paro-dcrc \
        --state-directory "${work}/state/hub" | cut -f1 | tail -n 1)" --state-directory "${work}/state/hub" >/dev/null
    status="$(curl -sS -o "${work}/revoked.txt" -w '%{http_code}' "${token}")"
    [ "${status}" = 410 ] && grep -q "switched off" "${work}/revoked.txt"
}
check "make demo prints the lobby screen's address; a display token opens it and revoking it answers 410" \
    lobby_is_public_and_revocable

weekly_report_writes() {
    "${bin}/smiley-hub" report weekly --centre thimphu-dcrc --state-directory "${work}/state/hub" \
        --output "${work}/weekly.html" --text-output "${work}/weekly.txt" | grep -q "^Subject: Smiley weekly report" \
        && grep -q "Actions taken" "${work}/weekly.txt" && grep -q "<h1" "${work}/weekly.html"
}
check "smiley-hub report weekly writes the HTML and plain-text report" weekly_report_writes

device_faults_show() {
    local page
    page="$(curl -fsS -H "${authorization}" "${hub}/centres/thimphu-dcrc")" && [[ "${page}" == *"GPIO13"* ]] || return 1
    page="$(curl -fsS -H "${authorization}" "${hub}/centres/paro-dcrc")" && [[ "${page}" == *'data-device="paro-exit-2"><th scope="row">paro-exit-2</th><td class="status-bad">Silent'* ]]
}
check "the centre pages show the stuck line and the silent device" device_faults_show

alerts_show() {
    local page
    page="$(curl -fsS -H "${authorization}" "${hub}/centres/thimphu-dcrc")" &&
        [[ "${page}" == *'data-alert="stuck-line" data-subject="thimphu-exit-2"'*'data-state="acknowledged"'* ]] &&
        [[ "${page}" == *"Technician booked for tomorrow morning"* ]] || return 1
    page="$(curl -fsS -H "${authorization}" "${hub}/centres/paro-dcrc")" &&
        [[ "${page}" == *'data-alert="silent-device" data-subject="paro-exit-2"'*'data-state="open"'* ]]
}
check "the demo shows an acknowledged alert (stuck line) and an open one (silent device)" alerts_show

bad_input_is_named() {
    local answer token
    token="$(cat "${work}/state/thimphu-exit-1/device-token")"
    answer="$(curl -sS -o - -w ' %{http_code}' -X POST -H 'Content-Type: application/json' \
        -H "Authorization: Bearer ${token}" --data 'not json' "${hub}/api/v1/ingest")"
    [[ "${answer}" == *"not valid JSON"*" 400" ]]
}
check "ingest answers bad input with 400 and names the problem" bad_input_is_named

no_token_is_refused() {
    local answer
    answer="$(curl -sS -o - -w ' %{http_code}' -X POST -H 'Content-Type: application/json' \
        --data '{}' "${hub}/api/v1/ingest")"
    [[ "${answer}" == *"missing device token"*" 401" ]]
}
check "ingest refuses a request without a device token" no_token_is_refused

status_reports_health() {
    "${bin}/smileyctl" status --json --config "${work}/state/paro-exit-1/device.json" | python3 -c '
import json, sys
report = json.load(sys.stdin)
assert report["device"] == "paro-exit-1" and report["store"]["backlog"] == 0, report
assert report["store"]["lastUploadMillis"] is not None, "never synced"
assert report["health"]["firmwareVersion"] and report["health"]["stuckLines"] == [], report
'
}
check "smileyctl status reports the last sync and the daemon's health" status_reports_health

heartbeats_reach_the_hub() {
    "${bin}/smiley-hub" device list --state-directory "${work}/state/hub" | grep -q "paro-exit-1.*last heartbeat"
}
check "the hub lists each device's last heartbeat" heartbeats_reach_the_hub

backup_while_running_holds_every_press() {
    local copy="${work}/hub-backup.sqlite"
    "${bin}/smiley-hub" backup "${copy}" --state-directory "${work}/state/hub" | grep -q "^backed up .* presses" \
        || return 1
    [ "$(stat -c %a "${copy}")" = 600 ] || return 1
    # The copy opens as a hub of its own and knows the demo's devices.
    mkdir -p "${work}/restored" && chmod 700 "${work}/restored" && cp "${copy}" "${work}/restored/hub.sqlite"
    [ "$("${bin}/smiley-hub" device list --state-directory "${work}/restored" | wc -l)" -eq 4 ] || return 1
    # An existing file is refused, not overwritten.
    ! "${bin}/smiley-hub" backup "${copy}" --state-directory "${work}/state/hub" 2>/dev/null
}
check "smiley-hub backup copies the running hub, the copy opens as a hub, an existing file is refused" \
    backup_while_running_holds_every_press

token_is_private() {
    [ "$(stat -c %a "${work}/state/paro-exit-1/device-token")" = 600 ]
}
check "device tokens are written with mode 0600" token_is_private

browser_tests_pass() {
    "${python}" "${root}/Tests/system/dashboard_browser.py" "${hub}" "${work}/state/hub" "${bin}/smiley-hub" \
        --logins "${logins}" "$@"
}
check "the dashboard's browser tests pass (Selenium, headless Chromium, axe-core)" browser_tests_pass "$@"

lobby_browser_tests_pass() {
    "${python}" "${root}/Tests/system/lobby_browser.py" --logins "${logins}" "$@"
}
check "the lobby screen's and poster's browser tests pass (Tibetan font, axe-core, one A4 page)" \
    lobby_browser_tests_pass "$@"

kill -INT "${demo_pid}"
stopped_cleanly() {
    for _ in $(seq 1 60); do
        kill -0 "${demo_pid}" 2>/dev/null || break
        sleep 0.5
    done
    ! kill -0 "${demo_pid}" 2>/dev/null && ! pgrep -f "${work}/state" >/dev/null
}
check "Ctrl-C stops the demo and everything it started" stopped_cleanly
demo_pid=""
finish
