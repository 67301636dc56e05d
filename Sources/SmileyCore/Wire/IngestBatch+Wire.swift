import Foundation

extension IngestBatch {
    /// Decodes the body of `POST /api/v1/ingest`.
    ///
    /// The common body (every string plain ASCII without escapes, every number a plain integer, every key
    /// once and known) is read by `fastDecoded(from:)`, several times quicker than `JSONDecoder`. Anything
    /// else, and anything that fails a check, goes to `JSONDecoder`, whose value or error is returned: a
    /// bad body gets exactly the error it always got.
    public static func decodeWire(_ data: Data) throws -> IngestBatch {
        let fast = data.withUnsafeBytes { fastDecoded(from: $0) }
        if let fast { return fast }
        return try JSONDecoder().decode(IngestBatch.self, from: data)
    }

    /// Decodes the body of `POST /api/v1/ingest` from bytes; see `decodeWire(_:)`.
    public static func decodeWire(bytes: UnsafeRawBufferPointer) throws -> IngestBatch {
        if let fast = fastDecoded(from: bytes) { return fast }
        return try JSONDecoder().decode(IngestBatch.self, from: Data(bytes))
    }

    /// The batch `bytes` hold when they are the common shape and pass every check `init(from:)` makes;
    /// nil when they are anything else (then `JSONDecoder` decides, and names the problem if there is one).
    /// Whenever this returns a batch, `JSONDecoder` returns the same batch from the same bytes.
    public static func fastDecoded(from bytes: UnsafeRawBufferPointer) -> IngestBatch? {
        var reader = WireReader(bytes: bytes)
        return reader.batch()
    }
}

