import AsyncHTTPClient
import Foundation
import Logging
import SmileyCore
import SmileyDevice
import Testing

@Suite struct HeartbeatServiceTests {
    @Test func heartbeatsFollowOneAnotherOnTheInjectedClockWhileTheHubCannotBeReached() async throws {
        let storePath = try DeviceStoreTests().temporaryStorePath()
        let configuration = DeviceConfiguration(
            device: DeviceStoreTests.device, centre: CentreID(rawValue: "c1")!, hub: "http://127.0.0.1:9",
            stateDirectory: (storePath as NSString).deletingLastPathComponent,
            upload: UploadSettings(requestTimeoutMillis: 500, heartbeatSeconds: 120))
        let clock = TestClock(cancelAfterSleeps: 3)
        let log = RecordedLog()
        let service = HeartbeatService(
            configuration: configuration, store: try DeviceStore(path: storePath), health: DeviceHealth(),
            client: HTTPClient.shared, clock: SimulatedClock(bootWallClockMillis: 0), boot: "boot",
            token: "smiley_unused", logger: Logger(label: "test") { _ in RecordingLogHandler(log: log) },
            waitClock: clock)
        try await service.run()
        // Each beat was tried (and refused: nothing listens on port 9), then the service waited one
        // interval on the test clock; the third wait ends the run.
        #expect(clock.sleeps.map(\.offset) == [120, 240, 360].map { Duration.seconds($0) })
        #expect(log.lines.filter { $0.hasPrefix("info: heartbeat not delivered") }.count == 3)
        #expect(FileManager.default.fileExists(atPath: HeartbeatService.healthPath(configuration)))
    }
}
