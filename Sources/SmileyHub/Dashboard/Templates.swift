import Mustache

/// The dashboard's HTML templates. Every `{{value}}` is escaped on Unicode scalars (`HubTemplates` selects
/// `ScalarHTMLContentType` for each), so text from the database (centre names, device ids, a device's
/// messages) cannot become markup. The one unescaped form, `{{{…}}}`, places an `HTMLFragment` (markup from
/// literals, text escaped), and only that (HTMLFragmentTests).
enum Templates {
    static func library() throws -> MustacheLibrary {
        try HubTemplates.library(named.map { HubTemplates.Template(name: $0.name, kind: .html, text: $0.text) })
    }

    /// Every template of the pages, by the name a page or a partial uses.
    static let named: [(name: String, text: String)] = [
        ("layout", layout), ("windows", windows), ("alert-row", alertRow), ("centre", centre), ("overview", overview),
        ("error", error), ("live", live), ("login", login), ("login-code", secondStep), ("set-password", setPassword),
        ("message", message), ("tokens", tokens), ("audit", audit), ("lobby", LobbyTemplates.screen),
        ("poster", LobbyTemplates.poster),
    ]

    static let layout = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Smiley</title>
        <style>
        :root { --ink: #1b1b1b; --muted: #555; --line: #c8c8c8; --accent: #0b4f8a; }
        * { box-sizing: border-box; }
        body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 0; color: var(--ink); background: #fff; line-height: 1.4; }
        header.site { background: #00224e; color: #fff; padding: 0.6rem 1.5rem; }
        header.site a { color: #fff; }
        main { padding: 1rem 1.5rem 3rem; max-width: 80rem; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, [tabindex]:focus { outline: 3px solid #e4a100; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 0.5rem; background: #fff; color: #000; padding: 0.3rem; z-index: 2; }
        h1 { font-size: 1.5rem; margin: 0.5rem 0 0.2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
        h3 { font-size: 1rem; margin: 1.2rem 0 0.4rem; }
        .meta { color: var(--muted); margin: 0 0 0.8rem; }
        nav.windows ul { list-style: none; padding: 0; margin: 0.5rem 0; display: flex; flex-wrap: wrap; gap: 0.4rem; }
        nav.windows a { display: inline-block; padding: 0.25rem 0.7rem; border: 1px solid var(--accent); border-radius: 1rem; text-decoration: none; }
        nav.windows a[aria-current] { background: var(--accent); color: #fff; }
        form.custom { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: end; margin: 0.4rem 0; }
        form.custom input, form.custom button { font: inherit; padding: 0.2rem 0.4rem; }
        .window-summary { background: #f3f5f8; padding: 0.5rem 0.8rem; border-left: 4px solid var(--accent); }
        .headline { font-size: 1.1rem; } .headline .index { font-size: 1.4rem; }
        .comparison { margin: 0.2rem 0; } .verdict-better::before { content: "▲ "; } .verdict-worse::before { content: "▼ "; }
        .outside, .uncertain { color: var(--muted); }
        .scroll { overflow-x: auto; max-width: 100%; }
        table { border-collapse: collapse; }
        table.heatmap th, table.heatmap td { border: 1px solid #fff; text-align: center; min-width: 3.2rem; padding: 0.15rem 0.3rem; }
        table.heatmap thead th, table.heatmap tbody th { background: #f3f5f8; font-weight: 600; }
        table.heatmap td { height: 2.4rem; font-variant-numeric: tabular-nums; }
        table.heatmap td .count { display: block; font-weight: 700; }
        table.heatmap td .cell-index { display: block; font-size: 0.75rem; }
        table.heatmap td.empty { background: #f7f7f7; color: #666; }
        table.heatmap td.few { color: #1b1b1b; background: repeating-linear-gradient(45deg, #fff, #fff 5px, #d9d9d9 5px, #d9d9d9 10px); }
        table.heatmap td.few .count::after { content: " (few)"; font-weight: 400; font-size: 0.7rem; }
        table.heatmap caption, figcaption { text-align: left; color: var(--muted); font-size: 0.9rem; padding: 0.3rem 0; caption-side: top; }
        .legend { display: flex; flex-wrap: wrap; gap: 0.2rem; align-items: center; font-size: 0.85rem; margin: 0.3rem 0; }
        .legend span { padding: 0.1rem 0.45rem; }
        .legend .few { background: repeating-linear-gradient(45deg, #fff, #fff 5px, #d9d9d9 5px, #d9d9d9 10px); border: 1px solid var(--line); }
        table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; }
        table.data td.number, table.data th.number { text-align: right; font-variant-numeric: tabular-nums; }
        table.data th a { color: inherit; }
        .bar { background: #e6e9ef; width: 12rem; height: 0.9rem; display: inline-block; vertical-align: middle; }
        .bar span { background: #3b496c; display: block; height: 100%; }
        svg.trend { width: 100%; max-width: 45rem; height: auto; }
        svg.trend .band { fill: #cfd6e4; } svg.trend .line { fill: none; stroke: #00224e; stroke-width: 2; }
        svg.trend circle { fill: #00224e; } svg.trend .action-marker line { stroke: #b35c00; stroke-width: 2; stroke-dasharray: 4 3; } svg.trend .action-marker text { fill: #b35c00; } svg.trend line { stroke: #e1e1e1; } svg.trend text { font-size: 11px; fill: #444; }
        .status-bad { color: #9b1c1c; font-weight: 700; } .status-good { color: #1b5e20; } .status-unknown { color: var(--muted); }
        .exports a { margin-right: 1rem; }
        ul.alerts { padding-left: 1.2rem; } li.alert { margin: 0.3rem 0; color: var(--muted); }
        li.alert-open { color: #9b1c1c; } li.alert-open::marker { content: "⚠ "; }
        li.alert p { margin: 0.2rem 0; color: var(--ink); } form.acknowledge textarea { font: inherit; width: 100%; max-width: 30rem; display: block; }
        #alert-rules summary h2 { display: inline; }
        header.site .account { float: right; } form.sign-out { display: inline; margin-left: 0.5rem; }
        form.person { display: grid; gap: 0.6rem; max-width: 22rem; } form.person input, form.person button, form.person select { font: inherit; padding: 0.3rem; }
        .notice { background: #fdf3d7; border-left: 4px solid #e4a100; padding: 0.5rem 0.8rem; }
        .secret { font-family: monospace; background: #f3f5f8; padding: 0.5rem; word-break: break-all; }
        #live-status { color: var(--muted); font-size: 0.9rem; min-height: 1.2rem; }
        @media print {
          header.site, nav.windows, .exports, .skip, #live-status { display: none; }
          main { padding: 0; } body { font-size: 10pt; }
          section.question { break-inside: avoid; } a { color: inherit; text-decoration: none; }
          table.heatmap td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        }
        </style>
        </head>
        <body>
        <a class="skip" href="#main">Skip to the figures</a>
        <header class="site"><a href="/">Smiley</a>: citizen feedback for public service centres
        {{#account}}<span class="account">Signed in as <strong>{{accountName}}</strong> ({{accountRole}}){{#accountTokens}} · <a href="/account/tokens">API tokens</a>{{/accountTokens}}{{#accountAdmin}} · <a href="/admin/audit">Audit log</a>{{/accountAdmin}}{{#accountCSRF}} <form method="post" action="/logout" class="sign-out"><input type="hidden" name="csrf" value="{{.}}"><button type="submit">Sign out</button></form>{{/accountCSRF}}</span>{{/account}}
        </header>
        <main id="main">
        {{$main}}{{/main}}
        </main>
        {{$script}}{{/script}}
        </body>
        </html>
        """#

    static let windows = #"""
        {{#navigation}}
        <nav class="windows" aria-label="Time window">
        <ul>{{#windows}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/windows}}</ul>
        <form method="get" class="custom">
        {{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}
        <label>From <input type="date" name="from" value="{{from}}" required></label>
        <label>To <input type="date" name="to" value="{{to}}" required></label>
        <button type="submit">Show these dates</button>
        </form>
        </nav>
        <p class="window-summary" id="window-summary">Showing <strong data-window-label>{{windowLabel}}</strong>: <span data-window-dates>{{windowDates}}</span> (the centre's local dates). {{note}}</p>
        {{/navigation}}
        """#

    /// One alert on the centre page: its evidence, acknowledgement, deliveries, the acknowledge form and a
    /// retry form for each failed delivery.
    static let alertRow = #"""
        <li class="alert{{#open}} alert-open{{/open}}" id="alert-{{alertID}}" data-alert="{{kind}}" data-subject="{{subject}}" data-alert-id="{{alertID}}" data-state="{{stateKey}}"><strong>{{label}}</strong> ({{subject}}): {{summary}}. <small>Opened {{opened}}; {{state}}.</small>
        {{#ackBy}}<p class="acknowledgement" data-acknowledged-by="{{ackBy}}">Acknowledged by <strong>{{ackBy}}</strong> {{ackAge}}: <q>{{ackComment}}</q></p>{{/ackBy}}
        {{#hasDeliveries}}<p class="deliveries">Notified: {{#deliveries}}<span class="delivery" data-channel="{{deliveryChannel}}" data-delivery-state="{{deliveryState}}">{{deliveryText}}</span> {{/deliveries}}</p>{{/hasDeliveries}}{{#deliveries}}{{#mayRetryDelivery}}<form method="post" action="/centres/{{centreID}}/deliveries/{{deliveryID}}/retry" class="retry-delivery" data-delivery-id="{{deliveryID}}"><input type="hidden" name="csrf" value="{{alertFormCSRF}}"><button type="submit">Retry the {{deliveryLabel}} delivery</button></form>{{/mayRetryDelivery}}{{/deliveries}}
        {{#mayAcknowledge}}<form method="post" action="/centres/{{centreID}}/alerts/{{alertID}}/acknowledge" class="acknowledge"><input type="hidden" name="csrf" value="{{alertFormCSRF}}"><label>What is being done <textarea name="comment" required maxlength="2000" rows="2"></textarea></label> <button type="submit">Acknowledge</button></form>{{/mayAcknowledge}}
        </li>
        """#

    static let centre = #"""
        {{<layout}}
        {{$main}}
        <p><a href="{{overviewHref}}">All centres</a></p>
        <h1>{{centreName}}</h1>
        <p class="meta">{{centreID}} · local time {{timeZone}} · {{openingText}}</p>
        {{>windows}}
        <p id="live-status" role="status" aria-live="polite"></p>
        <div id="report" data-centre="{{centreID}}" data-live="{{live}}">
        {{#uncertainText}}<p class="uncertain">{{uncertainText}}</p>{{/uncertainText}}
        {{#hasAlerts}}
        <section aria-labelledby="heading-alerts" class="alerts" id="alerts">
        <h2 id="heading-alerts">Alerts</h2>
        {{#hasOpenAlerts}}<ul class="alerts" id="open-alerts">{{#openAlerts}}{{>alert-row}}{{/openAlerts}}</ul>{{/hasOpenAlerts}}
        {{^hasOpenAlerts}}<p>No open alerts.</p>{{/hasOpenAlerts}}
        {{#hasPastAlerts}}<h3 id="heading-alert-history">History</h3>
        <ul class="alerts" id="alert-history">{{#pastAlerts}}{{>alert-row}}{{/pastAlerts}}</ul>{{/hasPastAlerts}}
        </section>
        {{/hasAlerts}}
        <section aria-labelledby="heading-actions" class="actions" id="actions">
        <h2 id="heading-actions">Actions taken</h2>
        {{^hasActions}}<p>No actions recorded yet.</p>{{/hasActions}}
        {{#hasActions}}<p class="meta">For each action: the index in the same hours of the same weekdays for up to four weeks before and after its date (cut at yesterday and at the first presses held), with 95% intervals, and whether the change is more than noise.</p>{{/hasActions}}
        {{#actions}}
        <article class="action" data-action="{{actionID}}">
        <h3><time datetime="{{actionDate}}">{{actionDate}}</time>: {{actionText}}</h3>
        <p class="meta">{{actionHours}} · recorded by {{recordedBy}}</p>
        <div class="scroll" tabindex="0" role="region" aria-label="Before and after {{actionDate}}">
        <table class="data effects">
        <thead><tr><th scope="col">Question</th><th scope="col">Before</th><th scope="col">After</th><th scope="col">Change</th></tr></thead>
        <tbody>{{#effects}}<tr data-verdict="{{effectVerdict}}"><th scope="row">{{effectQuestion}}</th><td>{{beforeText}}</td><td>{{afterText}}</td><td class="verdict-{{effectVerdict}}">{{effectText}}</td></tr>{{/effects}}</tbody>
        </table>
        </div>
        {{#actionForm}}<form method="post" action="{{removeHref}}" class="remove-action"><input type="hidden" name="csrf" value="{{formCSRF}}"><button type="submit">Remove this action</button></form>{{/actionForm}}
        </article>
        {{/actions}}
        {{#actionForm}}
        <form method="post" action="{{formAction}}" class="person record-action">
        <h3>Record an action</h3>
        <input type="hidden" name="csrf" value="{{formCSRF}}">
        <label>Date <input type="date" name="date" value="{{formToday}}" required></label>
        <label>What was done <input type="text" name="text" maxlength="280" required placeholder="A second counter opened on Monday mornings"></label>
        <label>Hours it is about (optional) <input type="text" name="hours" placeholder="Mon 09:00-12:00"></label>
        <button type="submit">Record the action</button>
        </form>
        {{/actionForm}}
        </section>
        {{#questions}}
        <section class="question" id="question-{{key}}" data-question="{{key}}" aria-labelledby="heading-{{key}}">
        <h2 id="heading-{{key}}">{{name}}</h2>
        <p class="headline"><span class="presses" data-presses="{{presses}}">{{pressesText}}</span>{{#hasIndex}} · index <strong class="index" data-index="{{indexText}}">{{indexText}}</strong> <span class="interval">(95% interval {{intervalText}})</span>{{/hasIndex}}</p>
        <p class="comparison verdict-{{verdict}}" data-verdict="{{verdict}}">{{comparisonText}}</p>
        {{#outsideText}}<p class="outside" data-outside="{{outsideCount}}">{{outsideText}}</p>{{/outsideText}}
        <h3>By hour and weekday</h3>
        <div class="legend" aria-hidden="true">Index: <span style="background:#00224e;color:#fff">0 worst</span><span style="background:#707173;color:#fff">50</span><span style="background:#fee838;color:#000">100 best</span><span class="few">fewer than {{minimumCount}} presses: no index</span></div>
        {{#empty}}<p>No presses in this window.</p>{{/empty}}
        {{^noHours}}
        <div class="scroll" tabindex="0" role="region" aria-label="{{name}} by hour and weekday">
        <table class="heatmap" data-question="{{key}}">
        <caption>{{name}}: in each cell the number of presses and, below it, the index from 0 (worst) to 100 (best). Hatched cells have fewer than {{minimumCount}} presses and show no index.</caption>
        <thead><tr><th scope="col">Hour</th>{{#weekdays}}<th scope="col">{{.}}</th>{{/weekdays}}</tr></thead>
        <tbody>
        {{{heatmapRows}}}</tbody>
        </table>
        </div>
        {{/noHours}}
        <h3>Answers</h3>
        <table class="data answers">
        <thead><tr><th scope="col">Answer</th><th scope="col" class="number">Presses</th><th scope="col" class="number">Share</th><th scope="col">Share as a bar</th></tr></thead>
        <tbody>{{#answers}}<tr><th scope="row">{{label}}</th><td class="number">{{count}}</td><td class="number">{{percent}}</td><td><span class="bar" aria-hidden="true"><span style="{{width}}"></span></span></td></tr>{{/answers}}</tbody>
        </table>
        <h3>Day by day</h3>
        <figure class="trend">
        <svg class="trend" viewBox="0 0 720 180" role="img" aria-labelledby="trend-title-{{key}}">
        <title id="trend-title-{{key}}">{{trendTitle}}</title>
        {{#grid}}<line x1="36" x2="710" y1="{{y}}" y2="{{y}}"></line><text x="4" y="{{y}}" dy="4">{{label}}</text>{{/grid}}
        <polygon class="band" points="{{bandPoints}}"></polygon>
        <polyline class="line" points="{{linePoints}}"></polyline>
        {{{trendDots}}}
        {{#markers}}<g class="action-marker"><line x1="{{markerX}}" x2="{{markerX}}" y1="10" y2="156"></line><text x="{{markerX}}" y="20" dx="3">▲</text><title>Action {{markerLabel}}</title></g>{{/markers}}
        <text x="36" y="176">{{firstDay}}</text><text x="710" y="176" text-anchor="end">{{lastDay}}</text>
        </svg>
        <figcaption>Daily index (line) with its 95% interval (band). Days with fewer than {{minimumCount}} presses are left out. Vertical marks (▲) are actions taken.</figcaption>
        </figure>
        <details><summary>The daily figures as a table</summary>
        <table class="data daily"><thead><tr><th scope="col">Date</th><th scope="col">Day</th><th scope="col" class="number">Presses</th><th scope="col" class="number">Index</th><th scope="col">95% interval</th><th scope="col">Action taken</th></tr></thead>
        <tbody>{{{dayRows}}}</tbody></table>
        </details>
        </section>
        {{/questions}}
        <section aria-labelledby="heading-devices">
        <h2 id="heading-devices">Devices</h2>
        {{^hasDevices}}<p>No devices in this centre yet.</p>{{/hasDevices}}
        {{#hasDevices}}
        <div class="scroll" tabindex="0" role="region" aria-label="Devices">
        <table class="data devices">
        <thead><tr><th scope="col">Device</th><th scope="col">State</th><th scope="col">Last heartbeat</th><th scope="col">Last press</th><th scope="col">Backlog</th><th scope="col">Stuck lines</th><th scope="col" class="number">Lost GPIO events</th><th scope="col">Clock</th><th scope="col">Storage</th></tr></thead>
        <tbody>{{#devices}}<tr data-device="{{id}}"><th scope="row">{{id}}</th><td class="status-{{statusClass}}">{{status}}</td><td>{{lastHeartbeat}}</td><td>{{lastPress}}</td><td>{{backlog}}</td><td>{{stuck}}</td><td class="number">{{lost}}</td><td>{{clock}}</td><td>{{storage}}</td></tr>{{/devices}}</tbody>
        </table>
        </div>
        {{/hasDevices}}
        </section>
        {{#mayManageAlerts}}
        <section aria-labelledby="heading-alert-rules" id="alert-rules">
        <details><summary><h2 id="heading-alert-rules">Alert rules</h2></summary>
        <form method="post" action="/centres/{{centreID}}/alert-rules" class="alert-rules">
        <input type="hidden" name="csrf" value="{{alertFormCSRF}}">
        <table class="data"><tbody>{{#ruleFields}}<tr><th scope="row"><label for="rule-{{ruleName}}">{{ruleName}}</label></th><td>{{#ruleIsSwitch}}<select id="rule-{{ruleName}}" name="{{ruleName}}"><option value="yes"{{#ruleOn}} selected{{/ruleOn}}>yes</option><option value="no"{{^ruleOn}} selected{{/ruleOn}}>no</option></select>{{/ruleIsSwitch}}{{^ruleIsSwitch}}<input id="rule-{{ruleName}}" name="{{ruleName}}" value="{{ruleValue}}" inputmode="decimal" size="6">{{/ruleIsSwitch}}</td><td>{{ruleMeaning}}</td></tr>{{/ruleFields}}</tbody></table>
        <button type="submit">Save the alert rules</button>
        </form>
        </details>
        </section>
        {{/mayManageAlerts}}
        {{#mayExport}}<p class="exports">Download this window: <a href="{{exportCSV}}" data-export="csv">CSV</a> <a href="{{exportJSON}}" data-export="json">JSON</a></p>{{/mayExport}}
        <p class="meta">How the index, its interval and the comparison are computed: docs/statistics.md. A change is called more than noise when a two-sample z-test of the mean answer gives |z| ≥ 1.96 (5% level) and both periods have enough presses.</p>
        </div>
        {{/main}}
        {{$script}}{{>live}}{{/script}}
        {{/layout}}
        """#

    static let overview = #"""
        {{<layout}}
        {{$main}}
        <h1>All centres</h1>
        {{>windows}}
        <p id="live-status" role="status" aria-live="polite"></p>
        <div id="report" data-live="{{live}}">
        {{^hasRows}}<p>No centres yet: add one with <code>smiley-hub centre add</code>.</p>{{/hasRows}}
        {{#hasRows}}
        <div class="scroll" tabindex="0" role="region" aria-label="Centres">
        <table class="data overview">
        <caption>Satisfaction and accessibility by centre, each in its own local dates. Change compares with the same weekdays of the period before. Rank orders centres by their index pulled toward the overall index in proportion to how few presses they have (a prior worth {{priorWeight}} presses), so a handful of lucky presses cannot top the table. Click a heading to sort.</caption>
        <thead><tr>{{#headers}}<th scope="col"{{#numeric}} class="number"{{/numeric}}{{#ariaSort}} aria-sort="{{ariaSort}}"{{/ariaSort}}><a href="{{href}}">{{label}}</a></th>{{/headers}}</tr></thead>
        <tbody>
        {{#rows}}<tr data-centre="{{id}}" data-rank="{{rank}}"><td class="number">{{rank}}</td><th scope="row"><a href="{{href}}">{{name}}</a><br><small>{{id}}</small></th><td class="number" data-presses="{{presses}}">{{presses}}</td><td class="number" data-index="{{indexText}}">{{indexText}} <small>{{intervalText}}</small></td><td class="number verdict-{{verdict}}" data-verdict="{{verdict}}">{{changeText}} <small>{{verdictText}}</small></td><td class="number">{{accessibilityText}} <small>{{accessibilityPresses}} presses</small></td></tr>
        {{/rows}}
        </tbody>
        </table>
        </div>
        {{/hasRows}}
        {{#mayExport}}<p class="exports">Download this window: <a href="{{exportCSV}}" data-export="csv">CSV</a> <a href="{{exportJSON}}" data-export="json">JSON</a></p>{{/mayExport}}
        </div>
        {{/main}}
        {{$script}}{{>live}}{{/script}}
        {{/layout}}
        """#

    static let error = #"""
        {{<layout}}
        {{$main}}
        <h1>{{title}}</h1>
        <p>{{message}}</p>
        <p><a href="/">All centres</a></p>
        {{/main}}
        {{/layout}}
        """#

    /// Live updates: while the window includes today, each press that reaches the hub for a centre on
    /// the page reloads the figures in place (server-sent events); without JavaScript the page is whole.
    static let live = #"""
        <script>
        (function () {
          var report = document.getElementById("report");
          if (!report || report.getAttribute("data-live") !== "true" || !window.EventSource) return;
          var status = document.getElementById("live-status");
          var centre = report.getAttribute("data-centre");
          var busy = false, again = false;
          function refresh() {
            if (busy) { again = true; return; }
            busy = true;
            fetch(window.location.href, { headers: { "Accept": "text/html" }, cache: "no-store" })
              .then(function (response) { return response.text(); })
              .then(function (html) {
                var next = new DOMParser().parseFromString(html, "text/html").getElementById("report");
                if (next) {
                  report.innerHTML = next.innerHTML;
                  status.textContent = "Updated at " + new Date().toLocaleTimeString();
                }
              })
              .catch(function () { status.textContent = "Live updates paused: the hub did not answer."; })
              .then(function () { busy = false; if (again) { again = false; refresh(); } });
          }
          var source = new EventSource("/events");
          source.addEventListener("press", function (event) {
            if (!centre || event.data === centre) refresh();
          });
          source.addEventListener("open", function () { status.textContent = "Live: new presses appear here as they arrive."; });
        })();
        </script>
        """#
}
