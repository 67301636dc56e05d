import Foundation
import GRDB
import SmileyCore

extension HubDatabase {
    /// How far ahead of the hub's clock a synchronised press may claim to be before it is refused.
    static var futureToleranceMillis: Int64 { 24 * 3_600_000 }

    /// Stores a device's batch whole or not at all. Presses already held are counted as duplicates;
    /// a press that reuses a held sequence number with other content is refused, batch and all.
    /// Presses are dated per `PressPlacement`; those of a boot whose clock becomes known here (from
    /// this batch's synchronised presses or its clock sample) are placed now, earlier ones included.
    public func ingest(_ batch: IngestBatch, receivedMillis: Int64) throws(HubError) -> IngestReceipt {
        guard batch.presses.count <= IngestBatch.maximumPresses else {
            throw .tooLarge(
                "a batch may carry at most \(IngestBatch.maximumPresses) presses, got \(batch.presses.count)")
        }
        for (index, press) in batch.presses.enumerated() {
            if index > 0 {
                let previous = batch.presses[index - 1].sequence
                guard press.sequence > previous else {
                    throw .unprocessable(
                        "presses[\(index)]: sequence \(press.sequence) after \(previous): a batch must be in increasing order"
                    )
                }
                guard press.sequence == previous + 1 else {
                    throw .unprocessable(
                        "presses[\(index)]: sequence \(press.sequence) after \(previous): a batch must not skip sequence numbers"
                    )
                }
            }
            guard press.device == batch.device else {
                throw .forbidden(
                    "presses[\(index)].device '\(press.device)' is not the batch's device '\(batch.device)'")
            }
            if press.clockSynchronised {
                try Self.checkSynchronisedTime(
                    press.wallClockMillis, field: "presses[\(index)].wallClockMillis", receivedMillis)
            }
        }
        if let sample = batch.clock, sample.synchronised {
            try Self.checkSynchronisedTime(sample.wallClockMillis, field: "clock.wallClockMillis", receivedMillis)
        }
        return try storage {
            try writer.write { db in
                let bucketer = try registerDevice(db, batch: batch, receivedMillis: receivedMillis)
                var touchedBoots: Set<String> = []
                for press in batch.presses {
                    if let offset = PressPlacement.offset(of: press) {
                        try recordOffset(db, batch.device, press.boot, offset, source: "synchronised", receivedMillis)
                        touchedBoots.insert(press.boot)
                    }
                }
                if let sample = batch.clock,
                    let offset = sample.synchronised
                        ? PressPlacement.offset(ofSynchronised: sample)
                        : PressPlacement.offset(of: sample, receivedAtHubMillis: receivedMillis)
                {
                    try recordOffset(
                        db, batch.device, sample.boot, offset,
                        source: sample.synchronised ? "synchronised" : "hub-exchange",
                        receivedMillis)
                    touchedBoots.insert(sample.boot)
                }
                var accepted = 0
                var duplicates = 0
                var offsets: [String: Int64?] = [:]
                for (index, press) in batch.presses.enumerated() {
                    if let held = try HeldPress.fetch(db, device: batch.device, sequence: press.sequence) {
                        guard held.matches(press) else {
                            throw HubError.conflict(
                                "presses[\(index)]: sequence \(press.sequence) of device '\(batch.device)' is already held with other content (a replaced store must resume after GET /api/v1/devices/\(batch.device))"
                            )
                        }
                        duplicates += 1
                        continue
                    }
                    if offsets[press.boot] == nil { offsets[press.boot] = try bootOffset(db, batch.device, press.boot) }
                    let placement = PressPlacement.place(press, bootOffsetMillis: offsets[press.boot]!)
                    try insert(
                        db, press, placement: placement, bucketer: bucketer, centre: batch.centre, receivedMillis)
                    accepted += 1
                }
                for boot in touchedBoots.sorted() {
                    try placeUncertainPresses(
                        db, device: batch.device, boot: boot, centre: batch.centre, bucketer: bucketer)
                }
                let contiguous = try advanceContiguousSequence(db, device: batch.device)
                let highest =
                    try Int64.fetchOne(
                        db, sql: "SELECT MAX(sequence) FROM press WHERE device_id = ?",
                        arguments: [batch.device.rawValue]
                    ) ?? 0
                var uncertain = 0
                for press in batch.presses
                where try String.fetchOne(
                    db, sql: "SELECT time_status FROM press WHERE device_id = ? AND sequence = ?",
                    arguments: [batch.device.rawValue, press.sequence]) == "uncertain"
                {
                    uncertain += 1
                }
                return IngestReceipt(
                    accepted: accepted, duplicates: duplicates, highestSequence: highest,
                    highestContiguousSequence: contiguous, timeUncertain: uncertain, hubTimeMillis: receivedMillis)
            }
        }
    }

