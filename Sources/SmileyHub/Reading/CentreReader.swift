import Foundation
import SmileyCore

/// How the hub presents windowed figures: the minimum presses for an index to be shown.
public struct ReportSettings: Sendable, Hashable {
    /// A cell or day with fewer presses shows its count but no index colour, and a comparison with
    /// fewer presses on either side is "too few to tell".
    public var minimumCount: Int

    public init(minimumCount: Int = 5) {
        self.minimumCount = max(1, minimumCount)
    }
}

/// Which centres a reader may see. Every read of centre data (pages, JSON, CSV, live updates, the
/// overview's totals) asks `CentreReader`, which asks this: the one place a person's scope applies.
public enum ReadScope: Sendable, Hashable {
    case everything
    case centres(Set<CentreID>)

    func allows(_ centre: CentreID) -> Bool {
        switch self {
        case .everything: true
        case .centres(let centres): centres.contains(centre)
        }
    }
}

/// The read side of the hub for managers and scripts: windowed reports, the overview, device health,
/// exports. Reads the hourly and daily rollups, never the raw presses, through `CentreReadStore` (SQLite
/// or PostgreSQL), and checks scope on every centre it touches.
public struct CentreReader: Sendable {
    let store: any CentreReadStore
    /// Actions, alerts, alert rules and deliveries; nil for a reader of figures alone.
    let careStore: (any CentreCareStore)?
    let clock: HubClock
    public let settings: ReportSettings
    let scope: ReadScope

    public init(database: HubDatabase, clock: HubClock, settings: ReportSettings, scope: ReadScope = .everything) {
        self.init(store: database, care: database, clock: clock, settings: settings, scope: scope)
    }

    /// A reader of `store`; `care` defaults to `store` itself when it holds the centres' care (both backends do).
    public init(
        store: any CentreReadStore, care: (any CentreCareStore)? = nil, clock: HubClock, settings: ReportSettings,
        scope: ReadScope = .everything
    ) {
        self.store = store
        self.careStore = care ?? (store as? any CentreCareStore)
        self.clock = clock
        self.settings = settings
        self.scope = scope
    }

    /// The centres' actions, alerts, rules and deliveries.
    var care: any CentreCareStore {
        get throws(HubError) {
            guard let careStore else {
                throw .storage("this reader was made for figures alone: it holds no actions, alerts or alert rules")
            }
            return careStore
        }
    }

    /// The centres this reader may see, in id order.
    public func centres() async throws -> [Centre] {
        try await store.centres().filter { scope.allows($0.id) }
    }

    /// A centre by the id in a request; a centre outside the scope is "unknown", exactly like one that does not exist.
    public func centre(_ text: String) async throws -> Centre {
        guard let id = CentreID(rawValue: text), scope.allows(id), let centre = try await store.centre(id) else {
            throw HubError.notFound("unknown centre '\(text)'")
        }
        return centre
    }

    /// Today's date at the centre.
    public func today(at centre: Centre) -> LocalDate { today(inZone: centre.timeZone) }

    /// Today's date in a zone (UTC when the zone is unknown; centres are checked when added).
    public func today(inZone zone: String) -> LocalDate {
        Self.bucketer(zone).localHour(ofMillis: clock.nowMillis()).date
    }

    static func bucketer(_ zone: String) -> HourBucketer {
        (try? HourBucketer(timeZoneIdentifier: zone)) ?? HourBucketer(timeZone: TimeZone(identifier: "UTC")!)
    }

    public func nowMillis() -> Int64 { clock.nowMillis() }

    /// One question at one centre in a window (and the window before it).
    public func report(
        centre: Centre, question: Question, window: DateWindow, device: DeviceID? = nil,
        calendar: OpeningCalendar? = nil
    ) async throws -> WindowReport {
        let rows = try await store.hourCounts(
            centre: centre.id, question: question, from: window.previous.from, to: window.to, device: device)
        let calendar = try await calendar.asyncOr { try await store.openingCalendar(centre: centre.id) }
        return WindowReport(
            question: question, window: window, rows: rows, calendar: calendar, minimumCount: settings.minimumCount)
    }

    /// Each centre's totals and comparison in its window, for both questions, without heatmaps or
    /// trends: the overview's rows, read from the daily table (`centre_day`) in one trip to the database.
    public func totals(_ centres: [(centre: Centre, window: DateWindow)]) async throws -> [(
        satisfaction: WindowTotals, accessibility: WindowTotals
    )] {
        let read = try await store.overviewDays(
            centres.map { (centre: $0.centre.id, from: $0.window.previous.from, to: $0.window.to) })
        return zip(centres, read).map { request, days in
            (
                WindowTotals(
                    question: .satisfaction, window: request.window, days: days.satisfaction,
                    minimumCount: settings.minimumCount),
                WindowTotals(
                    question: .accessibility, window: request.window, days: days.accessibility,
                    minimumCount: settings.minimumCount)
            )
        }
    }

