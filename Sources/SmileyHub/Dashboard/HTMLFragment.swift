import Mustache

/// Markup built in Swift for the parts of a page drawn hundreds of times (a heatmap's cells, a trend's
/// points, a table of days), where Mustache's lookup of every name in every enclosing value cost most of
/// the page. Its only ways in are markup from string literals and text escaped here, so nothing read from
/// the database becomes markup; a template places it with `{{{name}}}`, the one unescaped form the
/// templates use, and only for fields of this type (TemplateSafetyTests checks both).
struct HTMLFragment: Sendable, MustacheCustomRenderable {
    private(set) var utf8: [UInt8] = []

    init() {}

    /// Writes a fragment: `body` appends markup and text to it.
    init(capacity: Int, _ body: (inout HTMLFragment) -> Void) {
        utf8.reserveCapacity(capacity)
        body(&self)
    }

    var renderText: String { String(decoding: utf8, as: UTF8.self) }

    /// An empty fragment still counts as a value (the protocol's default is not visible outside Mustache).
    var isNull: Bool { false }

    /// Markup as written in the source: never text from elsewhere.
    mutating func markup(_ literal: StaticString) {
        literal.withUTF8Buffer { utf8.append(contentsOf: $0) }
    }

    mutating func number(_ value: Int) {
        utf8.append(contentsOf: value.description.utf8)
    }

    /// Text, escaped by `HTMLEscaping` (on Unicode scalars, as every HTML template is).
    mutating func text(_ text: String) {
        HTMLEscaping.append(text, to: &utf8)
    }
}

extension CentrePage {
    /// The heatmap's body rows, as `{{#rows}}` drew them: a row per hour, a cell per weekday.
    static func heatmapRows(_ rows: [Row]) -> HTMLFragment {
        HTMLFragment(capacity: rows.count * 1_200) { html in
            for row in rows {
                html.markup("<tr><th scope=\"row\">")
                html.text(row.label)
                html.markup("</th>")
                for cell in row.cells {
                    html.markup("<td class=\"")
                    html.text(cell.cls)
                    html.markup("\" style=\"")
                    html.text(cell.style)
                    html.markup("\" data-weekday=\"")
                    html.number(cell.weekday)
                    html.markup("\" data-hour=\"")
                    html.number(cell.hour)
                    html.markup("\" data-count=\"")
                    html.number(cell.count)
                    html.markup("\"")
                    if let index = cell.cellIndex {
                        html.markup(" data-index=\"")
                        html.text(index)
                        html.markup("\"")
                    }
                    html.markup(" title=\"")
                    html.text(cell.title)
                    html.markup("\"><span class=\"count\">")
                    html.number(cell.count)
                    html.markup("</span>")
                    if let index = cell.cellIndex {
                        html.markup("<span class=\"cell-index\">")
                        html.text(index)
                        html.markup("</span>")
                    }
                    html.markup("</td>")
                }
                html.markup("</tr>\n")
            }
        }
    }

    /// The trend's points, as `{{#dots}}` drew them.
    static func trendDots(_ dots: [TrendDot]) -> HTMLFragment {
        HTMLFragment(capacity: dots.count * 160) { html in
            for dot in dots {
                html.markup("<circle cx=\"")
                html.text(dot.x)
                html.markup("\" cy=\"")
                html.text(dot.y)
                html.markup("\" r=\"3.5\"><title>")
                html.text(dot.label)
                html.markup("</title></circle>")
            }
        }
    }

    /// The daily table's rows, as `{{#days}}` drew them.
    static func dayRows(_ days: [DayRow]) -> HTMLFragment {
        HTMLFragment(capacity: days.count * 160) { html in
            for day in days {
                html.markup("<tr><td>")
                html.text(day.date)
                html.markup("</td><td>")
                html.text(day.weekday)
                html.markup("</td><td class=\"number\">")
                html.number(day.count)
                html.markup("</td><td class=\"number\">")
                html.text(day.indexText)
                html.markup("</td><td>")
                html.text(day.intervalText)
                html.markup("</td><td>")
                html.text(day.dayActions)
                html.markup("</td></tr>")
            }
        }
    }
}
