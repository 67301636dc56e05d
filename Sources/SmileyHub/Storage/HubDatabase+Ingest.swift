import Foundation
import GRDB
import SmileyCore

extension HubDatabase {
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

    /// One batch inside its transaction, at the cost it must have: the device's row and its boots'
    /// clocks read once, one range query for the sequence numbers already held, inserts through one
    /// prepared statement, the rollup changes summed in memory and written once per row, one clock
    /// write per boot whose reading changed, and the receipt counted from what was done.
    private func store(_ db: Database, _ batch: IngestBatch, receivedMillis: Int64) throws -> IngestReceipt {
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
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                    wall_clock_millis, clock_synchronised, suppressed, time_status, placed_millis, local_hour,
                    received_millis)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for press in batch.presses where held[press.sequence] == nil {
            let row = PressRow(press, clocks: clocks, hours: &hours)
            try insert.execute(arguments: [
                press.device.rawValue, press.sequence, press.boot, press.question.rawValue, press.answer.name,
                press.answer.score, press.monotonicNanos, press.wallClockMillis, press.clockSynchronised,
                press.suppressed, row.placement.status, row.placement.millis, row.hour?.key, receivedMillis,
            ])
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

        let contiguous = try advanceContiguousSequence(
            db, device: batch.device, from: registered.contiguousSequence, batch: batch)
        let highest =
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT MAX(sequence) FROM press WHERE device_id = ?"),
                arguments: [batch.device.rawValue]) ?? 0
        return tally.receipt(highest: highest, contiguous: contiguous, receivedMillis: receivedMillis)
    }

    /// Checks that the device was added to the hub, under the batch's centre; notes it was seen.
    private func registerDevice(
        _ db: Database, batch: IngestBatch, receivedMillis: Int64
    ) throws -> (bucketer: HourBucketer, contiguousSequence: Int64) {
        guard
            let zone = try String.fetchOne(
                db.cachedStatement(sql: "SELECT time_zone FROM centre WHERE id = ?"), arguments: [batch.centre.rawValue]
            )
        else {
            throw HubError.unprocessable("unknown centre '\(batch.centre)'")
        }
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT centre_id, contiguous_sequence FROM device WHERE id = ?"),
                arguments: [batch.device.rawValue])
        else {
            throw HubError.unprocessable("unknown device '\(batch.device)': add it with smiley-hub device add")
        }
        let registered: String = row["centre_id"]
        guard registered == batch.centre.rawValue else {
            throw HubError.conflict("device '\(batch.device)' belongs to centre '\(registered)', not '\(batch.centre)'")
        }
        try db.cachedStatement(sql: "UPDATE device SET last_seen_millis = ? WHERE id = ?").execute(arguments: [
            receivedMillis, batch.device.rawValue,
        ])
        try Self.markTokenUsed(db, batch.device, nowMillis: receivedMillis)
        return (try HourBucketer(timeZoneIdentifier: zone), row["contiguous_sequence"])
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

    /// Places the presses of a boot that were stored before its clock was known; returns their sequences.
    private func placeUncertainPresses(
        _ db: Database, device: DeviceID, boot: String, offset: Int64, hours: inout LocalHourMemo,
        rollup: inout RollupDelta
    ) throws -> Set<Int64> {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT sequence, question, answer, monotonic_nanos, suppressed FROM press
                    WHERE device_id = ? AND boot = ? AND time_status = 'uncertain'
                    """), arguments: [device.rawValue, boot])
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
    /// `centre_hour` (the same summed over devices), in the batch's transaction.
    private func writeRollup(_ db: Database, centre: CentreID, _ rollup: RollupDelta) throws {
        guard !rollup.isEmpty else { return }
        let upsert = try db.cachedStatement(
            sql: """
                INSERT INTO hourly_rollup (centre_id, device_id, question, answer, local_hour, weekday, hour, count, score_sum)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (centre_id, device_id, question, answer, local_hour)
                DO UPDATE SET count = count + excluded.count, score_sum = score_sum + excluded.score_sum
                """)
        for (key, change) in rollup.rows {
            try upsert.execute(arguments: [
                centre.rawValue, key.device, key.question, key.answer, key.localHour, change.weekday, change.hour,
                change.count, change.scoreSum,
            ])
        }
        let centreUpsert = try db.cachedStatement(
            sql: """
                INSERT INTO centre_hour (centre_id, question, day, hour, answer, score, count)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (centre_id, question, day, hour, answer) DO UPDATE SET count = count + excluded.count
                """)
        for (key, change) in rollup.centreRows {
            try centreUpsert.execute(arguments: [
                centre.rawValue, key.question, key.day, key.hour, key.answer, change.score, change.count,
            ])
        }
    }

    /// Moves the device's "held without gaps up to" mark forward as far as the held presses allow:
    /// past the whole batch when the batch reaches the mark (every sequence of it is held now), then
    /// over whatever was held beyond, stepping the primary key until the first gap.
    private func advanceContiguousSequence(
        _ db: Database, device: DeviceID, from held: Int64, batch: IngestBatch
    ) throws -> Int64 {
        var contiguous = IngestRules.contiguousAfter(batch, held: held)
        let following = try Int64.fetchCursor(
            db.cachedStatement(
                sql: "SELECT sequence FROM press WHERE device_id = ? AND sequence > ? ORDER BY sequence"),
            arguments: [device.rawValue, contiguous])
        while let sequence = try following.next(), sequence == contiguous + 1 {
            contiguous = sequence
        }
        if contiguous != held {
            try db.cachedStatement(sql: "UPDATE device SET contiguous_sequence = ? WHERE id = ?").execute(arguments: [
                contiguous, device.rawValue,
            ])
        }
        return contiguous
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
