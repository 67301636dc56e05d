import Foundation
import GRDB
import SmileyCore
import Testing

@testable import SmileyHub

/// What the SQLite ingest path is built on: commits synced to disk, and the rollup's clustering by
/// device and local hour (migration "ingest-i1") keeping every row and every read.
@Suite struct IngestStorageTests {
    static func temporaryPath() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smiley-ingest-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("hub.sqlite").path
    }

    @Test func theWritingConnectionSyncsEveryCommit() throws {
        let path = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let database = try HubDatabase(path: path)
        // 2 is FULL; GRDB's WAL set-up leaves 1 (NORMAL) unless the hub sets it again after opening.
        let level = try database.writer.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        #expect(level == 2)
    }

    @Test func theTokenHashIsLowerCaseHexAsStoredBefore() {
        // FIPS 180-2's example: SHA-256("abc"), the text `String(format: "%02x")` a byte wrote.
        #expect(
            DeviceToken.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(DeviceToken.sha256("").hasPrefix("e3b0c44298fc1c149afbf4c8996fb924"))
    }

    @Test func aBatchReadsOnlyTheWaitingPressesOfItsBootNotTheDevicesHistory() throws {
        let queue = try DatabaseQueue()
        _ = try HubDatabase(writer: queue)
        let plan = try queue.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN " + HubDatabase.uncertainPressesSQL, arguments: ["paro-exit-1", "boot"]
            ).map { $0["detail"] as String }
        }
        #expect(plan == ["SEARCH press USING INDEX press_uncertain (device_id=? AND boot=?)"])
    }

    static let rollupRows: [[DatabaseValue]] = [
        Self.rollupRow("paro-exit-1", "satisfaction", "happy", "2026-11-02T09", weekday: 1, hour: 9, count: 3, sum: 9),
        Self.rollupRow(
            "paro-exit-1", "satisfaction", "unhappy", "2026-11-02T10", weekday: 1, hour: 10, count: 1, sum: 2),
        Self.rollupRow("paro-exit-1", "accessibility", "easy", "2026-11-02T09", weekday: 1, hour: 9, count: 2, sum: 6),
        Self.rollupRow(
            "paro-exit-2", "satisfaction", "happy", "2026-11-03T11", weekday: 2, hour: 11, count: 5, sum: 15),
    ]

    static func rollupRow(
        _ device: String, _ question: String, _ answer: String, _ localHour: String, weekday: Int, hour: Int,
        count: Int, sum: Int
    ) -> [DatabaseValue] {
        let text: [DatabaseValue] = ["paro", device, question, answer, localHour].map(\.databaseValue)
        let numbers: [DatabaseValue] = [weekday, hour, count, sum].map(\.databaseValue)
        return text + numbers
    }

    static func allRollupRows(_ db: Database) throws -> [[DatabaseValue]] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT centre_id, device_id, question, answer, local_hour, weekday, hour, count, score_sum
                FROM hourly_rollup ORDER BY centre_id, device_id, question, answer, local_hour
                """
        ).map { Array($0.databaseValues) }
    }

    @Test func reorderingTheRollupKeyKeepsEveryRowAndItsIndexes() throws {
        let queue = try DatabaseQueue()
        try HubDatabase.migrator.migrate(queue, upTo: "read-side r1: centre hourly rollup")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO centre (id, name, time_zone) VALUES ('paro', 'Paro', 'Asia/Thimphu')")
            for device in ["paro-exit-1", "paro-exit-2"] {
                try db.execute(
                    sql: """
                        INSERT INTO device (id, centre_id, first_seen_millis, last_seen_millis)
                        VALUES (?, 'paro', 0, 0)
                        """, arguments: [device])
            }
            for row in Self.rollupRows {
                try db.execute(
                    sql: """
                        INSERT INTO hourly_rollup
                            (centre_id, device_id, question, answer, local_hour, weekday, hour, count, score_sum)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: StatementArguments(row))
            }
        }
        let before = try queue.read(Self.allRollupRows)
        try HubDatabase.migrator.migrate(queue)
        try queue.read { db in
            #expect(try Self.allRollupRows(db) == before)
            let primaryKey = try String.fetchOne(
                db, sql: "SELECT name FROM pragma_index_list('hourly_rollup') WHERE origin = 'pk'")
            let columns = try String.fetchAll(
                db, sql: "SELECT name FROM pragma_index_info(?) ORDER BY seqno", arguments: [primaryKey])
            #expect(columns == ["centre_id", "device_id", "local_hour", "question", "answer"])
            let indexes = try String.fetchAll(
                db, sql: "SELECT name FROM pragma_index_list('hourly_rollup') WHERE origin = 'c' ORDER BY name")
            #expect(indexes == ["hourly_rollup_heatmap", "hourly_rollup_window"])
            // A device's hours are read by a range of the new key.
            let plan = try Row.fetchAll(
                db,
                sql: """
                    EXPLAIN QUERY PLAN SELECT local_hour, answer, SUM(count) FROM hourly_rollup
                    WHERE centre_id = ? AND question = ? AND local_hour >= ? AND local_hour < ? AND device_id = ?
                    GROUP BY local_hour, answer
                    """, arguments: ["paro", "satisfaction", "2026-11-02", "2026-11-03", "paro-exit-1"]
            ).map { $0["detail"] as String }
            #expect(
                plan.contains {
                    $0.contains("PRIMARY KEY (centre_id=? AND device_id=? AND local_hour>? AND local_hour<?)")
                })
        }
    }

    @Test func aBatchAddsToTheReorderedRollupAndTheMarksAsBefore() throws {
        let queue = try DatabaseQueue()
        let database = try HubDatabase(writer: queue)
        let centre = CentreID(rawValue: "paro")!
        let device = DeviceID(rawValue: "paro-exit-1")!
        try database.addCentre(Centre(id: centre, name: "Paro", timeZone: "Asia/Thimphu"))
        _ = try database.addDevice(device, centre: centre, nowMillis: 0)
        // 2026-11-02 10:00 in Bhutan; one synchronised press a minute.
        let start: Int64 = 1_793_592_000_000
        func batch(_ sequences: ClosedRange<Int64>) -> IngestBatch {
            IngestBatch(
                device: device, centre: centre,
                presses: sequences.map { sequence in
                    Press(
                        device: device, boot: "", sequence: sequence,
                        answer: sequence % 2 == 0 ? .happy : .easy, monotonicNanos: sequence * 60_000_000_000,
                        wallClockMillis: start + sequence * 60_000, clockSynchronised: true)
                }, clock: nil)
        }
        let now = start + 3_600_000
        // 4...6 first: held beyond the mark; then 1...3 joins them.
        let early = try database.ingest(batch(4...6), receivedMillis: now)
        #expect(early.accepted == 3 && early.highestSequence == 6 && early.highestContiguousSequence == 0)
        let joined = try database.ingest(batch(1...3), receivedMillis: now)
        #expect(joined.accepted == 3 && joined.highestSequence == 6 && joined.highestContiguousSequence == 6)
        let again = try database.ingest(batch(5...6), receivedMillis: now + 1)
        #expect(again.accepted == 0 && again.duplicates == 2 && again.highestContiguousSequence == 6)
        try queue.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT answer, local_hour, count, score_sum FROM hourly_rollup
                    WHERE device_id = 'paro-exit-1' ORDER BY answer
                    """)
            #expect(rows.map { $0["answer"] as String } == ["easy", "happy"])
            #expect(rows.map { $0["count"] as Int } == [3, 3])
            #expect(rows.map { $0["score_sum"] as Int } == [3 * Answer.easy.score, 3 * Answer.happy.score])
            #expect(rows.allSatisfy { ($0["local_hour"] as String) == "2026-11-02T10" })
            // An empty boot name is stored as empty text, not NULL.
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT boot FROM press") == [""])
            let lastSeen = try Int64.fetchOne(db, sql: "SELECT last_seen_millis FROM device")
            #expect(lastSeen == now + 1)
        }
    }
}
