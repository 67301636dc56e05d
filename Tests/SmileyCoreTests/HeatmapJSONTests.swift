import Foundation
import SmileyCore
import Testing

/// `HeatmapResponse.jsonBytes()` writes the bytes `JSONEncoder` writes (sorted keys, slashes unescaped), on
/// generated reports, hostile text, extreme numbers and absent values.
@Suite struct HeatmapJSONTests {
    static func encoded(_ response: HeatmapResponse) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(response))
    }

    /// A small deterministic generator, so a failure can be replayed from its seed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var mixed = state
            mixed = (mixed ^ (mixed >> 31)) &* 0xbf58_476d_1ce4_e5b9
            return mixed ^ (mixed >> 29)
        }
    }

    static let hostile = [
        "", "plain", "quote \" inside", "back\\slash", "slash / and </script>", "tab\tnew\nline\rreturn",
        "\u{08}\u{0C}\u{00}\u{01}\u{1F}\u{7F}", "Thimphu ཐིམ་ཕུ", "e\u{0301}\u{0022}\u{0301}", "emoji 😀 & <b>",
        "\u{2028}\u{2029}\u{FEFF}", "'single' & \"double\"", "Asia/Thimphu",
    ]

    /// Numbers as reports hold them, and the awkward ones: whole, tiny, huge, negative zero, long fractions.
    static let numbers: [Double] = [
        0, -0.0, 1, 100, 66.666_666_666_666_67, 33.333_333_333_333_336, 0.1, 1e-5, 1.5e-7, 123_456_789.125, 1e16,
        2.5e21, -1.96, 5e-324, 1.797_693_134_862_315_7e308, 99.999_999_999_999_99, 12.0,
    ]

    static func randomResponse(_ generator: inout Generator) throws -> HeatmapResponse {
        func number() -> Double {
            Bool.random(using: &generator)
                ? numbers.randomElement(using: &generator)!
                : Double.random(in: -1e3...1e3, using: &generator)
        }
        func maybe() -> Double? { Int.random(in: 0..<4, using: &generator) == 0 ? nil : number() }
        func text() -> String {
            (0..<Int.random(in: 1...3, using: &generator)).map { _ in hostile.randomElement(using: &generator)! }
                .joined()
        }
        let from = LocalDate(daysSinceEpoch: Int.random(in: 15_000...25_000, using: &generator))
        let days = Int.random(in: 1...100, using: &generator)
        let window = DateWindow(days: days, endingOn: from.adding(days: days - 1))
        let question = Bool.random(using: &generator) ? Question.satisfaction : .accessibility
        let hours = try OpeningHours.parse("Mon-Sat 09:00-17:00")
        let rows = (0..<Int.random(in: 0...200, using: &generator)).map { _ in
            HourCount(
                date: window.from.adding(days: Int.random(in: -days - 7..<days, using: &generator)),
                hour: Int.random(in: 0..<24, using: &generator),
                score: Int.random(in: 1...question.answers.count, using: &generator),
                count: Int.random(in: 1...40, using: &generator))
        }
        let report = WindowReport(
            question: question, window: window, rows: rows,
            calendar: OpeningCalendar(hours: Bool.random(using: &generator) ? hours : nil, holidays: []),
            minimumCount: Int.random(in: 1...10, using: &generator))
        var response = HeatmapResponse(
            centre: CentreID(rawValue: "centre-\(Int.random(in: 0..<1000, using: &generator))")!, timeZone: text(),
            openingHours: Bool.random(using: &generator) ? text() : nil, report: report,
            timeUncertainPresses: Int.random(in: 0...Int.max, using: &generator))
        // Beside the computed values, arbitrary ones in every field the writer touches.
        if Bool.random(using: &generator) {
            response.index = maybe()
            response.low = maybe()
            response.high = maybe()
            response.presses = Int.random(in: Int.min...Int.max, using: &generator)
            response.previous.change = maybe()
            response.previous.z = maybe()
            response.previous.index = maybe()
            response.previous.low = maybe()
            response.previous.high = maybe()
            response.answers = response.answers.map { answer in
                var answer = answer
                answer.label = text()
                answer.answer = text()
                answer.count = Int.random(in: Int.min...Int.max, using: &generator)
                return answer
            }
            response.cells = response.cells.map { cell in
                var cell = cell
                cell.index = maybe()
                cell.low = maybe()
                cell.high = maybe()
                return cell
            }
            response.daily = response.daily.map { day in
                var day = day
                day.index = maybe()
                day.low = maybe()
                day.high = maybe()
                return day
            }
        }
        return response
    }

    @Test func writesWhatJSONEncoderWritesOnGeneratedResponses() throws {
        for seed in UInt64(0)..<400 {
            var generator = Generator(state: seed)
            let response = try Self.randomResponse(&generator)
            let written = try response.jsonBytes()
            let expected = try Self.encoded(response)
            #expect(written == expected, "seed \(seed): \(String(decoding: written, as: UTF8.self))")
            #expect(try JSONDecoder().decode(HeatmapResponse.self, from: Data(written)) == response, "seed \(seed)")
        }
    }

    @Test func everyHostileStringAndNumberAlone() throws {
        var generator = Generator(state: 7)
        var response = try Self.randomResponse(&generator)
        for text in Self.hostile + (0..<0x80).map { String(UnicodeScalar(UInt8($0))) } {
            response.timeZone = text
            response.openingHours = text
            #expect(try response.jsonBytes() == Self.encoded(response), "\(text.debugDescription)")
        }
        for number in Self.numbers + Self.numbers.map(-) {
            response.index = number
            response.previous.z = number
            #expect(try response.jsonBytes() == Self.encoded(response), "\(number)")
        }
    }

    @Test func aNumberJSONCannotHoldIsRefusedByName() throws {
        var generator = Generator(state: 11)
        var response = try Self.randomResponse(&generator)
        response.previous.z = .nan
        #expect(throws: (any Error).self) { try Self.encoded(response) }
        #expect {
            try response.jsonBytes()
        } throws: { error in
            "\(error)".contains("previous.z is nan")
        }
        response.previous.z = nil
        response.index = -.infinity
        #expect {
            try response.jsonBytes()
        } throws: { error in
            "\(error)" == "index is -inf, which JSON cannot hold"
        }
    }
}
