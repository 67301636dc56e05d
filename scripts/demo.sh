#!/usr/bin/env bash
# Starts a hub on SQLite and four simulated devices in two centres. The devices first replay 13 weeks
# of history through the real pipeline, then keep pressing live during opening hours. The history holds
# patterns a manager should find: Monday mornings go wrong at Thimphu, accessibility is worse at Paro,
# one Paro device has gone quiet (a broken button) and one Thimphu device reports a stuck line; both raise
# alerts, and the stuck line's is acknowledged. Alert e-mail is configured but no manager has an address, so
# each alert's e-mail delivery fails and the centre pages offer to retry it.
# Weeks before the end of the history each centre fixes its problem and records the action (a second counter on
# Monday mornings at Thimphu, a ramp and signs at Paro), so the centre pages show a before and an after;
# a display token opens Thimphu's public results screen. Ctrl-C stops everything.
#
# Environment: SMILEY_DEMO_PORT (8080), SMILEY_DEMO_STATE (.demo-state), SMILEY_DEMO_HISTORY_DAYS (91),
# SMILEY_DEMO_LIVE_SECONDS (mean seconds between live presses per device, 20).
set -euo pipefail

bin="${1:?usage: demo.sh BIN_DIRECTORY}"
port="${SMILEY_DEMO_PORT:-8080}"
state="${SMILEY_DEMO_STATE:-$(pwd)/.demo-state}"
history_days="${SMILEY_DEMO_HISTORY_DAYS:-91}"
live_seconds="${SMILEY_DEMO_LIVE_SECONDS:-20}"
hub_url="http://127.0.0.1:${port}"

