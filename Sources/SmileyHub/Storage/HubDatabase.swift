import Foundation
import GRDB
import SmileyCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The hub's storage: centres, devices, every press once, and the hourly rollup the heatmaps read.
///
/// Every write goes through an intention-named method here, in one transaction: a batch is stored
/// whole or not at all, and its presses enter the rollup in the same commit, so the heatmap never
/// disagrees with the presses.
public struct HubDatabase: Sendable {
    let writer: any DatabaseWriter
    /// The devices' writes over HTTP, committed in groups (`ingest(_:token:receivedMillis:)`).
    let writeGroup: WriteGroup

    /// Opens (creating if needed) the hub database at `path` (WAL, durable commits), migrated and with
    /// the planner's statistics current (`refreshPlannerStatistics()`). A directory it creates
    /// is 0700; the database file is 0600 (SQLite gives its -wal and -shm files the same mode).
    public init(path: String) throws {
        try Self.prepareFiles(path: path)
        var configuration = Configuration()
        // Another process (the CLI beside the daemon) may hold the write lock for a moment: wait for it.
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: configuration)
        try Self.makeCommitsDurable(pool)
        try self.init(writer: pool)
        try refreshPlannerStatistics()
    }

    /// `PRAGMA synchronous = FULL` on the pool's writing connection: every commit is synced to disk
    /// before it returns, so a receipt is never sent for presses a power cut could still take away.
    /// Set after the pool is open: GRDB turns on WAL after `prepareDatabase` and sets NORMAL with it
    /// (which syncs only at checkpoints).
    static func makeCommitsDurable(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            let level = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            guard level == 2 else {
                throw HubError.storage(
                    "PRAGMA synchronous is \(level.map(String.init) ?? "unknown"), expected 2 (FULL)")
            }
        }
    }

    /// Creates the state directory 0700 and the database file 0600 before SQLite opens it, and
    /// tightens the files an older hub left readable by others.
    static func prepareFiles(path: String) throws {
        func failure(_ operation: String, _ file: String) -> HubError {
            .storage("cannot \(operation) \(file): \(String(cString: strerror(errno)))")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard chmod(directory, 0o700) == 0 else { throw failure("set the mode of", directory) }
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("open", path) }
        close(descriptor)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            guard chmod(file, 0o600) == 0 else { throw failure("set the mode of", file) }
        }
    }

    /// Runs a storage operation: a `HubError` passes through, anything else becomes `.storage`
    /// (logged at the HTTP edge, never shown to a client).
    func storage<T>(_ operation: () throws -> T) throws(HubError) -> T {
        do {
            return try operation()
        } catch let error as HubError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }

    /// One write transaction through `storage`.
    func write<T>(_ updates: (Database) throws -> T) throws(HubError) -> T {
        try storage { try writer.write(updates) }
    }

    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        self.writeGroup = WriteGroup(writer: writer)
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
                        last_seen_millis INTEGER NOT NULL,
                        -- Every press from 1 up to this sequence number is held.
                        contiguous_sequence INTEGER NOT NULL DEFAULT 0
                    );
                    -- One secret token per device, stored only as its SHA-256 (hex).
                    CREATE TABLE device_token (
                        device_id TEXT PRIMARY KEY NOT NULL REFERENCES device(id),
                        token_sha256 TEXT NOT NULL UNIQUE,
                        created_millis INTEGER NOT NULL,
                        revoked_millis INTEGER
                    );
                    -- One-time enrollment codes (hash only) that add a device to a centre.
                    CREATE TABLE enrollment_code (
                        code_sha256 TEXT PRIMARY KEY NOT NULL,
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        created_millis INTEGER NOT NULL,
                        expires_millis INTEGER NOT NULL,
                        redeemed_by TEXT,
                        redeemed_millis INTEGER
                    );
                    -- What is known of one boot's clock: wall millis = monotonic millis + offset_millis.
                    CREATE TABLE boot_clock (
                        device_id TEXT NOT NULL REFERENCES device(id),
                        boot TEXT NOT NULL,
                        offset_millis INTEGER NOT NULL,
                        source TEXT NOT NULL CHECK (source IN ('synchronised', 'hub-exchange')),
                        updated_millis INTEGER NOT NULL,
                        PRIMARY KEY (device_id, boot)
                    ) WITHOUT ROWID;
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
                        -- device-clock, corrected or uncertain (see PressPlacement)
                        time_status TEXT NOT NULL CHECK (time_status IN ('device-clock', 'corrected', 'uncertain')),
                        placed_millis INTEGER,
                        local_hour TEXT,
                        received_millis INTEGER NOT NULL,
                        PRIMARY KEY (device_id, sequence),
                        CHECK ((time_status = 'uncertain') = (placed_millis IS NULL))
                    ) WITHOUT ROWID;
                    CREATE INDEX press_uncertain ON press(device_id, boot) WHERE time_status = 'uncertain';
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
                    -- The latest heartbeat of each device, as sent (JSON).
                    CREATE TABLE device_heartbeat (
                        device_id TEXT PRIMARY KEY NOT NULL REFERENCES device(id),
                        received_millis INTEGER NOT NULL,
                        body TEXT NOT NULL
                    );
                    CREATE INDEX hourly_rollup_heatmap ON hourly_rollup(centre_id, question, weekday, hour);
                    """)
        }
        migrator.registerMigration("token first use") { db in
            // When a device first used its token: until then the device may redeem its enrollment
            // code again (its reply was lost) and receive a replacement token.
            try db.execute(sql: "ALTER TABLE device_token ADD COLUMN first_used_millis INTEGER")
            // Tokens issued before this migration have been delivered: treat them as used.
            try db.execute(sql: "UPDATE device_token SET first_used_millis = created_millis")
        }
        migrator.registerMigration("device signing key") { db in
            // The device's Ed25519 public key (base64 of 32 bytes): checks its export files' signatures.
            try db.execute(sql: "ALTER TABLE device ADD COLUMN signing_public_key TEXT")
        }
        registerReportMigrations(&migrator)
        registerAccountMigrations(&migrator)
        registerAlertMigrations(&migrator)
        registerActionMigrations(&migrator)
        registerDisplayMigrations(&migrator)
        registerAlertRuleMigrations(&migrator)
        registerDeliveryMigrations(&migrator)
        registerWeeklyReportSendingMigrations(&migrator)
        registerReadSideMigrations(&migrator)
        registerIngestMigrations(&migrator)
        registerCentreDayMigrations(&migrator)
        registerHeartbeatSummaryMigrations(&migrator)
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
        try write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM centre WHERE id = ?", arguments: [centre.id.rawValue]) != nil {
                throw HubError.conflict("centre '\(centre.id)' already exists")
            }
            try db.execute(
                sql: "INSERT INTO centre (id, name, time_zone) VALUES (?, ?, ?)",
                arguments: [centre.id.rawValue, centre.name, centre.timeZone])
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

    /// Records a device's heartbeat: its clock reading dates presses like a batch's would, and the
    /// latest heartbeat is kept for status pages. One transaction (one durable commit).
    public func recordHeartbeat(_ heartbeat: Heartbeat, receivedMillis: Int64) throws(HubError) {
        try Self.check(heartbeat, receivedMillis: receivedMillis)
        let body = try Self.body(of: heartbeat)
        try write { db in try storeHeartbeat(db, heartbeat, body: body, receivedMillis: receivedMillis) }
    }

    /// Refuses a heartbeat `recordHeartbeat` would not store, by name.
    static func check(_ heartbeat: Heartbeat, receivedMillis: Int64) throws(HubError) {
        do { try heartbeat.validate() } catch { throw .unprocessable(error.description) }
        try IngestRules.check(clockBatch(of: heartbeat), receivedMillis: receivedMillis)
    }

    /// The heartbeat as kept (JSON).
    static func body(of heartbeat: Heartbeat) throws(HubError) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(heartbeat), as: UTF8.self)
        } catch {
            throw .storage("cannot encode the heartbeat of '\(heartbeat.device)': \(error)")
        }
    }

    /// The heartbeat's clock reading as a batch without presses: it dates presses as a batch's would.
    static func clockBatch(of heartbeat: Heartbeat) -> IngestBatch {
        IngestBatch(device: heartbeat.device, centre: heartbeat.centre, presses: [], clock: heartbeat.clock)
    }

    /// A checked heartbeat (`heartbeatBody`), stored inside the caller's transaction.
    func storeHeartbeat(_ db: Database, _ heartbeat: Heartbeat, body: String, receivedMillis: Int64) throws {
        _ = try store(db, Self.clockBatch(of: heartbeat), receivedMillis: receivedMillis)
        // The summary columns beside the JSON (migration heartbeat-summary-h1): read without decoding it.
        try db.cachedStatement(
            sql: """
                INSERT INTO device_heartbeat (device_id, received_millis, body, backlog, stuck_lines, storage_warning)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (device_id) DO UPDATE SET received_millis = excluded.received_millis, body = excluded.body,
                    backlog = excluded.backlog, stuck_lines = excluded.stuck_lines,
                    storage_warning = excluded.storage_warning
                """
        ).execute(
            arguments: StatementArguments(
                [heartbeat.device.rawValue, receivedMillis, body] + (try Self.summaryColumns(of: heartbeat))))
        try noteClockState(
            db, device: heartbeat.device, synchronised: heartbeat.clock.synchronised, receivedMillis: receivedMillis)
    }

    /// The latest heartbeat of a device and when it arrived (nil also when an older hub stored one
    /// this version no longer reads).
    public func lastHeartbeat(_ device: DeviceID) throws -> (heartbeat: Heartbeat, receivedMillis: Int64)? {
        try writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT received_millis, body FROM device_heartbeat WHERE device_id = ?",
                    arguments: [device.rawValue])
            else { return nil }
            let body: String = row["body"]
            guard let heartbeat = try? JSONDecoder().decode(Heartbeat.self, from: Data(body.utf8)) else { return nil }
            return (heartbeat, row["received_millis"])
        }
    }

    /// What the hub holds of one device, or nil when it has never heard from it.
    public func deviceStatus(_ device: DeviceID, nowMillis: Int64, sequence: Int64? = nil) throws -> DeviceStatus? {
        try writer.read { db in try Self.deviceStatus(db, device, nowMillis: nowMillis, sequence: sequence) }
    }

    static func deviceStatus(_ db: Database, _ device: DeviceID, nowMillis: Int64, sequence: Int64?) throws
        -> DeviceStatus?
    {
        let fingerprint = try sequence.flatMap { sequence in
            try Row.fetchOne(
                db, sql: "SELECT boot, monotonic_nanos FROM press WHERE device_id = ? AND sequence = ?",
                arguments: [device.rawValue, sequence]
            ).map { PressFingerprint(sequence: sequence, boot: $0["boot"], monotonicNanos: $0["monotonic_nanos"]) }
        }
        return try Row.fetchOne(
            db,
            sql: """
                SELECT centre_id, contiguous_sequence,
                       (SELECT MAX(sequence) FROM press WHERE device_id = device.id) AS highest
                FROM device WHERE id = ?
                """, arguments: [device.rawValue]
        ).map { row in
            DeviceStatus(
                device: device, centre: CentreID(rawValue: row["centre_id"])!, highestSequence: row["highest"] ?? 0,
                highestContiguousSequence: row["contiguous_sequence"], hubTimeMillis: nowMillis,
                pressAtSequence: fingerprint)
        }
    }

    /// Presses held without a trustworthy time, for one centre (left out of its heatmaps).
    public func uncertainCount(centre: CentreID) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM press p JOIN device d ON d.id = p.device_id
                    WHERE d.centre_id = ? AND p.time_status = 'uncertain'
                    """, arguments: [centre.rawValue]) ?? 0
        }
    }

    /// The stored placement of one press, for tests and diagnosis.
    public func placement(device: DeviceID, sequence: Int64) throws -> (status: String, millis: Int64?)? {
        try writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT time_status, placed_millis FROM press WHERE device_id = ? AND sequence = ?",
                arguments: [device.rawValue, sequence]
            ).map { row in (row["time_status"], row["placed_millis"]) }
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
