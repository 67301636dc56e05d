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
        // One statement, so one snapshot and one trip, and one row: the window's hour rows and the window
        // before's daily rows come as columns of arrays (a question as its position in `questions`), which
        // the client decodes far faster than as thousands of rows; then the opening hours, the holidays and
        // the uncertain count.
        let names = questions.map(\.rawValue)
        typealias Arrays = (
            String?, [String], Int64,
            [Int64], [Int64], [Int64], [Int64], [Int64],
            [Int64], [Int64], [Int64], [Int64], [Int64]
        )
        let found: Arrays? = try await read { connection in
            var found: Arrays?
            for try await row in try await connection.query(
                """
                SELECT (SELECT c.opening_hours FROM centre c WHERE c.id = \(centre.rawValue)),
                    ARRAY(SELECT to_char(o.date, 'YYYY-MM-DD') FROM centre_holiday o
                        WHERE o.centre_id = \(centre.rawValue)),
                    (SELECT COUNT(*) FROM press p JOIN device v ON v.id = p.device_id
                        WHERE v.centre_id = \(centre.rawValue) AND p.time_status = 'uncertain'),
                    h.questions, h.days, h.hours, h.scores, h.counts,
                    d.questions, d.days, d.scores, d.opens, d.closeds
                FROM (
                    SELECT COALESCE(array_agg(array_position(\(names)::text[], question)::bigint), '{}') AS questions,
                        COALESCE(array_agg(day::bigint), '{}') AS days, COALESCE(array_agg(hour::bigint), '{}') AS hours,
                        COALESCE(array_agg(score::bigint), '{}') AS scores, COALESCE(array_agg(count), '{}') AS counts
                    FROM centre_hour
                    WHERE centre_id = \(centre.rawValue) AND question = ANY (\(names)::text[])
                        AND day BETWEEN \(Int64(window.from.daysSinceEpoch)) AND \(Int64(window.to.daysSinceEpoch))
                ) h, (
                    SELECT COALESCE(array_agg(array_position(\(names)::text[], question)::bigint), '{}') AS questions,
                        COALESCE(array_agg(day::bigint), '{}') AS days, COALESCE(array_agg(score::bigint), '{}') AS scores,
                        COALESCE(array_agg(open_count), '{}') AS opens, COALESCE(array_agg(closed_count), '{}') AS closeds
                    FROM centre_day
                    WHERE centre_id = \(centre.rawValue) AND question = ANY (\(names)::text[])
                        AND day BETWEEN \(Int64(window.previous.from.daysSinceEpoch))
                            AND \(Int64(window.previous.to.daysSinceEpoch))
                ) d
                """, logger: logger
            ).decode(Arrays.self) {
                found = row
            }
            return found
        }
        guard
            let (
                openingHours, holidays, uncertain, hourQuestions, hourDays, hourHours, hourScores, hourCounts,
                dayQuestions, dayDays, dayScores, dayOpens, dayCloseds
            ) = found,
            [hourDays, hourHours, hourScores, hourCounts].allSatisfy({ $0.count == hourQuestions.count }),
            [dayDays, dayScores, dayOpens, dayCloseds].allSatisfy({ $0.count == dayQuestions.count })
        else {
            throw .storage("the window of centre '\(centre)' came back incomplete")
        }
        /// The question at a 1-based position of `questions` (what `array_position` gave).
        func question(at position: Int64) throws(HubError) -> Question {
            guard position >= 1, position <= questions.count else {
                throw .storage("a window row of centre '\(centre)' names a question it did not ask for")
            }
            return questions[Int(position) - 1]
        }
        var hours = Dictionary(uniqueKeysWithValues: questions.map { ($0, [HourCount]()) })
        for index in hourQuestions.indices {
            hours[try question(at: hourQuestions[index]), default: []].append(
                HourCount(
                    date: LocalDate(daysSinceEpoch: Int(hourDays[index])), hour: Int(hourHours[index]),
                    score: Int(hourScores[index]), count: Int(hourCounts[index])))
        }
        var previousDays = Dictionary(uniqueKeysWithValues: questions.map { ($0, [DayCount]()) })
        for index in dayQuestions.indices {
            previousDays[try question(at: dayQuestions[index]), default: []].append(
                DayCount(
                    date: LocalDate(daysSinceEpoch: Int(dayDays[index])), score: Int(dayScores[index]),
                    open: Int(dayOpens[index]), closed: Int(dayCloseds[index])))
        }
        return CentreWindowRows(
            calendar: try Self.openingCalendar(centre: centre, hours: openingHours, holidays: holidays), hours: hours,
            previousDays: previousDays, uncertain: Int(uncertain))
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

    public func overviewSums(
        _ requests: [(centre: CentreID, window: DateWindow)]
    ) async throws(HubError) -> [(satisfaction: [WindowDaySum], accessibility: [WindowDaySum])] {
        guard !requests.isEmpty else { return [] }
        // One statement for every centre: one snapshot, one trip, a few rows per centre. The rows read
        // run from the first day of the window before to the last of the window; a day between the two
        // (a window not of whole weeks) falls in neither sum.
        let rows = try await read { connection in
            var rows: [(Int64, String, Int64, Int64, Int64, Int64)] = []
            for try await row in try await connection.query(
                """
                SELECT r.position, d.question, d.score::bigint,
                    COALESCE(SUM(d.open_count) FILTER (WHERE d.day >= r.window_first), 0)::bigint,
                    COALESCE(SUM(d.closed_count) FILTER (WHERE d.day >= r.window_first), 0)::bigint,
                    COALESCE(SUM(d.open_count) FILTER (WHERE d.day <= r.before_last), 0)::bigint
                FROM unnest(\(requests.map(\.centre.rawValue))::text[],
                    \(requests.map { Int64($0.window.previous.from.daysSinceEpoch) })::bigint[],
                    \(requests.map { Int64($0.window.previous.to.daysSinceEpoch) })::bigint[],
                    \(requests.map { Int64($0.window.from.daysSinceEpoch) })::bigint[],
                    \(requests.map { Int64($0.window.to.daysSinceEpoch) })::bigint[])
                    WITH ORDINALITY AS r(centre_id, before_first, before_last, window_first, window_last, position)
                JOIN centre_day d ON d.centre_id = r.centre_id AND d.day BETWEEN r.before_first AND r.window_last
                GROUP BY r.position, d.question, d.score
                HAVING COALESCE(SUM(d.open_count + d.closed_count) FILTER (WHERE d.day >= r.window_first), 0)
                    + COALESCE(SUM(d.open_count) FILTER (WHERE d.day <= r.before_last), 0) > 0
                ORDER BY r.position, d.question, d.score
                """, logger: logger
            ).decode((Int64, String, Int64, Int64, Int64, Int64).self) {
                rows.append(row)
            }
            return rows
        }
        var result = [(satisfaction: [WindowDaySum], accessibility: [WindowDaySum])](
            repeating: ([], []), count: requests.count)
        for (position, question, score, openInWindow, closedInWindow, openBefore) in rows {
            let sum = WindowDaySum(
                score: Int(score), openInWindow: Int(openInWindow), closedInWindow: Int(closedInWindow),
                openBefore: Int(openBefore))
            switch Question(rawValue: question) {
            case .satisfaction: result[Int(position) - 1].satisfaction.append(sum)
            case .accessibility: result[Int(position) - 1].accessibility.append(sum)
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