    /// A synchronised clock's reading must be a plausible date and not far ahead of the hub's clock:
    /// a clock that claims to be synchronised at 1970 (or 1938) is broken, and its date is refused.
    static func checkSynchronisedTime(_ millis: Int64, field: String, _ receivedMillis: Int64) throws(HubError) {
        guard WireLimits.plausibleMillis.contains(millis) else {
            let date = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
            throw .unprocessable(
                "\(field) \(millis) (\(date)) is not a plausible time for a synchronised clock: expected 2000-01-01 to 2100-01-01"
            )
        }
        if millis > receivedMillis + Self.futureToleranceMillis {
            throw .unprocessable(
                "\(field) \(millis) is more than a day ahead of the hub's clock (\(receivedMillis))")
        }
    }

    /// Checks that the device was added to the hub, under the batch's centre.
    private func registerDevice(_ db: Database, batch: IngestBatch, receivedMillis: Int64) throws -> HourBucketer {
        guard
            let zone = try String.fetchOne(
                db, sql: "SELECT time_zone FROM centre WHERE id = ?", arguments: [batch.centre.rawValue])
        else {
            throw HubError.unprocessable("unknown centre '\(batch.centre)'")
        }
        guard
            let registered = try String.fetchOne(
                db, sql: "SELECT centre_id FROM device WHERE id = ?", arguments: [batch.device.rawValue])
        else {
            throw HubError.unprocessable("unknown device '\(batch.device)': add it with smiley-hub device add")
        }
        guard registered == batch.centre.rawValue else {
            throw HubError.conflict("device '\(batch.device)' belongs to centre '\(registered)', not '\(batch.centre)'")
        }
        try db.execute(
            sql: "UPDATE device SET last_seen_millis = ? WHERE id = ?",
            arguments: [receivedMillis, batch.device.rawValue])
        try Self.markTokenUsed(db, batch.device, nowMillis: receivedMillis)
        return try HourBucketer(timeZoneIdentifier: zone)
    }

    /// Keeps the best reading of a boot's offset: a synchronised clock beats the hub's estimate,
    /// and among the hub's estimates the smallest (least delayed in transit) wins.
    private func recordOffset(
        _ db: Database, _ device: DeviceID, _ boot: String, _ offset: Int64, source: String, _ nowMillis: Int64
    ) throws {
        let existing = try Row.fetchOne(
            db, sql: "SELECT offset_millis, source FROM boot_clock WHERE device_id = ? AND boot = ?",
            arguments: [device.rawValue, boot])
        if let existing {
            let heldSource: String = existing["source"]
            let heldOffset: Int64 = existing["offset_millis"]
            let better =
                (source == "synchronised" && heldSource == "hub-exchange")
                || (source == "hub-exchange" && heldSource == "hub-exchange" && offset < heldOffset)
            guard better else { return }
            try db.execute(
                sql:
                    "UPDATE boot_clock SET offset_millis = ?, source = ?, updated_millis = ? WHERE device_id = ? AND boot = ?",
                arguments: [offset, source, nowMillis, device.rawValue, boot])
        } else {
            try db.execute(
                sql:
                    "INSERT INTO boot_clock (device_id, boot, offset_millis, source, updated_millis) VALUES (?, ?, ?, ?, ?)",
                arguments: [device.rawValue, boot, offset, source, nowMillis])
        }
    }

