import Logging
import PostgresNIO
import SmileyCore

extension PostgresPressStore {
    /// Stores a device's batch whole or not at all, as `HubDatabase.ingest` does and with the same pure
    /// plan; the receipt, placements and rollup are the same on both backends.
    public func ingest(_ batch: IngestBatch, receivedMillis: Int64) async throws(HubError) -> IngestReceipt {
        try IngestRules.check(batch, receivedMillis: receivedMillis)
        return try await transaction { connection in try await store(connection, batch, receivedMillis: receivedMillis)
        }
    }

    /// One batch inside its transaction, in a fixed number of statements whatever its size:
    ///
    /// 1. the device's row is updated first (`last_seen_millis`): that row lock makes the batches of one
    ///    device take turns across every hub process, so its boot clocks, late placements and contiguous
    ///    mark are decided on what the previous batch committed;
    /// 2. its boots' clocks are read once and upserted once per changed boot;
    /// 3. the presses go in through one multi-row `INSERT ... ON CONFLICT (device_id, sequence) DO NOTHING
    ///    RETURNING sequence`: only the rows this statement inserted count as new and enter the rollup;
    ///    the rest are read back once and are duplicates or a conflict (which rolls everything back);
    /// 4. presses of a boot whose clock became known are placed by one `UPDATE ... RETURNING`;
    /// 5. the rollup is added by one upsert in key order (`count = count + EXCLUDED.count`);
    /// 6. when presses were new, `pg_notify` tells every hub's `PressNotificationListener` the centre, which
    ///    PostgreSQL delivers when (and only if) the transaction commits.
    func store(_ connection: PostgresConnection, _ batch: IngestBatch, receivedMillis: Int64) async throws
        -> IngestReceipt
    {
        let registered = try await registerDevice(connection, batch: batch, receivedMillis: receivedMillis)
        var hours = LocalHourMemo(bucketer: registered.bucketer)
        let device = batch.device.rawValue

        // Clocks: what the batch reveals about its boots, folded into the best reading of each.
        var clocks = BootClockPlan(
            held: try await heldClocks(connection, batch.device, boots: BootClockPlan.boots(of: batch)))
        clocks.offer(batch, receivedMillis: receivedMillis)
        try await writeClocks(connection, batch.device, clocks, receivedMillis)

        // Presses: every row planned, all offered at once; the database says which were new.
        let rows = batch.presses.map { PressRow($0, clocks: clocks, hours: &hours) }
        let inserted = try await insertPresses(connection, batch.device, rows, receivedMillis: receivedMillis)
        var tally = IngestTally()
        var rollup = RollupDelta()
        let held = try await heldPresses(
            connection, batch.device, sequences: rows.map(\.press.sequence).filter { !inserted.contains($0) })
        for (index, row) in rows.enumerated() {
            if inserted.contains(row.press.sequence) {
                tally.countStored(row, into: &rollup)
            } else {
                guard let existing = held[row.press.sequence] else {
                    throw HubError.storage(
                        "press \(row.press.sequence) of device '\(batch.device)' was neither inserted nor found")
                }
                guard existing.matches(row.press) else {
                    throw IngestRules.conflict(index: index, row.press, of: batch.device)
                }
                tally.countDuplicate(existing, sequence: row.press.sequence)
            }
        }

        // Presses of a boot stored before its clock was known are placed now.
        let placed = try await placeUncertainPresses(
            connection, device: batch.device, clocks: clocks, hours: &hours, rollup: &rollup)
        tally.uncertain.subtract(placed)
        try await writeRollup(connection, centre: batch.centre, rollup)

        // The contiguous mark: past the batch when it reaches it, then to the end of the run held beyond.
        let start = IngestRules.contiguousAfter(batch, held: registered.contiguousSequence)
        var contiguous = start
        var highest: Int64 = 0
        for try await (reached, maximum) in try await connection.query(
            """
            SELECT
                CASE WHEN EXISTS (SELECT 1 FROM press WHERE device_id = \(device) AND sequence = \(start) + 1)
                THEN (SELECT p.sequence FROM press p WHERE p.device_id = \(device) AND p.sequence > \(start)
                        AND NOT EXISTS (
                            SELECT 1 FROM press q WHERE q.device_id = p.device_id AND q.sequence = p.sequence + 1)
                        ORDER BY p.sequence LIMIT 1)
                ELSE \(start) END,
                COALESCE((SELECT MAX(sequence) FROM press WHERE device_id = \(device)), 0)
            """, logger: logger
        ).decode((Int64, Int64).self) {
            contiguous = reached
            highest = maximum
        }
        if contiguous != registered.contiguousSequence {
            try await connection.query(
                "UPDATE device SET contiguous_sequence = \(contiguous) WHERE id = \(device)", logger: logger)
        }
        let receipt = tally.receipt(highest: highest, contiguous: contiguous, receivedMillis: receivedMillis)
        if receipt.accepted > 0 {
            // Every hub's listener hears it on commit, and never if the batch rolls back.
            try await connection.query(
                "SELECT pg_notify(\(PressNotice.channel), \(batch.centre.rawValue))", logger: logger)
        }
        return receipt
    }

