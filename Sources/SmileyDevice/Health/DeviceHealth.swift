import Foundation
import SmileyCore

/// What the device knows about its own condition, updated by the button loop and the recorder and
/// read by the heartbeat and `smileyctl status`.
public final class DeviceHealth: @unchecked Sendable {
    private let lock = NSLock()
    private var stuck: Set<String> = []
    private var lost = 0
    private var lastPress: Int64?
    private var suppressed = 0
    public let startedAt = Date()

    public init() {}

    func setStuck(_ line: String, _ isStuck: Bool) {
        lock.withLock {
            if isStuck { stuck.insert(line) } else { stuck.remove(line) }
        }
    }

    func addLostEvents(_ count: Int) { lock.withLock { lost += count } }
    func pressed(atMillis millis: Int64, suppressed wasSuppressed: Bool = false) {
        lock.withLock {
            lastPress = millis
            if wasSuppressed { suppressed += 1 }
        }
    }

    public var stuckLines: [String] { lock.withLock { stuck.sorted() } }
    public var lostEvents: Int { lock.withLock { lost } }
    public var lastPressMillis: Int64? { lock.withLock { lastPress } }
    /// Presses stored flagged suppressed since the daemon started.
    public var suppressedPresses: Int { lock.withLock { suppressed } }
}

/// Free bytes on the file system holding `path`.
func freeDiskBytes(at path: String) -> Int64 {
    guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path),
        let free = attributes[.systemFreeSize] as? NSNumber
    else { return -1 }
    return free.int64Value
}
