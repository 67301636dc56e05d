import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import SmileyCore
import Testing

@testable import SmileyHub

/// Devices' writes committed in groups (`WriteGroup`): several requests' batches in one transaction, each
/// in its own savepoint, every receipt after the shared commit; and the press table's status check without
/// an IN list (migration "ingest-i2").
@Suite struct GroupCommitTests {
    static let centre = CentreID(rawValue: "paro-dcrc")!
    static let devices = (1...4).map { DeviceID(rawValue: "paro-exit-\($0)")! }
    /// 2026-11-02 10:30 in Bhutan (04:30 UTC), a Monday.
    static let halfPastTen: Int64 = 1_793_593_800_000

    /// A hub database in a file of its own (WAL, durable commits), with the centre and its devices.
    static func makeDatabase() throws -> (HubDatabase, tokens: [DeviceID: String], directory: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smiley-group-commit-\(UUID().uuidString)"
        ).path
        let database = try HubDatabase(path: directory + "/hub.sqlite")
        try database.addCentre(Centre(id: centre, name: "Paro DCRC", timeZone: "Asia/Thimphu"))
        var tokens: [DeviceID: String] = [:]
        for device in devices {
            tokens[device] = try database.addDevice(device, centre: centre, nowMillis: 0).value
        }
        return (database, tokens, directory)
    }

    static func press(_ device: DeviceID, _ sequence: Int64, boot: String = "boot-a", answer: Answer = .happy)
        -> Press
    {
        Press(
            device: device, boot: boot, sequence: sequence, answer: answer,
            monotonicNanos: 1_000_000_000_000 + sequence * 1_000_000_000,
            wallClockMillis: halfPastTen + sequence * 1000, clockSynchronised: true)
    }

    static func batch(
        _ device: DeviceID, _ sequences: ClosedRange<Int64>, boot: String = "boot-a", answer: Answer = .happy
    )
        -> IngestBatch
    {
        IngestBatch(
            device: device, centre: centre, presses: sequences.map { press(device, $0, boot: boot, answer: answer) },
            clock: ClockSample(
                boot: boot, monotonicNanos: 1_000_000_000_000 + 50_000_000_000, wallClockMillis: halfPastTen + 50_000,
                synchronised: true))
    }

    /// The refused batch: presses 8-12 of device 1, whose 8-10 were stored with other answers, and a clock
    /// reading of a boot the hub has not seen (written before the conflict is found, so undone by it).
    static func conflicting() -> IngestBatch {
        var batch = batch(devices[0], 8...12, answer: .unhappy)
        batch.clock = ClockSample(
            boot: "boot-a", monotonicNanos: 1_000_000_000_000, wallClockMillis: halfPastTen, synchronised: true)
        batch.presses = batch.presses.map { press in
            var press = press
            if press.sequence > 10 { press.boot = "boot-new" }
            return press
        }
        return batch
    }

    struct Held: Equatable {
        var presses: [[DatabaseValue]]
        var rollup: [[DatabaseValue]]
        var clocks: [[DatabaseValue]]
        var marks: [[DatabaseValue]]
    }

    static func held(_ database: HubDatabase) throws -> Held {
        try database.writer.read { db in
            func rows(_ sql: String) throws -> [[DatabaseValue]] {
                try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) }
            }
            return Held(
                presses: try rows(
                    "SELECT device_id, sequence, boot, answer, time_status, placed_millis FROM press ORDER BY 1, 2"),
                rollup: try rows("SELECT * FROM hourly_rollup ORDER BY 1, 2, 3, 4, 5"),
                clocks: try rows("SELECT device_id, boot, offset_millis, source FROM boot_clock ORDER BY 1, 2"),
                marks: try rows("SELECT id, contiguous_sequence FROM device ORDER BY id"))
        }
    }

    // MARK: Writes that wait together

    @Test func writesWaitingTogetherShareOneCommitAndARefusedOneChangesNothing() async throws {
        let (database, tokens, directory) = try Self.makeDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = Self.devices[0]
        _ = try database.ingest(Self.batch(first, 1...10), receivedMillis: Self.halfPastTen + 60_000)
        let before = try Self.held(database)

        // The writer is held busy until every request below waits for it: they then form one group.
        let release = DispatchSemaphore(value: 0)
        database.writer.asyncWriteWithoutTransaction { _ in release.wait() }
        let requests: [(String, IngestBatch)] = [
            ("refused", Self.conflicting()),
            ("second 11-20", Self.batch(first, 11...20)),
            ("second 11-20 again", Self.batch(first, 11...20)),
            ("device 2", Self.batch(Self.devices[1], 1...5)),
            ("device 3", Self.batch(Self.devices[2], 1...7)),
            ("device 3 with device 4's token", Self.batch(Self.devices[2], 8...9)),
            ("device 4 unknown token", Self.batch(Self.devices[3], 1...3)),
        ]
        let groupsBefore = database.writeGroup.statistics
        let outcomes = try await withThrowingTaskGroup(of: (String, Result<IngestReceipt, HubError>).self) { group in
            for (name, batch) in requests {
                let token = name == "device 3 with device 4's token" ? tokens[Self.devices[3]] : tokens[batch.device]
                let presented = name == "device 4 unknown token" ? "smiley_unknown" : token
                group.addTask {
                    do throws(HubError) {
                        return (
                            name,
                            .success(
                                try await database.ingest(
                                    batch, token: presented, receivedMillis: Self.halfPastTen + 120_000))
                        )
                    } catch {
                        return (name, .failure(error))
                    }
                }
            }
            // Bounded: each request reaches the group within moments; no timing is asserted.
            for _ in 0..<10_000 where database.writeGroup.waitingCount < requests.count {
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(database.writeGroup.waitingCount == requests.count)
            release.signal()
            var outcomes: [String: Result<IngestReceipt, HubError>] = [:]
            for try await (name, outcome) in group { outcomes[name] = outcome }
            return outcomes
        }
        let statistics = database.writeGroup.statistics
        #expect(statistics.groups == groupsBefore.groups + 1)
        #expect(statistics.largestGroup == requests.count)

        let refused = try #require(outcomes["refused"])
        guard case .failure(.conflict(let message)) = refused else {
            Issue.record("the conflicting batch was not refused as a conflict: \(refused)")
            return
        }
        #expect(message.contains("sequence 8"))
        let stored = try #require(try outcomes["second 11-20"]?.get())
        let again = try #require(try outcomes["second 11-20 again"]?.get())
        // The two copies went in the order they were queued: the first stored, the second found them held.
        #expect([stored.accepted, again.accepted].sorted() == [0, 10])
        #expect([stored.duplicates, again.duplicates].sorted() == [0, 10])
        #expect(stored.highestContiguousSequence == 20 && again.highestContiguousSequence == 20)
        #expect(try outcomes["device 2"]?.get().accepted == 5)
        #expect(try outcomes["device 3"]?.get().accepted == 7)
        #expect(
            outcomes["device 3 with device 4's token"].flatMap { try? $0.get() } == nil
                && "\(outcomes["device 3 with device 4's token"]!)".contains("paro-exit-4', not 'paro-exit-3'"))
        #expect("\(outcomes["device 4 unknown token"]!)".contains("unknown device token"))

        // The refused batch changed nothing: no press of it, no clock of its new boot, the marks as they were.
        let after = try Self.held(database)
        #expect(after.presses.filter { $0[0] == first.rawValue.databaseValue }.count == 20)
        #expect(
            after.presses.filter { $0[0] == first.rawValue.databaseValue && $0[1] == 8.databaseValue }
                == before.presses.filter { $0[1] == 8.databaseValue })
        #expect(!after.clocks.contains { $0[1] == "boot-new".databaseValue })
        #expect(after.presses.count == 20 + 5 + 7)
        #expect(try database.pressCount(device: Self.devices[3]) == 0)
        // Every receipt was answered after the commit: a fresh connection sees every stored press.
        let fresh = try DatabaseQueue(path: directory + "/hub.sqlite")
        let count = try await fresh.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM press") }
        #expect(count == 32)
    }

    @Test func aWriteAloneIsCommittedAtOnceAndARefusalAloneRollsBack() async throws {
        let (database, tokens, directory) = try Self.makeDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let device = Self.devices[1]
        let receipt = try await database.ingest(
            Self.batch(device, 1...3), token: tokens[device], receivedMillis: Self.halfPastTen + 60_000)
        #expect(receipt.accepted == 3)
        let before = try Self.held(database)
        await #expect(throws: HubError.self) {
            // A reused sequence with other content, alone in its transaction.
            try await database.ingest(
                Self.batch(device, 2...4, answer: .unhappy), token: tokens[device],
                receivedMillis: Self.halfPastTen + 61_000)
        }
        #expect(try Self.held(database) == before)
        // The writer is free again: later writes are not stuck behind the refused one.
        #expect(
            try await database.ingest(
                Self.batch(device, 4...5), token: tokens[device], receivedMillis: Self.halfPastTen + 62_000
            ).accepted == 2)
    }

    // MARK: The user's side: many devices over HTTP at once

    @Test func concurrentBatchesOverHTTPAreEachStoredOnceWithTheRightReceipts() async throws {
        let (database, tokens, directory) = try Self.makeDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = Self.devices[0]
        _ = try database.ingest(Self.batch(first, 1...10), receivedMillis: Self.halfPastTen + 60_000)
        let before = try Self.held(database)

        // Each device sends batches 1-5 .. 46-50 (first device: from 11) at once, every batch twice.
        var sends: [(device: DeviceID, batch: IngestBatch)] = []
        for device in Self.devices {
            let start: Int64 = device == first ? 11 : 1
            for low in stride(from: start, through: 46, by: 5) {
                let batch = Self.batch(device, low...(low + 4))
                sends += [(device, batch), (device, batch)]
            }
        }
        sends.append((first, Self.conflicting()))
        sends.shuffle()
        let requests = sends
        let app = Application(router: try buildRouter(database: database, access: .testing))
        let responses = try await app.test(.live) { client in
            try await withThrowingTaskGroup(of: (IngestBatch, HTTPResponse.Status, String).self) { group in
                for send in requests {
                    let body = ByteBuffer(bytes: try JSONEncoder().encode(send.batch))
                    let token = tokens[send.device]!
                    group.addTask {
                        try await client.execute(
                            uri: "/api/v1/ingest", method: .post,
                            headers: [.contentType: "application/json", .authorization: "Bearer \(token)"], body: body
                        ) { response in (send.batch, response.status, String(buffer: response.body)) }
                    }
                }
                var responses: [(IngestBatch, HTTPResponse.Status, String)] = []
                for try await response in group { responses.append(response) }
                return responses
            }
        }
        #expect(responses.count == sends.count)
        var accepted: [DeviceID: Int] = [:]
        var duplicates: [DeviceID: Int] = [:]
        for (batch, status, text) in responses {
            if batch.presses.first?.answer == .unhappy {
                #expect(status == .conflict, "\(text)")
                continue
            }
            #expect(status == .ok, "\(text)")
            let receipt = try JSONDecoder().decode(IngestReceipt.self, from: Data(text.utf8))
            #expect(receipt.accepted + receipt.duplicates == 5)
            #expect(receipt.highestSequence >= batch.presses.last!.sequence)
            accepted[batch.device, default: 0] += receipt.accepted
            duplicates[batch.device, default: 0] += receipt.duplicates
        }
        for device in Self.devices {
            let new = device == first ? 40 : 50
            // Each press stored once: every copy's presses accepted by one receipt, found held by the other.
            #expect(accepted[device] == new && duplicates[device] == new)
            #expect(try database.pressCount(device: device) == 50)
            #expect(try database.deviceStatus(device, nowMillis: 0)?.highestContiguousSequence == 50)
        }
        let after = try Self.held(database)
        #expect(!after.clocks.contains { $0[1] == "boot-new".databaseValue })
        #expect(
            after.presses.filter {
                $0[0] == first.rawValue.databaseValue && (Int64.fromDatabaseValue($0[1]) ?? 0) <= 10
            }
                == before.presses)
        let rollupCount = try await database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT SUM(count) FROM hourly_rollup")
        }
        #expect(rollupCount == 200)
    }

    @Test func aHeartbeatWithItsTokenIsRecordedInOneWriteAndAnswersTheStatus() async throws {
        let (database, tokens, directory) = try Self.makeDatabase()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let device = Self.devices[2]
        _ = try database.ingest(Self.batch(device, 1...4), receivedMillis: Self.halfPastTen + 60_000)
        let clock = ClockSample(
            boot: "boot-a", monotonicNanos: 1_000_000_000_000, wallClockMillis: Self.halfPastTen, synchronised: false)
        let heartbeat = Heartbeat(
            device: device, centre: Self.centre, firmwareVersion: "1.0", uptimeSeconds: 60, backlog: 0,
            oldestUnsentMillis: nil, lastPressMillis: nil, clock: clock, stuckLines: [], lostGPIOEvents: 0,
            freeDiskBytes: 1 << 30, storageWarning: nil)
        let status = try await database.recordHeartbeat(
            heartbeat, token: tokens[device], receivedMillis: Self.halfPastTen + 61_000)
        #expect(status.highestSequence == 4 && status.highestContiguousSequence == 4)
        #expect(try database.lastHeartbeat(device)?.heartbeat == heartbeat)
        #expect(try database.clockUnsynchronisedSince(device) == Self.halfPastTen + 61_000)
        await #expect(throws: HubError.forbidden("this token belongs to device 'paro-exit-2', not 'paro-exit-3'")) {
            try await database.recordHeartbeat(
                heartbeat, token: tokens[Self.devices[1]], receivedMillis: Self.halfPastTen + 62_000)
        }
    }

    // MARK: The press table's status check

    static func schema(_ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT type || ' ' || name || ': ' || sql FROM sqlite_master
                WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name
                """)
    }

    @Test func thePressTableRebuiltKeepsEveryRowIndexAndConstraint() throws {
        let queue = try DatabaseQueue()
        try HubDatabase.migrator.migrate(queue, upTo: "ingest-i1: hourly_rollup clustered by device and local hour")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO centre (id, name, time_zone) VALUES ('paro', 'Paro', 'Asia/Thimphu')")
            try db.execute(
                sql:
                    "INSERT INTO device (id, centre_id, first_seen_millis, last_seen_millis) VALUES ('d1', 'paro', 0, 0)"
            )
            let insert = """
                INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                    wall_clock_millis, clock_synchronised, suppressed, time_status, placed_millis, local_hour,
                    received_millis) VALUES (?, ?, ?, 'satisfaction', 'happy', 4, ?, ?, ?, ?, ?, ?, ?, 5)
                """
            try db.execute(
                sql: insert, arguments: ["d1", 1, "b", 10, 1000, 1, 0, "device-clock", 1000, "2026-11-02T10"])
            try db.execute(sql: insert, arguments: ["d1", 2, "b", 20, 2000, 0, 1, "corrected", 2500, "2026-11-02T10"])
            try db.execute(sql: insert, arguments: ["d1", 3, "c", 30, 30, 0, 0, "uncertain", nil, nil])
        }
        func rows(_ db: Database) throws -> [[DatabaseValue]] {
            try Row.fetchAll(db, sql: "SELECT * FROM press ORDER BY device_id, sequence").map {
                Array($0.databaseValues)
            }
        }
        let (rowsBefore, schemaBefore) = try queue.read { db in (try rows(db), try Self.schema(db)) }
        try HubDatabase.migrator.migrate(queue, upTo: "ingest-i2: press time_status checked without an IN list")
        try queue.write { db in
            #expect(try rows(db) == rowsBefore)
            let schemaAfter = try Self.schema(db)
            // Every index and trigger as it was; the table's own SQL differs only in the status check.
            #expect(
                schemaAfter.filter { !$0.hasPrefix("table press:") }
                    == schemaBefore.filter { !$0.hasPrefix("table press:") })
            let table = try #require(schemaAfter.first { $0.hasPrefix("table press:") })
            #expect(!table.contains("time_status IN"))
            #expect(
                table.contains("time_status = 'device-clock' OR time_status = 'corrected' OR time_status = 'uncertain'")
            )
            #expect(
                try String.fetchAll(
                    db, sql: "SELECT name FROM pragma_index_list('press') WHERE origin = 'c' ORDER BY name")
                    == ["press_placed", "press_uncertain"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            // No temporary index built per row any more.
            let program = try String.fetchAll(
                db,
                sql: """
                    EXPLAIN INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                        wall_clock_millis, clock_synchronised, suppressed, time_status, placed_millis, local_hour,
                        received_millis) VALUES ('d1', 9, 'b', 'q', 'a', 1, 1, 1, 1, 0, 'device-clock', 1, 'h', 1)
                    """)
            #expect(!program.contains("OpenEphemeral"))
            // The rule still holds: an unknown status, a wrong placement, a press of no device are refused.
            let insert = """
                INSERT INTO press (device_id, sequence, boot, question, answer, score, monotonic_nanos,
                    wall_clock_millis, clock_synchronised, suppressed, time_status, placed_millis, local_hour,
                    received_millis) VALUES (?, 9, 'b', 'q', 'a', 1, 1, 1, 1, 0, ?, ?, 'h', 1)
                """
            for (device, status, placed) in [
                ("d1", "guessed", 1 as Int64?), ("d1", "Device-Clock", 1), ("d1", "uncertain", 1),
                ("d1", "corrected", nil),
                ("nobody", "device-clock", 1),
            ] as [(String, String, Int64?)] {
                #expect(throws: DatabaseError.self, "\(status) \(String(describing: placed)) \(device)") {
                    try db.execute(sql: insert, arguments: [device, status, placed])
                }
            }
            try db.execute(sql: insert, arguments: ["d1", "corrected", 7])
        }
    }
}
