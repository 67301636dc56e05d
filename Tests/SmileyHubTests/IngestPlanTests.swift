import Foundation
import GRDB
import SmileyCore
import Testing

@testable import SmileyHub

/// The pure pieces batch ingest is built from, with plain data; and the whole of ingest against the
/// invariants it must keep, over random histories of retries, overlaps, gaps and unknown clocks.
@Suite struct IngestPlanTests {
    static let device = DeviceID(rawValue: "punakha-exit-1")!
    static let bucketer = try! HourBucketer(timeZoneIdentifier: "Asia/Thimphu")
    /// 2026-11-02 10:00 in Bhutan (04:00 UTC), a Monday.
    static let mondayTen: Int64 = 1_793_592_000_000

    // MARK: RollupDelta

    @Test func pressesOfOneAnswerAndHourBecomeOneRowWithTheirCountAndScore() throws {
        var delta = RollupDelta()
        let ten = Self.bucketer.localHour(ofMillis: Self.mondayTen)
        let eleven = Self.bucketer.localHour(ofMillis: Self.mondayTen + 3_600_000)
        for _ in 0..<3 { delta.add(device: Self.device, answer: .veryHappy, hour: ten, hourKey: ten.key) }
        delta.add(device: Self.device, answer: .unhappy, hour: ten, hourKey: ten.key)
        delta.add(device: Self.device, answer: .veryHappy, hour: eleven, hourKey: eleven.key)
        let rows = delta.rows
        #expect(rows.count == 3)
        let tenVeryHappy = try #require(rows.first { $0.key.answer == "very-happy" && $0.key.localHour == ten.key })
        #expect(tenVeryHappy.change.count == 3)
        #expect(tenVeryHappy.change.scoreSum == 3 * Answer.veryHappy.score)
        #expect(tenVeryHappy.change.weekday == 1 && tenVeryHappy.change.hour == 10)
        #expect(rows.map(\.key) == rows.map(\.key).sorted())
        #expect(rows.reduce(0) { $0 + $1.change.count } == 5)
    }

    @Test func theCentreRowsSumTheDevicesAndCarryTheDateAndScore() throws {
        var delta = RollupDelta()
        let other = DeviceID(rawValue: "other-exit")!
        let ten = Self.bucketer.localHour(ofMillis: Self.mondayTen)
        let nextDay = Self.bucketer.localHour(ofMillis: Self.mondayTen + 86_400_000)
        for _ in 0..<2 { delta.add(device: Self.device, answer: .happy, hour: ten, hourKey: ten.key) }
        delta.add(device: other, answer: .happy, hour: ten, hourKey: ten.key)
        delta.add(device: other, answer: .hard, hour: nextDay, hourKey: nextDay.key)
        let rows = delta.centreRows
        #expect(rows.count == 2)
        let monday = try #require(rows.first { $0.key.answer == "happy" })
        #expect(monday.change == RollupDelta.CentreChange(score: Answer.happy.score, count: 3))
        #expect(monday.key.day == (try LocalDate.parse("2026-11-02")).daysSinceEpoch && monday.key.hour == 10)
        let tuesday = try #require(rows.first { $0.key.answer == "hard" })
        #expect(tuesday.key.question == "accessibility" && tuesday.key.day == monday.key.day + 1)
        #expect(tuesday.change == RollupDelta.CentreChange(score: Answer.hard.score, count: 1))
        #expect(rows.map(\.key) == rows.map(\.key).sorted())
    }

    @Test func anEmptyDeltaWritesNothing() {
        #expect(RollupDelta().isEmpty)
        #expect(RollupDelta().rows.isEmpty)
        #expect(RollupDelta().centreRows.isEmpty)
    }

    // MARK: BootClockPlan

    static func synchronised(_ offset: Int64) -> BootClockReading {
        BootClockReading(offsetMillis: offset, source: .synchronised)
    }

    static func exchange(_ offset: Int64) -> BootClockReading {
        BootClockReading(offsetMillis: offset, source: .hubExchange)
    }

