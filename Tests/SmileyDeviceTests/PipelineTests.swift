import Foundation
import Logging
import SmileyCore
import SmileyDevice
import Testing

/// Bouncing presses go through the scripted source, the debouncer and the recorder into the store.
@Suite struct PipelineTests {
    final class CountingAcknowledger: Acknowledger, @unchecked Sendable {
        let lock = NSLock()
        var acknowledged: [Question] = []
        func acknowledge(_ question: Question, suppressed: Bool) { lock.withLock { acknowledged.append(question) } }
    }

    @Test func eachBouncingPressIsStoredOnceAtItsFirstEdgeThenAcknowledged() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-\(UUID().uuidString)")
            .path
        let configuration = DeviceConfiguration(
            device: DeviceID(rawValue: "dev-1")!, centre: CentreID(rawValue: "c1")!, hub: "http://127.0.0.1:1",
            stateDirectory: directory)
        let app = try DeviceApplication(configuration: configuration, logger: Logger(label: "test"))
        let clock = SimulatedClock(bootWallClockMillis: 1_793_577_600_000)
        let acknowledger = CountingAcknowledger()
        let recorder = app.recorder(clock: clock, boot: "boot-1", acknowledger: acknowledger)
        let steps = [
            PressScript.Step(button: 3, atNanos: 10_000_000_000, bounces: 4),
            PressScript.Step(button: 6, atNanos: 20_000_000_000, bounces: 2),
        ]
        let source = ScriptedButtonSource(
            edges: PressScript.edges(for: steps), buttons: app.buttonSpecs,
            configuration: configuration.debounce.debouncerConfiguration, clock: clock)
        try await source.run { output in try recorder.handle(output) }
        let stored = try app.store.unsent(device: configuration.device, limit: 10)
        #expect(stored.map(\.answer) == [.veryHappy, .easy])
        #expect(stored.map(\.monotonicNanos) == [10_000_000_000, 20_000_000_000])
        #expect(stored.map(\.wallClockMillis) == [1_793_577_610_000, 1_793_577_620_000])
        #expect(acknowledger.acknowledged == [.satisfaction, .accessibility])
    }

    @Test func demoTrafficIsClosedOnSundaysAndDipsAtLunch() throws {
        let traffic = try DemoTraffic(settings: SimulationSettings(historyDays: 28, seed: 7, timeZone: "Asia/Thimphu"))
        let start = Date(timeIntervalSince1970: 1_793_491_200)  // Sunday 2026-11-01 00:00 UTC
        let visits = traffic.visits(from: start, to: start.addingTimeInterval(28 * 86_400))
        let bucketer = try HourBucketer(timeZoneIdentifier: "Asia/Thimphu")
        let hours = visits.filter { $0.answer.question == .satisfaction }.map {
            bucketer.localHour(ofMillis: $0.wallClockMillis)
        }
        #expect(hours.count > 500)
        #expect(!hours.contains { $0.weekday == 7 })
        #expect(hours.allSatisfy { (9...16).contains($0.hour) })
        let morning = hours.filter { $0.hour == 10 }.count
        let lunch = hours.filter { $0.hour == 12 }.count
        #expect(morning > 2 * lunch)
    }
}
