import Foundation
import GRDB
import SmileyCore

/// The hub's storage: centres, devices, every press once, and the hourly rollup the heatmaps read.
///
/// Every write goes through an intention-named method here, in one transaction: a batch is stored
/// whole or not at all, and its presses enter the rollup in the same commit, so the heatmap never
/// disagrees with the presses.
public struct HubDatabase: Sendable {
    let writer: any DatabaseWriter

    /// Opens (creating if needed) the hub database at `path` (WAL, durable commits).
    public init(path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try self.init(writer: DatabasePool(path: path, configuration: configuration))
    }

    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: centres, devices, presses, hourly rollup") { db in
            try db.execute(
                sql: """
                    CREATE TABLE centre (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        time_zone TEXT NOT NULL
                    );
                    CREATE TABLE device (
                        id TEXT PRIMARY KEY NOT NULL,
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        first_seen_millis INTEGER NOT NULL,
                        last_seen_millis INTEGER NOT NULL
                    );
                    CREATE TABLE press (
                        device_id TEXT NOT NULL REFERENCES device(id),
                        sequence INTEGER NOT NULL CHECK (sequence >= 1),
                        boot TEXT NOT NULL,
                        question TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        score INTEGER NOT NULL,
                        monotonic_nanos INTEGER NOT NULL,
                        wall_clock_millis INTEGER NOT NULL,
                        clock_synchronised INTEGER NOT NULL CHECK (clock_synchronised IN (0, 1)),
                        suppressed INTEGER NOT NULL CHECK (suppressed IN (0, 1)),
                        local_hour TEXT NOT NULL,
                        received_millis INTEGER NOT NULL,
                        PRIMARY KEY (device_id, sequence)
                    ) WITHOUT ROWID;
                    CREATE TABLE hourly_rollup (
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        device_id TEXT NOT NULL REFERENCES device(id),
                        question TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        local_hour TEXT NOT NULL,
                        weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
                        hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
                        count INTEGER NOT NULL,
                        score_sum INTEGER NOT NULL,
                        PRIMARY KEY (centre_id, device_id, question, answer, local_hour)
                    ) WITHOUT ROWID;
                    CREATE INDEX hourly_rollup_heatmap ON hourly_rollup(centre_id, question, weekday, hour);
                    """)
        }
        return migrator
    }

    // MARK: Centres

    /// Adds a centre; its zone decides which local hour a press falls in.
    public func addCentre(_ centre: Centre) throws(HubError) {
        do {
            _ = try HourBucketer(timeZoneIdentifier: centre.timeZone)
        } catch {
            throw .invalid(error.description)
        }
        do {
            try writer.write { db in
                if try Row.fetchOne(db, sql: "SELECT 1 FROM centre WHERE id = ?", arguments: [centre.id.rawValue]) != nil {
                    throw HubError.conflict("centre '\(centre.id)' already exists")
                }
                try db.execute(
                    sql: "INSERT INTO centre (id, name, time_zone) VALUES (?, ?, ?)",
                    arguments: [centre.id.rawValue, centre.name, centre.timeZone])
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }

    public func centres() throws -> [Centre] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, time_zone FROM centre ORDER BY id").map { row in
                Centre(id: CentreID(rawValue: row["id"])!, name: row["name"], timeZone: row["time_zone"])
            }
        }
    }

    public func centre(_ id: CentreID) throws -> Centre? {
        try centres().first { $0.id == id }
    }

    public func devices() throws -> [DeviceSummary] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id, d.centre_id, d.first_seen_millis, d.last_seen_millis,
                           (SELECT COUNT(*) FROM press p WHERE p.device_id = d.id) AS presses,
                           (SELECT MAX(sequence) FROM press p WHERE p.device_id = d.id) AS highest
                    FROM device d ORDER BY d.id
                    """
            ).map { row in
                DeviceSummary(
                    id: DeviceID(rawValue: row["id"])!, centre: CentreID(rawValue: row["centre_id"])!,
                    firstSeenMillis: row["first_seen_millis"], lastSeenMillis: row["last_seen_millis"],
                    presses: row["presses"], highestSequence: row["highest"] ?? 0)
            }
        }
    }

    // MARK: Ingest

    /// Stores a device's batch whole or not at all. Presses already held are counted as duplicates;
    /// a press that reuses a held sequence number with other content is refused, batch and all.
    public func ingest(_ batch: IngestBatch, receivedMillis: Int64) throws(HubError) -> IngestReceipt {
        guard batch.presses.count <= IngestBatch.maximumPresses else {
            throw .tooLarge("a batch may carry at most \(IngestBatch.maximumPresses) presses, got \(batch.presses.count)")
        }
        for (index, press) in batch.presses.enumerated() where press.device != batch.device {
            throw .forbidden(
                "presses[\(index)].device '\(press.device)' is not the batch's device '\(batch.device)'")
        }
        do {
            return try writer.write { db in
                guard
                    let zone = try String.fetchOne(
                        db, sql: "SELECT time_zone FROM centre WHERE id = ?", arguments: [batch.centre.rawValue])
                else {
                    throw HubError.unprocessable("unknown centre '\(batch.centre)'")
                }
                let bucketer = try HourBucketer(timeZoneIdentifier: zone)
                if let registered = try String.fetchOne(
                    db, sql: "SELECT centre_id FROM device WHERE id = ?", arguments: [batch.device.rawValue])
                {
                    guard registered == batch.centre.rawValue else {
                        throw HubError.conflict(
                            "device '\(batch.device)' belongs to centre '\(registered)', not '\(batch.centre)'")
                    }
                    try db.execute(
                        sql: "UPDATE device SET last_seen_millis = ? WHERE id = ?",
                        arguments: [receivedMillis, batch.device.rawValue])
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO device (id, centre_id, first_seen_millis, last_seen_millis)
                            VALUES (?, ?, ?, ?)
                            """,
                        arguments: [batch.device.rawValue, batch.centre.rawValue, receivedMillis, receivedMillis])
                }
                var accepted = 0
                var duplicates = 0
                for (index, press) in batch.presses.enumerated() {
                    if let held = try HeldPress.fetch(db, device: batch.device, sequence: press.sequence) {
                        guard held.matches(press) else {
                            throw HubError.conflict(
                                "presses[\(index)]: sequence \(press.sequence) of device '\(batch.device)' is already held with other content"
                            )
                        }
                        duplicates += 1
                        continue
                    }
                    let hour = bucketer.localHour(ofMillis: press.wallClockMillis)
                    try db.execute(
                        sql: """
                            INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                                wall_clock_millis, clock_synchronised, suppressed, local_hour, received_millis)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            batch.device.rawValue, press.sequence, press.boot, press.question.rawValue,
                            press.answer.name, press.answer.score, press.monotonicNanos, press.wallClockMillis,
                            press.clockSynchronised, press.suppressed, hour.key, receivedMillis,
                        ])
                    if !press.suppressed {
                        try db.execute(
                            sql: """
                                INSERT INTO hourly_rollup (centre_id, device_id, question, answer, local_hour,
                                    weekday, hour, count, score_sum)
                                VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                                ON CONFLICT (centre_id, device_id, question, answer, local_hour)
                                DO UPDATE SET count = count + 1, score_sum = score_sum + excluded.score_sum
                                """,
                            arguments: [
                                batch.centre.rawValue, batch.device.rawValue, press.question.rawValue,
                                press.answer.name, hour.key, hour.weekday, hour.hour, press.answer.score,
                            ])
                    }
                    accepted += 1
                }
                let highest =
                    try Int64.fetchOne(
                        db, sql: "SELECT MAX(sequence) FROM press WHERE device_id = ?",
                        arguments: [batch.device.rawValue]) ?? 0
                return IngestReceipt(
                    accepted: accepted, duplicates: duplicates, highestSequence: highest, hubTimeMillis: receivedMillis)
            }
        } catch let error as HubError {
            throw error
        } catch let error as ModelError {
            throw .storage(error.description)
        } catch {
            throw .storage("\(error)")
        }
    }

    // MARK: Heatmaps

    /// The hour x weekday heatmap of one centre and question, from the hourly rollup.
    public func heatmap(centre: CentreID, question: Question, device: DeviceID? = nil) throws -> Heatmap {
        try writer.read { db in
            var sql = """
                SELECT weekday, hour, SUM(count) AS count, SUM(score_sum) AS score_sum
                FROM hourly_rollup WHERE centre_id = ? AND question = ?
                """
            var arguments: StatementArguments = [centre.rawValue, question.rawValue]
            if let device {
                sql += " AND device_id = ?"
                arguments += [device.rawValue]
            }
            sql += " GROUP BY weekday, hour"
            let tallies = try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                HourTally(weekday: row["weekday"], hour: row["hour"], count: row["count"], scoreSum: row["score_sum"])
            }
            return Heatmap(question: question, tallies: tallies)
        }
    }

    /// Presses held in all (counted or not), for status pages and tests.
    public func pressCount(device: DeviceID? = nil) throws -> Int {
        try writer.read { db in
            if let device {
                return try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM press WHERE device_id = ?", arguments: [device.rawValue]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM press") ?? 0
        }
    }
}

/// A press as the hub holds it, to tell a harmless retry from a conflicting reuse of a sequence.
struct HeldPress {
    var boot: String
    var question: String
    var answer: String
    var monotonicNanos: Int64
    var wallClockMillis: Int64

    static func fetch(_ db: Database, device: DeviceID, sequence: Int64) throws -> HeldPress? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT boot, question, answer, monotonic_nanos, wall_clock_millis FROM press
                WHERE device_id = ? AND sequence = ?
                """,
            arguments: [device.rawValue, sequence]
        ).map { row in
            HeldPress(
                boot: row["boot"], question: row["question"], answer: row["answer"],
                monotonicNanos: row["monotonic_nanos"], wallClockMillis: row["wall_clock_millis"])
        }
    }

    func matches(_ press: Press) -> Bool {
        boot == press.boot && question == press.question.rawValue && answer == press.answer.name
            && monotonicNanos == press.monotonicNanos && wallClockMillis == press.wallClockMillis
    }
}
