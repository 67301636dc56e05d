import SmileyCore

/// The ledger of weekly reports sent (`weekly_report_sending`): one row per centre and week, queued when it
/// falls due, then sent once or given up. Both backends hold it: `HubDatabase` (SQLite) and
/// `PostgresPressStore` (PostgreSQL, step "pg-reports-1"); `WeeklyReportSender` reads and writes only this.
public protocol WeeklyReportLedger: Sendable {
    /// Queues a centre's report for the week starting `weekFrom`, due now, unless that week is already queued,
    /// sent or given up. Returns whether a row was added.
    @discardableResult
    func queueWeeklyReport(centre: CentreID, weekFrom: LocalDate, nowMillis: Int64) async throws(HubError) -> Bool
    /// Pending weekly reports due at `nowMillis`, oldest week first.
    func dueWeeklyReports(nowMillis: Int64, limit: Int) async throws(HubError) -> [WeeklyReportSending]
    /// The ledger, newest week first (one centre's, or every centre's).
    func weeklyReportSendings(centre: CentreID?, limit: Int) async throws(HubError) -> [WeeklyReportSending]
    /// Records one attempt: sent to `recipients` (error nil), or failed and tried again at `nextAttemptMillis`
    /// (nil: given up). Only a pending row changes.
    func recordWeeklyReportAttempt(
        centre: CentreID, weekFrom: LocalDate, error: String?, recipients: [String], nextAttemptMillis: Int64?,
        nowMillis: Int64
    ) async throws(HubError)
}

extension HubDatabase: WeeklyReportLedger {}
