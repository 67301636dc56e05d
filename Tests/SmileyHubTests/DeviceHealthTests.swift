import Foundation
import GRDB
import SmileyCore
import SmileyHub
import Testing

@Suite struct DeviceHealthTests {
    func heartbeat(_ device: DeviceID, _ centre: CentreID, at millis: Int64, stuck: [String] = []) -> Heartbeat {
        Heartbeat(
            device: device, centre: centre, firmwareVersion: "test", uptimeSeconds: 60, backlog: 0,
            oldestUnsentMillis: nil, lastPressMillis: nil,
            clock: ClockSample(boot: "hb", monotonicNanos: 1_000_000_000, wallClockMillis: millis, synchronised: true),
            stuckLines: stuck, lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil)
    }

    @Test func aDeviceThatReportsInButHasNoPressesForTwoOpeningHoursIsSilent() async throws {
        var hub = try ReadSideFixture()
        // Last press Wednesday 25 November at 09:10; opening hours Mon-Fri 09:00-17:00.
        try hub.press(.happy, 1, on: (2026, 11, 25), at: 9)
        func health(at millis: Int64, heartbeatAt beat: Int64) async throws -> DeviceHealth {
            try hub.database.recordHeartbeat(
                heartbeat(ReadSideFixture.device, ReadSideFixture.centre, at: beat, stuck: ["GPIO13"]),
                receivedMillis: beat)
            let reader = CentreReader(database: hub.database, clock: .fixed(millis), settings: ReportSettings())
            return try #require(try await reader.deviceHealth(of: try await reader.centre("paro-dcrc")).first)
        }
        // 10:30: only the 10:00 hour has passed whole since the press: not yet silent.
        let early = try await health(
            at: ReadSideFixture.thimphu(2026, 11, 25, 10, 30),
            heartbeatAt: ReadSideFixture.thimphu(2026, 11, 25, 10, 29))
        #expect(early.openHoursSinceLastPress == 0)
        #expect(!early.silent && !early.offline)
        #expect(early.heartbeat?.stuckLines == ["GPIO13"])
        // 12:05: 10:00, 11:00 have passed: silent.
        let noon = try await health(
            at: ReadSideFixture.thimphu(2026, 11, 25, 12, 5), heartbeatAt: ReadSideFixture.thimphu(2026, 11, 25, 12, 0))
        #expect(noon.openHoursSinceLastPress == 2 && noon.silent && !noon.offline)
        // The heartbeats stop at 12:00; at 12:30 the device is offline (and not called silent).
        let late = try await health(
            at: ReadSideFixture.thimphu(2026, 11, 25, 12, 30), heartbeatAt: ReadSideFixture.thimphu(2026, 11, 25, 12, 0)
        )
        #expect(late.offline && !late.silent)
        // Overnight the centre is closed: no hours count, and a quiet heartbeat is not "offline".
        let night = try await health(
            at: ReadSideFixture.thimphu(2026, 11, 25, 22, 0), heartbeatAt: ReadSideFixture.thimphu(2026, 11, 25, 17, 0))
        #expect(night.openHoursSinceLastPress == 7 && !night.offline && !night.silent)
    }
}