    /// Checks the centre and that the device was added under it; notes it was seen, which locks its row
    /// until the transaction ends. The centre's row is held `FOR SHARE` until then too: a change of its
    /// opening hours or holidays waits for this batch, and this batch's days are counted under one calendar.
    private func registerDevice(
        _ connection: PostgresConnection, batch: IngestBatch, receivedMillis: Int64
    ) async throws -> (bucketer: HourBucketer, contiguousSequence: Int64) {
        var zone: String?
        for try await found in try await connection.query(
            "SELECT time_zone FROM centre WHERE id = \(batch.centre.rawValue) FOR SHARE", logger: logger
        ).decode(String.self) {
            zone = found
        }
        guard let zone else { throw HubError.unprocessable("unknown centre '\(batch.centre)'") }
        var registered: (centre: String, contiguous: Int64)?
        for try await row in try await connection.query(
            """
            UPDATE device SET last_seen_millis = \(receivedMillis) WHERE id = \(batch.device.rawValue)
            RETURNING centre_id, contiguous_sequence
            """, logger: logger
        ).decode((String, Int64).self) {
            registered = row
        }
        guard let registered else {
            throw HubError.unprocessable("unknown device '\(batch.device)': add it with smiley-hub device add")
        }
        guard registered.centre == batch.centre.rawValue else {
            throw HubError.conflict(
                "device '\(batch.device)' belongs to centre '\(registered.centre)', not '\(batch.centre)'")
        }
        try await Self.markTokenUsed(connection, batch.device, nowMillis: receivedMillis, logger: logger)
        return (try HourBucketer(timeZoneIdentifier: zone), registered.contiguous)
    }

    /// The clock readings held for these boots of the device, in one query.
    private func heldClocks(
        _ connection: PostgresConnection, _ device: DeviceID, boots: Set<String>
    ) async throws -> [String: BootClockReading] {
        guard !boots.isEmpty else { return [:] }
        var held: [String: BootClockReading] = [:]
        for try await (boot, offset, source) in try await connection.query(
            """
            SELECT boot, offset_millis, source FROM boot_clock
            WHERE device_id = \(device.rawValue) AND boot = ANY (\(boots.sorted())::text[])
            """, logger: logger
        ).decode((String, Int64, String).self) {
            guard let known = BootClockReading.Source(rawValue: source) else {
                throw HubError.storage("boot_clock of device '\(device)' boot '\(boot)' has unknown source '\(source)'")
            }
            held[boot] = BootClockReading(offsetMillis: offset, source: known)
        }
        return held
    }

    /// One upsert for every boot whose reading the batch changed (the device's row lock orders them).
    private func writeClocks(
        _ connection: PostgresConnection, _ device: DeviceID, _ clocks: BootClockPlan, _ nowMillis: Int64
    ) async throws {
        let writes = clocks.writes
        guard !writes.isEmpty else { return }
        let boots = writes.map(\.boot)
        let offsets = writes.map(\.reading.offsetMillis)
        let sources = writes.map(\.reading.source.rawValue)
        try await connection.query(
            """
            INSERT INTO boot_clock (device_id, boot, offset_millis, source, updated_millis)
            SELECT \(device.rawValue), w.boot, w.offset_millis, w.source, \(nowMillis)
            FROM unnest(\(boots)::text[], \(offsets)::bigint[], \(sources)::text[]) AS w(boot, offset_millis, source)
            ON CONFLICT (device_id, boot) DO UPDATE SET
                offset_millis = EXCLUDED.offset_millis, source = EXCLUDED.source,
                updated_millis = EXCLUDED.updated_millis
            """, logger: logger)
    }

