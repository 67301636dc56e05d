import Foundation
import Logging
import PostgresNIO
import SmileyCore
import Testing

@testable import SmileyHub

extension PostgresPressStore {
    /// A store whose logger leaves out the migration notices (one per test database).
    static func quiet(_ client: PostgresClient) -> PostgresPressStore {
        var logger = Logger(label: "smiley.hub.postgres.test")
        logger.logLevel = .warning
        return PostgresPressStore(client: client, logger: logger)
    }
}

/// What only PostgreSQL has to prove: several hub processes (each its own connection pool) on one
/// database store every press exactly once, and start together without racing over the schema.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
struct PostgresPressStoreTests {
    static let centre = CentreID(rawValue: "trongsa-dcrc")!
    static let devices = (1...3).map { DeviceID(rawValue: "trongsa-exit-\($0)")! }
    /// 2026-11-02 10:00 in Bhutan (04:00 UTC), a Monday.
    static let mondayTen: Int64 = 1_793_592_000_000

    /// Press `sequence` of `device`: synchronised for the first half of each round's range, and of a
    /// boot with an unknown clock for the rest (placed when a batch brings that boot's clock reading).
    static func press(_ device: DeviceID, _ sequence: Int64) -> Press {
        let answer = Question.satisfaction.answers[Int(sequence % 4)]
        if sequence % 40 < 20 {
            return Press(
                device: device, boot: "sync", sequence: sequence, answer: answer,
                monotonicNanos: 1_000_000_000_000 + sequence * 30_000_000_000,
                wallClockMillis: mondayTen - 36_000_000 + sequence * 30_000, clockSynchronised: true,
                suppressed: sequence % 9 == 0)
        }
        let boot = "late-\(sequence / 40)"
        return Press(
            device: device, boot: boot, sequence: sequence, answer: answer,
            monotonicNanos: (sequence % 40) * 60_000_000_000, wallClockMillis: (sequence % 40) * 60_000,
            clockSynchronised: false, suppressed: sequence % 9 == 0)
    }

    /// A batch of `range` for `device`; with a clock reading of the range's late boot when `withClock`.
    static func batch(_ device: DeviceID, _ range: ClosedRange<Int64>, withClock: Bool) -> IngestBatch {
        let clock =
            withClock
            ? ClockSample(
                boot: "late-\(range.lowerBound / 40)", monotonicNanos: 3_600_000_000_000, wallClockMillis: 3_600_000,
                synchronised: false) : nil
        return IngestBatch(
            device: device, centre: centre, presses: range.map { press(device, $0) }, clock: clock)
    }

