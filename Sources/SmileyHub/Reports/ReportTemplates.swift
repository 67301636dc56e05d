import Mustache

/// Templates of what the hub sends or shows outside the dashboard: the weekly report (HTML e-mail with
/// inline styles only, and plain text). Values are escaped for HTML on Unicode scalars, and not at all in
/// the text version (`HubTemplates` selects each).
enum ReportTemplates {
    static func library() throws -> MustacheLibrary {
        try HubTemplates.library([
            .init(name: "weekly-html", kind: .html, text: weeklyHTML),
            .init(name: "weekly-text", kind: .text, text: weeklyText),
        ])
    }

    static let weeklyHTML = #"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>{{subject}}</title></head>
        <body style="margin:0;padding:0;background:#ffffff;color:#1b1b1b;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45">
        <div style="max-width:640px;margin:0 auto;padding:16px">
        <h1 style="font-size:22px;margin:0 0 4px;color:#00224e">{{heading}}</h1>
        <p style="margin:0 0 16px;color:#555555">{{weekText}}</p>
        {{#questions}}
        <h2 style="font-size:18px;margin:20px 0 6px;border-bottom:1px solid #c8c8c8;color:#00224e">{{questionName}}</h2>
        <p style="margin:0 0 4px"><strong>{{pressesText}}</strong> · {{indexLine}}</p>
        <p style="margin:0 0 8px;color:{{changeColour}}">{{changeLine}}</p>
        {{#hasRanked}}
        <table role="presentation" style="border-collapse:collapse;margin:4px 0 8px">
        <tr><th style="text-align:left;padding:2px 12px 2px 0">Worst hours</th><th style="text-align:left;padding:2px 0">Best hours</th></tr>
        <tr><td style="vertical-align:top;padding:2px 12px 2px 0">{{#worstHours}}{{slot}}: index {{hourIndex}} ({{hourPresses}})<br>{{/worstHours}}</td>
        <td style="vertical-align:top;padding:2px 0">{{#bestHours}}{{slot}}: index {{hourIndex}} ({{hourPresses}})<br>{{/bestHours}}</td></tr>
        </table>
        {{/hasRanked}}
        <p style="margin:0 0 8px;color:#555555;font-size:13px">{{rankNote}}</p>
        {{/questions}}
        <h2 style="font-size:18px;margin:20px 0 6px;border-bottom:1px solid #c8c8c8;color:#00224e">Open alerts</h2>
        {{^hasAlerts}}<p style="margin:0">None.</p>{{/hasAlerts}}
        {{#hasAlerts}}<ul style="margin:0;padding-left:20px">{{#alerts}}<li style="color:#9b1c1c"><strong>{{alertLabel}}</strong>: {{alertSummary}}</li>{{/alerts}}</ul>{{/hasAlerts}}
        <h2 style="font-size:18px;margin:20px 0 6px;border-bottom:1px solid #c8c8c8;color:#00224e">Actions taken</h2>
        {{^hasActions}}<p style="margin:0">None recorded.</p>{{/hasActions}}
        {{#actions}}<p style="margin:8px 0 2px"><strong>{{actionWhen}}</strong>: {{actionWhat}}</p>
        <ul style="margin:0;padding-left:20px;color:#333333;font-size:14px">{{#actionResults}}<li>{{.}}</li>{{/actionResults}}</ul>{{/actions}}
        <p style="margin:24px 0 0;color:#555555;font-size:12px">{{footer}}</p>
        </div>
        </body>
        </html>
        """#

    static let weeklyText = #"""
        {{heading}}
        {{weekText}}
        {{#questions}}

        {{questionName}}: {{pressesText}}. {{indexLine}}.
        {{changeLine}}
        {{#hasRanked}}
        Worst hours:
        {{#worstHours}}
          {{slot}}: index {{hourIndex}} ({{hourPresses}})
        {{/worstHours}}
        Best hours:
        {{#bestHours}}
          {{slot}}: index {{hourIndex}} ({{hourPresses}})
        {{/bestHours}}
        {{/hasRanked}}
        {{rankNote}}
        {{/questions}}

        Open alerts:
        {{^hasAlerts}}
          None.
        {{/hasAlerts}}
        {{#alerts}}
          - {{alertLabel}}: {{alertSummary}}
        {{/alerts}}

        Actions taken:
        {{^hasActions}}
          None recorded.
        {{/hasActions}}
        {{#actions}}
          {{actionWhen}}: {{actionWhat}}
        {{#actionResults}}
            {{.}}
        {{/actionResults}}
        {{/actions}}

        {{footer}}

        """#
}
