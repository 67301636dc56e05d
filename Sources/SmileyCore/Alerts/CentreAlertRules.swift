import Foundation

/// One centre's alert rules: the defaults of docs/alerts.md unless a manager changed them. Each setting has
/// a name (`dip.minimum-answers`) used alike by the CLI and the centre page, and a valid range.
public struct CentreAlertRules: Sendable, Hashable, Codable {
    public var dip: DipRule
    public var drift: DriftRule
    /// Silent device: heartbeats arrive but no press for this many whole opening hours.
    public var silentAfterOpenHours: Int
    /// Clock unsynchronised: the device's heartbeats have said so for this many hours.
    public var clockUnsynchronisedHours: Int
    /// Kinds switched off for this centre.
    public var disabled: Set<AlertKind>

    public init(
        dip: DipRule = DipRule(), drift: DriftRule = DriftRule(), silentAfterOpenHours: Int = 2,
        clockUnsynchronisedHours: Int = 24, disabled: Set<AlertKind> = []
    ) {
        self.dip = dip
        self.drift = drift
        self.silentAfterOpenHours = silentAfterOpenHours
        self.clockUnsynchronisedHours = clockUnsynchronisedHours
        self.disabled = disabled
    }

    public func enabled(_ kind: AlertKind) -> Bool { !disabled.contains(kind) }

    /// A setting's name, what it means, and its valid range (for help texts and error messages).
    public struct Setting: Sendable, Hashable {
        public let name: String
        public let meaning: String
        public let range: ClosedRange<Double>
        /// Whole numbers only.
        public let integral: Bool
    }

    public static let settings: [Setting] = [
        Setting(name: "dip.window-minutes", meaning: "minutes a dip looks back", range: 5...240, integral: true),
        Setting(
            name: "dip.negative-percent", meaning: "share of negative answers that makes a dip, in percent",
            range: 10...100, integral: true),
        Setting(
            name: "dip.minimum-answers", meaning: "fewest answers in the window before a dip is called",
            range: 2...1000, integral: true),
        Setting(
            name: "drift.history-days", meaning: "days of history the control limits come from", range: 7...365,
            integral: true),
        Setting(
            name: "drift.minimum-history-days", meaning: "fewest history days with answers before drift is judged",
            range: 3...365, integral: true),
        Setting(
            name: "drift.sigmas", meaning: "width of the control limits in standard errors", range: 1...6,
            integral: false),
        Setting(
            name: "silent.open-hours", meaning: "opening hours without a press before a reporting device is silent",
            range: 1...200, integral: true),
        Setting(
            name: "clock.unsynchronised-hours", meaning: "hours a device's clock may stay unsynchronised",
            range: 1...720, integral: true),
    ]

    /// The names of the on/off switches: `enabled.dip`, `enabled.drift`, ...
    public static let switches: [String] = AlertKind.allCases.map { "enabled.\($0.rawValue)" }

    /// Every setting's current value as text, settings first, then the switches.
    public var values: [(name: String, value: String)] {
        Self.settings.map { ($0.name, value(of: $0.name) ?? "") }
            + AlertKind.allCases.map { ("enabled.\($0.rawValue)", enabled($0) ? "yes" : "no") }
    }

    public func value(of name: String) -> String? {
        switch name {
        case "dip.window-minutes": "\(dip.windowMinutes)"
        case "dip.negative-percent": "\(Int((dip.negativeShare * 100).rounded()))"
        case "dip.minimum-answers": "\(dip.minimumAnswers)"
        case "drift.history-days": "\(drift.historyDays)"
        case "drift.minimum-history-days": "\(drift.minimumHistoryDays)"
        case "drift.sigmas": Self.decimal(drift.sigmas)
        case "silent.open-hours": "\(silentAfterOpenHours)"
        case "clock.unsynchronised-hours": "\(clockUnsynchronisedHours)"
        default:
            if name.hasPrefix("enabled."), let kind = AlertKind(rawValue: String(name.dropFirst(8))) {
                enabled(kind) ? "yes" : "no"
            } else {
                nil
            }
        }
    }

    static func decimal(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))" : "\(value)"
    }

    /// Changes one setting from text, or throws an error naming the setting, the value and what is allowed.
    public mutating func set(_ name: String, to text: String) throws(AlertRuleError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if name.hasPrefix("enabled."), let kind = AlertKind(rawValue: String(name.dropFirst(8))) {
            switch trimmed.lowercased() {
            case "yes", "on", "true": disabled.remove(kind)
            case "no", "off", "false": disabled.insert(kind)
            default: throw AlertRuleError(message: "\(name) must be yes or no, not '\(trimmed)'")
            }
            return
        }
        guard let setting = Self.settings.first(where: { $0.name == name }) else {
            let known = (Self.settings.map(\.name) + Self.switches).joined(separator: ", ")
            throw AlertRuleError(message: "unknown alert setting '\(name)' (known: \(known))")
        }
        let bounds = "\(Self.decimal(setting.range.lowerBound))...\(Self.decimal(setting.range.upperBound))"
        guard let number = Double(trimmed), number.isFinite else {
            throw AlertRuleError(message: "\(name) must be a number in \(bounds), not '\(trimmed)'")
        }
        guard !setting.integral || number == number.rounded() else {
            throw AlertRuleError(message: "\(name) must be a whole number in \(bounds), not '\(trimmed)'")
        }
        guard setting.range.contains(number) else {
            throw AlertRuleError(message: "\(name) must be in \(bounds), not \(trimmed)")
        }
        var changed = self
        switch name {
        case "dip.window-minutes": changed.dip.windowMinutes = Int(number)
        case "dip.negative-percent": changed.dip.negativeShare = number / 100
        case "dip.minimum-answers": changed.dip.minimumAnswers = Int(number)
        case "drift.history-days": changed.drift.historyDays = Int(number)
        case "drift.minimum-history-days": changed.drift.minimumHistoryDays = Int(number)
        case "drift.sigmas": changed.drift.sigmas = number
        case "silent.open-hours": changed.silentAfterOpenHours = Int(number)
        default: changed.clockUnsynchronisedHours = Int(number)
        }
        guard changed.drift.minimumHistoryDays <= changed.drift.historyDays else {
            throw AlertRuleError(
                message:
                    "drift.minimum-history-days (\(changed.drift.minimumHistoryDays)) cannot exceed drift.history-days (\(changed.drift.historyDays))"
            )
        }
        self = changed
    }

    /// The rules with stored changes applied in order (a stored value that no longer validates is skipped).
    public static func applying(_ changes: [(name: String, value: String)]) -> CentreAlertRules {
        var rules = CentreAlertRules()
        for change in changes { try? rules.set(change.name, to: change.value) }
        return rules
    }

    /// *Clock unsynchronised*: the heartbeats have reported an unsynchronised clock since `sinceMillis`.
    public func clockFinding(device: String, unsynchronisedSinceMillis since: Int64?, nowMillis: Int64)
        -> AlertEvidence?
    {
        guard let since, nowMillis - since >= Int64(clockUnsynchronisedHours) * 3_600_000 else { return nil }
        let hours = (nowMillis - since) / 3_600_000
        return AlertEvidence(
            answers: 0, negative: 0, fromMillis: since, toMillis: nowMillis, firstPressMillis: nil,
            lastPressMillis: nil,
            summary: "\(device)'s clock has not been synchronised for \(hours) hours (its presses are dated by the hub)"
        )
    }
}

/// A bad alert setting: the message names the setting, the value and what is allowed.
public struct AlertRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
