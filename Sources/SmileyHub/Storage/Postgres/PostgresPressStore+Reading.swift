import Logging
import PostgresNIO
import SmileyCore

/// The read side on PostgreSQL (`CentreReadStore`): the same rows as `HubDatabase` reads from the same
/// tables. A read of several statements that must agree runs in one read-only REPEATABLE READ transaction
/// (one snapshot), as SQLite's reads run in one read transaction.
extension PostgresPressStore {
    /// One read-only transaction on one snapshot: every statement of `body` sees the same committed data.
    func snapshot<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(HubError) -> T {
        try await transaction { connection in
            try await connection.query(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(connection)
        }
    }

    public func centre(_ id: CentreID) async throws -> Centre? {
        try await read { connection in
            var found: Centre?
            for try await (name, zone) in try await connection.query(
                "SELECT name, time_zone FROM centre WHERE id = \(id.rawValue)", logger: logger
            ).decode((String, String).self) {
                found = Centre(id: id, name: name, timeZone: zone)
            }
            return found
        }
    }

    public func windowRows(centre: CentreID, questions: [Question], window: DateWindow) async throws(HubError)
        -> CentreWindowRows
    {
        try await snapshot { connection in
            var hours: [Question: [HourCount]] = [:]
            var previousDays: [Question: [DayCount]] = [:]
            for question in questions {
                hours[question] = try await Self.hourCounts(
                    connection, centre: centre, question: question, from: window.from, to: window.to, logger: logger)
                previousDays[question] = try await Self.dayCounts(
                    connection, centre: centre, question: question, from: window.previous.from,
                    to: window.previous.to, logger: logger)
            }
            return CentreWindowRows(
                calendar: try await Self.openingCalendar(connection, centre: centre, logger: logger), hours: hours,
                previousDays: previousDays,
                uncertain: try await Self.uncertainCount(connection, centre: centre, logger: logger))
        }
    }

    public func overviewDays(
        _ requests: [(centre: CentreID, from: LocalDate, to: LocalDate)]
    ) async throws(HubError) -> [(satisfaction: [DayCount], accessibility: [DayCount])] {
        guard !requests.isEmpty else { return [] }
        // One statement for every centre: one snapshot, one trip.
        let rows = try await read { connection in
            var rows: [(Int64, String, Int64, Int64, Int64, Int64)] = []
            for try await row in try await connection.query(
                """
                SELECT r.position, d.question, d.day::bigint, d.score::bigint, d.open_count, d.closed_count
                FROM unnest(\(requests.map(\.centre.rawValue))::text[],
                    \(requests.map { Int64($0.from.daysSinceEpoch) })::bigint[],
                    \(requests.map { Int64($0.to.daysSinceEpoch) })::bigint[])
                    WITH ORDINALITY AS r(centre_id, first_day, last_day, position)
                JOIN centre_day d ON d.centre_id = r.centre_id AND d.day BETWEEN r.first_day AND r.last_day
                ORDER BY r.position, d.question, d.day, d.answer
                """, logger: logger
            ).decode((Int64, String, Int64, Int64, Int64, Int64).self) {
                rows.append(row)
            }
            return rows
        }
        var result = [(satisfaction: [DayCount], accessibility: [DayCount])](
            repeating: ([], []), count: requests.count)
        for (position, question, day, score, open, closed) in rows {
            let count = DayCount(
                date: LocalDate(daysSinceEpoch: Int(day)), score: Int(score), open: Int(open), closed: Int(closed))
            switch Question(rawValue: question) {
            case .satisfaction: result[Int(position) - 1].satisfaction.append(count)
            case .accessibility: result[Int(position) - 1].accessibility.append(count)
            case nil: throw .storage("centre_day holds an unknown question '\(question)'")
            }
        }
        return result
    }

    public func exportRows(centres: [CentreID], from: LocalDate, to: LocalDate) async throws(HubError)
        -> [ExportRow]
    {
        try await snapshot { connection in
            var rows: [ExportRow] = []
            for centre in centres {
                for try await (device, hour, question, answer, count) in try await connection.query(
                    """
                    SELECT device_id, local_hour, question, answer, count FROM hourly_rollup
                    WHERE centre_id = \(centre.rawValue) AND local_hour >= \(from.description)
                        AND local_hour < \(to.adding(days: 1).description)
                    ORDER BY device_id, local_hour, question, answer
                    """, logger: logger
                ).decode((String, String, String, String, Int64).self) {
                    guard let device = DeviceID(rawValue: device), let question = Question(rawValue: question) else {
                        continue
                    }
                    rows.append(
                        ExportRow(
                            centre: centre, device: device, localHour: hour + ":00", question: question,
                            answer: answer, count: Int(count)))
                }
            }
            return rows
        }
    }

    public func lastPressMillis(centre: CentreID) async throws(HubError) -> [DeviceID: Int64] {
        try await read { connection in
            var result: [DeviceID: Int64] = [:]
            for try await (id, millis) in try await connection.query(
                """
                SELECT d.id, (SELECT p.placed_millis FROM press p
                    WHERE p.device_id = d.id AND p.placed_millis IS NOT NULL ORDER BY p.sequence DESC LIMIT 1)
                FROM device d WHERE d.centre_id = \(centre.rawValue)
                """, logger: logger
            ).decode((String, Int64?).self) {
                if let millis, let device = DeviceID(rawValue: id) { result[device] = millis }
            }
            return result
        }
    }

    public func centreDevices(_ centre: CentreID) async throws(HubError) -> [(id: DeviceID, firstSeenMillis: Int64)] {
        try await read { connection in
            var devices: [(id: DeviceID, firstSeenMillis: Int64)] = []
            for try await (id, firstSeen) in try await connection.query(
                "SELECT id, first_seen_millis FROM device WHERE centre_id = \(centre.rawValue) ORDER BY id",
                logger: logger
            ).decode((String, Int64).self) {
                if let device = DeviceID(rawValue: id) { devices.append((device, firstSeen)) }
            }
            return devices
        }
    }

    // MARK: Statements shared by the reads

    /// The whole centre's hour rows from centre_hour: a range of its primary key, integers only.
    static func hourCounts(
        _ connection: PostgresConnection, centre: CentreID, question: Question, from: LocalDate, to: LocalDate,
        logger: Logger
    ) async throws -> [HourCount] {
        var counts: [HourCount] = []
        for try await (day, hour, score, count) in try await connection.query(
            """
            SELECT day::bigint, hour::bigint, score::bigint, count FROM centre_hour
            WHERE centre_id = \(centre.rawValue) AND question = \(question.rawValue)
                AND day BETWEEN \(Int64(from.daysSinceEpoch)) AND \(Int64(to.daysSinceEpoch))
            """, logger: logger
        ).decode((Int64, Int64, Int64, Int64).self) {
            counts.append(
                HourCount(
                    date: LocalDate(daysSinceEpoch: Int(day)), hour: Int(hour), score: Int(score), count: Int(count)))
        }
        return counts
    }

    /// The daily rows of one centre and question from `from` to `to` (local dates, both included).
    static func dayCounts(
        _ connection: PostgresConnection, centre: CentreID, question: Question, from: LocalDate, to: LocalDate,
        logger: Logger
    ) async throws -> [DayCount] {
        var counts: [DayCount] = []
        for try await (day, score, open, closed) in try await connection.query(
            """
            SELECT day::bigint, score::bigint, open_count, closed_count FROM centre_day
            WHERE centre_id = \(centre.rawValue) AND question = \(question.rawValue)
                AND day BETWEEN \(Int64(from.daysSinceEpoch)) AND \(Int64(to.daysSinceEpoch))
            """, logger: logger
        ).decode((Int64, Int64, Int64, Int64).self) {
            counts.append(
                DayCount(
                    date: LocalDate(daysSinceEpoch: Int(day)), score: Int(score), open: Int(open), closed: Int(closed)))
        }
        return counts
    }

    static func uncertainCount(_ connection: PostgresConnection, centre: CentreID, logger: Logger) async throws -> Int {
        var count: Int64 = 0
        for try await value in try await connection.query(
            """
            SELECT COUNT(*) FROM press p JOIN device d ON d.id = p.device_id
            WHERE d.centre_id = \(centre.rawValue) AND p.time_status = 'uncertain'
            """, logger: logger
        ).decode(Int64.self) {
            count = value
        }
        return Int(count)
    }
}
