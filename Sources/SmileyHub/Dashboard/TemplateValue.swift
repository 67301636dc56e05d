import Mustache
import Synchronization

/// A value the page templates read by name, many times per page (a row of the overview, a cell of a
/// heatmap, a point of a trend).
///
/// Mustache finds a name by reflecting every field of the value (and, when the name is not there, of
/// each enclosing value in turn). A `TemplateValue` knows where each of its fields is, learnt once per
/// type: a name it lacks costs one dictionary lookup, a name it holds one field's reflection.
protocol TemplateValue: MustacheParent {}

extension TemplateValue {
    func child(named name: String) -> Any? {
        guard let offset = TemplateFieldTable.offset(of: name, in: self) else { return nil }
        let children = Mirror(reflecting: self).children
        let value = children[children.index(children.startIndex, offsetBy: offset)].value
        // An absent optional is no value: Mustache then looks the name up in the enclosing values.
        if let optional = value as? any TemplateOptional { return optional.templateUnwrapped }
        return value
    }
}

/// Each template value type's field names and their positions, learnt from the first value seen.
enum TemplateFieldTable {
    private static let tables = Mutex<[ObjectIdentifier: [String: Int]]>([:])

    static func offset(of name: String, in value: some TemplateValue) -> Int? {
        let type = ObjectIdentifier(type(of: value))
        if let table = tables.withLock({ $0[type] }) { return table[name] }
        var table: [String: Int] = [:]
        for (offset, child) in Mirror(reflecting: value).children.enumerated() {
            if let label = child.label { table[label] = offset }
        }
        tables.withLock { $0[type] = table }
        return table[name]
    }
}

protocol TemplateOptional {
    var templateUnwrapped: Any? { get }
}

extension Optional: TemplateOptional {
    var templateUnwrapped: Any? { self.map { $0 as Any } }
}

extension OverviewPage: TemplateValue {}
extension OverviewPage.Header: TemplateValue {}
extension CentrePage: TemplateValue {}
extension CentrePage.AnswerBar: TemplateValue {}
extension CentrePage.GridLine: TemplateValue {}
extension CentrePage.TrendMarker: TemplateValue {}
extension CentrePage.QuestionSection: TemplateValue {}
extension CentrePage.AlertRow: TemplateValue {}
extension CentrePage.DeliveryRow: TemplateValue {}
extension CentrePage.RuleField: TemplateValue {}
extension CentrePage.DeviceRow: TemplateValue {}
extension CentrePage.EffectRow: TemplateValue {}
extension CentrePage.ActionRow: TemplateValue {}
extension CentrePage.ActionForm: TemplateValue {}
extension WindowNavigation: TemplateValue {}
extension WindowNavigation.Link: TemplateValue {}
extension WindowNavigation.Hidden: TemplateValue {}
extension AccountBar: TemplateValue {}

// The values drawn most often (200 overview rows) answer by name directly, without reflection;
// TemplateValueTests checks they answer every field. A heatmap's cells, a trend's points and the days
// are drawn in Swift (`HTMLFragment`).

extension OverviewPage.CentreRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "rank": rank
        case "id": id
        case "name": self.name
        case "href": href
        case "presses": presses
        case "indexText": indexText
        case "intervalText": intervalText
        case "rankedText": rankedText
        case "changeText": changeText
        case "verdict": verdict
        case "verdictText": verdictText
        case "accessibilityText": accessibilityText
        case "accessibilityPresses": accessibilityPresses
        case "window": window
        default: nil
        }
    }
}
