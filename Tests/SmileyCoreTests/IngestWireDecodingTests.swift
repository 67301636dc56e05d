import Foundation
import SmileyCore
import Testing

/// The ingest body's fast reader against `JSONDecoder`: the same batch whenever it takes a body, and the
/// very same error message for every bad body (it hands those to `JSONDecoder`).
@Suite struct IngestWireDecodingTests {
    static let device = DeviceID(rawValue: "paro-exit-1")!
    static let batch = IngestBatch(
        device: device, centre: CentreID(rawValue: "paro-dcrc")!,
        presses: [
            Press(
                device: device, boot: "2b1f0c9e-4a6d-4f7e-9d3c-5b8a1e2f3c4d", sequence: 1, answer: .veryHappy,
                monotonicNanos: 0, wallClockMillis: 1_793_593_800_000, clockSynchronised: true),
            Press(
                device: device, boot: "2b1f0c9e-4a6d-4f7e-9d3c-5b8a1e2f3c4d", sequence: 2, answer: .soSo,
                monotonicNanos: WireLimits.monotonicNanos.upperBound, wallClockMillis: -(1 << 53),
                clockSynchronised: false, suppressed: true),
            Press(
                device: DeviceID(rawValue: "other_device")!, boot: "boot two", sequence: 1 << 53,
                answer: .veryUnhappy, monotonicNanos: 17, wallClockMillis: 1 << 53, clockSynchronised: false),
        ],
        clock: ClockSample(
            boot: "2b1f0c9e-4a6d-4f7e-9d3c-5b8a1e2f3c4d", monotonicNanos: 99, wallClockMillis: 0,
            synchronised: false))

    /// What decoding `text` gives: the batch, or the readable error the hub answers with.
    enum Outcome: Equatable {
        case batch(IngestBatch)
        case error(String)
    }

    static func outcome(_ decode: () throws -> IngestBatch) -> Outcome {
        do { return .batch(try decode()) } catch let error as DecodingError {
            return .error(error.readableDescription)
        } catch {
            return .error("not a DecodingError: \(error)")
        }
    }

    static func viaJSONDecoder(_ data: Data) -> Outcome {
        outcome { try JSONDecoder().decode(IngestBatch.self, from: data) }
    }

    static func viaWire(_ data: Data) -> Outcome { outcome { try IngestBatch.decodeWire(data) } }

    static func fast(_ data: Data) -> IngestBatch? { data.withUnsafeBytes { IngestBatch.fastDecoded(from: $0) } }

