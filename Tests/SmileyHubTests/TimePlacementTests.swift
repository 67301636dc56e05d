import Foundation
import GRDB
import SmileyCore
import SmileyHub
import Testing

/// Presses from devices whose clock was wrong land in the right hour once their boot's clock is known.
@Suite struct TimePlacementTests {
    static let centre = CentreID(rawValue: "haa-dcrc")!
    static let device = DeviceID(rawValue: "haa-exit-1")!
    /// 2026-11-02 10:00 in Bhutan (04:00 UTC), a Monday.
    static let mondayTen: Int64 = 1_793_592_000_000

    func makeDatabase() throws -> HubDatabase {
        let database = try HubDatabase(writer: DatabaseQueue())
        try database.addCentre(Centre(id: Self.centre, name: "Haa", timeZone: "Asia/Thimphu"))
        _ = try database.addDevice(Self.device, centre: Self.centre, nowMillis: 0)
        return database
    }

    /// A press taken `secondsAfterBoot` into boot `boot`, with the wall clock reading 1970 unless synchronised.
    static func press(_ sequence: Int64, boot: String, secondsAfterBoot: Int64, synchronisedWall: Int64? = nil) -> Press
    {
        Press(
            device: device, boot: boot, sequence: sequence, answer: .veryHappy,
            monotonicNanos: secondsAfterBoot * 1_000_000_000,
            wallClockMillis: synchronisedWall ?? secondsAfterBoot * 1000, clockSynchronised: synchronisedWall != nil)
    }

    @Test func pressesOfAnUnknownClockAreKeptButLeftOutOfTheHeatmap() throws {
        let database = try makeDatabase()
        let receipt = try database.ingest(
            IngestBatch(
                device: Self.device, centre: Self.centre, presses: [Self.press(1, boot: "b1", secondsAfterBoot: 60)]),
            receivedMillis: Self.mondayTen)
        #expect(receipt.accepted == 1 && receipt.timeUncertain == 1)
        #expect(try database.heatmap(centre: Self.centre, question: .satisfaction).totalCount == 0)
        #expect(try database.uncertainCount(centre: Self.centre) == 1)
        #expect(try database.placement(device: Self.device, sequence: 1)?.status == "uncertain")
    }

