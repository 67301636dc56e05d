import Foundation
import Logging
import ServiceLifecycle
import SmileyCore
import SmileyDevice
import Testing

/// A technician's live button test over the daemon's control socket: presses are shown, kept apart,
/// and never become citizens' presses.
@Suite struct ButtonTestTests {
    @Test func pressesDuringATestAreShownToTheTechnicianAndKeptApart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bt-\(UUID().uuidString.prefix(8))").path
        let configuration = DeviceConfiguration(
            device: DeviceID(rawValue: "dev-1")!, centre: CentreID(rawValue: "c1")!, hub: "http://127.0.0.1:1",
            stateDirectory: directory)
        let app = try DeviceApplication(configuration: configuration, logger: Logger(label: "test"))
        let server = ControlSocketServer(
            path: configuration.controlSocketPath, testMode: app.testMode, logger: Logger(label: "control"))
        try server.start()
        let attributes = try FileManager.default.attributesOfItem(atPath: configuration.controlSocketPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let group = ServiceGroup(services: [server], logger: Logger(label: "control"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let connection = try #require(ButtonTest.connect(path: configuration.controlSocketPath))
            // The live view, read on its own thread while presses happen.
            let seen = LockedEvents()
            let reader = Thread { ButtonTest.follow(connection, seconds: 3) { seen.append($0) } }
            reader.start()
            for _ in 0..<100 where !app.testMode.isActive { try await Task.sleep(for: .milliseconds(10)) }
            #expect(app.testMode.isActive)
            let clock = SimulatedClock(bootWallClockMillis: 1_793_577_600_000)
            let recorder = app.recorder(clock: clock, boot: "boot-1")
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: [
                    PressScript.Step(button: 3, atNanos: 1_000_000_000), PressScript.Step(button: 6, atNanos: 2_000_000_000),
                ]), buttons: app.buttonSpecs, configuration: configuration.debounce.debouncerConfiguration, clock: clock)
            try await source.run { output in try recorder.handle(output) }
            for _ in 0..<300 where seen.events.filter({ $0.event == "press" }).count < 2 {
                try await Task.sleep(for: .milliseconds(10))
            }
            let presses = seen.events.filter { $0.event == "press" }
            #expect(presses.map(\.answer) == ["very-happy", "easy"])
            #expect(presses.map(\.line) == ["GPIO19", "GPIO21"])
            #expect(try app.store.summary().total == 0)
            #expect(try app.store.testPressCount() == 2)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(!FileManager.default.fileExists(atPath: configuration.controlSocketPath))
    }

    @Test func withoutADaemonThereIsNothingToConnectTo() {
        #expect(ButtonTest.connect(path: "/nonexistent/control.sock") == nil)
    }
}

final class LockedEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [ButtonTestEvent] = []
    func append(_ event: ButtonTestEvent) { lock.withLock { stored.append(event) } }
    var events: [ButtonTestEvent] { lock.withLock { stored } }
}
