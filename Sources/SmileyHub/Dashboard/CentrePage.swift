import SmileyCore

/// Everything the centre page shows, as plain values for its template (which escapes every one of them).
struct CentrePage: Sendable {
    struct Cell: Sendable {
        let weekday: Int
        let hour: Int
        let count: Int
        /// Named apart from the section's `indexText`: Mustache looks a missing value up in enclosing contexts.
        let cellIndex: String?
        let cls: String
        let style: String
        let title: String
    }

    struct Row: Sendable {
        let label: String
        let cells: [Cell]
    }

    struct AnswerBar: Sendable {
        let label: String
        let count: Int
        let percent: String
        let width: String
    }

    struct TrendDot: Sendable {
        let x: String
        let y: String
        let label: String
    }

    struct GridLine: Sendable {
        let y: String
        let label: String
    }

    struct DayRow: Sendable {
        let date: String
        let weekday: String
        let count: Int
        let indexText: String
        let intervalText: String
        /// Actions taken on this day (named apart: Mustache looks missing values up in enclosing contexts).
        let dayActions: String
    }

    /// A vertical mark on the trend where an action was taken.
    struct TrendMarker: Sendable {
        let markerX: String
        let markerLabel: String
    }

    struct QuestionSection: Sendable {
        let key: String
        let name: String
        let presses: Int
        let empty: Bool
        let pressesText: String
        let hasIndex: Bool
        let indexText: String
        let intervalText: String
        let verdict: String
        let comparisonText: String
        let outsideText: String?
        let outsideCount: Int
        let minimumCount: Int
        let weekdays: [String]
        let rows: [Row]
        let noHours: Bool
        let answers: [AnswerBar]
        let linePoints: String
        let bandPoints: String
        let dots: [TrendDot]
        let markers: [TrendMarker]
        let grid: [GridLine]
        let trendTitle: String
        let days: [DayRow]
        let firstDay: String
        let lastDay: String
        /// The rows, dots and days above as markup, written once in Swift (`HTMLFragment`).
        let heatmapRows: HTMLFragment
        let trendDots: HTMLFragment
        let dayRows: HTMLFragment
    }

    struct AlertRow: Sendable {
        let alertID: Int64
        let kind: String
        let label: String
        let subject: String
        let summary: String
        let opened: String
        let state: String
        /// open, acknowledged or resolved.
        let stateKey: String
        let open: Bool
        /// Named apart from the page's fields: Mustache looks a missing value up in enclosing contexts.
        let ackBy: String?
        let ackAge: String?
        let ackComment: String?
        let deliveries: [DeliveryRow]
        let hasDeliveries: Bool
        let mayAcknowledge: Bool
    }

    struct DeliveryRow: Sendable {
        let deliveryID: Int64
        let deliveryChannel: String
        /// The channel in words (e-mail, webhook), for the retry button.
        let deliveryLabel: String
        let deliveryState: String
        let deliveryText: String
        /// A failed delivery shown to a manager gets the retry form.
        let mayRetryDelivery: Bool
    }

    /// One setting of the centre's alert rules in the rules form.
    struct RuleField: Sendable {
        let ruleName: String
        let ruleValue: String
        let ruleMeaning: String
        let ruleIsSwitch: Bool
        let ruleOn: Bool
    }

    struct DeviceRow: Sendable {
        let id: String
        let status: String
        let statusClass: String
        let lastHeartbeat: String
        let lastPress: String
        let backlog: String
        let stuck: String
        let lost: String
        let clock: String
        let storage: String
    }

    let title: String
    let centreName: String
    let centreID: String
    let timeZone: String
    let openingText: String
    let navigation: WindowNavigation
    /// Whether the page follows new presses (`/events`): it shows today, on a hub that sends live updates.
    var live: Bool
    let questions: [QuestionSection]
    let devices: [DeviceRow]
    /// Actions taken, latest first, each with its before and after.
    let actions: [ActionRow]
    let hasActions: Bool
    /// Set when the reader may record actions here: the form's CSRF token and the default date.
    var actionForm: ActionForm? = nil
    /// Open alerts, and the latest resolved ones (the history).
    var openAlerts: [AlertRow] = []
    var pastAlerts: [AlertRow] = []
    /// Stored, not computed: templates see stored properties only.
    var hasOpenAlerts = false
    var hasPastAlerts = false
    var hasAlerts = false
    /// The session's CSRF token when the reader may acknowledge alerts and change the rules here.
    var alertFormCSRF: String? = nil
    var mayManageAlerts = false
    var ruleFields: [RuleField] = []
    let hasDevices: Bool
    let uncertainText: String?
    let exportCSV: String
    let exportJSON: String
    let overviewHref: String
    /// Who is signed in (nil for a script's token): the header's name and sign-out form.
    var account: AccountBar? = nil
    var mayExport = true