    @Test func theFirstSynchronisedReadingOfABootIsKept() {
        var plan = BootClockPlan(held: [:])
        plan.offer(boot: "b1", Self.exchange(500))
        plan.offer(boot: "b1", Self.synchronised(100))
        plan.offer(boot: "b1", Self.synchronised(200))
        plan.offer(boot: "b1", Self.exchange(50))
        #expect(plan.offset(of: "b1") == 100)
        #expect(plan.writes.count == 1)
        #expect(plan.writes.first?.reading == Self.synchronised(100))
        #expect(plan.writes.first?.held == false)
    }

    @Test func theSmallestHubEstimateWinsUntilASynchronisedReadingArrives() {
        var plan = BootClockPlan(held: ["b1": Self.exchange(300)])
        plan.offer(boot: "b1", Self.exchange(400))
        #expect(plan.writes.isEmpty)
        #expect(plan.touched == ["b1"])
        plan.offer(boot: "b1", Self.exchange(250))
        #expect(plan.writes.map(\.reading) == [Self.exchange(250)])
        #expect(plan.writes.first?.held == true)
        plan.offer(boot: "b1", Self.synchronised(900))
        #expect(plan.writes.map(\.reading) == [Self.synchronised(900)])
    }

    @Test func aHeldSynchronisedReadingIsNeverReplacedAndNeedsNoWrite() {
        var plan = BootClockPlan(held: ["b1": Self.synchronised(100), "b2": Self.exchange(7)])
        plan.offer(boot: "b1", Self.exchange(1))
        plan.offer(boot: "b1", Self.synchronised(2))
        #expect(plan.offset(of: "b1") == 100)
        #expect(plan.offset(of: "b2") == 7)
        #expect(plan.offset(of: "b3") == nil)
        #expect(plan.writes.isEmpty)
        #expect(plan.touched == ["b1"])
    }

    // MARK: LocalHourMemo

    /// Across daylight-saving changes and zones offset by half and quarter hours, the memo gives what
    /// the calendar gives, minute by minute.
    @Test(arguments: [
        ("Europe/London", Int64(1_792_890_000_000)),  // 2026-10-25 01:00 UTC: back to GMT
        ("Europe/London", Int64(1_774_746_000_000)),  // 2026-03-29 01:00 UTC: to BST
        ("Australia/Lord_Howe", Int64(1_775_314_800_000)),  // 2026-04-04 15:00 UTC: half an hour back
        ("Asia/Kathmandu", Int64(1_793_592_000_000)),  // UTC+05:45
        ("America/St_Johns", Int64(1_793_507_400_000)),  // 2026-11-01 04:30 UTC: -02:30 back to -03:30
        ("Asia/Thimphu", Int64(1_793_592_000_000)),
    ])
    func theMemoAgreesWithTheCalendar(zone: String, around: Int64) throws {
        let bucketer = try HourBucketer(timeZoneIdentifier: zone)
        var memo = LocalHourMemo(bucketer: bucketer)
        // Every 7 minutes 13 s over two days either side, so each quarter hour is met at varied offsets.
        for millis in stride(from: around - 2 * 86_400_000, to: around + 2 * 86_400_000, by: 433_000) {
            let expected = bucketer.localHour(ofMillis: millis)
            let remembered = memo.localHour(ofMillis: millis)
            #expect(remembered.hour == expected, "\(zone) at \(millis)")
            #expect(remembered.key == expected.key)
        }
    }

    // MARK: Ingest as a whole, against its invariants