    /// The JSON answer of the heatmap API.
    public func heatmap(centre: Centre, question: Question, window: DateWindow, device: DeviceID? = nil) async throws
        -> HeatmapResponse
    {
        guard let device else { return try await heatmaps(centre: centre, questions: [question], window: window)[0] }
        let calendar = try await store.openingCalendar(centre: centre.id)
        let report = try await report(
            centre: centre, question: question, window: window, device: device, calendar: calendar)
        return HeatmapResponse(
            centre: centre.id, timeZone: centre.timeZone, openingHours: calendar.hours?.description, report: report,
            timeUncertainPresses: try await store.uncertainCount(centre: centre.id))
    }

    /// The whole centre's heatmaps of `questions`, in that order, from one read transaction: the hour
    /// rows of the window, the daily rows of the window before, the calendar and the uncertain count.
    public func heatmaps(centre: Centre, questions: [Question], window: DateWindow) async throws -> [HeatmapResponse] {
        try await windowReports(centre: centre, questions: questions, window: window).reports
    }

    /// `heatmaps` with the calendar and the uncertain count they were read with, for the centre page.
    func windowReports(centre: Centre, questions: [Question], window: DateWindow) async throws -> (
        reports: [HeatmapResponse], calendar: OpeningCalendar, uncertain: Int
    ) {
        let rows = try await store.windowRows(centre: centre.id, questions: questions, window: window)
        let reports = questions.map { question in
            let report = WindowReport(
                question: question, window: window, rows: rows.hours[question] ?? [],
                previousDays: rows.previousDays[question] ?? [], calendar: rows.calendar,
                minimumCount: settings.minimumCount)
            return HeatmapResponse(
                centre: centre.id, timeZone: centre.timeZone, openingHours: rows.calendar.hours?.description,
                report: report, timeUncertainPresses: rows.uncertain)
        }
        return (reports, rows.calendar, rows.uncertain)
    }

    public func openingCalendar(of centre: Centre) async throws -> OpeningCalendar {
        try await store.openingCalendar(centre: centre.id)
    }

    public func uncertainCount(of centre: Centre) async throws -> Int {
        try await store.uncertainCount(centre: centre.id)
    }

    /// Export rows of the given centres (each already checked through `centre(_:)` or `centres()`).
    public func exportRows(_ centres: [Centre], window: DateWindow) async throws -> [ExportRow] {
        try await store.exportRows(
            centres: centres.filter { scope.allows($0.id) }.map(\.id), from: window.from, to: window.to)
    }

    /// The centre's open alerts, then its latest resolved ones (the centre came through `centre(_:)`).
    public func alerts(of centre: Centre) async throws -> [StoredAlert] {
        guard scope.allows(centre.id) else { return [] }
        let history = try await care.alertHistory(centre: centre.id, limit: 20)
        return history.filter(\.state.isOpen) + history.filter { !$0.state.isOpen }
    }

    /// The deliveries of each of `alerts` (alerts this reader listed), by alert id.
    public func deliveries(of alerts: [StoredAlert]) async throws -> [Int64: [AlertDelivery]] {
        var deliveries: [Int64: [AlertDelivery]] = [:]
        for alert in alerts where scope.allows(alert.centre) {
            deliveries[alert.id] = try await care.deliveries(alertID: alert.id)
        }
        return deliveries
    }

    /// A centre's alert rules in force (the centre came through `centre(_:)`).
    public func alertRules(of centre: Centre) async throws -> CentreAlertRules {
        guard scope.allows(centre.id) else { throw HubError.notFound("unknown centre '\(centre.id)'") }
        return try await care.alertRules(centre: centre.id)
    }

    /// The centre's devices with their health as their last heartbeats tell it.
    public func deviceHealth(of centre: Centre, calendar: OpeningCalendar? = nil) async throws -> [DeviceHealth] {
        let now = clock.nowMillis()
        let calendar = try await calendar.asyncOr { try await store.openingCalendar(centre: centre.id) }
        let bucketer = Self.bucketer(centre.timeZone)
        let lastPresses = try await store.lastPressMillis(centre: centre.id)
        var health: [DeviceHealth] = []
        for device in try await store.centreDevices(centre.id) {
            let heartbeat = try await store.lastHeartbeat(device.id)
            health.append(
                DeviceHealth(
                    device: device.id, firstSeenMillis: device.firstSeenMillis, heartbeat: heartbeat?.heartbeat,
                    heartbeatReceivedMillis: heartbeat?.receivedMillis, lastPressMillis: lastPresses[device.id],
                    nowMillis: now, calendar: calendar, bucketer: bucketer))
        }
        return health
    }
}

extension Optional where Wrapped: Sendable {
    /// The value, or what `read` reads when there is none (`??` cannot await).
    func asyncOr(_ read: () async throws -> Wrapped) async rethrows -> Wrapped {
        if let self { return self }
        return try await read()
    }
}
