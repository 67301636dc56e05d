import Foundation
import Logging
import ServiceLifecycle
import SmileyCore
import SmileyDevice
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A technician's live button test over the daemon's control socket: presses are shown, kept apart,
/// and never become citizens' presses.
@Suite struct ButtonTestTests {
    @Test func pressesDuringATestAreShownToTheTechnicianAndKeptApart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bt-\(UUID().uuidString.prefix(8))"
        ).path
        let configuration = DeviceConfiguration(
            device: DeviceID(rawValue: "dev-1")!, centre: CentreID(rawValue: "c1")!, hub: "http://127.0.0.1:1",
            stateDirectory: directory)
        let app = try DeviceApplication(configuration: configuration, logger: Logger(label: "test"))
        let server = ControlSocketServer(
            path: configuration.controlSocketPath, testMode: app.testMode, logger: Logger(label: "control"))
        try await server.start()
        // Root and the daemon's group only: the socket 0660 in a directory of its own, 0750.
        let attributes = try FileManager.default.attributesOfItem(atPath: configuration.controlSocketPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o660)
        let socketDirectory = try FileManager.default.attributesOfItem(
            atPath: (configuration.controlSocketPath as NSString).deletingLastPathComponent)
        #expect((socketDirectory[.posixPermissions] as? NSNumber)?.intValue == 0o750)
        let group = ServiceGroup(services: [server], logger: Logger(label: "control"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let connection = try #require(ButtonTest.connect(path: configuration.controlSocketPath))
            // The live view, read on its own thread while presses happen, until the server closes the
            // connection at shutdown (its own limit only guards against a hang; on a loaded machine
            // this test has taken over two minutes, and a technician who hangs up ends the test).
            let seen = LockedEvents()
            // Generous bounds: a loaded machine can be slow; the waits end as soon as the condition holds.
            let reader = Thread { ButtonTest.follow(connection, seconds: 290) { seen.append($0) } }
            reader.start()
            for _ in 0..<2_000 where !app.testMode.isActive { try await Task.sleep(for: .milliseconds(10)) }
            #expect(app.testMode.isActive)
            let clock = SimulatedClock(bootWallClockMillis: 1_793_577_600_000)
            let recorder = app.recorder(clock: clock, boot: "boot-1")
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: [
                    PressScript.Step(button: 3, atNanos: 1_000_000_000),
                    PressScript.Step(button: 6, atNanos: 2_000_000_000),
                ]), buttons: app.buttonSpecs, configuration: configuration.debounce.debouncerConfiguration, clock: clock
            )
            try await source.run { output in try recorder.handle(output) }
            for _ in 0..<2_000 where seen.events.filter({ $0.event == "press" }).count < 2 {
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

    /// A running control socket for `body`, on a fresh device.
    func withControlSocket(
        access: ControlAccess = ControlAccess(), _ body: (DeviceApplication, String) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bt-\(UUID().uuidString.prefix(8))"
        ).path
        let configuration = DeviceConfiguration(
            device: DeviceID(rawValue: "dev-1")!, centre: CentreID(rawValue: "c1")!, hub: "http://127.0.0.1:1",
            stateDirectory: directory)
        let app = try DeviceApplication(configuration: configuration, logger: Logger(label: "test"))
        let server = ControlSocketServer(
            path: configuration.controlSocketPath, testMode: app.testMode, access: access,
            logger: Logger(label: "control"))
        try await server.start()
        let group = ServiceGroup(services: [server], logger: Logger(label: "control"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body(app, configuration.controlSocketPath)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// A plain connection to the socket that sends `command` (if any) and reads nothing.
    func rawConnection(_ path: String, command: String? = nil, receiveBuffer: Int32? = nil) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(connected == 0)
        if let command { _ = send(fd, command, command.utf8.count, Int32(MSG_NOSIGNAL)) }
        return fd
    }

    @Test func aTechnicianWhoStopsReadingNeverHoldsUpAPress() async throws {
        try await withControlSocket { app, path in
            let stalled = try rawConnection(path, command: "buttons-test\n", receiveBuffer: 4096)
            defer { close(stalled) }
            for _ in 0..<3_000 where !app.testMode.isActive { try await Task.sleep(for: .milliseconds(10)) }
            #expect(app.testMode.isActive)
            // A long live view the technician never reads (megabytes), then a press: neither waits.
            let done = LockedEvents()
            let worker = Thread {
                let event = ButtonTestEvent(event: "stuck", line: String(repeating: "x", count: 200), atNanos: 1)
                for _ in 0..<20_000 { app.testMode.broadcast(event) }
                done.append(ButtonTestEvent(event: "done"))
            }
            worker.start()
            for _ in 0..<3_000 where done.events.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            try #require(!done.events.isEmpty, "broadcasting to a technician who does not read blocked")
            // That technician was dropped, which ended the test: presses count again.
            #expect(!app.testMode.isActive)
            let clock = SimulatedClock(bootWallClockMillis: 1_793_577_600_000)
            let recorder = app.recorder(clock: clock, boot: "boot-1")
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: [PressScript.Step(button: 0, atNanos: 1_000_000_000)]),
                buttons: app.buttonSpecs, configuration: app.configuration.debounce.debouncerConfiguration, clock: clock
            )
            // Stored, not stuck behind the technician: a blocked press path would never finish (bounded at 30 s
            // so that the test ends; a busy machine is far quicker than that).
            let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await source.run { output in try recorder.handle(output) }
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(stored)
            #expect(try app.store.summary().total == 1)
        }
    }

    @Test func aProcessOutsideTheDaemonsGroupIsRefused() async throws {
        // This test's own process stands for the outsider: not root (as far as the check goes), another group.
        try await withControlSocket(access: ControlAccess(allowsRoot: false, group: getgid() &+ 1)) { app, path in
            let fd = try rawConnection(path)
            defer { close(fd) }
            var reply: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1024)
            for _ in 0..<100 {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 50) >= 0 else { break }
                if descriptor.revents == 0 { continue }
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { break }
                reply += buffer[0..<count]
            }
            let line = String(decoding: reply, as: UTF8.self)
            #expect(line.contains(#""event":"refused""#) && line.contains("permission denied"))
            _ = send(fd, "buttons-test\n", 13, Int32(MSG_NOSIGNAL))
            try await Task.sleep(for: .milliseconds(100))
            #expect(!app.testMode.isActive)
        }
        // The same process, with its own group allowed, gets in.
        try await withControlSocket(access: ControlAccess(allowsRoot: false, group: getgid())) { app, path in
            let fd = try rawConnection(path, command: "buttons-test\n")
            defer { close(fd) }
            for _ in 0..<200 where !app.testMode.isActive { try await Task.sleep(for: .milliseconds(10)) }
            #expect(app.testMode.isActive)
        }
    }

    @Test func aButtonsTestEndsByItselfWhenItsTimeIsUp() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bt-\(UUID().uuidString.prefix(8))"
        ).path
        let store = try DeviceStore(path: directory + "/presses.sqlite")
        let clock = SimulatedClock(bootWallClockMillis: 1_793_577_600_000)
        let testMode = TestMode(clock: clock, maximumSeconds: 300, logger: Logger(label: "test"))
        let technician = RecordingClient()
        // Asks for longer than allowed: it gets the maximum.
        testMode.join(technician, seconds: 86_400)
        #expect(testMode.isActive && testMode.endsAtNanos == 300_000_000_000)
        let answers = ButtonConfiguration.defaultLayout.map(\.answer)
        let recorder = PressRecorder(
            store: store, clock: clock, boot: "boot-1", answers: answers,
            acknowledger: LoggingAcknowledger(logger: Logger(label: "test")),
            uploadSignal: UploadSignal(), testMode: testMode, logger: Logger(label: "test"))
        // One press within the test, one after its deadline; the technician never hung up.
        let source = ScriptedButtonSource(
            edges: PressScript.edges(for: [
                PressScript.Step(button: 0, atNanos: 10_000_000_000),
                PressScript.Step(button: 1, atNanos: 400_000_000_000),
            ]), buttons: ButtonConfiguration.specs(ButtonConfiguration.defaultLayout),
            configuration: DebounceSettings().debouncerConfiguration, clock: clock)
        try await source.run { output in try recorder.handle(output) }
        #expect(try store.testPressCount() == 1)
        #expect(try store.summary().total == 1)
        #expect(!testMode.isActive)
        #expect(technician.closed)
        #expect(technician.text.contains(#""event":"ended""#) && technician.text.contains("its time is up"))
    }

    @Test func theSessionEndsAtItsDeadlineOrWithTheLastTechnician() {
        var session = ButtonTestSession(maximumNanos: 300)
        #expect(session.join(1, atNanos: 1000, forNanos: 100) == .started(untilNanos: 1100))
        // A second technician joins; the test does not get longer.
        #expect(session.join(2, atNanos: 1050, forNanos: 1000) == .none)
        #expect(session.leave(1) == .none)
        #expect(session.isActive(atNanos: 1099))
        #expect(session.advance(toNanos: 1099) == .none)
        #expect(session.advance(toNanos: 1100) == .ended(.timeUp))
        #expect(!session.isActive(atNanos: 1100) && session.technicians.isEmpty)
        #expect(session.leave(2) == .none)
        // Asked for nothing in particular, or too much: the maximum. The last to hang up ends it.
        #expect(session.join(3, atNanos: 2000) == .started(untilNanos: 2300))
        #expect(session.leave(3) == .ended(.hungUp))
        #expect(session.join(4, atNanos: 3000, forNanos: .max) == .started(untilNanos: 3300))
        #expect(session.stop() == .ended(.shutdown))
        #expect(session.stop() == .none)
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

/// A technician's connection that keeps what it was sent.
final class RecordingClient: ButtonTestClient, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [UInt8] = []
    private var isClosed = false

    func send(_ line: [UInt8]) -> Bool {
        lock.withLock { lines += line }
        return true
    }
    func close() { lock.withLock { isClosed = true } }
    var closed: Bool { lock.withLock { isClosed } }
    var text: String { lock.withLock { String(decoding: lines, as: UTF8.self) } }
}
