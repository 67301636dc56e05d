import Foundation
import SmileyCore
import Testing

@testable import SmileyHub

/// The device-facing storage, one suite for both backends: every case runs on SQLite and, beside a
/// PostgreSQL server (scripts/with-postgres.sh), on PostgreSQL, each in a store of its own.
@Suite struct PressStoreTests {
    static let centre = CentreID(rawValue: "wangdue-dcrc")!
    static let device = DeviceID(rawValue: "wangdue-exit-1")!
    /// 2026-11-02 10:00 in Bhutan (04:00 UTC), a Monday.
    static let mondayTen: Int64 = 1_793_592_000_000
    static let monday = try! LocalDate.parse("2026-11-02")

    /// The centre and its device, added; returns the device's token.
    @discardableResult
    static func prepare(_ store: any PressStore, devices: [DeviceID] = [device]) async throws -> [String] {
        try await store.addCentre(Centre(id: centre, name: "Wangdue DCRC", timeZone: "Asia/Thimphu"))
        var tokens: [String] = []
        for device in devices {
            tokens.append(try await store.addDevice(device, centre: centre, publicKey: nil, nowMillis: 0).value)
        }
        return tokens
    }

    /// A press taken with a synchronised clock, `minutes` after 10:00 on Monday.
    static func press(
        _ sequence: Int64, _ answer: Answer = .happy, minutes: Int64 = 0, device: DeviceID = device,
        suppressed: Bool = false
    ) -> Press {
        Press(
            device: device, boot: "boot-a", sequence: sequence, answer: answer,
            monotonicNanos: 1_000_000_000_000 + sequence * 1_000_000,
            wallClockMillis: mondayTen + minutes * 60_000, clockSynchronised: true, suppressed: suppressed)
    }

    /// A press of a boot whose wall clock read 1970: dated only once the boot's clock is known.
    static func unsynchronised(_ sequence: Int64, boot: String, secondsAfterBoot: Int64, device: DeviceID = device)
        -> Press
    {
        Press(
            device: device, boot: boot, sequence: sequence, answer: .veryHappy,
            monotonicNanos: secondsAfterBoot * 1_000_000_000, wallClockMillis: secondsAfterBoot * 1000,
            clockSynchronised: false)
    }

    static func batch(_ presses: [Press], clock: ClockSample? = nil) -> IngestBatch {
        IngestBatch(device: device, centre: centre, presses: presses, clock: clock)
    }

    static func counts(_ store: any PressStore) async throws -> [HourCount] {
        try await store.hourCounts(
            centre: centre, question: .satisfaction, from: monday.adding(days: -1), to: monday.adding(days: 1),
            device: nil
        ).sorted { ($0.date, $0.hour, $0.score) < ($1.date, $1.hour, $1.score) }
    }

    // MARK: Centres and devices

