import Foundation
import GRDB
import GRDBSQLite
import SmileyCore

extension HubDatabase {
    /// Registered after every other migration (a migration is appended, never inserted).
    static func registerIngestMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("ingest-i1: hourly_rollup clustered by device and local hour") { db in
            // The same rows under a primary key ordered device, local hour, question, answer: a batch
            // adds to one device's latest hours, whose rows now share a page or two, where ordered by
            // question and answer first they lay on one page per answer (a commit wrote each).
            // Reads by device and hours, and the export's order, follow the new key; the two indexes
            // the heatmap and the windows read are built again as they were.
            try db.execute(
                sql: """
                    CREATE TABLE hourly_rollup_by_hour (
                        centre_id TEXT NOT NULL REFERENCES centre(id),
                        device_id TEXT NOT NULL REFERENCES device(id),
                        question TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        local_hour TEXT NOT NULL,
                        weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
                        hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
                        count INTEGER NOT NULL,
                        score_sum INTEGER NOT NULL,
                        PRIMARY KEY (centre_id, device_id, local_hour, question, answer)
                    ) WITHOUT ROWID;
                    INSERT INTO hourly_rollup_by_hour
                        (centre_id, device_id, question, answer, local_hour, weekday, hour, count, score_sum)
                    SELECT centre_id, device_id, question, answer, local_hour, weekday, hour, count, score_sum
                    FROM hourly_rollup;
                    DROP TABLE hourly_rollup;
                    ALTER TABLE hourly_rollup_by_hour RENAME TO hourly_rollup;
                    CREATE INDEX hourly_rollup_heatmap ON hourly_rollup(centre_id, question, weekday, hour);
                    CREATE INDEX hourly_rollup_window ON hourly_rollup(centre_id, question, local_hour);
                    """)
        }
        migrator.registerMigration("ingest-i2: press time_status checked without an IN list") { db in
            // SQLite 3.40 checks `x IN (three or more values)` by building a temporary index for every
            // row inserted (up to 28% of a press insert); the same rule as comparisons costs nothing.
            // The table is built again with every row; its indexes and triggers (whichever exist now,
            // other migrations' included) are created again from their own SQL.
            let dependents = try String.fetchAll(
                db,
                sql: """
                    SELECT sql FROM sqlite_master
                    WHERE tbl_name = 'press' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name
                    """)
            try db.execute(
                sql: """
                    CREATE TABLE press_checked (
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
                        time_status TEXT NOT NULL CHECK (
                            time_status = 'device-clock' OR time_status = 'corrected' OR time_status = 'uncertain'),
                        placed_millis INTEGER,
                        local_hour TEXT,
                        received_millis INTEGER NOT NULL,
                        PRIMARY KEY (device_id, sequence),
                        CHECK ((time_status = 'uncertain') = (placed_millis IS NULL))
                    ) WITHOUT ROWID;
                    INSERT INTO press_checked (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                        wall_clock_millis, clock_synchronised, suppressed, time_status, placed_millis, local_hour,
                        received_millis)
                    SELECT device_id, sequence, boot, question, answer, score, monotonic_nanos, wall_clock_millis,
                        clock_synchronised, suppressed, time_status, placed_millis, local_hour, received_millis
                    FROM press ORDER BY device_id, sequence;
                    DROP TABLE press;
                    ALTER TABLE press_checked RENAME TO press;
                    """)
            for sql in dependents { try db.execute(sql: sql) }
        }
    }

    /// Stores a device's batch whole or not at all. Presses already held are counted as duplicates;
    /// a press that reuses a held sequence number with other content is refused, batch and all.
    /// Presses are dated per `PressPlacement`; those of a boot whose clock becomes known here (from
    /// this batch's synchronised presses or its clock sample) are placed now, earlier ones included.
    public func ingest(_ batch: IngestBatch, receivedMillis: Int64) throws(HubError) -> IngestReceipt {
        try IngestRules.check(batch, receivedMillis: receivedMillis)
        return try storage {
            try writer.write { db in try store(db, batch, receivedMillis: receivedMillis) }
        }
    }

    /// Stores a batch a device sent with its bearer token in the next group commit (`WriteGroup`): the
    /// token is looked up, the body's device checked against the token's and the batch stored in the
    /// group's transaction (no reader checked out of the pool for the token), and the receipt returned
    /// once that transaction committed. Refusals come in the order `authenticate`, device, `ingest`.
    /// A refused request does not mark the token used (the caller does, as `authenticate` would).
    public func ingest(_ batch: IngestBatch, token: String?, receivedMillis: Int64) async throws(HubError)
        -> IngestReceipt
    {
        let hash = try Self.tokenHash(token)
        return try await writeGroup.write(presses: batch.presses.count) { db in
            try TokenHolder.valid(TokenHolder.find(db, hash: hash)).require(batch.device)
            try IngestRules.check(batch, receivedMillis: receivedMillis)
            return try store(db, batch, receivedMillis: receivedMillis)
        }
    }

    /// Records a heartbeat a device sent with its bearer token, as `ingest(_:token:receivedMillis:)`
    /// stores a batch, and returns the device's status as of that commit.
    public func recordHeartbeat(_ heartbeat: Heartbeat, token: String?, receivedMillis: Int64) async throws(HubError)
        -> DeviceStatus
    {
        let hash = try Self.tokenHash(token)
        let body = try Self.body(of: heartbeat)
        return try await writeGroup.write { db in
            try TokenHolder.valid(TokenHolder.find(db, hash: hash)).require(heartbeat.device)
            try Self.check(heartbeat, receivedMillis: receivedMillis)
            try storeHeartbeat(db, heartbeat, body: body, receivedMillis: receivedMillis)
            guard let status = try Self.deviceStatus(db, heartbeat.device, nowMillis: receivedMillis, sequence: nil)
            else { throw HubError.storage("device '\(heartbeat.device)' vanished") }
            return status
        }
    }

    /// One batch inside its transaction, at the cost it must have: the centre, the device, its token's
    /// first use and its highest held sequence read in one statement, its boots' clocks read once, one
    /// range query for the sequence numbers already held, inserts through one prepared statement bound
    /// value by value, the rollup changes summed in memory and written once per row, one clock write
    /// per boot whose reading changed, one device update, and the receipt counted from what was done.
    func store(_ db: Database, _ batch: IngestBatch, receivedMillis: Int64) throws -> IngestReceipt {
        let registered = try registerDevice(db, batch: batch, receivedMillis: receivedMillis)
        var hours = LocalHourMemo(bucketer: registered.bucketer)

        // Clocks: what the batch reveals about its boots, folded into the best reading of each.
        var clocks = BootClockPlan(held: try heldClocks(db, batch.device, boots: BootClockPlan.boots(of: batch)))
        clocks.offer(batch, receivedMillis: receivedMillis)
        try writeClocks(db, batch.device, clocks, receivedMillis)

        // Presses: which of this batch's sequence numbers are held already, in one query.
        let held = try heldPresses(db, batch)
        var tally = IngestTally()
        for (index, press) in batch.presses.enumerated() {
            guard let existing = held[press.sequence] else { continue }
            guard existing.matches(press) else { throw IngestRules.conflict(index: index, press, of: batch.device) }
            tally.countDuplicate(existing, sequence: press.sequence)
        }
        var rollup = RollupDelta()
        let insert = try PressInsert(db)
        for press in batch.presses where held.isEmpty || held[press.sequence] == nil {
            let row = PressRow(press, clocks: clocks, hours: &hours)
            try insert.execute(row, receivedMillis: receivedMillis)
            tally.countStored(row, into: &rollup)
        }

        // Presses of a boot stored before its clock was known are placed now, this batch's included.
        for boot in clocks.touched.sorted() {
            guard let offset = clocks.offset(of: boot) else { continue }
            let placed = try placeUncertainPresses(
                db, device: batch.device, boot: boot, offset: offset, hours: &hours, rollup: &rollup)
            tally.uncertain.subtract(placed)
        }
        try writeRollup(db, centre: batch.centre, rollup)

        // Every sequence of the batch is held now: the highest is the batch's last or one held before.
        let highest = max(registered.highestSequence, batch.presses.last?.sequence ?? 0)
        let contiguous = try advanceContiguousSequence(
            db, device: batch.device, from: registered.contiguousSequence, highest: highest, batch: batch)
        try db.cachedStatement(sql: "UPDATE device SET last_seen_millis = ?, contiguous_sequence = ? WHERE id = ?")
            .execute(arguments: [receivedMillis, contiguous, batch.device.rawValue])
        return tally.receipt(highest: highest, contiguous: contiguous, receivedMillis: receivedMillis)
    }

    /// Checks that the device was added to the hub, under the batch's centre, and marks its token used;
    /// reads what the batch starts from (the centre's zone, the device's marks) in the same statement.
    private func registerDevice(
        _ db: Database, batch: IngestBatch, receivedMillis: Int64
    ) throws -> (bucketer: HourBucketer, contiguousSequence: Int64, highestSequence: Int64) {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT c.time_zone, d.centre_id, d.contiguous_sequence,
                        (SELECT MAX(sequence) FROM press WHERE device_id = ?2) AS highest,
                        EXISTS (SELECT 1 FROM device_token WHERE device_id = ?2 AND first_used_millis IS NULL)
                            AS token_unused
                    FROM (SELECT 1) LEFT JOIN centre c ON c.id = ?1 LEFT JOIN device d ON d.id = ?2
                    """),
            arguments: [batch.centre.rawValue, batch.device.rawValue])
        guard let row, let zone = row[0] as String? else {
            throw HubError.unprocessable("unknown centre '\(batch.centre)'")
        }
        guard let registered = row[1] as String? else {
            throw HubError.unprocessable("unknown device '\(batch.device)': add it with smiley-hub device add")
        }
        guard registered == batch.centre.rawValue else {
            throw HubError.conflict("device '\(batch.device)' belongs to centre '\(registered)', not '\(batch.centre)'")
        }
        if row[4] as Bool {
            try Self.markTokenUsed(db, batch.device, nowMillis: receivedMillis)
        }
        return (try HourBucketer(timeZoneIdentifier: zone), row[2], (row[3] as Int64?) ?? 0)
    }

    /// The clock readings held for these boots of the device.
    private func heldClocks(_ db: Database, _ device: DeviceID, boots: Set<String>) throws -> [String: BootClockReading]
    {
        let select = try db.cachedStatement(
            sql: "SELECT offset_millis, source FROM boot_clock WHERE device_id = ? AND boot = ?")
        var held: [String: BootClockReading] = [:]
        for boot in boots {
            guard let row = try Row.fetchOne(select, arguments: [device.rawValue, boot]) else { continue }
            let source: String = row["source"]
            guard let known = BootClockReading.Source(rawValue: source) else {
                throw HubError.storage("boot_clock of device '\(device)' boot '\(boot)' has unknown source '\(source)'")
            }
            held[boot] = BootClockReading(offsetMillis: row["offset_millis"], source: known)
        }
        return held
    }

    /// One write per boot whose reading the batch changed.
    private func writeClocks(_ db: Database, _ device: DeviceID, _ clocks: BootClockPlan, _ nowMillis: Int64) throws {
        for write in clocks.writes {
            if write.held {
                try db.cachedStatement(
                    sql:
                        "UPDATE boot_clock SET offset_millis = ?, source = ?, updated_millis = ? WHERE device_id = ? AND boot = ?"
                ).execute(arguments: [
                    write.reading.offsetMillis, write.reading.source.rawValue, nowMillis, device.rawValue, write.boot,
                ])
            } else {
                try db.cachedStatement(
                    sql:
                        "INSERT INTO boot_clock (device_id, boot, offset_millis, source, updated_millis) VALUES (?, ?, ?, ?, ?)"
                ).execute(arguments: [
                    device.rawValue, write.boot, write.reading.offsetMillis, write.reading.source.rawValue, nowMillis,
                ])
            }
        }
    }

    /// The presses of this batch's sequence range the hub already holds, by sequence (one range query:
    /// a batch's sequences are contiguous).
    private func heldPresses(_ db: Database, _ batch: IngestBatch) throws -> [Int64: HeldPress] {
        guard let first = batch.presses.first?.sequence, let last = batch.presses.last?.sequence else { return [:] }
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT sequence, boot, question, answer, monotonic_nanos, wall_clock_millis, clock_synchronised,
                        suppressed, time_status FROM press
                    WHERE device_id = ? AND sequence BETWEEN ? AND ?
                    """),
            arguments: [batch.device.rawValue, first, last])
        var held: [Int64: HeldPress] = [:]
        while let row = try rows.next() {
            held[row["sequence"]] = HeldPress(row)
        }
        return held
    }

    /// A boot's presses still waiting for its clock, through the partial index that holds only those:
    /// left to itself the planner picks the primary key and reads every press of the device, each batch.
    static let uncertainPressesSQL = """
        SELECT sequence, question, answer, monotonic_nanos, suppressed FROM press INDEXED BY press_uncertain
        WHERE device_id = ? AND boot = ? AND time_status = 'uncertain'
        """

    /// Places the presses of a boot that were stored before its clock was known; returns their sequences.
    private func placeUncertainPresses(
        _ db: Database, device: DeviceID, boot: String, offset: Int64, hours: inout LocalHourMemo,
        rollup: inout RollupDelta
    ) throws -> Set<Int64> {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: Self.uncertainPressesSQL), arguments: [device.rawValue, boot])
        var placed: Set<Int64> = []
        for row in rows {
            let press = UncertainPress(
                sequence: row["sequence"], question: row["question"], answer: row["answer"],
                monotonicNanos: row["monotonic_nanos"], suppressed: row["suppressed"])
            guard let place = press.placed(offsetMillis: offset, hours: &hours) else { continue }
            try db.cachedStatement(
                sql: """
                    UPDATE press SET time_status = 'corrected', placed_millis = ?, local_hour = ?
                    WHERE device_id = ? AND sequence = ?
                    """
            ).execute(arguments: [place.millis, place.key, device.rawValue, press.sequence])
            placed.insert(press.sequence)
            try press.count(device: device, hour: place.hour, key: place.key, into: &rollup)
        }
        return placed
    }

    /// Adds the batch's summed rollup changes, one upsert per row of `hourly_rollup` (by device) and of
    /// `centre_hour` (the same summed over devices), and their days to `centre_day`, in the batch's transaction.
    private func writeRollup(_ db: Database, centre: CentreID, _ rollup: RollupDelta) throws {
        guard !rollup.isEmpty else { return }
        let upsert = try BoundStatement(
            db,
            sql: """
                INSERT INTO hourly_rollup (centre_id, device_id, question, answer, local_hour, weekday, hour, count, score_sum)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (centre_id, device_id, question, answer, local_hour)
                DO UPDATE SET count = count + excluded.count, score_sum = score_sum + excluded.score_sum
                """)
        let writes = rollup.writes
        for (key, change) in writes.rows {
            try upsert.execute { values in
                try values.text(1, centre.rawValue)
                try values.text(2, key.device)
                try values.text(3, key.question)
                try values.text(4, key.answer)
                try values.text(5, key.localHour)
                try values.integer(6, change.weekday)
                try values.integer(7, change.hour)
                try values.integer(8, change.count)
                try values.integer(9, change.scoreSum)
            }
        }
        let centreUpsert = try BoundStatement(
            db,
            sql: """
                INSERT INTO centre_hour (centre_id, question, day, hour, answer, score, count)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (centre_id, question, day, hour, answer) DO UPDATE SET count = count + excluded.count
                """)
        for (key, change) in writes.centreRows {
            try centreUpsert.execute { values in
                try values.text(1, centre.rawValue)
                try values.text(2, key.question)
                try values.integer(3, key.day)
                try values.integer(4, key.hour)
                try values.text(5, key.answer)
                try values.integer(6, change.score)
                try values.integer(7, change.count)
            }
        }
        try Self.addToCentreDays(db, centre: centre, writes.centreRows)
    }

    /// Moves the device's "held without gaps up to" mark forward as far as the held presses allow:
    /// past the whole batch when the batch reaches the mark (every sequence of it is held now), then
    /// over whatever was held beyond, stepping the primary key until the first gap (no step when
    /// nothing beyond is held: `highest` is the device's highest held sequence).
    private func advanceContiguousSequence(
        _ db: Database, device: DeviceID, from held: Int64, highest: Int64, batch: IngestBatch
    ) throws -> Int64 {
        var contiguous = IngestRules.contiguousAfter(batch, held: held)
        guard contiguous < highest else { return contiguous }
        let following = try Int64.fetchCursor(
            db.cachedStatement(
                sql: "SELECT sequence FROM press WHERE device_id = ? AND sequence > ? ORDER BY sequence"),
            arguments: [device.rawValue, contiguous])
        while let sequence = try following.next(), sequence == contiguous + 1 {
            contiguous = sequence
        }
        return contiguous
    }
}

