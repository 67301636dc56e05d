import AsyncHTTPClient
import Foundation
import Logging
import SmileyCore
import SmileyDevice
import Testing

@Suite struct UploaderRetryTests {
    @Test func aHubThatIsDownIsRetriedOnTheInjectedClockWithBackoff() async throws {
        let store = try DeviceStore(path: try DeviceStoreTests().temporaryStorePath())
        let clock = TestClock(cancelAfterSleeps: 5)
        let uploader = Uploader(
            store: store, device: DeviceStoreTests.device, centre: CentreID(rawValue: "c1")!,
            hub: URL(string: "http://127.0.0.1:9")!,
            settings: UploadSettings(initialRetryMillis: 100, maximumRetryMillis: 400, requestTimeoutMillis: 200),
            client: HTTPClient.shared, clock: SimulatedClock(bootWallClockMillis: 0), token: "smiley_unused",
            signal: UploadSignal(), logger: Logger(label: "test-uploader"), retryClock: clock,
            random: { FixedRandom(value: .max) })
        try await uploader.run()
        // Caps 100, 200, 400, 400, 400 ms, each drawn at its top by the fixed source, one after the other,
        // all waited on the test clock (the run ends when it cancels the fifth wait).
        #expect(clock.sleeps.map(\.offset) == [100, 300, 700, 1100, 1500].map { Duration.milliseconds($0) })
    }
}
