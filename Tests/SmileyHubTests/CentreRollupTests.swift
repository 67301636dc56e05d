import Foundation
import GRDB
import SmileyCore
import SmileyHub
import Testing

/// `centre_hour` (the rollup the windows read) always equals `hourly_rollup` summed over the centre's
/// devices, whatever the batches did: duplicates, suppressed presses, presses placed later.
@Suite struct CentreRollupTests {
    static let centre = CentreID(rawValue: "haa-dcrc")!
    static let devices = [DeviceID(rawValue: "haa-exit-1")!, DeviceID(rawValue: "haa-exit-2")!]
    /// 2026-11-02 10:00 in Bhutan (04:00 UTC), a Monday.
    static let mondayTen: Int64 = 1_793_592_000_000

    static func press(
        _ device: DeviceID, _ sequence: Int64, _ answer: Answer, minutes: Int64, synchronised: Bool = true,
        suppressed: Bool = false
    ) -> Press {
        Press(
            device: device, boot: "b1", sequence: sequence, answer: answer,
            monotonicNanos: minutes * 60_000_000_000,
            wallClockMillis: synchronised ? mondayTen - 5 * 3_600_000 + minutes * 60_000 : minutes * 60_000,
            clockSynchronised: synchronised, suppressed: suppressed)
    }

    /// Both rollups of the centre, the device one summed, as comparable rows.
    static func bothRollups(_ queue: DatabaseQueue) throws -> (summed: [String], centre: [String]) {
        try queue.read { db in
            (
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT centre_id || ' ' || question || ' ' || substr(local_hour, 1, 10) || ' ' || hour || ' '
                            || answer || ' ' || (SUM(score_sum) / SUM(count)) || ' ' || SUM(count)
                        FROM hourly_rollup GROUP BY centre_id, question, local_hour, answer ORDER BY 1
                        """),
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT centre_id || ' ' || question || ' ' || date(day * 86400, 'unixepoch') || ' ' || hour || ' '
                            || answer || ' ' || score || ' ' || count
                        FROM centre_hour ORDER BY 1
                        """)
            )
        }
    }

    /// Two devices, overlapping hours, a repeated batch, suppressed presses, and an unsynchronised
    /// boot whose presses are placed only when a later batch dates its clock.
    static func loadHistory(_ database: HubDatabase) throws {
        let answers: [Answer] = [.veryHappy, .happy, .unhappy, .veryUnhappy, .hard, .soSo, .easy]
        for (d, device) in devices.enumerated() {
            let presses = (1...60).map { n -> Press in
                let answer = answers[(n + d) % answers.count]
                return press(device, Int64(n), answer, minutes: Int64(n * 7 + d), suppressed: n % 11 == 0)
            }
            let batch = IngestBatch(device: device, centre: centre, presses: presses)
            _ = try database.ingest(batch, receivedMillis: mondayTen)
            // The same batch again (a lost receipt): counted once.
            let repeated = try database.ingest(batch, receivedMillis: mondayTen)
            #expect(repeated.duplicates == 60 && repeated.accepted == 0)
        }
        // A second boot of device 2 with the clock at 1970: kept uncertain, then dated by a clock sample.
        let device = devices[1]
        let uncertain = (61...70).map { n in
            Press(
                device: device, boot: "b2", sequence: Int64(n), answer: .happy,
                monotonicNanos: Int64(n) * 60_000_000_000, wallClockMillis: Int64(n) * 60_000,
                clockSynchronised: false)
        }
        _ = try database.ingest(
            IngestBatch(device: device, centre: centre, presses: uncertain), receivedMillis: mondayTen)
        let sample = ClockSample(
            boot: "b2", monotonicNanos: 3 * 3_600_000_000_000, wallClockMillis: 3 * 3_600_000, synchronised: false)
        let receipt = try database.ingest(
            IngestBatch(device: device, centre: centre, presses: [], clock: sample), receivedMillis: mondayTen)
        #expect(receipt.timeUncertain == 0)
    }

    @Test func theCentreRollupIsTheDeviceRollupSummedAfterEveryKindOfBatch() throws {
        let queue = try DatabaseQueue()
        let database = try HubDatabase(writer: queue)
        try database.addCentre(Centre(id: Self.centre, name: "Haa", timeZone: "Asia/Thimphu"))
        for device in Self.devices { _ = try database.addDevice(device, centre: Self.centre, nowMillis: 0) }
        try Self.loadHistory(database)

        let (summed, centre) = try Self.bothRollups(queue)
        #expect(!centre.isEmpty)
        #expect(summed == centre)
        // The placed presses are in it: 110 stored unsuppressed presses of boot b1 plus 10 of b2.
        let total = try queue.read { db in try Int.fetchOne(db, sql: "SELECT SUM(count) FROM centre_hour") }
        #expect(total == 2 * (60 - 5) + 10)

        // The window read of the whole centre equals the two devices' reads added up.
        let day = try LocalDate.parse("2026-11-02")
        for question in Question.allCases {
            let whole = try database.hourCounts(centre: Self.centre, question: question, from: day, to: day)
            var byDevice: [String: Int] = [:]
            for device in Self.devices {
                for row in try database.hourCounts(
                    centre: Self.centre, question: question, from: day, to: day, device: device)
                {
                    byDevice["\(row.date) \(row.hour) \(row.score)", default: 0] += row.count
                }
            }
            var fromCentre: [String: Int] = [:]
            for row in whole { fromCentre["\(row.date) \(row.hour) \(row.score)", default: 0] += row.count }
            #expect(fromCentre == byDevice, "\(question)")
            #expect(!whole.isEmpty, "\(question)")
        }
    }

    @Test func aHubFromBeforeTheCentreRollupGetsItFilledFromTheDeviceRollup() throws {
        let path = NSTemporaryDirectory() + "smiley-centre-hour-\(UUID().uuidString)/hub.sqlite"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        do {
            let database = try HubDatabase(path: path)
            try database.addCentre(Centre(id: Self.centre, name: "Haa", timeZone: "Asia/Thimphu"))
            for device in Self.devices { _ = try database.addDevice(device, centre: Self.centre, nowMillis: 0) }
            try Self.loadHistory(database)
        }
        // Take the hub back to before the migration: no centre_hour, the migration not applied.
        let queue = try DatabaseQueue(path: path)
        let before = try Self.bothRollups(queue)
        try queue.write { db in
            try db.execute(sql: "DROP TABLE centre_hour")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'read-side r1:%'")
        }
        try queue.close()

        let reopened = try HubDatabase(path: path)
        let after = try Self.bothRollups(try DatabaseQueue(path: path))
        #expect(after.centre == before.centre)
        #expect(after.summed == after.centre)
        #expect(try reopened.pressCount() == 130)
    }
}
