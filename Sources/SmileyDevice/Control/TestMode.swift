import Foundation
import Logging
import SmileyCore
import Synchronization

/// One technician's connection, as the test mode sees it.
public protocol ButtonTestClient: AnyObject, Sendable {
    /// Queues one line and returns at once; false when the client is too far behind to take it.
    func send(_ line: [UInt8]) -> Bool
    /// Hangs up (at once; never waits for the client).
    func close()
}

/// While a technician's `smileyctl buttons test` runs, presses are test presses: shown to the
/// technician, kept apart from citizens' presses, never uploaded. The test is explicit and bounded
/// (`ButtonTestSession`): it ends at its deadline, read from `clock` at every press and by a timer
/// the control socket sets for the deadline, or when the last technician hangs up. Its start and end are announced on
/// the LEDs and in the log. Nothing here waits for a client: the press path never stalls on one.
public final class TestMode: Sendable {
    private struct State {
        var session: ButtonTestSession
        var clients: [Int: any ButtonTestClient] = [:]
        var nextID = 0
        var announcer: (any Acknowledger)?
    }

    private let state: Mutex<State>
    let clock: any DeviceClock
    let logger: Logger

    /// - Parameter maximumSeconds: the longest a buttons test may last (`control.buttonsTestSeconds`).
    public init(
        clock: any DeviceClock = SystemClock(), maximumSeconds: Int = 300,
        logger: Logger = Logger(label: "smiley-device")
    ) {
        self.clock = clock
        self.logger = logger
        state = Mutex(State(session: ButtonTestSession(maximumNanos: Int64(maximumSeconds) * 1_000_000_000)))
    }

    /// Whether presses are test presses right now (a test whose time is up ends here and now).
    public var isActive: Bool {
        let now = clock.monotonicNanos()
        let (action, active) = state.withLock { state in
            (state.session.advance(toNanos: now), state.session.isActive(atNanos: now))
        }
        perform(action)
        return active
    }

    /// When the running test ends (monotonic nanoseconds), if one runs.
    public var endsAtNanos: Int64? { state.withLock { $0.session.endsAtNanos } }

    /// Where the start and end of a test are shown (the panel LEDs on a real device).
    public func announce(on announcer: any Acknowledger) { state.withLock { $0.announcer = announcer } }

    /// A technician asks for a test of `seconds` (nil or more than the maximum: the maximum).
    /// Returns the id to `leave` with.
    @discardableResult
    public func join(_ client: any ButtonTestClient, seconds: Int? = nil) -> Int {
        let now = clock.monotonicNanos()
        let (expired, started, id) = state.withLock { state in
            let expired = state.session.advance(toNanos: now)
            let id = state.nextID
            state.nextID += 1
            state.clients[id] = client
            let requested = seconds.map { Int64(clamping: $0).multipliedReportingOverflow(by: 1_000_000_000) }
            let started = state.session.join(
                id, atNanos: now, forNanos: requested.map { $0.overflow ? .max : $0.partialValue })
            return (expired, started, id)
        }
        perform(expired)
        perform(started)
        let ready = endsAtNanos.map { "the daemon ends this test in \(($0 - now + 999_999_999) / 1_000_000_000) s" }
        broadcast(ButtonTestEvent(event: "ready", message: ready))
        return id
    }

    /// A technician hung up.
    public func leave(_ id: Int) {
        let (action, client) = state.withLock { state in
            (state.session.leave(id), state.clients.removeValue(forKey: id))
        }
        client?.close()
        perform(action)
    }

    /// Ends a test whose time is up (the control socket calls it at the test's deadline).
    public func expireIfDue() { _ = isActive }

    /// Ends any test and hangs up on every technician (the daemon is stopping).
    public func closeAll() { perform(state.withLock { $0.session.stop() }) }

    /// Sends one JSON line to every technician; one who is too far behind is dropped, never waited for.
    public func broadcast(_ event: ButtonTestEvent) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(event) else { return }
        let line = Array(data) + [UInt8(ascii: "\n")]
        for (id, client) in state.withLock({ $0.clients }) where !client.send(line) {
            logger.notice("buttons test: a technician's view fell behind and was closed")
            leave(id)
        }
    }

    private func perform(_ action: ButtonTestSession.Action) {
        switch action {
        case .none:
            return
        case .started(let until):
            let seconds = (until - clock.monotonicNanos() + 999_999_999) / 1_000_000_000
            logger.notice(
                "buttons test started: presses are test presses for at most \(seconds) s, not citizens' presses")
            state.withLock { $0.announcer }?.announceButtonsTest(active: true)
        case .ended(let reason):
            let clients = state.withLock { state in
                defer { state.clients = [:] }
                return Array(state.clients.values)
            }
            let line = (try? JSONEncoder().encode(ButtonTestEvent(event: "ended", message: reason.rawValue))).map {
                Array($0) + [UInt8(ascii: "\n")]
            }
            for client in clients {
                if let line { _ = client.send(line) }
                client.close()
            }
            logger.notice("buttons test ended (\(reason.rawValue)): presses are citizens' presses again")
            state.withLock { $0.announcer }?.announceButtonsTest(active: false)
        }
    }
}

/// One line of `smileyctl buttons test`'s live view.
public struct ButtonTestEvent: Sendable, Hashable, Codable {
    /// `ready`, `press`, `stuck`, `stuck-cleared`, `events-lost`, `ended` or `refused`.
    public var event: String
    public var line: String?
    public var question: String?
    public var answer: String?
    public var suppressed: Bool?
    public var chord: Bool?
    public var atNanos: Int64?
    /// Why a test ended or was refused, or until when it runs.
    public var message: String?

    public init(
        event: String, line: String? = nil, question: String? = nil, answer: String? = nil, suppressed: Bool? = nil,
        chord: Bool? = nil, atNanos: Int64? = nil, message: String? = nil
    ) {
        self.event = event
        self.line = line
        self.question = question
        self.answer = answer
        self.suppressed = suppressed
        self.chord = chord
        self.atNanos = atNanos
        self.message = message
    }
}