    static let trendWidth = 720.0
    static let trendHeight = 180.0
    static let trendLeft = 36.0
    static let trendTop = 10.0
    static let trendBottom = 24.0

    init(
        centre: Centre, choice: WindowChoice, window: DateWindow, reports: [HeatmapResponse], calendar: OpeningCalendar,
        devices: [DeviceHealth], uncertain: Int, today: LocalDate, nowMillis: Int64, actions: [ActionReview] = []
    ) {
        self.actions = actions.reversed().map { Self.actionRow($0, centre: centre.id) }
        self.hasActions = !actions.isEmpty
        let query = WindowNavigation.query(choice: choice)
        self.title = centre.name
        self.centreName = centre.name
        self.centreID = centre.id.rawValue
        self.timeZone = centre.timeZone
        var opening = calendar.hours.map { "Open \($0.description)" } ?? "No opening hours set: every hour is drawn"
        let holidays = calendar.holidays.filter { window.contains($0) }.sorted()
        if !holidays.isEmpty { opening += "; closed on \(holidays.map(\.description).joined(separator: ", "))" }
        self.openingText = opening
        self.navigation = WindowNavigation(
            path: "/centres/\(centre.id)", choice: choice, window: window,
            note: "Each figure is compared with the same weekdays of the period before.")
        self.live = window.contains(today)
        self.questions = reports.map { Self.section($0, actions: actions.map(\.action)) }
        self.devices = devices.map { Self.deviceRow($0, nowMillis: nowMillis) }
        self.hasDevices = !devices.isEmpty
        self.uncertainText =
            uncertain > 0
            ? "\(Formatting.presses(uncertain)) wait for their device's clock to be known and are not shown yet." : nil
        self.exportCSV = "/api/v1/centres/\(centre.id)/export?format=csv&\(query)"
        self.exportJSON = "/api/v1/centres/\(centre.id)/export?format=json&\(query)"
        self.overviewHref = "/?\(query)"
    }

    static func section(_ report: HeatmapResponse, actions: [CentreAction] = []) -> QuestionSection {
        let name = report.question == .satisfaction ? "Satisfaction" : "Accessibility"
        let weekdays = Array(Set(report.cells.map(\.weekday))).sorted()
        let hours = Array(Set(report.cells.map(\.hour))).sorted()
        let rows = hours.map { hour in
            Row(
                label: Formatting.hour(hour),
                cells: weekdays.map { weekday in
                    let cell = report.cells.first { $0.weekday == weekday && $0.hour == hour }
                    return Self.cell(cell, weekday: weekday, hour: hour, minimum: report.minimumCount)
                })
        }
        let total = report.answers.reduce(0) { $0 + $1.count }
        let answers = report.answers.reversed().map { answer in
            let share = total > 0 ? Double(answer.count) / Double(total) * 100 : 0
            return AnswerBar(
                label: answer.label, count: answer.count, percent: "\(Int(share.rounded()))%",
                width: "width:\(Int(share.rounded()))%")
        }
        let estimate = report.estimate
        let trend = Self.trend(report.daily)
        let days = report.daily.map { day in
            DayRow(
                date: day.date.description, weekday: Formatting.weekdayNames[day.date.weekday - 1],
                count: day.count,
                indexText: day.enough ? day.index.map(Formatting.index) ?? "" : (day.count > 0 ? "too few" : ""),
                intervalText: day.enough ? day.estimate.map(Formatting.interval) ?? "" : "",
                dayActions: actions.filter { $0.date == day.date }.map(\.text).joined(separator: "; "))
        }
        let dayCount = report.daily.count
        let markers = actions.compactMap { action -> TrendMarker? in
            guard report.window.contains(action.date) else { return nil }
            let position = action.date.daysSinceEpoch - report.window.from.daysSinceEpoch
            return TrendMarker(
                markerX: number(x(position, of: dayCount)), markerLabel: "\(action.date): \(action.text)")
        }
        return QuestionSection(
            key: report.question.rawValue, name: name, presses: report.presses,
            empty: report.presses == 0 && report.outsideOpeningHours == 0,
            pressesText: Formatting.presses(report.presses), hasIndex: estimate != nil,
            indexText: estimate.map { Formatting.index($0.index) } ?? "",
            intervalText: estimate.map(Formatting.interval) ?? "", verdict: report.previous.verdict.rawValue,
            comparisonText: Formatting.comparison(report.previous),
            outsideText: report.outsideOpeningHours > 0
                ? "\(Formatting.presses(report.outsideOpeningHours)) outside opening hours (stored, not drawn)." : nil,
            outsideCount: report.outsideOpeningHours,
            minimumCount: report.minimumCount, weekdays: weekdays.map { Formatting.weekdayNames[$0 - 1] }, rows: rows,
            noHours: rows.isEmpty, answers: answers, linePoints: trend.line, bandPoints: trend.band, dots: trend.dots,
            markers: markers,
            grid: stride(from: 0, through: 100, by: 25).map {
                GridLine(y: Self.number(Self.y(Double($0))), label: "\($0)")
            },
            trendTitle: "Daily \(name.lowercased()) index from \(report.window.from) to \(report.window.to)",
            days: days, firstDay: report.window.from.description, lastDay: report.window.to.description,
            heatmapRows: heatmapRows(rows), trendDots: trendDots(trend.dots), dayRows: dayRows(days))
    }