/// A cached prepared statement whose values are bound one by one with `sqlite3_bind_*` (no
/// `StatementArguments` of boxed values per row), then run through GRDB so that its transaction
/// bookkeeping and observers see the change as usual. For the statements ingest runs once a press or
/// once a rollup row.
struct BoundStatement {
    private let statement: Statement
    private let db: Database

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.cachedStatement(sql: sql)
        // A failed earlier run of this cached statement would make the reset below report its error.
        sqlite3_reset(statement.sqliteStatement)
        // Marks the (empty) arguments as bound: `execute()` then runs the values bound here.
        statement.setUncheckedArguments(StatementArguments())
    }

    /// Binds the values of one run (`bind` calls `text`, `integer` and `null` with 1-based indexes) and runs it.
    func execute(_ bind: (BoundStatement) throws -> Void) throws {
        sqlite3_reset(statement.sqliteStatement)
        try bind(self)
        try statement.execute()
    }

    func integer(_ index: CInt, _ value: Int64) throws {
        try check(sqlite3_bind_int64(statement.sqliteStatement, index, value))
    }

    func integer(_ index: CInt, _ value: Int) throws {
        try check(sqlite3_bind_int64(statement.sqliteStatement, index, Int64(value)))
    }

    func null(_ index: CInt) throws {
        try check(sqlite3_bind_null(statement.sqliteStatement, index))
    }

    /// Binds text, copied by SQLite (an empty string binds as empty text, not NULL).
    func text(_ index: CInt, _ value: String) throws {
        let sqlite = statement.sqliteStatement
        var value = value
        let code = value.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_text(sqlite, index, "", 0, Self.transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { characters in
                sqlite3_bind_text(sqlite, index, characters, CInt(bytes.count), Self.transient)
            }
        }
        try check(code)
    }

    private func check(_ code: CInt) throws {
        guard code == SQLITE_OK else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
        }
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the call returns.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }
}

