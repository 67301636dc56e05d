import GRDB
import Logging
import PostgresNIO

/// The weekly reports' ledger and the open enrollment codes in `smiley-hub migrate`.
///
/// Ledger rows (`weekly_report_sending`, keyed by centre and week) are copied so that a hub on PostgreSQL does
/// not mail a week the SQLite hub already mailed: a row PostgreSQL lacks is inserted as it is; a row still
/// pending on PostgreSQL takes SQLite's when SQLite's is settled (sent or given up); a row settled on both
/// sides in two ways (another state, another sending time or other recipients: the week mailed twice, or
/// mailed on one side and given up on the other) is refused naming its centre and week. Anything else keeps
/// PostgreSQL's row, which has moved on; a rerun changes nothing.
///
/// Enrollment codes: only the unredeemed ones that have not expired are copied (their SHA-256, centre and
/// times), so a code issued on the SQLite hub and not yet used still enrolls a device through a hub on
/// PostgreSQL, once. A code held on PostgreSQL for another centre or with another expiry is refused.
extension PostgresCopy {
    static func copyWeeklyReportLedger(
        _ rows: [SourceLedgerRow], _ connection: PostgresConnection, _ logger: Logger, _ outcome: inout Outcome
    ) async throws {
        for row in rows {
            let inserted = try await connection.query(
                """
                INSERT INTO weekly_report_sending (centre_id, week_from, state, attempts, next_attempt_millis,
                    last_error, created_millis, sent_millis, recipients)
                VALUES (\(row.centre), \(row.week), \(row.state), \(row.attempts)::integer, \(row.nextAttempt),
                    \(row.lastError), \(row.created), \(row.sent), \(row.recipients))
                ON CONFLICT (centre_id, week_from) DO NOTHING RETURNING centre_id
                """, logger: logger
            ).collect()
            guard inserted.isEmpty else {
                outcome.weeklyReports += 1
                continue
            }
            for try await (state, sent, recipients) in try await connection.query(
                """
                SELECT state, sent_millis, recipients FROM weekly_report_sending
                WHERE centre_id = \(row.centre) AND week_from = \(row.week) FOR UPDATE
                """, logger: logger
            ).decode((String, Int64?, String?).self)
            where state != "pending" && row.state != "pending"
                && (state != row.state || sent != row.sent || recipients != row.recipients)
            {
                throw HubError.conflict(
                    "weekly report of \(row.centre) for the week of \(row.week) differs: PostgreSQL holds it "
                        + SourceLedgerRow.describe(state: state, sent: sent, recipients: recipients) + ", SQLite "
                        + SourceLedgerRow.describe(state: row.state, sent: row.sent, recipients: row.recipients))
            }
            // A week settled on SQLite (sent or given up) settles one still pending on PostgreSQL.
            try await connection.query(
                """
                UPDATE weekly_report_sending SET state = \(row.state),
                    attempts = GREATEST(attempts, \(row.attempts)::integer), next_attempt_millis = \(row.nextAttempt),
                    last_error = \(row.lastError), sent_millis = \(row.sent), recipients = \(row.recipients)
                WHERE centre_id = \(row.centre) AND week_from = \(row.week) AND state = 'pending'
                    AND \(row.state) <> 'pending'
                """, logger: logger)
        }
    }

    static func copyEnrollmentCodes(
        _ codes: [SourceEnrollmentCode], _ connection: PostgresConnection, _ logger: Logger,
        _ outcome: inout Outcome
    ) async throws {
        for code in codes {
            let inserted = try await connection.query(
                """
                INSERT INTO enrollment_code (code_sha256, centre_id, created_millis, expires_millis)
                VALUES (\(code.sha256), \(code.centre), \(code.created), \(code.expires))
                ON CONFLICT (code_sha256) DO NOTHING RETURNING centre_id
                """, logger: logger
            ).collect()
            guard inserted.isEmpty else {
                outcome.enrollmentCodes += 1
                continue
            }
            for try await (centre, expires) in try await connection.query(
                "SELECT centre_id, expires_millis FROM enrollment_code WHERE code_sha256 = \(code.sha256)",
                logger: logger
            ).decode((String, Int64).self) where centre != code.centre || expires != code.expires {
                // The hash's first digits name it; the code itself exists nowhere.
                throw HubError.conflict(
                    "enrollment code \(code.sha256.prefix(12))… differs: PostgreSQL holds it for \(centre) until \(expires), SQLite for \(code.centre) until \(code.expires)"
                )
            }
        }
    }
}

/// One row of SQLite's `weekly_report_sending`.
struct SourceLedgerRow: Sendable {
    var centre: String
    var week: String
    var state: String
    var attempts: Int64
    var nextAttempt: Int64
    var lastError: String?
    var created: Int64
    var sent: Int64?
    var recipients: String?

    static func describe(state: String, sent: Int64?, recipients: String?) -> String {
        switch state {
        case "delivered": "sent at \(sent.map(String.init) ?? "-") to \(recipients ?? "-")"
        case "failed": "given up"
        default: state
        }
    }

    static func all(_ db: Database) throws -> [SourceLedgerRow] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT centre_id, week_from, state, attempts, next_attempt_millis, last_error, created_millis,
                    sent_millis, recipients
                FROM weekly_report_sending ORDER BY centre_id, week_from
                """
        ).map { row in
            SourceLedgerRow(
                centre: row["centre_id"], week: row["week_from"], state: row["state"], attempts: row["attempts"],
                nextAttempt: row["next_attempt_millis"], lastError: row["last_error"], created: row["created_millis"],
                sent: row["sent_millis"], recipients: row["recipients"])
        }
    }
}

/// An enrollment code of SQLite still open at the copy: unredeemed, not expired.
struct SourceEnrollmentCode: Sendable {
    var sha256: String
    var centre: String
    var created: Int64
    var expires: Int64

    static func open(_ db: Database, nowMillis: Int64) throws -> [SourceEnrollmentCode] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT code_sha256, centre_id, created_millis, expires_millis FROM enrollment_code
                WHERE redeemed_by IS NULL AND expires_millis > ? ORDER BY code_sha256
                """, arguments: [nowMillis]
        ).map { row in
            SourceEnrollmentCode(
                sha256: row["code_sha256"], centre: row["centre_id"], created: row["created_millis"],
                expires: row["expires_millis"])
        }
    }
}
