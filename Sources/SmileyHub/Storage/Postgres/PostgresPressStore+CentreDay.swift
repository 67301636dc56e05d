import Logging
import PostgresNIO
import SmileyCore

/// `centre_day` on PostgreSQL, kept as on SQLite (`HubDatabase+CentreDay.swift`): added to in the
/// transaction that adds to `centre_hour` (ingest and late placement), rebuilt from `centre_hour` in the
/// transaction that changes a centre's opening hours or holidays, the open or closed part of each hour
/// decided by `CentreDayTally` (`DayCount.part`).
///
/// Ingest holds the centre's row `FOR SHARE` for its whole transaction and a calendar change locks it for
/// update: the two take turns, so a rebuild sees every hour committed before it and an ingest after it
/// reads the new calendar.
extension PostgresPressStore {
    /// Adds ingest's changes to `centre_hour` (summed over devices) to `centre_day`, under the centre's
    /// calendar as this transaction reads it.
    static func addToCentreDays(
        _ connection: PostgresConnection, centre: CentreID,
        _ rows: [(key: RollupDelta.CentreKey, change: RollupDelta.CentreChange)], logger: Logger
    ) async throws {
        guard !rows.isEmpty else { return }
        var tally = CentreDayTally(calendar: try await openingCalendar(connection, centre: centre, logger: logger))
        for (key, change) in rows {
            tally.add(
                question: key.question, day: key.day, hour: key.hour, answer: key.answer, score: change.score,
                count: change.count)
        }
        try await writeCentreDays(connection, centre: centre, tally, adding: true, logger: logger)
    }

    /// Rebuilds a centre's `centre_day` rows of `days` (days since 1970-01-01; every day when nil) from its
    /// `centre_hour` rows under its calendar as it is now in this transaction.
    static func rebuildCentreDays(
        _ connection: PostgresConnection, centre: CentreID, days: [Int]?, logger: Logger
    ) async throws {
        let calendar = try await openingCalendar(connection, centre: centre, logger: logger)
        let chosen = days.map { $0.map(Int64.init) }
        try await connection.query(
            """
            DELETE FROM centre_day WHERE centre_id = \(centre.rawValue)
                AND (\(chosen)::bigint[] IS NULL OR day = ANY (\(chosen)::bigint[]))
            """, logger: logger)
        var tally = CentreDayTally(calendar: calendar)
        for try await (question, day, hour, answer, score, count) in try await connection.query(
            """
            SELECT question, day::bigint, hour::bigint, answer, score::bigint, count FROM centre_hour
            WHERE centre_id = \(centre.rawValue) AND count > 0
                AND (\(chosen)::bigint[] IS NULL OR day = ANY (\(chosen)::bigint[]))
            """, logger: logger
        ).decode((String, Int64, Int64, String, Int64, Int64).self) {
            tally.add(
                question: question, day: Int(day), hour: Int(hour), answer: answer, score: Int(score),
                count: Int(count))
        }
        try await writeCentreDays(connection, centre: centre, tally, adding: false, logger: logger)
    }

    /// Every centre's `centre_day` rebuilt: how the schema step that adds the table fills it, and how a
    /// copy from SQLite (which adds to `centre_hour` press by press) leaves it.
    static func rebuildAllCentreDays(_ connection: PostgresConnection, logger: Logger) async throws {
        var centres: [CentreID] = []
        for try await id in try await connection.query("SELECT id FROM centre ORDER BY id", logger: logger)
            .decode(String.self)
        {
            guard let centre = CentreID(rawValue: id) else {
                throw HubError.storage("table centre holds an id that is not a valid centre id: '\(id)'")
            }
            centres.append(centre)
        }
        for centre in centres {
            try await rebuildCentreDays(connection, centre: centre, days: nil, logger: logger)
        }
    }

    /// One statement, rows in key order: added to what is held when `adding`, else inserted as they are.
    private static func writeCentreDays(
        _ connection: PostgresConnection, centre: CentreID, _ tally: CentreDayTally, adding: Bool, logger: Logger
    ) async throws {
        let rows = tally.rows
        guard !rows.isEmpty else { return }
        let questions = rows.map(\.key.question)
        let days = rows.map { Int64($0.key.day) }
        let answers = rows.map(\.key.answer)
        let scores = rows.map { Int64($0.change.score) }
        let open = rows.map { Int64($0.change.open) }
        let closed = rows.map { Int64($0.change.closed) }
        if adding {
            try await connection.query(
                """
                INSERT INTO centre_day (centre_id, question, day, answer, score, open_count, closed_count)
                SELECT \(centre.rawValue), r.question, r.day, r.answer, r.score, r.open_count, r.closed_count
                FROM unnest(\(questions)::text[], \(days)::bigint[], \(answers)::text[], \(scores)::bigint[],
                    \(open)::bigint[], \(closed)::bigint[])
                    WITH ORDINALITY AS r(question, day, answer, score, open_count, closed_count, position)
                ORDER BY r.position
                ON CONFLICT (centre_id, question, day, answer) DO UPDATE SET
                    open_count = centre_day.open_count + EXCLUDED.open_count,
                    closed_count = centre_day.closed_count + EXCLUDED.closed_count
                """, logger: logger)
        } else {
            try await connection.query(
                """
                INSERT INTO centre_day (centre_id, question, day, answer, score, open_count, closed_count)
                SELECT \(centre.rawValue), r.question, r.day, r.answer, r.score, r.open_count, r.closed_count
                FROM unnest(\(questions)::text[], \(days)::bigint[], \(answers)::text[], \(scores)::bigint[],
                    \(open)::bigint[], \(closed)::bigint[])
                    WITH ORDINALITY AS r(question, day, answer, score, open_count, closed_count, position)
                ORDER BY r.position
                """, logger: logger)
        }
    }

    /// A centre's opening hours and holidays as this connection (or its transaction) sees them.
    static func openingCalendar(_ connection: PostgresConnection, centre: CentreID, logger: Logger) async throws
        -> OpeningCalendar
    {
        var text: String?
        for try await hours in try await connection.query(
            "SELECT opening_hours FROM centre WHERE id = \(centre.rawValue)", logger: logger
        ).decode(String?.self) {
            text = hours
        }
        var holidays: [String] = []
        for try await day in try await connection.query(
            """
            SELECT to_char(date, 'YYYY-MM-DD') FROM centre_holiday WHERE centre_id = \(centre.rawValue)
            ORDER BY date
            """, logger: logger
        ).decode(String.self) {
            holidays.append(day)
        }
        return try openingCalendar(centre: centre, hours: text, holidays: holidays)
    }

    /// A centre's calendar from its `opening_hours` text and its holidays as `YYYY-MM-DD`.
    static func openingCalendar(centre: CentreID, hours text: String?, holidays: [String]) throws(HubError)
        -> OpeningCalendar
    {
        let hours = try text.map { text throws(HubError) in
            do { return try OpeningHours.parse(text) } catch {
                throw HubError.storage("centre '\(centre)' holds unreadable opening hours: \(error)")
            }
        }
        return OpeningCalendar(hours: hours, holidays: Set(holidays.compactMap { try? LocalDate.parse($0) }))
    }
}