    /// A device's whole history: boots started at known instants, some presses taken with the clock
    /// synchronised, others with it at 1970; some suppressed.
    static func history(_ random: inout SplitMix64, count: Int) -> [Press] {
        let answers = Question.satisfaction.answers + Question.accessibility.answers
        var presses: [Press] = []
        var boot = 0
        var bootStart = mondayTen - 3 * 86_400_000
        var uptime: Int64 = 5
        for sequence in 1...Int64(count) {
            if Int.random(in: 0..<40, using: &random) == 0 {
                boot += 1
                bootStart += uptime * 1000 + Int64.random(in: 60_000...7_200_000, using: &random)
                uptime = 5
            }
            uptime += Int64.random(in: 1...900, using: &random)
            let synchronised = Int.random(in: 0..<3, using: &random) > 0
            presses.append(
                Press(
                    device: device, boot: "boot-\(boot)", sequence: sequence,
                    answer: answers[Int.random(in: 0..<answers.count, using: &random)],
                    monotonicNanos: uptime * 1_000_000_000,
                    wallClockMillis: synchronised ? bootStart + uptime * 1000 : uptime * 1000,
                    clockSynchronised: synchronised, suppressed: Int.random(in: 0..<8, using: &random) == 0))
        }
        return presses
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func randomHistoriesKeepTheRollupTheReceiptAndTheMarksTrue(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let queue = try DatabaseQueue()
        let database = try HubDatabase(writer: queue)
        let centre = CentreID(rawValue: "punakha-dcrc")!
        try database.addCentre(Centre(id: centre, name: "Punakha", timeZone: "Asia/Thimphu"))
        _ = try database.addDevice(Self.device, centre: centre, nowMillis: 0)
        let presses = Self.history(&random, count: 300)
        var sent: Set<Int64> = []
        for round in 0..<60 {
            // A slice of the history: new, replayed, overlapping, or past a gap.
            let start = Int.random(in: 0..<presses.count, using: &random)
            let end = min(presses.count, start + Int.random(in: 0...25, using: &random))
            let slice = Array(presses[start..<end])
            let clockBoot = slice.last?.boot ?? "boot-0"
            let clock: ClockSample? =
                Bool.random(using: &random)
                ? ClockSample(
                    boot: clockBoot, monotonicNanos: (slice.last?.monotonicNanos ?? 0) + 1_000_000_000,
                    wallClockMillis: 1000, synchronised: false)
                : nil
            let received = Self.mondayTen + Int64(round) * 60_000
            let receipt = try database.ingest(
                IngestBatch(device: Self.device, centre: centre, presses: slice, clock: clock),
                receivedMillis: received)
            let fresh = Set(slice.map(\.sequence)).subtracting(sent)
            #expect(receipt.accepted == fresh.count, "seed \(seed) round \(round)")
            #expect(receipt.duplicates == slice.count - fresh.count)
            sent.formUnion(fresh)
            #expect(receipt.highestSequence == sent.max() ?? 0)
            var contiguous: Int64 = 0
            while sent.contains(contiguous + 1) { contiguous += 1 }
            #expect(receipt.highestContiguousSequence == contiguous)
            let uncertainHeld = try queue.read { db in
                try Set(
                    Int64.fetchAll(
                        db, sql: "SELECT sequence FROM press WHERE time_status = 'uncertain'"))
            }
            #expect(receipt.timeUncertain == Set(slice.map(\.sequence)).intersection(uncertainHeld).count)
        }
        // The rollup is exactly the placed, counted presses grouped by device, answer and local hour.
        try queue.read { db in
            let rollup = try Row.fetchAll(
                db,
                sql: """
                    SELECT device_id, question, answer, local_hour, weekday, hour, count, score_sum FROM hourly_rollup
                    ORDER BY device_id, question, answer, local_hour
                    """)
            let grouped = try Row.fetchAll(
                db,
                sql: """
                    SELECT device_id, question, answer, local_hour,
                        CAST(strftime('%w', substr(local_hour, 1, 10)) AS INTEGER) AS sunday_weekday,
                        CAST(substr(local_hour, 12, 2) AS INTEGER) AS hour,
                        COUNT(*) AS count, SUM(score) AS score_sum
                    FROM press WHERE time_status != 'uncertain' AND suppressed = 0
                    GROUP BY device_id, question, answer, local_hour
                    ORDER BY device_id, question, answer, local_hour
                    """)
            #expect(rollup.count == grouped.count)
            #expect(!rollup.isEmpty)
            for (held, expected) in zip(rollup, grouped) {
                #expect(held["local_hour"] as String == expected["local_hour"] as String)
                #expect(held["answer"] as String == expected["answer"] as String)
                #expect(held["count"] as Int == expected["count"] as Int)
                #expect(held["score_sum"] as Int == expected["score_sum"] as Int)
                #expect(held["hour"] as Int == expected["hour"] as Int)
                #expect(held["weekday"] as Int == ((expected["sunday_weekday"] as Int) + 6) % 7 + 1)
            }
            // Every press placed where its boot's best clock puts it.
            let placedOffBoot = try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM press p JOIN boot_clock c ON c.device_id = p.device_id AND c.boot = p.boot
                    WHERE p.time_status = 'uncertain'
                    """)
            #expect(placedOffBoot == 0, "a press stayed uncertain although its boot's clock is known")
        }
    }
}