    @Test(arguments: StoreBackend.available)
    func centresDevicesAndTokens(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            let token = try await Self.prepare(store)[0]
            #expect(
                try await store.centres() == [Centre(id: Self.centre, name: "Wangdue DCRC", timeZone: "Asia/Thimphu")])
            await #expect(throws: HubError.conflict("centre 'wangdue-dcrc' already exists")) {
                try await store.addCentre(Centre(id: Self.centre, name: "Again", timeZone: "Asia/Thimphu"))
            }
            await #expect(throws: HubError.self) {
                try await store.addCentre(Centre(id: CentreID(rawValue: "nowhere")!, name: "X", timeZone: "Mars/Base"))
            }
            let hours = try OpeningHours.parse("mon-fri 09:00-17:00")
            try await store.setOpeningHours(hours, centre: Self.centre)
            let holiday = try LocalDate.parse("2026-12-17")
            try await store.updateHolidays(
                centre: Self.centre, adding: [holiday, Self.monday], removing: [Self.monday])
            #expect(
                try await store.openingCalendar(centre: Self.centre)
                    == OpeningCalendar(hours: hours, holidays: [holiday]))
            await #expect(throws: HubError.notFound("unknown centre 'nowhere'")) {
                try await store.setOpeningHours(nil, centre: CentreID(rawValue: "nowhere")!)
            }

            #expect(
                try await store.authenticate(token: token, nowMillis: 1) == .device(Self.device, centre: Self.centre))
            await #expect(throws: HubError.unauthorized("unknown device token")) {
                try await store.authenticate(token: "smiley_guess", nowMillis: 1)
            }
            await #expect(
                throws: HubError.conflict(
                    "device 'wangdue-exit-1' already exists: revoke it and add the replacement under a new id")
            ) {
                try await store.addDevice(Self.device, centre: Self.centre, publicKey: nil, nowMillis: 2)
            }
            try await store.revokeDevice(Self.device, nowMillis: 3)
            await #expect(throws: HubError.unauthorized("the token of device 'wangdue-exit-1' was revoked")) {
                try await store.authenticate(token: token, nowMillis: 4)
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func deviceListingCountsPressesOnEitherBackend(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            let other = DeviceID(rawValue: "wangdue-entrance-2")!
            try await Self.prepare(store, devices: [Self.device, other])
            _ = try await store.ingest(
                Self.batch([Self.press(1), Self.press(2), Self.press(3)]), receivedMillis: Self.mondayTen)
            let summaries = try await store.devices()
            #expect(summaries.map(\.id) == [other, Self.device])
            #expect(summaries.map(\.presses) == [0, 3])
            #expect(summaries.map(\.highestSequence) == [0, 3])
            let lines = try await store.deviceLines(nowMillis: Self.mondayTen)
            #expect(
                lines == [
                    "wangdue-entrance-2\twangdue-dcrc\t0 presses\thighest sequence 0\tno heartbeat yet",
                    "wangdue-exit-1\twangdue-dcrc\t3 presses\thighest sequence 3\tno heartbeat yet",
                ])
        }
    }

    // MARK: Enrollment

    @Test(arguments: StoreBackend.available)
    func anEnrollmentCodeAddsOneDeviceOnceAndIsRepeatableByItUntilItsTokenIsUsed(_ backend: StoreBackend)
        async throws
    {
        try await backend.withStore { subject in
            let store = subject.store
            try await Self.prepare(store, devices: [])
            let now = Self.mondayTen
            await #expect(
                throws: HubError.unprocessable("unknown centre 'nowhere': add it first with smiley-hub centre add")
            ) {
                try await store.createEnrollmentCode(
                    centre: CentreID(rawValue: "nowhere")!, expiresMillis: now + 60_000, nowMillis: now)
            }
            let code = try await store.createEnrollmentCode(
                centre: Self.centre, expiresMillis: now + 60_000, nowMillis: now)
            #expect(code.count == 14 && code.filter { $0 == "-" }.count == 2)
            await #expect(throws: HubError.self) {
                try await store.redeem(EnrollmentRequest(code: "ABCD-EFGH-JKLM", device: Self.device), nowMillis: now)
            }
            // A device id already in use: refused, and the code stays unused.
            let taken = DeviceID(rawValue: "wangdue-taken")!
            _ = try await store.addDevice(taken, centre: Self.centre, publicKey: nil, nowMillis: now)
            await #expect(throws: HubError.self) {
                try await store.redeem(EnrollmentRequest(code: code, device: taken), nowMillis: now)
            }
            // Lower case and without dashes is the same code.
            let plain = code.lowercased().filter { $0 != "-" }
            let grant = try await store.redeem(EnrollmentRequest(code: plain, device: Self.device), nowMillis: now + 1)
            #expect(grant.device == Self.device && grant.centre == Self.centre && grant.hubTimeMillis == now + 1)
            // The reply was lost: the same device redeems again and only the newest token works.
            let again = try await store.redeem(EnrollmentRequest(code: code, device: Self.device), nowMillis: now + 2)
            #expect(again.token != grant.token)
            await #expect(throws: HubError.unauthorized("unknown device token")) {
                try await store.authenticate(token: grant.token, nowMillis: now + 3)
            }
            #expect(
                try await store.authenticate(token: again.token, nowMillis: now + 3)
                    == .device(Self.device, centre: Self.centre))
            // Another device: the code is spent. The same device, now that its token was used: spent too.
            let other = DeviceID(rawValue: "wangdue-entrance-2")!
            await #expect(
                throws: HubError.conflict(
                    "enrollment code '\(code)' was already used by device 'wangdue-exit-1': ask for a new one")
            ) {
                try await store.redeem(EnrollmentRequest(code: code, device: other), nowMillis: now + 4)
            }
            await #expect(throws: HubError.self) {
                try await store.redeem(EnrollmentRequest(code: code, device: Self.device), nowMillis: now + 4)
            }
            #expect(try await store.devices().map(\.id) == [Self.device, taken])
            // An expired code adds nothing.
            let late = try await store.createEnrollmentCode(
                centre: Self.centre, expiresMillis: now + 10, nowMillis: now)
            await #expect(throws: HubError.self) {
                try await store.redeem(EnrollmentRequest(code: late, device: other), nowMillis: now + 10)
            }
            #expect(try await store.devices().count == 2)
        }
    }

    // MARK: Ingest

    @Test(arguments: StoreBackend.available)
    func aBatchIsStoredAndItsReceiptSaysSo(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            try await Self.prepare(store)
            let presses = [
                Self.press(1, .happy, minutes: 5), Self.press(2, .happy, minutes: 10),
                Self.press(3, .veryHappy, minutes: 70), Self.press(4, .unhappy, minutes: 71, suppressed: true),
            ]
            let receipt = try await store.ingest(Self.batch(presses), receivedMillis: Self.mondayTen + 5_000_000)
            #expect(
                receipt
                    == IngestReceipt(
                        accepted: 4, duplicates: 0, highestSequence: 4, highestContiguousSequence: 4, timeUncertain: 0,
                        hubTimeMillis: Self.mondayTen + 5_000_000))
            #expect(try await store.pressCount(device: nil) == 4)
            #expect(try await store.pressCount(device: Self.device) == 4)
            // The suppressed press is kept but not counted.
            #expect(
                try await Self.counts(store) == [
                    HourCount(date: Self.monday, hour: 10, score: 3, count: 2),
                    HourCount(date: Self.monday, hour: 11, score: 4, count: 1),
                ])
            #expect(try await subject.probe.rollup() == subject.probe.recount())
            #expect(try await subject.probe.centreHour() == subject.probe.centreHourFromRollup())
        }
    }

    @Test(arguments: StoreBackend.available)
    func aRepeatedBatchIsAllDuplicatesAndNothingDoubles(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            try await Self.prepare(store)
            let presses = (1...6).map { Self.press($0, minutes: $0) }
            _ = try await store.ingest(Self.batch(presses), receivedMillis: Self.mondayTen + 600_000)
            let before = try await Self.counts(store)
            let again = try await store.ingest(Self.batch(presses), receivedMillis: Self.mondayTen + 700_000)
            #expect(again.accepted == 0 && again.duplicates == 6)
            #expect(again.highestSequence == 6 && again.highestContiguousSequence == 6)
            let overlapping = try await store.ingest(
                Self.batch((4...9).map { Self.press($0, minutes: $0) }), receivedMillis: Self.mondayTen + 800_000)
            #expect(overlapping.accepted == 3 && overlapping.duplicates == 3)
            #expect(try await store.pressCount(device: nil) == 9)
            #expect(before == [HourCount(date: Self.monday, hour: 10, score: 3, count: 6)])
            #expect(try await Self.counts(store) == [HourCount(date: Self.monday, hour: 10, score: 3, count: 9)])
            #expect(try await subject.probe.rollup() == subject.probe.recount())
            #expect(try await subject.probe.centreHour() == subject.probe.centreHourFromRollup())
        }
    }

    @Test(arguments: StoreBackend.available)
    func aReusedSequenceWithOtherContentIsAConflictAndChangesNothing(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            try await Self.prepare(store)
            _ = try await store.ingest(Self.batch((1...3).map { Self.press($0) }), receivedMillis: Self.mondayTen)
            let rollup = try await subject.probe.rollup()
            let reused = [Self.press(3, .veryUnhappy), Self.press(4)]
            await #expect(
                throws: HubError.conflict(
                    "presses[0]: sequence 3 of device 'wangdue-exit-1' is already held with other content (a replaced store must resume after GET /api/v1/devices/wangdue-exit-1)"
                )
            ) {
                try await store.ingest(Self.batch(reused), receivedMillis: Self.mondayTen + 1000)
            }
            #expect(try await store.pressCount(device: nil) == 3)
            #expect(try await subject.probe.pressKeys() == (1...3).map { "wangdue-exit-1#\($0)" })
            #expect(try await subject.probe.rollup() == rollup)
        }
    }

    @Test(arguments: StoreBackend.available)
    func refusedBatchesAreRefusedByNameAndStoreNothing(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            try await Self.prepare(store)
            let stranger = DeviceID(rawValue: "wangdue-exit-9")!
            let refusals: [(IngestBatch, HubError)] = [
                (
                    Self.batch([Self.press(1), Self.press(3)]),
                    .unprocessable("presses[1]: sequence 3 after 1: a batch must not skip sequence numbers")
                ),
                (
                    IngestBatch(device: stranger, centre: Self.centre, presses: [Self.press(1, device: stranger)]),
                    .unprocessable("unknown device 'wangdue-exit-9': add it with smiley-hub device add")
                ),
                (
                    IngestBatch(
                        device: Self.device, centre: CentreID(rawValue: "paro-dcrc")!, presses: [Self.press(1)]),
                    .unprocessable("unknown centre 'paro-dcrc'")
                ),
                (
                    Self.batch([Self.press(1, device: stranger)]),
                    .forbidden("presses[0].device 'wangdue-exit-9' is not the batch's device 'wangdue-exit-1'")
                ),
            ]
            for (batch, refusal) in refusals {
                await #expect(throws: refusal) { try await store.ingest(batch, receivedMillis: Self.mondayTen) }
            }
            try await store.addCentre(
                Centre(id: CentreID(rawValue: "paro-dcrc")!, name: "Paro", timeZone: "Asia/Thimphu"))
            await #expect(
                throws: HubError.conflict("device 'wangdue-exit-1' belongs to centre 'wangdue-dcrc', not 'paro-dcrc'")
            ) {
                try await store.ingest(
                    IngestBatch(
                        device: Self.device, centre: CentreID(rawValue: "paro-dcrc")!, presses: [Self.press(1)]),
                    receivedMillis: Self.mondayTen)
            }
            #expect(try await store.pressCount(device: nil) == 0)
            #expect(try await subject.probe.rollup().isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func anUnsynchronisedBootIsPlacedOnceItsClockIsKnown(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            try await Self.prepare(store)
            // Booted at 09:00 with the clock at 1970; pressed 30 minutes after boot (09:30).
            let first = try await store.ingest(
                Self.batch([Self.unsynchronised(1, boot: "b1", secondsAfterBoot: 1800)]), receivedMillis: Self.mondayTen
            )
            #expect(first.accepted == 1 && first.timeUncertain == 1)
            #expect(try await store.uncertainCount(centre: Self.centre) == 1)
            #expect(try await store.placement(device: Self.device, sequence: 1)?.status == "uncertain")
            #expect(try await Self.counts(store).isEmpty)
            // Resent while still unknown: a duplicate, still uncertain.
            let again = try await store.ingest(
                Self.batch([Self.unsynchronised(1, boot: "b1", secondsAfterBoot: 1800)]), receivedMillis: Self.mondayTen
            )
            #expect(again.duplicates == 1 && again.timeUncertain == 1)
            // At 10:00 the device talks to the hub: its monotonic clock reads 3600 s.
            let sample = ClockSample(
                boot: "b1", monotonicNanos: 3600 * 1_000_000_000, wallClockMillis: 3_600_000, synchronised: false)
            let placed = try await store.ingest(
                Self.batch([Self.unsynchronised(2, boot: "b1", secondsAfterBoot: 3590)], clock: sample),
                receivedMillis: Self.mondayTen)
            #expect(placed.accepted == 1 && placed.timeUncertain == 0)
            let placement = try #require(try await store.placement(device: Self.device, sequence: 1))
            #expect(placement.status == "corrected" && placement.millis == Self.mondayTen - 1_800_000)
            #expect(try await store.placement(device: Self.device, sequence: 2)?.millis == Self.mondayTen - 10_000)
            #expect(try await store.uncertainCount(centre: Self.centre) == 0)
            #expect(try await Self.counts(store) == [HourCount(date: Self.monday, hour: 9, score: 4, count: 2)])
            // A later, less delayed exchange does not move presses already placed or count them again.
            let later = ClockSample(
                boot: "b1", monotonicNanos: 3700 * 1_000_000_000, wallClockMillis: 3_700_000, synchronised: false)
            _ = try await store.ingest(Self.batch([], clock: later), receivedMillis: Self.mondayTen + 99_000)
            #expect(try await Self.counts(store) == [HourCount(date: Self.monday, hour: 9, score: 4, count: 2)])
            #expect(try await subject.probe.rollup() == subject.probe.recount())
            #expect(try await subject.probe.centreHour() == subject.probe.centreHourFromRollup())
        }
    }

    @Test(arguments: StoreBackend.available)
    func aHeartbeatIsKeptAndItsClockPlacesPresses(_ backend: StoreBackend) async throws {
        try await backend.withStore { subject in
            let store = subject.store
            try await Self.prepare(store)
            _ = try await store.ingest(
                Self.batch([Self.unsynchronised(1, boot: "b7", secondsAfterBoot: 600)]), receivedMillis: Self.mondayTen)
            let heartbeat = Heartbeat(
                device: Self.device, centre: Self.centre, firmwareVersion: "0.1.0", uptimeSeconds: 1200, backlog: 0,
                oldestUnsentMillis: nil, lastPressMillis: nil,
                clock: ClockSample(
                    boot: "b7", monotonicNanos: 1200 * 1_000_000_000, wallClockMillis: 1_200_000, synchronised: false),
                stuckLines: ["GPIO5"], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil)
            try await store.recordHeartbeat(heartbeat, receivedMillis: Self.mondayTen)
            let kept = try #require(try await store.lastHeartbeat(Self.device))
            #expect(kept.heartbeat == heartbeat && kept.receivedMillis == Self.mondayTen)
            #expect(try await store.placement(device: Self.device, sequence: 1)?.millis == Self.mondayTen - 600_000)
            #expect(try await Self.counts(store) == [HourCount(date: Self.monday, hour: 9, score: 4, count: 1)])
        }
    }

    /// Random histories (seeded): retries, overlaps, gaps filled later, two boots whose clocks are learnt
    /// late, suppressed presses. After each history the rollup equals a recount of the presses.
    @Test(arguments: StoreBackend.available)
    func theRollupEqualsARecountOfThePresses(_ backend: StoreBackend) async throws {
        for seed in [3, 17, 41] as [UInt64] {
            try await backend.withStore { subject in
                try await Self.prepare(subject.store)
                _ = try await StoreHistory(seed: seed).replay(into: subject.store)
                let rollup = try await subject.probe.rollup()
                #expect(!rollup.isEmpty)
                #expect(rollup == (try await subject.probe.recount()), "seed \(seed)")
                #expect(try await subject.probe.centreHour() == subject.probe.centreHourFromRollup(), "seed \(seed)")
            }
        }
    }

    /// The same history on both backends gives the same receipts, placements and heatmap rows.
    @Test(.enabled(if: PostgresTestServer.isAvailable, "needs the server of scripts/with-postgres.sh"))
    func bothBackendsAgreeOnTheSameHistory() async throws {
        for seed in [5, 29] as [UInt64] {
            let results = try await [StoreBackend.sqlite, .postgres].asyncMap { backend in
                try await backend.withStore { subject in
                    try await Self.prepare(subject.store)
                    let receipts = try await StoreHistory(seed: seed).replay(into: subject.store)
                    var placements: [String] = []
                    for sequence in Int64(1)...StoreHistory.length {
                        let placement = try await subject.store.placement(device: Self.device, sequence: sequence)
                        placements.append("\(sequence):\(placement?.status ?? "-"):\(placement?.millis ?? -1)")
                    }
                    return SameHistory(
                        receipts: receipts, placements: placements, counts: try await Self.counts(subject.store),
                        rollup: try await subject.probe.rollup())
                }
            }
            #expect(results[0].receipts == results[1].receipts, "seed \(seed)")
            #expect(results[0].placements == results[1].placements, "seed \(seed)")
            #expect(results[0].counts == results[1].counts, "seed \(seed)")
            #expect(results[0].rollup == results[1].rollup, "seed \(seed)")
            #expect(!results[0].counts.isEmpty)
        }
    }

    struct SameHistory: Sendable {
        var receipts: [IngestReceipt]
        var placements: [String]
        var counts: [HourCount]
        var rollup: [StoreProbe.RollupRow]
    }

    // MARK: The PostgreSQL cases must run where CI runs

    @Test func thePostgreSQLCasesRunInCI() {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            #expect(
                PostgresTestServer.isAvailable,
                "CI is set but SMILEY_TEST_POSTGRES_SOCKET is not: run the tests under scripts/with-postgres.sh (make unit-tests does)"
            )
        }
    }
}