    static func cell(_ cell: WindowCell?, weekday: Int, hour: Int, minimum: Int) -> Cell {
        let day = Formatting.weekdayLongNames[weekday - 1]
        let slot = "\(day) \(Formatting.hour(hour))–\(Formatting.two(hour)):59"
        guard let cell, cell.count > 0 else {
            return Cell(
                weekday: weekday, hour: hour, count: 0, cellIndex: nil, cls: "empty", style: "",
                title: "\(slot): no presses")
        }
        guard cell.enough, let estimate = cell.estimate else {
            return Cell(
                weekday: weekday, hour: hour, count: cell.count, cellIndex: nil, cls: "few", style: "",
                title: "\(slot): \(Formatting.presses(cell.count)), fewer than \(minimum): no index shown")
        }
        return Cell(
            weekday: weekday, hour: hour, count: cell.count, cellIndex: Formatting.index(estimate.index), cls: "scored",
            style: Palette.style(index: estimate.index),
            title:
                "\(slot): \(Formatting.presses(cell.count)), index \(Formatting.index(estimate.index)) (95% interval \(Formatting.interval(estimate)))"
        )
    }

    static func x(_ position: Int, of count: Int) -> Double {
        let span = trendWidth - trendLeft - 10
        return trendLeft + (count <= 1 ? span / 2 : span * Double(position) / Double(count - 1))
    }

    static func y(_ index: Double) -> Double {
        trendTop + (trendHeight - trendTop - trendBottom) * (1 - index / 100)
    }

    static func number(_ value: Double) -> String { String(Int((value * 10).rounded()) / 10) }

    static func trend(_ daily: [DailyPoint]) -> (line: String, band: String, dots: [TrendDot]) {
        var line: [String] = []
        var upper: [String] = []
        var lower: [String] = []
        var dots: [TrendDot] = []
        for (position, day) in daily.enumerated() where day.enough {
            guard let estimate = day.estimate else { continue }
            let x = number(Self.x(position, of: daily.count))
            line.append("\(x),\(number(y(estimate.index)))")
            upper.append("\(x),\(number(y(estimate.high)))")
            lower.insert("\(x),\(number(y(estimate.low)))", at: 0)
            dots.append(
                TrendDot(
                    x: x, y: number(y(estimate.index)),
                    label:
                        "\(day.date) (\(Formatting.weekdayNames[day.date.weekday - 1])): index \(Formatting.index(estimate.index)), \(Formatting.interval(estimate)), \(Formatting.presses(day.count))"
                ))
        }
        return (line.joined(separator: " "), (upper + lower).joined(separator: " "), dots)
    }

    /// An alert kind in a manager's words.
    static func label(of kind: AlertKind) -> String {
        switch kind {
        case .dip: "Many unhappy answers"
        case .drift: "Day outside its usual range"
        case .silentDevice: "Silent device"
        case .deviceOffline: "Device offline"
        case .stuckLine: "Stuck button"
        case .storageWarning: "Device storage"
        case .clockUnsynchronised: "Device clock"
        }
    }

    /// Fills the alert lists; with `csrf`, open unacknowledged alerts get the acknowledge form and the rules
    /// form is shown.
    mutating func setAlerts(
        _ alerts: [StoredAlert], deliveries: [Int64: [AlertDelivery]], nowMillis: Int64, csrf: String? = nil,
        rules: CentreAlertRules? = nil
    ) {
        alertFormCSRF = csrf
        let rows = alerts.map {
            Self.alertRow(
                $0, nowMillis: nowMillis, deliveries: deliveries[$0.id] ?? [], mayAcknowledge: csrf != nil,
                mayRetry: csrf != nil)
        }
        openAlerts = rows.filter(\.open)
        pastAlerts = rows.filter { !$0.open }
        hasOpenAlerts = !openAlerts.isEmpty
        hasPastAlerts = !pastAlerts.isEmpty
        mayManageAlerts = csrf != nil
        hasAlerts = hasOpenAlerts || hasPastAlerts || mayManageAlerts
        let meanings = Dictionary(CentreAlertRules.settings.map { ($0.name, $0.meaning) }, uniquingKeysWith: { $1 })
        ruleFields = (csrf == nil ? [] : rules?.values ?? []).map { name, value in
            let isSwitch = name.hasPrefix("enabled.")
            return RuleField(
                ruleName: name, ruleValue: value,
                ruleMeaning: meanings[name]
                    ?? "alerts of this kind (\(Self.label(of: AlertKind(rawValue: String(name.dropFirst(8))) ?? .dip)))",
                ruleIsSwitch: isSwitch, ruleOn: value == "yes")
        }
    }