    @Test func aClockSampleOfTheSameBootPlacesEarlierPressesInTheirHour() throws {
        let database = try makeDatabase()
        // Booted at 09:00; pressed 30 minutes after boot (09:30) with the clock at 1970.
        _ = try database.ingest(
            IngestBatch(
                device: Self.device, centre: Self.centre, presses: [Self.press(1, boot: "b1", secondsAfterBoot: 1800)]),
            receivedMillis: Self.mondayTen)
        // At 10:00 the device talks to the hub: its monotonic clock reads 3600 s, its wall clock still 1970.
        let sample = ClockSample(
            boot: "b1", monotonicNanos: 3600 * 1_000_000_000, wallClockMillis: 3_600_000, synchronised: false)
        let receipt = try database.ingest(
            IngestBatch(device: Self.device, centre: Self.centre, presses: [], clock: sample),
            receivedMillis: Self.mondayTen)
        #expect(receipt.timeUncertain == 0)
        let placement = try #require(try database.placement(device: Self.device, sequence: 1))
        #expect(placement.status == "corrected")
        #expect(placement.millis == Self.mondayTen - 1_800_000)
        #expect(
            try database.heatmap(centre: Self.centre, question: .satisfaction).cells == [
                HeatmapCell(weekday: 1, hour: 9, count: 1, index: 100)
            ])
        #expect(try database.uncertainCount(centre: Self.centre) == 0)
    }

    @Test func aSynchronisedPressDatesTheUnsynchronisedPressesOfItsBoot() throws {
        let database = try makeDatabase()
        let presses = [
            Self.press(1, boot: "b1", secondsAfterBoot: 100),
            // NTP set the clock: 4000 s after boot is 10:00.
            Self.press(2, boot: "b1", secondsAfterBoot: 4000, synchronisedWall: Self.mondayTen),
        ]
        let receipt = try database.ingest(
            IngestBatch(device: Self.device, centre: Self.centre, presses: presses),
            receivedMillis: Self.mondayTen + 60_000)
        #expect(receipt.timeUncertain == 0)
        #expect(try database.placement(device: Self.device, sequence: 1)?.millis == Self.mondayTen - 3_900_000)
        #expect(try database.placement(device: Self.device, sequence: 2)?.status == "device-clock")
    }

    @Test func anEarlierBootThatNeverSynchronisedStaysUncertain() throws {
        let database = try makeDatabase()
        let sample = ClockSample(
            boot: "b2", monotonicNanos: 50 * 1_000_000_000, wallClockMillis: 50_000, synchronised: false)
        let receipt = try database.ingest(
            IngestBatch(
                device: Self.device, centre: Self.centre,
                presses: [
                    Self.press(1, boot: "b1", secondsAfterBoot: 10), Self.press(2, boot: "b2", secondsAfterBoot: 20),
                ],
                clock: sample),
            receivedMillis: Self.mondayTen)
        #expect(receipt.timeUncertain == 1)
        #expect(try database.placement(device: Self.device, sequence: 1)?.status == "uncertain")
        #expect(try database.placement(device: Self.device, sequence: 2)?.status == "corrected")
    }

    @Test func theLeastDelayedExchangeGivesTheOffset() throws {
        let database = try makeDatabase()
        _ = try database.ingest(
            IngestBatch(
                device: Self.device, centre: Self.centre, presses: [Self.press(1, boot: "b1", secondsAfterBoot: 10)]),
            receivedMillis: Self.mondayTen)
        // Two exchanges: the first spent 2 s in transit, the second 50 ms.
        for (sent, transit) in [(Int64(100), Int64(2000)), (Int64(200), Int64(50))] {
            let sample = ClockSample(
                boot: "b1", monotonicNanos: sent * 1_000_000_000, wallClockMillis: 0, synchronised: false)
            _ = try database.ingest(
                IngestBatch(device: Self.device, centre: Self.centre, presses: [], clock: sample),
                receivedMillis: Self.mondayTen + sent * 1000 + transit)
        }
        // Press 1 was placed once, with the only estimate known when its clock became known: late by
        // that exchange's 2 s in transit.
        #expect(try database.placement(device: Self.device, sequence: 1)?.millis == Self.mondayTen + 12_000)
        // A later press of that boot is placed with the least delayed exchange: late by its 50 ms only.
        _ = try database.ingest(
            IngestBatch(
                device: Self.device, centre: Self.centre, presses: [Self.press(2, boot: "b1", secondsAfterBoot: 300)]),
            receivedMillis: Self.mondayTen + 400_000)
        #expect(try database.placement(device: Self.device, sequence: 2)?.millis == Self.mondayTen + 300_050)
    }

    @Test func aSynchronisedPressFarInTheFutureIsRefused() throws {
        let database = try makeDatabase()
        let future = Self.press(1, boot: "b1", secondsAfterBoot: 1, synchronisedWall: Self.mondayTen + 3 * 86_400_000)
        #expect(throws: HubError.self) {
            try database.ingest(
                IngestBatch(device: Self.device, centre: Self.centre, presses: [future]), receivedMillis: Self.mondayTen
            )
        }
        #expect(try database.pressCount() == 0)
    }

    @Test func theReceiptSaysUpToWhereTheHubHoldsEveryPress() throws {
        let database = try makeDatabase()
        let synced = { (sequence: Int64) in
            Self.press(sequence, boot: "b1", secondsAfterBoot: sequence, synchronisedWall: Self.mondayTen + sequence)
        }
        _ = try database.ingest(
            IngestBatch(device: Self.device, centre: Self.centre, presses: [synced(1), synced(2)]),
            receivedMillis: Self.mondayTen)
        // A later batch that starts past a gap is taken (refusing it would stop the device for
        // good); the receipt shows the gap.
        let first = try database.ingest(
            IngestBatch(device: Self.device, centre: Self.centre, presses: [synced(4)]), receivedMillis: Self.mondayTen)
        #expect(first.highestSequence == 4 && first.highestContiguousSequence == 2)
        let second = try database.ingest(
            IngestBatch(device: Self.device, centre: Self.centre, presses: [synced(3)]), receivedMillis: Self.mondayTen)
        #expect(second.highestContiguousSequence == 4)
    }
}
