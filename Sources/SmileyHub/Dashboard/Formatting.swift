import SmileyCore

/// Words and numbers as the pages show them.
enum Formatting {
    static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let weekdayLongNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func hour(_ hour: Int) -> String { "\(two(hour)):00" }

    static func index(_ value: Double) -> String { "\(Int(value.rounded()))" }

    static func interval(_ estimate: IndexEstimate) -> String {
        "\(index(estimate.low))–\(index(estimate.high))"
    }

    static func presses(_ count: Int) -> String { count == 1 ? "1 press" : "\(count) presses" }

    static func signed(_ value: Double) -> String {
        let rounded = Int(value.rounded())
        return rounded > 0 ? "+\(rounded)" : rounded < 0 ? "−\(-rounded)" : "±0"
    }

    /// "Up 12 points on 2026-10-05 to 2026-11-01 (index 48, 120 presses): more than noise."
    static func comparison(_ previous: PreviousPeriod) -> String {
        let before =
            "\(previous.window) (\(presses(previous.presses))\(previous.index.map { ", index \(index($0))" } ?? ""))"
        guard let change = previous.change else {
            return "No presses to compare with in \(before)."
        }
        let move = Int(change.rounded())
        let moved = move > 0 ? "Up \(move)" : move < 0 ? "Down \(-move)" : "No change"
        let points = move == 0 ? "" : (abs(move) == 1 ? " point" : " points")
        switch previous.verdict {
        case .better, .worse: return "\(moved)\(points) on \(before): more than noise."
        case .noClearChange: return "\(moved)\(points) on \(before): within noise."
        case .tooFewPresses: return "\(moved)\(points) on \(before): too few presses to tell."
        }
    }

    /// "3 min ago", "2 h ago", "4 days ago".
    static func age(millis: Int64) -> String {
        let seconds = max(0, millis / 1000)
        if seconds < 90 { return "\(seconds) s ago" }
        if seconds < 90 * 60 { return "\(seconds / 60) min ago" }
        if seconds < 36 * 3600 { return "\(seconds / 3600) h ago" }
        return "\(seconds / 86_400) days ago"
    }
}
