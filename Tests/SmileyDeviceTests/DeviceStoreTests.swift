import Foundation
import SmileyCore
import SmileyDevice
import Testing

@Suite struct DeviceStoreTests {
    static let device = DeviceID(rawValue: "dev-1")!

    static func recorded(_ answer: Answer, at millis: Int64 = 1_000) -> RecordedPress {
        RecordedPress(
            boot: "boot", answer: answer, monotonicNanos: millis * 1_000_000, wallClockMillis: millis,
            clockSynchronised: true, suppressed: false)
    }

    func temporaryStorePath() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smiley-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("presses.sqlite").path
    }

    @Test func sequenceNumbersAreNeverReusedAcrossRestarts() throws {
        let path = try temporaryStorePath()
        let first = try DeviceStore(path: path)
        #expect(try first.record(Self.recorded(.happy), recordedAtMillis: 1) == 1)
        #expect(try first.record(Self.recorded(.easy), recordedAtMillis: 2) == 2)
        try first.markUploaded(sequences: [1, 2], atMillis: 3)
        // A restart: the same file opened again.
        let second = try DeviceStore(path: path)
        #expect(try second.record(Self.recorded(.unhappy), recordedAtMillis: 4) == 3)
        #expect(
            try second.summary()
                == StoreSummary(
                    total: 3, backlog: 1, oldestUnsentRecordedAtMillis: 4, lastSequence: 3, lastUploadMillis: 3))
    }

    @Test func onlyAcknowledgedPressesAreMarkedAndTheRestStayInOrder() throws {
        let store = try DeviceStore(path: try temporaryStorePath())
        for index in 1...5 {
            _ = try store.record(Self.recorded(.happy, at: Int64(index)), recordedAtMillis: Int64(index))
        }
        #expect(try store.unsent(device: Self.device, limit: 2).map(\.sequence) == [1, 2])
        try store.markUploaded(sequences: [1, 2], atMillis: 10)
        let rest = try store.unsent(device: Self.device, limit: 10)
        #expect(rest.map(\.sequence) == [3, 4, 5])
        #expect(rest.allSatisfy { $0.device == Self.device && $0.answer == .happy })
    }

    @Test func aReplacedStoreRenumbersItsUnsentPressesAfterTheHubsAndContinuesFromThere() throws {
        let store = try DeviceStore(path: try temporaryStorePath())
        for index in 1...3 { _ = try store.record(Self.recorded(.happy, at: Int64(index)), recordedAtMillis: 1) }
        #expect(try !store.knowsHubBaseline())
        #expect(try store.resumeAfter(hubHighestSequence: 40) == 40)
        #expect(try store.knowsHubBaseline())
        #expect(try store.unsent(device: Self.device, limit: 10).map(\.sequence) == [41, 42, 43])
        #expect(try store.record(Self.recorded(.easy), recordedAtMillis: 2) == 44)
    }

    @Test func aStoreThatAlreadyUploadedIsNeverRenumbered() throws {
        let store = try DeviceStore(path: try temporaryStorePath())
        _ = try store.record(Self.recorded(.happy), recordedAtMillis: 1)
        try store.markUploaded(sequences: [1], atMillis: 2)
        #expect(try store.knowsHubBaseline())
        #expect(try store.resumeAfter(hubHighestSequence: 1) == 0)
        #expect(try store.record(Self.recorded(.easy), recordedAtMillis: 3) == 2)
    }

    @Test func overBudgetOnlyPressesTheHubHoldsAreDeletedOldestFirst() throws {
        let store = try DeviceStore(path: try temporaryStorePath())
        for index in 1...1200 { _ = try store.record(Self.recorded(.happy, at: Int64(index)), recordedAtMillis: 1) }
        try store.markUploaded(sequences: Array(1...1100), atMillis: 2)
        #expect(try store.prune(budget: 1000) == 300)
        let summary = try store.summary()
        #expect(summary.total == 900 && summary.backlog == 100)
        #expect(try store.unsent(device: Self.device, limit: 1).first?.sequence == 1101)
        // A backlog bigger than the budget is never touched.
        #expect(try store.prune(budget: 50) == 800)
        #expect(try store.summary().backlog == 100)
        #expect(try store.record(Self.recorded(.easy), recordedAtMillis: 3) == 1201)
    }

    @Test func theHeartbeatWarnsLongBeforeTheBudgetIsReached() {
        let storage = StorageSettings(maximumPresses: 1000)
        #expect(storage.warning(backlog: 799) == nil)
        #expect(storage.warning(backlog: 800)?.contains("80% of the storage budget") == true)
        #expect(storage.warning(backlog: 1000)?.contains("over budget") == true)
    }

    @Test func theStoreIsInWALModeWithFullSynchronousCommits() throws {
        let path = try temporaryStorePath()
        let durability = try DeviceStore(path: path).durability()
        #expect(durability.journalMode == "wal")
        #expect(durability.synchronous == 2)
    }
}

@Suite struct SetAsidePressTests {
    @Test func aSetAsidePressIsKeptNeverSentNeverPrunedAndListedNewestFirst() throws {
        let store = try DeviceStore(path: try DeviceStoreTests().temporaryStorePath())
        for index in 1...14 {
            _ = try store.record(DeviceStoreTests.recorded(.happy, at: Int64(index)), recordedAtMillis: Int64(index))
        }
        try store.setAside(
            sequence: 2, status: 422, message: "presses[1]: too far ahead\u{1B}[2J\r\nforged", atMillis: 50)
        #expect(try store.unsent(device: DeviceStoreTests.device, limit: 3).map(\.sequence) == [1, 3, 4])
        let summary = try store.summary()
        #expect(summary.backlog == 13 && summary.setAside == 1 && summary.total == 14)
        try store.markUploaded(sequences: Array(1...14), atMillis: 60)
        // Marking a set-aside press uploaded does nothing: only the hub's receipt for it could.
        #expect(try store.summary().setAside == 1)
        #expect(try store.prune(budget: 1) > 0)
        let kept = try store.setAsidePresses()
        #expect(kept.map(\.sequence) == [2])
        #expect(kept.first?.status == 422)
        // What the hub said, without the control characters a terminal would obey.
        #expect(kept.first?.message == "presses[1]: too far ahead [2J  forged")
        #expect(try store.summary().total == 1)
    }

    @Test func theHeartbeatsReportIsBoundedAndAbsentWhenNothingIsSetAside() throws {
        let store = try DeviceStore(path: try DeviceStoreTests().temporaryStorePath())
        for index in 1...14 {
            _ = try store.record(DeviceStoreTests.recorded(.happy, at: Int64(index)), recordedAtMillis: Int64(index))
        }
        #expect(try store.setAsideReport() == nil)
        for sequence in 1...12 {
            try store.setAside(
                sequence: Int64(sequence), status: 422, message: String(repeating: "x", count: 5000),
                atMillis: Int64(100 + sequence))
        }
        let report = try #require(try store.setAsideReport())
        #expect(report.count == 12)
        #expect(report.latest.map(\.sequence) == Array((3...12).reversed()))
        #expect(report.latest.allSatisfy { $0.message.count == SetAsideReport.maximumMessageLength })
    }
}