pids=()
stop() {
    trap - INT TERM EXIT
    if [ ${#pids[@]} -gt 0 ]; then
        echo "stopping ${#pids[@]} processes"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

if curl -fsS "${hub_url}/healthz" >/dev/null 2>&1; then
    echo "something already listens on port ${port}: stop it or set SMILEY_DEMO_PORT" >&2
    exit 1
fi

# A demo starts from nothing each time, so replayed history is never counted twice.
rm -rf "${state}"
mkdir -p "${state}/hub" "${state}/logs"

"${bin}/smiley-hub" centre add thimphu-dcrc --state-directory "${state}/hub" \
    --name "Thimphu Dzongkhag Civil Registration and Census" --time-zone Asia/Thimphu
"${bin}/smiley-hub" centre add paro-dcrc --state-directory "${state}/hub" \
    --name "Paro Dzongkhag Civil Registration and Census" --time-zone Asia/Thimphu

# Opening hours (the heatmaps draw only these) and a holiday ten days ago (its presses count as outside).
holiday="$(date -d '10 days ago' +%F)"
for centre in thimphu-dcrc paro-dcrc; do
    "${bin}/smiley-hub" centre set "${centre}" --state-directory "${state}/hub" \
        --hours "Mon-Fri 09:00-17:00, Sat 09:00-13:00" --holiday "${holiday}" >/dev/null
done

# People: an administrator (every centre) and a manager of Paro only, each with a random password printed
# once below (and kept, mode 0600, in demo-logins.json for the system test), plus an API token for curl.
new_password() { head -c 18 /dev/urandom | base64 | tr -d '/+=\n'; }
admin_password="$(new_password)"
manager_password="$(new_password)"
printf '%s\n' "${admin_password}" | "${bin}/smiley-hub" user add admin --role administrator --password-stdin \
    --state-directory "${state}/hub" >/dev/null
printf '%s\n' "${manager_password}" | "${bin}/smiley-hub" user add paro-manager --role manager --centre paro-dcrc \
    --password-stdin --state-directory "${state}/hub" >/dev/null
api_token="$("${bin}/smiley-hub" token create admin --name demo-curl --expires 7d --state-directory "${state}/hub")"

# The fixes: Thimphu's on a Monday at least five weeks ago (one week with a short history, which needs
# 21 days or more), Paro's on the Wednesday after it, so each has weeks of presses before and after.
fix_gap=7
[ "${history_days}" -ge 70 ] && fix_gap=35
fix_day="$(date -d "${fix_gap} days ago" +%F)"
thimphu_fix="$(date -d "${fix_day} -$(($(date -d "${fix_day}" +%u) - 1)) days" +%F)"
paro_fix="$(date -d "${thimphu_fix} +2 days" +%F)"
thimphu_action="A second counter opens on Monday mornings"
paro_action="A ramp at the entrance and signs to every counter"
"${bin}/smiley-hub" action add thimphu-dcrc --state-directory "${state}/hub" --date "${thimphu_fix}" \
    --hours "Mon 09:00-12:00" "${thimphu_action}" >/dev/null
"${bin}/smiley-hub" action add paro-dcrc --state-directory "${state}/hub" --date "${paro_fix}" "${paro_action}" >/dev/null
display="$("${bin}/smiley-hub" display create thimphu-dcrc --label "entrance screen" --base-url "${hub_url}" \
    --state-directory "${state}/hub")"
lobby_screen="$(sed -n 's/^screen: //p' <<<"${display}")"
lobby_poster="$(sed -n 's/^poster: //p' <<<"${display}")"
(
    umask 077
    cat >"${state}/demo-logins.json" <<JSON
{
  "administrator": { "name": "admin", "password": "${admin_password}" },
  "manager": { "name": "paro-manager", "password": "${manager_password}", "centre": "paro-dcrc" },
  "apiToken": "${api_token}",
  "lobby": {
    "screen": "${lobby_screen}",
    "poster": "${lobby_poster}",
    "centre": "thimphu-dcrc",
    "centreName": "Thimphu Dzongkhag Civil Registration and Census",
    "actions": [
      { "centre": "thimphu-dcrc", "date": "${thimphu_fix}", "text": "${thimphu_action}", "question": "satisfaction" },
      { "centre": "paro-dcrc", "date": "${paro_fix}", "text": "${paro_action}", "question": "accessibility" }
    ]
  }
}
JSON
)

# Alerts are mailed through a relay on this machine, but no manager has an e-mail address yet: each alert's
# e-mail fails at once ("no recipients"), so the centre pages show a failed delivery and its Retry button
# (`smiley-hub user email NAME ADDRESS` first, and a relay on port 25, for one that succeeds).
"${bin}/smiley-hub" serve --state-directory "${state}/hub" --port "${port}" --alert-interval 10 \
    --smtp-host 127.0.0.1 --smtp-port 25 --smtp-security none --smtp-from smiley-demo@localhost \
    >"${state}/logs/hub.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    curl -fsS "${hub_url}/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "${hub_url}/healthz" >/dev/null || { echo "the hub did not start: see ${state}/logs/hub.log" >&2; exit 1; }

# device:centre:seed:busyness:mood:extra simulation settings (JSON members)
devices=(
    "thimphu-exit-1:thimphu-dcrc:11:1.0:0.3:\"mondayMorningMood\": -1.6, \"mondayMorningMoodUntil\": \"${thimphu_fix}\","
    "thimphu-exit-2:thimphu-dcrc:12:0.7:-0.2:\"mondayMorningMood\": -1.6, \"mondayMorningMoodUntil\": \"${thimphu_fix}\", \"stuckLine\": \"GPIO13\","
    "paro-exit-1:paro-dcrc:21:0.8:0.5:\"accessibilityMood\": -0.9, \"accessibilityMoodUntil\": \"${paro_fix}\","
    "paro-exit-2:paro-dcrc:22:0.4:0.4:\"accessibilityMood\": -0.9, \"accessibilityMoodUntil\": \"${paro_fix}\", \"quietForHours\": 72,"
)
for spec in "${devices[@]}"; do
    IFS=: read -r device centre seed busyness mood extra <<<"${spec}"
    mkdir -p "${state}/${device}"
    "${bin}/smiley-hub" device add "${device}" --centre "${centre}" --state-directory "${state}/hub" \
        --token-file "${state}/${device}/device-token" >/dev/null
    cat >"${state}/${device}/device.json" <<JSON
{
  "device": "${device}",
  "centre": "${centre}",
  "hub": "${hub_url}",
  "stateDirectory": "${state}/${device}",
  "upload": { "batchSize": 500, "initialRetryMillis": 500, "maximumRetryMillis": 10000, "heartbeatSeconds": 60 },
  "simulation": {
    ${extra}
    "historyDays": ${history_days},
    "liveMeanIntervalSeconds": ${live_seconds},
    "seed": ${seed},
    "timeZone": "Asia/Thimphu",
    "busyness": ${busyness},
    "mood": ${mood}
  }
}
JSON
    "${bin}/smiley-device" run --config "${state}/${device}/device.json" >"${state}/logs/${device}.log" 2>&1 &
    pids+=($!)
done

echo "replaying ${history_days} days of history on ${#devices[@]} devices..."
for spec in "${devices[@]}"; do
    device="${spec%%:*}"
    until grep -q "buttons: history finished" "${state}/logs/${device}.log" 2>/dev/null; do
        kill -0 "${pids[@]}" 2>/dev/null || { echo "a demo process died: see ${state}/logs" >&2; exit 1; }
        sleep 0.5
    done
    until "${bin}/smileyctl" status --json --config "${state}/${device}/device.json" | grep -q '"backlog":0'; do
        sleep 0.5
    done
done

# Alerts (evaluated every 10 s here): the stuck line at Thimphu is acknowledged by its technician; the silent
# Paro device stays open.
echo "waiting for the hub's alerts..."
alert_id=""
for _ in $(seq 1 90); do
    alert_id="$("${bin}/smiley-hub" alert list --centre thimphu-dcrc --state-directory "${state}/hub" |
        awk -F'\t' '$3 == "stuck-line" && $6 == "OPEN" { print $1; exit }')"
    [ -n "${alert_id}" ] && break
    sleep 1
done
if [ -n "${alert_id}" ]; then
    "${bin}/smiley-hub" alert acknowledge "${alert_id}" --state-directory "${state}/hub" \
        --comment "Technician booked for tomorrow morning to replace the GPIO13 button" >/dev/null
else
    echo "no stuck-line alert appeared: see ${state}/logs/hub.log" >&2
fi
# The silent Paro device (no press for 72 hours, with history enough to show it) opens in the same evaluations.
for _ in $(seq 1 30); do
    "${bin}/smiley-hub" alert list --centre paro-dcrc --state-directory "${state}/hub" |
        awk -F'\t' '$3 == "silent-device" && $6 == "OPEN" { found = 1 } END { exit !found }' && break
    sleep 1
done

echo "Dashboard: ${hub_url}/"
echo "  sign in as administrator: admin / ${admin_password}"
echo "  sign in as manager of paro-dcrc only: paro-manager / ${manager_password}"
for centre in thimphu-dcrc paro-dcrc; do
    echo "  centre page: ${hub_url}/centres/${centre}?window=last-13-weeks (actions taken: #actions)"
    echo "  heatmap: curl -H 'Authorization: Bearer ${api_token}' \\"
    echo "      '${hub_url}/api/v1/centres/${centre}/heatmap?question=satisfaction&window=last-4-weeks'"
done
echo "Lobby screen (public, no sign-in): ${lobby_screen}"
echo "  printable A4 poster: ${lobby_poster}"
echo "  weekly report: ${bin}/smiley-hub report weekly --centre thimphu-dcrc --state-directory ${state}/hub"
echo "Alerts (one acknowledged, the others open; acknowledge on a centre page or with the CLI; their e-mail"
echo "failed as no manager has an address: retry it on a centre page or with smiley-hub alert retry ID):"
"${bin}/smiley-hub" alert list --state-directory "${state}/hub" | sed 's/^/  /'
echo "Logs in ${state}/logs. Press Ctrl-C to stop."
wait "${pids[@]}"
