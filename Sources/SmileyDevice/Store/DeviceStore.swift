import Foundation
import GRDB
import SmileyCore

/// The device's local SQLite store: every press it ever recorded, and which of them the hub holds.
///
/// Writes go only through this type's intention-named methods. The file is in WAL mode with
/// `synchronous = FULL`: a commit returns only once the press is on disk, so the LED can
/// acknowledge it and a power cut right after cannot take it back (NORMAL would let the last
/// transactions roll back on power loss, which would un-count a press the citizen saw acknowledged).
public struct DeviceStore: Sendable {
    private let writer: any DatabaseWriter

    /// Opens (creating if needed) the store at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        // Another process (the CLI beside the daemon) may hold the write lock for a moment: wait for it.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: path, configuration: configuration)
        try Self.makeCommitsDurable(pool)
        try self.init(writer: pool)
    }

    /// `PRAGMA synchronous = FULL` on the pool's writing connection. GRDB turns WAL on after
    /// `prepareDatabase` and sets NORMAL with it (synced only at checkpoints), so the pragma above
    /// holds for the readers only; set again here, and checked, it holds for every commit.
    static func makeCommitsDurable(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            let level = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            guard level == 2 else {
                throw DeviceStoreDurabilityError(level: level)
            }
        }
    }

    /// A store over any GRDB writer (tests use an in-memory queue).
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: presses") { db in
            // AUTOINCREMENT: SQLite never hands out a sequence number twice, even after rows are deleted.
            try db.execute(
                sql: """
                    CREATE TABLE press (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        boot TEXT NOT NULL,
                        question TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        monotonic_nanos INTEGER NOT NULL,
                        wall_clock_millis INTEGER NOT NULL,
                        clock_synchronised INTEGER NOT NULL CHECK (clock_synchronised IN (0, 1)),
                        suppressed INTEGER NOT NULL CHECK (suppressed IN (0, 1)),
                        recorded_at_millis INTEGER NOT NULL,
                        uploaded_at_millis INTEGER
                    );
                    CREATE INDEX press_unsent ON press(sequence) WHERE uploaded_at_millis IS NULL;
                    """)
        }
        migrator.registerMigration("v2: store facts") { db in
            try db.execute(sql: "CREATE TABLE store_fact (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)")
        }
        migrator.registerMigration("v3: test presses") { db in
            // Presses made during `smileyctl buttons test`: kept apart, never uploaded, no sequence number.
            try db.execute(
                sql: """
                    CREATE TABLE test_press (
                        id INTEGER PRIMARY KEY,
                        question TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        monotonic_nanos INTEGER NOT NULL,
                        suppressed INTEGER NOT NULL CHECK (suppressed IN (0, 1)),
                        recorded_at_millis INTEGER NOT NULL
                    )
                    """)
        }
        migrator.registerMigration("v4: set-aside presses") { db in
            // A press the hub refused by name: kept (never uploaded, never pruned), left out of uploads.
            try db.execute(
                sql: """
                    ALTER TABLE press ADD COLUMN set_aside_at_millis INTEGER;
                    ALTER TABLE press ADD COLUMN set_aside_status INTEGER;
                    ALTER TABLE press ADD COLUMN set_aside_message TEXT;
                    """)
        }
        return migrator
    }

    /// Whether this store already learned where the hub's numbering of this device stands.
    public func knowsHubBaseline() throws -> Bool {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM store_fact WHERE name = 'hub-baseline'") != nil
                || (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM press WHERE uploaded_at_millis IS NOT NULL") ?? 0)
                    > 0
        }
    }

    /// Continues the hub's numbering after a store was replaced: presses not yet uploaded are
    /// renumbered after `hubHighestSequence`, so none of them reuses a number the hub holds, and
    /// later presses follow on. Returns how far they moved (0 when nothing had to move).
    @discardableResult
    public func resumeAfter(hubHighestSequence: Int64) throws -> Int64 {
        try writer.write { db in
            let hasUploaded =
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM press WHERE uploaded_at_millis IS NOT NULL") ?? 0) > 0
            let lowest = try Int64.fetchOne(db, sql: "SELECT MIN(sequence) FROM press") ?? 1
            var shift: Int64 = 0
            if !hasUploaded, lowest <= hubHighestSequence {
                shift = hubHighestSequence - lowest + 1
                // Highest first, so no renumbered row collides with one not yet moved.
                let sequences = try Int64.fetchAll(db, sql: "SELECT sequence FROM press ORDER BY sequence DESC")
                for sequence in sequences {
                    try db.execute(
                        sql: "UPDATE press SET sequence = ? WHERE sequence = ?",
                        arguments: [sequence + shift, sequence])
                }
            }
            let next = max(hubHighestSequence, (try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM press")) ?? 0)
            // AUTOINCREMENT continues after the larger of the hub's and the store's numbers.
            try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'press'")
            try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('press', ?)", arguments: [next])
            try db.execute(
                sql: "INSERT OR REPLACE INTO store_fact (name, value) VALUES ('hub-baseline', ?)",
                arguments: [String(hubHighestSequence)])
            return shift
        }
    }

    /// Stores a press durably and returns it with its new sequence number.
    public func record(_ press: RecordedPress, recordedAtMillis: Int64) throws -> Int64 {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO press (boot, question, answer, monotonic_nanos, wall_clock_millis,
                                       clock_synchronised, suppressed, recorded_at_millis)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    press.boot, press.answer.question.rawValue, press.answer.name, press.monotonicNanos,
                    press.wallClockMillis, press.clockSynchronised, press.suppressed, recordedAtMillis,
                ])
            return db.lastInsertedRowID
        }
    }

    /// Keeps a press made during a buttons test, apart from citizens' presses.
    public func recordTest(_ answer: Answer, monotonicNanos: Int64, suppressed: Bool, recordedAtMillis: Int64) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO test_press (question, answer, monotonic_nanos, suppressed, recorded_at_millis)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [answer.question.rawValue, answer.name, monotonicNanos, suppressed, recordedAtMillis])
        }
    }

    public func testPressCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM test_press") ?? 0 }
    }

    /// The oldest presses the hub does not yet hold (after sequence `after`), at most `limit`, as the
    /// wire sends them. Set-aside presses are left out.
    public func unsent(device: DeviceID, limit: Int, after: Int64 = 0) throws -> [Press] {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT sequence, boot, question, answer, monotonic_nanos, wall_clock_millis,
                           clock_synchronised, suppressed
                    FROM press WHERE uploaded_at_millis IS NULL AND set_aside_at_millis IS NULL AND sequence > ?
                    ORDER BY sequence LIMIT ?
                    """,
                arguments: [after, limit])
            return try rows.map { row in
                let question = try Question.parse(row["question"])
                return Press(
                    device: device,
                    boot: row["boot"],
                    sequence: row["sequence"],
                    answer: try Answer.parse(row["answer"], of: question),
                    monotonicNanos: row["monotonic_nanos"],
                    wallClockMillis: row["wall_clock_millis"],
                    clockSynchronised: row["clock_synchronised"],
                    suppressed: row["suppressed"])
            }
        }
    }

    /// Marks presses as held by the hub. Only call this after the hub acknowledged them.
    public func markUploaded(sequences: [Int64], atMillis: Int64) throws {
        guard !sequences.isEmpty else { return }
        try writer.write { db in
            for sequence in sequences {
                try db.execute(
                    sql: """
                        UPDATE press SET uploaded_at_millis = ?
                        WHERE sequence = ? AND uploaded_at_millis IS NULL AND set_aside_at_millis IS NULL
                        """,
                    arguments: [atMillis, sequence])
            }
        }
    }

    /// Sets aside a press the hub refused, with the hub's answer: it stays in the store, is never
    /// pruned, and is left out of uploads from now on.
    public func setAside(sequence: Int64, status: Int, message: String, atMillis: Int64) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE press SET set_aside_at_millis = ?, set_aside_status = ?, set_aside_message = ?
                    WHERE sequence = ? AND uploaded_at_millis IS NULL AND set_aside_at_millis IS NULL
                    """,
                arguments: [atMillis, status, String(message.prefix(SetAsideReport.maximumMessageLength)), sequence])
        }
    }

    /// Set-aside presses, most recently set aside first (at most `limit`, or all).
    public func setAsidePresses(limit: Int? = nil) throws -> [SetAsidePress] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT sequence, set_aside_status, set_aside_message, set_aside_at_millis FROM press
                    WHERE set_aside_at_millis IS NOT NULL ORDER BY set_aside_at_millis DESC, sequence DESC LIMIT ?
                    """,
                arguments: [limit ?? -1]
            ).map { row in
                SetAsidePress(
                    sequence: row["sequence"], status: row["set_aside_status"], message: row["set_aside_message"],
                    atMillis: row["set_aside_at_millis"])
            }
        }
    }

    /// What a heartbeat reports of set-aside presses; nil when there are none.
    public func setAsideReport() throws -> SetAsideReport? {
        let count = try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM press WHERE set_aside_at_millis IS NOT NULL") ?? 0
        }
        guard count > 0 else { return nil }
        return SetAsideReport(count: count, latest: try setAsidePresses(limit: SetAsideReport.maximumListed))
    }

    /// The journal mode and `synchronous` level of the connection that commits (`wal`, 2 = FULL), for
    /// checks and health.
    public func durability() throws -> (journalMode: String, synchronous: Int) {
        try writer.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            )
        }
    }

    /// Keeps the store within `budget` presses by deleting the oldest presses the hub already
    /// holds. Presses not yet at the hub are never deleted, whatever the budget. Returns how many
    /// were deleted.
    @discardableResult
    public func prune(budget: Int) throws -> Int {
        try writer.write { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM press") ?? 0
            guard total > budget else { return 0 }
            // Down to 90% of the budget, so pruning does not run on every press.
            let excess = total - budget * 9 / 10
            try db.execute(
                sql: """
                    DELETE FROM press WHERE sequence IN (
                        SELECT sequence FROM press WHERE uploaded_at_millis IS NOT NULL ORDER BY sequence LIMIT ?)
                    """, arguments: [excess])
            return db.changesCount
        }
    }

    /// Counts for health and status reports.
    public func summary() throws -> StoreSummary {
        try writer.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS total,
                           COUNT(*) FILTER (WHERE uploaded_at_millis IS NULL AND set_aside_at_millis IS NULL) AS backlog,
                           MIN(recorded_at_millis) FILTER (
                               WHERE uploaded_at_millis IS NULL AND set_aside_at_millis IS NULL) AS oldest_unsent,
                           COUNT(*) FILTER (WHERE set_aside_at_millis IS NOT NULL) AS set_aside,
                           MAX(sequence) AS last_sequence,
                           MAX(uploaded_at_millis) AS last_upload
                    FROM press
                    """)!
            return StoreSummary(
                total: row["total"], backlog: row["backlog"], oldestUnsentRecordedAtMillis: row["oldest_unsent"],
                lastSequence: row["last_sequence"], lastUploadMillis: row["last_upload"], setAside: row["set_aside"])
        }
    }
}