    /// The batch as JSON, keys sorted by default (so the cases below find what they replace).
    static func body(_ formatting: JSONEncoder.OutputFormatting = .sortedKeys) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        return String(decoding: try encoder.encode(batch), as: UTF8.self)
    }

    @Test(arguments: [
        JSONEncoder.OutputFormatting(), .sortedKeys, .prettyPrinted, [.prettyPrinted, .sortedKeys],
    ])
    func theFastReaderTakesWhatDevicesSend(formatting: JSONEncoder.OutputFormatting) throws {
        let data = Data(try Self.body(formatting).utf8)
        #expect(Self.fast(data) == Self.batch)
        #expect(Self.viaWire(data) == .batch(Self.batch))
        #expect(Self.viaJSONDecoder(data) == .batch(Self.batch))
        let empty = IngestBatch(device: Self.device, centre: Self.batch.centre, presses: [], clock: Self.batch.clock)
        let emptyData = try JSONEncoder().encode(empty)
        #expect(Self.fast(emptyData) == empty)
        let spaced = Data(" \t\r\n".utf8) + data + Data(" \n".utf8)
        #expect(Self.fast(spaced) == Self.batch)
    }

    /// Bodies the fast reader refuses: `decodeWire` answers exactly what `JSONDecoder` answers.
    @Test(arguments: [
        // wrong types
        (#""sequence":1,"#, #""sequence":"one","#, "presses[0].sequence: expected an integer"),
        (#""suppressed":true"#, #""suppressed":1"#, "presses[1].suppressed: expected true or false"),
        (#""device":"paro-exit-1","presses""#, #""device":5,"presses""#, "device: expected a string"),
        (#""presses":["#, #""presses":{"a":1},"x":["#, "presses: expected"),
        (#""clock":{"#, #""clock":null,"x":{"#, "clock: expected"),
        (
            #""clockSynchronised":true"#, #""clockSynchronised":"true""#,
            "presses[0].clockSynchronised: expected true or false"
        ),
        // missing fields
        (#""clock":{"#, #""clack":{"#, "missing field 'clock'"),
        (#","suppressed":true"#, "", "presses[1]: missing field 'suppressed'"),
        (#""monotonicNanos":99,"#, "", "clock: missing field 'monotonicNanos'"),
        // extra nesting
        (#""presses":["#, #""presses":[[],"#, "presses[0]: expected"),
        (#""device":"paro-exit-1","presses""#, #""device":["paro-exit-1"],"presses""#, "device: expected a string"),
        (#""sequence":1,"#, #""sequence":[1],"#, "presses[0].sequence: expected an integer"),
        // huge and not-integral numbers (JSONDecoder names no field for a number Int64 cannot hold)
        (#""sequence":1,"#, #""sequence":99999999999999999999,"#, "not valid JSON"),
        (#""sequence":1,"#, #""sequence":1e30,"#, "not valid JSON"),
        (#""sequence":1,"#, #""sequence":1.5,"#, "not valid JSON"),
        (#""sequence":1,"#, #""sequence":0,"#, "presses[0].sequence: 0 is out of range (expected 1 to"),
        (#""sequence":1,"#, #""sequence":-1,"#, "presses[0].sequence: -1 is out of range"),
        (#""sequence":1,"#, #""sequence":9007199254740993,"#, "presses[0].sequence: 9007199254740993 is out of range"),
        (#""monotonicNanos":0,"#, #""monotonicNanos":9223372036854775807,"#, "presses[0].monotonicNanos"),
        (#""monotonicNanos":0,"#, #""monotonicNanos":-9223372036854775809,"#, "not valid JSON"),
        (#""wallClockMillis":0}"#, #""wallClockMillis":-9007199254740993}"#, "clock.wallClockMillis"),
        // bad values inside the checks
        (#""device":"paro-exit-1","presses""#, #""device":"Paro","presses""#, "device: invalid device id 'Paro'"),
        (#""answer":"so-so""#, #""answer":"happy""#, "presses[1].answer"),
        (#""question":"accessibility""#, #""question":"speed""#, "presses[1].question"),
        (#""boot":"boot two""#, #""boot":"""#, "presses[2].boot: must not be empty"),
        (#""boot":"boot two""#, #""boot":"\u0007""#, "presses[2].boot: must not contain control characters"),
        // not JSON at all
        (#""presses":["#, #""presses":[,"#, "not valid JSON"),
        (#"]}"#, #"]"#, "not valid JSON"),
    ])
    func badBodiesGetTodaysMessages(replacing: String, with: String, expected: String) throws {
        let valid = try Self.body()
        #expect(valid.contains(replacing), "the fixture lacks \(replacing)")
        let range = try #require(valid.range(of: replacing))
        let text = valid.replacingCharacters(in: range, with: with)
        let data = Data(text.utf8)
        #expect(Self.fast(data) == nil, "\(text)")
        let wire = Self.viaWire(data)
        #expect(wire == Self.viaJSONDecoder(data))
        guard case .error(let message) = wire else {
            Issue.record("decoded \(text)")
            return
        }
        #expect(message.contains(expected), "\(message)")
    }

    @Test func badUTF8IsRefusedAsBefore() throws {
        var data = Data(try Self.body().utf8)
        let range = try #require(data.range(of: Data("boot two".utf8)))
        data[range.lowerBound + 4] = 0xFF
        #expect(Self.fast(data) == nil)
        #expect(Self.viaWire(data) == Self.viaJSONDecoder(data))
        guard case .error = Self.viaWire(data) else {
            Issue.record("a body with a lone 0xFF byte decoded")
            return
        }
        var truncated = Data(try Self.body().utf8)
        truncated.removeLast()
        #expect(Self.fast(truncated) == nil)
        #expect(Self.viaWire(truncated) == .error("not valid JSON"))
    }

    /// Shapes `JSONDecoder` takes but the fast reader leaves to it: the outcome is the same either way.
    @Test(arguments: [
        // duplicate keys (whatever JSONDecoder makes of them, the hub still makes)
        (#""sequence":1,"#, #""sequence":1,"sequence":5,"#),
        (#""device":"paro-exit-1","presses""#, #""device":"paro-exit-1","device":"paro-exit-2","presses""#),
        (#""suppressed":true"#, #""suppressed":true,"suppressed":false"#),
        // escapes, unknown keys, non-ASCII text
        (#""boot":"boot two""#, #""boot":"boot\u0020two""#),
        (#""boot":"boot two""#, #""boot":"boot\/two""#),
        (#""boot":"boot two""#, #""boot":"bööt""#),
        (#""clock":{"#, #""firmware":{"a":[1,2.5,null]},"clock":{"#),
        (#""sequence":1,"#, #""sequence":1.0,"#),
        (#""sequence":1,"#, #""sequence":-0,"#),
    ])
    func shapesLeftToJSONDecoderDecodeAsBefore(replacing: String, with: String) throws {
        let valid = try Self.body()
        let range = try #require(valid.range(of: replacing))
        let data = Data(valid.replacingCharacters(in: range, with: with).utf8)
        #expect(Self.fast(data) == nil)
        #expect(Self.viaWire(data) == Self.viaJSONDecoder(data))
    }

    /// Thousands of corrupted bodies (bytes dropped, changed, repeated): whenever the fast reader takes one,
    /// `JSONDecoder` decodes the very same batch, and `decodeWire` always answers what `JSONDecoder` does.
    @Test func corruptedBodiesAgreeWithJSONDecoder() throws {
        let valid = Array(try Self.body().utf8)
        let interesting = Array(#"{}[]:,"\0123456789-+.eE truefalsenull/\u"#.utf8) + [0x00, 0x7F, 0xC3, 0xFF]
        var random = SplitMix64(seed: 15)
        var taken = 0
        for _ in 0..<3_000 {
            var bytes = valid
            for _ in 0...Int(random.next() % 3) {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes.remove(at: at)
                case 1: bytes[at] = interesting[Int(random.next() % UInt64(interesting.count))]
                case 2: bytes.insert(interesting[Int(random.next() % UInt64(interesting.count))], at: at)
                default:
                    let end = min(bytes.count, at + Int(random.next() % 40))
                    bytes.insert(contentsOf: bytes[at..<end], at: at)
                }
            }
            let data = Data(bytes)
            let expected = Self.viaJSONDecoder(data)
            if let fast = Self.fast(data) {
                taken += 1
                #expect(expected == .batch(fast), "\(String(decoding: bytes, as: UTF8.self))")
            }
            #expect(Self.viaWire(data) == expected, "\(String(decoding: bytes, as: UTF8.self))")
        }
        // Some corruptions leave a valid body (a changed digit): the reader must have taken some.
        #expect(taken > 0)
    }
}