/// A device's history of uploads, random but repeatable: batches of one device over two boots (one
/// synchronised, one learnt late from a clock reading), with retries, overlapping resends and gaps
/// filled by a later batch.
struct StoreHistory {
    static let length: Int64 = 120
    var seed: UInt64

    func batches() -> [IngestBatch] {
        var random = SplitMix64(seed: seed)
        let presses = (Int64(1)...Self.length).map { sequence -> Press in
            let answer = Question.satisfaction.answers[Int.random(in: 0..<4, using: &random)]
            let suppressed = Int.random(in: 0..<8, using: &random) == 0
            if sequence <= 50 {
                // Boot a, synchronised: one press every two minutes from 08:00.
                return Press(
                    device: PressStoreTests.device, boot: "boot-a", sequence: sequence, answer: answer,
                    monotonicNanos: 5_000_000_000_000 + sequence * 120_000_000_000,
                    wallClockMillis: PressStoreTests.mondayTen - 7_200_000 + sequence * 120_000,
                    clockSynchronised: true, suppressed: suppressed)
            }
            // Boot b, clock at 1970: one press every 97 seconds after boot.
            return Press(
                device: PressStoreTests.device, boot: "boot-b", sequence: sequence, answer: answer,
                monotonicNanos: (sequence - 50) * 97_000_000_000, wallClockMillis: (sequence - 50) * 97_000,
                clockSynchronised: false, suppressed: suppressed)
        }
        var batches: [IngestBatch] = []
        var next: Int64 = 1
        while next <= Self.length {
            let size = Int64.random(in: 1...15, using: &random)
            var start = next
            // Now and then: resend some held presses with the new ones, or skip ahead and fill in later.
            if next > 5, Int.random(in: 0..<4, using: &random) == 0 {
                start = max(1, next - Int64.random(in: 1...5, using: &random))
            }
            let end = min(Self.length, start + size - 1)
            var clock: ClockSample?
            if end > 50, Int.random(in: 0..<3, using: &random) == 0 {
                // Boot b talks to the hub some 10 000 s after boot.
                clock = ClockSample(
                    boot: "boot-b", monotonicNanos: 10_000_000_000_000 + Int64(batches.count) * 1_000_000_000,
                    wallClockMillis: 10_000_000, synchronised: false)
            }
            let batch = IngestBatch(
                device: PressStoreTests.device, centre: PressStoreTests.centre,
                presses: Array(presses[Int(start - 1)..<Int(end)]), clock: clock)
            batches.append(batch)
            if Int.random(in: 0..<5, using: &random) == 0 { batches.append(batch) }  // a retry
            next = max(next, end + 1)
        }
        return batches
    }

    /// Boot b booted at 07:00 on Monday by the hub's clock (10 000 s before its readings arrive).
    static func receivedMillis(of batch: IngestBatch) -> Int64 {
        guard let clock = batch.clock else { return PressStoreTests.mondayTen + 7_200_000 }
        return PressStoreTests.mondayTen - 10_800_000 + clock.monotonicNanos / 1_000_000
    }

    func replay(into store: any PressStore) async throws -> [IngestReceipt] {
        var receipts: [IngestReceipt] = []
        for batch in batches() {
            receipts.append(try await store.ingest(batch, receivedMillis: Self.receivedMillis(of: batch)))
        }
        return receipts
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