/// A press ready to be stored: everything but its sequence number, which the store assigns.
public struct RecordedPress: Sendable, Hashable {
    public var boot: String
    public var answer: Answer
    public var monotonicNanos: Int64
    public var wallClockMillis: Int64
    public var clockSynchronised: Bool
    public var suppressed: Bool

    public init(
        boot: String, answer: Answer, monotonicNanos: Int64, wallClockMillis: Int64, clockSynchronised: Bool,
        suppressed: Bool
    ) {
        self.boot = boot
        self.answer = answer
        self.monotonicNanos = monotonicNanos
        self.wallClockMillis = wallClockMillis
        self.clockSynchronised = clockSynchronised
        self.suppressed = suppressed
    }
}

public struct StoreSummary: Sendable, Hashable, Codable {
    public var total: Int
    /// Presses waiting for the hub (set-aside presses not included).
    public var backlog: Int
    public var oldestUnsentRecordedAtMillis: Int64?
    public var lastSequence: Int64?
    /// When the hub last acknowledged a batch (the device's clock), if ever.
    public var lastUploadMillis: Int64?
    /// Presses the hub refused by name, kept here and no longer sent.
    public var setAside: Int

    public init(
        total: Int, backlog: Int, oldestUnsentRecordedAtMillis: Int64?, lastSequence: Int64?,
        lastUploadMillis: Int64? = nil, setAside: Int = 0
    ) {
        self.total = total
        self.backlog = backlog
        self.oldestUnsentRecordedAtMillis = oldestUnsentRecordedAtMillis
        self.lastSequence = lastSequence
        self.lastUploadMillis = lastUploadMillis
        self.setAside = setAside
    }
}

/// The store's writing connection would not take `synchronous = FULL`: commits could be lost on a power cut.
struct DeviceStoreDurabilityError: Error, CustomStringConvertible {
    let level: Int?
    var description: String {
        "the device store's commits are not synced: PRAGMA synchronous is \(level.map(String.init) ?? "unknown"), expected 2 (FULL)"
    }
}
