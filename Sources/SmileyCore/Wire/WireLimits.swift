/// The ranges the numbers and texts a device sends must fall in. A value outside cannot be a real
/// reading; inside them, the hub's arithmetic on times and sequence numbers cannot overflow.
public enum WireLimits {
    /// Sequence numbers run from 1 up to 2^53 (exact in every JSON implementation).
    public static let sequences: ClosedRange<Int64> = 1...(1 << 53)
    /// A monotonic clock reading: non-negative and under 100 years since boot.
    public static let monotonicNanos: ClosedRange<Int64> = 0...(100 * 365 * 86_400 * 1_000_000_000)
    /// Any wall-clock reading, synchronised or not (an unsynchronised clock may read 1970, or worse).
    public static let wallClockMillis: ClosedRange<Int64> = -(1 << 53)...(1 << 53)
    /// Where a press may be placed in time: 2000-01-01T00:00:00Z up to 2100-01-01T00:00:00Z. A
    /// synchronised clock reading outside this span is refused; a computed placement outside it is
    /// left uncertain.
    public static let plausibleMillis: Range<Int64> = 946_684_800_000..<4_102_444_800_000
    /// Counters and sizes a heartbeat reports.
    public static let counts: ClosedRange<Int64> = 0...(1 << 53)
    /// Boot ids, firmware versions and line names.
    public static let shortTextBytes = 64
    /// A heartbeat's storage warning.
    public static let messageBytes = 256
    /// Lines a heartbeat may report stuck.
    public static let maximumStuckLines = 64

    /// Why `text` is not acceptable as a short field, or nil when it is.
    public static func problem(text: String, maximumBytes: Int, mayBeEmpty: Bool = false) -> String? {
        if text.isEmpty, !mayBeEmpty { return "must not be empty" }
        if text.utf8.count > maximumBytes { return "must be at most \(maximumBytes) bytes, got \(text.utf8.count)" }
        if let scalar = text.unicodeScalars.first(where: TerminalText.isControl) {
            return "must not contain control characters, found \(TerminalText.escape(scalar))"
        }
        return nil
    }
}

/// A value from a device that is well-formed JSON but outside what the field can hold; names the field.
public struct WireValueError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}

extension KeyedDecodingContainer {
    /// Decodes an integer and refuses it, naming the key, when it falls outside `range`.
    func decode(_ type: Int64.Type, forKey key: Key, in range: ClosedRange<Int64>) throws -> Int64 {
        let value = try decode(Int64.self, forKey: key)
        guard range.contains(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(value) is out of range (expected \(range.lowerBound) to \(range.upperBound))")
        }
        return value
    }

    /// Decodes a short text (a boot id) and refuses it when empty, too long or holding control characters.
    func decodeShortText(forKey key: Key) throws -> String {
        let text = try decode(String.self, forKey: key)
        if let problem = WireLimits.problem(text: text, maximumBytes: WireLimits.shortTextBytes) {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: problem)
        }
        return text
    }
}
