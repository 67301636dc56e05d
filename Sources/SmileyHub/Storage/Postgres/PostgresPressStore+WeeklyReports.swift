import PostgresNIO
import SmileyCore

extension PostgresPressStore: WeeklyReportLedger {
    /// Step "pg-reports-1": the ledger of weekly reports, with SQLite's constraints ("weekly-mail-w1").
    static let weeklyReportMigration = PostgresMigration(
        name: "pg-reports-1: weekly report sending ledger",
        statements: [
            """
            CREATE TABLE weekly_report_sending (
                centre_id text COLLATE "C" NOT NULL REFERENCES centre(id),
                week_from text COLLATE "C" NOT NULL,
                state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_millis bigint NOT NULL,
                last_error text,
                created_millis bigint NOT NULL,
                sent_millis bigint,
                recipients text,
                PRIMARY KEY (centre_id, week_from)
            )
            """,
            """
            CREATE INDEX weekly_report_sending_due ON weekly_report_sending (next_attempt_millis)
            WHERE state = 'pending'
            """,
        ])

    /// One conditional insert: two hubs queueing the same week add one row.
    public func queueWeeklyReport(centre: CentreID, weekFrom: LocalDate, nowMillis: Int64) async throws(HubError)
        -> Bool
    {
        try await transaction { connection in
            let added = try await connection.query(
                """
                INSERT INTO weekly_report_sending (centre_id, week_from, state, next_attempt_millis, created_millis)
                VALUES (\(centre.rawValue), \(weekFrom.description), 'pending', \(nowMillis), \(nowMillis))
                ON CONFLICT (centre_id, week_from) DO NOTHING RETURNING centre_id
                """, logger: logger
            ).collect()
            return added.count == 1
        }
    }

    static let sendingColumns =
        "centre_id, week_from, state, attempts::bigint, next_attempt_millis, last_error, sent_millis, recipients"

    func weeklyReportSendings(_ query: PostgresQuery) async throws(HubError) -> [WeeklyReportSending] {
        try await read { connection in
            var rows: [WeeklyReportSending] = []
            for try await row in try await connection.query(query, logger: logger).decode(
                (String, String, String, Int64, Int64, String?, Int64?, String?).self)
            {
                guard let centre = CentreID(rawValue: row.0), let week = try? LocalDate.parse(row.1) else { continue }
                rows.append(
                    WeeklyReportSending(
                        centre: centre, weekFrom: week, state: DeliveryState(rawValue: row.2) ?? .failed,
                        attempts: Int(row.3), nextAttemptMillis: row.4, lastError: row.5, sentMillis: row.6,
                        recipients: row.7))
            }
            return rows
        }
    }

    public func dueWeeklyReports(nowMillis: Int64, limit: Int = 50) async throws(HubError) -> [WeeklyReportSending] {
        try await weeklyReportSendings(
            """
            SELECT \(unescaped: Self.sendingColumns) FROM weekly_report_sending
            WHERE state = 'pending' AND next_attempt_millis <= \(nowMillis)
            ORDER BY week_from, centre_id LIMIT \(Int64(limit))
            """)
    }

    public func weeklyReportSendings(centre: CentreID? = nil, limit: Int = 100) async throws(HubError)
        -> [WeeklyReportSending]
    {
        try await weeklyReportSendings(
            """
            SELECT \(unescaped: Self.sendingColumns) FROM weekly_report_sending
            WHERE \(centre?.rawValue)::text IS NULL OR centre_id = \(centre?.rawValue)
            ORDER BY week_from DESC, centre_id LIMIT \(Int64(limit))
            """)
    }

    public func recordWeeklyReportAttempt(
        centre: CentreID, weekFrom: LocalDate, error: String?, recipients: [String], nextAttemptMillis: Int64?,
        nowMillis: Int64
    ) async throws(HubError) {
        try await transaction { connection -> Void in
            if let error {
                try await connection.query(
                    """
                    UPDATE weekly_report_sending SET attempts = attempts + 1, last_error = \(String(error.prefix(1000))),
                        state = \(nextAttemptMillis == nil ? "failed" : "pending"),
                        next_attempt_millis = COALESCE(\(nextAttemptMillis), next_attempt_millis)
                    WHERE centre_id = \(centre.rawValue) AND week_from = \(weekFrom.description) AND state = 'pending'
                    """, logger: logger)
            } else {
                try await connection.query(
                    """
                    UPDATE weekly_report_sending SET attempts = attempts + 1, state = 'delivered',
                        sent_millis = \(nowMillis), recipients = \(recipients.joined(separator: ", "))
                    WHERE centre_id = \(centre.rawValue) AND week_from = \(weekFrom.description) AND state = 'pending'
                    """, logger: logger)
            }
        }
    }
}