    /// Offers every press of the batch in one statement; returns the sequences this statement inserted.
    private func insertPresses(
        _ connection: PostgresConnection, _ device: DeviceID, _ rows: [PressRow], receivedMillis: Int64
    ) async throws -> Set<Int64> {
        guard !rows.isEmpty else { return [] }
        let sequences = rows.map(\.press.sequence)
        let boots = rows.map(\.press.boot)
        let questions = rows.map(\.press.question.rawValue)
        let answers = rows.map(\.press.answer.name)
        let scores = rows.map { Int64($0.press.answer.score) }
        let monotonic = rows.map(\.press.monotonicNanos)
        let wall = rows.map(\.press.wallClockMillis)
        let synchronised = rows.map(\.press.clockSynchronised)
        let suppressed = rows.map(\.press.suppressed)
        let statuses = rows.map(\.placement.status)
        // Arrays carry no NULLs here: an uncertain press's time and hour are stored as NULL by its status.
        let placed = rows.map { $0.placement.millis ?? 0 }
        let hourKeys = rows.map { $0.hour?.key ?? "" }
        var inserted: Set<Int64> = []
        for try await sequence in try await connection.query(
            """
            INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                wall_clock_millis, clock_synchronised, suppressed, time_status, placed_millis, local_hour,
                received_millis)
            SELECT \(device.rawValue), p.sequence, p.boot, p.question, p.answer, p.score, p.monotonic_nanos,
                p.wall_clock_millis, p.clock_synchronised, p.suppressed, p.time_status,
                CASE WHEN p.time_status = 'uncertain' THEN NULL ELSE p.placed_millis END,
                CASE WHEN p.time_status = 'uncertain' THEN NULL ELSE p.local_hour END,
                \(receivedMillis)
            FROM unnest(\(sequences)::bigint[], \(boots)::text[], \(questions)::text[], \(answers)::text[],
                \(scores)::bigint[], \(monotonic)::bigint[], \(wall)::bigint[], \(synchronised)::boolean[],
                \(suppressed)::boolean[], \(statuses)::text[], \(placed)::bigint[], \(hourKeys)::text[])
                AS p(sequence, boot, question, answer, score, monotonic_nanos, wall_clock_millis,
                    clock_synchronised, suppressed, time_status, placed_millis, local_hour)
            ORDER BY p.sequence
            ON CONFLICT (device_id, sequence) DO NOTHING
            RETURNING sequence
            """, logger: logger
        ).decode(Int64.self) {
            inserted.insert(sequence)
        }
        return inserted
    }

    /// The held presses at these sequence numbers (those the insert left alone), in one query.
    private func heldPresses(
        _ connection: PostgresConnection, _ device: DeviceID, sequences: [Int64]
    ) async throws -> [Int64: HeldPress] {
        guard !sequences.isEmpty else { return [:] }
        var held: [Int64: HeldPress] = [:]
        for try await row in try await connection.query(
            """
            SELECT sequence, boot, question, answer, monotonic_nanos, wall_clock_millis, clock_synchronised,
                suppressed, time_status FROM press
            WHERE device_id = \(device.rawValue) AND sequence = ANY (\(sequences)::bigint[])
            """, logger: logger
        ).decode((Int64, String, String, String, Int64, Int64, Bool, Bool, String).self) {
            held[row.0] = HeldPress(
                boot: row.1, question: row.2, answer: row.3, monotonicNanos: row.4, wallClockMillis: row.5,
                clockSynchronised: row.6, suppressed: row.7, timeStatus: row.8)
        }
        return held
    }

