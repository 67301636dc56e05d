import GRDB
import SmileyCore

/// One row of an export: the presses of one answer from one device in one local hour.
public struct ExportRow: Sendable, Hashable, Codable {
    public var centre: CentreID
    public var device: DeviceID
    /// `YYYY-MM-DDTHH:00`, the centre's local time.
    public var localHour: String
    public var question: Question
    public var answer: String
    public var count: Int
}

extension HubDatabase {
    static func registerReportMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2: opening hours, holidays, rollup read by date") { db in
            try db.execute(
                sql: """
                    -- Canonical text of OpeningHours; NULL means every hour counts as open.
                    ALTER TABLE centre ADD COLUMN opening_hours TEXT;
                    CREATE TABLE centre_holiday (
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        date TEXT NOT NULL CHECK (length(date) = 10),
                        PRIMARY KEY (centre_id, date)
                    ) WITHOUT ROWID;
                    CREATE INDEX hourly_rollup_window ON hourly_rollup(centre_id, question, local_hour);
                    """)
        }
    }

    /// Registered after every other migration (a migration is appended, never inserted).
    static func registerReadSideMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("read-side r1: centre hourly rollup") { db in
            // hourly_rollup summed over the centre's devices, clustered the way windows are read (one
            // centre, one question, a range of local dates) and holding what they compute with as
            // integers: the local date as days since 1970-01-01, the hour, the answer's score. Written
            // in the same transaction as hourly_rollup, so the two always agree.
            try db.execute(
                sql: """
                    CREATE TABLE centre_hour (
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        question TEXT NOT NULL,
                        day INTEGER NOT NULL,
                        hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
                        answer TEXT NOT NULL,
                        score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
                        count INTEGER NOT NULL CHECK (count >= 0),
                        PRIMARY KEY (centre_id, question, day, hour, answer)
                    ) WITHOUT ROWID;
                    INSERT INTO centre_hour (centre_id, question, day, hour, answer, score, count)
                    SELECT centre_id, question,
                        CAST(julianday(substr(local_hour, 1, 10)) - julianday('1970-01-01') AS INTEGER),
                        MIN(hour), answer, SUM(score_sum) / SUM(count), SUM(count)
                    FROM hourly_rollup WHERE count > 0
                    GROUP BY centre_id, question, local_hour, answer;
                    """)
        }
    }

    // MARK: Opening hours and holidays

    /// Sets (or, with nil, clears) a centre's opening hours, and counts its days' presses again under them.
    public func setOpeningHours(_ hours: OpeningHours?, centre: CentreID) throws(HubError) {
        try storage {
            try writer.write { db in
                try db.execute(
                    sql: "UPDATE centre SET opening_hours = ? WHERE id = ?",
                    arguments: [hours?.description, centre.rawValue])
                guard db.changesCount == 1 else { throw HubError.notFound("unknown centre '\(centre)'") }
                try Self.rebuildCentreDays(db, centre: centre)
            }
        }
    }

    /// Adds and removes holidays (whole days closed) of a centre, and counts those days' presses again.
    public func updateHolidays(centre: CentreID, adding: [LocalDate], removing: [LocalDate]) throws(HubError) {
        try storage {
            try writer.write { db in
                guard
                    try Row.fetchOne(db, sql: "SELECT 1 FROM centre WHERE id = ?", arguments: [centre.rawValue]) != nil
                else { throw HubError.notFound("unknown centre '\(centre)'") }
                for date in adding {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO centre_holiday (centre_id, date) VALUES (?, ?)",
                        arguments: [centre.rawValue, date.description])
                }
                for date in removing {
                    try db.execute(
                        sql: "DELETE FROM centre_holiday WHERE centre_id = ? AND date = ?",
                        arguments: [centre.rawValue, date.description])
                }
                for day in Set((adding + removing).map(\.daysSinceEpoch)) {
                    try Self.rebuildCentreDays(db, centre: centre, days: day...day)
                }
            }
        }
    }

    /// A centre's opening hours and holidays.
    public func openingCalendar(centre: CentreID) throws(HubError) -> OpeningCalendar {
        try storage { try writer.read { db in try Self.openingCalendar(db, centre: centre) } }
    }

    static func openingCalendar(_ db: Database, centre: CentreID) throws -> OpeningCalendar {
        let text = try String.fetchOne(
            db, sql: "SELECT opening_hours FROM centre WHERE id = ?", arguments: [centre.rawValue])
        let hours = try text.map { text in
            do { return try OpeningHours.parse(text) } catch {
                throw HubError.storage("centre '\(centre)' holds unreadable opening hours: \(error)")
            }
        }
        let holidays = try String.fetchAll(
            db, sql: "SELECT date FROM centre_holiday WHERE centre_id = ? ORDER BY date", arguments: [centre.rawValue]
        ).compactMap { try? LocalDate.parse($0) }
        return OpeningCalendar(hours: hours, holidays: Set(holidays))
    }

    // MARK: Windowed reads (from the hourly rollup, never the presses)

    /// The rollup rows of one centre and question from `from` to `to` (local dates, both included),
    /// summed over devices unless one is named.
    public func hourCounts(
        centre: CentreID, question: Question, from: LocalDate, to: LocalDate, device: DeviceID? = nil
    ) throws(HubError) -> [HourCount] {
        try storage {
            try writer.read { db in
                try Self.hourCounts(db, centre: centre, question: question, from: from, to: to, device: device)
            }
        }
    }

    /// The whole centre from centre_hour, a range of its primary key holding integers; one device from
    /// hourly_rollup.
    static func hourCounts(
        _ db: Database, centre: CentreID, question: Question, from: LocalDate, to: LocalDate, device: DeviceID? = nil
    ) throws -> [HourCount] {
        if let device {
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT local_hour, answer, SUM(count) AS count FROM hourly_rollup
                    WHERE centre_id = ? AND question = ? AND local_hour >= ? AND local_hour < ?
                      AND device_id = ?
                    GROUP BY local_hour, answer
                    """,
                arguments: [
                    centre.rawValue, question.rawValue, from.description, to.adding(days: 1).description,
                    device.rawValue,
                ])
            var counts: [HourCount] = []
            while let row = try rows.next() {
                let key: String = row["local_hour"]
                guard let (date, hour) = Self.parseLocalHour(key),
                    let answer = try? Answer.parse(row["answer"], of: question)
                else { continue }
                counts.append(HourCount(date: date, hour: hour, score: answer.score, count: row["count"]))
            }
            return counts
        }
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT day, hour, score, count FROM centre_hour
                    WHERE centre_id = ? AND question = ? AND day BETWEEN ? AND ?
                    """),
            arguments: [centre.rawValue, question.rawValue, from.daysSinceEpoch, to.daysSinceEpoch])
        var counts: [HourCount] = []
        while let row = try rows.next() {
            counts.append(
                HourCount(date: LocalDate(daysSinceEpoch: row[0]), hour: row[1], score: row[2], count: row[3]))
        }
        return counts
    }

    /// Export rows of the given centres in the window, ordered by centre, device, hour, question, answer.
    public func exportRows(centres: [CentreID], from: LocalDate, to: LocalDate) throws(HubError) -> [ExportRow] {
        try storage {
            try writer.read { db in
                var rows: [ExportRow] = []
                for centre in centres {
                    let fetched = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT device_id, local_hour, question, answer, count FROM hourly_rollup
                            WHERE centre_id = ? AND local_hour >= ? AND local_hour < ?
                            ORDER BY device_id, local_hour, question, answer
                            """,
                        arguments: [centre.rawValue, from.description, to.adding(days: 1).description])
                    for row in fetched {
                        guard let device = DeviceID(rawValue: row["device_id"]),
                            let question = Question(rawValue: row["question"])
                        else { continue }
                        let hour: String = row["local_hour"]
                        rows.append(
                            ExportRow(
                                centre: centre, device: device, localHour: hour + ":00", question: question,
                                answer: row["answer"], count: row["count"]))
                    }
                }
                return rows
            }
        }
    }

    /// A centre's devices, when each was first seen and the placement time of its most recent press (by
    /// sequence): what the "silent device" mark needs, without counting presses.
    public func centreDevices(_ centre: CentreID) throws(HubError) -> [(id: DeviceID, firstSeenMillis: Int64)] {
        try storage {
            try writer.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT id, first_seen_millis FROM device WHERE centre_id = ? ORDER BY id",
                    arguments: [centre.rawValue]
                ).compactMap { row in DeviceID(rawValue: row["id"]).map { ($0, row["first_seen_millis"]) } }
            }
        }
    }

    /// The placement time of each device's most recent press (by sequence), for "silent device" marks.
    public func lastPressMillis(centre: CentreID) throws(HubError) -> [DeviceID: Int64] {
        try storage {
            try writer.read { db in
                var result: [DeviceID: Int64] = [:]
                let devices = try String.fetchAll(
                    db, sql: "SELECT id FROM device WHERE centre_id = ? ORDER BY id", arguments: [centre.rawValue])
                for id in devices {
                    if let millis = try Int64.fetchOne(
                        db,
                        sql: """
                            SELECT placed_millis FROM press WHERE device_id = ? AND placed_millis IS NOT NULL
                            ORDER BY sequence DESC LIMIT 1
                            """, arguments: [id]), let device = DeviceID(rawValue: id)
                    {
                        result[device] = millis
                    }
                }
                return result
            }
        }
    }

    /// `YYYY-MM-DDTHH` into its date and hour.
    static func parseLocalHour(_ key: String) -> (LocalDate, Int)? {
        guard key.count == 13, let separator = key.firstIndex(of: "T"),
            let date = try? LocalDate.parse(String(key[..<separator])),
            let hour = Int(key[key.index(after: separator)...]), (0...23).contains(hour)
        else { return nil }
        return (date, hour)
    }
}
