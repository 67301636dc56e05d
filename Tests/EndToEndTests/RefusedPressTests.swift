import AsyncHTTPClient
import Foundation
import Logging
import SmileyCore
import SmileyDevice
import SmileyHub
import Testing

/// One press the hub refuses must not hold back the others: it is set aside on the device, kept,
/// and shown, and the presses around it reach the hub.
@Suite struct RefusedPressTests {
    @Test func aPressTheHubRefusesIsSetAsideAndTheRestAreDelivered() async throws {
        try await PressToHeatmapTests().withHub { hub in
            let configuration = DeviceConfiguration(
                device: PressToHeatmapTests.device, centre: PressToHeatmapTests.thimphu, hub: hub.url,
                stateDirectory: hub.directory + "/device")
            let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            // Seven presses of one synchronised boot; the fourth is dated two days ahead (a bad time source).
            for index in 0..<7 {
                let wall = index == 3 ? now + 2 * 86_400_000 : now - 3_600_000 + Int64(index) * 60_000
                _ = try device.store.record(
                    RecordedPress(
                        boot: "boot-1", answer: .happy, monotonicNanos: Int64(index + 1) * 60_000_000_000,
                        wallClockMillis: wall, clockSynchronised: true, suppressed: false),
                    recordedAtMillis: now)
            }
            let uploader = Uploader(
                store: device.store, device: PressToHeatmapTests.device, centre: PressToHeatmapTests.thimphu,
                hub: URL(string: hub.url)!, settings: configuration.upload, client: HTTPClient.shared,
                clock: SimulatedClock(bootWallClockMillis: now - 7_200_000), boot: "boot-1", token: hub.token,
                signal: UploadSignal(), logger: Logger(label: "test-uploader"))
            #expect(try await uploader.drain() == 6)
            #expect(try hub.database.pressCount() == 6)
            let summary = try device.store.summary()
            #expect(summary.backlog == 0 && summary.setAside == 1 && summary.total == 7)
            // What `smileyctl status` lists and the heartbeat reports: the press and the hub's words.
            let setAside = try device.store.setAsidePresses()
            #expect(setAside.map(\.sequence) == [4])
            #expect(setAside.first?.status == 422)
            #expect(setAside.first?.message.contains("more than a day ahead") == true)
            let heartbeat = try HeartbeatService(
                configuration: configuration, store: device.store, health: device.health, client: HTTPClient.shared,
                clock: SystemClock(), boot: "boot-1", token: hub.token, logger: Logger(label: "test-heartbeat")
            ).heartbeat()
            #expect(heartbeat.setAside?.count == 1)
            #expect(heartbeat.setAside?.latest.first?.sequence == 4)
            // Later presses flow too, and the set-aside press is not sent again.
            _ = try device.store.record(
                RecordedPress(
                    boot: "boot-1", answer: .easy, monotonicNanos: 600_000_000_000, wallClockMillis: now,
                    clockSynchronised: true, suppressed: false),
                recordedAtMillis: now)
            #expect(try await uploader.drain() == 1)
            #expect(try hub.database.pressCount() == 7)
            #expect(try device.store.summary().setAside == 1)
        }
    }
}