    /// Places the presses of the batch's boots that were stored before their clock was known: read in
    /// one query, updated in one statement; only the rows that statement changed enter the rollup.
    private func placeUncertainPresses(
        _ connection: PostgresConnection, device: DeviceID, clocks: BootClockPlan, hours: inout LocalHourMemo,
        rollup: inout RollupDelta
    ) async throws -> Set<Int64> {
        let boots = clocks.touched.sorted().filter { clocks.offset(of: $0) != nil }
        guard !boots.isEmpty else { return [] }
        var waiting: [(boot: String, press: UncertainPress)] = []
        for try await row in try await connection.query(
            """
            SELECT boot, sequence, question, answer, monotonic_nanos, suppressed FROM press
            WHERE device_id = \(device.rawValue) AND boot = ANY (\(boots)::text[]) AND time_status = 'uncertain'
            ORDER BY sequence
            """, logger: logger
        ).decode((String, Int64, String, String, Int64, Bool).self) {
            waiting.append(
                (
                    row.0,
                    UncertainPress(
                        sequence: row.1, question: row.2, answer: row.3, monotonicNanos: row.4, suppressed: row.5)
                ))
        }
        var planned: [Int64: (press: UncertainPress, millis: Int64, hour: LocalHour, key: String)] = [:]
        for (boot, press) in waiting {
            guard let offset = clocks.offset(of: boot), let place = press.placed(offsetMillis: offset, hours: &hours)
            else { continue }
            planned[press.sequence] = (press, place.millis, place.hour, place.key)
        }
        guard !planned.isEmpty else { return [] }
        let sequences = planned.keys.sorted()
        let millis = sequences.map { planned[$0]!.millis }
        let keys = sequences.map { planned[$0]!.key }
        var placed: Set<Int64> = []
        for try await sequence in try await connection.query(
            """
            UPDATE press SET time_status = 'corrected', placed_millis = u.placed_millis, local_hour = u.local_hour
            FROM unnest(\(sequences)::bigint[], \(millis)::bigint[], \(keys)::text[])
                AS u(sequence, placed_millis, local_hour)
            WHERE press.device_id = \(device.rawValue) AND press.sequence = u.sequence
                AND press.time_status = 'uncertain'
            RETURNING press.sequence
            """, logger: logger
        ).decode(Int64.self) {
            placed.insert(sequence)
        }
        for sequence in sequences where placed.contains(sequence) {
            let entry = planned[sequence]!
            try entry.press.count(device: device, hour: entry.hour, key: entry.key, into: &rollup)
        }
        return placed
    }

    /// Adds the batch's summed rollup changes in one upsert, rows in key order (two transactions adding to
    /// the same rows lock them in the same order, so they wait for each other instead of deadlocking).
    private func writeRollup(_ connection: PostgresConnection, centre: CentreID, _ rollup: RollupDelta) async throws {
        let rows = rollup.rows
        guard !rows.isEmpty else { return }
        let devices = rows.map(\.key.device)
        let questions = rows.map(\.key.question)
        let answers = rows.map(\.key.answer)
        let hourKeys = rows.map(\.key.localHour)
        let weekdays = rows.map { Int64($0.change.weekday) }
        let hours = rows.map { Int64($0.change.hour) }
        let counts = rows.map { Int64($0.change.count) }
        let scores = rows.map { Int64($0.change.scoreSum) }
        try await connection.query(
            """
            INSERT INTO hourly_rollup (centre_id, device_id, question, answer, local_hour, weekday, hour, count,
                score_sum)
            SELECT \(centre.rawValue), r.device_id, r.question, r.answer, r.local_hour, r.weekday, r.hour, r.count,
                r.score_sum
            FROM unnest(\(devices)::text[], \(questions)::text[], \(answers)::text[], \(hourKeys)::text[],
                \(weekdays)::bigint[], \(hours)::bigint[], \(counts)::bigint[], \(scores)::bigint[])
                WITH ORDINALITY AS r(device_id, question, answer, local_hour, weekday, hour, count, score_sum, position)
            ORDER BY r.position
            ON CONFLICT (centre_id, device_id, question, answer, local_hour) DO UPDATE SET
                count = hourly_rollup.count + EXCLUDED.count, score_sum = hourly_rollup.score_sum + EXCLUDED.score_sum
            """, logger: logger)
        // The same changes summed over devices, in centre_hour's key order.
        let centreRows = rollup.centreRows
        try await connection.query(
            """
            INSERT INTO centre_hour (centre_id, question, day, hour, answer, score, count)
            SELECT \(centre.rawValue), r.question, r.day, r.hour, r.answer, r.score, r.count
            FROM unnest(\(centreRows.map(\.key.question))::text[], \(centreRows.map { Int64($0.key.day) })::bigint[],
                \(centreRows.map { Int64($0.key.hour) })::bigint[], \(centreRows.map(\.key.answer))::text[],
                \(centreRows.map { Int64($0.change.score) })::bigint[], \(centreRows.map { Int64($0.change.count) })::bigint[])
                WITH ORDINALITY AS r(question, day, hour, answer, score, count, position)
            ORDER BY r.position
            ON CONFLICT (centre_id, question, day, hour, answer) DO UPDATE SET count = centre_hour.count + EXCLUDED.count
            """, logger: logger)
        // And to the days they fall on, open or closed under the centre's calendar.
        try await Self.addToCentreDays(connection, centre: centre, centreRows, logger: logger)
    }
}