/// The press insert of `HubDatabase.ingest`, through one `BoundStatement`.
struct PressInsert {
    private let statement: BoundStatement

    init(_ db: Database) throws {
        statement = try BoundStatement(
            db,
            sql: """
                INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                    wall_clock_millis, clock_synchronised, suppressed, time_status, placed_millis, local_hour,
                    received_millis)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
    }

    func execute(_ row: PressRow, receivedMillis: Int64) throws {
        let press = row.press
        try statement.execute { values in
            try values.text(1, press.device.rawValue)
            try values.integer(2, press.sequence)
            try values.text(3, press.boot)
            try values.text(4, press.question.rawValue)
            try values.text(5, press.answer.name)
            try values.integer(6, press.answer.score)
            try values.integer(7, press.monotonicNanos)
            try values.integer(8, press.wallClockMillis)
            try values.integer(9, press.clockSynchronised ? 1 : 0)
            try values.integer(10, press.suppressed ? 1 : 0)
            try values.text(11, row.placement.status)
            if let millis = row.placement.millis { try values.integer(12, millis) } else { try values.null(12) }
            if let hour = row.hour { try values.text(13, hour.key) } else { try values.null(13) }
            try values.integer(14, receivedMillis)
        }
    }
}

extension HeldPress {
    init(_ row: Row) {
        self.init(
            boot: row["boot"], question: row["question"], answer: row["answer"],
            monotonicNanos: row["monotonic_nanos"], wallClockMillis: row["wall_clock_millis"],
            clockSynchronised: row["clock_synchronised"], suppressed: row["suppressed"], timeStatus: row["time_status"])
    }
}
