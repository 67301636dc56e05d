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

    /// The loader, not each template, chooses the escaping: a template that names a content type itself is
    /// refused by name, and so is a text template that includes a partial (Mustache draws partials as HTML).
    @Test func theLoaderRefusesATemplateThatChoosesItsOwnEscaping() throws {
        for pragma in ["{{% CONTENT_TYPE: HTML}}", "{{%CONTENT_TYPE:TEXT}}"] {
            let error = #expect(throws: TemplateLoadError.self) {
                try HubTemplates.library([.init(name: "sneaky", kind: .html, text: pragma + "<p>{{x}}</p>")])
            }
            #expect(error?.description.contains("template 'sneaky' names a content type itself") == true)
        }
        let partial = #expect(throws: TemplateLoadError.self) {
            try HubTemplates.library([.init(name: "mail", kind: .text, text: "{{>layout}}")])
        }
        #expect(partial?.description.contains("text template 'mail' includes a partial") == true)
        let broken = #expect(throws: TemplateLoadError.self) {
            try HubTemplates.library([.init(name: "broken", kind: .html, text: "{{#open}}")])
        }
        #expect(broken?.description.contains("template 'broken' does not parse") == true)
    }

    /// A partial and a layout's block drawn from an HTML template escape on scalars too (Mustache resets the
    /// content type when it enters a partial; the partial's own head sets it again), and a text template
    /// keeps its value as it was.
    @Test func partialsAndBlocksEscapeOnScalarsAndTextStaysText() throws {
        let library = try HubTemplates.library([
            .init(name: "frame", kind: .html, text: "<p title=\"{{x}}\">{{$body}}{{/body}}</p>"),
            .init(name: "item", kind: .html, text: "<i data-x=\"{{x}}\"></i>"),
            .init(
                name: "page", kind: .html,
                text: "{{<frame}}{{$body}}<b title=\"{{x}}\">{{>item}}</b>{{/body}}{{/frame}}"),
            .init(name: "note", kind: .text, text: "{{x}}"),
        ])
        let x = "\"\u{301}<\u{301}&\u{301}"
        let page = try #require(library.render(["x": x], withTemplate: "page"))
        let escaped = "&quot;\u{301}&lt;\u{301}&amp;\u{301}"
        let expected = "<p title=\"\(escaped)\"><b title=\"\(escaped)\"><i data-x=\"\(escaped)\"></i></b></p>"
        #expect(Array(page.utf8) == Array(expected.utf8))
        #expect(library.render(["x": x], withTemplate: "note").map { Array($0.utf8) } == Array(x.utf8))
    }

    /// The shared escaper writes what Mustache's wrote wherever no combining mark follows, so pages without
    /// one are unchanged.
    @Test func theEscaperMatchesMustachesOnTextWithoutCombiningMarks() throws {
        let mustache = try MustacheTemplate(string: "{{x}}")
        for text in HTMLFragmentTests.hostile where !text.unicodeScalars.contains(where: { $0.value == 0x301 }) {
            #expect(HTMLEscaping.escape(text) == mustache.render(["x": text]), "\(text.debugDescription)")
        }
    }
}