    private func bootOffset(_ db: Database, _ device: DeviceID, _ boot: String) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT offset_millis FROM boot_clock WHERE device_id = ? AND boot = ?",
            arguments: [device.rawValue, boot])
    }

    private func insert(
        _ db: Database, _ press: Press, placement: PressPlacement, bucketer: HourBucketer, centre: CentreID,
        _ receivedMillis: Int64
    ) throws {
        let hour = placement.millis.map { bucketer.localHour(ofMillis: $0) }
        try db.execute(
            sql: """
                INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                    wall_clock_millis, clock_synchronised, suppressed, time_status, placed_millis, local_hour,
                    received_millis)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                press.device.rawValue, press.sequence, press.boot, press.question.rawValue, press.answer.name,
                press.answer.score, press.monotonicNanos, press.wallClockMillis, press.clockSynchronised,
                press.suppressed, placement.status, placement.millis, hour?.key, receivedMillis,
            ])
        if let hour, !press.suppressed {
            try addToRollup(db, centre: centre, device: press.device, answer: press.answer, hour: hour)
        }
    }

    /// Places the presses of a boot that were stored before its clock was known.
    private func placeUncertainPresses(
        _ db: Database, device: DeviceID, boot: String, centre: CentreID, bucketer: HourBucketer
    ) throws {
        guard let offset = try bootOffset(db, device, boot) else { return }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT sequence, question, answer, monotonic_nanos, suppressed FROM press
                WHERE device_id = ? AND boot = ? AND time_status = 'uncertain'
                """, arguments: [device.rawValue, boot])
        for row in rows {
            // A placement that overflows or is implausible (a row an older hub stored) stays uncertain.
            guard
                let millis = PressPlacement.correctedMillis(
                    monotonicNanos: row["monotonic_nanos"], offsetMillis: offset)
            else { continue }
            let hour = bucketer.localHour(ofMillis: millis)
            try db.execute(
                sql: """
                    UPDATE press SET time_status = 'corrected', placed_millis = ?, local_hour = ?
                    WHERE device_id = ? AND sequence = ?
                    """, arguments: [millis, hour.key, device.rawValue, row["sequence"] as Int64])
            if !(row["suppressed"] as Bool) {
                let answer = try Answer.parse(row["answer"], of: Question.parse(row["question"]))
                try addToRollup(db, centre: centre, device: device, answer: answer, hour: hour)
            }
        }
    }

    private func addToRollup(_ db: Database, centre: CentreID, device: DeviceID, answer: Answer, hour: LocalHour) throws
    {
        try db.execute(
            sql: """
                INSERT INTO hourly_rollup (centre_id, device_id, question, answer, local_hour, weekday, hour, count, score_sum)
                VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                ON CONFLICT (centre_id, device_id, question, answer, local_hour)
                DO UPDATE SET count = count + 1, score_sum = score_sum + excluded.score_sum
                """,
            arguments: [
                centre.rawValue, device.rawValue, answer.question.rawValue, answer.name, hour.key, hour.weekday,
                hour.hour, answer.score,
            ])
    }

    /// Moves the device's "held without gaps up to" mark forward as far as the held presses allow.
    private func advanceContiguousSequence(_ db: Database, device: DeviceID) throws -> Int64 {
        var contiguous =
            try Int64.fetchOne(
                db, sql: "SELECT contiguous_sequence FROM device WHERE id = ?", arguments: [device.rawValue]) ?? 0
        while try Row.fetchOne(
            db, sql: "SELECT 1 FROM press WHERE device_id = ? AND sequence = ?",
            arguments: [device.rawValue, contiguous + 1]) != nil
        {
            contiguous += 1
        }
        try db.execute(
            sql: "UPDATE device SET contiguous_sequence = ? WHERE id = ?", arguments: [contiguous, device.rawValue])
        return contiguous
    }
}

/// A press as the hub holds it, to tell a harmless retry from a conflicting reuse of a sequence.
struct HeldPress {
    var boot: String
    var question: String
    var answer: String
    var monotonicNanos: Int64
    var wallClockMillis: Int64
    var clockSynchronised: Bool
    var suppressed: Bool

    static func fetch(_ db: Database, device: DeviceID, sequence: Int64) throws -> HeldPress? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT boot, question, answer, monotonic_nanos, wall_clock_millis, clock_synchronised, suppressed FROM press
                WHERE device_id = ? AND sequence = ?
                """,
            arguments: [device.rawValue, sequence]
        ).map { row in
            HeldPress(
                boot: row["boot"], question: row["question"], answer: row["answer"],
                monotonicNanos: row["monotonic_nanos"], wallClockMillis: row["wall_clock_millis"],
                clockSynchronised: row["clock_synchronised"], suppressed: row["suppressed"])
        }
    }

    func matches(_ press: Press) -> Bool {
        boot == press.boot && question == press.question.rawValue && answer == press.answer.name
            && monotonicNanos == press.monotonicNanos && wallClockMillis == press.wallClockMillis
            && clockSynchronised == press.clockSynchronised && suppressed == press.suppressed
    }
}
