import SmileyCore

/// The read half of the hub's storage: what `CentreReader` reads for the heatmap API, the overview,
/// exports and device health. Both backends hold it: `HubDatabase` (SQLite) and `PostgresPressStore`
/// (PostgreSQL); the same presses, hours and holidays give the same rows on either, and the pure pieces
/// (`WindowReport`, `WindowTotals`, `DeviceHealth`) make the figures from them.
///
/// Actions, alerts, alert rules and deliveries are `CentreCareStore`'s, on the same two backends.
public protocol CentreReadStore: Sendable {
    /// Every centre, by id.
    func centres() async throws -> [Centre]
    /// A centre by id; nil when there is none.
    func centre(_ id: CentreID) async throws -> Centre?
    /// A centre's opening hours and holidays.
    func openingCalendar(centre: CentreID) async throws(HubError) -> OpeningCalendar
    /// The rollup rows of one centre and question from `from` to `to` (local dates, both included),
    /// summed over devices unless one is named: what a heatmap window reads.
    func hourCounts(centre: CentreID, question: Question, from: LocalDate, to: LocalDate, device: DeviceID?)
        async throws(HubError) -> [HourCount]
    /// Presses of a centre held without a trustworthy time (left out of its heatmaps).
    func uncertainCount(centre: CentreID) async throws -> Int
    /// A centre's window in one consistent read: its calendar, each question's hour rows of the window,
    /// its daily rows of the window before, and its uncertain count.
    func windowRows(centre: CentreID, questions: [Question], window: DateWindow) async throws(HubError)
        -> CentreWindowRows
    /// The overview's read of many centres: both questions' daily rows (`centre_day`) from `from` to `to`
    /// of each centre, in the order asked.
    func overviewDays(_ requests: [(centre: CentreID, from: LocalDate, to: LocalDate)]) async throws(HubError)
        -> [(satisfaction: [DayCount], accessibility: [DayCount])]
    /// The overview's read of many centres, summed where the rows are held: each centre's daily rows
    /// (`centre_day`) of both questions summed by answer over its window and the window before
    /// (`WindowDaySum`), in the order asked. The same figures as `WindowDaySum.summing` of `overviewDays`.
    func overviewSums(_ requests: [(centre: CentreID, window: DateWindow)]) async throws(HubError)
        -> [(satisfaction: [WindowDaySum], accessibility: [WindowDaySum])]
    /// Export rows of the given centres in the window, ordered by centre (as given), device, hour,
    /// question, answer.
    func exportRows(centres: [CentreID], from: LocalDate, to: LocalDate) async throws(HubError) -> [ExportRow]
    /// The placement time of each device's most recent press (by sequence), for "silent device" marks.
    func lastPressMillis(centre: CentreID) async throws(HubError) -> [DeviceID: Int64]
    /// A centre's devices, in id order, with when each was first seen.
    func centreDevices(_ centre: CentreID) async throws(HubError) -> [(id: DeviceID, firstSeenMillis: Int64)]
    /// The latest heartbeat of a device and when it arrived.
    func lastHeartbeat(_ device: DeviceID) async throws -> (heartbeat: Heartbeat, receivedMillis: Int64)?
    /// The health of every device of a centre at `nowMillis`, in id order, from the heartbeats' summary
    /// columns (`DeviceHealth.heartbeat` is nil): the devices, their summaries and last presses in one
    /// statement, the calendar read with them when not given. What the alert evaluation and `/metrics` read.
    func deviceHealth(of centre: Centre, nowMillis: Int64, calendar: OpeningCalendar?) async throws -> [DeviceHealth]
    /// Devices that sent a batch or a heartbeat since `sinceMillis` (a device only added does not count).
    func devicesSeen(sinceMillis: Int64) async throws(HubError) -> Int
}

extension HubDatabase: CentreReadStore {}