    @Test func twoPoolsIngestingOverlappingBatchesStoreEveryPressExactlyOnce() async throws {
        let rounds: Int64 = 12
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { first in
                try await PostgresTestServer.withClient(database: name) { second in
                    let hubs = [PostgresPressStore.quiet(first), PostgresPressStore.quiet(second)]
                    try await hubs[0].migrate()
                    try await hubs[0].addCentre(Centre(id: Self.centre, name: "Trongsa", timeZone: "Asia/Thimphu"))
                    for device in Self.devices {
                        _ = try await hubs[1].addDevice(device, centre: Self.centre, publicKey: nil, nowMillis: 0)
                    }
                    var receipts: [IngestReceipt] = []
                    var offered = 0
                    for round in 0..<rounds {
                        // Each round: per device, both hubs send overlapping batches of the same 40 presses at
                        // once (as a device retrying through a load balancer would), and one hub resends the
                        // whole range with the late boot's clock.
                        let base = round * 40
                        var batches: [(hub: Int, batch: IngestBatch)] = []
                        for device in Self.devices {
                            batches.append((0, Self.batch(device, (base + 1)...(base + 25), withClock: false)))
                            batches.append(
                                (1, Self.batch(device, (base + 11)...(base + 40), withClock: round % 2 == 0)))
                            batches.append(
                                (Int(round % 2), Self.batch(device, (base + 1)...(base + 40), withClock: true)))
                        }
                        offered += batches.reduce(0) { $0 + $1.batch.presses.count }
                        receipts += try await withThrowingTaskGroup(of: IngestReceipt.self) { group in
                            for (hub, batch) in batches {
                                let store = hubs[hub]
                                group.addTask {
                                    try await store.ingest(batch, receivedMillis: Self.mondayTen + 3_600_000)
                                }
                            }
                            var done: [IngestReceipt] = []
                            for try await receipt in group { done.append(receipt) }
                            return done
                        }
                    }
                    let probe = StoreProbe.postgres(first)
                    let held = try await probe.pressKeys()
                    let expected = Self.devices.flatMap { device in (1...(rounds * 40)).map { "\(device)#\($0)" } }
                    #expect(held.count == expected.count)
                    #expect(Set(held) == Set(expected))
                    // The receipts together count every press once as new and every other offer as a duplicate.
                    #expect(receipts.reduce(0) { $0 + $1.accepted } == expected.count)
                    #expect(receipts.reduce(0) { $0 + $1.accepted + $1.duplicates } == offered)
                    #expect(try await probe.rollup() == probe.recount())
                    #expect(try await probe.centreHour() == probe.centreHourFromRollup())
                    #expect(try await hubs[1].uncertainCount(centre: Self.centre) == 0)
                    let last = try await hubs[0].ingest(
                        Self.batch(Self.devices[0], (rounds * 40)...(rounds * 40), withClock: false),
                        receivedMillis: Self.mondayTen + 3_600_000)
                    #expect(last.highestContiguousSequence == rounds * 40 && last.duplicates == 1)
                }
            }
        }
    }

    @Test func twoPoolsRedeemingOneCodeAtTheSameMomentAddExactlyOneDevice() async throws {
        let rounds = 40
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { first in
                try await PostgresTestServer.withClient(database: name) { second in
                    let hubs = [PostgresPressStore.quiet(first), PostgresPressStore.quiet(second)]
                    try await hubs[0].migrate()
                    try await hubs[0].addCentre(Centre(id: Self.centre, name: "Trongsa", timeZone: "Asia/Thimphu"))
                    var winners: [Int] = []
                    for round in 0..<rounds {
                        let code = try await hubs[round % 2].createEnrollmentCode(
                            centre: Self.centre, expiresMillis: Self.mondayTen + 60_000, nowMillis: Self.mondayTen)
                        // Each hub redeems the same code for a device of its own, both at once.
                        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                            for hub in 0..<2 {
                                let store = hubs[hub]
                                let device = DeviceID(rawValue: "trongsa-\(round)-hub-\(hub)")!
                                group.addTask {
                                    do {
                                        _ = try await store.redeem(
                                            EnrollmentRequest(code: code, device: device), nowMillis: Self.mondayTen)
                                        return (hub, true)
                                    } catch let error as HubError {
                                        guard case .conflict(let message) = error,
                                            message.contains("was already used by device 'trongsa-\(round)-hub-")
                                        else { throw error }
                                        return (hub, false)
                                    }
                                }
                            }
                            var outcomes: [(Int, Bool)] = []
                            for try await outcome in group { outcomes.append(outcome) }
                            return outcomes
                        }
                        let won = outcomes.filter(\.1).map(\.0)
                        #expect(won.count == 1, "round \(round): \(outcomes)")
                        winners += won
                    }
                    // One device per code, each the winner's; the loser's device was never added.
                    let devices = try await hubs[1].devices().map(\.id.rawValue)
                    #expect(devices.count == rounds)
                    #expect(Set(devices) == Set(winners.enumerated().map { "trongsa-\($0.offset)-hub-\($0.element)" }))
                }
            }
        }
    }

    @Test func twoHubsMigratingAFreshDatabaseTogetherBothSucceed() async throws {
        for _ in 0..<3 {
            try await PostgresTestServer.withFreshDatabase { name in
                try await PostgresTestServer.withClient(database: name) { first in
                    try await PostgresTestServer.withClient(database: name) { second in
                        async let one: Void = PostgresPressStore.quiet(first).migrate()
                        async let two: Void = PostgresPressStore.quiet(second).migrate()
                        _ = try await (one, two)
                        var applied: [String] = []
                        for try await migration in try await first.query(
                            "SELECT name FROM smiley_migration ORDER BY name"
                        ).decode(String.self) {
                            applied.append(migration)
                        }
                        #expect(applied == PostgresSchema.migrations.map(\.name).sorted())
                        let store = PostgresPressStore.quiet(second)
                        try await store.addCentre(Centre(id: Self.centre, name: "Trongsa", timeZone: "Asia/Thimphu"))
                        #expect(try await store.centres().map(\.id) == [Self.centre])
                    }
                }
            }
        }
    }

    @Test func aDatabaseMigratedByANewerHubIsRefusedAndLeftAsItIs() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                try await client.query("INSERT INTO smiley_migration (name) VALUES ('pg-99: from the future')")
                let refusal = await #expect(throws: HubError.self) { try await store.migrate() }
                #expect(
                    refusal?.description.contains("'pg-99: from the future', which this hub does not know") == true,
                    "\(String(describing: refusal))")
                var count: Int64 = 0
                for try await value in try await client.query("SELECT COUNT(*) FROM smiley_migration").decode(
                    Int64.self)
                {
                    count = value
                }
                #expect(count == Int64(PostgresSchema.migrations.count + 1))
            }
        }
    }

    @Test func aConstraintTheCodeWouldNeverBreakIsStillHeldByTheDatabase() async throws {
        try await PostgresTestServer.withFreshDatabase { name in
            try await PostgresTestServer.withClient(database: name) { client in
                let store = PostgresPressStore.quiet(client)
                try await store.migrate()
                try await store.addCentre(Centre(id: Self.centre, name: "Trongsa", timeZone: "Asia/Thimphu"))
                _ = try await store.addDevice(Self.devices[0], centre: Self.centre, publicKey: nil, nowMillis: 0)
                // An uncertain press with a time, a sequence 0, an unknown device: each refused by the schema.
                let device = Self.devices[0].rawValue
                let statements: [PostgresQuery] = [
                    """
                    INSERT INTO press VALUES (\(device), 1, 'b', 'satisfaction', 'happy', 3, 0, 0, false, false,
                        'uncertain', 5, NULL, 0)
                    """,
                    """
                    INSERT INTO press VALUES (\(device), 0, 'b', 'satisfaction', 'happy', 3, 0, 0, false, false,
                        'uncertain', NULL, NULL, 0)
                    """,
                    """
                    INSERT INTO press VALUES ('nobody', 1, 'b', 'satisfaction', 'happy', 3, 0, 0, false, false,
                        'uncertain', NULL, NULL, 0)
                    """,
                ]
                for statement in statements {
                    await #expect(throws: PSQLError.self) { try await client.query(statement) }
                }
                #expect(try await store.pressCount(device: nil) == 0)
            }
        }
    }
}