/// A strict reader of the common ingest body. Every method returns nil at the first thing it does not
/// take; it never guesses.
private struct WireReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    /// The last device and boot texts read, reused when the next press repeats them (they always do).
    var lastDevice: (span: Span, id: DeviceID)?
    var lastBoot: (span: Span, text: String)?

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    struct Span {
        var start: Int
        var count: Int
    }

    mutating func batch() -> IngestBatch? {
        skipWhitespace()
        guard take(UInt8(ascii: "{")) else { return nil }
        var device: DeviceID?
        var centre: CentreID?
        var presses: [Press]?
        var clock: ClockSample?
        var first = true
        while true {
            skipWhitespace()
            if take(UInt8(ascii: "}")) { break }
            if !first {
                guard take(UInt8(ascii: ",")) else { return nil }
                skipWhitespace()
            }
            first = false
            guard let key = string() else { return nil }
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            if matches(key, "device") {
                guard device == nil, let span = string(), let id = DeviceID(rawValue: text(span)) else { return nil }
                device = id
            } else if matches(key, "centre") {
                guard centre == nil, let span = string(), let id = CentreID(rawValue: text(span)) else { return nil }
                centre = id
            } else if matches(key, "presses") {
                guard presses == nil, let list = pressList() else { return nil }
                presses = list
            } else if matches(key, "clock") {
                guard clock == nil, let sample = clockSample() else { return nil }
                clock = sample
            } else {
                return nil
            }
        }
        skipWhitespace()
        guard index == bytes.count, let device, let centre, let presses, let clock else { return nil }
        return IngestBatch(device: device, centre: centre, presses: presses, clock: clock)
    }

    mutating func pressList() -> [Press]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var list: [Press] = []
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return list }
        while true {
            skipWhitespace()
            guard let press = press() else { return nil }
            list.append(press)
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return list }
            guard take(UInt8(ascii: ",")) else { return nil }
        }
    }

    mutating func press() -> Press? {
        guard take(UInt8(ascii: "{")) else { return nil }
        var device: DeviceID?
        var boot: String?
        var sequence: Int64?
        var question: Question?
        var answer: Span?
        var monotonicNanos: Int64?
        var wallClockMillis: Int64?
        var clockSynchronised: Bool?
        var suppressed: Bool?
        var first = true
        while true {
            skipWhitespace()
            if take(UInt8(ascii: "}")) { break }
            if !first {
                guard take(UInt8(ascii: ",")) else { return nil }
                skipWhitespace()
            }
            first = false
            guard let key = string() else { return nil }
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            switch key.count {
            case 6 where matches(key, "device"):
                guard device == nil, let id = deviceID() else { return nil }
                device = id
            case 4 where matches(key, "boot"):
                guard boot == nil, let text = bootText() else { return nil }
                boot = text
            case 8 where matches(key, "sequence"):
                guard sequence == nil, let value = integer(), WireLimits.sequences.contains(value) else { return nil }
                sequence = value
            case 8 where matches(key, "question"):
                guard question == nil, let span = string() else { return nil }
                if matches(span, "satisfaction") {
                    question = .satisfaction
                } else if matches(span, "accessibility") {
                    question = .accessibility
                } else {
                    return nil
                }
            case 6 where matches(key, "answer"):
                guard answer == nil, let span = string() else { return nil }
                answer = span
            case 14 where matches(key, "monotonicNanos"):
                guard monotonicNanos == nil, let value = integer(), WireLimits.monotonicNanos.contains(value) else {
                    return nil
                }
                monotonicNanos = value
            case 15 where matches(key, "wallClockMillis"):
                guard wallClockMillis == nil, let value = integer(), WireLimits.wallClockMillis.contains(value)
                else { return nil }
                wallClockMillis = value
            case 17 where matches(key, "clockSynchronised"):
                guard clockSynchronised == nil, let value = boolean() else { return nil }
                clockSynchronised = value
            case 10 where matches(key, "suppressed"):
                guard suppressed == nil, let value = boolean() else { return nil }
                suppressed = value
            default:
                return nil
            }
        }
        guard let device, let boot, let sequence, let question, let answer, let monotonicNanos, let wallClockMillis,
            let clockSynchronised, let suppressed,
            let chosen = question.answers.first(where: { matches(answer, $0.name) })
        else { return nil }
        return Press(
            device: device, boot: boot, sequence: sequence, answer: chosen, monotonicNanos: monotonicNanos,
            wallClockMillis: wallClockMillis, clockSynchronised: clockSynchronised, suppressed: suppressed)
    }

    mutating func clockSample() -> ClockSample? {
        guard take(UInt8(ascii: "{")) else { return nil }
        var boot: String?
        var monotonicNanos: Int64?
        var wallClockMillis: Int64?
        var synchronised: Bool?
        var first = true
        while true {
            skipWhitespace()
            if take(UInt8(ascii: "}")) { break }
            if !first {
                guard take(UInt8(ascii: ",")) else { return nil }
                skipWhitespace()
            }
            first = false
            guard let key = string() else { return nil }
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            if matches(key, "boot") {
                guard boot == nil, let text = bootText() else { return nil }
                boot = text
            } else if matches(key, "monotonicNanos") {
                guard monotonicNanos == nil, let value = integer(), WireLimits.monotonicNanos.contains(value) else {
                    return nil
                }
                monotonicNanos = value
            } else if matches(key, "wallClockMillis") {
                guard wallClockMillis == nil, let value = integer(), WireLimits.wallClockMillis.contains(value)
                else { return nil }
                wallClockMillis = value
            } else if matches(key, "synchronised") {
                guard synchronised == nil, let value = boolean() else { return nil }
                synchronised = value
            } else {
                return nil
            }
        }
        guard let boot, let monotonicNanos, let wallClockMillis, let synchronised else { return nil }
        return ClockSample(
            boot: boot, monotonicNanos: monotonicNanos, wallClockMillis: wallClockMillis, synchronised: synchronised)
    }

    // MARK: Values

    mutating func deviceID() -> DeviceID? {
        guard let span = string() else { return nil }
        if let lastDevice, same(span, lastDevice.span) { return lastDevice.id }
        guard let id = DeviceID(rawValue: text(span)) else { return nil }
        lastDevice = (span, id)
        return id
    }

    /// A boot id: what `decodeShortText` takes (the reader's strings are already free of control characters).
    mutating func bootText() -> String? {
        guard let span = string() else { return nil }
        if let lastBoot, same(span, lastBoot.span) { return lastBoot.text }
        let value = text(span)
        guard WireLimits.problem(text: value, maximumBytes: WireLimits.shortTextBytes) == nil else { return nil }
        lastBoot = (span, value)
        return value
    }

    /// A string of printable ASCII without escapes; its bytes between the quotes.
    mutating func string() -> Span? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return Span(start: start, count: index - 1 - start)
            }
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    /// An integer as JSON writes it (no fraction, no exponent, no leading zero, not "-0") that fits Int64.
    mutating func integer() -> Int64? {
        let negative = take(UInt8(ascii: "-"))
        let start = index
        var magnitude: UInt64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            let (times, overflowTimes) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(UInt64(digit))
            guard !overflowTimes, !overflowSum else { return nil }
            magnitude = sum
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            default: break
            }
        }
        if negative {
            guard magnitude > 0, magnitude <= UInt64(Int64.max) else { return nil }
            return -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    mutating func boolean() -> Bool? {
        if takeWord("true") { return true }
        if takeWord("false") { return false }
        return nil
    }

    // MARK: Bytes

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A literal followed by something that cannot continue a word.
    mutating func takeWord(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count, memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else {
            return false
        }
        let end = index + count
        if end < bytes.count {
            switch bytes[end] {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"): break
            default: return false
            }
        }
        index = end
        return true
    }

    func matches(_ span: Span, _ literal: StaticString) -> Bool {
        span.count == literal.utf8CodeUnitCount
            && (span.count == 0 || memcmp(bytes.baseAddress! + span.start, literal.utf8Start, span.count) == 0)
    }

    func matches(_ span: Span, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { utf8 in
            span.count == utf8.count
                && (span.count == 0 || memcmp(bytes.baseAddress! + span.start, utf8.baseAddress!, span.count) == 0)
        }
    }

    func same(_ a: Span, _ b: Span) -> Bool {
        a.count == b.count
            && (a.count == 0 || memcmp(bytes.baseAddress! + a.start, bytes.baseAddress! + b.start, a.count) == 0)
    }

    func text(_ span: Span) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.start + span.count]), as: UTF8.self)
    }
}