    static func deliveryRow(_ delivery: AlertDelivery, nowMillis: Int64, mayRetry: Bool = false) -> DeliveryRow {
        let channel = delivery.channel == "email" ? "e-mail" : delivery.channel
        var text: String
        switch delivery.state {
        case .delivered:
            text =
                "\(channel) delivered"
                + (delivery.deliveredMillis.map { " \(Formatting.age(millis: nowMillis - $0))" } ?? "")
        case .pending:
            text = delivery.attempts == 0 ? "\(channel) pending" : "\(channel) retrying (\(delivery.attempts) failed)"
        case .failed:
            text = "\(channel) failed after \(delivery.attempts) attempts"
        }
        if delivery.state != .delivered, let error = delivery.lastError { text += ": \(error.prefix(200))" }
        return DeliveryRow(
            deliveryID: delivery.id, deliveryChannel: delivery.channel, deliveryLabel: channel,
            deliveryState: delivery.state.rawValue, deliveryText: text,
            mayRetryDelivery: mayRetry && delivery.state == .failed)
    }

    static func alertRow(
        _ alert: StoredAlert, nowMillis: Int64, deliveries: [AlertDelivery] = [],
        mayAcknowledge: Bool = false, mayRetry: Bool = false
    ) -> AlertRow {
        let label = Self.label(of: alert.kind)
        let state =
            alert.state.resolvedMillis.map { "resolved \(Formatting.age(millis: nowMillis - $0))" }
            ?? (alert.state.acknowledgedBy.map { "open, acknowledged by \($0)" } ?? "open")
        let rows = deliveries.map { deliveryRow($0, nowMillis: nowMillis, mayRetry: mayRetry) }
        return AlertRow(
            alertID: alert.id, kind: alert.kind.rawValue, label: label, subject: alert.subject,
            summary: alert.state.evidence.summary,
            opened: Formatting.age(millis: nowMillis - alert.state.openedMillis), state: state,
            stateKey: !alert.state.isOpen
                ? "resolved" : alert.state.acknowledgedMillis == nil ? "open" : "acknowledged",
            open: alert.state.isOpen, ackBy: alert.state.acknowledgedBy,
            ackAge: alert.state.acknowledgedMillis.map { Formatting.age(millis: nowMillis - $0) },
            ackComment: alert.state.comment, deliveries: rows, hasDeliveries: !rows.isEmpty,
            mayAcknowledge: mayAcknowledge && alert.state.isOpen && alert.state.acknowledgedMillis == nil)
    }

    static func deviceRow(_ health: DeviceHealth, nowMillis: Int64) -> DeviceRow {
        let heartbeat = health.heartbeat
        let status: (String, String) =
            health.offline
            ? ("Offline: no heartbeat for over 15 minutes during opening hours", "bad")
            : health.silent
                ? ("Silent: no press for \(health.openHoursSinceLastPress) opening hours while it reports in", "bad")
                : heartbeat == nil ? ("No heartbeat yet", "unknown") : ("Working", "good")
        return DeviceRow(
            id: health.device.rawValue, status: status.0, statusClass: status.1,
            lastHeartbeat: health.heartbeatReceivedMillis.map { Formatting.age(millis: nowMillis - $0) } ?? "never",
            lastPress: health.lastPressMillis.map { Formatting.age(millis: nowMillis - $0) } ?? "never",
            backlog: heartbeat.map { beat in
                beat.backlog == 0
                    ? "none"
                    : "\(Formatting.presses(beat.backlog))"
                        + (beat.oldestUnsentMillis.map { ", oldest \(Formatting.age(millis: nowMillis - $0))" } ?? "")
            } ?? "–",
            stuck: heartbeat.map { $0.stuckLines.isEmpty ? "none" : $0.stuckLines.joined(separator: ", ") } ?? "–",
            lost: heartbeat.map { "\($0.lostGPIOEvents)" } ?? "–",
            clock: heartbeat.map { $0.clock.synchronised ? "synchronised" : "not synchronised" } ?? "–",
            storage: heartbeat.map { $0.storageWarning ?? "ok" } ?? "–")
    }
}
