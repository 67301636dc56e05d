import Foundation
import SmileyCore

/// While a technician's `smileyctl buttons test` is connected to the control socket, presses are
/// test presses: shown to the technician, kept apart from citizens' presses, never uploaded.
public final class TestMode: @unchecked Sendable {
    private let lock = NSLock()
    private var clients: [Int32] = []

    public init() {}

    public var isActive: Bool { lock.withLock { !clients.isEmpty } }

    func add(_ client: Int32) { lock.withLock { clients.append(client) } }

    func remove(_ client: Int32) {
        let removed = lock.withLock {
            guard let index = clients.firstIndex(of: client) else { return false }
            clients.remove(at: index)
            return true
        }
        if removed { close(client) }
    }

    /// Sends one JSON line to every connected technician; a client that cannot take it is dropped.
    public func broadcast(_ event: ButtonTestEvent) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(event) else { return }
        let line = Array(data) + [UInt8(ascii: "\n")]
        for client in lock.withLock({ clients }) {
            let written = line.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written != line.count { remove(client) }
        }
    }

    func closeAll() {
        for client in lock.withLock({ clients }) { remove(client) }
    }
}

/// One line of `smileyctl buttons test`'s live view.
public struct ButtonTestEvent: Sendable, Hashable, Codable {
    /// `ready`, `press`, `stuck`, `stuck-cleared` or `events-lost`.
    public var event: String
    public var line: String?
    public var question: String?
    public var answer: String?
    public var suppressed: Bool?
    public var chord: Bool?
    public var atNanos: Int64?

    public init(
        event: String, line: String? = nil, question: String? = nil, answer: String? = nil, suppressed: Bool? = nil,
        chord: Bool? = nil, atNanos: Int64? = nil
    ) {
        self.event = event
        self.line = line
        self.question = question
        self.answer = answer
        self.suppressed = suppressed
        self.chord = chord
        self.atNanos = atNanos
    }
}
