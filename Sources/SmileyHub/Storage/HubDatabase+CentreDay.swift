import GRDB
import SmileyCore

/// `centre_day`: per centre, question, local date and answer, the presses of the day's open hours and
/// of its closed hours under the centre's opening hours and holidays. The overview reads it (a row
/// per day and answer) instead of `centre_hour` (a row per hour and answer). It is written in the
/// transaction that writes `centre_hour` and rebuilt from it, in the transaction that changes them,
/// when a centre's opening hours or holidays change, so its totals always equal `WindowTotals` of the
/// hour rows.
extension HubDatabase {
    /// Registered after every other migration (a migration is appended, never inserted).
    static func registerCentreDayMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("read-side r2: centre_day, open-hours counts per local day") { db in
            try db.execute(
                sql: """
                    CREATE TABLE centre_day (
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        question TEXT NOT NULL,
                        day INTEGER NOT NULL,
                        answer TEXT NOT NULL,
                        score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
                        open_count INTEGER NOT NULL CHECK (open_count >= 0),
                        closed_count INTEGER NOT NULL CHECK (closed_count >= 0),
                        PRIMARY KEY (centre_id, question, day, answer)
                    ) WITHOUT ROWID
                    """)
            // Filled from centre_hour centre by centre, each under its opening hours as seven masks of
            // open hours (Monday first; every hour without opening hours) and its holidays. The stored
            // opening hours are read with the parser that reads them everywhere (their canonical text).
            let centres = try Row.fetchAll(db, sql: "SELECT id, opening_hours FROM centre")
            for centre in centres {
                let id: String = centre["id"]
                let text: String? = centre["opening_hours"]
                let hours = try text.map { text in
                    do { return try OpeningHours.parse(text) } catch {
                        throw HubError.storage("centre '\(id)' holds unreadable opening hours: \(error)")
                    }
                }
                let masks = (1...7).map { weekday in
                    (0..<24).reduce(0) { mask, hour in
                        (hours?.isOpen(weekday: weekday, hour: hour) ?? true) ? mask | 1 << hour : mask
                    }
                }
                // 1970-01-01 was a Thursday: ISO weekday ((day + 3) mod 7) + 1, kept non-negative.
                try db.execute(
                    sql: """
                        INSERT INTO centre_day (centre_id, question, day, answer, score, open_count, closed_count)
                        SELECT centre_id, question, day, answer, MIN(score),
                            SUM(CASE WHEN is_open THEN count ELSE 0 END),
                            SUM(CASE WHEN is_open THEN 0 ELSE count END)
                        FROM (
                            SELECT h.centre_id, h.question, h.day, h.answer, h.score, h.count,
                                NOT EXISTS (
                                    SELECT 1 FROM centre_holiday o
                                    WHERE o.centre_id = h.centre_id AND o.date = date(h.day * 86400, 'unixepoch')
                                ) AND ((CASE ((h.day % 7 + 7 + 3) % 7) + 1
                                    WHEN 1 THEN ?2 WHEN 2 THEN ?3 WHEN 3 THEN ?4 WHEN 4 THEN ?5
                                    WHEN 5 THEN ?6 WHEN 6 THEN ?7 ELSE ?8 END) >> h.hour) & 1 = 1 AS is_open
                            FROM centre_hour h WHERE h.centre_id = ?1 AND h.count > 0
                        )
                        GROUP BY centre_id, question, day, answer
                        """,
                    arguments: StatementArguments(
                        [id as any DatabaseValueConvertible] + masks.map { $0 as any DatabaseValueConvertible }))
            }
        }
    }

    /// Adds ingest's changes to `centre_hour` (rows summed over devices) to `centre_day`, in the same
    /// transaction: each hour's presses to its day's open or closed count under the centre's calendar.
    static func addToCentreDays(
        _ db: Database, centre: CentreID, _ rows: [(key: RollupDelta.CentreKey, change: RollupDelta.CentreChange)]
    ) throws {
        guard let first = rows.map(\.key.day).min(), let last = rows.map(\.key.day).max() else { return }
        var tally = CentreDayTally(calendar: try openingCalendar(db, centre: centre, days: first...last))
        for (key, change) in rows {
            tally.add(
                question: key.question, day: key.day, hour: key.hour, answer: key.answer, score: change.score,
                count: change.count)
        }
        try writeCentreDays(db, centre: centre, tally, adding: true)
    }

    /// Rebuilds a centre's `centre_day` rows of `days` (every day when nil) from its `centre_hour` rows
    /// under its calendar as it is now in this transaction.
    static func rebuildCentreDays(_ db: Database, centre: CentreID, days: ClosedRange<Int>? = nil) throws {
        let calendar: OpeningCalendar
        let rows: RowCursor
        if let days {
            try db.execute(
                sql: "DELETE FROM centre_day WHERE centre_id = ? AND day BETWEEN ? AND ?",
                arguments: [centre.rawValue, days.lowerBound, days.upperBound])
            calendar = try openingCalendar(db, centre: centre, days: days)
            rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT question, day, hour, answer, score, count FROM centre_hour
                    WHERE centre_id = ? AND day BETWEEN ? AND ? AND count > 0
                    """,
                arguments: [centre.rawValue, days.lowerBound, days.upperBound])
        } else {
            try db.execute(sql: "DELETE FROM centre_day WHERE centre_id = ?", arguments: [centre.rawValue])
            calendar = try openingCalendar(db, centre: centre)
            rows = try Row.fetchCursor(
                db,
                sql:
                    "SELECT question, day, hour, answer, score, count FROM centre_hour WHERE centre_id = ? AND count > 0",
                arguments: [centre.rawValue])
        }
        var tally = CentreDayTally(calendar: calendar)
        while let row = try rows.next() {
            tally.add(question: row[0], day: row[1], hour: row[2], answer: row[3], score: row[4], count: row[5])
        }
        try writeCentreDays(db, centre: centre, tally, adding: false)
    }

    /// The centre's opening hours and its holidays among `days` (days since 1970-01-01).
    static func openingCalendar(_ db: Database, centre: CentreID, days: ClosedRange<Int>) throws -> OpeningCalendar {
        let text = try String.fetchOne(
            db.cachedStatement(sql: "SELECT opening_hours FROM centre WHERE id = ?"), arguments: [centre.rawValue])
        let hours = try text.map { text in
            do { return try OpeningHours.parse(text) } catch {
                throw HubError.storage("centre '\(centre)' holds unreadable opening hours: \(error)")
            }
        }
        // Holidays are stored as YYYY-MM-DD text, which orders as the dates do.
        let holidays = try String.fetchAll(
            db.cachedStatement(sql: "SELECT date FROM centre_holiday WHERE centre_id = ? AND date BETWEEN ? AND ?"),
            arguments: [
                centre.rawValue, LocalDate(daysSinceEpoch: days.lowerBound).description,
                LocalDate(daysSinceEpoch: days.upperBound).description,
            ]
        ).compactMap { try? LocalDate.parse($0) }
        return OpeningCalendar(hours: hours, holidays: Set(holidays))
    }

    /// Writes the rows in key order: added to what is held when `adding`, else inserted as they are.
    private static func writeCentreDays(
        _ db: Database, centre: CentreID, _ tally: CentreDayTally, adding: Bool
    ) throws {
        let upsert = try BoundStatement(
            db,
            sql: adding
                ? """
                INSERT INTO centre_day (centre_id, question, day, answer, score, open_count, closed_count)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (centre_id, question, day, answer) DO UPDATE SET
                    open_count = open_count + excluded.open_count, closed_count = closed_count + excluded.closed_count
                """
                : """
                INSERT INTO centre_day (centre_id, question, day, answer, score, open_count, closed_count)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        for (key, change) in tally.rows {
            try upsert.execute { values in
                try values.text(1, centre.rawValue)
                try values.text(2, key.question)
                try values.integer(3, key.day)
                try values.text(4, key.answer)
                try values.integer(5, change.score)
                try values.integer(6, change.open)
                try values.integer(7, change.closed)
            }
        }
    }

    // MARK: Reading

    /// The daily rows of one centre and question from `from` to `to` (local dates, both included).
    static func dayCounts(_ db: Database, centre: CentreID, question: Question, from: LocalDate, to: LocalDate) throws
        -> [DayCount]
    {
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT day, score, open_count, closed_count FROM centre_day
                    WHERE centre_id = ? AND question = ? AND day BETWEEN ? AND ?
                    """),
            arguments: [centre.rawValue, question.rawValue, from.daysSinceEpoch, to.daysSinceEpoch])
        var counts: [DayCount] = []
        while let row = try rows.next() {
            counts.append(
                DayCount(date: LocalDate(daysSinceEpoch: row[0]), score: row[1], open: row[2], closed: row[3]))
        }
        return counts
    }

    /// The daily rows of one centre and question from `from` to `to`.
    public func dayCounts(centre: CentreID, question: Question, from: LocalDate, to: LocalDate) throws(HubError)
        -> [DayCount]
    {
        try storage {
            try writer.read { db in try Self.dayCounts(db, centre: centre, question: question, from: from, to: to) }
        }
    }

    /// What the overview reads of many centres, in one read transaction: both questions' daily rows
    /// from `from` to `to` of each centre.
    public func overviewDays(
        _ requests: [(centre: CentreID, from: LocalDate, to: LocalDate)]
    ) throws(HubError) -> [(satisfaction: [DayCount], accessibility: [DayCount])] {
        try storage {
            try writer.read { db in
                try requests.map { request in
                    (
                        satisfaction: try Self.dayCounts(
                            db, centre: request.centre, question: .satisfaction, from: request.from, to: request.to),
                        accessibility: try Self.dayCounts(
                            db, centre: request.centre, question: .accessibility, from: request.from, to: request.to)
                    )
                }
            }
        }
    }

    /// The overview's sums of many centres: the daily rows of `overviewDays`, summed in Swift (SQLite is
    /// in this process, so handing over each day row costs no more than summing it in SQL).
    public func overviewSums(
        _ requests: [(centre: CentreID, window: DateWindow)]
    ) throws(HubError) -> [(satisfaction: [WindowDaySum], accessibility: [WindowDaySum])] {
        let days = try overviewDays(requests.map { ($0.centre, $0.window.previous.from, $0.window.to) })
        return zip(requests, days).map { request, days in
            (
                WindowDaySum.summing(days.satisfaction, window: request.window),
                WindowDaySum.summing(days.accessibility, window: request.window)
            )
        }
    }
}
