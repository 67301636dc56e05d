import Foundation
import GRDB
import SmileyCore

/// How one centre's report for one week stands: queued when it fell due, then sent, or failed after the last
/// allowed attempt.
public struct WeeklyReportSending: Sendable, Hashable {
    public var centre: CentreID
    /// The week's Monday.
    public var weekFrom: LocalDate
    public var state: DeliveryState
    public var attempts: Int
    public var nextAttemptMillis: Int64
    public var lastError: String?
    public var sentMillis: Int64?
    /// The addresses the sent mail went to, comma-separated (nil until sent).
    public var recipients: String?
}

extension HubDatabase {
    /// The ledger of weekly reports sent, one row per centre and week.
    static func registerWeeklyReportSendingMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("weekly-mail-w1: weekly report sending ledger") { db in
            try db.execute(
                sql: """
                    -- One row per centre and week once its report fell due: sent exactly once, retried until then.
                    CREATE TABLE weekly_report_sending (
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        week_from TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_millis INTEGER NOT NULL,
                        last_error TEXT,
                        created_millis INTEGER NOT NULL,
                        sent_millis INTEGER,
                        recipients TEXT,
                        PRIMARY KEY (centre_id, week_from)
                    );
                    CREATE INDEX weekly_report_sending_due ON weekly_report_sending(next_attempt_millis)
                        WHERE state = 'pending';
                    """)
        }
    }

    /// Queues a centre's report for the week starting `weekFrom`, due now, unless that week is already queued,
    /// sent or given up. Returns whether a row was added.
    @discardableResult
    public func queueWeeklyReport(centre: CentreID, weekFrom: LocalDate, nowMillis: Int64) throws(HubError) -> Bool {
        try write { db -> Bool in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO weekly_report_sending
                        (centre_id, week_from, state, next_attempt_millis, created_millis)
                    VALUES (?, ?, 'pending', ?, ?)
                    """,
                arguments: [centre.rawValue, weekFrom.description, nowMillis, nowMillis])
            return db.changesCount == 1
        }
    }

    /// Pending weekly reports due at `nowMillis`, oldest week first.
    public func dueWeeklyReports(nowMillis: Int64, limit: Int = 50) throws(HubError) -> [WeeklyReportSending] {
        try weeklyReportSendings(
            where: "state = 'pending' AND next_attempt_millis <= ?", arguments: [nowMillis],
            order: "week_from, centre_id", limit: limit)
    }

    /// The ledger, newest week first (one centre's, or every centre's).
    public func weeklyReportSendings(centre: CentreID? = nil, limit: Int = 100) throws(HubError)
        -> [WeeklyReportSending]
    {
        try weeklyReportSendings(
            where: centre == nil ? "1" : "centre_id = ?", arguments: centre.map { [$0.rawValue] } ?? [],
            order: "week_from DESC, centre_id", limit: limit)
    }

    /// Records one attempt: sent to `recipients` (error nil), or failed and tried again at `nextAttemptMillis`
    /// (nil: given up). Only a pending row changes, so a sent report never goes back to pending.
    public func recordWeeklyReportAttempt(
        centre: CentreID, weekFrom: LocalDate, error: String?, recipients: [String], nextAttemptMillis: Int64?,
        nowMillis: Int64
    ) throws(HubError) {
        try write { db in
            if let error {
                try db.execute(
                    sql: """
                        UPDATE weekly_report_sending SET attempts = attempts + 1, last_error = ?, state = ?,
                            next_attempt_millis = COALESCE(?, next_attempt_millis)
                        WHERE centre_id = ? AND week_from = ? AND state = 'pending'
                        """,
                    arguments: [
                        String(error.prefix(1000)), nextAttemptMillis == nil ? "failed" : "pending", nextAttemptMillis,
                        centre.rawValue, weekFrom.description,
                    ])
            } else {
                try db.execute(
                    sql: """
                        UPDATE weekly_report_sending SET attempts = attempts + 1, state = 'delivered',
                            sent_millis = ?, recipients = ?
                        WHERE centre_id = ? AND week_from = ? AND state = 'pending'
                        """,
                    arguments: [nowMillis, recipients.joined(separator: ", "), centre.rawValue, weekFrom.description])
            }
        }
    }

    private func weeklyReportSendings(where condition: String, arguments: StatementArguments, order: String, limit: Int)
        throws(HubError) -> [WeeklyReportSending]
    {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM weekly_report_sending WHERE \(condition) ORDER BY \(order) LIMIT \(limit)",
                    arguments: arguments
                ).compactMap { row -> WeeklyReportSending? in
                    guard let centre = CentreID(rawValue: row["centre_id"]),
                        let week = try? LocalDate.parse(row["week_from"] as String)
                    else { return nil }
                    return WeeklyReportSending(
                        centre: centre, weekFrom: week, state: DeliveryState(rawValue: row["state"]) ?? .failed,
                        attempts: row["attempts"], nextAttemptMillis: row["next_attempt_millis"],
                        lastError: row["last_error"], sentMillis: row["sent_millis"], recipients: row["recipients"])
                }
            }
        }
    }
}
