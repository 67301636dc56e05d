import Mustache
import Testing

@testable import SmileyHub

/// `TemplateValue` finds fields by a table learnt once per type, and renders exactly what Mustache's
/// own reflection would.
@Suite struct TemplateValueTests {
    struct Outer: TemplateValue {
        let title: String
        let note: String?
        let items: [Item]
    }

    struct Item: TemplateValue {
        let label: String
        let count: Int
        /// nil: Mustache looks the name up in the enclosing value (the page's `note`).
        let note: String?
        let flag: Bool
    }

    /// The same shapes without the conformance: rendered by Mustache's reflection.
    struct PlainOuter {
        let title: String
        let note: String?
        let items: [PlainItem]
    }

    struct PlainItem {
        let label: String
        let count: Int
        let note: String?
        let flag: Bool
    }

    static let template = """
        {{title}}|{{#items}}[{{label}} {{count}} {{note}}{{#flag}} on{{/flag}}{{^flag}} off{{/flag}} {{missing}}]{{/items}}|{{note}}
        """

    @Test func rendersWhatReflectionRenders() throws {
        let template = try MustacheTemplate(string: Self.template)
        let fast = Outer(
            title: "Paro <DCRC>", note: "outer",
            items: [
                Item(label: "a", count: 1, note: "inner", flag: true),
                Item(label: "b", count: 2, note: nil, flag: false),
            ])
        let plain = PlainOuter(
            title: "Paro <DCRC>", note: "outer",
            items: [
                PlainItem(label: "a", count: 1, note: "inner", flag: true),
                PlainItem(label: "b", count: 2, note: nil, flag: false),
            ])
        let rendered = template.render(fast)
        #expect(rendered == template.render(plain))
        #expect(rendered == "Paro &lt;DCRC&gt;|[a 1 inner on ][b 2 outer off ]|outer")
    }

    @Test func aNameTheTypeLacksIsNotFound() {
        let item = Item(label: "a", count: 3, note: nil, flag: true)
        #expect(item.child(named: "missing") == nil)
        #expect(item.child(named: "note") == nil)
        #expect(item.child(named: "count") as? Int == 3)
        #expect(item.child(named: "label") as? String == "a")
    }

    /// A value that names its fields by hand answers every field it has, with the field's value.
    func expectAnswersEveryField(_ value: some MustacheParent) {
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            let field = Mirror(reflecting: child.value)
            let expected: String? =
                field.displayStyle == .optional ? field.children.first.map { "\($0.value)" } : "\(child.value)"
            #expect(value.child(named: label).map { "\($0)" } == expected, "\(label)")
        }
        #expect(value.child(named: "noSuchField") == nil)
    }

    @Test func theHandNamedValuesAnswerEveryField() {
        expectAnswersEveryField(
            OverviewPage.CentreRow(
                rank: 1, id: "paro-dcrc", name: "Paro", href: "/centres/paro-dcrc", presses: 12, indexText: "70",
                intervalText: "60–80", rankedText: "69", changeText: "+3", verdict: "better", verdictText: "better",
                accessibilityText: "55", accessibilityPresses: 4, window: "2026-11-02 to 2026-11-29"))
    }
}
