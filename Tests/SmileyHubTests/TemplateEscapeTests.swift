import Foundation
import Mustache
import Testing

@testable import SmileyHub

/// Every template of the hub drawn with a hostile value in every field it names: no quote, angle bracket or
/// ampersand before a combining mark reaches an HTML page or mail unescaped.
@Suite struct TemplateEscapeTests {
    /// A value for every name a template looks up: hostile text, or an empty fragment for the three names
    /// drawn unescaped (HTMLFragmentTests checks those are fragments).
    struct Hostile: MustacheParent {
        static let text = "x\"\u{301} onmouseover=alert(1) <\u{301}b> &\u{301}"
        func child(named name: String) -> Any? {
            ["heatmapRows", "trendDots", "dayRows"].contains(name) ? HTMLFragment() : Self.text
        }
    }

    static func expectNoRawBeforeAMark(_ html: String, _ template: String) {
        let bytes = Array(html.utf8)
        for raw in ["\"", "<", ">", "&"] {
            #expect(
                !CombiningMarkEscapeTests.contains(bytes, raw + "\u{301}"),
                "template \(template): a raw \(raw) before U+0301")
        }
    }

    @Test func everyPageTemplateEscapesEveryFieldOnUnicodeScalars() throws {
        let library = try Templates.library()
        for (name, _) in Templates.named {
            let html = try #require(library.render(Hostile(), withTemplate: name), "template \(name)")
            Self.expectNoRawBeforeAMark(html, name)
        }
    }

    @Test func theReportMailsHTMLEscapesEveryFieldAndItsTextNone() throws {
        let library = try ReportTemplates.library()
        let html = try #require(library.render(Hostile(), withTemplate: "weekly-html"))
        Self.expectNoRawBeforeAMark(html, "weekly-html")
        let text = try #require(library.render(Hostile(), withTemplate: "weekly-text"))
        #expect(text.contains(Hostile.text) && !text.contains("&quot;"))
    }
}
