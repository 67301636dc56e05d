import Foundation
import Mustache
import SmileyCore
import Testing

@testable import SmileyHub

/// The heatmap's rows, the trend's points and the table of days, written in Swift, are the markup the
/// Mustache sections they replaced drew from the same values, and escape hostile text at least as well.
@Suite struct HTMLFragmentTests {
    /// The sections of the centre template as they were, drawn by Mustache from the same values.
    static let reference = try! MustacheTemplate(
        string: """
            {{#rows}}<tr><th scope="row">{{label}}</th>{{#cells}}<td class="{{cls}}" style="{{style}}" data-weekday="{{weekday}}" data-hour="{{hour}}" data-count="{{count}}"{{#cellIndex}} data-index="{{cellIndex}}"{{/cellIndex}} title="{{title}}"><span class="count">{{count}}</span>{{#cellIndex}}<span class="cell-index">{{cellIndex}}</span>{{/cellIndex}}</td>{{/cells}}</tr>
            {{/rows}}|{{#dots}}<circle cx="{{x}}" cy="{{y}}" r="3.5"><title>{{label}}</title></circle>{{/dots}}|{{#days}}<tr><td>{{date}}</td><td>{{weekday}}</td><td class="number">{{count}}</td><td class="number">{{indexText}}</td><td>{{intervalText}}</td><td>{{dayActions}}</td></tr>{{/days}}
            """)

    struct Sections {
        let rows: [CentrePage.Row]
        let dots: [CentrePage.TrendDot]
        let days: [CentrePage.DayRow]
    }

    static func fragments(_ sections: Sections) -> String {
        CentrePage.heatmapRows(sections.rows).renderText + "|"
            + CentrePage.trendDots(sections.dots).renderText + "|"
            + CentrePage.dayRows(sections.days).renderText
    }

    /// Text a person or a device may have written: markup, quotes, ampersands, scripts, other alphabets.
    static let hostile = [
        "", "plain", "<script>alert(1)</script>", #"" onmouseover="x"#, "' onfocus='y", "a & b &amp; c",
        "&#39;",
        "ཞབས་ཏོག", "emoji 😀 <b>", "line\nbreak\ttab", "{{title}}", "}}{{", "\u{0}", "--> <!--",
        "e\u{0301}",
    ]

    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
    }

    static func sections(_ generator: inout Generator) -> Sections {
        func text() -> String {
            (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                hostile.randomElement(using: &generator)!
            }
            .joined()
        }
        let rows = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
            CentrePage.Row(
                label: text(),
                cells: (0..<Int.random(in: 0...7, using: &generator)).map { _ in
                    CentrePage.Cell(
                        weekday: Int.random(in: 1...7, using: &generator),
                        hour: Int.random(in: 0...23, using: &generator),
                        count: Int.random(in: 0...10_000, using: &generator),
                        cellIndex: Bool.random(using: &generator) ? text() : nil, cls: text(), style: text(),
                        title: text())
                })
        }
        let dots = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
            CentrePage.TrendDot(x: text(), y: text(), label: text())
        }
        let days = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
            CentrePage.DayRow(
                date: text(), weekday: text(), count: Int.random(in: 0...500, using: &generator),
                indexText: text(),
                intervalText: text(), dayActions: text())
        }
        return Sections(rows: rows, dots: dots, days: days)
    }

    @Test func theFragmentsDrawWhatTheSectionsDrewOnGeneratedHostileValues() {
        for seed in UInt64(0)..<300 {
            var generator = Generator(state: seed)
            // No hostile text starts with a combining mark, so none follows a quote (where the two part, below).
            let sections = Self.sections(&generator)
            #expect(Self.fragments(sections) == Self.reference.render(sections), "seed \(seed)")
        }
    }

    @Test func hostileTextIsEscapedAndNeverEndsAnAttributeOrAnElement() {
        for text in Self.hostile {
            let html = HTMLFragment(capacity: 0) { $0.text(text) }.renderText
            for byte in ["<", ">", "\"", "'"] {
                #expect(!html.contains(byte), "\(text.debugDescription)")
            }
            // Every ampersand begins one of the five escapes.
            let escapes = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
            var rest = Substring(html)
            while let ampersand = rest.firstIndex(of: "&") {
                #expect(escapes.contains { rest[ampersand...].hasPrefix($0) }, "\(html)")
                rest = rest[rest.index(after: ampersand)...]
            }
            // And the text comes back whole when the escapes are undone.
            let undone = html.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(
                of: "&gt;", with: ">"
            )
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
            #expect(undone == text)
        }
    }

    /// Mustache compares whole characters, so a quote followed by a combining mark is one character that is
    /// not a quote, and it let the quote through into an attribute. The fragments escape every quote byte.
    @Test func aQuoteFollowedByACombiningMarkIsEscapedAsWell() {
        let text = "x\"\u{0301} onmouseover=\"alert(1)"
        let dot = CentrePage.TrendDot(x: text, y: "2", label: "l")
        let drawn = CentrePage.trendDots([dot]).renderText
        let expected = "<circle cx=\"x&quot;\u{0301} onmouseover=&quot;alert(1)\" cy=\"2\""
        #expect(drawn.hasPrefix(expected))
        let before = Self.reference.render(Sections(rows: [], dots: [dot], days: []))
        let unescaped = "x\"\u{0301} onmouseover"
        #expect(
            before.contains(unescaped),
            "swift-mustache now escapes this too: drop this check")
    }

    /// The templates use the unescaped form only for fragments, so no other value reaches the page unescaped.
    @Test func onlyFragmentsAreDrawnUnescaped() throws {
        let templates = Templates.named.map(\.text) + [ReportTemplates.weeklyHTML]
        var unescaped: Set<String> = []
        for template in templates {
            var rest = Substring(template)
            while let open = rest.range(of: "{{{") ?? rest.range(of: "{{&") {
                let name = rest[open.upperBound...].prefix { $0 != "}" }
                unescaped.insert(name.trimmingCharacters(in: .whitespaces))
                rest = rest[open.upperBound...]
            }
        }
        #expect(unescaped == ["heatmapRows", "trendDots", "dayRows"])
        let section = CentrePage.section(
            HeatmapResponse(
                centre: CentreID(rawValue: "paro-dcrc")!, timeZone: "Asia/Thimphu", openingHours: nil,
                report: WindowReport(
                    question: .satisfaction,
                    window: DateWindow(days: 7, endingOn: try LocalDate.parse("2026-11-29")), rows: [],
                    calendar: OpeningCalendar(hours: nil, holidays: []), minimumCount: 5),
                timeUncertainPresses: 0))
        for name in unescaped {
            let field = Mirror(reflecting: section).children.first { $0.label == name }
            #expect(field?.value is HTMLFragment, "\(name)")
        }
    }
}
